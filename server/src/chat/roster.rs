//! Who is in a room as members see it (`roomData`, presence's user lists, a join's member
//! list) and who holds a name: the room's memory on a single node; on several nodes the
//! cluster's registry (`crate::cluster::presence`), which every node's joins and leaves
//! update, with the room's memory as the fallback while Redis is unreachable.

use std::sync::{Arc, Weak};

use banter_protocol::classic::{self, ChatMessage, RoomUser};
use banter_protocol::ext::{self, Presence, PresenceEvent};

use crate::accounts::join::signed_in_members;
use crate::accounts::names::identity_key;
use crate::cluster::presence::{self as registry, Claim, DeadMembers, Held, PresenceEvents, Reasserted, Released};
use crate::emit::{self, banter_room, classic_room};
use crate::metrics::now_ms;
use crate::room::{RoomState, SocketKind};
use crate::rooms::lock;
use crate::state::AppState;

/// A room's members as clients are shown them.
pub(crate) struct Roster {
    /// The classic `roomData` list: each name once, with its first holder's socket id.
    pub users: Vec<RoomUser>,
    /// Names, sorted, each once.
    pub names: Vec<String>,
    /// The names held by signed-in accounts, sorted.
    pub signed_in: Vec<String>,
}

pub(crate) fn of(st: &AppState, g: &RoomState) -> Roster {
    if st.presence.is_cluster() {
        match st.presence.members(&g.name) {
            Ok(members) => return from_registry(&g.name, &members),
            Err(e) => tracing::warn!(room = %g.name, error = %e, "the cluster's member list is unavailable: this node's members only"),
        }
    }
    Roster { users: g.room_users(), names: g.usernames(), signed_in: signed_in_members(st, g.members()) }
}

fn from_registry(room: &str, members: &[registry::RemoteMember]) -> Roster {
    let mut signed_in: Vec<String> = members.iter().filter(|m| m.account.is_some()).map(|m| m.name.clone()).collect();
    signed_in.sort();
    signed_in.dedup();
    Roster { users: registry::room_users(room, members), names: registry::usernames(members), signed_in }
}

/// Whether a socket may take `username` in the room beside this node's members (`g` holds
/// it already): `Some(first)` — first: no socket held the name before, anywhere, so the
/// "joined" notice is due — or `None` when a socket on another node holds it.
pub(crate) fn claim(st: &AppState, g: &RoomState, sid: &str, username: &str, account: Option<i64>, kind: SocketKind) -> Option<bool> {
    let local_first = g.holders_of(username) == 1;
    if !st.presence.is_cluster() {
        return Some(local_first);
    }
    let holder = st.presence.holder(sid, username, account, kind == SocketKind::Classic);
    match st.presence.claim(&g.name, &identity_key(username), &holder) {
        Ok(Claim::Granted { first }) => Some(first),
        Ok(Claim::Taken) => None,
        Err(e) => {
            // Redis is away: the node decides alone, and registers its members when it is back.
            tracing::warn!(room = %g.name, user = %username, error = %e, "cluster claim failed: this node's members decide");
            Some(local_first)
        }
    }
}

/// A socket gave up its name in the room (`g` no longer holds it): whether another socket
/// still holds it anywhere (no "left" notice then).
pub(crate) fn release(st: &AppState, g: &RoomState, sid: &str, username: &str) -> bool {
    let local = g.holders_of(username) > 0;
    if !st.presence.is_cluster() {
        return local;
    }
    match st.presence.release(&g.name, &identity_key(username), st.presence.node_id(), sid) {
        Ok(Released::Last) => false,
        Ok(Released::Others) => true,
        Err(e) => {
            tracing::warn!(room = %g.name, user = %username, error = %e, "cluster release failed: this node's members decide");
            local
        }
    }
}

/// What the cluster's registry tells this node: other nodes died (their members left), or
/// this node's members must be registered again.
pub(crate) struct ClusterEvents(pub Weak<AppState>);

impl PresenceEvents for ClusterEvents {
    fn dead(&self, gone: DeadMembers) {
        let Some(st) = self.0.upgrade() else { return };
        if gone.is_empty() {
            return;
        }
        tracing::warn!(nodes = ?gone.nodes, rooms = gone.rooms.len(), "members of nodes that stopped answering left");
        tokio::spawn(announce_gone(st, gone));
    }

    fn live_holders(&self) -> Vec<Held> {
        let Some(st) = self.0.upgrade() else { return Vec::new() };
        let mut held = Vec::new();
        for room in st.rooms.all() {
            let g = lock(&room);
            for m in g.members() {
                let holder = st.presence.holder(&m.sid, &m.username, m.account, m.kind == SocketKind::Classic);
                held.push(Held { room: g.name.clone(), name_key: identity_key(&m.username), holder });
            }
        }
        held
    }

    fn reasserted(&self, outcome: Reasserted) {
        for t in &outcome.taken {
            tracing::warn!(room = %t.room, user = %t.holder.name, "a name this node's member held was taken on another node while Redis was away");
        }
        if !outcome.released.is_empty() {
            if let Some(st) = self.0.upgrade() {
                tokio::spawn(announce_gone(st, outcome.released));
            }
        }
    }
}

/// Tells each room that these names left (the registry reported each removal to one node):
/// the classic notice, Banter presence and `roomData`, to every node's members.
pub(crate) async fn announce_gone(st: Arc<AppState>, gone: DeadMembers) {
    // (none once the server closed its namespace, shutting down)
    let Some(ns) = st.io.of("/") else { return };
    for (room, names) in gone.rooms {
        let members = match st.presence.members_async(&room).await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(room = %room, error = %e, "cannot list a room's members to announce who left");
                continue;
            }
        };
        let roster = from_registry(&room, &members);
        let now = now_ms();
        for name in names {
            let notice = ChatMessage { username: classic::ADMIN.into(), text: classic::left_text(&name.name), created_at: now };
            emit::now(&st.metrics, "leave notice", emit::reach(&st, ns.clone().to(classic_room(&room))).emit(classic::MESSAGE, &notice));
            let presence = Presence {
                room: room.clone(),
                username: name.name.clone(),
                event: PresenceEvent::Left,
                users: roster.names.clone(),
                at: now,
                signed_in: roster.signed_in.clone(),
            };
            emit::now(&st.metrics, "presence", emit::reach(&st, ns.clone().to(banter_room(&room))).emit(ext::PRESENCE, &presence));
        }
        // every node sends its own classic members the list (chat/room_data.rs)
        super::room_data::changed_elsewhere(&st, &room);
        st.control.publish(crate::cluster::control::Control::MembersChanged { room: room.clone() });
    }
}
