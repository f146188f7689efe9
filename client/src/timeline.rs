//! Deduplication of a room's messages by sequence number, robust to pages arriving out of
//! order (a live message may overtake the history page that fills a gap before it).

use std::collections::BTreeSet;

/// Which sequence numbers of a room have been seen.
#[derive(Debug, Default, Clone)]
pub struct SeqTracker {
    /// Every seq up to and including this one has been seen (or is deliberately skipped).
    contiguous: u64,
    /// Seen seqs above `contiguous`.
    above: BTreeSet<u64>,
}

impl SeqTracker {
    /// A tracker that treats everything up to `last_seq` as seen.
    pub fn starting_at(last_seq: u64) -> Self {
        SeqTracker { contiguous: last_seq, above: BTreeSet::new() }
    }

    /// The last seq seen without a gap before it.
    pub fn contiguous(&self) -> u64 {
        self.contiguous
    }

    /// The highest seq seen.
    pub fn highest(&self) -> u64 {
        self.above.last().copied().unwrap_or(self.contiguous)
    }

    /// Whether a gap is waiting to be filled.
    pub fn has_gap(&self) -> bool {
        !self.above.is_empty()
    }

    /// Treats everything up to `seq` as seen (messages older than what a fresh join shows).
    pub fn skip_to(&mut self, seq: u64) {
        if seq > self.contiguous {
            self.contiguous = seq;
            self.above = self.above.split_off(&(seq + 1));
            self.advance();
        }
    }

    /// Records a seq; false if it was already seen (a duplicate to drop). Seq 0 is invalid.
    pub fn insert(&mut self, seq: u64) -> bool {
        if seq == 0 || seq <= self.contiguous || !self.above.insert(seq) {
            return false;
        }
        self.advance();
        true
    }

    fn advance(&mut self) {
        while self.above.remove(&(self.contiguous + 1)) {
            self.contiguous += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupes_and_fills_gaps_in_any_order() {
        let mut t = SeqTracker::starting_at(10);
        assert!(!t.insert(10));
        assert!(!t.insert(0));
        assert!(t.insert(14));
        assert!(t.has_gap());
        assert_eq!(t.contiguous(), 10);
        assert!(t.insert(11));
        assert!(t.insert(13));
        assert!(!t.insert(13));
        assert!(t.insert(12));
        assert_eq!(t.contiguous(), 14);
        assert!(!t.has_gap());
        assert_eq!(t.highest(), 14);
        t.insert(20);
        t.skip_to(18);
        assert_eq!(t.contiguous(), 18);
        assert!(t.insert(19));
        assert_eq!(t.contiguous(), 20);
    }
}
