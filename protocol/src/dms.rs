//! Direct messages and blocking (Banter extension; `docs/protocol.md` § 10). A server that
//! serves these events lists [`FEATURE`].
//!
//! A direct message (DM) is a conversation between 2 to [`MAX_MEMBERS`] accounts, fixed at
//! creation. It is a room whose name is its id, `dm:` and 24 hex digits ([`DM_PREFIX`]),
//! which no `join` may name: messages, history, typing and receipts use the room events
//! (`banter:send`, `banter:history`, …) with `room` set to the DM's id, and only its
//! members' signed-in sockets are in it (all of them, opened or not).

use serde::{Deserialize, Serialize};

use crate::ext::Message;

/// Listed in `features` by servers with direct messages and blocking.
pub const FEATURE: &str = "dms";
/// The prefix of every DM id; rooms whose name starts with it cannot be joined.
pub const DM_PREFIX: &str = "dm:";
/// Most members of a DM, its opener included.
pub const MAX_MEMBERS: usize = 8;

/// Client → server, signed in: [`DmOpen`]; ack `[null, DmOpened]` or `[error]`.
pub const DM_OPEN: &str = "banter:dm-open";
/// Client → server, signed in: no payload; ack `[null, MyDms]`.
pub const MY_DMS: &str = "banter:my-dms";
/// Server → every signed-in socket of a DM's members when the DM is new to it: [`DmInfo`].
pub const DM: &str = "banter:dm";
/// Client → server, signed in: [`BlockRequest`]; ack `[]` or `[error]`.
pub const BLOCK: &str = "banter:block";
/// Client → server, signed in: [`BlockRequest`]; ack `[]` or `[error]`.
pub const UNBLOCK: &str = "banter:unblock";
/// Client → server, signed in: no payload; ack `[null, Blocked]`.
pub const BLOCKS: &str = "banter:blocks";
/// Server → the account's other signed-in sockets after a block or unblock: [`Blocked`].
pub const BLOCKED: &str = "banter:blocked";

pub const ERR_NOT_SIGNED_IN: &str = crate::accounts::ERR_NOT_SIGNED_IN;
pub const ERR_NO_SUCH_DM: &str = "No such conversation.";
pub const ERR_NOBODY: &str = "Name at least one other account to write to.";
pub const ERR_TOO_MANY: &str = "A direct message has at most 8 members.";
pub const ERR_BLOCKED: &str = "You cannot write to this conversation: a member has blocked you.";
pub const ERR_RESERVED_ROOM: &str = "Room names starting with \"dm:\" are reserved for direct messages!";
pub const ERR_LEAVE_DM: &str = "A direct message cannot be left.";
pub const ERR_BLOCK_SELF: &str = "You cannot block yourself.";

/// `No account named X.`
pub fn err_no_account(name: &str) -> String {
    crate::rooms::err_no_account(name)
}

/// True for a room name that is a DM id.
pub fn is_dm(room: &str) -> bool {
    room.starts_with(DM_PREFIX)
}

/// [`DM_OPEN`]: `with` (the other members' names; opens or creates the DM of exactly those
/// accounts and the opener) or `dm` (an existing one's id); `since` as in a join's `banter`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DmOpen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<u64>,
}

/// The ack of [`DM_OPEN`]: like a `JoinAccepted` for the DM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DmOpened {
    pub dm: String,
    /// Account names, sorted.
    pub members: Vec<String>,
    /// True when this open created the DM.
    pub created: bool,
    pub latest_seq: u64,
    pub read_seq: u64,
    pub history: Vec<Message>,
    pub more: bool,
}

/// A DM in [`DM`] events and in [`MyDms`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DmInfo {
    pub dm: String,
    pub members: Vec<String>,
    pub created_at: i64,
    #[serde(default)]
    pub latest_seq: u64,
    #[serde(default)]
    pub read_seq: u64,
    /// Messages after `readSeq` not sent under the account's name.
    #[serde(default)]
    pub unread: u64,
}

/// The ack of [`MY_DMS`], the newest DM first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyDms {
    pub dms: Vec<DmInfo>,
}

/// [`BLOCK`] and [`UNBLOCK`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRequest {
    pub name: String,
}

/// The ack of [`BLOCKS`] and the [`BLOCKED`] event: the names the account blocks, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocked {
    pub blocked: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_request_shapes() {
        let r: DmOpen = serde_json::from_str(r#"{"with":["bob"]}"#).unwrap();
        assert_eq!(r.with.as_deref(), Some(&["bob".to_string()][..]));
        let r: DmOpen = serde_json::from_str(r#"{"dm":"dm:00","since":3}"#).unwrap();
        assert_eq!((r.dm.as_deref(), r.since), (Some("dm:00"), Some(3)));
        assert!(is_dm("dm:abc") && !is_dm("lobby"));
    }
}
