//! What the room's owner asks of it (send, typing, history, calls, leave) and how each is
//! queued.

use super::*;

impl Actor {
    pub(super) async fn command(&mut self, c: Command) {
        match c {
            Command::Send { id, text, location, reply_to, reply } => {
                let _ = reply.send(self.queue_send(id, text, location, reply_to));
            }
            Command::Retry { id, reply } => {
                let r = match self.outbox.retry(&id) {
                    Ok(true) => {
                        self.acks.set_pending(&id);
                        let text = self
                            .outbox
                            .get(&id)
                            .map(|e| e.text.clone())
                            .unwrap_or_default();
                        self.emit_pending(&id, text);
                        if self.joined {
                            self.queue.push_back(Req::Send { id });
                        }
                        Ok(())
                    }
                    Ok(false) => Err(ClientError::UnknownMessage(id)),
                    Err(e) => Err(e),
                };
                let _ = reply.send(r);
            }
            Command::Typing(typing) => self.send_typing(typing),
            Command::ReconnectNow { reason } => self.reconnect_now(&reason),
            Command::Older { before, limit, reply } => {
                if self.kind != Some(ServerKind::Banter) {
                    // A classic server keeps no history: there is nothing older to fetch.
                    let _ = reply.send(Ok(crate::OlderPage { messages: Vec::new(), more: false }));
                } else {
                    self.next_ticket += 1;
                    let ticket = self.next_ticket;
                    self.older.insert(ticket, reply);
                    self.queue.push_back(Req::Older { before, limit: limit.clamp(1, 500), ticket });
                }
            }
            Command::Call { event, payload, feature, reply } => {
                if !self.joined {
                    let _ = reply.send(Err(ClientError::ConnectionLost("the room is not connected right now".into())));
                } else if self.kind != Some(ServerKind::Banter) || !self.features.iter().any(|f| f == feature) {
                    let _ = reply.send(Err(ClientError::Unsupported { feature: feature.to_owned() }));
                } else {
                    self.next_ticket += 1;
                    let ticket = self.next_ticket;
                    self.calls.insert(ticket, reply);
                    self.queue.push_back(Req::Call { event, payload, ticket });
                }
            }
            Command::Leave { forget, reply } => {
                if forget && self.kind == Some(ServerKind::Banter) && !self.spec.dm {
                    self.leave_on_server().await;
                }
                self.stop(Some(reply), if forget { "left" } else { "closed" }).await;
            }
        }
    }

    /// A message is queued (again) and waits for its outcome.
    pub(super) fn emit_pending(&mut self, id: &str, text: String) {
        self.emit(ClientEvent::Pending {
            server: self.server.clone(),
            room: self.spec.room.clone(),
            id: id.to_owned(),
            text,
            attempt: 0,
        });
    }

    pub(super) fn queue_send(&mut self, id: String, text: String, location: Option<Location>, reply_to: Option<String>) -> Result<()> {
        rules::check_message_id(&id).map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        let now = chrono::Utc::now().timestamp_millis();
        match location {
            // checked by `Client::send_location`; its text is the map URL
            Some(location) => self.outbox.queue_location(&id, location, now)?,
            None => {
                rules::check_message(&text, self.max_message_chars)
                    .map_err(|e| ClientError::InvalidInput(e.to_string()))?;
                match &reply_to {
                    Some(answered) => {
                        rules::check_message_id(answered).map_err(|e| ClientError::InvalidInput(format!("the answered message: {e}")))?;
                        self.outbox.queue_reply(&id, &text, answered, now)?
                    }
                    None => self.outbox.queue(&id, &text, now)?,
                }
            }
        }
        self.acks.set_pending(&id);
        self.emit_pending(&id, text);
        self.typing_sent = None;
        if self.joined {
            self.queue.push_back(Req::Send { id });
        }
        Ok(())
    }

    pub(super) fn send_typing(&mut self, typing: bool) {
        if self.kind != Some(ServerKind::Banter) || !self.joined {
            return;
        }
        let now = Instant::now();
        let due = match (typing, self.typing_sent) {
            (true, Some(t)) => now.duration_since(t) >= Duration::from_secs(3),
            (true, None) => true,
            (false, Some(_)) => true,
            (false, None) => false,
        };
        if !due {
            return;
        }
        self.typing_sent = typing.then_some(now);
        let payload = serde_json::to_value(TypingRequest {
            room: self.spec.room.clone(),
            typing,
        })
        .unwrap_or(Value::Null);
        self.fire(ext::TYPING, payload);
    }

    /// Emits without an ack, off the actor's path.
    pub(super) fn fire(&self, event: &'static str, payload: Value) {
        if let Some(conn) = self.conn.clone() {
            tokio::spawn(async move {
                let _ = conn.emit(event, payload).await;
            });
        }
    }

    /// Tells a Banter server we leave the room (it takes it off the account's rooms and
    /// tells the others); bounded in time, since the connection may be gone.
    pub(super) async fn leave_on_server(&self) {
        let Some(conn) = self.conn.clone() else { return };
        let payload = serde_json::to_value(ext::LeaveRequest { room: self.spec.room.clone() }).unwrap_or(Value::Null);
        let _ = tokio::time::timeout(Duration::from_secs(2), conn.emit(ext::LEAVE, payload)).await;
    }
}
