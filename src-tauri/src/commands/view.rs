//! What the window shows, so the notification policy can tell "seen" from "elsewhere": a
//! direct message notifies unless the focused window shows that very DM.

use std::sync::Mutex;

use tauri::State;

use crate::error::CmdResult;
use crate::ipc::ViewRequest;
use crate::validate;

/// The (server, room) the window shows, if any.
#[derive(Default)]
pub struct View(Mutex<Option<(String, String)>>);

impl View {
    /// The (server, room) shown now (dropped files go there).
    pub fn shown(&self) -> Option<(String, String)> {
        self.0.lock().ok().and_then(|v| v.clone())
    }

    pub fn shows(&self, server: &str, room: &str) -> bool {
        self.0.lock().ok().and_then(|v| v.clone()).is_some_and(|(s, r)| s == server && r == room)
    }
}

#[tauri::command]
pub async fn set_view(view: State<'_, View>, request: ViewRequest) -> CmdResult<()> {
    let shown = match request.shown {
        Some(r) => Some((crate::server_key(&r.server)?.to_string(), validate::room(&r.room)?)),
        None => None,
    };
    if let Ok(mut v) = view.0.lock() {
        *v = shown;
    }
    Ok(())
}
