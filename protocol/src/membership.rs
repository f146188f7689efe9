//! Membership that lasts (Banter extension; `docs/protocol.md`, "Membership"): the server
//! keeps a signed-in account's rooms and its read marker in each, so every device of the
//! account finds the same rooms, read positions and unread counts. A server that serves
//! these events lists [`FEATURE`].
//!
//! - A signed-in socket's `join` adds the room to its account's rooms; [`crate::ext::LEAVE`]
//!   removes it; a disconnect does not.
//! - [`MY_ROOMS`] lists them with, per room, the latest seq, the read marker and the unread
//!   count (messages after the marker not sent under the account's name).
//! - [`READ`] moves the account's marker in a room forward (never back); its other sockets
//!   get [`READ_MARKER`].
//! - A `banter:leave` on one device takes the account's other sockets out of the room too
//!   ([`ROOM_LEFT`]), so no device brings the room back by joining it again on reconnect.

use serde::{Deserialize, Serialize};

/// Listed in `features` by servers that keep accounts' rooms and read markers.
pub const FEATURE: &str = "membership";

/// Client → server, signed in: no payload; ack `[null, MyRooms]` or `[error]`.
pub const MY_ROOMS: &str = "banter:my-rooms";
/// Client → server, signed in: [`ReadRequest`]; ack `[null, ReadMarker]` or `[error]`.
pub const READ: &str = "banter:read";
/// Server → the account's other signed-in sockets, when its marker moved: [`ReadMarker`].
pub const READ_MARKER: &str = "banter:read-marker";
/// Server → the account's other sockets that were in a room the account left with
/// [`crate::ext::LEAVE`] on one device: [`RoomLeft`]; they are no longer in it.
pub const ROOM_LEFT: &str = "banter:room-left";

/// [`READ`] from a socket that is not signed in to an account.
pub const ERR_NOT_SIGNED_IN: &str = crate::accounts::ERR_NOT_SIGNED_IN;
/// [`READ`] for a room that is not among the account's rooms.
pub const ERR_NOT_A_MEMBER: &str = "Not one of your rooms: join it first!";

/// One of the account's rooms, in [`MyRooms`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomStatus {
    pub room: String,
    /// The room's newest sequence number (0 for a room without messages).
    pub latest_seq: u64,
    /// The account's read marker: it has read every message up to this seq.
    pub read_seq: u64,
    /// Messages with `seq > read_seq` not sent under the account's name.
    pub unread: u64,
    /// When the account first joined the room (milliseconds since the Unix epoch).
    pub joined_at: i64,
}

/// Second ack argument of [`MY_ROOMS`]: the account's rooms, in the order it joined them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRooms {
    pub rooms: Vec<RoomStatus>,
}

/// [`READ`] payload: "I have read every message of this room up to `seq`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadRequest {
    pub room: String,
    pub seq: u64,
}

/// Second ack argument of [`READ`], and the [`READ_MARKER`] payload: the marker after the
/// change (never lower than before, never past the room's latest seq) and what is unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadMarker {
    pub room: String,
    pub read_seq: u64,
    pub latest_seq: u64,
    pub unread: u64,
}

/// [`ROOM_LEFT`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomLeft {
    pub room: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_on_the_wire() {
        let r: ReadRequest = serde_json::from_value(json!({"room": "lobby", "seq": 4})).unwrap();
        assert_eq!(r, ReadRequest { room: "lobby".into(), seq: 4 });
        assert!(serde_json::from_value::<ReadRequest>(json!({"room": "lobby", "seq": -1})).is_err());
        let m = ReadMarker { room: "lobby".into(), read_seq: 4, latest_seq: 6, unread: 1 };
        assert_eq!(serde_json::to_value(m).unwrap(), json!({"room": "lobby", "readSeq": 4, "latestSeq": 6, "unread": 1}));
        let s = RoomStatus { room: "a".into(), latest_seq: 3, read_seq: 1, unread: 2, joined_at: 9 };
        assert_eq!(
            serde_json::to_value(MyRooms { rooms: vec![s] }).unwrap(),
            json!({"rooms": [{"room": "a", "latestSeq": 3, "readSeq": 1, "unread": 2, "joinedAt": 9}]})
        );
    }
}
