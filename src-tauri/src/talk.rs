//! The conversation features' views (issue 10), pure: a message's markdown tree, its
//! reactions as you see them, the line a reply quotes, whether it pings you, search hits
//! from the server, and the search of the lines this app holds (classic servers).

use banter_client::{markdown, mentions};
use banter_protocol::ext::ReplyRef;
use banter_protocol::reactions::Reaction;
use banter_protocol::rules::normalise_name;
use banter_protocol::search::{Query, SearchHit};

use crate::ipc::{MdNode, MessageKind, MessageView, ReactionView, ReplyView, RoomInfoView, SearchHitView, SnippetPart};

/// Most lines a local search returns.
pub const LOCAL_RESULTS: usize = 50;
/// Characters of context kept on each side of the first match in a local result.
const CONTEXT_CHARS: usize = 60;

/// The markdown tree of a text message (none for the other kinds).
pub fn body_of(kind: MessageKind, text: &str) -> Vec<MdNode> {
    match kind {
        MessageKind::Text => markdown::parse(text),
        _ => Vec::new(),
    }
}

/// Reactions as `me` sees them: counts, whether I am among them, who.
pub fn reactions_view(reactions: &[Reaction], me: &str) -> Vec<ReactionView> {
    let me = normalise_name(me);
    reactions
        .iter()
        .filter(|r| !r.users.is_empty())
        .map(|r| ReactionView {
            emoji: r.emoji.clone(),
            count: u32::try_from(r.users.len()).unwrap_or(u32::MAX),
            mine: !me.is_empty() && r.users.iter().any(|u| normalise_name(u) == me),
            users: r.users.clone(),
        })
        .collect()
}

/// The quoted line of a reply: its excerpt as plain text (no `**` or backticks).
pub fn reply_view(r: &ReplyRef) -> ReplyView {
    ReplyView { id: r.id.clone(), seq: r.seq, username: r.username.clone(), excerpt: plain_line(&r.excerpt), removed: r.removed }
}

/// A line of markdown as the plain text it shows.
pub fn plain_line(text: &str) -> String {
    let plain = markdown::plain(&markdown::parse(text));
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a message from `sender` pings `me` in a room with these settings.
pub fn pings_me(text: &str, sender: &str, me: &str, keywords: &[String], info: Option<&RoomInfoView>) -> bool {
    let moderators = info.map_or(&[][..], |i| i.moderators.as_slice());
    let cx = mentions::Context { me, keywords, owner: info.and_then(|i| i.owner.as_deref()), moderators };
    mentions::ping(text, sender, &cx).is_some()
}

/// A server's search hit, ready to show.
pub fn hit_view(server: &str, label: String, hit: SearchHit) -> SearchHitView {
    SearchHitView {
        server: server.to_owned(),
        room: hit.room,
        label,
        id: hit.id,
        seq: Some(hit.seq),
        username: hit.username,
        created_at: hit.created_at,
        when: when(hit.created_at),
        parts: hit.snippet.into_iter().map(|s| SnippetPart { text: s.text, hit: s.hit }).collect(),
    }
}

fn when(created_at: i64) -> String {
    let (time, _, day_label) = crate::format::stamp(created_at);
    format!("{day_label} · {time}")
}

/// Searches the lines this app holds (a classic server has no index): every word of the
/// query in the text (any case; the last may be the start of a word), with the query's
/// `from:`, `in:`, `before:`, `after:`; newest first. `lines`: (room, its label, the line).
pub fn search_lines<'a>(
    server: &str,
    query: &str,
    lines: impl Iterator<Item = (&'a str, &'a str, &'a MessageView)>,
) -> Result<Vec<SearchHitView>, &'static str> {
    let q = Query::parse(query)?;
    let words: Vec<String> = q.words.iter().map(|w| w.to_lowercase()).collect();
    let mut hits: Vec<SearchHitView> = lines
        .filter(|(room, _, m)| {
            m.kind == MessageKind::Text
                && !m.removed
                && q.room.as_deref().is_none_or(|r| normalise_name(r) == normalise_name(room))
                && q.from.as_deref().is_none_or(|f| normalise_name(f) == normalise_name(&m.username))
                && q.before.is_none_or(|b| m.created_at < b)
                && q.after.is_none_or(|a| m.created_at >= a)
        })
        .filter_map(|(room, label, m)| {
            let lower = m.text.to_lowercase();
            let last = words.len().saturating_sub(1);
            let all = words.iter().enumerate().all(|(i, w)| if i == last { lower.contains(w.as_str()) } else { has_word(&lower, w) });
            (all && !words.is_empty()).then(|| SearchHitView {
                server: server.to_owned(),
                room: room.to_owned(),
                label: label.to_owned(),
                id: m.id.clone(),
                seq: m.seq,
                username: m.username.clone(),
                created_at: m.created_at,
                when: when(m.created_at),
                parts: snippet(&m.text, &words),
            })
        })
        .collect();
    hits.sort_by_key(|h| std::cmp::Reverse(h.created_at));
    hits.truncate(LOCAL_RESULTS);
    Ok(hits)
}

/// `word` as a whole word of `text` (both lower case).
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The text around the first match, cut into plain and matched runs (every occurrence of
/// a searched word inside the cut is marked).
fn snippet(text: &str, words: &[String]) -> Vec<SnippetPart> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let wchars: Vec<Vec<char>> = words.iter().filter(|w| !w.is_empty()).map(|w| w.chars().collect()).collect();
    let at = |i: usize| wchars.iter().find(|w| lower[i..].starts_with(w)).map(Vec::len);
    let first = (0..lower.len()).find(|&i| at(i).is_some()).unwrap_or(0);
    let start = first.saturating_sub(CONTEXT_CHARS);
    let end = (first + CONTEXT_CHARS * 2).min(chars.len());
    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut push = |text: String, hit: bool| match parts.last_mut() {
        Some(p) if p.hit == hit => p.text.push_str(&text),
        _ => parts.push(SnippetPart { text, hit }),
    };
    if start > 0 {
        push("…".into(), false);
    }
    let mut i = start;
    while i < end {
        match at(i) {
            Some(n) => {
                let n = n.min(end - i);
                push(chars[i..i + n].iter().collect(), true);
                i += n;
            }
            None => {
                push(chars[i].to_string(), false);
                i += 1;
            }
        }
    }
    if end < chars.len() {
        push("…".into(), false);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, user: &str, text: &str, at: i64) -> MessageView {
        let mut m = crate::core::view(id.into(), "lobby", Some(1), user.into(), MessageKind::Text, text.into(), at, false);
        m.body.clear();
        m
    }

    #[test]
    fn reactions_say_whether_they_are_mine_whatever_the_case() {
        let r = vec![
            Reaction { emoji: "👍".into(), users: vec!["Ann".into(), "bob".into()] },
            Reaction { emoji: "🎉".into(), users: vec!["bob".into()] },
            Reaction { emoji: "x".into(), users: vec![] },
        ];
        let v = reactions_view(&r, "ann");
        assert_eq!(v.len(), 2, "an emoji nobody holds is not shown");
        assert_eq!((v[0].count, v[0].mine), (2, true));
        assert_eq!((v[1].count, v[1].mine), (1, false));
    }

    #[test]
    fn a_quoted_line_is_plain_text() {
        let r = ReplyRef { id: "a".into(), seq: 1, username: "bob".into(), excerpt: "**bold** and `code`\nnext".into(), removed: false };
        assert_eq!(reply_view(&r).excerpt, "bold and code next");
    }

    #[test]
    fn mentions_of_me_by_name_keyword_or_here_from_a_moderator() {
        let info = RoomInfoView { owner: Some("cy".into()), topic: String::new(), private: false, moderators: vec!["dee".into()], role: None, members: None };
        assert!(pings_me("hey @Ann, look", "bob", "ann", &[], Some(&info)));
        assert!(!pings_me("mail ann@example.org", "bob", "ann", &[], Some(&info)));
        assert!(!pings_me("@ann my own", "ann", "ann", &[], Some(&info)), "never my own message");
        assert!(pings_me("@here standup", "dee", "ann", &[], Some(&info)));
        assert!(!pings_me("@here standup", "bob", "ann", &[], Some(&info)), "@here from anyone else pings nobody");
        assert!(pings_me("the Deploy is done", "bob", "ann", &["deploy".into()], None));
        assert!(!pings_me("`@ann` in code", "bob", "ann", &[], None));
    }

    #[test]
    fn local_search_finds_words_with_filters_newest_first_and_marks_them() {
        let lines = [
            ("lobby", line("1", "bob", "The deploy went fine", 1_000)),
            ("lobby", line("2", "ann", "next deploy on friday", 3_000)),
            ("random", line("3", "bob", "deployment notes", 2_000)),
            ("random", line("4", "bob", "<script>alert(1)</script> deploy", 4_000)),
        ];
        let it = || lines.iter().map(|(r, m)| (*r, *r, m));
        let hits = search_lines("http://s", "deploy", it()).unwrap();
        assert_eq!(hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["4", "2", "3", "1"], "the last word may be a prefix");
        assert_eq!(hits[1].parts, vec![SnippetPart { text: "next ".into(), hit: false }, SnippetPart { text: "deploy".into(), hit: true }, SnippetPart { text: " on friday".into(), hit: false }]);
        let from = search_lines("http://s", "from:ann deploy", it()).unwrap();
        assert_eq!(from.len(), 1);
        let inroom = search_lines("http://s", "deploy in:random", it()).unwrap();
        assert_eq!(inroom.len(), 2);
        let whole = search_lines("http://s", "deploy notes", it()).unwrap();
        assert_eq!(whole.len(), 0, "an earlier word is a whole word: deployment is not deploy");
        assert!(search_lines("http://s", "  ", it()).is_err());
        assert!(search_lines("http://s", "before:yesterday x", it()).is_err());
        // the index's own syntax is just text here
        assert!(search_lines("http://s", "NEAR( \"x* OR", it()).unwrap().is_empty());
    }

    #[test]
    fn a_long_line_is_cut_around_its_first_match() {
        let text = format!("{} needle {}", "a".repeat(500), "b".repeat(500));
        let parts = snippet(&text, &["needle".into()]);
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert!(joined.starts_with('…') && joined.ends_with('…'));
        assert!(joined.chars().count() < 200);
        assert!(parts.iter().any(|p| p.hit && p.text == "needle"));
    }
}

#[cfg(test)]
mod hostile {
    /// The e2e suite's line: markdown, inline HTML and a mention.
    #[test]
    fn a_line_with_markdown_html_and_a_mention() {
        let t = "**bold** and `code` <script>window.__pwned=1</script> @ann have a look";
        assert!(super::pings_me(t, "bob", "ann", &[], None));
        let body = super::body_of(crate::ipc::MessageKind::Text, t);
        assert!(matches!(body.as_slice(), [crate::ipc::MdNode::Paragraph { .. }]), "{body:?}");
    }
}
