//! Reactions (Banter extension; `docs/protocol.md` § 13): a signed-in member toggles an emoji
//! on a message; everyone's Banter sockets hear the message's reactions, and history carries
//! them. A server that serves it lists [`FEATURE`]. Classic clients see none of it.

use serde::{Deserialize, Serialize};

/// Listed in `features` by servers that serve [`REACT`].
pub const FEATURE: &str = "reactions";

/// Client → server: [`ReactRequest`]; ack `[null, Reactions]` or `[error]`.
pub const REACT: &str = "banter:react";
/// Server → the room's Banter sockets: [`Reactions`], the message's reactions after a change.
pub const REACTIONS: &str = "banter:reactions";

/// Most different emoji on one message.
pub const MAX_KINDS: usize = 20;
/// Longest emoji, in bytes (a family or a flag with its joiners).
pub const MAX_EMOJI_BYTES: usize = 32;

pub const ERR_GUEST: &str = "Sign in to react to messages.";
pub const ERR_BAD_EMOJI: &str = "A reaction is one emoji.";
pub const ERR_TOO_MANY: &str = "At most 20 different reactions on one message.";

/// [`REACT`] payload: `on` adds the reaction, `false` takes it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactRequest {
    pub room: String,
    pub id: String,
    pub emoji: String,
    pub on: bool,
}

/// One emoji on a message and who reacted with it, in the order they did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    pub users: Vec<String>,
}

/// The ack of [`REACT`] and the [`REACTIONS`] event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reactions {
    pub room: String,
    pub id: String,
    pub seq: u64,
    pub reactions: Vec<Reaction>,
}

/// Whether `s` can be a reaction: one short emoji sequence, not text. No ASCII letters,
/// digits, spaces or controls (a keycap, `#️⃣`, is the one sequence with an ASCII part).
pub fn is_emoji(s: &str) -> bool {
    if s.is_empty() || s.len() > MAX_EMOJI_BYTES || s.chars().count() > 10 {
        return false;
    }
    if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let keycap = s.contains('\u{20E3}');
    s.chars().all(|c| !c.is_ascii() || keycap) && s.chars().any(|c| !c.is_ascii() && !c.is_alphabetic() || c == '\u{20E3}')
}

/// `reactions` with `name`'s `emoji` added (`on`) or taken back; `Err` when it would make
/// more than [`MAX_KINDS`] kinds. Emoji keep the order they first came in.
pub fn toggle(reactions: &[Reaction], emoji: &str, name: &str, on: bool) -> Result<Vec<Reaction>, &'static str> {
    let mut out = reactions.to_vec();
    match out.iter_mut().find(|r| r.emoji == emoji) {
        Some(r) if on && !r.users.iter().any(|u| u == name) => r.users.push(name.to_owned()),
        Some(_) if on => {}
        Some(r) => r.users.retain(|u| u != name),
        None if on => {
            if out.len() >= MAX_KINDS {
                return Err(ERR_TOO_MANY);
            }
            out.push(Reaction { emoji: emoji.to_owned(), users: vec![name.to_owned()] });
        }
        None => {}
    }
    out.retain(|r| !r.users.is_empty());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_and_not_text() {
        for ok in ["👍", "❤️", "🎉", "👨‍👩‍👧", "🇫🇷", "#️⃣", "✅"] {
            assert!(is_emoji(ok), "{ok}");
        }
        for bad in ["", "ok", "+1", " 👍", "👍 ", "a👍", "漢", "é", "\u{7}", &"👍".repeat(9), "<b>"] {
            assert!(!is_emoji(bad), "{bad:?}");
        }
    }

    #[test]
    fn toggling() {
        let r = toggle(&[], "👍", "ann", true).unwrap();
        let r = toggle(&r, "👍", "bob", true).unwrap();
        let r = toggle(&r, "👍", "ann", true).unwrap();
        assert_eq!(r, vec![Reaction { emoji: "👍".into(), users: vec!["ann".into(), "bob".into()] }]);
        let r = toggle(&r, "🎉", "ann", true).unwrap();
        let r = toggle(&r, "👍", "ann", false).unwrap();
        let r = toggle(&r, "👍", "bob", false).unwrap();
        assert_eq!(r, vec![Reaction { emoji: "🎉".into(), users: vec!["ann".into()] }]);
        let many: Vec<Reaction> = (0..MAX_KINDS).map(|i| Reaction { emoji: format!("e{i}"), users: vec!["x".into()] }).collect();
        assert_eq!(toggle(&many, "🆕", "ann", true), Err(ERR_TOO_MANY));
        assert!(toggle(&many, "e1", "ann", true).is_ok());
    }
}
