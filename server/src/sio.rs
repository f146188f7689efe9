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

/// The one namespace, "/", or None once the server is closing. socketioxide's shorthands on
/// `SocketIo` (`to`, `local`, `sockets`, `get_socket`) panic when it is gone ("default
/// namespace not found", socketioxide 0.18.9 `io.rs:711`), and `close()` removes it before
/// the sockets' disconnect handlers have run: a leave announced during shutdown would panic
/// a worker (seen in the cluster suite). Everything the server looks up on the namespace
/// goes through these three instead.
pub fn root(io: &SocketIo) -> Option<Broadcast> {
    io.of("/")
}

/// The sockets connected to this node (none once closing).
pub fn sockets(io: &SocketIo) -> Vec<SocketRef> {
    root(io).map(|ns| ns.sockets()).unwrap_or_default()
}

/// The socket with this id, if it is connected to this node; `sid` as stored (text).
pub fn socket(io: &SocketIo, sid: &str) -> Option<SocketRef> {
    let sid = sid.parse().ok()?;
    root(io)?.get_socket(sid)
}
