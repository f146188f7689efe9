//! The glue's unit tests: views, snapshots, unread, notifications, errors.

use super::*;
use banter_client::{ClientError, ClientEvent, ServerKind};
use crate::error::ErrorCode;
use crate::ipc::MessageKind;

#[test]
fn older_history_becomes_views_with_formatted_times() {
    let v = history_view(msg(true, false, "bob")).expect("a message view");
    assert_eq!((v.username.as_str(), v.text.as_str(), v.seq, v.own), ("bob", "<b>hi</b>", Some(1), false));
    assert!(!v.time.is_empty());
    assert!(v.delivery.is_none());
    let own = history_view(msg(true, true, "ann")).expect("a message view");
    assert!(own.own && own.delivery.is_some());
    let not_a_message = ClientEvent::UserJoined { server: "http://s".into(), room: "lobby".into(), username: "x".into() };
    assert!(history_view(not_a_message).is_none());
}

fn msg(history: bool, mine: bool, username: &str) -> ClientEvent {
    ClientEvent::Message {
        server: "http://s".into(),
        room: "lobby".into(),
        id: Some(format!("id-{username}-{history}")),
        seq: Some(1),
        username: username.into(),
        text: "<b>hi</b>".into(),
        kind: "text".into(),
        created_at: 0,
        mine,
        system: false,
        history,
        removed: false,
        edited_at: None,
        reactions: vec![],
        reply_to: None,
        file: None,
    }
}

/// Ann joined lobby on http://s (a Banter server).
fn joined(rejoin: bool, latest_seq: Option<u64>, max_message_chars: u32) -> ClientEvent {
    ClientEvent::Joined {
        server: "http://s".into(),
        room: "lobby".into(),
        username: "ann".into(),
        kind: ServerKind::Banter,
        rejoin,
        latest_seq,
        features: vec![],
        max_message_chars,
        read_seq: None,
    }
}

#[test]
fn unread_from_the_read_marker_and_tombstones_and_kicks() {
    let g = Glue::default();
    let mut rx = g.expect_snapshot("http://s", "lobby");
    for (seq, who) in [(1, "bob"), (2, "ann"), (3, "bob")] {
        let mut ev = msg(true, who == "ann", who);
        if let ClientEvent::Message { seq: s, id, .. } = &mut ev {
            *s = Some(seq);
            *id = Some(format!("m{seq}"));
        }
        g.translate(ev);
    }
    let mut j = joined(false, Some(3), 2000);
    if let ClientEvent::Joined { read_seq, .. } = &mut j {
        *read_seq = Some(1);
    }
    g.translate(j);
    let snap = rx.try_recv().unwrap();
    assert_eq!(snap.unread, Some(1), "after seq 1: bob's seq 3, not ann's own seq 2");
    // a removal: the cached line becomes a tombstone, the page is told who did it
    let out = g.translate(ClientEvent::Removed { server: "http://s".into(), room: "lobby".into(), id: "m3".into(), seq: 3, by: "ann".into() });
    assert!(matches!(&out[0].ui, UiEvent::Removed { by, .. } if by == "ann"));
    let cached = g.inner.lock().unwrap().cache[&("http://s".to_owned(), "lobby".to_owned())].iter().find(|m| m.id == "m3").cloned().unwrap();
    assert!(cached.removed && cached.text.is_empty() && cached.removed_by.as_deref() == Some("ann"));
    // kicked: said once, and the disconnect that follows is the room's, not the server's
    let out = g.translate(ClientEvent::Kicked { server: "http://s".into(), room: "lobby".into(), by: "ann".into(), banned: false });
    assert!(matches!(&out[0].ui, UiEvent::Kicked { banned: false, .. }));
    let out = g.translate(ClientEvent::Disconnected { server: "http://s".into(), room: "lobby".into(), reason: "kicked".into() });
    assert!(out.is_empty(), "no server-wide 'disconnected'");
    // so is a room left (or closed) here
    g.translate(ClientEvent::Left { server: "http://s".into(), room: "random".into() });
    let out = g.translate(ClientEvent::Disconnected { server: "http://s".into(), room: "random".into(), reason: "left".into() });
    assert!(out.is_empty(), "leaving a room does not make the server look offline");
    let out = g.translate(ClientEvent::Disconnected { server: "http://s".into(), room: "other".into(), reason: "refused".into() });
    assert_eq!(out.len(), 1, "a room that ends by itself still says so");
    // a room's settings broadcast keeps our role from the join
    g.translate(ClientEvent::RoomInfo { server: "http://s".into(), room: "lobby".into(), owner: Some("ann".into()), topic: "t".into(), private: false, moderators: vec![], role: Some("owner".into()) });
    let out = g.translate(ClientEvent::RoomInfo { server: "http://s".into(), room: "lobby".into(), owner: Some("ann".into()), topic: "new".into(), private: true, moderators: vec![], role: None });
    assert!(matches!(&out[0].ui, UiEvent::RoomInfo { info, .. } if info.role.as_deref() == Some("owner") && info.topic == "new"));
}

#[test]
fn history_goes_into_one_snapshot_not_events() {
    let g = Glue::default();
    let mut rx = g.expect_snapshot("http://s", "lobby");
    assert!(g.translate(msg(true, false, "bob")).is_empty());
    assert!(g.translate(msg(true, true, "ann")).is_empty());
    let out = g.translate(joined(false, Some(2), 2000));
    assert!(out.is_empty(), "the waiting join command gets it");
    let snap = rx.try_recv().unwrap();
    assert_eq!(snap.messages.len(), 2);
    assert!(snap.messages[1].own);
    assert_eq!(snap.messages[0].text, "<b>hi</b>", "text passes untouched: the UI shows it as text");
}

#[test]
fn a_rejoin_snapshot_keeps_the_servers_message_limit() {
    let g = Glue::default();
    let out = g.translate(joined(true, None, 500));
    match &out[0].ui {
        UiEvent::Room { snapshot } => assert_eq!(snapshot.max_message_chars, 500),
        other => panic!("{other:?}"),
    }
    // and `send` checks against it
    assert_eq!(g.max_message_chars("http://s", "lobby"), Some(500));
    assert_eq!(g.max_message_chars("http://s", "elsewhere"), None);
}

#[test]
fn live_events_notify_for_others_only() {
    let g = Glue::default();
    g.translate(joined(true, None, 2000));
    let out = g.translate(msg(false, false, "bob"));
    assert!(out[0].notify.is_some());
    let out = g.translate(msg(false, true, "ann"));
    assert!(out[0].notify.is_none());
    let out = g.translate(ClientEvent::UserJoined { server: "http://s".into(), room: "lobby".into(), username: "cy".into() });
    let n = out[0].notify.as_ref().unwrap();
    assert_eq!((n.username.as_str(), n.own_username.as_str()), ("cy", "ann"));
    match &out[0].ui {
        UiEvent::Presence { users, .. } => assert_eq!(users, &vec!["cy".to_string()]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_location_is_a_location_line_and_notifies_as_one() {
    let g = Glue::default();
    g.translate(joined(true, None, 2000));
    let url = "https://google.com/maps?q=48.8566,2.3522";
    let ev = match msg(false, false, "bob") {
        ClientEvent::Message { server, room, id, seq, username, created_at, mine, system, history, .. } => {
            ClientEvent::Message { server, room, id, seq, username, text: url.into(), kind: "location".into(), created_at, mine, system, history, removed: false, edited_at: None, reactions: vec![], reply_to: None, file: None }
        }
        _ => unreachable!(),
    };
    let out = g.translate(ev);
    match &out[0].ui {
        UiEvent::Message { message, .. } => assert_eq!((message.kind, message.text.as_str()), (MessageKind::Location, url)),
        other => panic!("{other:?}"),
    }
    let n = out[0].notify.as_ref().unwrap();
    assert_eq!(n.kind, notify_policy::EventKind::Message { text: "shared a location".into(), mention: false });
    assert_eq!(map_err(banter_client::location::check(91.0, 0.0).unwrap_err()).code, ErrorCode::Invalid);
}

#[test]
fn the_recent_past_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("timeline.json");
    let g = Glue::default();
    g.translate(joined(false, Some(1), 2000));
    g.translate(msg(false, false, "bob"));
    g.save(&path);
    let g2 = Glue::default();
    g2.load(&path);
    let mut rx = g2.expect_snapshot("http://s", "lobby");
    g2.translate(joined(false, Some(1), 2000));
    let snap = rx.try_recv().unwrap();
    assert_eq!(snap.messages.len(), 1, "shown again after a restart");
    assert_eq!(snap.messages[0].username, "bob");
}

#[test]
fn errors_say_what_to_do() {
    let e = map_err(ClientError::JoinRefused { room: "lobby".into(), reason: "Username is in use!".into() });
    assert_eq!(e.code, ErrorCode::Refused);
    assert_eq!(e.message, "Joining lobby refused: Username is in use!");
    let e = map_err(ClientError::Unreachable {
        server: "http://127.0.0.1:9".into(),
        detail: "EngineIO Error: Error with websocket connection: IO error: Connection refused (os error 111)".into(),
    });
    assert_eq!(e.code, ErrorCode::Unreachable);
    assert_eq!(
        e.message,
        "Nothing is listening at 127.0.0.1:9 (the connection was refused). Check the URL and that the server is running."
    );
    let e = map_err(ClientError::Unauthorized { server: "http://s".into(), message: "a token is required".into() });
    assert_eq!(e.code, ErrorCode::Unauthorized);
    assert!(e.message.ends_with("Enter the server's access token in the Token field (ask its owner for it)."), "{}", e.message);
}

#[test]
fn account_errors_are_account_codes_in_plain_words() {
    let cases = [
        (ClientError::WrongLogin, ErrorCode::Account, "Wrong name or password."),
        (ClientError::NameTaken { name: "ann".into() }, ErrorCode::Account, "The name \"ann\" is taken on this server: choose another."),
        (ClientError::TooManyAttempts, ErrorCode::Account, "Too many sign-in attempts: wait a minute and try again."),
        (ClientError::RegistrationClosed, ErrorCode::Account, "Registration is closed on this server."),
        (ClientError::InviteRequired, ErrorCode::Account, "An invite code is required to register on this server."),
        (ClientError::InviteInvalid, ErrorCode::Account, "This invite code is not valid (unknown, used up or expired)."),
        (ClientError::NoSuchSession, ErrorCode::Account, "No such session."),
        (ClientError::AccountRefused("Passwords must be 8 to 1024 bytes long.".into()), ErrorCode::Account, "The server refused: Passwords must be 8 to 1024 bytes long."),
        (
            ClientError::SessionInvalid { server: "http://127.0.0.1:3000".into() },
            ErrorCode::SessionInvalid,
            "Your session on 127.0.0.1:3000 is not valid any more (signed out, revoked or expired): sign in again.",
        ),
        (
            ClientError::NotABanterServer { server: "http://127.0.0.1:3000".into() },
            ErrorCode::NoAccounts,
            "127.0.0.1:3000 is a classic chat server, not a Banter server: it has no accounts.",
        ),
        (ClientError::AccountsUnsupported { server: "http://10.0.0.2:3000".into() }, ErrorCode::NoAccounts, "10.0.0.2:3000 is a Banter server without accounts."),
    ];
    for (e, code, message) in cases {
        let got = map_err(e);
        assert_eq!(got, CommandError::new(code, message));
    }
    // on the wire as the page reads it
    let json = serde_json::to_string(&map_err(ClientError::WrongLogin)).unwrap();
    assert_eq!(json, r#"{"code":"account","message":"Wrong name or password."}"#);
}
