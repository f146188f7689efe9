//! `banter-server migrate --from PATH.db --to postgres://…`: copies a SQLite server's data
//! into an empty PostgreSQL database, for moving a server to PostgreSQL (docs/server.md).
//!
//! Safe to run and to re-run:
//! - the SQLite file is opened read-only, and read in one read transaction (a consistent
//!   snapshot even if a server still writes to it; stop it first, or its later writes stay behind);
//! - a database with rows in any table is refused before anything is changed;
//! - every PostgreSQL store's migrations run first, so the tables are the server's own;
//! - all the rows go in one transaction, which holds the tables locked: a failure rolls
//!   everything back and says which table and row failed; the tables stay, empty, and the
//!   command may be run again;
//! - rows are read and sent in chunks (`copy::CHUNK_ROWS`), so memory stays bounded.
//!
//! What the SQLite file has that PostgreSQL does not need is skipped and listed: its FTS5
//! index (PostgreSQL's search indexes `messages` itself) and `schema_versions`. What
//! PostgreSQL has that the file lacks is filled in: each room's counter row
//! (`rooms.last_seq`, `crate::store::pg_schema`), and the identity sequences moved past the
//! ids copied.

mod copy;
mod plan;

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use crate::error::ServerError;
use crate::pg::Pg;
use plan::quoted;

/// What a migration did.
#[derive(Debug, Clone)]
pub struct Report {
    /// Tables copied, in the order copied, with their rows.
    pub copied: Vec<(String, u64)>,
    /// SQLite tables left out, with the reason.
    pub skipped: Vec<(String, &'static str)>,
    /// Rooms whose messages had no `rooms` row in the file (given one).
    pub rooms_added: u64,
    pub took: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let width = self.copied.iter().map(|(t, _)| t.len()).chain(self.skipped.iter().map(|(t, _)| t.len())).max().unwrap_or(0);
        writeln!(f, "copied:")?;
        for (table, rows) in &self.copied {
            writeln!(f, "  {table:<width$}  {rows} row{}", if *rows == 1 { "" } else { "s" })?;
        }
        if self.rooms_added > 0 {
            writeln!(f, "  (rooms: {} added for messages without a rooms row)", self.rooms_added)?;
        }
        if !self.skipped.is_empty() {
            writeln!(f, "skipped:")?;
            for (table, why) in &self.skipped {
                writeln!(f, "  {table:<width$}  {why}")?;
            }
        }
        let total: u64 = self.copied.iter().map(|(_, n)| n).sum();
        write!(f, "{total} rows in {:.1} s", self.took.as_secs_f64())
    }
}

/// Copies the SQLite file `from` into the PostgreSQL database `to` (a URL). Needs tokio's
/// multi-thread runtime (`crate::pg`).
pub async fn run(from: &Path, to: &str) -> Result<Report, ServerError> {
    let started = Instant::now();
    let sqlite = open_source(from)?;
    let pg = Pg::connect(to).await?;
    let full = tables_with_rows(&pg, None).await?;
    if !full.is_empty() {
        return Err(ServerError::Refused(format!(
            "the PostgreSQL database {} is not empty (rows in: {}); migrate into a new, empty database",
            pg.url_shown(),
            full.join(", ")
        )));
    }
    open_pg_stores(&pg).await?;
    let plan = plan::make(&sqlite, &pg).await?;
    let (copied, rooms_added) = copy_all(&sqlite, &pg, &plan).await?;
    // fresh statistics for the planner, outside the transaction
    for (table, _) in &copied {
        sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {}", quoted(table)))).execute(pg.pool()).await?;
    }
    let skipped = plan.skipped.iter().map(|s| (s.name.clone(), s.why)).collect();
    Ok(Report { copied, skipped, rooms_added, took: started.elapsed() })
}

/// The file, read-only, in a read transaction.
fn open_source(from: &Path) -> Result<Connection, ServerError> {
    let shown = from.display();
    if !from.is_file() {
        return Err(ServerError::Refused(format!("--from {shown}: no such file")));
    }
    let conn = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| ServerError::Refused(format!("--from {shown}: cannot open it read-only: {e}")))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch("BEGIN")?;
    let has_messages: Result<bool, _> =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages')", [], |r| r.get(0));
    match has_messages {
        Ok(true) => Ok(conn),
        Ok(false) => Err(ServerError::Refused(format!("--from {shown}: not a banter-server database (it has no messages table)"))),
        Err(e) => Err(ServerError::Refused(format!("--from {shown}: not a SQLite database: {e}"))),
    }
}

/// Runs every PostgreSQL store's migrations, in the server's order (`crate::backend`).
async fn open_pg_stores(pg: &Pg) -> Result<(), ServerError> {
    drop(crate::store::Store::open_pg(pg).await?);
    crate::accounts::pg_store::PgAccountStore::open(pg).await?;
    crate::moderation::pg_store::PgModerationStore::open(pg).await?;
    crate::membership::pg_store::PgMembershipStore::open(pg).await?;
    crate::dms::pg_store::PgDmStore::open(pg).await?;
    crate::search::pg_store::PgSearchStore::open(pg).await?;
    crate::files::pg_store::PgFileTable::open(pg).await?;
    Ok(())
}

/// The tables of the database's schema holding rows (`schema_versions` aside), or of `only`.
async fn tables_with_rows(pg: &Pg, only: Option<&[String]>) -> Result<Vec<String>, ServerError> {
    let names: Vec<String> = match only {
        Some(names) => names.to_vec(),
        None => {
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
                .fetch_all(pg.pool())
                .await?
        }
    };
    let mut full = Vec::new();
    for name in names.into_iter().filter(|n| n != "schema_versions") {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", quoted(&name));
        let any: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pg.pool()).await?;
        if any {
            full.push(name);
        }
    }
    Ok(full)
}

/// Copies every table of the plan in one transaction, then fills in what PostgreSQL has
/// beside the rows; returns the rows per table and the rooms added.
async fn copy_all(sqlite: &Connection, pg: &Pg, plan: &plan::Plan) -> Result<(Vec<(String, u64)>, u64), ServerError> {
    let mut tx = pg.pool().begin().await?;
    match copy_in(sqlite, &mut tx, plan).await {
        Ok(done) => {
            tx.commit().await?;
            Ok(done)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(match e {
                ServerError::Refused(why) => ServerError::Refused(why),
                ServerError::StoreIo(why) => ServerError::StoreIo(format!("the migration failed and was rolled back, nothing was kept: {why}")),
                other => ServerError::StoreIo(format!("the migration failed and was rolled back, nothing was kept: {other}")),
            })
        }
    }
}

async fn copy_in(sqlite: &Connection, tx: &mut sqlx::PgConnection, plan: &plan::Plan) -> Result<(Vec<(String, u64)>, u64), ServerError> {
    if !plan.tables.is_empty() {
        let names: Vec<String> = plan.tables.iter().map(|t| quoted(&t.name)).collect();
        // nobody writes to the tables meanwhile (a server started too early waits)
        sqlx::query(sqlx::AssertSqlSafe(format!("LOCK TABLE {} IN EXCLUSIVE MODE", names.join(", ")))).execute(&mut *tx).await?;
        for t in &plan.tables {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", quoted(&t.name));
            if sqlx::query_scalar::<_, bool>(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *tx).await? {
                return Err(ServerError::Refused(format!(
                    "table {} of the PostgreSQL database got rows meanwhile; nothing was copied",
                    t.name
                )));
            }
        }
    }
    let mut copied = Vec::new();
    for t in &plan.tables {
        let at = Instant::now();
        let n = copy::table(sqlite, tx, t).await?;
        tracing::info!(table = %t.name, rows = n, ms = at.elapsed().as_millis() as u64, "copied");
        copied.push((t.name.clone(), n));
    }
    for t in &plan.tables {
        for c in t.columns.iter().filter(|c| c.identity) {
            // the next id after the largest copied (untouched when none was)
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT MAX({}) AS m FROM {}) x WHERE m IS NOT NULL",
                quoted(&c.name),
                quoted(&t.name)
            );
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(quoted(&t.name)).bind(&c.name).execute(&mut *tx).await?;
        }
    }
    let has = |name: &str| copied.iter().any(|(t, _)| t == name);
    let mut rooms_added = 0;
    if has("rooms") && has("messages") {
        rooms_added = sqlx::query(
            "INSERT INTO rooms (name, created_at) SELECT room, MIN(created_at) FROM messages GROUP BY room
             ON CONFLICT (name) DO NOTHING",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE rooms SET last_seq = m.top FROM (SELECT room, MAX(seq) AS top FROM messages GROUP BY room) m
             WHERE rooms.name = m.room",
        )
        .execute(&mut *tx)
        .await?;
        if let Some(entry) = copied.iter_mut().find(|(t, _)| t == "rooms") {
            entry.1 += rooms_added;
        }
    }
    for (table, n) in &copied {
        let sql = format!("SELECT COUNT(*) FROM {}", quoted(table));
        let have: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *tx).await?;
        if u64::try_from(have).ok() != Some(*n) {
            return Err(ServerError::StoreIo(format!("table {table}: {n} rows copied but {have} in PostgreSQL")));
        }
    }
    Ok((copied, rooms_added))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_lists_tables_rows_and_skips() {
        let report = Report {
            copied: vec![("accounts".into(), 1), ("messages".into(), 12)],
            skipped: vec![("message_fts".into(), "index")],
            rooms_added: 0,
            took: Duration::from_millis(1500),
        };
        let text = report.to_string();
        assert!(text.contains("accounts     1 row\n"), "{text}");
        assert!(text.contains("messages     12 rows"), "{text}");
        assert!(text.contains("skipped:\n  message_fts  index"), "{text}");
        assert!(text.ends_with("13 rows in 1.5 s"), "{text}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = open_source(Path::new("/nonexistent/banter.db")).unwrap_err();
        assert_eq!(err.to_string(), "--from /nonexistent/banter.db: no such file");
    }
}
