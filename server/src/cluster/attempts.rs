//! Sign-in attempt limits shared by every node: the same buckets as
//! `crate::accounts::limits` (per name, per client address), kept in Redis so that a
//! password guesser spreading its tries over the nodes behind a load balancer gets no more
//! than it would from one. Each node keeps its own buckets too; the shared ones are
//! consulted on top, and while Redis is unreachable a node limits alone.

use std::net::IpAddr;
use std::time::Duration;

use redis::aio::ConnectionManager;

use crate::accounts::limits::{address_key, ADDRESS_BURST, ADDRESS_REFILL_SECS, NAME_BURST, NAME_REFILL_SECS};

/// Every request gives up after this long (the node then limits alone).
const REQUEST_TIMEOUT: Duration = Duration::from_millis(500);

/// One token bucket in a hash (tokens, at): refilled by the time elapsed on Redis's clock,
/// optionally one taken, its level returned. KEYS[1] the bucket; ARGV burst, tokens per ms,
/// take (0 or 1).
const BUCKET: &str = r"
local burst, per_ms, take = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
if b[1] then tokens = math.min(burst, tonumber(b[1]) + (now - tonumber(b[2])) * per_ms) end
if take == 1 then
  tokens = math.max(0, tokens - 1)
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil(burst / per_ms))
end
return tostring(tokens)
";

/// The cluster's sign-in buckets; cheap to clone.
#[derive(Clone)]
pub struct SharedAttempts {
    conn: ConnectionManager,
    prefix: String,
}

impl SharedAttempts {
    /// On the node's connection to the cluster's Redis (`Presence::connection`).
    pub fn new(conn: ConnectionManager) -> Self {
        Self { conn, prefix: "banter:signin:".into() }
    }

    /// Whether the name and the address may try once more (both buckets hold a token).
    /// Unknown (`None`) when Redis does not answer.
    pub async fn may_sign_in(&self, name_key: &str, ip: Option<IpAddr>) -> Option<bool> {
        let name = self.level(&self.name_key(name_key), NAME_BURST, NAME_REFILL_SECS, false).await?;
        let addr = match ip {
            Some(ip) => self.level(&self.addr_key(ip), ADDRESS_BURST, ADDRESS_REFILL_SECS, false).await?,
            None => ADDRESS_BURST,
        };
        Some(name >= 1.0 && addr >= 1.0)
    }

    /// Whether the address may try once more (a registration).
    pub async fn may_try(&self, ip: Option<IpAddr>) -> Option<bool> {
        let Some(ip) = ip else { return Some(true) };
        Some(self.level(&self.addr_key(ip), ADDRESS_BURST, ADDRESS_REFILL_SECS, false).await? >= 1.0)
    }

    /// A failed sign-in: one token from the name's bucket and the address's.
    pub async fn failed(&self, name_key: &str, ip: Option<IpAddr>) {
        let _ = self.level(&self.name_key(name_key), NAME_BURST, NAME_REFILL_SECS, true).await;
        self.tried(ip).await;
    }

    /// A registration or a failure: one token from the address's bucket.
    pub async fn tried(&self, ip: Option<IpAddr>) {
        if let Some(ip) = ip {
            let _ = self.level(&self.addr_key(ip), ADDRESS_BURST, ADDRESS_REFILL_SECS, true).await;
        }
    }

    fn name_key(&self, name_key: &str) -> String {
        format!("{}name:{name_key}", self.prefix)
    }

    fn addr_key(&self, ip: IpAddr) -> String {
        format!("{}addr:{}", self.prefix, address_key(ip))
    }

    async fn level(&self, key: &str, burst: f64, refill_secs: f64, take: bool) -> Option<f64> {
        let per_ms = 1.0 / (refill_secs * 1000.0);
        let mut conn = self.conn.clone();
        let script = redis::cmd("EVAL").arg(BUCKET).arg(1).arg(key).arg(burst).arg(per_ms).arg(i32::from(take)).to_owned();
        match super::within("sign-in limits", REQUEST_TIMEOUT, script.query_async::<String>(&mut conn)).await {
            Ok(level) => level.parse().ok(),
            Err(e) => {
                tracing::warn!(error = %e, "shared sign-in limits unavailable: this node limits alone");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two nodes' handles on one Redis: five failures of a name, spread over both, use up
    /// its bucket for both; another name is unaffected.
    #[tokio::test(flavor = "multi_thread")]
    async fn failures_on_two_nodes_share_one_bucket() {
        let Some(redis) = crate::cluster::driver::testing::TestRedis::start() else { return };
        let connect = || async { ConnectionManager::new(redis::Client::open(redis.unix_url()).unwrap()).await.unwrap() };
        let (a, b) = (SharedAttempts::new(connect().await), SharedAttempts::new(connect().await));
        let ip = Some(IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7)));
        for i in 0..NAME_BURST as usize {
            let node = if i % 2 == 0 { &a } else { &b };
            assert_eq!(node.may_sign_in("ann", ip).await, Some(true), "attempt {i}");
            node.failed("ann", ip).await;
        }
        assert_eq!(a.may_sign_in("ann", ip).await, Some(false));
        assert_eq!(b.may_sign_in("ann", ip).await, Some(false));
        assert_eq!(b.may_sign_in("bob", ip).await, Some(true));
        // the address's bucket (20) still has tokens after 5 failures
        assert_eq!(a.may_try(ip).await, Some(true));
    }
}
