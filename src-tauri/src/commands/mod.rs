//! Commands beyond the first slice, one job per module; each validates its input, calls the
//! core and maps the error to `{code, message}`, as those in lib.rs do.

pub mod account;
pub mod blocks;
pub mod connection;
pub mod desktop;
pub mod dms;
pub mod files;
pub mod membership;
pub mod moderation;
pub mod rooms;
pub mod sharing;
pub mod talk;
pub mod tls;
pub mod view;
