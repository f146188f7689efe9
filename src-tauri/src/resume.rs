//! At start: reconnect to every saved server with rooms or DMs and re-join them, each
//! server on its own task.

use banter_client::ServerUrl;
use tauri::Manager;

use crate::commands::{
    self,
    connection::{connect_inner, start_local},
    rooms::{join_inner, RESUME_RETRY_UNREACHABLE},
};
use crate::core::CoreEvent;
use crate::ipc::*;
use crate::settings;
use crate::state::AppState;

/// At start: reconnect to every saved server that has rooms, and re-join them.
pub(crate) async fn resume(app: tauri::AppHandle) {
    let settings = app.state::<AppState>().settings();
    // Each server on its own: one that is down (its joins wait for it) holds up no other.
    for server in settings.servers.clone() {
        let rooms: Vec<String> = settings.rooms.iter().filter(|r| r.server == server.url).map(|r| r.room.clone()).collect();
        let has_dms = !server.account.is_empty() && settings.dms.iter().any(|d| d.server == server.url);
        if rooms.is_empty() && !has_dms {
            continue;
        }
        let key = server.url.clone();
        let task = tauri::async_runtime::spawn(resume_server(app.clone(), server, rooms, settings.display_name.clone()));
        if let Ok(mut resuming) = app.state::<AppState>().resuming.lock() {
            resuming.insert(key, task);
        }
    }
}

/// Re-joins the saved `rooms` of one server (starting it first when it is the local one).
pub(crate) async fn resume_server(app: tauri::AppHandle, server: settings::ServerEntry, rooms: Vec<String>, default_name: String) {
    let state = app.state::<AppState>();
    let mut url = server.url.clone();
    if server.local {
        let port = url::Url::parse(&url).ok().and_then(|u| u.port()).unwrap_or(0);
        match start_local(&state, port).await {
            Ok(u) => url = u,
            Err(error) => {
                let _ = state.tx.send(CoreEvent { ui: UiEvent::Error { error }, notify: None });
                return;
            }
        }
    }
    // signed in last time: the session from the keyring (settings hold the account's name only)
    let account = match server.account.as_str() {
        "" => None,
        name => ServerUrl::parse(&url).ok().and_then(|u| state.creds.get_session(&u, name).ok().flatten()).map(|t| (name.to_owned(), t)),
    };
    let name = match &account {
        Some((account, _)) => account.clone(),
        None if server.display_name.is_empty() => default_name,
        None => server.display_name.clone(),
    };
    let req = ConnectRequest { url: url.clone(), display_name: name, token: None, remember_token: false };
    match connect_inner(&state, req, server.local).await {
        Ok(info) => {
            if let Some(account) = account {
                if let Some(s) = state.sessions.lock().ok().as_mut().and_then(|m| m.get_mut(&info.server)) {
                    s.account = Some(account);
                }
            }
            for room in rooms {
                let ui = match join_inner(&state, &info.server, &room, true).await {
                    Ok(snapshot) => UiEvent::Room { snapshot },
                    Err(error) => UiEvent::Error { error },
                };
                let _ = state.tx.send(CoreEvent { ui, notify: None });
            }
            commands::dms::resume(&state, &info.server, RESUME_RETRY_UNREACHABLE).await;
            if state.session(&info.server).is_ok_and(|s| s.account.is_some()) {
                // rooms and DMs the account gained on its other devices meanwhile
                match commands::membership::restore(&state, &info.server).await {
                    Ok(found) => {
                        for snapshot in found {
                            let _ = state.tx.send(CoreEvent { ui: UiEvent::Room { snapshot }, notify: None });
                        }
                    }
                    Err(e) => {
                        tracing::info!(code = ?e.code, "the account's rooms could not be listed")
                    }
                }
                commands::membership::watch(app.clone(), info.server.clone());
            }
        }
        Err(error) => {
            let _ = state.tx.send(CoreEvent {
                ui: UiEvent::Connection { server: server.url.clone(), state: ConnectionState::Disconnected, detail: Some(error.message) },
                notify: None,
            });
        }
    }
}
