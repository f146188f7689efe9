//! Moderation where the user may (docs/protocol.md § 9): room settings for owners and admins
//! (topic, private, moderators, a private room's members), and for moderators and up removing
//! a message, kicking and banning. The server decides who may; its refusal reaches the page
//! in its own words (`refused`).

use banter_client::RoomChange;
use tauri::State;

use crate::core::map_err;
use crate::error::{CmdResult, CommandError};
use crate::ipc::{MemberRequest, MessageRequest, RoomInfoView, RoomMembersRequest, RoomSettingsRequest};
use crate::{server_key, validate, AppState};

/// Longest topic (the server's bound).
pub const MAX_TOPIC_CHARS: usize = banter_protocol::rooms::MAX_TOPIC_CHARS;
/// Most names in one list (moderators).
const MAX_NAMES: usize = 100;

fn room_of(server: &str, room: &str) -> CmdResult<(String, String)> {
    let server = server_key(server)?.to_string();
    let room = validate::room(room)?;
    if banter_protocol::dms::is_dm(&room) {
        return Err(CommandError::invalid("A direct message has no owners or moderators."));
    }
    Ok((server, room))
}

/// Account names: normalised, without repeats, at most `max`.
pub fn names(raw: &[String], max: usize) -> CmdResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for n in raw.iter().filter(|n| !n.trim().is_empty()) {
        let n = validate::display_name(n)?;
        if !out.contains(&n) {
            out.push(n);
        }
    }
    if out.len() > max {
        return Err(CommandError::invalid(format!("Too many names (at most {max}).")));
    }
    out.sort();
    Ok(out)
}

/// A topic: one line, trimmed, at most [`MAX_TOPIC_CHARS`] characters.
pub fn topic(raw: &str) -> CmdResult<String> {
    let t = raw.trim();
    if t.chars().count() > MAX_TOPIC_CHARS {
        return Err(CommandError::invalid(format!("The topic is too long (at most {MAX_TOPIC_CHARS} characters).")));
    }
    if t.chars().any(char::is_control) {
        return Err(CommandError::invalid("The topic must be one line of text."));
    }
    Ok(t.to_owned())
}

#[tauri::command]
pub async fn room_settings(state: State<'_, AppState>, request: RoomSettingsRequest) -> CmdResult<RoomInfoView> {
    let (server, room) = room_of(&request.server, &request.room)?;
    let change = RoomChange {
        topic: request.topic.as_deref().map(topic).transpose()?,
        private: request.private,
        moderators: request.moderators.as_deref().map(|m| names(m, MAX_NAMES)).transpose()?,
    };
    let info = state.client.room_settings(&server, &room, change).await.map_err(map_err)?;
    Ok(RoomInfoView::from_info(info))
}

#[tauri::command]
pub async fn room_members(state: State<'_, AppState>, request: RoomMembersRequest) -> CmdResult<RoomInfoView> {
    let (server, room) = room_of(&request.server, &request.room)?;
    let add = names(&request.add, 1000)?;
    let remove = names(&request.remove, 1000)?;
    let info = state.client.room_members(&server, &room, add, remove).await.map_err(map_err)?;
    Ok(RoomInfoView::from_info(info))
}

#[tauri::command]
pub async fn remove_message(state: State<'_, AppState>, request: MessageRequest) -> CmdResult<()> {
    let (server, room) = room_of(&request.server, &request.room)?;
    validate::message_id(&request.id)?;
    state.client.remove_message(&server, &room, &request.id).await.map_err(map_err)
}

#[tauri::command]
pub async fn kick(state: State<'_, AppState>, request: MemberRequest) -> CmdResult<()> {
    let (server, room) = room_of(&request.server, &request.room)?;
    let name = validate::display_name(&request.name)?;
    state.client.kick(&server, &room, &name).await.map_err(map_err)
}

#[tauri::command]
pub async fn ban(state: State<'_, AppState>, request: MemberRequest) -> CmdResult<()> {
    let (server, room) = room_of(&request.server, &request.room)?;
    let name = validate::display_name(&request.name)?;
    state.client.ban(&server, &room, &name).await.map_err(map_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_topics_are_checked() {
        assert_eq!(names(&["Bob".into(), " bob".into(), "".into(), "ann".into()], 10).unwrap(), vec!["ann", "bob"]);
        assert!(names(&["a\u{7}".into()], 10).is_err());
        let many: Vec<String> = (0..11).map(|i| format!("u{i}")).collect();
        assert_eq!(names(&many, 10).unwrap_err().message, "Too many names (at most 10).");
        assert_eq!(topic("  Plans for Friday  ").unwrap(), "Plans for Friday");
        assert!(topic(&"t".repeat(MAX_TOPIC_CHARS + 1)).is_err());
        assert!(topic("two\nlines").is_err());
    }

    #[test]
    fn direct_messages_have_no_moderation() {
        let e = room_of("http://h:1", &format!("dm:{}", "0".repeat(24))).unwrap_err();
        assert_eq!(e.message, "A direct message has no owners or moderators.");
        assert_eq!(room_of("http://h:1/", "Lobby").unwrap(), ("http://h:1".to_owned(), "lobby".to_owned()));
    }
}
