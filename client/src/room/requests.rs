//! Requests that need an acknowledgement (join, send, history), one in flight per
//! connection, and what their answers mean: the server's kind, the outcome of each message
//! (delivered, refused, failed), history pages. A join's answer is read in `join_reply`.

use banter_protocol::classic;
use banter_protocol::ext::{
    self, HistoryPage, HistoryRequest, JoinExtension, LocationRequest, SendRequest,
};
use banter_protocol::AckReply;
use serde_json::Value;

use tokio::time::Instant;


use super::store_retry;
use super::{clip, Actor, InFlight, Req, RequestError};
use crate::acks::{read_send_ack, MessageState, SendOutcome};
use crate::error::ClientError;
use crate::events::{AckStatus, ClientEvent, ServerKind};
use crate::outbox::EntryState;

/// How many of the newest lines a catch-up join refreshes.
const REFRESH_LINES: u32 = 100;

/// Why a location is refused by a Banter server that does not list the `location` feature.
const NO_LOCATIONS: &str = "this server does not accept shared locations";

impl Actor {
    // ----- requests ---------------------------------------------------------------------

    /// Starts the next request if none is in flight (joins first, sends only once joined).
    pub(super) fn pump(&mut self) {
        if self.in_flight.is_some() || self.stopped || self.paced_until.is_some() {
            return;
        }
        let Some(conn) = self.conn.clone() else {
            return;
        };
        // After a "not now" the sends wait (in order) while the other requests go on.
        let sends_held = self.store_retry.holds();
        if let (Some(Req::Send { .. }), true, Some(pacer), false) =
            (self.queue.front(), self.joined, self.pacer.as_mut(), sends_held)
        {
            if let Err(wait) = pacer.take(Instant::now()) {
                self.paced_until = Some(Instant::now() + wait);
                return;
            }
        }
        let next = match self.queue.front() {
            Some(Req::Join { .. }) => self.queue.pop_front(),
            Some(_) if self.joined && sends_held => {
                let other = self.queue.iter().position(|r| !matches!(r, Req::Send { .. }));
                other.and_then(|i| self.queue.remove(i))
            }
            Some(_) if self.joined => self.queue.pop_front(),
            _ => None,
        };
        let Some(req) = next else { return };
        let room = self.spec.room.clone();
        let (event, payload) = match &req {
            Req::Join { since } if self.spec.dm => self.dm_open_request(*since),
            Req::Join { since } => (
                classic::JOIN,
                serde_json::json!({
                    "username": self.spec.username,
                    "room": room,
                    "banter": JoinExtension { v: ext::PROTOCOL_VERSION, since: *since },
                }),
            ),
            Req::History { since } => (
                ext::HISTORY,
                serde_json::to_value(HistoryRequest {
                    before: None,
                    room,
                    since: *since,
                    limit: Some(500),
                })
                .unwrap_or(Value::Null),
            ),
            Req::Older { before, limit, .. } => (
                ext::HISTORY,
                serde_json::to_value(HistoryRequest {
                    room,
                    since: 0,
                    limit: Some(*limit),
                    before: Some(*before),
                })
                .unwrap_or(Value::Null),
            ),
            Req::Refresh { before } => (
                ext::HISTORY,
                serde_json::to_value(HistoryRequest { room, since: 0, limit: Some(REFRESH_LINES), before: Some(*before) })
                    .unwrap_or(Value::Null),
            ),
            Req::Call { event, payload, .. } => (*event, payload.clone()),
            Req::Send { id } => {
                let Some(entry) = self
                    .outbox
                    .get(id)
                    .filter(|e| e.state == EntryState::Pending)
                    .cloned()
                else {
                    return self.pump(); // resolved meanwhile (e.g. failed, or queued twice)
                };
                let attempt = match self.outbox.mark_sent(id) {
                    Ok(a) => a,
                    Err(e) => {
                        self.error(e);
                        entry.attempts + 1
                    }
                };
                if attempt > 1 {
                    self.emit(ClientEvent::Pending {
                        server: self.server.clone(),
                        room: room.clone(),
                        id: id.clone(),
                        text: entry.text.clone(),
                        attempt,
                    });
                }
                let banter = self.kind == Some(ServerKind::Banter);
                if let (Some(location), true) = (entry.location, banter) {
                    if !self.features.iter().any(|f| f == ext::features::LOCATION) {
                        // a Banter server of before locations: it would drop the event unanswered
                        self.resolve(id, AckStatus::Refused, Some(NO_LOCATIONS.to_owned()), None);
                        return self.pump();
                    }
                    (
                        ext::LOCATION,
                        serde_json::to_value(LocationRequest {
                            id: id.clone(),
                            room,
                            latitude: location.latitude,
                            longitude: location.longitude,
                        })
                        .unwrap_or(Value::Null),
                    )
                } else if let Some(location) = entry.location {
                    (
                        classic::SEND_LOCATION,
                        serde_json::to_value(location).unwrap_or(Value::Null),
                    )
                } else if banter {
                    (
                        ext::SEND,
                        serde_json::to_value(SendRequest {
                            id: id.clone(),
                            room,
                            text: entry.text,
                            // (a server without replies ignores it: the text goes as it is)
                            reply_to: entry.reply_to,
                        })
                        .unwrap_or(Value::Null),
                    )
                } else {
                    (classic::SEND_MESSAGE, Value::String(entry.text))
                }
            }
        };
        let timeout = self.spec.config.request_timeout;
        self.next_token += 1;
        let token = self.next_token;
        tracing::trace!(room = %self.spec.room, token, ?req, queued = self.queue.len(), "request");
        conn.request(event, payload, token, timeout);
        self.in_flight = Some(InFlight {
            req,
            token,
            deadline: Instant::now() + timeout,
            echoed: false,
        });
    }

    /// An ack (or a write failure) for request `token`; stale tokens are ignored.
    pub(super) fn ack(&mut self, token: u64, result: Result<Vec<Value>, RequestError>) {
        if self.in_flight.as_ref().map(|f| f.token) != Some(token) {
            tracing::trace!(room = %self.spec.room, token, "stale ack ignored");
            return;
        }
        if let Some(f) = self.in_flight.take() {
            self.answer(f.req, result);
        }
    }

    /// What a request's answer (or its absence) means.
    pub(super) fn answer(&mut self, req: Req, result: Result<Vec<Value>, RequestError>) {
        tracing::trace!(room = %self.spec.room, ?req, ?result, "answer");
        let secs = self.spec.config.request_timeout.as_secs();
        match (req, result) {
            (_, Err(RequestError::Emit(e))) => {
                self.connection_lost(&format!("cannot write to the socket: {e}"))
            }
            (req, Err(RequestError::Timeout)) => {
                let what = match &req {
                    Req::Join { .. } => "join".to_owned(),
                    Req::Send { id } => format!("message {id}"),
                    Req::History { .. } => "history".to_owned(),
                    Req::Older { .. } => "older history".to_owned(),
                    Req::Refresh { .. } => "refresh of recent lines".to_owned(),
                    Req::Call { event, .. } => (*event).to_owned(),
                };
                let err = ClientError::Timeout {
                    what,
                    seconds: secs,
                };
                if let Req::Older { ticket, .. } = &req {
                    if let Some(reply) = self.older.remove(ticket) {
                        let _ = reply.send(Err(err.clone()));
                    }
                }
                if let Req::Call { ticket, .. } = &req {
                    if let Some(reply) = self.calls.remove(ticket) {
                        let _ = reply.send(Err(err.clone()));
                    }
                }
                if let Some(reply) = self.join_reply.take() {
                    let _ = reply.send(Err(err));
                    self.stopped = true;
                    self.close_connection(true);
                    return;
                }
                // No answer at all: the connection is presumed dead. Banter sends are re-sent
                // with the same id after the reconnect; classic ones fail (see connection_lost).
                if let Req::Send { id } = &req {
                    if self.kind != Some(ServerKind::Banter) {
                        self.fail(
                            id,
                            &format!("no answer from the server within {secs} s; it may not have got it"),
                        );
                    } else if self.outbox.get(id).map(|e| e.unanswered_attempts()).unwrap_or(0)
                        >= self.spec.config.max_send_attempts
                    {
                        self.fail(
                            id,
                            &format!(
                                "no answer from the server after {} attempts",
                                self.spec.config.max_send_attempts
                            ),
                        );
                    }
                }
                self.connection_lost(&err.to_string());
            }
            (Req::Join { since }, Ok(args)) => self.joined_reply(args, since),
            (Req::Send { id }, Ok(args)) => self.send_reply(&id, &args),
            (Req::History { .. }, Ok(args)) => self.history_reply(args),
            (Req::Older { ticket, .. }, Ok(args)) => self.older_reply(ticket, args),
            (Req::Refresh { .. }, Ok(args)) => self.refresh_reply(args),
            (Req::Call { ticket, .. }, Ok(args)) => {
                if let Some(reply) = self.calls.remove(&ticket) {
                    let _ = reply.send(Ok(AckReply::from_args(&args)));
                }
            }
        }
    }

    pub(super) fn send_reply(&mut self, id: &str, args: &[Value]) {
        match read_send_ack(args, id) {
            SendOutcome::Delivered { seq, .. } => {
                self.store_retry.delivered();
                self.resolve(id, AckStatus::Delivered, None, seq)
            }
            SendOutcome::Refused(reason) if store_retry::is_not_now(&reason) => self.not_now(id, reason),
            SendOutcome::Refused(reason) => {
                self.resolve(id, AckStatus::Refused, Some(reason), None)
            }
            SendOutcome::Malformed(detail) => {
                self.protocol_error(format!("send ack: {detail}"));
                self.fail(id, &format!("malformed acknowledgement: {detail}"));
            }
        }
    }

    /// The server could not store message `id` now (nothing was stored): it stays pending
    /// (on disk too) and goes again under the same id after the backoff, first of the
    /// room's sends; after `store_retry_window` of such answers it is refused for good.
    fn not_now(&mut self, id: &str, reason: String) {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let since = match self.outbox.defer(id, now_ms) {
            Ok(Some(since)) => since,
            Ok(None) => return, // no longer pending (failed meanwhile)
            Err(e) => {
                self.error(e);
                self.outbox.get(id).and_then(|e| e.deferred_since).unwrap_or(now_ms)
            }
        };
        if store_retry::gives_up(since, now_ms, self.spec.config.store_retry_window) {
            let reason = store_retry::give_up_reason(&reason);
            return self.resolve(id, AckStatus::Refused, Some(reason), None);
        }
        let (min, max) = (self.spec.config.store_retry_min, self.spec.config.store_retry_max);
        let delay = self.store_retry.refused(Instant::now(), min, max);
        tracing::debug!(room = %self.spec.room, id, ?delay, reason, "the server cannot store the message now: sent again later");
        self.queue.push_front(Req::Send { id: id.to_owned() });
    }

    /// Answers a caller's request for older history: the messages as `message` events
    /// (marked `history`), not put on the event stream.
    pub(super) fn older_reply(&mut self, ticket: u64, args: Vec<Value>) {
        let Some(reply) = self.older.remove(&ticket) else { return };
        let result = match AckReply::from_args(&args) {
            AckReply::OkWith(v) => match serde_json::from_value::<HistoryPage>(v) {
                Ok(page) => Ok(crate::OlderPage {
                    messages: page
                        .messages
                        .into_iter()
                        .filter_map(|m| self.message_event(m, true))
                        .collect(),
                    more: page.more,
                }),
                Err(e) => Err(ClientError::Protocol(format!("history ack is not a HistoryPage: {e}"))),
            },
            AckReply::Refused(r) => Err(ClientError::Protocol(format!("history refused: {}", clip(&r, 500)))),
            AckReply::Ok => Err(ClientError::Protocol("history ack without a page".into())),
            AckReply::Malformed(d) => Err(ClientError::Protocol(format!("history ack: {d}"))),
        };
        let _ = reply.send(result);
    }

    /// The answer to [`Req::Refresh`]: what changed on lines we already had — an edit, the
    /// reactions, a removal — as the events that would have told us live (each idempotent
    /// for its listener); lines without such changes say nothing.
    pub(super) fn refresh_reply(&mut self, args: Vec<Value>) {
        let AckReply::OkWith(v) = AckReply::from_args(&args) else {
            return tracing::debug!("refresh of recent lines: no page");
        };
        let Ok(page) = serde_json::from_value::<HistoryPage>(v) else {
            return self.protocol_error("refresh ack is not a HistoryPage".into());
        };
        let (server, room) = (self.spec.server.to_string(), self.spec.room.clone());
        for m in page.messages {
            if m.removed {
                self.emit(ClientEvent::Removed { server: server.clone(), room: room.clone(), id: m.id, seq: m.seq, by: String::new() });
                continue;
            }
            if let Some(edited_at) = m.edited_at {
                self.emit(ClientEvent::Edited { server: server.clone(), room: room.clone(), id: m.id.clone(), seq: m.seq, text: m.text.clone(), edited_at });
            }
            if !m.reactions.is_empty() {
                self.emit(ClientEvent::Reactions { server: server.clone(), room: room.clone(), id: m.id, seq: m.seq, reactions: m.reactions });
            }
        }
    }

    pub(super) fn history_reply(&mut self, args: Vec<Value>) {
        match AckReply::from_args(&args) {
            AckReply::OkWith(v) => match serde_json::from_value::<HistoryPage>(v) {
                Ok(page) => {
                    let progressed = !page.messages.is_empty();
                    for m in page.messages {
                        self.banter_message(m, true);
                    }
                    if page.more && progressed {
                        self.queue.push_front(Req::History {
                            since: self.timeline.contiguous(),
                        });
                    }
                }
                Err(e) => self.protocol_error(format!("history ack is not a HistoryPage: {e}")),
            },
            AckReply::Refused(r) => self.error(ClientError::Protocol(format!(
                "history refused: {}",
                clip(&r, 500)
            ))),
            AckReply::Ok => self.protocol_error("history ack without a page".into()),
            AckReply::Malformed(d) => self.protocol_error(format!("history ack: {d}")),
        }
    }

    // ----- outcomes ---------------------------------------------------------------------

    pub(super) fn resolve(
        &mut self,
        id: &str,
        status: AckStatus,
        reason: Option<String>,
        seq: Option<u64>,
    ) {
        let state = match status {
            AckStatus::Delivered => MessageState::Delivered { seq },
            AckStatus::Refused => MessageState::Refused {
                reason: reason.clone().unwrap_or_default(),
            },
            AckStatus::Failed => MessageState::Failed {
                reason: reason.clone().unwrap_or_default(),
            },
        };
        let stored = if status == AckStatus::Failed {
            self.outbox.fail(id)
        } else {
            self.outbox.remove(id)
        };
        if let Err(e) = stored {
            self.error(e);
        }
        if self.acks.resolve(id, state) {
            self.emit(ClientEvent::Ack {
                server: self.server.clone(),
                room: self.spec.room.clone(),
                id: id.to_owned(),
                status,
                reason,
                seq,
            });
        }
    }

    pub(super) fn fail(&mut self, id: &str, reason: &str) {
        if self
            .outbox
            .get(id)
            .is_some_and(|e| e.state == EntryState::Pending)
        {
            self.resolve(id, AckStatus::Failed, Some(reason.to_owned()), None);
        }
    }

    pub(super) fn fail_pending_in_memory(&mut self, reason: &str) {
        let ids: Vec<String> = self.outbox.pending().map(|e| e.id.clone()).collect();
        for id in ids {
            self.fail(&id, reason);
        }
    }
}
