//! Where uploads are kept: content-addressed blobs on disk ([`Blobs`], the same whatever the
//! database) and one table of uploads ([`FileTable`]: SQLite here, PostgreSQL in
//! `super::pg_store`).
//!
//! Layout of `--files-dir`: `blobs/<first 2 hex of the SHA-256>/<SHA-256>` (one copy per
//! content, whoever uploaded it and how often), `thumbs/<2 hex>/<SHA-256>` (the thumbnail of
//! an image), `tmp/` (uploads being received; emptied at start), `link.key` (the key that
//! signs download links). Nothing else is ever written, and every path is made from a hash
//! or a random id, never from a name a client gave.
//!
//! Table `files` (component `files` in `schema_versions`): one row per upload — its random
//! id (what download URLs name, so knowing a file's hash grants nothing), the blob's hash,
//! the room and message that announced it, who uploaded it, name, type, size, image size.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ServerError;

/// Migration `i` takes the files schema from version `i` to `i + 1` (PostgreSQL's are in
/// `super::pg_store`).
const MIGRATIONS: &[&str] = &["
CREATE TABLE files (
    id          TEXT PRIMARY KEY,
    sha256      TEXT NOT NULL,
    room        TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    account_id  INTEGER NOT NULL,
    name        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    width       INTEGER,
    height      INTEGER,
    thumb_mime  TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX files_by_account ON files (account_id);
"];

const COMPONENT: &str = "files";

/// One upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub id: String,
    pub sha256: String,
    pub room: String,
    pub message_id: String,
    pub account_id: i64,
    pub name: String,
    pub mime: String,
    pub size: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The thumbnail's type, when there is one.
    pub thumb_mime: Option<String>,
    pub created_at: i64,
}

/// The uploads table: one implementation per database (`super::pg_store` for PostgreSQL).
/// Blocking: callers use `block_in_place` or the blocking pool.
pub trait FileTable: Send + Sync {
    /// Whether any upload row names this content (before a new blob is deleted again).
    fn blob_in_use(&self, sha256: &str) -> Result<bool, ServerError>;
    /// Records the upload if the account's uploads, this one counted, stay within `quota`
    /// bytes (0: no quota), checking and inserting in one transaction so that two uploads at
    /// once (on any node) cannot both pass; else `Err(bytes the account has used)`.
    fn insert(&self, f: &FileRecord, quota: u64) -> Result<Result<(), u64>, ServerError>;
    /// Takes back an upload whose message could not be posted.
    fn delete(&self, id: &str) -> Result<(), ServerError>;
    /// Upload `id`, unless the message that announced it was removed (then it is gone for
    /// everyone, as the message's text is).
    fn get(&self, id: &str) -> Result<Option<FileRecord>, ServerError>;
    /// Bytes the account has uploaded, all uploads counted.
    fn used_by(&self, account_id: i64) -> Result<u64, ServerError>;
}

/// A partial upload left in `tmp/` longer than this is an earlier run's leftover.
const STALE_UPLOAD: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// The files directory: blobs, thumbnails and uploads being received, whatever database
/// keeps the uploads table.
pub struct Blobs {
    dir: PathBuf,
}

impl Blobs {
    /// Opens (creating) the directory; removes what an earlier run left in `tmp/`.
    pub fn open(dir: &Path) -> Result<Self, ServerError> {
        for sub in ["blobs", "thumbs", "tmp"] {
            let d = dir.join(sub);
            std::fs::create_dir_all(&d).map_err(|e| ServerError::Config(format!("--files-dir {}: cannot create {sub}/: {e}", dir.display())))?;
        }
        // Only what is older than any upload can be: nodes sharing the directory (several
        // nodes on one database) may be receiving into it right now.
        if let Ok(entries) = std::fs::read_dir(dir.join("tmp")) {
            for e in entries.flatten() {
                let old = e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age > STALE_UPLOAD);
                if old {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(Self { dir: dir.to_owned() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new temporary file's path in `tmp/` (a random name).
    pub fn temp_path(&self) -> Result<PathBuf, ServerError> {
        let bytes: [u8; 16] = crate::accounts::random_bytes()?;
        Ok(self.dir.join("tmp").join(format!("{}.part", crate::accounts::hex(&bytes))))
    }

    /// The blob of content `sha256` (64 hex digits, checked by the caller).
    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        self.dir.join("blobs").join(&sha256[..2]).join(sha256)
    }

    pub fn thumb_path(&self, sha256: &str) -> PathBuf {
        self.dir.join("thumbs").join(&sha256[..2]).join(sha256)
    }

    /// Moves a received temporary file into place under its hash; when that content is
    /// stored already, the temporary file is deleted instead. True when the blob is new.
    pub fn commit_blob(&self, temp: &Path, sha256: &str) -> std::io::Result<bool> {
        let dest = self.blob_path(sha256);
        if dest.exists() {
            std::fs::remove_file(temp)?;
            return Ok(false);
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(temp, &dest)?;
        Ok(true)
    }

    /// Writes a thumbnail (temp file, then rename).
    pub fn put_thumb(&self, sha256: &str, bytes: &[u8]) -> Result<(), ServerError> {
        let dest = self.thumb_path(sha256);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let temp = self.temp_path()?;
        std::fs::write(&temp, bytes)?;
        std::fs::rename(&temp, &dest)?;
        Ok(())
    }
}

/// The uploads table in the server's SQLite file.
pub struct SqliteFileTable {
    conn: Mutex<Connection>,
}

impl SqliteFileTable {
    /// Opens the table in the server's database file, after the message store (the lookups
    /// read its `messages`).
    pub fn open(db_path: &Path) -> Result<Self, ServerError> {
        let mut conn = crate::sqlite_schema::open_shared(db_path)?;
        crate::sqlite_schema::migrate(&mut conn, COMPONENT, MIGRATIONS)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn used_in(c: &Connection, account_id: i64) -> rusqlite::Result<u64> {
    let used: i64 = c.query_row("SELECT COALESCE(SUM(size), 0) FROM files WHERE account_id = ?1", [account_id], |r| r.get(0))?;
    Ok(used.max(0) as u64)
}

impl FileTable for SqliteFileTable {
    fn blob_in_use(&self, sha256: &str) -> Result<bool, ServerError> {
        Ok(self.conn().query_row("SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?1)", [sha256], |r| r.get(0))?)
    }

    fn insert(&self, f: &FileRecord, quota: u64) -> Result<Result<(), u64>, ServerError> {
        let mut conn = self.conn();
        // the write lock from the start: no other connection counts and inserts in between
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if quota > 0 {
            let used = used_in(&tx, f.account_id)?;
            if used.saturating_add(f.size) > quota {
                return Ok(Err(used));
            }
        }
        tx.execute(
            "INSERT INTO files (id, sha256, room, message_id, account_id, name, mime, size, width, height, thumb_mime, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![f.id, f.sha256, f.room, f.message_id, f.account_id, f.name, f.mime, f.size as i64, f.width, f.height, f.thumb_mime, f.created_at],
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    fn delete(&self, id: &str) -> Result<(), ServerError> {
        self.conn().execute("DELETE FROM files WHERE id = ?1", [id])?;
        Ok(())
    }

    fn get(&self, id: &str) -> Result<Option<FileRecord>, ServerError> {
        let c = self.conn();
        let found = c
            .query_row(
                "SELECT f.id, f.sha256, f.room, f.message_id, f.account_id, f.name, f.mime, f.size, f.width, f.height, f.thumb_mime, f.created_at
                 FROM files f
                 WHERE f.id = ?1 AND NOT EXISTS (
                     SELECT 1 FROM messages m WHERE m.room = f.room AND m.id = f.message_id AND m.kind = ?2)",
                params![id, crate::moderation::REMOVED_KIND],
                |r| {
                    Ok(FileRecord {
                        id: r.get(0)?,
                        sha256: r.get(1)?,
                        room: r.get(2)?,
                        message_id: r.get(3)?,
                        account_id: r.get(4)?,
                        name: r.get(5)?,
                        mime: r.get(6)?,
                        size: r.get::<_, i64>(7)?.max(0) as u64,
                        width: r.get(8)?,
                        height: r.get(9)?,
                        thumb_mime: r.get(10)?,
                        created_at: r.get(11)?,
                    })
                },
            )
            .optional()?;
        Ok(found)
    }

    fn used_by(&self, account_id: i64) -> Result<u64, ServerError> {
        Ok(used_in(&self.conn(), account_id)?)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! One suite for every implementation of the table: each test runs on SQLite and on
    //! PostgreSQL; the blobs directory is the same for both.
    use super::*;
    use crate::files::pg_store::PgFileTable;
    use crate::membership::test_db::{both, TestDb};

    pub(crate) fn open(db: &TestDb) -> Box<dyn FileTable> {
        if db.is_postgres() {
            Box::new(db.pg().block(PgFileTable::open(db.pg())).unwrap())
        } else {
            Box::new(SqliteFileTable::open(db.path()).unwrap())
        }
    }

    pub(crate) fn record(id: &str, sha: &str, size: u64) -> FileRecord {
        FileRecord {
            id: id.into(),
            sha256: sha.into(),
            room: "lobby".into(),
            message_id: format!("m-{id}"),
            account_id: 7,
            name: "a.txt".into(),
            mime: "text/plain".into(),
            size,
            width: None,
            height: None,
            thumb_mime: None,
            created_at: 1,
        }
    }

    both!(migrations_run_once, uploads_are_counted_and_found, a_removed_message_takes_its_file_away);

    fn migrations_run_once(db: &TestDb) {
        drop(open(db));
        drop(open(db));
        assert_eq!(db.version("files"), MIGRATIONS.len() as i64);
    }

    fn uploads_are_counted_and_found(db: &TestDb) {
        let table = open(db);
        let sha = "ab".repeat(32);
        assert!(!table.blob_in_use(&sha).unwrap());
        table.insert(&record("1", &sha, 5), 0).unwrap().unwrap();
        let image = FileRecord { width: Some(u32::MAX), height: Some(480), thumb_mime: Some("image/webp".into()), mime: "image/png".into(), ..record("2", &sha, 5) };
        table.insert(&image, 0).unwrap().unwrap();
        assert!(table.insert(&record("1", &sha, 5), 0).is_err(), "ids are unique");
        assert_eq!(table.used_by(7).unwrap(), 10);
        assert_eq!(table.used_by(8).unwrap(), 0);
        assert_eq!(table.get("1").unwrap(), Some(record("1", &sha, 5)));
        assert_eq!(table.get("2").unwrap(), Some(image));
        assert_eq!(table.insert(&record("3", &sha, 5), 12).unwrap(), Err(10), "over the quota: what is used");
        assert_eq!(table.get("3").unwrap(), None);
        table.delete("1").unwrap();
        table.delete("nope").unwrap();
        assert!(table.get("1").unwrap().is_none());
        assert!(table.blob_in_use(&sha).unwrap());
        table.delete("2").unwrap();
        assert!(!table.blob_in_use(&sha).unwrap());
    }

    fn a_removed_message_takes_its_file_away(db: &TestDb) {
        let table = open(db);
        db.post("lobby", 1, "ann", "a.txt 5 B", 1);
        db.post("lobby", 2, "ann", "b.txt 5 B", 2);
        table.insert(&FileRecord { message_id: "lobby-1".into(), ..record("1", &"ab".repeat(32), 5) }, 0).unwrap().unwrap();
        table.insert(&FileRecord { message_id: "lobby-2".into(), ..record("2", &"cd".repeat(32), 5) }, 0).unwrap().unwrap();
        db.execute("UPDATE messages SET text = '', kind = 'removed' WHERE room = 'lobby' AND seq = 1");
        assert_eq!(table.get("1").unwrap(), None);
        assert!(table.get("2").unwrap().is_some());
        assert_eq!(table.used_by(7).unwrap(), 10, "still counted");
    }

    #[test]
    fn blobs_are_stored_once_and_the_temp_dir_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let files = dir.path().join("files");
        let blobs = Blobs::open(&files).unwrap();
        let sha = "ab".repeat(32);
        for round in 0..2 {
            let t = blobs.temp_path().unwrap();
            assert!(t.starts_with(files.join("tmp")));
            std::fs::write(&t, b"hello").unwrap();
            assert_eq!(blobs.commit_blob(&t, &sha).unwrap(), round == 0);
            assert!(!t.exists());
        }
        assert_eq!(std::fs::read(blobs.blob_path(&sha)).unwrap(), b"hello");
        assert!(blobs.blob_path(&sha).starts_with(files.join("blobs").join("ab")));
        blobs.put_thumb(&sha, b"thumb").unwrap();
        assert_eq!(std::fs::read(blobs.thumb_path(&sha)).unwrap(), b"thumb");
        assert!(blobs.thumb_path(&sha).starts_with(files.join("thumbs").join("ab")));
        // a leftover partial upload is cleaned at the next start; one being received now (by
        // another node sharing the directory) is not
        std::fs::write(files.join("tmp").join("x.part"), b"x").unwrap();
        let old = std::fs::File::options().write(true).open(files.join("tmp").join("x.part")).unwrap();
        old.set_modified(std::time::SystemTime::now() - STALE_UPLOAD - std::time::Duration::from_secs(60)).unwrap();
        drop(old);
        std::fs::write(files.join("tmp").join("y.part"), b"y").unwrap();
        drop(blobs);
        Blobs::open(&files).unwrap();
        let left: Vec<_> = std::fs::read_dir(files.join("tmp")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("y.part")]);
    }
}
