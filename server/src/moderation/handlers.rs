//! The `banter:` moderation events (`docs/protocol.md` § 9): room settings, members,
//! message removal, kick, ban, unban and the moderation log. Every act is checked against
//! the rules of `mod.rs`, stored with who did it (`store.rs`), then announced.

use banter_protocol::classic::{self, ChatMessage};
use banter_protocol::rooms::{
    self as wire, Kicked, LogRequest, MembersRequest, ModerationLog, RemoveRequest, Removed, Role, RoomRequest,
    TargetRequest,
};
use banter_protocol::rules;
use crate::sio::{AckSender, SocketRef};

use super::store::{Act, RoomRecord, StoredRole};
use super::{actor, info, may, may_act_on, role_of, role_of_socket, Action, MAX_MEMBERS, MAX_MODERATORS};
use crate::accounts::{names, SignedInAs};
use crate::chat::{self, ack_err, answer, parse, Payload, Refused};
use crate::emit::{self, banter_room};
use crate::error::ServerError;
use crate::metrics::now_ms;
use crate::room::SocketKind;
use crate::rooms::lock;
use crate::cluster::control::Control;
use crate::state::{AppState, Shared};

/// The moderation events and their handlers (dispatched by `chat`, from one table).
pub(crate) const EVENTS: &[(&str, chat::Handler)] = &[
    (wire::ROOM, on_room),
    (wire::MEMBERS, on_members),
    (wire::REMOVE, on_remove),
    (wire::KICK, on_kick),
    (wire::BAN, on_ban),
    (wire::UNBAN, on_unban),
    (wire::LOG, on_log),
];

/// The room's record and the socket's role, after checking it may do `action`.
fn authorise(st: &AppState, s: &SocketRef, room: &str, action: Action) -> Result<(std::sync::Arc<RoomRecord>, Role, SignedInAs), Refused> {
    // DMs have no owners nor moderators, not even server admins (dms/).
    if banter_protocol::dms::is_dm(room) {
        return Err(wire::ERR_NOT_ALLOWED.into());
    }
    let rec = st.moderation.record(room)?;
    let role = role_of_socket(&rec, s);
    match actor(s) {
        Some(me) if may(role, action) => Ok((rec, role, me)),
        _ if action == Action::Configure && rec.owner.is_none() && role < Role::Admin => Err(wire::ERR_GUEST_ROOM.into()),
        _ if action == Action::Configure => Err(wire::ERR_OWNERS_ONLY.into()),
        _ => Err(wire::ERR_NOT_ALLOWED.into()),
    }
}

fn act<'a>(room: &'a str, me: &'a SignedInAs, action: &'a str, target: &'a str) -> Act<'a> {
    Act { room, by: (me.account_id, &me.name), action, target, at: now_ms() }
}

/// Accounts for names (moderators and members must be accounts): (id, name, admin).
fn accounts_named(st: &AppState, raw: &[String]) -> Result<Vec<(i64, String, bool)>, Refused> {
    let mut out = Vec::new();
    for name in raw {
        let name = rules::normalise_name(name);
        let found = tokio::task::block_in_place(|| st.accounts.store().account_by_key(&names::identity_key(&name)))?;
        match found {
            Some(a) if !out.iter().any(|(id, _, _)| *id == a.id) => out.push((a.id, a.name, a.admin)),
            Some(_) => {}
            None => return Err(wire::err_no_account(&name).into()),
        }
    }
    Ok(out)
}

/// Tells the room's Banter sockets the room's new settings.
fn announce(st: &AppState, room: &str) -> Result<std::sync::Arc<RoomRecord>, Refused> {
    super::room_changed(st, room);
    let rec = st.moderation.record(room)?;
    let room_info = info(room, &rec, None);
    emit::now_unless_closed(&st.metrics, "room", emit::to_room(st, banter_room(room)).map(|to| to.emit(wire::ROOM, &room_info)));
    Ok(rec)
}

fn on_room(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: RoomRequest = match parse(data, r#"{"room": string, "topic"?: string, "private"?: bool, "moderators"?: [string]}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let r = room_settings(st, s, req);
    answer(st, ack, "moderation", "room", r);
}

fn room_settings(st: &AppState, s: &SocketRef, req: RoomRequest) -> Result<Option<banter_protocol::rooms::RoomInfo>, Refused> {
    let room = rules::normalise_name(&req.room);
    if banter_protocol::dms::is_dm(&room) {
        return Err(wire::ERR_NOT_ALLOWED.into());
    }
    if req.topic.is_none() && req.private.is_none() && req.moderators.is_none() {
        let rec = st.moderation.record(&room)?;
        let role = role_of_socket(&rec, s);
        if rec.private && role < Role::Member {
            return Err(wire::ERR_PRIVATE.into());
        }
        return Ok(Some(info(&room, &rec, Some(role))));
    }
    let (rec, role, me) = authorise(st, s, &room, Action::Configure)?;
    let store = st.moderation.store();
    if let Some(topic) = &req.topic {
        let topic = topic.trim();
        if topic.chars().count() > wire::MAX_TOPIC_CHARS {
            return Err(wire::ERR_TOPIC_TOO_LONG.into());
        }
        if topic.chars().any(char::is_control) {
            return Err("Invalid payload: the topic cannot contain control characters".into());
        }
        tokio::task::block_in_place(|| store.set_topic(&act(&room, &me, "topic", topic), topic))?;
    }
    if let Some(private) = req.private {
        let target = if private { "on" } else { "off" };
        tokio::task::block_in_place(|| store.set_private(&act(&room, &me, "private", target), private))?;
    }
    if let Some(names) = &req.moderators {
        if names.len() > MAX_MODERATORS {
            return Err(wire::ERR_TOO_MANY.into());
        }
        let wanted = accounts_named(st, names)?;
        tokio::task::block_in_place(|| -> Result<(), ServerError> {
            for (id, name, _) in &wanted {
                if !rec.moderators.contains_key(id) {
                    store.set_role(&act(&room, &me, "moderator", name), (*id, name), StoredRole::Moderator, true)?;
                }
            }
            for (id, name) in &rec.moderators {
                if !wanted.iter().any(|(w, _, _)| w == id) {
                    store.set_role(&act(&room, &me, "unmoderator", name), (*id, name), StoredRole::Moderator, false)?;
                }
            }
            Ok(())
        })?;
    }
    tracing::info!(room = %room, by = %me.name, topic = req.topic.is_some(), private = ?req.private, moderators = req.moderators.is_some(), "room settings changed");
    let rec = announce(st, &room)?;
    if rec.private {
        // Members only, from now on: whoever is here without a role leaves.
        let outsiders = sockets_in(st, &room, |socket, _| role_of_socket(&rec, socket) < Role::Member);
        for (socket, _) in &outsiders {
            // No longer one of their accounts' rooms (membership/).
            crate::membership::handlers::left(st, socket, &room);
        }
        remove_sockets(st, &room, outsiders, &me.name, false);
    }
    Ok(Some(info(&room, &rec, Some(role))))
}

fn on_members(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: MembersRequest = match parse(data, r#"{"room": string, "add"?: [string], "remove"?: [string]}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let r = members(st, s, req);
    answer(st, ack, "moderation", "members", r);
}

fn members(st: &AppState, s: &SocketRef, req: MembersRequest) -> Result<Option<banter_protocol::rooms::RoomInfo>, Refused> {
    let room = rules::normalise_name(&req.room);
    let (rec, role, me) = authorise(st, s, &room, Action::Configure)?;
    if rec.members.len() + req.add.len() > MAX_MEMBERS {
        return Err(wire::ERR_TOO_MANY.into());
    }
    let (add, remove) = (accounts_named(st, &req.add)?, accounts_named(st, &req.remove)?);
    let store = st.moderation.store();
    tokio::task::block_in_place(|| -> Result<(), ServerError> {
        for (id, name, _) in &add {
            store.set_role(&act(&room, &me, "member", name), (*id, name), StoredRole::Member, true)?;
        }
        for (id, name, _) in &remove {
            store.set_role(&act(&room, &me, "unmember", name), (*id, name), StoredRole::Member, false)?;
        }
        Ok(())
    })?;
    super::room_changed(st, &room);
    let rec = st.moderation.record(&room)?;
    Ok(Some(info(&room, &rec, Some(role))))
}

fn on_remove(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: RemoveRequest = match parse(data, r#"{"room": string, "id": string}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let r = remove(st, s, req);
    answer(st, ack, "moderation", "remove", r);
}

fn remove(st: &AppState, s: &SocketRef, req: RemoveRequest) -> Result<Option<Removed>, Refused> {
    let room = rules::normalise_name(&req.room);
    rules::check_message_id(&req.id).map_err(|e| e.to_string())?;
    // Moderators remove any message; a signed-in author deletes its own (edits, § 12).
    let (me, own) = match authorise(st, s, &room, Action::Moderate) {
        Ok((_, _, me)) => (me, false),
        Err(refused) => match own_message(st, s, &room, &req.id)? {
            Some(me) => (me, true),
            None => return Err(refused),
        },
    };
    let a = act(&room, &me, if own { "delete" } else { "remove" }, &req.id);
    let seq = tokio::task::block_in_place(|| {
        // The message may still be queued for the writer: commit it first.
        st.store.flush_blocking();
        st.moderation.store().remove_message(&a, &req.id)
    })?;
    let Some(seq) = seq else { return Err(wire::ERR_NO_SUCH_MESSAGE.into()) };
    if let Some(r) = st.rooms.get(&room) {
        lock(&r).mark_removed(&req.id);
    }
    let removed = Removed { room: room.clone(), id: req.id.clone(), seq, by: me.name.clone(), at: a.at };
    // Banter sockets get the tombstone; classic ones have no way to show it and get nothing.
    emit::now_unless_closed(&st.metrics, "removed", emit::to_room(st, banter_room(&room)).map(|to| to.emit(wire::REMOVED, &removed)));
    tracing::info!(room = %room, id = %req.id, seq, by = %me.name, "message removed");
    Ok(Some(removed))
}

/// The signed-in socket's account when message `id` of `room` is its own (by name), to
/// delete it.
fn own_message(st: &AppState, s: &SocketRef, room: &str, id: &str) -> Result<Option<SignedInAs>, Refused> {
    let Some(me) = s.extensions.get::<SignedInAs>() else { return Ok(None) };
    let m = chat::find_message(st, room, id)?;
    Ok(m.filter(|m| m.username == me.name && !m.removed).map(|_| me))
}

/// The account whose name has this key, if any, and the role of whoever uses the name (an
/// account's role, or a guest's: none).
fn target_of(st: &AppState, rec: &RoomRecord, name_key: &str) -> Result<(Option<i64>, Role), Refused> {
    let account = tokio::task::block_in_place(|| st.accounts.store().account_by_key(name_key))?;
    Ok(match account {
        Some(a) => (Some(a.id), role_of(rec, Some(a.id), a.admin)),
        None => (None, Role::None),
    })
}

/// The room's live sockets (and their kind) for which `pick(socket, username)` holds.
fn sockets_in(st: &AppState, room: &str, pick: impl Fn(&SocketRef, &str) -> bool) -> Vec<(SocketRef, SocketKind)> {
    let members: Vec<(String, String, SocketKind)> = match st.rooms.get(room) {
        Some(r) => lock(&r).members().iter().map(|m| (m.sid.clone(), m.username.clone(), m.kind)).collect(),
        None => Vec::new(),
    };
    members
        .into_iter()
        .filter_map(|(sid, username, kind)| {
            let socket = crate::sio::socket(&st.io, &sid)?;
            pick(&socket, &username).then_some((socket, kind))
        })
        .collect()
}

/// Removes every socket in the room under a name with this identity key; how many.
fn kick_out(st: &AppState, room: &str, name_key: &str, by: &str, banned: bool) -> usize {
    let here = kick_out_here(st, room, name_key, by, banned);
    // and on the other nodes (cluster/control.rs)
    st.control.publish(Control::Kick { room: room.to_owned(), name_key: name_key.to_owned(), by: by.to_owned(), banned });
    here
}

/// Whether a socket on another node holds the name in the room (the cluster's registry).
fn present_elsewhere(st: &AppState, room: &str, name_key: &str) -> bool {
    st.presence.is_cluster()
        && st.presence.members(room).is_ok_and(|ms| ms.iter().any(|m| m.name_key == name_key && m.node != st.presence.node_id()))
}

/// [`kick_out`] on this node's sockets only (another node's kick arrives here too).
pub(crate) fn kick_out_here(st: &AppState, room: &str, name_key: &str, by: &str, banned: bool) -> usize {
    let sockets = sockets_in(st, room, |_, username| names::identity_key(username) == name_key);
    remove_sockets(st, room, sockets, by, banned)
}

/// Takes these sockets out of the room, telling each (Banter: [`wire::KICKED`]; classic: a
/// notice from Admin); how many.
fn remove_sockets(st: &AppState, room: &str, sockets: Vec<(SocketRef, SocketKind)>, by: &str, banned: bool) -> usize {
    let mut n = 0;
    for (socket, kind) in sockets {
        match kind {
            SocketKind::Banter => {
                let _ = socket.emit(wire::KICKED, &Kicked { room: room.to_owned(), by: by.to_owned(), banned });
            }
            SocketKind::Classic => {
                let text = if banned { "You were banned from this room." } else { "You were removed from this room." };
                let notice = ChatMessage { username: classic::ADMIN.into(), text: text.into(), created_at: now_ms() };
                let _ = socket.emit(classic::MESSAGE, &notice);
            }
        }
        chat::leave_room(st, &socket, room);
        n += 1;
    }
    n
}

fn on_kick(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let r = target(st, s, data, "kick");
    answer::<()>(st, ack, "moderation", "kick", r.map(|()| None));
}

fn on_ban(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let r = target(st, s, data, "ban");
    answer::<()>(st, ack, "moderation", "ban", r.map(|()| None));
}

fn on_unban(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let r = target(st, s, data, "unban");
    answer::<()>(st, ack, "moderation", "unban", r.map(|()| None));
}

/// Kick, ban or unban.
fn target(st: &AppState, s: &SocketRef, data: Payload, action: &str) -> Result<(), Refused> {
    let req: TargetRequest = parse(data, r#"{"room": string, "name": string}"#)?;
    let room = rules::normalise_name(&req.room);
    let name = rules::normalise_name(&req.name);
    let key = names::identity_key(&name);
    let (rec, role, me) = authorise(st, s, &room, Action::Moderate)?;
    let (account, target_role) = target_of(st, &rec, &key)?;
    if action != "unban" && !may_act_on(role, target_role) {
        return Err(wire::ERR_PROTECTED.into());
    }
    let store = st.moderation.store();
    let a = act(&room, &me, action, &name);
    match action {
        "kick" => {
            if kick_out(st, &room, &key, &me.name, false) == 0 && !present_elsewhere(st, &room, &key) {
                return Err(wire::ERR_NOT_PRESENT.into());
            }
            tokio::task::block_in_place(|| store.log(&a))?;
        }
        "ban" => {
            tokio::task::block_in_place(|| store.set_ban(&a, &key, Some(&name)))?;
            super::room_changed(st, &room);
            kick_out(st, &room, &key, &me.name, true);
            // No longer one of the account's rooms (membership/): its devices do not rejoin it.
            if let Some(id) = account {
                if let Err(e) = tokio::task::block_in_place(|| st.membership.store().leave(id, &room)) {
                    tracing::error!(room = %room, target = %name, error = %e, "cannot drop a banned account's membership");
                }
            }
        }
        _ => {
            if !tokio::task::block_in_place(|| store.set_ban(&a, &key, None))? {
                return Err(wire::ERR_NOT_BANNED.into());
            }
            super::room_changed(st, &room);
        }
    }
    tracing::info!(room = %room, target = %name, by = %me.name, action, "moderation");
    Ok(())
}

fn on_log(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let r = (|| -> Result<Option<ModerationLog>, Refused> {
        let req: LogRequest = parse(data, r#"{"room": string, "limit"?: number}"#)?;
        let room = rules::normalise_name(&req.room);
        authorise(st, s, &room, Action::Moderate)?;
        let limit = req.limit.unwrap_or(100).clamp(1, 500);
        let entries = tokio::task::block_in_place(|| st.moderation.store().log_of(&room, limit))?;
        Ok(Some(ModerationLog { room, entries }))
    })();
    answer(st, ack, "moderation", "modlog", r);
}
