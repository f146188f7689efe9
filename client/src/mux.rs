//! One Socket.IO connection per Banter server and identity, carrying every room and DM of
//! it (`docs/client.md`, "One connection per server").
//!
//! A [`Mux`] owns the connection for one key (server, access token, and the account's
//! session or the guest's name) and hands each room subscription a [`Connection`] of its
//! own whose events and acks come on the room's own channel: the mux's router reads the
//! socket and sends each Banter event to the room its `room` field names, the connection's
//! `banter:hello` to every room (replayed to one that attaches later), and the end of the
//! connection to all of them. Acks take the same path, tagged with the room that asked, so
//! each room sees its acks and events in the socket's order (the fork of rust_socketio
//! numbers acks per connection, so requests of many rooms never collide).
//!
//! Rooms keep their own state machine (outbox, timeline, reconnect timer): when the
//! connection dies each room hears it, waits its own backoff and calls [`Mux::attach`]
//! again; the first to do so opens the new connection and the others find it open, so a
//! server restart costs one connection and one round of re-joins (each with its `since`).
//!
//! Whether a server is a Banter server is known only after the first join: until then the
//! mux has one room (the pioneer) and passes it everything. A classic server needs one
//! socket per room, so a mux whose pioneer found a classic server is never shared: each
//! further room gets a dedicated mux of its own ([`Pool::mux_for`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use banter_protocol::ext;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use crate::accounts::SessionToken;
use crate::connection::{Connection, Raw};
use crate::error::{ClientError, Result};
use crate::events::{ClientEvent, EventSink, ServerKind};
use crate::url::ServerUrl;

/// Who a connection is for: rooms of the same key share one connection. (Its `Debug` leaves
/// out the tokens.)
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct MuxKey {
    server: ServerUrl,
    token: Option<String>,
    /// `s:` and the session token, or `g:` and the guest's normalised name.
    who: String,
}

impl std::fmt::Debug for MuxKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = if self.who.starts_with("s:") { "<session>" } else { &self.who };
        f.debug_struct("MuxKey").field("server", &self.server).field("who", &who).finish_non_exhaustive()
    }
}

impl MuxKey {
    pub(crate) fn new(server: &ServerUrl, token: Option<&str>, session: Option<&SessionToken>, username: &str) -> Self {
        let who = match session {
            Some(s) => format!("s:{}", s.expose()),
            None => format!("g:{}", banter_protocol::rules::normalise_name(username)),
        };
        MuxKey { server: server.clone(), token: token.map(str::to_owned), who }
    }
}

/// What the pioneer's first join found out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pending,
    Shared,
    /// A classic server (one socket per room), or the pioneer gave up: not shared.
    Alone,
}

/// Every shared connection of a [`crate::Client`].
pub(crate) struct Pool {
    /// The client's pinned certificates, for every connection.
    pub(crate) pins: crate::tls::Pins,
    /// The client's event stream, for notices about the account as a whole (a new DM).
    sink: EventSink,
    muxes: Mutex<HashMap<MuxKey, Arc<Mux>>>,
    /// The dedicated muxes of rooms on classic servers (for counting).
    dedicated: Mutex<Vec<Weak<Mux>>>,
}

impl Pool {
    pub(crate) fn new(sink: EventSink) -> Pool {
        Pool { pins: crate::tls::Pins::default(), sink, muxes: Mutex::default(), dedicated: Mutex::default() }
    }

    /// The mux a new subscription to `room` of `key` should use, with `room` enlisted in it:
    /// the shared one when the server is a Banter server, a dedicated one otherwise. The
    /// first room of a key becomes the pioneer of a new mux; rooms started meanwhile wait
    /// for its first join to say what the server is.
    pub(crate) async fn mux_for(
        self: &Arc<Self>,
        key: MuxKey,
        room: &str,
        session: Option<SessionToken>,
        connect_timeout: Duration,
    ) -> Arc<Mux> {
        loop {
            let existing = {
                let mut muxes = lock(&self.muxes);
                match muxes.get(&key) {
                    Some(m) => m.clone(),
                    None => {
                        let m = Mux::new(key.clone(), session, connect_timeout, Arc::downgrade(self), self.pins.clone(), self.sink.clone());
                        m.enlist(room);
                        muxes.insert(key, m.clone());
                        return m;
                    }
                }
            };
            let mut verdict = existing.verdict.subscribe();
            // (the sender lives in `existing`, which we hold: it cannot go away)
            let seen = verdict.wait_for(|v| *v != Verdict::Pending).await.map(|v| *v).unwrap_or(Verdict::Alone);
            match seen {
                Verdict::Shared if existing.try_enlist(room) => return existing,
                Verdict::Shared => {} // its last room left meanwhile: the next one is made fresh
                Verdict::Alone if existing.classic() => {
                    let m = Mux::new(key, session, connect_timeout, Weak::new(), self.pins.clone(), self.sink.clone());
                    m.enlist(room);
                    let mut dedicated = lock(&self.dedicated);
                    dedicated.retain(|w| w.strong_count() > 0);
                    dedicated.push(Arc::downgrade(&m));
                    return m;
                }
                Verdict::Alone => {
                    // the pioneer failed before it knew: take its place
                    let mut muxes = lock(&self.muxes);
                    if muxes.get(&key).is_some_and(|m| Arc::ptr_eq(m, &existing)) {
                        muxes.remove(&key);
                    }
                }
                Verdict::Pending => {}
            }
        }
    }

    /// How many connections are open (for tests and diagnostics).
    pub(crate) fn open_connections(&self) -> usize {
        let live = |m: &Mux| lock(&m.state).live.is_some();
        let shared = lock(&self.muxes).values().filter(|m| live(m)).count();
        let dedicated = lock(&self.dedicated).iter().filter_map(Weak::upgrade).filter(|m| live(m)).count();
        shared + dedicated
    }

    fn forget(&self, key: &MuxKey, mux: &Mux) {
        let mut muxes = lock(&self.muxes);
        if muxes.get(key).is_some_and(|m| std::ptr::eq(Arc::as_ptr(m), mux)) {
            muxes.remove(key);
        }
    }
}

/// One connection (opened again after each loss) and the rooms it carries.
pub(crate) struct Mux {
    key: MuxKey,
    session: Option<SessionToken>,
    connect_timeout: Duration,
    pool: Weak<Pool>,
    /// The client's pinned certificates (tls.rs).
    pins: crate::tls::Pins,
    sink: EventSink,
    state: Mutex<State>,
    /// Only one room opens the connection; the others wait for it.
    opening: tokio::sync::Mutex<()>,
    /// Woken when a room opened a new connection (the others waiting then attach at once).
    up: tokio::sync::Notify,
    verdict: watch::Sender<Verdict>,
}

#[derive(Default)]
struct State {
    live: Option<Live>,
    /// Each attached room's channel, for the connection generation it attached to.
    routes: HashMap<String, Route>,
    /// The rooms using this mux (attached or waiting to re-attach).
    members: HashSet<String>,
    generation: u64,
    kind: Option<ServerKind>,
}

struct Live {
    conn: Connection,
    generation: u64,
    /// The connection's `banter:hello`, for rooms that attach after it came.
    hello: Option<Vec<Value>>,
}

struct Route {
    tx: mpsc::UnboundedSender<Raw>,
    generation: u64,
}

/// A room's attachment: its connection handle, its events, and the generation it is for.
pub(crate) struct Attached {
    pub conn: Connection,
    pub raw_rx: mpsc::UnboundedReceiver<Raw>,
    pub generation: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Mux {
    fn new(key: MuxKey, session: Option<SessionToken>, connect_timeout: Duration, pool: Weak<Pool>, pins: crate::tls::Pins, sink: EventSink) -> Arc<Mux> {
        Arc::new(Mux {
            key,
            session,
            connect_timeout,
            pool,
            pins,
            sink,
            state: Mutex::default(),
            opening: tokio::sync::Mutex::new(()),
            up: tokio::sync::Notify::new(),
            verdict: watch::channel(Verdict::Pending).0,
        })
    }

    /// Completes when a room opens a new connection of this mux.
    pub(crate) async fn reopened(&self) {
        self.up.notified().await
    }

    /// Enlists `room` if the mux is still in use (its connection not closed for good).
    fn try_enlist(&self, room: &str) -> bool {
        let mut st = lock(&self.state);
        if st.members.is_empty() {
            return false;
        }
        st.members.insert(room.to_owned());
        true
    }

    fn classic(&self) -> bool {
        lock(&self.state).kind == Some(ServerKind::Classic)
    }

    /// Counts `room` as using this mux (until [`Mux::discharge`]).
    fn enlist(&self, room: &str) {
        lock(&self.state).members.insert(room.to_owned());
    }

    /// The first join said what the server is: a Banter server's mux is shared from now on.
    pub(crate) fn learned(&self, kind: ServerKind) {
        lock(&self.state).kind.get_or_insert(kind);
        let verdict = if kind == ServerKind::Banter { Verdict::Shared } else { Verdict::Alone };
        self.verdict.send_if_modified(|v| {
            let changed = *v == Verdict::Pending;
            if changed {
                *v = verdict;
            }
            changed
        });
    }

    /// Attaches `room` to the live connection, opening one if there is none.
    pub(crate) async fn attach(self: &Arc<Self>, room: &str) -> Result<Attached> {
        let _opening = self.opening.lock().await;
        let live = lock(&self.state).live.as_ref().map(|l| (l.conn.clone(), l.generation));
        let (conn, generation) = match live {
            Some(l) => l,
            None => {
                let session = self.session.as_ref().map(SessionToken::expose);
                let pin = self.pins.get(&self.key.server);
                let (conn, rx) =
                    Connection::open(&self.key.server, self.key.token.as_deref(), session, pin, self.connect_timeout).await?;
                let mut st = lock(&self.state);
                st.generation += 1;
                let generation = st.generation;
                st.live = Some(Live { conn: conn.clone(), generation, hello: None });
                drop(st);
                tokio::spawn(route(Arc::downgrade(self), rx, generation));
                self.up.notify_waiters();
                (conn, generation)
            }
        };
        let (tx, raw_rx) = mpsc::unbounded_channel();
        let mut st = lock(&self.state);
        if st.live.as_ref().map(|l| l.generation) != Some(generation) {
            // lost while we were getting here
            return Err(ClientError::ConnectionLost("the connection closed as the room attached".into()));
        }
        if let Some(hello) = st.live.as_ref().and_then(|l| l.hello.clone()) {
            let _ = tx.send(Raw::Event { name: ext::HELLO.to_owned(), args: hello });
        }
        st.members.insert(room.to_owned());
        st.routes.insert(room.to_owned(), Route { tx: tx.clone(), generation });
        Ok(Attached { conn: conn.for_room(room), raw_rx, generation })
    }

    /// Takes `room` off the connection of `generation`. `dead`: the room found that
    /// connection dead (no answer in time, a write failed), so it is closed for every room,
    /// each of which re-attaches.
    pub(crate) fn detach(&self, room: &str, generation: u64, dead: bool) {
        let closing = {
            let mut st = lock(&self.state);
            if st.routes.get(room).is_some_and(|r| r.generation == generation) {
                st.routes.remove(room);
            }
            if dead {
                end_generation(&mut st, generation, Raw::Lost("another room found the connection dead".into()))
            } else {
                None
            }
        };
        close_later(closing);
    }

    /// `room` no longer uses this mux. The last one closes the connection (returned, for
    /// the caller to await) and takes the mux out of its pool.
    pub(crate) fn discharge(&self, room: &str) -> Option<Connection> {
        let mut st = lock(&self.state);
        if !st.members.remove(room) {
            return None;
        }
        st.routes.remove(room);
        if !st.members.is_empty() {
            return None;
        }
        let conn = st.live.take().map(|l| l.conn);
        st.routes.clear();
        drop(st);
        // a pioneer that never learned what the server is leaves its waiters free to try
        self.verdict.send_if_modified(|v| {
            let changed = *v == Verdict::Pending;
            if changed {
                *v = Verdict::Alone;
            }
            changed
        });
        if let Some(pool) = self.pool.upgrade() {
            pool.forget(&self.key, self);
        }
        conn
    }

    /// Sends a connection-wide report to every room of `generation`.
    fn broadcast(st: &State, generation: u64, raw: &Raw) {
        for r in st.routes.values().filter(|r| r.generation == generation) {
            let _ = r.tx.send(raw.clone());
        }
    }

    /// Routes one event of the connection `generation`; the connection, when the event
    /// ended it (for the caller to close).
    fn deliver(&self, generation: u64, raw: Raw) -> Option<Connection> {
        let mut st = lock(&self.state);
        if st.live.as_ref().map(|l| l.generation) != Some(generation) {
            return None;
        }
        match &raw {
            Raw::Connected => {}
            Raw::For { room, .. } => {
                if let Some(r) = st.routes.get(&**room).filter(|r| r.generation == generation) {
                    if let Raw::For { raw, .. } = raw {
                        let _ = r.tx.send(*raw);
                    }
                }
            }
            Raw::Closed => return end_generation(&mut st, generation, raw),
            Raw::Error(text) if Raw::is_fatal_error(text) => return end_generation(&mut st, generation, raw),
            Raw::Event { name, args } if name == ext::HELLO => {
                if let Some(l) = st.live.as_mut() {
                    l.hello = Some(args.clone());
                }
                Self::broadcast(&st, generation, &raw);
            }
            // A DM new to this account (someone else opened it): told once, as the client's.
            Raw::Event { name, args } if st.kind == Some(ServerKind::Banter) && name == banter_protocol::dms::DM => {
                match args.first().cloned().map(serde_json::from_value::<banter_protocol::dms::DmInfo>) {
                    Some(Ok(info)) if crate::room::check_dm_id(&info.dm).is_ok() && info.members.len() <= banter_protocol::dms::MAX_MEMBERS && info.members.iter().all(|m| m.len() <= 256) => {
                        self.sink.emit(ClientEvent::DmAdded { server: self.key.server.to_string(), dm: info.dm, members: info.members });
                    }
                    _ => tracing::debug!(server = %self.key.server, "a malformed DM notice"),
                }
            }
            Raw::Event { args, .. } if st.kind == Some(ServerKind::Banter) => {
                let room = args.first().and_then(|v| v.get("room")).and_then(Value::as_str);
                match room.and_then(|r| st.routes.get(r)) {
                    Some(r) if r.generation == generation => {
                        let _ = r.tx.send(raw);
                    }
                    // A room of the account's that no subscription here shows (the server
                    // puts a signed-in socket in all its DMs), or a notice for the account
                    // as a whole: nobody's business here.
                    _ => tracing::trace!(server = %self.key.server, room = ?room, "event for no subscription here"),
                }
            }
            // Before the first join says what the server is, the one room gets everything.
            _ => Self::broadcast(&st, generation, &raw),
        }
        None
    }

    /// Tells every room of a generation that just ended, and forgets their routes (their
    /// channels end, so each room sees the end).
    fn broadcast_ended(st: &mut State, generation: u64, raw: Raw) {
        Self::broadcast(st, generation, &raw);
        st.routes.retain(|_, r| r.generation != generation);
    }
}

/// Ends the live connection `generation` (if it is the live one): each of its rooms is told
/// (`why`: the socket's own report, or [`Raw::Lost`]) and the connection is returned for
/// closing.
fn end_generation(st: &mut State, generation: u64, why: Raw) -> Option<Connection> {
    if st.live.as_ref().map(|l| l.generation) != Some(generation) {
        return None;
    }
    let live = st.live.take()?;
    Mux::broadcast_ended(st, generation, why);
    Some(live.conn)
}

fn close_later(conn: Option<Connection>) {
    if let Some(conn) = conn {
        tokio::spawn(async move { conn.close().await });
    }
}

/// The router: reads one connection's events and delivers them until it ends.
async fn route(mux: Weak<Mux>, mut rx: mpsc::UnboundedReceiver<Raw>, generation: u64) {
    while let Some(raw) = rx.recv().await {
        let Some(mux) = mux.upgrade() else { return };
        close_later(mux.deliver(generation, raw));
    }
    if let Some(mux) = mux.upgrade() {
        let ended = end_generation(&mut lock(&mux.state), generation, Raw::Lost("the socket closed".into()));
        close_later(ended);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_identities_apart() {
        let s = ServerUrl::parse("http://127.0.0.1:3000").unwrap();
        let ann = MuxKey::new(&s, None, None, "Ann");
        assert_eq!(ann, MuxKey::new(&s, None, None, "  ann "), "a guest's name is normalised");
        assert_ne!(ann, MuxKey::new(&s, None, None, "bob"));
        assert_ne!(ann, MuxKey::new(&s, Some("t"), None, "ann"), "another access token");
        let session = SessionToken::new("x".repeat(43));
        assert_ne!(ann, MuxKey::new(&s, None, Some(&session), "ann"), "signed in is another identity");
        let other = ServerUrl::parse("http://127.0.0.1:3001").unwrap();
        assert_ne!(MuxKey::new(&s, None, Some(&session), "ann"), MuxKey::new(&other, None, Some(&session), "ann"));
        let shown = format!("{:?}", MuxKey::new(&s, Some("t0ken"), Some(&session), "ann"));
        assert!(!shown.contains("xxx") && !shown.contains("t0ken"), "{shown}");
    }
}
