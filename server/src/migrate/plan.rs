//! What a migration copies: the SQLite file's tables matched to the PostgreSQL database's,
//! column by column with the PostgreSQL column's type, in an order that puts every table
//! after the tables its foreign keys name; and what it leaves out, and why.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

use crate::error::ServerError;
use crate::pg::Pg;

/// How a column's values cross over: the PostgreSQL type family and its array cast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Bool,
    Float,
    Text,
    Bytes,
}

impl Kind {
    /// The kind of a PostgreSQL column (`information_schema.columns.data_type`), if supported.
    fn of_pg(data_type: &str) -> Option<Kind> {
        Some(match data_type {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "boolean" => Kind::Bool,
            "double precision" | "real" => Kind::Float,
            "text" | "character varying" | "character" => Kind::Text,
            "bytea" => Kind::Bytes,
            _ => return None,
        })
    }

    /// The type of the array parameter a chunk of this column is sent as.
    pub fn array_type(self) -> &'static str {
        match self {
            Kind::Int => "bigint[]",
            Kind::Bool => "boolean[]",
            Kind::Float => "double precision[]",
            Kind::Text => "text[]",
            Kind::Bytes => "bytea[]",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
    /// An identity column: its ids are inserted as they are, then its sequence moved past them.
    pub identity: bool,
}

/// One table to copy.
#[derive(Debug, Clone)]
pub struct TablePlan {
    pub name: String,
    /// The SQLite table's columns (every one has a PostgreSQL column of the same name).
    pub columns: Vec<Column>,
    /// Which of `columns` make the SQLite primary key (for naming a row that fails).
    pub key: Vec<usize>,
}

impl TablePlan {
    pub fn has_identity(&self) -> bool {
        self.columns.iter().any(|c| c.identity)
    }
}

/// A SQLite table not copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub why: &'static str,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub tables: Vec<TablePlan>,
    pub skipped: Vec<Skipped>,
}

const SCHEMA_VERSIONS: &str = "schema_versions";
const WHY_VERSIONS: &str = "SQLite's own schema versions (PostgreSQL records its own)";
const WHY_FTS: &str = "SQLite's full-text index (PostgreSQL's search indexes the messages itself)";
const WHY_EMPTY: &str = "empty, and no PostgreSQL table of that name";

/// A SQLite table: its name and whether it is a virtual table (an FTS5 index).
struct SqliteTable {
    name: String,
    is_virtual: bool,
}

/// Quotes an identifier for SQL (both databases).
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Matches the file's tables to the database's. A table or column with data and no place to
/// go is an error, before anything is copied.
pub async fn make(sqlite: &Connection, pg: &Pg) -> Result<Plan, ServerError> {
    let sqlite_tables = sqlite_tables(sqlite)?;
    let pg_tables = pg_tables(pg).await?;
    let fts: Vec<&str> = sqlite_tables.iter().filter(|t| t.is_virtual).map(|t| t.name.as_str()).collect();
    let mut tables = Vec::new();
    let mut skipped = Vec::new();
    for t in &sqlite_tables {
        let name = t.name.as_str();
        let why = if name == SCHEMA_VERSIONS {
            Some(WHY_VERSIONS)
        } else if t.is_virtual || fts.iter().any(|v| name.starts_with(&format!("{v}_"))) {
            Some(WHY_FTS)
        } else if !pg_tables.contains(name) {
            let rows: i64 = sqlite.query_row(&format!("SELECT COUNT(*) FROM {}", quoted(name)), [], |r| r.get(0))?;
            if rows > 0 {
                return Err(ServerError::Refused(format!(
                    "table {name} of the SQLite file has {rows} rows and no PostgreSQL table to go to \
                     (a newer server wrote the file?); nothing was copied"
                )));
            }
            Some(WHY_EMPTY)
        } else {
            None
        };
        match why {
            Some(why) => skipped.push(Skipped { name: name.to_owned(), why }),
            None => tables.push(table_plan(sqlite, pg, name).await?),
        }
    }
    let order = fk_order(pg, tables.iter().map(|t| t.name.clone()).collect()).await?;
    tables.sort_by_key(|t| order.iter().position(|n| *n == t.name));
    Ok(Plan { tables, skipped })
}

fn sqlite_tables(sqlite: &Connection) -> Result<Vec<SqliteTable>, ServerError> {
    let mut stmt = sqlite.prepare(
        "SELECT name, COALESCE(sql, '') FROM sqlite_master
         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| {
        let name: String = r.get(0)?;
        let sql: String = r.get(1)?;
        Ok(SqliteTable { name, is_virtual: sql.trim_start().to_ascii_uppercase().starts_with("CREATE VIRTUAL TABLE") })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

async fn pg_tables(pg: &Pg) -> Result<BTreeSet<String>, ServerError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(pg.pool())
    .await?;
    Ok(names.into_iter().collect())
}

/// A PostgreSQL column as the catalog describes it.
struct PgColumn {
    data_type: String,
    identity: bool,
    /// Whether an insert may leave it out (nullable, a default, or an identity).
    optional: bool,
    generated: bool,
}

async fn table_plan(sqlite: &Connection, pg: &Pg, table: &str) -> Result<TablePlan, ServerError> {
    let rows: Vec<(String, String, bool, bool, bool)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text, is_identity::text = 'YES',
                is_nullable::text = 'YES' OR column_default IS NOT NULL OR is_identity::text = 'YES',
                is_generated::text <> 'NEVER'
         FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(pg.pool())
    .await?;
    let mut pg_columns: BTreeMap<String, PgColumn> = rows
        .into_iter()
        .map(|(name, data_type, identity, optional, generated)| (name, PgColumn { data_type, identity, optional, generated }))
        .collect();
    let mut stmt = sqlite.prepare("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid")?;
    let sqlite_columns: Vec<(String, i64)> = stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let mut columns = Vec::new();
    let mut key: Vec<(i64, usize)> = Vec::new();
    for (name, pk) in sqlite_columns {
        let Some(pgc) = pg_columns.remove(&name) else {
            return Err(ServerError::Refused(format!(
                "column {table}.{name} of the SQLite file has no PostgreSQL column to go to (a newer server wrote the file?); nothing was copied"
            )));
        };
        if pgc.generated {
            return Err(ServerError::Refused(format!("column {table}.{name} is computed by PostgreSQL; nothing was copied")));
        }
        let kind = Kind::of_pg(&pgc.data_type).ok_or_else(|| {
            ServerError::Refused(format!("column {table}.{name}: PostgreSQL type {} is not one the migration knows", pgc.data_type))
        })?;
        if pk > 0 {
            key.push((pk, columns.len()));
        }
        columns.push(Column { name, kind, identity: pgc.identity });
    }
    if let Some((name, _)) = pg_columns.iter().find(|(_, c)| !c.optional && !c.generated) {
        return Err(ServerError::Refused(format!(
            "column {table}.{name} of PostgreSQL needs a value and the SQLite file has none; nothing was copied"
        )));
    }
    key.sort_unstable();
    Ok(TablePlan { name: table.to_owned(), columns, key: key.into_iter().map(|(_, i)| i).collect() })
}

/// `names` ordered so that a table comes after the tables its foreign keys name (in name
/// order otherwise); a cycle keeps the rest in name order.
async fn fk_order(pg: &Pg, mut names: Vec<String>) -> Result<Vec<String>, ServerError> {
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.relname::text, b.relname::text FROM pg_constraint c
         JOIN pg_class a ON a.oid = c.conrelid JOIN pg_class b ON b.oid = c.confrelid
         WHERE c.contype = 'f' AND a.relnamespace = current_schema()::regnamespace",
    )
    .fetch_all(pg.pool())
    .await?;
    names.sort();
    Ok(dependency_order(names, &edges))
}

/// Kahn's algorithm over `(table, table it refers to)` edges, stable by the given order.
pub fn dependency_order(names: Vec<String>, edges: &[(String, String)]) -> Vec<String> {
    let mut left = names;
    let mut done: Vec<String> = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let ready = left
            .iter()
            .position(|t| edges.iter().filter(|(from, to)| from == t && to != t).all(|(_, to)| done.contains(to) || !left.contains(to)));
        // a cycle: take the first left, the database will say what fails
        done.push(left.remove(ready.unwrap_or(0)));
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_comes_after_the_tables_it_refers_to() {
        let names = ["accounts", "dm_members", "dms", "messages", "sessions"].map(String::from).to_vec();
        let edges = [("sessions", "accounts"), ("dm_members", "dms"), ("dm_members", "accounts"), ("accounts", "accounts")]
            .map(|(a, b)| (a.to_owned(), b.to_owned()));
        let order = dependency_order(names, &edges);
        let at = |n: &str| order.iter().position(|t| t == n).unwrap();
        assert!(at("accounts") < at("sessions"));
        assert!(at("dms") < at("dm_members") && at("accounts") < at("dm_members"));
        assert_eq!(order.len(), 5);
        let cycle = dependency_order(vec!["a".into(), "b".into()], &[("a".into(), "b".into()), ("b".into(), "a".into())]);
        assert_eq!(cycle, ["a", "b"]);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quoted("messages"), "\"messages\"");
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
    }
}
