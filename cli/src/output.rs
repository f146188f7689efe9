//! Printing events: one JSON object per line (`--json`) or readable lines with local times.

use std::io::Write;

use banter_client::time;
use banter_client::{AckStatus, ClientEvent};
use chrono::Local;
use serde_json::Value;

/// How events are printed.
pub struct Printer {
    pub json: bool,
    pub multi_room: bool,
}

impl Printer {
    /// Writes one event as one line.
    pub fn print(&self, out: &mut impl Write, event: &ClientEvent) -> std::io::Result<()> {
        if self.json {
            let line = json_line(event);
            writeln!(out, "{line}")
        } else {
            match self.text_line(event) {
                Some(line) => writeln!(out, "{line}"),
                None => Ok(()),
            }
        }
    }

    fn text_line(&self, event: &ClientEvent) -> Option<String> {
        let prefix = |room: &str| {
            if self.multi_room {
                format!("#{room} ")
            } else {
                String::new()
            }
        };
        Some(match event {
            ClientEvent::Connected { server, room, .. } => {
                format!("{}* connected to {server}", prefix(room))
            }
            ClientEvent::Reconnecting {
                room,
                delay_ms,
                reason,
                ..
            } => {
                format!(
                    "{}* connection lost ({reason}); reconnecting in {delay_ms} ms",
                    prefix(room)
                )
            }
            ClientEvent::Disconnected { room, reason, .. } => {
                format!("{}* disconnected: {reason}", prefix(room))
            }
            ClientEvent::Joined {
                room,
                username,
                kind,
                rejoin,
                ..
            } => format!(
                "{}* {} {room} as {username} ({kind:?} server)",
                prefix(room),
                if *rejoin { "re-joined" } else { "joined" }
            ),
            ClientEvent::Left { room, .. } => format!("{}* left {room}", prefix(room)),
            ClientEvent::Message {
                server,
                room,
                username,
                text,
                kind,
                created_at,
                system,
                removed,
                reply_to,
                edited_at,
                file,
                ..
            } => {
                let answering = reply_to.as_ref().map(|r| format!("(re {}: {}) ", r.username, r.excerpt)).unwrap_or_default();
                let edited = if edited_at.is_some() { " (edited)" } else { "" };
                let at = time::clock_millis(*created_at, &Local);
                if *removed {
                    format!("{}[{at}] {username}: (message removed)", prefix(room))
                } else if *system && is_presence_notice(text) {
                    return None; // said once, by the user_joined / user_left line
                } else if *system {
                    format!("{}[{at}] * {text}", prefix(room))
                } else if kind == "location" {
                    format!("{}[{at}] {username} shared a location: {text}", prefix(room))
                } else if let Some(f) = file {
                    // name (size) <link>: the signed link works without a session for 7 days
                    format!("{}[{at}] {username}: {answering}{} <{server}{}>", prefix(room), f.describe(), f.link)
                } else {
                    format!("{}[{at}] {username}: {answering}{text}{edited}", prefix(room))
                }
            }
            ClientEvent::UserJoined { room, username, .. } => format!("{}* {username} joined", prefix(room)),
            ClientEvent::UserLeft { room, username, .. } => format!("{}* {username} left", prefix(room)),
            ClientEvent::Users { room, users, signed_in, .. } => {
                format!("{}* in the room: {}", prefix(room), member_list(users, signed_in))
            }
            ClientEvent::Typing {
                room,
                username,
                typing,
                ..
            } => {
                format!(
                    "{}* {username} {}",
                    prefix(room),
                    if *typing {
                        "is typing…"
                    } else {
                        "stopped typing"
                    }
                )
            }
            ClientEvent::Pending { .. } | ClientEvent::Receipt { .. } | ClientEvent::ReadMarker { .. } => return None,
            ClientEvent::RoomInfo { room, topic, private, .. } => {
                let topic = if topic.is_empty() { "no topic".to_owned() } else { format!("topic: {topic}") };
                format!("{}* {room}: {topic}{}", prefix(room), if *private { " (private)" } else { "" })
            }
            ClientEvent::Removed { room, id, by, .. } if by.is_empty() => format!("{}* message {id} removed", prefix(room)),
            ClientEvent::Removed { room, id, by, .. } => format!("{}* message {id} removed by {by}", prefix(room)),
            ClientEvent::Kicked { room, by, banned, .. } => {
                format!("{}* you were {} {room} by {by}", prefix(room), if *banned { "banned from" } else { "removed from" })
            }
            ClientEvent::RoomLeft { room, .. } => format!("{}* left {room} on another device", prefix(room)),
            ClientEvent::DmAdded { dm, members, .. } => format!("* a direct message with {} ({dm})", members.join(", ")),
            ClientEvent::Edited { room, id, text, .. } => format!("{}* message {id} edited: {text}", prefix(room)),
            ClientEvent::Reactions { room, id, reactions, .. } => {
                let list: Vec<String> = reactions.iter().map(|r| format!("{} {}", r.emoji, r.users.len())).collect();
                format!("{}* reactions on {id}: {}", prefix(room), if list.is_empty() { "none".to_owned() } else { list.join(", ") })
            }
            ClientEvent::Ack {
                room,
                id,
                status,
                reason,
                ..
            } => match status {
                AckStatus::Delivered => return None,
                AckStatus::Refused => format!(
                    "{}! message {id} refused: {}",
                    prefix(room),
                    reason.as_deref().unwrap_or("")
                ),
                AckStatus::Failed => format!(
                    "{}! message {id} failed: {}",
                    prefix(room),
                    reason.as_deref().unwrap_or("")
                ),
            },
            ClientEvent::Error { code, message, .. } => format!("! error ({code}): {message}"),
        })
    }
}

/// The event as JSON; a `message` also gets `time` (RFC 3339, local zone) and
/// `time_formatted` (`h:mm a`, local zone).
pub fn json_line(event: &ClientEvent) -> String {
    let mut v = serde_json::to_value(event).unwrap_or_else(
        |e| serde_json::json!({"type": "error", "code": "internal", "message": e.to_string()}),
    );
    if let (ClientEvent::Message { created_at, .. }, Value::Object(map)) = (event, &mut v) {
        map.insert(
            "time".into(),
            time::rfc3339(*created_at, &Local)
                .map(Value::String)
                .unwrap_or(Value::Null),
        );
        map.insert(
            "time_formatted".into(),
            Value::String(time::clock_millis(*created_at, &Local)),
        );
    }
    v.to_string()
}

/// A classic server's "X has joined!" / "X has left!" notice (the user_joined / user_left
/// events say the same, on both kinds of server).
fn is_presence_notice(text: &str) -> bool {
    text.ends_with(" has joined!") || text.ends_with(" has left!")
}

/// Members with guests marked when some are signed in (a Banter server says who is): "ann,
/// bob, gus (guest)". Where nobody is signed in (a classic server, or guests only) no name is
/// marked: none is verified.
fn member_list(users: &[String], signed_in: &[String]) -> String {
    if signed_in.is_empty() {
        return users.join(", ");
    }
    users
        .iter()
        .map(|u| if signed_in.contains(u) { u.clone() } else { format!("{u} (guest)") })
        .collect::<Vec<_>>()
        .join(", ")
}


#[cfg(test)]
mod member_list_tests {
    use super::member_list;

    #[test]
    fn guests_are_marked_beside_accounts() {
        let users = ["ann".to_string(), "gus".to_string()];
        assert_eq!(member_list(&users, &["ann".to_string()]), "ann, gus (guest)");
        assert_eq!(member_list(&users, &[]), "ann, gus", "nobody verified: nothing to tell apart");
    }
}
