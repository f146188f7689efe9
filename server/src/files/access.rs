//! Who is asking, over HTTP: the server's access token (header `x-banter-token`, for a
//! server started with `--token`) and the account's session (`Authorization: Bearer
//! <session token>`), checked as the Socket.IO handshake checks them; and what an account
//! may read: a room among its rooms (`membership/`), a DM it is a member of, or a room one
//! of its sockets is in now.

use axum::http::{header, HeaderMap};
use serde_json::json;

use banter_protocol::files::{codes, TOKEN_HEADER};

use super::Refusal;
use crate::accounts::SignedInAs;
use crate::rooms::lock;
use crate::state::AppState;

pub const ERR_TOKEN: &str = "Unauthorized: this server requires a valid access token";
pub const ERR_SIGN_IN: &str = "Sign in to upload or download files (send Authorization: Bearer <session token>).";
pub const ERR_SESSION: &str = "Unauthorized: this session is not valid (signed out, revoked or expired)";

/// The access token's check; `Ok` on an open server.
pub fn check_token(st: &AppState, headers: &HeaderMap) -> Result<(), Refusal> {
    let given = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    crate::auth::check(st.config.token.as_deref(), Some(&json!({ "token": given })))
        .map_err(|_| Refusal::new(401, codes::UNAUTHORIZED, ERR_TOKEN))
}

/// The bearer token of `Authorization`, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The signed-in account of the request (the token checked first).
pub async fn account(st: &AppState, headers: &HeaderMap) -> Result<SignedInAs, Refusal> {
    check_token(st, headers)?;
    let Some(token) = bearer(headers) else { return Err(Refusal::new(401, codes::NOT_SIGNED_IN, ERR_SIGN_IN)) };
    match st.accounts.authenticate(token, crate::metrics::now_ms()).await {
        Ok(Some(me)) => Ok(me),
        Ok(None) => Err(Refusal::new(401, codes::NOT_SIGNED_IN, ERR_SESSION)),
        Err(e) => Err(Refusal::server("session lookup", e)),
    }
}

/// The socket id by which the account is in `room` now under its name, if it is.
pub fn member_sid(st: &AppState, me: &SignedInAs, room: &str) -> Option<String> {
    let r = st.rooms.get(room)?;
    let g = lock(&r);
    g.members().iter().find(|m| m.account == Some(me.account_id) && m.username == me.name).map(|m| m.sid.clone())
}

/// Whether the account may read `room`'s messages (and so its files). Blocking reads.
pub fn may_read(st: &AppState, me: &SignedInAs, room: &str) -> Result<bool, crate::error::ServerError> {
    if banter_protocol::dms::is_dm(room) {
        return Ok(st.dms.store().get(room)?.is_some_and(|d| d.has(me.account_id)));
    }
    if member_sid(st, me, room).is_some() {
        return Ok(true);
    }
    Ok(st.membership.store().status(me.account_id, &me.name, room)?.is_some())
}
