//! Membership that lasts (docs/protocol.md § 8): what an account finds on a second computer.
//! `restore_account` joins the account's rooms and opens its DMs that are not open here, with
//! their unread counts from the server's read markers; `mark_read` moves the marker when a
//! room has been seen; a watcher per signed-in server opens DMs someone else started (the
//! server puts the account in them and says so: the client's `dm_added` event wakes the
//! watcher at once; a slow poll stays as the fallback for a notice missed while offline), so
//! their messages arrive and notify.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use banter_client::accounts::ServerAccess;
use tauri::{Manager, State};

use crate::commands::dms::{self, Target};
use crate::core::{map_err, CoreEvent};
use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::ipc::{MarkReadRequest, MessageKind, RoomSnapshot, ServerRequest, UiEvent};
use crate::{notify_policy, server_key, validate, AppState};

/// How often a signed-in server is asked for DMs that are new here when no `dm_added`
/// event woke the watcher first.
const WATCH_EVERY: Duration = Duration::from_secs(30);

/// Wakes the DM watchers: a `dm_added` event came (core.rs).
static DM_ADDED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// A DM new to the account was announced: look for new DMs now.
pub fn dm_added() {
    DM_ADDED.notify_waiters();
}

/// Servers with a watcher running.
static WATCHED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

#[tauri::command]
pub async fn mark_read(state: State<'_, AppState>, request: MarkReadRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    if request.seq == 0 {
        return Ok(());
    }
    state.client.mark_read(&server, &room, request.seq).await.map_err(map_err)
}

/// Joins the account's rooms and opens its DMs that are not open here yet (a second
/// computer, or a start after rooms were joined elsewhere); returns their snapshots with the
/// server's unread counts. Starts the DM watcher of the server.
#[tauri::command]
pub async fn restore_account(app: tauri::AppHandle, request: ServerRequest) -> CmdResult<Vec<RoomSnapshot>> {
    let server = server_key(&request.server)?.to_string();
    let out = restore(&app.state::<AppState>(), &server).await?;
    watch(app.clone(), server);
    Ok(out)
}

/// What `restore_account` does, also at start (rooms joined on another computer since).
pub(crate) async fn restore(state: &AppState, server: &str) -> CmdResult<Vec<RoomSnapshot>> {
    let server = server.to_owned();
    let session = state.session(&server)?;
    let Some((_, token)) = session.account.clone() else {
        return Err(CommandError::new(ErrorCode::NotConnected, format!("Not signed in on {server}.")));
    };
    let at = ServerAccess::new(&server).token(session.token.clone());
    let open: HashSet<String> = state.client.rooms().into_iter().filter(|(s, _)| *s == server).map(|(_, r)| r).collect();
    let mut out = Vec::new();
    for r in state.client.my_rooms(&at, &token).await.map_err(map_err)? {
        // open already, or one we were kicked from (the account keeps it; we do not go back)
        if open.contains(&r.room) || state.settings().was_removed_from(&server, &r.room) {
            continue;
        }
        match crate::join_inner(state, &server, &r.room, false).await {
            Ok(mut snap) => {
                snap.unread = Some(r.unread);
                out.push(snap);
            }
            Err(e) => tracing::info!(room = %r.room, code = ?e.code, "an account's room did not open"),
        }
    }
    out.extend(open_new_dms(state, &server, &open).await?.into_iter().map(|(snap, _)| snap));
    Ok(out)
}

/// Opens the account's DMs not in `open`; each with the server's unread count.
async fn open_new_dms(state: &AppState, server: &str, open: &HashSet<String>) -> CmdResult<Vec<(RoomSnapshot, u64)>> {
    let session = state.session(server)?;
    let Some((_, token)) = session.account.clone() else { return Ok(Vec::new()) };
    let at = ServerAccess::new(server).token(session.token.clone());
    let mut out = Vec::new();
    for d in state.client.my_dms(&at, &token).await.map_err(map_err)? {
        if open.contains(&d.dm) {
            continue;
        }
        state.glue.set_dm_members(server, &d.dm, &d.members);
        match dms::open(state, server, &session, Target::Id(d.dm.clone()), None).await {
            Ok(mut snap) => {
                snap.unread = Some(d.unread);
                out.push((snap, d.unread));
            }
            Err(e) => tracing::info!(code = ?e.code, "an account's DM did not open"),
        }
    }
    Ok(out)
}

/// The notification for a DM found with unread messages: its newest one from someone else.
pub fn unread_notice(server: &str, snap: &RoomSnapshot, unread: u64) -> Option<notify_policy::Event> {
    if unread == 0 {
        return None;
    }
    let last = snap.messages.iter().rev().find(|m| !m.own && m.kind != MessageKind::Notice && !m.removed)?;
    let others: Vec<&str> = snap.dm_members.iter().flatten().map(String::as_str).filter(|m| *m != snap.username).collect();
    let text = if last.kind == MessageKind::Location { "shared a location".to_owned() } else { last.text.clone() };
    Some(notify_policy::Event {
        server: server.to_owned(),
        room: snap.room.clone(),
        label: others.join(", "),
        direct: true,
        username: last.username.clone(),
        own_username: snap.username.clone(),
        kind: notify_policy::EventKind::Message { text, mention: false },
    })
}

/// Starts the DM watcher of a signed-in server (once); it ends when the server is signed
/// out of or forgotten here.
pub fn watch(app: tauri::AppHandle, server: String) {
    {
        let mut w = WATCHED.lock().unwrap_or_else(|p| p.into_inner());
        if !w.get_or_insert_with(HashSet::new).insert(server.clone()) {
            return;
        }
    }
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(WATCH_EVERY) => {}
                _ = DM_ADDED.notified() => {}
            }
            let state = app.state::<AppState>();
            if !state.session(&server).is_ok_and(|s| s.account.is_some()) {
                break;
            }
            let open: HashSet<String> = state.client.rooms().into_iter().filter(|(s, _)| *s == server).map(|(_, r)| r).collect();
            match open_new_dms(&state, &server, &open).await {
                Ok(found) => {
                    for (snap, unread) in found {
                        let notify = unread_notice(&server, &snap, unread);
                        let _ = state.tx.send(CoreEvent { ui: UiEvent::Room { snapshot: snap }, notify });
                    }
                }
                Err(e) => tracing::debug!(code = ?e.code, "DM watch"),
            }
        }
        if let Ok(mut w) = WATCHED.lock() {
            if let Some(set) = w.as_mut() {
                set.remove(&server);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::view;

    fn snap(messages: Vec<crate::ipc::MessageView>) -> RoomSnapshot {
        RoomSnapshot {
            server: "http://h:1".into(),
            room: format!("dm:{}", "a".repeat(24)),
            username: "ann".into(),
            users: vec![],
            messages,
            more: false,
            max_message_chars: 2000,
            banter: true,
            dm_members: Some(vec!["ann".into(), "bob".into()]),
            signed_in: vec![],
            unread: None,
            info: None,
        }
    }

    #[test]
    fn a_found_dm_notifies_its_newest_unread_message_by_its_sender() {
        let dm = snap(vec![
            view("1".into(), "dm", Some(1), "bob".into(), MessageKind::Text, "first".into(), 0, false),
            view("2".into(), "dm", Some(2), "bob".into(), MessageKind::Text, "second".into(), 0, false),
            view("3".into(), "dm", Some(3), "ann".into(), MessageKind::Text, "mine".into(), 0, true),
        ]);
        let n = unread_notice("http://h:1", &dm, 2).expect("a notice");
        assert_eq!((n.username.as_str(), n.label.as_str(), n.direct), ("bob", "bob", true));
        assert_eq!(n.kind, notify_policy::EventKind::Message { text: "second".into(), mention: false });
        assert!(unread_notice("http://h:1", &dm, 0).is_none(), "nothing unread: no notice");
    }
}
