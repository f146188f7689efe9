//! Copies one table's rows from the SQLite file into PostgreSQL, in chunks of
//! [`CHUNK_ROWS`] rows (memory stays bounded whatever the table's size): each chunk is one
//! `INSERT … SELECT * FROM UNNEST($1::bigint[], $2::text[], …)`, a parameter per column,
//! under a savepoint, so that a chunk the database refuses is retried row by row to name
//! the row that fails.

use rusqlite::types::ValueRef;
use rusqlite::Connection;
use sqlx::postgres::{PgArguments, PgDatabaseError};
use sqlx::{PgConnection, Postgres};

use super::plan::{quoted, Kind, TablePlan};
use crate::error::ServerError;

/// Rows per `INSERT`.
pub const CHUNK_ROWS: usize = 1000;
/// Rows between two progress lines of a big table.
const PROGRESS_ROWS: u64 = 100 * CHUNK_ROWS as u64;

/// One column of a chunk, typed as its PostgreSQL column.
enum Values {
    Int(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
    Float(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Bytes(Vec<Option<Vec<u8>>>),
}

impl Values {
    fn new(kind: Kind) -> Values {
        match kind {
            Kind::Int => Values::Int(Vec::with_capacity(CHUNK_ROWS)),
            Kind::Bool => Values::Bool(Vec::with_capacity(CHUNK_ROWS)),
            Kind::Float => Values::Float(Vec::with_capacity(CHUNK_ROWS)),
            Kind::Text => Values::Text(Vec::with_capacity(CHUNK_ROWS)),
            Kind::Bytes => Values::Bytes(Vec::with_capacity(CHUNK_ROWS)),
        }
    }

    /// Adds a SQLite value; `Err` says why it does not fit the column.
    fn push(&mut self, v: ValueRef<'_>) -> Result<(), String> {
        let wrong = |want: &str| Err(format!("expected {want}, found {}", show_value(v)));
        match (self, v) {
            (Values::Int(c), ValueRef::Null) => c.push(None),
            (Values::Int(c), ValueRef::Integer(i)) => c.push(Some(i)),
            (Values::Int(_), _) => return wrong("an integer"),
            (Values::Bool(c), ValueRef::Null) => c.push(None),
            (Values::Bool(c), ValueRef::Integer(i)) => c.push(Some(i != 0)),
            (Values::Bool(_), _) => return wrong("0 or 1"),
            (Values::Float(c), ValueRef::Null) => c.push(None),
            (Values::Float(c), ValueRef::Real(f)) => c.push(Some(f)),
            (Values::Float(c), ValueRef::Integer(i)) => c.push(Some(i as f64)),
            (Values::Float(_), _) => return wrong("a number"),
            (Values::Text(c), ValueRef::Null) => c.push(None),
            (Values::Text(c), ValueRef::Text(t)) => match std::str::from_utf8(t) {
                Ok(s) => c.push(Some(s.to_owned())),
                Err(_) => return Err("text that is not UTF-8".into()),
            },
            (Values::Text(_), _) => return wrong("text"),
            (Values::Bytes(c), ValueRef::Null) => c.push(None),
            (Values::Bytes(c), ValueRef::Blob(b)) => c.push(Some(b.to_vec())),
            (Values::Bytes(_), _) => return wrong("a blob"),
        }
        Ok(())
    }

    fn len(&self) -> usize {
        match self {
            Values::Int(c) => c.len(),
            Values::Bool(c) => c.len(),
            Values::Float(c) => c.len(),
            Values::Text(c) => c.len(),
            Values::Bytes(c) => c.len(),
        }
    }

    fn clear(&mut self) {
        match self {
            Values::Int(c) => c.clear(),
            Values::Bool(c) => c.clear(),
            Values::Float(c) => c.clear(),
            Values::Text(c) => c.clear(),
            Values::Bytes(c) => c.clear(),
        }
    }

    /// Binds rows `rows` of the column as one array parameter.
    fn bind<'q>(
        &self,
        q: sqlx::query::Query<'q, Postgres, PgArguments>,
        rows: std::ops::Range<usize>,
    ) -> sqlx::query::Query<'q, Postgres, PgArguments> {
        match self {
            Values::Int(c) => q.bind(&c[rows]),
            Values::Bool(c) => q.bind(&c[rows]),
            Values::Float(c) => q.bind(&c[rows]),
            Values::Text(c) => q.bind(&c[rows]),
            Values::Bytes(c) => q.bind(&c[rows]),
        }
    }

    /// Row `i`'s value, for an error message.
    fn show(&self, i: usize) -> String {
        fn opt<T>(v: Option<&Option<T>>, f: impl Fn(&T) -> String) -> String {
            match v {
                Some(Some(v)) => f(v),
                _ => "NULL".into(),
            }
        }
        match self {
            Values::Int(c) => opt(c.get(i), |v| v.to_string()),
            Values::Bool(c) => opt(c.get(i), |v| v.to_string()),
            Values::Float(c) => opt(c.get(i), |v| v.to_string()),
            Values::Text(c) => opt(c.get(i), |v| format!("{:?}", short(v))),
            Values::Bytes(c) => opt(c.get(i), |v| format!("<{} bytes>", v.len())),
        }
    }
}

/// At most 60 characters of a text, for an error message.
fn short(s: &str) -> String {
    if s.chars().count() <= 60 {
        return s.to_owned();
    }
    format!("{}…", s.chars().take(60).collect::<String>())
}

fn show_value(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => format!("the integer {i}"),
        ValueRef::Real(f) => format!("the number {f}"),
        ValueRef::Text(t) => format!("the text {:?}", short(&String::from_utf8_lossy(t))),
        ValueRef::Blob(b) => format!("a blob of {} bytes", b.len()),
    }
}

/// A failure, naming the table and the row.
fn failed(table: &str, row: &str, what: impl std::fmt::Display) -> ServerError {
    ServerError::StoreIo(format!("copying table {table}, {row}: {what}"))
}

/// A PostgreSQL error with its detail line (which names the key of a duplicate, say).
pub fn pg_error(e: &sqlx::Error) -> String {
    match e.as_database_error().and_then(|d| d.try_downcast_ref::<PgDatabaseError>()) {
        Some(p) => match p.detail() {
            Some(d) => format!("{} ({d})", p.message()),
            None => p.message().to_owned(),
        },
        None => e.to_string(),
    }
}

/// Copies table `t` inside the caller's transaction; returns the rows copied.
pub async fn table(sqlite: &Connection, tx: &mut PgConnection, t: &TablePlan) -> Result<u64, ServerError> {
    let names: Vec<String> = t.columns.iter().map(|c| quoted(&c.name)).collect();
    let select = format!("SELECT {} FROM {}", names.join(", "), quoted(&t.name));
    let casts: Vec<String> = t.columns.iter().enumerate().map(|(i, c)| format!("${}::{}", i + 1, c.kind.array_type())).collect();
    let insert = format!(
        "INSERT INTO {} ({}){} SELECT * FROM UNNEST({})",
        quoted(&t.name),
        names.join(", "),
        if t.has_identity() { " OVERRIDING SYSTEM VALUE" } else { "" },
        casts.join(", ")
    );
    let mut chunk: Vec<Values> = t.columns.iter().map(|c| Values::new(c.kind)).collect();
    let mut stmt = sqlite.prepare(&select)?;
    let mut rows = stmt.query([])?;
    let mut copied: u64 = 0;
    loop {
        while chunk[0].len() < CHUNK_ROWS {
            let Some(row) = rows.next()? else { break };
            for (i, values) in chunk.iter_mut().enumerate() {
                let v = row.get_ref(i)?;
                if let Err(why) = values.push(v) {
                    let key = describe_sqlite_row(t, row);
                    return Err(failed(
                        &t.name,
                        &format!("row {} ({key})", copied + chunk_len(&chunk) + 1),
                        format!("column {}: {why}", t.columns[i].name),
                    ));
                }
            }
        }
        let n = chunk[0].len();
        if n == 0 {
            break;
        }
        insert_chunk(tx, t, &insert, &chunk, copied).await?;
        copied += n as u64;
        if copied.is_multiple_of(PROGRESS_ROWS) {
            tracing::info!(table = %t.name, rows = copied, "copying");
        }
        chunk.iter_mut().for_each(Values::clear);
    }
    Ok(copied)
}

/// Rows fully read into the chunk so far (the first columns may hold one more mid-row).
fn chunk_len(chunk: &[Values]) -> u64 {
    chunk.last().map_or(0, |c| c.len() as u64)
}

async fn insert_chunk(tx: &mut PgConnection, t: &TablePlan, insert: &str, chunk: &[Values], before: u64) -> Result<(), ServerError> {
    let n = chunk[0].len();
    sqlx::query("SAVEPOINT banter_chunk").execute(&mut *tx).await?;
    let Err(e) = run_insert(tx, insert, chunk, 0..n).await else {
        sqlx::query("RELEASE SAVEPOINT banter_chunk").execute(&mut *tx).await?;
        return Ok(());
    };
    // find the row: the chunk's rows one by one until one fails
    sqlx::query("ROLLBACK TO SAVEPOINT banter_chunk").execute(&mut *tx).await?;
    for i in 0..n {
        if let Err(e) = run_insert(tx, insert, chunk, i..i + 1).await {
            let key = describe_chunk_row(t, chunk, i);
            return Err(failed(&t.name, &format!("row {} ({key})", before + i as u64 + 1), pg_error(&e)));
        }
    }
    // every row alone went in: a conflict within the chunk
    Err(failed(&t.name, &format!("rows {}–{}", before + 1, before + n as u64), pg_error(&e)))
}

async fn run_insert(tx: &mut PgConnection, insert: &str, chunk: &[Values], rows: std::ops::Range<usize>) -> Result<(), sqlx::Error> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(insert.to_owned()));
    for values in chunk {
        q = values.bind(q, rows.clone());
    }
    q.execute(&mut *tx).await?;
    Ok(())
}

/// `key = value` of a row's primary key (all its columns when it has none).
fn describe_chunk_row(t: &TablePlan, chunk: &[Values], i: usize) -> String {
    let cols: Vec<usize> = if t.key.is_empty() { (0..t.columns.len()).collect() } else { t.key.clone() };
    cols.iter().map(|&c| format!("{} = {}", t.columns[c].name, chunk[c].show(i))).collect::<Vec<_>>().join(", ")
}

fn describe_sqlite_row(t: &TablePlan, row: &rusqlite::Row<'_>) -> String {
    let cols: Vec<usize> = if t.key.is_empty() { (0..t.columns.len()).collect() } else { t.key.clone() };
    cols.iter()
        .map(|&c| {
            let v = row.get_ref(c).map_or_else(
                |_| "?".to_owned(),
                |v| match v {
                    ValueRef::Integer(i) => i.to_string(),
                    ValueRef::Text(s) => format!("{:?}", short(&String::from_utf8_lossy(s))),
                    other => show_value(other),
                },
            );
            format!("{} = {v}", t.columns[c].name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}
