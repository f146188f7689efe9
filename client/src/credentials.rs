//! Tokens in the platform keyring (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows): servers' access tokens keyed by the normalised server URL, and
//! accounts' session tokens keyed by server URL and account name.
//!
//! The keyring calls are blocking (D-Bus round trips); from async code call them through
//! `tokio::task::spawn_blocking`.

use crate::accounts::SessionToken;
use crate::error::{ClientError, Result};
use crate::url::ServerUrl;

/// The keyring service name every Banter token is stored under.
pub const SERVICE: &str = "banter";

/// A token store over the platform keyring.
#[derive(Debug, Clone)]
pub struct CredentialStore {
    service: String,
}

impl Default for CredentialStore {
    fn default() -> Self {
        CredentialStore {
            service: SERVICE.to_owned(),
        }
    }
}

impl CredentialStore {
    /// The store under the default service name.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store under another service name (tests use one of their own).
    pub fn with_service(service: &str) -> Self {
        CredentialStore {
            service: service.to_owned(),
        }
    }

    fn entry(&self, server: &ServerUrl) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, server.as_str()).map_err(map_err)
    }

    /// The token stored for a server, if any.
    pub fn get(&self, server: &ServerUrl) -> Result<Option<String>> {
        match self.entry(server)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Stores (or replaces) a server's token.
    pub fn set(&self, server: &ServerUrl, token: &str) -> Result<()> {
        if token.is_empty() {
            return Err(ClientError::InvalidInput("the token is empty".into()));
        }
        self.entry(server)?.set_password(token).map_err(map_err)
    }

    /// Removes a server's token; true if there was one.
    pub fn clear(&self, server: &ServerUrl) -> Result<bool> {
        match self.entry(server)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_err(e)),
        }
    }
}

/// Account sessions, beside the access tokens: one keyring entry per (server, account),
/// under the same service, user `session:NAME@URL` (the name normalised as servers do).
impl CredentialStore {
    fn session_entry(&self, server: &ServerUrl, name: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, &session_user(server, name)).map_err(map_err)
    }

    /// The session token stored for an account on a server, if any.
    pub fn get_session(&self, server: &ServerUrl, name: &str) -> Result<Option<SessionToken>> {
        match self.session_entry(server, name)?.get_password() {
            Ok(token) => Ok(Some(SessionToken::new(token))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Stores (or replaces) an account's session token for a server.
    pub fn set_session(&self, server: &ServerUrl, name: &str, token: &SessionToken) -> Result<()> {
        if token.expose().is_empty() {
            return Err(ClientError::InvalidInput("the session token is empty".into()));
        }
        self.session_entry(server, name)?
            .set_password(token.expose())
            .map_err(map_err)
    }

    /// Removes an account's session token for a server; true if there was one.
    pub fn clear_session(&self, server: &ServerUrl, name: &str) -> Result<bool> {
        match self.session_entry(server, name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_err(e)),
        }
    }
}

/// The keyring user of an account's session: `session:ann@http://127.0.0.1:3000`.
pub fn session_user(server: &ServerUrl, name: &str) -> String {
    format!("session:{}@{}", banter_protocol::rules::normalise_name(name), server.as_str())
}

fn map_err(e: keyring::Error) -> ClientError {
    match e {
        keyring::Error::NoStorageAccess(inner) => ClientError::KeyringUnavailable(format!(
            "{inner} (is a Secret Service such as gnome-keyring running and unlocked?)"
        )),
        keyring::Error::PlatformFailure(inner) => {
            let text = inner.to_string();
            let lower = text.to_lowercase();
            if lower.contains("dbus")
                || lower.contains("d-bus")
                || lower.contains("autolaunch")
                || lower.contains("secret")
            {
                ClientError::KeyringUnavailable(format!(
                    "{text} (no Secret Service on the session bus?)"
                ))
            } else {
                ClientError::Keyring(text)
            }
        }
        other => ClientError::Keyring(other.to_string()),
    }
}
