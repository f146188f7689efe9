//! What the SQLite stores that share the server's database file have in common (accounts,
//! membership, moderation, DMs; the message store keeps its own writer thread): a connection
//! opened with the same settings, and numbered migrations recorded per component in
//! `schema_versions`.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ServerError;

/// A connection of its own to the server's database file: WAL, `synchronous=NORMAL`, foreign
/// keys on, and a busy timeout, since the message store's writer shares the file (wait for
/// its short transactions).
pub fn open_shared(path: &Path) -> Result<Connection, ServerError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// The migration that takes `component` on from `version`: `None` when it is up to date, an
/// error when the database is at a newer version than `migrations` knows (a newer server
/// wrote it). The rule of both stores' migrations (SQLite here, PostgreSQL in `crate::pg`).
pub fn next_step<'a>(component: &str, version: usize, migrations: &[&'a str]) -> Result<Option<&'a str>, ServerError> {
    match migrations.get(version) {
        Some(step) => Ok(Some(step)),
        None if version > migrations.len() => Err(ServerError::StoreIo(format!(
            "the {component} tables are at version {version}, newer than this server knows ({})",
            migrations.len()
        ))),
        None => Ok(None),
    }
}

/// Applies the migrations of `component` this database has not had yet, each in its own
/// transaction: migration `i` takes it from version `i` to `i + 1`. A database at a newer
/// version than `migrations` knows is an error (a newer server wrote it).
pub fn migrate(conn: &mut Connection, component: &str, migrations: &[&str]) -> Result<(), ServerError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    )?;
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: usize = tx
            .query_row("SELECT version FROM schema_versions WHERE component = ?1", [component], |r| r.get::<_, i64>(0))
            .optional()?
            .map_or(0, |v| usize::try_from(v).unwrap_or(usize::MAX));
        let Some(step) = next_step(component, version, migrations)? else { return Ok(()) };
        tx.execute_batch(step)?;
        tx.execute(
            "INSERT INTO schema_versions (component, version) VALUES (?1, ?2)
             ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            params![component, version as i64 + 1],
        )?;
        tx.commit()?;
        tracing::info!(version = version + 1, "{component} schema migrated");
    }
}
