//! Room events of the Banter extensions that are not chat: the room's settings
//! (`banter:room`), a removed message's tombstone (`banter:removed`), our removal from the
//! room (`banter:kicked`), the account's read marker (`banter:read-marker`) and the room
//! left on another device (`banter:room-left`). See `docs/protocol.md` §§ 8–9.

use banter_protocol::edits::{self, Edited};
use banter_protocol::membership::{self, ReadMarker, RoomLeft};
use banter_protocol::reactions::{self, Reactions};
use banter_protocol::rooms::{self, Kicked, Removed, Role, RoomInfo};
use serde_json::Value;

use super::{check_text, clip, parse, Actor, MAX_NAME_BYTES};
use crate::events::ClientEvent;

/// Most moderators accepted in one `RoomInfo` (the server allows 100).
const MAX_MODERATORS: usize = 1000;
/// Longest topic accepted, in bytes (the server allows 256 characters).
const MAX_TOPIC_BYTES: usize = 4 * 256;

pub(super) fn role_name(role: Role) -> &'static str {
    match role {
        Role::None => "none",
        Role::Member => "member",
        Role::Moderator => "moderator",
        Role::Owner => "owner",
        Role::Admin => "admin",
    }
}

impl Actor {
    /// Handles `name` if it is one of these events (and returns `None`); otherwise hands
    /// the payload back for the chat events.
    pub(super) fn room_event(&mut self, name: &str, first: Value) -> Option<Value> {
        match name {
            rooms::ROOM => match parse::<RoomInfo>(name, first) {
                Ok(info) => self.room_info(info),
                Err(e) => self.protocol_error(e),
            },
            rooms::REMOVED => match parse::<Removed>(name, first) {
                Ok(r) => self.removed(r),
                Err(e) => self.protocol_error(e),
            },
            rooms::KICKED => match parse::<Kicked>(name, first) {
                Ok(k) => self.kicked(k),
                Err(e) => self.protocol_error(e),
            },
            membership::READ_MARKER => match parse::<ReadMarker>(name, first) {
                Ok(m) if m.room == self.spec.room => self.emit(ClientEvent::ReadMarker {
                    server: self.server.clone(),
                    room: m.room,
                    read_seq: m.read_seq,
                    latest_seq: m.latest_seq,
                    unread: m.unread,
                }),
                Ok(_) => self.protocol_error("read marker for another room".into()),
                Err(e) => self.protocol_error(e),
            },
            membership::ROOM_LEFT => match parse::<RoomLeft>(name, first) {
                Ok(l) if l.room == self.spec.room => {
                    self.emit(ClientEvent::RoomLeft { server: self.server.clone(), room: l.room });
                    self.end_here("left on another device");
                }
                Ok(_) => self.protocol_error("room-left for another room".into()),
                Err(e) => self.protocol_error(e),
            },
            edits::EDITED => match parse::<Edited>(name, first) {
                Ok(e) if e.room == self.spec.room && check_text(&e.text, super::MAX_TEXT_BYTES, "text").is_ok() && e.id.len() <= 128 => {
                    self.emit(ClientEvent::Edited { server: self.server.clone(), room: e.room, id: e.id, seq: e.seq, text: e.text, edited_at: e.edited_at })
                }
                Ok(_) => self.protocol_error("an edit for another room, or oversized".into()),
                Err(e) => self.protocol_error(e),
            },
            reactions::REACTIONS => match parse::<Reactions>(name, first) {
                Ok(r) if r.room == self.spec.room && r.reactions.len() <= reactions::MAX_KINDS && r.reactions.iter().all(|x| x.emoji.len() <= reactions::MAX_EMOJI_BYTES && x.users.len() <= super::MAX_USERS) => {
                    self.emit(ClientEvent::Reactions { server: self.server.clone(), room: r.room, id: r.id, seq: r.seq, reactions: r.reactions })
                }
                Ok(_) => self.protocol_error("reactions for another room, or oversized".into()),
                Err(e) => self.protocol_error(e),
            },
            _ => return Some(first),
        }
        None
    }

    /// Reports the room's settings (with our role as of the last join).
    pub(super) fn room_info(&mut self, info: RoomInfo) {
        if info.room != self.spec.room {
            return self.protocol_error(format!("room settings for {:?}", clip(&info.room, 64)));
        }
        let names_ok = info.moderators.len() <= MAX_MODERATORS
            && info.moderators.iter().chain(info.owner.iter()).all(|n| n.len() <= MAX_NAME_BYTES);
        if !names_ok || check_text(&info.topic, MAX_TOPIC_BYTES, "topic").is_err() {
            return self.protocol_error("oversized room settings".into());
        }
        if let Some(role) = info.role {
            self.role = Some(role_name(role).to_owned());
        }
        self.emit(ClientEvent::RoomInfo {
            server: self.server.clone(),
            room: info.room,
            owner: info.owner,
            topic: info.topic,
            private: info.private,
            moderators: info.moderators,
            role: self.role.clone(),
        });
    }

    fn removed(&mut self, r: Removed) {
        if r.room != self.spec.room || check_text(&r.id, 128, "id").is_err() || check_text(&r.by, MAX_NAME_BYTES, "name").is_err() {
            return self.protocol_error("a removal for another room, or oversized".into());
        }
        self.emit(ClientEvent::Removed { server: self.server.clone(), room: r.room, id: r.id, seq: r.seq, by: r.by });
    }

    fn kicked(&mut self, k: Kicked) {
        if k.room != self.spec.room || check_text(&k.by, MAX_NAME_BYTES, "name").is_err() {
            return self.protocol_error("a kick for another room, or oversized".into());
        }
        let reason = if k.banned { format!("banned by {}", k.by) } else { format!("removed by {}", k.by) };
        self.emit(ClientEvent::Kicked { server: self.server.clone(), room: k.room, by: k.by, banned: k.banned });
        self.end_here(&reason);
    }

    /// The server took us out of the room: the subscription ends without a re-join, and
    /// what waits in its outbox fails (a later join sends what the user retries).
    fn end_here(&mut self, reason: &str) {
        self.stopped = true;
        self.close_connection(false);
        self.fail_pending_in_memory(&format!("not sent: {reason}"));
        self.emit(ClientEvent::Disconnected { server: self.server.clone(), room: self.spec.room.clone(), reason: reason.to_owned() });
    }
}
