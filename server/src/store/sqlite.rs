//! The embedded SQLite message store. One writer thread owns the write connection and
//! commits in batches, so a store write never stalls the async event loop; reads run on
//! tokio's blocking pool over a second (read-only, WAL) connection; WAL checkpoints on a
//! third, off the commit path (`checkpoint.rs`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};

use banter_protocol::ext::Message;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::error::ServerError;


use super::queue::{Batch, Command, Write};
use super::{RoomSnapshot, BATCH, MAX_PAGE};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS rooms (
    name       TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
    room       TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    id         TEXT NOT NULL,
    username   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room, seq),
    UNIQUE (room, id)
) WITHOUT ROWID;
PRAGMA user_version = 1;
";

/// Later changes to the message tables, numbered per `crate::sqlite_schema` (component
/// `messages`): migration `i` takes them from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    "ALTER TABLE messages ADD COLUMN edited_at INTEGER;",
    // reactions (docs/protocol.md § 13): who reacted with which emoji to which message
    "CREATE TABLE reactions (
        room       TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        emoji      TEXT NOT NULL,
        account_id INTEGER NOT NULL,
        name       TEXT NOT NULL,
        at         INTEGER NOT NULL,
        PRIMARY KEY (room, seq, emoji, account_id)
    ) WITHOUT ROWID;",
    // replies (docs/protocol.md § 14): the id of the message of the same room answered
    "ALTER TABLE messages ADD COLUMN reply_to TEXT;",
    // files (docs/protocol.md § 15): the message's file part, as JSON
    "ALTER TABLE messages ADD COLUMN file TEXT;",
];

/// Handle to the SQLite message store; cheap to clone.
#[derive(Clone)]
pub struct SqliteMessages {
    tx: mpsc::Sender<Command>,
    reader: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl SqliteMessages {
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| ServerError::StoreIo(format!("cannot create {}: {e}", dir.display())))?;
        }
        let write = Connection::open(path)?;
        write.pragma_update(None, "journal_mode", "WAL")?;
        write.pragma_update(None, "synchronous", "NORMAL")?;
        write.execute_batch(SCHEMA)?;
        let mut write = write;
        crate::sqlite_schema::migrate(&mut write, "messages", MIGRATIONS)?;
        let read = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        // WAL checkpoints on a thread of their own, not inside the writer's commits.
        let nudge = super::checkpoint::start(&write, super::checkpoint::open(path)?)?;
        let (tx, rx) = mpsc::channel();
        // The thread ends when the last Store clone is dropped.
        std::thread::Builder::new()
            .name("banter-store".into())
            .spawn(move || writer_loop(write, rx, nudge))?;
        Ok(Self { tx, reader: Arc::new(Mutex::new(read)), path: path.to_owned() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues a command for the writer thread; a store that is gone, or a message to number
    /// (this store's rooms number their messages in memory), fails it at once.
    pub(super) fn send(&self, cmd: Command) {
        if matches!(cmd, Command::Numbered(..)) {
            tracing::error!("append_numbered on a store that does not number messages");
            return cmd.fail();
        }
        if let Err(mpsc::SendError(cmd)) = self.tx.send(cmd) {
            tracing::error!("store writer is gone; a write was lost");
            cmd.fail();
        }
    }

    /// The newest `keep` messages of a room and its latest sequence number.
    pub async fn snapshot(&self, room: &str, keep: u32) -> Result<RoomSnapshot, ServerError> {
        let room = room.to_owned();
        self.read(move |c| snapshot_query(c, &room, keep)).await
    }

    /// [`SqliteMessages::snapshot`] on the caller's thread.
    pub fn snapshot_blocking(&self, room: &str, keep: u32) -> Result<RoomSnapshot, ServerError> {
        Ok(snapshot_query(&*self.reader()?, room, keep)?)
    }

    /// Messages with `seq > since`, oldest first, at most `limit`; the flag says whether more follow.
    pub async fn history(&self, room: &str, since: u64, limit: u32) -> Result<(Vec<Message>, bool), ServerError> {
        let room = room.to_owned();
        self.read(move |c| history_query(c, &room, since, limit)).await
    }

    /// The newest `limit` messages with `since < seq < before`, oldest first; the flag says
    /// whether older ones exist.
    pub async fn history_before(&self, room: &str, since: u64, before: u64, limit: u32) -> Result<(Vec<Message>, bool), ServerError> {
        let room = room.to_owned();
        self.read(move |c| history_before_query(c, &room, since, before, limit)).await
    }

    /// [`SqliteMessages::history`] on the caller's thread.
    pub fn history_blocking(&self, room: &str, since: u64, limit: u32) -> Result<(Vec<Message>, bool), ServerError> {
        Ok(history_query(&*self.reader()?, room, since, limit)?)
    }

    /// The stored message with this id in this room, if any.
    pub async fn find_id(&self, room: &str, id: &str) -> Result<Option<Message>, ServerError> {
        let (room, id) = (room.to_owned(), id.to_owned());
        self.read(move |c| find_id_query(c, &room, &id)).await
    }

    /// [`SqliteMessages::find_id`] on the caller's thread: one indexed point read of a few
    /// microseconds, made only for ids that memory does not know.
    pub fn find_id_blocking(&self, room: &str, id: &str) -> Result<Option<Message>, ServerError> {
        Ok(find_id_query(&*self.reader()?, room, id)?)
    }

    /// Numbers for the status page: rooms and messages stored.
    pub async fn counts(&self) -> Result<(u64, u64), ServerError> {
        self.read(|c| {
            let rooms = c.query_row("SELECT COUNT(*) FROM rooms", [], |r| r.get(0))?;
            let messages = c.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))?;
            Ok((rooms, messages))
        })
        .await
    }

    fn reader(&self) -> Result<MutexGuard<'_, Connection>, ServerError> {
        self.reader.lock().map_err(|_| ServerError::StoreIo("reader lock poisoned".into()))
    }

    async fn read<T, F>(&self, f: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || Ok(f(&*store.reader()?)?))
            .await
            .map_err(|e| ServerError::StoreIo(format!("read task failed: {e}")))?
    }
}

/// `SELECT` + [`super::COLUMNS`] (a literal: `format!` cannot make a `const`).
const SELECT: &str = "SELECT id, room, seq, username, kind, text, created_at, edited_at, reply_to, file FROM messages";

fn snapshot_query(c: &Connection, room: &str, keep: u32) -> rusqlite::Result<RoomSnapshot> {
    let latest_seq: u64 =
        c.query_row("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1", [room], |r| r.get(0))?;
    let mut stmt = c.prepare_cached(&format!("{SELECT} WHERE room = ?1 ORDER BY seq DESC LIMIT ?2"))?;
    let mut recent = stmt.query_map(params![room, keep], row_to_message)?.collect::<Result<Vec<_>, _>>()?;
    recent.reverse();
    with_reactions(c, &mut recent)?;
    let stored = c.query_row("SELECT EXISTS (SELECT 1 FROM rooms WHERE name = ?1)", [room], |r| r.get(0))?;
    Ok(RoomSnapshot { latest_seq, recent, stored })
}

fn history_query(c: &Connection, room: &str, since: u64, limit: u32) -> rusqlite::Result<(Vec<Message>, bool)> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut stmt = c.prepare_cached(&format!("{SELECT} WHERE room = ?1 AND seq > ?2 ORDER BY seq ASC LIMIT ?3"))?;
    let mut rows = stmt.query_map(params![room, since, limit + 1], row_to_message)?.collect::<Result<Vec<_>, _>>()?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    with_reactions(c, &mut rows)?;
    Ok((rows, more))
}

fn history_before_query(c: &Connection, room: &str, since: u64, before: u64, limit: u32) -> rusqlite::Result<(Vec<Message>, bool)> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut stmt =
        c.prepare_cached(&format!("{SELECT} WHERE room = ?1 AND seq > ?2 AND seq < ?3 ORDER BY seq DESC LIMIT ?4"))?;
    let mut rows =
        stmt.query_map(params![room, since, before, limit + 1], row_to_message)?.collect::<Result<Vec<_>, _>>()?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    rows.reverse();
    with_reactions(c, &mut rows)?;
    Ok((rows, more))
}

fn find_id_query(c: &Connection, room: &str, id: &str) -> rusqlite::Result<Option<Message>> {
    let found = c.prepare_cached(&format!("{SELECT} WHERE room = ?1 AND id = ?2"))?
        .query_row(params![room, id], row_to_message)
        .optional()?;
    let mut found: Vec<Message> = found.into_iter().collect();
    with_reactions(c, &mut found)?;
    Ok(found.pop())
}

/// Fills in the reactions of messages of one room (ordered by seq), in one range read, and
/// what their replies show of the messages they answer.
fn with_reactions(c: &Connection, messages: &mut [Message]) -> rusqlite::Result<()> {
    with_replies(c, messages)?;
    let (Some(first), Some(last)) = (messages.first(), messages.last()) else { return Ok(()) };
    let (room, lo, hi) = (first.room.clone(), first.seq.min(last.seq), first.seq.max(last.seq));
    let mut stmt = c.prepare_cached(
        "SELECT seq, emoji, name FROM reactions WHERE room = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq, at, emoji",
    )?;
    let rows = stmt.query_map(params![room, lo, hi], |r| Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    for row in rows {
        let (seq, emoji, name) = row?;
        super::add_reaction(messages, seq, emoji, name);
    }
    Ok(())
}

fn row_to_message(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    Ok(super::StoredRow {
        id: r.get(0)?,
        room: r.get(1)?,
        seq: r.get(2)?,
        username: r.get(3)?,
        kind: r.get(4)?,
        text: r.get(5)?,
        created_at: r.get(6)?,
        edited_at: r.get(7)?,
        reply_to: r.get(8)?,
        file: r.get(9)?,
    }
    .into_message())
}

/// What each reply of `messages` shows of the message it answers, as that message is now.
fn with_replies(c: &Connection, messages: &mut [Message]) -> rusqlite::Result<()> {
    let mut stmt = c.prepare_cached("SELECT id, seq, username, kind, text FROM messages WHERE room = ?1 AND id = ?2")?;
    for m in messages.iter_mut() {
        let Some(r) = m.reply_to.as_mut() else { continue };
        let found = stmt
            .query_row(params![m.room, r.id], |row| {
                Ok((row.get::<_, u64>(1)?, row.get::<_, String>(2)?, row.get::<_, String>(3)?, row.get::<_, String>(4)?))
            })
            .optional()?;
        if let Some((seq, username, kind, text)) = found {
            super::fill_reply(r, seq, username, &kind, &text);
        }
    }
    Ok(())
}


fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Command>, nudge: super::checkpoint::Nudge) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        let batch = Batch::split(batch);
        match write_batch(&mut conn, &batch.writes) {
            Ok(()) => {
                nudge.committed();
                batch.settle(Some(HashMap::new()))
            }
            Err(e) => {
                tracing::error!(error = %e, writes = batch.writes.len(), "store write failed; this batch is not persisted");
                batch.settle(None);
            }
        }
    }
    tracing::debug!("store writer stopped");
}

fn write_batch(conn: &mut Connection, writes: &[Write]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut room_stmt = tx.prepare_cached("INSERT OR IGNORE INTO rooms (name, created_at) VALUES (?1, ?2)")?;
        let mut msg_stmt = tx.prepare_cached(
            "INSERT OR IGNORE INTO messages (room, seq, id, username, kind, text, created_at, reply_to, file)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for w in writes {
            match w {
                Write::Room(name, created_at) => {
                    room_stmt.execute(params![name, created_at])?;
                }
                Write::Message(m) => {
                    let reply_to = m.reply_to.as_ref().map(|r| r.id.as_str());
                    let file = m.file.as_ref().and_then(|f| serde_json::to_string(f).ok());
                    msg_stmt.execute(params![m.room, m.seq, m.id, m.username, super::kind_str(m.kind), m.text, m.created_at, reply_to, file])?;
                }
                Write::React { room, seq, emoji, account_id, name, on: true, at } => {
                    tx.prepare_cached(
                        "INSERT OR IGNORE INTO reactions (room, seq, emoji, account_id, name, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![room, seq, emoji, account_id, name, at])?;
                }
                Write::React { room, seq, emoji, account_id, on: false, .. } => {
                    tx.prepare_cached("DELETE FROM reactions WHERE room = ?1 AND seq = ?2 AND emoji = ?3 AND account_id = ?4")?
                        .execute(params![room, seq, emoji, account_id])?;
                }
                Write::Edit { room, id, text, at } => {
                    // (the search index follows by its trigger)
                    tx.prepare_cached("UPDATE messages SET text = ?3, edited_at = ?4 WHERE room = ?1 AND id = ?2 AND kind = 'text'")?
                        .execute(params![room, id, text, at])?;
                }
            }
        }
    }
    tx.commit()
}

