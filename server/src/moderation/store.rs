//! Where room owners, settings, roles, bans and the moderation log are kept: the
//! [`ModerationStore`] trait and its SQLite implementation, on tables of its own in the
//! server's database file (beside the message store and the accounts store; another
//! database can implement the trait alone).
//!
//! Blocking, like the accounts store: callers use `block_in_place` or the blocking pool.
//! Schema changes are numbered migrations in `schema_versions` under `moderation`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use banter_protocol::rooms::LogEntry;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ServerError;

/// A room's settings and roles as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomRecord {
    /// The owning account (id, name); none for a room a guest created.
    pub owner: Option<(i64, String)>,
    pub topic: String,
    pub private: bool,
    /// Moderators: account id → name.
    pub moderators: BTreeMap<i64, String>,
    /// Invited members: account id → name.
    pub members: BTreeMap<i64, String>,
    /// Banned names: identity key → the name as given.
    pub bans: BTreeMap<String, String>,
}

/// A role kept per (room, account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredRole {
    Member,
    Moderator,
}

impl StoredRole {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StoredRole::Member => "member",
            StoredRole::Moderator => "moderator",
        }
    }
}

/// One act for the log: who (account id and name), what, to what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Act<'a> {
    pub room: &'a str,
    pub by: (i64, &'a str),
    pub action: &'a str,
    pub target: &'a str,
    pub at: i64,
}

pub trait ModerationStore: Send + Sync {
    /// Everything known about a room (the default record when nothing is).
    fn room(&self, room: &str) -> Result<RoomRecord, ServerError>;
    /// Makes `owner` the room's owner unless it has one; logged as `create`.
    fn claim(&self, room: &str, owner: (i64, &str), at: i64) -> Result<(), ServerError>;
    fn set_topic(&self, act: &Act<'_>, topic: &str) -> Result<(), ServerError>;
    fn set_private(&self, act: &Act<'_>, private: bool) -> Result<(), ServerError>;
    /// Gives (`on`) or takes an account's role in the room.
    fn set_role(&self, act: &Act<'_>, account: (i64, &str), role: StoredRole, on: bool) -> Result<(), ServerError>;
    /// Bans (`Some(name)`) or unbans (`None`) an identity key; false when nothing changed.
    fn set_ban(&self, act: &Act<'_>, name_key: &str, name: Option<&str>) -> Result<bool, ServerError>;
    /// Blanks a stored message and marks it removed; its seq, or none when the room has no
    /// such id.
    fn remove_message(&self, act: &Act<'_>, id: &str) -> Result<Option<u64>, ServerError>;
    /// Logs an act that changes nothing stored (a kick).
    fn log(&self, act: &Act<'_>) -> Result<(), ServerError>;
    /// The newest `limit` entries of the room's log, newest first.
    fn log_of(&self, room: &str, limit: u32) -> Result<Vec<LogEntry>, ServerError>;
}

/// Migration `i` takes the moderation schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &["
CREATE TABLE room_settings (
    room       TEXT PRIMARY KEY,
    owner_id   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    topic      TEXT NOT NULL DEFAULT '',
    private    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE room_roles (
    room       TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    PRIMARY KEY (room, account_id, role)
);
CREATE TABLE room_bans (
    room       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    name       TEXT NOT NULL,
    by_id      INTEGER,
    at         INTEGER NOT NULL,
    PRIMARY KEY (room, name_key)
);
CREATE TABLE moderation_log (
    id       INTEGER PRIMARY KEY,
    room     TEXT NOT NULL,
    at       INTEGER NOT NULL,
    by_id    INTEGER,
    by_name  TEXT NOT NULL,
    action   TEXT NOT NULL,
    target   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX moderation_log_by_room ON moderation_log(room, id);
"];

const COMPONENT: &str = "moderation";

/// The SQLite implementation: one connection of its own to the server's database file.
pub struct SqliteModerationStore {
    conn: Mutex<Connection>,
}

impl SqliteModerationStore {
    /// Opens the store; the accounts tables must exist (the accounts store opens first).
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        let mut conn = crate::sqlite_schema::open_shared(path)?;
        crate::sqlite_schema::migrate(&mut conn, COMPONENT, MIGRATIONS)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn log_in(tx: &Connection, act: &Act<'_>) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO moderation_log (room, at, by_id, by_name, action, target) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![act.room, act.at, act.by.0, act.by.1, act.action, act.target],
    )?;
    Ok(())
}

/// The settings row, created when missing (a room a guest created has none until changed).
fn ensure_row(tx: &Connection, room: &str, at: i64) -> rusqlite::Result<()> {
    tx.execute("INSERT OR IGNORE INTO room_settings (room, created_at) VALUES (?1, ?2)", params![room, at])?;
    Ok(())
}

impl ModerationStore for SqliteModerationStore {
    fn room(&self, room: &str) -> Result<RoomRecord, ServerError> {
        let conn = self.conn();
        let mut rec = RoomRecord::default();
        let row: Option<(Option<i64>, Option<String>, String, bool)> = conn
            .query_row(
                "SELECT s.owner_id, a.name, s.topic, s.private FROM room_settings s
                 LEFT JOIN accounts a ON a.id = s.owner_id WHERE s.room = ?1",
                [room],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? != 0)),
            )
            .optional()?;
        if let Some((owner_id, owner_name, topic, private)) = row {
            rec.owner = owner_id.zip(owner_name);
            rec.topic = topic;
            rec.private = private;
        }
        let mut stmt = conn.prepare_cached(
            "SELECT r.account_id, a.name, r.role FROM room_roles r JOIN accounts a ON a.id = r.account_id WHERE r.room = ?1",
        )?;
        let roles = stmt.query_map([room], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        for role in roles {
            let (id, name, role) = role?;
            if role == StoredRole::Moderator.as_str() {
                rec.moderators.insert(id, name);
            } else {
                rec.members.insert(id, name);
            }
        }
        let mut stmt = conn.prepare_cached("SELECT name_key, name FROM room_bans WHERE room = ?1")?;
        for ban in stmt.query_map([room], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (key, name) = ban?;
            rec.bans.insert(key, name);
        }
        Ok(rec)
    }

    fn claim(&self, room: &str, owner: (i64, &str), at: i64) -> Result<(), ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        ensure_row(&tx, room, at)?;
        let n = tx.execute("UPDATE room_settings SET owner_id = ?2 WHERE room = ?1 AND owner_id IS NULL", params![room, owner.0])?;
        if n > 0 {
            log_in(&tx, &Act { room, by: owner, action: "create", target: "", at })?;
        }
        tx.commit()?;
        Ok(())
    }

    fn set_topic(&self, act: &Act<'_>, topic: &str) -> Result<(), ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        ensure_row(&tx, act.room, act.at)?;
        tx.execute("UPDATE room_settings SET topic = ?2 WHERE room = ?1", params![act.room, topic])?;
        log_in(&tx, act)?;
        tx.commit()?;
        Ok(())
    }

    fn set_private(&self, act: &Act<'_>, private: bool) -> Result<(), ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        ensure_row(&tx, act.room, act.at)?;
        tx.execute("UPDATE room_settings SET private = ?2 WHERE room = ?1", params![act.room, private as i64])?;
        log_in(&tx, act)?;
        tx.commit()?;
        Ok(())
    }

    fn set_role(&self, act: &Act<'_>, account: (i64, &str), role: StoredRole, on: bool) -> Result<(), ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let sql = if on {
            "INSERT OR IGNORE INTO room_roles (room, account_id, role) VALUES (?1, ?2, ?3)"
        } else {
            "DELETE FROM room_roles WHERE room = ?1 AND account_id = ?2 AND role = ?3"
        };
        tx.execute(sql, params![act.room, account.0, role.as_str()])?;
        log_in(&tx, act)?;
        tx.commit()?;
        Ok(())
    }

    fn set_ban(&self, act: &Act<'_>, name_key: &str, name: Option<&str>) -> Result<bool, ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let changed = match name {
            Some(name) => tx.execute(
                "INSERT OR IGNORE INTO room_bans (room, name_key, name, by_id, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![act.room, name_key, name, act.by.0, act.at],
            )?,
            None => tx.execute("DELETE FROM room_bans WHERE room = ?1 AND name_key = ?2", params![act.room, name_key])?,
        } > 0;
        if changed {
            log_in(&tx, act)?;
        }
        tx.commit()?;
        Ok(changed)
    }

    fn remove_message(&self, act: &Act<'_>, id: &str) -> Result<Option<u64>, ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let seq: Option<u64> =
            tx.query_row("SELECT seq FROM messages WHERE room = ?1 AND id = ?2", params![act.room, id], |r| r.get(0)).optional()?;
        if seq.is_some() {
            tx.execute(
                "UPDATE messages SET text = '', kind = ?3 WHERE room = ?1 AND id = ?2",
                params![act.room, id, super::REMOVED_KIND],
            )?;
            log_in(&tx, act)?;
        }
        tx.commit()?;
        Ok(seq)
    }

    fn log(&self, act: &Act<'_>) -> Result<(), ServerError> {
        Ok(log_in(&self.conn(), act)?)
    }

    fn log_of(&self, room: &str, limit: u32) -> Result<Vec<LogEntry>, ServerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT at, by_name, action, target FROM moderation_log WHERE room = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![room, limit], |r| {
            Ok(LogEntry { at: r.get(0)?, by: r.get(1)?, action: r.get(2)?, target: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    //! One suite for every implementation: each test runs on SQLite and on PostgreSQL.
    use super::*;
    use crate::membership::test_db::{both, TestDb};
    use crate::moderation::pg_store::PgModerationStore;

    fn open(db: &TestDb) -> Box<dyn ModerationStore> {
        if db.is_postgres() {
            Box::new(db.pg().block(PgModerationStore::open(db.pg())).unwrap())
        } else {
            Box::new(SqliteModerationStore::open(db.path()).unwrap())
        }
    }

    fn act<'a>(room: &'a str, action: &'a str, target: &'a str, at: i64) -> Act<'a> {
        Act { room, by: (1, "ann"), action, target, at }
    }

    both!(migrations_run_once, owner_settings_roles_and_bans_persist, a_removed_message_is_blanked_and_marked);
    both!(a_deleted_owner_leaves_the_room_unowned, claims_at_once_on_two_nodes_make_one_owner);

    fn migrations_run_once(db: &TestDb) {
        drop(open(db));
        drop(open(db));
        assert_eq!(db.version("moderation"), MIGRATIONS.len() as i64);
    }

    fn owner_settings_roles_and_bans_persist(db: &TestDb) {
        let (ann, bob) = (db.account("ann"), db.account("bob"));
        let store = open(db);
        assert_eq!(store.room("lobby").unwrap(), RoomRecord::default());
        store.claim("lobby", (ann, "ann"), 5).unwrap();
        store.claim("lobby", (bob, "bob"), 6).unwrap(); // already owned: no change
        store.set_topic(&act("lobby", "topic", "hello", 7), "hello").unwrap();
        store.set_private(&act("lobby", "private", "on", 8), true).unwrap();
        store.set_role(&act("lobby", "moderator", "bob", 9), (bob, "bob"), StoredRole::Moderator, true).unwrap();
        store.set_role(&act("lobby", "member", "bob", 9), (bob, "bob"), StoredRole::Member, true).unwrap();
        store.set_role(&act("lobby", "member", "bob", 9), (bob, "bob"), StoredRole::Member, true).unwrap(); // again: logged, no change
        assert!(store.set_ban(&act("lobby", "ban", "Troll", 10), "troll", Some("Troll")).unwrap());
        assert!(!store.set_ban(&act("lobby", "ban", "troll", 10), "troll", Some("troll")).unwrap());
        let again = open(db);
        let rec = again.room("lobby").unwrap();
        assert_eq!(rec.owner, Some((ann, "ann".into())));
        assert_eq!((rec.topic.as_str(), rec.private), ("hello", true));
        assert_eq!(rec.moderators.values().collect::<Vec<_>>(), ["bob"]);
        assert_eq!(rec.members.values().collect::<Vec<_>>(), ["bob"]);
        assert_eq!(rec.bans.get("troll").map(String::as_str), Some("Troll"));
        store.set_role(&act("lobby", "unmoderator", "bob", 11), (bob, "bob"), StoredRole::Moderator, false).unwrap();
        assert!(store.set_ban(&act("lobby", "unban", "troll", 12), "troll", None).unwrap());
        assert!(!store.set_ban(&act("lobby", "unban", "troll", 12), "troll", None).unwrap());
        let rec = again.room("lobby").unwrap();
        assert!(rec.moderators.is_empty() && rec.bans.is_empty());
        assert_eq!(rec.members.len(), 1);
        let log: Vec<String> = again.log_of("lobby", 100).unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(log, ["unban", "unmoderator", "ban", "member", "member", "moderator", "private", "topic", "create"]);
        let newest = &again.log_of("lobby", 2).unwrap();
        assert_eq!(newest.len(), 2);
        assert_eq!((newest[0].at, newest[0].by.as_str(), newest[0].target.as_str()), (12, "ann", "troll"));
        assert!(again.log_of("other", 10).unwrap().is_empty());
        // a kick changes nothing stored and is logged
        store.log(&act("other", "kick", "zed", 13)).unwrap();
        assert_eq!(store.log_of("other", 10).unwrap()[0].action, "kick");
        assert_eq!(store.room("other").unwrap(), RoomRecord::default());
        // a guest's room gets its row when first changed
        store.set_topic(&act("guests", "topic", "t", 14), "t").unwrap();
        let rec = store.room("guests").unwrap();
        assert_eq!((rec.owner, rec.topic.as_str(), rec.private), (None, "t", false));
    }

    fn a_removed_message_is_blanked_and_marked(db: &TestDb) {
        let store = open(db);
        db.post("lobby", 1, "bob", "spam", 1);
        db.post("other", 1, "bob", "spam", 1);
        assert_eq!(store.remove_message(&act("lobby", "remove", "lobby-1", 2), "lobby-1").unwrap(), Some(1));
        assert_eq!(store.remove_message(&act("lobby", "remove", "nope", 2), "nope").unwrap(), None);
        assert_eq!(store.remove_message(&act("lobby", "remove", "other-1", 2), "other-1").unwrap(), None, "another room's message");
        assert_eq!(db.message("lobby", "lobby-1"), Some((crate::moderation::REMOVED_KIND.to_owned(), String::new())));
        assert_eq!(db.message("other", "other-1"), Some(("text".to_owned(), "spam".to_owned())));
        assert_eq!(store.log_of("lobby", 10).unwrap().len(), 1);
    }

    fn a_deleted_owner_leaves_the_room_unowned(db: &TestDb) {
        let (ann, bob) = (db.account("ann"), db.account("bob"));
        let store = open(db);
        store.claim("lobby", (ann, "ann"), 1).unwrap();
        store.set_role(&act("lobby", "moderator", "bob", 2), (bob, "bob"), StoredRole::Moderator, true).unwrap();
        db.execute("DELETE FROM accounts");
        let rec = store.room("lobby").unwrap();
        assert_eq!((rec.owner, rec.moderators.len()), (None, 0));
        let bob2 = db.account("bob2");
        store.claim("lobby", (bob2, "bob2"), 3).unwrap();
        assert_eq!(store.room("lobby").unwrap().owner, Some((bob2, "bob2".into())));
    }

    /// Two stores on one database (two nodes), eight accounts claiming one room at once:
    /// one owner, one `create` in the log.
    fn claims_at_once_on_two_nodes_make_one_owner(db: &TestDb) {
        let ids: Vec<i64> = (0..8).map(|i| db.account(&format!("u{i}"))).collect();
        let stores = [open(db), open(db)];
        let start = std::sync::Barrier::new(ids.len());
        std::thread::scope(|s| {
            for (i, id) in ids.iter().enumerate() {
                let (store, start, name) = (&stores[i % 2], &start, format!("u{i}"));
                s.spawn(move || {
                    start.wait();
                    store.claim("lobby", (*id, &name), 1).unwrap();
                });
            }
        });
        let owner = stores[0].room("lobby").unwrap().owner.map(|(id, _)| id);
        assert!(owner.is_some_and(|o| ids.contains(&o)), "{owner:?}");
        assert_eq!(stores[1].log_of("lobby", 100).unwrap().len(), 1);
    }
}
