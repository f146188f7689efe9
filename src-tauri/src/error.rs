//! The one error type of the desktop glue. The UI receives it as `{code, message}`: `code`
//! is stable (the UI may branch on it), `message` says what happened and what to do.

use serde::Serialize;
use ts_rs::TS;

/// Stable error codes the UI can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// An input failed validation (bad URL, empty name, message too long, …).
    Invalid,
    /// The server could not be reached.
    Unreachable,
    /// The server requires a (valid) access token.
    Unauthorized,
    /// The server refused the request; `message` is its reason.
    Refused,
    /// Not connected to that server, or not in that room.
    NotConnected,
    /// The system keyring failed.
    Keyring,
    /// Settings could not be read or written.
    Settings,
    /// The local server could not be started.
    LocalServer,
    /// An account request was refused: the name is taken, a wrong name or password, too many
    /// attempts, registration closed, an invite code needed or not valid (`message` says which).
    Account,
    /// The stored session was signed out, revoked or expired: sign in again.
    SessionInvalid,
    /// The server has no accounts (a classic server, or a Banter server without them).
    NoAccounts,
    /// An invite link was refused (`message` says why); it was not acted on.
    InvalidLink,
    /// An `https://` server's certificate is not trusted by the system (self-signed, a
    /// private authority); `certificate` carries its fingerprint, to trust it or not.
    UntrustedCertificate,
    /// A server trusted by its pinned certificate presented another one; `certificate`
    /// names both.
    CertificateChanged,
    /// Anything else.
    Internal,
}

/// What a command returns on failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    /// The certificate at issue, for `untrusted_certificate` and `certificate_changed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub certificate: Option<CertificateProblem>,
}

/// The certificate a failure is about, as the join form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CertificateProblem {
    /// The server (normalised URL).
    pub server: String,
    /// `host:port`, as the user names the server.
    pub host: String,
    /// The SHA-256 fingerprint of the certificate the server presents now (`AB:CD:…`).
    pub fingerprint: String,
    /// The fingerprint trusted before (`certificate_changed` only).
    pub pinned: Option<String>,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), certificate: None }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

pub type CmdResult<T> = Result<T, CommandError>;
