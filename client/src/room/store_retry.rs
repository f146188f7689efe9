//! Sends the server answered "not now" ([`ext::is_transient_refusal`]: it could not store
//! them, its database being unreachable or restarting). Such a message stays pending in the
//! outbox and goes again under the same id (the server stores an id once) after a backoff,
//! on the same connection: the room's sends are held until then, so they still go in order,
//! while its other requests (history, calls) go on. The backoff grows with each "not now" in
//! a row and starts over at the first delivery; a (re)join sends what is pending at once.
//! A message refused "not now" for longer than `store_retry_window` is given up on.

use std::time::Duration;

use banter_protocol::ext;
use tokio::time::Instant;

use super::backoff_delay;

/// The room's hold on its sends after a "not now".
#[derive(Debug, Default)]
pub(super) struct StoreRetry {
    /// "Not now" answers in a row (since the last delivery).
    in_a_row: u32,
    /// Sends wait until then.
    until: Option<Instant>,
}

impl StoreRetry {
    /// A send was answered "not now" at `now`: sends are held for the next delay of the
    /// backoff (`min`, doubling, at most `max`, with jitter), which is returned.
    pub(super) fn refused(&mut self, now: Instant, min: Duration, max: Duration) -> Duration {
        self.in_a_row = self.in_a_row.saturating_add(1);
        let delay = backoff_delay(self.in_a_row, min, max);
        self.until = Some(now + delay);
        delay
    }

    /// A send was delivered: the next "not now" starts the backoff over.
    pub(super) fn delivered(&mut self) {
        self.in_a_row = 0;
    }

    /// Whether sends are held now.
    pub(super) fn holds(&self) -> bool {
        self.until.is_some()
    }

    /// When the hold ends.
    pub(super) fn until(&self) -> Option<Instant> {
        self.until
    }

    /// Lets the sends go (the hold is over, or the room re-joined).
    pub(super) fn release(&mut self) {
        self.until = None;
    }
}

/// Whether an error ack means "not now" (the message stays pending) rather than "no".
pub(super) fn is_not_now(reason: &str) -> bool {
    ext::is_transient_refusal(reason)
}

/// Whether a message first answered "not now" at `since_ms` has had its time at `now_ms`
/// (both milliseconds since the epoch; a clock set back counts as no time passed).
pub(super) fn gives_up(since_ms: i64, now_ms: i64, window: Duration) -> bool {
    let waited = u128::try_from(now_ms.saturating_sub(since_ms)).unwrap_or(0);
    waited >= window.as_millis()
}

/// The reason given when a message is given up on.
pub(super) fn give_up_reason(server_said: &str) -> String {
    format!("the server could not store it: {server_said}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(1);
    const MAX: Duration = Duration::from_secs(30);

    #[test]
    fn backoff_doubles_to_its_cap_and_starts_over_after_a_delivery() {
        let mut r = StoreRetry::default();
        assert!(!r.holds());
        // a made-up clock: each refusal comes when the previous hold ends
        let mut now = Instant::now();
        let mut bases = Vec::new();
        for n in 1..=8u32 {
            let d = r.refused(now, MIN, MAX);
            let base = (MIN * 2u32.pow(n - 1)).min(MAX);
            assert!(d >= base / 2 && d <= base, "refusal {n}: {d:?} vs {base:?}");
            assert_eq!(r.until(), Some(now + d));
            assert!(r.holds());
            bases.push(base.as_secs());
            now += d;
            r.release();
            assert!(!r.holds());
        }
        assert_eq!(bases, [1, 2, 4, 8, 16, 30, 30, 30]);
        r.delivered();
        let d = r.refused(now, MIN, MAX);
        assert!(d <= MIN, "not started over: {d:?}");
    }

    #[test]
    fn gives_up_after_the_window_only() {
        let window = Duration::from_secs(30 * 60);
        let since = 1_700_000_000_000;
        assert!(!gives_up(since, since, window));
        assert!(!gives_up(since, since + 30 * 60 * 1000 - 1, window));
        assert!(gives_up(since, since + 30 * 60 * 1000, window));
        // a clock set back is not a reason to give up
        assert!(!gives_up(since, since - 3_600_000, window));
        assert!(!gives_up(i64::MAX, i64::MIN, window));
        assert_eq!(
            give_up_reason(ext::ERR_STORE_UNAVAILABLE),
            format!("the server could not store it: {}", ext::ERR_STORE_UNAVAILABLE)
        );
    }

    #[test]
    fn only_the_exact_not_now_strings_are_transient() {
        assert!(is_not_now(ext::ERR_STORE_UNAVAILABLE));
        assert!(is_not_now(ext::ERR_SERVER));
        for classic in ["Profanity is not allowed!", "Server error", "server error, please try again.", ""] {
            assert!(!is_not_now(classic), "{classic:?}");
        }
    }
}
