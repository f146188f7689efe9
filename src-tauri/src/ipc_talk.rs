//! IPC types of the conversation features (issue 10): the markdown tree of a message
//! (`banter_client::markdown::Node`, generated for TypeScript as `MdNode`), replies, edits,
//! reactions, mentions and search. Re-exported by `ipc`, generated into the same file.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use banter_client::markdown::Node as MdNode;

/// One emoji on a message: how many reacted, whether you did, and who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReactionView {
    pub emoji: String,
    pub count: u32,
    /// You are among them (the button shows pressed; a click takes yours back).
    pub mine: bool,
    /// Who reacted, for the tooltip.
    pub users: Vec<String>,
}

/// The message a reply answers, as it is now (the quoted line above the reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReplyView {
    pub id: String,
    pub seq: u64,
    pub username: String,
    /// Its first line or so, as plain text.
    pub excerpt: String,
    /// It was deleted or removed since.
    pub removed: bool,
}

/// `edit_message` input: your own message `id`, with its new text.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EditRequest {
    pub server: String,
    pub room: String,
    pub id: String,
    pub text: String,
}

/// `react` input: put (`on`) or take back your `emoji` on message `id`.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReactRequest {
    pub server: String,
    pub room: String,
    pub id: String,
    pub emoji: String,
    pub on: bool,
}

/// `delete_message` input: one of your own messages, deleted for everyone (its tombstone stays).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeleteRequest {
    pub server: String,
    pub room: String,
    pub id: String,
}

/// `search` input: a query (words, `"phrases"`, `from:`, `in:`, `before:`, `after:`) on one
/// server, optionally in one room.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    pub server: String,
    pub query: String,
    pub room: Option<String>,
}

/// One search result: where, who, when, and the text cut into plain and matched parts.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchHitView {
    pub server: String,
    pub room: String,
    /// What to call the room (a DM: its other members).
    pub label: String,
    pub id: String,
    pub seq: Option<u64>,
    pub username: String,
    pub created_at: i64,
    /// "Monday 23 November 2026 · 14:05".
    pub when: String,
    /// The text around the match, in order, for the page to build with text nodes and
    /// `<mark>` for the matched words.
    pub parts: Vec<SnippetPart>,
}

/// A run of a result's text; `hit`: one of the words searched for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// `search` result.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    pub hits: Vec<SearchHitView>,
    /// Searched on the server's index (`false`: the lines this app holds, on a classic server).
    pub full: bool,
}
