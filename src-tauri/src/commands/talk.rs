//! Conversation commands (issue 10): edit or delete your own message, react, search. Each
//! checks its input, calls the core and maps the error; what the server answers also goes
//! to the page as the event everyone else gets (`edited`, `reactions`), so the window shows
//! the same thing whether the ack or the broadcast comes first.

use tauri::State;

use crate::core::{map_err, CoreEvent};
use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::ipc::*;
use crate::state::{server_key, AppState};
use crate::{talk, validate};

/// Most results the window asks a server for.
const SEARCH_LIMIT: u32 = 50;

fn push(state: &AppState, ui: UiEvent) {
    let _ = state.tx.send(CoreEvent { ui, notify: None });
}

/// Edits one of your own messages (Banter servers): everyone sees the new text and
/// "(edited)"; classic peers keep the original.
#[tauri::command]
pub async fn edit_message(state: State<'_, AppState>, request: EditRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    validate::message_id(&request.id)?;
    let max = state.glue.max_message_chars(&server, &room).unwrap_or(banter_protocol::rules::MAX_MESSAGE_CHARS);
    validate::message(&request.text, max)?;
    let e = state.client.edit_message(&server, &room, &request.id, &request.text).await.map_err(map_err)?;
    let body = talk::body_of(MessageKind::Text, &e.text);
    push(&state, UiEvent::Edited { server, room, id: e.id, text: e.text, body, edited_at: e.edited_at });
    Ok(())
}

/// Deletes one of your own messages for everyone (its tombstone stays); moderators remove
/// others' messages with `remove_message`.
#[tauri::command]
pub async fn delete_message(state: State<'_, AppState>, request: DeleteRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    validate::message_id(&request.id)?;
    state.client.remove_message(&server, &room, &request.id).await.map_err(map_err)
}

/// Puts (`on`) or takes back your reaction on a message.
#[tauri::command]
pub async fn react(state: State<'_, AppState>, request: ReactRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    validate::message_id(&request.id)?;
    if !banter_protocol::reactions::is_emoji(&request.emoji) {
        return Err(CommandError::invalid("A reaction is one emoji."));
    }
    let r = state.client.react(&server, &room, &request.id, &request.emoji, request.on).await.map_err(map_err)?;
    let me = state.glue.username(&server, &room).unwrap_or_default();
    push(&state, UiEvent::Reactions { server, room, id: r.id, reactions: talk::reactions_view(&r.reactions, &me) });
    Ok(())
}

/// Searches a server: its full-text index on a Banter server (every room and DM you may
/// read there; signed in, the account's), else the lines this app holds, and says which.
#[tauri::command]
pub async fn search(state: State<'_, AppState>, request: SearchRequest) -> CmdResult<SearchResults> {
    let url = server_key(&request.server)?;
    let server = url.to_string();
    let in_room = request.room.as_deref().map(validate::room).transpose()?;
    if request.query.chars().count() > banter_protocol::search::MAX_QUERY_CHARS {
        return Err(CommandError::invalid(banter_protocol::search::ERR_TOO_LONG));
    }
    if !state.glue.is_banter(&server) {
        let lines = state.glue.lines_of(&server);
        let hits = talk::search_lines(&server, &request.query, lines.iter().map(|(r, l, m)| (r.as_str(), l.as_str(), m)))
            .map_err(CommandError::invalid)?;
        return Ok(SearchResults { hits, full: false });
    }
    let session = state.session(&server).ok();
    let found = match session.as_ref().and_then(|s| s.account.clone().map(|a| (s.token.clone(), a))) {
        Some((token, (_, session_token))) => {
            let at = banter_client::accounts::ServerAccess::new(&server).token(token);
            state.client.search_account(&at, &session_token, &request.query, in_room.as_deref(), Some(SEARCH_LIMIT)).await
        }
        None => state.client.search(&server, &request.query, in_room.as_deref(), Some(SEARCH_LIMIT)).await,
    };
    let hits = found.map_err(|e| match map_err(e) {
        // the server's refusal ("Say what to search for…") is the user's to fix
        e if e.code == ErrorCode::Refused => CommandError::invalid(e.message),
        e => e,
    })?;
    let hits = hits
        .into_iter()
        .map(|h| {
            let label = state.glue.label(&server, &h.room);
            talk::hit_view(&server, label, h)
        })
        .collect();
    Ok(SearchResults { hits, full: true })
}
