//! The PostgreSQL [`MembershipStore`]: the `memberships` table (component `membership`)
//! beside the PostgreSQL message tables (`crate::store::pg_schema`), whose `messages` it
//! reads for latest seqs and unread counts, as the SQLite store does in its file.

use banter_protocol::membership::RoomStatus;
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::store::{Marked, MembershipStore};
use crate::error::ServerError;
use crate::pg::{to_i64, to_u64, Pg};

/// Migration `i` takes the membership schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &["
CREATE TABLE memberships (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    room       TEXT NOT NULL,
    read_seq   BIGINT NOT NULL DEFAULT 0,
    joined_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, room)
);
"];

const COMPONENT: &str = "membership";

/// The columns of a [`RoomStatus`] for membership `m` and the name `$2` ("not sent by the account").
const STATUS_COLS: &str = "m.room, m.read_seq, m.joined_at,
    COALESCE((SELECT MAX(seq) FROM messages WHERE room = m.room), 0),
    (SELECT COUNT(*) FROM messages WHERE room = m.room AND seq > m.read_seq AND username <> $2)";

pub struct PgMembershipStore {
    pg: Pg,
}

impl PgMembershipStore {
    /// Opens the store after the message tables and the accounts tables.
    pub async fn open(pg: &Pg) -> Result<Self, ServerError> {
        pg.migrate(COMPONENT, MIGRATIONS).await?;
        Ok(Self { pg: pg.clone() })
    }
}

fn status_row(r: &PgRow) -> Result<RoomStatus, sqlx::Error> {
    Ok(RoomStatus {
        room: r.try_get(0)?,
        read_seq: to_u64(r.try_get(1)?),
        joined_at: r.try_get(2)?,
        latest_seq: to_u64(r.try_get(3)?),
        unread: to_u64(r.try_get(4)?),
    })
}

impl MembershipStore for PgMembershipStore {
    fn join(&self, account_id: i64, room: &str, read_seq: u64, now: i64) -> Result<u64, ServerError> {
        let pool = self.pg.pool();
        self.pg.block(async {
            sqlx::query(
                "INSERT INTO memberships (account_id, room, read_seq, joined_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (account_id, room) DO NOTHING",
            )
            .bind(account_id)
            .bind(room)
            .bind(to_i64(read_seq))
            .bind(now)
            .execute(pool)
            .await?;
            let marker: i64 = sqlx::query_scalar("SELECT read_seq FROM memberships WHERE account_id = $1 AND room = $2")
                .bind(account_id)
                .bind(room)
                .fetch_one(pool)
                .await?;
            Ok(to_u64(marker))
        })
    }

    fn leave(&self, account_id: i64, room: &str) -> Result<bool, ServerError> {
        let q = sqlx::query("DELETE FROM memberships WHERE account_id = $1 AND room = $2").bind(account_id).bind(room);
        Ok(self.pg.block(q.execute(self.pg.pool()))?.rows_affected() > 0)
    }

    fn mark_read(&self, account_id: i64, room: &str, seq: u64) -> Result<Option<Marked>, ServerError> {
        self.pg.block(async {
            let mut tx = self.pg.pool().begin().await?;
            // the row stays locked until commit: two devices' markers move one after the other
            let found: Option<(i64, i64)> = sqlx::query_as(
                "SELECT m.read_seq, COALESCE((SELECT MAX(seq) FROM messages WHERE room = m.room), 0)
                 FROM memberships m WHERE m.account_id = $1 AND m.room = $2 FOR UPDATE OF m",
            )
            .bind(account_id)
            .bind(room)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((old, latest)) = found else { return Ok(None) };
            let (old, latest) = (to_u64(old), to_u64(latest));
            let new = super::forward(old, seq, latest);
            if new != old {
                sqlx::query("UPDATE memberships SET read_seq = $3 WHERE account_id = $1 AND room = $2")
                    .bind(account_id)
                    .bind(room)
                    .bind(to_i64(new))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(Some(Marked { read_seq: new, moved: new != old }))
        })
    }

    fn status(&self, account_id: i64, name: &str, room: &str) -> Result<Option<RoomStatus>, ServerError> {
        let sql = format!("SELECT {STATUS_COLS} FROM memberships m WHERE m.account_id = $1 AND m.room = $3");
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id).bind(name).bind(room);
        let row = self.pg.block(q.fetch_optional(self.pg.pool()))?;
        Ok(row.as_ref().map(status_row).transpose()?)
    }

    fn rooms_of(&self, account_id: i64, name: &str) -> Result<Vec<RoomStatus>, ServerError> {
        let sql = format!("SELECT {STATUS_COLS} FROM memberships m WHERE m.account_id = $1 ORDER BY m.joined_at, m.room COLLATE \"C\"");
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id).bind(name);
        let rows = self.pg.block(q.fetch_all(self.pg.pool()))?;
        Ok(rows.iter().map(status_row).collect::<Result<_, _>>()?)
    }
}
