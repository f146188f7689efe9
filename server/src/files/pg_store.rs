//! The uploads table on PostgreSQL (component `files`), beside the message tables whose
//! `messages` the lookups read; the blobs stay in `--files-dir` (`super::store::Blobs`),
//! which nodes sharing the database must share too.

use sqlx::PgConnection;

use super::store::{FileRecord, FileTable};
use crate::error::ServerError;
use crate::pg::{to_i64, to_u64, Pg};

/// Migration `i` takes the files schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &["
CREATE TABLE files (
    id          TEXT PRIMARY KEY,
    sha256      TEXT NOT NULL,
    room        TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    account_id  BIGINT NOT NULL,
    name        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    width       BIGINT,
    height      BIGINT,
    thumb_mime  TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX files_by_account ON files (account_id);
CREATE INDEX files_by_sha256 ON files (sha256);
"];

const COMPONENT: &str = "files";

/// A row of `files` as read.
type Row = (String, String, String, String, i64, String, String, i64, Option<i64>, Option<i64>, Option<String>, i64);

pub struct PgFileTable {
    pg: Pg,
}

impl PgFileTable {
    /// Opens the table, after the message tables.
    pub async fn open(pg: &Pg) -> Result<Self, ServerError> {
        pg.migrate(COMPONENT, MIGRATIONS).await?;
        Ok(Self { pg: pg.clone() })
    }
}

async fn used_in(c: &mut PgConnection, account_id: i64) -> Result<u64, sqlx::Error> {
    let used: i64 =
        sqlx::query_scalar("SELECT COALESCE(SUM(size), 0)::BIGINT FROM files WHERE account_id = $1").bind(account_id).fetch_one(c).await?;
    Ok(to_u64(used))
}

/// An image dimension as stored (`None` for one no image has).
fn dimension(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

impl FileTable for PgFileTable {
    fn blob_in_use(&self, sha256: &str) -> Result<bool, ServerError> {
        let q = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = $1)").bind(sha256);
        Ok(self.pg.block(q.fetch_one(self.pg.pool()))?)
    }

    fn insert(&self, f: &FileRecord, quota: u64) -> Result<Result<(), u64>, ServerError> {
        self.pg.block(async {
            let mut tx = self.pg.pool().begin().await?;
            if quota > 0 {
                // one upload of the account at a time is counted and recorded, on every node
                sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('banter files quota ' || $1::TEXT, 0))")
                    .bind(f.account_id)
                    .execute(&mut *tx)
                    .await?;
                let used = used_in(&mut tx, f.account_id).await?;
                if used.saturating_add(f.size) > quota {
                    return Ok(Err(used));
                }
            }
            sqlx::query(
                "INSERT INTO files (id, sha256, room, message_id, account_id, name, mime, size, width, height, thumb_mime, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(&f.id)
            .bind(&f.sha256)
            .bind(&f.room)
            .bind(&f.message_id)
            .bind(f.account_id)
            .bind(&f.name)
            .bind(&f.mime)
            .bind(to_i64(f.size))
            .bind(f.width.map(i64::from))
            .bind(f.height.map(i64::from))
            .bind(&f.thumb_mime)
            .bind(f.created_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Ok(()))
        })
    }

    fn delete(&self, id: &str) -> Result<(), ServerError> {
        self.pg.block(sqlx::query("DELETE FROM files WHERE id = $1").bind(id).execute(self.pg.pool()))?;
        Ok(())
    }

    fn get(&self, id: &str) -> Result<Option<FileRecord>, ServerError> {
        let q = sqlx::query_as(
            "SELECT f.id, f.sha256, f.room, f.message_id, f.account_id, f.name, f.mime, f.size, f.width, f.height, f.thumb_mime, f.created_at
             FROM files f
             WHERE f.id = $1 AND NOT EXISTS (
                 SELECT 1 FROM messages m WHERE m.room = f.room AND m.id = f.message_id AND m.kind = $2)",
        )
        .bind(id)
        .bind(crate::moderation::REMOVED_KIND);
        let row: Option<Row> = self.pg.block(q.fetch_optional(self.pg.pool()))?;
        Ok(row.map(|(id, sha256, room, message_id, account_id, name, mime, size, width, height, thumb_mime, created_at)| FileRecord {
            id,
            sha256,
            room,
            message_id,
            account_id,
            name,
            mime,
            size: to_u64(size),
            width: dimension(width),
            height: dimension(height),
            thumb_mime,
            created_at,
        }))
    }

    fn used_by(&self, account_id: i64) -> Result<u64, ServerError> {
        self.pg.block(async {
            let mut c = self.pg.pool().acquire().await?;
            Ok(used_in(&mut c, account_id).await?)
        })
    }
}
