//! "Remember token": the token goes to the system keyring (Secret Service on Linux), never to
//! a file, a log or the page. Service `banter`, user = the server's normalised URL.
//!
//! TODO(banter-client): banter-client is to provide the credential store; this module keeps
//! the same keyring entry layout and is swapped for it when the core lands.

use crate::error::{CommandError, ErrorCode};

pub const SERVICE: &str = "banter";

fn entry(server: &str) -> Result<keyring::Entry, CommandError> {
    keyring::Entry::new(SERVICE, server).map_err(keyring_err)
}

fn keyring_err(e: keyring::Error) -> CommandError {
    // Never include the secret: keyring errors do not carry it.
    CommandError::new(
        ErrorCode::Keyring,
        format!("The system keyring is not available ({e}). The token was not remembered; unlock your keyring or type the token each time."),
    )
}

pub fn set(server: &str, token: &str) -> Result<(), CommandError> {
    entry(server)?.set_password(token).map_err(keyring_err)
}

pub fn get(server: &str) -> Result<Option<String>, CommandError> {
    match entry(server)?.get_password() {
        Ok(t) => Ok(Some(t)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keyring_err(e)),
    }
}

pub fn clear(server: &str) -> Result<(), CommandError> {
    match entry(server)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(keyring_err(e)),
    }
}
