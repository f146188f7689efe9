//! Rooms with owners (Banter extension; `docs/protocol.md` § 9): the signed-in account that
//! creates a room owns it; owners and server admins set its topic, make it private (members
//! only), name moderators and invite members; owners, admins and moderators remove messages,
//! kick and ban. Every such act is logged by the server. A server that serves these events
//! lists [`FEATURE`]. Classic clients see none of it (a refused join is their ack error).

use serde::{Deserialize, Serialize};

/// Listed in `features` by servers with room owners and moderation.
pub const FEATURE: &str = "moderation";

/// Client → server: [`RoomRequest`] (only `room`: read; with `topic`/`private`/`moderators`:
/// change); ack `[null, RoomInfo]` or `[error]`. Server → the room's Banter sockets after a
/// change: [`RoomInfo`] without `role`.
pub const ROOM: &str = "banter:room";
/// Client → server: [`MembersRequest`] (owners and admins); ack `[null, RoomInfo]` or `[error]`.
pub const MEMBERS: &str = "banter:members";
/// Client → server: [`RemoveRequest`]; ack `[null, Removed]` or `[error]`.
pub const REMOVE: &str = "banter:remove";
/// Server → the room's Banter sockets: [`Removed`], a message's tombstone.
pub const REMOVED: &str = "banter:removed";
/// Client → server: [`TargetRequest`]; ack `[]` or `[error]`.
pub const KICK: &str = "banter:kick";
/// Client → server: [`TargetRequest`]; ack `[]` or `[error]`.
pub const BAN: &str = "banter:ban";
/// Client → server: [`TargetRequest`]; ack `[]` or `[error]`.
pub const UNBAN: &str = "banter:unban";
/// Server → a socket removed from a room by a kick or a ban: [`Kicked`].
pub const KICKED: &str = "banter:kicked";
/// Client → server: [`LogRequest`] (owners, admins, moderators); ack `[null, ModerationLog]`.
pub const LOG: &str = "banter:modlog";

pub const ERR_PRIVATE: &str = "This room is private: only its members may join.";
pub const ERR_BANNED: &str = "You are banned from this room.";
pub const ERR_NOT_ALLOWED: &str = "You may not do that in this room.";
pub const ERR_OWNERS_ONLY: &str = "Only the room's owner or a server admin may do that.";
pub const ERR_NO_SUCH_MESSAGE: &str = "No such message in this room.";
pub const ERR_PROTECTED: &str = "That member is an owner, admin or moderator of this room: they cannot be kicked or banned.";
pub const ERR_NOT_PRESENT: &str = "Nobody of that name is in this room.";
pub const ERR_NOT_BANNED: &str = "That name is not banned here.";
pub const ERR_TOPIC_TOO_LONG: &str = "The topic is too long (at most 256 characters)!";
pub const ERR_GUEST_ROOM: &str = "This room has no owner (a guest created it): only server admins may change it.";
pub const ERR_TOO_MANY: &str = "Too many names (at most 100 moderators or 1000 members).";

/// Longest topic, in characters.
pub const MAX_TOPIC_CHARS: usize = 256;

/// No such account, for moderators and members (which must be accounts).
pub fn err_no_account(name: &str) -> String {
    format!("No account named {name}.")
}

/// What a socket may do in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Anyone else (a guest, or an account with no role).
    None,
    /// Invited to a private room.
    Member,
    Moderator,
    Owner,
    /// A server admin: everything an owner may, in every room.
    Admin,
}

/// A room's settings, as [`ROOM`] answers and broadcasts them, and as `JoinAccepted`'s
/// `roomInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomInfo {
    pub room: String,
    /// The owning account's name; absent for a room a guest created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub private: bool,
    /// Moderators' account names, sorted.
    #[serde(default)]
    pub moderators: Vec<String>,
    /// The asking socket's role (absent in broadcasts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Invited members of a private room, sorted (owners, admins and moderators only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    /// Banned names, sorted (owners, admins and moderators only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bans: Option<Vec<String>>,
}

/// [`ROOM`] payload: a read without the optional fields, else a change of those given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RoomRequest {
    pub room: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    /// The new list of moderators (account names), replacing the old one (owners and admins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderators: Option<Vec<String>>,
}

/// [`MEMBERS`] payload: accounts to invite to (`add`) or drop from (`remove`) a room's members.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MembersRequest {
    pub room: String,
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

/// [`REMOVE`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveRequest {
    pub room: String,
    pub id: String,
}

/// [`REMOVED`] event and [`REMOVE`]'s ack: the message `id` (`seq`) was removed by `by`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Removed {
    pub room: String,
    pub id: String,
    pub seq: u64,
    pub by: String,
    pub at: i64,
}

/// [`KICK`], [`BAN`], [`UNBAN`] payload: a user name (an account's or a guest's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRequest {
    pub room: String,
    pub name: String,
}

/// [`KICKED`] event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kicked {
    pub room: String,
    pub by: String,
    /// True for a ban: joining again is refused.
    pub banned: bool,
}

/// [`LOG`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRequest {
    pub room: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One moderation act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub at: i64,
    /// Who did it (an account name).
    pub by: String,
    /// `create`, `topic`, `private`, `moderators`, `members`, `remove`, `kick`, `ban`, `unban`.
    pub action: String,
    /// What it was done to: a name, a message id, the new topic, …
    #[serde(default)]
    pub target: String,
}

/// [`LOG`]'s ack: the newest entries first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationLog {
    pub room: String,
    pub entries: Vec<LogEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_info_shapes() {
        let info = RoomInfo {
            room: "lobby".into(),
            owner: None,
            topic: String::new(),
            private: false,
            moderators: vec![],
            role: None,
            members: None,
            bans: None,
        };
        assert_eq!(serde_json::to_string(&info).unwrap(), r#"{"room":"lobby","topic":"","private":false,"moderators":[]}"#);
        let req: RoomRequest = serde_json::from_str(r#"{"room":"x","private":true}"#).unwrap();
        assert_eq!(req.private, Some(true));
        assert!(req.topic.is_none());
        assert_eq!(serde_json::to_string(&Role::Moderator).unwrap(), r#""moderator""#);
        assert!(Role::Admin > Role::Owner && Role::Owner > Role::Moderator && Role::Moderator > Role::Member);
    }
}
