//! A bound on the error events one room emits: a flood of bad data gives a bounded number of
//! events, the rest counted and reported once a second.

use std::time::Duration;

use tokio::time::Instant;

/// Error events per room per second; beyond that they are counted and reported together.
const ERRORS_PER_SECOND: u32 = 20;

/// Counts error events so that a flood of bad data gives a bounded number of events, the rest
/// reported as one count per second (nothing silently dropped).
pub(super) struct ErrorBudget {
    window_start: Instant,
    in_window: u32,
    suppressed: u64,
}

impl Default for ErrorBudget {
    fn default() -> Self {
        ErrorBudget {
            window_start: Instant::now(),
            in_window: 0,
            suppressed: 0,
        }
    }
}

impl ErrorBudget {
    pub(super) fn allow(&mut self) -> bool {
        if self.in_window < ERRORS_PER_SECOND {
            self.in_window += 1;
            true
        } else {
            self.suppressed += 1;
            false
        }
    }

    /// Called every tick; once a second the window is reset and the count of suppressed
    /// errors returned.
    pub(super) fn tick(&mut self) -> Option<u64> {
        if self.window_start.elapsed() < Duration::from_secs(1) {
            return None;
        }
        self.window_start = Instant::now();
        self.in_window = 0;
        let n = std::mem::take(&mut self.suppressed);
        (n > 0).then_some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_budget_counts_what_it_suppresses() {
        let mut b = ErrorBudget::default();
        let allowed = (0..100).filter(|_| b.allow()).count();
        assert_eq!(allowed, ERRORS_PER_SECOND as usize);
        assert_eq!(b.tick(), None, "the window is one second");
        b.window_start -= Duration::from_secs(2);
        assert_eq!(b.tick(), Some(80));
        assert!(b.allow());
        b.window_start -= Duration::from_secs(2);
        assert_eq!(b.tick(), None);
    }
}
