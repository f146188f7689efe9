//! Invite codes for `--registration invite`: single- or multi-use, with an expiry. A code is
//! 128 random bits shown once (32 hex digits); the store keeps its SHA-256.

use banter_protocol::accounts::{InviteCreated, MAX_INVITE_USES};
use sha2::{Digest, Sha256};

use super::store::AccountStore;
use super::{hex, random_bytes};
use crate::error::ServerError;

/// How long an invite is valid when nobody says.
pub const DEFAULT_EXPIRY: &str = "7d";

/// An invite as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRecord {
    pub uses_left: u32,
    /// Milliseconds since the epoch; `None`: never expires.
    pub expires_at: Option<i64>,
}

impl InviteRecord {
    /// Whether one more account may register with it at `now`.
    pub fn usable(&self, now: i64) -> bool {
        self.uses_left > 0 && self.expires_at.is_none_or(|at| now < at)
    }
}

/// A new code and the hash the store keeps of it.
pub fn new_code() -> Result<(String, [u8; 32]), ServerError> {
    let code = hex(&random_bytes::<16>()?);
    let hash = code_hash(&code);
    Ok((code, hash))
}

/// SHA-256 of a code as given (surrounding spaces dropped, hex digits in any case).
pub fn code_hash(code: &str) -> [u8; 32] {
    Sha256::digest(code.trim().to_ascii_lowercase().as_bytes()).into()
}

/// Makes an invite for `uses` accounts, valid for `expires` (a duration or `never`), and
/// stores its hash (blocking). The inner error is the refusal, in words.
pub fn create(
    store: &dyn AccountStore,
    uses: u32,
    expires: &str,
    now: i64,
) -> Result<Result<InviteCreated, String>, ServerError> {
    if !(1..=MAX_INVITE_USES).contains(&uses) {
        return Ok(Err(format!("An invite is for 1 to {MAX_INVITE_USES} accounts.")));
    }
    let expires_at = match expires.trim() {
        "never" => None,
        d => match parse_duration(d) {
            Ok(ms) => Some(now.saturating_add(ms)),
            Err(e) => return Ok(Err(e)),
        },
    };
    let (code, hash) = new_code()?;
    store.create_invite(&hash, &InviteRecord { uses_left: uses, expires_at }, now)?;
    Ok(Ok(InviteCreated { code, uses, expires_at }))
}

/// Parses an expiry such as `30m`, `12h`, `7d` or `2w` into milliseconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let err = || format!("cannot read the duration {s:?}: give a number and a unit, e.g. 30m, 12h, 7d or 2w");
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().map_err(|_| err())?;
    let unit_ms: i64 = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return Err(err()),
    };
    match n.checked_mul(unit_ms) {
        Some(ms) if ms > 0 => Ok(ms),
        _ => Err(err()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_and_expiry() {
        let now = 10_000;
        assert!(InviteRecord { uses_left: 1, expires_at: None }.usable(now));
        assert!(!InviteRecord { uses_left: 0, expires_at: None }.usable(now));
        assert!(InviteRecord { uses_left: 3, expires_at: Some(now + 1) }.usable(now));
        assert!(!InviteRecord { uses_left: 3, expires_at: Some(now) }.usable(now));
    }

    #[test]
    fn codes() {
        let (a, ha) = new_code().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_code().unwrap().0);
        assert_eq!(code_hash(&format!("  {} ", a.to_uppercase())), ha);
    }

    #[test]
    fn create_checks_uses_and_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::super::store::SqliteAccountStore::open(&dir.path().join("banter.db")).unwrap();
        let made = create(&store, 3, "2h", 1_000).unwrap().unwrap();
        assert_eq!((made.uses, made.expires_at), (3, Some(1_000 + 7_200_000)));
        assert_eq!(create(&store, 1, "never", 0).unwrap().unwrap().expires_at, None);
        assert!(create(&store, 0, "1d", 0).unwrap().is_err());
        assert!(create(&store, MAX_INVITE_USES + 1, "1d", 0).unwrap().is_err());
        assert!(create(&store, 1, "soon", 0).unwrap().is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(1_800_000));
        assert_eq!(parse_duration("7d"), Ok(604_800_000));
        assert_eq!(parse_duration("2w"), Ok(1_209_600_000));
        for bad in ["", "7", "d", "0d", "7y", "-1d", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
