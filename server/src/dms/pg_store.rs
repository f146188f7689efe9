//! The PostgreSQL implementation of [`DmStore`]: the same tables and columns as the SQLite
//! one (`dms`, `dm_members`, `blocks`), in the shared database (`crate::pg`), migrated under
//! component `dms` after `accounts` (whose `accounts` its foreign keys name).
//!
//! Nodes opening the same DM at once get one DM: its member set is unique, and the insert
//! that loses the race waits for the winner's commit, does nothing, and reads the winner's.

use super::store::{member_set, DmRecord, DmStore};
use crate::error::ServerError;
use crate::pg::Pg;

const COMPONENT: &str = "dms";

/// Migration `i` takes the DM schema from version `i` to `i + 1`. Version 1 is the whole of
/// SQLite's current schema (`super::store`).
pub const MIGRATIONS: &[&str] = &["
CREATE TABLE dms (
    id          TEXT PRIMARY KEY,
    member_set  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);
CREATE TABLE dm_members (
    dm_id       TEXT NOT NULL REFERENCES dms(id) ON DELETE CASCADE,
    account_id  BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (dm_id, account_id)
);
CREATE INDEX dm_members_by_account ON dm_members (account_id);
CREATE TABLE blocks (
    blocker_id  BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    blocked_id  BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX blocks_by_blocked ON blocks (blocked_id);
"];

/// The PostgreSQL implementation, on the shared pool.
pub struct PgDmStore {
    pg: Pg,
}

impl PgDmStore {
    /// Migrates the DM tables (after the accounts store's) and returns the store.
    pub async fn open(pg: &Pg) -> Result<Self, ServerError> {
        pg.migrate(COMPONENT, MIGRATIONS).await?;
        Ok(Self { pg: pg.clone() })
    }
}

/// One DM, read in one query: its creation time and its members by id.
async fn get_in<'c, E>(exec: E, id: &str) -> Result<Option<DmRecord>, ServerError>
where
    E: sqlx::PgExecutor<'c>,
{
    let rows: Vec<(i64, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT d.created_at, a.id, a.name FROM dms d
         LEFT JOIN (dm_members m JOIN accounts a ON a.id = m.account_id) ON m.dm_id = d.id
         WHERE d.id = $1 ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(exec)
    .await?;
    let Some(created_at) = rows.first().map(|r| r.0) else { return Ok(None) };
    let members = rows.into_iter().filter_map(|(_, id, name)| Some((id?, name?))).collect();
    Ok(Some(DmRecord { id: id.to_owned(), members, created_at }))
}

impl DmStore for PgDmStore {
    fn open(&self, dm: &DmRecord) -> Result<(DmRecord, bool), ServerError> {
        self.pg.block(async {
            let mut tx = self.pg.pool().begin().await?;
            let set = member_set(&dm.members);
            let inserted: Option<String> =
                sqlx::query_scalar("INSERT INTO dms (id, member_set, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id")
                    .bind(&dm.id)
                    .bind(&set)
                    .bind(dm.created_at)
                    .fetch_optional(&mut *tx)
                    .await?;
            if inserted.is_none() {
                let existing: Option<String> =
                    sqlx::query_scalar("SELECT id FROM dms WHERE member_set = $1").bind(&set).fetch_optional(&mut *tx).await?;
                let Some(id) = existing else {
                    return Err(ServerError::StoreIo(format!("the DM id {} is taken by another member set", dm.id)));
                };
                let rec = get_in(&mut *tx, &id).await?.ok_or_else(|| ServerError::StoreIo("a DM vanished".into()))?;
                return Ok((rec, false));
            }
            let accounts: Vec<i64> = dm.members.iter().map(|(id, _)| *id).collect();
            sqlx::query("INSERT INTO dm_members (dm_id, account_id) SELECT $1, a FROM UNNEST($2::BIGINT[]) AS a ON CONFLICT DO NOTHING")
                .bind(&dm.id)
                .bind(&accounts)
                .execute(&mut *tx)
                .await?;
            let rec = get_in(&mut *tx, &dm.id).await?.ok_or_else(|| ServerError::StoreIo("a DM vanished".into()))?;
            tx.commit().await?;
            Ok((rec, true))
        })
    }

    fn get(&self, id: &str) -> Result<Option<DmRecord>, ServerError> {
        self.pg.block(get_in(self.pg.pool(), id))
    }

    fn dms_of(&self, account_id: i64) -> Result<Vec<DmRecord>, ServerError> {
        // The DMs and all their members in one query, a DM's rows together, newest DM first
        // (ids in byte order, as SQLite sorts them, whatever the database's locale).
        let rows: Vec<(String, i64, i64, String)> = self.pg.block(
            sqlx::query_as(
                "SELECT d.id, d.created_at, a.id, a.name FROM dm_members mine
                 JOIN dms d ON d.id = mine.dm_id
                 JOIN dm_members m ON m.dm_id = d.id
                 JOIN accounts a ON a.id = m.account_id
                 WHERE mine.account_id = $1
                 ORDER BY d.created_at DESC, d.id COLLATE \"C\", a.id",
            )
            .bind(account_id)
            .fetch_all(self.pg.pool()),
        )?;
        let mut out: Vec<DmRecord> = Vec::new();
        for (id, created_at, member, name) in rows {
            match out.last_mut() {
                Some(last) if last.id == id => last.members.push((member, name)),
                _ => out.push(DmRecord { id, members: vec![(member, name)], created_at }),
            }
        }
        Ok(out)
    }

    fn block(&self, blocker: i64, blocked: i64, now: i64) -> Result<bool, ServerError> {
        let q = sqlx::query("INSERT INTO blocks (blocker_id, blocked_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(blocker)
            .bind(blocked)
            .bind(now);
        Ok(self.pg.block(q.execute(self.pg.pool()))?.rows_affected() > 0)
    }

    fn unblock(&self, blocker: i64, blocked: i64) -> Result<bool, ServerError> {
        let q = sqlx::query("DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2").bind(blocker).bind(blocked);
        Ok(self.pg.block(q.execute(self.pg.pool()))?.rows_affected() > 0)
    }

    fn blocked_by(&self, blocker: i64) -> Result<Vec<String>, ServerError> {
        let q = sqlx::query_scalar(
            "SELECT a.name FROM blocks b JOIN accounts a ON a.id = b.blocked_id WHERE b.blocker_id = $1 ORDER BY a.name COLLATE \"C\"",
        )
        .bind(blocker);
        Ok(self.pg.block(q.fetch_all(self.pg.pool()))?)
    }

    fn blocked_in(&self, id: &str, sender: i64) -> Result<bool, ServerError> {
        let q = sqlx::query_scalar::<_, i32>(
            "SELECT 1 FROM dm_members m JOIN blocks b ON b.blocker_id = m.account_id
             WHERE m.dm_id = $1 AND b.blocked_id = $2 AND m.account_id <> $2 LIMIT 1",
        )
        .bind(id)
        .bind(sender);
        Ok(self.pg.block(q.fetch_optional(self.pg.pool()))?.is_some())
    }
}
