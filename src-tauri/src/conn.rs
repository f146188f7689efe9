//! The connection to one server.
//!
//! TODO(banter-client): INTERIM. This is the part banter-client owns (connections, rooms,
//! ack tracking, outbox, reconnection). It was written so the desktop app could be tested
//! end to end before the core existed; it keeps the surface the commands need
//! (`connect`, `join`, `leave`, `send`, `retry`, `history`, `set_typing`, `disconnect`, an
//! event stream) so that switching to banter-client replaces this file and touches only
//! `lib.rs`'s calls.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use banter_protocol::{classic, ext, AckReply};
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event as SioEvent, Payload};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::ipc::{ConnectionState, Delivery, DeliveryState, HistoryPage, MessageKind, MessageView, RoomSnapshot, UiEvent};
use crate::notify_policy;

const ACK_TIMEOUT: Duration = Duration::from_secs(8);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the connection reports: a UI event, and what notifications should consider.
#[derive(Debug, Clone)]
pub struct CoreEvent {
    pub ui: UiEvent,
    pub notify: Option<notify_policy::Event>,
}

pub type EventTx = mpsc::UnboundedSender<CoreEvent>;

pub struct Conn {
    pub server: String,
    pub display_name: String,
    client: tokio::sync::RwLock<Option<Client>>,
    st: Mutex<State>,
    tx: EventTx,
}

#[derive(Default)]
struct State {
    rooms: BTreeMap<String, Room>,
    connected: bool,
    ever_connected: bool,
    closing: bool,
    /// A classic server: one room per connection, events carry no room.
    classic_room: Option<String>,
    local_ids: u64,
}

struct Room {
    username: String,
    banter: bool,
    last_seq: u64,
    max_chars: u32,
    outbox: Vec<Outgoing>,
    /// Classic servers echo our own messages without an id: texts we sent recently.
    recent_own: VecDeque<String>,
    received_scheduled: bool,
}

#[derive(Clone)]
struct Outgoing {
    id: String,
    text: String,
    state: DeliveryState,
}

fn args(p: Payload) -> Vec<Value> {
    #[allow(deprecated)]
    match p {
        Payload::Text(v) => v,
        Payload::String(s) => vec![serde_json::from_str(&s).unwrap_or(Value::String(s))],
        Payload::Binary(_) => Vec::new(),
    }
}

/// rust_socketio 0.6 hands an ack's argument list over as one JSON array inside the
/// payload (`[[null, {...}]]`), where events get the arguments themselves: unwrap it.
fn ack_args(a: Vec<Value>) -> Vec<Value> {
    match <[Value; 1]>::try_from(a) {
        Ok([Value::Array(inner)]) => inner,
        Ok([one]) => vec![one],
        Err(a) => a,
    }
}

fn first<T: serde::de::DeserializeOwned>(p: Payload) -> Option<T> {
    args(p).into_iter().next().and_then(|v| serde_json::from_value(v).ok())
}

fn text_of(p: Payload) -> String {
    args(p)
        .into_iter()
        .map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn view(m: &ext::Message, own_name: &str, delivery: Option<Delivery>) -> MessageView {
    let (time, day, day_label) = crate::format::stamp(m.created_at);
    let own = m.username == own_name;
    MessageView {
        id: m.id.clone(),
        room: m.room.clone(),
        seq: Some(m.seq),
        username: m.username.clone(),
        kind: match m.kind {
            ext::MessageKind::Text => MessageKind::Text,
            ext::MessageKind::Location => MessageKind::Location,
        },
        text: m.text.clone(),
        created_at: m.created_at,
        time,
        day,
        day_label,
        own,
        delivery: if own { Some(delivery.unwrap_or_else(Delivery::delivered)) } else { None },
    }
}

fn unreachable(server: &str, e: impl std::fmt::Display) -> CommandError {
    CommandError::new(
        ErrorCode::Unreachable,
        format!("Could not reach {server} ({e}). Check the URL and that the server is running."),
    )
}

impl Conn {
    /// Connects; returns once the server accepted the socket (or refused it).
    pub async fn connect(server: String, display_name: String, token: Option<String>, tx: EventTx) -> CmdResult<Arc<Conn>> {
        let conn = Arc::new(Conn {
            server: server.clone(),
            display_name,
            client: tokio::sync::RwLock::new(None),
            st: Mutex::new(State::default()),
            tx,
        });
        let (open_tx, open_rx) = oneshot::channel::<Result<(), String>>();
        let open_tx = Arc::new(Mutex::new(Some(open_tx)));

        let mut b = ClientBuilder::new(server.clone())
            .reconnect(true)
            .reconnect_on_disconnect(true)
            .reconnect_delay(300, 2_000)
            .max_reconnect_attempts(u8::MAX);
        if let Some(t) = token {
            b = b.auth(json!({ "token": t }));
        }
        let weak = Arc::downgrade(&conn);
        macro_rules! on {
            ($b:expr, $ev:expr, |$c:ident, $p:ident| $body:expr) => {{
                let weak = weak.clone();
                $b.on($ev, move |$p: Payload, _client: Client| {
                    let weak = weak.clone();
                    async move {
                        if let Some($c) = weak.upgrade() {
                            $body;
                        }
                    }
                    .boxed()
                })
            }};
        }
        {
            let open_tx = open_tx.clone();
            let weak = weak.clone();
            b = b.on(SioEvent::Connect, move |_p, _c| {
                let (weak, open_tx) = (weak.clone(), open_tx.clone());
                async move {
                    if let Some(c) = weak.upgrade() {
                        c.on_open(&open_tx);
                    }
                }
                .boxed()
            });
        }
        {
            let open_tx = open_tx.clone();
            let weak = weak.clone();
            b = b.on(SioEvent::Error, move |p, _c| {
                let (weak, open_tx) = (weak.clone(), open_tx.clone());
                async move {
                    let text = text_of(p);
                    if let Some(tx) = open_tx.lock().ok().and_then(|mut g| g.take()) {
                        let _ = tx.send(Err(text));
                    } else if let Some(c) = weak.upgrade() {
                        c.on_lost(Some(text));
                    }
                }
                .boxed()
            });
        }
        b = on!(b, SioEvent::Close, |c, p| { let _ = p; c.on_lost(None) });
        b = on!(b, ext::MESSAGE, |c, p| if let Some(m) = first::<ext::Message>(p) { c.on_message(m) });
        b = on!(b, ext::PRESENCE, |c, p| if let Some(m) = first::<ext::Presence>(p) { c.on_presence(m) });
        b = on!(b, ext::TYPING, |c, p| if let Some(m) = first::<ext::Typing>(p) { c.on_typing(m) });
        b = on!(b, ext::RECEIPT, |c, p| if let Some(m) = first::<ext::Receipt>(p) { c.on_receipt(m) });
        b = on!(b, classic::MESSAGE, |c, p| if let Some(m) = first::<classic::ChatMessage>(p) { c.on_classic_message(m) });
        b = on!(b, classic::ROOM_DATA, |c, p| if let Some(m) = first::<classic::RoomData>(p) { c.on_room_data(m) });

        let client = match tokio::time::timeout(CONNECT_TIMEOUT, b.connect()).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Err(unreachable(&server, e)),
            Err(_) => return Err(unreachable(&server, "timed out")),
        };
        *conn.client.write().await = Some(client);
        let outcome = tokio::time::timeout(CONNECT_TIMEOUT, open_rx).await;
        let err = match outcome {
            Ok(Ok(Ok(()))) => return Ok(conn),
            Ok(Ok(Err(text))) if text.contains("Unauthorized") || text.contains("token") => CommandError::new(
                ErrorCode::Unauthorized,
                "This server requires a valid access token: enter it in the Token field (ask the server's owner for it).",
            ),
            Ok(Ok(Err(text))) => unreachable(&server, text),
            _ => unreachable(&server, "no answer to the connection request"),
        };
        conn.close(false).await;
        Err(err)
    }

    fn emit_ui(&self, ui: UiEvent) {
        let _ = self.tx.send(CoreEvent { ui, notify: None });
    }

    fn emit(&self, ui: UiEvent, notify: Option<notify_policy::Event>) {
        let _ = self.tx.send(CoreEvent { ui, notify });
    }

    fn on_open(self: &Arc<Self>, open_tx: &Arc<Mutex<Option<oneshot::Sender<Result<(), String>>>>>) {
        let reconnect = {
            let Ok(mut st) = self.st.lock() else { return };
            st.connected = true;
            let again = st.ever_connected;
            st.ever_connected = true;
            again
        };
        if let Some(tx) = open_tx.lock().ok().and_then(|mut g| g.take()) {
            let _ = tx.send(Ok(()));
        }
        self.emit_ui(UiEvent::Connection { server: self.server.clone(), state: ConnectionState::Connected, detail: None });
        if reconnect {
            // Not inside the callback: acks are read by the task that runs callbacks.
            let me = self.clone();
            tokio::spawn(async move { me.rejoin_all().await });
        }
    }

    fn on_lost(&self, detail: Option<String>) {
        let Ok(mut st) = self.st.lock() else { return };
        if st.closing || !st.connected {
            return;
        }
        st.connected = false;
        drop(st);
        tracing::info!(server = %self.server, ?detail, "connection lost, reconnecting");
        self.emit_ui(UiEvent::Connection {
            server: self.server.clone(),
            state: ConnectionState::Reconnecting,
            detail: Some("Connection lost. Reconnecting…".into()),
        });
    }

    /// After a reconnect: join every room again from the last seq we have, then resend
    /// what is still pending (the server recognises ids it already stored).
    async fn rejoin_all(self: Arc<Self>) {
        let rooms: Vec<String> = self.st.lock().map(|s| s.rooms.keys().cloned().collect()).unwrap_or_default();
        for room in rooms {
            match self.join_inner(&room, true).await {
                Ok(snapshot) => self.emit_ui(UiEvent::Room { snapshot }),
                Err(error) => self.emit_ui(UiEvent::Error { error }),
            }
            let pending: Vec<Outgoing> = self
                .st
                .lock()
                .ok()
                .and_then(|s| s.rooms.get(&room).map(|r| r.outbox.iter().filter(|o| o.state == DeliveryState::Pending).cloned().collect()))
                .unwrap_or_default();
            for o in pending {
                self.clone().deliver(room.clone(), o.id, o.text).await;
            }
        }
    }

    async fn ack(&self, event: &str, data: Value) -> CmdResult<AckReply> {
        let guard = self.client.read().await;
        let client = guard.as_ref().ok_or_else(|| CommandError::new(ErrorCode::NotConnected, "Not connected."))?;
        let (tx, rx) = oneshot::channel::<Vec<Value>>();
        let tx = Arc::new(Mutex::new(Some(tx)));
        client
            .emit_with_ack(event.to_owned(), data, ACK_TIMEOUT, move |p: Payload, _c: Client| {
                let tx = tx.clone();
                async move {
                    if let Some(tx) = tx.lock().ok().and_then(|mut g| g.take()) {
                        let _ = tx.send(args(p));
                    }
                }
                .boxed()
            })
            .await
            .map_err(|e| CommandError::new(ErrorCode::NotConnected, format!("Not connected ({e}).")))?;
        drop(guard);
        match tokio::time::timeout(ACK_TIMEOUT, rx).await {
            Ok(Ok(a)) => Ok(AckReply::from_args(&ack_args(a))),
            _ => Err(CommandError::new(ErrorCode::Unreachable, "The server did not answer in time.")),
        }
    }

    async fn fire(&self, event: &str, data: Value) {
        if let Some(c) = self.client.read().await.as_ref() {
            let _ = c.emit(event.to_owned(), data).await;
        }
    }

    pub async fn join(self: &Arc<Self>, room: &str) -> CmdResult<RoomSnapshot> {
        self.join_inner(room, false).await
    }

    async fn join_inner(self: &Arc<Self>, room: &str, rejoin: bool) -> CmdResult<RoomSnapshot> {
        let since = {
            let st = self.st.lock().map_err(|_| CommandError::internal("state poisoned"))?;
            if let Some(c) = &st.classic_room {
                if c != room {
                    return Err(CommandError::new(
                        ErrorCode::Refused,
                        "This server is a classic chat server: it allows one room per connection. Leave the current room first.",
                    ));
                }
            }
            match st.rooms.get(room) {
                Some(_) if !rejoin => return Err(CommandError::invalid(format!("You are already in {room}."))),
                Some(r) if r.last_seq > 0 => Some(r.last_seq),
                _ => None,
            }
        };
        let ext = match since {
            Some(s) => json!({ "v": ext::PROTOCOL_VERSION, "since": s }),
            None => json!({ "v": ext::PROTOCOL_VERSION }),
        };
        let payload = json!({ "username": self.display_name, "room": room, "banter": ext });
        match self.ack(classic::JOIN, payload).await? {
            AckReply::OkWith(v) => {
                let acc: ext::JoinAccepted = serde_json::from_value(v)
                    .map_err(|e| CommandError::internal(format!("The server's join reply was not understood: {e}")))?;
                let mut st = self.st.lock().map_err(|_| CommandError::internal("state poisoned"))?;
                let r = st.rooms.entry(acc.room.clone()).or_insert_with(|| Room {
                    username: acc.username.clone(),
                    banter: true,
                    last_seq: 0,
                    max_chars: acc.limits.max_message_chars,
                    outbox: Vec::new(),
                    recent_own: VecDeque::new(),
                    received_scheduled: false,
                });
                r.username = acc.username.clone();
                r.max_chars = acc.limits.max_message_chars;
                r.last_seq = r.last_seq.max(acc.latest_seq);
                let messages = acc.history.iter().map(|m| view(m, &acc.username, None)).collect();
                drop(st);
                if acc.latest_seq > 0 {
                    self.schedule_received(&acc.room);
                }
                Ok(RoomSnapshot {
                    server: self.server.clone(),
                    room: acc.room,
                    username: acc.username,
                    users: acc.users,
                    messages,
                    more: acc.more && since.is_none(),
                    max_message_chars: acc.limits.max_message_chars,
                    banter: true,
                })
            }
            AckReply::Ok => {
                let mut st = self.st.lock().map_err(|_| CommandError::internal("state poisoned"))?;
                let name = banter_protocol::rules::normalise_name(&self.display_name);
                st.classic_room = Some(room.to_owned());
                st.rooms.entry(room.to_owned()).or_insert_with(|| Room {
                    username: name.clone(),
                    banter: false,
                    last_seq: 0,
                    max_chars: banter_protocol::rules::MAX_MESSAGE_CHARS as u32,
                    outbox: Vec::new(),
                    recent_own: VecDeque::new(),
                    received_scheduled: false,
                });
                Ok(RoomSnapshot {
                    server: self.server.clone(),
                    room: room.to_owned(),
                    username: name,
                    users: Vec::new(),
                    messages: Vec::new(),
                    more: false,
                    max_message_chars: banter_protocol::rules::MAX_MESSAGE_CHARS as u32,
                    banter: false,
                })
            }
            AckReply::Refused(reason) => {
                let hint = if reason == classic::ERR_IN_USE {
                    format!("The name {} is already taken in {room}: choose another display name.", self.display_name)
                } else {
                    reason
                };
                Err(CommandError::new(ErrorCode::Refused, hint))
            }
            AckReply::Malformed(m) => Err(CommandError::internal(format!("The server answered the join strangely: {m}"))),
        }
    }

    pub async fn leave(&self, room: &str) -> CmdResult<()> {
        let (banter, present) = {
            let st = self.st.lock().map_err(|_| CommandError::internal("state poisoned"))?;
            (st.rooms.get(room).map(|r| r.banter).unwrap_or(false), st.rooms.contains_key(room))
        };
        if !present {
            return Err(CommandError::new(ErrorCode::NotConnected, format!("You are not in {room}.")));
        }
        if banter {
            // Best effort: even if the server is gone, the room is left locally.
            let _ = self.ack(ext::LEAVE, json!({ "room": room })).await;
        }
        if let Ok(mut st) = self.st.lock() {
            st.rooms.remove(room);
            if st.classic_room.as_deref() == Some(room) {
                st.classic_room = None;
            }
        }
        Ok(())
    }

    pub fn max_chars(&self, room: &str) -> CmdResult<usize> {
        let st = self.st.lock().map_err(|_| CommandError::internal("state poisoned"))?;
        st.rooms
            .get(room)
            .map(|r| r.max_chars as usize)
            .ok_or_else(|| CommandError::new(ErrorCode::NotConnected, format!("Join {room} first.")))
    }

    /// Queues a message and tries to deliver it; the outcome arrives as a Delivery event.
    pub fn send(self: &Arc<Self>, room: &str, text: &str) -> CmdResult<MessageView> {
        let id = uuid::Uuid::now_v7().to_string();
        let created_at = now_ms();
        let username = {
            let mut st = self.st.lock().map_err(|_| CommandError::internal("state poisoned"))?;
            st.local_ids += 1;
            let r = st.rooms.get_mut(room).ok_or_else(|| CommandError::new(ErrorCode::NotConnected, format!("Join {room} first.")))?;
            r.outbox.push(Outgoing { id: id.clone(), text: text.to_owned(), state: DeliveryState::Pending });
            r.username.clone()
        };
        let (time, day, day_label) = crate::format::stamp(created_at);
        let view = MessageView {
            id: id.clone(),
            room: room.to_owned(),
            seq: None,
            username,
            kind: MessageKind::Text,
            text: text.to_owned(),
            created_at,
            time,
            day,
            day_label,
            own: true,
            delivery: Some(Delivery::pending()),
        };
        let me = self.clone();
        let (room, text) = (room.to_owned(), text.to_owned());
        tokio::spawn(async move { me.deliver(room, id, text).await });
        Ok(view)
    }

    /// Sends a failed message again with the same id.
    pub fn retry(self: &Arc<Self>, room: &str, id: &str) -> CmdResult<()> {
        let text = {
            let mut st = self.st.lock().map_err(|_| CommandError::internal("state poisoned"))?;
            let r = st.rooms.get_mut(room).ok_or_else(|| CommandError::new(ErrorCode::NotConnected, format!("Join {room} first.")))?;
            let o = r
                .outbox
                .iter_mut()
                .find(|o| o.id == id)
                .ok_or_else(|| CommandError::invalid("That message is not waiting to be sent."))?;
            o.state = DeliveryState::Pending;
            o.text.clone()
        };
        self.emit_ui(UiEvent::Delivery {
            server: self.server.clone(),
            room: room.to_owned(),
            id: id.to_owned(),
            seq: None,
            delivery: Delivery::pending(),
        });
        let me = self.clone();
        let (room, id) = (room.to_owned(), id.to_owned());
        tokio::spawn(async move { me.deliver(room, id, text).await });
        Ok(())
    }

    async fn deliver(self: Arc<Self>, room: String, id: String, text: String) {
        let (connected, banter) = match self.st.lock() {
            Ok(st) => (st.connected, st.rooms.get(&room).map(|r| r.banter).unwrap_or(false)),
            Err(_) => return,
        };
        if !connected {
            return; // stays pending: sent again after the reconnect
        }
        let reply = if banter {
            self.ack(ext::SEND, json!({ "id": id, "room": room, "text": text })).await
        } else {
            if let Ok(mut st) = self.st.lock() {
                if let Some(r) = st.rooms.get_mut(&room) {
                    r.recent_own.push_back(text.clone());
                    if r.recent_own.len() > 50 {
                        r.recent_own.pop_front();
                    }
                }
            }
            self.ack(classic::SEND_MESSAGE, json!(text)).await
        };
        let (delivery, seq, done) = match reply {
            Ok(AckReply::Ok) => (Delivery::delivered(), None, true),
            Ok(AckReply::OkWith(v)) => {
                let seq = serde_json::from_value::<ext::SendAccepted>(v).ok().map(|a| a.seq);
                (Delivery::delivered(), seq, true)
            }
            Ok(AckReply::Refused(r)) => (Delivery::with(DeliveryState::Refused, r), None, true),
            Ok(AckReply::Malformed(m)) => (Delivery::with(DeliveryState::Failed, format!("The server answered strangely: {m}")), None, false),
            Err(_) if !self.st.lock().map(|s| s.connected).unwrap_or(false) => return, // lost meanwhile: stays pending
            Err(e) => (Delivery::with(DeliveryState::Failed, e.message), None, false),
        };
        if let Ok(mut st) = self.st.lock() {
            if let Some(r) = st.rooms.get_mut(&room) {
                if done {
                    r.outbox.retain(|o| o.id != id);
                } else if let Some(o) = r.outbox.iter_mut().find(|o| o.id == id) {
                    o.state = DeliveryState::Failed;
                }
            }
        }
        self.emit_ui(UiEvent::Delivery { server: self.server.clone(), room, id, seq, delivery });
    }

    pub async fn history(&self, room: &str, before_seq: u64, limit: u32) -> CmdResult<HistoryPage> {
        let (banter, own) = {
            let st = self.st.lock().map_err(|_| CommandError::internal("state poisoned"))?;
            let r = st.rooms.get(room).ok_or_else(|| CommandError::new(ErrorCode::NotConnected, format!("Join {room} first.")))?;
            (r.banter, r.username.clone())
        };
        if !banter || before_seq <= 1 {
            return Ok(HistoryPage { messages: Vec::new(), more: false });
        }
        let since = before_seq.saturating_sub(u64::from(limit) + 1);
        let limit = (before_seq - 1 - since).min(u64::from(limit)) as u32;
        match self.ack(ext::HISTORY, json!({ "room": room, "since": since, "limit": limit })).await? {
            AckReply::OkWith(v) => {
                let page: ext::HistoryPage = serde_json::from_value(v).map_err(|e| CommandError::internal(e.to_string()))?;
                let messages = page.messages.iter().filter(|m| m.seq < before_seq).map(|m| view(m, &own, None)).collect();
                Ok(HistoryPage { messages, more: since > 0 })
            }
            AckReply::Refused(r) => Err(CommandError::new(ErrorCode::Refused, r)),
            _ => Ok(HistoryPage { messages: Vec::new(), more: false }),
        }
    }

    pub async fn set_typing(&self, room: &str, typing: bool) {
        let banter = self.st.lock().ok().and_then(|s| s.rooms.get(room).map(|r| r.banter)).unwrap_or(false);
        if banter {
            self.fire(ext::TYPING, json!({ "room": room, "typing": typing })).await;
        }
    }

    pub async fn disconnect(&self) {
        self.close(true).await
    }

    async fn close(&self, report: bool) {
        if let Ok(mut st) = self.st.lock() {
            st.closing = true;
            st.connected = false;
        }
        if let Some(c) = self.client.write().await.take() {
            let _ = c.disconnect().await;
        }
        if report {
            self.emit_ui(UiEvent::Connection { server: self.server.clone(), state: ConnectionState::Disconnected, detail: None });
        }
    }

    fn schedule_received(self: &Arc<Self>, room: &str) {
        let go = match self.st.lock() {
            Ok(mut st) => match st.rooms.get_mut(room) {
                Some(r) if r.banter && !r.received_scheduled => {
                    r.received_scheduled = true;
                    true
                }
                _ => false,
            },
            Err(_) => false,
        };
        if go {
            let me = self.clone();
            let room = room.to_owned();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let seq = me.st.lock().ok().and_then(|mut st| {
                    st.rooms.get_mut(&room).map(|r| {
                        r.received_scheduled = false;
                        r.last_seq
                    })
                });
                if let Some(seq) = seq {
                    me.fire(ext::RECEIVED, json!({ "room": room, "seq": seq })).await;
                }
            });
        }
    }

    fn on_message(self: &Arc<Self>, m: ext::Message) {
        let (own, fresh) = {
            let Ok(mut st) = self.st.lock() else { return };
            let Some(r) = st.rooms.get_mut(&m.room) else { return };
            let fresh = m.seq > r.last_seq;
            r.last_seq = r.last_seq.max(m.seq);
            if m.username == r.username {
                r.outbox.retain(|o| o.id != m.id);
            }
            (r.username.clone(), fresh)
        };
        if !fresh {
            return;
        }
        self.schedule_received(&m.room);
        let notify = notify_policy::Event {
            server: self.server.clone(),
            room: m.room.clone(),
            username: m.username.clone(),
            own_username: own.clone(),
            kind: notify_policy::EventKind::Message { text: m.text.clone() },
        };
        let message = view(&m, &own, None);
        self.emit(UiEvent::Message { server: self.server.clone(), message }, Some(notify));
    }

    fn on_presence(&self, p: ext::Presence) {
        let Some(own) = self.st.lock().ok().and_then(|s| s.rooms.get(&p.room).map(|r| r.username.clone())) else { return };
        let joined = p.event == ext::PresenceEvent::Joined;
        let notify = joined.then(|| notify_policy::Event {
            server: self.server.clone(),
            room: p.room.clone(),
            username: p.username.clone(),
            own_username: own,
            kind: notify_policy::EventKind::Joined,
        });
        self.emit(
            UiEvent::Presence { server: self.server.clone(), room: p.room, username: p.username, joined, users: p.users },
            notify,
        );
    }

    fn on_typing(&self, t: ext::Typing) {
        self.emit_ui(UiEvent::Typing { server: self.server.clone(), room: t.room, username: t.username, typing: t.typing });
    }

    fn on_receipt(&self, r: ext::Receipt) {
        let delivery = Delivery {
            state: DeliveryState::Delivered,
            reason: None,
            received_by: Some(r.received_by),
            recipients: Some(r.recipients),
        };
        self.emit_ui(UiEvent::Delivery { server: self.server.clone(), room: r.room, id: r.id, seq: Some(r.seq), delivery });
    }

    /// A classic server's `message`: chat lines and Admin notices, without a room.
    fn on_classic_message(&self, m: classic::ChatMessage) {
        let (room, own, id) = {
            let Ok(mut st) = self.st.lock() else { return };
            let Some(room) = st.classic_room.clone() else { return };
            st.local_ids += 1;
            let id = format!("classic-{}", st.local_ids);
            let Some(r) = st.rooms.get_mut(&room) else { return };
            if m.username == r.username {
                if let Some(pos) = r.recent_own.iter().position(|t| *t == m.text) {
                    // our own message echoed back: already shown (and marked delivered by the ack)
                    r.recent_own.remove(pos);
                    return;
                }
            }
            (room, r.username.clone(), id)
        };
        let notice = m.notice();
        let (time, day, day_label) = crate::format::stamp(m.created_at);
        let is_own = m.username == own;
        let message = MessageView {
            id,
            room: room.clone(),
            seq: None,
            username: m.username.clone(),
            kind: if notice.is_some() || m.username == classic::ADMIN { MessageKind::Notice } else { MessageKind::Text },
            text: m.text.clone(),
            created_at: m.created_at,
            time,
            day,
            day_label,
            own: is_own,
            delivery: is_own.then(Delivery::delivered),
        };
        let notify = match notice {
            Some(classic::Notice::Joined(name)) => Some(notify_policy::Event {
                server: self.server.clone(),
                room,
                username: name,
                own_username: own,
                kind: notify_policy::EventKind::Joined,
            }),
            Some(_) => None,
            None => Some(notify_policy::Event {
                server: self.server.clone(),
                room,
                username: m.username,
                own_username: own,
                kind: notify_policy::EventKind::Message { text: m.text },
            }),
        };
        self.emit(UiEvent::Message { server: self.server.clone(), message }, notify);
    }

    fn on_room_data(&self, d: classic::RoomData) {
        let ours = self.st.lock().ok().and_then(|s| s.classic_room.clone()).is_some_and(|r| r == d.room);
        if ours {
            let users = d.users.into_iter().map(|u| u.username).collect();
            self.emit_ui(UiEvent::Presence { server: self.server.clone(), room: d.room, username: String::new(), joined: true, users });
        }
    }
}
