//! What Banter clients read back and signal: history pages, typing, delivery receipts.

use banter_protocol::ext::{self, HistoryPage, HistoryRequest, Received, Typing, TypingRequest};
use banter_protocol::rules;
use crate::sio::{AckSender, SocketRef};

use super::{ack_data, ack_err, parse, session, Payload, DEFAULT_HISTORY_PAGE, ERR_NOT_IN_ROOM, ERR_SERVER};
use crate::emit::{self, banter_room};
use crate::rooms::lock;
use crate::state::Shared;
use crate::store::MAX_PAGE;

// ---- history, typing, receipts ----------------------------------------------------------

/// History for a join (`since`: what the member has) and the room's latest seq: from the
/// room's memory when it keeps the room's history, else from the store (a shared store,
/// where memory may not have seen other nodes' messages). Blocks briefly on a store read.
pub(crate) fn on_join(
    st: &crate::state::AppState,
    g: &crate::room::RoomState,
    room: &str,
    since: Option<u64>,
) -> Result<(Vec<banter_protocol::ext::Message>, bool, u64), crate::error::ServerError> {
    let from_memory = match since {
        None => g.tail(st.config.history_on_join as usize),
        Some(since) => g.since(since, MAX_PAGE as usize),
    };
    let (history, more) = match (from_memory, since) {
        (Some(page), _) => page,
        (None, None) => tokio::task::block_in_place(|| st.store.tail_blocking(room, st.config.history_on_join))?,
        (None, Some(since)) => tokio::task::block_in_place(|| st.store.history_blocking(room, since, MAX_PAGE))?,
    };
    let latest = g.latest_seq().max(history.last().map_or(0, |m| m.seq));
    Ok((history, more, latest))
}

pub(super) fn banter_history(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: HistoryRequest = match parse(data, r#"{"room": string, "since"?: number, "before"?: number, "limit"?: number}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let room_name = rules::normalise_name(&req.room);
    if session(s).lock().username_in(&room_name).is_none() {
        return ack_err(st, ack, ERR_NOT_IN_ROOM);
    }
    let limit = req.limit.unwrap_or(DEFAULT_HISTORY_PAGE).clamp(1, MAX_PAGE);
    if let Some(before) = req.before {
        // Older history: rarely hot, read from the store.
        let store = st.store.clone();
        tokio::spawn(async move {
            match store.history_before(&room_name, req.since, before, limit).await {
                Ok((messages, more)) => ack_data(ack, &HistoryPage { room: room_name, messages, more }),
                Err(e) => {
                    tracing::error!(room = %room_name, error = %e, "history read failed");
                    let _ = ack.send(ERR_SERVER);
                }
            }
        });
        return;
    }
    let from_memory = st.rooms.get(&room_name).and_then(|r| lock(&r).since(req.since, limit as usize));
    if let Some((messages, more)) = from_memory {
        return ack_data(ack, &HistoryPage { room: room_name, messages, more });
    }
    let store = st.store.clone();
    tokio::spawn(async move {
        match store.history(&room_name, req.since, limit).await {
            Ok((messages, more)) => ack_data(ack, &HistoryPage { room: room_name, messages, more }),
            Err(e) => {
                tracing::error!(room = %room_name, error = %e, "history read failed");
                let _ = ack.send(ERR_SERVER);
            }
        }
    });
}

pub(super) fn banter_typing(st: &Shared, s: &SocketRef, data: Payload, _ack: AckSender) {
    let Ok(req) = parse::<TypingRequest>(data, "typing") else { return };
    let room_name = rules::normalise_name(&req.room);
    let session = session(s);
    let username = {
        let mut sess = session.lock();
        if !sess.typing.try_take() {
            return;
        }
        match sess.username_in(&room_name) {
            Some(u) => u.to_owned(),
            None => return,
        }
    };
    let typing = Typing { room: room_name.clone(), username, typing: req.typing };
    // Not to the account's other devices: nobody is shown typing to themselves.
    let others = emit::reach(st, s.broadcast().to(banter_room(&room_name)));
    let others = match s.extensions.get::<crate::accounts::SignedInAs>() {
        Some(me) => others.except(crate::membership::account_room(me.account_id)),
        None => others,
    };
    emit::now(&st.metrics, "typing", others.emit(ext::TYPING, &typing));
}

pub(super) fn banter_received(st: &Shared, s: &SocketRef, data: Payload, _ack: AckSender) {
    let Ok(req) = parse::<Received>(data, "received") else { return };
    let room_name = rules::normalise_name(&req.room);
    if let Some(room) = st.rooms.get(&room_name) {
        lock(&room).confirm(&s.id.to_string(), req.seq);
    }
}

/// Sends the receipts that changed to their senders, coalesced: at most one per message
/// per tick.
pub async fn flush_receipts_forever(st: Shared) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        for room in st.rooms.all() {
            let dirty = lock(&room).take_dirty_receipts();
            for (sid, receipt) in dirty {
                let socket = crate::sio::socket(&st.io, &sid);
                if let Some(socket) = socket {
                    let _ = socket.emit(ext::RECEIPT, &receipt);
                }
            }
        }
    }
}
