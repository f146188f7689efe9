//! Deduplication of a room's messages by sequence number, robust to pages arriving out of
//! order (a live message may overtake the history page that fills a gap before it).

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, RandomState};

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
        SeqTracker {
            contiguous: last_seq,
            above: BTreeSet::new(),
        }
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

/// Which message id each recent seq carried, to notice a server that hands one seq to two
/// different messages (it lost messages it had acknowledged, e.g. killed before a commit).
/// Ids are kept as 64-bit keyed hashes (SipHash with this tracker's own random keys), not
/// as strings: ≈40 bytes a seq instead of ≈135, so a room's 20,000 cost under 1 MB. Two ids
/// of one room's window sharing a hash (odds ≈ 20,000 / 2^64 a message) would drop the later
/// one as a duplicate.
#[derive(Debug, Default, Clone)]
pub struct RecentIds {
    by_seq: HashMap<u64, u64>,
    ids: HashSet<u64>,
    order: VecDeque<u64>,
    keys: RandomState,
}

/// What [`RecentIds::check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdCheck {
    /// Never seen: show it.
    New,
    /// This id was already shown: drop it.
    Duplicate,
    /// The seq was shown with another id: the server reused it. Show it, and report.
    Conflict,
}

impl RecentIds {
    /// How many recent seqs are remembered.
    pub const CAPACITY: usize = 20_000;

    /// Classifies a message; `seq_seen` is whether its seq was already seen.
    pub fn check(&mut self, seq: u64, id: &str, seq_seen: bool) -> IdCheck {
        let id = self.keys.hash_one(id);
        if self.ids.contains(&id) {
            return IdCheck::Duplicate;
        }
        let verdict = match (seq_seen, self.by_seq.get(&seq)) {
            (false, _) => IdCheck::New,
            (true, Some(prev)) if *prev != id => IdCheck::Conflict,
            // Seen before we kept ids (an earlier run, or skipped history): a duplicate.
            (true, _) => return IdCheck::Duplicate,
        };
        self.remember(seq, id);
        verdict
    }

    fn remember(&mut self, seq: u64, id: u64) {
        if let Some(old) = self.by_seq.insert(seq, id) {
            self.ids.remove(&old);
        } else {
            self.order.push_back(seq);
        }
        self.ids.insert(id);
        while self.order.len() > Self::CAPACITY {
            if let Some(s) = self.order.pop_front() {
                if let Some(old) = self.by_seq.remove(&s) {
                    self.ids.remove(&old);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reused_seqs_are_noticed() {
        let mut r = RecentIds::default();
        assert_eq!(r.check(5, "a", false), IdCheck::New);
        assert_eq!(r.check(5, "a", true), IdCheck::Duplicate);
        assert_eq!(r.check(5, "b", true), IdCheck::Conflict);
        assert_eq!(r.check(5, "b", true), IdCheck::Duplicate);
        assert_eq!(
            r.check(3, "c", true),
            IdCheck::Duplicate,
            "seen before ids were kept"
        );
        for i in 10..(10 + RecentIds::CAPACITY as u64 + 5) {
            r.check(i, &format!("m{i}"), false);
        }
        assert!(r.by_seq.len() <= RecentIds::CAPACITY && r.ids.len() <= RecentIds::CAPACITY);
    }

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
