//! The membership events over Socket.IO (`banter:my-rooms`, `banter:read`) and what a
//! signed-in socket's `join` and `banter:leave` record. Payloads and errors:
//! `banter_protocol::membership`, `docs/protocol.md`.
//!
//! Joins, leaves and read markers are written in `block_in_place` (one small transaction
//! each), so a socket's events keep their order: a `banter:read` after a `join` finds the
//! room, and markers reach the account's other sockets in the order they moved.

use banter_protocol::membership::{self as wire, MyRooms, ReadMarker, ReadRequest, RoomLeft};
use banter_protocol::rules;
use crate::sio::{AckSender, SocketRef};

use super::account_room;
use crate::accounts::SignedInAs;
use crate::chat::{self, ack_data, ack_err, parse, Payload, ERR_SERVER};
use crate::state::{AppState, Shared};

/// The membership events and their handlers (dispatched by `chat`, from one table).
pub(crate) const EVENTS: &[(&str, chat::Handler)] = &[
    (wire::MY_ROOMS, on_my_rooms),
    (wire::READ, on_read),
];

fn signed_in(s: &SocketRef) -> Option<SignedInAs> {
    s.extensions.get::<SignedInAs>()
}

/// A socket joined `room` under `username`: for a socket signed in under its account's name
/// the room becomes one of the account's (its marker at `latest_seq` if it is new). Returns
/// the account's marker in the room; `None` for guests (or when the store failed: logged,
/// and the join goes on).
pub fn joined(st: &AppState, s: &SocketRef, room: &str, username: &str, latest_seq: u64, now: i64) -> Option<u64> {
    let me = signed_in(s).filter(|me| me.name == username)?;
    s.join(account_room(me.account_id));
    match tokio::task::block_in_place(|| st.membership.store().join(me.account_id, room, latest_seq, now)) {
        Ok(marker) => Some(marker),
        Err(e) => {
            tracing::error!(account = %me.name, room = %room, error = %e, "cannot record a membership");
            None
        }
    }
}

/// An explicit `banter:leave`: the room is no longer one of the account's, and the
/// account's other sockets in it leave it too (told with `banter:room-left`), so no device
/// joins it again on its next reconnect. The presence `left` goes out with the last one.
pub fn left(st: &AppState, s: &SocketRef, room: &str) {
    let Some(me) = signed_in(s) else { return };
    if let Err(e) = tokio::task::block_in_place(|| st.membership.store().leave(me.account_id, room)) {
        tracing::error!(account = %me.name, room = %room, error = %e, "cannot remove a membership");
    }
    let except = s.id.to_string();
    leave_on_devices_here(st, me.account_id, room, &except);
    st.control.publish(crate::cluster::control::Control::LeftOnDevices { account_id: me.account_id, room: room.to_owned(), except });
}

/// The account's sockets on this node (but `except`) leave `room` and are told so.
pub(crate) fn leave_on_devices_here(st: &AppState, account_id: i64, room: &str, except: &str) {
    for other in devices_here(st, account_id, except) {
        if chat::session(&other).lock().username_in(room).is_none() {
            continue;
        }
        chat::leave_room(st, &other, room);
        if let Err(e) = other.emit(wire::ROOM_LEFT, &RoomLeft { room: room.to_owned() }) {
            tracing::debug!(sid = %other.id, error = %e, "room-left not delivered");
        }
    }
}

/// The account's other signed-in sockets (those that joined a room, listed their rooms or
/// moved a marker), not one since signed out.
fn devices_here(st: &AppState, account_id: i64, except: &str) -> Vec<SocketRef> {
    st.io
        .to(account_room(account_id))
        .sockets()
        .into_iter()
        .filter(|o| o.id.as_str() != except && o.extensions.get::<SignedInAs>().is_some_and(|x| x.account_id == account_id))
        .collect()
}

/// `banter:my-rooms`: the account's rooms with latest seq, read marker and unread count.
fn on_my_rooms(st: &Shared, s: &SocketRef, _data: Payload, ack: AckSender) {
    let Some(me) = signed_in(s) else { return ack_err(st, ack, wire::ERR_NOT_SIGNED_IN) };
    // From now on this socket hears where the account's markers move.
    s.join(account_room(me.account_id));
    let st = st.clone();
    tokio::spawn(async move {
        let (id, name) = (me.account_id, me.name.clone());
        match st.membership.blocking(move |store| store.rooms_of(id, &name)).await {
            // DMs are listed by `banter:my-dms` (dms/), not here.
            Ok(mut rooms) => {
                rooms.retain(|r| !banter_protocol::dms::is_dm(&r.room));
                ack_data(ack, &MyRooms { rooms })
            }
            Err(e) => {
                tracing::error!(account = %me.name, error = %e, "cannot list an account's rooms");
                ack_err(&st, ack, ERR_SERVER)
            }
        }
    });
}

/// `banter:read {room, seq}`: moves the account's marker forward; the account's other
/// sockets are told when it moved.
fn on_read(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let Some(me) = signed_in(s) else { return ack_err(st, ack, wire::ERR_NOT_SIGNED_IN) };
    let req: ReadRequest = match parse(data, r#"{"room": string, "seq": number}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let room = rules::normalise_name(&req.room);
    s.join(account_room(me.account_id));
    let result = tokio::task::block_in_place(|| -> Result<_, crate::error::ServerError> {
        let store = st.membership.store();
        let Some(marked) = store.mark_read(me.account_id, &room, req.seq)? else { return Ok(None) };
        Ok(store.status(me.account_id, &me.name, &room)?.map(|status| (marked, status)))
    });
    let (marked, status) = match result {
        Ok(Some(found)) => found,
        Ok(None) => return ack_err(st, ack, wire::ERR_NOT_A_MEMBER),
        Err(e) => {
            tracing::error!(account = %me.name, room = %room, error = %e, "cannot move a read marker");
            return ack_err(st, ack, ERR_SERVER);
        }
    };
    let marker = ReadMarker { room, read_seq: status.read_seq, latest_seq: status.latest_seq, unread: status.unread };
    if marked.moved {
        tell_other_devices(st, s, &me, &marker);
    }
    ack_data(ack, &marker);
}

/// Sends the moved marker to the account's other signed-in sockets, on every node (a
/// socket leaves the account's room when it signs out).
fn tell_other_devices(st: &AppState, s: &SocketRef, me: &SignedInAs, marker: &ReadMarker) {
    crate::emit::now(&st.metrics, "read-marker", crate::emit::reach(st, s.to(account_room(me.account_id))).emit(wire::READ_MARKER, marker));
}
