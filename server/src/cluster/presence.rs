//! The cluster's member registry: who holds which name in which room, on every node, kept in
//! Redis so that a name taken on one node is refused on another, and `roomData` and member
//! lists cover the whole cluster.
//!
//! - [`Presence::standalone`]: one node. Every call answers at once without doing anything
//!   (claims are granted, lists are empty): the room's own memory (`crate::room::RoomState`)
//!   decides, as before.
//! - [`Presence::connect`]: on Redis (`redis://host:port`, `rediss://…`,
//!   `redis+unix:///path/redis.sock`). Needs tokio's multi-thread runtime.
//!
//! A **holder** is one socket holding one name in one room ([`Holder`]). A name is held by
//! one guest, or by any number of sockets of one account (its devices, on any node): the
//! rule of `RoomState::add_member_as`, cluster-wide. [`Presence::claim`] is atomic across
//! nodes (one Lua script): of two nodes racing for a guest name, one wins.
//! [`Presence::release`] says whether the name's last holder left ([`Released::Last`]: the
//! "left" notice is due) or others still hold it.
//!
//! **Failure detection**: [`Presence::start`] runs the node's task. Every ttl/3 it refreshes
//! the node's liveness key (`PX ttl`, ttl 10 s by default); every ttl/2 it removes the
//! holders of nodes whose key expired, and hands what it removed to
//! [`PresenceEvents::dead`] (per room, the names nobody holds any more). Removal is one
//! atomic, idempotent script: when several nodes reap at once, each removal is reported by
//! exactly one of them. A dead node's holders are thus gone within ttl + ttl/2 of its last
//! heartbeat, and [`Presence::members`] hides them as soon as its key expired.
//! [`Presence::shutdown`] removes this node's holders at once (SIGTERM).
//!
//! **Redis unreachable**: every call fails within about [`REQUEST_TIMEOUT`] with
//! [`ServerError::Cluster`]; the caller falls back to the node's own memory.
//! [`Presence::state`] tells `/healthz`. **Coming back**: after any failure (a call or a
//! heartbeat), after Redis lost its data (the epoch key vanished: a restart without
//! persistence), or after other nodes took this node for dead (its liveness key was gone),
//! the task asks [`PresenceEvents::live_holders`] for the holders this node has now and
//! registers exactly those ([`Presence::reassert`]): missing ones are claimed again, stale
//! ones (sockets that left while Redis could not be told) are released. Names another node
//! took meanwhile come back in [`PresenceEvents::reasserted`].
//!
//! Node ids must be unique among live processes. [`Presence::connect`] takes over the id: the
//! holders a previous run of this node left behind (a crash, restarted within the ttl) are
//! removed and reported to [`PresenceEvents::dead`] by the task's first round.

mod node;
mod scripts;

#[cfg(test)]
mod redis_tests;

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use banter_protocol::classic::RoomUser;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, RedisError, Value};
use serde::{Deserialize, Serialize};
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::task::JoinHandle;

use super::{lock, within};
use node::{manager_config, run};

use crate::error::ServerError;

/// Every Redis request gives up after this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(1);
/// The liveness key's lifetime, unless configured ([`PresenceConfig::ttl`]).
/// 5 s: a guest whose node died gets its name back on another node within ttl + ttl/2.
pub const DEFAULT_TTL: Duration = Duration::from_secs(5);
/// Claims and releases sent in one pipeline by [`Presence::reassert`].
const REASSERT_BATCH: usize = 256;

/// How one cluster's presence is kept.
#[derive(Debug, Clone)]
pub struct PresenceConfig {
    /// Keys start with `banter:<cluster>:` (`banter:` when empty): clusters sharing one Redis
    /// keep apart. 0 to 64 of `A-Z a-z 0-9 . _ -`.
    pub cluster: String,
    /// A node that has not refreshed its liveness key for this long is dead. At least 300 ms.
    pub ttl: Duration,
}

impl Default for PresenceConfig {
    fn default() -> Self {
        PresenceConfig { cluster: String::new(), ttl: DEFAULT_TTL }
    }
}

/// One socket holding one name in one room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The node the socket is connected to ([`Presence::node_id`] for this node's).
    pub node: String,
    pub sid: String,
    /// The name as shown.
    pub name: String,
    /// The account the socket joined as, `None` for a guest.
    pub account: Option<i64>,
    /// A classic socket (it gets `roomData`).
    pub classic: bool,
}

/// A holder to register again ([`Presence::reassert`], [`PresenceEvents::live_holders`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub room: String,
    /// The name's identity key (`accounts::names::identity_key`).
    pub name_key: String,
    pub holder: Holder,
}

/// The answer to [`Presence::claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The socket holds the name now. `first`: no socket held it in the room before (the
    /// "joined" notice is due); false when the same account already held it (another device,
    /// on any node) or this socket's claim was repeated.
    Granted { first: bool },
    /// Held by a guest, by another account, or this socket holds another name in the room.
    Taken,
}

/// The answer to [`Presence::release`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Released {
    /// No socket holds the name in the room any more, on any node: "left" is due.
    Last,
    /// Other sockets of the account still hold it.
    Others,
}

/// A holder as [`Presence::members`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteMember {
    pub name_key: String,
    pub name: String,
    pub sid: String,
    pub node: String,
    pub account: Option<i64>,
    pub classic: bool,
    /// Cluster-wide join order: larger joined later.
    pub joined: u64,
}

/// A name that lost its last holder in a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoneName {
    pub name_key: String,
    pub name: String,
}

/// What one removal of holders took away ([`PresenceEvents::dead`], [`Presence::shutdown`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadMembers {
    /// The nodes whose holders were removed.
    pub nodes: Vec<String>,
    /// Per room, the names no socket holds any more: broadcast "left" and `roomData` once.
    pub rooms: BTreeMap<String, Vec<GoneName>>,
}

impl DeadMembers {
    /// No name lost its last holder.
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    fn add(&mut self, room: String, gone: GoneName) {
        self.rooms.entry(room).or_default().push(gone);
    }
}

/// What [`Presence::reassert`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reasserted {
    /// Holders registered (again, or already there).
    pub granted: usize,
    /// Holders whose name another node's socket took meanwhile (not registered).
    pub taken: Vec<Held>,
    /// This node's registered holders that were not in the list, released; per room the
    /// names left without a holder.
    pub released: DeadMembers,
}

/// What the node's task reports to the server ([`Presence::start`]). Called from the task:
/// keep them short (lock, copy, hand over).
pub trait PresenceEvents: Send + Sync + 'static {
    /// Holders of dead nodes (or of this node's previous run) were removed.
    fn dead(&self, gone: DeadMembers);
    /// Every holder this node has now (its sockets' rooms and names).
    fn live_holders(&self) -> Vec<Held>;
    /// The outcome of registering [`PresenceEvents::live_holders`] again after Redis was
    /// unreachable, lost its data, or took this node for dead.
    fn reasserted(&self, outcome: Reasserted) {
        let _ = outcome;
    }
}

/// What operators see (`/healthz`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresenceState {
    /// `"standalone"` or `"redis"`.
    pub mode: &'static str,
    /// The last request to Redis succeeded (standalone: always true).
    pub connected: bool,
    /// The last Redis error seen, kept after recovery.
    pub last_error: Option<String>,
    /// Times this node's holders were registered again (after an outage or a data loss).
    pub reasserts: u64,
    /// Times Redis was found to have lost its data (the epoch changed).
    pub data_losses: u64,
    /// Dead nodes whose holders this node removed.
    pub nodes_reaped: u64,
}

/// The registry handle; cheap to clone.
#[derive(Clone)]
pub struct Presence {
    redis: Option<Arc<Inner>>,
}

struct Inner {
    conn: ConnectionManager,
    rt: Handle,
    prefix: String,
    node: String,
    /// This run's value of the liveness key.
    incarnation: String,
    ttl: Duration,
    epoch: Mutex<String>,
    /// What `connect` removed of a previous run of this node id, for the task's first round.
    leftovers: Mutex<Option<DeadMembers>>,
    task: Mutex<Option<tokio::task::AbortHandle>>,
    connected: AtomicBool,
    /// A request failed since the last reassert: the node's holders may differ from Redis's.
    needs_reassert: AtomicBool,
    last_error: Mutex<Option<String>>,
    reasserts: AtomicU64,
    data_losses: AtomicU64,
    nodes_reaped: AtomicU64,
    /// [`Presence::shutdown`] ran: this node has left the registry and asks Redis nothing
    /// more. Sockets still closing after it (their leaves) would otherwise send requests
    /// whose reconnect timers outlive the runtime: "A Tokio 1.x context was found, but it is
    /// being shutdown" panicked workers at the very end (seen in the cluster suite).
    closed: AtomicBool,
}

impl Presence {
    /// A single node: nothing is shared, every call is free.
    pub fn standalone() -> Presence {
        Presence { redis: None }
    }

    /// [`Presence::connect_with`] with the default cluster prefix and ttl.
    pub async fn connect(redis_url: &str, node_id: &str) -> Result<Presence, ServerError> {
        Presence::connect_with(redis_url, node_id, PresenceConfig::default()).await
    }

    /// Connects to Redis, registers this node (its liveness key) and removes what a
    /// previous run of the same node id left. Fails when Redis cannot be reached now.
    pub async fn connect_with(redis_url: &str, node_id: &str, config: PresenceConfig) -> Result<Presence, ServerError> {
        if !scripts::valid_node_id(node_id) {
            return Err(ServerError::Config(format!("cluster node id {node_id:?}: 1 to 64 of A-Z a-z 0-9 . _ -")));
        }
        if !config.cluster.is_empty() && !scripts::valid_node_id(&config.cluster) {
            return Err(ServerError::Config(format!("cluster prefix {:?}: up to 64 of A-Z a-z 0-9 . _ -", config.cluster)));
        }
        if config.ttl < Duration::from_millis(300) {
            return Err(ServerError::Config(format!("presence ttl {:?}: at least 300 ms", config.ttl)));
        }
        let rt = Handle::current();
        if rt.runtime_flavor() != RuntimeFlavor::MultiThread {
            return Err(ServerError::Config("cluster presence needs tokio's multi-thread runtime".into()));
        }
        let client = redis::Client::open(redis_url).map_err(|e| ServerError::Cluster(format!("Redis URL: {e}")))?;
        let conn = within("connect", REQUEST_TIMEOUT, ConnectionManager::new_with_config(client, manager_config()))
            .await
            .map_err(|e| ServerError::Cluster(format!("cannot connect to Redis: {e}")))?;
        let inner = Arc::new(Inner {
            conn,
            rt,
            prefix: scripts::prefix(&config.cluster),
            node: node_id.to_owned(),
            incarnation: uuid::Uuid::new_v4().simple().to_string(),
            ttl: config.ttl,
            epoch: Mutex::new(String::new()),
            leftovers: Mutex::new(None),
            task: Mutex::new(None),
            connected: AtomicBool::new(true),
            needs_reassert: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            last_error: Mutex::new(None),
            reasserts: AtomicU64::new(0),
            data_losses: AtomicU64::new(0),
            nodes_reaped: AtomicU64::new(0),
        });
        let leftovers = inner.reap(Some(&inner.node)).await?;
        if !leftovers.nodes.is_empty() {
            tracing::info!(node = %inner.node, names = leftovers.rooms.values().map(Vec::len).sum::<usize>(), "removed the holders a previous run of this node left in Redis");
        }
        *lock(&inner.leftovers) = Some(leftovers);
        let beat = inner.heartbeat().await?;
        *lock(&inner.epoch) = beat.epoch;
        Ok(Presence { redis: Some(inner) })
    }

    /// The node's connection to the cluster's Redis (a clone: it is multiplexed), for the
    /// other shared state that lives there (`cluster::attempts`); none standalone.
    pub fn connection(&self) -> Option<ConnectionManager> {
        self.redis.as_ref().map(|r| r.conn.clone())
    }

    /// True on Redis, false standalone.
    pub fn is_cluster(&self) -> bool {
        self.redis.is_some()
    }

    /// This node's id ("" standalone).
    pub fn node_id(&self) -> &str {
        self.redis.as_ref().map_or("", |r| r.node.as_str())
    }

    /// A holder on this node.
    pub fn holder(&self, sid: &str, name: &str, account: Option<i64>, classic: bool) -> Holder {
        Holder { node: self.node_id().to_owned(), sid: sid.to_owned(), name: name.to_owned(), account, classic }
    }

    /// Claims `name_key` in `room` for `holder`, atomically across nodes; blocks the calling
    /// thread (from a runtime worker through `block_in_place`). Standalone: granted, first.
    pub fn claim(&self, room: &str, name_key: &str, holder: &Holder) -> Result<Claim, ServerError> {
        let Some(r) = &self.redis else { return Ok(Claim::Granted { first: true }) };
        r.block(r.claim(room, name_key, holder))
    }

    /// [`Presence::claim`] for async callers.
    pub async fn claim_async(&self, room: &str, name_key: &str, holder: &Holder) -> Result<Claim, ServerError> {
        let Some(r) = &self.redis else { return Ok(Claim::Granted { first: true }) };
        r.claim(room, name_key, holder).await
    }

    /// Releases the name `node`'s socket `sid` holds in `room` (nothing if it holds none);
    /// blocks like [`Presence::claim`]. Standalone: [`Released::Last`] (the room's memory
    /// knows better: `RoomState::holders_of`).
    pub fn release(&self, room: &str, name_key: &str, node: &str, sid: &str) -> Result<Released, ServerError> {
        let Some(r) = &self.redis else { return Ok(Released::Last) };
        r.block(r.release(room, name_key, node, sid)).map(|(released, _)| released)
    }

    /// [`Presence::release`] for async callers.
    pub async fn release_async(&self, room: &str, name_key: &str, node: &str, sid: &str) -> Result<Released, ServerError> {
        let Some(r) = &self.redis else { return Ok(Released::Last) };
        r.release(room, name_key, node, sid).await.map(|(released, _)| released)
    }

    /// Every holder in `room` on the live nodes, in cluster-wide join order; blocks like
    /// [`Presence::claim`]. Standalone: empty. [`room_users`] and [`usernames`] make the
    /// classic `roomData` and Banter's member list of it.
    pub fn members(&self, room: &str) -> Result<Vec<RemoteMember>, ServerError> {
        let Some(r) = &self.redis else { return Ok(Vec::new()) };
        r.block(r.members(room))
    }

    /// [`Presence::members`] for async callers.
    pub async fn members_async(&self, room: &str) -> Result<Vec<RemoteMember>, ServerError> {
        let Some(r) = &self.redis else { return Ok(Vec::new()) };
        r.members(room).await
    }

    /// Registers exactly `holders` as this node's: claims each (already registered ones are
    /// left as they are), then releases this node's registered holders not in the list. The
    /// node's task does this by itself when needed ([`PresenceEvents::live_holders`]).
    /// Holders of other nodes in the list are ignored.
    pub async fn reassert(&self, holders: Vec<Held>) -> Result<Reasserted, ServerError> {
        let Some(r) = &self.redis else { return Ok(Reasserted { granted: holders.len(), ..Default::default() }) };
        r.reassert(holders).await
    }

    /// Starts the node's task: heartbeats every ttl/3, reaping dead nodes every ttl/2, and
    /// registering this node's holders again when needed; reports to `events`. Standalone: a
    /// task that ends at once. Call it once, before serving; [`Presence::shutdown`] stops it.
    pub fn start(&self, events: Arc<dyn PresenceEvents>) -> JoinHandle<()> {
        let Some(r) = &self.redis else { return tokio::spawn(async {}) };
        let task = tokio::spawn(run(r.clone(), events));
        if let Some(old) = lock(&r.task).replace(task.abort_handle()) {
            old.abort();
        }
        task
    }

    /// A clean stop: ends the task, removes this node's holders and its liveness key, and
    /// returns the names left without a holder (for "left" notices on the other nodes).
    pub async fn shutdown(&self) -> Result<DeadMembers, ServerError> {
        let Some(r) = &self.redis else { return Ok(DeadMembers::default()) };
        if let Some(task) = lock(&r.task).take() {
            task.abort();
        }
        let gone = r.reap(Some(&r.node)).await;
        r.closed.store(true, Relaxed);
        gone
    }

    /// The registry's state for operators.
    pub fn state(&self) -> PresenceState {
        let Some(r) = &self.redis else {
            return PresenceState { mode: "standalone", connected: true, last_error: None, reasserts: 0, data_losses: 0, nodes_reaped: 0 };
        };
        PresenceState {
            mode: "redis",
            connected: r.connected.load(Relaxed),
            last_error: lock(&r.last_error).clone(),
            reasserts: r.reasserts.load(Relaxed),
            data_losses: r.data_losses.load(Relaxed),
            nodes_reaped: r.nodes_reaped.load(Relaxed),
        }
    }
}

impl std::fmt::Debug for Presence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presence").field("node", &self.node_id()).field("state", &self.state()).finish()
    }
}

/// The classic `roomData` users of `members` (in join order): each name once, with the
/// socket id of its first holder.
pub fn room_users(room: &str, members: &[RemoteMember]) -> Vec<RoomUser> {
    let mut seen = HashSet::new();
    members
        .iter()
        .filter(|m| seen.insert(m.name_key.as_str()))
        .map(|m| RoomUser { id: m.sid.clone(), username: m.name.clone(), room: room.to_owned() })
        .collect()
}

/// The member names of `members`, sorted, each once (as `RoomState::usernames`).
pub fn usernames(members: &[RemoteMember]) -> Vec<String> {
    let mut names: Vec<String> = members.iter().map(|m| m.name.clone()).collect();
    names.sort();
    names.dedup();
    names
}
