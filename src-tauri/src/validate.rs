//! Validation of every input the UI sends over IPC. Nothing from the page is trusted: each
//! command calls these before touching the core, the keyring, the disk or the opener.

use banter_protocol::rules;
use url::Url;

use crate::error::CommandError;

/// Longest token we accept (a server token is a short shared secret).
pub const MAX_TOKEN_LEN: usize = 4096;
/// Longest server URL.
pub const MAX_URL_LEN: usize = 2048;
/// Longest link the opener accepts.
pub const MAX_LINK_LEN: usize = 4096;
/// Longest password (the server's bound, in bytes of UTF-8).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A server URL: http(s) with a host, no credentials in it. Returns the normalised form
/// (no trailing slash), which is also the server's key in settings and the keyring.
pub fn server_url(raw: &str) -> Result<String, CommandError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(CommandError::invalid("Enter the server URL, for example http://localhost:3000."));
    }
    if raw.len() > MAX_URL_LEN {
        return Err(CommandError::invalid("The server URL is too long."));
    }
    let with_scheme = if raw.contains("://") { raw.to_owned() } else { format!("http://{raw}") };
    let url = Url::parse(&with_scheme)
        .map_err(|e| CommandError::invalid(format!("The server URL is not valid ({e}). Use a form like http://localhost:3000.")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CommandError::invalid("The server URL must start with http:// or https://."));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(CommandError::invalid("The server URL needs a host name, for example http://localhost:3000."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CommandError::invalid("Do not put a user name or password in the URL: use the Token field."));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(CommandError::invalid("The server URL cannot have a query (?) or fragment (#)."));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A display name: normalised as the server will (trimmed, lower-cased) and within limits.
pub fn display_name(raw: &str) -> Result<String, CommandError> {
    let name = rules::normalise_name(raw);
    if name.is_empty() {
        return Err(CommandError::invalid("Enter a display name."));
    }
    rules::check_join(&name, "x", rules::MAX_USERNAME_CHARS, rules::MAX_ROOM_CHARS)
        .map(|(n, _)| n)
        .map_err(|e| CommandError::invalid(e.to_string()))
}

/// A room name: normalised as the server will and within limits.
pub fn room(raw: &str) -> Result<String, CommandError> {
    let room = rules::normalise_name(raw);
    if room.is_empty() {
        return Err(CommandError::invalid("Enter a room name, for example lobby."));
    }
    rules::check_join("x", &room, rules::MAX_USERNAME_CHARS, rules::MAX_ROOM_CHARS)
        .map(|(_, r)| r)
        .map_err(|e| CommandError::invalid(e.to_string()))
}

/// A direct message's id: `dm:` and 24 lower-case hex digits.
pub fn dm_id(raw: &str) -> Result<String, CommandError> {
    let id = raw.trim().to_ascii_lowercase();
    let ok = id
        .strip_prefix(banter_protocol::dms::DM_PREFIX)
        .is_some_and(|hex| hex.len() == 24 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if !ok {
        return Err(CommandError::invalid("That is not a direct message's id."));
    }
    Ok(id)
}

/// The other members of a DM to open: 1 to 7 account names, normalised, without repeats and
/// without `me` (the signed-in account).
pub fn dm_with(names: &[String], me: &str) -> Result<Vec<String>, CommandError> {
    let mut out = Vec::new();
    for n in names {
        let n = display_name(n)?;
        if n != me && !out.contains(&n) {
            out.push(n);
        }
    }
    if out.is_empty() {
        return Err(CommandError::invalid("Name at least one other account to write to."));
    }
    if out.len() >= banter_protocol::dms::MAX_MEMBERS {
        return Err(CommandError::invalid("A direct message has at most 8 members."));
    }
    out.sort();
    Ok(out)
}

/// A message text: not blank, within the server's limit (characters, not bytes).
pub fn message(text: &str, max_chars: usize) -> Result<(), CommandError> {
    rules::check_message(text, max_chars).map_err(|e| CommandError::invalid(e.to_string()))
}

/// A location to share: finite, latitude in [-90, 90], longitude in [-180, 180]
/// (banter-client's own check, so both say the same).
pub fn location(latitude: f64, longitude: f64) -> Result<banter_client::Location, CommandError> {
    banter_client::location::check(latitude, longitude).map_err(crate::core::map_err)
}

/// A message id chosen by this client (retry passes one back from the UI).
pub fn message_id(id: &str) -> Result<(), CommandError> {
    rules::check_message_id(id).map_err(|e| CommandError::invalid(e.to_string()))
}

/// An access token: non-empty, bounded, printable.
pub fn token(raw: &str) -> Result<String, CommandError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(CommandError::invalid("The token is empty."));
    }
    if t.len() > MAX_TOKEN_LEN {
        return Err(CommandError::invalid("The token is too long."));
    }
    if t.chars().any(char::is_control) {
        return Err(CommandError::invalid("The token cannot contain control characters."));
    }
    Ok(t.to_owned())
}

/// A password as typed (sign in, create account): non-empty and at most 1,024 bytes, the
/// server's own bound; kept as typed (spaces count). The server checks the rest.
pub fn password(raw: &str) -> Result<(), CommandError> {
    if raw.is_empty() {
        return Err(CommandError::invalid("Enter your password."));
    }
    if raw.len() > MAX_PASSWORD_BYTES {
        return Err(CommandError::invalid("Passwords must be 8 to 1024 bytes long."));
    }
    Ok(())
}

/// A new account's password: 8 to 1,024 bytes, as the server wants.
pub fn new_password(raw: &str) -> Result<(), CommandError> {
    password(raw)?;
    if raw.len() < 8 {
        return Err(CommandError::invalid("Passwords must be 8 to 1024 bytes long."));
    }
    Ok(())
}

/// An invite code: empty is none; else bounded and printable.
pub fn invite(raw: Option<&str>) -> Result<Option<String>, CommandError> {
    let Some(code) = raw.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    if code.len() > 256 || code.chars().any(char::is_control) {
        return Err(CommandError::invalid("This invite code is not valid: check what you were sent."));
    }
    Ok(Some(code.to_owned()))
}

/// A link to open in the system browser: absolute http(s) only, with a host.
pub fn link(raw: &str) -> Result<Url, CommandError> {
    if raw.len() > MAX_LINK_LEN {
        return Err(CommandError::invalid("The link is too long."));
    }
    let url = Url::parse(raw.trim()).map_err(|_| CommandError::invalid("Not a valid link."))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(CommandError::invalid("Only http and https links can be opened."));
    }
    Ok(url)
}

/// A bounded count from the UI (history page sizes and the like).
pub fn limit(n: u32, max: u32) -> u32 {
    n.clamp(1, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls() {
        assert_eq!(server_url(" http://localhost:3000/ ").unwrap(), "http://localhost:3000");
        assert_eq!(server_url("localhost:3000").unwrap(), "http://localhost:3000");
        assert_eq!(server_url("https://chat.example.org").unwrap(), "https://chat.example.org");
        assert!(server_url("").is_err());
        assert!(server_url("file:///etc/passwd").is_err());
        assert!(server_url("javascript:alert(1)").is_err());
        assert!(server_url("http://user:pw@host").is_err());
        assert!(server_url("http://host/?x=1").is_err());
        assert!(server_url(&format!("http://{}", "a".repeat(3000))).is_err());
    }

    #[test]
    fn names_and_rooms() {
        assert_eq!(display_name("  Ann ").unwrap(), "ann");
        assert!(display_name("   ").is_err());
        assert!(display_name(&"a".repeat(33)).is_err());
        assert!(display_name("a\u{7}b").is_err());
        assert_eq!(room(" LoBBy").unwrap(), "lobby");
        assert!(room("").is_err());
        assert!(room(&"r".repeat(65)).is_err());
    }

    #[test]
    fn messages_ids_tokens() {
        assert!(message("hi", 2000).is_ok());
        assert!(message("  \n", 2000).is_err());
        assert!(message(&"é".repeat(2001), 2000).is_err());
        assert!(message_id("0193-abc_D").is_ok());
        assert!(message_id("../x").is_err());
        assert_eq!(token(" s3cret ").unwrap(), "s3cret");
        assert!(token("").is_err());
        assert!(token("a\nb").is_err());
        assert!(token(&"x".repeat(5000)).is_err());
    }

    #[test]
    fn locations() {
        assert!(location(48.8566, 2.3522).is_ok());
        assert!(location(-90.0, 180.0).is_ok());
        for (lat, lon) in [(90.1, 0.0), (0.0, -180.1), (f64::NAN, 0.0), (0.0, f64::INFINITY)] {
            let e = location(lat, lon).unwrap_err();
            assert_eq!(e.code, crate::error::ErrorCode::Invalid, "{lat},{lon}");
            assert!(e.message.starts_with("Invalid location: the "), "{}", e.message);
        }
    }

    #[test]
    fn passwords_and_invites() {
        assert_eq!(password("").unwrap_err().message, "Enter your password.");
        assert!(password("x").is_ok(), "a sign-in password is the server's to judge");
        assert!(password(&"x".repeat(1025)).is_err());
        assert!(new_password("short").is_err());
        assert!(new_password(" eight  ").is_ok(), "kept as typed");
        assert_eq!(invite(None).unwrap(), None);
        assert_eq!(invite(Some("  ")).unwrap(), None);
        assert_eq!(invite(Some(" ab12 ")).unwrap().as_deref(), Some("ab12"));
        assert!(invite(Some("a\nb")).is_err());
    }

    #[test]
    fn dm_ids_and_members() {
        let id = format!("dm:{}", "ab".repeat(12));
        assert_eq!(dm_id(&format!(" {} ", id.to_uppercase().replacen("DM:", "dm:", 1))).unwrap(), id);
        for bad in ["", "dm:", "dm:xyz", "lobby", &format!("dm:{}", "a".repeat(25)), &format!("dm:{}", "g".repeat(24))] {
            assert!(dm_id(bad).is_err(), "{bad}");
        }
        assert_eq!(dm_with(&["Bob".into(), "bob".into(), "ann".into(), "cy".into()], "ann").unwrap(), vec!["bob", "cy"]);
        assert_eq!(dm_with(&["ann".into()], "ann").unwrap_err().message, "Name at least one other account to write to.");
        assert!(dm_with(&[], "ann").is_err());
        let many: Vec<String> = (0..8).map(|i| format!("u{i}")).collect();
        assert!(dm_with(&many, "ann").is_err(), "8 others make 9 members");
        assert!(dm_with(&["a\u{7}b".into()], "ann").is_err());
    }

    #[test]
    fn links_only_http() {
        assert!(link("https://example.org/a?b#c").is_ok());
        assert!(link("http://example.org").is_ok());
        for bad in ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "ftp://x", "mailto:a@b", "notaurl", "http://"] {
            assert!(link(bad).is_err(), "{bad}");
        }
    }
}
