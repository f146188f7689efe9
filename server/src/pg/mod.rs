//! The PostgreSQL side of the store boundary (`--database-url postgres://…`): one connection
//! pool shared by every PostgreSQL store (messages, accounts, membership, moderation, DMs,
//! search, files), numbered migrations per component in `schema_versions` (as
//! `crate::sqlite_schema` does for SQLite), and the bridge the synchronous store traits use.
//!
//! Queries are runtime-checked (`sqlx::query`), so building the server needs no database.
//! A Unix-socket host is given as `postgres://user@localhost/db?host=/path/dir`.

pub mod testing;

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use tokio::runtime::{Handle, RuntimeFlavor};

use crate::error::ServerError;

/// Connections in the pool at most: the writer and the readers of one node.
const MAX_CONNECTIONS: u32 = 16;
/// How long a query waits for a pooled connection before it fails ("try again").
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// The advisory lock nodes take while migrating, so nodes starting together migrate once.
const MIGRATION_LOCK: i64 = 0x4241_4e54_4552; // "BANTER"

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Pg {
    pool: PgPool,
    rt: Handle,
    url_shown: String,
    options: PgConnectOptions,
}

impl std::fmt::Debug for Pg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pg").field("url", &self.url_shown).finish()
    }
}

impl Pg {
    /// Connects (and checks the connection) with the URL's settings. Needs tokio's
    /// multi-thread runtime: the synchronous store traits block on queries ([`Pg::block`]).
    pub async fn connect(url: &str) -> Result<Self, ServerError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| ServerError::Config(format!("--database-url: {e}")))?
            .application_name("banter-server");
        Self::connect_with(options, redact(url)).await
    }

    pub(crate) async fn connect_with(options: PgConnectOptions, url_shown: String) -> Result<Self, ServerError> {
        let rt = Handle::current();
        if rt.runtime_flavor() != RuntimeFlavor::MultiThread {
            return Err(ServerError::Config("the PostgreSQL store needs tokio's multi-thread runtime".into()));
        }
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await
            .map_err(|e| ServerError::StoreIo(format!("cannot connect to PostgreSQL at {url_shown}: {e}")))?;
        Ok(Self { pool, rt, url_shown, options })
    }

    /// A second pool on the same database (as another node would have).
    pub async fn reconnect(&self) -> Result<Self, ServerError> {
        Self::connect_with(self.options.clone(), self.url_shown.clone()).await
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The URL without its password, for logs and `/healthz`.
    pub fn url_shown(&self) -> &str {
        &self.url_shown
    }

    /// Runs a query future to completion for a synchronous caller: the store traits are
    /// synchronous (SQLite's are), and their callers already run them inside
    /// `block_in_place` or on blocking threads. From a runtime worker this hands the worker's
    /// other tasks away first; from a plain thread it just blocks.
    pub fn block<F: Future>(&self, fut: F) -> F::Output {
        match Handle::try_current() {
            Ok(_) => tokio::task::block_in_place(|| self.rt.block_on(fut)),
            Err(_) => self.rt.block_on(fut),
        }
    }

    /// Whether the database answers now (for `/healthz`).
    pub async fn ping(&self) -> Result<(), ServerError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Applies the migrations of `component` this database has not had yet, each in its own
    /// transaction under an advisory lock (nodes starting at once migrate once): migration
    /// `i` takes it from version `i` to `i + 1`. A database at a newer version than
    /// `migrations` knows is an error (a newer server wrote it).
    pub async fn migrate(&self, component: &str, migrations: &[&'static str]) -> Result<(), ServerError> {
        loop {
            let mut tx = self.pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK).execute(&mut *tx).await?;
            sqlx::query("CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)")
                .execute(&mut *tx)
                .await?;
            let version: Option<i32> = sqlx::query_scalar("SELECT version FROM schema_versions WHERE component = $1")
                .bind(component)
                .fetch_optional(&mut *tx)
                .await?;
            let version = version.map_or(0, |v| usize::try_from(v).unwrap_or(usize::MAX));
            let Some(step) = crate::sqlite_schema::next_step(component, version, migrations)? else { return Ok(()) };
            sqlx::raw_sql(step).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO schema_versions (component, version) VALUES ($1, $2)
                 ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            )
            .bind(component)
            .bind(version as i32 + 1)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            tracing::info!(version = version + 1, "{component} schema migrated (PostgreSQL)");
        }
    }
}

/// Whether a database URL names PostgreSQL.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `url` with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A `u64` counter or seq as PostgreSQL's `BIGINT`.
pub fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A stored `BIGINT` counter or seq (never negative) as `u64`.
pub fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_and_the_rest_kept() {
        assert_eq!(redact("postgres://banter:s3cret@db.example:5432/chat"), "postgres://banter:***@db.example:5432/chat");
        assert_eq!(redact("postgres://banter@localhost/chat?host=/run/pg"), "postgres://banter@localhost/chat?host=/run/pg");
        assert_eq!(redact("postgres://localhost/chat"), "postgres://localhost/chat");
    }

    #[test]
    fn only_postgres_urls_are_postgres() {
        assert!(is_postgres_url("postgres://x/y"));
        assert!(is_postgres_url("postgresql://x/y"));
        assert!(!is_postgres_url("/var/lib/banter.db"));
        assert!(!is_postgres_url("sqlite:///x"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn migrations_run_once_in_order_and_a_newer_database_is_refused() {
        let Some(pg) = testing::database().await else { return };
        let steps: &[&'static str] = &["CREATE TABLE t (a INTEGER)", "ALTER TABLE t ADD COLUMN b INTEGER"];
        pg.migrate("test", steps).await.unwrap();
        pg.migrate("test", steps).await.unwrap();
        let v: i32 = sqlx::query_scalar("SELECT version FROM schema_versions WHERE component = 'test'").fetch_one(pg.pool()).await.unwrap();
        assert_eq!(v, 2);
        sqlx::query("INSERT INTO t (a, b) VALUES (1, 2)").execute(pg.pool()).await.unwrap();
        let err = pg.migrate("test", &steps[..1]).await.unwrap_err();
        assert!(err.to_string().contains("newer than this server knows"), "{err}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn block_runs_a_query_from_a_worker_and_from_a_plain_thread() {
        let Some(pg) = testing::database().await else { return };
        let one: i32 = pg.block(sqlx::query_scalar("SELECT 1").fetch_one(pg.pool())).unwrap();
        assert_eq!(one, 1);
        let pg2 = pg.clone();
        let two: i32 = std::thread::spawn(move || pg2.block(sqlx::query_scalar("SELECT 2").fetch_one(pg2.pool())).unwrap()).join().unwrap();
        assert_eq!(two, 2);
    }
}
