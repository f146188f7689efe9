//! Desktop notifications: shown through tauri-plugin-notification, and a click on one raises
//! the window and opens the room (or DM) it is about.
//!
//! Clicks: the plugin (2.8.0, plugins-workspace PR 3671) reports a click on a notification as
//! the action `tap` to `Notification::on_action` handlers; on Linux it offers the freedesktop
//! `default` action and listens for `ActionInvoked(id, "default")`, but only for
//! notifications shown after a handler exists, so [`init`] registers ours during setup,
//! before anything can be shown. Each notification gets an id of ours, which the plugin
//! hands back with the click; the id says which room to open. No workaround is needed with
//! that version (checked in its source and by tests/e2e/tray.test.mjs).

use std::collections::VecDeque;
use std::sync::Mutex;

use tauri::{AppHandle, Manager};

use crate::core::CoreEvent;
use crate::ipc::UiEvent;
use crate::notify_policy::Notice;
use crate::state::AppState;

/// How many shown notifications a click is remembered for (older ones open only the window).
const REMEMBERED: usize = 64;

/// The room each recently shown notification is about, by our notification id.
#[derive(Default)]
pub struct Targets(Mutex<TargetsInner>);

#[derive(Default)]
struct TargetsInner {
    last_id: i32,
    shown: VecDeque<(i32, String, String)>,
}

impl Targets {
    /// A fresh id for a notification about (server, room), remembered for a click.
    pub fn remember(&self, server: &str, room: &str) -> i32 {
        let Ok(mut t) = self.0.lock() else { return 0 };
        t.last_id = if t.last_id >= i32::MAX - 1 { 1 } else { t.last_id + 1 };
        let id = t.last_id;
        if t.shown.len() >= REMEMBERED {
            t.shown.pop_front();
        }
        t.shown.push_back((id, server.to_owned(), room.to_owned()));
        id
    }

    /// The (server, room) a notification was about.
    pub fn target(&self, id: i32) -> Option<(String, String)> {
        let t = self.0.lock().ok()?;
        t.shown.iter().find(|(i, _, _)| *i == id).map(|(_, s, r)| (s.clone(), r.clone()))
    }
}

/// Registers the click handler: call during setup, before any notification is shown.
pub fn init(app: &AppHandle) {
    use tauri_plugin_notification::NotificationExt;
    let handle = app.clone();
    let registered = app.notification().on_action(move |performed| {
        if performed.action_id() != "tap" {
            return;
        }
        let id = performed.notification().map(|n| n.id());
        let target = id.and_then(|id| handle.state::<Targets>().target(id));
        tracing::info!(id, known = target.is_some(), "notification clicked");
        crate::tray::show_window(&handle);
        if let Some((server, room)) = target {
            let state = handle.state::<AppState>();
            let _ = state.tx.send(CoreEvent { ui: UiEvent::OpenRoom { server, room }, notify: None });
        }
    });
    if let Err(e) = registered {
        tracing::warn!("notification clicks will not be reported: {e}");
    }
}

/// Shows a notice; a click on it opens its room.
pub fn show(app: &AppHandle, n: Notice) {
    use tauri_plugin_notification::NotificationExt;
    let id = app.state::<Targets>().remember(&n.server, &n.room);
    let app = app.clone();
    // The D-Bus call is blocking: keep it off the async workers.
    tauri::async_runtime::spawn_blocking(move || {
        if let Err(e) = app.notification().builder().id(id).title(&n.summary).body(&n.body).show() {
            tracing::warn!("notification failed: {e}");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_their_room_and_old_ones_are_let_go() {
        let t = Targets::default();
        let first = t.remember("http://h:1", "lobby");
        let second = t.remember("http://h:1", "dev");
        assert_ne!(first, second);
        assert_eq!(t.target(first), Some(("http://h:1".into(), "lobby".into())));
        assert_eq!(t.target(second), Some(("http://h:1".into(), "dev".into())));
        assert_eq!(t.target(9999), None);
        for _ in 0..REMEMBERED {
            t.remember("http://h:1", "x");
        }
        assert_eq!(t.target(first), None, "only the last {REMEMBERED} are kept");
    }
}
