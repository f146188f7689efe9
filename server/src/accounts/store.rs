//! Where accounts, sessions and invites are kept: the [`AccountStore`] trait, and its SQLite
//! implementation on tables of their own in the server's database file (apart from the
//! message store, `crate::store`, so another database can implement this trait alone).
//!
//! The trait is blocking: callers run it on tokio's blocking pool (or `block_in_place`).
//! Schema changes are numbered migrations, recorded in `schema_versions` under `accounts`.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

use super::invites::InviteRecord;
use super::sessions::SessionRecord;
use crate::error::ServerError;

/// An account as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: i64,
    pub name: String,
    /// [`super::names::identity_key`] of the name; unique.
    pub name_key: String,
    pub password_hash: String,
    pub admin: bool,
    pub created_at: i64,
}

/// What a new account needs.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: String,
    pub name_key: String,
    pub password_hash: String,
    pub admin: bool,
    pub created_at: i64,
}

/// Why an account was not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateRefused {
    /// The name's key is taken.
    NameTaken,
    /// The invite is unknown, used up or expired.
    InviteInvalid,
}

pub trait AccountStore: Send + Sync {
    fn account_by_key(&self, name_key: &str) -> Result<Option<AccountRecord>, ServerError>;
    fn account_by_id(&self, id: i64) -> Result<Option<AccountRecord>, ServerError>;
    /// Creates an account; with `invite` (a code's hash), takes one use of it in the same
    /// transaction, so an invite is never used more often than it allows.
    fn create_account(
        &self,
        account: NewAccount,
        invite: Option<[u8; 32]>,
    ) -> Result<Result<AccountRecord, CreateRefused>, ServerError>;
    fn create_session(&self, session: &SessionRecord, token_hash: &[u8; 32]) -> Result<(), ServerError>;
    fn session_by_token(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRecord>, ServerError>;
    fn touch_session(&self, id: &str, now: i64) -> Result<(), ServerError>;
    /// The account's sessions, most recently used first.
    fn sessions_of(&self, account_id: i64) -> Result<Vec<SessionRecord>, ServerError>;
    /// Deletes one of the account's sessions; false when it had none with that id.
    fn delete_session(&self, account_id: i64, id: &str) -> Result<bool, ServerError>;
    /// Sets a new password hash and deletes every other session of the account, in one
    /// transaction; returns the ids deleted.
    fn set_password(&self, account_id: i64, password_hash: &str, keep_session: &str) -> Result<Vec<String>, ServerError>;
    /// Deletes the sessions last used before `before`; returns how many.
    fn delete_idle_sessions(&self, before: i64) -> Result<usize, ServerError>;
    fn create_invite(&self, code_hash: &[u8; 32], invite: &InviteRecord, created_at: i64) -> Result<(), ServerError>;
}

/// Migration `i` takes the accounts schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &["
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    name_key      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    admin         INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash   BLOB NOT NULL UNIQUE,
    device       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_account ON sessions(account_id);
CREATE INDEX sessions_by_last_use ON sessions(last_used_at);
CREATE TABLE invites (
    code_hash  BLOB PRIMARY KEY,
    uses_left  INTEGER NOT NULL,
    expires_at INTEGER,
    created_at INTEGER NOT NULL
);
"];

/// The SQLite implementation: one connection of its own to the server's database file.
pub struct SqliteAccountStore {
    conn: Mutex<Connection>,
}

impl SqliteAccountStore {
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| ServerError::StoreIo(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut conn = crate::sqlite_schema::open_shared(path)?;
        crate::sqlite_schema::migrate(&mut conn, "accounts", MIGRATIONS)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRecord> {
    Ok(AccountRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        name_key: r.get(2)?,
        password_hash: r.get(3)?,
        admin: r.get::<_, i64>(4)? != 0,
        created_at: r.get(5)?,
    })
}

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord { id: r.get(0)?, account_id: r.get(1)?, device: r.get(2)?, created_at: r.get(3)?, last_used_at: r.get(4)? })
}

const ACCOUNT_COLS: &str = "id, name, name_key, password_hash, admin, created_at";
const SESSION_COLS: &str = "id, account_id, device, created_at, last_used_at";

impl AccountStore for SqliteAccountStore {
    fn account_by_key(&self, name_key: &str) -> Result<Option<AccountRecord>, ServerError> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE name_key = ?1");
        Ok(self.conn().query_row(&sql, [name_key], account_row).optional()?)
    }

    fn account_by_id(&self, id: i64) -> Result<Option<AccountRecord>, ServerError> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1");
        Ok(self.conn().query_row(&sql, [id], account_row).optional()?)
    }

    fn create_account(
        &self,
        a: NewAccount,
        invite: Option<[u8; 32]>,
    ) -> Result<Result<AccountRecord, CreateRefused>, ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM accounts WHERE name_key = ?1 OR name = ?2)",
            params![a.name_key, a.name],
            |r| r.get(0),
        )?;
        if taken {
            return Ok(Err(CreateRefused::NameTaken));
        }
        if let Some(code_hash) = invite {
            let found: Option<(i64, Option<i64>)> = tx
                .query_row("SELECT uses_left, expires_at FROM invites WHERE code_hash = ?1", [&code_hash[..]], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let usable = found.is_some_and(|(uses, expires_at)| {
                InviteRecord { uses_left: u32::try_from(uses).unwrap_or(0), expires_at }.usable(a.created_at)
            });
            if !usable {
                return Ok(Err(CreateRefused::InviteInvalid));
            }
            tx.execute("UPDATE invites SET uses_left = uses_left - 1 WHERE code_hash = ?1", [&code_hash[..]])?;
        }
        tx.execute(
            "INSERT INTO accounts (name, name_key, password_hash, admin, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![a.name, a.name_key, a.password_hash, a.admin as i64, a.created_at],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(Ok(AccountRecord {
            id,
            name: a.name,
            name_key: a.name_key,
            password_hash: a.password_hash,
            admin: a.admin,
            created_at: a.created_at,
        }))
    }

    fn create_session(&self, s: &SessionRecord, token_hash: &[u8; 32]) -> Result<(), ServerError> {
        self.conn().execute(
            "INSERT INTO sessions (id, account_id, token_hash, device, created_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![s.id, s.account_id, &token_hash[..], s.device, s.created_at, s.last_used_at],
        )?;
        Ok(())
    }

    fn session_by_token(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRecord>, ServerError> {
        let sql = format!("SELECT {SESSION_COLS} FROM sessions WHERE token_hash = ?1");
        Ok(self.conn().query_row(&sql, [&token_hash[..]], session_row).optional()?)
    }

    fn touch_session(&self, id: &str, now: i64) -> Result<(), ServerError> {
        self.conn().execute("UPDATE sessions SET last_used_at = MAX(last_used_at, ?2) WHERE id = ?1", params![id, now])?;
        Ok(())
    }

    fn sessions_of(&self, account_id: i64) -> Result<Vec<SessionRecord>, ServerError> {
        let conn = self.conn();
        let sql = format!("SELECT {SESSION_COLS} FROM sessions WHERE account_id = ?1 ORDER BY last_used_at DESC, id");
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([account_id], session_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_session(&self, account_id: i64, id: &str) -> Result<bool, ServerError> {
        let n = self.conn().execute("DELETE FROM sessions WHERE account_id = ?1 AND id = ?2", params![account_id, id])?;
        Ok(n > 0)
    }

    fn set_password(&self, account_id: i64, password_hash: &str, keep_session: &str) -> Result<Vec<String>, ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("UPDATE accounts SET password_hash = ?2 WHERE id = ?1", params![account_id, password_hash])?;
        let revoked: Vec<String> = {
            let mut stmt = tx.prepare("DELETE FROM sessions WHERE account_id = ?1 AND id <> ?2 RETURNING id")?;
            let rows = stmt.query_map(params![account_id, keep_session], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        tx.commit()?;
        Ok(revoked)
    }

    fn delete_idle_sessions(&self, before: i64) -> Result<usize, ServerError> {
        Ok(self.conn().execute("DELETE FROM sessions WHERE last_used_at < ?1", [before])?)
    }

    fn create_invite(&self, code_hash: &[u8; 32], invite: &InviteRecord, created_at: i64) -> Result<(), ServerError> {
        self.conn().execute(
            "INSERT INTO invites (code_hash, uses_left, expires_at, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![&code_hash[..], invite.uses_left, invite.expires_at, created_at],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! What only SQLite has; the behaviour every store shares is tested on both in
    //! `super::super::store_suite`.
    use super::*;

    #[test]
    fn migrations_run_once_beside_the_message_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("banter.db");
        let messages = crate::store::Store::open(&path).unwrap();
        drop(SqliteAccountStore::open(&path).unwrap());
        let again = SqliteAccountStore::open(&path).unwrap();
        let v: i64 = again
            .conn()
            .query_row("SELECT version FROM schema_versions WHERE component = 'accounts'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
        drop(messages);
    }
}
