//! Counters for the status endpoints and throttled warnings.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Default)]
pub struct Metrics {
    pub messages: AtomicU64,
    pub refused: AtomicU64,
    pub dropped_events: AtomicU64,
    /// Deliveries that failed because a socket's buffer was full or it was closing.
    pub failed_deliveries: AtomicU64,
    last_warn_sec: AtomicU64,
}

impl Metrics {
    pub fn inc(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// True at most once a second: for warnings a flood could otherwise repeat endlessly.
    pub fn may_warn(&self) -> bool {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        self.last_warn_sec.swap(now, Ordering::Relaxed) != now
    }
}

/// Milliseconds since the Unix epoch, as `createdAt` carries it.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
