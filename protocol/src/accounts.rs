//! Accounts and sessions: Banter extension events for registering, signing in and managing
//! sessions (see `docs/protocol.md`, "Accounts"). A server that serves them lists
//! [`crate::ext::features::ACCOUNTS`] and says in [`AccountsInfo`] who may register and
//! whether guests may chat.
//!
//! A session token authenticates a later Socket.IO handshake: `auth: {"session": TOKEN}`
//! (beside the server's own optional `auth.token`). Tokens and passwords travel only in
//! event payloads and the handshake `auth`, never in a URL.

use serde::{Deserialize, Serialize};

/// Client → server: [`RegisterRequest`], ack `[null, SignedIn]` or `[error]`.
pub const REGISTER: &str = "banter:register";
/// Client → server: [`LoginRequest`], ack `[null, SignedIn]` or `[error]`.
pub const LOGIN: &str = "banter:login";
/// Client → server: no payload; ends this socket's session (the token stops working), ack
/// `[]` or `[error]`.
pub const LOGOUT: &str = "banter:logout";
/// Client → server: no payload; ack `[null, SessionList]` or `[error]`.
pub const SESSIONS: &str = "banter:sessions";
/// Client → server: [`RevokeRequest`], ack `[]` or `[error]`.
pub const REVOKE: &str = "banter:revoke";
/// Client → server: [`PasswordRequest`], ack `[null, PasswordChanged]` or `[error]`.
pub const PASSWORD: &str = "banter:password";

/// Client → server, server admins only: [`InviteRequest`], ack `[null, InviteCreated]` or `[error]`.
pub const INVITE: &str = "banter:invite";

/// The handshake `auth` field that carries a session token.
pub const AUTH_SESSION: &str = "session";

/// Shortest and longest password, in bytes (UTF-8).
pub const MIN_PASSWORD_BYTES: usize = 8;
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest device name, in characters; longer ones are cut.
pub const MAX_DEVICE_CHARS: usize = 64;

/// The same for an unknown name and a wrong password, so a sign-in cannot tell which names exist.
pub const ERR_WRONG_LOGIN: &str = "Wrong name or password.";
/// Sign-in attempts over the limit (per name and per address), whether the name exists or not.
pub const ERR_TOO_MANY_ATTEMPTS: &str = "Too many sign-in attempts: wait a minute and try again.";
pub const ERR_REGISTRATION_CLOSED: &str = "Registration is closed on this server.";
pub const ERR_INVITE_REQUIRED: &str = "An invite code is required to register on this server.";
pub const ERR_INVITE_INVALID: &str = "This invite code is not valid (unknown, used up or expired).";
/// A name that is registered, reserved, or differs from one only by case, width or look-alike letters.
pub const ERR_NAME_TAKEN: &str = "That name is taken: choose another.";
pub const ERR_PASSWORD_LENGTH: &str = "Passwords must be 8 to 1024 bytes long.";
pub const ERR_GUESTS_DENIED: &str = "Guests are not allowed here: sign in first!";
pub const ERR_NOT_SIGNED_IN: &str = "Sign in first!";
pub const ERR_ALREADY_SIGNED_IN: &str = "Already signed in: sign out first.";
pub const ERR_NO_SUCH_SESSION: &str = "No such session.";
pub const ERR_ADMINS_ONLY: &str = "Only server admins may do that.";
/// Most uses one invite may have.
pub const MAX_INVITE_USES: u32 = 1000;
/// The handshake refusal for a token that is unknown, revoked or expired (`connect_error`).
pub const ERR_SESSION_INVALID: &str = "Unauthorized: this session is not valid (signed out, revoked or expired)";

/// The join refusal of a signed-in socket asking for another name than its account's.
pub fn err_signed_in_as(name: &str) -> String {
    format!("You are signed in as {name}: join with that name.")
}

/// Who may register (`--registration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Registration {
    Open,
    Invite,
    Closed,
}

/// The server's account policy, in `banter:hello` as `accounts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsInfo {
    pub registration: Registration,
    /// Whether sockets that are not signed in may join rooms.
    pub guests: bool,
}

/// [`REGISTER`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub name: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<String>,
    /// A name for this device's session, shown in [`SESSIONS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// [`LOGIN`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub name: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// An account as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The name, normalised as room user names are (trimmed, lower-cased): the name this
    /// account joins rooms with.
    pub name: String,
    pub admin: bool,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

/// Second ack argument of [`REGISTER`] and [`LOGIN`]. The socket that asked is signed in from
/// then on; `token` signs in later handshakes (`auth: {"session": token}`) until it is revoked,
/// signed out or idle for longer than the server keeps sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub token: String,
    /// This session's id, as listed by [`SESSIONS`].
    pub session: String,
    pub account: Account,
}

/// One session of the account, in [`SessionList`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub id: String,
    pub device: String,
    pub created_at: i64,
    pub last_used_at: i64,
    /// The session of the socket that asked.
    pub current: bool,
}

/// Second ack argument of [`SESSIONS`], newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionList {
    pub sessions: Vec<SessionInfo>,
}

/// [`REVOKE`] payload: the id of one of the account's sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeRequest {
    pub session: String,
}

/// [`PASSWORD`] payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordRequest {
    pub old: String,
    pub new: String,
}

/// [`INVITE`] payload: how many accounts may register with the code (default 1, at most
/// [`MAX_INVITE_USES`]) and for how long (`30m`, `12h`, `7d`, `2w` or `never`; default `7d`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// Second ack argument of [`INVITE`]. The code is shown once; the server keeps its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteCreated {
    pub code: String,
    pub uses: u32,
    /// Milliseconds since the epoch; absent: never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// Second ack argument of [`PASSWORD`]: how many other sessions were revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChanged {
    pub revoked: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_on_the_wire() {
        let r: RegisterRequest = serde_json::from_value(json!({"name": "ann", "password": "pw"})).unwrap();
        assert_eq!(r.invite, None);
        let info = AccountsInfo { registration: Registration::Invite, guests: false };
        assert_eq!(serde_json::to_value(info).unwrap(), json!({"registration": "invite", "guests": false}));
        let s = SessionInfo { id: "x".into(), device: "laptop".into(), created_at: 1, last_used_at: 2, current: true };
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            json!({"id": "x", "device": "laptop", "createdAt": 1, "lastUsedAt": 2, "current": true})
        );
        assert!(serde_json::from_value::<LoginRequest>(json!({"name": "ann"})).is_err());
    }
}
