//! A token bucket per socket: `rate` per second on average, bursts of `2 × rate`.

use std::time::Instant;

#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// `rate` 0 means unlimited.
    pub fn new(rate: u32) -> Self {
        let rate = f64::from(rate);
        Self { rate, capacity: rate * 2.0, tokens: rate * 2.0, last: Instant::now() }
    }

    /// Takes one token; false when the socket is over its limit.
    pub fn try_take(&mut self) -> bool {
        self.try_take_at(Instant::now())
    }

    fn try_take_at(&mut self, now: Instant) -> bool {
        if self.rate == 0.0 {
            return true;
        }
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_a_burst_then_the_rate() {
        let mut b = TokenBucket::new(10);
        let t0 = Instant::now();
        let burst = (0..100).filter(|_| b.try_take_at(t0)).count();
        assert_eq!(burst, 20);
        // one second later: ten more
        let t1 = t0 + Duration::from_secs(1);
        let more = (0..100).filter(|_| b.try_take_at(t1)).count();
        assert_eq!(more, 10);
    }

    #[test]
    fn zero_is_unlimited() {
        let mut b = TokenBucket::new(0);
        assert!((0..10_000).all(|_| b.try_take()));
    }
}
