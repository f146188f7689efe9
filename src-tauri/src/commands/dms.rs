//! Direct messages (docs/protocol.md § 10): "Message" on a member opens (or creates) the DM
//! with that account; saved DMs reopen at start. Once open, a DM is a room whose id is its
//! `dm:…` id: send, history, typing and retry take it as the room.

use banter_client::dms::DmOptions;
use tauri::State;

use crate::core::{map_err, Glue};
use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::ipc::{OpenDmRequest, RoomSnapshot};
use crate::{server_key, validate, AppState, Session};

/// Opens by the other members' names one DM at a time: its id (and so the snapshot it is
/// waited for by) comes with its first join.
static OPENING_BY_NAME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Which DM: the one with these other accounts, or the one with this id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    With(Vec<String>),
    Id(String),
}

/// Checks an `open_dm` request: signed in, and either 1 to 7 other account names or an id.
pub fn target(request: &OpenDmRequest, me: &str) -> CmdResult<Target> {
    match request.dm.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(dm) => Ok(Target::Id(validate::dm_id(dm)?)),
        None => Ok(Target::With(validate::dm_with(&request.with, me)?)),
    }
}

fn signed_in(session: &Session) -> CmdResult<(String, banter_client::accounts::SessionToken)> {
    session.account.clone().ok_or_else(|| {
        CommandError::new(ErrorCode::NotConnected, "Sign in to an account on this server to write to someone directly.")
    })
}

#[tauri::command]
pub async fn open_dm(state: State<'_, AppState>, request: OpenDmRequest) -> CmdResult<RoomSnapshot> {
    let server = server_key(&request.server)?.to_string();
    let session = state.session(&server)?;
    let (me, _) = signed_in(&session)?;
    let target = target(&request, &me)?;
    open(&state, &server, &session, target, None).await
}

/// Opens a DM and returns its snapshot; remembers it for the next start.
pub(crate) async fn open(
    state: &AppState,
    server: &str,
    session: &Session,
    target: Target,
    retry_unreachable: Option<std::time::Duration>,
) -> CmdResult<RoomSnapshot> {
    let (_, token) = signed_in(session)?;
    let _one_at_a_time = match &target {
        Target::With(_) => Some(OPENING_BY_NAME.lock().await),
        Target::Id(_) => None,
    };
    let (rx, mut opts) = match &target {
        Target::With(names) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            (state.glue.expect_dm_snapshot(server), DmOptions::with(server, Some(token), &names))
        }
        Target::Id(dm) => (state.glue.expect_snapshot(server, dm), DmOptions::id(server, Some(token), dm)),
    };
    opts = opts.token(session.token.clone());
    opts.retry_unreachable = retry_unreachable;
    let joined = match state.client.open_dm(opts).await {
        Ok(j) => j,
        Err(e) => {
            match &target {
                Target::With(_) => state.glue.cancel_dm_snapshot(server),
                // already open (or opening) here: its state, members included, stays
                Target::Id(_) if matches!(e, banter_client::ClientError::AlreadyJoined { .. }) => {}
                Target::Id(dm) => state.glue.forget(server, dm),
            }
            if let (banter_client::ClientError::SessionInvalid { .. }, Some((account, _))) = (&e, &session.account) {
                if let Ok(url) = banter_client::ServerUrl::parse(server) {
                    let _ = state.creds.clear_session(&url, account);
                }
            }
            return Err(map_err(e));
        }
    };
    state.glue.set_dm_members(server, &joined.dm, &joined.members);
    let mut snap = Glue::snapshot(rx).await?;
    snap.dm_members = Some(joined.members.clone());
    state.update_settings(|s| s.remember_dm(server, &joined.dm, &joined.members))?;
    Ok(snap)
}

/// Stops showing a DM here (a DM cannot be left: it stays the account's, on every device).
pub(crate) async fn close(state: &AppState, server: &str, dm: &str) -> CmdResult<()> {
    let r = state.client.close(server, dm).await.map_err(map_err);
    state.glue.forget(server, dm);
    state.glue.drop_cache(server, dm);
    state.update_settings(|s| s.forget_dm(server, dm))?;
    r
}

/// At start: reopens the DMs saved for `server` (signed in there), each on its own; what
/// fails is said in the window.
pub(crate) async fn resume(state: &AppState, server: &str, retry_unreachable: std::time::Duration) {
    let Ok(session) = state.session(server) else { return };
    if session.account.is_none() {
        return;
    }
    let saved: Vec<_> = state.settings().dms.into_iter().filter(|d| d.server == server).collect();
    for d in saved {
        state.glue.set_dm_members(server, &d.dm, &d.members);
        let ui = match open(state, server, &session, Target::Id(d.dm.clone()), Some(retry_unreachable)).await {
            Ok(snapshot) => crate::ipc::UiEvent::Room { snapshot },
            Err(error) => crate::ipc::UiEvent::Error { error },
        };
        let _ = state.tx.send(crate::core::CoreEvent { ui, notify: None });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(with: &[&str], dm: Option<&str>) -> OpenDmRequest {
        OpenDmRequest { server: "http://h:1".into(), with: with.iter().map(|s| (*s).to_owned()).collect(), dm: dm.map(Into::into) }
    }

    #[test]
    fn requests_are_checked() {
        assert_eq!(target(&req(&["Bob"], None), "ann").unwrap(), Target::With(vec!["bob".into()]));
        assert_eq!(target(&req(&["ann"], None), "ann").unwrap_err().code, ErrorCode::Invalid, "only yourself");
        let id = format!("dm:{}", "1f".repeat(12));
        assert_eq!(target(&req(&[], Some(&id)), "ann").unwrap(), Target::Id(id));
        assert!(target(&req(&[], Some("lobby")), "ann").is_err());
        assert_eq!(target(&req(&["bob"], Some(" ")), "ann").unwrap(), Target::With(vec!["bob".into()]), "a blank id is none");
    }

    #[test]
    fn guests_cannot_open_dms() {
        let guest = Session { display_name: "ann".into(), token: None, remember: None, local: false, account: None };
        let e = signed_in(&guest).unwrap_err();
        assert_eq!(e.code, ErrorCode::NotConnected);
        assert!(e.message.contains("Sign in"));
    }
}
