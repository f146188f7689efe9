//! banter-client against the real `banter-server` binary: extensions detected and used,
//! several rooms and tokens, pacing, typing, history pages, limits. Faults are faults.rs.

mod support;

use std::time::Duration;

use banter_client::{AckStatus, Client, ClientEvent, JoinOptions, ServerKind};
use support::*;

#[tokio::test]
async fn banter_extensions_are_detected_and_used() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let (da, db_) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ann, mut ann_ev) = Client::new(config(da.path()));
    let (bob, mut bob_ev) = Client::new(config(db_.path()));

    let info = ann
        .join(JoinOptions::new(&url, "Lobby", "Ann"))
        .await
        .unwrap();
    assert_eq!(info.kind, ServerKind::Banter);
    assert_eq!(info.latest_seq, Some(0));
    assert!(
        info.features.iter().any(|f| f == "receipts"),
        "{:?}",
        info.features
    );

    bob.join(JoinOptions::new(&url, "lobby", "bob"))
        .await
        .unwrap();
    let (e, _) = wait_for(&mut ann_ev, 5, |e| {
        matches!(e, ClientEvent::UserJoined { .. })
    })
    .await;
    assert!(matches!(e, ClientEvent::UserJoined { ref username, .. } if username == "bob"));

    // Typing reaches the other member.
    ann.set_typing(&url, "lobby", true).unwrap();
    let (e, _) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Typing { .. })).await;
    assert!(
        matches!(e, ClientEvent::Typing { ref username, typing: true, .. } if username == "ann")
    );

    let ok = ann.send(&url, "lobby", "hello bob").await.unwrap();
    let bad = ann.send(&url, "lobby", "you are a shit").await.unwrap();
    let mut seen = Vec::new();
    let out = acks_until(&mut ann_ev, 2, 5, &mut seen).await;
    assert_eq!(out[&ok], (AckStatus::Delivered, Some(1)));
    assert_eq!(out[&bad].0, AckStatus::Refused);

    // Bob sees the message with ann's id; a message ends bob's typing indicator.
    let (e, before) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Message { .. })).await;
    match e {
        ClientEvent::Message {
            id,
            seq,
            username,
            text,
            ..
        } => {
            assert_eq!(
                (id.as_deref(), seq, username.as_str(), text.as_str()),
                (Some(ok.as_str()), Some(1), "ann", "hello bob")
            );
        }
        _ => unreachable!(),
    }
    drop(before);
    // Bob's client confirms reception (batched banter:received); ann gets the receipt.
    let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::Receipt { .. })).await;
    match e {
        ClientEvent::Receipt {
            id,
            received_by,
            recipients,
            ..
        } => {
            assert_eq!(id, ok);
            assert_eq!((received_by, recipients), (1, 1));
        }
        _ => unreachable!(),
    }

    // A late joiner gets the history on join.
    let dc = tempfile::tempdir().unwrap();
    let (cat, mut cat_ev) = Client::new(config(dc.path()));
    cat.join(JoinOptions::new(&url, "lobby", "cat"))
        .await
        .unwrap();
    let got = drain(&mut cat_ev, 300).await;
    let hist: Vec<_> = got
        .iter()
        .filter(|e| matches!(e, ClientEvent::Message { history: true, .. }))
        .collect();
    assert_eq!(hist.len(), 1, "{got:?}");

    bob.leave(&url, "lobby").await.unwrap();
    let (e, _) = wait_for(&mut ann_ev, 5, |e| {
        matches!(e, ClientEvent::UserLeft { .. })
    })
    .await;
    assert!(matches!(e, ClientEvent::UserLeft { ref username, .. } if username == "bob"));
}

#[tokio::test]
async fn several_rooms_and_tokens() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, Some("s3cret"));
    let url = server.url();
    let d = tempfile::tempdir().unwrap();
    let (c, mut ev) = Client::new(config(d.path()));
    let err = c
        .join(JoinOptions::new(&url, "a", "ann"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unauthorized", "{err}");
    assert!(
        err.to_string().contains("requires a valid access token"),
        "{err}"
    );
    let err = c
        .join(JoinOptions::new(&url, "a", "ann").token(Some("wrong".into())))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unauthorized");

    for room in ["a", "b", "c"] {
        c.join(JoinOptions::new(&url, room, "ann").token(Some("s3cret".into())))
            .await
            .unwrap();
    }
    for room in ["a", "b", "c"] {
        for i in 0..5 {
            c.send(&url, room, &format!("{room}{i}")).await.unwrap();
        }
    }
    let mut seen = Vec::new();
    let out = acks_until(&mut ev, 15, 10, &mut seen).await;
    assert!(out
        .values()
        .all(|(s, seq)| *s == AckStatus::Delivered && seq.is_some()));
    seen.extend(drain(&mut ev, 300).await);
    for room in ["a", "b", "c"] {
        let t = texts(&seen, room);
        assert_eq!(
            t,
            (0..5).map(|i| format!("{room}{i}")).collect::<Vec<_>>(),
            "room {room}"
        );
    }
}

/// Sends are paced to the server's advertised rate: 100 messages piped at once to a server
/// that allows 20 a second (bursts of 40) are all delivered, none refused "Slow down!".
#[tokio::test]
async fn sends_are_paced_to_the_advertised_rate() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter_limited(db.path(), 0, None, 20);
    let url = server.url();
    let d = tempfile::tempdir().unwrap();
    let (c, mut ev) = Client::new(config(d.path()));
    c.join(JoinOptions::new(&url, "lobby", "ann"))
        .await
        .unwrap();
    let start = std::time::Instant::now();
    for i in 0..100 {
        c.send(&url, "lobby", &format!("paced {i}")).await.unwrap();
    }
    let mut seen = Vec::new();
    let out = acks_until(&mut ev, 100, 30, &mut seen).await;
    let refused = out
        .values()
        .filter(|(s, _)| *s != AckStatus::Delivered)
        .count();
    println!(
        "pacing: 100 messages at 20/s delivered in {:?}, {refused} refused",
        start.elapsed()
    );
    assert_eq!(refused, 0);
    assert!(
        start.elapsed() >= Duration::from_secs(3),
        "paced: {:?}",
        start.elapsed()
    );
}

/// One client, two servers of different kinds at once: each room detects its own kind.
#[tokio::test]
async fn a_classic_and_a_banter_server_at_once() {
    let db = tempfile::tempdir().unwrap();
    let banter = start_banter(db.path(), 0, None);
    let classic = start_classic(0);
    let d = tempfile::tempdir().unwrap();
    let (c, mut ev) = Client::new(config(d.path()));
    let a = c
        .join(JoinOptions::new(&banter.url(), "lobby", "ann"))
        .await
        .unwrap();
    let b = c
        .join(JoinOptions::new(&classic.url(), "lobby", "ann"))
        .await
        .unwrap();
    assert_eq!((a.kind, b.kind), (ServerKind::Banter, ServerKind::Classic));
    let ia = c.send(&banter.url(), "lobby", "to banter").await.unwrap();
    let ib = c.send(&classic.url(), "lobby", "to classic").await.unwrap();
    let mut seen = Vec::new();
    let out = acks_until(&mut ev, 2, 10, &mut seen).await;
    assert_eq!(out[&ia].0, AckStatus::Delivered);
    assert!(out[&ia].1.is_some(), "a Banter ack has a seq");
    assert_eq!(out[&ib], (AckStatus::Delivered, None));
    seen.extend(drain(&mut ev, 300).await);
    let on = |server: &str| -> Vec<String> {
        seen.iter()
            .filter_map(|e| match e {
                ClientEvent::Message {
                    server: s,
                    text,
                    system: false,
                    ..
                } if s == server => Some(text.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(on(&banter.url()), vec!["to banter".to_string()]);
    assert_eq!(on(&classic.url()), vec!["to classic".to_string()]);
}

/// A typing indicator ends after 6 s without a repeat, and at once when that user's message
/// arrives.
#[tokio::test]
async fn typing_indicators_expire_and_end_with_a_message() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let (da, dbb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ann, _ann_ev) = Client::new(config(da.path()));
    let (bob, mut bob_ev) = Client::new(config(dbb.path()));
    ann.join(JoinOptions::new(&url, "lobby", "ann"))
        .await
        .unwrap();
    bob.join(JoinOptions::new(&url, "lobby", "bob"))
        .await
        .unwrap();

    ann.set_typing(&url, "lobby", true).unwrap();
    let _ = wait_for(&mut bob_ev, 5, |e| {
        matches!(e, ClientEvent::Typing { typing: true, .. })
    })
    .await;
    let t = std::time::Instant::now();
    let _ = wait_for(&mut bob_ev, 10, |e| {
        matches!(e, ClientEvent::Typing { typing: false, .. })
    })
    .await;
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(5_500) && waited <= Duration::from_millis(7_500),
        "expired after {waited:?}"
    );

    tokio::time::sleep(Duration::from_secs(3)).await; // past ann's 3 s repeat throttle
    ann.set_typing(&url, "lobby", true).unwrap();
    let _ = wait_for(&mut bob_ev, 5, |e| {
        matches!(e, ClientEvent::Typing { typing: true, .. })
    })
    .await;
    ann.send(&url, "lobby", "done typing").await.unwrap();
    let (e, _) = wait_for(&mut bob_ev, 5, |e| {
        matches!(e, ClientEvent::Typing { .. } | ClientEvent::Message { .. })
    })
    .await;
    assert!(
        matches!(e, ClientEvent::Typing { typing: false, .. }),
        "the indicator ends before the message shows: {e:?}"
    );
}

/// "Load older messages": pages backwards from the oldest message the join brought, down to
/// the room's first message; an empty page on a classic server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_history_pages_backwards() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let (da, db_) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ann, mut ann_ev) = Client::new(config(da.path()));
    ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
    for i in 1..=80 {
        ann.send(&url, "lobby", &format!("old news {i}")).await.unwrap();
    }
    let mut seen = Vec::new();
    acks_until(&mut ann_ev, 80, 30, &mut seen).await;

    let (bob, _bob_ev) = Client::new(config(db_.path()));
    let info = bob.join(JoinOptions::new(&url, "lobby", "bob")).await.unwrap();
    assert_eq!(info.latest_seq, Some(80));
    let seqs = |page: &banter_client::OlderPage| -> Vec<u64> {
        page.messages
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Message { seq, history, .. } => {
                    assert!(*history);
                    *seq
                }
                _ => None,
            })
            .collect()
    };
    // the join showed 31..=80; the page before 31
    let page = bob.history_before(&url, "lobby", 31, 20).await.unwrap();
    assert_eq!(seqs(&page), (11..=30).collect::<Vec<_>>());
    assert!(page.more);
    let last = bob.history_before(&url, "lobby", 11, 20).await.unwrap();
    assert_eq!(seqs(&last), (1..=10).collect::<Vec<_>>());
    assert!(!last.more);
    match &last.messages[0] {
        ClientEvent::Message { text, username, mine, .. } => {
            assert_eq!((text.as_str(), username.as_str(), *mine), ("old news 1", "ann", false));
        }
        other => panic!("not a message: {other:?}"),
    }

    let classic = start_classic(0);
    let curl = classic.url();
    bob.join(JoinOptions::new(&curl, "lobby", "bob")).await.unwrap();
    let empty = bob.history_before(&curl, "lobby", 5, 20).await.unwrap();
    assert!(empty.messages.is_empty() && !empty.more);
}

/// The server's own message limit reaches the caller (the desktop composer shows it) and
/// the client checks it before sending.
#[tokio::test]
async fn the_servers_message_limit_is_known_and_applied() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter_with(db.path(), 0, None, 0, &["--max-message-chars", "100"]);
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let (ann, _ev) = Client::new(config(dir.path()));
    let info = ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
    assert_eq!(info.max_message_chars, 100);
    let err = ann.send(&url, "lobby", &"x".repeat(101)).await.unwrap_err();
    assert_eq!(err.code(), "invalid_input", "{err}");
    ann.send(&url, "lobby", &"x".repeat(100)).await.unwrap();
}
