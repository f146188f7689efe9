//! The per-account quota (`--files-quota-mb`): every upload counts, its bytes against its
//! uploader, even when the same content was stored before. Checked twice: before receiving
//! (what is left bounds how much is read), and when the upload is recorded, in the table's
//! transaction ([`FileTable::insert`]), so two uploads at once cannot both pass, on one node
//! or on several.

use super::store::{FileRecord, FileTable};
use crate::error::ServerError;

pub struct Quota {
    /// 0 = no quota.
    bytes: u64,
}

/// Why an upload may not be recorded.
#[derive(Debug, PartialEq, Eq)]
pub enum Over {
    /// The quota, and what the account has used of it.
    Quota { quota: u64, used: u64 },
}

impl Quota {
    pub fn new(bytes: u64) -> Self {
        Self { bytes }
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Bytes the account may still upload (`u64::MAX` without a quota).
    pub fn left(&self, table: &dyn FileTable, account_id: i64) -> Result<u64, ServerError> {
        if self.bytes == 0 {
            return Ok(u64::MAX);
        }
        Ok(self.bytes.saturating_sub(table.used_by(account_id)?))
    }

    /// Records the upload if it fits in what its account has left.
    pub fn record(&self, table: &dyn FileTable, f: &FileRecord) -> Result<Result<(), Over>, ServerError> {
        Ok(table.insert(f, self.bytes)?.map_err(|used| Over::Quota { quota: self.bytes, used }))
    }
}

#[cfg(test)]
mod tests {
    //! On every implementation of the table: SQLite and PostgreSQL.
    use super::*;
    use crate::files::store::tests::{open, record};
    use crate::membership::test_db::{both, TestDb};

    both!(the_quota_counts_every_upload, uploads_at_once_on_two_nodes_cannot_both_pass);

    fn the_quota_counts_every_upload(db: &TestDb) {
        let table = open(db);
        let q = Quota::new(10);
        let rec = |id: &str, size| FileRecord { account_id: 1, ..record(id, &"00".repeat(32), size) };
        assert_eq!(q.left(&*table, 1).unwrap(), 10);
        assert_eq!(q.record(&*table, &rec("a", 6)).unwrap(), Ok(()));
        assert_eq!(q.left(&*table, 1).unwrap(), 4);
        assert_eq!(q.record(&*table, &rec("b", 6)).unwrap(), Err(Over::Quota { quota: 10, used: 6 }));
        assert_eq!(q.record(&*table, &rec("c", 4)).unwrap(), Ok(()));
        assert_eq!(q.left(&*table, 1).unwrap(), 0);
        assert_eq!(q.left(&*table, 2).unwrap(), 10, "per account");
        assert_eq!(Quota::new(0).left(&*table, 1).unwrap(), u64::MAX);
        assert_eq!(Quota::new(0).record(&*table, &rec("d", 100)).unwrap(), Ok(()), "no quota");
    }

    /// Two tables on one database (two nodes, or two connections to one SQLite file), eight
    /// uploads at once that each fit alone: exactly as many pass as the quota holds.
    fn uploads_at_once_on_two_nodes_cannot_both_pass(db: &TestDb) {
        let tables = [open(db), open(db)];
        let (q, start) = (Quota::new(10), std::sync::Barrier::new(8));
        let passed = std::thread::scope(|s| {
            let runs: Vec<_> = (0..8)
                .map(|i| {
                    let (table, q, start) = (&tables[i % 2], &q, &start);
                    s.spawn(move || {
                        let rec = FileRecord { account_id: 1, ..record(&format!("u{i}"), &"00".repeat(32), 4) };
                        start.wait();
                        q.record(&**table, &rec).unwrap().is_ok()
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap_or(false)).filter(|passed| *passed).count()
        });
        assert_eq!(passed, 2);
        assert_eq!(tables[0].used_by(1).unwrap(), 8);
    }
}
