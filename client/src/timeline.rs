//! Deduplication of a room's messages by sequence number, robust to pages arriving out of
//! order (a live message may overtake the history page that fills a gap before it).

use std::collections::{BTreeSet, VecDeque};
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
/// different messages (it lost messages it had acknowledged, e.g. killed before a commit),
/// and a message that comes back under a new seq (resent after such a loss).
///
/// Both happen within the last few thousand seqs of a room: a server reuses only seqs past
/// its last commit (banter-server commits up to 2,048 rows at a time), and a resend follows
/// the loss within seconds. So the window is the room's last [`Self::CAPACITY`] seqs, kept as
/// a ring indexed by seq: slot `i` holds the id of seq `base + i` as a 64-bit keyed hash
/// (SipHash with this tracker's own random keys; 0 marks a seq with none). 8 bytes a seq,
/// at most 64 KiB a room, and nothing else per message: an id is looked for by scanning the
/// ring (8,192 words, a few µs). It keeps the highest seqs: a newer seq past its end evicts
/// the lowest, an older one is remembered only while the window has room. Two ids of one
/// room's window sharing a hash (odds ≈ 2^13 / 2^64 a message) would drop the later one as
/// a duplicate.
#[derive(Debug, Default, Clone)]
pub struct RecentIds {
    /// The seq of `by_seq[0]`.
    base: u64,
    /// The id hash of seqs `base`, `base + 1`, …; 0 where none is remembered.
    by_seq: VecDeque<u64>,
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
    /// How many consecutive seqs the window spans.
    pub const CAPACITY: usize = 8192;

    /// Classifies a message; `seq_seen` is whether its seq was already seen.
    pub fn check(&mut self, seq: u64, id: &str, seq_seen: bool) -> IdCheck {
        // 0 marks an empty slot; a hash of 0 becomes 1 (one more value in 2^64 to collide).
        let id = self.keys.hash_one(id).max(1);
        let (a, b) = self.by_seq.as_slices();
        if a.contains(&id) || b.contains(&id) {
            return IdCheck::Duplicate;
        }
        let verdict = match (seq_seen, self.get(seq)) {
            (false, _) => IdCheck::New,
            // Its slot holds another id (not this one: the scan would have found it).
            (true, Some(_)) => IdCheck::Conflict,
            // Seen before we kept ids (an earlier run, or skipped history): a duplicate.
            (true, None) => return IdCheck::Duplicate,
        };
        self.remember(seq, id);
        verdict
    }

    fn get(&self, seq: u64) -> Option<u64> {
        let i = usize::try_from(seq.checked_sub(self.base)?).ok()?;
        self.by_seq.get(i).copied().filter(|h| *h != 0)
    }

    fn remember(&mut self, seq: u64, id: u64) {
        if self.by_seq.is_empty() {
            self.base = seq;
        }
        if seq < self.base {
            // Older than the window: grow it downwards while it stays within CAPACITY.
            let room = (Self::CAPACITY - self.by_seq.len()) as u64;
            if self.base - seq > room {
                return;
            }
            self.reserve((self.base - seq) as usize);
            for _ in seq..self.base {
                self.by_seq.push_front(0);
            }
            self.base = seq;
        }
        let end = seq - self.base + 1; // the span this seq needs
        if end > Self::CAPACITY as u64 {
            let drop = end - Self::CAPACITY as u64;
            if drop >= self.by_seq.len() as u64 {
                // Far ahead of everything held: start again from this seq.
                self.by_seq.clear();
                self.base = seq;
            } else {
                self.by_seq.drain(..drop as usize);
                self.base += drop;
            }
        }
        let i = (seq - self.base) as usize; // < CAPACITY after the above
        if i >= self.by_seq.len() {
            self.reserve(i + 1 - self.by_seq.len());
            self.by_seq.resize(i + 1, 0);
        }
        self.by_seq[i] = id;
    }

    /// Makes room for `more` slots, doubling as a Vec would but never past CAPACITY.
    fn reserve(&mut self, more: usize) {
        let (len, cap) = (self.by_seq.len(), self.by_seq.capacity());
        if len + more > cap {
            let want = (len + more).max(cap * 2).min(Self::CAPACITY);
            self.by_seq.reserve_exact(want - len);
        }
    }

    #[cfg(test)]
    fn held(&self) -> usize {
        self.by_seq.iter().filter(|h| **h != 0).count()
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
        assert!(r.by_seq.len() <= RecentIds::CAPACITY && r.by_seq.capacity() <= RecentIds::CAPACITY);
    }

    fn filled(from: u64, to: u64) -> RecentIds {
        let mut r = RecentIds::default();
        for i in from..=to {
            assert_eq!(r.check(i, &format!("m{i}"), false), IdCheck::New);
        }
        r
    }

    #[test]
    fn the_window_keeps_the_highest_seqs() {
        let cap = RecentIds::CAPACITY as u64;
        let mut r = filled(1, cap + 100);
        assert_eq!((r.by_seq.len(), r.held()), (RecentIds::CAPACITY, RecentIds::CAPACITY));
        assert_eq!(r.base, 101);
        // Below the window: its id is gone, so a seen seq is only a duplicate.
        assert_eq!(r.check(50, "other", true), IdCheck::Duplicate);
        // Inside it: another id under a seen seq is a conflict, a held id under a new seq a
        // duplicate.
        assert_eq!(r.check(cap + 50, "other", true), IdCheck::Conflict);
        assert_eq!(r.check(cap + 300, "m150", false), IdCheck::Duplicate);
        // An evicted id is new again.
        assert_eq!(r.check(cap + 301, "m1", false), IdCheck::New);
        // Bounded however long it runs.
        let mut r = filled(1, 5 * cap);
        assert_eq!((r.by_seq.len(), r.held()), (RecentIds::CAPACITY, RecentIds::CAPACITY));
        assert!(r.by_seq.capacity() <= RecentIds::CAPACITY);
        assert_eq!(r.check(5 * cap, "again", true), IdCheck::Conflict);
    }

    #[test]
    fn older_pages_grow_the_window_downwards_while_it_has_room() {
        // A fresh join shows the newest, then history pages bring older seqs.
        let mut r = filled(1000, 1000);
        for i in (1..1000).rev() {
            assert_eq!(r.check(i, &format!("m{i}"), false), IdCheck::New);
        }
        assert_eq!((r.base, r.by_seq.len()), (1, 1000));
        assert_eq!(r.check(1, "m1", true), IdCheck::Duplicate);
        assert_eq!(r.check(1, "other", true), IdCheck::Conflict);
        // Out of order with gaps: the gaps hold nothing and conflict with nothing.
        let mut r = filled(500, 500);
        assert_eq!(r.check(300, "m300", false), IdCheck::New);
        assert_eq!(r.check(400, "x", true), IdCheck::Duplicate);
        assert_eq!(r.check(700, "m700", false), IdCheck::New);
        assert_eq!(r.check(600, "y", true), IdCheck::Duplicate);
        assert_eq!(r.check(300, "z", true), IdCheck::Conflict);
        assert_eq!((r.base, r.by_seq.len(), r.held()), (300, 401, 3));
        // A full window takes no older seqs: they are still shown, just not remembered.
        let cap = RecentIds::CAPACITY as u64;
        let mut r = filled(30_000, 30_000 + cap - 1);
        assert_eq!(r.check(5, "old", false), IdCheck::New);
        assert_eq!((r.base, r.by_seq.len()), (30_000, RecentIds::CAPACITY));
        assert_eq!(r.check(5, "old", true), IdCheck::Duplicate);
    }

    #[test]
    fn a_far_jump_starts_the_window_again() {
        let cap = RecentIds::CAPACITY as u64;
        let mut r = filled(10, 20);
        assert_eq!(r.check(10 + 10 * cap, "far", false), IdCheck::New);
        assert_eq!((r.base, r.by_seq.len(), r.held()), (10 + 10 * cap, 1, 1));
        assert_eq!(r.check(11, "m11", false), IdCheck::New, "forgotten, too old to keep");
        assert_eq!(r.by_seq.len(), 1);
        // Just past the end: the window slides, keeping what still fits.
        let mut r = filled(1, 100);
        r.check(cap + 50, "late", false);
        assert_eq!((r.base, r.by_seq.len(), r.held()), (51, RecentIds::CAPACITY, 51));
        assert_eq!(r.check(60, "other", true), IdCheck::Conflict);
        assert!(r.by_seq.capacity() <= RecentIds::CAPACITY, "a jump grows it no further");
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
