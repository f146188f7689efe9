//! Messages and locations, classic and Banter: vetted, numbered, committed, then broadcast
//! and acknowledged.

use banter_protocol::classic::{self, ChatMessage, Location, LocationMessage};
use banter_protocol::ext::{self, LocationRequest, Message, MessageKind, SendAccepted, SendRequest};
use banter_protocol::rules;
use serde_json::Value;
use crate::sio::{AckSender, SocketRef};

use super::{ack_data, ack_err, ack_ok, parse, session, Payload, ERR_BAD_LOCATION, ERR_NOT_IN_ROOM, ERR_NOT_JOINED, ERR_SERVER, ERR_SLOW_DOWN};
use crate::emit::{self, banter_room, classic_room};
use crate::metrics::{now_ms, Metrics};
use crate::profanity;
use crate::room::{Accepted, Draft};
use crate::rooms::lock;
use crate::state::{AppState, Shared};

// ---- messages ---------------------------------------------------------------------------

/// Checks the rate limit, the length and the profanity filter; the refusal text otherwise.
pub(super) fn vet_text(st: &AppState, s: &SocketRef, text: &str) -> Result<(), String> {
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
    publish_from(st, &s.id.to_string(), room_name, draft, stored, settled)
}

/// [`publish`] for the member socket `sid`.
fn publish_from(st: &Shared, sid: &str, room_name: &str, draft: Draft, stored: Option<Message>, settled: Settled) {
    let Some(room) = st.rooms.get(room_name) else { return settled(Err(ERR_NOT_JOINED)) };
    let sid = sid.to_owned();
    let mut g = lock(&room);
    if g.member(&sid).is_none() {
        return settled(Err(ERR_NOT_JOINED));
    }
    if st.store.numbers_messages() {
        drop(g);
        return publish_numbered(st, sid, room_name, draft, stored, settled);
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
                    if let Some(room) = st2.rooms.get(&m.room) {
                        lock(&room).forget(&m.id);
                    }
                    settled(Err(ERR_SERVER));
                }
            });
        }
    }
}

/// [`publish_from`] on a store that numbers messages (PostgreSQL, shared by several nodes):
/// the database gives the seq in the transaction that stores the message, or answers a
/// resend with the stored one; only then is it broadcast (through the adapter, to every
/// node's members) and acknowledged. A failed write stores nothing and says "try again":
/// the sender's outbox resends it later under the same id.
fn publish_numbered(st: &Shared, sid: String, room_name: &str, draft: Draft, stored: Option<Message>, settled: Settled) {
    if let Some(m) = stored {
        return settled(Ok((m, true)));
    }
    let message = Message {
        id: draft.id,
        room: room_name.to_owned(),
        seq: 0,
        username: draft.username,
        kind: draft.kind,
        text: draft.text,
        created_at: now_ms(),
        removed: false,
        edited_at: None,
        reactions: Vec::new(),
        reply_to: draft.reply_to,
        file: draft.file,
    };
    let st2 = st.clone();
    st.store.append_numbered(message, move |result| match result {
        Ok((m, true)) => settled(Ok((m, true))),
        Ok((m, false)) => {
            Metrics::inc(&st2.metrics.messages, 1);
            if let Some(room) = st2.rooms.get(&m.room) {
                lock(&room).committed(&m, &sid);
            }
            broadcast_message(&st2, &m);
            settled(Ok((m, false)))
        }
        Err(()) => settled(Err(ext::ERR_STORE_UNAVAILABLE)),
    });
}

/// Posts a message for an account that is in the room now, on one of its sockets, under its
/// name (an upload, `crate::files`): deduplicated by id, numbered, committed and broadcast
/// like any other. Resolves to the stored message and whether it was a duplicate.
pub(crate) fn post_as_account(
    st: &Shared,
    room_name: &str,
    account_id: i64,
    draft: Draft,
) -> tokio::sync::oneshot::Receiver<Result<(Message, bool), &'static str>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let settled: Settled = Box::new(move |r| {
        let _ = tx.send(r);
    });
    let stored = match lookup_stored(st, room_name, &draft.id) {
        Ok(m) => m,
        Err(()) => {
            settled(Err(ERR_SERVER));
            return rx;
        }
    };
    let sid = st.rooms.get(room_name).and_then(|r| {
        lock(&r).members().iter().find(|m| m.account == Some(account_id) && m.username == draft.username).map(|m| m.sid.clone())
    });
    match sid {
        Some(sid) => publish_from(st, &sid, room_name, draft, stored, settled),
        None => settled(Err(ERR_NOT_IN_ROOM)),
    }
    rx
}

/// Sends a stored message to every member of its room: classic sockets get the classic
/// event, Banter sockets `banter:message`.
fn broadcast_message(st: &AppState, m: &Message) {
    let croom = classic_room(&m.room);
    match m.kind {
        MessageKind::Text => {
            let classic = ChatMessage { username: m.username.clone(), text: m.text.clone(), created_at: m.created_at };
            emit::now_unless_closed(&st.metrics, "message", emit::to_room(st, croom).map(|to| to.emit(classic::MESSAGE, &classic)));
        }
        MessageKind::Location => {
            let classic = LocationMessage { username: m.username.clone(), url: m.text.clone(), created_at: m.created_at };
            emit::now_unless_closed(&st.metrics, "locationMessage", emit::to_room(st, croom).map(|to| to.emit(classic::LOCATION_MESSAGE, &classic)));
        }
    }
    emit::now_unless_closed(&st.metrics, "banter:message", emit::to_room(st, banter_room(&m.room)).map(|to| to.emit(ext::MESSAGE, m)));
}

/// A classic ack once the message is settled: `cb()` or `cb(reason)`.
fn classic_settled(st: &Shared, ack: AckSender) -> Settled {
    let st = st.clone();
    Box::new(move |result| match result {
        Ok(_) => ack_ok(ack),
        Err(reason) => ack_err(&st, ack, reason),
    })
}

pub(super) fn send_message(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
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
    let draft = Draft { id: uuid::Uuid::now_v7().to_string(), username, kind: MessageKind::Text, text, reply_to: None, file: None };
    publish(st, s, &room, draft, None, classic_settled(st, ack));
}

pub(super) fn send_location(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
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
    let draft = Draft { id: uuid::Uuid::now_v7().to_string(), username, kind: MessageKind::Location, text: location.maps_url(), reply_to: None, file: None };
    publish(st, s, &room, draft, None, classic_settled(st, ack));
}

pub(super) fn banter_send(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: SendRequest = match parse(data, r#"{"id": string, "room": string, "text": string}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let room_name = rules::normalise_name(&req.room);
    let Some(username) = session(s).lock().username_in(&room_name).map(str::to_owned) else {
        return ack_err(st, ack, ERR_NOT_IN_ROOM);
    };
    // In a DM, not when another member blocks the sender (dms/).
    if let Err(reason) = crate::dms::may_send(st, s, &room_name) {
        return ack_err(st, ack, reason);
    }
    if let Err(e) = rules::check_message_id(&req.id) {
        return ack_err(st, ack, e.to_string());
    }
    // A resend of a stored message is acknowledged again before any other check, so an
    // outbox replay is never refused by the rate limit.
    let stored = match lookup_stored(st, &room_name, &req.id) {
        Ok(m) => m,
        Err(()) => return ack_err(st, ack, store_fault(st)),
    };
    if stored.is_none() {
        if let Err(reason) = vet_text(st, s, &req.text) {
            return ack_err(st, ack, reason);
        }
    }
    // A reply names a message of the same room (any message a member may read).
    let reply_to = match (&req.reply_to, &stored) {
        (Some(id), None) => match answered(st, &room_name, id) {
            Ok(Some(m)) => Some(banter_protocol::ext::reply_ref(&m)),
            Ok(None) => return ack_err(st, ack, banter_protocol::rooms::ERR_NO_SUCH_MESSAGE),
            Err(()) => return ack_err(st, ack, store_fault(st)),
        },
        _ => None,
    };
    let draft = Draft { id: req.id, username, kind: MessageKind::Text, text: req.text, reply_to, file: None };
    publish(st, s, &room_name, draft, stored, banter_settled(st, ack));
}

/// Message `id` of `room`, as it is now: from the room's memory, else from the store (after
/// committing what is queued, so a message just sent is found). For acts on a message
/// (reply, edit, reaction, removal); the send path's dedupe has its own `lookup_stored`.
pub(crate) fn find_message(st: &AppState, room: &str, id: &str) -> Result<Option<Message>, crate::error::ServerError> {
    if let Some(m) = st.rooms.get(room).and_then(|r| lock(&r).find_recent_id(id)) {
        return Ok(Some(m));
    }
    tokio::task::block_in_place(|| {
        st.store.flush_blocking();
        st.store.find_id_blocking(room, id)
    })
}

/// The message `id` of `room` a reply answers.
fn answered(st: &AppState, room: &str, id: &str) -> Result<Option<Message>, ()> {
    if rules::check_message_id(id).is_err() {
        return Ok(None);
    }
    find_message(st, room, id).map_err(|e| tracing::error!(room = %room, error = %e, "cannot read an answered message"))
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
pub(super) fn banter_location(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: LocationRequest =
        match parse(data, r#"{"id": string, "room": string, "latitude": number, "longitude": number}"#) {
            Ok(r) => r,
            Err(e) => return ack_err(st, ack, e),
        };
    let room_name = rules::normalise_name(&req.room);
    let Some(username) = session(s).lock().username_in(&room_name).map(str::to_owned) else {
        return ack_err(st, ack, ERR_NOT_IN_ROOM);
    };
    // In a DM, not when another member blocks the sender (dms/).
    if let Err(reason) = crate::dms::may_send(st, s, &room_name) {
        return ack_err(st, ack, reason);
    }
    if let Err(e) = rules::check_message_id(&req.id) {
        return ack_err(st, ack, e.to_string());
    }
    let location = req.location();
    if !location.is_valid() {
        return ack_err(st, ack, ERR_BAD_LOCATION);
    }
    let stored = match lookup_stored(st, &room_name, &req.id) {
        Ok(m) => m,
        Err(()) => return ack_err(st, ack, store_fault(st)),
    };
    if stored.is_none() && !session(s).lock().messages.try_take() {
        return ack_err(st, ack, ERR_SLOW_DOWN);
    }
    let draft = Draft { id: req.id, username, kind: MessageKind::Location, text: location.maps_url(), reply_to: None, file: None };
    publish(st, s, &room_name, draft, stored, banter_settled(st, ack));
}

/// What a sender is told when a store read failed: on PostgreSQL (which may be restarting)
/// that it cannot store messages right now; both answers mean "send it again later".
fn store_fault(st: &AppState) -> &'static str {
    if st.store.numbers_messages() {
        ext::ERR_STORE_UNAVAILABLE
    } else {
        ERR_SERVER
    }
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
