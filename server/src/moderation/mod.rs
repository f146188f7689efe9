//! Rooms with owners and moderation (issue 8, item 6; `docs/protocol.md` § 9).
//!
//! | file | job |
//! | --- | --- |
//! | `store.rs` | the [`store::ModerationStore`] trait and its SQLite tables (settings, roles, bans, log) |
//! | `handlers.rs` | the `banter:` moderation events |
//!
//! This file: who has which role in a room and what each role may do (pure rules,
//! unit-tested), the join check (private rooms, bans), the owner of a new room, and a cache
//! of the rooms' records so a join costs no read once a room is known.

pub mod handlers;
pub mod pg_store;
pub mod store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use banter_protocol::rooms::{self as wire, Role, RoomInfo};
use crate::sio::SocketRef;

use crate::accounts::{names, SignedInAs};
use crate::error::ServerError;
use crate::state::AppState;
use store::{ModerationStore, RoomRecord};

/// The `messages.kind` of a removed message (its text blanked).
pub const REMOVED_KIND: &str = "removed";
/// Rooms whose records are cached before the cache starts over.
const CACHE_CAP: usize = 4096;
pub const MAX_MODERATORS: usize = 100;
pub const MAX_MEMBERS: usize = 1000;

/// What an act needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Topic, private, moderators, members: owners and admins.
    Configure,
    /// Remove a message, kick, ban, unban, read the log: moderators too.
    Moderate,
}

/// The role of an account (`None`: a guest) in a room with this record.
pub fn role_of(rec: &RoomRecord, account: Option<i64>, admin: bool) -> Role {
    if admin {
        return Role::Admin;
    }
    let Some(id) = account else { return Role::None };
    if rec.owner.as_ref().is_some_and(|(owner, _)| *owner == id) {
        Role::Owner
    } else if rec.moderators.contains_key(&id) {
        Role::Moderator
    } else if rec.members.contains_key(&id) {
        Role::Member
    } else {
        Role::None
    }
}

/// May `role` do `action`?
pub fn may(role: Role, action: Action) -> bool {
    match action {
        Action::Configure => role >= Role::Owner,
        Action::Moderate => role >= Role::Moderator,
    }
}

/// May `actor` kick or ban someone whose role is `target`? Nobody may touch an owner or an
/// admin; only owners and admins may touch a moderator.
pub fn may_act_on(actor: Role, target: Role) -> bool {
    target < Role::Owner && (target < Role::Moderator || actor >= Role::Owner)
}

/// May a socket with `role` join under a name with identity key `name_key`?
pub fn may_join(rec: &RoomRecord, role: Role, name_key: &str) -> Result<(), &'static str> {
    if role < Role::Moderator && rec.bans.contains_key(name_key) {
        return Err(wire::ERR_BANNED);
    }
    if rec.private && role < Role::Member {
        return Err(wire::ERR_PRIVATE);
    }
    Ok(())
}

/// The room's settings as a socket with `role` sees them.
pub fn info(room: &str, rec: &RoomRecord, role: Option<Role>) -> RoomInfo {
    let sees_lists = role.is_some_and(|r| r >= Role::Moderator);
    let sorted = |names: Vec<String>| {
        let mut names = names;
        names.sort();
        names
    };
    RoomInfo {
        room: room.to_owned(),
        owner: rec.owner.as_ref().map(|(_, name)| name.clone()),
        topic: rec.topic.clone(),
        private: rec.private,
        moderators: sorted(rec.moderators.values().cloned().collect()),
        role,
        members: sees_lists.then(|| sorted(rec.members.values().cloned().collect())),
        bans: sees_lists.then(|| sorted(rec.bans.values().cloned().collect())),
    }
}

/// The rooms' owners, settings and roles: the store, and a cache of its records.
pub struct Moderation {
    store: Arc<dyn ModerationStore>,
    cache: Mutex<HashMap<String, Arc<RoomRecord>>>,
}

impl Moderation {
    pub fn new(store: Arc<dyn ModerationStore>) -> Self {
        Self { store, cache: Mutex::new(HashMap::new()) }
    }

    pub fn store(&self) -> &dyn ModerationStore {
        &*self.store
    }

    fn cache(&self) -> MutexGuard<'_, HashMap<String, Arc<RoomRecord>>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The room's record: from the cache, else one read of the store (`block_in_place`).
    pub fn record(&self, room: &str) -> Result<Arc<RoomRecord>, ServerError> {
        if let Some(rec) = self.cache().get(room) {
            return Ok(rec.clone());
        }
        let rec = Arc::new(tokio::task::block_in_place(|| self.store.room(room))?);
        let mut cache = self.cache();
        if cache.len() >= CACHE_CAP {
            cache.clear();
        }
        cache.insert(room.to_owned(), rec.clone());
        Ok(rec)
    }

    /// Forgets the cached record after a change (the next read loads it again).
    pub fn changed(&self, room: &str) {
        self.cache().remove(room);
    }
}

/// A room's record changed (owner, settings, roles, bans): every node forgets its cached copy
/// (cluster/control.rs), so a ban or a private room holds on every node at once.
pub fn room_changed(st: &AppState, room: &str) {
    st.moderation.changed(room);
    st.control.publish(crate::cluster::control::Control::RoomChanged { room: room.to_owned() });
}

/// The account a socket is signed in to: (id, name, admin).
pub fn actor(s: &SocketRef) -> Option<SignedInAs> {
    s.extensions.get::<SignedInAs>()
}

/// The role of this socket in the room.
pub fn role_of_socket(rec: &RoomRecord, s: &SocketRef) -> Role {
    let me = actor(s);
    role_of(rec, me.as_ref().map(|m| m.account_id), me.as_ref().is_some_and(|m| m.admin))
}

/// The join check: banned names and private rooms are refused (the classic ack error for
/// classic sockets too).
pub fn admit(st: &AppState, s: &SocketRef, room: &str, username: &str) -> Result<(), String> {
    let rec = st.moderation.record(room).map_err(|e| {
        tracing::error!(room, error = %e, "cannot read the room's settings");
        crate::chat::ERR_SERVER.to_owned()
    })?;
    may_join(&rec, role_of_socket(&rec, s), &names::identity_key(username)).map_err(str::to_owned)
}

/// A signed-in socket has created the room: its account owns it (a guest's room has no owner).
pub fn created(st: &AppState, s: &SocketRef, room: &str, at: i64) {
    let Some(me) = actor(s) else { return };
    match tokio::task::block_in_place(|| st.moderation.store().claim(room, (me.account_id, &me.name), at)) {
        Ok(()) => tracing::info!(room, owner = %me.name, "room created; its creator owns it"),
        Err(e) => tracing::error!(room, error = %e, "cannot record the room's owner"),
    }
    room_changed(st, room);
}

/// `JoinAccepted.roomInfo` for this socket.
pub fn join_info(st: &AppState, s: &SocketRef, room: &str) -> Option<RoomInfo> {
    let rec = st.moderation.record(room).ok()?;
    Some(info(room, &rec, Some(role_of_socket(&rec, s))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> RoomRecord {
        let mut r = RoomRecord { owner: Some((1, "ann".into())), ..RoomRecord::default() };
        r.moderators.insert(2, "bob".into());
        r.members.insert(3, "cid".into());
        r
    }

    #[test]
    fn roles() {
        let r = rec();
        assert_eq!(role_of(&r, Some(1), false), Role::Owner);
        assert_eq!(role_of(&r, Some(2), false), Role::Moderator);
        assert_eq!(role_of(&r, Some(3), false), Role::Member);
        assert_eq!(role_of(&r, Some(4), false), Role::None);
        assert_eq!(role_of(&r, None, false), Role::None);
        assert_eq!(role_of(&r, Some(4), true), Role::Admin);
        // a guest's room has no owner: only admins configure it
        let guests = RoomRecord::default();
        assert_eq!(role_of(&guests, Some(1), false), Role::None);
    }

    #[test]
    fn what_each_role_may_do() {
        for (role, configure, moderate) in [
            (Role::Admin, true, true),
            (Role::Owner, true, true),
            (Role::Moderator, false, true),
            (Role::Member, false, false),
            (Role::None, false, false),
        ] {
            assert_eq!(may(role, Action::Configure), configure, "{role:?} configure");
            assert_eq!(may(role, Action::Moderate), moderate, "{role:?} moderate");
        }
        // moderators kick members and guests, not each other, nor owners or admins
        assert!(may_act_on(Role::Moderator, Role::None));
        assert!(may_act_on(Role::Moderator, Role::Member));
        assert!(!may_act_on(Role::Moderator, Role::Moderator));
        assert!(!may_act_on(Role::Moderator, Role::Owner));
        assert!(may_act_on(Role::Owner, Role::Moderator));
        assert!(!may_act_on(Role::Owner, Role::Admin));
        assert!(!may_act_on(Role::Admin, Role::Owner));
    }

    #[test]
    fn private_rooms_and_bans_at_join() {
        let mut r = rec();
        assert!(may_join(&r, Role::None, "dan").is_ok());
        r.private = true;
        assert_eq!(may_join(&r, Role::None, "dan"), Err(wire::ERR_PRIVATE));
        assert!(may_join(&r, Role::Member, "cid").is_ok());
        assert!(may_join(&r, Role::Admin, "root").is_ok());
        r.bans.insert("cid".into(), "Cid".into());
        assert_eq!(may_join(&r, Role::Member, "cid"), Err(wire::ERR_BANNED));
        assert_eq!(may_join(&r, Role::None, "cid"), Err(wire::ERR_BANNED));
        assert!(may_join(&r, Role::Owner, "cid").is_ok());
    }

    #[test]
    fn lists_only_for_moderators() {
        let r = rec();
        assert!(info("x", &r, Some(Role::Member)).members.is_none());
        assert_eq!(info("x", &r, Some(Role::Moderator)).members, Some(vec!["cid".to_owned()]));
        let public = info("x", &r, None);
        assert_eq!((public.owner.as_deref(), public.moderators.as_slice()), (Some("ann"), &["bob".to_owned()][..]));
        assert!(public.role.is_none() && public.bans.is_none());
    }
}
