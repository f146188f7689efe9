//! Where accounts' rooms and read markers are kept: the [`MembershipStore`] trait, and its
//! SQLite implementation on a table of its own (`memberships`) in the server's database file,
//! over a connection of its own, as the accounts store does (`crate::accounts::store`).
//!
//! Latest seqs and unread counts are read from the message store's `messages` table in the
//! same file (committed messages only: a client sees a message only once it is committed).
//! Another database implements the trait with its own tables beside its messages.
//!
//! The trait is blocking: callers run it on tokio's blocking pool (or `block_in_place`).
//! Schema changes are numbered migrations, recorded in `schema_versions` under `membership`.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use banter_protocol::membership::RoomStatus;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ServerError;

/// A marker after [`MembershipStore::mark_read`]: where it is and whether it moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marked {
    pub read_seq: u64,
    pub moved: bool,
}

pub trait MembershipStore: Send + Sync {
    /// Adds `room` to the account's rooms with its marker at `read_seq`, unless it is one
    /// of them already (then nothing changes); returns the marker.
    fn join(&self, account_id: i64, room: &str, read_seq: u64, now: i64) -> Result<u64, ServerError>;
    /// Removes `room` from the account's rooms; false when it was not one.
    fn leave(&self, account_id: i64, room: &str) -> Result<bool, ServerError>;
    /// Moves the account's marker in `room` to `seq` if that is forward ([`super::forward`]:
    /// never back, never past the room's latest seq); `None` when the room is not one of its.
    fn mark_read(&self, account_id: i64, room: &str, seq: u64) -> Result<Option<Marked>, ServerError>;
    /// One of the account's rooms, with `unread` counting messages not sent under `name`.
    fn status(&self, account_id: i64, name: &str, room: &str) -> Result<Option<RoomStatus>, ServerError>;
    /// The account's rooms, in the order it joined them.
    fn rooms_of(&self, account_id: i64, name: &str) -> Result<Vec<RoomStatus>, ServerError>;
}

/// Migration `i` takes the membership schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &["
CREATE TABLE memberships (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    room       TEXT NOT NULL,
    read_seq   INTEGER NOT NULL DEFAULT 0,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, room)
) WITHOUT ROWID;
"];

const COMPONENT: &str = "membership";

/// The SQLite implementation: one connection of its own to the server's database file.
pub struct SqliteMembershipStore {
    conn: Mutex<Connection>,
}

impl SqliteMembershipStore {
    /// Opens the store in the server's database file, after the message store (whose
    /// `messages` table it reads) and the accounts store (whose `accounts` it refers to).
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        let mut conn = crate::sqlite_schema::open_shared(path)?;
        crate::sqlite_schema::migrate(&mut conn, COMPONENT, MIGRATIONS)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The columns of a [`RoomStatus`] for membership `m` and the name `?2` ("not sent by the account").
const STATUS_COLS: &str = "m.room, m.read_seq, m.joined_at,
    COALESCE((SELECT MAX(seq) FROM messages WHERE room = m.room), 0),
    (SELECT COUNT(*) FROM messages WHERE room = m.room AND seq > m.read_seq AND username <> ?2)";

fn status_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RoomStatus> {
    Ok(RoomStatus {
        room: r.get(0)?,
        read_seq: to_u64(r.get(1)?),
        joined_at: r.get(2)?,
        latest_seq: to_u64(r.get(3)?),
        unread: to_u64(r.get(4)?),
    })
}

impl MembershipStore for SqliteMembershipStore {
    fn join(&self, account_id: i64, room: &str, read_seq: u64, now: i64) -> Result<u64, ServerError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO memberships (account_id, room, read_seq, joined_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account_id, room) DO NOTHING",
            params![account_id, room, to_i64(read_seq), now],
        )?;
        let marker: i64 = conn.query_row(
            "SELECT read_seq FROM memberships WHERE account_id = ?1 AND room = ?2",
            params![account_id, room],
            |r| r.get(0),
        )?;
        Ok(to_u64(marker))
    }

    fn leave(&self, account_id: i64, room: &str) -> Result<bool, ServerError> {
        let n = self.conn().execute("DELETE FROM memberships WHERE account_id = ?1 AND room = ?2", params![account_id, room])?;
        Ok(n > 0)
    }

    fn mark_read(&self, account_id: i64, room: &str, seq: u64) -> Result<Option<Marked>, ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let found: Option<(i64, i64)> = tx
            .query_row(
                "SELECT m.read_seq, COALESCE((SELECT MAX(seq) FROM messages WHERE room = m.room), 0)
                 FROM memberships m WHERE m.account_id = ?1 AND m.room = ?2",
                params![account_id, room],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((old, latest)) = found else { return Ok(None) };
        let (old, latest) = (to_u64(old), to_u64(latest));
        let new = super::forward(old, seq, latest);
        if new != old {
            tx.execute(
                "UPDATE memberships SET read_seq = ?3 WHERE account_id = ?1 AND room = ?2",
                params![account_id, room, to_i64(new)],
            )?;
        }
        tx.commit()?;
        Ok(Some(Marked { read_seq: new, moved: new != old }))
    }

    fn status(&self, account_id: i64, name: &str, room: &str) -> Result<Option<RoomStatus>, ServerError> {
        let sql = format!("SELECT {STATUS_COLS} FROM memberships m WHERE m.account_id = ?1 AND m.room = ?3");
        Ok(self.conn().query_row(&sql, params![account_id, name, room], status_row).optional()?)
    }

    fn rooms_of(&self, account_id: i64, name: &str) -> Result<Vec<RoomStatus>, ServerError> {
        let conn = self.conn();
        let sql = format!("SELECT {STATUS_COLS} FROM memberships m WHERE m.account_id = ?1 ORDER BY m.joined_at, m.room");
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params![account_id, name], status_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    //! One suite for every implementation: each test runs on SQLite and on PostgreSQL.
    use super::*;
    use crate::membership::pg_store::PgMembershipStore;
    use crate::membership::test_db::{both, TestDb};

    fn open(db: &TestDb) -> Box<dyn MembershipStore> {
        if db.is_postgres() {
            Box::new(db.pg().block(PgMembershipStore::open(db.pg())).unwrap())
        } else {
            Box::new(SqliteMembershipStore::open(db.path()).unwrap())
        }
    }

    both!(migrations_run_once, rooms_are_kept_until_left_and_a_join_keeps_the_marker);
    both!(the_marker_only_moves_forward_and_unread_skips_the_accounts_own, devices_at_once_on_two_nodes_agree);

    fn migrations_run_once(db: &TestDb) {
        drop(open(db));
        drop(open(db));
        assert_eq!(db.version("membership"), MIGRATIONS.len() as i64);
    }

    fn rooms_are_kept_until_left_and_a_join_keeps_the_marker(db: &TestDb) {
        let (store, ann) = (open(db), db.account("ann"));
        assert_eq!(store.join(ann, "b", 0, 10).unwrap(), 0);
        assert_eq!(store.join(ann, "a", 4, 20).unwrap(), 4);
        // joining again changes nothing
        assert_eq!(store.join(ann, "b", 9, 30).unwrap(), 0);
        let rooms: Vec<String> = store.rooms_of(ann, "ann").unwrap().into_iter().map(|r| r.room).collect();
        assert_eq!(rooms, ["b", "a"]);
        assert!(store.leave(ann, "b").unwrap());
        assert!(!store.leave(ann, "b").unwrap());
        assert_eq!(store.rooms_of(ann, "ann").unwrap().len(), 1);
        assert_eq!(store.mark_read(ann, "b", 1).unwrap(), None);
        assert_eq!(store.status(ann, "ann", "b").unwrap(), None);
        // joined at the same time: by name
        store.join(ann, "B", 0, 20).unwrap();
        let rooms: Vec<String> = store.rooms_of(ann, "ann").unwrap().into_iter().map(|r| r.room).collect();
        assert_eq!(rooms, ["B", "a"]);
    }

    fn the_marker_only_moves_forward_and_unread_skips_the_accounts_own(db: &TestDb) {
        let (store, ann) = (open(db), db.account("ann"));
        store.join(ann, "lobby", 0, 1).unwrap();
        for (seq, who) in [(1, "bob"), (2, "ann"), (3, "bob"), (4, "zoe"), (5, "ann")] {
            db.post("lobby", seq, who, "hi", seq as i64);
        }
        db.post("other", 1, "bob", "hi", 1);
        let s = store.status(ann, "ann", "lobby").unwrap().unwrap();
        assert_eq!((s.latest_seq, s.read_seq, s.unread, s.joined_at), (5, 0, 3, 1));
        assert_eq!(store.mark_read(ann, "lobby", 3).unwrap(), Some(Marked { read_seq: 3, moved: true }));
        // never back
        assert_eq!(store.mark_read(ann, "lobby", 1).unwrap(), Some(Marked { read_seq: 3, moved: false }));
        let s = store.status(ann, "ann", "lobby").unwrap().unwrap();
        assert_eq!((s.read_seq, s.unread), (3, 1));
        // never past the latest message
        assert_eq!(store.mark_read(ann, "lobby", 99).unwrap(), Some(Marked { read_seq: 5, moved: true }));
        let s = store.status(ann, "ann", "lobby").unwrap().unwrap();
        assert_eq!((s.latest_seq, s.read_seq, s.unread), (5, 5, 0));
        // an empty room: latest 0, nothing unread
        store.join(ann, "empty", 0, 2).unwrap();
        let s = store.status(ann, "ann", "empty").unwrap().unwrap();
        assert_eq!((s.latest_seq, s.read_seq, s.unread), (0, 0, 0));
        // a deleted account's rooms go with it
        db.execute("DELETE FROM accounts WHERE name = 'ann'");
        assert!(store.rooms_of(ann, "ann").unwrap().is_empty());
    }

    /// Two stores on one database (two nodes), eight devices of one account at once: all
    /// join with the first one's marker kept, and the marker ends at the furthest any asked for.
    fn devices_at_once_on_two_nodes_agree(db: &TestDb) {
        let ann = db.account("ann");
        for seq in 1..=20 {
            db.post("lobby", seq, "bob", "hi", seq as i64);
        }
        let stores = [open(db), open(db)];
        let start = std::sync::Barrier::new(8);
        let joined: Vec<u64> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..8u64)
                .map(|i| {
                    let (store, start) = (&stores[(i % 2) as usize], &start);
                    s.spawn(move || {
                        start.wait();
                        let marker = store.join(ann, "lobby", i, 1).unwrap();
                        store.mark_read(ann, "lobby", 10 + i).unwrap();
                        marker
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        // one join's marker was stored; the others found it, or where a device had moved it
        let first: std::collections::BTreeSet<u64> = joined.iter().copied().filter(|m| *m < 10).collect();
        assert!(first.len() <= 1, "{joined:?}");
        let s = stores[0].status(ann, "ann", "lobby").unwrap().unwrap();
        assert_eq!((s.read_seq, s.unread), (17, 3));
    }
}
