//! Fresh PostgreSQL databases for tests: each call makes a new, empty database in the
//! throwaway cluster named by `BANTER_TEST_DATABASE_URL` (`scripts/services.sh` starts one
//! and sets it; `scripts/test.sh` does both). Without it a test is skipped with a note,
//! except under CI (`CI` set), where a missing database is a failure.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::Connection;

use super::Pg;

/// The environment variable naming the test cluster's maintenance database.
pub const URL_VAR: &str = "BANTER_TEST_DATABASE_URL";

/// A new empty database and a pool on it, or `None` (the test should return) when no test
/// cluster is configured outside CI.
pub async fn database() -> Option<Pg> {
    let Some(url) = base_url() else { return None };
    let name = format!("banter_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap_or_else(|e| panic!("{URL_VAR}={url}: {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    let _ = admin.close().await;
    Some(Pg::connect_with(options_for(&url, &name), format!("{url} (database {name})")).await.unwrap_or_else(|e| panic!("{e}")))
}

/// The URL of a new empty database in the test cluster (for a server binary started by a test).
pub async fn database_url() -> Option<String> {
    let pg = database().await?;
    let name: String = sqlx::query_scalar("SELECT current_database()").fetch_one(pg.pool()).await.ok()?;
    let base = base_url()?;
    Some(with_database(&base, &name))
}

fn base_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!("{URL_VAR} is not set: scripts/services.sh start DIR sets it (scripts/test.sh does)"),
        _ => {
            eprintln!("skipped: {URL_VAR} is not set (scripts/services.sh start DIR && source DIR/env)");
            None
        }
    }
}

fn options_for(url: &str, database: &str) -> PgConnectOptions {
    PgConnectOptions::from_str(url).unwrap_or_else(|e| panic!("{URL_VAR}: {e}")).database(database)
}

/// `url` with its database path replaced by `database` (query kept).
pub fn with_database(url: &str, database: &str) -> String {
    let (head, query) = url.split_once('?').map_or((url, None), |(h, q)| (h, Some(q)));
    let authority_end = head.find("://").map_or(0, |i| i + 3);
    let base = match head[authority_end..].find('/') {
        Some(i) => &head[..authority_end + i],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_database_is_swapped_and_the_socket_dir_kept() {
        assert_eq!(super::with_database("postgres://banter@localhost/postgres?host=/tmp/x/pg", "t1"), "postgres://banter@localhost/t1?host=/tmp/x/pg");
        assert_eq!(super::with_database("postgres://u:p@h:5432", "t2"), "postgres://u:p@h:5432/t2");
    }
}
