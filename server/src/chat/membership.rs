//! Joining and leaving rooms: the classic `join` (Banter joins too), `banter:leave` and
//! disconnects.

use banter_protocol::classic::{self, ChatMessage, RoomData};
use banter_protocol::ext::{self, JoinAccepted, JoinExtension, LeaveRequest, Presence, PresenceEvent};
use banter_protocol::rules;
use serde_json::Value;
use crate::sio::{AckSender, SocketRef};

use super::{ack_data, ack_err, ack_ok, parse, session, Payload, ERR_ALREADY_IN_A_ROOM, ERR_ALREADY_IN_ROOM, ERR_NOT_IN_ROOM, ERR_SERVER};
use crate::accounts::SignedInAs;
use crate::emit::{self, banter_room, classic_room};
use crate::metrics::now_ms;
use crate::room::{JoinError, SocketKind};
use crate::rooms::lock;
use crate::state::{AppState, Shared};

// ---- join -------------------------------------------------------------------------------

pub(super) fn join(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let obj = match data {
        Ok(Value::Object(obj)) => obj,
        _ => return ack_err(st, ack, classic::ERR_REQUIRED),
    };
    let extension = match obj.get("banter") {
        None => None,
        Some(v) => match serde_json::from_value::<JoinExtension>(v.clone()) {
            Ok(e) => Some(e),
            Err(_) => return ack_err(st, ack, r#"Invalid payload: "banter" must be {"v": 1}"#),
        },
    };
    let field = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("");
    let (username, room_name) = match rules::check_join(
        field("username"),
        field("room"),
        rules::MAX_USERNAME_CHARS,
        rules::MAX_ROOM_CHARS,
    ) {
        Ok(v) => v,
        Err(e) => return ack_err(st, ack, e.to_string()),
    };
    // DMs are rooms under reserved names that only their members' sockets are in (dms/).
    if banter_protocol::dms::is_dm(&room_name) {
        return ack_err(st, ack, banter_protocol::dms::ERR_RESERVED_ROOM);
    }
    // Registered and reserved names, guests allowed or not (accounts/join.rs).
    if let Err(reason) = crate::accounts::join::check(st, s, &username) {
        return ack_err(st, ack, reason);
    }
    let kind = if extension.is_some() { SocketKind::Banter } else { SocketKind::Classic };
    let session = session(s);
    // A Banter socket joining a room it is already in, under the same name, joins it again:
    // its client stopped showing the room (one connection carries all of an account's
    // rooms) and shows it anew. It gets the room's snapshot; nobody sees a join.
    let again = {
        let sess = session.lock();
        match sess.username_in(&room_name) {
            Some(held) if held == username && kind == SocketKind::Banter && sess.kind == Some(SocketKind::Banter) => true,
            Some(_) => return ack_err(st, ack, ERR_ALREADY_IN_ROOM),
            None => false,
        }
    };
    if !again {
        let sess = session.lock();
        // DMs (dms/) count neither as a classic socket's room nor against the room limit.
        let rooms = sess.rooms.iter().filter(|(r, _)| !banter_protocol::dms::is_dm(r)).count();
        // A classic socket holds one room, as on a classic server.
        if rooms > 0 && (kind == SocketKind::Classic || sess.kind == Some(SocketKind::Classic)) {
            return ack_err(st, ack, ERR_ALREADY_IN_A_ROOM);
        }
        if let Err(reason) = st.room_limits.check_socket(rooms) {
            return ack_err(st, ack, reason);
        }
    }
    // Bans and private rooms (moderation/).
    if let Err(reason) = crate::moderation::admit(st, s, &room_name, &username) {
        return ack_err(st, ack, reason);
    }
    let sid = s.id.to_string();
    loop {
        let room = match st.rooms.get_or_load(&room_name) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(room = %room_name, error = %e, "cannot load room");
                return ack_err(st, ack, ERR_SERVER);
            }
        };
        let mut g = lock(&room);
        if g.evicted {
            continue; // dropped while we looked it up: load it again
        }
        // A room not yet in the store is created by this join: counted (room_limits.rs).
        if !g.stored && !again {
            if let Err(reason) = st.room_limits.take_creation(crate::accounts::handlers::client_ip(st, s)) {
                drop(g);
                st.rooms.evict_if_empty(&room_name);
                tracing::info!(sid = %s.id, room = %room_name, "new room refused: over the creation limit");
                return ack_err(st, ack, reason);
            }
            g.stored = true;
            // Its creator owns it, when signed in (moderation/).
            crate::moderation::created(st, s, &room_name, now_ms());
        }
        let now = now_ms();
        // Who is in the room, read once (from the cluster's registry on several nodes).
        let mut roster = None;
        if !again {
            // A signed-in account's sockets share its name (its devices); guests hold theirs alone.
            let account = s.extensions.get::<SignedInAs>().filter(|me| me.name == username).map(|me| me.account_id);
            let mut added = g.add_member_as(&sid, &username, kind, account);
            if added == Err(JoinError::InUse) && evict_stale_holder(st, &mut g, &username) {
                added = g.add_member_as(&sid, &username, kind, account);
            }
            match added {
                Ok(()) => {}
                Err(JoinError::InUse) => return ack_err(st, ack, classic::ERR_IN_USE),
                Err(JoinError::AlreadyMember) => return ack_err(st, ack, ERR_ALREADY_IN_ROOM),
            }
            // The name on the other nodes (roster.rs): held there by a guest or another account?
            let Some(first) = super::roster::claim(st, &g, &sid, &username, account, kind) else {
                g.remove_member(&sid);
                return ack_err(st, ack, classic::ERR_IN_USE);
            };
            {
                let mut sess = session.lock();
                sess.kind = Some(kind);
                sess.add_room(room_name.clone(), username.clone());
            }
            let (croom, broom) = (classic_room(&room_name), banter_room(&room_name));
            s.join(match kind {
                SocketKind::Classic => croom.clone(),
                SocketKind::Banter => broom.clone(),
            });
            // The classic order: welcome to the joiner, notice to the others, roomData, ack.
            if kind == SocketKind::Classic {
                let welcome = ChatMessage { username: classic::ADMIN.into(), text: classic::WELCOME.into(), created_at: now };
                let _ = s.emit(classic::MESSAGE, &welcome);
            }
            // Presence per account: an account's second socket (another device) joins unseen.
            if first {
                let notice = ChatMessage { username: classic::ADMIN.into(), text: classic::joined_text(&username), created_at: now };
                emit::now(&st.metrics, "join notice", emit::reach(st, s.broadcast().to(croom.clone())).emit(classic::MESSAGE, &notice));
                let r = roster.insert(super::roster::of(st, &g));
                let presence = Presence {
                    room: room_name.clone(),
                    username: username.clone(),
                    event: PresenceEvent::Joined,
                    users: r.names.clone(),
                    at: now,
                    signed_in: r.signed_in.clone(),
                };
                emit::now(&st.metrics, "presence", emit::reach(st, s.broadcast().to(broom)).emit(ext::PRESENCE, &presence));
                // To every classic member, coalesced during join storms (room_data.rs).
                super::room_data::joined(st, s, &room, &mut g, kind == SocketKind::Classic);
            } else if kind == SocketKind::Classic {
                let _ = s.emit(classic::ROOM_DATA, &RoomData { room: room_name.clone(), users: super::roster::of(st, &g).users });
            }
            st.store.ensure_room(&room_name, now);
            tracing::info!(sid = %s.id, room = %room_name, user = %username, banter = extension.is_some(), transport = ?s.transport_type(), "joined");
        }

        // The room becomes one of the account's (membership/), with its read marker.
        let read_seq = crate::membership::handlers::joined(st, s, &room_name, &username, g.latest_seq(), now);
        let Some(extension) = extension else { return ack_ok(ack) };
        let (history, more, latest_seq) = match super::history::on_join(st, &g, &room_name, extension.since) {
            Ok(page) => page,
            Err(e) => {
                tracing::error!(room = %room_name, error = %e, "history read failed");
                (Vec::new(), true, g.latest_seq())
            }
        };
        let room_info = crate::moderation::join_info(st, s, &room_name);
        // the list the presence above went out with, if it did (the room is still locked)
        let roster = roster.unwrap_or_else(|| super::roster::of(st, &g));
        let accepted = JoinAccepted {
            protocol: ext::PROTOCOL_VERSION,
            room: room_name,
            username,
            latest_seq,
            history,
            more,
            room_info,
            users: roster.names,
            signed_in: roster.signed_in,
            features: st.features(),
            limits: st.limits(),
            read_seq,
        };
        drop(g);
        return ack_data(ack, &accepted);
    }
}

/// A name held by a member whose socket is gone (its disconnect was never handled) would
/// be "in use" forever: such a member is dropped. True when one was.
fn evict_stale_holder(st: &AppState, g: &mut crate::room::RoomState, username: &str) -> bool {
    let Some(holder) = g.member_named(username).map(|m| m.sid.clone()) else { return false };
    let connected = crate::sio::socket(&st.io, &holder).is_some_and(|s| s.connected());
    if connected {
        return false;
    }
    tracing::warn!(room = %g.name, user = %username, sid = %holder, "dropping a member whose socket is gone");
    g.remove_member(&holder);
    true
}

// ---- leaving ----------------------------------------------------------------------------

pub(crate) fn leave_room(st: &AppState, s: &SocketRef, room_name: &str) {
    let sid = s.id.to_string();
    if let Some(room) = st.rooms.get(room_name) {
        let mut g = lock(&room);
        if let Some(member) = g.remove_member(&sid) {
            let (croom, broom) = (classic_room(room_name), banter_room(room_name));
            s.leave([croom.clone(), broom.clone()]);
            // Presence per account: it leaves with its last socket (device), on any node.
            let still_here = super::roster::release(st, &g, &sid, &member.username);
            let now = now_ms();
            let notice = ChatMessage { username: classic::ADMIN.into(), text: classic::left_text(&member.username), created_at: now };
            // `broadcast()`: inside a disconnect handler the socket is still in its rooms.
            if !still_here {
                emit::now(&st.metrics, "leave notice", emit::reach(st, s.broadcast().to(croom)).emit(classic::MESSAGE, &notice));
                // To the other classic members, coalesced during storms (room_data.rs).
                super::room_data::left(st, s, &room, &mut g);
                let roster = super::roster::of(st, &g);
                let presence = Presence {
                    room: room_name.to_owned(),
                    username: member.username.clone(),
                    event: PresenceEvent::Left,
                    users: roster.names,
                    at: now,
                    signed_in: roster.signed_in,
                };
                emit::now(&st.metrics, "presence", emit::reach(st, s.broadcast().to(broom)).emit(ext::PRESENCE, &presence));
            }
            tracing::info!(sid = %s.id, room = %room_name, user = %member.username, still_here, "left");
        }
        drop(g);
        st.rooms.evict_if_empty(room_name);
    }
    session(s).lock().rooms.retain(|(r, _)| r != room_name);
}

pub(super) fn disconnect(st: &AppState, s: &SocketRef) {
    let rooms: Vec<String> = session(s).lock().rooms.iter().map(|(r, _)| r.clone()).collect();
    for room in rooms {
        leave_room(st, s, &room);
    }
    crate::accounts::handlers::forget(st, s);
    tracing::debug!(sid = %s.id, "disconnected");
}

pub(super) fn banter_leave(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: LeaveRequest = match parse(data, r#"{"room": string}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let room = rules::normalise_name(&req.room);
    if session(s).lock().username_in(&room).is_none() {
        return ack_err(st, ack, ERR_NOT_IN_ROOM);
    }
    // A DM's members are fixed at its creation (dms/).
    if banter_protocol::dms::is_dm(&room) {
        return ack_err(st, ack, banter_protocol::dms::ERR_LEAVE_DM);
    }
    leave_room(st, s, &room);
    // An explicit leave (not a disconnect) takes the room off the account's rooms.
    crate::membership::handlers::left(st, s, &room);
    ack_ok(ack);
}
