//! The Socket.IO event handlers: the classic chat protocol and Banter's extensions.
//!
//! Handlers are plain closures that do their work synchronously and return a ready future:
//! socketioxide calls the closure in the order events arrive on the socket and only spawns
//! the future, so a socket's `join` is always handled before the `sendMessage` that follows
//! it. Room state is changed and broadcast under the room's lock, so every member sees a
//! room's messages in sequence order.
//!
//! `membership.rs`: join, leave, disconnect; `messages.rs`: messages and locations;
//! `history.rs`: history, typing, receipts; `room_data.rs`: classic `roomData`, coalesced
//! during join storms. This file: the events' table and their dispatch, the flood limit,
//! acks.

mod edits;
pub(crate) mod history;
mod membership;
mod messages;
mod reactions;
pub mod room_data;
pub(crate) mod roster;

use std::collections::HashMap;
use std::future::{ready, Ready};
use std::sync::OnceLock;

use banter_protocol::classic;
use banter_protocol::ext;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use crate::sio::{AckSender, SocketRef};
use socketioxide::extract::{Event, TryData};
use socketioxide::ParserError;

pub use history::flush_receipts_forever;
use history::{banter_history, banter_received, banter_typing};
pub(crate) use membership::leave_room;
use membership::{banter_leave, disconnect, join};
pub(crate) use messages::{find_message, post_as_account};
use messages::{banter_location, banter_send, send_location, send_message};

use crate::metrics::Metrics;
use crate::session::SessionRef;
use crate::state::{AppState, Shared};

pub const ERR_NOT_JOINED: &str = "Join a room first!";
pub const ERR_NOT_IN_ROOM: &str = "Not in that room!";
pub const ERR_ALREADY_IN_A_ROOM: &str = "Already in a room!";
pub const ERR_ALREADY_IN_ROOM: &str = "Already in that room!";
pub const ERR_SLOW_DOWN: &str = "Slow down! Too many messages.";
pub use banter_protocol::ext::ERR_SERVER;
pub const ERR_BAD_LOCATION: &str = "Invalid payload: latitude must be within ±90 and longitude within ±180";
pub(crate) const DEFAULT_HISTORY_PAGE: u32 = 100;

pub(crate) type Payload = Result<Value, ParserError>;
/// An event's handler: runs synchronously, in the order the socket's events arrive.
pub(crate) type Handler = fn(&Shared, &SocketRef, Payload, AckSender);

/// The chat events (the other modules name theirs in their own `EVENTS`).
const EVENTS: &[(&str, Handler)] = &[
    (classic::JOIN, join),
    (classic::SEND_MESSAGE, send_message),
    (classic::SEND_LOCATION, send_location),
    (ext::SEND, banter_send),
    (ext::LOCATION, banter_location),
    (ext::LEAVE, banter_leave),
    (ext::HISTORY, banter_history),
    (ext::TYPING, banter_typing),
    (ext::RECEIVED, banter_received),
    (banter_protocol::edits::EDIT, edits::banter_edit),
    (banter_protocol::reactions::REACT, reactions::banter_react),
];

/// Every module's events, in one list.
fn event_lists() -> [&'static [(&'static str, Handler)]; 6] {
    [
        EVENTS,
        crate::accounts::handlers::EVENTS,
        crate::moderation::handlers::EVENTS,
        crate::membership::handlers::EVENTS,
        crate::dms::handlers::EVENTS,
        crate::search::EVENTS,
    ]
}

/// Every event a socket may send and its handler: one table for the whole server, built
/// once (a socket holds no handler of its own per event: see [`register`]).
fn handlers() -> &'static HashMap<&'static str, Handler> {
    static TABLE: OnceLock<HashMap<&'static str, Handler>> = OnceLock::new();
    TABLE.get_or_init(|| event_lists().into_iter().flatten().copied().collect())
}

/// Registers the socket's event handling on a new socket: ONE handler that looks the event
/// up in [`handlers`] (socketioxide's fallback, called for every event since no other is
/// registered), and the disconnect handler. Called from the connect middleware, which runs
/// before the server confirms the connection (see `lib.rs`).
pub fn register(st: &Shared, s: &SocketRef) {
    s.extensions.insert(SessionRef::new(st.config.rate_limit, st.config.event_limit));
    let dispatch_st = st.clone();
    s.on_fallback(move |s: SocketRef, Event(name): Event, TryData(data): TryData<Value>, ack: AckSender| -> Ready<()> {
        dispatch(&dispatch_st, &s, &name, data, ack);
        ready(())
    });
    let disconnect_st = st.clone();
    s.on_disconnect(move |s: SocketRef| {
        disconnect(&disconnect_st, &s);
        ready(())
    });
}

/// Runs event `name`'s handler, within the flood limit; an unknown event is counted.
fn dispatch(st: &Shared, s: &SocketRef, name: &str, data: Payload, ack: AckSender) {
    let Some((&event, &f)) = handlers().get_key_value(name) else {
        return unknown_event(st, s, name);
    };
    if admit(st, s, event) {
        f(st, s, data, ack);
    } else {
        // Over the flood limit: an event that asked for an ack is told so; others are
        // only counted (and logged, throttled).
        let _ = ack.send(ERR_SLOW_DOWN);
    }
}

pub(crate) fn session(s: &SocketRef) -> SessionRef {
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
pub(crate) fn ack_ok(ack: AckSender) {
    let _ = ack.send(&[(); 0]);
}

/// A refusal: one string, as the classic server sends it.
pub(crate) fn ack_err(st: &AppState, ack: AckSender, reason: impl AsRef<str>) {
    Metrics::inc(&st.metrics.refused, 1);
    let _ = ack.send(reason.as_ref());
}

/// Banter success with data: `(null, data)`.
pub(crate) fn ack_data<T: Serialize>(ack: AckSender, data: &T) {
    let _ = ack.send(&(None::<()>, data));
}

/// Why a Banter request was refused: in words for the client, or a server fault (logged;
/// the client is told to try again with [`ERR_SERVER`]).
pub(crate) enum Refused {
    Client(String),
    Server(crate::error::ServerError),
}

impl From<crate::error::ServerError> for Refused {
    fn from(e: crate::error::ServerError) -> Self {
        Refused::Server(e)
    }
}

impl From<&str> for Refused {
    fn from(s: &str) -> Self {
        Refused::Client(s.to_owned())
    }
}

impl From<String> for Refused {
    fn from(s: String) -> Self {
        Refused::Client(s)
    }
}

/// Acks the outcome of request `what`: `(null, data)`, `[]` for success without data, the
/// refusal's words, or [`ERR_SERVER`] for a server fault (logged with `store`, the part that
/// failed).
pub(crate) fn answer<T: Serialize>(st: &AppState, ack: AckSender, store: &str, what: &str, r: Result<Option<T>, Refused>) {
    match r {
        Ok(Some(data)) => ack_data(ack, &data),
        Ok(None) => ack_ok(ack),
        Err(Refused::Client(reason)) => ack_err(st, ack, reason),
        Err(Refused::Server(e)) => {
            tracing::error!(error = %e, store, what, "store failed");
            ack_err(st, ack, ERR_SERVER)
        }
    }
}

pub(crate) fn parse<T: DeserializeOwned>(data: Payload, what: &str) -> Result<T, String> {
    let value = data.map_err(|_| format!("Invalid payload: expected {what}"))?;
    serde_json::from_value(value).map_err(|e| {
        let detail: String = e.to_string().chars().take(120).collect();
        format!("Invalid payload: expected {what} ({detail})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_one_handler() {
        let named: usize = event_lists().iter().map(|l| l.len()).sum();
        assert_eq!(handlers().len(), named, "an event is in two modules' lists");
        assert_eq!(named, 33);
        assert!(handlers().contains_key(classic::JOIN) && handlers().contains_key(banter_protocol::search::SEARCH));
    }
}
