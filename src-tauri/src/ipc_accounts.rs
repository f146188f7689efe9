//! IPC types of accounts (issue 8): the account policy, signing in or up, sessions,
//! passwords and blocks. Re-exported by `ipc`, generated into the same TypeScript file.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `account_policy` input: which server to ask (with its access token, if typed).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountPolicyRequest {
    pub server: String,
    pub token: Option<String>,
}

/// Who may create an account on a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    Open,
    Invite,
    Closed,
}

/// `account_policy` result, from the server's `banter:hello` (a classic server or one without
/// accounts answers `no_accounts` instead).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountPolicy {
    pub server: String,
    pub registration: RegistrationMode,
    /// Guests (not signed in) may chat.
    pub guests: bool,
}

/// `sign_in` input: sign in, or create the account first (`register`). The password is used
/// once and dropped; the session token the server gives goes to the keyring only.
#[derive(Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    pub server: String,
    pub name: String,
    pub password: String,
    pub register: bool,
    pub invite: Option<String>,
    /// The server's access token, if typed (else the remembered one).
    pub token: Option<String>,
    pub remember_token: bool,
}

impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("server", &self.server)
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .field("register", &self.register)
            .finish_non_exhaustive()
    }
}

/// One session of the signed-in account (`sessions` result, most recently used first).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub id: String,
    /// The device name it was made with ("Banter desktop", "banter-cli", …).
    pub device: String,
    /// This computer's session (not revocable from the list: that is Sign out).
    pub current: bool,
    /// When it was last used, local time ("Today 14:05").
    pub last_used: String,
    /// The day it was made ("Monday 23 November").
    pub created: String,
}

/// `block` / `unblock` input: another account's name on this server.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BlockRequest {
    pub server: String,
    pub name: String,
}

/// `revoke_session` input.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RevokeRequest {
    pub server: String,
    pub id: String,
}

/// `change_password` input; the passwords are used once and dropped.
#[derive(Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    pub server: String,
    pub old: String,
    pub new: String,
}

impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePasswordRequest").field("server", &self.server).finish_non_exhaustive()
    }
}

/// `change_password` result: how many other sessions were ended.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PasswordChanged {
    pub revoked: u32,
}
