//! Engine.IO protocol v3, spoken by socket.io 2.x servers (Banter's fork; upstream issue
//! 1c3t3a/rust-socketio#132, "support for engine.io v3").
//!
//! v3 differs from v4 in two ways that matter to a client:
//! - **the heartbeat runs the other way**: the client sends `ping` every `pingInterval` and
//!   the server answers `pong`. A v3 server never pings, and closes a client it has heard
//!   nothing from for `pingInterval + pingTimeout` (upstream dropped every 30 s);
//! - **long-polling payloads are framed** `<length>:<packet>`, the length in UTF-16 code
//!   units (a JavaScript string's `length`), where v4 separates packets with U+001E.
//!
//! The revision is told from what the server does, never configured:
//! - a polling handshake answered in v3 framing: v3;
//! - the server's first Socket.IO packet is a bare CONNECT for the main namespace (`0`, no
//!   sid): Socket.IO protocol v4, which servers send unasked and which only Engine.IO v3
//!   servers speak (a Socket.IO v5 server sends `0{"sid":…}`, and only in answer to the
//!   client's CONNECT): v3;
//! - a ping from the server: v4. A client never pings a server not known to be v3 (a v4
//!   server closes the connection on a client ping: "invalid heartbeat direction").

use std::sync::{
    atomic::{AtomicU8, Ordering},
    Arc,
};

use base64::{engine::general_purpose, Engine as _};
use bytes::Bytes;

use crate::{
    error::{Error, Result},
    Packet, PacketId,
};

/// The Engine.IO protocol revision a server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revision {
    /// Not seen yet: behave as v4 (the client never pings).
    Unknown,
    /// Engine.IO v3 (socket.io 2.x): the client pings, polling payloads are length-framed.
    V3,
    /// Engine.IO v4 (socket.io 3.x and later).
    V4,
}

/// The revision detected for one connection, shared by its socket and its transport.
#[derive(Clone, Debug, Default)]
pub struct DetectedRevision(Arc<AtomicU8>);

impl DetectedRevision {
    pub fn get(&self) -> Revision {
        match self.0.load(Ordering::Acquire) {
            3 => Revision::V3,
            4 => Revision::V4,
            _ => Revision::Unknown,
        }
    }

    /// Records what the server showed; the first sign wins. True when this call decided it.
    pub(crate) fn detect(&self, revision: Revision) -> bool {
        let value = match revision {
            Revision::V3 => 3,
            Revision::V4 => 4,
            Revision::Unknown => return false,
        };
        self.0
            .compare_exchange(0, value, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

/// Whether the data of a message packet is a Socket.IO v4 CONNECT for the main namespace,
/// which a socket.io 2.x server sends unasked right after the Engine.IO handshake.
pub(crate) fn is_socketio_v4_connect(data: &[u8]) -> bool {
    data == b"0"
}

/// Whether a polling body is in v3 framing: it starts with a decimal length and a colon.
/// (A v4 body starts with a packet type digit followed by the packet's data; a handshake's
/// is `0{`, never digits and `:`.)
pub(crate) fn is_v3_payload(body: &[u8]) -> bool {
    let digits = body.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && body.get(digits) == Some(&b':')
}

/// Decodes a v3 text payload: `<length>:<packet>` repeated, each length counting UTF-16
/// code units of the packet that follows.
pub(crate) fn decode_v3_payload(body: &[u8]) -> Result<Vec<Packet>> {
    let text = std::str::from_utf8(body)?;
    let mut packets = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (length, after) = rest.split_once(':').ok_or(Error::IncompletePacket())?;
        let units: usize = length.parse().map_err(|_| Error::InvalidPacket())?;
        let mut counted = 0;
        let mut end = 0;
        for c in after.chars() {
            if counted >= units {
                break;
            }
            counted += c.len_utf16();
            end += c.len_utf8();
        }
        if counted != units || units == 0 {
            return Err(Error::IncompletePacket());
        }
        packets.push(decode_v3_packet(&after[..end])?);
        rest = &after[end..];
    }
    Ok(packets)
}

/// One v3 text packet: a type digit and its data, or `b<type><base64>` for binary data.
fn decode_v3_packet(text: &str) -> Result<Packet> {
    if let Some(encoded) = text.strip_prefix('b') {
        let data = encoded.get(1..).ok_or(Error::IncompletePacket())?;
        let bytes = general_purpose::STANDARD.decode(data)?;
        return Ok(Packet::new(PacketId::MessageBinary, Bytes::from(bytes)));
    }
    Packet::try_from(Bytes::copy_from_slice(text.as_bytes()))
}

/// Frames one encoded text packet for a v3 polling POST.
pub(crate) fn encode_v3_payload(packet: &[u8]) -> Result<Bytes> {
    let text = std::str::from_utf8(packet)?;
    Ok(Bytes::from(format!("{}:{}", text.encode_utf16().count(), text)))
}

/// Frames binary data for a v3 polling POST (`b4` and base64, as a text payload).
pub(crate) fn encode_v3_binary(data: &[u8]) -> Bytes {
    let text = format!("b4{}", general_purpose::STANDARD.encode(data));
    Bytes::from(format!("{}:{}", text.len(), text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eio3_detects_v3_framing() {
        assert!(is_v3_payload(b"96:0{\"sid\":\"x\"}"));
        assert!(is_v3_payload(b"2:40"));
        assert!(!is_v3_payload(b"0{\"sid\":\"x\",\"upgrades\":[]}"));
        assert!(!is_v3_payload(b"42[\"message\",\"12:30\"]"));
        assert!(!is_v3_payload(b":"));
        assert!(!is_v3_payload(b""));
    }

    #[test]
    fn eio3_decodes_payloads_counting_utf16_units() {
        // "4é😀" is 4 UTF-16 units (😀 is a surrogate pair) and 7 UTF-8 bytes.
        let body = "14:0{\"sid\":\"abc\"}2:404:4é😀1:6".as_bytes();
        let packets = decode_v3_payload(body).unwrap();
        assert_eq!(packets.len(), 4);
        assert_eq!(packets[0].packet_id, PacketId::Open);
        assert_eq!(&packets[0].data[..], b"{\"sid\":\"abc\"}");
        assert_eq!(packets[1].packet_id, PacketId::Message);
        assert_eq!(&packets[1].data[..], b"0");
        assert_eq!(packets[2].packet_id, PacketId::Message);
        assert_eq!(&packets[2].data[..], "é😀".as_bytes());
        assert_eq!(packets[3].packet_id, PacketId::Noop);
    }

    #[test]
    fn eio3_decodes_base64_binary() {
        let packets = decode_v3_payload(b"6:b4AQID").unwrap();
        assert_eq!(packets[0].packet_id, PacketId::MessageBinary);
        assert_eq!(&packets[0].data[..], &[1, 2, 3]);
    }

    #[test]
    fn eio3_refuses_malformed_payloads() {
        for bad in [&b"5:42"[..], b"x:4", b"4", b"0:", b"3:4\xff\xfe", b"9999999999999999999999:4"] {
            assert!(decode_v3_payload(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        assert!(decode_v3_payload(b"").unwrap().is_empty());
    }

    #[test]
    fn eio3_encodes_like_engine_io_parser_2() {
        assert_eq!(&encode_v3_payload(b"2").unwrap()[..], b"1:2");
        let msg = "42[\"sendMessage\",\"h\u{e9}llo 😀\"]";
        let framed = encode_v3_payload(msg.as_bytes()).unwrap();
        assert_eq!(framed, Bytes::from(format!("{}:{msg}", msg.encode_utf16().count())));
        let round = decode_v3_payload(&framed).unwrap();
        assert_eq!(&round[0].data[..], &msg.as_bytes()[1..]);
        let bin = encode_v3_binary(&[1, 2, 3]);
        assert_eq!(&bin[..], b"6:b4AQID");
    }

    #[test]
    fn eio3_revision_first_sign_wins() {
        let r = DetectedRevision::default();
        assert_eq!(r.get(), Revision::Unknown);
        assert!(r.detect(Revision::V3));
        assert!(!r.detect(Revision::V4));
        assert_eq!(r.get(), Revision::V3);
        assert!(is_socketio_v4_connect(b"0"));
        assert!(!is_socketio_v4_connect(b"0{\"sid\":\"x\"}"));
    }
}
