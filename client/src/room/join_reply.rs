//! The answer to a join: what kind of server it is, its limits and our role, the
//! history page or catch-up that comes with it, and what a refusal means (wait while the
//! server still holds our name, retry a server that cannot take the room now, or give up).

use banter_protocol::classic;
use banter_protocol::ext::JoinAccepted;
use banter_protocol::AckReply;
use serde_json::Value;

use tokio::time::Instant;

use crate::pacing::Pacer;

use super::moderation::role_name;
use super::store_retry;
use super::{clip, Actor, Req, LOST_BEFORE_ANSWER, STILL_HOLDS_OUR_NAME};
use crate::error::ClientError;
use crate::events::{ClientEvent, ServerKind};
use crate::timeline::SeqTracker;
use crate::JoinInfo;

/// The `reconnecting` reason while a join is answered "not now".
const SERVER_CANNOT_JOIN_NOW: &str = "the server cannot take the room now";

impl Actor {
    pub(super) fn joined_reply(&mut self, args: Vec<Value>, since: Option<u64>) {
        let args = if self.spec.dm {
            match self.dm_ack_as_join(args) {
                Ok(args) => args,
                Err(detail) => return self.join_refused(detail),
            }
        } else {
            args
        };
        let rejoin = self.ever_joined;
        let reply = AckReply::from_args(&args);
        let accepted = match reply {
            AckReply::Refused(reason) => return self.join_refused(clip(&reason, 500)),
            AckReply::Ok => None,
            AckReply::Malformed(d) => {
                self.protocol_error(format!("join ack: {d}"));
                None
            }
            AckReply::OkWith(v) => match serde_json::from_value::<JoinAccepted>(v) {
                Ok(a) => Some(a),
                Err(e) => {
                    self.protocol_error(format!("join ack is not a JoinAccepted: {e}"));
                    None
                }
            },
        };
        self.joined = true;
        self.ever_joined = true;
        self.attempt = 0;
        self.in_use_since = None;
        let mut latest_seq = None;
        let (mut read_seq, mut room_info) = (None, None);
        match accepted {
            None => {
                self.kind = Some(ServerKind::Classic);
                // A classic server cannot deduplicate: what went out without an ack fails
                // (re-sent only on retry); what never went out, or was answered "not now"
                // (nothing stored), is sent now.
                let ids: Vec<(String, u32)> =
                    self.outbox.pending().map(|e| (e.id.clone(), e.unanswered_attempts())).collect();
                for (id, attempts) in ids {
                    if attempts > 0 {
                        self.fail(&id, LOST_BEFORE_ANSWER);
                    } else {
                        self.queue.push_back(Req::Send { id });
                    }
                }
            }
            Some(a) => {
                self.kind = Some(ServerKind::Banter);
                self.username = a.username.clone();
                self.max_message_chars = a.limits.max_message_chars as usize;
                self.max_upload_bytes = (a.limits.max_upload_bytes > 0).then_some(a.limits.max_upload_bytes);
                if self.pacer.is_none() {
                    self.pacer = Pacer::new(a.limits.messages_per_second);
                }
                self.features = a.features.clone();
                latest_seq = Some(a.latest_seq);
                if since.is_none() {
                    // A fresh join shows the recent history only: older messages are skipped.
                    let first = a
                        .history
                        .first()
                        .map(|m| m.seq.saturating_sub(1))
                        .unwrap_or(a.latest_seq);
                    self.timeline.skip_to(first);
                } else if a.latest_seq < self.timeline.contiguous() {
                    // The server lost messages (new database?): start over from what it has.
                    self.protocol_error(format!(
                        "the server's latest seq {} is below ours {}; its history was reset",
                        a.latest_seq,
                        self.timeline.contiguous()
                    ));
                    self.timeline = SeqTracker::starting_at(0);
                    self.timeline.skip_to(
                        a.history
                            .first()
                            .map(|m| m.seq.saturating_sub(1))
                            .unwrap_or(a.latest_seq),
                    );
                }
                for m in a.history {
                    self.banter_message(m, true);
                }
                if a.more && since.is_some() {
                    self.queue.push_front(Req::History {
                        since: self.timeline.contiguous(),
                    });
                }
                if let Some(since) = since.filter(|s| *s > 0) {
                    self.queue.push_back(Req::Refresh { before: since + 1 });
                }
                self.signed_in = a.signed_in.into_iter().collect();
                self.set_users(a.users.into_iter().collect(), rejoin);
                read_seq = a.read_seq;
                room_info = a.room_info;
                let ids: Vec<String> = self.outbox.pending().map(|e| e.id.clone()).collect();
                for id in ids {
                    if !self.queue.contains(&Req::Send { id: id.clone() }) {
                        self.queue.push_back(Req::Send { id });
                    }
                }
            }
        }
        // What the server answered "not now" goes again at once, with the rest.
        self.store_retry.release();
        let kind = self.kind.unwrap_or(ServerKind::Classic);
        self.mux.learned(kind);
        self.emit(ClientEvent::Joined {
            server: self.server.clone(),
            room: self.spec.room.clone(),
            username: self.username.clone(),
            kind,
            rejoin,
            latest_seq,
            features: self.features.clone(),
            max_message_chars: u32::try_from(self.max_message_chars).unwrap_or(u32::MAX),
            read_seq,
        });
        if let Some(info) = room_info {
            self.role = info.role.map(|r| role_name(r).to_owned());
            self.room_info(info);
        }
        if let Some(reply) = self.join_reply.take() {
            let _ = reply.send(Ok(JoinInfo {
                server: self.server.clone(),
                room: self.spec.room.clone(),
                username: self.username.clone(),
                kind,
                users: self.users.iter().cloned().collect(),
                latest_seq,
                features: self.features.clone(),
                max_message_chars: u32::try_from(self.max_message_chars).unwrap_or(u32::MAX),
                max_upload_bytes: self.max_upload_bytes,
            }));
        }
    }

    /// A join the server refused. "In use" is tried again for a while: our own earlier
    /// connection (a previous run, or a socket that died unseen) may still hold the name.
    pub(super) fn join_refused(&mut self, reason: String) {
        let err = if self.spec.dm {
            super::dm_refusal(&self.spec.server, &reason)
        } else {
            ClientError::JoinRefused {
                room: self.spec.room.clone(),
                reason: reason.clone(),
            }
        };
        let not_now = store_retry::is_not_now(&reason);
        if let Some(reply) = self.join_reply.take() {
            let waiting = self.spec.in_use_deadline.is_some_and(|d| Instant::now() < d);
            if reason == classic::ERR_IN_USE && waiting {
                // Our previous run's connection may still hold the name: try again shortly.
                self.join_reply = Some(reply);
                self.close_connection(false);
                self.schedule_reconnect(STILL_HOLDS_OUR_NAME);
                return;
            }
            if not_now && self.spec.unreachable_deadline.is_some_and(|d| Instant::now() < d) {
                // The server cannot serve the room now (its database is down or restarting):
                // tried again like a server that cannot be reached yet.
                self.join_reply = Some(reply);
                self.close_connection(false);
                self.schedule_reconnect(&format!("{SERVER_CANNOT_JOIN_NOW}: {reason}"));
                return;
            }
            let _ = reply.send(Err(err));
            self.stopped = true;
            self.close_connection(false);
            return;
        }
        if not_now {
            // A re-join the server cannot serve now: tried again with the usual backoff (as
            // an unreachable server is), on this room's own; what is pending stays pending.
            return self.rejoin_later(&format!("{SERVER_CANNOT_JOIN_NOW}: {reason}"));
        }
        if reason == classic::ERR_IN_USE {
            // The server may still hold our previous socket (it lets go at its ping timeout):
            // try again with the usual backoff for a while, and say so only when giving up.
            let since = *self.in_use_since.get_or_insert_with(Instant::now);
            if since.elapsed() < self.spec.config.rejoin_in_use_window {
                self.connection_lost(STILL_HOLDS_OUR_NAME);
                return;
            }
        }
        self.error(err);
        self.stopped = true;
        self.close_connection(false);
        self.fail_pending_in_memory("the room could not be re-joined");
        self.emit(ClientEvent::Disconnected {
            server: self.server.clone(),
            room: self.spec.room.clone(),
            reason: format!("re-join refused: {reason}"),
        });
    }

    /// Lets go of the connection for this room only (the others on it are fine) and joins
    /// again after the backoff; what waited for this join's outcome is told it failed.
    fn rejoin_later(&mut self, reason: &str) {
        for (_, reply) in self.older.drain() {
            let _ = reply.send(Err(ClientError::ConnectionLost(reason.to_owned())));
        }
        for (_, reply) in self.calls.drain() {
            let _ = reply.send(Err(ClientError::ConnectionLost(reason.to_owned())));
        }
        self.typing_sent = None;
        self.close_connection(false);
        self.schedule_reconnect(reason);
    }
}
