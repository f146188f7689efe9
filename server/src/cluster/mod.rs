//! Several banter-server nodes behind one address: what they share to act as one server.
//! `driver`: the Redis pub/sub driver under socketioxide's Redis adapter (cross-node
//! broadcasts), and its standalone twin for a single node. `control`: acts of the server
//! on sockets (kicks, DMs opened, sessions ended) run by every node on its own sockets.
//! `presence`: the cluster's member registry. `attempts`: sign-in limits shared in Redis.

pub mod attempts;
pub mod control;
pub mod driver;
pub mod presence;

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::RedisError;

/// Runs a Redis request for at most `limit`: past it, a timed-out error naming `what`.
pub(crate) async fn within<T>(what: &str, limit: Duration, request: impl Future<Output = Result<T, RedisError>>) -> Result<T, RedisError> {
    match tokio::time::timeout(limit, request).await {
        Ok(result) => result,
        Err(_) => Err(RedisError::from(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("{what}: no answer from Redis within {limit:?}"),
        ))),
    }
}

/// Locks, tolerating a poisoned lock (the state it guards stays usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
