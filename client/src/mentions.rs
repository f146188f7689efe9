//! Mentions (issue 10 item 1): whether a message pings this user, and why. `@name` anywhere
//! in the text (not inside a word or an address: `ann@example.org` is no mention), any case,
//! with the name as servers compare names (trimmed, lower case); `@here` from the room's
//! owner or a moderator (from anyone else it pings nobody); a personal keyword (a setting)
//! as a whole word. Never your own message. Code spans and blocks do not ping (markdown's
//! `code` is quoted text), nor a quoted reply's excerpt (only the reply's own text is given).

use crate::markdown::{self, Node};

/// Why a message pings you, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ping {
    /// `@you`.
    Name,
    /// `@here` from an owner or a moderator.
    Here,
    /// One of your keywords, as it was written in the settings.
    Keyword(String),
}

/// Who is who, for [`ping`].
pub struct Context<'a> {
    /// Your name in the room.
    pub me: &'a str,
    /// Your keywords (whole words, any case).
    pub keywords: &'a [String],
    /// The room's owner and moderators (their `@here` counts).
    pub owner: Option<&'a str>,
    pub moderators: &'a [String],
}

/// Whether `text`, sent by `sender`, pings you (and why); `None` for your own message.
pub fn ping(text: &str, sender: &str, cx: &Context<'_>) -> Option<Ping> {
    let me = banter_protocol::rules::normalise_name(cx.me);
    let sender = banter_protocol::rules::normalise_name(sender);
    if me.is_empty() || sender == me {
        return None;
    }
    let prose = prose(text);
    let names = mentioned(&prose);
    if names.contains(&me) {
        return Some(Ping::Name);
    }
    let privileged = cx.owner.is_some_and(|o| banter_protocol::rules::normalise_name(o) == sender)
        || cx.moderators.iter().any(|m| banter_protocol::rules::normalise_name(m) == sender);
    if privileged && names.iter().any(|n| n == "here") {
        return Some(Ping::Here);
    }
    let words: Vec<String> = words(&prose).map(str::to_lowercase).collect();
    cx.keywords
        .iter()
        .find(|k| {
            let k = k.trim().to_lowercase();
            !k.is_empty() && words.contains(&k)
        })
        .map(|k| Ping::Keyword(k.clone()))
}

/// The names `@`-mentioned in `text` (lower case, in order, repeats kept).
pub fn mentioned(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' && (i == 0 || !is_name_char(chars[i - 1])) {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && is_name_char(chars[end]) && end - start < banter_protocol::rules::MAX_USERNAME_CHARS {
                end += 1;
            }
            // an address (`@example.org`) is not a mention
            let address = end < chars.len() && chars[end] == '.' && chars.get(end + 1).is_some_and(|c| c.is_alphanumeric());
            if end > start && !address {
                out.push(chars[start..end].iter().collect::<String>().to_lowercase());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Characters a mentioned name is made of (names may hold more, but a mention ends at
/// spaces and punctuation, as completion writes it).
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-').filter(|w| !w.is_empty())
}

/// The text of a message without its code (spans and blocks).
fn prose(text: &str) -> String {
    let tree = markdown::parse(text);
    let mut out = String::new();
    let mut stack: Vec<&Node> = tree.iter().rev().collect();
    while let Some(n) = stack.pop() {
        match n {
            Node::Code { .. } | Node::CodeBlock { .. } => out.push(' '),
            Node::Text { text } => out.push_str(text),
            Node::Break | Node::Rule => out.push(' '),
            Node::Link { href, children } => {
                // a mailto: link's text is an address, not a mention
                if href.starts_with("mailto:") {
                    out.push(' ');
                } else {
                    stack.extend(children.iter().rev());
                }
            }
            other => {
                out.push(' ');
                stack.extend(other.children().iter().rev());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx<'a>(keywords: &'a [String], moderators: &'a [String]) -> Context<'a> {
        Context { me: "Ann", keywords, owner: Some("olga"), moderators }
    }

    #[test]
    fn names_here_and_keywords() {
        let none: [String; 0] = [];
        let mods = ["max".to_string()];
        let c = cx(&none, &mods);
        assert_eq!(ping("hey @ann, lunch?", "bob", &c), Some(Ping::Name));
        assert_eq!(ping("hey @ANN!", "bob", &c), Some(Ping::Name));
        assert_eq!(ping("(@ann)", "bob", &c), Some(Ping::Name));
        assert_eq!(ping("hey @anna", "bob", &c), None, "another name");
        assert_eq!(ping("mail ann@example.org", "bob", &c), None);
        assert_eq!(ping("mail @example.org", "bob", &c), None);
        assert_eq!(ping("`@ann` is how you ping", "bob", &c), None, "code is quoted");
        assert_eq!(ping("```\n@ann\n```", "bob", &c), None);
        assert_eq!(ping("@ann talking to myself", "ann", &c), None, "never your own");
        assert_eq!(ping("@here standup", "olga", &c), Some(Ping::Here), "the owner");
        assert_eq!(ping("@here standup", "max", &c), Some(Ping::Here), "a moderator");
        assert_eq!(ping("@here look at me", "bob", &c), None, "anyone else");
        let kw = ["Release".to_string()];
        let c = cx(&kw, &none);
        assert_eq!(ping("the release is out", "bob", &c), Some(Ping::Keyword("Release".into())));
        assert_eq!(ping("the releases are out", "bob", &c), None, "whole words");
        assert_eq!(mentioned("@a @b-c @d_e x@y @"), ["a", "b-c", "d_e"]);
        assert_eq!(mentioned(&format!("@{}", "x".repeat(100))).len(), 1, "bounded");
    }
}
