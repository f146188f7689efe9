//! Core events to the page: batched into the queue the page pulls from (`page_queue`), fed
//! to the notification policy, and the timeline cache saved now and then.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tauri::Manager;
use tokio::sync::mpsc;

use crate::commands;
use crate::core::CoreEvent;
use crate::ipc::*;
use crate::notify_policy;
use crate::state::{timeline_path, AppState};

/// How often queued UI events are flushed to the page (one batch per tick at most).
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(40);
/// How often the timeline cache is written when it changed.
pub(crate) const SAVE_EVERY: Duration = Duration::from_secs(2);

/// Largest batch the page gets from one pull.
pub(crate) const MAX_BATCH: usize = 500;

/// Forwards core events to the page in batches and feeds the notification policy.
pub(crate) async fn pump(app: tauri::AppHandle, mut rx: mpsc::UnboundedReceiver<CoreEvent>) {
    let mut buf: Vec<UiEvent> = Vec::new();
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    let mut last_save = std::time::Instant::now();
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                let state = app.state::<AppState>();
                if let Some(n) = ev.notify {
                    let focused = state.focused.load(Ordering::Relaxed);
                    let shown = app.state::<commands::view::View>().shows(&n.server, &n.room);
                    if let Ok(mut p) = state.policy.lock() {
                        if let Err(skip) = p.offer(n, focused, shown, now_ms()) {
                            tracing::debug!(?skip, "no notification");
                        }
                    }
                }
                // removed from a room (kicked, banned, left on another device): not re-joined
                match &ev.ui {
                    UiEvent::Kicked { server, room, .. } => {
                        state.glue.forget(server, room);
                        let _ = state.update_settings(|s| s.removed_from_room(server, room));
                    }
                    UiEvent::RoomLeft { server, room } => {
                        state.glue.forget(server, room);
                        let _ = state.update_settings(|s| s.forget_room(server, room));
                    }
                    _ => {}
                }
                buf.push(ev.ui);
            }
            _ = tick.tick() => {
                let state = app.state::<AppState>();
                state.page.push_all(buf.drain(..));
                let due = state.policy.lock().map(|mut p| p.take_due(now_ms())).unwrap_or_default();
                if last_save.elapsed() >= SAVE_EVERY {
                    last_save = std::time::Instant::now();
                    state.glue.save(&timeline_path());
                }
                for n in due {
                    show_notification(&app, n);
                }
            }
        }
    }
}

pub(crate) fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

/// Shown by `notify` (a click opens the notice's room).
pub(crate) fn show_notification(app: &tauri::AppHandle, n: notify_policy::Notice) {
    crate::notify::show(app, n);
}
