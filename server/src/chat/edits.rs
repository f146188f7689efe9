//! `banter:edit` (`docs/protocol.md` § 12): the author of a text message replaces its text.
//! Checked as a send is (rate, length, profanity); stored by the message writer after
//! everything queued before it (so after the message itself), the room's memory updated;
//! once committed, the room's Banter sockets get `banter:edited` and the author its ack.
//! Deleting one's own message is `banter:remove` (moderation/handlers.rs).

use banter_protocol::edits::{self as wire, EditRequest, Edited};
use banter_protocol::ext::MessageKind;
use banter_protocol::rules;
use crate::sio::{AckSender, SocketRef};

use super::{ack_data, ack_err, parse, session, Payload, ERR_NOT_IN_ROOM, ERR_SERVER};
use crate::accounts::SignedInAs;
use crate::emit::{self, banter_room};
use crate::metrics::now_ms;
use crate::rooms::lock;
use crate::state::Shared;

pub(super) fn banter_edit(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: EditRequest = match parse(data, r#"{"room": string, "id": string, "text": string}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let Some(me) = s.extensions.get::<SignedInAs>() else { return ack_err(st, ack, wire::ERR_GUEST) };
    let room_name = rules::normalise_name(&req.room);
    if let Err(e) = rules::check_message_id(&req.id) {
        return ack_err(st, ack, e.to_string());
    }
    if session(s).lock().username_in(&room_name) != Some(me.name.as_str()) {
        return ack_err(st, ack, ERR_NOT_IN_ROOM);
    }
    if let Err(reason) = super::messages::vet_text(st, s, &req.text) {
        return ack_err(st, ack, reason);
    }
    let Some(room) = st.rooms.get(&room_name) else { return ack_err(st, ack, ERR_NOT_IN_ROOM) };
    let found = match super::messages::find_message(st, &room_name, &req.id) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(room = %room_name, error = %e, "cannot read a message to edit");
            return ack_err(st, ack, ERR_SERVER);
        }
    };
    let Some(m) = found else { return ack_err(st, ack, banter_protocol::rooms::ERR_NO_SUCH_MESSAGE) };
    if m.username != me.name {
        return ack_err(st, ack, wire::ERR_NOT_YOURS);
    }
    if m.removed || m.kind != MessageKind::Text || m.file.is_some() {
        return ack_err(st, ack, wire::ERR_NOT_TEXT);
    }
    let edited = Edited { room: room_name.clone(), id: req.id.clone(), seq: m.seq, text: req.text.clone(), edited_at: now_ms() };
    let mut g = lock(&room);
    g.mark_edited(&req.id, &req.text, edited.edited_at);
    let st2 = st.clone();
    st.store.edit_then(&room_name, &req.id, &req.text, edited.edited_at, move |ok| {
        if !ok {
            return ack_err(&st2, ack, ERR_SERVER);
        }
        emit::now_unless_closed(&st2.metrics, "edited", emit::to_room(&st2, banter_room(&edited.room)).map(|to| to.emit(wire::EDITED, &edited)));
        tracing::info!(room = %edited.room, id = %edited.id, seq = edited.seq, "message edited");
        ack_data(ack, &edited);
    });
    drop(g);
}
