//! Pacing of sends to the rate a server advertises (`limits.messagesPerSecond`, bursts of
//! twice that, as Banter servers enforce it), so that a script piping many lines gets its
//! messages delivered instead of refused with "Slow down!".

use std::time::Duration;

use tokio::time::Instant;

/// A token bucket: `rate` tokens a second, at most `burst`.
#[derive(Debug, Clone)]
pub struct Pacer {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Pacer {
    /// A pacer for `per_second` messages a second (0 = unlimited) with bursts of twice that.
    /// It starts with half a burst, leaving room for what was sent before it knew the limit.
    pub fn new(per_second: u32) -> Option<Pacer> {
        (per_second > 0).then(|| {
            let rate = f64::from(per_second);
            Pacer {
                rate,
                burst: rate * 2.0,
                tokens: rate,
                last: Instant::now(),
            }
        })
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.last = now;
    }

    /// Takes a token now, or says how long to wait for one.
    pub fn take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paces_after_the_burst() {
        assert!(Pacer::new(0).is_none());
        let mut p = Pacer::new(20).unwrap();
        let t0 = Instant::now();
        let sent = (0..100).filter(|_| p.take(t0).is_ok()).count();
        assert_eq!(sent, 20, "half a burst at first");
        let wait = p.take(t0).unwrap_err();
        assert!(
            wait <= Duration::from_millis(50) && wait > Duration::ZERO,
            "{wait:?}"
        );
        // One second later: 20 more.
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!((0..100).filter(|_| p.take(t1).is_ok()).count(), 20);
        // After a long pause the bucket holds at most a full burst.
        let t2 = t1 + Duration::from_secs(60);
        assert_eq!((0..100).filter(|_| p.take(t2).is_ok()).count(), 40);
    }
}
