//! What one node asks every other node to do to the sockets it holds: socketioxide's
//! adapter carries broadcasts to rooms, but acts of the server's own on sockets — a kick, a
//! DM opened, a session revoked, a room left on an account's other devices — run on the
//! node that holds each socket. The node that acted does its own sockets at once and
//! publishes the act here; the others run it on theirs. At most once, like the adapter's
//! fan-out: a node cut off from Redis misses it (and says so in /healthz).

use futures_util::{FutureExt, StreamExt};
use serde::{Deserialize, Serialize};
use socketioxide_redis::drivers::Driver;

use super::driver::ClusterDriver;
use crate::state::Shared;

/// The pub/sub channel of control messages.
const CHANNEL: &str = "banter-control";

/// An act on sockets, for every node to run on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "act", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Control {
    /// A moderator removed (or banned) a name from a room.
    Kick { room: String, name_key: String, by: String, banned: bool },
    /// An account left a room explicitly: its other sockets in it leave too.
    LeftOnDevices { account_id: i64, room: String, except: String },
    /// A DM was opened: its members' sockets are put into it and told.
    DmOpened { dm: String, except: String },
    /// An account's blocks changed: its other sockets get the new list.
    BlocksChanged { account_id: i64, except: String },
    /// Sessions ended (signed out, revoked, password changed): their sockets are closed.
    SessionsEnded { sessions: Vec<String> },
    /// A room's owner, settings, roles or bans changed: its cached record is stale.
    RoomChanged { room: String },
    /// A member joined or left a room: each node sends its classic members the new list.
    MembersChanged { room: String },
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    from: String,
    control: Control,
}

/// Publishes control messages (a no-op on a single node).
#[derive(Clone)]
pub struct ControlBus {
    driver: ClusterDriver,
    node: String,
}

impl ControlBus {
    pub fn new(driver: ClusterDriver, node: &str) -> Self {
        Self { driver, node: node.to_owned() }
    }

    /// Asks the other nodes to run `control` (this node has run it on its own sockets).
    pub fn publish(&self, control: Control) {
        if !self.driver.is_redis() {
            return;
        }
        let envelope = Envelope { from: self.node.clone(), control };
        match serde_json::to_vec(&envelope) {
            // The driver queues it for its ordered publisher: ready at once, never waits on
            // Redis, so control messages leave in the order they were made.
            Ok(bytes) => match self.driver.publish(CHANNEL.to_owned(), bytes).now_or_never() {
                Some(Ok(())) => {}
                Some(Err(e)) => tracing::warn!(error = %e, "control message not published"),
                None => tracing::error!("control message: the driver's publish did not complete at once"),
            },
            Err(e) => tracing::error!(error = %e, "control message not encoded"),
        }
    }
}

/// Runs the other nodes' control messages on this node's sockets, until the stream ends
/// (the driver resubscribes after Redis restarts, so it ends only with the driver).
pub async fn run_forever(st: Shared) {
    if !st.cluster.is_redis() {
        return;
    }
    let mut stream = match st.cluster.subscribe(CHANNEL.to_owned(), 4096).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot subscribe to the cluster's control channel");
            return;
        }
    };
    while let Some((_, bytes)) = stream.next().await {
        let envelope: Envelope = match serde_json::from_slice(&bytes) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable control message dropped");
                continue;
            }
        };
        if envelope.from == st.config.node_id {
            continue;
        }
        tracing::debug!(from = %envelope.from, control = ?envelope.control, "control message");
        let st = st.clone();
        // Handlers use block_in_place for store reads: off this loop.
        tokio::spawn(async move { run_here(&st, envelope.control) });
    }
    tracing::warn!("control channel closed");
}

/// Runs one control message on this node's sockets.
fn run_here(st: &Shared, control: Control) {
    match control {
        Control::Kick { room, name_key, by, banned } => {
            crate::moderation::handlers::kick_out_here(st, &room, &name_key, &by, banned);
        }
        Control::LeftOnDevices { account_id, room, except } => {
            crate::membership::handlers::leave_on_devices_here(st, account_id, &room, &except);
        }
        Control::DmOpened { dm, except } => crate::dms::announce_here(st, &dm, &except),
        Control::BlocksChanged { account_id, except } => crate::dms::handlers::blocks_changed_here(st, account_id, &except),
        Control::SessionsEnded { sessions } => crate::accounts::handlers::disconnect_sessions_here(st, &sessions, None),
        Control::RoomChanged { room } => st.moderation.changed(&room),
        Control::MembersChanged { room } => crate::chat::room_data::changed_elsewhere(st, &room),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_messages_keep_their_shape_on_the_wire() {
        let c = Control::Kick { room: "lobby".into(), name_key: "ann".into(), by: "bob".into(), banned: true };
        let json = serde_json::to_value(Envelope { from: "n1".into(), control: c.clone() }).unwrap();
        assert_eq!(json, serde_json::json!({"from": "n1", "control": {"act": "kick", "room": "lobby", "nameKey": "ann", "by": "bob", "banned": true}}));
        let back: Envelope = serde_json::from_value(json).unwrap();
        assert_eq!(back.control, c);
    }
}
