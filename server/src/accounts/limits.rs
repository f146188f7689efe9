//! Sign-in attempts, limited per name and per client address. Each key has a bucket of
//! attempts that refills slowly; a failed sign-in (wrong password or unknown name, which are
//! not told apart) takes one from the name's and the address's buckets, a registration one from
//! the address's. An empty bucket refuses at once, before any hashing, whatever the password.
//!
//! Loopback gets no exemption, but an address may fail 20 times in a row before it waits.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

/// Failures a name may have in a row, then one more every [`NAME_REFILL_SECS`].
pub const NAME_BURST: f64 = 5.0;
pub const NAME_REFILL_SECS: f64 = 30.0;
/// Failed sign-ins and registrations an address may make in a row, then one more every
/// [`ADDRESS_REFILL_SECS`].
pub const ADDRESS_BURST: f64 = 20.0;
pub const ADDRESS_REFILL_SECS: f64 = 3.0;
/// Buckets kept before full ones are forgotten.
const MAX_KEYS: usize = 50_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
struct Buckets<K> {
    burst: f64,
    per_sec: f64,
    map: HashMap<K, Bucket>,
}

impl<K: std::hash::Hash + Eq> Buckets<K> {
    fn new(burst: f64, refill_secs: f64) -> Self {
        Self { burst, per_sec: 1.0 / refill_secs, map: HashMap::new() }
    }

    fn level(&self, key: &K, now: Instant) -> f64 {
        match self.map.get(key) {
            None => self.burst,
            Some(b) => (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * self.per_sec).min(self.burst),
        }
    }

    fn take(&mut self, key: K, now: Instant) {
        let tokens = (self.level(&key, now) - 1.0).max(0.0);
        if self.map.len() >= MAX_KEYS {
            let (burst, per_sec) = (self.burst, self.per_sec);
            self.map.retain(|_, b| b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_sec < burst);
        }
        self.map.insert(key, Bucket { tokens, at: now });
    }
}

/// The per-name and per-address buckets of one server.
#[derive(Debug)]
pub struct SignInLimiter {
    names: Buckets<String>,
    addresses: Buckets<IpAddr>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self { names: Buckets::new(NAME_BURST, NAME_REFILL_SECS), addresses: Buckets::new(ADDRESS_BURST, ADDRESS_REFILL_SECS) }
    }
}

/// IPv6 clients are counted per /64, the block one subscriber usually has.
pub(crate) fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

impl SignInLimiter {
    /// May a sign-in for the name with this key be tried now from `ip`?
    pub fn may_sign_in(&self, name_key: &str, ip: Option<IpAddr>, now: Instant) -> bool {
        self.names.level(&name_key.to_owned(), now) >= 1.0 && self.may_try(ip, now)
    }

    /// May `ip` try a password operation (a registration) now?
    pub fn may_try(&self, ip: Option<IpAddr>, now: Instant) -> bool {
        ip.is_none_or(|ip| self.addresses.level(&address_key(ip), now) >= 1.0)
    }

    /// Counts a failed sign-in.
    pub fn failed(&mut self, name_key: &str, ip: Option<IpAddr>, now: Instant) {
        self.names.take(name_key.to_owned(), now);
        self.tried(ip, now);
    }

    /// Counts a password operation of an address (a registration).
    pub fn tried(&mut self, ip: Option<IpAddr>, now: Instant) {
        if let Some(ip) = ip {
            self.addresses.take(address_key(ip), now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    #[test]
    fn a_name_gets_five_failures_then_one_per_refill() {
        let mut l = SignInLimiter::default();
        let t0 = Instant::now();
        let mut allowed = 0;
        for _ in 0..20 {
            if l.may_sign_in("ann", HOME, t0) {
                allowed += 1;
                l.failed("ann", HOME, t0);
            }
        }
        assert_eq!(allowed, 5);
        // another name from the same address is still allowed
        assert!(l.may_sign_in("bob", HOME, t0));
        let later = t0 + Duration::from_secs_f64(NAME_REFILL_SECS + 0.1);
        assert!(l.may_sign_in("ann", HOME, later));
        l.failed("ann", HOME, later);
        assert!(!l.may_sign_in("ann", HOME, later));
    }

    #[test]
    fn an_address_gets_twenty_then_waits() {
        let mut l = SignInLimiter::default();
        let t0 = Instant::now();
        for i in 0..20 {
            let name = format!("user{i}");
            assert!(l.may_sign_in(&name, HOME, t0), "{i}");
            l.failed(&name, HOME, t0);
        }
        assert!(!l.may_sign_in("fresh", HOME, t0));
        assert!(!l.may_try(HOME, t0));
        // another address is not affected
        let other = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));
        assert!(l.may_sign_in("fresh", other, t0));
        assert!(l.may_try(HOME, t0 + Duration::from_secs_f64(ADDRESS_REFILL_SECS + 0.1)));
    }

    #[test]
    fn ipv6_is_counted_per_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(address_key(mapped), HOME.unwrap());
    }
}
