//! Where direct messages' member sets and blocks are kept: the [`DmStore`] trait, and its
//! SQLite implementation on tables of its own (`dms`, `dm_members`, `blocks`) in the
//! server's database file, over a connection of its own, as the membership store does
//! (`crate::membership::store`). The DMs' messages are in the message store, under the DM's
//! id as their room.
//!
//! The trait is blocking: callers run it in `block_in_place` (or on the blocking pool).
//! Schema changes are numbered migrations, recorded in `schema_versions` under `dms`.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ServerError;

/// A DM: its id and its members `(account id, name)`, sorted by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmRecord {
    pub id: String,
    pub members: Vec<(i64, String)>,
    pub created_at: i64,
}

impl DmRecord {
    pub fn has(&self, account_id: i64) -> bool {
        self.members.iter().any(|(id, _)| *id == account_id)
    }

    /// The members' names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = self.members.iter().map(|(_, n)| n.clone()).collect();
        n.sort();
        n
    }
}

pub trait DmStore: Send + Sync {
    /// The DM of exactly these members, created (with the id given) if it does not exist;
    /// true when this call created it.
    fn open(&self, dm: &DmRecord) -> Result<(DmRecord, bool), ServerError>;
    fn get(&self, id: &str) -> Result<Option<DmRecord>, ServerError>;
    /// The account's DMs, the newest first.
    fn dms_of(&self, account_id: i64) -> Result<Vec<DmRecord>, ServerError>;
    /// True when it was not blocked yet.
    fn block(&self, blocker: i64, blocked: i64, now: i64) -> Result<bool, ServerError>;
    /// True when it was blocked.
    fn unblock(&self, blocker: i64, blocked: i64) -> Result<bool, ServerError>;
    /// The names the account blocks, sorted.
    fn blocked_by(&self, blocker: i64) -> Result<Vec<String>, ServerError>;
    /// True when a member of DM `id` other than `sender` blocks `sender`.
    fn blocked_in(&self, id: &str, sender: i64) -> Result<bool, ServerError>;
}

/// Migration `i` takes the DM schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &["
CREATE TABLE dms (
    id          TEXT PRIMARY KEY,
    member_set  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
CREATE TABLE dm_members (
    dm_id       TEXT NOT NULL REFERENCES dms(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (dm_id, account_id)
) WITHOUT ROWID;
CREATE INDEX dm_members_by_account ON dm_members (account_id);
CREATE TABLE blocks (
    blocker_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    blocked_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
) WITHOUT ROWID;
CREATE INDEX blocks_by_blocked ON blocks (blocked_id);
"];

const COMPONENT: &str = "dms";

/// The member set's key: the sorted account ids, comma-separated (unique per DM).
pub fn member_set(members: &[(i64, String)]) -> String {
    let mut ids: Vec<i64> = members.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// The SQLite implementation: one connection of its own to the server's database file.
pub struct SqliteDmStore {
    conn: Mutex<Connection>,
}

impl SqliteDmStore {
    /// Opens the store in the server's database file, after the accounts store (whose
    /// `accounts` its foreign keys name).
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        let mut conn = crate::sqlite_schema::open_shared(path)?;
        crate::sqlite_schema::migrate(&mut conn, COMPONENT, MIGRATIONS)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn members_of(conn: &Connection, id: &str) -> Result<Vec<(i64, String)>, ServerError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.name FROM dm_members m JOIN accounts a ON a.id = m.account_id WHERE m.dm_id = ?1 ORDER BY a.id",
    )?;
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn get_in(conn: &Connection, id: &str) -> Result<Option<DmRecord>, ServerError> {
    let created: Option<i64> =
        conn.query_row("SELECT created_at FROM dms WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    let Some(created_at) = created else { return Ok(None) };
    Ok(Some(DmRecord { id: id.to_owned(), members: members_of(conn, id)?, created_at }))
}

impl DmStore for SqliteDmStore {
    fn open(&self, dm: &DmRecord) -> Result<(DmRecord, bool), ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let set = member_set(&dm.members);
        let existing: Option<String> =
            tx.query_row("SELECT id FROM dms WHERE member_set = ?1", [&set], |r| r.get(0)).optional()?;
        if let Some(id) = existing {
            let rec = get_in(&tx, &id)?.ok_or_else(|| ServerError::StoreIo("a DM vanished".into()))?;
            return Ok((rec, false));
        }
        tx.execute("INSERT INTO dms (id, member_set, created_at) VALUES (?1, ?2, ?3)", params![dm.id, set, dm.created_at])?;
        for (account, _) in &dm.members {
            tx.execute("INSERT OR IGNORE INTO dm_members (dm_id, account_id) VALUES (?1, ?2)", params![dm.id, account])?;
        }
        let rec = get_in(&tx, &dm.id)?.ok_or_else(|| ServerError::StoreIo("a DM vanished".into()))?;
        tx.commit()?;
        Ok((rec, true))
    }

    fn get(&self, id: &str) -> Result<Option<DmRecord>, ServerError> {
        get_in(&self.conn(), id)
    }

    fn dms_of(&self, account_id: i64) -> Result<Vec<DmRecord>, ServerError> {
        let conn = self.conn();
        let ids: Vec<String> = {
            let mut stmt = conn.prepare_cached(
                "SELECT d.id FROM dm_members m JOIN dms d ON d.id = m.dm_id WHERE m.account_id = ?1
                 ORDER BY d.created_at DESC, d.id",
            )?;
            let rows = stmt.query_map([account_id], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(rec) = get_in(&conn, &id)? {
                out.push(rec);
            }
        }
        Ok(out)
    }

    fn block(&self, blocker: i64, blocked: i64, now: i64) -> Result<bool, ServerError> {
        let n = self.conn().execute(
            "INSERT INTO blocks (blocker_id, blocked_id, at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![blocker, blocked, now],
        )?;
        Ok(n > 0)
    }

    fn unblock(&self, blocker: i64, blocked: i64) -> Result<bool, ServerError> {
        let n = self.conn().execute("DELETE FROM blocks WHERE blocker_id = ?1 AND blocked_id = ?2", params![blocker, blocked])?;
        Ok(n > 0)
    }

    fn blocked_by(&self, blocker: i64) -> Result<Vec<String>, ServerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT a.name FROM blocks b JOIN accounts a ON a.id = b.blocked_id WHERE b.blocker_id = ?1 ORDER BY a.name",
        )?;
        let rows = stmt.query_map([blocker], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn blocked_in(&self, id: &str, sender: i64) -> Result<bool, ServerError> {
        let found: Option<i64> = self
            .conn()
            .query_row(
                "SELECT 1 FROM dm_members m JOIN blocks b ON b.blocker_id = m.account_id
                 WHERE m.dm_id = ?1 AND b.blocked_id = ?2 AND m.account_id <> ?2 LIMIT 1",
                params![id, sender],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }
}

#[cfg(test)]
mod tests {
    //! What only SQLite has; the behaviour every DM store shares is tested on both in
    //! `super::super::store_suite`.
    use super::*;

    #[test]
    fn migrations_run_once_beside_the_accounts_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("banter.db");
        drop(crate::accounts::store::SqliteAccountStore::open(&path).unwrap());
        drop(SqliteDmStore::open(&path).unwrap());
        let again = SqliteDmStore::open(&path).unwrap();
        let v: i64 = again.conn().query_row("SELECT version FROM schema_versions WHERE component = 'dms'", [], |r| r.get(0)).unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
    }
}
