//! One room subscription: an actor task that owns one Socket.IO connection to one server for
//! one room, and everything about that room (server kind, outbox, timeline, members, typing,
//! receipts, reconnection).
//!
//! Why one connection per room: a classic server holds one room per socket, and a Banter
//! server accepts that too, so the same code works on both and a fault in one room (a
//! refused re-join, a hostile flood) never touches another. The price is one socket per room.
//!
//! Requests that need an ack (join, send, history) go out one at a time per connection, in
//! order, each timed by our own timer; events keep flowing meanwhile.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use banter_protocol::classic::{self, ChatMessage, LocationMessage, Notice, RoomData};
use banter_protocol::ext::{self, HistoryPage, HistoryRequest, JoinAccepted, JoinExtension, Message, MessageKind, Presence, PresenceEvent, Receipt, Received, SendRequest, Typing, TypingRequest};
use banter_protocol::{rules, AckReply};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::acks::{read_send_ack, AckTable, MessageState, SendOutcome};
use crate::connection::{Connection, Raw, RequestError};
use crate::error::{ClientError, Result};
use crate::events::{AckStatus, ClientEvent, EventSink, ServerKind};
use crate::outbox::{EntryState, Outbox};
use crate::timeline::SeqTracker;
use crate::url::ServerUrl;
use crate::{ClientConfig, JoinInfo};

/// Longest text or URL accepted from a server, in bytes (the protocol allows 2,000
/// characters; classic servers have no limit, this keeps a hostile one from flooding memory).
pub(crate) const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Longest user or room name accepted from a server, in bytes.
pub(crate) const MAX_NAME_BYTES: usize = 1024;
/// Most members accepted in one list.
pub(crate) const MAX_USERS: usize = 10_000;
/// Error events per room per second; beyond that they are counted and reported together.
const ERRORS_PER_SECOND: u32 = 20;
/// Re-joins refused with "Username is in use!" (the server still holds our old socket)
/// before giving up.
const MAX_IN_USE_REJOINS: u32 = 8;

/// Commands from [`crate::Client`] to a room.
pub(crate) enum Command {
    Send { id: String, text: String, reply: oneshot::Sender<Result<()>> },
    Retry { id: String, reply: oneshot::Sender<Result<()>> },
    Typing(bool),
    Leave { reply: oneshot::Sender<Result<()>> },
}

/// What a room needs to start.
pub(crate) struct RoomSpec {
    pub server: ServerUrl,
    pub room: String,
    pub username: String,
    pub token: Option<String>,
    pub config: Arc<ClientConfig>,
}

/// Opens the outbox and the connection, joins, and returns once the join is answered.
pub(crate) async fn start(spec: RoomSpec, sink: EventSink, acks: AckTable) -> Result<(mpsc::UnboundedSender<Command>, JoinInfo)> {
    let outbox = Outbox::open(&spec.config.data_dir, spec.server.as_str(), &spec.room, spec.config.fsync)?;
    let (conn, raw_rx) = Connection::open(&spec.server, spec.token.as_deref(), spec.config.connect_timeout).await?;
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (done_tx, done_rx) = mpsc::unbounded_channel();
    let (join_tx, join_rx) = oneshot::channel();
    let server = spec.server.to_string();
    let last_seq = outbox.last_seq();
    // Messages left from an earlier run wait for an outcome too.
    for e in outbox.entries().iter().filter(|e| e.state == EntryState::Pending) {
        acks.set_pending(&e.id);
    }
    sink.emit(ClientEvent::Connected { server: server.clone(), room: spec.room.clone(), attempt: 0 });
    let mut actor = Actor {
        server,
        username: rules::normalise_name(&spec.username),
        spec,
        sink,
        acks,
        cmd_rx,
        done_tx,
        done_rx,
        conn: Some(conn),
        raw_rx: Some(raw_rx),
        generation: 0,
        kind: None,
        joined: false,
        ever_joined: false,
        timeline: SeqTracker::starting_at(last_seq),
        users: BTreeSet::new(),
        users_known: false,
        users_reported: None,
        outbox,
        queue: VecDeque::new(),
        in_flight: None,
        reconnect_at: None,
        attempt: 0,
        in_use_rejoins: 0,
        received_sent: 0,
        typing: HashMap::new(),
        typing_sent: None,
        max_message_chars: rules::MAX_MESSAGE_CHARS,
        features: Vec::new(),
        errors: ErrorBudget::default(),
        join_reply: Some(join_tx),
        stopped: false,
    };
    let since = (last_seq > 0).then_some(last_seq);
    actor.queue.push_back(Req::Join { since });
    tokio::spawn(actor.run());
    match join_rx.await {
        Ok(Ok(info)) => Ok((cmd_tx, info)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(ClientError::Closed),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Join { since: Option<u64> },
    Send { id: String },
    History { since: u64 },
}

struct Done {
    generation: u64,
    req: Req,
    result: std::result::Result<Vec<Value>, RequestError>,
}

enum Step {
    Cmd(Option<Command>),
    Raw(Option<Raw>),
    Done(Done),
    Reconnect,
    Tick,
}

struct Actor {
    spec: RoomSpec,
    server: String,
    username: String,
    sink: EventSink,
    acks: AckTable,
    cmd_rx: mpsc::UnboundedReceiver<Command>,
    done_tx: mpsc::UnboundedSender<Done>,
    done_rx: mpsc::UnboundedReceiver<Done>,
    conn: Option<Connection>,
    raw_rx: Option<mpsc::UnboundedReceiver<Raw>>,
    /// Bumped whenever a connection is abandoned: answers for older ones are ignored.
    generation: u64,
    kind: Option<ServerKind>,
    joined: bool,
    ever_joined: bool,
    timeline: SeqTracker,
    users: BTreeSet<String>,
    users_known: bool,
    /// The member list last reported in a `users` event.
    users_reported: Option<BTreeSet<String>>,
    outbox: Outbox,
    queue: VecDeque<Req>,
    in_flight: Option<Req>,
    reconnect_at: Option<Instant>,
    attempt: u32,
    in_use_rejoins: u32,
    received_sent: u64,
    typing: HashMap<String, Instant>,
    typing_sent: Option<Instant>,
    max_message_chars: usize,
    features: Vec<String>,
    errors: ErrorBudget,
    join_reply: Option<oneshot::Sender<Result<JoinInfo>>>,
    stopped: bool,
}

impl Actor {
    async fn run(mut self) {
        let mut tick = tokio::time::interval(self.spec.config.receipt_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !self.stopped {
            self.pump();
            let reconnect_at = self.reconnect_at;
            let step = {
                let raw_rx = &mut self.raw_rx;
                let raw = async {
                    match raw_rx {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                };
                let reconnect = async {
                    match reconnect_at {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    biased;
                    c = self.cmd_rx.recv() => Step::Cmd(c),
                    Some(d) = self.done_rx.recv() => Step::Done(d),
                    r = raw => Step::Raw(r),
                    _ = reconnect => Step::Reconnect,
                    _ = tick.tick() => Step::Tick,
                }
            };
            match step {
                Step::Cmd(None) => self.stop(None, "the client shut down").await,
                Step::Cmd(Some(c)) => self.command(c).await,
                Step::Raw(None) => self.connection_lost("the socket closed"),
                Step::Raw(Some(r)) => self.raw(r),
                Step::Done(d) => self.done(d),
                Step::Reconnect => self.reconnect().await,
                Step::Tick => self.tick(),
            }
        }
    }

    // ----- emitting ---------------------------------------------------------------------

    fn emit(&self, e: ClientEvent) {
        self.sink.emit(e);
    }

    fn error(&mut self, err: ClientError) {
        if self.errors.allow() {
            self.sink.emit(ClientEvent::error(Some(&self.server), Some(&self.spec.room), &err));
        }
    }

    fn protocol_error(&mut self, detail: String) {
        self.error(ClientError::Protocol(detail));
    }

    // ----- requests ---------------------------------------------------------------------

    /// Starts the next request if none is in flight (joins first, sends only once joined).
    fn pump(&mut self) {
        if self.in_flight.is_some() || self.stopped {
            return;
        }
        let Some(conn) = self.conn.clone() else { return };
        let next = match self.queue.front() {
            Some(Req::Join { .. }) => self.queue.pop_front(),
            Some(_) if self.joined => self.queue.pop_front(),
            _ => None,
        };
        let Some(req) = next else { return };
        let room = self.spec.room.clone();
        let (event, payload) = match &req {
            Req::Join { since } => (
                classic::JOIN,
                serde_json::json!({
                    "username": self.spec.username,
                    "room": room,
                    "banter": JoinExtension { v: ext::PROTOCOL_VERSION, since: *since },
                }),
            ),
            Req::History { since } => (
                ext::HISTORY,
                serde_json::to_value(HistoryRequest { room, since: *since, limit: Some(500) }).unwrap_or(Value::Null),
            ),
            Req::Send { id } => {
                let Some(entry) = self.outbox.get(id).filter(|e| e.state == EntryState::Pending).cloned() else {
                    return self.pump(); // resolved meanwhile (e.g. failed, or queued twice)
                };
                let attempt = match self.outbox.mark_sent(id) {
                    Ok(a) => a,
                    Err(e) => {
                        self.error(e);
                        entry.attempts + 1
                    }
                };
                if attempt > 1 {
                    self.emit(ClientEvent::Pending {
                        server: self.server.clone(),
                        room: room.clone(),
                        id: id.clone(),
                        text: entry.text.clone(),
                        attempt,
                    });
                }
                if self.kind == Some(ServerKind::Banter) {
                    (
                        ext::SEND,
                        serde_json::to_value(SendRequest { id: id.clone(), room, text: entry.text }).unwrap_or(Value::Null),
                    )
                } else {
                    (classic::SEND_MESSAGE, Value::String(entry.text))
                }
            }
        };
        let timeout = self.spec.config.request_timeout;
        let generation = self.generation;
        let done_tx = self.done_tx.clone();
        self.in_flight = Some(req.clone());
        tracing::trace!(room = %self.spec.room, generation, ?req, queued = self.queue.len(), "request");
        tokio::spawn(async move {
            let result = conn.request(event, payload, timeout).await;
            let _ = done_tx.send(Done { generation, req, result });
        });
    }

    fn done(&mut self, d: Done) {
        tracing::trace!(room = %self.spec.room, generation = d.generation, current = self.generation, req = ?d.req, result = ?d.result, "answer");
        if d.generation != self.generation {
            return; // an answer for a connection already abandoned
        }
        self.in_flight = None;
        let secs = self.spec.config.request_timeout.as_secs();
        match (d.req, d.result) {
            (_, Err(RequestError::Emit(e))) => self.connection_lost(&format!("cannot write to the socket: {e}")),
            (req, Err(RequestError::Timeout)) => {
                let what = match &req {
                    Req::Join { .. } => "join".to_owned(),
                    Req::Send { id } => format!("message {id}"),
                    Req::History { .. } => "history".to_owned(),
                };
                let err = ClientError::Timeout { what, seconds: secs };
                if let Some(reply) = self.join_reply.take() {
                    let _ = reply.send(Err(err));
                    self.stopped = true;
                    self.close_connection();
                    return;
                }
                // No answer at all: the connection is presumed dead. Banter sends are re-sent
                // with the same id after the reconnect; classic ones fail (see connection_lost).
                if let Req::Send { id } = &req {
                    if self.kind != Some(ServerKind::Banter) {
                        self.fail(id, &err.to_string());
                    } else if self.outbox.get(id).map(|e| e.attempts).unwrap_or(0) >= self.spec.config.max_send_attempts {
                        self.fail(id, &format!("no acknowledgement after {} attempts", self.spec.config.max_send_attempts));
                    }
                }
                self.connection_lost(&err.to_string());
            }
            (Req::Join { since }, Ok(args)) => self.joined_reply(args, since),
            (Req::Send { id }, Ok(args)) => self.send_reply(&id, &args),
            (Req::History { .. }, Ok(args)) => self.history_reply(args),
        }
    }

    fn joined_reply(&mut self, args: Vec<Value>, since: Option<u64>) {
        let rejoin = self.ever_joined;
        let reply = AckReply::from_args(&args);
        let accepted = match reply {
            AckReply::Refused(reason) => return self.join_refused(clip(&reason, 500)),
            AckReply::Ok => None,
            AckReply::Malformed(d) => {
                self.protocol_error(format!("join ack: {d}"));
                None
            }
            AckReply::OkWith(v) => match serde_json::from_value::<JoinAccepted>(v) {
                Ok(a) => Some(a),
                Err(e) => {
                    self.protocol_error(format!("join ack is not a JoinAccepted: {e}"));
                    None
                }
            },
        };
        self.joined = true;
        self.ever_joined = true;
        self.attempt = 0;
        self.in_use_rejoins = 0;
        let mut latest_seq = None;
        match accepted {
            None => {
                self.kind = Some(ServerKind::Classic);
                // A classic server cannot deduplicate: what went out without an ack fails
                // (re-sent only on retry); what never went out is sent now.
                let ids: Vec<(String, u32)> = self
                    .outbox
                    .entries()
                    .iter()
                    .filter(|e| e.state == EntryState::Pending)
                    .map(|e| (e.id.clone(), e.attempts))
                    .collect();
                for (id, attempts) in ids {
                    if attempts > 0 {
                        self.fail(&id, "no acknowledgement before the connection was lost (a classic server cannot deduplicate: retry to resend)");
                    } else {
                        self.queue.push_back(Req::Send { id });
                    }
                }
            }
            Some(a) => {
                self.kind = Some(ServerKind::Banter);
                self.username = a.username.clone();
                self.max_message_chars = a.limits.max_message_chars as usize;
                self.features = a.features.clone();
                latest_seq = Some(a.latest_seq);
                if since.is_none() {
                    // A fresh join shows the recent history only: older messages are skipped.
                    let first = a.history.first().map(|m| m.seq.saturating_sub(1)).unwrap_or(a.latest_seq);
                    self.timeline.skip_to(first);
                } else if a.latest_seq < self.timeline.contiguous() {
                    // The server lost messages (new database?): start over from what it has.
                    self.protocol_error(format!(
                        "the server's latest seq {} is below ours {}; its history was reset",
                        a.latest_seq,
                        self.timeline.contiguous()
                    ));
                    self.timeline = SeqTracker::starting_at(0);
                    self.timeline.skip_to(a.history.first().map(|m| m.seq.saturating_sub(1)).unwrap_or(a.latest_seq));
                }
                for m in a.history {
                    self.banter_message(m, true);
                }
                if a.more && since.is_some() {
                    self.queue.push_front(Req::History { since: self.timeline.contiguous() });
                }
                self.set_users(a.users.into_iter().collect(), rejoin);
                let ids: Vec<String> = self
                    .outbox
                    .entries()
                    .iter()
                    .filter(|e| e.state == EntryState::Pending)
                    .map(|e| e.id.clone())
                    .collect();
                for id in ids {
                    if !self.queue.contains(&Req::Send { id: id.clone() }) {
                        self.queue.push_back(Req::Send { id });
                    }
                }
            }
        }
        let kind = self.kind.unwrap_or(ServerKind::Classic);
        self.emit(ClientEvent::Joined {
            server: self.server.clone(),
            room: self.spec.room.clone(),
            username: self.username.clone(),
            kind,
            rejoin,
            latest_seq,
            features: self.features.clone(),
        });
        if let Some(reply) = self.join_reply.take() {
            let _ = reply.send(Ok(JoinInfo {
                server: self.server.clone(),
                room: self.spec.room.clone(),
                username: self.username.clone(),
                kind,
                users: self.users.iter().cloned().collect(),
                latest_seq,
                features: self.features.clone(),
            }));
        }
    }

    fn join_refused(&mut self, reason: String) {
        let err = ClientError::JoinRefused { room: self.spec.room.clone(), reason: reason.clone() };
        if let Some(reply) = self.join_reply.take() {
            let _ = reply.send(Err(err));
            self.stopped = true;
            self.close_connection();
            return;
        }
        self.error(err);
        if reason == classic::ERR_IN_USE && self.in_use_rejoins < MAX_IN_USE_REJOINS {
            // The server may still hold our previous socket: try again shortly.
            self.in_use_rejoins += 1;
            self.connection_lost("re-join refused while the server still holds our old connection");
        } else {
            self.stopped = true;
            self.close_connection();
            self.fail_pending_in_memory("the room could not be re-joined");
            self.emit(ClientEvent::Disconnected {
                server: self.server.clone(),
                room: self.spec.room.clone(),
                reason: format!("re-join refused: {reason}"),
            });
        }
    }

    fn send_reply(&mut self, id: &str, args: &[Value]) {
        match read_send_ack(args, id) {
            SendOutcome::Delivered { seq, .. } => self.resolve(id, AckStatus::Delivered, None, seq),
            SendOutcome::Refused(reason) => self.resolve(id, AckStatus::Refused, Some(reason), None),
            SendOutcome::Malformed(detail) => {
                self.protocol_error(format!("send ack: {detail}"));
                self.fail(id, &format!("malformed acknowledgement: {detail}"));
            }
        }
    }

    fn history_reply(&mut self, args: Vec<Value>) {
        match AckReply::from_args(&args) {
            AckReply::OkWith(v) => match serde_json::from_value::<HistoryPage>(v) {
                Ok(page) => {
                    let progressed = !page.messages.is_empty();
                    for m in page.messages {
                        self.banter_message(m, true);
                    }
                    if page.more && progressed {
                        self.queue.push_front(Req::History { since: self.timeline.contiguous() });
                    }
                }
                Err(e) => self.protocol_error(format!("history ack is not a HistoryPage: {e}")),
            },
            AckReply::Refused(r) => self.error(ClientError::Protocol(format!("history refused: {}", clip(&r, 500)))),
            AckReply::Ok => self.protocol_error("history ack without a page".into()),
            AckReply::Malformed(d) => self.protocol_error(format!("history ack: {d}")),
        }
    }

    // ----- outcomes ---------------------------------------------------------------------

    fn resolve(&mut self, id: &str, status: AckStatus, reason: Option<String>, seq: Option<u64>) {
        let state = match status {
            AckStatus::Delivered => MessageState::Delivered { seq },
            AckStatus::Refused => MessageState::Refused { reason: reason.clone().unwrap_or_default() },
            AckStatus::Failed => MessageState::Failed { reason: reason.clone().unwrap_or_default() },
        };
        let stored = if status == AckStatus::Failed { self.outbox.fail(id) } else { self.outbox.remove(id) };
        if let Err(e) = stored {
            self.error(e);
        }
        if self.acks.resolve(id, state) {
            self.emit(ClientEvent::Ack {
                server: self.server.clone(),
                room: self.spec.room.clone(),
                id: id.to_owned(),
                status,
                reason,
                seq,
            });
        }
    }

    fn fail(&mut self, id: &str, reason: &str) {
        if self.outbox.get(id).is_some_and(|e| e.state == EntryState::Pending) {
            self.resolve(id, AckStatus::Failed, Some(reason.to_owned()), None);
        }
    }

    fn fail_pending_in_memory(&mut self, reason: &str) {
        let ids: Vec<String> = self.outbox.entries().iter().filter(|e| e.state == EntryState::Pending).map(|e| e.id.clone()).collect();
        for id in ids {
            self.fail(&id, reason);
        }
    }

    // ----- connection -------------------------------------------------------------------

    fn close_connection(&mut self) {
        self.generation += 1;
        self.raw_rx = None;
        self.joined = false;
        self.in_flight = None;
        self.queue.clear();
        if let Some(conn) = self.conn.take() {
            tokio::spawn(async move { conn.close().await });
        }
    }

    fn connection_lost(&mut self, reason: &str) {
        if self.conn.is_none() {
            return;
        }
        if let Some(reply) = self.join_reply.take() {
            let _ = reply.send(Err(ClientError::ConnectionLost(reason.to_owned())));
            self.stopped = true;
            self.close_connection();
            return;
        }
        let in_flight = self.in_flight.take();
        self.close_connection();
        if let Some(Req::Send { id }) = in_flight {
            if self.kind != Some(ServerKind::Banter) {
                self.fail(&id, &format!("connection lost before the acknowledgement ({reason}); retry to resend"));
            }
        }
        self.typing_sent = None;
        self.schedule_reconnect(reason);
    }

    fn schedule_reconnect(&mut self, reason: &str) {
        self.attempt += 1;
        let delay = backoff_delay(self.attempt, self.spec.config.reconnect_min, self.spec.config.reconnect_max);
        self.reconnect_at = Some(Instant::now() + delay);
        self.emit(ClientEvent::Reconnecting {
            server: self.server.clone(),
            room: self.spec.room.clone(),
            attempt: self.attempt,
            delay_ms: delay.as_millis() as u64,
            reason: reason.to_owned(),
        });
    }

    async fn reconnect(&mut self) {
        self.reconnect_at = None;
        match Connection::open(&self.spec.server, self.spec.token.as_deref(), self.spec.config.connect_timeout).await {
            Ok((conn, raw_rx)) => {
                self.conn = Some(conn);
                self.raw_rx = Some(raw_rx);
                self.emit(ClientEvent::Connected { server: self.server.clone(), room: self.spec.room.clone(), attempt: self.attempt });
                let since = self.timeline.contiguous();
                self.queue.push_front(Req::Join { since: (since > 0).then_some(since) });
            }
            Err(e @ ClientError::Unauthorized { .. }) => {
                self.error(e.clone());
                self.stopped = true;
                self.fail_pending_in_memory("the server refused our token");
                self.emit(ClientEvent::Disconnected { server: self.server.clone(), room: self.spec.room.clone(), reason: e.to_string() });
            }
            Err(e) => {
                let reason = e.to_string();
                self.schedule_reconnect(&reason);
            }
        }
    }

    // ----- commands ---------------------------------------------------------------------

    async fn command(&mut self, c: Command) {
        match c {
            Command::Send { id, text, reply } => {
                let _ = reply.send(self.queue_send(id, text));
            }
            Command::Retry { id, reply } => {
                let r = match self.outbox.retry(&id) {
                    Ok(true) => {
                        self.acks.set_pending(&id);
                        let text = self.outbox.get(&id).map(|e| e.text.clone()).unwrap_or_default();
                        self.emit(ClientEvent::Pending { server: self.server.clone(), room: self.spec.room.clone(), id: id.clone(), text, attempt: 0 });
                        if self.joined {
                            self.queue.push_back(Req::Send { id });
                        }
                        Ok(())
                    }
                    Ok(false) => Err(ClientError::UnknownMessage(id)),
                    Err(e) => Err(e),
                };
                let _ = reply.send(r);
            }
            Command::Typing(typing) => self.send_typing(typing),
            Command::Leave { reply } => {
                self.stop(Some(reply), "left").await;
            }
        }
    }

    fn queue_send(&mut self, id: String, text: String) -> Result<()> {
        rules::check_message(&text, self.max_message_chars).map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        rules::check_message_id(&id).map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        self.outbox.queue(&id, &text, chrono::Utc::now().timestamp_millis())?;
        self.acks.set_pending(&id);
        self.emit(ClientEvent::Pending { server: self.server.clone(), room: self.spec.room.clone(), id: id.clone(), text, attempt: 0 });
        self.typing_sent = None;
        if self.joined {
            self.queue.push_back(Req::Send { id });
        }
        Ok(())
    }

    fn send_typing(&mut self, typing: bool) {
        if self.kind != Some(ServerKind::Banter) || !self.joined {
            return;
        }
        let now = Instant::now();
        let due = match (typing, self.typing_sent) {
            (true, Some(t)) => now.duration_since(t) >= Duration::from_secs(3),
            (true, None) => true,
            (false, Some(_)) => true,
            (false, None) => false,
        };
        if !due {
            return;
        }
        self.typing_sent = typing.then_some(now);
        let payload = serde_json::to_value(TypingRequest { room: self.spec.room.clone(), typing }).unwrap_or(Value::Null);
        self.fire(ext::TYPING, payload);
    }

    /// Emits without an ack, off the actor's path.
    fn fire(&self, event: &'static str, payload: Value) {
        if let Some(conn) = self.conn.clone() {
            tokio::spawn(async move {
                let _ = conn.emit(event, payload).await;
            });
        }
    }

    async fn stop(&mut self, reply: Option<oneshot::Sender<Result<()>>>, reason: &str) {
        if let Some(Req::Send { id }) = self.in_flight.take() {
            if self.kind != Some(ServerKind::Banter) {
                self.fail(&id, "left the room before the acknowledgement");
            }
        }
        if let Some(conn) = self.conn.take() {
            conn.close().await;
        }
        self.close_connection();
        if let Err(e) = self.outbox.set_last_seq(self.timeline.contiguous()) {
            self.error(e);
        }
        self.stopped = true;
        if reply.is_some() {
            self.emit(ClientEvent::Left { server: self.server.clone(), room: self.spec.room.clone() });
        }
        self.emit(ClientEvent::Disconnected { server: self.server.clone(), room: self.spec.room.clone(), reason: reason.to_owned() });
        if let Some(reply) = reply {
            let _ = reply.send(Ok(()));
        }
    }

    // ----- periodic work ----------------------------------------------------------------

    fn tick(&mut self) {
        if let Some(n) = self.errors.tick() {
            self.sink.emit(ClientEvent::error(
                Some(&self.server),
                Some(&self.spec.room),
                &ClientError::Protocol(format!("{n} more errors in this room were not reported one by one in the last second")),
            ));
        }
        // Cumulative delivery confirmation, batched: one per tick at most.
        let contiguous = self.timeline.contiguous();
        if self.kind == Some(ServerKind::Banter) && self.joined && contiguous > self.received_sent {
            self.received_sent = contiguous;
            let payload = serde_json::to_value(Received { room: self.spec.room.clone(), seq: contiguous }).unwrap_or(Value::Null);
            self.fire(ext::RECEIVED, payload);
        }
        let now = Instant::now();
        let expired: Vec<String> = self
            .typing
            .iter()
            .filter(|(_, t)| now.duration_since(**t) >= Duration::from_millis(ext::TYPING_EXPIRY_MS))
            .map(|(u, _)| u.clone())
            .collect();
        for u in expired {
            self.stop_typing(&u);
        }
        if let Err(e) = self.outbox.set_last_seq(contiguous) {
            self.error(e);
        }
    }

    // ----- server events ----------------------------------------------------------------

    fn raw(&mut self, r: Raw) {
        match r {
            Raw::Connected => {}
            Raw::Closed => self.connection_lost("the server closed the connection"),
            Raw::Error(text) if Raw::is_fatal_error(&text) => self.connection_lost(&clip(&text, 300)),
            Raw::Error(text) => self.protocol_error(clip(&text, 300)),
            Raw::Binary { name, bytes } => self.protocol_error(format!("unexpected binary event {} ({bytes} bytes)", clip(&name, 64))),
            Raw::Event { name, args } => self.event(&name, args),
        }
    }

    fn event(&mut self, name: &str, mut args: Vec<Value>) {
        let first = if args.is_empty() { Value::Null } else { args.swap_remove(0) };
        match name {
            classic::MESSAGE => match parse::<ChatMessage>(name, first) {
                Ok(m) => self.classic_message(m),
                Err(e) => self.protocol_error(e),
            },
            classic::LOCATION_MESSAGE => match parse::<LocationMessage>(name, first) {
                Ok(m) => {
                    if let Err(e) = check_text(&m.username, MAX_NAME_BYTES, "username").and(check_text(&m.url, MAX_TEXT_BYTES, "url")) {
                        return self.protocol_error(e);
                    }
                    let mine = m.username == self.username;
                    self.emit(ClientEvent::Message {
                        server: self.server.clone(),
                        room: self.spec.room.clone(),
                        id: None,
                        seq: None,
                        username: m.username,
                        text: m.url,
                        kind: "location".into(),
                        created_at: m.created_at,
                        mine,
                        system: false,
                        history: false,
                    });
                }
                Err(e) => self.protocol_error(e),
            },
            classic::ROOM_DATA => match parse::<RoomData>(name, first) {
                Ok(d) => {
                    if d.users.len() > MAX_USERS {
                        return self.protocol_error(format!("roomData with {} users", d.users.len()));
                    }
                    if let Err(e) = d.users.iter().try_for_each(|u| check_text(&u.username, MAX_NAME_BYTES, "username")) {
                        return self.protocol_error(e);
                    }
                    let users: BTreeSet<String> = d.users.into_iter().map(|u| u.username).collect();
                    let diff = self.users_known;
                    self.set_users(users, diff);
                }
                Err(e) => self.protocol_error(e),
            },
            ext::HELLO => match parse::<ext::Hello>(name, first) {
                Ok(h) => self.features = h.features.into_iter().take(64).map(|f| clip(&f, 64)).collect(),
                Err(e) => self.protocol_error(e),
            },
            ext::MESSAGE => match parse::<Message>(name, first) {
                Ok(m) => self.banter_message(m, false),
                Err(e) => self.protocol_error(e),
            },
            ext::PRESENCE => match parse::<Presence>(name, first) {
                Ok(p) => self.presence(p),
                Err(e) => self.protocol_error(e),
            },
            ext::TYPING => match parse::<Typing>(name, first) {
                Ok(t) => {
                    if t.room != self.spec.room || check_text(&t.username, MAX_NAME_BYTES, "username").is_err() {
                        return self.protocol_error("typing for another room or with a bad name".into());
                    }
                    if t.username == self.username {
                        return;
                    }
                    if t.typing {
                        let new = self.typing.insert(t.username.clone(), Instant::now()).is_none();
                        if new {
                            self.emit(ClientEvent::Typing { server: self.server.clone(), room: self.spec.room.clone(), username: t.username, typing: true });
                        }
                    } else {
                        self.stop_typing(&t.username);
                    }
                }
                Err(e) => self.protocol_error(e),
            },
            ext::RECEIPT => match parse::<Receipt>(name, first) {
                Ok(r) => {
                    if r.room != self.spec.room || check_text(&r.id, 128, "id").is_err() {
                        return self.protocol_error("receipt for another room or with a bad id".into());
                    }
                    self.emit(ClientEvent::Receipt {
                        server: self.server.clone(),
                        room: r.room,
                        id: r.id,
                        seq: r.seq,
                        received_by: r.received_by,
                        recipients: r.recipients,
                    });
                }
                Err(e) => self.protocol_error(e),
            },
            other => self.protocol_error(format!("unknown event {:?}", clip(other, 64))),
        }
    }

    fn classic_message(&mut self, m: ChatMessage) {
        if let Err(e) = check_text(&m.username, MAX_NAME_BYTES, "username").and(check_text(&m.text, MAX_TEXT_BYTES, "text")) {
            return self.protocol_error(e);
        }
        let notice = m.notice();
        if let Some(n) = &notice {
            match n {
                Notice::Welcome => {}
                Notice::Joined(name) => {
                    if self.users.insert(name.clone()) {
                        self.emit(ClientEvent::UserJoined { server: self.server.clone(), room: self.spec.room.clone(), username: name.clone() });
                    }
                }
                Notice::Left(name) => {
                    if self.users.remove(name) {
                        self.emit(ClientEvent::UserLeft { server: self.server.clone(), room: self.spec.room.clone(), username: name.clone() });
                    }
                    self.stop_typing(name);
                }
            }
            if self.users_known {
                self.report_users();
            }
        }
        let mine = notice.is_none() && m.username == self.username;
        self.emit(ClientEvent::Message {
            server: self.server.clone(),
            room: self.spec.room.clone(),
            id: None,
            seq: None,
            username: m.username,
            text: m.text,
            kind: "text".into(),
            created_at: m.created_at,
            mine,
            system: notice.is_some(),
            history: false,
        });
    }

    fn banter_message(&mut self, m: Message, history: bool) {
        if m.room != self.spec.room {
            return self.protocol_error(format!("message for room {:?} on the socket of {:?}", clip(&m.room, 64), self.spec.room));
        }
        if let Err(e) = check_text(&m.username, MAX_NAME_BYTES, "username")
            .and(check_text(&m.text, MAX_TEXT_BYTES, "text"))
            .and(check_text(&m.id, 128, "id"))
        {
            return self.protocol_error(e);
        }
        if !self.timeline.insert(m.seq) {
            return; // already shown
        }
        self.stop_typing(&m.username);
        let mine = m.username == self.username;
        self.emit(ClientEvent::Message {
            server: self.server.clone(),
            room: m.room,
            id: Some(m.id),
            seq: Some(m.seq),
            username: m.username,
            text: m.text,
            kind: match m.kind {
                MessageKind::Text => "text".into(),
                MessageKind::Location => "location".into(),
            },
            created_at: m.created_at,
            mine,
            system: false,
            history,
        });
    }

    fn presence(&mut self, p: Presence) {
        if p.room != self.spec.room || p.users.len() > MAX_USERS || check_text(&p.username, MAX_NAME_BYTES, "username").is_err() {
            return self.protocol_error("presence for another room, or oversized".into());
        }
        let changed = match p.event {
            PresenceEvent::Joined => self.users.insert(p.username.clone()),
            PresenceEvent::Left => self.users.remove(&p.username),
        };
        if changed {
            let (server, room, username) = (self.server.clone(), self.spec.room.clone(), p.username.clone());
            self.emit(match p.event {
                PresenceEvent::Joined => ClientEvent::UserJoined { server, room, username },
                PresenceEvent::Left => ClientEvent::UserLeft { server, room, username },
            });
        }
        if p.event == PresenceEvent::Left {
            self.stop_typing(&p.username);
        }
        // The list after the change is authoritative.
        self.set_users(p.users.into_iter().collect(), true);
    }

    /// Replaces the member list; with `diff`, reports who appeared or vanished.
    fn set_users(&mut self, users: BTreeSet<String>, diff: bool) {
        if diff && self.users_known {
            for u in users.difference(&self.users) {
                self.emit(ClientEvent::UserJoined { server: self.server.clone(), room: self.spec.room.clone(), username: u.clone() });
            }
            for u in self.users.difference(&users) {
                self.emit(ClientEvent::UserLeft { server: self.server.clone(), room: self.spec.room.clone(), username: u.clone() });
            }
        }
        self.users = users;
        self.users_known = true;
        self.report_users();
    }

    /// Emits a `users` event if the list differs from the one last reported.
    fn report_users(&mut self) {
        if self.users_reported.as_ref() != Some(&self.users) {
            self.users_reported = Some(self.users.clone());
            self.emit(ClientEvent::Users { server: self.server.clone(), room: self.spec.room.clone(), users: self.users.iter().cloned().collect() });
        }
    }

    fn stop_typing(&mut self, username: &str) {
        if self.typing.remove(username).is_some() {
            self.emit(ClientEvent::Typing { server: self.server.clone(), room: self.spec.room.clone(), username: username.to_owned(), typing: false });
        }
    }
}

/// Counts error events so that a flood of bad data gives a bounded number of events, the rest
/// reported as one count per second (nothing silently dropped).
struct ErrorBudget {
    window_start: Instant,
    in_window: u32,
    suppressed: u64,
}

impl Default for ErrorBudget {
    fn default() -> Self {
        ErrorBudget { window_start: Instant::now(), in_window: 0, suppressed: 0 }
    }
}

impl ErrorBudget {
    fn allow(&mut self) -> bool {
        if self.in_window < ERRORS_PER_SECOND {
            self.in_window += 1;
            true
        } else {
            self.suppressed += 1;
            false
        }
    }

    /// Called every tick; once a second the window is reset and the count of suppressed
    /// errors returned.
    fn tick(&mut self) -> Option<u64> {
        if self.window_start.elapsed() < Duration::from_secs(1) {
            return None;
        }
        self.window_start = Instant::now();
        self.in_window = 0;
        let n = std::mem::take(&mut self.suppressed);
        (n > 0).then_some(n)
    }
}

fn parse<T: serde::de::DeserializeOwned>(event: &str, v: Value) -> std::result::Result<T, String> {
    let shown = banter_protocol::ack::truncate_for_log(&v);
    serde_json::from_value(v).map_err(|e| format!("bad {event} payload ({e}): {shown}"))
}

fn check_text(s: &str, max: usize, what: &str) -> std::result::Result<(), String> {
    if s.len() > max {
        Err(format!("{what} of {} bytes is over the limit of {max}", s.len()))
    } else {
        Ok(())
    }
}

/// At most `max` bytes of `s`, cut on a character boundary.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Exponential backoff with jitter: the n-th delay is uniform in [base/2, base] where base is
/// `min · 2^(n-1)` capped at `max`.
pub(crate) fn backoff_delay(attempt: u32, min: Duration, max: Duration) -> Duration {
    let exp = attempt.saturating_sub(1).min(20);
    let base = min.saturating_mul(1u32 << exp).min(max).max(Duration::from_millis(1));
    let half = base / 2;
    let jitter = fastrand::u64(0..=half.as_millis() as u64);
    half + Duration::from_millis(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let (min, max) = (Duration::from_millis(200), Duration::from_secs(5));
        for attempt in 1..40 {
            let d = backoff_delay(attempt, min, max);
            let base = (min * 2u32.pow(attempt.saturating_sub(1).min(20))).min(max);
            assert!(d >= base / 2 && d <= base, "attempt {attempt}: {d:?} vs {base:?}");
        }
        let spread: BTreeSet<u128> = (0..50).map(|_| backoff_delay(6, min, max).as_millis()).collect();
        assert!(spread.len() > 5, "no jitter: {spread:?}");
    }

    #[test]
    fn clip_is_char_safe() {
        assert_eq!(clip("héllo", 2), "h…");
        assert_eq!(clip("abc", 10), "abc");
    }

    #[test]
    fn error_budget_counts_what_it_suppresses() {
        let mut b = ErrorBudget::default();
        let allowed = (0..100).filter(|_| b.allow()).count();
        assert_eq!(allowed, ERRORS_PER_SECOND as usize);
        assert_eq!(b.tick(), None, "the window is one second");
        b.window_start -= Duration::from_secs(2);
        assert_eq!(b.tick(), Some(80));
        assert!(b.allow());
        b.window_start -= Duration::from_secs(2);
        assert_eq!(b.tick(), None);
    }
}
