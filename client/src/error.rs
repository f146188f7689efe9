//! The one error type of `banter-client`. Every variant has a stable [`ClientError::code`]
//! so that the desktop app can serialise errors to its UI as `{code, message}`.

use serde::Serialize;

/// Everything that can go wrong in `banter-client`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The server URL cannot be used (wrong scheme, no host, credentials, query…).
    #[error("invalid server URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// Nothing answered at that address (DNS failure, connection refused, wrong path…).
    #[error("cannot reach {server}: {detail}")]
    Unreachable { server: String, detail: String },
    /// The TLS handshake failed (bad certificate, plain HTTP on an https URL…).
    #[error("TLS failure talking to {server}: {detail}")]
    Tls { server: String, detail: String },
    /// The system does not trust the server's certificate (self-signed, a private CA):
    /// `fingerprint` is what the user may choose to trust for this server.
    #[error("{server}'s certificate is not trusted by this system (SHA-256 fingerprint {fingerprint}); trust it only if you know it is that server's: {detail}")]
    UntrustedCertificate { server: String, fingerprint: String, detail: String },
    /// A pinned server presented another certificate than the one trusted for it.
    #[error("{server} presented a different certificate than the one you trusted: trusted {pinned}, presented {presented}. Someone may be intercepting the connection, or the server's certificate was replaced")]
    CertificateChanged { server: String, pinned: String, presented: String },
    /// The server refused the connection because of the token.
    #[error("{server} refused the connection: {message}")]
    Unauthorized { server: String, message: String },
    /// The server refused the Socket.IO connection for another reason.
    #[error("{server} refused the connection: {message}")]
    ConnectRefused { server: String, message: String },
    /// The server did not confirm the connection in time.
    #[error("{server} did not confirm the connection within {seconds} s")]
    ConnectTimeout { server: String, seconds: u64 },
    /// The server refused to let us into a room (its reason, e.g. "Username is in use!").
    #[error("joining {room} refused: {reason}")]
    JoinRefused { room: String, reason: String },
    /// What the caller gave breaks a protocol rule (empty message, name too long…).
    #[error("{0}")]
    InvalidInput(String),
    /// A location that is not a latitude in [-90, 90] and a longitude in [-180, 180]
    /// (finite numbers). Nothing was sent.
    #[error("invalid location: {0}")]
    InvalidLocation(String),
    /// The operation names a room this client has not joined.
    #[error("not subscribed to room {room} on {server}")]
    NotJoined { server: String, room: String },
    /// Already subscribed to this room on this server.
    #[error("already subscribed to room {room} on {server}")]
    AlreadyJoined { server: String, room: String },
    /// No message with that id is waiting for a retry.
    #[error("no failed message with id {0}")]
    UnknownMessage(String),
    /// A request got no acknowledgement in time.
    #[error("no acknowledgement for {what} within {seconds} s")]
    Timeout { what: String, seconds: u64 },
    /// The connection was lost while a request was in flight.
    #[error("connection lost: {0}")]
    ConnectionLost(String),
    /// The server sent data that breaks the protocol. The connection stays usable.
    #[error("malformed data from the server: {0}")]
    Protocol(String),
    /// Reading or writing the data directory failed.
    #[error("storage error at {path}: {detail}")]
    Storage { path: String, detail: String },
    /// No keyring service could be reached (no Secret Service on the session bus, locked…).
    #[error("no keyring service is reachable: {0}")]
    KeyringUnavailable(String),
    /// The keyring answered with an error.
    #[error("keyring error: {0}")]
    Keyring(String),
    /// The client (or that room's subscription) has shut down.
    #[error("the client has shut down")]
    Closed,
    // ----- accounts (`crate::accounts`) -----
    /// Registering: the name, or one that differs from it only by case, width or look-alike
    /// letters, is registered or reserved on the server (or someone is chatting under it).
    #[error("the name {name:?} is taken on this server: choose another")]
    NameTaken { name: String },
    /// Signing in: the name is unknown or the password is wrong (servers do not say which).
    #[error("wrong name or password")]
    WrongLogin,
    /// Signing in: too many failed attempts for this name or from this address.
    #[error("too many sign-in attempts: wait a minute and try again")]
    TooManyAttempts,
    /// Registering: the server does not let anyone register.
    #[error("registration is closed on this server")]
    RegistrationClosed,
    /// Registering: the server wants an invite code and none was given.
    #[error("an invite code is required to register on this server")]
    InviteRequired,
    /// Registering: the invite code is unknown, used up or expired.
    #[error("this invite code is not valid (unknown, used up or expired)")]
    InviteInvalid,
    /// The server refused the session token (signed out, revoked or expired): sign in again.
    #[error("the session on {server} is not valid any more (signed out, revoked or expired): sign in again")]
    SessionInvalid { server: String },
    /// Revoking: the account has no session with that id.
    #[error("no such session")]
    NoSuchSession,
    /// Accounts were asked of a server that is not a Banter server (a classic chat server).
    #[error("{server} is not a Banter server: a classic chat server has no accounts")]
    NotABanterServer { server: String },
    /// A Banter server that does not offer accounts.
    #[error("{server} is a Banter server without accounts")]
    AccountsUnsupported { server: String },
    /// The server refused an account request for another reason (its words).
    #[error("the server refused: {0}")]
    AccountRefused(String),
    // ----- direct messages (`crate::dms`) -----
    /// A direct message needs a signed-in session (`banter-cli account login`).
    #[error("not signed in on {server}: direct messages need an account (sign in first)")]
    NotSignedIn { server: String },
    /// A direct message names someone who has no account on the server.
    #[error("no account named {name:?} on this server")]
    NoSuchAccount { name: String },
    /// A direct message id the account is not a member of, or that does not exist.
    #[error("no such conversation")]
    NoSuchDm,
    /// The server refused to open the direct message for another reason (its words: a
    /// member has blocked you, too many members, too many new rooms…).
    #[error("the direct message was refused: {0}")]
    DmRefused(String),
    /// A Banter server without direct messages (no `dms` feature).
    #[error("{server} has no direct messages")]
    DmsUnsupported { server: String },
    // ----- rooms: moderation, read markers (`crate::calls`) -----
    /// An invite link that is not `banter://join?server=…&room=…[&invite=…]` with valid
    /// values (`crate::links`); the reason says what is wrong. Never acted on.
    #[error("invite link refused: {0}")]
    InvalidLink(String),
    /// The server refused a room request (its words: not allowed, no such message, topic
    /// too long…).
    #[error("{reason}")]
    Refused { reason: String },
    /// The room is on a classic server or a Banter server without the feature asked for.
    #[error("this server does not offer that ({feature})")]
    Unsupported { feature: String },
    // ----- files (`crate::files`) -----
    /// The file is over the server's upload limit (its words).
    #[error("{reason}")]
    TooLarge { reason: String },
    /// The upload would go over the account's quota on the server (its words).
    #[error("{reason}")]
    Quota { reason: String },
    /// Not allowed: an upload to a room the account is not in (or a DM where a member
    /// blocks it), a download from a room it may not read, an expired link (its words).
    #[error("{reason}")]
    NotAllowed { reason: String },
    /// The server refused the file itself: empty, a name it cannot use, an image too large
    /// to decode safely (its words).
    #[error("{reason}")]
    FileRefused { reason: String },
    /// No such file on the server (or the message that announced it was removed).
    #[error("no such file")]
    NoSuchFile,
    /// The upload was cancelled (`files::CancelToken`); the server keeps nothing of it.
    #[error("cancelled")]
    Cancelled,
}

impl ClientError {
    /// A stable machine-readable code, one per variant.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::InvalidUrl { .. } => "invalid_url",
            ClientError::Unreachable { .. } => "unreachable",
            ClientError::Tls { .. } => "tls",
            ClientError::UntrustedCertificate { .. } => "untrusted_certificate",
            ClientError::CertificateChanged { .. } => "certificate_changed",
            ClientError::Unauthorized { .. } => "unauthorized",
            ClientError::ConnectRefused { .. } => "connect_refused",
            ClientError::ConnectTimeout { .. } => "connect_timeout",
            ClientError::JoinRefused { .. } => "join_refused",
            ClientError::InvalidInput(_) => "invalid_input",
            ClientError::InvalidLocation(_) => "invalid_location",
            ClientError::NotJoined { .. } => "not_joined",
            ClientError::AlreadyJoined { .. } => "already_joined",
            ClientError::UnknownMessage(_) => "unknown_message",
            ClientError::Timeout { .. } => "timeout",
            ClientError::ConnectionLost(_) => "connection_lost",
            ClientError::Protocol(_) => "protocol",
            ClientError::Storage { .. } => "storage",
            ClientError::KeyringUnavailable(_) => "keyring_unavailable",
            ClientError::Keyring(_) => "keyring",
            ClientError::Closed => "closed",
            ClientError::NameTaken { .. } => "name_taken",
            ClientError::WrongLogin => "wrong_login",
            ClientError::TooManyAttempts => "too_many_attempts",
            ClientError::RegistrationClosed => "registration_closed",
            ClientError::InviteRequired => "invite_required",
            ClientError::InviteInvalid => "invite_invalid",
            ClientError::SessionInvalid { .. } => "session_invalid",
            ClientError::NoSuchSession => "no_such_session",
            ClientError::NotABanterServer { .. } => "not_a_banter_server",
            ClientError::AccountsUnsupported { .. } => "accounts_unsupported",
            ClientError::AccountRefused(_) => "account_refused",
            ClientError::NotSignedIn { .. } => "not_signed_in",
            ClientError::NoSuchAccount { .. } => "no_such_account",
            ClientError::NoSuchDm => "no_such_dm",
            ClientError::DmRefused(_) => "dm_refused",
            ClientError::DmsUnsupported { .. } => "dms_unsupported",
            ClientError::Refused { .. } => "refused",
            ClientError::InvalidLink(_) => "invalid_link",
            ClientError::Unsupported { .. } => "unsupported",
            ClientError::TooLarge { .. } => "too_large",
            ClientError::Quota { .. } => "quota",
            ClientError::NotAllowed { .. } => "not_allowed",
            ClientError::FileRefused { .. } => "file_refused",
            ClientError::NoSuchFile => "no_such_file",
            ClientError::Cancelled => "cancelled",
        }
    }

    /// The error in plain words for a person: what happened, without the transport's error
    /// chain ("EngineIO Error: … os error 111"), which [`Display`](std::fmt::Display) keeps
    /// for logs. Only connection errors differ from `to_string()`.
    pub fn summary(&self) -> String {
        match self {
            ClientError::Unreachable { server, detail } => {
                let host = host_of(server);
                let d = detail.to_lowercase();
                if d.contains("connection refused") {
                    format!("Nothing is listening at {host} (the connection was refused)")
                } else if d.contains("lookup address")
                    || d.contains("name or service not known")
                    || d.contains("dns error")
                    || d.contains("no address associated")
                    || d.contains("nodename nor servname")
                {
                    format!("The name of {host} could not be found")
                } else if d.contains("timed out") {
                    format!("{host} did not answer in time")
                } else if d.contains("network is unreachable") || d.contains("no route to host") {
                    format!("{host} cannot be reached from this network")
                } else if let Some(status) = http_status(&d) {
                    format!("{host} answered, but not as a Socket.IO chat server (HTTP {status}); check the address")
                } else if d.contains("illegal handshake") || d.contains("invalid packet") {
                    format!("{host} answered, but not as a Socket.IO chat server; check the address")
                } else {
                    format!("{host} could not be reached")
                }
            }
            ClientError::Tls { server, .. } => format!(
                "The secure (https) connection to {} failed: its certificate or TLS setup was not accepted",
                host_of(server)
            ),
            ClientError::ConnectionLost(_) => "The connection was lost".to_owned(),
            ClientError::SessionInvalid { server } => format!(
                "Your session on {} is not valid any more (signed out, revoked or expired): sign in again",
                host_of(server)
            ),
            ClientError::NotABanterServer { server } => format!(
                "{} is a classic chat server, not a Banter server: it has no accounts",
                host_of(server)
            ),
            ClientError::AccountsUnsupported { server } => {
                format!("{} is a Banter server without accounts", host_of(server))
            }
            ClientError::UntrustedCertificate { server, fingerprint, .. } => format!(
                "The certificate of {} is not trusted by this system (self-signed or from a private authority). Its SHA-256 fingerprint is {fingerprint}: trust it only if it is the one its owner gave you",
                host_of(server)
            ),
            other => other.to_string(),
        }
    }

    /// The `{code, message}` form the UI receives.
    pub fn to_payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }

    pub(crate) fn storage(path: &std::path::Path, err: impl std::fmt::Display) -> Self {
        ClientError::Storage {
            path: path.display().to_string(),
            detail: err.to_string(),
        }
    }
}

/// `host:port` of a server URL as written (`http://a.example:3000/` → `a.example:3000`).
fn host_of(server: &str) -> &str {
    let rest = server.split_once("://").map_or(server, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// The status of an HTTP error in a (lower-cased) transport error's text, if there is one:
/// tungstenite's "HTTP error: 404 Not Found", rust_engineio's "Network request returned with
/// status code: 404".
fn http_status(detail: &str) -> Option<u16> {
    for marker in ["http error: ", "status code: "] {
        if let Some(at) = detail.find(marker) {
            let digits: String = detail[at + marker.len()..].chars().take_while(char::is_ascii_digit).collect();
            if let Ok(status) = digits.parse() {
                return Some(status);
            }
        }
    }
    None
}

/// An error as the UI gets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
}

impl Serialize for ClientError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_payload().serialize(s)
    }
}

/// `Result` with [`ClientError`].
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn unreachable(detail: &str) -> String {
        ClientError::Unreachable { server: "http://chat.example:3000".into(), detail: detail.into() }.summary()
    }

    #[test]
    fn summaries_say_what_happened_without_the_error_chain() {
        // texts as rust_socketio 0.6 / rust_engineio 0.6 report them
        let refused = unreachable("EngineIO Error: Error with websocket connection: IO error: Connection refused (os error 111): IO error: Connection refused (os error 111): Connection refused (os error 111)");
        assert_eq!(refused, "Nothing is listening at chat.example:3000 (the connection was refused)");
        assert_eq!(
            unreachable("EngineIO Error: Error with websocket connection: IO error: failed to lookup address information: Name or service not known"),
            "The name of chat.example:3000 could not be found"
        );
        assert_eq!(
            unreachable("EngineIO Error: Error with websocket connection: HTTP error: 404 Not Found: Network request returned with status code: 404"),
            "chat.example:3000 answered, but not as a Socket.IO chat server (HTTP 404); check the address"
        );
        assert_eq!(unreachable("connection closed"), "chat.example:3000 could not be reached");
        for s in [refused, unreachable("something odd (os error 5)")] {
            assert!(!s.contains("os error") && !s.contains("EngineIO"), "{s}");
        }
        let tls = ClientError::Tls { server: "https://127.0.0.1:3000".into(), detail: "invalid peer certificate".into() };
        assert!(tls.summary().starts_with("The secure (https) connection to 127.0.0.1:3000 failed"));
        let other = ClientError::JoinRefused { room: "lobby".into(), reason: "Username is in use!".into() };
        assert_eq!(other.summary(), other.to_string());
    }

    #[test]
    fn codes_are_stable_and_serialised_with_the_message() {
        let e = ClientError::JoinRefused {
            room: "lobby".into(),
            reason: "Username is in use!".into(),
        };
        assert_eq!(e.code(), "join_refused");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"join_refused","message":"joining lobby refused: Username is in use!"}"#
        );
        assert_eq!(ClientError::Closed.code(), "closed");
        assert_eq!(
            ClientError::KeyringUnavailable("x".into()).code(),
            "keyring_unavailable"
        );
    }
}
