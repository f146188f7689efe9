//! The account events over Socket.IO (`banter:register`, `banter:login`, `banter:logout`,
//! `banter:sessions`, `banter:revoke`, `banter:password`) and the handshake's
//! `auth.session`. Payloads and errors: `banter_protocol::accounts`, `docs/protocol.md`.
//!
//! Hashing and store work run off the event loop; the ack comes when they are done. A client
//! waits for the ack of a sign-in before it joins under its account's name. Passwords and
//! tokens are never logged: only names, session ids and device names are.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use banter_protocol::accounts::{
    self as wire, InviteRequest, LoginRequest, PasswordChanged, PasswordRequest, RegisterRequest, RevokeRequest, SessionList,
};
use serde_json::Value;
use crate::sio::{AckSender, SocketRef};

use super::{Refusal, SignedInAs};
use crate::chat::{self, ack_data, ack_err, ack_ok, parse, Payload, ERR_SERVER};
use crate::metrics::now_ms;
use crate::state::{AppState, Shared};

/// The account events and their handlers (dispatched by `chat`, from one table).
pub(crate) const EVENTS: &[(&str, chat::Handler)] = &[
    (wire::REGISTER, on_register),
    (wire::LOGIN, on_login),
    (wire::LOGOUT, on_logout),
    (wire::SESSIONS, on_sessions),
    (wire::REVOKE, on_revoke),
    (wire::PASSWORD, on_password),
    (wire::INVITE, on_invite),
];

/// The handshake's `auth.session`, if given: signs the socket in, or refuses the connection
/// (the `connect_error` message). Called from the connect middleware.
pub async fn handshake(st: &AppState, s: &SocketRef, auth: Option<&Value>) -> Result<(), String> {
    // `session: null` is no session, as a client with nothing stored may send it.
    let Some(given) = auth.and_then(|a| a.get(wire::AUTH_SESSION)).filter(|v| !v.is_null()) else { return Ok(()) };
    let token = given.as_str().unwrap_or("");
    match st.accounts.authenticate(token, now_ms()).await {
        Ok(Some(me)) => {
            tracing::debug!(sid = %s.id, account = %me.name, session = %me.session, "handshake signed in");
            st.accounts.attach(&me.session, s.id);
            s.extensions.insert(me);
            Ok(())
        }
        Ok(None) => {
            tracing::info!(sid = %s.id, "connection refused: session not valid");
            Err(wire::ERR_SESSION_INVALID.into())
        }
        Err(e) => {
            tracing::error!(sid = %s.id, error = %e, "cannot check a session");
            Err(ERR_SERVER.into())
        }
    }
}

/// The socket is gone: it no longer uses its session (from the disconnect handler).
pub fn forget(st: &AppState, s: &SocketRef) {
    if let Some(me) = s.extensions.get::<SignedInAs>() {
        st.accounts.detach(&me.session, s.id);
    }
}

/// The client's address, from the TCP connection of the handshake.
pub(crate) fn client_ip(st: &AppState, s: &SocketRef) -> Option<IpAddr> {
    let parts = s.req_parts();
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())?;
    Some(crate::proxy::client_addr(&st.config.trusted_proxies, peer, &parts.headers))
}

fn signed_in(s: &SocketRef) -> Option<SignedInAs> {
    s.extensions.get::<SignedInAs>()
}

fn refusal(st: &AppState, ack: AckSender, r: Refusal, what: &str) {
    match r {
        Refusal::Client(reason) => ack_err(st, ack, reason),
        Refusal::Server(e) => {
            tracing::error!(error = %e, "{what} failed");
            ack_err(st, ack, ERR_SERVER)
        }
    }
}

/// Signs a socket in after a registration or sign-in.
fn sign_in(st: &AppState, s: &SocketRef, me: SignedInAs) {
    if !s.connected() {
        return; // gone while its password was checked: nothing to remember
    }
    st.accounts.attach(&me.session, s.id);
    s.extensions.insert(me);
    // Its account's DMs reach it from now on (dms/).
    crate::dms::attach_all(st, s);
}

/// Signs a socket out: it leaves every room it is in (it was there under the account's
/// name) and joins again as a guest or after a new sign-in.
fn sign_out(st: &AppState, s: &SocketRef, me: &SignedInAs) {
    s.extensions.remove::<SignedInAs>();
    st.accounts.detach(&me.session, s.id);
    // No longer one of the account's sockets: its read markers are not this socket's news.
    s.leave(crate::membership::account_room(me.account_id));
    let rooms: Vec<String> = chat::session(s).lock().rooms.iter().map(|(r, _)| r.clone()).collect();
    for room in rooms {
        chat::leave_room(st, s, &room);
    }
}

/// Disconnects the live sockets of ended sessions, except `keep`.
fn disconnect_sessions(st: &AppState, sessions: &[String], keep: Option<&SocketRef>) {
    disconnect_sessions_here(st, sessions, keep);
    st.control.publish(crate::cluster::control::Control::SessionsEnded { sessions: sessions.to_vec() });
}

/// [`disconnect_sessions`] on this node's sockets (another node's sign-out arrives here too).
pub(crate) fn disconnect_sessions_here(st: &AppState, sessions: &[String], keep: Option<&SocketRef>) {
    for session in sessions {
        for sid in st.accounts.take_sockets(session) {
            if keep.is_some_and(|k| k.id == sid) {
                continue;
            }
            if let Some(socket) = crate::sio::root(&st.io).and_then(|ns| ns.get_socket(sid)) {
                let _ = socket.disconnect();
            }
        }
    }
}

fn on_register(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: RegisterRequest =
        match parse(data, r#"{"name": string, "password": string, "invite"?: string, "device"?: string}"#) {
            Ok(r) => r,
            Err(e) => return ack_err(st, ack, e),
        };
    if signed_in(s).is_some() {
        return ack_err(st, ack, wire::ERR_ALREADY_SIGNED_IN);
    }
    if super::join::held_by_another(st, s, &req.name) {
        return ack_err(st, ack, wire::ERR_NAME_TAKEN);
    }
    let (st, s, ip) = (st.clone(), s.clone(), client_ip(st, s));
    tokio::spawn(async move {
        match st.accounts.register(req, ip, now_ms()).await {
            Ok((me, signed)) => {
                sign_in(&st, &s, me);
                ack_data(ack, &signed);
            }
            Err(r) => refusal(&st, ack, r, "registration"),
        }
    });
}

fn on_login(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: LoginRequest = match parse(data, r#"{"name": string, "password": string, "device"?: string}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    if signed_in(s).is_some() {
        return ack_err(st, ack, wire::ERR_ALREADY_SIGNED_IN);
    }
    let (st, s, ip) = (st.clone(), s.clone(), client_ip(st, s));
    tokio::spawn(async move {
        match st.accounts.login(req, ip, now_ms()).await {
            Ok((me, signed)) => {
                sign_in(&st, &s, me);
                ack_data(ack, &signed);
            }
            Err(r) => refusal(&st, ack, r, "sign-in"),
        }
    });
}

fn on_logout(st: &Shared, s: &SocketRef, _data: Payload, ack: AckSender) {
    let Some(me) = signed_in(s) else { return ack_err(st, ack, wire::ERR_NOT_SIGNED_IN) };
    // Signed out at once, so an event after this one is a guest's; the store follows.
    sign_out(st, s, &me);
    let st = st.clone();
    tokio::spawn(async move {
        match st.accounts.revoke(&me, &me.session).await {
            Ok(_) => {
                tracing::info!(account = %me.name, session = %me.session, "signed out");
                disconnect_sessions(&st, std::slice::from_ref(&me.session), None);
                ack_ok(ack)
            }
            Err(e) => refusal(&st, ack, Refusal::Server(e), "sign-out"),
        }
    });
}

fn on_sessions(st: &Shared, s: &SocketRef, _data: Payload, ack: AckSender) {
    let Some(me) = signed_in(s) else { return ack_err(st, ack, wire::ERR_NOT_SIGNED_IN) };
    let st = st.clone();
    tokio::spawn(async move {
        match st.accounts.sessions(&me).await {
            Ok(sessions) => ack_data(ack, &SessionList { sessions }),
            Err(e) => refusal(&st, ack, Refusal::Server(e), "listing sessions"),
        }
    });
}

fn on_revoke(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let Some(me) = signed_in(s) else { return ack_err(st, ack, wire::ERR_NOT_SIGNED_IN) };
    let req: RevokeRequest = match parse(data, r#"{"session": string}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    if req.session == me.session {
        sign_out(st, s, &me);
    }
    let (st, s) = (st.clone(), s.clone());
    tokio::spawn(async move {
        match st.accounts.revoke(&me, &req.session).await {
            Ok(true) => {
                tracing::info!(account = %me.name, session = %req.session, "session revoked");
                disconnect_sessions(&st, std::slice::from_ref(&req.session), Some(&s));
                ack_ok(ack)
            }
            Ok(false) => ack_err(&st, ack, wire::ERR_NO_SUCH_SESSION),
            Err(e) => refusal(&st, ack, Refusal::Server(e), "revoking a session"),
        }
    });
}

fn on_password(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let Some(me) = signed_in(s) else { return ack_err(st, ack, wire::ERR_NOT_SIGNED_IN) };
    let req: PasswordRequest = match parse(data, r#"{"old": string, "new": string}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let (st, ip) = (st.clone(), client_ip(st, s));
    tokio::spawn(async move {
        match st.accounts.change_password(&me, req.old, req.new, ip).await {
            Ok(revoked) => {
                disconnect_sessions(&st, &revoked, None);
                ack_data(ack, &PasswordChanged { revoked: u32::try_from(revoked.len()).unwrap_or(u32::MAX) });
            }
            Err(r) => refusal(&st, ack, r, "password change"),
        }
    });
}

/// `banter:invite`: a server admin makes an invite code.
fn on_invite(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let Some(me) = signed_in(s) else { return ack_err(st, ack, wire::ERR_NOT_SIGNED_IN) };
    if !me.admin {
        return ack_err(st, ack, wire::ERR_ADMINS_ONLY);
    }
    // No payload at all means the defaults.
    let data = match data {
        Ok(Value::Null) | Err(_) => Ok(Value::Object(Default::default())),
        other => other,
    };
    let req: InviteRequest = match parse(data, r#"{"uses"?: number, "expires"?: string}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let st = st.clone();
    tokio::spawn(async move {
        let uses = req.uses.unwrap_or(1);
        let expires = req.expires.unwrap_or_else(|| super::invites::DEFAULT_EXPIRY.to_owned());
        match st.accounts.create_invite(uses, expires, now_ms()).await {
            Ok(Ok(made)) => {
                tracing::info!(account = %me.name, uses, "invite created");
                ack_data(ack, &made)
            }
            Ok(Err(reason)) => ack_err(&st, ack, reason),
            Err(e) => refusal(&st, ack, Refusal::Server(e), "creating an invite"),
        }
    });
}
