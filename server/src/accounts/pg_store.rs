//! The PostgreSQL implementation of [`AccountStore`]: the same tables and columns as the
//! SQLite one (`accounts`, `sessions`, `invites`; the other stores join on `accounts`), in
//! the shared database of every node (`crate::pg`), migrated under component `accounts`.
//!
//! What SQLite gets from its one writer, PostgreSQL gets from its constraints, so nodes
//! racing each other are safe: two creates of one name give one account and one
//! `NameTaken` (the unique index decides, `ON CONFLICT DO NOTHING`), an invite's use is
//! taken by one conditional `UPDATE … RETURNING` (never below zero), and a password change
//! cuts the other sessions in its own transaction.

use super::invites::InviteRecord;
use super::sessions::SessionRecord;
use super::store::{AccountRecord, AccountStore, CreateRefused, NewAccount};
use crate::error::ServerError;
use crate::pg::Pg;

const COMPONENT: &str = "accounts";

/// Migration `i` takes the accounts schema from version `i` to `i + 1`. Version 1 is the
/// whole of SQLite's current schema (`super::store`).
pub const MIGRATIONS: &[&str] = &["
CREATE TABLE accounts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    name_key      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    admin         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash   BYTEA NOT NULL UNIQUE,
    device       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions(account_id);
CREATE INDEX sessions_by_last_use ON sessions(last_used_at);
CREATE TABLE invites (
    code_hash  BYTEA PRIMARY KEY,
    uses_left  BIGINT NOT NULL,
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);
"];

/// The PostgreSQL implementation, on the shared pool.
pub struct PgAccountStore {
    pg: Pg,
}

impl PgAccountStore {
    /// Migrates the accounts tables (after the message store's, before the stores that join
    /// on `accounts`) and returns the store.
    pub async fn open(pg: &Pg) -> Result<Self, ServerError> {
        pg.migrate(COMPONENT, MIGRATIONS).await?;
        Ok(Self { pg: pg.clone() })
    }
}

type AccountRow = (i64, String, String, String, bool, i64);
type SessionRow = (String, i64, String, i64, i64);

fn account(r: AccountRow) -> AccountRecord {
    AccountRecord { id: r.0, name: r.1, name_key: r.2, password_hash: r.3, admin: r.4, created_at: r.5 }
}

fn session(r: SessionRow) -> SessionRecord {
    SessionRecord { id: r.0, account_id: r.1, device: r.2, created_at: r.3, last_used_at: r.4 }
}

impl AccountStore for PgAccountStore {
    fn account_by_key(&self, name_key: &str) -> Result<Option<AccountRecord>, ServerError> {
        let q = sqlx::query_as::<_, AccountRow>(
            "SELECT id, name, name_key, password_hash, admin, created_at FROM accounts WHERE name_key = $1",
        )
        .bind(name_key);
        Ok(self.pg.block(q.fetch_optional(self.pg.pool()))?.map(account))
    }

    fn account_by_id(&self, id: i64) -> Result<Option<AccountRecord>, ServerError> {
        let q = sqlx::query_as::<_, AccountRow>("SELECT id, name, name_key, password_hash, admin, created_at FROM accounts WHERE id = $1")
            .bind(id);
        Ok(self.pg.block(q.fetch_optional(self.pg.pool()))?.map(account))
    }

    fn create_account(&self, a: NewAccount, invite: Option<[u8; 32]>) -> Result<Result<AccountRecord, CreateRefused>, ServerError> {
        self.pg.block(async {
            let mut tx = self.pg.pool().begin().await?;
            // The common refusal, without touching the invite; a create racing this one on
            // another node is caught by the insert's unique indexes below.
            let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE name_key = $1 OR name = $2)")
                .bind(&a.name_key)
                .bind(&a.name)
                .fetch_one(&mut *tx)
                .await?;
            if taken {
                return Ok(Err(CreateRefused::NameTaken));
            }
            if let Some(code_hash) = invite {
                // Takes one use if any is left (the row lock orders racing takers); the
                // expiry is judged by the one rule, and an expired invite rolls back.
                let took: Option<(i64, Option<i64>)> = sqlx::query_as(
                    "UPDATE invites SET uses_left = uses_left - 1 WHERE code_hash = $1 AND uses_left > 0
                     RETURNING uses_left + 1, expires_at",
                )
                .bind(&code_hash[..])
                .fetch_optional(&mut *tx)
                .await?;
                let usable = took.is_some_and(|(uses, expires_at)| {
                    InviteRecord { uses_left: u32::try_from(uses).unwrap_or(0), expires_at }.usable(a.created_at)
                });
                if !usable {
                    return Ok(Err(CreateRefused::InviteInvalid));
                }
            }
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO accounts (name, name_key, password_hash, admin, created_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(&a.name)
            .bind(&a.name_key)
            .bind(&a.password_hash)
            .bind(a.admin)
            .bind(a.created_at)
            .fetch_optional(&mut *tx)
            .await?;
            // Taken meanwhile by a create that committed first: the invite's use rolls back.
            let Some(id) = id else { return Ok(Err(CreateRefused::NameTaken)) };
            tx.commit().await?;
            Ok(Ok(AccountRecord {
                id,
                name: a.name,
                name_key: a.name_key,
                password_hash: a.password_hash,
                admin: a.admin,
                created_at: a.created_at,
            }))
        })
    }

    fn create_session(&self, s: &SessionRecord, token_hash: &[u8; 32]) -> Result<(), ServerError> {
        let q = sqlx::query(
            "INSERT INTO sessions (id, account_id, token_hash, device, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.id)
        .bind(s.account_id)
        .bind(&token_hash[..])
        .bind(&s.device)
        .bind(s.created_at)
        .bind(s.last_used_at);
        self.pg.block(q.execute(self.pg.pool()))?;
        Ok(())
    }

    fn session_by_token(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRecord>, ServerError> {
        let q =
            sqlx::query_as::<_, SessionRow>("SELECT id, account_id, device, created_at, last_used_at FROM sessions WHERE token_hash = $1")
                .bind(&token_hash[..]);
        Ok(self.pg.block(q.fetch_optional(self.pg.pool()))?.map(session))
    }

    fn touch_session(&self, id: &str, now: i64) -> Result<(), ServerError> {
        let q = sqlx::query("UPDATE sessions SET last_used_at = GREATEST(last_used_at, $2) WHERE id = $1").bind(id).bind(now);
        self.pg.block(q.execute(self.pg.pool()))?;
        Ok(())
    }

    fn sessions_of(&self, account_id: i64) -> Result<Vec<SessionRecord>, ServerError> {
        // COLLATE "C": ids in byte order, as SQLite sorts them, whatever the database's locale.
        let q = sqlx::query_as::<_, SessionRow>(
            "SELECT id, account_id, device, created_at, last_used_at FROM sessions WHERE account_id = $1
             ORDER BY last_used_at DESC, id COLLATE \"C\"",
        )
        .bind(account_id);
        Ok(self.pg.block(q.fetch_all(self.pg.pool()))?.into_iter().map(session).collect())
    }

    fn delete_session(&self, account_id: i64, id: &str) -> Result<bool, ServerError> {
        let q = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id = $2").bind(account_id).bind(id);
        Ok(self.pg.block(q.execute(self.pg.pool()))?.rows_affected() > 0)
    }

    fn set_password(&self, account_id: i64, password_hash: &str, keep_session: &str) -> Result<Vec<String>, ServerError> {
        self.pg.block(async {
            let mut tx = self.pg.pool().begin().await?;
            sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
                .bind(account_id)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
            let revoked: Vec<String> = sqlx::query_scalar("DELETE FROM sessions WHERE account_id = $1 AND id <> $2 RETURNING id")
                .bind(account_id)
                .bind(keep_session)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(revoked)
        })
    }

    fn delete_idle_sessions(&self, before: i64) -> Result<usize, ServerError> {
        let q = sqlx::query("DELETE FROM sessions WHERE last_used_at < $1").bind(before);
        let n = self.pg.block(q.execute(self.pg.pool()))?.rows_affected();
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn create_invite(&self, code_hash: &[u8; 32], invite: &InviteRecord, created_at: i64) -> Result<(), ServerError> {
        let q = sqlx::query("INSERT INTO invites (code_hash, uses_left, expires_at, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&code_hash[..])
            .bind(i64::from(invite.uses_left))
            .bind(invite.expires_at)
            .bind(created_at);
        self.pg.block(q.execute(self.pg.pool()))?;
        Ok(())
    }
}
