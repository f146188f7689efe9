//! Blocking another account (docs/protocol.md § 10): the server refuses its DMs to this
//! account and hides its messages in DMs. "Block" / "Unblock" on a member; the account menu
//! lists the blocked names.

use tauri::State;

use crate::commands::account::signed_in;
use crate::core::map_err;
use crate::error::{CmdResult, CommandError};
use crate::ipc::{BlockRequest, ServerRequest};
use crate::{server_key, validate, AppState};

/// Another account's name, normalised as the server will; not the signed-in one.
pub fn other_name(raw: &str, me: &str) -> CmdResult<String> {
    let name = validate::display_name(raw)?;
    if name == me {
        return Err(CommandError::invalid("You cannot block yourself."));
    }
    Ok(name)
}

#[tauri::command]
pub async fn block(state: State<'_, AppState>, request: BlockRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let (at, me, token) = signed_in(&state, &server)?;
    let name = other_name(&request.name, &me)?;
    state.client.block(&at, &token, &name).await.map_err(map_err)
}

#[tauri::command]
pub async fn unblock(state: State<'_, AppState>, request: BlockRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let (at, me, token) = signed_in(&state, &server)?;
    let name = other_name(&request.name, &me)?;
    state.client.unblock(&at, &token, &name).await.map_err(map_err)
}

/// The names this account blocks, sorted.
#[tauri::command]
pub async fn blocks(state: State<'_, AppState>, request: ServerRequest) -> CmdResult<Vec<String>> {
    let server = server_key(&request.server)?.to_string();
    let (at, _, token) = signed_in(&state, &server)?;
    state.client.blocks(&at, &token).await.map_err(map_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn names_are_checked() {
        assert_eq!(other_name(" Bob ", "ann").unwrap(), "bob");
        assert_eq!(other_name("ANN", "ann").unwrap_err().code, ErrorCode::Invalid, "yourself");
        assert!(other_name("", "ann").is_err());
    }
}
