//! The message store: messages, rooms, reactions and edits, behind one handle with two
//! implementations — the embedded SQLite file (`sqlite.rs`, the default) and PostgreSQL
//! (`postgres.rs`, `--database-url postgres://…`, where several nodes share one database).
//!
//! Writes are queued and committed in batches by one writer per node; callbacks run after
//! the commit, in queue order. On SQLite the room's memory numbers messages (one process
//! owns the file); on PostgreSQL the database does, from the room's counter row in the
//! inserting transaction ([`Store::numbers_messages`]), so seqs are gap-free and in commit
//! order whichever node took the message.

pub mod pg_schema;
mod checkpoint;
mod postgres;
mod queue;
mod sqlite;
#[cfg(test)]
mod tests;

use std::path::Path;

use banter_protocol::ext::{Message, MessageKind, ReplyRef};

use crate::error::ServerError;
use crate::pg::Pg;
use queue::Command;
pub use postgres::PgMessages;
pub use sqlite::SqliteMessages;

/// The most messages one read returns.
pub const MAX_PAGE: u32 = 500;
/// Messages written in one transaction at most.
const BATCH: usize = 2048;

/// Called after the commit that carried a write: `true` when it is durable.
pub type Committed = Box<dyn FnOnce(bool) + Send>;

/// Called after the commit that numbered a message: the stored message and whether its id
/// was stored already (a resend), or `Err` when the write failed (nothing was stored).
pub type Numbered = Box<dyn FnOnce(Result<(Message, bool), ()>) + Send>;

/// What the store knows about a room when it is first used.
#[derive(Debug, Default)]
pub struct RoomSnapshot {
    pub latest_seq: u64,
    /// The newest messages, oldest first.
    pub recent: Vec<Message>,
    /// Whether the room is in the store's `rooms` table (false: a join would create it).
    pub stored: bool,
}

/// Handle to the message store; cheap to clone.
#[derive(Clone)]
pub struct Store(Backend);

#[derive(Clone)]
enum Backend {
    Sqlite(SqliteMessages),
    Postgres(PgMessages),
}

macro_rules! each {
    ($self:expr, $s:ident => $e:expr) => {
        match &$self.0 {
            Backend::Sqlite($s) => $e,
            Backend::Postgres($s) => $e,
        }
    };
}

impl Store {
    /// The SQLite file at `path` (created with its directory when missing).
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        Ok(Self(Backend::Sqlite(SqliteMessages::open(path)?)))
    }

    /// The message tables of a PostgreSQL database (migrated first).
    pub async fn open_pg(pg: &Pg) -> Result<Self, ServerError> {
        Ok(Self(Backend::Postgres(PgMessages::open(pg).await?)))
    }

    /// Where the messages are, for the log: the file's path or the database URL (no password).
    pub fn describe(&self) -> String {
        match &self.0 {
            Backend::Sqlite(s) => s.path().display().to_string(),
            Backend::Postgres(p) => p.pg().url_shown().to_owned(),
        }
    }

    /// The SQLite file, when that is the store.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.0 {
            Backend::Sqlite(s) => Some(s.path()),
            Backend::Postgres(_) => None,
        }
    }

    /// The SQLite file of a test's store.
    #[cfg(test)]
    pub fn path(&self) -> &Path {
        self.sqlite_path().expect("a SQLite store")
    }

    /// The PostgreSQL database, when that is the store.
    pub fn pg(&self) -> Option<&Pg> {
        match &self.0 {
            Backend::Sqlite(_) => None,
            Backend::Postgres(p) => Some(p.pg()),
        }
    }

    /// Whether the store numbers messages ([`Store::append_numbered`]) rather than the
    /// room's memory: true on PostgreSQL, where other nodes write to the same rooms. The
    /// rooms' memory then keeps no history either (other nodes' messages never pass
    /// through it): joins and catch-up read the store.
    pub fn numbers_messages(&self) -> bool {
        matches!(self.0, Backend::Postgres(_))
    }

    /// Records a room (idempotent). Never blocks.
    pub fn ensure_room(&self, name: &str, created_at: i64) {
        self.send(Command::Room { name: name.to_owned(), created_at });
    }

    /// Queues a message for writing. Never blocks.
    pub fn append(&self, message: Message) {
        self.send(Command::Append(message, None));
    }

    /// Queues a message and calls `done` once its batch is committed (`true`) or failed
    /// (`false`). Callbacks run in the order the writes were queued.
    pub fn append_then(&self, message: Message, done: impl FnOnce(bool) + Send + 'static) {
        self.send(Command::Append(message, Some(Box::new(done))));
    }

    /// Queues a message for the store to number (its `seq` is ignored): `done` gets the
    /// stored message — or the one already stored under its id — once committed. Only on
    /// a store that [numbers messages](Store::numbers_messages); elsewhere `done(Err(()))`.
    pub fn append_numbered(&self, message: Message, done: impl FnOnce(Result<(Message, bool), ()>) + Send + 'static) {
        self.send(Command::Numbered(message, Box::new(done)));
    }

    /// Queues an edit of message `id` (after every message queued before it) and calls
    /// `done` once it is committed (`true`) or failed (`false`).
    pub fn edit_then(&self, room: &str, id: &str, text: &str, at: i64, done: impl FnOnce(bool) + Send + 'static) {
        self.send(Command::Edit { room: room.to_owned(), id: id.to_owned(), text: text.to_owned(), at, done: Box::new(done) });
    }

    /// Queues a reaction's change (after every write queued before it) and calls `done`
    /// once it is committed (`true`) or failed (`false`).
    #[allow(clippy::too_many_arguments)]
    pub fn react_then(&self, room: &str, seq: u64, emoji: &str, account: (i64, &str), on: bool, at: i64, done: impl FnOnce(bool) + Send + 'static) {
        let (account_id, name) = (account.0, account.1.to_owned());
        self.send(Command::React { room: room.to_owned(), seq, emoji: emoji.to_owned(), account_id, name, on, at, done: Box::new(done) });
    }

    /// Calls `done` once everything queued before it is committed.
    pub fn after_commit(&self, done: impl FnOnce() + Send + 'static) {
        self.send(Command::Flush(Box::new(done)));
    }

    fn send(&self, cmd: Command) {
        each!(self, s => s.send(cmd))
    }

    /// Waits until everything queued so far is committed.
    pub async fn flush(&self) {
        let (done, wait) = tokio::sync::oneshot::channel();
        self.after_commit(move || {
            let _ = done.send(());
        });
        let _ = wait.await;
    }

    /// [`Store::flush`] for synchronous callers. The wait is off the runtime's worker
    /// (`rooms::off_worker`): PostgreSQL's writer is a task that must keep running meanwhile.
    pub fn flush_blocking(&self) {
        let (done, wait) = std::sync::mpsc::channel();
        self.after_commit(move || {
            let _ = done.send(());
        });
        let _ = crate::rooms::off_worker(|| wait.recv());
    }

    /// The newest `keep` messages of a room and its latest sequence number.
    pub async fn snapshot(&self, room: &str, keep: u32) -> Result<RoomSnapshot, ServerError> {
        each!(self, s => s.snapshot(room, keep).await)
    }

    /// [`Store::snapshot`] on the caller's thread.
    pub fn snapshot_blocking(&self, room: &str, keep: u32) -> Result<RoomSnapshot, ServerError> {
        each!(self, s => s.snapshot_blocking(room, keep))
    }

    /// Messages with `seq > since`, oldest first, at most `limit`; the flag says whether more follow.
    pub async fn history(&self, room: &str, since: u64, limit: u32) -> Result<(Vec<Message>, bool), ServerError> {
        each!(self, s => s.history(room, since, limit).await)
    }

    /// The newest `limit` messages with `since < seq < before`, oldest first; the flag says
    /// whether older ones exist.
    pub async fn history_before(&self, room: &str, since: u64, before: u64, limit: u32) -> Result<(Vec<Message>, bool), ServerError> {
        each!(self, s => s.history_before(room, since, before, limit).await)
    }

    /// [`Store::history`] on the caller's thread.
    pub fn history_blocking(&self, room: &str, since: u64, limit: u32) -> Result<(Vec<Message>, bool), ServerError> {
        each!(self, s => s.history_blocking(room, since, limit))
    }

    /// The newest `limit` messages of a room (oldest first) and whether older ones exist,
    /// on the caller's thread: history on join when memory keeps none.
    pub fn tail_blocking(&self, room: &str, limit: u32) -> Result<(Vec<Message>, bool), ServerError> {
        if limit == 0 {
            return Ok((Vec::new(), self.snapshot_blocking(room, 0)?.latest_seq > 0));
        }
        let snap = self.snapshot_blocking(room, limit)?;
        let more = snap.recent.first().map_or(snap.latest_seq > 0, |m| m.seq > 1);
        Ok((snap.recent, more))
    }

    /// The stored message with this id in this room, if any.
    pub async fn find_id(&self, room: &str, id: &str) -> Result<Option<Message>, ServerError> {
        each!(self, s => s.find_id(room, id).await)
    }

    /// [`Store::find_id`] on the caller's thread: one indexed point read.
    pub fn find_id_blocking(&self, room: &str, id: &str) -> Result<Option<Message>, ServerError> {
        each!(self, s => s.find_id_blocking(room, id))
    }

    /// Numbers for the status page: rooms and messages stored.
    pub async fn counts(&self) -> Result<(u64, u64), ServerError> {
        each!(self, s => s.counts().await)
    }
}

/// The columns every message read selects, in [`StoredRow`]'s order.
const COLUMNS: &str = "id, room, seq, username, kind, text, created_at, edited_at, reply_to, file";

/// A message as its row stores it.
struct StoredRow {
    id: String,
    room: String,
    seq: u64,
    username: String,
    kind: String,
    text: String,
    created_at: i64,
    edited_at: Option<i64>,
    reply_to: Option<String>,
    file: Option<String>,
}

impl StoredRow {
    fn into_message(self) -> Message {
        // A moderator's removal (crate::moderation) blanks the text and sets this kind.
        let removed = self.kind == crate::moderation::REMOVED_KIND;
        Message {
            id: self.id,
            room: self.room,
            seq: self.seq,
            username: self.username,
            kind: if self.kind == "location" { MessageKind::Location } else { MessageKind::Text },
            text: self.text,
            created_at: self.created_at,
            removed,
            edited_at: self.edited_at,
            reactions: Vec::new(), // with_reactions
            // the answered message's id only; with_replies fills in the rest
            reply_to: self.reply_to.map(|id| ReplyRef { id, seq: 0, username: String::new(), excerpt: String::new(), removed: false }),
            // a removed message keeps no file
            file: self.file.filter(|_| !removed).and_then(|json| serde_json::from_str(&json).ok()),
        }
    }
}

/// Adds one stored reaction (of message `seq`) to the messages read; a tombstone shows none.
fn add_reaction(messages: &mut [Message], seq: u64, emoji: String, name: String) {
    let Some(m) = messages.iter_mut().find(|m| m.seq == seq && !m.removed) else { return };
    match m.reactions.iter_mut().find(|r| r.emoji == emoji) {
        Some(r) => r.users.push(name),
        None => m.reactions.push(banter_protocol::reactions::Reaction { emoji, users: vec![name] }),
    }
}

/// What a reply shows of the message it answers, as that message is now.
fn fill_reply(r: &mut ReplyRef, seq: u64, username: String, kind: &str, text: &str) {
    let removed = kind == crate::moderation::REMOVED_KIND;
    r.seq = seq;
    r.username = username;
    r.removed = removed;
    r.excerpt = if removed { String::new() } else { text.chars().take(banter_protocol::ext::REPLY_EXCERPT_CHARS).collect() };
}

fn kind_str(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Text => "text",
        MessageKind::Location => "location",
    }
}
