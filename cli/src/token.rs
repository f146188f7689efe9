//! `banter-cli token set|clear`: the token is read from stdin, never from argv.

use std::io::Read;

use banter_client::{ClientError, CredentialStore, ServerUrl};

use crate::exit;

/// The keyring service name; `BANTER_KEYRING_SERVICE` overrides it (tests use their own).
pub fn store() -> CredentialStore {
    match std::env::var("BANTER_KEYRING_SERVICE") {
        Ok(s) if !s.is_empty() => CredentialStore::with_service(&s),
        _ => CredentialStore::new(),
    }
}

fn fail(e: &ClientError) -> u8 {
    eprintln!("banter-cli: {e}");
    match e {
        ClientError::KeyringUnavailable(_) | ClientError::Keyring(_) => exit::KEYRING,
        _ => exit::USAGE,
    }
}

pub fn set(server: &str) -> u8 {
    let server = match ServerUrl::parse(server) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let mut token = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut token) {
        eprintln!("banter-cli: cannot read the token from stdin: {e}");
        return exit::USAGE;
    }
    let token = token.trim_end_matches(['\r', '\n']);
    match store().set(&server, token) {
        Ok(()) => {
            eprintln!("token stored for {server}");
            0
        }
        Err(e) => fail(&e),
    }
}

pub fn clear(server: &str) -> u8 {
    let server = match ServerUrl::parse(server) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    match store().clear(&server) {
        Ok(true) => {
            eprintln!("token removed for {server}");
            0
        }
        Ok(false) => {
            eprintln!("no token was stored for {server}");
            0
        }
        Err(e) => fail(&e),
    }
}
