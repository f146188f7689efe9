//! `banter:react` (`docs/protocol.md` § 13): a signed-in member of the room toggles an emoji
//! on a message. Under the room's lock the change is applied to the room's memory (or to the
//! reactions read from the store, for an older message) and queued for the message writer in
//! the same order; once committed, the room's Banter sockets get the message's reactions
//! (`banter:reactions`) and the reactor its ack.

use banter_protocol::reactions::{self as wire, ReactRequest, Reactions};
use banter_protocol::rules;
use crate::sio::{AckSender, SocketRef};

use super::{ack_data, ack_err, parse, session, Payload, ERR_NOT_IN_ROOM, ERR_SERVER};
use crate::accounts::SignedInAs;
use crate::emit::{self, banter_room};
use crate::metrics::now_ms;
use crate::rooms::lock;
use crate::state::Shared;

pub(super) fn banter_react(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: ReactRequest = match parse(data, r#"{"room": string, "id": string, "emoji": string, "on": boolean}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let Some(me) = s.extensions.get::<SignedInAs>() else { return ack_err(st, ack, wire::ERR_GUEST) };
    let room_name = rules::normalise_name(&req.room);
    if let Err(e) = rules::check_message_id(&req.id) {
        return ack_err(st, ack, e.to_string());
    }
    if !wire::is_emoji(&req.emoji) {
        return ack_err(st, ack, wire::ERR_BAD_EMOJI);
    }
    if session(s).lock().username_in(&room_name).is_none() {
        return ack_err(st, ack, ERR_NOT_IN_ROOM);
    }
    if !session(s).lock().messages.try_take() {
        return ack_err(st, ack, super::ERR_SLOW_DOWN);
    }
    let Some(room) = st.rooms.get(&room_name) else { return ack_err(st, ack, ERR_NOT_IN_ROOM) };
    // An older message's reactions come from the store (what is queued committed first).
    let message = match super::messages::find_message(st, &room_name, &req.id) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(room = %room_name, error = %e, "cannot read a message to react to");
            return ack_err(st, ack, ERR_SERVER);
        }
    };
    let Some(message) = message.filter(|m| !m.removed) else { return ack_err(st, ack, banter_protocol::rooms::ERR_NO_SUCH_MESSAGE) };
    let mut g = lock(&room);
    // memory holds the newest state when it holds the message; else the store's read above
    let current = g.find_recent_id(&req.id).map(|m| m.reactions).unwrap_or(message.reactions);
    let reactions = match wire::toggle(&current, &req.emoji, &me.name, req.on) {
        Ok(r) => r,
        Err(reason) => return ack_err(st, ack, reason),
    };
    g.set_reactions(&req.id, reactions.clone());
    let out = Reactions { room: room_name.clone(), id: req.id.clone(), seq: message.seq, reactions };
    let st2 = st.clone();
    st.store.react_then(&room_name, message.seq, &req.emoji, (me.account_id, &me.name), req.on, now_ms(), move |ok| {
        if !ok {
            return ack_err(&st2, ack, ERR_SERVER);
        }
        emit::now_unless_closed(&st2.metrics, "reactions", emit::to_room(&st2, banter_room(&out.room)).map(|to| to.emit(wire::REACTIONS, &out)));
        ack_data(ack, &out);
    });
    drop(g);
}
