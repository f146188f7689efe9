//! The Socket.IO types of this server, on its adapter. One adapter type serves both ways of
//! running: a single node (broadcasts stay in this process) and several nodes sharing
//! PostgreSQL and Redis (`--redis-url`: broadcasts also reach the other nodes' members).
//! Handlers name these aliases, never socketioxide's own defaults.

/// The adapter every namespace runs on.
pub type Adapter = socketioxide::adapter::LocalAdapter;
pub type SocketRef = socketioxide::extract::SocketRef<Adapter>;
pub type SocketIo = socketioxide::SocketIo<Adapter>;
pub type AckSender = socketioxide::extract::AckSender<Adapter>;
