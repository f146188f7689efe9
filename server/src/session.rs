//! Per-socket state: what kind of client it is, the rooms it joined under which name, and
//! its rate limits.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::rate_limit::TokenBucket;
use crate::room::SocketKind;

/// Typing indicators a socket may send per second.
const TYPING_PER_SECOND: u32 = 5;

#[derive(Debug)]
pub struct Session {
    pub kind: Option<SocketKind>,
    /// (room, username) in join order.
    pub rooms: Vec<(String, String)>,
    pub messages: TokenBucket,
    pub events: TokenBucket,
    pub typing: TokenBucket,
    /// Events dropped by the event limit, for the log.
    pub dropped_events: u64,
}

#[derive(Debug, Clone)]
pub struct SessionRef(Arc<Mutex<Session>>);

impl SessionRef {
    pub fn new(messages_per_second: u32, events_per_second: u32) -> Self {
        Self(Arc::new(Mutex::new(Session {
            kind: None,
            rooms: Vec::new(),
            messages: TokenBucket::new(messages_per_second),
            events: TokenBucket::new(events_per_second),
            typing: TokenBucket::new(TYPING_PER_SECOND),
            dropped_events: 0,
        })))
    }

    pub fn lock(&self) -> MutexGuard<'_, Session> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Session {
    /// The name this socket uses in `room`, if it joined it.
    pub fn username_in(&self, room: &str) -> Option<&str> {
        self.rooms.iter().find(|(r, _)| r == room).map(|(_, u)| u.as_str())
    }

    /// The room classic events (`sendMessage`, `sendLocation`) go to: the first one joined
    /// (never a DM, which a signed-in socket is in from the start: `dms/`).
    pub fn classic_room(&self) -> Option<(&str, &str)> {
        self.rooms.iter().find(|(r, _)| !banter_protocol::dms::is_dm(r)).map(|(r, u)| (r.as_str(), u.as_str()))
    }

    /// Records that this socket joined `room` as `username`. Most sockets are in one room:
    /// the first is held in a list of one (a `Vec`'s first push reserves four).
    pub fn add_room(&mut self, room: String, username: String) {
        if self.rooms.is_empty() {
            self.rooms.reserve_exact(1);
        }
        self.rooms.push((room, username));
    }

    /// Counts an incoming event against the flood limit; false when it must be dropped.
    pub fn admit_event(&mut self) -> bool {
        if self.events.try_take() {
            true
        } else {
            self.dropped_events += 1;
            false
        }
    }
}
