//! The PostgreSQL [`SearchStore`]: PostgreSQL's own full-text search over the `messages`
//! table of `crate::store::pg_schema` (component `search`). A GIN expression index over the
//! text messages' words is kept by PostgreSQL in the transaction that stores a message, and
//! a removed message (its kind no longer `text`) leaves it, so no write path knows about
//! search, as with SQLite's triggers.
//!
//! Words are what SQLite's `unicode61` tokenizer finds: runs of letters and digits, folded
//! to lower case without accents (a text search configuration `banter_search`: `simple`
//! after `unaccent`, the contrib extension, trusted since PostgreSQL 13, so the database's
//! owner may create it); `.`, `/`, `@`, `:` and `\` separate words, where PostgreSQL's
//! parser would read `notes.txt` or `ann@example.org` as one word.

use banter_protocol::search::{Query, SearchHit};

use super::store::{segments, SearchStore, HIT_END, HIT_START};
use crate::error::ServerError;
use crate::pg::{to_u64, Pg};

/// A message's words as the index has them (the query must say it the same way for the
/// planner to use the index).
macro_rules! document {
    () => {
        "to_tsvector('banter_search'::regconfig, translate(text, './@:\\', '     '))"
    };
}

/// Migration `i` takes the search schema from version `i` to `i + 1`. The first indexes the
/// messages already stored.
const MIGRATIONS: &[&str] = &[concat!(
    "CREATE EXTENSION IF NOT EXISTS unaccent;
    CREATE TEXT SEARCH CONFIGURATION banter_search (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION banter_search
        ALTER MAPPING FOR asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, hword_numpart
        WITH unaccent, simple;
    CREATE INDEX message_text_search ON messages USING GIN ((",
    document!(),
    ")) WHERE kind = 'text';
    -- newest first without sorting every match of a common word
    CREATE INDEX message_search_by_time ON messages (created_at) WHERE kind = 'text';"
)];

const COMPONENT: &str = "search";

/// The indexes search adds, whose size [`SearchStore::index_bytes`] gives.
const INDEXES: &[&str] = &["message_text_search", "message_search_by_time"];

/// Words of a snippet around the words found (as SQLite's `snippet(…, 16)`).
const HEADLINE_WORDS: (u32, u32) = (8, 16);

pub struct PgSearchStore {
    pg: Pg,
}

impl PgSearchStore {
    /// Opens the index, after the message tables (whose `messages` it indexes).
    pub async fn open(pg: &Pg) -> Result<Self, ServerError> {
        pg.migrate(COMPONENT, MIGRATIONS).await?;
        Ok(Self { pg: pg.clone() })
    }
}

/// The `to_tsquery` text for the words, as `super::store::match_expression` has them for
/// FTS5: every word required, a word of several runs of letters and digits as a phrase, the
/// last run also as the start of a word. Only letters and digits go in, each run quoted, so
/// nothing a client typed is read as query syntax. `None` when no word has a letter or digit.
pub fn tsquery_text(words: &[String]) -> Option<String> {
    let terms: Vec<Vec<&str>> = words
        .iter()
        .map(|w| w.split(|c: char| !c.is_alphanumeric()).filter(|run| !run.is_empty()).collect::<Vec<_>>())
        .filter(|runs| !runs.is_empty())
        .collect();
    let last = terms.len().checked_sub(1)?;
    let term = |(i, runs): (usize, &Vec<&str>)| -> String {
        let n = runs.len();
        let quoted: Vec<String> = runs
            .iter()
            .enumerate()
            .map(|(j, run)| if i == last && j + 1 == n { format!("'{run}':*") } else { format!("'{run}'") })
            .collect();
        quoted.join(" <-> ")
    };
    Some(terms.iter().enumerate().map(term).collect::<Vec<_>>().join(" & "))
}

/// The conditions every search has: `$2` the rooms, `$3` the hidden names, `$4` from, `$5`
/// before, `$6` after.
const FILTERS: &str = "m.kind = 'text'
    AND m.room = ANY($2)
    AND m.username <> ALL($3)
    AND ($4::TEXT IS NULL OR m.username = $4)
    AND ($5::BIGINT IS NULL OR m.created_at < $5)
    AND ($6::BIGINT IS NULL OR m.created_at >= $6)";

/// Newest first (the order they were written in, as SQLite's rowid order).
const ORDER: &str = "ORDER BY created_at DESC, seq DESC";

impl SearchStore for PgSearchStore {
    fn search(&self, query: &Query, rooms: &[String], hidden: &[String], limit: u32) -> Result<Vec<SearchHit>, ServerError> {
        if rooms.is_empty() {
            return Ok(Vec::new());
        }
        let tsquery = tsquery_text(&query.words);
        if tsquery.is_none() && !query.words.is_empty() {
            return Ok(Vec::new()); // words without a letter or digit: nothing to find
        }
        let sql = match tsquery {
            // the snippets of the rows kept only: a headline reads the whole text again
            Some(_) => format!(
                "SELECT room, seq, username, created_at, id,
                        ts_headline('banter_search'::regconfig, text, to_tsquery('banter_search'::regconfig, $1), $8)
                 FROM (SELECT m.room, m.seq, m.username, m.created_at, m.id, m.text FROM messages m
                       WHERE {document} @@ to_tsquery('banter_search'::regconfig, $1) AND {FILTERS}
                       {ORDER} LIMIT $7) found
                 {ORDER}",
                document = document!()
            ),
            // only filters (from:): the newest of that name, whole texts as snippets
            None => format!(
                "SELECT m.room, m.seq, m.username, m.created_at, m.id, substr(m.text, 1, 200) FROM messages m
                 WHERE $1::TEXT IS NULL AND {FILTERS} {ORDER} LIMIT $7"
            ),
        };
        let headline = tsquery.is_some();
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tsquery)
            .bind(rooms)
            .bind(hidden)
            .bind(query.from.as_deref())
            .bind(query.before)
            .bind(query.after)
            .bind(i64::from(limit));
        // `$8`: how to mark the words found
        let q = if headline {
            q.bind(format!("StartSel={HIT_START}, StopSel={HIT_END}, MinWords={}, MaxWords={}", HEADLINE_WORDS.0, HEADLINE_WORDS.1))
        } else {
            q
        };
        let rows: Vec<(String, i64, String, i64, String, String)> = self.pg.block(q.fetch_all(self.pg.pool()))?;
        Ok(rows
            .into_iter()
            .map(|(room, seq, username, created_at, id, snippet)| SearchHit {
                room,
                seq: to_u64(seq),
                username,
                created_at,
                id,
                snippet: segments(&snippet),
            })
            .collect())
    }

    fn index_bytes(&self) -> Result<u64, ServerError> {
        let q = sqlx::query_scalar("SELECT COALESCE(SUM(pg_relation_size(to_regclass(i))), 0)::BIGINT FROM unnest($1::TEXT[]) AS i")
            .bind(INDEXES);
        let bytes: i64 = self.pg.block(q.fetch_one(self.pg.pool()))?;
        Ok(to_u64(bytes))
    }
}
