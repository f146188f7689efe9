//! Session tokens: 256 random bits from the OS, given to the client once as 64 hex digits;
//! the server keeps only their SHA-256. A session is named by its device, listed with when it
//! was made and last used, and expires after `--session-idle-days` without use.

use banter_protocol::accounts::MAX_DEVICE_CHARS;
use sha2::{Digest, Sha256};

use super::{hex, random_bytes};
use crate::error::ServerError;

/// Hex digits of a token (32 bytes).
pub const TOKEN_HEX_LEN: usize = 64;
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// How often a session's last use is written at most (a handshake within this of the last
/// recorded use writes nothing).
pub const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// A session as the store keeps it (without its token, which is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Public id (16 hex digits), for listing and revoking.
    pub id: String,
    pub account_id: i64,
    pub device: String,
    pub created_at: i64,
    pub last_used_at: i64,
}

/// A new token and the hash the store keeps of it.
pub fn new_token() -> Result<(String, [u8; 32]), ServerError> {
    let token = hex(&random_bytes::<32>()?);
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// A new public session id.
pub fn new_session_id() -> Result<String, ServerError> {
    Ok(hex(&random_bytes::<8>()?))
}

/// SHA-256 of a token, as stored. A token is 256 random bits, so a fast hash suffices: the
/// point is that a copy of the database signs nobody in.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether a string can be a token at all (checked before any store read).
pub fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_HEX_LEN && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// True when a session last used at `last_used_at` has been idle too long at `now`.
pub fn is_idle(last_used_at: i64, now: i64, idle_ms: i64) -> bool {
    now.saturating_sub(last_used_at) > idle_ms
}

/// The device name a client gave, cleaned: control characters dropped, trimmed, at most
/// 64 characters; "unnamed device" when nothing is left.
pub fn device_name(raw: Option<&str>) -> String {
    let cleaned: String = raw.unwrap_or("").chars().filter(|c| !c.is_control()).collect();
    let cleaned: String = cleaned.trim().chars().take(MAX_DEVICE_CHARS).collect();
    if cleaned.is_empty() { "unnamed device".into() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, ha) = new_token().unwrap();
        let (b, hb) = new_token().unwrap();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert!(well_formed(&a) && well_formed(&b), "{a}");
        assert_eq!(token_hash(&a), ha);
        // the hash is SHA-256 of the token's text
        assert_eq!(
            hex(&token_hash("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(!hex(&ha).contains(&a));
        assert!(!well_formed(&a[1..]));
        assert!(!well_formed(&a.to_uppercase()));
        assert!(!well_formed(&format!("{}g", &a[1..])));
    }

    #[test]
    fn idle_expiry_with_an_injected_clock() {
        let idle = 30 * DAY_MS;
        let last = 1_000_000;
        assert!(!is_idle(last, last, idle));
        assert!(!is_idle(last, last + idle, idle));
        assert!(is_idle(last, last + idle + 1, idle));
        // a clock that went backwards does not expire anything
        assert!(!is_idle(last, last - 5, idle));
    }

    #[test]
    fn device_names_are_cleaned() {
        assert_eq!(device_name(None), "unnamed device");
        assert_eq!(device_name(Some("  laptop\u{7} ")), "laptop");
        assert_eq!(device_name(Some(&"é".repeat(100))).chars().count(), MAX_DEVICE_CHARS);
    }
}
