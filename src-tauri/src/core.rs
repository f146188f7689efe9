//! The glue between banter-client and the UI: turns the core's event stream into UI events
//! (batched by the pump in lib.rs) and notification candidates, and gathers a room's history
//! into one snapshot so old messages reach the page through the `join` command (or one
//! `room` event after a re-join), never one event per old message.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use banter_client::{AckStatus, ClientError, ClientEvent, EventStream, ServerKind};
use tokio::sync::oneshot;

use crate::error::{CommandError, ErrorCode};
use crate::ipc::{ConnectionState, Delivery, DeliveryState, MessageKind, MessageView, RoomInfoView, RoomSnapshot, UiEvent};
use crate::notify_policy;

/// What the glue reports: a UI event, and what notifications should consider.
#[derive(Debug, Clone)]
pub struct CoreEvent {
    pub ui: UiEvent,
    pub notify: Option<notify_policy::Event>,
}

pub type EventTx = tokio::sync::mpsc::UnboundedSender<CoreEvent>;

type Key = (String, String);

#[derive(Default)]
struct RoomInfo {
    username: String,
    users: Vec<String>,
    banter: bool,
    /// The server's message limit in characters (0 until joined).
    max_message_chars: u32,
    /// History gathered until the next `joined` event.
    history: Vec<MessageView>,
    /// A direct message's members (account names, sorted; ours included).
    dm_members: Option<Vec<String>>,
    /// Those of `users` who are signed-in accounts.
    signed_in: Vec<String>,
    /// Owner, topic, privacy, moderators, our role.
    info: Option<RoomInfoView>,
}

impl RoomInfo {
    /// What a person calls the room, and whether it is a DM: a DM is named by its other
    /// members, never by its `dm:` id.
    fn label(&self, room: &str) -> (String, bool) {
        if !banter_protocol::dms::is_dm(room) {
            return (room.to_owned(), false);
        }
        let others: Vec<&str> = self
            .dm_members
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|m| *m != self.username)
            .collect();
        let label = if others.is_empty() { "a direct message".to_owned() } else { others.join(", ") };
        (label, true)
    }
}

#[derive(Default)]
struct Inner {
    rooms: HashMap<Key, RoomInfo>,
    waiters: HashMap<Key, oneshot::Sender<RoomSnapshot>>,
    /// Waiting for the first join of a DM whose id is not known yet (opened by its members'
    /// names), by server; `open_dm` opens one such DM at a time per app.
    dm_waiters: HashMap<String, oneshot::Sender<RoomSnapshot>>,
    /// Rooms we were removed from (kicked, banned, left on another device): the
    /// `disconnected` that follows is theirs, not the server's.
    ended: HashSet<Key>,
    local_ids: u64,
    /// The last [`CACHE_PER_ROOM`] lines of each room, kept on disk so a room shows its
    /// recent past at start (banter-client resumes from the last seq it saw, so a re-join
    /// only brings what was missed).
    cache: HashMap<Key, VecDeque<MessageView>>,
    dirty: bool,
    /// The user's personal keywords: a message with one of them pings like `@name`.
    keywords: Vec<String>,
}

/// Lines kept per room in the local timeline cache.
pub const CACHE_PER_ROOM: usize = 200;

/// Shared between the commands and the translating task.
#[derive(Clone, Default)]
pub struct Glue {
    inner: Arc<Mutex<Inner>>,
}

fn cache_put(cache: &mut HashMap<Key, VecDeque<MessageView>>, key: &Key, m: &MessageView) {
    let q = cache.entry(key.clone()).or_default();
    match q.iter_mut().find(|x| x.id == m.id) {
        Some(x) => {
            let delivery = x.delivery.clone();
            *x = m.clone();
            if m.delivery.is_none() {
                x.delivery = delivery;
            }
        }
        None => {
            q.push_back(m.clone());
            while q.len() > CACHE_PER_ROOM {
                q.pop_front();
            }
        }
    }
}

/// Maps a core error to the UI's `{code, message}`, with what to do about it.
pub fn map_err(e: ClientError) -> CommandError {
    // a certificate to trust or a changed one: the form shows its fingerprints
    if let Some(certificate) = crate::commands::tls::certificate_error(&e) {
        return certificate;
    }
    let code = match e.code() {
        "invalid_url" | "invalid_input" | "invalid_location" => ErrorCode::Invalid,
        "unreachable" | "tls" | "connect_refused" | "connect_timeout" | "timeout" | "connection_lost" => ErrorCode::Unreachable,
        "unauthorized" => ErrorCode::Unauthorized,
        "join_refused" | "already_joined" => ErrorCode::Refused,
        "not_joined" | "closed" => ErrorCode::NotConnected,
        "keyring" | "keyring_unavailable" => ErrorCode::Keyring,
        "name_taken" | "wrong_login" | "too_many_attempts" | "registration_closed" | "invite_required"
        | "invite_invalid" | "no_such_session" | "account_refused" => ErrorCode::Account,
        "session_invalid" => ErrorCode::SessionInvalid,
        "not_a_banter_server" | "accounts_unsupported" => ErrorCode::NoAccounts,
        "not_signed_in" | "no_such_account" | "no_such_dm" | "dm_refused" | "dms_unsupported" | "refused" => ErrorCode::Refused,
        _ => ErrorCode::Internal,
    };
    let hint = match code {
        ErrorCode::Unauthorized => " Enter the server's access token in the Token field (ask its owner for it).",
        ErrorCode::Unreachable => " Check the URL and that the server is running.",
        _ => "",
    };
    // In plain words; the transport's error chain goes to the log.
    let mut message = e.summary();
    if message != e.to_string() {
        tracing::info!(error = %e, "{message}");
    }
    if !message.starts_with("http") {
        if let Some(first) = message.get(0..1) {
            message = first.to_uppercase() + &message[1..];
        }
    }
    if !message.ends_with(['.', '!', '?']) {
        message.push('.');
    }
    CommandError::new(code, format!("{message}{hint}"))
}

pub fn view(
    id: String,
    room: &str,
    seq: Option<u64>,
    username: String,
    kind: MessageKind,
    text: String,
    created_at: i64,
    own: bool,
) -> MessageView {
    let (time, day, day_label) = crate::format::stamp(created_at);
    let body = crate::talk::body_of(kind, &text);
    MessageView {
        id,
        room: room.to_owned(),
        seq,
        username,
        kind,
        text,
        created_at,
        time,
        day,
        day_label,
        own,
        delivery: own.then(Delivery::delivered),
        removed: false,
        removed_by: None,
        body,
        edited_at: None,
        reactions: Vec::new(),
        reply_to: None,
        mentions_me: false,
        file: None,
    }
}

/// How many of a snapshot's messages are unread after the account's marker `read_seq`
/// (not our own, not notices, not removed).
pub fn unread_after(messages: &[MessageView], read_seq: u64) -> u64 {
    messages
        .iter()
        .filter(|m| m.seq.is_some_and(|s| s > read_seq) && !m.own && m.kind != MessageKind::Notice && !m.removed)
        .count() as u64
}

/// A `message` event of an older-history page, ready to show (other events: `None`).
pub fn history_view(ev: ClientEvent) -> Option<MessageView> {
    history_view_as(ev, "")
}

/// [`history_view`] for `me` (whose reactions show as mine).
pub fn history_view_as(ev: ClientEvent, me: &str) -> Option<MessageView> {
    let ClientEvent::Message { room, id, seq, username, text, kind, created_at, mine, removed, edited_at, reactions, reply_to, file, .. } = ev else {
        return None;
    };
    let kind = if kind == "location" { MessageKind::Location } else { MessageKind::Text };
    let mut m = view(id?, &room, seq, username, kind, text, created_at, mine);
    m.removed = removed;
    m.edited_at = edited_at;
    m.reactions = crate::talk::reactions_view(&reactions, me);
    m.reply_to = reply_to.as_ref().map(crate::talk::reply_view);
    // a removed file is gone for everyone: its tombstone carries no file line
    m.file = file.as_ref().filter(|_| !removed).map(crate::ipc::FileView::of);
    Some(m)
}

impl Glue {
    /// Registers interest in the snapshot of a room about to be joined.
    pub fn expect_snapshot(&self, server: &str, room: &str) -> oneshot::Receiver<RoomSnapshot> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut g) = self.inner.lock() {
            g.waiters.insert((server.to_owned(), room.to_owned()), tx);
        }
        rx
    }

    /// Registers interest in the snapshot of the next DM to be opened by its members' names
    /// on `server` (its id comes with its first join).
    pub fn expect_dm_snapshot(&self, server: &str) -> oneshot::Receiver<RoomSnapshot> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut g) = self.inner.lock() {
            g.dm_waiters.insert(server.to_owned(), tx);
        }
        rx
    }

    pub fn cancel_dm_snapshot(&self, server: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.dm_waiters.remove(server);
        }
    }

    /// Names a DM's members, for its snapshots and notifications.
    pub fn set_dm_members(&self, server: &str, dm: &str, members: &[String]) {
        if let Ok(mut g) = self.inner.lock() {
            g.rooms.entry((server.to_owned(), dm.to_owned())).or_default().dm_members = Some(members.to_vec());
        }
    }

    pub fn forget(&self, server: &str, room: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.rooms.remove(&(server.to_owned(), room.to_owned()));
            g.waiters.remove(&(server.to_owned(), room.to_owned()));
        }
    }

    /// Waits for the snapshot the translator builds at the room's `joined` event.
    pub async fn snapshot(rx: oneshot::Receiver<RoomSnapshot>) -> Result<RoomSnapshot, CommandError> {
        tokio::time::timeout(Duration::from_secs(10), rx)
            .await
            .map_err(|_| CommandError::internal("The room's state did not arrive in time."))?
            .map_err(|_| CommandError::internal("The room's state was dropped."))
    }

    /// Reads the core's events until it ends; forwards translated ones to `tx`.
    pub async fn run(self, mut events: EventStream, tx: EventTx) {
        while let Some(ev) = events.recv().await {
            for out in self.translate(ev) {
                let _ = tx.send(out);
            }
        }
    }

    fn translate(&self, ev: ClientEvent) -> Vec<CoreEvent> {
        let Ok(mut g) = self.inner.lock() else { return Vec::new() };
        let ui = |ui: UiEvent| CoreEvent { ui, notify: None };
        match ev {
            ClientEvent::Connected { server, .. } => {
                vec![ui(UiEvent::Connection { server, state: ConnectionState::Connected, detail: None })]
            }
            ClientEvent::Reconnecting { server, room, reason, attempt, delay_ms } => {
                // The transport's own words ("EngineIO Error: … os error 111") help a log
                // reader, not a person: the banner says what happens, the log says why.
                tracing::info!(%server, attempt, delay_ms, %reason, "reconnecting");
                let ever_joined = g.rooms.get(&(server.clone(), room)).is_some_and(|r| !r.username.is_empty());
                let host = display_host(&server);
                // when the next try is, as the backoff says (a wake-up or a network change
                // tries at once: power.rs)
                let next = match delay_ms {
                    0..=999 => "now".to_owned(),
                    ms => format!("in {} s", ms.div_ceil(1000)),
                };
                // banter-client's CertificateChanged, in its reason: say it, not "reconnecting"
                let detail = if reason.contains("presented a different certificate than the one you trusted") {
                    format!("{host} presented a different certificate than the one you trusted, so Banter does not connect to it. Join a room there to see both fingerprints.")
                } else if ever_joined {
                    format!("Lost the connection to {host}. Reconnecting (next try {next})… Messages you send now are kept and sent when it is back.")
                } else {
                    format!("Cannot reach {host} yet. Trying again ({next})… Your rooms there open as soon as it answers.")
                };
                vec![ui(UiEvent::Connection { server: server.clone(), state: ConnectionState::Reconnecting, detail: Some(detail) })]
            }
            ClientEvent::Disconnected { server, room, reason } => {
                // a room we were removed from ends alone: the server is still there
                if g.ended.remove(&(server.clone(), room.clone())) {
                    return Vec::new();
                }
                vec![ui(UiEvent::Connection {
                    server,
                    state: ConnectionState::Disconnected,
                    detail: Some(format!("Disconnected from {room}: {reason}")),
                })]
            }
            ClientEvent::Joined { server, room, username, kind, max_message_chars, rejoin, read_seq, .. } => {
                let key = (server.clone(), room.clone());
                g.ended.remove(&key);
                let info = g.rooms.entry(key.clone()).or_default();
                info.username = username.clone();
                info.banter = kind == ServerKind::Banter;
                info.max_message_chars = max_message_chars;
                let fresh = std::mem::take(&mut info.history);
                let users = info.users.clone();
                let banter = info.banter;
                let dm_members = info.dm_members.clone();
                let signed_in = info.signed_in.clone();
                let room_info = info.info.clone();
                for m in &fresh {
                    cache_put(&mut g.cache, &key, m);
                }
                if !fresh.is_empty() {
                    g.dirty = true;
                }
                let messages: Vec<MessageView> = g.cache.get(&key).map(|q| q.iter().cloned().collect()).unwrap_or_default();
                // Older messages exist on a Banter server when the oldest one shown is not the
                // room's first (seqs start at 1): "Load older messages" fetches them.
                let more = banter && messages.iter().find_map(|m| m.seq).is_some_and(|seq| seq > 1);
                let unread = read_seq.map(|r| unread_after(&messages, r));
                let snapshot = RoomSnapshot {
                    server: server.clone(),
                    room: room.clone(),
                    username,
                    users,
                    more,
                    max_message_chars,
                    banter,
                    dm_members,
                    signed_in,
                    unread,
                    info: room_info,
                    messages,
                };
                let waiter = match g.waiters.remove(&key) {
                    Some(w) => Some(w),
                    // the first join of a DM opened by its members' names
                    None if !rejoin && banter_protocol::dms::is_dm(&room) => g.dm_waiters.remove(&server),
                    None => None,
                };
                match waiter {
                    Some(w) => {
                        let _ = w.send(snapshot);
                        Vec::new()
                    }
                    // a re-join after a reconnect: one event with what was missed
                    None => vec![ui(UiEvent::Room { snapshot })],
                }
            }
            ClientEvent::Left { server, room } => {
                // left or closed here: the `disconnected` that follows is the room's, and the
                // server stays connected for the others
                g.rooms.remove(&(server.clone(), room.clone()));
                g.ended.insert((server, room));
                Vec::new()
            }
            ClientEvent::Message { server, room, id, seq, username, text, kind, created_at, mine, system, history, removed, edited_at, reactions, reply_to, file, .. } => {
                let id = id.unwrap_or_else(|| {
                    g.local_ids += 1;
                    format!("classic-{}", g.local_ids)
                });
                let mkind = if system {
                    MessageKind::Notice
                } else if kind == "location" {
                    MessageKind::Location
                } else {
                    MessageKind::Text
                };
                // a notification says what a location is, not its URL
                let notice_text = if mkind == MessageKind::Location { "shared a location".to_owned() } else { text.clone() };
                let key = (server.clone(), room.clone());
                let mentions_me = {
                    let info = g.rooms.get(&key);
                    let me = info.map(|i| i.username.as_str()).unwrap_or_default();
                    mkind == MessageKind::Text && !mine && !removed && crate::talk::pings_me(&text, &username, me, &g.keywords, info.and_then(|i| i.info.as_ref()))
                };
                let me = g.rooms.get(&key).map(|i| i.username.clone()).unwrap_or_default();
                let mut m = view(id, &room, seq, username.clone(), mkind, text, created_at, mine);
                m.removed = removed;
                m.edited_at = edited_at;
                m.reactions = crate::talk::reactions_view(&reactions, &me);
                m.reply_to = reply_to.as_ref().map(crate::talk::reply_view);
                m.mentions_me = mentions_me;
                m.file = file.as_ref().filter(|_| !removed).map(crate::ipc::FileView::of);
                if !history {
                    cache_put(&mut g.cache, &key, &m);
                    g.dirty = true;
                }
                let info = g.rooms.entry(key).or_default();
                if history {
                    info.history.push(m);
                    return Vec::new();
                }
                let (label, direct) = info.label(&room);
                let notify = (!mine && !system && !removed).then(|| notify_policy::Event {
                    server: server.clone(),
                    room: room.clone(),
                    label,
                    direct,
                    username,
                    own_username: info.username.clone(),
                    kind: notify_policy::EventKind::Message { text: notice_text, mention: mentions_me },
                });
                vec![CoreEvent { ui: UiEvent::Message { server, message: m }, notify }]
            }
            ClientEvent::UserJoined { server, room, username } => {
                let info = g.rooms.entry((server.clone(), room.clone())).or_default();
                if !info.users.contains(&username) {
                    info.users.push(username.clone());
                    info.users.sort();
                }
                let (label, direct) = info.label(&room);
                let notify = notify_policy::Event {
                    server: server.clone(),
                    room: room.clone(),
                    label,
                    direct,
                    username: username.clone(),
                    own_username: info.username.clone(),
                    kind: notify_policy::EventKind::Joined,
                };
                let users = info.users.clone();
                let signed_in = info.signed_in.clone();
                vec![CoreEvent { ui: UiEvent::Presence { server, room, username, joined: true, users, signed_in }, notify: Some(notify) }]
            }
            ClientEvent::UserLeft { server, room, username } => {
                let info = g.rooms.entry((server.clone(), room.clone())).or_default();
                info.users.retain(|u| *u != username);
                let users = info.users.clone();
                let signed_in = info.signed_in.clone();
                vec![ui(UiEvent::Presence { server, room, username, joined: false, users, signed_in })]
            }
            ClientEvent::Users { server, room, users, signed_in } => {
                let info = g.rooms.entry((server.clone(), room.clone())).or_default();
                info.users = users.clone();
                info.signed_in = signed_in.clone();
                vec![ui(UiEvent::Presence { server, room, username: String::new(), joined: true, users, signed_in })]
            }
            ClientEvent::Typing { server, room, username, typing } => vec![ui(UiEvent::Typing { server, room, username, typing })],
            ClientEvent::Pending { server, room, id, .. } => {
                vec![ui(UiEvent::Delivery { server, room, id, seq: None, delivery: Delivery::pending() })]
            }
            ClientEvent::Ack { server, room, id, status, reason, seq } => {
                let state = match status {
                    AckStatus::Delivered => DeliveryState::Delivered,
                    AckStatus::Refused => DeliveryState::Refused,
                    AckStatus::Failed => DeliveryState::Failed,
                };
                let delivery = Delivery { state, reason, received_by: None, recipients: None };
                if let Some(m) = g.cache.get_mut(&(server.clone(), room.clone())).and_then(|q| q.iter_mut().find(|m| m.id == id)) {
                    m.delivery = Some(delivery.clone());
                    m.seq = seq.or(m.seq);
                    g.dirty = true;
                }
                vec![ui(UiEvent::Delivery { server, room, id, seq, delivery })]
            }
            ClientEvent::Receipt { server, room, id, seq, received_by, recipients } => {
                let delivery = Delivery {
                    state: DeliveryState::Delivered,
                    reason: None,
                    received_by: Some(received_by),
                    recipients: Some(recipients),
                };
                vec![ui(UiEvent::Delivery { server, room, id, seq: Some(seq), delivery })]
            }
            ClientEvent::Error { code, message, .. } => {
                tracing::warn!(%code, "core reported an error");
                vec![ui(UiEvent::Error { error: CommandError::new(ErrorCode::Internal, message) })]
            }
            ClientEvent::RoomInfo { server, room, owner, topic, private, moderators, role } => {
                let info = g.rooms.entry((server.clone(), room.clone())).or_default();
                // a broadcast after a change carries no role: ours stays what the join said
                let role = role.or_else(|| info.info.as_ref().and_then(|i| i.role.clone()));
                let members = info.info.as_ref().and_then(|i| i.members.clone());
                let view = RoomInfoView { owner, topic, private, moderators, role, members };
                info.info = Some(view.clone());
                vec![ui(UiEvent::RoomInfo { server, room, info: view })]
            }
            ClientEvent::Removed { server, room, id, by, .. } => {
                if let Some(m) = g.cache.get_mut(&(server.clone(), room.clone())).and_then(|q| q.iter_mut().find(|m| m.id == id)) {
                    if m.removed {
                        return Vec::new();
                    }
                    m.text.clear();
                    m.file = None;
                    m.removed = true;
                    m.removed_by = (!by.is_empty()).then(|| by.clone());
                    g.dirty = true;
                }
                vec![ui(UiEvent::Removed { server, room, id, by })]
            }
            ClientEvent::Kicked { server, room, by, banned } => {
                g.ended.insert((server.clone(), room.clone()));
                vec![ui(UiEvent::Kicked { server, room, by, banned })]
            }
            ClientEvent::ReadMarker { server, room, read_seq, unread, .. } => {
                vec![ui(UiEvent::ReadMarker { server, room, read_seq, unread })]
            }
            ClientEvent::RoomLeft { server, room } => {
                g.ended.insert((server.clone(), room.clone()));
                vec![ui(UiEvent::RoomLeft { server, room })]
            }
            ClientEvent::Edited { server, room, id, text, edited_at, .. } => {
                let key = (server.clone(), room.clone());
                let body = crate::talk::body_of(MessageKind::Text, &text);
                if let Some(m) = g.cache.get_mut(&key).and_then(|q| q.iter_mut().find(|m| m.id == id)) {
                    // a catch-up's refresh repeats what is known: nothing to show
                    if m.edited_at == Some(edited_at) && m.text == text {
                        return Vec::new();
                    }
                    m.text = text.clone();
                    m.body = body.clone();
                    m.edited_at = Some(edited_at);
                    g.dirty = true;
                }
                vec![ui(UiEvent::Edited { server, room, id, text, body, edited_at })]
            }
            ClientEvent::Reactions { server, room, id, reactions, .. } => {
                let key = (server.clone(), room.clone());
                let me = g.rooms.get(&key).map(|i| i.username.clone()).unwrap_or_default();
                let view = crate::talk::reactions_view(&reactions, &me);
                if let Some(m) = g.cache.get_mut(&key).and_then(|q| q.iter_mut().find(|m| m.id == id)) {
                    if m.reactions == view {
                        return Vec::new();
                    }
                    m.reactions = view.clone();
                    g.dirty = true;
                }
                vec![ui(UiEvent::Reactions { server, room, id, reactions: view })]
            }
            // A DM someone else opened with this account: the watcher opens it (membership.rs).
            ClientEvent::DmAdded { .. } => {
                crate::commands::membership::dm_added();
                Vec::new()
            }
        }
    }

    /// Records one of our own messages as soon as it is queued.
    pub fn record_own(&self, server: &str, m: &MessageView) {
        if let Ok(mut g) = self.inner.lock() {
            cache_put(&mut g.cache, &(server.to_owned(), m.room.clone()), m);
            g.dirty = true;
        }
    }

    /// Loads the timeline cache written by [`Glue::save`]; times are re-labelled for today.
    pub fn load(&self, path: &Path) {
        let Ok(text) = std::fs::read_to_string(path) else { return };
        let Ok(rooms) = serde_json::from_str::<Vec<(String, String, Vec<MessageView>)>>(&text) else {
            tracing::warn!("timeline cache unreadable, ignored");
            return;
        };
        if let Ok(mut g) = self.inner.lock() {
            for (server, room, msgs) in rooms {
                let q: VecDeque<MessageView> = msgs
                    .into_iter()
                    .rev()
                    .take(CACHE_PER_ROOM)
                    .rev()
                    .map(|mut m| {
                        (m.time, m.day, m.day_label) = crate::format::stamp(m.created_at);
                        // derived, never read back from the file
                        m.body = crate::talk::body_of(m.kind, &m.text);
                        m
                    })
                    .collect();
                g.cache.insert((server, room), q);
            }
        }
    }

    /// Writes the timeline cache if it changed (atomically).
    pub fn save(&self, path: &Path) {
        let rooms: Vec<(String, String, Vec<MessageView>)> = {
            let Ok(mut g) = self.inner.lock() else { return };
            if !g.dirty {
                return;
            }
            g.dirty = false;
            g.cache.iter().map(|((s, r), q)| (s.clone(), r.clone(), q.iter().cloned().collect())).collect()
        };
        let Ok(json) = serde_json::to_vec(&rooms) else { return };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let tmp = path.with_extension("json.tmp");
        if std::fs::write(&tmp, json).and_then(|_| std::fs::rename(&tmp, path)).is_err() {
            tracing::warn!("could not save the timeline cache");
        }
    }

    /// The personal keywords that ping like `@name` (from the settings).
    pub fn set_keywords(&self, keywords: Vec<String>) {
        if let Ok(mut g) = self.inner.lock() {
            g.keywords = keywords;
        }
    }

    /// The lines held for the rooms of `server`: (room, what to call it, the line).
    pub fn lines_of(&self, server: &str) -> Vec<(String, String, MessageView)> {
        let Ok(g) = self.inner.lock() else { return Vec::new() };
        g.cache
            .iter()
            .filter(|((s, _), _)| s == server)
            .flat_map(|((_, room), q)| {
                let label = g.rooms.get(&(server.to_owned(), room.clone())).map(|i| i.label(room).0).unwrap_or_else(|| room.clone());
                q.iter().map(move |m| (room.clone(), label.clone(), m.clone()))
            })
            .collect()
    }

    /// The file `file_id` of a line held for a room (the file commands fetch it by this).
    pub fn file_of(&self, server: &str, room: &str, file_id: &str) -> Option<crate::ipc::FileView> {
        let g = self.inner.lock().ok()?;
        g.cache.get(&(server.to_owned(), room.to_owned()))?.iter().filter_map(|m| m.file.as_ref()).find(|f| f.id == file_id).cloned()
    }

    /// The line a reply to message `id` quotes, from the lines held (none when not held).
    pub fn reply_ref(&self, server: &str, room: &str, id: &str) -> Option<crate::ipc::ReplyView> {
        let g = self.inner.lock().ok()?;
        let m = g.cache.get(&(server.to_owned(), room.to_owned()))?.iter().find(|m| m.id == id)?;
        let excerpt: String = crate::talk::plain_line(&m.text).chars().take(banter_protocol::ext::REPLY_EXCERPT_CHARS).collect();
        Some(crate::ipc::ReplyView { id: m.id.clone(), seq: m.seq?, username: m.username.clone(), excerpt, removed: m.removed })
    }

        /// Whether `server` is a Banter server (a room joined there said so).
    pub fn is_banter(&self, server: &str) -> bool {
        self.inner.lock().is_ok_and(|g| g.rooms.iter().any(|((s, _), i)| s == server && i.banter))
    }

    /// What to call a room (a DM: its other members).
    pub fn label(&self, server: &str, room: &str) -> String {
        self.inner
            .lock()
            .ok()
            .and_then(|g| g.rooms.get(&(server.to_owned(), room.to_owned())).map(|i| i.label(room).0))
            .unwrap_or_else(|| room.to_owned())
    }

    /// Drops a left room's cache.
    pub fn drop_cache(&self, server: &str, room: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.cache.remove(&(server.to_owned(), room.to_owned()));
            g.dirty = true;
        }
    }

    /// The user's name in a room, for own messages sent before the echo arrives.
    pub fn username(&self, server: &str, room: &str) -> Option<String> {
        self.inner.lock().ok()?.rooms.get(&(server.to_owned(), room.to_owned())).map(|r| r.username.clone())
    }

    /// The message limit the room's server gave when joined.
    pub fn max_message_chars(&self, server: &str, room: &str) -> Option<usize> {
        let g = self.inner.lock().ok()?;
        let n = g.rooms.get(&(server.to_owned(), room.to_owned()))?.max_message_chars;
        (n > 0).then_some(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_history_becomes_views_with_formatted_times() {
        let v = history_view(msg(true, false, "bob")).expect("a message view");
        assert_eq!((v.username.as_str(), v.text.as_str(), v.seq, v.own), ("bob", "<b>hi</b>", Some(1), false));
        assert!(!v.time.is_empty());
        assert!(v.delivery.is_none());
        let own = history_view(msg(true, true, "ann")).expect("a message view");
        assert!(own.own && own.delivery.is_some());
        let not_a_message = ClientEvent::UserJoined { server: "http://s".into(), room: "lobby".into(), username: "x".into() };
        assert!(history_view(not_a_message).is_none());
    }

    fn msg(history: bool, mine: bool, username: &str) -> ClientEvent {
        ClientEvent::Message {
            server: "http://s".into(),
            room: "lobby".into(),
            id: Some(format!("id-{username}-{history}")),
            seq: Some(1),
            username: username.into(),
            text: "<b>hi</b>".into(),
            kind: "text".into(),
            created_at: 0,
            mine,
            system: false,
            history,
            removed: false,
            edited_at: None,
            reactions: vec![],
            reply_to: None,
            file: None,
        }
    }

    /// Ann joined lobby on http://s (a Banter server).
    fn joined(rejoin: bool, latest_seq: Option<u64>, max_message_chars: u32) -> ClientEvent {
        ClientEvent::Joined {
            server: "http://s".into(),
            room: "lobby".into(),
            username: "ann".into(),
            kind: ServerKind::Banter,
            rejoin,
            latest_seq,
            features: vec![],
            max_message_chars,
            read_seq: None,
        }
    }

    #[test]
    fn unread_from_the_read_marker_and_tombstones_and_kicks() {
        let g = Glue::default();
        let mut rx = g.expect_snapshot("http://s", "lobby");
        for (seq, who) in [(1, "bob"), (2, "ann"), (3, "bob")] {
            let mut ev = msg(true, who == "ann", who);
            if let ClientEvent::Message { seq: s, id, .. } = &mut ev {
                *s = Some(seq);
                *id = Some(format!("m{seq}"));
            }
            g.translate(ev);
        }
        let mut j = joined(false, Some(3), 2000);
        if let ClientEvent::Joined { read_seq, .. } = &mut j {
            *read_seq = Some(1);
        }
        g.translate(j);
        let snap = rx.try_recv().unwrap();
        assert_eq!(snap.unread, Some(1), "after seq 1: bob's seq 3, not ann's own seq 2");
        // a removal: the cached line becomes a tombstone, the page is told who did it
        let out = g.translate(ClientEvent::Removed { server: "http://s".into(), room: "lobby".into(), id: "m3".into(), seq: 3, by: "ann".into() });
        assert!(matches!(&out[0].ui, UiEvent::Removed { by, .. } if by == "ann"));
        let cached = g.inner.lock().unwrap().cache[&("http://s".to_owned(), "lobby".to_owned())].iter().find(|m| m.id == "m3").cloned().unwrap();
        assert!(cached.removed && cached.text.is_empty() && cached.removed_by.as_deref() == Some("ann"));
        // kicked: said once, and the disconnect that follows is the room's, not the server's
        let out = g.translate(ClientEvent::Kicked { server: "http://s".into(), room: "lobby".into(), by: "ann".into(), banned: false });
        assert!(matches!(&out[0].ui, UiEvent::Kicked { banned: false, .. }));
        let out = g.translate(ClientEvent::Disconnected { server: "http://s".into(), room: "lobby".into(), reason: "kicked".into() });
        assert!(out.is_empty(), "no server-wide 'disconnected'");
        // so is a room left (or closed) here
        g.translate(ClientEvent::Left { server: "http://s".into(), room: "random".into() });
        let out = g.translate(ClientEvent::Disconnected { server: "http://s".into(), room: "random".into(), reason: "left".into() });
        assert!(out.is_empty(), "leaving a room does not make the server look offline");
        let out = g.translate(ClientEvent::Disconnected { server: "http://s".into(), room: "other".into(), reason: "refused".into() });
        assert_eq!(out.len(), 1, "a room that ends by itself still says so");
        // a room's settings broadcast keeps our role from the join
        g.translate(ClientEvent::RoomInfo { server: "http://s".into(), room: "lobby".into(), owner: Some("ann".into()), topic: "t".into(), private: false, moderators: vec![], role: Some("owner".into()) });
        let out = g.translate(ClientEvent::RoomInfo { server: "http://s".into(), room: "lobby".into(), owner: Some("ann".into()), topic: "new".into(), private: true, moderators: vec![], role: None });
        assert!(matches!(&out[0].ui, UiEvent::RoomInfo { info, .. } if info.role.as_deref() == Some("owner") && info.topic == "new"));
    }

    #[test]
    fn history_goes_into_one_snapshot_not_events() {
        let g = Glue::default();
        let mut rx = g.expect_snapshot("http://s", "lobby");
        assert!(g.translate(msg(true, false, "bob")).is_empty());
        assert!(g.translate(msg(true, true, "ann")).is_empty());
        let out = g.translate(joined(false, Some(2), 2000));
        assert!(out.is_empty(), "the waiting join command gets it");
        let snap = rx.try_recv().unwrap();
        assert_eq!(snap.messages.len(), 2);
        assert!(snap.messages[1].own);
        assert_eq!(snap.messages[0].text, "<b>hi</b>", "text passes untouched: the UI shows it as text");
    }

    #[test]
    fn a_rejoin_snapshot_keeps_the_servers_message_limit() {
        let g = Glue::default();
        let out = g.translate(joined(true, None, 500));
        match &out[0].ui {
            UiEvent::Room { snapshot } => assert_eq!(snapshot.max_message_chars, 500),
            other => panic!("{other:?}"),
        }
        // and `send` checks against it
        assert_eq!(g.max_message_chars("http://s", "lobby"), Some(500));
        assert_eq!(g.max_message_chars("http://s", "elsewhere"), None);
    }

    #[test]
    fn live_events_notify_for_others_only() {
        let g = Glue::default();
        g.translate(joined(true, None, 2000));
        let out = g.translate(msg(false, false, "bob"));
        assert!(out[0].notify.is_some());
        let out = g.translate(msg(false, true, "ann"));
        assert!(out[0].notify.is_none());
        let out = g.translate(ClientEvent::UserJoined { server: "http://s".into(), room: "lobby".into(), username: "cy".into() });
        let n = out[0].notify.as_ref().unwrap();
        assert_eq!((n.username.as_str(), n.own_username.as_str()), ("cy", "ann"));
        match &out[0].ui {
            UiEvent::Presence { users, .. } => assert_eq!(users, &vec!["cy".to_string()]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_location_is_a_location_line_and_notifies_as_one() {
        let g = Glue::default();
        g.translate(joined(true, None, 2000));
        let url = "https://google.com/maps?q=48.8566,2.3522";
        let ev = match msg(false, false, "bob") {
            ClientEvent::Message { server, room, id, seq, username, created_at, mine, system, history, .. } => {
                ClientEvent::Message { server, room, id, seq, username, text: url.into(), kind: "location".into(), created_at, mine, system, history, removed: false, edited_at: None, reactions: vec![], reply_to: None, file: None }
            }
            _ => unreachable!(),
        };
        let out = g.translate(ev);
        match &out[0].ui {
            UiEvent::Message { message, .. } => assert_eq!((message.kind, message.text.as_str()), (MessageKind::Location, url)),
            other => panic!("{other:?}"),
        }
        let n = out[0].notify.as_ref().unwrap();
        assert_eq!(n.kind, notify_policy::EventKind::Message { text: "shared a location".into(), mention: false });
        assert_eq!(map_err(banter_client::location::check(91.0, 0.0).unwrap_err()).code, ErrorCode::Invalid);
    }

    #[test]
    fn the_recent_past_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.json");
        let g = Glue::default();
        g.translate(joined(false, Some(1), 2000));
        g.translate(msg(false, false, "bob"));
        g.save(&path);
        let g2 = Glue::default();
        g2.load(&path);
        let mut rx = g2.expect_snapshot("http://s", "lobby");
        g2.translate(joined(false, Some(1), 2000));
        let snap = rx.try_recv().unwrap();
        assert_eq!(snap.messages.len(), 1, "shown again after a restart");
        assert_eq!(snap.messages[0].username, "bob");
    }

    #[test]
    fn errors_say_what_to_do() {
        let e = map_err(ClientError::JoinRefused { room: "lobby".into(), reason: "Username is in use!".into() });
        assert_eq!(e.code, ErrorCode::Refused);
        assert_eq!(e.message, "Joining lobby refused: Username is in use!");
        let e = map_err(ClientError::Unreachable {
            server: "http://127.0.0.1:9".into(),
            detail: "EngineIO Error: Error with websocket connection: IO error: Connection refused (os error 111)".into(),
        });
        assert_eq!(e.code, ErrorCode::Unreachable);
        assert_eq!(
            e.message,
            "Nothing is listening at 127.0.0.1:9 (the connection was refused). Check the URL and that the server is running."
        );
        let e = map_err(ClientError::Unauthorized { server: "http://s".into(), message: "a token is required".into() });
        assert_eq!(e.code, ErrorCode::Unauthorized);
        assert!(e.message.ends_with("Enter the server's access token in the Token field (ask its owner for it)."), "{}", e.message);
    }

    #[test]
    fn account_errors_are_account_codes_in_plain_words() {
        let cases = [
            (ClientError::WrongLogin, ErrorCode::Account, "Wrong name or password."),
            (ClientError::NameTaken { name: "ann".into() }, ErrorCode::Account, "The name \"ann\" is taken on this server: choose another."),
            (ClientError::TooManyAttempts, ErrorCode::Account, "Too many sign-in attempts: wait a minute and try again."),
            (ClientError::RegistrationClosed, ErrorCode::Account, "Registration is closed on this server."),
            (ClientError::InviteRequired, ErrorCode::Account, "An invite code is required to register on this server."),
            (ClientError::InviteInvalid, ErrorCode::Account, "This invite code is not valid (unknown, used up or expired)."),
            (ClientError::NoSuchSession, ErrorCode::Account, "No such session."),
            (ClientError::AccountRefused("Passwords must be 8 to 1024 bytes long.".into()), ErrorCode::Account, "The server refused: Passwords must be 8 to 1024 bytes long."),
            (
                ClientError::SessionInvalid { server: "http://127.0.0.1:3000".into() },
                ErrorCode::SessionInvalid,
                "Your session on 127.0.0.1:3000 is not valid any more (signed out, revoked or expired): sign in again.",
            ),
            (
                ClientError::NotABanterServer { server: "http://127.0.0.1:3000".into() },
                ErrorCode::NoAccounts,
                "127.0.0.1:3000 is a classic chat server, not a Banter server: it has no accounts.",
            ),
            (ClientError::AccountsUnsupported { server: "http://10.0.0.2:3000".into() }, ErrorCode::NoAccounts, "10.0.0.2:3000 is a Banter server without accounts."),
        ];
        for (e, code, message) in cases {
            let got = map_err(e);
            assert_eq!(got, CommandError::new(code, message));
        }
        // on the wire as the page reads it
        let json = serde_json::to_string(&map_err(ClientError::WrongLogin)).unwrap();
        assert_eq!(json, r#"{"code":"account","message":"Wrong name or password."}"#);
    }
}

/// `host:port` of a server URL, as a person reads it.
fn display_host(server: &str) -> &str {
    let rest = server.split_once("://").map_or(server, |(_, r)| r);
    rest.trim_end_matches('/')
}

#[cfg(test)]
mod display_host_tests {
    #[test]
    fn shows_host_and_port() {
        assert_eq!(super::display_host("http://127.0.0.1:3000/"), "127.0.0.1:3000");
        assert_eq!(super::display_host("https://chat.example.org"), "chat.example.org");
    }
}
