//! The DM and blocking events over Socket.IO (`banter:dm-open`, `banter:my-dms`,
//! `banter:block`, `banter:unblock`, `banter:blocks`). Payloads and errors:
//! `banter_protocol::dms`, `docs/protocol.md` § 10. Messages, history, typing, receipts and
//! read markers of a DM go through the room events, with the DM's id as the room.
//!
//! Store reads and writes are small and done in `block_in_place`, so a socket's events keep
//! their order (a `banter:send` after a `banter:dm-open` finds the socket in the DM).

use banter_protocol::dms::{self as wire, BlockRequest, Blocked, DmInfo, DmOpen, DmOpened, MyDms};
use banter_protocol::rules;
use crate::sio::{AckSender, SocketRef};

use super::store::DmRecord;
use crate::accounts::{names, SignedInAs};
use crate::chat::{self, answer, parse, Payload, Refused};
use crate::error::ServerError;
use crate::metrics::now_ms;
use crate::rooms::lock;
use crate::state::{AppState, Shared};

/// The DM events and their handlers (dispatched by `chat`, from one table).
pub(crate) const EVENTS: &[(&str, chat::Handler)] = &[
    (wire::DM_OPEN, on_open),
    (wire::MY_DMS, on_my_dms),
    (wire::BLOCK, on_block),
    (wire::UNBLOCK, on_unblock),
    (wire::BLOCKS, on_blocks),
];

fn me(s: &SocketRef) -> Result<SignedInAs, Refused> {
    s.extensions.get::<SignedInAs>().ok_or_else(|| wire::ERR_NOT_SIGNED_IN.into())
}

fn blocking<T>(f: impl FnOnce() -> Result<T, ServerError>) -> Result<T, Refused> {
    tokio::task::block_in_place(f).map_err(Refused::Server)
}

/// An account by name: (id, name).
fn account_named(st: &AppState, raw: &str) -> Result<(i64, String), Refused> {
    let name = rules::normalise_name(raw);
    match blocking(|| st.accounts.store().account_by_key(&names::identity_key(&name)))? {
        Some(a) => Ok((a.id, a.name)),
        None => Err(wire::err_no_account(&name).into()),
    }
}

fn on_open(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let r = (|| {
        let me = me(s)?;
        let req: DmOpen = parse(data, r#"{"with": [string]} or {"dm": string}, "since"?: number"#)?;
        open(st, s, &me, req).map(Some)
    })();
    answer(st, ack, "dm", "dm-open", r);
}

fn open(st: &AppState, s: &SocketRef, me: &SignedInAs, req: DmOpen) -> Result<DmOpened, Refused> {
    let (rec, created) = match (&req.with, &req.dm) {
        (Some(with), None) => {
            if with.len() >= wire::MAX_MEMBERS * 4 {
                return Err(wire::ERR_TOO_MANY.into());
            }
            let mut others = Vec::new();
            for name in with {
                others.push(account_named(st, name)?);
            }
            let members = super::members((me.account_id, &me.name), &others)?;
            let ids: Vec<i64> = members.iter().map(|(id, _)| *id).collect();
            let draft = DmRecord { id: super::dm_id(&ids), members, created_at: now_ms() };
            // A DM with a member who blocks the opener is not created (an existing one opens,
            // to read; sending to it is refused).
            if blocking(|| st.dms.store().get(&draft.id))?.is_none() {
                for (id, _) in draft.members.iter().filter(|(id, _)| *id != me.account_id) {
                    if blocking(|| st.dms.store().blocked_by(*id))?.contains(&me.name) {
                        return Err(wire::ERR_BLOCKED.into());
                    }
                }
                // A new DM is a new room in the store: it counts as one (room_limits.rs).
                st.room_limits.take_creation(crate::accounts::handlers::client_ip(st, s))?;
            }
            let (rec, created) = blocking(|| st.dms.store().open(&draft))?;
            if created {
                for (id, _) in &rec.members {
                    blocking(|| st.membership.store().join(*id, &rec.id, 0, rec.created_at))?;
                }
                tracing::info!(dm = %rec.id, members = rec.members.len(), by = %me.name, "dm created");
            }
            (rec, created)
        }
        (None, Some(dm)) => {
            let dm = rules::normalise_name(dm);
            // Unknown and not one's own look the same: nothing about others' DMs leaks.
            match blocking(|| st.dms.store().get(&dm))? {
                Some(rec) if rec.has(me.account_id) => (rec, false),
                _ => return Err(wire::ERR_NO_SUCH_DM.into()),
            }
        }
        _ => return Err(r#"Invalid payload: expected {"with": [string]} or {"dm": string}"#.into()),
    };
    super::attach(st, s, me, &rec.id)?;
    if created {
        super::announce(st, &rec, s);
    }
    let read_seq = blocking(|| st.membership.store().join(me.account_id, &rec.id, 0, now_ms()))?;
    let room = st.rooms.get_or_load(&rec.id)?;
    let g = lock(&room);
    let (history, more, latest_seq) = blocking(|| crate::chat::history::on_join(st, &g, &rec.id, req.since))?;
    Ok(DmOpened { members: rec.names(), created, latest_seq, read_seq, history, more, dm: rec.id })
}

fn on_my_dms(st: &Shared, s: &SocketRef, _data: Payload, ack: AckSender) {
    let r = (|| {
        let me = me(s)?;
        super::attach_all(st, s);
        let mut dms = Vec::new();
        for rec in blocking(|| st.dms.store().dms_of(me.account_id))? {
            let status = blocking(|| st.membership.store().status(me.account_id, &me.name, &rec.id))?;
            let (latest_seq, read_seq, unread) = status.map_or((0, 0, 0), |m| (m.latest_seq, m.read_seq, m.unread));
            dms.push(DmInfo { members: rec.names(), created_at: rec.created_at, latest_seq, read_seq, unread, dm: rec.id });
        }
        Ok(Some(MyDms { dms }))
    })();
    answer(st, ack, "dm", "my-dms", r);
}

fn blocked_of(st: &AppState, me: &SignedInAs) -> Result<Blocked, Refused> {
    Ok(Blocked { blocked: blocking(|| st.dms.store().blocked_by(me.account_id))? })
}

fn block_change(st: &AppState, s: &SocketRef, data: Payload, block: bool) -> Result<Option<()>, Refused> {
    let me = me(s)?;
    let req: BlockRequest = parse(data, r#"{"name": string}"#)?;
    let (id, name) = account_named(st, &req.name)?;
    if id == me.account_id {
        return Err(wire::ERR_BLOCK_SELF.into());
    }
    let changed = if block {
        blocking(|| st.dms.store().block(me.account_id, id, now_ms()))?
    } else {
        blocking(|| st.dms.store().unblock(me.account_id, id))?
    };
    if changed {
        tracing::info!(account = %me.name, target = %name, block, "block changed");
        // The account's other devices hide the same names, on every node.
        let except = s.id.to_string();
        blocks_changed_here(st, me.account_id, &except);
        st.control.publish(crate::cluster::control::Control::BlocksChanged { account_id: me.account_id, except });
    }
    Ok(None)
}

/// Sends an account's blocks to its sockets on this node (but `except`).
pub(crate) fn blocks_changed_here(st: &AppState, account_id: i64, except: &str) {
    let list = match tokio::task::block_in_place(|| st.dms.store().blocked_by(account_id)) {
        Ok(blocked) => Blocked { blocked },
        Err(e) => return tracing::error!(account = account_id, error = %e, "cannot read an account's blocks"),
    };
    for other in crate::sio::sockets(&st.io) {
        if other.id.as_str() != except && other.extensions.get::<SignedInAs>().is_some_and(|x| x.account_id == account_id) {
            let _ = other.emit(wire::BLOCKED, &list);
        }
    }
}

fn on_block(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let r = block_change(st, s, data, true);
    answer(st, ack, "dm", "block", r);
}

fn on_unblock(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let r = block_change(st, s, data, false);
    answer(st, ack, "dm", "unblock", r);
}

fn on_blocks(st: &Shared, s: &SocketRef, _data: Payload, ack: AckSender) {
    let r = (|| Ok(Some(blocked_of(st, &me(s)?)?)))();
    answer(st, ack, "dm", "blocks", r);
}
