//! Search (Banter extension; `docs/protocol.md` § 11): full-text search over the messages
//! of every room and DM the socket may read, newest first. A server that serves it lists
//! [`FEATURE`].
//!
//! The query is words, all of which must appear (the last one may be the start of a word),
//! and filters: `from:NAME`, `in:ROOM`, `before:YYYY-MM-DD`, `after:YYYY-MM-DD` (UTC days).
//! Anything else is a word: the server never reads the query as its index's own syntax.

use serde::{Deserialize, Serialize};

/// Listed in `features` by servers that serve [`SEARCH`].
pub const FEATURE: &str = "search";

/// Client → server: [`SearchRequest`]; ack `[null, SearchResults]` or `[error]`.
pub const SEARCH: &str = "banter:search";

/// Most results one search returns.
pub const MAX_RESULTS: u32 = 100;
/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 256;

pub const ERR_EMPTY: &str = "Say what to search for (words, with from:, in:, before: or after: to narrow it).";
pub const ERR_TOO_LONG: &str = "The search is too long (at most 256 characters)!";
pub const ERR_BAD_DATE: &str = "Dates in before: and after: are written YYYY-MM-DD.";

/// [`SEARCH`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchRequest {
    pub query: String,
    /// Only this room or DM (as `in:` does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// At most this many results (1 to [`MAX_RESULTS`], default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A run of a result's text: `hit` when it is one of the words searched for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hit: bool,
}

/// One message found, with the part of its text around the words found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub room: String,
    pub id: String,
    pub seq: u64,
    pub username: String,
    pub created_at: i64,
    pub snippet: Vec<Segment>,
}

/// The ack of [`SEARCH`]: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
}

/// A query taken apart: its words and its filters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub words: Vec<String>,
    pub from: Option<String>,
    pub room: Option<String>,
    /// Milliseconds since the epoch: messages before the start of that UTC day.
    pub before: Option<i64>,
    /// Messages from the start of the day after that UTC day on (`after:2026-11-30` is
    /// from December 1st).
    pub after: Option<i64>,
}

impl Query {
    /// Parses a query; the error is one of the `ERR_` texts.
    pub fn parse(raw: &str) -> Result<Query, &'static str> {
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(ERR_TOO_LONG);
        }
        let mut q = Query::default();
        for token in raw.split_whitespace() {
            let lower = token.to_lowercase();
            if let Some(v) = lower.strip_prefix("from:").filter(|v| !v.is_empty()) {
                q.from = Some(crate::rules::normalise_name(v.trim_start_matches('@')));
            } else if let Some(v) = lower.strip_prefix("in:").filter(|v| !v.is_empty()) {
                q.room = Some(crate::rules::normalise_name(v.trim_start_matches('#')));
            } else if let Some(v) = lower.strip_prefix("before:") {
                q.before = Some(day_start(v).ok_or(ERR_BAD_DATE)?);
            } else if let Some(v) = lower.strip_prefix("after:") {
                q.after = Some(day_start(v).ok_or(ERR_BAD_DATE)? + DAY_MS);
            } else {
                let word: String = token.chars().filter(|c| !c.is_control()).collect();
                if !word.is_empty() {
                    q.words.push(word);
                }
            }
        }
        if q.words.is_empty() && q.from.is_none() {
            return Err(ERR_EMPTY);
        }
        Ok(q)
    }
}

const DAY_MS: i64 = 86_400_000;

/// Milliseconds since the epoch at the start of the UTC day `YYYY-MM-DD`.
fn day_start(s: &str) -> Option<i64> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1970..=9999).contains(&y) {
        return None;
    }
    // days from civil (Howard Hinnant's algorithm)
    let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_words_and_filters() {
        let q = Query::parse("release plan from:@Ann in:#Lobby after:2026-11-30 before:2026-12-02").unwrap();
        assert_eq!(q.words, ["release", "plan"]);
        assert_eq!((q.from.as_deref(), q.room.as_deref()), (Some("ann"), Some("lobby")));
        assert_eq!(q.after, Some(1_796_083_200_000), "from the start of 2026-12-01 UTC");
        assert_eq!(q.before, Some(1_796_169_600_000), "before the start of 2026-12-02 UTC");
        assert_eq!(Query::parse("from:bob").unwrap().words, Vec::<String>::new());
        assert_eq!(Query::parse("   "), Err(ERR_EMPTY));
        assert_eq!(Query::parse("in:lobby"), Err(ERR_EMPTY));
        assert_eq!(Query::parse("x before:yesterday"), Err(ERR_BAD_DATE));
        assert_eq!(Query::parse("x after:2026-13-01"), Err(ERR_BAD_DATE));
        assert_eq!(Query::parse(&"x".repeat(257)), Err(ERR_TOO_LONG));
        // index syntax is words like any other
        assert_eq!(Query::parse(r#"NEAR( "a" OR b* ^c"#).unwrap().words, ["NEAR(", "\"a\"", "OR", "b*", "^c"]);
        assert_eq!(day_start("1970-01-01"), Some(0));
    }
}
