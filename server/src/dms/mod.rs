//! Direct messages between accounts and blocking (`docs/protocol.md` § 10).
//!
//! A DM is a room of the room machinery (`room.rs` state, the message store's seq and
//! dedupe, history, typing, receipts) under a reserved name, its id: `dm:` and 24 hex
//! digits of the SHA-256 of its sorted member ids, so the same member set always has the same
//! id. `join` refuses every room name with that prefix; instead every signed-in socket of a
//! member is put into the room when it connects or signs in, and when the DM is created
//! (`attach`), so all of a member's devices receive its messages, opened or not. Being in the
//! room is what the room events (`banter:send`, `banter:history`, typing, receipts) check, so
//! a non-member's socket is never in it and gets `Not in that room!` from all of them.
//!
//! `store.rs`: the [`store::DmStore`] trait and its SQLite tables; `pg_store.rs`: the same
//! tables on PostgreSQL; `handlers.rs`: the events.
//! This file: the rules (pure, unit-tested) and putting sockets into DMs.

pub mod handlers;
pub mod pg_store;
pub mod store;
#[cfg(test)]
mod store_suite;

use std::sync::Arc;

use banter_protocol::dms::{self as wire, DmInfo};
use banter_protocol::ext::{self, Presence, PresenceEvent};
use sha2::{Digest, Sha256};
use crate::sio::SocketRef;

use self::store::{DmRecord, DmStore};
use crate::accounts::join::signed_in_members;
use crate::accounts::SignedInAs;
use crate::chat;
use crate::emit::{self, banter_room};
use crate::error::ServerError;
use crate::metrics::now_ms;
use crate::room::SocketKind;
use crate::rooms::lock;
use crate::state::AppState;

/// The DM store, shared by the handlers.
pub struct Dms {
    store: Arc<dyn DmStore>,
}

impl Dms {
    pub fn new(store: Arc<dyn DmStore>) -> Self {
        Self { store }
    }

    /// The store, for blocking callers (`block_in_place`).
    pub fn store(&self) -> &dyn DmStore {
        &*self.store
    }
}

/// The id of the DM of exactly these accounts: stable for a member set, whatever its order.
pub fn dm_id(member_ids: &[i64]) -> String {
    let set = store::member_set(&member_ids.iter().map(|id| (*id, String::new())).collect::<Vec<_>>());
    let digest = Sha256::digest(format!("banter-dm\0{set}").as_bytes());
    format!("{}{}", wire::DM_PREFIX, &crate::accounts::hex(&digest)[..24])
}

/// The members of a new DM: the opener and the accounts named (duplicates and the opener
/// itself dropped), 2 to [`wire::MAX_MEMBERS`] in all.
pub fn members(me: (i64, &str), others: &[(i64, String)]) -> Result<Vec<(i64, String)>, &'static str> {
    let mut out = vec![(me.0, me.1.to_owned())];
    for (id, name) in others {
        if !out.iter().any(|(i, _)| i == id) {
            out.push((*id, name.clone()));
        }
    }
    if out.len() < 2 {
        return Err(wire::ERR_NOBODY);
    }
    if out.len() > wire::MAX_MEMBERS {
        return Err(wire::ERR_TOO_MANY);
    }
    out.sort_by_key(|(id, _)| *id);
    Ok(out)
}

/// Whether the socket may send to `room` (a DM in which no other member blocks it; any
/// other room). Its being in the room was checked before.
pub fn may_send(st: &AppState, s: &SocketRef, room: &str) -> Result<(), String> {
    if !wire::is_dm(room) {
        return Ok(());
    }
    let Some(me) = s.extensions.get::<SignedInAs>() else { return Err(chat::ERR_NOT_IN_ROOM.into()) };
    match tokio::task::block_in_place(|| st.dms.store().blocked_in(room, me.account_id)) {
        Ok(false) => Ok(()),
        Ok(true) => Err(wire::ERR_BLOCKED.into()),
        Err(e) => {
            tracing::error!(dm = %room, error = %e, "cannot read blocks");
            Err(chat::ERR_SERVER.into())
        }
    }
}

/// Puts a member's signed-in socket into the DM's room under its account's name (once);
/// the DM's other sockets see it join (`banter:presence`) when it is the account's first.
/// True when it was not in it yet.
pub fn attach(st: &AppState, s: &SocketRef, me: &SignedInAs, dm: &str) -> Result<bool, ServerError> {
    let session = chat::session(s);
    if session.lock().username_in(dm).is_some() {
        return Ok(false);
    }
    let sid = s.id.to_string();
    loop {
        let room = st.rooms.get_or_load(dm)?;
        let mut g = lock(&room);
        if g.evicted {
            continue; // dropped while we looked it up: load it again
        }
        let now = now_ms();
        if !g.stored {
            g.stored = true;
            st.store.ensure_room(dm, now);
        }
        if g.add_member_as(&sid, &me.name, SocketKind::Banter, Some(me.account_id)).is_err() {
            return Ok(false);
        }
        session.lock().add_room(dm.to_owned(), me.name.clone());
        s.join(banter_room(dm));
        // Read markers of DMs move like rooms' (membership/): this socket hears of them.
        s.join(crate::membership::account_room(me.account_id));
        if g.holders_of(&me.name) == 1 {
            let presence = Presence {
                room: dm.to_owned(),
                username: me.name.clone(),
                event: PresenceEvent::Joined,
                users: g.usernames(),
                at: now,
                signed_in: signed_in_members(st, g.members()),
            };
            emit::now(&st.metrics, "presence", emit::reach(st, s.broadcast().to(banter_room(dm))).emit(ext::PRESENCE, &presence));
        }
        return Ok(true);
    }
}

/// Puts a signed-in socket into every DM of its account (at connect and at sign-in).
pub fn attach_all(st: &AppState, s: &SocketRef) {
    let Some(me) = s.extensions.get::<SignedInAs>() else { return };
    let dms = match tokio::task::block_in_place(|| st.dms.store().dms_of(me.account_id)) {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(account = %me.name, error = %e, "cannot read an account's DMs");
            return;
        }
    };
    for dm in dms {
        if let Err(e) = attach(st, s, &me, &dm.id) {
            tracing::error!(account = %me.name, dm = %dm.id, error = %e, "cannot load a DM");
        }
    }
}

/// A new DM: every signed-in socket of its members (but `except`) is put into it and told.
pub fn announce(st: &AppState, rec: &DmRecord, except: &SocketRef) {
    let except = except.id.to_string();
    announce_to(st, rec, &except);
    st.control.publish(crate::cluster::control::Control::DmOpened { dm: rec.id.clone(), except });
}

/// [`announce`] on this node's sockets, for a DM another node opened.
pub fn announce_here(st: &AppState, dm: &str, except: &str) {
    match tokio::task::block_in_place(|| st.dms.store().get(dm)) {
        Ok(Some(rec)) => announce_to(st, &rec, except),
        Ok(None) => tracing::warn!(dm = %dm, "a DM opened on another node is not in the store"),
        Err(e) => tracing::error!(dm = %dm, error = %e, "cannot read a DM opened on another node"),
    }
}

fn announce_to(st: &AppState, rec: &DmRecord, except: &str) {
    let info = DmInfo { dm: rec.id.clone(), members: rec.names(), created_at: rec.created_at, latest_seq: 0, read_seq: 0, unread: 0 };
    for other in crate::sio::sockets(&st.io) {
        if other.id.as_str() == except {
            continue;
        }
        let Some(me) = other.extensions.get::<SignedInAs>().filter(|me| rec.has(me.account_id)) else { continue };
        match attach(st, &other, &me, &rec.id) {
            Ok(true) => {
                if let Err(e) = other.emit(wire::DM, &info) {
                    tracing::debug!(sid = %other.id, error = %e, "dm notice not delivered");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::error!(dm = %rec.id, error = %e, "cannot load a DM"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_per_member_set_and_reserved() {
        assert_eq!(dm_id(&[1, 2]), dm_id(&[2, 1]));
        assert_ne!(dm_id(&[1, 2]), dm_id(&[1, 3]));
        assert_ne!(dm_id(&[1, 2]), dm_id(&[1, 2, 3]));
        let id = dm_id(&[7, 9]);
        assert!(wire::is_dm(&id));
        assert_eq!(id.len(), 3 + 24);
        // Room names are lower case after normalisation: the id is one unchanged.
        assert_eq!(banter_protocol::rules::normalise_name(&id), id);
    }

    #[test]
    fn members_of_a_new_dm() {
        let o = |v: &[(i64, &str)]| v.iter().map(|(i, n)| (*i, n.to_string())).collect::<Vec<_>>();
        assert_eq!(members((2, "bob"), &o(&[(1, "ann")])).unwrap(), o(&[(1, "ann"), (2, "bob")]));
        assert_eq!(members((1, "ann"), &o(&[(1, "ann")])), Err(wire::ERR_NOBODY));
        assert_eq!(members((1, "ann"), &[]), Err(wire::ERR_NOBODY));
        assert_eq!(members((1, "ann"), &o(&[(2, "bob"), (2, "bob")])).unwrap().len(), 2);
        let seven: Vec<(i64, String)> = (2..9).map(|i| (i, format!("u{i}"))).collect();
        assert_eq!(members((1, "ann"), &seven).unwrap().len(), 8);
        let eight: Vec<(i64, String)> = (2..10).map(|i| (i, format!("u{i}"))).collect();
        assert_eq!(members((1, "ann"), &eight), Err(wire::ERR_TOO_MANY));
    }
}
