//! Delivery receipts being counted in a room: for each of its newest messages (up to
//! [`RECEIPT_CAP`]) how many of the members there when it was sent confirmed it, and
//! whether the sender has yet to hear the new count.

use std::collections::VecDeque;

use banter_protocol::ext::{Message, Receipt};

use super::RECEIPT_CAP;

#[derive(Debug)]
struct ReceiptTrack {
    seq: u64,
    id: String,
    sender_sid: String,
    /// The sender's account: its other sockets (devices) are not recipients.
    sender_account: Option<i64>,
    recipients: u32,
    received_by: u32,
    dirty: bool,
}

/// The receipts of a room's newest messages, oldest first.
#[derive(Debug, Default)]
pub(super) struct Receipts {
    tracks: VecDeque<ReceiptTrack>,
}

impl Receipts {
    /// Starts counting a new message sent by a member, to `recipients` others.
    pub(super) fn track(&mut self, message: &Message, sender_sid: &str, sender_account: Option<i64>, recipients: u32) {
        if self.tracks.len() == RECEIPT_CAP {
            self.tracks.pop_front();
        }
        self.tracks.push_back(ReceiptTrack {
            seq: message.seq,
            id: message.id.clone(),
            sender_sid: sender_sid.to_owned(),
            sender_account,
            recipients,
            received_by: 0,
            dirty: false,
        });
    }

    /// Stops counting the message numbered `seq` (its write failed).
    pub(super) fn untrack(&mut self, seq: u64) {
        self.tracks.retain(|t| t.seq != seq);
    }

    /// Member `sid` (of `account`) confirmed every message in `(from, to]`: counts it once
    /// for each, except its own and its account's other devices'.
    pub(super) fn count(&mut self, from: u64, to: u64, sid: &str, account: Option<i64>) {
        for t in self
            .tracks
            .iter_mut()
            .filter(|t| t.seq > from && t.seq <= to && t.sender_sid != sid && !same_account(t.sender_account, account))
        {
            if t.received_by < t.recipients {
                t.received_by += 1;
                t.dirty = true;
            }
        }
    }

    /// Receipts that changed since the last call, with the sender to tell.
    pub(super) fn take_dirty(&mut self, room: &str) -> Vec<(String, Receipt)> {
        self.tracks
            .iter_mut()
            .filter(|t| t.dirty)
            .map(|t| {
                t.dirty = false;
                (
                    t.sender_sid.clone(),
                    Receipt {
                        room: room.to_owned(),
                        id: t.id.clone(),
                        seq: t.seq,
                        received_by: t.received_by,
                        recipients: t.recipients,
                    },
                )
            })
            .collect()
    }
}

/// Two sockets of one account (its devices): neither counts the other in receipts.
pub(super) fn same_account(a: Option<i64>, b: Option<i64>) -> bool {
    a.is_some() && a == b
}
