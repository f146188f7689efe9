//! Where uploads are kept: content-addressed blobs on disk and one SQLite table of uploads.
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

/// Migration `i` takes the files schema from version `i` to `i + 1`.
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

/// The files directory and the uploads table.
pub struct FileStore {
    dir: PathBuf,
    conn: Mutex<Connection>,
}

impl FileStore {
    /// Opens (creating) the directory and the table; removes what an earlier run left in `tmp/`.
    pub fn open(dir: &Path, db_path: &Path) -> Result<Self, ServerError> {
        for sub in ["blobs", "thumbs", "tmp"] {
            let d = dir.join(sub);
            std::fs::create_dir_all(&d).map_err(|e| ServerError::Config(format!("--files-dir {}: cannot create {sub}/: {e}", dir.display())))?;
        }
        if let Ok(entries) = std::fs::read_dir(dir.join("tmp")) {
            for e in entries.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let mut conn = crate::sqlite_schema::open_shared(db_path)?;
        crate::sqlite_schema::migrate(&mut conn, COMPONENT, MIGRATIONS)?;
        Ok(Self { dir: dir.to_owned(), conn: Mutex::new(conn) })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
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

    /// Whether any upload row names this content (before a new blob is deleted again).
    pub fn blob_in_use(&self, sha256: &str) -> Result<bool, ServerError> {
        Ok(self.conn().query_row("SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?1)", [sha256], |r| r.get(0))?)
    }

    pub fn insert(&self, f: &FileRecord) -> Result<(), ServerError> {
        self.conn().execute(
            "INSERT INTO files (id, sha256, room, message_id, account_id, name, mime, size, width, height, thumb_mime, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![f.id, f.sha256, f.room, f.message_id, f.account_id, f.name, f.mime, f.size as i64, f.width, f.height, f.thumb_mime, f.created_at],
        )?;
        Ok(())
    }

    /// Takes back an upload whose message could not be posted.
    pub fn delete(&self, id: &str) -> Result<(), ServerError> {
        self.conn().execute("DELETE FROM files WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Upload `id`, unless the message that announced it was removed (then it is gone for
    /// everyone, as the message's text is).
    pub fn get(&self, id: &str) -> Result<Option<FileRecord>, ServerError> {
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

    /// Bytes the account has uploaded, all uploads counted.
    pub fn used_by(&self, account_id: i64) -> Result<u64, ServerError> {
        let used: i64 = self.conn().query_row("SELECT COALESCE(SUM(size), 0) FROM files WHERE account_id = ?1", [account_id], |r| r.get(0))?;
        Ok(used.max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, sha: &str, size: u64) -> FileRecord {
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

    #[test]
    fn blobs_are_stored_once_and_uploads_counted() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("b.db");
        crate::store::Store::open(&db).unwrap(); // the messages table the lookup reads
        let files = dir.path().join("files");
        let fs = FileStore::open(&files, &db).unwrap();
        let sha = "ab".repeat(32);
        for round in 0..2 {
            let t = fs.temp_path().unwrap();
            assert!(t.starts_with(files.join("tmp")));
            std::fs::write(&t, b"hello").unwrap();
            assert_eq!(fs.commit_blob(&t, &sha).unwrap(), round == 0);
            assert!(!t.exists());
        }
        assert_eq!(std::fs::read(fs.blob_path(&sha)).unwrap(), b"hello");
        assert!(fs.blob_path(&sha).starts_with(files.join("blobs").join("ab")));
        fs.insert(&record("1", &sha, 5)).unwrap();
        fs.insert(&record("2", &sha, 5)).unwrap();
        assert_eq!(fs.used_by(7).unwrap(), 10);
        assert_eq!(fs.used_by(8).unwrap(), 0);
        assert_eq!(fs.get("1").unwrap().unwrap().size, 5);
        fs.delete("1").unwrap();
        assert!(fs.get("1").unwrap().is_none());
        assert!(fs.blob_in_use(&sha).unwrap());
        // a leftover partial upload is cleaned at the next start
        std::fs::write(files.join("tmp").join("x.part"), b"x").unwrap();
        drop(fs);
        FileStore::open(&files, &db).unwrap();
        assert_eq!(std::fs::read_dir(files.join("tmp")).unwrap().count(), 0);
    }
}
