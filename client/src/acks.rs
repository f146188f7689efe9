//! The client-wide table of message states, keyed by our own message ids (UUIDv7), and the
//! reading of a `send` acknowledgement into an outcome.
//!
//! A state only moves forward: pending → delivered | refused | failed, and failed → pending
//! on an explicit retry. rust_socketio's ack ids and timeouts play no part in it: each room
//! keeps one request in flight and times it itself (see `connection.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use banter_protocol::ext::SendAccepted;
use banter_protocol::AckReply;
use serde::Serialize;
use serde_json::Value;

/// Where a message sent through this client stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MessageState {
    Pending,
    Delivered { seq: Option<u64> },
    Refused { reason: String },
    Failed { reason: String },
}

impl MessageState {
    /// Whether the message has an outcome.
    pub fn is_final(&self) -> bool {
        !matches!(self, MessageState::Pending)
    }
}

/// What a `sendMessage` / `banter:send` acknowledgement said.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SendOutcome {
    Delivered {
        seq: Option<u64>,
        duplicate: bool,
    },
    Refused(String),
    /// The ack broke the protocol; the detail says how.
    Malformed(String),
}

/// Reads a send acknowledgement (classic `cb()` / `cb(err)` or Banter `cb(null, SendAccepted)`).
pub(crate) fn read_send_ack(args: &[Value], expected_id: &str) -> SendOutcome {
    match AckReply::from_args(args) {
        AckReply::Ok => SendOutcome::Delivered {
            seq: None,
            duplicate: false,
        },
        AckReply::Refused(reason) => SendOutcome::Refused(crate::room::clip(&reason, 500)),
        AckReply::Malformed(detail) => SendOutcome::Malformed(detail),
        AckReply::OkWith(v) => match serde_json::from_value::<SendAccepted>(v) {
            Ok(a) if a.id == expected_id => SendOutcome::Delivered {
                seq: Some(a.seq),
                duplicate: a.duplicate,
            },
            Ok(a) => SendOutcome::Malformed(format!(
                "ack for id {:?} answered a send of {expected_id:?}",
                a.id
            )),
            Err(e) => SendOutcome::Malformed(format!("bad SendAccepted: {e}")),
        },
    }
}

/// The shared table of message states.
#[derive(Debug, Clone, Default)]
pub(crate) struct AckTable {
    inner: Arc<Mutex<HashMap<String, MessageState>>>,
}

impl AckTable {
    pub(crate) fn set_pending(&self, id: &str) {
        if let Ok(mut m) = self.inner.lock() {
            m.insert(id.to_owned(), MessageState::Pending);
        }
    }

    /// Records an outcome; false (and nothing changes) if the message already had one.
    pub(crate) fn resolve(&self, id: &str, state: MessageState) -> bool {
        let Ok(mut m) = self.inner.lock() else {
            return false;
        };
        match m.get(id) {
            Some(s) if s.is_final() => false,
            _ => {
                m.insert(id.to_owned(), state);
                true
            }
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<MessageState> {
        self.inner.lock().ok().and_then(|m| m.get(id).cloned())
    }

    pub(crate) fn pending(&self) -> usize {
        self.inner
            .lock()
            .map(|m| m.values().filter(|s| !s.is_final()).count())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_ack_shape() {
        assert_eq!(
            read_send_ack(&[], "a"),
            SendOutcome::Delivered {
                seq: None,
                duplicate: false
            }
        );
        assert_eq!(
            read_send_ack(&[json!("Profanity is not allowed!")], "a"),
            SendOutcome::Refused("Profanity is not allowed!".into())
        );
        let ok = json!({"id": "a", "room": "r", "seq": 4, "createdAt": 1, "duplicate": true});
        assert_eq!(
            read_send_ack(&[json!(null), ok.clone()], "a"),
            SendOutcome::Delivered {
                seq: Some(4),
                duplicate: true
            }
        );
        assert!(matches!(
            read_send_ack(&[json!(null), ok], "b"),
            SendOutcome::Malformed(_)
        ));
        assert!(matches!(
            read_send_ack(&[json!(null), json!({"id": 3})], "a"),
            SendOutcome::Malformed(_)
        ));
        assert!(matches!(
            read_send_ack(&[json!(17)], "a"),
            SendOutcome::Malformed(_)
        ));
    }

    #[test]
    fn outcomes_are_final() {
        let t = AckTable::default();
        t.set_pending("a");
        assert_eq!(t.pending(), 1);
        assert!(t.resolve("a", MessageState::Delivered { seq: Some(1) }));
        assert!(!t.resolve(
            "a",
            MessageState::Failed {
                reason: "late".into()
            }
        ));
        assert_eq!(t.get("a"), Some(MessageState::Delivered { seq: Some(1) }));
        assert_eq!(t.pending(), 0);
    }
}
