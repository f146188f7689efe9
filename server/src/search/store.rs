//! The full-text index of messages: SQLite FTS5 in the server's database file, kept by
//! triggers on the `messages` table, so a message is indexed in the same transaction that
//! stores it, and a removed message leaves the index with its text (no write path of the
//! message store or of moderation knows about search). Behind a trait, for another store
//! (the PostgreSQL one of the scale-out work) to implement with its own full-text search.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use banter_protocol::search::{Query, SearchHit, Segment};
use rusqlite::{params, Connection};

use crate::error::ServerError;

/// What search needs from a store.
pub trait SearchStore: Send + Sync {
    /// The newest messages of `rooms` that match `query`, not sent under one of `hidden`
    /// (names the searcher blocks), at most `limit`.
    fn search(&self, query: &Query, rooms: &[String], hidden: &[String], limit: u32) -> Result<Vec<SearchHit>, ServerError>;
    /// Bytes the index takes in the database file (for the benchmark).
    fn index_bytes(&self) -> Result<u64, ServerError>;
}

/// Migration `i` takes the search schema from version `i` to `i + 1`. The first indexes the
/// messages already stored.
const MIGRATIONS: &[&str] = &["
CREATE VIRTUAL TABLE message_fts USING fts5(
    text, room UNINDEXED, seq UNINDEXED, username UNINDEXED, created_at UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
-- (room, seq) to the index's rowid, to take a message out of the index
CREATE TABLE message_fts_ids (
    room TEXT NOT NULL,
    seq  INTEGER NOT NULL,
    fts  INTEGER NOT NULL,
    PRIMARY KEY (room, seq)
) WITHOUT ROWID;
CREATE TRIGGER message_fts_insert AFTER INSERT ON messages WHEN new.kind = 'text' BEGIN
    INSERT INTO message_fts (text, room, seq, username, created_at)
        VALUES (new.text, new.room, new.seq, new.username, new.created_at);
    INSERT INTO message_fts_ids (room, seq, fts) VALUES (new.room, new.seq, last_insert_rowid());
END;
CREATE TRIGGER message_fts_update AFTER UPDATE OF text, kind ON messages BEGIN
    DELETE FROM message_fts WHERE rowid = (SELECT fts FROM message_fts_ids WHERE room = old.room AND seq = old.seq);
    DELETE FROM message_fts_ids WHERE room = old.room AND seq = old.seq;
    INSERT INTO message_fts (text, room, seq, username, created_at)
        SELECT new.text, new.room, new.seq, new.username, new.created_at WHERE new.kind = 'text';
    INSERT INTO message_fts_ids (room, seq, fts) SELECT new.room, new.seq, last_insert_rowid() WHERE new.kind = 'text';
END;
CREATE TRIGGER message_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_fts WHERE rowid = (SELECT fts FROM message_fts_ids WHERE room = old.room AND seq = old.seq);
    DELETE FROM message_fts_ids WHERE room = old.room AND seq = old.seq;
END;
INSERT INTO message_fts (text, room, seq, username, created_at)
    SELECT text, room, seq, username, created_at FROM messages WHERE kind = 'text';
INSERT INTO message_fts_ids (room, seq, fts) SELECT room, seq, rowid FROM message_fts;
"];

const COMPONENT: &str = "search";

/// Marks around the words found in a snippet (control characters a message cannot hold
/// after the index's tokenizer… and that we split on).
pub(crate) const HIT_START: char = '\u{2}';
pub(crate) const HIT_END: char = '\u{3}';

pub struct SqliteSearchStore {
    conn: Mutex<Connection>,
}

impl SqliteSearchStore {
    /// Opens the index in the server's database file, after the message store (whose
    /// `messages` table its triggers watch).
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        let mut conn = crate::sqlite_schema::open_shared(path)?;
        crate::sqlite_schema::migrate(&mut conn, COMPONENT, MIGRATIONS)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The FTS5 expression for the words: each one a quoted string (so nothing in it is read
/// as FTS5 syntax), all required, the last one also as the start of a word.
pub fn match_expression(words: &[String]) -> Option<String> {
    let quoted: Vec<String> = words
        .iter()
        .map(|w| w.replace('"', "\"\""))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{w}\""))
        .collect();
    let (last, rest) = quoted.split_last()?;
    let mut expr = rest.join(" ");
    if !expr.is_empty() {
        expr.push(' ');
    }
    expr.push_str(&format!("{last}*"));
    Some(expr)
}

/// A snippet with marks, as segments.
pub(crate) fn segments(snippet: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut hit = false;
    let mut cur = String::new();
    for c in snippet.chars() {
        if c == HIT_START || c == HIT_END {
            if !cur.is_empty() {
                out.push(Segment { text: std::mem::take(&mut cur), hit });
            }
            hit = c == HIT_START;
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(Segment { text: cur, hit });
    }
    out
}

impl SearchStore for SqliteSearchStore {
    fn search(&self, query: &Query, rooms: &[String], hidden: &[String], limit: u32) -> Result<Vec<SearchHit>, ServerError> {
        if rooms.is_empty() {
            return Ok(Vec::new());
        }
        let rooms_json = serde_json::to_string(rooms).map_err(|e| ServerError::StoreIo(e.to_string()))?;
        let hidden_json = serde_json::to_string(hidden).map_err(|e| ServerError::StoreIo(e.to_string()))?;
        let conn = self.conn();
        let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<SearchHit> {
            let snippet: String = r.get(5)?;
            Ok(SearchHit {
                room: r.get(0)?,
                seq: r.get::<_, i64>(1)?.max(0) as u64,
                username: r.get(2)?,
                created_at: r.get(3)?,
                id: r.get(4)?,
                snippet: segments(&snippet),
            })
        };
        // Newest first by the index's rowid (the order messages were stored in): FTS5 walks
        // a match in rowid order and stops at the limit, where sorting by time would sort
        // every match of a common word first (1.2 s at p99 over a million messages).
        let filters = "AND f.room IN (SELECT value FROM json_each(?2))
               AND f.username NOT IN (SELECT value FROM json_each(?3))
               AND (?4 IS NULL OR f.username = ?4)
               AND (?5 IS NULL OR f.created_at < ?5)
               AND (?6 IS NULL OR f.created_at >= ?6)";
        let expr = match_expression(&query.words);
        if expr.is_none() && !query.words.is_empty() {
            return Ok(Vec::new()); // words without a letter or digit: nothing to find
        }
        let hits = match expr {
            Some(expr) => {
                let sql = format!(
                    "SELECT f.room, f.seq, f.username, f.created_at, m.id,
                            snippet(message_fts, 0, char(2), char(3), '…', 16)
                     FROM message_fts f JOIN messages m ON m.room = f.room AND m.seq = f.seq
                     WHERE message_fts MATCH ?1 {filters}
                     ORDER BY f.rowid DESC LIMIT ?7"
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                let rows = stmt.query_map(params![expr, rooms_json, hidden_json, query.from, query.before, query.after, limit], row)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            }
            // only filters (from:): the newest of that name, whole texts as snippets
            None => {
                let sql = format!(
                    "SELECT f.room, f.seq, f.username, f.created_at, m.id, substr(f.text, 1, 200)
                     FROM message_fts f JOIN messages m ON m.room = f.room AND m.seq = f.seq
                     WHERE ?1 IS NULL {filters}
                     ORDER BY f.rowid DESC LIMIT ?7"
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                let rows = stmt.query_map(params![Option::<String>::None, rooms_json, hidden_json, query.from, query.before, query.after, limit], row)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            }
        };
        Ok(hits)
    }

    fn index_bytes(&self) -> Result<u64, ServerError> {
        // the index's b-tree blocks, its copy of the texts and names, and the id map
        let conn = self.conn();
        let bytes: i64 = conn.query_row(
            "SELECT (SELECT coalesce(sum(length(block)), 0) FROM message_fts_data)
                  + (SELECT coalesce(sum(length(c0) + length(c1) + 8 + length(c3) + 8), 0) FROM message_fts_content)
                  + (SELECT coalesce(sum(length(room) + 16), 0) FROM message_fts_ids)",
            [],
            |r| r.get(0),
        )?;
        Ok(bytes.max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    //! One suite for every implementation: each test runs on SQLite and on PostgreSQL.
    use super::*;
    use crate::membership::test_db::{both, TestDb};
    use crate::search::pg_store::{tsquery_text, PgSearchStore};

    fn open(db: &TestDb) -> Box<dyn SearchStore> {
        if db.is_postgres() {
            Box::new(db.pg().block(PgSearchStore::open(db.pg())).unwrap())
        } else {
            Box::new(SqliteSearchStore::open(db.path()).unwrap())
        }
    }

    fn q(s: &str) -> Query {
        Query::parse(s).unwrap()
    }

    fn seqs(hits: &[SearchHit]) -> Vec<(String, u64)> {
        hits.iter().map(|h| (h.room.clone(), h.seq)).collect()
    }

    both!(messages_are_found_in_readable_rooms_only_and_removed_ones_are_not, words_are_runs_of_letters_and_digits, filters_without_words);
    both!(migrations_run_once);

    fn migrations_run_once(db: &TestDb) {
        drop(open(db));
        drop(open(db));
        assert_eq!(db.version("search"), MIGRATIONS.len() as i64);
    }

    fn messages_are_found_in_readable_rooms_only_and_removed_ones_are_not(db: &TestDb) {
        db.post("lobby", 1, "ann", "The release plan is ready", 1_000);
        db.post("secret", 1, "bob", "the release date is secret", 2_000);
        let search = open(db); // indexes what is stored
        db.post("lobby", 2, "bob", "Réléase notes: see the plan", 3_000);
        let lobby = vec!["lobby".to_string()];
        let hits = search.search(&q("release"), &lobby, &[], 10).unwrap();
        assert_eq!(hits.iter().map(|h| h.seq).collect::<Vec<_>>(), [2, 1], "newest first, accents folded, only lobby");
        assert!(hits[1].snippet.iter().any(|s| s.hit && s.text == "release"), "{:?}", hits[1].snippet);
        assert_eq!(hits[1].snippet.iter().map(|s| s.text.as_str()).collect::<String>(), "The release plan is ready");
        assert_eq!((hits[0].id.as_str(), hits[0].username.as_str(), hits[0].created_at), ("lobby-2", "bob", 3_000));
        assert_eq!(search.search(&q("rel"), &lobby, &[], 10).unwrap().len(), 2, "the last word as a prefix");
        assert_eq!(search.search(&q("rel plan"), &lobby, &[], 10).unwrap().len(), 0, "only the last word as a prefix");
        assert_eq!(search.search(&q("plan rel"), &lobby, &[], 10).unwrap().len(), 2);
        assert_eq!(search.search(&q("release ready"), &lobby, &[], 10).unwrap().len(), 1, "every word");
        assert_eq!(search.search(&q("release from:ann"), &lobby, &[], 10).unwrap().len(), 1);
        assert_eq!(search.search(&q("release"), &lobby, &["bob".into()], 10).unwrap().len(), 1, "hidden names");
        assert_eq!(search.search(&q("release"), &lobby, &[], 1).unwrap().len(), 1, "the limit");
        let both_rooms = vec!["lobby".to_string(), "secret".to_string()];
        let all = search.search(&q("release"), &both_rooms, &[], 10).unwrap();
        assert_eq!(seqs(&all), [("lobby".into(), 2), ("secret".into(), 1), ("lobby".into(), 1)]);
        assert!(search.search(&q("release"), &[], &[], 10).unwrap().is_empty());
        // index syntax is text: no error, no match outside the rooms
        for hostile in [
            r#"NEAR(release plan)"#,
            r#"release" OR "secret"#,
            "^release",
            "release*",
            "\"",
            "*",
            "(",
            "plan -release",
            "AND OR NOT",
            "release' | 'secret",
            "release:* & !plan",
            "'",
            "<->",
            "a\\b",
        ] {
            let r = search.search(&q(hostile), &lobby, &[], 10);
            assert!(r.is_ok(), "{hostile}: {r:?}");
            assert!(r.unwrap().iter().all(|h| h.room == "lobby"), "{hostile}");
        }
        assert_eq!(search.search(&q("release:* & !plan"), &lobby, &[], 10).unwrap().len(), 2, "operators are not read");
        assert!(search.search(&q("*"), &lobby, &[], 10).unwrap().is_empty(), "no word: nothing");
        // a removed message leaves the index
        db.execute("UPDATE messages SET text = '', kind = 'removed' WHERE room = 'lobby' AND seq = 1");
        assert_eq!(search.search(&q("release"), &lobby, &[], 10).unwrap().len(), 1);
        // an edit is found by its new words only
        db.execute("UPDATE messages SET text = 'Shipping notes' WHERE room = 'lobby' AND seq = 2");
        assert_eq!(search.search(&q("shipping"), &lobby, &[], 10).unwrap().len(), 1);
        assert!(search.search(&q("release"), &lobby, &[], 10).unwrap().is_empty());
        assert!(search.index_bytes().unwrap() > 0);
    }

    fn words_are_runs_of_letters_and_digits(db: &TestDb) {
        let search = open(db);
        db.post("r", 1, "ann", "see notes.txt or mail ann@example.org, C:\\dir\\file and v1.2", 1);
        db.post("r", 2, "ann", "ÜBER straße naïve", 2);
        let r = vec!["r".to_string()];
        for word in ["notes", "txt", "notes.txt", "example", "org", "ann", "dir", "file", "v1", "2"] {
            assert_eq!(search.search(&q(word), &r, &[], 10).unwrap().len(), 1, "{word}");
        }
        // (PostgreSQL's unaccent also finds "straße" as "strasse"; SQLite's tokenizer does not)
        for word in ["uber", "Über", "straße", "naive", "NAÏVE"] {
            assert_eq!(search.search(&q(word), &r, &[], 10).unwrap().len(), 1, "{word}");
        }
        assert_eq!(search.search(&q("see txt"), &r, &[], 10).unwrap().len(), 1, "words need not be side by side");
        assert_eq!(search.search(&q("txt.notes"), &r, &[], 10).unwrap().len(), 0, "the runs of one word in order");
    }

    fn filters_without_words(db: &TestDb) {
        let search = open(db);
        db.post("r", 1, "ann", "one more", 1_000);
        db.post("r", 2, "bob", "two more", 2_000);
        db.post("r", 3, "ann", &"x".repeat(300), 3_000);
        db.post("s", 1, "ann", "elsewhere", 4_000);
        db.execute("UPDATE messages SET kind = 'file' WHERE room = 's'");
        let r = vec!["r".to_string(), "s".to_string()];
        let hits = search.search(&q("from:ann"), &r, &[], 10).unwrap();
        assert_eq!(seqs(&hits), [("r".into(), 3), ("r".into(), 1)], "text messages only, newest first");
        assert_eq!(hits[0].snippet.iter().map(|s| s.text.chars().count()).sum::<usize>(), 200);
        assert!(hits[1].snippet.iter().all(|s| !s.hit));
        assert_eq!(seqs(&search.search(&q("from:ann before:1970-01-01"), &r, &[], 10).unwrap()), []);
        let after = Query { after: Some(1_500), ..q("from:ann") };
        assert_eq!(seqs(&search.search(&after, &r, &[], 10).unwrap()), [("r".into(), 3)]);
        let before = Query { before: Some(3_000), ..q("more") };
        assert_eq!(seqs(&search.search(&before, &r, &[], 10).unwrap()), [("r".into(), 2), ("r".into(), 1)]);
    }

    #[test]
    fn match_expressions_quote_every_word() {
        assert_eq!(match_expression(&["a".into(), "b\"c".into()]).as_deref(), Some(r#""a" "b""c"*"#));
        assert_eq!(match_expression(&["*".into(), "(".into()]), None, "nothing searchable");
        assert_eq!(segments("a \u{2}b\u{3} c"), vec![Segment { text: "a ".into(), hit: false }, Segment { text: "b".into(), hit: true }, Segment { text: " c".into(), hit: false }]);
    }

    #[test]
    fn tsqueries_quote_runs_of_letters_and_digits_only() {
        assert_eq!(tsquery_text(&["a".into(), "b'c".into()]).as_deref(), Some("'a' & 'b' <-> 'c':*"));
        assert_eq!(tsquery_text(&["x|y".into(), "z".into()]).as_deref(), Some("'x' <-> 'y' & 'z':*"));
        assert_eq!(tsquery_text(&["Réléase".into()]).as_deref(), Some("'Réléase':*"));
        assert_eq!(tsquery_text(&["*".into(), "(".into(), "'".into()]), None, "nothing searchable");
    }
}
