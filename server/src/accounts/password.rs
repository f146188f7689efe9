//! Password hashes: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), a random
//! 16-byte salt per hash. Hashing is slow on purpose (tens of ms, 19 MiB): callers run it on
//! tokio's blocking pool ([`super::Accounts`] also bounds how many run at once).
//!
//! Stored form: `argon2id$v=19$m=19456,t=2,p=1$<salt hex>$<hash hex>`; the parameters are
//! read back when verifying, so stronger ones can be chosen later without a migration.

use argon2::{Algorithm, Argon2, Params, Version};
use banter_protocol::accounts::{MAX_PASSWORD_BYTES, MIN_PASSWORD_BYTES};
use subtle::ConstantTimeEq;

use super::{hex, random_bytes};
use crate::error::ServerError;

/// OWASP's argon2id recommendation: m = 19 MiB, t = 2, p = 1.
pub const M_COST_KIB: u32 = 19 * 1024;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;
const SALT_BYTES: usize = 16;
const HASH_BYTES: usize = 32;

/// True when the password's length is allowed (8 to 1,024 bytes).
pub fn length_ok(password: &str) -> bool {
    (MIN_PASSWORD_BYTES..=MAX_PASSWORD_BYTES).contains(&password.len())
}

fn argon2(m: u32, t: u32, p: u32) -> Result<Argon2<'static>, ServerError> {
    let params = Params::new(m, t, p, Some(HASH_BYTES)).map_err(|e| ServerError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password (blocking: tens of milliseconds).
pub fn hash(password: &str) -> Result<String, ServerError> {
    let salt = random_bytes::<SALT_BYTES>()?;
    let mut out = [0u8; HASH_BYTES];
    argon2(M_COST_KIB, T_COST, P_COST)?
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .map_err(|e| ServerError::Hash(e.to_string()))?;
    Ok(format!("argon2id$v=19$m={M_COST_KIB},t={T_COST},p={P_COST}${}${}", hex(&salt), hex(&out)))
}

/// Checks a password against a stored hash (blocking), comparing in constant time.
pub fn verify(password: &str, stored: &str) -> Result<bool, ServerError> {
    let bad = || ServerError::Hash("unreadable stored password hash".into());
    let parts: Vec<&str> = stored.split('$').collect();
    let [alg, version, params, salt, expected] = parts.as_slice() else { return Err(bad()) };
    if *alg != "argon2id" || *version != "v=19" {
        return Err(bad());
    }
    let mut m = None;
    let mut t = None;
    let mut p = None;
    for kv in params.split(',') {
        match kv.split_once('=') {
            Some(("m", v)) => m = v.parse().ok(),
            Some(("t", v)) => t = v.parse().ok(),
            Some(("p", v)) => p = v.parse().ok(),
            _ => return Err(bad()),
        }
    }
    let (Some(m), Some(t), Some(p)) = (m, t, p) else { return Err(bad()) };
    let salt = unhex(salt).ok_or_else(bad)?;
    let expected = unhex(expected).ok_or_else(bad)?;
    if expected.len() != HASH_BYTES {
        return Err(bad());
    }
    let mut out = [0u8; HASH_BYTES];
    argon2(m, t, p)?
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .map_err(|e| ServerError::Hash(e.to_string()))?;
    Ok(bool::from(out.ct_eq(expected.as_slice())))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 == 1 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_owasp_parameters() {
        let started = std::time::Instant::now();
        let stored = hash("correct horse battery staple").unwrap();
        let took = started.elapsed();
        eprintln!("argon2id m=19 MiB t=2 p=1: one hash took {took:?}");
        assert!(stored.starts_with("argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(!stored.contains("horse"));
        assert!(verify("correct horse battery staple", &stored).unwrap());
        assert!(!verify("correct horse battery stapl", &stored).unwrap());
        assert!(!verify("", &stored).unwrap());
        // a new salt every time
        assert_ne!(hash("correct horse battery staple").unwrap(), stored);
    }

    #[test]
    fn unreadable_hashes_are_errors_not_matches() {
        for stored in ["", "argon2id", "bcrypt$v=19$m=1,t=1,p=1$00$00", "argon2id$v=19$m=x,t=2,p=1$00$00", "argon2id$v=19$m=19456,t=2,p=1$zz$00"] {
            assert!(verify("password", stored).is_err(), "{stored}");
        }
    }

    #[test]
    fn lengths() {
        assert!(!length_ok("1234567"));
        assert!(length_ok("12345678"));
        assert!(length_ok(&"x".repeat(1024)));
        assert!(!length_ok(&"x".repeat(1025)));
        // bytes, not characters: 4 × 2-byte letters is 8 bytes
        assert!(length_ok("éééé"));
    }
}
