//! Editing and deleting your own messages (Banter extension; `docs/protocol.md` § 12). A
//! server that serves it lists [`FEATURE`].
//!
//! - [`EDIT`] replaces the text of one of your messages (signed in: names of guests are not
//!   identities, so guests cannot edit); everyone in the room gets [`EDITED`], and the message
//!   carries `editedAt` in history from then on. Classic clients keep the original.
//! - Deleting your own message is `banter:remove` (`crate::rooms::REMOVE`), which moderators
//!   use for any message: the tombstone's `by` is then the author.

use serde::{Deserialize, Serialize};

/// Listed in `features` by servers that serve [`EDIT`] and authors' own removals.
pub const FEATURE: &str = "edits";

/// Client → server: [`EditRequest`]; ack `[null, Edited]` or `[error]`.
pub const EDIT: &str = "banter:edit";
/// Server → the room's Banter sockets: [`Edited`].
pub const EDITED: &str = "banter:edited";

pub const ERR_NOT_YOURS: &str = "You can only edit or delete your own messages.";
pub const ERR_GUEST: &str = "Sign in to edit or delete your messages.";
pub const ERR_NOT_TEXT: &str = "Only a text message can be edited.";

/// [`EDIT`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditRequest {
    pub room: String,
    pub id: String,
    pub text: String,
}

/// The ack of [`EDIT`] and the [`EDITED`] event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Edited {
    pub room: String,
    pub id: String,
    pub seq: u64,
    pub text: String,
    /// Milliseconds since the epoch.
    pub edited_at: i64,
}
