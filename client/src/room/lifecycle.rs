//! The room's connection: letting go of it, losing it, the backoff and the re-attach, and
//! stopping the actor.

use super::*;

impl Actor {
    /// Lets go of the connection. `dead`: it stopped answering or could not be written, so
    /// it is closed for every room on it; otherwise only this room lets go (a refused join,
    /// leaving) and a connection of its own closes when the actor ends.
    pub(super) fn close_connection(&mut self, dead: bool) {
        self.raw_rx = None;
        self.joined = false;
        self.in_flight = None;
        self.queue.clear();
        if self.conn.take().is_some() {
            self.mux.detach(&self.spec.room, self.generation, dead);
        }
    }

    pub(super) fn connection_lost(&mut self, reason: &str) {
        if self.conn.is_none() {
            return;
        }
        // Pages of older history are asked for by a person, now: fail them rather than
        // replay them after the reconnect.
        // So are moderation acts and the like: a person is waiting for their outcome, and
        // replaying them later unseen would surprise.
        self.queue.retain(|r| !matches!(r, Req::Older { .. } | Req::Call { .. } | Req::Refresh { .. }));
        for (_, reply) in self.older.drain() {
            let _ = reply.send(Err(ClientError::ConnectionLost(reason.to_owned())));
        }
        for (_, reply) in self.calls.drain() {
            let _ = reply.send(Err(ClientError::ConnectionLost(reason.to_owned())));
        }
        if let Some(reply) = self.join_reply.take() {
            let _ = reply.send(Err(ClientError::ConnectionLost(reason.to_owned())));
            self.stopped = true;
            self.close_connection(true);
            return;
        }
        let in_flight = self.in_flight.take();
        self.close_connection(true);
        if let Some(f) = in_flight {
            if let Some(id) = f.echoed_send() {
                // its echo came before the connection died: the server has it
                self.resolve(id, AckStatus::Delivered, None, None);
            } else if let Req::Send { id } = f.req {
                if self.kind != Some(ServerKind::Banter) {
                    self.fail(&id, LOST_BEFORE_ANSWER);
                }
            }
        }
        self.typing_sent = None;
        self.schedule_reconnect(reason);
    }

    pub(super) fn schedule_reconnect(&mut self, reason: &str) {
        self.attempt += 1;
        let (mut delay, mut reconnecting) = self.spec.retry_after(self.attempt, reason);
        if std::mem::take(&mut self.reconnect_at_once) {
            delay = Duration::ZERO;
            if let ClientEvent::Reconnecting { delay_ms, .. } = &mut reconnecting {
                *delay_ms = 0;
            }
        }
        self.reconnect_at = Some(Instant::now() + delay);
        self.emit(reconnecting);
    }

    /// After a sleep or a network change: the connection is presumed dead (its socket may
    /// be, unseen, for up to a ping timeout) and is made again now, without backoff; a room
    /// already waiting to reconnect tries at once.
    pub(super) fn reconnect_now(&mut self, reason: &str) {
        if self.stopped || self.join_reply.is_some() {
            return;
        }
        self.attempt = 0;
        if self.conn.is_some() {
            self.reconnect_at_once = true;
            self.connection_lost(reason);
        } else if self.reconnect_at.is_some() {
            self.reconnect_at = Some(Instant::now());
        }
    }

    pub(super) async fn reconnect(&mut self) {
        self.reconnect_at = None;
        match self.mux.attach(&self.spec.room).await {
            Ok(Attached { conn, raw_rx, generation }) => {
                self.conn = Some(conn);
                self.raw_rx = Some(raw_rx);
                self.generation = generation;
                self.emit(ClientEvent::Connected {
                    server: self.server.clone(),
                    room: self.spec.room.clone(),
                    attempt: self.attempt,
                });
                let since = self.timeline.contiguous();
                self.queue.push_front(Req::Join {
                    since: (since > 0).then_some(since),
                });
            }
            Err(e @ (ClientError::Unauthorized { .. } | ClientError::SessionInvalid { .. })) => {
                self.error(e.clone());
                self.stopped = true;
                self.fail_pending_in_memory(if matches!(e, ClientError::SessionInvalid { .. }) {
                    "the server refused our session"
                } else {
                    "the server refused our token"
                });
                self.emit(ClientEvent::Disconnected {
                    server: self.server.clone(),
                    room: self.spec.room.clone(),
                    reason: e.to_string(),
                });
            }
            Err(e) => {
                let reason = e.to_string();
                self.schedule_reconnect(&reason);
            }
        }
    }

    pub(super) async fn stop(&mut self, reply: Option<oneshot::Sender<Result<()>>>, reason: &str) {
        if let Some(Req::Send { id }) = self.in_flight.take().map(|f| f.req) {
            if self.kind != Some(ServerKind::Banter) {
                self.fail(&id, "left the room before the acknowledgement");
            }
        }
        self.close_connection(false);
        // The last room of a connection closes it before the caller hears back.
        if let Some(conn) = self.mux.discharge(&self.spec.room) {
            conn.close().await;
        }
        if let Err(e) = self.outbox.set_last_seq(self.timeline.contiguous()) {
            self.error(e);
        }
        self.stopped = true;
        if reply.is_some() {
            self.emit(ClientEvent::Left {
                server: self.server.clone(),
                room: self.spec.room.clone(),
            });
        }
        self.emit(ClientEvent::Disconnected {
            server: self.server.clone(),
            room: self.spec.room.clone(),
            reason: reason.to_owned(),
        });
        if let Some(reply) = reply {
            let _ = reply.send(Ok(()));
        }
    }
}
