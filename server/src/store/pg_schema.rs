//! The message tables on PostgreSQL (component `messages` in `schema_versions`), the same
//! data as the SQLite tables of `super` with one addition: `rooms.last_seq`, the room's
//! counter row. A message's seq is taken from it in the transaction that inserts the
//! message (`SELECT … FOR UPDATE`, then `last_seq + 1`), so seqs are gap-free and in commit
//! order whichever node wrote them (a PostgreSQL sequence would leave gaps: `nextval` is
//! never rolled back).

use crate::error::ServerError;
use crate::pg::Pg;

pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE rooms (
        name       TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL,
        last_seq   BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE messages (
        room       TEXT NOT NULL,
        seq        BIGINT NOT NULL,
        id         TEXT NOT NULL,
        username   TEXT NOT NULL,
        kind       TEXT NOT NULL,
        text       TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        edited_at  BIGINT,
        reply_to   TEXT,
        file       TEXT,
        PRIMARY KEY (room, seq),
        UNIQUE (room, id)
    );
    CREATE TABLE reactions (
        room       TEXT NOT NULL,
        seq        BIGINT NOT NULL,
        emoji      TEXT NOT NULL,
        account_id BIGINT NOT NULL,
        name       TEXT NOT NULL,
        at         BIGINT NOT NULL,
        PRIMARY KEY (room, seq, emoji, account_id)
    );",
];

/// Creates or updates the message tables.
pub async fn migrate(pg: &Pg) -> Result<(), ServerError> {
    pg.migrate("messages", MIGRATIONS).await
}
