//! Direct messages (banter_client::dms) against the real `banter-server` binary: two
//! accounts, each with its own client and session.

mod support;

use std::time::Duration;

use banter_client::{Client, ClientError, ClientEvent, DmOptions, SessionToken};
use support::*;

/// Messages of the DM `dm` with this id among `events`.
fn with_id(events: &[ClientEvent], dm: &str, id: &str) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, ClientEvent::Message { room, id: Some(i), .. } if room == dm && i == id))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_between_two_accounts_survives_a_server_restart_once_per_message() {
    let db = tempfile::tempdir().unwrap();
    let mut server = start_banter(db.path(), 0, None);
    let (port, url) = (server.port, server.url());
    let (ann, mut ann_ev, ann_s, _da) = account(&url, "Ann").await;
    let (bob, mut bob_ev, bob_s, bob_dir) = account(&url, "Bob").await;

    // Ann opens the DM by Bob's name (any case); Bob opens the same one by Ann's.
    let opened = ann.open_dm(DmOptions::with(&url, Some(ann_s.clone()), &["BOB"])).await.unwrap();
    assert!(opened.dm.starts_with("dm:"), "{opened:?}");
    assert_eq!(opened.members, vec!["ann", "bob"]);
    assert!(opened.created);
    assert_eq!(opened.info.room, opened.dm);
    assert_eq!(opened.info.username, "ann");
    let dm = opened.dm.clone();
    let theirs = bob.open_dm(DmOptions::with(&url, Some(bob_s.clone()), &["ann"])).await.unwrap();
    assert_eq!((theirs.dm.as_str(), theirs.created), (dm.as_str(), false));
    assert_eq!(theirs.info.users, vec!["ann", "bob"]);

    // Ann writes; Bob's client gets it with the DM id as its room.
    let first = ann.send(&url, &dm, "hello bob").await.unwrap();
    let (got, _) = wait_for(&mut bob_ev, 10, |e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == first)).await;
    match got {
        ClientEvent::Message { room, username, text, mine, .. } => {
            assert_eq!((room.as_str(), username.as_str(), text.as_str(), mine), (dm.as_str(), "ann", "hello bob", false));
        }
        other => panic!("{other:?}"),
    }
    wait_for(&mut ann_ev, 10, |e| matches!(e, ClientEvent::Ack { id, .. } if *id == first)).await;
    tokio::time::sleep(Duration::from_millis(500)).await; // the server's batched commit

    // The server restarts. Ann re-sends her first message with the same id (as after a
    // crash) and writes one more while it is down; both clients reconnect and re-open.
    server.kill();
    wait_for(&mut ann_ev, 10, |e| matches!(e, ClientEvent::Reconnecting { .. })).await;
    let during = ann.send(&url, &dm, "while the server was down").await.unwrap();
    let _server2 = start_banter(db.path(), port, None);
    let (rejoined, _) = wait_for(&mut ann_ev, 20, |e| matches!(e, ClientEvent::Joined { rejoin: true, .. })).await;
    assert!(matches!(&rejoined, ClientEvent::Joined { room, .. } if *room == dm), "{rejoined:?}");
    ann.send_with_id(&url, &dm, &first, "hello bob").await.unwrap();
    wait_for(&mut ann_ev, 20, |e| matches!(e, ClientEvent::Ack { id, .. } if *id == first)).await;
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while with_id(&seen, &dm, &during) == 0 && tokio::time::Instant::now() < deadline {
        seen.extend(drain(&mut bob_ev, 200).await);
    }
    seen.extend(drain(&mut bob_ev, 800).await);
    assert_eq!(with_id(&seen, &dm, &during), 1, "{seen:#?}");
    assert_eq!(with_id(&seen, &dm, &first), 0, "the re-sent message is not shown again: {seen:#?}");

    // Bob's app closes; Ann writes three more; Bob's next run (same data dir) catches up
    // with exactly those, from the DM's history.
    tokio::time::sleep(Duration::from_millis(600)).await; // the last seq is saved on a tick
    bob.leave(&url, &dm).await.unwrap();
    drop((bob, bob_ev));
    let mut away = Vec::new();
    for i in 0..3 {
        away.push(ann.send(&url, &dm, &format!("while you were away {i}")).await.unwrap());
    }
    for id in &away {
        wait_for(&mut ann_ev, 10, |e| matches!(e, ClientEvent::Ack { id: a, .. } if a == id)).await;
    }
    let (bob, mut bob_ev) = Client::new(config(bob_dir.path()));
    bob.open_dm(DmOptions::id(&url, Some(bob_s.clone()), &dm)).await.unwrap();
    let back = drain(&mut bob_ev, 1500).await;
    let caught_up: Vec<String> = back
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Message { room, id: Some(id), history: true, .. } if *room == dm => Some(id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(caught_up, away, "{back:#?}");
    let errors: Vec<_> = seen.iter().chain(&back).filter(|e| matches!(e, ClientEvent::Error { .. })).collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // Bob answers; Ann sees it, sent by bob.
    let reply = bob.send(&url, &dm, "hi ann").await.unwrap();
    let (got, _) = wait_for(&mut ann_ev, 10, |e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == reply)).await;
    assert!(matches!(got, ClientEvent::Message { ref username, .. } if username == "bob"), "{got:?}");

    // A third account cannot open the DM by its id, nor write to it.
    let (carl, _carl_ev, carl_s, _dc) = account(&url, "Carl").await;
    let e = carl.open_dm(DmOptions::id(&url, Some(carl_s.clone()), &dm)).await.unwrap_err();
    assert!(matches!(e, ClientError::NoSuchDm), "{e:?}");
    assert_eq!(e.code(), "no_such_dm");
    assert!(carl.send(&url, &dm, "let me in").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dm_refusals_are_clear_errors() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let (ann, _ann_ev, ann_s, _da) = account(&url, "ann").await;

    let e = ann.open_dm(DmOptions::with(&url, None, &["bob"])).await.unwrap_err();
    assert_eq!(e.code(), "not_signed_in", "{e:?}");
    let e = ann.open_dm(DmOptions::with(&url, Some(ann_s.clone()), &["nobody"])).await.unwrap_err();
    assert!(matches!(&e, ClientError::NoSuchAccount { name } if name == "nobody"), "{e:?}");
    let e = ann.open_dm(DmOptions::with(&url, Some(ann_s.clone()), &[])).await.unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e:?}");
    let e = ann
        .open_dm(DmOptions::with(&url, Some(SessionToken::new("0".repeat(64))), &["bob"]))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "session_invalid", "{e:?}");
    assert!(ann.rooms().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_someone_else_opens_is_announced_once() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let (ann, mut ann_ev, ann_s, _da) = account(&url, "ann").await;
    let (bob, _bob_ev, bob_s, _db) = account(&url, "bob").await;
    // ann is connected (a room), so her connection hears of the new DM
    ann.join(banter_client::JoinOptions::new(&url, "lobby", "ann").session(Some(ann_s.clone()))).await.unwrap();
    let opened = bob.open_dm(DmOptions::with(&url, Some(bob_s.clone()), &["ann"])).await.unwrap();
    let (e, _) = wait_for(&mut ann_ev, 10, |e| matches!(e, ClientEvent::DmAdded { .. })).await;
    assert!(matches!(&e, ClientEvent::DmAdded { dm, members, .. } if *dm == opened.dm && *members == ["ann", "bob"]), "{e:?}");
    let again = drain(&mut ann_ev, 500).await;
    assert!(!again.iter().any(|e| matches!(e, ClientEvent::DmAdded { .. })), "once: {again:?}");
    // ann opens it by its id and reads what bob writes
    ann.open_dm(DmOptions::id(&url, Some(ann_s.clone()), &opened.dm)).await.unwrap();
    let id = bob.send(&url, &opened.dm, "found me?").await.unwrap();
    wait_for(&mut ann_ev, 10, |e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == id)).await;
}
