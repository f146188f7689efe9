//! The translation of one core event into UI events and notification candidates, with
//! what the glue keeps about rooms (members, the cache, snapshots being gathered).

use banter_client::{AckStatus, ClientEvent, ServerKind};

use super::errors::display_host;
use super::{cache_put, unread_after, view, CoreEvent, Glue};
use crate::error::{CommandError, ErrorCode};
use crate::ipc::{ConnectionState, Delivery, DeliveryState, MessageKind, MessageView, RoomInfoView, RoomSnapshot, UiEvent};
use crate::notify_policy;

impl Glue {
    pub(super) fn translate(&self, ev: ClientEvent) -> Vec<CoreEvent> {
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
                let info = g.rooms.get(&key);
                let me = info.map(|i| i.username.clone()).unwrap_or_default();
                let mentions_me = mkind == MessageKind::Text
                    && !mine
                    && !removed
                    && crate::talk::pings_me(&text, &username, &me, &g.keywords, info.and_then(|i| i.info.as_ref()));
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
}
