//! When to show a desktop notification, and what it says. Pure: no Tauri, no clock, no I/O
//! (the caller passes the time in), so every rule is unit-tested here.
//!
//! Rules:
//! - someone *else* joining a room you are in → "NAME joined ROOM" (the headline feature);
//! - a message from someone else while the window is not focused → "NAME in ROOM: text";
//! - a direct message from someone else unless the window is focused *and* shows that DM
//!   → "Direct message from NAME: text" (a DM is named by its other members, never its id);
//! - nothing for your own actions, nothing from the server's "Admin" notices;
//! - nothing in a muted room, nothing at all while do-not-disturb is on;
//! - a burst is coalesced: events are collected for [`COALESCE_MS`] after the first one,
//!   then shown as at most one join notice and one message notice (fifty joins make one
//!   summary, not fifty pop-ups).

use std::collections::{BTreeMap, BTreeSet};

/// How long events are collected before they are shown together.
pub const COALESCE_MS: u64 = 1_200;
/// Longest message excerpt in a notification body, in characters.
pub const EXCERPT_CHARS: usize = 140;
/// How many names a join summary spells out before "and N others".
const NAMES_SHOWN: usize = 3;

/// The user's notification preferences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefs {
    /// Do not disturb: nothing is shown.
    pub dnd: bool,
    /// Notify when someone joins (default on).
    pub on_join: bool,
    /// Notify about messages while the window is not focused (default on).
    pub on_message: bool,
    /// Muted rooms as (server, room).
    pub muted: BTreeSet<(String, String)>,
    /// A mention of you notifies even in a muted room (default on).
    pub mentions: bool,
}

impl Prefs {
    pub fn all_on() -> Self {
        Self { dnd: false, on_join: true, on_message: true, muted: BTreeSet::new(), mentions: true }
    }
}

/// Something that happened in a room you are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub server: String,
    pub room: String,
    /// What a person calls the room: its name, or for a DM its other members ("bob, cy").
    pub label: String,
    /// A direct message.
    pub direct: bool,
    /// Who did it.
    pub username: String,
    /// Your own name in that room (to skip your own actions).
    pub own_username: String,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    Joined,
    /// `mention`: it pings you (`@you`, `@here`, a keyword): shown even in a muted room
    /// while [`Prefs::mentions`] is on (do-not-disturb still silences it).
    Message { text: String, mention: bool },
}

/// Why an event will not be shown (for logs and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    Own,
    System,
    DoNotDisturb,
    Muted,
    Focused,
    Disabled,
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub summary: String,
    pub body: String,
    /// The room (or DM) a click on it opens: the one it is about, or for a summary of
    /// several, the one of its newest event.
    pub server: String,
    pub room: String,
}

/// Collects events and turns bursts into few notices.
#[derive(Debug, Clone)]
pub struct Policy {
    pub prefs: Prefs,
    pending: Vec<Event>,
    first_at: Option<u64>,
}

impl Policy {
    pub fn new(prefs: Prefs) -> Self {
        Self { prefs, pending: Vec::new(), first_at: None }
    }

    /// Offers an event at `now_ms`. `focused`: whether the app window has focus; `shown`:
    /// whether the window shows the event's room. Returns `Err(skip)` when it will never be
    /// shown, `Ok(())` when it is queued.
    pub fn offer(&mut self, ev: Event, focused: bool, shown: bool, now_ms: u64) -> Result<(), Skip> {
        if same_name(&ev.username, &ev.own_username) {
            return Err(Skip::Own);
        }
        if ev.username == banter_protocol::classic::ADMIN {
            return Err(Skip::System);
        }
        if self.prefs.dnd {
            return Err(Skip::DoNotDisturb);
        }
        if self.silenced(&ev) {
            return Err(Skip::Muted);
        }
        match ev.kind {
            EventKind::Joined if !self.prefs.on_join => return Err(Skip::Disabled),
            EventKind::Message { .. } if !self.prefs.on_message => return Err(Skip::Disabled),
            // a DM is seen only where it is open; a room's messages, while the window is focused
            EventKind::Message { .. } if focused && (!ev.direct || shown) => return Err(Skip::Focused),
            EventKind::Joined if ev.direct => return Err(Skip::System),
            _ => {}
        }
        self.first_at.get_or_insert(now_ms);
        self.pending.push(ev);
        Ok(())
    }

    /// Muted and not a mention of you that mentions may break through.
    fn silenced(&self, ev: &Event) -> bool {
        let mention = matches!(ev.kind, EventKind::Message { mention: true, .. }) && self.prefs.mentions;
        !mention && self.prefs.muted.contains(&(ev.server.clone(), ev.room.clone()))
    }

        /// When the pending burst is due, if any.
    pub fn due_at(&self) -> Option<u64> {
        self.first_at.map(|t| t + COALESCE_MS)
    }

    /// The notices to show now: empty until the burst's window has passed. Preferences
    /// changed meanwhile (do-not-disturb switched on, a room muted) still apply.
    pub fn take_due(&mut self, now_ms: u64) -> Vec<Notice> {
        match self.due_at() {
            Some(due) if now_ms >= due => {}
            _ => return Vec::new(),
        }
        self.first_at = None;
        let events = std::mem::take(&mut self.pending);
        if self.prefs.dnd {
            return Vec::new();
        }
        let events: Vec<Event> = events.into_iter().filter(|e| !self.silenced(e)).collect();
        let mut out = Vec::new();
        if let Some(n) = joins_notice(&events) {
            out.push(n);
        }
        if let Some(n) = messages_notice(&events) {
            out.push(n);
        }
        out
    }
}

fn same_name(a: &str, b: &str) -> bool {
    banter_protocol::rules::normalise_name(a) == banter_protocol::rules::normalise_name(b)
}

fn joins_notice(events: &[Event]) -> Option<Notice> {
    // room → names in order of arrival, without repeats
    let mut rooms: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == EventKind::Joined) {
        let names = rooms.entry(e.label.as_str()).or_default();
        if !names.contains(&e.username.as_str()) {
            names.push(&e.username);
        }
    }
    let newest = events.iter().rev().find(|e| e.kind == EventKind::Joined)?;
    let (server, room_id) = (newest.server.clone(), newest.room.clone());
    match rooms.len() {
        0 => None,
        1 => {
            let (room, names) = rooms.into_iter().next()?;
            let summary = format!("{} joined {room}", name_list(&names));
            let body = if names.len() == 1 { format!("Say hello in {room}.") } else { format!("{} people joined {room}.", names.len()) };
            Some(Notice { summary, body, server, room: room_id })
        }
        n => {
            let people: usize = rooms.values().map(Vec::len).sum();
            let body = rooms.iter().map(|(r, names)| format!("{r}: {}", name_list(names))).collect::<Vec<_>>().join("\n");
            Some(Notice { summary: format!("{people} people joined {n} rooms"), body, server, room: room_id })
        }
    }
}

fn messages_notice(events: &[Event]) -> Option<Notice> {
    let msgs: Vec<(&Event, &str)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Message { text, .. } => Some((e, text.as_str())),
            EventKind::Joined => None,
        })
        .collect();
    let (last, last_text) = *msgs.last()?;
    let rooms: BTreeSet<(&str, &str)> = msgs.iter().map(|(e, _)| (e.server.as_str(), e.room.as_str())).collect();
    let excerpt = excerpt(last_text);
    if msgs.len() == 1 {
        let summary = match (last.direct, last.label == last.username) {
            (true, true) => format!("Direct message from {}", last.username),
            (true, false) => format!("{} in your direct message with {}", last.username, last.label),
            (false, _) => format!("{} in {}", last.username, last.label),
        };
        return Some(Notice { summary, body: excerpt, server: last.server.clone(), room: last.room.clone() });
    }
    let summary = match (rooms.len(), last.direct) {
        (1, true) => format!("{} direct messages from {}", msgs.len(), last.label),
        (1, false) => format!("{} new messages in {}", msgs.len(), last.label),
        (n, _) if msgs.iter().all(|(e, _)| e.direct) => format!("{} direct messages in {n} conversations", msgs.len()),
        (n, _) => format!("{} new messages in {n} rooms", msgs.len()),
    };
    Some(Notice { summary, body: format!("{}: {excerpt}", last.username), server: last.server.clone(), room: last.room.clone() })
}

/// "ann", "ann and bob", "ann, bob and cy", "ann, bob, cy and 47 others".
pub fn name_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] if names.len() <= NAMES_SHOWN => format!("{} and {last}", init.join(", ")),
        _ => {
            let rest = names.len() - NAMES_SHOWN;
            let other = if rest == 1 { "other" } else { "others" };
            format!("{} and {rest} {other}", names[..NAMES_SHOWN].join(", "))
        }
    }
}

/// One line of at most [`EXCERPT_CHARS`] characters.
pub fn excerpt(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= EXCERPT_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(EXCERPT_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(room: &str, who: &str) -> Event {
        Event {
            server: "s".into(),
            room: room.into(),
            label: room.into(),
            direct: false,
            username: who.into(),
            own_username: "me".into(),
            kind: EventKind::Joined,
        }
    }
    fn msg(room: &str, who: &str, text: &str) -> Event {
        Event {
            server: "s".into(),
            room: room.into(),
            label: room.into(),
            direct: false,
            username: who.into(),
            own_username: "me".into(),
            kind: EventKind::Message { text: text.into(), mention: false },
        }
    }
    fn dm(label: &str, who: &str, text: &str) -> Event {
        Event { room: format!("dm:{label}"), label: label.into(), direct: true, ..msg("x", who, text) }
    }

    #[test]
    fn direct_messages_name_the_sender_even_while_another_room_is_open() {
        let mut p = Policy::new(Prefs::all_on());
        // the window is focused on another room: still shown
        assert_eq!(p.offer(dm("bob", "bob", "psst"), true, false, 0), Ok(()));
        let n = p.take_due(COALESCE_MS);
        assert_eq!(n, vec![Notice { summary: "Direct message from bob".into(), body: "psst".into(), server: "s".into(), room: "dm:bob".into() }]);
        // focused on that DM: seen already
        assert_eq!(p.offer(dm("bob", "bob", "psst"), true, true, 5000), Err(Skip::Focused));
        // a room's message while focused on another room stays quiet, as before
        assert_eq!(p.offer(msg("lobby", "bob", "hi"), true, false, 5000), Err(Skip::Focused));
        // a group DM, a burst, and never its id
        p.offer(dm("bob, cy", "cy", "one"), false, false, 9000).unwrap();
        let n = p.take_due(9000 + COALESCE_MS);
        assert_eq!(n[0].summary, "cy in your direct message with bob, cy");
        p.offer(dm("bob", "bob", "a"), false, false, 20_000).unwrap();
        p.offer(dm("bob", "bob", "b"), false, false, 20_001).unwrap();
        let n = p.take_due(20_000 + COALESCE_MS);
        assert_eq!(n, vec![Notice { summary: "2 direct messages from bob".into(), body: "bob: b".into(), server: "s".into(), room: "dm:bob".into() }]);
        assert!(!n[0].summary.contains("dm:"));
        // a member coming online in a DM is no "joined" notice
        let online = Event { kind: EventKind::Joined, ..dm("bob", "bob", "") };
        assert_eq!(p.offer(online, false, false, 30_000), Err(Skip::System));
        // muting a DM still works
        p.prefs.muted.insert(("s".into(), "dm:bob".into()));
        assert_eq!(p.offer(dm("bob", "bob", "x"), false, false, 40_000), Err(Skip::Muted));
    }

    #[test]
    fn one_join_names_user_and_room_after_the_window() {
        let mut p = Policy::new(Prefs::all_on());
        assert_eq!(p.offer(join("lobby", "bob"), true, false, 1000), Ok(()));
        assert!(p.take_due(1000 + COALESCE_MS - 1).is_empty());
        let n = p.take_due(1000 + COALESCE_MS);
        assert_eq!(n, vec![Notice { summary: "bob joined lobby".into(), body: "Say hello in lobby.".into(), server: "s".into(), room: "lobby".into() }]);
        assert!(p.take_due(99_999).is_empty(), "shown once");
        assert_eq!(p.due_at(), None);
    }

    #[test]
    fn fifty_joins_make_one_summary() {
        let mut p = Policy::new(Prefs::all_on());
        for i in 0..50 {
            p.offer(join("lobby", &format!("user{i}")), false, false, 10 + i).unwrap();
        }
        let n = p.take_due(10 + COALESCE_MS);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].summary, "user0, user1, user2 and 47 others joined lobby");
        assert_eq!(n[0].body, "50 people joined lobby.");
    }

    #[test]
    fn joins_in_several_rooms_and_small_groups() {
        let mut p = Policy::new(Prefs::all_on());
        p.offer(join("a", "bob"), false, false, 0).unwrap();
        p.offer(join("a", "bob"), false, false, 1).unwrap();
        p.offer(join("a", "cy"), false, false, 2).unwrap();
        let n = p.take_due(COALESCE_MS);
        assert_eq!(n[0].summary, "bob and cy joined a");
        p.offer(join("a", "bob"), false, false, 5000).unwrap();
        p.offer(join("b", "dee"), false, false, 5001).unwrap();
        let n = p.take_due(5000 + COALESCE_MS);
        assert_eq!(n[0].summary, "2 people joined 2 rooms");
        assert_eq!(n[0].body, "a: bob\nb: dee");
        assert_eq!(n[0].room, "b", "a click opens the room of the newest join");
    }

    #[test]
    fn nothing_for_own_actions_or_admin() {
        let mut p = Policy::new(Prefs::all_on());
        assert_eq!(p.offer(join("lobby", " ME "), false, false, 0), Err(Skip::Own));
        assert_eq!(p.offer(msg("lobby", "me", "hi"), false, false, 0), Err(Skip::Own));
        assert_eq!(p.offer(msg("lobby", "Admin", "bob has joined!"), false, false, 0), Err(Skip::System));
        assert!(p.take_due(u64::MAX).is_empty());
    }

    #[test]
    fn messages_only_when_not_focused() {
        let mut p = Policy::new(Prefs::all_on());
        assert_eq!(p.offer(msg("lobby", "bob", "hi"), true, false, 0), Err(Skip::Focused));
        assert_eq!(p.offer(join("lobby", "bob"), true, false, 0), Ok(()), "joins notify even when focused");
        p.offer(msg("lobby", "bob", "hello\nthere"), false, false, 1).unwrap();
        let n = p.take_due(COALESCE_MS);
        assert_eq!(n.len(), 2);
        assert_eq!(n[1], Notice { summary: "bob in lobby".into(), body: "hello there".into(), server: "s".into(), room: "lobby".into() });
    }

    #[test]
    fn message_bursts_coalesce() {
        let mut p = Policy::new(Prefs::all_on());
        for i in 0..30 {
            p.offer(msg("lobby", "bob", &format!("m{i}")), false, false, i).unwrap();
        }
        p.offer(msg("dev", "cy", "last"), false, false, 40).unwrap();
        let n = p.take_due(COALESCE_MS);
        assert_eq!(n, vec![Notice { summary: "31 new messages in 2 rooms".into(), body: "cy: last".into(), server: "s".into(), room: "dev".into() }]);
        let mut p = Policy::new(Prefs::all_on());
        p.offer(msg("lobby", "bob", "a"), false, false, 0).unwrap();
        p.offer(msg("lobby", "cy", "b"), false, false, 0).unwrap();
        assert_eq!(p.take_due(COALESCE_MS)[0].summary, "2 new messages in lobby");
    }

    #[test]
    fn mute_and_do_not_disturb() {
        let mut prefs = Prefs::all_on();
        prefs.muted.insert(("s".into(), "quiet".into()));
        let mut p = Policy::new(prefs);
        assert_eq!(p.offer(join("quiet", "bob"), false, false, 0), Err(Skip::Muted));
        p.offer(join("lobby", "bob"), false, false, 0).unwrap();
        // switched on while the burst is pending: nothing is shown
        p.prefs.dnd = true;
        assert!(p.take_due(COALESCE_MS).is_empty());
        assert_eq!(p.offer(join("lobby", "cy"), false, false, 5000), Err(Skip::DoNotDisturb));
        // muting a room while its burst is pending drops it too
        p.prefs.dnd = false;
        p.offer(join("lobby", "cy"), false, false, 6000).unwrap();
        p.prefs.muted.insert(("s".into(), "lobby".into()));
        assert!(p.take_due(6000 + COALESCE_MS).is_empty());
    }

    #[test]
    fn switches_per_kind() {
        let mut p = Policy::new(Prefs { on_join: false, on_message: false, ..Prefs::all_on() });
        assert_eq!(p.offer(join("lobby", "bob"), false, false, 0), Err(Skip::Disabled));
        assert_eq!(p.offer(msg("lobby", "bob", "x"), false, false, 0), Err(Skip::Disabled));
    }

    #[test]
    fn names_and_excerpts() {
        assert_eq!(name_list(&["a"]), "a");
        assert_eq!(name_list(&["a", "b"]), "a and b");
        assert_eq!(name_list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(name_list(&["a", "b", "c", "d"]), "a, b, c and 1 other");
        let long = "é".repeat(500);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn a_mention_notifies_in_a_muted_room_unless_turned_off_or_dnd() {
        let mut prefs = Prefs::all_on();
        prefs.muted.insert(("s".into(), "lobby".into()));
        let mention = |text: &str, mention: bool| Event { kind: EventKind::Message { text: text.into(), mention }, ..msg("lobby", "bob", "x") };
        let mut p = Policy::new(prefs.clone());
        assert_eq!(p.offer(mention("plain", false), false, false, 0), Err(Skip::Muted));
        assert_eq!(p.offer(mention("@ann look", true), false, false, 0), Ok(()));
        let shown = p.take_due(COALESCE_MS);
        assert_eq!(shown.len(), 1, "kept when the burst is shown, though the room is muted");
        assert!(shown[0].body.contains("@ann look"));
        prefs.mentions = false;
        let mut off = Policy::new(prefs.clone());
        assert_eq!(off.offer(mention("@ann look", true), false, false, 0), Err(Skip::Muted));
        prefs.mentions = true;
        prefs.dnd = true;
        let mut dnd = Policy::new(prefs);
        assert_eq!(dnd.offer(mention("@ann look", true), false, false, 0), Err(Skip::DoNotDisturb));
    }
}
