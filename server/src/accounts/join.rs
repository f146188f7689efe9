//! Who may join a room under which name. A signed-in socket joins under its account's name
//! only. A guest (not signed in, Banter or classic client) may not use a registered name,
//! nor one that differs from it only by case, width or look-alike letters, nor a reserved
//! name: it gets the classic "Username is in use!". With `--guests deny` no guest may join.

use banter_protocol::accounts as wire;
use banter_protocol::classic;
use crate::sio::SocketRef;

use super::{names, SignedInAs};
use crate::room::Member;
use crate::state::AppState;

/// Checks a join's (already normalised) user name for this socket; the refusal otherwise.
pub fn check(st: &AppState, s: &SocketRef, username: &str) -> Result<(), String> {
    if let Some(me) = s.extensions.get::<SignedInAs>() {
        return if me.name == username { Ok(()) } else { Err(wire::err_signed_in_as(&me.name)) };
    }
    if !st.accounts.policy.guests {
        return Err(wire::ERR_GUESTS_DENIED.into());
    }
    if names::is_reserved(username) {
        return Err(classic::ERR_IN_USE.into());
    }
    let key = names::identity_key(username);
    // One indexed read; `block_in_place` lets tokio move other work off this thread meanwhile.
    match tokio::task::block_in_place(|| st.accounts.store().account_by_key(&key)) {
        Ok(None) => Ok(()),
        Ok(Some(_)) => Err(classic::ERR_IN_USE.into()),
        Err(e) => {
            tracing::error!(error = %e, "cannot look up a name in the accounts store");
            Err(crate::chat::ERR_SERVER.into())
        }
    }
}

/// The members signed in under their account's name (not those who joined as guests before
/// signing in), sorted: `signedIn` of `JoinAccepted` and `banter:presence`.
pub fn signed_in_members(st: &AppState, members: &[Member]) -> Vec<String> {
    let mut names: Vec<String> = members
        .iter()
        .filter(|m| {
            crate::sio::socket(&st.io, &m.sid)
                .and_then(|s| s.extensions.get::<SignedInAs>())
                .is_some_and(|me| me.name == m.username)
        })
        .map(|m| m.username.clone())
        .collect();
    names.sort();
    names.dedup(); // an account in the room from several devices is listed once
    names
}

/// True when another socket is in a room right now under `name` or a variant of it (a guest
/// chatting under it): such a name cannot be registered until it is free, so a registered
/// name is never held by a guest. One pass over the open rooms' members; registrations are
/// rare (and limited per address).
pub fn held_by_another(st: &AppState, s: &SocketRef, name: &str) -> bool {
    let key = names::identity_key(name);
    let me = s.id.to_string();
    st.rooms.all().iter().any(|room| {
        crate::rooms::lock(room).members().iter().any(|m| m.sid != me && names::identity_key(&m.username) == key)
    })
}
