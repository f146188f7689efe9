//! Banter's fork: the heartbeat of a session that starts on WebSocket, run by its reader.
//!
//! Upstream spawns a heartbeat task per session (`Socket::spawn_heartbeat`, ~1.3 kB per idle
//! connection) beside the reader and the writer. A session that opens directly on WebSocket
//! never upgrades, so its reader can keep the heartbeat's clock itself: this is the same
//! schedule as `Socket::heartbeat_job_v4` / `_v3`, as a state the reader polls next to the
//! socket. Sessions that start on polling keep upstream's task.

use std::time::Duration;

use engineioxide_core::{Packet, ProtocolVersion};
use smallvec::smallvec;
use tokio::time::Instant;

use crate::errors::Error;
use crate::socket::Socket;

pub(crate) struct WsHeartbeat {
    protocol: ProtocolVersion,
    interval: Duration,
    timeout: Duration,
    /// v4: when the next ping is due; v3: unused.
    next_ping: Instant,
    /// v4: the deadline of the pong to the ping sent, if one is outstanding.
    /// v3: the deadline of the client's next ping.
    awaiting: Option<Instant>,
    /// v4: a pong arrived with no ping outstanding; it answers the next ping (upstream's
    /// capacity-1 channel kept such a pong too).
    banked: bool,
}

impl WsHeartbeat {
    pub(crate) fn new(protocol: ProtocolVersion, interval: Duration, timeout: Duration) -> Self {
        let now = Instant::now();
        let v3 = cfg!(feature = "v3") && protocol == ProtocolVersion::V3;
        Self {
            protocol,
            interval,
            timeout,
            // v4 pings at once, then every interval (upstream's first `interval.tick()`
            // completes at once)
            next_ping: now,
            awaiting: v3.then(|| now + interval + timeout),
            banked: false,
        }
    }

    fn is_v3(&self) -> bool {
        cfg!(feature = "v3") && self.protocol == ProtocolVersion::V3
    }

    /// When [`Self::on_deadline`] is due.
    pub(crate) fn deadline(&self) -> Instant {
        self.awaiting.unwrap_or(self.next_ping)
    }

    /// The deadline passed: sends the ping that is due (v4), or fails the heartbeat (a pong
    /// or, in v3, a ping that did not come in time).
    pub(crate) fn on_deadline<D>(&mut self, socket: &Socket<D>) -> Result<(), Error>
    where
        D: Default + Send + Sync + 'static,
    {
        if self.is_v3() || self.awaiting.is_some() {
            return Err(Error::HeartbeatTimeout);
        }
        let sent_at = Instant::now();
        socket.internal_tx.try_send(smallvec![Packet::Ping]).map_err(|_| Error::HeartbeatTimeout)?;
        #[cfg(feature = "tracing")]
        tracing::trace!(sid = ?socket.id, "emitting ping");
        self.next_ping = sent_at + self.interval;
        // a banked pong answers this ping at once
        if !std::mem::take(&mut self.banked) {
            self.awaiting = Some(sent_at + self.timeout);
        }
        Ok(())
    }

    /// A pong (v4) or a ping (v3) came from the client.
    pub(crate) fn on_beat<D>(&mut self, socket: &Socket<D>) -> Result<(), Error>
    where
        D: Default + Send + Sync + 'static,
    {
        if self.is_v3() {
            #[cfg(feature = "tracing")]
            tracing::trace!(sid = ?socket.id, "ping received, sending pong");
            socket.internal_tx.try_send(smallvec![Packet::Pong]).map_err(|_| Error::HeartbeatTimeout)?;
            self.awaiting = Some(Instant::now() + self.interval + self.timeout);
        } else if self.awaiting.take().is_none() {
            self.banked = true;
        } else {
            #[cfg(feature = "tracing")]
            tracing::trace!(sid = ?socket.id, "pong received");
            // the next ping stays `interval` after the last one, as upstream's ticks
            let now = Instant::now();
            if self.next_ping < now {
                self.next_ping = now;
            }
        }
        Ok(())
    }
}
