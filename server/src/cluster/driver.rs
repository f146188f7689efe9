//! The pub/sub driver under socketioxide's Redis adapter: the server's adapter type is
//! `socketioxide_redis::CustomRedisAdapter<socketioxide::adapter::Emitter, ClusterDriver>`,
//! built with `RedisAdapterCtr::new_with_driver(driver, config)`.
//!
//! Why this driver exists: socketioxide-redis's own redis driver sits on one
//! `MultiplexedConnection` that never reconnects — after a Redis restart every emit fails with
//! "broken pipe" and no channel is subscribed again (RESP3 pub/sub needs manual reconnects,
//! redis-rs#1148); its fred driver reconnects, but fred 10.1 does not resubscribe
//! (`resubscribe_all` fails with "wrong number of arguments for 'subscribe'";
//! docs/scale-out-notes.md, pitfalls 1 and 2). Here both connections are redis-rs
//! `ConnectionManager`s, which reconnect by themselves; the subscriber's resubscribes every
//! channel it had (redis-rs PR 1408), and a watchdog PING keeps reconnecting after the
//! manager's own retries ran out.
//!
//! Two modes, one type (the server always uses the Redis adapter type):
//! - [`ClusterDriver::standalone`]: no Redis. Publishing does nothing, subscriptions never
//!   yield, one server is counted: a broadcast costs the adapter's msgpack encoding and nothing
//!   more.
//! - [`ClusterDriver::connect`]: `redis://host:port`, `rediss://…` (native-tls),
//!   `redis+unix:///path/redis.sock` or `unix:///path/redis.sock`; RESP3 is set here, the URL
//!   needs no `?protocol=resp3`.
//!
//! Publishing is fire-and-forget and ordered: the adapter awaits `publish` before it delivers
//! to this node's own sockets (`CustomRedisAdapter::broadcast`), and the server runs
//! broadcasts synchronously under a room lock (`emit::now`). So `publish` only queues the
//! message (its future is ready when first polled) and one publisher task sends the queue in
//! order, pipelining what has piled up. Local delivery never waits on Redis, and goes on
//! during an outage (pitfall 3).
//!
//! Delivery to other nodes is at most once (clients fill gaps from history):
//! - while Redis is unreachable, messages stay queued and go out, in order, once it is back;
//!   the queue is bounded ([`QUEUE_MAX_ENTRIES`], [`QUEUE_MAX_BYTES`]): when full, the OLDEST
//!   queued message is dropped; a message queued longer than [`MAX_QUEUE_AGE`] is dropped
//!   rather than delivered late;
//! - a batch whose PUBLISH failed (the connection broke under it) is dropped, not retried;
//! - a message received while the adapter's stream for its channel is full (the `size` the
//!   adapter asked for, `RedisAdapterConfig::stream_buffer`) is dropped: the reader never
//!   waits (pitfall 4);
//! - whatever other nodes published while this node was disconnected is lost (plain pub/sub).
//!
//! Every drop is counted in [`DriverState::dropped`] and logged at most once a second per
//! cause.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::future::{ready, Future};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{IntoConnectionInfo, ProtocolVersion, PushInfo, PushKind, RedisError, Value};
use serde::Serialize;
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::{lock, within};

/// At most this many messages wait to be published; past it the oldest is dropped.
pub const QUEUE_MAX_ENTRIES: usize = 10_000;
/// At most this many payload bytes wait to be published; past it the oldest is dropped.
pub const QUEUE_MAX_BYTES: usize = 64 << 20;
/// A message that waited longer than this (Redis down) is dropped instead of published late.
pub const MAX_QUEUE_AGE: Duration = Duration::from_secs(10);
/// One pipeline carries at most this many PUBLISHes …
const BATCH_MAX_ENTRIES: usize = 256;
/// … and about this many payload bytes.
const BATCH_MAX_BYTES: usize = 1 << 20;
/// The watchdog PINGs both connections this often: it notices an outage, reconnects once the
/// connection manager's own retries ran out, and notices the way back.
const WATCH_EVERY: Duration = Duration::from_millis(500);
/// SUBSCRIBE, UNSUBSCRIBE, PUBSUB NUMSUB and PING give up after this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// A failed pipeline waits this long before the next one.
const PAUSE_AFTER_ERROR: Duration = Duration::from_millis(100);
/// Drops of one cause are logged at most this often.
const WARN_EVERY_MS: u64 = 1_000;

/// The socketioxide-redis driver of banter-server: standalone or on Redis. Clones share
/// everything (the adapter clones it per namespace).
#[derive(Clone)]
pub struct ClusterDriver {
    redis: Option<Arc<RedisParts>>,
}

/// What operators see (`/healthz`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriverState {
    /// `"standalone"` or `"redis"`.
    pub mode: &'static str,
    /// Both connections answered the last PING (standalone: always true).
    pub connected: bool,
    /// The last Redis error seen, kept after recovery.
    pub last_error: Option<String>,
    /// Messages Redis accepted from this node.
    pub published: u64,
    /// Messages dropped: queue full or too old, failed PUBLISH, a full incoming stream.
    pub dropped: u64,
    /// Times the driver got back to Redis after losing it.
    pub reconnects: u64,
    /// Messages waiting to be published now.
    pub queued: usize,
}

struct RedisParts {
    shared: Arc<Shared>,
    publisher: ConnectionManager,
    subscriber: ConnectionManager,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for RedisParts {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// State shared by the driver's clones, its tasks and the subscriber's push handler.
struct Shared {
    /// The adapter's stream for each subscribed channel.
    handlers: RwLock<HashMap<String, mpsc::Sender<ChanItem>>>,
    queue: Mutex<Queue>,
    /// Wakes the publisher task when something was queued.
    queued: Notify,
    connected: AtomicBool,
    last_error: Mutex<Option<String>>,
    published: AtomicU64,
    dropped: AtomicU64,
    reconnects: AtomicU64,
    clock: Instant,
    queue_full: DropLog,
    too_old: DropLog,
    publish_failed: DropLog,
    stream_full: DropLog,
}

#[derive(Default)]
struct Queue {
    entries: VecDeque<Queued>,
    bytes: usize,
}

struct Queued {
    chan: String,
    payload: Vec<u8>,
    at: Instant,
}

/// Counts drops of one cause and logs them at most once every [`WARN_EVERY_MS`].
struct DropLog {
    what: &'static str,
    since_log: AtomicU64,
    /// Milliseconds since `Shared::clock` of the last log, plus one (0: never logged).
    last_log: AtomicU64,
}

impl ClusterDriver {
    /// A single node: no Redis, nothing published, nothing received, one server.
    pub fn standalone() -> ClusterDriver {
        ClusterDriver { redis: None }
    }

    /// Connects both connections (publisher, subscriber) to Redis ≥ 7 at `url` and starts the
    /// publisher task and the watchdog. Fails if Redis cannot be reached now (after the
    /// connection manager's few retries, about 2 s).
    pub async fn connect(url: &str) -> Result<ClusterDriver, RedisError> {
        let client = client_for(url)?;
        let shared = Arc::new(Shared::new());
        let publisher = ConnectionManager::new_with_config(client.clone(), manager_config()).await?;
        let push = shared.clone();
        let subscriber_config = manager_config()
            .set_push_sender(move |info: PushInfo| {
                push.on_push(info);
                Ok::<(), Infallible>(())
            })
            .set_automatic_resubscription();
        let subscriber = ConnectionManager::new_with_config(client, subscriber_config).await?;
        let tasks = vec![
            tokio::spawn(publish_forever(shared.clone(), publisher.clone())),
            tokio::spawn(watch_forever(shared.clone(), publisher.clone(), subscriber.clone())),
        ];
        Ok(ClusterDriver { redis: Some(Arc::new(RedisParts { shared, publisher, subscriber, tasks })) })
    }

    /// The driver's state for operators.
    pub fn state(&self) -> DriverState {
        let Some(redis) = &self.redis else {
            return DriverState {
                mode: "standalone",
                connected: true,
                last_error: None,
                published: 0,
                dropped: 0,
                reconnects: 0,
                queued: 0,
            };
        };
        let s = &redis.shared;
        DriverState {
            mode: "redis",
            connected: s.connected.load(Relaxed),
            last_error: lock(&s.last_error).clone(),
            published: s.published.load(Relaxed),
            dropped: s.dropped.load(Relaxed),
            reconnects: s.reconnects.load(Relaxed),
            queued: lock(&s.queue).entries.len(),
        }
    }

    /// True on Redis, false standalone.
    pub fn is_redis(&self) -> bool {
        self.redis.is_some()
    }
}

impl fmt::Debug for ClusterDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClusterDriver").field(&self.state()).finish()
    }
}

impl Driver for ClusterDriver {
    type Error = RedisError;

    /// Queues the message for the publisher task; the future is ready at once.
    fn publish(&self, chan: String, val: Vec<u8>) -> impl Future<Output = Result<(), Self::Error>> + Send {
        if let Some(redis) = &self.redis {
            redis.shared.enqueue(chan, val);
        }
        ready(Ok(()))
    }

    async fn subscribe(&self, chan: String, size: usize) -> Result<MessageStream<ChanItem>, Self::Error> {
        // Standalone: nothing ever arrives. The stream is closed at once; the adapter's reader
        // (`pipe_stream`) then just ends, which it does not treat as an error.
        let Some(redis) = &self.redis else { return Ok(MessageStream::new_empty()) };
        let (tx, rx) = mpsc::channel(size.max(1));
        // Before SUBSCRIBE: a message right after the confirmation finds its stream.
        write(&redis.shared.handlers).insert(chan.clone(), tx);
        let mut conn = redis.subscriber.clone();
        if let Err(e) = within("SUBSCRIBE", REQUEST_TIMEOUT, conn.subscribe(chan.as_str())).await {
            write(&redis.shared.handlers).remove(&chan);
            return Err(e);
        }
        Ok(MessageStream::new(rx))
    }

    async fn unsubscribe(&self, chan: String) -> Result<(), Self::Error> {
        let Some(redis) = &self.redis else { return Ok(()) };
        write(&redis.shared.handlers).remove(&chan);
        let mut conn = redis.subscriber.clone();
        within("UNSUBSCRIBE", REQUEST_TIMEOUT, conn.unsubscribe(chan.as_str())).await
    }

    /// The number of servers: subscribers of the adapter's request channel (`PUBSUB NUMSUB`),
    /// as socketioxide-redis's own driver counts them.
    async fn num_serv(&self, chan: &str) -> Result<u16, Self::Error> {
        let Some(redis) = &self.redis else { return Ok(1) };
        let mut conn = redis.publisher.clone();
        let mut numsub = redis::cmd("PUBSUB");
        numsub.arg("NUMSUB").arg(chan);
        let (_, count) = within("PUBSUB NUMSUB", REQUEST_TIMEOUT, numsub.query_async::<(String, u16)>(&mut conn)).await?;
        Ok(count)
    }
}

/// A client for `url` speaking RESP3 whatever the URL says (the adapter needs push messages).
fn client_for(url: &str) -> Result<redis::Client, RedisError> {
    let info = url.into_connection_info()?;
    let settings = info.redis_settings().clone().set_protocol(ProtocolVersion::RESP3);
    redis::Client::open(info.set_redis_settings(settings))
}

/// Reconnects quickly and gives up soon (the watchdog starts again): attempts after about
/// 0.1, 0.2, 0.4, 0.8 and 1 s (jittered), then the next command or PING tries again.
fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_min_delay(Duration::from_millis(100))
        .set_max_delay(Duration::from_secs(1))
        .set_exponent_base(2.0)
        .set_number_of_retries(5)
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(3)))
}


/// Sends the queue in order, one pipeline at a time.
async fn publish_forever(shared: Arc<Shared>, mut conn: ConnectionManager) {
    let mut batch = Vec::with_capacity(BATCH_MAX_ENTRIES);
    loop {
        shared.take_batch(&mut batch);
        if batch.is_empty() {
            shared.queued.notified().await;
            continue;
        }
        let mut pipe = redis::pipe();
        for m in &batch {
            pipe.publish(m.chan.as_str(), m.payload.as_slice()).ignore();
        }
        match pipe.exec_async(&mut conn).await {
            Ok(()) => {
                shared.published.fetch_add(batch.len() as u64, Relaxed);
            }
            Err(e) => {
                shared.set_error(&e);
                shared.count_drops(&shared.publish_failed, batch.len() as u64);
                tokio::time::sleep(PAUSE_AFTER_ERROR).await;
            }
        }
        batch.clear();
    }
}

/// PINGs both connections every [`WATCH_EVERY`]: keeps `connected` true only while both
/// answer, counts the ways back, and makes the managers reconnect after their retries ran out
/// (a PING on a broken manager starts a new attempt, with resubscription).
async fn watch_forever(shared: Arc<Shared>, mut publisher: ConnectionManager, mut subscriber: ConnectionManager) {
    let mut tick = tokio::time::interval(WATCH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let result = match ping(&mut publisher).await {
            Ok(()) => ping(&mut subscriber).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                if !shared.connected.swap(true, Relaxed) {
                    shared.reconnects.fetch_add(1, Relaxed);
                    tracing::info!("Redis reachable again: channels resubscribed, cross-node broadcasts resume");
                }
            }
            Err(e) => {
                if shared.connected.swap(false, Relaxed) {
                    tracing::warn!(error = %e, "Redis unreachable: cross-node broadcasts wait (local delivery goes on)");
                }
                shared.set_error(&e);
            }
        }
    }
}

async fn ping(conn: &mut ConnectionManager) -> Result<(), RedisError> {
    within("PING", REQUEST_TIMEOUT, redis::cmd("PING").exec_async(conn)).await
}

impl Shared {
    fn new() -> Shared {
        Shared {
            handlers: RwLock::new(HashMap::new()),
            queue: Mutex::new(Queue::default()),
            queued: Notify::new(),
            connected: AtomicBool::new(true),
            last_error: Mutex::new(None),
            published: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            clock: Instant::now(),
            queue_full: DropLog::new("Redis publish queue full: oldest messages dropped"),
            too_old: DropLog::new("Redis unreachable too long: queued messages dropped unpublished"),
            publish_failed: DropLog::new("PUBLISH to Redis failed: messages dropped"),
            stream_full: DropLog::new("adapter stream full: messages from Redis dropped (raise stream_buffer?)"),
        }
    }

    /// Appends to the queue, dropping the oldest past the bounds, and wakes the publisher.
    fn enqueue(&self, chan: String, payload: Vec<u8>) {
        let mut overflow = 0;
        {
            let mut q = lock(&self.queue);
            q.bytes += payload.len();
            q.entries.push_back(Queued { chan, payload, at: Instant::now() });
            while q.entries.len() > QUEUE_MAX_ENTRIES || (q.bytes > QUEUE_MAX_BYTES && q.entries.len() > 1) {
                let Some(old) = q.entries.pop_front() else { break };
                q.bytes -= old.payload.len();
                overflow += 1;
            }
        }
        if overflow > 0 {
            self.count_drops(&self.queue_full, overflow);
        }
        self.queued.notify_one();
    }

    /// Moves the next batch out of the queue, dropping what waited too long.
    fn take_batch(&self, batch: &mut Vec<Queued>) {
        let now = Instant::now();
        let (mut bytes, mut stale) = (0, 0);
        {
            let mut q = lock(&self.queue);
            while batch.len() < BATCH_MAX_ENTRIES && bytes < BATCH_MAX_BYTES {
                let Some(m) = q.entries.pop_front() else { break };
                q.bytes -= m.payload.len();
                if now.duration_since(m.at) > MAX_QUEUE_AGE {
                    stale += 1;
                    continue;
                }
                bytes += m.payload.len();
                batch.push(m);
            }
        }
        if stale > 0 {
            self.count_drops(&self.too_old, stale);
        }
    }

    /// The subscriber connection's push messages, on its reader: never waits.
    fn on_push(&self, info: PushInfo) {
        match info.kind {
            PushKind::Message | PushKind::SMessage => self.deliver(info.data),
            PushKind::Disconnection => {
                if self.connected.swap(false, Relaxed) {
                    tracing::warn!("connection to Redis lost: reconnecting (local delivery goes on)");
                }
                *lock(&self.last_error) = Some("connection to Redis lost".into());
            }
            _ => {}
        }
    }

    fn deliver(&self, data: Vec<Value>) {
        let mut data = data.into_iter();
        let (Some(Value::BulkString(chan)), Some(Value::BulkString(payload))) = (data.next(), data.next()) else {
            tracing::debug!("malformed pub/sub message from Redis");
            return;
        };
        let Ok(chan) = String::from_utf8(chan) else { return };
        let handlers = read(&self.handlers);
        let Some(tx) = handlers.get(&chan) else {
            tracing::debug!(chan, "message on a channel no adapter listens to");
            return;
        };
        match tx.try_send((chan, payload)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => self.count_drops(&self.stream_full, 1),
            // The adapter dropped its stream (namespace closed): nothing to deliver to.
            Err(TrySendError::Closed(_)) => {}
        }
    }

    fn set_error(&self, e: &RedisError) {
        *lock(&self.last_error) = Some(e.to_string());
    }

    fn count_drops(&self, log: &DropLog, n: u64) {
        self.dropped.fetch_add(n, Relaxed);
        log.note(n, self.clock);
    }
}

impl DropLog {
    fn new(what: &'static str) -> DropLog {
        DropLog { what, since_log: AtomicU64::new(0), last_log: AtomicU64::new(0) }
    }

    fn note(&self, n: u64, clock: Instant) {
        self.since_log.fetch_add(n, Relaxed);
        let now = clock.elapsed().as_millis() as u64 + 1;
        let last = self.last_log.load(Relaxed);
        if last != 0 && now < last + WARN_EVERY_MS {
            return;
        }
        if self.last_log.compare_exchange(last, now, Relaxed, Relaxed).is_err() {
            return; // another thread logs this second
        }
        let dropped = self.since_log.swap(0, Relaxed);
        tracing::warn!(dropped, "{}", self.what);
    }
}


fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

/// Throwaway Redis servers for tests: each [`testing::TestRedis`] is its own `redis-server`
/// (`BANTER_REDIS_SERVER`, else `redis-server` on `PATH`) in a new temp dir, on a Unix socket
/// and a 127.0.0.1 port, without persistence, stopped and removed on drop. Without the binary
/// a test is skipped with a note, except under CI (`CI` set), where that is a failure.
pub mod testing;

#[cfg(test)]
mod tests;
