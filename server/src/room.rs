//! The in-memory state of one room: members in join order, the sequence counter, the
//! recent messages, the ids seen (for dedupe) and the delivery receipts being counted
//! (`receipts.rs`).
//! Pure data and rules, no I/O: the socket handlers lock it, change it and emit.

use std::collections::{HashMap, VecDeque};

use banter_protocol::classic::RoomUser;
use banter_protocol::ext::{Message, MessageKind, Receipt};

mod receipts;
use receipts::{Receipts, same_account};

/// Messages kept in memory per room (history on join and catch-up are served from here).
pub const RECENT_CAP: usize = 500;
/// Message ids kept in memory per room for dedupe; older ids are looked up in the store.
pub const ID_CAP: usize = 10_000;
/// Messages per room whose receipts are counted.
pub const RECEIPT_CAP: usize = 1_000;

/// How a socket speaks: classic events only, or Banter's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketKind {
    Classic,
    Banter,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub sid: String,
    pub username: String,
    pub kind: SocketKind,
    /// The newest seq this member confirmed with `banter:received` (or had at join).
    pub confirmed_seq: u64,
    /// The latest seq when it joined: it is not counted for older messages.
    pub joined_at_seq: u64,
    /// The account the socket is signed in to, when it joined under that account's name:
    /// the account's other sockets may then join under the same name (its other devices).
    pub account: Option<i64>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum JoinError {
    InUse,
    AlreadyMember,
}

/// A message before the room numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: String,
    pub username: String,
    pub kind: MessageKind,
    pub text: String,
    /// The message it answers (`banter:send`'s `replyTo`), as it is when sent.
    pub reply_to: Option<banter_protocol::ext::ReplyRef>,
    /// The file it announces (an upload, `crate::files`).
    pub file: Option<banter_protocol::files::FilePart>,
}

/// The outcome of accepting a message.
#[derive(Debug, PartialEq, Eq)]
pub enum Accepted {
    New(Message),
    /// The id was already stored: the stored message, not sent again.
    Duplicate(Message),
}

#[derive(Debug)]
pub struct RoomState {
    pub name: String,
    /// Set when the room was dropped from the registry: whoever holds it must look again.
    pub evicted: bool,
    /// Whether the room is in the store; false until the join that creates it is admitted.
    pub stored: bool,
    members: Vec<Member>,
    latest_seq: u64,
    recent: VecDeque<Message>,
    ids: HashMap<String, u64>,
    id_order: VecDeque<String>,
    /// True while `ids` holds every id of the room: an unknown id is then surely new.
    ids_cover_all: bool,
    receipts: Receipts,
    /// When its classic `roomData` went out, for coalescing during join storms (chat/room_data.rs).
    pub room_data: crate::chat::room_data::Pacer,
    /// Whether memory keeps the room's recent messages and ids; not when the store is
    /// shared with other nodes (`crate::store::Store::numbers_messages`), whose messages
    /// never pass through this memory: history and dedupe then ask the store.
    keeps_history: bool,
}

impl RoomState {
    /// A room as loaded from the store: its latest seq and newest messages (oldest first).
    pub fn new(name: String, latest_seq: u64, recent: Vec<Message>) -> Self {
        let mut room = Self {
            name,
            evicted: false,
            stored: true,
            members: Vec::new(),
            latest_seq,
            // grows with the messages (up to RECENT_CAP): a quiet room holds none (64
            // reserved up front cost ~24 KiB per room, ~2.4 KiB per idle connection in
            // banter-bench's rooms of 10)
            recent: VecDeque::with_capacity(recent.len()),
            ids: HashMap::new(),
            id_order: VecDeque::new(),
            ids_cover_all: recent.len() as u64 == latest_seq,
            receipts: Receipts::default(),
            room_data: Default::default(),
            keeps_history: true,
        };
        for m in recent {
            room.remember(m);
        }
        room
    }

    /// A room whose messages only the store keeps (a store shared by several nodes): memory
    /// holds its members, receipts and the newest seq this node has seen.
    pub fn without_history(name: String, latest_seq: u64) -> Self {
        let mut room = Self::new(name, latest_seq, Vec::new());
        room.keeps_history = false;
        room.ids_cover_all = false;
        room
    }

    /// Whether memory answers history and dedupe ([`RoomState::without_history`]: never).
    pub fn keeps_history(&self) -> bool {
        self.keeps_history
    }

    pub fn latest_seq(&self) -> u64 {
        self.latest_seq
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    pub fn member(&self, sid: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.sid == sid)
    }

    /// The members, in join order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    pub fn member_named(&self, username: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.username == username)
    }

    /// Adds a member; names are unique per room (already normalised).
    pub fn add_member(&mut self, sid: &str, username: &str, kind: SocketKind) -> Result<(), JoinError> {
        self.add_member_as(sid, username, kind, None)
    }

    /// Adds a member, signed in to `account` or a guest (`None`). A name is held by one
    /// member, or by several sockets of the same account (its devices), never by a guest
    /// and an account at once, nor by two guests.
    pub fn add_member_as(&mut self, sid: &str, username: &str, kind: SocketKind, account: Option<i64>) -> Result<(), JoinError> {
        if self.members.iter().any(|m| m.sid == sid) {
            return Err(JoinError::AlreadyMember);
        }
        if self.members.iter().any(|m| m.username == username && (account.is_none() || m.account != account)) {
            return Err(JoinError::InUse);
        }
        self.members.push(Member {
            sid: sid.to_owned(),
            username: username.to_owned(),
            kind,
            confirmed_seq: self.latest_seq,
            joined_at_seq: self.latest_seq,
            account,
        });
        Ok(())
    }

    /// How many members hold this name: more than one when an account is here from several
    /// sockets. Presence counts the name once: joined at the first, left after the last.
    pub fn holders_of(&self, username: &str) -> usize {
        self.members.iter().filter(|m| m.username == username).count()
    }

    pub fn remove_member(&mut self, sid: &str) -> Option<Member> {
        let i = self.members.iter().position(|m| m.sid == sid)?;
        Some(self.members.remove(i))
    }

    /// `roomData` users, in join order (as the classic server lists them); an account
    /// here from several sockets once, with its first socket's id.
    pub fn room_users(&self) -> Vec<RoomUser> {
        let mut users: Vec<RoomUser> = Vec::with_capacity(self.members.len());
        for m in &self.members {
            if !users.iter().any(|u| u.username == m.username) {
                users.push(RoomUser { id: m.sid.clone(), username: m.username.clone(), room: self.name.clone() });
            }
        }
        users
    }

    /// Member names, sorted, each once.
    pub fn usernames(&self) -> Vec<String> {
        let mut names: Vec<String> = self.members.iter().map(|m| m.username.clone()).collect();
        names.sort();
        names.dedup();
        names
    }

    /// The stored message with this id, if it is still in memory.
    pub fn find_recent_id(&self, id: &str) -> Option<Message> {
        let seq = *self.ids.get(id)?;
        self.find_seq(seq)
    }

    /// Whether this id is known in memory (its message may have left `recent`).
    pub fn knows_id(&self, id: &str) -> bool {
        self.ids.contains_key(id)
    }

    /// For an id not in `recent`: `None` when memory proves it new, else `Some(flush_first)`
    /// — the store must be asked, after a flush when the message may still be queued.
    pub fn store_lookup_needed(&self, id: &str) -> Option<bool> {
        if self.ids.contains_key(id) {
            Some(true)
        } else if self.ids_cover_all {
            None
        } else {
            Some(false)
        }
    }

    fn find_seq(&self, seq: u64) -> Option<Message> {
        let first = self.recent.front()?.seq;
        let m = self.recent.get(seq.checked_sub(first)? as usize)?;
        (m.seq == seq).then(|| m.clone())
    }

    /// Assigns the next seq and remembers the message. `stored` is what the store knows
    /// of this id when memory does not (the caller looks it up), for dedupe.
    pub fn accept(&mut self, draft: Draft, sender_sid: &str, created_at: i64, stored: Option<Message>) -> Accepted {
        if let Some(m) = self.find_recent_id(&draft.id).or(stored) {
            return Accepted::Duplicate(m);
        }
        self.latest_seq += 1;
        let message = Message {
            id: draft.id,
            room: self.name.clone(),
            seq: self.latest_seq,
            username: draft.username,
            kind: draft.kind,
            text: draft.text,
            created_at,
            removed: false,
            edited_at: None,
            reactions: Vec::new(),
            reply_to: draft.reply_to,
            file: draft.file,
        };
        self.committed(&message, sender_sid);
        Accepted::New(message)
    }

    /// Counts a new message's receipts (when its sender is a member here) and remembers it:
    /// after [`RoomState::accept`], or once the store numbered it (a shared store).
    pub fn committed(&mut self, message: &Message, sender_sid: &str) {
        let sender_account = self.members.iter().find(|m| m.sid == sender_sid).and_then(|m| m.account);
        let recipients =
            self.members.iter().filter(|m| m.sid != sender_sid && !same_account(m.account, sender_account)).count() as u32;
        if self.members.iter().any(|m| m.sid == sender_sid) {
            self.receipts.track(message, sender_sid, sender_account, recipients);
        }
        self.remember(message.clone());
    }

    fn remember(&mut self, m: Message) {
        self.latest_seq = self.latest_seq.max(m.seq);
        if !self.keeps_history {
            return;
        }
        if self.id_order.len() == ID_CAP {
            if let Some(old) = self.id_order.pop_front() {
                self.ids.remove(&old);
                self.ids_cover_all = false;
            }
        }
        self.ids.insert(m.id.clone(), m.seq);
        self.id_order.push_back(m.id.clone());
        if self.recent.len() == RECENT_CAP {
            self.recent.pop_front();
        }
        self.recent.push_back(m);
    }

    /// Forgets a message whose write failed (it is not stored), so a resend under its id is
    /// new again rather than answered as a duplicate of nothing. Its seq stays used, so
    /// memory no longer holds an unbroken run of the room's messages: from now on history
    /// and dedupe ask the store, as for a shared store (until the room is loaded again).
    pub fn forget(&mut self, id: &str) {
        let Some(seq) = self.ids.get(id).copied() else { return };
        self.receipts.untrack(seq);
        self.keeps_history = false;
        self.ids_cover_all = false;
        self.ids.clear();
        self.id_order.clear();
        self.recent.clear();
    }

    /// Blanks a message a moderator removed, if memory still holds it.
    pub fn mark_removed(&mut self, id: &str) {
        let Some(&seq) = self.ids.get(id) else { return };
        let Some(first) = self.recent.front().map(|m| m.seq) else { return };
        if let Some(m) = seq.checked_sub(first).and_then(|i| self.recent.get_mut(i as usize)).filter(|m| m.seq == seq) {
            m.text.clear();
            m.kind = MessageKind::Text;
            m.removed = true;
            m.reactions.clear();
            m.file = None;
        }
        self.follow_answered(id);
    }

    /// The replies memory holds to message `id` show it as it is now (after an edit or a
    /// removal), as history from the store does.
    fn follow_answered(&mut self, id: &str) {
        let now = self.find_recent_id(id).map(|m| banter_protocol::ext::reply_ref(&m));
        for m in self.recent.iter_mut() {
            if let (Some(r), Some(now)) = (m.reply_to.as_mut(), now.as_ref()) {
                if r.id == id {
                    *r = now.clone();
                }
            }
        }
    }

    /// Replaces the reactions of a message memory still holds.
    pub fn set_reactions(&mut self, id: &str, reactions: Vec<banter_protocol::reactions::Reaction>) {
        let Some(&seq) = self.ids.get(id) else { return };
        let Some(first) = self.recent.front().map(|m| m.seq) else { return };
        if let Some(m) = seq.checked_sub(first).and_then(|i| self.recent.get_mut(i as usize)).filter(|m| m.seq == seq) {
            m.reactions = reactions;
        }
    }

    /// Puts an author's edit into a message memory still holds.
    pub fn mark_edited(&mut self, id: &str, text: &str, at: i64) {
        let Some(&seq) = self.ids.get(id) else { return };
        let Some(first) = self.recent.front().map(|m| m.seq) else { return };
        if let Some(m) = seq.checked_sub(first).and_then(|i| self.recent.get_mut(i as usize)).filter(|m| m.seq == seq) {
            m.text = text.to_owned();
            m.edited_at = Some(at);
        }
        self.follow_answered(id);
    }

    /// The newest `n` messages (oldest first) and whether older ones exist, if memory
    /// keeps the room's history.
    pub fn tail(&self, n: usize) -> Option<(Vec<Message>, bool)> {
        if !self.keeps_history {
            return None;
        }
        let skip = self.recent.len().saturating_sub(n);
        let page: Vec<Message> = self.recent.iter().skip(skip).cloned().collect();
        let more = page.first().map_or(self.latest_seq > 0, |m| m.seq > 1);
        Some((page, more))
    }

    /// Messages with `seq > since`, at most `limit`, if memory holds all of them.
    pub fn since(&self, since: u64, limit: usize) -> Option<(Vec<Message>, bool)> {
        if !self.keeps_history {
            return None;
        }
        if since >= self.latest_seq {
            return Some((Vec::new(), false));
        }
        let first = self.recent.front()?.seq;
        if first > since + 1 {
            return None;
        }
        let start = (since + 1 - first) as usize;
        let page: Vec<Message> = self.recent.iter().skip(start).take(limit).cloned().collect();
        let more = page.last().is_some_and(|m| m.seq < self.latest_seq);
        Some((page, more))
    }

    /// A member confirms every message up to `seq`; counts it for the messages it had not
    /// confirmed yet (never for its own, nor for those from before it joined).
    pub fn confirm(&mut self, sid: &str, seq: u64) {
        let seq = seq.min(self.latest_seq);
        let Some(member) = self.members.iter_mut().find(|m| m.sid == sid) else { return };
        let from = member.confirmed_seq.max(member.joined_at_seq);
        if seq <= from {
            return;
        }
        member.confirmed_seq = seq;
        let account = member.account;
        self.receipts.count(from, seq, sid, account);
    }

    /// Receipts that changed since the last call, with the sender to tell.
    pub fn take_dirty_receipts(&mut self) -> Vec<(String, Receipt)> {
        self.receipts.take_dirty(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(id: &str) -> Draft {
        Draft { id: id.into(), username: "ann".into(), kind: MessageKind::Text, text: format!("t-{id}"), reply_to: None, file: None }
    }

    fn text(room: &mut RoomState, id: &str, sid: &str) -> Accepted {
        room.accept(draft(id), sid, 0, None)
    }

    #[test]
    fn a_failed_write_is_forgotten_and_memory_stops_answering_history() {
        let mut room = RoomState::new("r".into(), 0, Vec::new());
        room.add_member("s1", "ann", SocketKind::Banter).unwrap();
        text(&mut room, "a", "s1");
        text(&mut room, "b", "s1");
        room.forget("b");
        assert!(room.find_recent_id("b").is_none());
        assert_eq!(room.store_lookup_needed("b"), Some(false));
        assert_eq!(room.since(0, 10), None);
        assert_eq!(room.tail(10), None);
        assert!(matches!(text(&mut room, "b", "s1"), Accepted::New(m) if m.seq == 3));
    }

    fn seqs(ms: &[Message]) -> Vec<u64> {
        ms.iter().map(|m| m.seq).collect()
    }

    #[test]
    fn names_are_unique_and_users_keep_join_order() {
        let mut r = RoomState::new("lobby".into(), 0, vec![]);
        r.add_member("s1", "zed", SocketKind::Classic).unwrap();
        r.add_member("s2", "ann", SocketKind::Banter).unwrap();
        assert_eq!(r.add_member("s3", "ann", SocketKind::Classic), Err(JoinError::InUse));
        assert_eq!(r.add_member("s1", "other", SocketKind::Classic), Err(JoinError::AlreadyMember));
        assert_eq!(r.room_users().iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["zed", "ann"]);
        assert_eq!(r.usernames(), ["ann", "zed"]);
        assert_eq!(r.remove_member("s1").unwrap().username, "zed");
        assert!(r.remove_member("s1").is_none());
    }

    #[test]
    fn seqs_have_no_gaps_and_duplicates_are_not_renumbered() {
        let mut r = RoomState::new("lobby".into(), 7, vec![]);
        let Accepted::New(a) = text(&mut r, "a", "s1") else { panic!() };
        let Accepted::New(b) = text(&mut r, "b", "s1") else { panic!() };
        assert_eq!((a.seq, b.seq), (8, 9));
        assert_eq!(text(&mut r, "a", "s2"), Accepted::Duplicate(a.clone()));
        assert_eq!(r.latest_seq(), 9);
        // a duplicate the store knows of, though memory does not
        let old = Message { seq: 3, ..a.clone() };
        let got = r.accept(draft("old"), "s1", 0, Some(old.clone()));
        assert_eq!(got, Accepted::Duplicate(old));
    }

    #[test]
    fn since_and_tail_come_from_memory_when_it_covers_them() {
        let mut r = RoomState::new("lobby".into(), 0, vec![]);
        for i in 0..(RECENT_CAP + 20) {
            text(&mut r, &format!("m{i}"), "s1");
        }
        let latest = r.latest_seq();
        assert_eq!(latest, (RECENT_CAP + 20) as u64);
        let (tail, more) = r.tail(50).unwrap();
        assert_eq!(seqs(&tail), ((latest - 49)..=latest).collect::<Vec<_>>());
        assert!(more);
        let (page, more) = r.since(latest - 10, 5).unwrap();
        assert_eq!(seqs(&page), ((latest - 9)..=(latest - 5)).collect::<Vec<_>>());
        assert!(more);
        let (page, more) = r.since(latest - 3, 100).unwrap();
        assert_eq!(page.len(), 3);
        assert!(!more);
        assert_eq!(r.since(latest, 100), Some((vec![], false)));
        // older than memory: the caller must ask the store
        assert_eq!(r.since(5, 10), None);
        assert!(r.find_recent_id("m0").is_none());
        assert!(r.knows_id("m0"));
        assert_eq!(r.store_lookup_needed("m0"), Some(true));
        assert_eq!(r.store_lookup_needed("never-seen"), None);
        // a room loaded with only its newest messages cannot prove an id new
        let loaded = RoomState::new("old".into(), 900, vec![]);
        assert_eq!(loaded.store_lookup_needed("x"), Some(false));
    }

    #[test]
    fn receipts_count_each_other_member_once() {
        let mut r = RoomState::new("lobby".into(), 0, vec![]);
        r.add_member("ann", "ann", SocketKind::Banter).unwrap();
        r.add_member("bob", "bob", SocketKind::Banter).unwrap();
        r.add_member("cid", "cid", SocketKind::Classic).unwrap();
        let Accepted::New(m) = text(&mut r, "x", "ann") else { panic!() };
        assert!(r.take_dirty_receipts().is_empty());
        r.confirm("bob", m.seq);
        r.confirm("bob", m.seq); // again: not counted twice
        r.confirm("ann", m.seq); // the sender: not counted
        let got = r.take_dirty_receipts();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "ann");
        assert_eq!((got[0].1.received_by, got[0].1.recipients), (1, 2));
        assert!(r.take_dirty_receipts().is_empty());
        // a member who joins later does not count for older messages
        r.add_member("dan", "dan", SocketKind::Banter).unwrap();
        r.confirm("dan", m.seq);
        assert!(r.take_dirty_receipts().is_empty());
    }

    #[test]
    fn an_account_holds_its_name_from_several_sockets_and_counts_once() {
        let mut r = RoomState::new("lobby".into(), 0, vec![]);
        r.add_member_as("a1", "ann", SocketKind::Banter, Some(7)).unwrap();
        assert_eq!(r.holders_of("ann"), 1);
        // the same account from a second device: allowed, shown once
        r.add_member_as("a2", "ann", SocketKind::Classic, Some(7)).unwrap();
        assert_eq!(r.holders_of("ann"), 2);
        // a guest, or another account, cannot take the name
        assert_eq!(r.add_member("g", "ann", SocketKind::Classic), Err(JoinError::InUse));
        assert_eq!(r.add_member_as("x", "ann", SocketKind::Banter, Some(8)), Err(JoinError::InUse));
        r.add_member("bob", "bob", SocketKind::Banter).unwrap();
        // two guests under one name: refused as before
        assert_eq!(r.add_member("b2", "bob", SocketKind::Banter), Err(JoinError::InUse));
        // an account cannot join under a name a guest holds
        assert_eq!(r.add_member_as("y", "bob", SocketKind::Banter, Some(9)), Err(JoinError::InUse));
        assert_eq!(r.usernames(), ["ann", "bob"]);
        let users: Vec<(String, String)> = r.room_users().into_iter().map(|u| (u.id, u.username)).collect();
        assert_eq!(users, [("a1".to_owned(), "ann".to_owned()), ("bob".to_owned(), "bob".to_owned())]);
        // the name leaves with its last socket
        r.remove_member("a1").unwrap();
        assert_eq!(r.holders_of("ann"), 1);
        assert_eq!(r.room_users()[0].id, "a2");
        r.remove_member("a2").unwrap();
        assert_eq!(r.holders_of("ann"), 0);
        assert_eq!(r.usernames(), ["bob"]);
    }

    #[test]
    fn an_accounts_other_devices_are_not_its_recipients() {
        let mut r = RoomState::new("lobby".into(), 0, vec![]);
        r.add_member_as("a1", "ann", SocketKind::Banter, Some(7)).unwrap();
        r.add_member_as("a2", "ann", SocketKind::Banter, Some(7)).unwrap();
        r.add_member("bob", "bob", SocketKind::Banter).unwrap();
        let Accepted::New(m) = text(&mut r, "x", "a1") else { panic!() };
        r.confirm("a2", m.seq); // the sender's other device: not counted
        assert!(r.take_dirty_receipts().is_empty());
        r.confirm("bob", m.seq);
        let got = r.take_dirty_receipts();
        assert_eq!((got[0].1.received_by, got[0].1.recipients), (1, 1));
    }
}
