//! Accounts and sessions on a Banter server (`docs/protocol.md` § 7): register, sign in and
//! out, list and revoke sessions, change the password.
//!
//! Each call opens a short-lived Socket.IO connection of its own (with the server's access
//! token, and the session token when the call needs one, in the handshake `auth`), asks one
//! question and closes it. The calls are methods of [`Client`] taking a [`ServerAccess`], so
//! that they can later move onto the client's one connection per server without changing
//! their callers.
//!
//! Secrets: a [`SessionToken`] and the passwords given here are only ever put in event
//! payloads and the handshake `auth`; [`SessionToken`]'s and [`ServerAccess`]'s `Debug`
//! never show them, and nothing here logs them. Keep tokens in the keyring
//! ([`crate::CredentialStore::set_session`]), never in a file.

use std::fmt;
use std::time::Duration;

use banter_protocol::accounts::{
    self as wire, LoginRequest, PasswordChanged, PasswordRequest, RegisterRequest, RevokeRequest,
    SessionList, SignedIn,
};
use banter_protocol::ext::{self, Hello};
use banter_protocol::AckReply;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::connection::{Connection, Raw};
use crate::error::{ClientError, Result};
use crate::url::ServerUrl;
use crate::Client;

pub use banter_protocol::accounts::{Account, AccountsInfo, Registration, SessionInfo};

/// How long a connection waits for the server's `banter:hello` (which a Banter server sends
/// right after it confirms the connection) before taking the server for a classic one.
const HELLO_WAIT: Duration = Duration::from_secs(5);
/// Longest session token accepted from a server (ours are 64 hex digits).
const MAX_TOKEN_BYTES: usize = 1024;

/// A session token: it signs a connection in as an account. Its `Debug` does not show it;
/// [`SessionToken::expose`] does, for the keyring and the handshake only.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn new(token: impl Into<String>) -> Self {
        SessionToken(token.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// A server and its access token (`--token`, if it has one), for the account calls.
#[derive(Clone)]
pub struct ServerAccess {
    pub server: String,
    pub token: Option<String>,
}

impl ServerAccess {
    pub fn new(server: &str) -> Self {
        ServerAccess { server: server.to_owned(), token: None }
    }

    /// The server's access token (not a session token).
    pub fn token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }
}

impl fmt::Debug for ServerAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerAccess")
            .field("server", &self.server)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A signed-in session, from [`Client::register`] or [`Client::login`].
#[derive(Debug, Clone)]
pub struct Session {
    /// Signs later connections in ([`crate::JoinOptions::session`]); keep it in the keyring.
    pub token: SessionToken,
    /// This session's id, as [`Client::sessions`] lists it.
    pub id: String,
    pub account: Account,
}

impl Client {
    /// The server's account policy (who may register, whether guests may chat), from its
    /// `banter:hello`. `not_a_banter_server` for a classic server, `accounts_unsupported`
    /// for a Banter server without accounts.
    pub async fn account_policy(&self, at: &ServerAccess) -> Result<AccountsInfo> {
        let link = Link::open(self, at, None).await?;
        let info = link.hello.accounts.unwrap_or(AccountsInfo {
            registration: Registration::Open,
            guests: true,
        });
        link.close().await;
        Ok(info)
    }

    /// The account a session token signs in, as the server greets a connection made with it
    /// (no request): checks a stored session at start-up. `session_invalid` when it ended.
    pub async fn session_account(&self, at: &ServerAccess, session: &SessionToken) -> Result<Account> {
        let link = Link::open(self, at, Some(session)).await?;
        let account = link.hello.account.clone();
        link.close().await;
        account.ok_or_else(|| ClientError::Protocol("the server's banter:hello names no account for the session".into()))
    }

    /// Creates an account and signs in (a new session, named `device`). Errors:
    /// `name_taken`, `registration_closed`, `invite_required`, `invite_invalid`,
    /// `too_many_attempts`, `invalid_input` (name or password breaks the rules), and the
    /// connection's.
    pub async fn register(
        &self,
        at: &ServerAccess,
        name: &str,
        password: &str,
        invite: Option<&str>,
        device: Option<&str>,
    ) -> Result<Session> {
        check_name(name)?;
        check_new_password(password)?;
        let req = RegisterRequest {
            name: name.to_owned(),
            password: password.to_owned(),
            invite: invite.map(str::to_owned),
            device: device.map(str::to_owned),
        };
        let mut link = Link::open(self, at, None).await?;
        let reply = link.request(wire::REGISTER, to_value(&req)?).await;
        link.close().await;
        signed_in(reply?, name)
    }

    /// Signs in (a new session, named `device`). An unknown name and a wrong password give
    /// the same `wrong_login`; `too_many_attempts` after repeated failures.
    pub async fn login(
        &self,
        at: &ServerAccess,
        name: &str,
        password: &str,
        device: Option<&str>,
    ) -> Result<Session> {
        check_name(name)?;
        if password.is_empty() || password.len() > wire::MAX_PASSWORD_BYTES {
            return Err(ClientError::WrongLogin);
        }
        let req = LoginRequest {
            name: name.to_owned(),
            password: password.to_owned(),
            device: device.map(str::to_owned),
        };
        let mut link = Link::open(self, at, None).await?;
        let reply = link.request(wire::LOGIN, to_value(&req)?).await;
        link.close().await;
        signed_in(reply?, name)
    }

    /// Ends the session on the server (its token stops working everywhere).
    /// `session_invalid` when it had already ended.
    pub async fn logout(&self, at: &ServerAccess, session: &SessionToken) -> Result<()> {
        let mut link = Link::open(self, at, Some(session)).await?;
        let reply = link.request(wire::LOGOUT, Value::Null).await;
        link.close().await;
        done(reply?, None)
    }

    /// The account's sessions, most recently used first (`current`: this one).
    pub async fn sessions(&self, at: &ServerAccess, session: &SessionToken) -> Result<Vec<SessionInfo>> {
        let mut link = Link::open(self, at, Some(session)).await?;
        let reply = link.request(wire::SESSIONS, Value::Null).await;
        link.close().await;
        let list: SessionList = data(reply?, wire::SESSIONS)?;
        Ok(list.sessions)
    }

    /// Ends one of the account's sessions by id (`no_such_session` otherwise); sockets using
    /// it are disconnected and its token is refused from then on.
    pub async fn revoke(&self, at: &ServerAccess, session: &SessionToken, id: &str) -> Result<()> {
        let req = RevokeRequest { session: id.to_owned() };
        let mut link = Link::open(self, at, Some(session)).await?;
        let reply = link.request(wire::REVOKE, to_value(&req)?).await;
        link.close().await;
        done(reply?, None)
    }

    /// Changes the password (`old` is checked like a sign-in: `wrong_login`); every other
    /// session of the account ends, this one stays. Returns how many were ended.
    pub async fn change_password(
        &self,
        at: &ServerAccess,
        session: &SessionToken,
        old: &str,
        new: &str,
    ) -> Result<u32> {
        check_new_password(new)?;
        let req = PasswordRequest { old: old.to_owned(), new: new.to_owned() };
        let mut link = Link::open(self, at, Some(session)).await?;
        let reply = link.request(wire::PASSWORD, to_value(&req)?).await;
        link.close().await;
        let changed: PasswordChanged = data(reply?, wire::PASSWORD)?;
        Ok(changed.revoked)
    }
}

/// One short-lived connection for account requests, one request at a time (also used by
/// `crate::dms` to find a DM's id).
pub(crate) struct Link {
    server: ServerUrl,
    conn: Connection,
    rx: mpsc::UnboundedReceiver<Raw>,
    pub(crate) hello: Hello,
    request_timeout: Duration,
    next_token: u64,
}

impl Link {
    /// Connects (access token and session in the handshake) and waits for `banter:hello`;
    /// the server must list the `accounts` feature.
    pub(crate) async fn open(client: &Client, at: &ServerAccess, session: Option<&SessionToken>) -> Result<Link> {
        let server = ServerUrl::parse(&at.server)?;
        let config = &client.config;
        let (conn, mut rx) = Connection::open(
            &server,
            at.token.as_deref(),
            session.map(SessionToken::expose),
            client.pool.pins.get(&server),
            config.connect_timeout,
        )
        .await?;
        let deadline = Instant::now() + config.connect_timeout.min(HELLO_WAIT);
        let hello = loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Err(_) => {
                    conn.close().await;
                    return Err(ClientError::NotABanterServer { server: server.to_string() });
                }
                Ok(None) | Ok(Some(Raw::Closed)) => {
                    return Err(ClientError::ConnectionLost("the server closed the socket".into()))
                }
                Ok(Some(Raw::Error(text))) if Raw::is_fatal_error(&text) => {
                    conn.close().await;
                    return Err(ClientError::ConnectionLost(text));
                }
                Ok(Some(Raw::Event { name, args })) if name == ext::HELLO => {
                    match args.into_iter().next().map(serde_json::from_value::<Hello>) {
                        Some(Ok(hello)) => break hello,
                        Some(Err(e)) => {
                            conn.close().await;
                            return Err(ClientError::Protocol(format!("bad banter:hello: {e}")));
                        }
                        None => {
                            conn.close().await;
                            return Err(ClientError::Protocol("banter:hello without a payload".into()));
                        }
                    }
                }
                Ok(Some(_)) => {}
            }
        };
        if !hello.features.iter().any(|f| f == ext::features::ACCOUNTS) {
            conn.close().await;
            return Err(ClientError::AccountsUnsupported { server: server.to_string() });
        }
        Ok(Link {
            server,
            conn,
            rx,
            hello,
            request_timeout: config.request_timeout,
            next_token: 0,
        })
    }

    /// Sends `event` with `payload` and waits for its ack (our own timer).
    pub(crate) async fn request(&mut self, event: &'static str, payload: Value) -> Result<Answer> {
        self.next_token += 1;
        let token = self.next_token;
        self.conn.request(event, payload, token, self.request_timeout);
        let deadline = Instant::now() + self.request_timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Err(_) => {
                    return Err(ClientError::Timeout {
                        what: event.to_owned(),
                        seconds: self.request_timeout.as_secs(),
                    })
                }
                Ok(None) | Ok(Some(Raw::Closed)) => {
                    return Err(ClientError::ConnectionLost("the server closed the socket".into()))
                }
                Ok(Some(Raw::Error(text))) if Raw::is_fatal_error(&text) => {
                    return Err(ClientError::ConnectionLost(text))
                }
                Ok(Some(Raw::SendFailed { token: t, error })) if t == token => {
                    return Err(ClientError::ConnectionLost(error))
                }
                Ok(Some(Raw::Ack { token: t, args })) if t == token => {
                    return Ok(Answer { server: self.server.clone(), reply: AckReply::from_args(&args) })
                }
                Ok(Some(_)) => {}
            }
        }
    }

    pub(crate) async fn close(self) {
        self.conn.close().await;
    }
}

/// An ack, with the server it came from (for errors).
pub(crate) struct Answer {
    pub(crate) server: ServerUrl,
    pub(crate) reply: AckReply,
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| ClientError::InvalidInput(e.to_string()))
}

fn check_name(name: &str) -> Result<()> {
    banter_protocol::rules::check_join(
        name,
        "x",
        banter_protocol::rules::MAX_USERNAME_CHARS,
        banter_protocol::rules::MAX_ROOM_CHARS,
    )
    .map(drop)
    .map_err(|e| ClientError::InvalidInput(e.to_string()))
}

fn check_new_password(password: &str) -> Result<()> {
    if (wire::MIN_PASSWORD_BYTES..=wire::MAX_PASSWORD_BYTES).contains(&password.len()) {
        Ok(())
    } else {
        Err(ClientError::InvalidInput(wire::ERR_PASSWORD_LENGTH.to_owned()))
    }
}

/// The error for a refusal, from the server's words (`docs/protocol.md` § 7).
fn refusal(server: &ServerUrl, name: Option<&str>, reason: &str) -> ClientError {
    match reason {
        wire::ERR_NAME_TAKEN => ClientError::NameTaken {
            name: name.map(banter_protocol::rules::normalise_name).unwrap_or_default(),
        },
        wire::ERR_WRONG_LOGIN => ClientError::WrongLogin,
        wire::ERR_TOO_MANY_ATTEMPTS => ClientError::TooManyAttempts,
        wire::ERR_REGISTRATION_CLOSED => ClientError::RegistrationClosed,
        wire::ERR_INVITE_REQUIRED => ClientError::InviteRequired,
        wire::ERR_INVITE_INVALID => ClientError::InviteInvalid,
        // we always connect with the session these need: it ended meanwhile
        wire::ERR_NOT_SIGNED_IN => ClientError::SessionInvalid { server: server.to_string() },
        wire::ERR_NO_SUCH_SESSION => ClientError::NoSuchSession,
        wire::ERR_PASSWORD_LENGTH => ClientError::InvalidInput(reason.to_owned()),
        other => ClientError::AccountRefused(crate::room::clip(other, 500)),
    }
}

/// `[]` (or `[null]`) expected.
pub(crate) fn done(answer: Answer, name: Option<&str>) -> Result<()> {
    match answer.reply {
        AckReply::Ok | AckReply::OkWith(_) => Ok(()),
        AckReply::Refused(reason) => Err(refusal(&answer.server, name, &reason)),
        AckReply::Malformed(detail) => Err(ClientError::Protocol(detail)),
    }
}

/// `[null, T]` expected.
pub(crate) fn data<T: serde::de::DeserializeOwned>(answer: Answer, event: &str) -> Result<T> {
    match answer.reply {
        AckReply::OkWith(v) => {
            serde_json::from_value(v).map_err(|e| ClientError::Protocol(format!("bad answer to {event}: {e}")))
        }
        AckReply::Ok => Err(ClientError::Protocol(format!("{event} was answered without data"))),
        AckReply::Refused(reason) => Err(refusal(&answer.server, None, &reason)),
        AckReply::Malformed(detail) => Err(ClientError::Protocol(detail)),
    }
}

fn signed_in(answer: Answer, name: &str) -> Result<Session> {
    let signed: SignedIn = match answer.reply {
        AckReply::Refused(reason) => return Err(refusal(&answer.server, Some(name), &reason)),
        // serde's message could quote the token: say only that it is malformed
        AckReply::OkWith(v) => serde_json::from_value(v)
            .map_err(|_| ClientError::Protocol("the server's SignedIn answer is malformed".into()))?,
        AckReply::Ok => return Err(ClientError::Protocol("the sign-in was answered without data".into())),
        AckReply::Malformed(_) => return Err(ClientError::Protocol("the sign-in answer is malformed".into())),
    };
    if signed.token.is_empty()
        || signed.token.len() > MAX_TOKEN_BYTES
        || signed.token.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        // not shown: it may be a secret all the same
        return Err(ClientError::Protocol("the server sent an unusable session token".into()));
    }
    Ok(Session {
        token: SessionToken::new(signed.token),
        id: signed.session,
        account: signed.account,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(args: Value) -> Answer {
        let args = args.as_array().cloned().unwrap_or_default();
        Answer { server: ServerUrl::parse("http://x:1").unwrap(), reply: AckReply::from_args(&args) }
    }

    #[test]
    fn secrets_are_not_in_debug_output() {
        let t = SessionToken::new("0123abcd");
        assert!(!format!("{t:?}").contains("0123abcd"));
        let s = Session {
            token: t,
            id: "s1".into(),
            account: Account { name: "ann".into(), admin: false, created_at: 1 },
        };
        assert!(!format!("{s:?}").contains("0123abcd"));
        let a = ServerAccess::new("http://x").token(Some("server-secret".into()));
        assert!(!format!("{a:?}").contains("server-secret"));
    }

    #[test]
    fn refusals_become_typed_errors() {
        let cases = [
            (wire::ERR_NAME_TAKEN, "name_taken"),
            (wire::ERR_WRONG_LOGIN, "wrong_login"),
            (wire::ERR_TOO_MANY_ATTEMPTS, "too_many_attempts"),
            (wire::ERR_REGISTRATION_CLOSED, "registration_closed"),
            (wire::ERR_INVITE_REQUIRED, "invite_required"),
            (wire::ERR_INVITE_INVALID, "invite_invalid"),
            (wire::ERR_NOT_SIGNED_IN, "session_invalid"),
            (wire::ERR_NO_SUCH_SESSION, "no_such_session"),
            (wire::ERR_PASSWORD_LENGTH, "invalid_input"),
            ("Slow down! Too many messages.", "account_refused"),
        ];
        for (reason, code) in cases {
            let e = signed_in(answer(json!([reason])), "Ann").unwrap_err();
            assert_eq!(e.code(), code, "{reason}");
        }
        let e = signed_in(answer(json!([wire::ERR_NAME_TAKEN])), "Ann").unwrap_err();
        assert_eq!(e.to_string(), r#"the name "ann" is taken on this server: choose another"#);
    }

    #[test]
    fn answers_are_read() {
        let ok = json!([null, {"token": "ab".repeat(32), "session": "s1", "account": {"name": "ann", "admin": false, "createdAt": 5}}]);
        let s = signed_in(answer(ok), "ann").unwrap();
        assert_eq!(s.token.expose(), "ab".repeat(32));
        assert_eq!(s.account.name, "ann");
        assert_eq!(signed_in(answer(json!([])), "ann").unwrap_err().code(), "protocol");
        let bad = json!([null, {"token": "a b", "session": "s1", "account": {"name": "ann", "admin": false, "createdAt": 5}}]);
        let e = signed_in(answer(bad), "ann").unwrap_err();
        assert_eq!(e.code(), "protocol");
        assert!(!e.to_string().contains("a b"));
        assert!(done(answer(json!([])), None).is_ok());
        assert_eq!(done(answer(json!([17])), None).unwrap_err().code(), "protocol");
        let list: SessionList = data(answer(json!([null, {"sessions": []}])), "x").unwrap();
        assert!(list.sessions.is_empty());
    }

    #[test]
    fn passwords_are_checked_before_sending() {
        assert_eq!(check_new_password("short").unwrap_err().code(), "invalid_input");
        assert!(check_new_password("long enough").is_ok());
        assert!(check_new_password(&"x".repeat(1025)).is_err());
        assert!(check_name("").is_err());
        assert!(check_name("ann").is_ok());
    }
}
