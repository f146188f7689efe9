//! A log-linear latency histogram with atomic buckets (HDR-style: 128 sub-buckets per power
//! of two, so every recorded value is known to within 0.8%). Recording is one relaxed
//! `fetch_add`, so every generator thread can record into the same histogram.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS; // 128
const BUCKETS: usize = (64 - SUB_BITS as usize) * SUB as usize + SUB as usize;

pub struct Hist {
    counts: Vec<AtomicU64>,
}

fn index(v: u64) -> usize {
    if v < 2 * SUB {
        return v as usize;
    }
    let e = 63 - v.leading_zeros(); // >= SUB_BITS + 1
    let shift = e - SUB_BITS;
    let mantissa = v >> shift; // in [SUB, 2*SUB)
    (shift as u64 * SUB + mantissa) as usize
}

/// The middle of the values of bucket `i`.
fn value(i: usize) -> u64 {
    let i = i as u64;
    if i < 2 * SUB {
        return i;
    }
    let shift = i / SUB - 1;
    let mantissa = i - shift * SUB;
    (mantissa << shift) + (1u64 << shift) / 2
}

impl Hist {
    pub fn new() -> Hist {
        Hist { counts: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect() }
    }

    pub fn record(&self, v: u64) {
        self.counts[index(v)].fetch_add(1, Relaxed);
    }

    pub fn reset(&self) {
        for c in &self.counts {
            c.store(0, Relaxed);
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Relaxed)).sum()
    }

    /// The value at quantile `q` (0..=1), `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c.load(Relaxed);
            if seen >= rank {
                return Some(value(i));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_precise() {
        let mut last = 0;
        for v in (0..5_000_000u64).step_by(7).chain([u64::MAX / 2, 1 << 40]) {
            let i = index(v);
            assert!(i < BUCKETS);
            assert!(i >= last || v > 5_000_000);
            last = i;
            let m = value(i);
            let err = (m as f64 - v as f64).abs() / (v.max(1) as f64);
            assert!(err <= 0.008, "v={v} mid={m}");
        }
    }

    #[test]
    fn quantiles() {
        let h = Hist::new();
        for v in 1..=1000u64 {
            h.record(v * 1000);
        }
        let p50 = h.quantile(0.5).unwrap() as f64;
        let p99 = h.quantile(0.99).unwrap() as f64;
        assert!((p50 - 500_000.0).abs() / 500_000.0 < 0.01);
        assert!((p99 - 990_000.0).abs() / 990_000.0 < 0.01);
    }
}
