//! The core's errors as the window says them: `{code, message}` with what to do about it.

use banter_client::ClientError;

use crate::error::{CommandError, ErrorCode};

/// Maps a core error to the UI's `{code, message}`, with what to do about it.
pub fn map_err(e: ClientError) -> CommandError {
    // a certificate to trust or a changed one: the form shows its fingerprints
    if let Some(certificate) = crate::commands::tls::certificate_error(&e) {
        return certificate;
    }
    let code = match e.code() {
        "invalid_url" | "invalid_input" | "invalid_location" => ErrorCode::Invalid,
        "unreachable" | "tls" | "connect_refused" | "connect_timeout" | "timeout" | "connection_lost" => ErrorCode::Unreachable,
        "unauthorized" => ErrorCode::Unauthorized,
        "join_refused" | "already_joined" => ErrorCode::Refused,
        "not_joined" | "closed" => ErrorCode::NotConnected,
        "keyring" | "keyring_unavailable" => ErrorCode::Keyring,
        "name_taken" | "wrong_login" | "too_many_attempts" | "registration_closed" | "invite_required"
        | "invite_invalid" | "no_such_session" | "account_refused" => ErrorCode::Account,
        "session_invalid" => ErrorCode::SessionInvalid,
        "not_a_banter_server" | "accounts_unsupported" => ErrorCode::NoAccounts,
        "not_signed_in" | "no_such_account" | "no_such_dm" | "dm_refused" | "dms_unsupported" | "refused" => ErrorCode::Refused,
        _ => ErrorCode::Internal,
    };
    let hint = match code {
        ErrorCode::Unauthorized => " Enter the server's access token in the Token field (ask its owner for it).",
        ErrorCode::Unreachable => " Check the URL and that the server is running.",
        _ => "",
    };
    // In plain words; the transport's error chain goes to the log.
    let mut message = e.summary();
    if message != e.to_string() {
        tracing::info!(error = %e, "{message}");
    }
    if !message.starts_with("http") {
        if let Some(first) = message.get(0..1) {
            message = first.to_uppercase() + &message[1..];
        }
    }
    if !message.ends_with(['.', '!', '?']) {
        message.push('.');
    }
    CommandError::new(code, format!("{message}{hint}"))
}

/// `host:port` of a server URL, as a person reads it.
pub(super) fn display_host(server: &str) -> &str {
    let rest = server.split_once("://").map_or(server, |(_, r)| r);
    rest.trim_end_matches('/')
}

#[cfg(test)]
mod display_host_tests {
    #[test]
    fn shows_host_and_port() {
        assert_eq!(super::display_host("http://127.0.0.1:3000/"), "127.0.0.1:3000");
        assert_eq!(super::display_host("https://chat.example.org"), "chat.example.org");
    }
}
