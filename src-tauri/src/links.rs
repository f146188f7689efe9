//! Invite links (issue 9): `banter://join?server=…&room=…[&invite=…]`, given on the command
//! line at the first launch or forwarded by a second launch (`instance`). Parsed only by
//! `banter_client::InviteLink::parse` (strict: every other shape is refused with a reason).
//! A valid link only fills the join form in the page; nothing is joined until the user
//! confirms there. A refused one is logged (the reason, the server host and the room, never
//! the whole link, which could hold an invite code) and told to the user in one line.

use banter_client::{ClientError, InviteLink};
use tauri::{AppHandle, Manager, Runtime};

use crate::error::{CommandError, ErrorCode};
use crate::ipc::{InviteView, UiEvent};

/// At most this many links are looked at per launch (the rest is ignored).
const MAX_LINKS_PER_LAUNCH: usize = 4;
/// Longest piece of a refused link written to the log.
const LOG_CLIP: usize = 64;

/// The command-line arguments that are links to look at: every argument that is not an
/// option (options start with `-`; whatever the webview driver or a launcher adds).
fn candidates(args: &[String]) -> impl Iterator<Item = &String> {
    args.iter().filter(|a| !a.starts_with('-')).take(MAX_LINKS_PER_LAUNCH)
}

fn clip(s: &str) -> String {
    s.chars().take(LOG_CLIP).collect()
}

/// The server host and room of a link, for the log only (never the invite code).
fn loggable(raw: &str) -> (String, String) {
    let Ok(url) = url::Url::parse(raw) else { return (String::new(), String::new()) };
    let mut server = String::new();
    let mut room = String::new();
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "server" => server = url::Url::parse(&v).ok().and_then(|u| u.host_str().map(clip)).unwrap_or_default(),
            "room" => room = clip(&v),
            _ => {}
        }
    }
    (server, room)
}

/// What the page is told about one link.
pub fn event_for(raw: &str) -> UiEvent {
    match InviteLink::parse(raw) {
        Ok(link) => {
            let host = url::Url::parse(link.server.as_str()).ok().and_then(|u| u.host_str().map(clip)).unwrap_or_default();
            tracing::info!(server_host = %host, room = %link.room, invite = link.invite.is_some(), "invite link: the join form is filled in");
            UiEvent::Invite {
                link: InviteView { server: link.server.as_str().to_owned(), room: link.room, invite: link.invite },
            }
        }
        Err(e) => {
            let reason = match e {
                ClientError::InvalidLink(reason) => reason,
                other => other.to_string(),
            };
            let (server_host, room) = loggable(raw);
            tracing::warn!(reason = %reason, server_host = ?server_host, room = ?room, bytes = raw.len(), "invite link refused");
            UiEvent::InviteRefused { error: CommandError::new(ErrorCode::InvalidLink, reason) }
        }
    }
}

/// Handles the links among `args` (without the program name): queued for the page, which
/// gets them with its next pull (or its first, when it has not subscribed yet).
pub fn handle<R: Runtime>(app: &AppHandle<R>, args: &[String]) {
    let events: Vec<UiEvent> = candidates(args).map(|a| event_for(a)).collect();
    if events.is_empty() {
        return;
    }
    app.state::<crate::AppState>().page.push_all(events);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_hostile_links() {
        let code = "0123456789abcdef0123456789abcdef";
        match event_for(&format!("banter://join?server=http://127.0.0.1:3000&room=Plans&invite={code}")) {
            UiEvent::Invite { link } => {
                assert_eq!((link.server.as_str(), link.room.as_str(), link.invite.as_deref()), ("http://127.0.0.1:3000", "plans", Some(code)));
            }
            other => panic!("{other:?}"),
        }
        let long = format!("banter://join?server=http://a.example&room={}", "r".repeat(3000));
        for bad in ["banter://exec?cmd=x", "javascript:alert(1)", "banter://join?server=file:///etc/passwd&room=r", long.as_str()] {
            match event_for(bad) {
                UiEvent::InviteRefused { error } => {
                    assert_eq!(error.code, ErrorCode::InvalidLink);
                    assert!(!error.message.is_empty() && error.message.len() < 200, "{}", error.message);
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn options_are_not_links_and_the_log_keeps_no_invite_code() {
        let args: Vec<String> = ["--automation", "a", "b", "c", "d", "e"].map(String::from).into();
        assert_eq!(candidates(&args).count(), MAX_LINKS_PER_LAUNCH);
        let (host, room) = loggable("banter://join?server=http://chat.example:3000/x&room=lobby&invite=0123456789abcdef0123456789abcdef");
        assert_eq!((host.as_str(), room.as_str()), ("chat.example", "lobby"));
    }
}
