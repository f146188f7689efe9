//! Rules both ends apply: the classic normalisation of names and Banter's limits.

/// Default longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// Default longest user name, in characters (after trimming).
pub const MAX_USERNAME_CHARS: usize = 32;
/// Default longest room name, in characters (after trimming).
pub const MAX_ROOM_CHARS: usize = 64;
/// Longest client-chosen message id, in bytes.
pub const MAX_MESSAGE_ID_LEN: usize = 64;

/// The classic server trims and lower-cases user and room names before use.
pub fn normalise_name(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Why a name or message is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    Required,
    UsernameTooLong(usize),
    RoomTooLong(usize),
    ControlCharacters,
    MessageEmpty,
    MessageTooLong(usize),
    BadMessageId,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleError::Required => f.write_str(crate::classic::ERR_REQUIRED),
            RuleError::UsernameTooLong(max) => write!(f, "Username is too long (at most {max} characters)!"),
            RuleError::RoomTooLong(max) => write!(f, "Room name is too long (at most {max} characters)!"),
            RuleError::ControlCharacters => f.write_str("Names cannot contain control characters!"),
            RuleError::MessageEmpty => f.write_str("Message is empty!"),
            RuleError::MessageTooLong(max) => write!(f, "Message is too long (at most {max} characters)!"),
            RuleError::BadMessageId => write!(
                f,
                "Message id must be 1 to {MAX_MESSAGE_ID_LEN} characters of A-Z, a-z, 0-9, '-' or '_'!"
            ),
        }
    }
}

impl std::error::Error for RuleError {}

/// Normalises and checks a user name and room; returns them as the server will use them.
pub fn check_join(username: &str, room: &str, max_user: usize, max_room: usize) -> Result<(String, String), RuleError> {
    let (username, room) = (normalise_name(username), normalise_name(room));
    if username.is_empty() || room.is_empty() {
        return Err(RuleError::Required);
    }
    if username.chars().any(char::is_control) || room.chars().any(char::is_control) {
        return Err(RuleError::ControlCharacters);
    }
    if username.chars().count() > max_user {
        return Err(RuleError::UsernameTooLong(max_user));
    }
    if room.chars().count() > max_room {
        return Err(RuleError::RoomTooLong(max_room));
    }
    Ok((username, room))
}

/// Checks a message text against the length limit. Whitespace-only text is empty.
pub fn check_message(text: &str, max_chars: usize) -> Result<(), RuleError> {
    if text.trim().is_empty() {
        return Err(RuleError::MessageEmpty);
    }
    if text.chars().count() > max_chars {
        return Err(RuleError::MessageTooLong(max_chars));
    }
    Ok(())
}

/// Checks a client-chosen message id.
pub fn check_message_id(id: &str) -> Result<(), RuleError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_MESSAGE_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(()) } else { Err(RuleError::BadMessageId) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_lower_cased() {
        assert_eq!(check_join("  Ann ", " LoBBy", 32, 64), Ok(("ann".into(), "lobby".into())));
        assert_eq!(check_join("  ", "lobby", 32, 64), Err(RuleError::Required));
        assert_eq!(check_join("ann", "", 32, 64), Err(RuleError::Required));
        assert_eq!(check_join(&"a".repeat(33), "r", 32, 64), Err(RuleError::UsernameTooLong(32)));
        assert_eq!(check_join("a", &"é".repeat(65), 32, 64), Err(RuleError::RoomTooLong(64)));
        assert_eq!(check_join("a\u{0}b", "r", 32, 64), Err(RuleError::ControlCharacters));
        assert_eq!(RuleError::Required.to_string(), "Username and room are required!");
    }

    #[test]
    fn message_limits_count_characters() {
        assert!(check_message(&"é".repeat(2000), 2000).is_ok());
        assert_eq!(check_message(&"é".repeat(2001), 2000), Err(RuleError::MessageTooLong(2000)));
        assert_eq!(check_message(" \n ", 2000), Err(RuleError::MessageEmpty));
    }

    #[test]
    fn message_ids() {
        assert!(check_message_id("0193a7b2-1c2d-7e3f-8a9b-0c1d2e3f4a5b").is_ok());
        assert!(check_message_id("").is_err());
        assert!(check_message_id("a b").is_err());
        assert!(check_message_id(&"x".repeat(65)).is_err());
    }
}
