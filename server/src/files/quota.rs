//! The per-account quota (`--files-quota-mb`): every upload counts, its bytes against its
//! uploader, even when the same content was stored before. Checked twice: before receiving
//! (what is left bounds how much is read), and when the upload is recorded, under one lock,
//! so two uploads at once cannot both pass.

use std::sync::Mutex;

use super::store::{FileRecord, FileStore};
use crate::error::ServerError;

pub struct Quota {
    /// 0 = no quota.
    bytes: u64,
    record: Mutex<()>,
}

/// Why an upload may not be recorded.
#[derive(Debug, PartialEq, Eq)]
pub enum Over {
    /// The quota, and what the account has used of it.
    Quota { quota: u64, used: u64 },
}

impl Quota {
    pub fn new(bytes: u64) -> Self {
        Self { bytes, record: Mutex::new(()) }
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Bytes the account may still upload (`u64::MAX` without a quota).
    pub fn left(&self, store: &FileStore, account_id: i64) -> Result<u64, ServerError> {
        if self.bytes == 0 {
            return Ok(u64::MAX);
        }
        Ok(self.bytes.saturating_sub(store.used_by(account_id)?))
    }

    /// Records the upload if it fits in what its account has left.
    pub fn record(&self, store: &FileStore, f: &FileRecord) -> Result<Result<(), Over>, ServerError> {
        let _one_at_a_time = self.record.lock().unwrap_or_else(|p| p.into_inner());
        if self.bytes > 0 {
            let used = store.used_by(f.account_id)?;
            if used.saturating_add(f.size) > self.bytes {
                return Ok(Err(Over::Quota { quota: self.bytes, used }));
            }
        }
        store.insert(f)?;
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_counts_every_upload() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("q.db");
        crate::store::Store::open(&db).unwrap();
        let store = FileStore::open(&dir.path().join("f"), &db).unwrap();
        let q = Quota::new(10);
        let rec = |id: &str, size| FileRecord {
            id: id.into(),
            sha256: "00".repeat(32),
            room: "r".into(),
            message_id: id.into(),
            account_id: 1,
            name: "n".into(),
            mime: "text/plain".into(),
            size,
            width: None,
            height: None,
            thumb_mime: None,
            created_at: 0,
        };
        assert_eq!(q.left(&store, 1).unwrap(), 10);
        assert_eq!(q.record(&store, &rec("a", 6)).unwrap(), Ok(()));
        assert_eq!(q.left(&store, 1).unwrap(), 4);
        assert_eq!(q.record(&store, &rec("b", 6)).unwrap(), Err(Over::Quota { quota: 10, used: 6 }));
        assert_eq!(q.record(&store, &rec("c", 4)).unwrap(), Ok(()));
        assert_eq!(q.left(&store, 1).unwrap(), 0);
        assert_eq!(Quota::new(0).left(&store, 1).unwrap(), u64::MAX);
    }
}
