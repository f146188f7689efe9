//! Names are identities: the key two names collide on, and the names nobody may take.
//!
//! The identity key of a name is its NFKC form (which folds full-width and other
//! compatibility forms), lower-cased, then its confusable skeleton (Unicode TS #39, from
//! `unicode-security`, the tables rustc's confusable-identifier lint uses), lower-cased again
//! since prototypes may be capitals. Two names with the same key are the same name: "ann",
//! "ANN", "аnn" (Cyrillic а) and "ａｎｎ" (full-width) all have the key of "ann".

use banter_protocol::{classic, rules};
use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

/// Names reserved on every server: the classic notice name (`Admin`), the words a reader
/// would take for the server or its staff, and Banter's own system names. Compared by key.
pub const RESERVED: &[&str] = &[
    classic::ADMIN,
    "admin",
    "administrator",
    "moderator",
    "root",
    "system",
    "server",
    "banter",
    "banter-server",
];

/// The key names are compared on (see the module docs).
pub fn identity_key(name: &str) -> String {
    let folded: String = name.trim().nfkc().flat_map(char::to_lowercase).collect();
    let mut key = fold_skeleton(&folded);
    // A prototype may itself have a lower-case form with another prototype: settle it.
    for _ in 0..3 {
        let next = fold_skeleton(&key);
        if next == key {
            break;
        }
        key = next;
    }
    key
}

fn fold_skeleton(s: &str) -> String {
    skeleton(s).flat_map(char::to_lowercase).collect()
}

/// True when `name` is, or looks like, a reserved name.
pub fn is_reserved(name: &str) -> bool {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| RESERVED.iter().map(|r| identity_key(r)).collect());
    keys.contains(&identity_key(name))
}

/// The name an account is registered under: the room user name rules (trimmed,
/// lower-cased, 1 to 32 characters, no control characters). Err: the refusal text.
pub fn account_name(raw: &str) -> Result<String, String> {
    rules::check_join(raw, "x", rules::MAX_USERNAME_CHARS, rules::MAX_ROOM_CHARS)
        .map(|(name, _)| name)
        .map_err(|e| match e {
            rules::RuleError::Required => "A name is required!".to_owned(),
            e => e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_width_and_confusables_collide() {
        let ann = identity_key("ann");
        for variant in ["ann", "ANN", "Ann", " ann ", "\u{430}nn", "\u{ff41}\u{ff4e}\u{ff4e}", "\u{ff21}\u{ff2e}\u{ff2e}"] {
            assert_eq!(identity_key(variant), ann, "{variant:?}");
        }
        // digits and letters that look alike
        assert_eq!(identity_key("b0b"), identity_key("bob"));
        assert_eq!(identity_key("pau1"), identity_key("paul"));
        // a zero-width joiner is ignored
        assert_eq!(identity_key("an\u{200d}n"), ann);
        // different names stay different
        assert_ne!(identity_key("anna"), ann);
        assert_ne!(identity_key("bob"), ann);
        assert_ne!(identity_key("ben"), identity_key("bob"));
    }

    #[test]
    fn reserved_names_and_their_lookalikes() {
        for name in ["admin", "Admin", "ADMIN", "\u{410}dmin", "\u{ff41}dmin", "system", "Banter", "banter-server"] {
            assert!(is_reserved(name), "{name:?}");
        }
        for name in ["ann", "admins", "bant"] {
            assert!(!is_reserved(name), "{name:?}");
        }
    }

    #[test]
    fn account_names_follow_the_room_rules() {
        assert_eq!(account_name("  Ann "), Ok("ann".into()));
        assert!(account_name("").is_err());
        assert!(account_name(&"a".repeat(33)).is_err());
        assert!(account_name("a\u{7}b").is_err());
    }
}
