//! Banter's wire types. No I/O: only event names, payload shapes and the rules both ends
//! share (name normalisation, limits, ack shapes).
//!
//! Two layers (see `docs/protocol.md`):
//! - [`classic`]: the Socket.IO chat-tutorial protocol, byte for byte;
//! - [`ext`]: Banter's optional extensions, negotiated per socket.

pub mod accounts;
pub mod ack;
pub mod classic;
pub mod dms;
pub mod edits;
pub mod ext;
pub mod files;
pub mod membership;
pub mod reactions;
pub mod rooms;
pub mod rules;
pub mod search;

pub use ack::AckReply;
