//! A room subscription for a direct message (`docs/protocol.md` § 10): the same actor, with
//! `banter:dm-open {dm, since}` in place of `join` and its `DmOpened` answer read as the
//! `JoinAccepted` it stands for. Sends, history, typing and receipts are the room events
//! with the DM's id as the room, so nothing else differs.

use banter_protocol::dms::{self, DmOpen, DmOpened};
use banter_protocol::ext::{self, JoinAccepted, Limits};
use banter_protocol::{rules, AckReply};
use serde_json::Value;

use super::{clip, Actor};
use crate::error::ClientError;
use crate::url::ServerUrl;

/// Longest DM id accepted from a server (ours are `dm:` and 24 hex digits).
const MAX_DM_ID_BYTES: usize = 64;

impl Actor {
    /// The `banter:dm-open` that (re-)opens this subscription's DM.
    pub(super) fn dm_open_request(&self, since: Option<u64>) -> (&'static str, Value) {
        let open = DmOpen { with: None, dm: Some(self.spec.room.clone()), since };
        (dms::DM_OPEN, serde_json::to_value(open).unwrap_or(Value::Null))
    }

    /// The ack of `banter:dm-open` in the shape of a join's (`[null, JoinAccepted]`, or the
    /// refusal as it came); `Err` with what is wrong when it is neither.
    pub(super) fn dm_ack_as_join(&self, args: Vec<Value>) -> Result<Vec<Value>, String> {
        let opened = match AckReply::from_args(&args) {
            AckReply::Refused(_) => return Ok(args),
            AckReply::OkWith(v) => serde_json::from_value::<DmOpened>(v)
                .map_err(|e| format!("the banter:dm-open answer is not a DmOpened: {e}"))?,
            AckReply::Ok => return Err("banter:dm-open was answered without data".into()),
            AckReply::Malformed(d) => return Err(format!("banter:dm-open answer: {d}")),
        };
        if opened.dm != self.spec.room {
            return Err(format!("banter:dm-open answered for {:?}", clip(&opened.dm, 64)));
        }
        let hello = self.hello.as_ref();
        let accepted = JoinAccepted {
            protocol: ext::PROTOCOL_VERSION,
            room: opened.dm,
            username: hello
                .and_then(|h| h.account.as_ref())
                .map(|a| a.name.clone())
                .unwrap_or_else(|| self.username.clone()),
            latest_seq: opened.latest_seq,
            history: opened.history,
            more: opened.more,
            room_info: None,
            users: opened.members.clone(),
            // a DM's members are accounts, all of them
            signed_in: opened.members,
            features: self.features.clone(),
            limits: hello.map(|h| h.limits).unwrap_or(Limits {
                max_message_chars: rules::MAX_MESSAGE_CHARS as u32,
                max_username_chars: rules::MAX_USERNAME_CHARS as u32,
                max_room_chars: rules::MAX_ROOM_CHARS as u32,
                history_on_join: 50,
                messages_per_second: 0,
                max_upload_bytes: 0,
            }),
            read_seq: Some(opened.read_seq),
        };
        let accepted = serde_json::to_value(accepted).map_err(|e| e.to_string())?;
        Ok(vec![Value::Null, accepted])
    }

    /// Events that are not this subscription's business, dropped without an error: a
    /// signed-in socket is in all of its account's DMs (§ 10), so it hears the other DMs'
    /// messages, presence, typing and receipts, and DM and block notices, which the
    /// subscriptions of those DMs (if any) report.
    pub(super) fn other_conversation(&self, name: &str, first: &Value) -> bool {
        if name == dms::DM || name == dms::BLOCKED {
            return true;
        }
        first
            .get("room")
            .and_then(Value::as_str)
            .is_some_and(|room| dms::is_dm(room) && room != self.spec.room)
    }
}

/// The error for a refused `banter:dm-open`, from the server's words (§ 10).
pub(crate) fn refusal(server: &ServerUrl, reason: &str) -> ClientError {
    if reason == dms::ERR_NOT_SIGNED_IN {
        // we always connect with a session: it ended meanwhile
        return ClientError::SessionInvalid { server: server.to_string() };
    }
    if reason == dms::ERR_NO_SUCH_DM {
        return ClientError::NoSuchDm;
    }
    if reason == dms::ERR_NOBODY {
        return ClientError::InvalidInput(reason.to_owned());
    }
    if let Some(name) = reason.strip_prefix("No account named ").and_then(|r| r.strip_suffix('.')) {
        return ClientError::NoSuchAccount { name: clip(name, 200) };
    }
    ClientError::DmRefused(clip(reason, 500))
}

/// A DM id from a server, checked before it names a subscription and its outbox.
pub(crate) fn check_id(dm: &str) -> Result<(), ClientError> {
    let ok = dms::is_dm(dm)
        && dm.len() <= MAX_DM_ID_BYTES
        && dm[dms::DM_PREFIX.len()..].chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(ClientError::Protocol(format!("the server named a DM {:?}", clip(dm, 64))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_become_typed_errors() {
        let s = ServerUrl::parse("http://127.0.0.1:3000").unwrap();
        assert_eq!(refusal(&s, "No account named bob.").code(), "no_such_account");
        assert!(matches!(refusal(&s, "No account named bob."), ClientError::NoSuchAccount { name } if name == "bob"));
        assert_eq!(refusal(&s, dms::ERR_NO_SUCH_DM).code(), "no_such_dm");
        assert_eq!(refusal(&s, dms::ERR_NOT_SIGNED_IN).code(), "session_invalid");
        let blocked = refusal(&s, dms::ERR_BLOCKED);
        assert_eq!(blocked.code(), "dm_refused");
        assert!(blocked.to_string().contains("blocked you"), "{blocked}");
        assert!(check_id("dm:0123456789abcdef01234567").is_ok());
        assert!(check_id("lobby").is_err() && check_id("dm:../x").is_err());
    }
}
