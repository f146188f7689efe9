//! One room subscription: an actor task for one room on one server, and everything about
//! that room (server kind, outbox, timeline, members, typing, receipts, reconnection).
//!
//! Its connection comes from a [`Mux`]: on a Banter server every room and DM of one identity
//! shares one Socket.IO connection, each room with its own channel of events and acks; a
//! classic server holds one room per socket, so there each room has a connection of its own.
//! Either way the actor sees one connection that it attaches to, loses, and re-attaches to
//! after its own backoff.
//!
//! Requests that need an ack (join, send, history) go out one at a time per room, in order,
//! each timed by our own timer; events keep flowing meanwhile.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use banter_protocol::classic::Location;
use banter_protocol::ext::{self, Received, TypingRequest};
use banter_protocol::rules;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::acks::AckTable;
use crate::connection::{Connection, Raw};
use crate::error::{ClientError, Result};
use crate::events::{AckStatus, ClientEvent, EventSink, ServerKind};
use crate::mux::{Attached, Mux};
use crate::outbox::Outbox;
use crate::pacing::Pacer;
use crate::timeline::{RecentIds, SeqTracker};
use crate::url::ServerUrl;
use crate::{ClientConfig, JoinInfo};

mod commands;
mod dm;
mod errors;
mod inbound;
mod join_reply;
mod lifecycle;
mod moderation;
mod requests;
mod store_retry;

use errors::ErrorBudget;
use store_retry::StoreRetry;
pub(crate) use dm::{check_id as check_dm_id, refusal as dm_refusal};

/// Longest text or URL accepted from a server, in bytes (the protocol allows 2,000
/// characters; classic servers have no limit, this keeps a hostile one from flooding memory).
pub(crate) const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Longest user or room name accepted from a server, in bytes.
pub(crate) const MAX_NAME_BYTES: usize = 1024;
/// Most members accepted in one list.
pub(crate) const MAX_USERS: usize = 10_000;

/// Why a message on a classic server failed when its connection died first. Such a server
/// cannot deduplicate, so it is not re-sent by itself (the user may retry).
pub(crate) const LOST_BEFORE_ANSWER: &str = "the connection was lost before the server answered; it may not have got it";

/// The `reconnecting` reason while a join is refused as "in use".
pub(crate) const STILL_HOLDS_OUR_NAME: &str = "the server still holds our previous connection";

/// Commands from [`crate::Client`] to a room.
pub(crate) enum Command {
    Send {
        id: String,
        text: String,
        /// A shared location (`text` is then its map URL).
        location: Option<Location>,
        /// The id of the message this one answers.
        reply_to: Option<String>,
        reply: oneshot::Sender<Result<()>>,
    },
    Retry {
        id: String,
        reply: oneshot::Sender<Result<()>>,
    },
    Typing(bool),
    /// The machine woke up or its network changed: reconnect at once.
    ReconnectNow { reason: String },
    /// Ends the subscription. `forget`: the user left the room (a Banter server takes it off
    /// the account's rooms); otherwise only this client stops showing it (shutdown, sign-out).
    Leave {
        forget: bool,
        reply: oneshot::Sender<Result<()>>,
    },
    /// A request of a Banter feature (moderation, read markers) answered by the server's
    /// ack, as it came; refused with `unsupported` where the server lacks `feature`.
    Call {
        event: &'static str,
        payload: Value,
        feature: &'static str,
        reply: oneshot::Sender<Result<banter_protocol::AckReply>>,
    },
    /// Older history: the newest `limit` messages before `before` (Banter servers).
    Older {
        before: u64,
        limit: u32,
        reply: oneshot::Sender<Result<crate::OlderPage>>,
    },
}

/// What a room needs to start.
pub(crate) struct RoomSpec {
    pub server: ServerUrl,
    pub room: String,
    pub username: String,
    pub token: Option<String>,
    /// An account's session token, for the handshake `auth` beside `token`.
    pub session: Option<crate::accounts::SessionToken>,
    /// A direct message (`room` is its id): opened with `banter:dm-open`, not `join`.
    pub dm: bool,
    /// Until then a first join refused as "in use" is tried again (see `JoinOptions`).
    pub in_use_deadline: Option<Instant>,
    /// Until then a first connect that cannot reach the server is tried again.
    pub unreachable_deadline: Option<Instant>,
    pub config: Arc<ClientConfig>,
}

impl RoomSpec {
    /// The wait before retry number `attempt` (backoff with jitter), and the `reconnecting`
    /// event that tells it.
    fn retry_after(&self, attempt: u32, reason: &str) -> (Duration, ClientEvent) {
        let delay = backoff_delay(attempt, self.config.reconnect_min, self.config.reconnect_max);
        let event = ClientEvent::Reconnecting {
            server: self.server.to_string(),
            room: self.room.clone(),
            attempt,
            delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            reason: reason.to_owned(),
        };
        (delay, event)
    }
}

/// Whether a failed connect may succeed later by itself (the server is down or restarting,
/// the network is not up yet), as opposed to a refusal or a wrong address.
fn transient(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::Unreachable { .. } | ClientError::ConnectTimeout { .. } | ClientError::ConnectionLost(_)
    )
}

/// Attaches to the first connection; while `spec.unreachable_deadline` allows, a transient
/// failure is reported as `reconnecting` and tried again after the usual backoff.
async fn first_connection(spec: &RoomSpec, mux: &Arc<Mux>, sink: &EventSink) -> Result<Attached> {
    let mut attempt = 0u32;
    loop {
        let e = match mux.attach(&spec.room).await {
            Ok(attached) => return Ok(attached),
            Err(e) => e,
        };
        attempt += 1;
        let (delay, reconnecting) = spec.retry_after(attempt, &e.to_string());
        match spec.unreachable_deadline {
            Some(deadline) if transient(&e) && Instant::now() + delay < deadline => {
                sink.emit(reconnecting);
                tokio::time::sleep(delay).await;
            }
            _ => return Err(e),
        }
    }
}

/// Opens the outbox and the connection, joins, and returns once the join is answered. `mux`
/// has the room enlisted; the actor discharges it when it ends (or this, when it fails).
pub(crate) async fn start(
    spec: RoomSpec,
    mux: Arc<Mux>,
    sink: EventSink,
    acks: AckTable,
) -> Result<(mpsc::UnboundedSender<Command>, JoinInfo)> {
    let discharge = |mux: &Mux| {
        if let Some(conn) = mux.discharge(&spec.room) {
            tokio::spawn(async move { conn.close().await });
        }
    };
    let outbox = match Outbox::open(&spec.config.data_dir, spec.server.as_str(), &spec.room, spec.config.fsync) {
        Ok(o) => o,
        Err(e) => {
            discharge(&mux);
            return Err(e);
        }
    };
    let Attached { conn, raw_rx, generation } = match first_connection(&spec, &mux, &sink).await {
        Ok(a) => a,
        Err(e) => {
            discharge(&mux);
            return Err(e);
        }
    };
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (join_tx, join_rx) = oneshot::channel();
    let server = spec.server.to_string();
    let last_seq = outbox.last_seq();
    // Messages left from an earlier run wait for an outcome too.
    for e in outbox.pending() {
        acks.set_pending(&e.id);
    }
    sink.emit(ClientEvent::Connected {
        server: server.clone(),
        room: spec.room.clone(),
        attempt: 0,
    });
    let mut actor = Actor {
        server,
        username: rules::normalise_name(&spec.username),
        spec,
        mux,
        generation,
        sink,
        acks,
        cmd_rx,
        conn: Some(conn),
        raw_rx: Some(raw_rx),
        next_token: 0,
        kind: None,
        joined: false,
        ever_joined: false,
        timeline: SeqTracker::starting_at(last_seq),
        recent_ids: RecentIds::default(),
        users: BTreeSet::new(),
        users_known: false,
        users_reported: None,
        signed_in: BTreeSet::new(),
        role: None,
        calls: HashMap::new(),
        outbox,
        queue: VecDeque::new(),
        in_flight: None,
        reconnect_at: None,
        reconnect_at_once: false,
        attempt: 0,
        in_use_since: None,
        received_sent: 0,
        typing: HashMap::new(),
        typing_sent: None,
        max_message_chars: rules::MAX_MESSAGE_CHARS,
        max_upload_bytes: None,
        pacer: None,
        paced_until: None,
        store_retry: StoreRetry::default(),
        features: Vec::new(),
        hello: None,
        errors: ErrorBudget::default(),
        join_reply: Some(join_tx),
        older: HashMap::new(),
        next_ticket: 0,
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
    /// A page of older history for [`Command::Older`]; `ticket` finds its reply.
    Older { before: u64, limit: u32, ticket: u64 },
    /// A [`Command::Call`]; `ticket` finds its reply.
    Call { event: &'static str, payload: Value, ticket: u64 },
    /// After a catch-up join: the newest lines before `before` as they are now, so edits,
    /// reactions and removals made while we were away reach the screen (a `since` join
    /// brings only newer lines).
    Refresh { before: u64 },
}

/// The request on the wire, waiting for its ack.
struct InFlight {
    req: Req,
    token: u64,
    deadline: Instant,
    /// A classic server broadcast this send back to us: it has the message, whatever
    /// becomes of the ack.
    echoed: bool,
}

impl InFlight {
    /// The id of the send in flight when the server has shown it has it (its echo came).
    fn echoed_send(&self) -> Option<&str> {
        match &self.req {
            Req::Send { id } if self.echoed => Some(id),
            _ => None,
        }
    }
}

/// Why a request got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RequestError {
    /// Our own timer fired first.
    Timeout,
    /// The packet could not be written (the transport is gone).
    Emit(String),
}

enum Step {
    Cmd(Option<Command>),
    Raw(Option<Raw>),
    AckTimeout,
    Paced,
    /// The hold on sends after a "not now" is over.
    Resend,
    Reconnect,
    Tick,
}

struct Actor {
    spec: RoomSpec,
    /// Where the connection comes from, and which of its connections `conn` is.
    mux: Arc<Mux>,
    generation: u64,
    server: String,
    username: String,
    sink: EventSink,
    acks: AckTable,
    cmd_rx: mpsc::UnboundedReceiver<Command>,
    conn: Option<Connection>,
    raw_rx: Option<mpsc::UnboundedReceiver<Raw>>,
    /// Tags each request; an ack is matched to the request in flight by it.
    next_token: u64,
    kind: Option<ServerKind>,
    joined: bool,
    ever_joined: bool,
    timeline: SeqTracker,
    recent_ids: RecentIds,
    users: BTreeSet<String>,
    users_known: bool,
    /// The member list (and who of it is signed in) last reported in a `users` event.
    users_reported: Option<(BTreeSet<String>, BTreeSet<String>)>,
    /// Members who are signed-in accounts (Banter servers).
    signed_in: BTreeSet<String>,
    /// Our role in the room, from the last join (`admin`, `owner`, …).
    role: Option<String>,
    /// Callers waiting for the answer of a [`Command::Call`], by ticket.
    calls: HashMap<u64, oneshot::Sender<Result<banter_protocol::AckReply>>>,
    outbox: Outbox,
    queue: VecDeque<Req>,
    in_flight: Option<InFlight>,
    reconnect_at: Option<Instant>,
    /// The next reconnect is made without backoff ([`Actor::reconnect_now`]).
    reconnect_at_once: bool,
    attempt: u32,
    /// When re-joins started being refused as "in use" (None: not refused).
    in_use_since: Option<Instant>,
    received_sent: u64,
    typing: HashMap<String, Instant>,
    typing_sent: Option<Instant>,
    max_message_chars: usize,
    /// `limits.maxUploadBytes` of the last `JoinAccepted` (Banter servers with files).
    max_upload_bytes: Option<u64>,
    /// Paces sends to the server's advertised rate (Banter servers only).
    pacer: Option<Pacer>,
    /// When the pacer allows the next send.
    paced_until: Option<Instant>,
    /// Sends held after the server answered one "not now" (see `store_retry`).
    store_retry: StoreRetry,
    features: Vec<String>,
    /// This connection's `banter:hello` (limits and account, for a DM's open).
    hello: Option<ext::Hello>,
    errors: ErrorBudget,
    join_reply: Option<oneshot::Sender<Result<JoinInfo>>>,
    /// Callers waiting for a page of older history, by ticket.
    older: HashMap<u64, oneshot::Sender<Result<crate::OlderPage>>>,
    next_ticket: u64,
    stopped: bool,
}

impl Actor {
    async fn run(mut self) {
        let mut tick = tokio::time::interval(self.spec.config.receipt_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !self.stopped {
            self.pump();
            let reconnect_at = self.reconnect_at;
            let ack_deadline = self.in_flight.as_ref().map(|f| f.deadline);
            let paced_until = self.paced_until;
            let resend_at = self.store_retry.until();
            let step = {
                let raw_rx = &mut self.raw_rx;
                let raw = async {
                    match raw_rx {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                };
                // A room waiting to reconnect goes at once when another room of its shared
                // connection reopened it: all re-join in one round, not each after its backoff.
                let mux = self.mux.clone();
                let reconnect = async move {
                    match reconnect_at {
                        Some(t) => {
                            tokio::select! {
                                _ = tokio::time::sleep_until(t) => {}
                                _ = mux.reopened() => {}
                            }
                        }
                        None => std::future::pending().await,
                    }
                };
                let ack_timer = async {
                    match ack_deadline {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending().await,
                    }
                };
                let pace = async {
                    match paced_until {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending().await,
                    }
                };
                let resend = async {
                    match resend_at {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    biased;
                    c = self.cmd_rx.recv() => Step::Cmd(c),
                    r = raw => Step::Raw(r),
                    _ = ack_timer => Step::AckTimeout,
                    _ = pace => Step::Paced,
                    _ = resend => Step::Resend,
                    _ = reconnect => Step::Reconnect,
                    _ = tick.tick() => Step::Tick,
                }
            };
            match step {
                Step::Cmd(None) => self.stop(None, "the client shut down").await,
                Step::Cmd(Some(c)) => self.command(c).await,
                Step::Raw(None) => self.connection_lost("the socket closed"),
                Step::Raw(Some(r)) => self.raw(r),
                Step::Paced => self.paced_until = None,
                Step::Resend => self.store_retry.release(),
                Step::AckTimeout => {
                    if let Some(f) = self.in_flight.take() {
                        if let Some(id) = f.echoed_send() {
                            // its echo came: delivered, even though the ack did not
                            self.resolve(id, AckStatus::Delivered, None, None);
                        }
                        self.answer(f.req, Err(RequestError::Timeout));
                    }
                }
                Step::Reconnect => self.reconnect().await,
                Step::Tick => self.tick(),
            }
        }
        if let Some(conn) = self.mux.discharge(&self.spec.room) {
            conn.close().await;
        }
    }

    // ----- emitting ---------------------------------------------------------------------

    fn emit(&self, e: ClientEvent) {
        self.sink.emit(e);
    }

    fn error(&mut self, err: ClientError) {
        if self.errors.allow() {
            self.sink.emit(ClientEvent::error(
                Some(&self.server),
                Some(&self.spec.room),
                &err,
            ));
        }
    }

    fn protocol_error(&mut self, detail: String) {
        self.error(ClientError::Protocol(detail));
    }

    // ----- periodic work ----------------------------------------------------------------

    fn tick(&mut self) {
        if let Some(n) = self.errors.tick() {
            self.sink.emit(ClientEvent::error(
                Some(&self.server),
                Some(&self.spec.room),
                &ClientError::Protocol(format!(
                    "{n} more errors in this room were not reported one by one in the last second"
                )),
            ));
        }
        // Cumulative delivery confirmation, batched: one per tick at most.
        let contiguous = self.timeline.contiguous();
        if self.kind == Some(ServerKind::Banter) && self.joined && contiguous > self.received_sent {
            self.received_sent = contiguous;
            let payload = serde_json::to_value(Received {
                room: self.spec.room.clone(),
                seq: contiguous,
            })
            .unwrap_or(Value::Null);
            self.fire(ext::RECEIVED, payload);
        }
        let now = Instant::now();
        let expired: Vec<String> = self
            .typing
            .iter()
            .filter(|(_, t)| {
                now.duration_since(**t) >= Duration::from_millis(ext::TYPING_EXPIRY_MS)
            })
            .map(|(u, _)| u.clone())
            .collect();
        for u in expired {
            self.stop_typing(&u);
        }
        if let Err(e) = self.outbox.set_last_seq(contiguous) {
            self.error(e);
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(event: &str, v: Value) -> std::result::Result<T, String> {
    let shown = banter_protocol::ack::truncate_for_log(&v);
    serde_json::from_value(v).map_err(|e| format!("bad {event} payload ({e}): {shown}"))
}

fn check_text(s: &str, max: usize, what: &str) -> std::result::Result<(), String> {
    if s.len() > max {
        Err(format!(
            "{what} of {} bytes is over the limit of {max}",
            s.len()
        ))
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
    let base = min
        .saturating_mul(1u32 << exp)
        .min(max)
        .max(Duration::from_millis(1));
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
            assert!(
                d >= base / 2 && d <= base,
                "attempt {attempt}: {d:?} vs {base:?}"
            );
        }
        let spread: BTreeSet<u128> = (0..50)
            .map(|_| backoff_delay(6, min, max).as_millis())
            .collect();
        assert!(spread.len() > 5, "no jitter: {spread:?}");
    }

    #[test]
    fn clip_is_char_safe() {
        assert_eq!(clip("héllo", 2), "h…");
        assert_eq!(clip("abc", 10), "abc");
    }
}
