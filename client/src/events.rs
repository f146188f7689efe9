//! The one typed event stream. Every event names its server and room, and serialises as a
//! JSON object with a `type` field (`snake_case`), ready for a web UI.

use serde::Serialize;
use tokio::sync::mpsc;

use crate::error::ClientError;

/// What kind of server a room subscription talks to, learnt from the join's ack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerKind {
    /// The classic chat tutorial: one room per socket, no ids, no history.
    Classic,
    /// A Banter server: ids, history, presence, typing, receipts.
    Banter,
}

/// The final state of a sent message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AckStatus {
    /// The server acknowledged it (on a Banter server: stored, with a `seq`).
    Delivered,
    /// The server refused it; `reason` is the server's text.
    Refused,
    /// No acknowledgement came (timeout, connection lost). Kept for [`crate::Client::retry`].
    Failed,
}

/// Everything a consumer of [`crate::Client`] is told.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientEvent {
    /// A Socket.IO connection for this room is up (first connect and every reconnect).
    Connected {
        server: String,
        room: String,
        attempt: u32,
    },
    /// The connection was lost; the next attempt comes after `delay_ms`.
    Reconnecting {
        server: String,
        room: String,
        attempt: u32,
        delay_ms: u64,
        reason: String,
    },
    /// The subscription has ended for good (left, or a permanent refusal).
    Disconnected {
        server: String,
        room: String,
        reason: String,
    },
    /// The room was joined (first time and after every reconnect).
    Joined {
        server: String,
        room: String,
        username: String,
        kind: ServerKind,
        /// True for a re-join after a reconnect.
        rejoin: bool,
        /// Newest sequence number of the room (Banter servers only).
        latest_seq: Option<u64>,
        features: Vec<String>,
        /// The longest message the server takes, in characters (its advertised limit, or
        /// the protocol's default on a classic server).
        max_message_chars: u32,
        /// The account's read marker in the room (signed in on a Banter server with the
        /// `membership` feature): what is above it is unread, on every device.
        read_seq: Option<u64>,
    },
    /// The room was left on request.
    Left { server: String, room: String },
    /// A chat message (or, with `system`, an Admin notice of a classic server).
    Message {
        server: String,
        room: String,
        /// The message id (Banter servers only).
        id: Option<String>,
        /// The per-room sequence number (Banter servers only).
        seq: Option<u64>,
        username: String,
        text: String,
        /// `text` or `location` (then `text` is the map URL).
        kind: String,
        /// Milliseconds since the Unix epoch (UTC), as the server sent it.
        created_at: i64,
        /// Sent by this subscription's user name.
        mine: bool,
        /// An Admin notice (`Welcome!`, `X has joined!`) of a classic server.
        system: bool,
        /// Fetched as history (on join or to fill a gap), not live.
        history: bool,
        /// A moderator removed it: `text` is empty, the line is a tombstone.
        removed: bool,
        /// When its author last edited it (show "(edited)"); later edits come as `edited`.
        edited_at: Option<i64>,
        /// Its reactions (later changes come as `reactions`).
        reactions: Vec<banter_protocol::reactions::Reaction>,
        /// The message it answers, as that message is now (show the quoted line).
        reply_to: Option<banter_protocol::ext::ReplyRef>,
        /// The file it announces (Banter servers with `files`): show `file.name`, its size and
        /// a download (`Client::download`), an image's thumbnail (`Client::thumbnail`) when
        /// `file.thumb`; `text` is then the plain line classic peers get.
        file: Option<banter_protocol::files::FilePart>,
    },
    /// Someone opened a DM with this account (signed in on a Banter server): open it with
    /// [`crate::Client::open_dm`] (`DmOptions::id`) to show it. Not tied to a room.
    DmAdded { server: String, dm: String, members: Vec<String> },
    /// Its author edited message `id`: show `text` and "(edited)".
    Edited {
        server: String,
        room: String,
        id: String,
        seq: u64,
        text: String,
        edited_at: i64,
    },
    /// The reactions of message `id` changed: these are all of them now.
    Reactions {
        server: String,
        room: String,
        id: String,
        seq: u64,
        reactions: Vec<banter_protocol::reactions::Reaction>,
    },
    /// Someone joined the room.
    UserJoined {
        server: String,
        room: String,
        username: String,
    },
    /// Someone left the room.
    UserLeft {
        server: String,
        room: String,
        username: String,
    },
    /// The room's member list changed.
    Users {
        server: String,
        room: String,
        users: Vec<String>,
        /// Those of `users` who are signed-in accounts (verified names); the others are
        /// guests. Always empty on a classic server, where no name is verified.
        signed_in: Vec<String>,
    },
    /// The room's owner, topic, privacy and moderators, and our role in it (Banter servers
    /// with the `moderation` feature): after a join, and whenever they change.
    RoomInfo {
        server: String,
        room: String,
        owner: Option<String>,
        topic: String,
        private: bool,
        moderators: Vec<String>,
        /// `admin`, `owner`, `moderator`, `member` or `none` (as of the last join).
        role: Option<String>,
    },
    /// A moderator removed message `id`: show its tombstone.
    Removed {
        server: String,
        room: String,
        id: String,
        seq: u64,
        by: String,
    },
    /// We were removed from the room (`banned`: for good). The subscription ends (a
    /// `disconnected` follows); it is not re-joined by itself.
    Kicked {
        server: String,
        room: String,
        by: String,
        banned: bool,
    },
    /// The account's read marker moved (on another device, or by [`crate::Client::mark_read`]).
    ReadMarker {
        server: String,
        room: String,
        read_seq: u64,
        latest_seq: u64,
        unread: u64,
    },
    /// The account left the room on another device: the subscription ends here too (a
    /// `disconnected` follows).
    RoomLeft { server: String, room: String },
    /// Someone started or stopped typing (Banter servers only).
    Typing {
        server: String,
        room: String,
        username: String,
        typing: bool,
    },
    /// A message was queued or (re)sent and waits for its acknowledgement.
    Pending {
        server: String,
        room: String,
        id: String,
        text: String,
        attempt: u32,
    },
    /// A sent message reached its outcome.
    Ack {
        server: String,
        room: String,
        id: String,
        status: AckStatus,
        reason: Option<String>,
        /// The server's sequence number (Banter servers only).
        seq: Option<u64>,
    },
    /// How many members have confirmed one of our messages (Banter servers only).
    Receipt {
        server: String,
        room: String,
        id: String,
        seq: u64,
        received_by: u32,
        recipients: u32,
    },
    /// Something went wrong; the subscription goes on unless a `disconnected` follows.
    Error {
        server: Option<String>,
        room: Option<String>,
        code: String,
        message: String,
    },
}

impl ClientEvent {
    /// An `error` event from a [`ClientError`].
    pub fn error(server: Option<&str>, room: Option<&str>, err: &ClientError) -> Self {
        ClientEvent::Error {
            server: server.map(str::to_owned),
            room: room.map(str::to_owned),
            code: err.code().to_owned(),
            message: err.to_string(),
        }
    }

    /// The `type` tag of this event (`"message"`, `"ack"`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            ClientEvent::Connected { .. } => "connected",
            ClientEvent::Reconnecting { .. } => "reconnecting",
            ClientEvent::Disconnected { .. } => "disconnected",
            ClientEvent::Joined { .. } => "joined",
            ClientEvent::Left { .. } => "left",
            ClientEvent::Message { .. } => "message",
            ClientEvent::UserJoined { .. } => "user_joined",
            ClientEvent::UserLeft { .. } => "user_left",
            ClientEvent::Users { .. } => "users",
            ClientEvent::Typing { .. } => "typing",
            ClientEvent::Pending { .. } => "pending",
            ClientEvent::Ack { .. } => "ack",
            ClientEvent::Receipt { .. } => "receipt",
            ClientEvent::Error { .. } => "error",
            ClientEvent::RoomInfo { .. } => "room_info",
            ClientEvent::Removed { .. } => "removed",
            ClientEvent::Kicked { .. } => "kicked",
            ClientEvent::ReadMarker { .. } => "read_marker",
            ClientEvent::RoomLeft { .. } => "room_left",
            ClientEvent::Edited { .. } => "edited",
            ClientEvent::DmAdded { .. } => "dm_added",
            ClientEvent::Reactions { .. } => "reactions",
        }
    }
}

/// The receiving end of the event stream. Unbounded: a slow consumer never blocks a socket
/// and nothing is dropped; memory grows instead (the consumer must keep up on average).
pub struct EventStream {
    rx: mpsc::UnboundedReceiver<ClientEvent>,
}

impl EventStream {
    /// The next event; `None` once the client and every subscription are gone.
    pub async fn recv(&mut self) -> Option<ClientEvent> {
        self.rx.recv().await
    }

    /// An event if one is ready, without waiting.
    pub fn try_recv(&mut self) -> Option<ClientEvent> {
        self.rx.try_recv().ok()
    }

    /// How many events wait to be read.
    pub fn backlog(&self) -> usize {
        self.rx.len()
    }
}

/// The sending end, cloned into every subscription.
#[derive(Clone)]
pub(crate) struct EventSink {
    tx: mpsc::UnboundedSender<ClientEvent>,
}

impl EventSink {
    pub(crate) fn channel() -> (EventSink, EventStream) {
        let (tx, rx) = mpsc::unbounded_channel();
        (EventSink { tx }, EventStream { rx })
    }

    /// Sends an event. A consumer that dropped its stream no longer wants events.
    pub(crate) fn emit(&self, event: ClientEvent) {
        let _ = self.tx.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_snake_case() {
        let e = ClientEvent::UserJoined {
            server: "http://x".into(),
            room: "r".into(),
            username: "bob".into(),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "user_joined");
        assert_eq!(v["type"], e.type_name());
        let a = ClientEvent::Ack {
            server: "s".into(),
            room: "r".into(),
            id: "i".into(),
            status: AckStatus::Refused,
            reason: Some("Profanity is not allowed!".into()),
            seq: None,
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["type"], "ack");
        assert_eq!(v["status"], "refused");
        assert_eq!(v["reason"], "Profanity is not allowed!");
    }
}
