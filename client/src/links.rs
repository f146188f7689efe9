//! Invite links: `banter://join?server=…&room=…[&invite=…]` (issue 9). A link arrives from
//! anywhere (a web page, a chat, a mail), so every part of it is hostile until checked: only
//! that one shape is accepted, every value is validated as the rest of the client validates
//! it, and anything else is refused with the reason (for the log) — never acted on. Even a
//! valid link only fills in the join form: joining needs the user's confirmation.

use banter_protocol::{dms, rules};
use url::Url;

use crate::error::{ClientError, Result};
use crate::url::ServerUrl;

/// The link's scheme.
pub const SCHEME: &str = "banter";
/// Longest link accepted, in bytes.
pub const MAX_LINK_BYTES: usize = 2048;
/// An invite code: 32 hex digits, as `banter-server invite create` prints them.
const INVITE_HEX_DIGITS: usize = 32;

/// A checked invite link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteLink {
    pub server: ServerUrl,
    /// The room, normalised as servers do (trimmed, lower case).
    pub room: String,
    /// An invite code for servers that register by invite (lower-case hex).
    pub invite: Option<String>,
}

fn refuse(reason: impl Into<String>) -> ClientError {
    ClientError::InvalidLink(reason.into())
}

impl InviteLink {
    /// Parses and checks a link; the error says what is wrong with it.
    pub fn parse(raw: &str) -> Result<InviteLink> {
        if raw.len() > MAX_LINK_BYTES {
            return Err(refuse(format!("the link is longer than {MAX_LINK_BYTES} bytes")));
        }
        if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(refuse("the link contains spaces or control characters"));
        }
        let url = Url::parse(raw).map_err(|e| refuse(format!("not a link ({e})")))?;
        if url.scheme() != SCHEME {
            return Err(refuse(format!("not a {SCHEME}:// link")));
        }
        if url.host_str() != Some("join") || !url.username().is_empty() || url.password().is_some() || url.port().is_some() {
            return Err(refuse(format!("only {SCHEME}://join links are accepted")));
        }
        if !(url.path().is_empty() || url.path() == "/") || url.fragment().is_some() {
            return Err(refuse("the link has a path or a fragment"));
        }
        let (mut server, mut room, mut invite) = (None, None, None);
        for (key, value) in url.query_pairs() {
            let slot = match key.as_ref() {
                "server" => &mut server,
                "room" => &mut room,
                "invite" => &mut invite,
                other => return Err(refuse(format!("unknown part {:?}", crate::room::clip(other, 40)))),
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(refuse(format!("{key} is given twice")));
            }
        }
        let server = server.ok_or_else(|| refuse("the link names no server"))?;
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(refuse("the server must be an http:// or https:// address"));
        }
        let server = ServerUrl::parse(&server).map_err(|e| refuse(format!("bad server: {e}")))?;
        let room = room.ok_or_else(|| refuse("the link names no room"))?;
        let (_, room) = rules::check_join("x", &room, rules::MAX_USERNAME_CHARS, rules::MAX_ROOM_CHARS)
            .map_err(|e| refuse(format!("bad room: {e}")))?;
        if dms::is_dm(&room) {
            return Err(refuse("a link cannot open a direct message"));
        }
        let invite = match invite {
            None => None,
            Some(code) => {
                let code = code.trim().to_ascii_lowercase();
                if code.len() != INVITE_HEX_DIGITS || !code.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(refuse("bad invite code (32 hex digits expected)"));
                }
                Some(code)
            }
        };
        Ok(InviteLink { server, room, invite })
    }

    /// The link, to copy or share.
    pub fn to_url(&self) -> String {
        let mut url = match Url::parse(&format!("{SCHEME}://join")) {
            Ok(u) => u,
            Err(_) => return String::new(), // a constant: cannot fail
        };
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("server", self.server.as_str());
            q.append_pair("room", &self.room);
            if let Some(code) = &self.invite {
                q.append_pair("invite", code);
            }
        }
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn the_one_shape_is_accepted_and_round_trips() {
        let l = InviteLink::parse("banter://join?server=https%3A%2F%2Fchat.example.org&room=Lobby").unwrap();
        assert_eq!((l.server.as_str(), l.room.as_str(), l.invite.as_deref()), ("https://chat.example.org", "lobby", None));
        let with = InviteLink::parse(&format!("banter://join/?server=http://127.0.0.1:3000&room=plans%20for%20friday&invite={}", CODE.to_uppercase())).unwrap();
        assert_eq!(with.room, "plans for friday");
        assert_eq!(with.invite.as_deref(), Some(CODE));
        assert_eq!(InviteLink::parse(&with.to_url()).unwrap(), with);
        assert_eq!(InviteLink::parse(&l.to_url()).unwrap(), l);
    }

    #[test]
    fn hostile_links_are_refused_with_a_reason() {
        let long = format!("banter://join?server=http://a&room={}", "r".repeat(MAX_LINK_BYTES));
        let cases: Vec<(String, &str)> = vec![
            ("javascript:alert(1)".into(), "not a banter:// link"),
            ("https://evil.example/join?server=http://a&room=r".into(), "not a banter:// link"),
            ("file:///etc/passwd".into(), "not a banter:// link"),
            ("banter://exec?cmd=rm%20-rf".into(), "only banter://join"),
            ("banter://user:pw@join?server=http://a&room=r".into(), "only banter://join"),
            ("banter://join:99?server=http://a&room=r".into(), "only banter://join"),
            ("banter://join/../../x?server=http://a&room=r".into(), "path"),
            ("banter://join?server=http://a&room=r#frag".into(), "fragment"),
            ("banter://join?server=http://a&room=r&open=1".into(), "unknown part"),
            ("banter://join?server=http://a&server=http://b&room=r".into(), "twice"),
            ("banter://join?room=r".into(), "no server"),
            ("banter://join?server=http://a".into(), "no room"),
            ("banter://join?server=file:///etc&room=r".into(), "http:// or https://"),
            ("banter://join?server=a.example&room=r".into(), "http:// or https://"),
            ("banter://join?server=http://u:p@a.example&room=r".into(), "bad server"),
            ("banter://join?server=http://a.example/path&room=r".into(), "bad server"),
            ("banter://join?server=http://a&room=%20%20".into(), "bad room"),
            ("banter://join?server=http://a&room=a%0Ab".into(), "bad room"),
            (format!("banter://join?server=http://a&room={}", "r".repeat(65)), "bad room"),
            ("banter://join?server=http://a&room=dm:0123456789abcdef01234567".into(), "direct message"),
            ("banter://join?server=http://a&room=r&invite=nothex".into(), "invite"),
            ("banter://join?server=http://a&room=r&invite=%3Cscript%3E".into(), "invite"),
            ("banter://join?server=http://a&room=r ".into(), "spaces"),
            (long, "longer than"),
        ];
        for (link, why) in cases {
            let e = InviteLink::parse(&link).unwrap_err();
            assert_eq!(e.code(), "invalid_link", "{link}");
            assert!(e.to_string().contains(why), "{link}: {e}");
        }
    }
}
