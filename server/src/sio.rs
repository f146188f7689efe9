//! The Socket.IO types of this server, on its adapter. One adapter type serves both ways of
//! running: a single node (broadcasts stay in this process) and several nodes sharing
//! PostgreSQL and Redis (`--redis-url`: broadcasts also reach the other nodes' members).
//! Handlers name these aliases, never socketioxide's own defaults.

/// The adapter every namespace runs on: socketioxide's Redis adapter over our driver
/// (`crate::cluster::driver`), standalone when there is no `--redis-url`.
pub type Adapter = socketioxide_redis::CustomRedisAdapter<socketioxide::adapter::Emitter, crate::cluster::driver::ClusterDriver>;
pub type SocketRef = socketioxide::extract::SocketRef<Adapter>;
pub type SocketIo = socketioxide::SocketIo<Adapter>;
pub type AckSender = socketioxide::extract::AckSender<Adapter>;
/// Where a broadcast goes: rooms, exceptions, local or every node.
pub type Broadcast = socketioxide::operators::BroadcastOperators<Adapter>;
