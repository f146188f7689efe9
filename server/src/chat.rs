//! The Socket.IO event handlers: the classic chat protocol and Banter's extensions.
//!
//! Handlers are plain closures that do their work synchronously and return a ready future:
//! socketioxide calls the closure in the order events arrive on the socket and only spawns
//! the future, so a socket's `join` is always handled before the `sendMessage` that follows
//! it. Room state is changed and broadcast under the room's lock, so every member sees a
//! room's messages in sequence order.

use std::future::{ready, Ready};

use banter_protocol::classic::{self, ChatMessage, Location, LocationMessage, RoomData};
use banter_protocol::ext::{
    self, HistoryPage, HistoryRequest, JoinAccepted, JoinExtension, LeaveRequest, LocationRequest, Message, MessageKind,
    Presence, PresenceEvent, Received, SendAccepted, SendRequest, Typing, TypingRequest,
};
use banter_protocol::rules;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use socketioxide::extract::{AckSender, SocketRef, TryData};
use socketioxide::ParserError;

use crate::emit::{self, banter_room, classic_room};
use crate::metrics::{now_ms, Metrics};
use crate::profanity;
use crate::room::{Accepted, Draft, JoinError, SocketKind};
use crate::rooms::lock;
use crate::session::SessionRef;
use crate::state::{AppState, Shared};
use crate::store::MAX_PAGE;

pub const ERR_NOT_JOINED: &str = "Join a room first!";
pub const ERR_NOT_IN_ROOM: &str = "Not in that room!";
pub const ERR_ALREADY_IN_A_ROOM: &str = "Already in a room!";
pub const ERR_ALREADY_IN_ROOM: &str = "Already in that room!";
pub const ERR_SLOW_DOWN: &str = "Slow down! Too many messages.";
pub const ERR_SERVER: &str = "Server error, please try again.";
pub const ERR_BAD_LOCATION: &str = "Invalid payload: latitude must be within ±90 and longitude within ±180";
const DEFAULT_HISTORY_PAGE: u32 = 100;

type Payload = Result<Value, ParserError>;
type Handler = fn(&Shared, &SocketRef, Payload, AckSender);

/// Registers every event handler on a new socket. Called from the connect middleware, which
/// runs before the server confirms the connection (see `lib.rs`).
pub fn register(st: &Shared, s: &SocketRef) {
    s.extensions.insert(SessionRef::new(st.config.rate_limit, st.config.event_limit));
    on(st, s, classic::JOIN, join);
    on(st, s, classic::SEND_MESSAGE, send_message);
    on(st, s, classic::SEND_LOCATION, send_location);
    on(st, s, ext::SEND, banter_send);
    on(st, s, ext::LOCATION, banter_location);
    on(st, s, ext::LEAVE, banter_leave);
    on(st, s, ext::HISTORY, banter_history);
    on(st, s, ext::TYPING, banter_typing);
    on(st, s, ext::RECEIVED, banter_received);
    let fallback_st = st.clone();
    s.on_fallback(move |s: SocketRef, socketioxide::extract::Event(name): socketioxide::extract::Event| {
        unknown_event(&fallback_st, &s, &name);
        ready(())
    });
    let disconnect_st = st.clone();
    s.on_disconnect(move |s: SocketRef| {
        disconnect(&disconnect_st, &s);
        ready(())
    });
}

fn on(st: &Shared, s: &SocketRef, event: &'static str, f: Handler) {
    let st = st.clone();
    s.on(event, move |s: SocketRef, TryData(data): TryData<Value>, ack: AckSender| -> Ready<()> {
        if admit(&st, &s, event) {
            f(&st, &s, data, ack);
        } else {
            // Over the flood limit: an event that asked for an ack is told so; others are
            // only counted (and logged, throttled).
            let _ = ack.send(ERR_SLOW_DOWN);
        }
        ready(())
    });
}

fn session(s: &SocketRef) -> SessionRef {
    // Always present: inserted in `register` before any handler can run.
    s.extensions.get::<SessionRef>().unwrap_or_else(|| SessionRef::new(0, 0))
}

/// The flood limit on every event: beyond it events are dropped and logged.
fn admit(st: &AppState, s: &SocketRef, event: &str) -> bool {
    if session(s).lock().admit_event() {
        return true;
    }
    Metrics::inc(&st.metrics.dropped_events, 1);
    if st.metrics.may_warn() {
        tracing::warn!(sid = %s.id, event, "event flood: dropping events over the limit");
    }
    false
}

fn unknown_event(st: &AppState, s: &SocketRef, name: &str) {
    if !admit(st, s, "unknown") {
        return;
    }
    Metrics::inc(&st.metrics.dropped_events, 1);
    if st.metrics.may_warn() {
        let name: String = name.chars().take(64).collect();
        tracing::info!(sid = %s.id, event = %name, "unknown event dropped (logged at most once a second)");
    }
}

// ---- acks -------------------------------------------------------------------------------

/// Classic success, like JS `cb()`: no argument.
fn ack_ok(ack: AckSender) {
    let _ = ack.send(&[(); 0]);
}

/// A refusal: one string, as the classic server sends it.
fn ack_err(st: &AppState, ack: AckSender, reason: impl AsRef<str>) {
    Metrics::inc(&st.metrics.refused, 1);
    let _ = ack.send(reason.as_ref());
}

/// Banter success with data: `(null, data)`.
fn ack_data<T: Serialize>(ack: AckSender, data: &T) {
    let _ = ack.send(&(None::<()>, data));
}

fn parse<T: DeserializeOwned>(data: Payload, what: &str) -> Result<T, String> {
    let value = data.map_err(|_| format!("Invalid payload: expected {what}"))?;
    serde_json::from_value(value).map_err(|e| {
        let detail: String = e.to_string().chars().take(120).collect();
        format!("Invalid payload: expected {what} ({detail})")
    })
}

// ---- join -------------------------------------------------------------------------------

fn join(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let obj = match data {
        Ok(Value::Object(obj)) => obj,
        _ => return ack_err(st, ack, classic::ERR_REQUIRED),
    };
    let extension = match obj.get("banter") {
        None => None,
        Some(v) => match serde_json::from_value::<JoinExtension>(v.clone()) {
            Ok(e) => Some(e),
            Err(_) => return ack_err(st, ack, r#"Invalid payload: "banter" must be {"v": 1}"#),
        },
    };
    let field = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("");
    let (username, room_name) = match rules::check_join(
        field("username"),
        field("room"),
        rules::MAX_USERNAME_CHARS,
        rules::MAX_ROOM_CHARS,
    ) {
        Ok(v) => v,
        Err(e) => return ack_err(st, ack, e.to_string()),
    };
    let kind = if extension.is_some() { SocketKind::Banter } else { SocketKind::Classic };
    let session = session(s);
    {
        let sess = session.lock();
        if sess.username_in(&room_name).is_some() {
            return ack_err(st, ack, ERR_ALREADY_IN_ROOM);
        }
        // A classic socket holds one room, as on a classic server.
        if !sess.rooms.is_empty() && (kind == SocketKind::Classic || sess.kind == Some(SocketKind::Classic)) {
            return ack_err(st, ack, ERR_ALREADY_IN_A_ROOM);
        }
    }
    let sid = s.id.to_string();
    loop {
        let room = match st.rooms.get_or_load(&room_name) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(room = %room_name, error = %e, "cannot load room");
                return ack_err(st, ack, ERR_SERVER);
            }
        };
        let mut g = lock(&room);
        if g.evicted {
            continue; // dropped while we looked it up: load it again
        }
        let mut added = g.add_member(&sid, &username, kind);
        if added == Err(JoinError::InUse) && evict_stale_holder(st, &mut g, &username) {
            added = g.add_member(&sid, &username, kind);
        }
        match added {
            Ok(()) => {}
            Err(JoinError::InUse) => return ack_err(st, ack, classic::ERR_IN_USE),
            Err(JoinError::AlreadyMember) => return ack_err(st, ack, ERR_ALREADY_IN_ROOM),
        }
        {
            let mut sess = session.lock();
            sess.kind = Some(kind);
            sess.rooms.push((room_name.clone(), username.clone()));
        }
        let now = now_ms();
        let (croom, broom) = (classic_room(&room_name), banter_room(&room_name));
        s.join(match kind {
            SocketKind::Classic => croom.clone(),
            SocketKind::Banter => broom.clone(),
        });
        // The classic order: welcome to the joiner, notice to the others, roomData, ack.
        if kind == SocketKind::Classic {
            let welcome = ChatMessage { username: classic::ADMIN.into(), text: classic::WELCOME.into(), created_at: now };
            let _ = s.emit(classic::MESSAGE, &welcome);
        }
        let notice = ChatMessage { username: classic::ADMIN.into(), text: classic::joined_text(&username), created_at: now };
        emit::now(&st.metrics, "join notice", s.broadcast().to(croom.clone()).emit(classic::MESSAGE, &notice));
        let presence =
            Presence { room: room_name.clone(), username: username.clone(), event: PresenceEvent::Joined, users: g.usernames(), at: now };
        emit::now(&st.metrics, "presence", s.broadcast().to(broom).emit(ext::PRESENCE, &presence));
        let room_data = RoomData { room: room_name.clone(), users: g.room_users() };
        emit::now(&st.metrics, "roomData", s.within(croom).emit(classic::ROOM_DATA, &room_data));
        st.store.ensure_room(&room_name, now);
        tracing::info!(sid = %s.id, room = %room_name, user = %username, banter = extension.is_some(), transport = ?s.transport_type(), "joined");

        let Some(extension) = extension else { return ack_ok(ack) };
        let (history, more) = match extension.since {
            None => g.tail(st.config.history_on_join as usize),
            Some(since) => match g.since(since, MAX_PAGE as usize) {
                Some(page) => page,
                None => match tokio::task::block_in_place(|| st.store.history_blocking(&room_name, since, MAX_PAGE)) {
                    Ok(page) => page,
                    Err(e) => {
                        tracing::error!(room = %room_name, error = %e, "history read failed");
                        (Vec::new(), true)
                    }
                },
            },
        };
        let accepted = JoinAccepted {
            protocol: ext::PROTOCOL_VERSION,
            room: room_name,
            username,
            latest_seq: g.latest_seq(),
            history,
            more,
            users: g.usernames(),
            features: st.features(),
            limits: st.limits(),
        };
        drop(g);
        return ack_data(ack, &accepted);
    }
}

/// A name held by a member whose socket is gone (its disconnect was never handled) would
/// be "in use" forever: such a member is dropped. True when one was.
fn evict_stale_holder(st: &AppState, g: &mut crate::room::RoomState, username: &str) -> bool {
    let Some(holder) = g.member_named(username).map(|m| m.sid.clone()) else { return false };
    let connected = holder.parse().ok().and_then(|sid| st.io.get_socket(sid)).is_some_and(|s| s.connected());
    if connected {
        return false;
    }
    tracing::warn!(room = %g.name, user = %username, sid = %holder, "dropping a member whose socket is gone");
    g.remove_member(&holder);
    true
}

// ---- leaving ----------------------------------------------------------------------------

fn leave_room(st: &AppState, s: &SocketRef, room_name: &str) {
    let sid = s.id.to_string();
    if let Some(room) = st.rooms.get(room_name) {
        let mut g = lock(&room);
        if let Some(member) = g.remove_member(&sid) {
            let (croom, broom) = (classic_room(room_name), banter_room(room_name));
            s.leave([croom.clone(), broom.clone()]);
            let now = now_ms();
            let notice = ChatMessage { username: classic::ADMIN.into(), text: classic::left_text(&member.username), created_at: now };
            // `broadcast()`: inside a disconnect handler the socket is still in its rooms.
            emit::now(&st.metrics, "leave notice", s.broadcast().to(croom.clone()).emit(classic::MESSAGE, &notice));
            let room_data = RoomData { room: room_name.to_owned(), users: g.room_users() };
            emit::now(&st.metrics, "roomData", s.broadcast().to(croom).emit(classic::ROOM_DATA, &room_data));
            let presence = Presence {
                room: room_name.to_owned(),
                username: member.username.clone(),
                event: PresenceEvent::Left,
                users: g.usernames(),
                at: now,
            };
            emit::now(&st.metrics, "presence", s.broadcast().to(broom).emit(ext::PRESENCE, &presence));
            tracing::info!(sid = %s.id, room = %room_name, user = %member.username, "left");
        }
        drop(g);
        st.rooms.evict_if_empty(room_name);
    }
    session(s).lock().rooms.retain(|(r, _)| r != room_name);
}

fn disconnect(st: &AppState, s: &SocketRef) {
    let rooms: Vec<String> = session(s).lock().rooms.iter().map(|(r, _)| r.clone()).collect();
    for room in rooms {
        leave_room(st, s, &room);
    }
    tracing::debug!(sid = %s.id, "disconnected");
}

fn banter_leave(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: LeaveRequest = match parse(data, r#"{"room": string}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let room = rules::normalise_name(&req.room);
    if session(s).lock().username_in(&room).is_none() {
        return ack_err(st, ack, ERR_NOT_IN_ROOM);
    }
    leave_room(st, s, &room);
    ack_ok(ack);
}

// ---- messages ---------------------------------------------------------------------------

/// Checks the rate limit, the length and the profanity filter; the refusal text otherwise.
fn vet_text(st: &AppState, s: &SocketRef, text: &str) -> Result<(), String> {
    if !session(s).lock().messages.try_take() {
        return Err(ERR_SLOW_DOWN.into());
    }
    rules::check_message(text, st.config.max_message_chars as usize).map_err(|e| e.to_string())?;
    if profanity::refuses(st.config.profanity, text) {
        return Err(classic::ERR_PROFANITY.into());
    }
    Ok(())
}

/// What a sender is told once its message is settled: the stored message and whether it
/// was a duplicate, or the refusal.
type Settled = Box<dyn FnOnce(Result<(Message, bool), &'static str>) + Send>;

/// Accepts a message into a room. The message is numbered now (under the room's lock, so
/// numbers follow arrival order) but sent to the room's members and acknowledged to its
/// sender only after the store has committed it: an acknowledged message is never lost by
/// a crash, and a seq is never handed out twice. The store's writer runs these callbacks in
/// commit order, so members still receive a room's messages in seq order.
fn publish(st: &Shared, s: &SocketRef, room_name: &str, draft: Draft, stored: Option<Message>, settled: Settled) {
    let Some(room) = st.rooms.get(room_name) else { return settled(Err(ERR_NOT_JOINED)) };
    let sid = s.id.to_string();
    let mut g = lock(&room);
    if g.member(&sid).is_none() {
        return settled(Err(ERR_NOT_JOINED));
    }
    match g.accept(draft, &sid, now_ms(), stored) {
        // A duplicate may still be on its way to disk: answer after what is queued.
        Accepted::Duplicate(m) => st.store.after_commit(move || settled(Ok((m, true)))),
        Accepted::New(m) => {
            Metrics::inc(&st.metrics.messages, 1);
            let st2 = st.clone();
            st.store.append_then(m.clone(), move |committed| {
                if committed {
                    broadcast_message(&st2, &m);
                    settled(Ok((m, false)));
                } else {
                    settled(Err(ERR_SERVER));
                }
            });
        }
    }
}

/// Sends a stored message to every member of its room: classic sockets get the classic
/// event, Banter sockets `banter:message`.
fn broadcast_message(st: &AppState, m: &Message) {
    let croom = classic_room(&m.room);
    match m.kind {
        MessageKind::Text => {
            let classic = ChatMessage { username: m.username.clone(), text: m.text.clone(), created_at: m.created_at };
            emit::now(&st.metrics, "message", st.io.to(croom).emit(classic::MESSAGE, &classic));
        }
        MessageKind::Location => {
            let classic = LocationMessage { username: m.username.clone(), url: m.text.clone(), created_at: m.created_at };
            emit::now(&st.metrics, "locationMessage", st.io.to(croom).emit(classic::LOCATION_MESSAGE, &classic));
        }
    }
    emit::now(&st.metrics, "banter:message", st.io.to(banter_room(&m.room)).emit(ext::MESSAGE, m));
}

/// A classic ack once the message is settled: `cb()` or `cb(reason)`.
fn classic_settled(st: &Shared, ack: AckSender) -> Settled {
    let st = st.clone();
    Box::new(move |result| match result {
        Ok(_) => ack_ok(ack),
        Err(reason) => ack_err(&st, ack, reason),
    })
}

fn send_message(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let Some((room, username)) = session(s).lock().classic_room().map(|(r, u)| (r.to_owned(), u.to_owned())) else {
        return ack_err(st, ack, ERR_NOT_JOINED);
    };
    let text = match data {
        Ok(Value::String(t)) => t,
        _ => return ack_err(st, ack, "Invalid payload: the message must be a string"),
    };
    if let Err(reason) = vet_text(st, s, &text) {
        return ack_err(st, ack, reason);
    }
    let draft = Draft { id: uuid::Uuid::now_v7().to_string(), username, kind: MessageKind::Text, text };
    publish(st, s, &room, draft, None, classic_settled(st, ack));
}

fn send_location(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let Some((room, username)) = session(s).lock().classic_room().map(|(r, u)| (r.to_owned(), u.to_owned())) else {
        return ack_err(st, ack, ERR_NOT_JOINED);
    };
    let location: Location = match parse(data, r#"{"latitude": number, "longitude": number}"#) {
        Ok(l) => l,
        Err(e) => return ack_err(st, ack, e),
    };
    if !location.is_valid() {
        return ack_err(st, ack, ERR_BAD_LOCATION);
    }
    if !session(s).lock().messages.try_take() {
        return ack_err(st, ack, ERR_SLOW_DOWN);
    }
    let draft = Draft { id: uuid::Uuid::now_v7().to_string(), username, kind: MessageKind::Location, text: location.maps_url() };
    publish(st, s, &room, draft, None, classic_settled(st, ack));
}

fn banter_send(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: SendRequest = match parse(data, r#"{"id": string, "room": string, "text": string}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let room_name = rules::normalise_name(&req.room);
    let Some(username) = session(s).lock().username_in(&room_name).map(str::to_owned) else {
        return ack_err(st, ack, ERR_NOT_IN_ROOM);
    };
    if let Err(e) = rules::check_message_id(&req.id) {
        return ack_err(st, ack, e.to_string());
    }
    // A resend of a stored message is acknowledged again before any other check, so an
    // outbox replay is never refused by the rate limit.
    let stored = match lookup_stored(st, &room_name, &req.id) {
        Ok(m) => m,
        Err(()) => return ack_err(st, ack, ERR_SERVER),
    };
    if stored.is_none() {
        if let Err(reason) = vet_text(st, s, &req.text) {
            return ack_err(st, ack, reason);
        }
    }
    let draft = Draft { id: req.id, username, kind: MessageKind::Text, text: req.text };
    publish(st, s, &room_name, draft, stored, banter_settled(st, ack));
}

/// A Banter ack once the message is settled: `cb(null, SendAccepted)` or `cb(reason)`.
fn banter_settled(st: &Shared, ack: AckSender) -> Settled {
    let st = st.clone();
    Box::new(move |result| match result {
        Ok((m, duplicate)) => {
            ack_data(ack, &SendAccepted { id: m.id, room: m.room, seq: m.seq, created_at: m.created_at, duplicate })
        }
        Err(reason) => ack_err(&st, ack, reason),
    })
}

/// `banter:location`: `sendLocation` with the sender's id, deduplicated like `banter:send`;
/// stored and broadcast as the classic handler does (`locationMessage` to classic sockets).
fn banter_location(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: LocationRequest =
        match parse(data, r#"{"id": string, "room": string, "latitude": number, "longitude": number}"#) {
            Ok(r) => r,
            Err(e) => return ack_err(st, ack, e),
        };
    let room_name = rules::normalise_name(&req.room);
    let Some(username) = session(s).lock().username_in(&room_name).map(str::to_owned) else {
        return ack_err(st, ack, ERR_NOT_IN_ROOM);
    };
    if let Err(e) = rules::check_message_id(&req.id) {
        return ack_err(st, ack, e.to_string());
    }
    let location = req.location();
    if !location.is_valid() {
        return ack_err(st, ack, ERR_BAD_LOCATION);
    }
    let stored = match lookup_stored(st, &room_name, &req.id) {
        Ok(m) => m,
        Err(()) => return ack_err(st, ack, ERR_SERVER),
    };
    if stored.is_none() && !session(s).lock().messages.try_take() {
        return ack_err(st, ack, ERR_SLOW_DOWN);
    }
    let draft = Draft { id: req.id, username, kind: MessageKind::Location, text: location.maps_url() };
    publish(st, s, &room_name, draft, stored, banter_settled(st, ack));
}

/// The stored message with this id, when the room's memory cannot tell: memory answers for
/// recent ids; only ids it does not cover cost one indexed read of the store.
fn lookup_stored(st: &AppState, room_name: &str, id: &str) -> Result<Option<Message>, ()> {
    let Some(room) = st.rooms.get(room_name) else { return Ok(None) };
    let need = {
        let g = lock(&room);
        if let Some(m) = g.find_recent_id(id) {
            return Ok(Some(m));
        }
        g.store_lookup_needed(id)
    };
    let result = match need {
        None => return Ok(None),
        Some(flush_first) => tokio::task::block_in_place(|| {
            if flush_first {
                st.store.flush_blocking();
            }
            st.store.find_id_blocking(room_name, id)
        }),
    };
    result.map_err(|e| tracing::error!(room = %room_name, error = %e, "id lookup failed"))
}

// ---- history, typing, receipts ----------------------------------------------------------

fn banter_history(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: HistoryRequest = match parse(data, r#"{"room": string, "since"?: number, "before"?: number, "limit"?: number}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let room_name = rules::normalise_name(&req.room);
    if session(s).lock().username_in(&room_name).is_none() {
        return ack_err(st, ack, ERR_NOT_IN_ROOM);
    }
    let limit = req.limit.unwrap_or(DEFAULT_HISTORY_PAGE).clamp(1, MAX_PAGE);
    if let Some(before) = req.before {
        // Older history: rarely hot, read from the store.
        let store = st.store.clone();
        tokio::spawn(async move {
            match store.history_before(&room_name, req.since, before, limit).await {
                Ok((messages, more)) => ack_data(ack, &HistoryPage { room: room_name, messages, more }),
                Err(e) => {
                    tracing::error!(room = %room_name, error = %e, "history read failed");
                    let _ = ack.send(ERR_SERVER);
                }
            }
        });
        return;
    }
    let from_memory = st.rooms.get(&room_name).and_then(|r| lock(&r).since(req.since, limit as usize));
    if let Some((messages, more)) = from_memory {
        return ack_data(ack, &HistoryPage { room: room_name, messages, more });
    }
    let store = st.store.clone();
    tokio::spawn(async move {
        match store.history(&room_name, req.since, limit).await {
            Ok((messages, more)) => ack_data(ack, &HistoryPage { room: room_name, messages, more }),
            Err(e) => {
                tracing::error!(room = %room_name, error = %e, "history read failed");
                let _ = ack.send(ERR_SERVER);
            }
        }
    });
}

fn banter_typing(st: &Shared, s: &SocketRef, data: Payload, _ack: AckSender) {
    let Ok(req) = parse::<TypingRequest>(data, "typing") else { return };
    let room_name = rules::normalise_name(&req.room);
    let session = session(s);
    let username = {
        let mut sess = session.lock();
        if !sess.typing.try_take() {
            return;
        }
        match sess.username_in(&room_name) {
            Some(u) => u.to_owned(),
            None => return,
        }
    };
    let typing = Typing { room: room_name.clone(), username, typing: req.typing };
    emit::now(&st.metrics, "typing", s.broadcast().to(banter_room(&room_name)).emit(ext::TYPING, &typing));
}

fn banter_received(st: &Shared, s: &SocketRef, data: Payload, _ack: AckSender) {
    let Ok(req) = parse::<Received>(data, "received") else { return };
    let room_name = rules::normalise_name(&req.room);
    if let Some(room) = st.rooms.get(&room_name) {
        lock(&room).confirm(&s.id.to_string(), req.seq);
    }
}

/// Sends the receipts that changed to their senders, coalesced: at most one per message
/// per tick.
pub async fn flush_receipts_forever(st: Shared) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        for room in st.rooms.all() {
            let dirty = lock(&room).take_dirty_receipts();
            for (sid, receipt) in dirty {
                let socket = sid.parse().ok().and_then(|sid| st.io.get_socket(sid));
                if let Some(socket) = socket {
                    let _ = socket.emit(ext::RECEIPT, &receipt);
                }
            }
        }
    }
}
