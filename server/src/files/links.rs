//! Signed download links: `/files/<id>/<name>?exp=<unix seconds>&sig=<hex>`, for those who
//! have no session to show (guests, classic peers, a browser). The signature is
//! HMAC-SHA-256 over `<id>.<exp>` with a key kept in `--files-dir/link.key` (32 random
//! bytes, made at the first start, mode 0600), cut to 128 bits; compared in constant time.

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::ServerError;

/// How long a link in a message stays valid: 7 days.
pub const LINK_TTL_SECS: i64 = 7 * 24 * 60 * 60;

pub struct Signer {
    key: [u8; 32],
}

impl Signer {
    /// The key of `dir/link.key`, made if absent.
    pub fn open(dir: &Path) -> Result<Self, ServerError> {
        let path = dir.join("link.key");
        if let Ok(bytes) = std::fs::read(&path) {
            if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
                return Ok(Self { key });
            }
            tracing::warn!(path = %path.display(), "link.key is not 32 bytes: making a new one (old links stop working)");
        }
        let key: [u8; 32] = crate::accounts::random_bytes()?;
        write_private(&path, &key)?;
        Ok(Self { key })
    }

    #[cfg(test)]
    pub fn with_key(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self, id: &str, exp: i64) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(exp.to_string().as_bytes());
        crate::accounts::hex(&mac.finalize().into_bytes()[..16])
    }

    /// The query of a link to upload `id` valid until `exp` (seconds since the epoch).
    pub fn query(&self, id: &str, exp: i64) -> String {
        format!("exp={exp}&sig={}", self.mac(id, exp))
    }

    /// Whether `sig` signs `id` until `exp`, and `exp` is not past.
    pub fn verify(&self, id: &str, exp: i64, sig: &str, now_secs: i64) -> bool {
        exp >= now_secs && bool::from(self.mac(id, exp).as_bytes().ct_eq(sig.as_bytes()))
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ServerError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_verify_until_they_expire() {
        let s = Signer::with_key([7; 32]);
        let q = s.query("abc", 1000);
        let sig = q.split("sig=").nth(1).unwrap();
        assert_eq!(sig.len(), 32);
        assert!(s.verify("abc", 1000, sig, 999));
        assert!(!s.verify("abc", 1000, sig, 1001), "expired");
        assert!(!s.verify("abd", 1000, sig, 999), "another file");
        assert!(!s.verify("abc", 1001, sig, 999), "another expiry");
        assert!(!Signer::with_key([8; 32]).verify("abc", 1000, sig, 999), "another key");
    }

    #[test]
    fn the_key_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = Signer::open(dir.path()).unwrap().query("x", 5);
        assert_eq!(Signer::open(dir.path()).unwrap().query("x", 5), a);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(dir.path().join("link.key")).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
