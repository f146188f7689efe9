//! A database with the message and accounts tables, on SQLite (a temp file) or PostgreSQL (a
//! fresh database from `crate::pg::testing`), for the store suites that run the same tests
//! on both: membership, moderation, search and files. Messages are written with plain SQL,
//! as the message stores write them.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::params;

use crate::accounts::pg_store::PgAccountStore;
use crate::accounts::store::{AccountStore, NewAccount, SqliteAccountStore};
use crate::pg::Pg;

pub struct TestDb {
    kind: Kind,
}

enum Kind {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
        _messages: crate::store::Store,
        accounts: SqliteAccountStore,
        conn: Mutex<rusqlite::Connection>,
    },
    Pg {
        pg: Pg,
        accounts: PgAccountStore,
    },
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("banter.db");
        let messages = crate::store::Store::open(&path).unwrap();
        let accounts = SqliteAccountStore::open(&path).unwrap();
        let conn = crate::sqlite_schema::open_shared(&path).unwrap();
        TestDb { kind: Kind::Sqlite { _dir: dir, path, _messages: messages, accounts, conn: Mutex::new(conn) } }
    }

    /// `None` when no test cluster is configured (outside CI): the test is skipped.
    pub async fn postgres() -> Option<Self> {
        let pg = crate::pg::testing::database().await?;
        crate::store::pg_schema::migrate(&pg).await.unwrap();
        let accounts = PgAccountStore::open(&pg).await.unwrap();
        Some(TestDb { kind: Kind::Pg { pg, accounts } })
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.kind, Kind::Pg { .. })
    }

    pub fn path(&self) -> &Path {
        match &self.kind {
            Kind::Sqlite { path, .. } => path,
            Kind::Pg { .. } => panic!("not a SQLite database"),
        }
    }

    pub fn pg(&self) -> &Pg {
        match &self.kind {
            Kind::Pg { pg, .. } => pg,
            Kind::Sqlite { .. } => panic!("not a PostgreSQL database"),
        }
    }

    /// A new account; its id.
    pub fn account(&self, name: &str) -> i64 {
        let accounts: &dyn AccountStore = match &self.kind {
            Kind::Sqlite { accounts, .. } => accounts,
            Kind::Pg { accounts, .. } => accounts,
        };
        let new = NewAccount { name: name.into(), name_key: name.into(), password_hash: "h".into(), admin: false, created_at: 1 };
        accounts.create_account(new, None).unwrap().unwrap().id
    }

    /// A committed text message with id `{room}-{seq}`.
    pub fn post(&self, room: &str, seq: u64, username: &str, text: &str, created_at: i64) {
        let sql_sqlite = "INSERT INTO messages (room, seq, id, username, kind, text, created_at) VALUES (?1, ?2, ?3, ?4, 'text', ?5, ?6)";
        let sql_pg = "INSERT INTO messages (room, seq, id, username, kind, text, created_at) VALUES ($1, $2, $3, $4, 'text', $5, $6)";
        let id = format!("{room}-{seq}");
        let seq = seq as i64;
        match &self.kind {
            Kind::Sqlite { conn, .. } => {
                conn.lock().unwrap().execute(sql_sqlite, params![room, seq, id, username, text, created_at]).unwrap();
            }
            Kind::Pg { pg, .. } => {
                let q = sqlx::query(sql_pg).bind(room).bind(seq).bind(id).bind(username).bind(text).bind(created_at);
                pg.block(q.execute(pg.pool())).unwrap();
            }
        }
    }

    /// A statement without parameters, in the SQL both databases speak.
    pub fn execute(&self, sql: &'static str) {
        match &self.kind {
            Kind::Sqlite { conn, .. } => {
                conn.lock().unwrap().execute_batch(sql).unwrap();
            }
            Kind::Pg { pg, .. } => {
                pg.block(sqlx::raw_sql(sql).execute(pg.pool())).unwrap();
            }
        }
    }

    /// The kind and text of a stored message.
    pub fn message(&self, room: &str, id: &str) -> Option<(String, String)> {
        match &self.kind {
            Kind::Sqlite { conn, .. } => {
                use rusqlite::OptionalExtension;
                conn.lock()
                    .unwrap()
                    .query_row("SELECT kind, text FROM messages WHERE room = ?1 AND id = ?2", params![room, id], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()
                    .unwrap()
            }
            Kind::Pg { pg, .. } => pg
                .block(
                    sqlx::query_as("SELECT kind, text FROM messages WHERE room = $1 AND id = $2")
                        .bind(room)
                        .bind(id)
                        .fetch_optional(pg.pool()),
                )
                .unwrap(),
        }
    }

    /// The schema version of a component.
    pub fn version(&self, component: &str) -> i64 {
        match &self.kind {
            Kind::Sqlite { conn, .. } => conn
                .lock()
                .unwrap()
                .query_row("SELECT version FROM schema_versions WHERE component = ?1", [component], |r| r.get(0))
                .unwrap(),
            Kind::Pg { pg, .. } => {
                let v: i32 = pg
                    .block(
                        sqlx::query_scalar("SELECT version FROM schema_versions WHERE component = $1").bind(component).fetch_one(pg.pool()),
                    )
                    .unwrap();
                i64::from(v)
            }
        }
    }
}

/// `both!(name)` runs the suite function `name(&TestDb)` as two tests, `name::sqlite` and
/// `name::postgres` (skipped without a test cluster outside CI).
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::membership::test_db::TestDb;
            #[tokio::test(flavor = "multi_thread")]
            async fn sqlite() {
                super::$name(&TestDb::sqlite());
            }
            #[tokio::test(flavor = "multi_thread")]
            async fn postgres() {
                let Some(db) = TestDb::postgres().await else { return };
                super::$name(&db);
            }
        }
    )*};
}
pub(crate) use both;
