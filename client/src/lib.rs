//! `banter-client`: Banter's connection core, with no UI and no Tauri.
//!
//! A [`Client`] holds any number of room subscriptions on any number of servers: on a
//! Banter server one Socket.IO connection carries every room and DM of an identity, on a
//! classic server each room has its own (see `docs/client.md`). It detects per room whether the
//! server is a classic chat-tutorial server or a Banter server and uses Banter's extensions
//! where they exist. Everything that happens comes out of one [`EventStream`] of
//! [`ClientEvent`]s; every message sent gets a UUIDv7 id and ends `delivered`, `refused` or
//! `failed` (an [`ClientEvent::Ack`]). Unacknowledged messages live in an on-disk outbox and
//! are re-sent after a reconnect or a restart (safely on Banter servers, which deduplicate
//! by id; on classic servers only on [`Client::retry`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), banter_client::ClientError> {
//! use banter_client::{Client, ClientConfig, JoinOptions};
//! let (client, mut events) = Client::new(ClientConfig::new("/tmp/banter-data"));
//! client.join(JoinOptions::new("http://127.0.0.1:3000", "lobby", "ann")).await?;
//! let id = client.send("http://127.0.0.1:3000", "lobby", "hello").await?;
//! while let Some(event) = events.recv().await {
//!     println!("{}", serde_json::to_string(&event).unwrap_or_default());
//! }
//! # let _ = id; Ok(()) }
//! ```

pub mod accounts;
pub mod acks;
pub mod calls;
mod connection;
mod mux;
pub mod credentials;
pub mod dms;
pub mod error;
pub mod events;
pub mod files;
pub mod links;
pub mod location;
pub mod markdown;
pub mod mentions;
pub mod outbox;
pub mod pacing;
mod room;
pub mod time;
pub mod timeline;
pub mod tls;
pub mod url;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

pub use accounts::{ServerAccess, Session, SessionToken};
pub use acks::MessageState;
pub use banter_protocol::rooms::RoomInfo;
pub use banter_protocol::search::{SearchHit, Segment};
pub use calls::RoomChange;
pub use credentials::CredentialStore;
pub use dms::{DmJoined, DmOptions};
pub use error::{ClientError, ErrorPayload, Result};
pub use events::{AckStatus, ClientEvent, EventStream, ServerKind};
pub use links::InviteLink;
pub use tls::Fingerprint;
pub use url::ServerUrl;
pub use banter_protocol::classic::Location;

use acks::AckTable;
use events::EventSink;
use room::{Command, RoomSpec};

/// A page of older history ([`Client::history_before`]).
#[derive(Debug, Clone, Serialize)]
pub struct OlderPage {
    /// `message` events, oldest first.
    pub messages: Vec<ClientEvent>,
    /// Older messages exist before the first one.
    pub more: bool,
}

/// Settings of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Where outboxes and per-room state are kept (`<data_dir>/rooms/*.jsonl`).
    pub data_dir: PathBuf,
    /// How long to wait for an acknowledgement before the connection is presumed dead.
    pub request_timeout: Duration,
    /// How long to wait for a connection to be confirmed.
    pub connect_timeout: Duration,
    /// First reconnection delay (before jitter).
    pub reconnect_min: Duration,
    /// Longest reconnection delay.
    pub reconnect_max: Duration,
    /// On a Banter server, how often one message is put on the wire without an ack before it
    /// is marked failed.
    pub max_send_attempts: u32,
    /// Sync each queued message to disk before `send` returns.
    pub fsync: bool,
    /// How often delivery confirmations (`banter:received`) are batched, typing indicators
    /// expired and the last seq saved.
    pub receipt_interval: Duration,
    /// How long a re-join refused with "Username is in use!" keeps being tried. After a
    /// network change or a sleep the server may still hold our old, silently dead socket
    /// until its ping timeout (Socket.IO's default: 25 s + 20 s), so this covers that with
    /// room to spare.
    pub rejoin_in_use_window: Duration,
    /// A message the server answers "not now" (it cannot store it: its database is down or
    /// restarting) stays pending and is sent again after this, doubling with each such
    /// answer in a row up to `store_retry_max` (with jitter), and at once on a re-join.
    pub store_retry_min: Duration,
    pub store_retry_max: Duration,
    /// How long one message is sent again after "not now" answers before it is given up
    /// on (refused, "the server could not store it: …"), counted from the first, across restarts.
    pub store_retry_window: Duration,
}

impl ClientConfig {
    /// Defaults: 10 s request and connect timeouts, reconnection from 250 ms to 10 s,
    /// 5 send attempts, fsync on, 250 ms receipt batches, "in use" re-joins tried for 90 s,
    /// messages the server cannot store now sent again after 1 s, 2 s, 4 s … 30 s for 30 min.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        ClientConfig {
            data_dir: data_dir.into(),
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            reconnect_min: Duration::from_millis(250),
            reconnect_max: Duration::from_secs(10),
            max_send_attempts: 5,
            fsync: true,
            receipt_interval: Duration::from_millis(250),
            rejoin_in_use_window: Duration::from_secs(90),
            store_retry_min: Duration::from_secs(1),
            store_retry_max: Duration::from_secs(30),
            store_retry_window: Duration::from_secs(30 * 60),
        }
    }
}

/// What to join.
#[derive(Debug, Clone)]
pub struct JoinOptions {
    /// Server URL (`http://…` or `https://…`; normalised).
    pub server: String,
    /// Room name (trimmed and lower-cased, as servers do).
    pub room: String,
    /// User name in that room.
    pub username: String,
    /// Access token sent in the handshake `auth` as `{"token": …}`.
    pub token: Option<String>,
    /// An account's session token (from [`Client::login`] / [`Client::register`]), sent in
    /// the handshake `auth` as `{"session": …}` beside `token`: the join is then the
    /// account's. A server that refuses it fails the join with `session_invalid`.
    pub session: Option<SessionToken>,
    /// When the name is "in use", keep trying this long before giving up: re-joining at
    /// start-up, the server may still hold the previous run's connection under our name.
    pub wait_if_in_use: Option<Duration>,
    /// When the server cannot be reached (down, restarting, no network yet), keep trying
    /// this long with the usual backoff, reporting each wait as a `reconnecting` event,
    /// instead of failing at once: re-joining saved rooms at start-up.
    pub retry_unreachable: Option<Duration>,
}

impl JoinOptions {
    pub fn new(server: &str, room: &str, username: &str) -> Self {
        JoinOptions {
            server: server.to_owned(),
            room: room.to_owned(),
            username: username.to_owned(),
            token: None,
            session: None,
            wait_if_in_use: None,
            retry_unreachable: None,
        }
    }

    /// See [`JoinOptions::retry_unreachable`].
    pub fn retry_unreachable(mut self, for_at_most: Duration) -> Self {
        self.retry_unreachable = Some(for_at_most);
        self
    }

    pub fn token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    /// See [`JoinOptions::session`].
    pub fn session(mut self, session: Option<SessionToken>) -> Self {
        self.session = session;
        self
    }

    /// See [`JoinOptions::wait_if_in_use`].
    pub fn wait_if_in_use(mut self, wait: Duration) -> Self {
        self.wait_if_in_use = Some(wait);
        self
    }
}

/// The answer to a successful [`Client::join`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JoinInfo {
    pub server: String,
    pub room: String,
    /// The user name as the server uses it.
    pub username: String,
    pub kind: ServerKind,
    pub users: Vec<String>,
    pub latest_seq: Option<u64>,
    pub features: Vec<String>,
    /// The longest message the server accepts, in characters (a Banter server says; the
    /// classic default otherwise).
    pub max_message_chars: u32,
    /// The largest file the server takes (`Client::upload`), when it takes files (a Banter
    /// server with the `files` feature); check a file against it before uploading.
    pub max_upload_bytes: Option<u64>,
}

type RoomKey = (ServerUrl, String);

/// The client: room subscriptions on any number of servers, one event stream.
/// Cheap to clone; all clones share the subscriptions.
#[derive(Clone)]
pub struct Client {
    config: Arc<ClientConfig>,
    sink: EventSink,
    acks: AckTable,
    rooms: Arc<Mutex<HashMap<RoomKey, mpsc::UnboundedSender<Command>>>>,
    /// Rooms whose join is under way (it may wait for a server that is down).
    joining: Arc<Mutex<std::collections::HashSet<RoomKey>>>,
    /// The connections, shared by the rooms of one identity on one Banter server.
    pub(crate) pool: Arc<mux::Pool>,
}

/// Takes a room out of [`Client::joining`] when its join ends, however it ends.
struct Joining {
    set: Arc<Mutex<std::collections::HashSet<RoomKey>>>,
    key: RoomKey,
}

impl Drop for Joining {
    fn drop(&mut self) {
        if let Ok(mut set) = self.set.lock() {
            set.remove(&self.key);
        }
    }
}

impl Client {
    /// A client and its event stream. Needs a tokio runtime when rooms are joined.
    pub fn new(config: ClientConfig) -> (Client, EventStream) {
        let (sink, stream) = EventSink::channel();
        let pool = Arc::new(mux::Pool::new(sink.clone()));
        let client = Client {
            config: Arc::new(config),
            sink,
            acks: AckTable::default(),
            rooms: Arc::default(),
            joining: Arc::default(),
            pool,
        };
        (client, stream)
    }

    fn key(server: &str, room: &str) -> Result<RoomKey> {
        let server = ServerUrl::parse(server)?;
        let room = banter_protocol::rules::normalise_name(room);
        Ok((server, room))
    }

    pub(crate) fn handle(&self, server: &str, room: &str) -> Result<mpsc::UnboundedSender<Command>> {
        let key = Self::key(server, room)?;
        let rooms = self.rooms.lock().map_err(|_| ClientError::Closed)?;
        match rooms.get(&key) {
            Some(tx) if !tx.is_closed() => Ok(tx.clone()),
            _ => Err(ClientError::NotJoined {
                server: key.0.to_string(),
                room: key.1,
            }),
        }
    }

    /// Joins, over the connection this identity already has to a Banter server, or a new
    /// one (a classic server gets one per room). Returns once the server accepted the join;
    /// errors are the connection's (`unreachable`, `tls`, `unauthorized`, …) or
    /// `join_refused`. Afterwards the room reconnects and re-joins by itself until left.
    pub async fn join(&self, opts: JoinOptions) -> Result<JoinInfo> {
        let (_, room) = Self::key(&opts.server, &opts.room)?;
        banter_protocol::rules::check_join(
            &opts.username,
            &room,
            banter_protocol::rules::MAX_USERNAME_CHARS,
            banter_protocol::rules::MAX_ROOM_CHARS,
        )
        .map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        self.subscribe(opts, false).await
    }

    /// Starts a room subscription (`dm`: a direct message, `opts.room` its id; see
    /// [`Client::open_dm`]).
    pub(crate) async fn subscribe(&self, opts: JoinOptions, dm: bool) -> Result<JoinInfo> {
        let (server, room) = Self::key(&opts.server, &opts.room)?;
        let key = (server.clone(), room.clone());
        let _joining = {
            let rooms = self.rooms.lock().map_err(|_| ClientError::Closed)?;
            let mut joining = self.joining.lock().map_err(|_| ClientError::Closed)?;
            if rooms.get(&key).is_some_and(|tx| !tx.is_closed()) || !joining.insert(key.clone()) {
                return Err(ClientError::AlreadyJoined {
                    server: server.to_string(),
                    room,
                });
            }
            Joining { set: self.joining.clone(), key }
        };
        let spec = RoomSpec {
            server: server.clone(),
            room: room.clone(),
            username: opts.username,
            token: opts.token,
            session: opts.session,
            dm,
            in_use_deadline: opts.wait_if_in_use.map(|d| tokio::time::Instant::now() + d),
            unreachable_deadline: opts.retry_unreachable.map(|d| tokio::time::Instant::now() + d),
            config: self.config.clone(),
        };
        let key = mux::MuxKey::new(&server, spec.token.as_deref(), spec.session.as_ref(), &spec.username);
        let mux = self.pool.mux_for(key, &room, spec.session.clone(), self.config.connect_timeout).await;
        let (tx, info) = room::start(spec, mux, self.sink.clone(), self.acks.clone()).await?;
        self.rooms
            .lock()
            .map_err(|_| ClientError::Closed)?
            .insert((server, room), tx);
        Ok(info)
    }

    /// Leaves a room: a Banter server takes it off the account's rooms (on every device)
    /// and tells the others; its connection closes when it was the last room on it. Its
    /// outbox stays on disk for a later join.
    pub async fn leave(&self, server: &str, room: &str) -> Result<()> {
        self.end(server, room, true).await
    }

    /// Stops showing a room here without leaving it: it stays one of the account's rooms
    /// (sign-out, shutdown, a server taken out of the app). Its connection closes when it
    /// was the last room on it.
    pub async fn close(&self, server: &str, room: &str) -> Result<()> {
        self.end(server, room, false).await
    }

    async fn end(&self, server: &str, room: &str, forget: bool) -> Result<()> {
        let tx = self.handle(server, room)?;
        let (reply, rx) = oneshot::channel();
        tx.send(Command::Leave { forget, reply })
            .map_err(|_| ClientError::Closed)?;
        let r = rx.await.map_err(|_| ClientError::Closed)?;
        if let Ok(key) = Self::key(server, room) {
            if let Ok(mut rooms) = self.rooms.lock() {
                rooms.remove(&key);
            }
        }
        r
    }

    /// Queues a message: it is stored in the outbox (on disk) before this returns, then sent
    /// as soon as the room is joined. Returns its id (UUIDv7); the outcome comes as an
    /// [`ClientEvent::Ack`].
    pub async fn send(&self, server: &str, room: &str, text: &str) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        self.send_with_id(server, room, &id, text).await?;
        Ok(id)
    }

    /// [`Client::send`] with a caller-chosen id (1–64 of `A-Za-z0-9-_`).
    pub async fn send_with_id(&self, server: &str, room: &str, id: &str, text: &str) -> Result<()> {
        let tx = self.handle(server, room)?;
        let (reply, rx) = oneshot::channel();
        tx.send(Command::Send {
            id: id.to_owned(),
            text: text.to_owned(),
            location: None,
            reply_to: None,
            reply,
        })
        .map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)?
    }

    /// Queues a reply to message `reply_to` of the room (its id): like [`Client::send`], and
    /// a Banter server with the `replies` feature shows what it answers; elsewhere it is an
    /// ordinary message with this text. Returns its id.
    pub async fn send_reply(&self, server: &str, room: &str, reply_to: &str, text: &str) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let tx = self.handle(server, room)?;
        let (reply, rx) = oneshot::channel();
        tx.send(Command::Send { id: id.clone(), text: text.to_owned(), location: None, reply_to: Some(reply_to.to_owned()), reply })
            .map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)??;
        Ok(id)
    }

    /// Shares a location: checked first (finite, latitude in [-90, 90], longitude in
    /// [-180, 180]; otherwise `invalid_location` and nothing is queued or sent), then
    /// queued like [`Client::send`] and sent as the classic `sendLocation` on a classic
    /// server, as `banter:location` (with its id, so deduplicated and re-sent after a
    /// reconnect or restart) on a Banter server. Returns its id; the outcome comes as an
    /// [`ClientEvent::Ack`], the room shows it as a `message` of kind `location` whose
    /// text is the map URL.
    pub async fn send_location(&self, server: &str, room: &str, latitude: f64, longitude: f64) -> Result<String> {
        let location = location::check(latitude, longitude)?;
        let tx = self.handle(server, room)?;
        let id = uuid::Uuid::now_v7().to_string();
        let (reply, rx) = oneshot::channel();
        tx.send(Command::Send {
            id: id.clone(),
            text: location.maps_url(),
            location: Some(location),
            reply_to: None,
            reply,
        })
        .map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)??;
        Ok(id)
    }

    /// Sends a failed message again, with the same id.
    pub async fn retry(&self, server: &str, room: &str, id: &str) -> Result<()> {
        let tx = self.handle(server, room)?;
        let (reply, rx) = oneshot::channel();
        tx.send(Command::Retry {
            id: id.to_owned(),
            reply,
        })
        .map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)?
    }

    /// Older history of a room on a Banter server: the newest `limit` (at most 500) messages
    /// with `seq < before_seq`, oldest first, as `message` events marked `history`; `more`
    /// says whether older ones exist. Classic servers keep no history: an empty page.
    pub async fn history_before(&self, server: &str, room: &str, before_seq: u64, limit: u32) -> Result<OlderPage> {
        let tx = self.handle(server, room)?;
        let (reply, rx) = oneshot::channel();
        tx.send(Command::Older { before: before_seq, limit, reply })
            .map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)?
    }

    /// Tells the room we are (not) typing. Call it on every keystroke: repeats are throttled
    /// to one every 3 s. A no-op on classic servers.
    pub fn set_typing(&self, server: &str, room: &str, typing: bool) -> Result<()> {
        self.handle(server, room)?
            .send(Command::Typing(typing))
            .map_err(|_| ClientError::Closed)
    }

    /// The state of a message sent through this client (this process).
    pub fn message_state(&self, id: &str) -> Option<MessageState> {
        self.acks.get(id)
    }

    /// How many messages sent through this client still wait for an outcome.
    pub fn unresolved(&self) -> usize {
        self.acks.pending()
    }

    /// The rooms currently subscribed, as `(server, room)`.
    pub fn rooms(&self) -> Vec<(String, String)> {
        self.rooms
            .lock()
            .map(|r| {
                r.iter()
                    .filter(|(_, tx)| !tx.is_closed())
                    .map(|((s, r), _)| (s.to_string(), r.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Trusts `fingerprint` as `server`'s certificate from now on (for every connection of
    /// this client to it; the app and the CLI keep the pin and set it again at start), or
    /// forgets the pin with `None`. Only for `https://` servers; the fingerprint is what
    /// `untrusted_certificate` showed, or what the server's owner gave.
    pub fn trust_certificate(&self, server: &str, fingerprint: Option<Fingerprint>) -> Result<()> {
        let server = ServerUrl::parse(server)?;
        if !server.is_tls() && fingerprint.is_some() {
            return Err(ClientError::InvalidInput(format!("{server} is not an https:// server: there is no certificate to trust")));
        }
        self.pool.pins.set(server, fingerprint);
        Ok(())
    }

    /// The machine woke from sleep or its network changed: every room makes its connection
    /// again now instead of waiting for a dead socket's ping timeout or its backoff (the
    /// `reason` goes into their `reconnecting` events). One new connection per Banter
    /// server, each room re-joined with catch-up.
    pub fn reconnect_now(&self, reason: &str) {
        if let Ok(rooms) = self.rooms.lock() {
            for tx in rooms.values() {
                let _ = tx.send(Command::ReconnectNow { reason: reason.to_owned() });
            }
        }
    }

    /// How many connections to servers are open (one per identity on each Banter server,
    /// one per room on a classic server).
    pub fn connections(&self) -> usize {
        self.pool.open_connections()
    }

    /// Closes every room (without leaving them, see [`Client::close`]) and so every
    /// connection.
    pub async fn shutdown(&self) {
        for (server, room) in self.rooms() {
            let _ = self.close(&server, &room).await;
        }
    }
}
