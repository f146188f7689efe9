//! What the server sends to a room: classic events (`message`, `locationMessage`,
//! `roomData` and its Admin notices) and Banter events (`banter:message`, `banter:presence`,
//! `banter:typing`, `banter:receipt`, `banter:hello`). Every payload is checked (types,
//! sizes, room); anything malformed becomes an `error` event and is otherwise ignored.

use std::collections::BTreeSet;

use banter_protocol::classic::{self, ChatMessage, Location, LocationMessage, Notice, RoomData};
use banter_protocol::ext::{self, Message, MessageKind, Presence, PresenceEvent, Receipt, Typing};
use serde_json::Value;
use tokio::time::Instant;

use super::{
    check_text, clip, parse, Actor, Req, RequestError, MAX_NAME_BYTES, MAX_TEXT_BYTES, MAX_USERS,
};
use crate::connection::Raw;
use crate::events::ClientEvent;
use crate::timeline::IdCheck;

impl Actor {
    // ----- server events ----------------------------------------------------------------

    pub(super) fn raw(&mut self, r: Raw) {
        match r {
            Raw::Connected => {}
            Raw::Closed => self.connection_lost("the server closed the connection"),
            Raw::Lost(reason) => self.connection_lost(&reason),
            // (the mux unwraps these; a dedicated connection never makes them)
            Raw::For { raw, .. } => self.raw(*raw),
            Raw::Error(text) if Raw::is_fatal_error(&text) => {
                self.connection_lost(&clip(&text, 300))
            }
            Raw::Error(text) => self.protocol_error(clip(&text, 300)),
            Raw::Binary { name, bytes } => self.protocol_error(format!(
                "unexpected binary event {} ({bytes} bytes)",
                clip(&name, 64)
            )),
            Raw::Event { name, args } => self.event(&name, args),
            Raw::Ack { token, args } => self.ack(token, Ok(args)),
            Raw::SendFailed { token, error } => self.ack(token, Err(RequestError::Emit(error))),
        }
    }

    fn event(&mut self, name: &str, mut args: Vec<Value>) {
        let first = if args.is_empty() {
            Value::Null
        } else {
            args.swap_remove(0)
        };
        if self.other_conversation(name, &first) {
            return;
        }
        let first = match self.room_event(name, first) {
            Some(first) => first,
            None => return, // a room event (moderation, read markers), handled
        };
        match name {
            classic::MESSAGE => match parse::<ChatMessage>(name, first) {
                Ok(m) => self.classic_message(m),
                Err(e) => self.protocol_error(e),
            },
            classic::LOCATION_MESSAGE => match parse::<LocationMessage>(name, first) {
                Ok(m) => {
                    if let Err(e) = check_text(&m.username, MAX_NAME_BYTES, "username")
                        .and(check_text(&m.url, MAX_TEXT_BYTES, "url"))
                    {
                        return self.protocol_error(e);
                    }
                    let mine = m.username == self.username;
                    let id = if mine { self.own_location_echo_id(&m.url) } else { None };
                    self.emit_classic(id, m.username, m.url, "location", m.created_at, mine, false);
                }
                Err(e) => self.protocol_error(e),
            },
            classic::ROOM_DATA => match parse::<RoomData>(name, first) {
                Ok(d) => {
                    if d.users.len() > MAX_USERS {
                        return self
                            .protocol_error(format!("roomData with {} users", d.users.len()));
                    }
                    if let Err(e) = d
                        .users
                        .iter()
                        .try_for_each(|u| check_text(&u.username, MAX_NAME_BYTES, "username"))
                    {
                        return self.protocol_error(e);
                    }
                    let users: BTreeSet<String> = d.users.into_iter().map(|u| u.username).collect();
                    let diff = self.users_known;
                    self.set_users(users, diff);
                }
                Err(e) => self.protocol_error(e),
            },
            ext::HELLO => match parse::<ext::Hello>(name, first) {
                Ok(h) => {
                    self.hello = Some(h.clone());
                    self.features = h
                        .features
                        .into_iter()
                        .take(64)
                        .map(|f| clip(&f, 64))
                        .collect()
                }
                Err(e) => self.protocol_error(e),
            },
            ext::MESSAGE => match parse::<Message>(name, first) {
                Ok(m) => self.banter_message(m, false),
                Err(e) => self.protocol_error(e),
            },
            ext::PRESENCE => match parse::<Presence>(name, first) {
                Ok(p) => self.presence(p),
                Err(e) => self.protocol_error(e),
            },
            ext::TYPING => match parse::<Typing>(name, first) {
                Ok(t) => {
                    if t.room != self.spec.room
                        || check_text(&t.username, MAX_NAME_BYTES, "username").is_err()
                    {
                        return self
                            .protocol_error("typing for another room or with a bad name".into());
                    }
                    if t.username == self.username {
                        return;
                    }
                    if t.typing {
                        let new = self
                            .typing
                            .insert(t.username.clone(), Instant::now())
                            .is_none();
                        if new {
                            self.emit(ClientEvent::Typing {
                                server: self.server.clone(),
                                room: self.spec.room.clone(),
                                username: t.username,
                                typing: true,
                            });
                        }
                    } else {
                        self.stop_typing(&t.username);
                    }
                }
                Err(e) => self.protocol_error(e),
            },
            ext::RECEIPT => match parse::<Receipt>(name, first) {
                Ok(r) => {
                    if r.room != self.spec.room || check_text(&r.id, 128, "id").is_err() {
                        return self
                            .protocol_error("receipt for another room or with a bad id".into());
                    }
                    self.emit(ClientEvent::Receipt {
                        server: self.server.clone(),
                        room: r.room,
                        id: r.id,
                        seq: r.seq,
                        received_by: r.received_by,
                        recipients: r.recipients,
                    });
                }
                Err(e) => self.protocol_error(e),
            },
            other => self.protocol_error(format!("unknown event {:?}", clip(other, 64))),
        }
    }

    fn classic_message(&mut self, m: ChatMessage) {
        if let Err(e) = check_text(&m.username, MAX_NAME_BYTES, "username").and(check_text(
            &m.text,
            MAX_TEXT_BYTES,
            "text",
        )) {
            return self.protocol_error(e);
        }
        let notice = m.notice();
        if let Some(n) = &notice {
            match n {
                // A re-join is greeted again; once per room is enough.
                Notice::Welcome if self.ever_joined => return,
                Notice::Welcome => {}
                Notice::Joined(name) => {
                    if self.users.insert(name.clone()) {
                        self.emit(ClientEvent::UserJoined {
                            server: self.server.clone(),
                            room: self.spec.room.clone(),
                            username: name.clone(),
                        });
                    }
                }
                Notice::Left(name) => {
                    if self.users.remove(name) {
                        self.emit(ClientEvent::UserLeft {
                            server: self.server.clone(),
                            room: self.spec.room.clone(),
                            username: name.clone(),
                        });
                    }
                    self.stop_typing(name);
                }
            }
            if self.users_known {
                self.report_users();
            }
        }
        let mine = notice.is_none() && m.username == self.username;
        let id = if mine { self.own_echo_id(&m.text) } else { None };
        self.emit_classic(id, m.username, m.text, "text", m.created_at, mine, notice.is_some());
    }

    /// On a classic server our own message comes back to us in the room's broadcast, before
    /// its ack (the tutorial server emits to the room, then answers). When the send in flight
    /// has that text, the echo is that message: its id lets a consumer show one line, not the
    /// pending one and the echo, and should the ack never come the message still counts as
    /// delivered (the server has it; a retry would post it twice).
    fn own_echo_id(&mut self, text: &str) -> Option<String> {
        let f = self.in_flight.as_mut()?;
        let Req::Send { id } = &f.req else { return None };
        let id = self.outbox.get(id).filter(|e| e.location.is_none() && e.text == text)?.id.clone();
        f.echoed = true;
        Some(id)
    }

    /// [`Actor::own_echo_id`] for a location: the `locationMessage` of our own name whose
    /// URL has the coordinates of the location in flight (compared as numbers: the
    /// tutorial's server writes them the JavaScript way).
    fn own_location_echo_id(&mut self, url: &str) -> Option<String> {
        let f = self.in_flight.as_mut()?;
        let Req::Send { id } = &f.req else { return None };
        let echoed = Location::from_maps_url(url)?;
        let id = self.outbox.get(id).filter(|e| e.location == Some(echoed))?.id.clone();
        f.echoed = true;
        Some(id)
    }

    /// A classic server's message (no seq; an id only for the echo of our own send) as a
    /// live `message` event.
    #[allow(clippy::too_many_arguments)]
    fn emit_classic(
        &mut self,
        id: Option<String>,
        username: String,
        text: String,
        kind: &str,
        created_at: i64,
        mine: bool,
        system: bool,
    ) {
        self.emit(ClientEvent::Message {
            server: self.server.clone(),
            room: self.spec.room.clone(),
            id,
            seq: None,
            username,
            text,
            kind: kind.into(),
            created_at,
            mine,
            system,
            history: false,
            removed: false,
            edited_at: None,
            reactions: Vec::new(),
            reply_to: None,
            file: None,
        });
    }

    /// A stored message as a `message` event, once checked; `None` (and an error event)
    /// when the server sent something malformed.
    pub(super) fn message_event(&mut self, m: Message, history: bool) -> Option<ClientEvent> {
        if m.room != self.spec.room {
            self.protocol_error(format!(
                "message for room {:?} on the socket of {:?}",
                clip(&m.room, 64),
                self.spec.room
            ));
            return None;
        }
        if let Err(e) = check_text(&m.username, MAX_NAME_BYTES, "username")
            .and(check_text(&m.text, MAX_TEXT_BYTES, "text"))
            .and(check_text(&m.id, 128, "id"))
        {
            self.protocol_error(e);
            return None;
        }
        let mine = m.username == self.username;
        // a file part the client could not use safely is dropped (the text stays)
        let file = m.file.filter(|f| {
            let fine = banter_protocol::files::is_file_id(&f.id)
                && !f.name.is_empty()
                && f.name.len() <= 1024
                && f.mime.len() <= 255
                && f.link.len() <= 4096
                && (f.link.is_empty() || f.link.starts_with('/'));
            fine
        });
        Some(ClientEvent::Message {
            server: self.server.clone(),
            room: m.room,
            id: Some(m.id),
            seq: Some(m.seq),
            username: m.username,
            text: m.text,
            kind: match m.kind {
                MessageKind::Text => "text".into(),
                MessageKind::Location => "location".into(),
            },
            created_at: m.created_at,
            mine,
            system: false,
            history,
            removed: m.removed,
            edited_at: m.edited_at,
            reactions: m.reactions,
            reply_to: m.reply_to,
            file,
        })
    }

    pub(super) fn banter_message(&mut self, m: Message, history: bool) {
        let (seq, id, username) = (m.seq, m.id.clone(), m.username.clone());
        let Some(event) = self.message_event(m, history) else { return };
        let seq_seen = !self.timeline.insert(seq);
        match self.recent_ids.check(seq, &id, seq_seen) {
            IdCheck::New => {}
            IdCheck::Duplicate => return, // already shown
            IdCheck::Conflict => self.protocol_error(format!(
                "the server gave seq {seq} to message {} after giving it to another (it lost acknowledged messages?)",
                clip(&id, 64)
            )),
        }
        self.stop_typing(&username);
        self.emit(event);
    }

    fn presence(&mut self, p: Presence) {
        if p.room != self.spec.room
            || p.users.len() > MAX_USERS
            || check_text(&p.username, MAX_NAME_BYTES, "username").is_err()
        {
            return self.protocol_error("presence for another room, or oversized".into());
        }
        let changed = match p.event {
            PresenceEvent::Joined => self.users.insert(p.username.clone()),
            PresenceEvent::Left => self.users.remove(&p.username),
        };
        if changed {
            let (server, room, username) = (
                self.server.clone(),
                self.spec.room.clone(),
                p.username.clone(),
            );
            self.emit(match p.event {
                PresenceEvent::Joined => ClientEvent::UserJoined {
                    server,
                    room,
                    username,
                },
                PresenceEvent::Left => ClientEvent::UserLeft {
                    server,
                    room,
                    username,
                },
            });
        }
        if p.event == PresenceEvent::Left {
            self.stop_typing(&p.username);
        }
        // The list after the change is authoritative.
        self.signed_in = p.signed_in.into_iter().collect();
        self.set_users(p.users.into_iter().collect(), true);
    }

    /// Replaces the member list; with `diff`, reports who appeared or vanished.
    pub(super) fn set_users(&mut self, users: BTreeSet<String>, diff: bool) {
        if diff && self.users_known {
            for u in users.difference(&self.users) {
                self.emit(ClientEvent::UserJoined {
                    server: self.server.clone(),
                    room: self.spec.room.clone(),
                    username: u.clone(),
                });
            }
            for u in self.users.difference(&users) {
                self.emit(ClientEvent::UserLeft {
                    server: self.server.clone(),
                    room: self.spec.room.clone(),
                    username: u.clone(),
                });
            }
        }
        self.users = users;
        self.users_known = true;
        self.report_users();
    }

    /// Emits a `users` event if the list differs from the one last reported.
    fn report_users(&mut self) {
        let signed_in: BTreeSet<String> = self.signed_in.intersection(&self.users).cloned().collect();
        let now = (self.users.clone(), signed_in);
        if self.users_reported.as_ref() != Some(&now) {
            self.emit(ClientEvent::Users {
                server: self.server.clone(),
                room: self.spec.room.clone(),
                users: now.0.iter().cloned().collect(),
                signed_in: now.1.iter().cloned().collect(),
            });
            self.users_reported = Some(now);
        }
    }

    pub(super) fn stop_typing(&mut self, username: &str) {
        if self.typing.remove(username).is_some() {
            self.emit(ClientEvent::Typing {
                server: self.server.clone(),
                room: self.spec.room.clone(),
                username: username.to_owned(),
                typing: false,
            });
        }
    }
}
