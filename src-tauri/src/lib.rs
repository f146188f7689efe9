//! Banter's desktop app: thin Tauri glue. Commands validate their input, call the core and
//! map errors to `{code, message}`; the core's events are queued for the UI, which
//! pulls them in batches (`page_queue`); notifications go through `notify_policy`.
//! Commands live in `commands/`, one module per domain; this file wires the app together.

pub mod badge;
pub mod commands;
pub mod core;
pub mod desktop_prefs;
pub mod error;
pub mod events;
pub mod format;
pub mod instance;
pub mod ipc;
pub mod ipc_accounts;
pub mod ipc_files;
pub mod ipc_talk;
pub mod links;
pub mod local_server;
pub mod notify;
pub mod notify_policy;
pub mod page_queue;
pub mod pins;
#[cfg(target_os = "linux")]
pub mod power;
pub mod resume;
pub mod settings;
pub mod spellcheck;
pub mod state;
pub mod talk;
pub mod tray;
pub mod validate;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use banter_client::{Client, ClientConfig};
use tauri::Manager;
use tokio::sync::mpsc;

use crate::core::Glue;
use commands::{connection::*, rooms::*};
use state::keyring_store;
pub(crate) use state::{data_dir, server_key, timeline_path, AppState, Session};

pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BANTER_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();

    let settings_path = settings::settings_path();
    let loaded = settings_path
        .as_deref()
        .map(settings::load)
        .unwrap_or_default();
    let policy = notify_policy::Policy::new(loaded.notifications.to_policy());
    let (tx, rx) = mpsc::unbounded_channel();
    let (client, events) = Client::new(ClientConfig::new(data_dir().join("client")));
    // the certificates the user trusted, before any room is re-joined
    let pins = pins::Pins::load(settings_path.as_deref());
    pins.apply(&client);
    let glue = Glue::default();
    glue.load(&timeline_path());
    glue.set_keywords(loaded.notifications.keywords.clone());
    let state = AppState {
        settings: Mutex::new(loaded),
        settings_path,
        client,
        glue: glue.clone(),
        creds: keyring_store(),
        sessions: Mutex::new(HashMap::new()),
        tx: tx.clone(),
        page: page_queue::PageQueue::new(events::MAX_BATCH),
        policy: Mutex::new(policy),
        focused: AtomicBool::new(true),
        local: tokio::sync::Mutex::new(None),
        resuming: Mutex::new(HashMap::new()),
    };

    tauri::Builder::default()
        // First: a second launch on the same data dir hands over its arguments and exits.
        .plugin(instance::plugin(&data_dir(), |app, args| {
            links::handle(app, &args)
        }))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(desktop_prefs::autostart_plugin())
        .plugin(desktop_prefs::window_state_plugin(settings::config_dir()))
        .manage(state)
        .manage(commands::view::View::default())
        .manage(tray::Tray::default())
        .manage(notify::Targets::default())
        .manage(pins)
        .setup(move |app| {
            let handle = app.handle().clone();
            // `banter banter://join?…`: the link is for the page, once it subscribes
            let args: Vec<String> = std::env::args_os()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            links::handle(&handle, &args);
            // before any notification is shown: only later ones report clicks
            notify::init(&handle);
            tray::setup(&handle);
            // zoom, spell checking, the autostart file; hidden if started so at login
            desktop_prefs::at_start(&handle, &args, handle.state::<tray::Tray>().exists());
            tauri::async_runtime::spawn(glue.run(events, tx));
            tauri::async_runtime::spawn(events::pump(handle.clone(), rx));
            // a resume or the network coming back retries every connection at once
            #[cfg(target_os = "linux")]
            tauri::async_runtime::spawn(power::watch(handle.state::<AppState>().client.clone()));
            tauri::async_runtime::spawn(resume::resume(handle));
            Ok(())
        })
        // When the web view starts and ends loading the page: with "the page subscribed to
        // events" (commands/connection.rs) they time a launch's stages from the log.
        .on_page_load(|webview, payload| {
            let stage = match payload.event() {
                tauri::webview::PageLoadEvent::Started => "page loading",
                tauri::webview::PageLoadEvent::Finished => "page loaded",
            };
            tracing::info!(window = webview.label(), "{stage}");
        })
        .on_window_event(|window, event| match event {
            tauri::WindowEvent::Focused(f) => {
                // a hidden window (in the tray) is never focused, whatever a late focus-in says
                let seen = *f && window.is_visible().unwrap_or(true);
                window
                    .state::<AppState>()
                    .focused
                    .store(seen, Ordering::Relaxed);
            }
            // with a tray, closing hides the window and Banter keeps receiving
            tauri::WindowEvent::CloseRequested { api, .. } => {
                if tray::hide_on_close(window.app_handle()) {
                    api.prevent_close();
                }
            }
            // files dropped on the window go to the room it shows (commands/files.rs)
            tauri::WindowEvent::DragDrop(drop) => commands::files::on_drop(window, drop),
            _ => {}
        })
        .invoke_handler(tauri::generate_handler![
            subscribe,
            next_events,
            app_info,
            get_settings,
            save_settings,
            connect,
            disconnect,
            account_policy,
            sign_in,
            sign_out,
            join,
            leave,
            send,
            send_location,
            retry,
            history,
            set_typing,
            token_set,
            token_clear,
            open_link,
            start_local_server,
            commands::dms::open_dm,
            commands::blocks::block,
            commands::blocks::unblock,
            commands::blocks::blocks,
            commands::tls::trust_certificate,
            commands::sharing::sharing,
            commands::sharing::set_sharing,
            commands::view::set_view,
            commands::desktop::quit,
            commands::desktop::set_unread,
            commands::account::sessions,
            commands::account::revoke_session,
            commands::account::change_password,
            commands::membership::mark_read,
            commands::membership::restore_account,
            commands::moderation::room_settings,
            commands::moderation::room_members,
            commands::moderation::remove_message,
            commands::moderation::kick,
            commands::moderation::ban,
            commands::talk::edit_message,
            commands::talk::delete_message,
            commands::talk::react,
            commands::talk::search,
            commands::files::upload_file,
            commands::files::cancel_upload,
            commands::files::upload_limit,
            commands::files::file_thumbnail,
            commands::files::save_file,
        ])
        .build(tauri::generate_context!())
        .expect("error while building Banter")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                let state = app.state::<AppState>();
                state.glue.save(&timeline_path());
                // Quit (tray, Ctrl+Q) or the last window closed: the server hosted here stops
                // now, cleanly, rather than by the parent-death signal
                let hosted = state.local.try_lock().ok().and_then(|mut local| local.take());
                if let Some(server) = hosted {
                    server.stop();
                }
            }
        });
}
