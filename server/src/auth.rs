//! Optional access control: the token in the Socket.IO handshake `auth`.

use serde_json::Value;
use subtle::ConstantTimeEq;

/// The refusal a client sees as `connect_error` (`err.message` in socket.io-client).
#[derive(Debug)]
pub struct Unauthorized;

impl std::fmt::Display for Unauthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Unauthorized: this server requires a valid access token")
    }
}

impl std::error::Error for Unauthorized {}

/// Checks `auth.token` against the expected token, in constant time for equal lengths.
pub fn check(expected: Option<&str>, auth: Option<&Value>) -> Result<(), Unauthorized> {
    let Some(expected) = expected else { return Ok(()) };
    let given = auth.and_then(|a| a.get("token")).and_then(Value::as_str).unwrap_or("");
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn open_server_lets_everyone_in() {
        assert!(check(None, None).is_ok());
    }

    #[test]
    fn token_must_match() {
        assert!(check(Some("s3cret"), Some(&json!({"token": "s3cret"}))).is_ok());
        assert!(check(Some("s3cret"), Some(&json!({"token": "s3cre"}))).is_err());
        assert!(check(Some("s3cret"), Some(&json!({"token": 5}))).is_err());
        assert!(check(Some("s3cret"), Some(&json!("s3cret"))).is_err());
        assert!(check(Some("s3cret"), None).is_err());
        assert_eq!(Unauthorized.to_string(), "Unauthorized: this server requires a valid access token");
    }
}
