//! Sleep and network changes (issue 9 item 8): when the machine resumes (logind's
//! `PrepareForSleep(false)`) or the network comes back (NetworkManager's `StateChanged` to a
//! connected state), every connection is retried at once (`Client::reconnect_now`) instead of
//! waiting for a dead socket's ping timeout or the rest of its backoff. The rooms meanwhile
//! say "Reconnecting (next try now)…" through their `reconnecting` events.
//!
//! Signals are taken only from the owners of `org.freedesktop.login1` and
//! `org.freedesktop.NetworkManager` (zbus tracks who owns each name): another process on the
//! bus cannot make the app drop its connections by emitting a look-alike signal.
//!
//! `BANTER_SYSTEM_BUS_ADDRESS` (a test hook) makes it listen on that bus instead of the
//! system bus: the e2e tests point it at their private session bus, where a stand-in owns
//! both names. Without a system bus (a container, a minimal session) it logs one line and
//! the connections keep their own backoff.

use std::time::{Duration, Instant};

use banter_client::Client;
use futures_util::StreamExt;
use zbus::proxy::CacheProperties;
use zbus::Connection;

/// The test hook: a D-Bus address to listen on instead of the system bus.
pub const BUS_ENV: &str = "BANTER_SYSTEM_BUS_ADDRESS";

/// NetworkManager's `NM_STATE_CONNECTED_LOCAL`: from here up (50 local, 60 site, 70 global)
/// something is reachable, a server on the LAN included.
const NM_CONNECTED_LOCAL: u32 = 50;

/// Signals closer together than this are one event (a resume brings logind's and then
/// NetworkManager's within moments): one reconnect, not two in a row.
const COALESCE: Duration = Duration::from_secs(1);

/// Whether a NetworkManager state change means "the network came back": a connected state
/// higher than the last one seen (none seen: any connected state). Drops and equal states
/// do nothing; a live connection is not cut for nothing.
pub fn network_came_back(last: Option<u32>, new: u32) -> bool {
    new >= NM_CONNECTED_LOCAL && last.is_none_or(|l| new > l)
}

/// Lets one trigger through per [`COALESCE`] window.
#[derive(Default)]
pub struct Coalesce(Option<Instant>);

impl Coalesce {
    pub fn admit(&mut self, now: Instant) -> bool {
        if self.0.is_some_and(|t| now.duration_since(t) < COALESCE) {
            return false;
        }
        self.0 = Some(now);
        true
    }
}

async fn bus() -> zbus::Result<(Connection, &'static str)> {
    match std::env::var(BUS_ENV) {
        Ok(addr) if !addr.trim().is_empty() => Ok((zbus::connection::Builder::address(addr.trim())?.build().await?, "the test bus")),
        _ => Ok((Connection::system().await?, "the system bus")),
    }
}

async fn proxy<'a>(conn: &Connection, name: &'static str, path: &'static str, interface: &'static str) -> zbus::Result<zbus::Proxy<'a>> {
    zbus::proxy::Builder::new(conn).destination(name)?.path(path)?.interface(interface)?.cache_properties(CacheProperties::No).build().await
}

/// Listens until the bus goes away; run it once, at start.
pub async fn watch(client: Client) {
    if let Err(e) = listen(&client).await {
        tracing::info!(error = %e, "no system bus: after a sleep or a network change, connections retry on their own backoff");
    }
}

async fn listen(client: &Client) -> zbus::Result<()> {
    let (conn, which) = bus().await?;
    let login = proxy(&conn, "org.freedesktop.login1", "/org/freedesktop/login1", "org.freedesktop.login1.Manager").await?;
    let nm = proxy(&conn, "org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager").await?;
    let mut sleeps = login.receive_signal("PrepareForSleep").await?;
    let mut states = nm.receive_signal("StateChanged").await?;
    // where the network is now, so the first change is judged against it (none: unknown)
    let mut last: Option<u32> = nm.get_property::<u32>("State").await.ok();
    tracing::info!(bus = which, network_state = ?last, "listening for resume and network changes");
    let mut coalesce = Coalesce::default();
    loop {
        let reason = tokio::select! {
            Some(msg) = sleeps.next() => match msg.body().deserialize::<bool>() {
                Ok(false) => "the computer woke from sleep",
                Ok(true) => continue, // going to sleep: nothing to do
                Err(e) => {
                    tracing::warn!(error = %e, "PrepareForSleep with an unexpected body");
                    continue;
                }
            },
            Some(msg) = states.next() => match msg.body().deserialize::<u32>() {
                Ok(state) => {
                    let back = network_came_back(last, state);
                    last = Some(state);
                    if !back {
                        continue;
                    }
                    "the network came back"
                }
                Err(e) => {
                    tracing::warn!(error = %e, "StateChanged with an unexpected body");
                    continue;
                }
            },
            else => return Ok(()),
        };
        if coalesce.admit(Instant::now()) {
            tracing::info!(reason, "reconnecting every connection now");
            client.reconnect_now(reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_network_comes_back_when_it_rises_to_a_connected_state() {
        assert!(network_came_back(None, 70));
        assert!(network_came_back(Some(20), 70), "disconnected → global");
        assert!(network_came_back(Some(40), 50), "connecting → local (a LAN server)");
        assert!(network_came_back(Some(60), 70), "site → global");
        assert!(!network_came_back(Some(70), 70), "no change");
        assert!(!network_came_back(Some(70), 60), "a drop");
        assert!(!network_came_back(Some(70), 20));
        assert!(!network_came_back(None, 40), "connecting is not connected");
    }

    #[test]
    fn signals_within_a_second_are_one_trigger() {
        let mut c = Coalesce::default();
        let t = Instant::now();
        assert!(c.admit(t));
        assert!(!c.admit(t + Duration::from_millis(400)));
        assert!(c.admit(t + Duration::from_millis(1500)));
    }
}
