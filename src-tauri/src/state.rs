//! The app's state: settings, the core client and its glue, who we are on each server, the
//! events waiting for the page and the notification policy; and where the app keeps its files.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use banter_client::accounts::SessionToken;
use banter_client::{Client, CredentialStore, ServerUrl};

use crate::core::{self, map_err, Glue};
use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::ipc::*;
use crate::{local_server, notify_policy, settings, validate};

pub(crate) fn timeline_path() -> PathBuf {
    data_dir().join("timeline.json")
}

/// Who we are on a server: set by `connect`, used by every `join` there.
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) display_name: String,
    pub(crate) token: Option<String>,
    /// A typed token to store in the keyring once a join proved it right.
    pub(crate) remember: Option<String>,
    /// The server this app hosts itself.
    pub(crate) local: bool,
    /// Signed in: the account's name and its session (from the keyring); `None`: a guest.
    pub(crate) account: Option<(String, SessionToken)>,
}

/// How this app names its sessions in the account's list of sessions.
pub(crate) const DEVICE_NAME: &str = "Banter desktop";

pub struct AppState {
    pub(crate) settings: Mutex<Settings>,
    pub(crate) settings_path: Option<PathBuf>,
    pub(crate) client: Client,
    pub(crate) glue: Glue,
    pub(crate) creds: CredentialStore,
    pub(crate) sessions: Mutex<HashMap<String, Session>>,
    pub(crate) tx: core::EventTx,
    /// The events waiting for the page to pull them.
    pub(crate) page: crate::page_queue::PageQueue<UiEvent>,
    pub(crate) policy: Mutex<notify_policy::Policy>,
    pub(crate) focused: AtomicBool,
    pub(crate) local: tokio::sync::Mutex<Option<local_server::LocalServer>>,
    /// The start-up re-joins still under way, by server: "Forget" on a server that is down
    /// ends its wait.
    pub(crate) resuming: Mutex<HashMap<String, tauri::async_runtime::JoinHandle<()>>>,
}

/// The server's key: banter-client's normalised URL, after our own checks.
pub(crate) fn server_key(raw: &str) -> CmdResult<ServerUrl> {
    validate::server_url(raw)?;
    ServerUrl::parse(raw).map_err(map_err)
}

impl AppState {
    pub(crate) fn settings(&self) -> Settings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub(crate) fn update_settings(&self, f: impl FnOnce(&mut Settings)) -> CmdResult<()> {
        let snapshot = {
            let mut s = self.settings.lock().map_err(|_| CommandError::internal("settings poisoned"))?;
            f(&mut s);
            s.clone()
        };
        if let Ok(mut p) = self.policy.lock() {
            p.prefs = snapshot.notifications.to_policy();
        }
        self.glue.set_keywords(snapshot.notifications.keywords.clone());
        match &self.settings_path {
            Some(path) => settings::save(path, &snapshot),
            None => Ok(()),
        }
    }

    pub(crate) fn session(&self, server: &str) -> CmdResult<Session> {
        self.sessions
            .lock()
            .ok()
            .and_then(|s| s.get(server).cloned())
            .ok_or_else(|| CommandError::new(ErrorCode::NotConnected, format!("Not connected to {server}: connect first.")))
    }

    pub(crate) fn stored_token(&self, server: &ServerUrl) -> Option<String> {
        self.creds.get(server).unwrap_or_else(|e| {
            tracing::warn!(code = e.code(), "keyring read failed");
            None
        })
    }
}

pub(crate) fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("BANTER_DATA_DIR") {
        return PathBuf::from(d);
    }
    directories::ProjectDirs::from("chat", "banter", "banter").map(|d| d.data_dir().to_path_buf()).unwrap_or_else(std::env::temp_dir)
}

/// The keyring service tokens and sessions are kept under: `banter`, or
/// `BANTER_KEYRING_SERVICE` (as for banter-cli; tests give each "computer" its own).
pub(crate) fn keyring_store() -> CredentialStore {
    match std::env::var("BANTER_KEYRING_SERVICE") {
        Ok(s) if !s.trim().is_empty() => CredentialStore::with_service(s.trim()),
        _ => CredentialStore::new(),
    }
}
