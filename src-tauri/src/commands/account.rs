//! The account menu: this device's account's sessions (list, revoke one) and changing the
//! password (which ends the other sessions). The session token comes from the keyring (via
//! the server's `Session`) and is never returned, logged or stored elsewhere; passwords are
//! used for one call and dropped.

use banter_client::accounts::{ServerAccess, SessionToken};
use tauri::State;

use crate::core::map_err;
use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::ipc::{ChangePasswordRequest, PasswordChanged, RevokeRequest, ServerRequest, SessionView};
use crate::{server_key, validate, AppState};

/// The server's access and the signed-in account's session there.
pub(crate) fn signed_in(state: &AppState, server: &str) -> CmdResult<(ServerAccess, String, SessionToken)> {
    let session = state.session(server)?;
    let Some((account, token)) = session.account else {
        return Err(CommandError::new(ErrorCode::NotConnected, format!("Not signed in on {server}.")));
    };
    Ok((ServerAccess::new(server).token(session.token), account, token))
}

/// A session id as the server gives them: short, printable, no spaces.
pub fn session_id(raw: &str) -> CmdResult<String> {
    let id = raw.trim();
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(CommandError::invalid("That is not a session of this account."));
    }
    Ok(id.to_owned())
}

/// The account's sessions, most recently used first, the current one marked.
#[tauri::command]
pub async fn sessions(state: State<'_, AppState>, request: ServerRequest) -> CmdResult<Vec<SessionView>> {
    let server = server_key(&request.server)?.to_string();
    let (at, _, token) = signed_in(&state, &server)?;
    let list = state.client.sessions(&at, &token).await.map_err(map_err)?;
    Ok(list
        .into_iter()
        .map(|s| {
            let (last_time, _, last_day) = crate::format::stamp(s.last_used_at);
            let (_, _, created_day) = crate::format::stamp(s.created_at);
            SessionView { id: s.id, device: s.device, current: s.current, last_used: format!("{last_day} {last_time}"), created: created_day }
        })
        .collect())
}

/// Ends another session of the account. The current one is not ended here: that is Sign out.
#[tauri::command]
pub async fn revoke_session(state: State<'_, AppState>, request: RevokeRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let id = session_id(&request.id)?;
    let (at, _, token) = signed_in(&state, &server)?;
    let current = state.client.sessions(&at, &token).await.map_err(map_err)?.into_iter().find(|s| s.current).map(|s| s.id);
    if current.as_deref() == Some(id.as_str()) {
        return Err(CommandError::invalid("This is the session of this computer: use Sign out to end it."));
    }
    state.client.revoke(&at, &token, &id).await.map_err(map_err)
}

/// Checks a change of password: the current one as typed, the new one 8 to 1,024 bytes and
/// different from it.
pub fn check_change(old: &str, new: &str) -> CmdResult<()> {
    if old.is_empty() {
        return Err(CommandError::invalid("Enter your current password."));
    }
    validate::password(old)?;
    validate::new_password(new).map_err(|_| CommandError::invalid("The new password must be 8 to 1024 bytes long."))?;
    if old == new {
        return Err(CommandError::invalid("The new password is the same as the current one."));
    }
    Ok(())
}

/// Changes the password; the server ends every other session of the account.
#[tauri::command]
pub async fn change_password(state: State<'_, AppState>, request: ChangePasswordRequest) -> CmdResult<PasswordChanged> {
    let server = server_key(&request.server)?.to_string();
    check_change(&request.old, &request.new)?;
    let (at, _, token) = signed_in(&state, &server)?;
    let revoked = state.client.change_password(&at, &token, &request.old, &request.new).await.map_err(|e| match e {
        // the current password, said as what it is here
        banter_client::ClientError::WrongLogin => CommandError::new(ErrorCode::Account, "Your current password is not right."),
        e => map_err(e),
    })?;
    Ok(PasswordChanged { revoked })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_checked() {
        assert_eq!(session_id(" a1-B_2 ").unwrap(), "a1-B_2");
        for bad in ["", "a b", "../x", &"x".repeat(129), "a\nb"] {
            assert!(session_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn password_changes_are_checked() {
        assert_eq!(check_change("", "new password").unwrap_err().message, "Enter your current password.");
        assert_eq!(check_change("old password", "short").unwrap_err().message, "The new password must be 8 to 1024 bytes long.");
        assert!(check_change("old password", &"x".repeat(1025)).is_err());
        assert_eq!(check_change("same thing", "same thing").unwrap_err().message, "The new password is the same as the current one.");
        assert!(check_change("old password", "new password").is_ok());
    }

    #[test]
    fn the_request_hides_its_passwords() {
        let r = ChangePasswordRequest { server: "http://h".into(), old: "hunter2-old".into(), new: "hunter2-new".into() };
        let shown = format!("{r:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
