//! Limits on rooms (issue 8, item 7): how many rooms one socket may be in at once, and how
//! many new rooms — rooms not yet in the store — may be created per hour, per client address
//! (IPv6 per /64) and on the whole server. A room refused for either reason is not stored
//! and not kept in memory. Loopback gets no exemption; tests and benchmarks that need more
//! pass the flags (0 lifts a limit).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// `--max-rooms-per-socket`, `--room-creations-per-hour`, `--room-creations-per-hour-total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomLimitsConfig {
    pub rooms_per_socket: u32,
    pub creations_per_hour: u32,
    pub creations_per_hour_total: u32,
}

/// Addresses remembered before those with a full bucket are forgotten.
const MAX_KEYS: usize = 50_000;
const HOUR_SECS: f64 = 3600.0;

pub fn err_too_many_rooms(max: u32) -> String {
    format!("Too many rooms: at most {max} per connection. Leave one first!")
}

pub fn err_too_many_new_rooms(max: u32) -> String {
    format!("Too many new rooms: at most {max} an hour from one address. Join an existing room or try again later.")
}

pub const ERR_SERVER_NEW_ROOMS: &str =
    "Too many new rooms on this server right now: join an existing room or try again later.";

/// A bucket of `burst` creations refilled evenly over an hour.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

fn level(b: Option<&Bucket>, burst: f64, now: Instant) -> f64 {
    match b {
        None => burst,
        Some(b) => (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * burst / HOUR_SECS).min(burst),
    }
}

#[derive(Debug, Default)]
struct Counters {
    addresses: HashMap<IpAddr, Bucket>,
    total: Option<Bucket>,
}

/// The room creation counters of one server.
#[derive(Debug)]
pub struct RoomLimits {
    pub config: RoomLimitsConfig,
    counters: Mutex<Counters>,
}

impl RoomLimits {
    pub fn new(config: RoomLimitsConfig) -> Self {
        Self { config, counters: Mutex::new(Counters::default()) }
    }

    fn counters(&self) -> MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The refusal when a socket already in `rooms` rooms joins one more.
    pub fn check_socket(&self, rooms: usize) -> Result<(), String> {
        let max = self.config.rooms_per_socket;
        if max > 0 && rooms >= max as usize {
            return Err(err_too_many_rooms(max));
        }
        Ok(())
    }

    /// Counts the creation of a new room from `ip`; the refusal when the address or the
    /// server is over its hourly limit (then nothing is counted).
    pub fn take_creation(&self, ip: Option<IpAddr>) -> Result<(), String> {
        self.take_creation_at(ip, Instant::now())
    }

    fn take_creation_at(&self, ip: Option<IpAddr>, now: Instant) -> Result<(), String> {
        let (per_addr, total) = (self.config.creations_per_hour, self.config.creations_per_hour_total);
        let mut c = self.counters();
        let key = ip.map(crate::accounts::limits::address_key);
        let addr_level = match key {
            Some(k) if per_addr > 0 => Some(level(c.addresses.get(&k), f64::from(per_addr), now)),
            _ => None,
        };
        if addr_level.is_some_and(|l| l < 1.0) {
            return Err(err_too_many_new_rooms(per_addr));
        }
        let total_level = (total > 0).then(|| level(c.total.as_ref(), f64::from(total), now));
        if total_level.is_some_and(|l| l < 1.0) {
            return Err(ERR_SERVER_NEW_ROOMS.into());
        }
        if let Some(l) = total_level {
            c.total = Some(Bucket { tokens: l - 1.0, at: now });
        }
        if let (Some(k), Some(l)) = (key, addr_level) {
            if c.addresses.len() >= MAX_KEYS {
                let burst = f64::from(per_addr);
                c.addresses.retain(|_, b| level(Some(b), burst, now) < burst);
            }
            c.addresses.insert(k, Bucket { tokens: l - 1.0, at: now });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    fn limits(per_socket: u32, per_addr: u32, total: u32) -> RoomLimits {
        RoomLimits::new(RoomLimitsConfig { rooms_per_socket: per_socket, creations_per_hour: per_addr, creations_per_hour_total: total })
    }

    const A: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    const B: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));

    #[test]
    fn rooms_per_socket() {
        let l = limits(3, 0, 0);
        assert!(l.check_socket(2).is_ok());
        assert_eq!(l.check_socket(3).unwrap_err(), "Too many rooms: at most 3 per connection. Leave one first!");
        assert!(limits(0, 0, 0).check_socket(100_000).is_ok());
    }

    #[test]
    fn creations_per_address_refill_over_the_hour() {
        let l = limits(0, 4, 0);
        let t0 = Instant::now();
        assert_eq!((0..10).filter(|_| l.take_creation_at(A, t0).is_ok()).count(), 4);
        assert!(l.take_creation_at(A, t0).unwrap_err().contains("at most 4 an hour"));
        // another address is not affected
        assert!(l.take_creation_at(B, t0).is_ok());
        // a quarter of an hour later: one more
        let t1 = t0 + Duration::from_secs(900);
        assert_eq!((0..10).filter(|_| l.take_creation_at(A, t1).is_ok()).count(), 1);
    }

    #[test]
    fn creations_on_the_whole_server() {
        let l = limits(0, 10, 3);
        let t0 = Instant::now();
        assert!(l.take_creation_at(A, t0).is_ok());
        assert!(l.take_creation_at(B, t0).is_ok());
        assert!(l.take_creation_at(None, t0).is_ok());
        assert_eq!(l.take_creation_at(A, t0).unwrap_err(), ERR_SERVER_NEW_ROOMS);
        // a refusal by the server does not use the address's allowance
        let l = limits(0, 1, 1);
        assert!(l.take_creation_at(A, t0).is_ok());
        assert!(l.take_creation_at(B, t0).is_err());
        let t1 = t0 + Duration::from_secs(3600);
        assert!(l.take_creation_at(B, t1).is_ok());
        assert!(limits(0, 0, 0).take_creation_at(A, t0).is_ok());
    }
}
