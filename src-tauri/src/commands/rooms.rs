//! Rooms: joining (also at start), leaving, sending messages and locations, retrying,
//! older history and typing.

use std::time::Duration;

use banter_client::{ClientError, JoinOptions};
use tauri::State;

use crate::commands;
use crate::core::{self, map_err, Glue};
use crate::error::CmdResult;
use crate::ipc::*;
use crate::state::{server_key, AppState};
use crate::validate;

/// How long a re-join at start waits for the previous run's connection to let go of our
/// name (the server drops a dead connection after its ping timeout).
pub(crate) const RESUME_WAIT_IF_IN_USE: Duration = Duration::from_secs(60);
/// How long a re-join at start keeps trying a server that cannot be reached (down, or no
/// network yet): as long as the app is likely to run.
pub(crate) const RESUME_RETRY_UNREACHABLE: Duration = Duration::from_secs(7 * 24 * 3600);

pub(crate) async fn join_inner(state: &AppState, server: &str, room: &str, resuming: bool) -> CmdResult<RoomSnapshot> {
    let url = server_key(server)?;
    let server = url.to_string();
    let room = validate::room(room)?;
    let session = state.session(&server)?;
    let rx = state.glue.expect_snapshot(&server, &room);
    let mut opts = JoinOptions::new(&server, &room, &session.display_name)
        .token(session.token.clone())
        .session(session.account.as_ref().map(|(_, t)| t.clone()));
    if resuming {
        opts = opts.wait_if_in_use(RESUME_WAIT_IF_IN_USE).retry_unreachable(RESUME_RETRY_UNREACHABLE);
    }
    let joined = state.client.join(opts).await;
    if let Ok(info) = &joined {
        // checked before a file is sent (commands/files.rs)
        commands::files::remember_limit(&server, &room, info.max_upload_bytes);
    }
    if let Err(e) = joined {
        state.glue.forget(&server, &room);
        if let (ClientError::SessionInvalid { .. }, Some((account, _))) = (&e, &session.account) {
            // ended elsewhere (signed out, revoked, expired): drop it, sign in again
            let _ = state.creds.clear_session(&url, account);
        }
        return Err(map_err(e));
    }
    // from the `joined` event, with the server's own message limit for the composer
    let snap = Glue::snapshot(rx).await?;
    if let Some(t) = &session.remember {
        // the join proved the token right: now remember it
        state.creds.set(&url, t).map_err(map_err)?;
        if let Ok(mut s) = state.sessions.lock() {
            if let Some(sess) = s.get_mut(&server) {
                sess.remember = None;
            }
        }
    }
    state.update_settings(|s| {
        s.remember_server(&server, &session.display_name, session.local);
        s.set_account(&server, session.account.as_ref().map(|(name, _)| name.as_str()));
        s.remember_room(&snap.server, &snap.room);
    })?;
    Ok(snap)
}

#[tauri::command]
pub(crate) async fn join(state: State<'_, AppState>, request: RoomRequest) -> CmdResult<RoomSnapshot> {
    join_inner(&state, &request.server, &request.room, false).await
}

#[tauri::command]
pub(crate) async fn leave(state: State<'_, AppState>, request: RoomRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    if banter_protocol::dms::is_dm(&room) {
        // a DM cannot be left: it is closed here and stays the account's
        return commands::dms::close(&state, &server, &room).await;
    }
    let r = state.client.leave(&server, &room).await.map_err(map_err);
    state.glue.forget(&server, &room);
    state.glue.drop_cache(&server, &room);
    state.update_settings(|s| s.forget_room(&server, &room))?;
    r
}

#[tauri::command]
pub(crate) async fn send(state: State<'_, AppState>, request: SendRequest) -> CmdResult<MessageView> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    let max = state.glue.max_message_chars(&server, &room).unwrap_or(banter_protocol::rules::MAX_MESSAGE_CHARS);
    validate::message(&request.text, max)?;
    let id = match request.reply_to.as_deref() {
        Some(to) => {
            validate::message_id(to)?;
            state.client.send_reply(&server, &room, to, &request.text).await
        }
        None => state.client.send(&server, &room, &request.text).await,
    }
    .map_err(map_err)?;
    let username = state.glue.username(&server, &room).unwrap_or_default();
    let mut m = core::view(id, &room, None, username, MessageKind::Text, request.text, chrono::Utc::now().timestamp_millis(), true);
    m.delivery = Some(Delivery::pending());
    m.reply_to = request.reply_to.as_deref().and_then(|to| state.glue.reply_ref(&server, &room, to));
    state.glue.record_own(&server, &m);
    Ok(m)
}

/// Shares a location (the composer's `/location LAT,LON`): checked here, then queued by the
/// core like a message; it comes back as a line of kind `location` (its map URL).
#[tauri::command]
pub(crate) async fn send_location(state: State<'_, AppState>, request: SendLocationRequest) -> CmdResult<MessageView> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    let location = validate::location(request.latitude, request.longitude)?;
    let id = state.client.send_location(&server, &room, location.latitude, location.longitude).await.map_err(map_err)?;
    let username = state.glue.username(&server, &room).unwrap_or_default();
    let now = chrono::Utc::now().timestamp_millis();
    let mut m = core::view(id, &room, None, username, MessageKind::Location, location.maps_url(), now, true);
    m.delivery = Some(Delivery::pending());
    state.glue.record_own(&server, &m);
    Ok(m)
}

#[tauri::command]
pub(crate) async fn retry(state: State<'_, AppState>, request: RetryRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    validate::message_id(&request.id)?;
    state.client.retry(&server, &room, &request.id).await.map_err(map_err)
}

/// Older history ("Load older messages"): one page before `before_seq`, through the core,
/// returned as a whole (never one event per old message).
#[tauri::command]
pub(crate) async fn history(state: State<'_, AppState>, request: HistoryRequest) -> CmdResult<HistoryPage> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    let limit = validate::limit(request.limit, 500);
    let page = state.client.history_before(&server, &room, request.before_seq, limit).await.map_err(map_err)?;
    Ok(HistoryPage { messages: page.messages.into_iter().filter_map(core::history_view).collect(), more: page.more })
}

#[tauri::command]
pub(crate) async fn set_typing(state: State<'_, AppState>, request: TypingRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    state.client.set_typing(&server, &room, request.typing).map_err(map_err)
}
