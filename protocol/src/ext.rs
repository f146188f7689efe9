//! Banter's extensions (protocol version [`PROTOCOL_VERSION`]). Every event name starts with
//! `banter:` so it can never clash with a classic event. See `docs/protocol.md`.
//!
//! Negotiation: a Banter client adds `"banter": {"v": 1}` to its classic `join`. A Banter
//! server then acks with two arguments, `[null, JoinAccepted]`; a classic server ignores the
//! field and acks with none. The server also greets every socket with [`HELLO`].

use serde::{Deserialize, Serialize};

/// The extension protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Server → client at connect: [`Hello`].
pub const HELLO: &str = "banter:hello";
/// Client → server: [`SendRequest`], ack `[null, SendAccepted]` or `[error]`.
pub const SEND: &str = "banter:send";
/// Client → server: [`LocationRequest`], a shared location with a client-chosen id; ack
/// `[null, SendAccepted]` or `[error]`, exactly as [`SEND`]. Servers that list
/// [`features::LOCATION`] accept it.
pub const LOCATION: &str = "banter:location";
/// Client → server: [`LeaveRequest`], ack `[]` or `[error]`.
pub const LEAVE: &str = "banter:leave";
/// Client → server: [`HistoryRequest`], ack `[null, HistoryPage]` or `[error]`.
pub const HISTORY: &str = "banter:history";
/// Client → server: [`TypingRequest`]; server → others in the room: [`Typing`].
pub const TYPING: &str = "banter:typing";
/// Client → server: [`Received`], a cumulative "I have every message up to `seq`".
pub const RECEIVED: &str = "banter:received";
/// Server → Banter sockets of a room: [`Message`].
pub const MESSAGE: &str = "banter:message";
/// Server → Banter sockets of a room: [`Presence`].
pub const PRESENCE: &str = "banter:presence";
/// Server → the sender of a message: [`Receipt`].
pub const RECEIPT: &str = "banter:receipt";

/// A send refused for a fault of the server's (nothing was stored): try again.
pub const ERR_SERVER: &str = "Server error, please try again.";
/// A send the server could not store now (its database is unreachable or restarting):
/// nothing was stored; the same message (same id) may be sent again later.
pub const ERR_STORE_UNAVAILABLE: &str = "The server cannot store messages right now: try again in a moment";

/// Whether a send's refusal means "not now" rather than "no": an outbox keeps the message
/// and sends it again later under the same id (the server stores an id once).
pub fn is_transient_refusal(reason: &str) -> bool {
    reason == ERR_SERVER || reason == ERR_STORE_UNAVAILABLE
}

/// Feature names listed in [`Hello::features`] and [`JoinAccepted::features`].
pub mod features {
    pub const IDS: &str = "ids";
    pub const HISTORY: &str = "history";
    pub const PRESENCE: &str = "presence";
    pub const TYPING: &str = "typing";
    pub const RECEIPTS: &str = "receipts";
    pub const MULTI_ROOM: &str = "multi-room";
    pub const AUTH: &str = "auth";
    /// The server accepts [`super::LOCATION`].
    pub const LOCATION: &str = "location";
    /// The server has accounts and sessions (`crate::accounts`); [`super::Hello::accounts`]
    /// says who may register and whether guests may chat.
    pub const ACCOUNTS: &str = "accounts";
    pub const ALL: &[&str] = &[IDS, HISTORY, PRESENCE, TYPING, RECEIPTS, MULTI_ROOM, LOCATION];
}

/// The server's limits, so a client can check before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub max_message_chars: u32,
    pub max_username_chars: u32,
    pub max_room_chars: u32,
    pub history_on_join: u32,
    /// Sustained messages per second a socket may send; 0 means unlimited.
    pub messages_per_second: u32,
    /// The largest upload (`crate::files`, servers with the `files` feature); absent (0)
    /// from servers without uploads.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_upload_bytes: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// [`HELLO`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    pub server: String,
    pub features: Vec<String>,
    pub limits: Limits,
    /// With [`features::ACCOUNTS`]: the server's registration mode and guest policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<crate::accounts::AccountsInfo>,
    /// The account this socket's handshake signed in (`auth.session`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<crate::accounts::Account>,
    /// With the `files` feature: the upload limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<crate::files::FilesInfo>,
}

/// The `banter` field of a classic `join`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinExtension {
    /// The extension protocol version the client speaks.
    pub v: u32,
    /// The last sequence number the client has for this room: the join then returns what
    /// came after it instead of the recent history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<u64>,
}

/// Second ack argument of a `join` that carried [`JoinExtension`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinAccepted {
    pub protocol: u32,
    /// The room and user name as the server normalised them.
    pub room: String,
    pub username: String,
    /// The room's newest sequence number (0 for an empty room).
    pub latest_seq: u64,
    /// Recent history, or everything after `since`, oldest first.
    pub history: Vec<Message>,
    /// True when more history exists before `history[0]` (or after, for a `since` join
    /// whose gap was larger than one page: fetch it with [`HISTORY`]).
    pub more: bool,
    /// The room's owner, topic, privacy, moderators and the joiner's role
    /// (`crate::rooms`); absent from servers without the `moderation` feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_info: Option<crate::rooms::RoomInfo>,
    /// Members of the room, sorted.
    pub users: Vec<String>,
    /// Those of `users` who are signed in (the others are guests), sorted; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signed_in: Vec<String>,
    pub features: Vec<String>,
    pub limits: Limits,
    /// For a socket signed in to an account: the account's read marker in this room
    /// (`crate::membership`); absent for guests and from servers without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_seq: Option<u64>,
}

/// What a stored message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    Text,
    Location,
}

/// [`MESSAGE`] payload: one stored message of a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// The id the sender chose (server-made for classic senders).
    pub id: String,
    pub room: String,
    /// Per-room sequence number, from 1, without gaps.
    pub seq: u64,
    pub username: String,
    pub kind: MessageKind,
    /// The text, or the URL of a location.
    pub text: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// True for a message a moderator removed (`crate::rooms::REMOVE`): `text` is then
    /// empty. Absent otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    /// When its author last edited it (`crate::edits`), in milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<i64>,
    /// Its reactions (`crate::reactions`); absent when it has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<crate::reactions::Reaction>,
    /// The message it answers, as it is now ([`ReplyRef`]); absent when it answers none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<ReplyRef>,
    /// The file it announces (`crate::files`, servers with the `files` feature); `text` is
    /// then the line classic peers get, with a download link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<crate::files::FilePart>,
}

/// [`SEND`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendRequest {
    pub id: String,
    pub room: String,
    pub text: String,
    /// The id of the message of the same room this one answers (servers with the
    /// `replies` feature; docs/protocol.md § 14).
    #[serde(default, rename = "replyTo", skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

/// Listed in `features` by servers that keep replies ([`SendRequest::reply_to`]).
pub const REPLIES_FEATURE: &str = "replies";

/// What a reply shows of the message it answers: `excerpt` is the start of its text now
/// (empty once it is removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplyRef {
    pub id: String,
    pub seq: u64,
    pub username: String,
    pub excerpt: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

/// Longest excerpt of an answered message, in characters.
pub const REPLY_EXCERPT_CHARS: usize = 120;

/// A reply's view of the message it answers.
pub fn reply_ref(m: &Message) -> ReplyRef {
    ReplyRef {
        id: m.id.clone(),
        seq: m.seq,
        username: m.username.clone(),
        excerpt: if m.removed { String::new() } else { m.text.chars().take(REPLY_EXCERPT_CHARS).collect() },
        removed: m.removed,
    }
}

/// [`LOCATION`] payload: the classic `sendLocation` coordinates plus the id and room of
/// [`SendRequest`], so a location is deduplicated and resent exactly like a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationRequest {
    pub id: String,
    pub room: String,
    pub latitude: f64,
    pub longitude: f64,
}

impl LocationRequest {
    /// The coordinates, as the classic layer carries them.
    pub fn location(&self) -> crate::classic::Location {
        crate::classic::Location { latitude: self.latitude, longitude: self.longitude }
    }
}

/// Second ack argument of [`SEND`] and [`LOCATION`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendAccepted {
    pub id: String,
    pub room: String,
    pub seq: u64,
    pub created_at: i64,
    /// True when this id was already stored: the message was not stored or sent again.
    pub duplicate: bool,
}

/// [`LEAVE`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveRequest {
    pub room: String,
}

/// [`HISTORY`] payload. Forward: the messages with `seq > since`, oldest first, at most
/// `limit`. Backward, when `before` is given: the newest `limit` messages with
/// `seq < before` (and `> since`), still oldest first — "load older messages".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRequest {
    pub room: String,
    #[serde(default)]
    pub since: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<u64>,
}

/// Second ack argument of [`HISTORY`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub room: String,
    pub messages: Vec<Message>,
    /// Forward: more messages follow the last one returned. Backward: older messages
    /// exist before the first one returned.
    pub more: bool,
}

/// Whether someone joined or left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresenceEvent {
    Joined,
    Left,
}

/// [`PRESENCE`] payload: a structured join or leave, with the member list after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    pub room: String,
    pub username: String,
    pub event: PresenceEvent,
    pub users: Vec<String>,
    pub at: i64,
    /// Those of `users` who are signed in to an account of this server (the others are
    /// guests); absent when there are none. Servers without accounts never send it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signed_in: Vec<String>,
}

/// [`TYPING`] client → server payload. A client repeats `typing: true` at most every 3 s
/// while typing; receivers drop the indicator after [`TYPING_EXPIRY_MS`] without a repeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypingRequest {
    pub room: String,
    pub typing: bool,
}

/// How long a typing indicator lives without a repeat.
pub const TYPING_EXPIRY_MS: u64 = 6_000;

/// [`TYPING`] server → client payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Typing {
    pub room: String,
    pub username: String,
    pub typing: bool,
}

/// [`RECEIVED`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    pub room: String,
    pub seq: u64,
}

/// [`RECEIPT`] payload: how many members of the room have confirmed a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub room: String,
    pub id: String,
    pub seq: u64,
    /// Members other than the sender that confirmed reception.
    pub received_by: u32,
    /// Members other than the sender when the message was sent.
    pub recipients: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classic::JoinRequest;

    #[test]
    fn banter_join_adds_one_field() {
        let j = JoinRequest {
            username: "ann".into(),
            room: "lobby".into(),
            banter: Some(JoinExtension { v: 1, since: Some(41) }),
        };
        assert_eq!(
            serde_json::to_string(&j).unwrap(),
            r#"{"username":"ann","room":"lobby","banter":{"v":1,"since":41}}"#
        );
    }

    #[test]
    fn message_shape() {
        let m = Message {
            id: "m1".into(),
            room: "lobby".into(),
            seq: 3,
            username: "ann".into(),
            kind: MessageKind::Text,
            text: "hi".into(),
            created_at: 9,
            removed: false,
            edited_at: None,
            reactions: Vec::new(),
            reply_to: None,
            file: None,
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"id":"m1","room":"lobby","seq":3,"username":"ann","kind":"text","text":"hi","createdAt":9}"#
        );
        let r = Receipt { room: "r".into(), id: "m1".into(), seq: 3, received_by: 2, recipients: 4 };
        let l = LocationRequest { id: "m2".into(), room: "lobby".into(), latitude: 48.8566, longitude: 2.3522 };
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"{"id":"m2","room":"lobby","latitude":48.8566,"longitude":2.3522}"#
        );
        assert_eq!(l.location().maps_url(), "https://google.com/maps?q=48.8566,2.3522");
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"room":"r","id":"m1","seq":3,"receivedBy":2,"recipients":4}"#
        );
    }
}
