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
        r.reap(Some(&r.node)).await
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

/// A holder as stored in `P holders:<room>` (see `scripts`).
#[derive(Debug, Deserialize)]
struct StoredHolder {
    k: String,
    n: String,
    a: String,
    c: String,
    j: String,
    node: String,
    sid: String,
}

impl StoredHolder {
    fn into_member(self) -> Option<RemoteMember> {
        let account = if self.a.is_empty() { None } else { Some(self.a.parse().ok()?) };
        Some(RemoteMember {
            name_key: self.k,
            name: self.n,
            sid: self.sid,
            node: self.node,
            account,
            classic: self.c == "1",
            joined: self.j.parse().ok()?,
        })
    }
}

/// The holders of a MEMBERS answer, in join order (malformed entries skipped).
fn parse_members(json: &[String]) -> Vec<RemoteMember> {
    let mut members: Vec<RemoteMember> =
        json.iter().filter_map(|s| serde_json::from_str::<StoredHolder>(s).ok()).filter_map(StoredHolder::into_member).collect();
    members.sort_by_key(|m| m.joined);
    members
}

/// The answer of the REAP script: `{nodes, {{room, name key, name}, …}}`.
fn parse_reaped(value: Value) -> Result<DeadMembers, ServerError> {
    let (nodes, gone): (Vec<String>, Vec<(String, String, String)>) = FromRedisValue::from_redis_value(value)
        .map_err(|e| ServerError::Cluster(format!("unexpected answer from the reap script: {e}")))?;
    let mut dead = DeadMembers { nodes, rooms: BTreeMap::new() };
    for (room, name_key, name) in gone {
        dead.add(room, GoneName { name_key, name });
    }
    Ok(dead)
}

fn claim_answer(code: i64) -> Claim {
    match code {
        2 => Claim::Granted { first: true },
        1 => Claim::Granted { first: false },
        _ => Claim::Taken,
    }
}

struct Beat {
    /// The liveness key's value before this heartbeat ("" when it was gone).
    previous: String,
    epoch: String,
}

impl Inner {
    fn block<F: Future>(&self, fut: F) -> F::Output {
        match Handle::try_current() {
            Ok(_) => tokio::task::block_in_place(|| self.rt.block_on(fut)),
            Err(_) => self.rt.block_on(fut),
        }
    }

    /// Runs one request with [`REQUEST_TIMEOUT`], keeping `connected` and `last_error`.
    async fn request<T: FromRedisValue>(&self, what: &str, cmd: redis::Cmd) -> Result<T, ServerError> {
        let mut conn = self.conn.clone();
        let result = within(what, REQUEST_TIMEOUT, cmd.query_async::<T>(&mut conn)).await;
        self.note(what, result)
    }

    async fn pipeline<T: FromRedisValue>(&self, what: &str, pipe: redis::Pipeline) -> Result<T, ServerError> {
        let mut conn = self.conn.clone();
        let result = within(what, REQUEST_TIMEOUT, pipe.query_async::<T>(&mut conn)).await;
        self.note(what, result)
    }

    fn note<T>(&self, what: &str, result: Result<T, RedisError>) -> Result<T, ServerError> {
        match result {
            Ok(v) => {
                self.connected.store(true, Relaxed);
                Ok(v)
            }
            Err(e) => {
                let message = format!("{what}: {e}");
                if self.connected.swap(false, Relaxed) {
                    tracing::warn!(error = %message, "Redis unreachable: presence falls back to this node's members");
                }
                self.needs_reassert.store(true, Relaxed);
                *lock(&self.last_error) = Some(message.clone());
                Err(ServerError::Cluster(message))
            }
        }
    }

    fn eval(&self, script: &str) -> redis::Cmd {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(0).arg(&self.prefix);
        cmd
    }

    fn claim_cmd(&self, room: &str, name_key: &str, h: &Holder) -> redis::Cmd {
        let mut cmd = self.eval(scripts::CLAIM);
        cmd.arg(room)
            .arg(name_key)
            .arg(&h.node)
            .arg(&h.sid)
            .arg(scripts::owner(h.account))
            .arg(&h.name)
            .arg(h.account.map(|a| a.to_string()).unwrap_or_default())
            .arg(if h.classic { "1" } else { "0" })
            .arg(self.ttl.as_millis() as u64);
        cmd
    }

    fn release_cmd(&self, room: &str, name_key: &str, node: &str, sid: &str) -> redis::Cmd {
        let mut cmd = self.eval(scripts::RELEASE);
        cmd.arg(room).arg(name_key).arg(node).arg(sid);
        cmd
    }

    async fn claim(&self, room: &str, name_key: &str, holder: &Holder) -> Result<Claim, ServerError> {
        check_holder(holder)?;
        let code: i64 = self.request("claim", self.claim_cmd(room, name_key, holder)).await?;
        Ok(claim_answer(code))
    }

    async fn release(&self, room: &str, name_key: &str, node: &str, sid: &str) -> Result<(Released, String), ServerError> {
        let (last, name): (i64, String) = self.request("release", self.release_cmd(room, name_key, node, sid)).await?;
        Ok((if last == 1 { Released::Last } else { Released::Others }, name))
    }

    async fn members(&self, room: &str) -> Result<Vec<RemoteMember>, ServerError> {
        let mut cmd = self.eval(scripts::MEMBERS);
        cmd.arg(room);
        let json: Vec<String> = self.request("members", cmd).await?;
        Ok(parse_members(&json))
    }

    /// Removes the holders of `only` (whatever its liveness), or of every other dead node.
    async fn reap(&self, only: Option<&str>) -> Result<DeadMembers, ServerError> {
        let mut cmd = self.eval(scripts::REAP);
        cmd.arg(&self.node).arg(only.unwrap_or(""));
        let value: Value = self.request("reap", cmd).await?;
        let dead = parse_reaped(value)?;
        if only.is_none() {
            self.nodes_reaped.fetch_add(dead.nodes.len() as u64, Relaxed);
        }
        Ok(dead)
    }

    async fn heartbeat(&self) -> Result<Beat, ServerError> {
        let mut cmd = self.eval(scripts::HEARTBEAT);
        cmd.arg(&self.node).arg(&self.incarnation).arg(self.ttl.as_millis() as u64).arg(uuid::Uuid::new_v4().simple().to_string());
        let (previous, epoch): (String, String) = self.request("heartbeat", cmd).await?;
        Ok(Beat { previous, epoch })
    }

    async fn reassert(&self, holders: Vec<Held>) -> Result<Reasserted, ServerError> {
        let mut out = Reasserted::default();
        let mine: Vec<Held> = holders.into_iter().filter(|h| h.holder.node == self.node && check_holder(&h.holder).is_ok()).collect();
        let keep: HashSet<(&str, &str)> = mine.iter().map(|h| (h.holder.sid.as_str(), h.room.as_str())).collect();
        for chunk in mine.chunks(REASSERT_BATCH) {
            let mut pipe = redis::pipe();
            for h in chunk {
                pipe.add_command(self.claim_cmd(&h.room, &h.name_key, &h.holder));
            }
            let codes: Vec<i64> = self.pipeline("reassert", pipe).await?;
            for (h, code) in chunk.iter().zip(codes) {
                match claim_answer(code) {
                    Claim::Granted { .. } => out.granted += 1,
                    Claim::Taken => out.taken.push(h.clone()),
                }
            }
        }
        // This node's registered holders that are not live any more.
        let mut index = redis::cmd("HGETALL");
        index.arg(scripts::node_holders_key(&self.prefix, &self.node));
        let registered: Vec<(String, String)> = self.request("reassert", index).await?;
        let stale: Vec<(String, String, String)> = registered
            .into_iter()
            .filter_map(|(field, name_key)| {
                let (sid, room) = field.split_once('\n')?;
                (!keep.contains(&(sid, room))).then(|| (sid.to_owned(), room.to_owned(), name_key))
            })
            .collect();
        for chunk in stale.chunks(REASSERT_BATCH) {
            let mut pipe = redis::pipe();
            for (sid, room, name_key) in chunk {
                pipe.add_command(self.release_cmd(room, name_key, &self.node, sid));
            }
            let answers: Vec<(i64, String)> = self.pipeline("reassert", pipe).await?;
            for ((_, room, name_key), (last, name)) in chunk.iter().zip(answers) {
                if last == 1 && !name.is_empty() {
                    out.released.add(room.clone(), GoneName { name_key: name_key.clone(), name });
                }
            }
        }
        self.reasserts.fetch_add(1, Relaxed);
        Ok(out)
    }

    /// One heartbeat; true when this node's holders must be registered again.
    async fn beat(&self) -> Result<bool, ServerError> {
        let beat = self.heartbeat().await?;
        let mut lost = false;
        {
            let mut epoch = lock(&self.epoch);
            if *epoch != beat.epoch {
                if !epoch.is_empty() {
                    self.data_losses.fetch_add(1, Relaxed);
                    tracing::warn!("Redis lost its data (a restart without persistence?): registering this node's members again");
                }
                *epoch = beat.epoch;
                lost = true;
            }
        }
        if beat.previous != self.incarnation {
            if beat.previous.is_empty() || beat.previous == "lost" {
                if !lost {
                    tracing::warn!(node = %self.node, "this node's liveness key had expired (taken for dead?): registering its members again");
                }
            } else {
                tracing::error!(node = %self.node, "another live process uses this cluster node id: node ids must be unique");
            }
            lost = true;
        }
        Ok(lost)
    }

    /// Registers the live holders again and corrects for what changed while it ran.
    async fn resync(&self, events: &dyn PresenceEvents) -> Result<(), ServerError> {
        let first = events.live_holders();
        let mut outcome = self.reassert(first.clone()).await?;
        // Sockets that joined or left while the first list was registered.
        let second = events.live_holders();
        let before: HashSet<(&str, &str)> = first.iter().map(|h| (h.holder.sid.as_str(), h.room.as_str())).collect();
        let now: HashSet<(&str, &str)> = second.iter().map(|h| (h.holder.sid.as_str(), h.room.as_str())).collect();
        for h in second.iter().filter(|h| h.holder.node == self.node && !before.contains(&(h.holder.sid.as_str(), h.room.as_str()))) {
            match self.claim(&h.room, &h.name_key, &h.holder).await? {
                Claim::Granted { .. } => outcome.granted += 1,
                Claim::Taken => outcome.taken.push(h.clone()),
            }
        }
        for h in first.iter().filter(|h| h.holder.node == self.node && !now.contains(&(h.holder.sid.as_str(), h.room.as_str()))) {
            let (released, name) = self.release(&h.room, &h.name_key, &self.node, &h.holder.sid).await?;
            if released == Released::Last && !name.is_empty() {
                outcome.released.add(h.room.clone(), GoneName { name_key: h.name_key.clone(), name });
            }
        }
        if !outcome.taken.is_empty() {
            tracing::warn!(names = outcome.taken.len(), "names held here were taken on another node while Redis had lost them");
        }
        events.reasserted(outcome);
        Ok(())
    }
}

/// The node's task: heartbeats, reaping, registering again.
async fn run(inner: Arc<Inner>, events: Arc<dyn PresenceEvents>) {
    if let Some(leftovers) = lock(&inner.leftovers).take() {
        if !leftovers.is_empty() {
            events.dead(leftovers);
        }
    }
    let mut beat_every = tokio::time::interval(inner.ttl / 3);
    let mut reap_every = tokio::time::interval(inner.ttl / 2);
    beat_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    reap_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = beat_every.tick() => {
                let lost = match inner.beat().await {
                    Ok(lost) => lost,
                    Err(_) => continue,
                };
                if lost || inner.needs_reassert.swap(false, Relaxed) {
                    if let Err(e) = inner.resync(events.as_ref()).await {
                        tracing::warn!(error = %e, "registering this node's members again failed: next heartbeat retries");
                        inner.needs_reassert.store(true, Relaxed);
                    }
                }
            }
            _ = reap_every.tick() => {
                match inner.reap(None).await {
                    Ok(dead) if !dead.nodes.is_empty() => {
                        tracing::warn!(nodes = ?dead.nodes, "cluster nodes stopped heartbeating: their members removed");
                        events.dead(dead);
                    }
                    Ok(_) | Err(_) => continue,
                }
            }
        }
    }
}

fn check_holder(h: &Holder) -> Result<(), ServerError> {
    if !scripts::valid_node_id(&h.node) || !scripts::valid_sid(&h.sid) {
        return Err(ServerError::Cluster(format!("bad holder: node {:?}, sid {:?}", h.node, h.sid)));
    }
    Ok(())
}

/// Reconnects quickly and gives up soon (the next request tries again).
fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(500))
        .set_exponent_base(2.0)
        .set_number_of_retries(2)
        .set_connection_timeout(Some(Duration::from_millis(500)))
        .set_response_timeout(Some(REQUEST_TIMEOUT))
}



#[cfg(test)]
mod tests {
    use super::*;

    fn member(key: &str, name: &str, sid: &str, joined: u64) -> RemoteMember {
        RemoteMember { name_key: key.into(), name: name.into(), sid: sid.into(), node: "n1".into(), account: None, classic: true, joined }
    }

    #[test]
    fn room_data_lists_each_name_once_with_its_first_holder() {
        let members = vec![member("ann", "Ann", "s1", 1), member("bob", "bob", "s2", 2), member("ann", "Ann", "s3", 3)];
        let users = room_users("lobby", &members);
        let got: Vec<(&str, &str, &str)> = users.iter().map(|u| (u.id.as_str(), u.username.as_str(), u.room.as_str())).collect();
        assert_eq!(got, [("s1", "Ann", "lobby"), ("s2", "bob", "lobby")]);
        assert_eq!(usernames(&members), ["Ann", "bob"]);
    }

    #[test]
    fn stored_holders_come_back_in_join_order() {
        let json = vec![
            r#"{"k":"bob","n":"Bob","a":"7","c":"0","j":"12","node":"n2","sid":"s2"}"#.to_owned(),
            r#"{"k":"ann","n":"Ann","a":"","c":"1","j":"3","node":"n1","sid":"s1"}"#.to_owned(),
            r#"{"broken":true}"#.to_owned(),
        ];
        let members = parse_members(&json);
        assert_eq!(members.len(), 2);
        assert_eq!((members[0].name.as_str(), members[0].account, members[0].classic, members[0].joined), ("Ann", None, true, 3));
        assert_eq!(
            (members[1].name.as_str(), members[1].account, members[1].classic, members[1].node.as_str()),
            ("Bob", Some(7), false, "n2")
        );
    }

    #[test]
    fn reap_answers_group_names_by_room() {
        let value = Value::Array(vec![
            Value::Array(vec![Value::BulkString(b"n2".to_vec())]),
            Value::Array(vec![
                Value::Array(vec![
                    Value::BulkString(b"lobby".to_vec()),
                    Value::BulkString(b"ann".to_vec()),
                    Value::BulkString(b"Ann".to_vec()),
                ]),
                Value::Array(vec![
                    Value::BulkString(b"lobby".to_vec()),
                    Value::BulkString(b"bob".to_vec()),
                    Value::BulkString(b"Bob".to_vec()),
                ]),
            ]),
        ]);
        let dead = parse_reaped(value).unwrap();
        assert_eq!(dead.nodes, ["n2"]);
        assert_eq!(dead.rooms["lobby"].iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["Ann", "Bob"]);
        let empty = parse_reaped(Value::Array(vec![Value::Array(vec![]), Value::Array(vec![])])).unwrap();
        assert!(empty.is_empty() && empty.nodes.is_empty());
    }

    #[test]
    fn claim_codes() {
        assert_eq!(claim_answer(2), Claim::Granted { first: true });
        assert_eq!(claim_answer(1), Claim::Granted { first: false });
        assert_eq!(claim_answer(0), Claim::Taken);
    }

    #[test]
    fn standalone_answers_without_redis() {
        let p = Presence::standalone();
        let h = p.holder("s1", "ann", None, true);
        assert_eq!(p.claim("lobby", "ann", &h).unwrap(), Claim::Granted { first: true });
        assert_eq!(p.release("lobby", "ann", "", "s1").unwrap(), Released::Last);
        assert!(p.members("lobby").unwrap().is_empty());
        assert_eq!(p.state().mode, "standalone");
        assert!(!p.is_cluster());
    }
}
