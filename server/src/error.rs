//! The server's one error type.

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("configuration: {0}")]
    Config(String),
    /// An admin command refused, in words (`banter-server user create`, …).
    #[error("{0}")]
    Refused(String),
    #[error("store: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("store: {0}")]
    StoreIo(String),
    #[error("store (PostgreSQL): {0}")]
    Postgres(#[from] sqlx::Error),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: std::net::SocketAddr, source: std::io::Error },
    /// Redis, for what the cluster's nodes share (cluster/presence.rs): unreachable, timed
    /// out, or an unexpected answer.
    #[error("cluster (Redis): {0}")]
    Cluster(String),
    #[error("password hashing: {0}")]
    Hash(String),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}
