//! The message store on PostgreSQL. One writer task per node takes the queued writes in
//! order and commits them in batches; the database numbers each new message from its room's
//! counter row (`rooms.last_seq`, locked for the transaction), so a room's seqs are gap-free
//! and in commit order whichever node wrote them, and a resend with a stored id is answered
//! with the stored message. Callbacks run after the commit, in queue order. Reads go to the
//! pool directly.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use banter_protocol::ext::Message;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use tokio::sync::mpsc;

use super::queue::{Batch, Command, Write};
use super::{pg_schema, RoomSnapshot, StoredRow, BATCH, COLUMNS, MAX_PAGE};
use crate::error::ServerError;
use crate::pg::{to_i64, to_u64, Pg};

/// Handle to the PostgreSQL message store; cheap to clone.
#[derive(Clone)]
pub struct PgMessages {
    pg: Pg,
    tx: mpsc::UnboundedSender<Command>,
}

impl PgMessages {
    pub async fn open(pg: &Pg) -> Result<Self, ServerError> {
        pg_schema::migrate(pg).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        // The task ends when the last handle is dropped.
        tokio::spawn(writer_loop(pg.clone(), rx));
        Ok(Self { pg: pg.clone(), tx })
    }

    pub fn pg(&self) -> &Pg {
        &self.pg
    }

    /// Queues a command for the writer task; a store that is gone fails it at once.
    pub(super) fn send(&self, cmd: Command) {
        if let Err(mpsc::error::SendError(cmd)) = self.tx.send(cmd) {
            tracing::error!("store writer is gone; a write was lost");
            cmd.fail();
        }
    }

    pub async fn snapshot(&self, room: &str, keep: u32) -> Result<RoomSnapshot, ServerError> {
        let pool = self.pg.pool();
        let last: Option<i64> = sqlx::query_scalar("SELECT last_seq FROM rooms WHERE name = $1").bind(room).fetch_optional(pool).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM messages WHERE room = $1 ORDER BY seq DESC LIMIT $2")))
            .bind(room)
            .bind(i64::from(keep))
            .fetch_all(pool)
            .await?;
        let mut recent = to_messages(rows)?;
        recent.reverse();
        self.complete(&mut recent).await?;
        // a room written before its counter row existed (a migrated store) counts its messages
        let latest_seq = last.map_or(0, to_u64).max(recent.last().map_or(0, |m| m.seq));
        Ok(RoomSnapshot { latest_seq, recent, stored: last.is_some() })
    }

    pub fn snapshot_blocking(&self, room: &str, keep: u32) -> Result<RoomSnapshot, ServerError> {
        self.pg.block(self.snapshot(room, keep))
    }

    pub async fn history(&self, room: &str, since: u64, limit: u32) -> Result<(Vec<Message>, bool), ServerError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM messages WHERE room = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3"
        )))
        .bind(room)
        .bind(to_i64(since))
        .bind(i64::from(limit) + 1)
        .fetch_all(self.pg.pool())
        .await?;
        let mut page = to_messages(rows)?;
        let more = page.len() > limit as usize;
        page.truncate(limit as usize);
        self.complete(&mut page).await?;
        Ok((page, more))
    }

    pub async fn history_before(&self, room: &str, since: u64, before: u64, limit: u32) -> Result<(Vec<Message>, bool), ServerError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM messages WHERE room = $1 AND seq > $2 AND seq < $3 ORDER BY seq DESC LIMIT $4"
        )))
        .bind(room)
        .bind(to_i64(since))
        .bind(to_i64(before))
        .bind(i64::from(limit) + 1)
        .fetch_all(self.pg.pool())
        .await?;
        let mut page = to_messages(rows)?;
        let more = page.len() > limit as usize;
        page.truncate(limit as usize);
        page.reverse();
        self.complete(&mut page).await?;
        Ok((page, more))
    }

    pub fn history_blocking(&self, room: &str, since: u64, limit: u32) -> Result<(Vec<Message>, bool), ServerError> {
        self.pg.block(self.history(room, since, limit))
    }

    pub async fn find_id(&self, room: &str, id: &str) -> Result<Option<Message>, ServerError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM messages WHERE room = $1 AND id = $2")))
            .bind(room)
            .bind(id)
            .fetch_optional(self.pg.pool())
            .await?;
        let mut found = to_messages(row.into_iter().collect())?;
        self.complete(&mut found).await?;
        Ok(found.pop())
    }

    pub fn find_id_blocking(&self, room: &str, id: &str) -> Result<Option<Message>, ServerError> {
        self.pg.block(self.find_id(room, id))
    }

    pub async fn counts(&self) -> Result<(u64, u64), ServerError> {
        let rooms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rooms").fetch_one(self.pg.pool()).await?;
        let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages").fetch_one(self.pg.pool()).await?;
        Ok((to_u64(rooms), to_u64(messages)))
    }

    /// Fills in the reactions of messages of one room (ordered by seq), in one range read,
    /// and what their replies show of the messages they answer.
    async fn complete(&self, messages: &mut [Message]) -> Result<(), ServerError> {
        let pool = self.pg.pool();
        for i in 0..messages.len() {
            let Some(answered) = messages[i].reply_to.as_ref().map(|r| r.id.clone()) else { continue };
            let row = sqlx::query("SELECT seq, username, kind, text FROM messages WHERE room = $1 AND id = $2")
                .bind(&messages[i].room)
                .bind(&answered)
                .fetch_optional(pool)
                .await?;
            if let (Some(row), Some(r)) = (row, messages[i].reply_to.as_mut()) {
                let kind: String = row.try_get("kind")?;
                let text: String = row.try_get("text")?;
                super::fill_reply(r, to_u64(row.try_get("seq")?), row.try_get("username")?, &kind, &text);
            }
        }
        let (Some(first), Some(last)) = (messages.first(), messages.last()) else { return Ok(()) };
        let (room, lo, hi) = (first.room.clone(), first.seq.min(last.seq), first.seq.max(last.seq));
        let rows = sqlx::query("SELECT seq, emoji, name FROM reactions WHERE room = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq, at, emoji")
            .bind(room)
            .bind(to_i64(lo))
            .bind(to_i64(hi))
            .fetch_all(pool)
            .await?;
        for row in rows {
            super::add_reaction(messages, to_u64(row.try_get("seq")?), row.try_get("emoji")?, row.try_get("name")?);
        }
        Ok(())
    }
}

fn to_messages(rows: Vec<PgRow>) -> Result<Vec<Message>, ServerError> {
    rows.iter().map(row_to_message).collect()
}

fn row_to_message(r: &PgRow) -> Result<Message, ServerError> {
    Ok(StoredRow {
        id: r.try_get("id")?,
        room: r.try_get("room")?,
        seq: to_u64(r.try_get("seq")?),
        username: r.try_get("username")?,
        kind: r.try_get("kind")?,
        text: r.try_get("text")?,
        created_at: r.try_get("created_at")?,
        edited_at: r.try_get("edited_at")?,
        reply_to: r.try_get("reply_to")?,
        file: r.try_get("file")?,
    }
    .into_message())
}

async fn writer_loop(pg: Pg, mut rx: mpsc::UnboundedReceiver<Command>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        let batch = Batch::split(batch);
        match write_batch(&pg, &batch.writes).await {
            Ok(stored) => batch.settle(Some(stored)),
            Err(e) => {
                tracing::error!(error = %e, writes = batch.writes.len(), "store write failed; this batch is not persisted");
                batch.settle(None);
            }
        }
    }
    tracing::debug!("store writer stopped");
}

/// Commits a batch in one transaction. The rooms its messages go to are created if needed
/// and locked in name order (two nodes' batches never deadlock), their counters read once
/// and written back at the end. Returns each message write's stored message (by its index
/// in `writes`) and whether it was a duplicate.
async fn write_batch(pg: &Pg, writes: &[Write]) -> Result<HashMap<usize, (Message, bool)>, ServerError> {
    let mut tx = pg.pool().begin().await?;
    // Every room the batch names (recorded, or written to), created if needed in one insert in
    // name order, then those written to locked in name order: two nodes' batches never wait on
    // each other's rows in opposite orders (PostgreSQL reported deadlocks on `rooms` when
    // rooms were inserted in arrival order).
    let mut created: BTreeMap<&str, i64> = BTreeMap::new();
    let mut rooms: BTreeSet<&str> = BTreeSet::new();
    let now = crate::metrics::now_ms();
    for w in writes {
        match w {
            Write::Room(name, created_at) => {
                created.entry(name).or_insert(*created_at);
            }
            Write::Message(m) => {
                created.entry(&m.room).or_insert(now);
                rooms.insert(&m.room);
            }
            _ => {}
        }
    }
    if !created.is_empty() {
        let names: Vec<&str> = created.keys().copied().collect();
        let times: Vec<i64> = created.values().copied().collect();
        sqlx::query(
            "INSERT INTO rooms (name, created_at)
             SELECT name, created_at FROM UNNEST($1::text[], $2::bigint[]) AS t(name, created_at) ORDER BY name
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&names)
        .bind(&times)
        .execute(&mut *tx)
        .await?;
    }
    let mut counters: HashMap<String, (i64, i64)> = HashMap::new(); // room → (read, now)
    if !rooms.is_empty() {
        let names: Vec<&str> = rooms.iter().copied().collect();
        let locked = sqlx::query("SELECT name, last_seq FROM rooms WHERE name = ANY($1) ORDER BY name FOR UPDATE")
            .bind(&names)
            .fetch_all(&mut *tx)
            .await?;
        for row in locked {
            let last: i64 = row.try_get("last_seq")?;
            counters.insert(row.try_get("name")?, (last, last));
        }
    }
    let mut stored = HashMap::new();
    for (i, w) in writes.iter().enumerate() {
        match w {
            Write::Room(..) => {}
            Write::Message(m) => {
                let Some(counter) = counters.get_mut(&m.room) else {
                    return Err(ServerError::StoreIo(format!("room {} has no counter row", m.room)));
                };
                let seq = counter.1 + 1;
                let reply_to = m.reply_to.as_ref().map(|r| r.id.as_str());
                let file = m.file.as_ref().and_then(|f| serde_json::to_string(f).ok());
                let inserted = sqlx::query(
                    "INSERT INTO messages (room, seq, id, username, kind, text, created_at, reply_to, file)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (room, id) DO NOTHING",
                )
                .bind(&m.room)
                .bind(seq)
                .bind(&m.id)
                .bind(&m.username)
                .bind(super::kind_str(m.kind))
                .bind(&m.text)
                .bind(m.created_at)
                .bind(reply_to)
                .bind(file)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 1 {
                    counter.1 = seq;
                    let mut m = m.clone();
                    m.seq = to_u64(seq);
                    stored.insert(i, (m, false));
                } else {
                    stored.insert(i, (stored_in(&mut tx, &m.room, &m.id).await?, true));
                }
            }
            Write::React { room, seq, emoji, account_id, name, on: true, at } => {
                sqlx::query(
                    "INSERT INTO reactions (room, seq, emoji, account_id, name, at) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT DO NOTHING",
                )
                .bind(room)
                .bind(to_i64(*seq))
                .bind(emoji)
                .bind(account_id)
                .bind(name)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            Write::React { room, seq, emoji, account_id, on: false, .. } => {
                sqlx::query("DELETE FROM reactions WHERE room = $1 AND seq = $2 AND emoji = $3 AND account_id = $4")
                    .bind(room)
                    .bind(to_i64(*seq))
                    .bind(emoji)
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
            }
            Write::Edit { room, id, text, at } => {
                sqlx::query("UPDATE messages SET text = $3, edited_at = $4 WHERE room = $1 AND id = $2 AND kind = 'text'")
                    .bind(room)
                    .bind(id)
                    .bind(text)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    for (room, (read, now)) in &counters {
        if now != read {
            sqlx::query("UPDATE rooms SET last_seq = $2 WHERE name = $1").bind(room).bind(now).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(stored)
}

/// The message stored under `id` (a resend's original), read inside the batch's transaction.
async fn stored_in(tx: &mut Transaction<'static, Postgres>, room: &str, id: &str) -> Result<Message, ServerError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM messages WHERE room = $1 AND id = $2")))
        .bind(room)
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    row_to_message(&row)
}
