//! banter-client against the classic chat-tutorial server on socket.io 2.x (Engine.IO v3,
//! Socket.IO protocol v4), the version the tutorial was written on: 2.2.0 and the last 2.x
//! (2.5.1), over WebSocket and on a server that allows long-polling only.
//!
//! A v3 server waits for the *client's* pings and drops a silent client after
//! pingInterval + pingTimeout. The servers here run with 400 ms + 400 ms so a session held
//! for 4 s outlives that window five times; without the Engine.IO v3 support of our
//! rust_engineio fork the client reconnects every 0.8 s and these tests fail.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use banter_client::{AckStatus, Client, ClientError, ClientEvent, JoinOptions, ServerKind};
use support::*;

fn reconnects(events: &[ClientEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, ClientEvent::Reconnecting { .. } | ClientEvent::Joined { rejoin: true, .. }))
        .count()
}

fn presence_changes(events: &[ClientEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::UserJoined { username, .. } => Some(format!("+{username}")),
            ClientEvent::UserLeft { username, .. } => Some(format!("-{username}")),
            _ => None,
        })
        .collect()
}

/// Two clients hold a session for 10 × pingInterval (5 × the window after which a v3
/// server drops a silent client): no reconnect on either side, no leave/join seen by the
/// peer, one engine connection each on the server, and the session still carries messages.
async fn holds_a_session(package: &str, polling_only: bool) {
    let server = start_classic_v2(package, polling_only, 0);
    let url = server.url();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ann, mut ann_ev) = Client::new(config(dir_a.path()));
    let (bob, mut bob_ev) = Client::new(config(dir_b.path()));
    let info = ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
    assert_eq!(info.kind, ServerKind::Classic);
    bob.join(JoinOptions::new(&url, "lobby", "bob")).await.unwrap();
    let (_, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::UserJoined { .. })).await;

    let hold = Duration::from_millis(10 * PING_MS);
    let (ann_seen, bob_seen) = tokio::join!(
        drain(&mut ann_ev, hold.as_millis() as u64),
        drain(&mut bob_ev, hold.as_millis() as u64)
    );
    assert_eq!(reconnects(&ann_seen), 0, "ann reconnected: {ann_seen:#?}");
    assert_eq!(reconnects(&bob_seen), 0, "bob reconnected: {bob_seen:#?}");
    assert!(presence_changes(&ann_seen).is_empty(), "ann saw a flap: {ann_seen:#?}");
    assert!(presence_changes(&bob_seen).is_empty(), "bob saw a flap: {bob_seen:#?}");
    let (connects, disconnects) = server.engine_log();
    let transport = if polling_only { "polling" } else { "websocket" };
    assert_eq!(connects, vec![transport; 2], "engine connections");
    assert!(disconnects.is_empty(), "the server dropped a client: {disconnects:?}");

    let id = ann.send(&url, "lobby", "still here").await.unwrap();
    let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::Ack { .. })).await;
    assert!(matches!(e, ClientEvent::Ack { id: ref got, status: AckStatus::Delivered, .. } if *got == id), "{e:?}");
    let (e, _) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Message { system: false, .. })).await;
    assert!(matches!(e, ClientEvent::Message { ref text, .. } if text == "still here"), "{e:?}");
    println!(
        "{package} {transport}: held {} ms ({}× pingInterval+pingTimeout), 0 reconnects, 2 engine connections, 0 drops",
        hold.as_millis(),
        hold.as_millis() as u64 / (2 * PING_MS)
    );
}

#[tokio::test]
async fn holds_a_session_on_socketio_2_2_over_websocket() {
    holds_a_session("socket.io-v2.2", false).await;
}

#[tokio::test]
async fn holds_a_session_on_socketio_2_5_over_websocket() {
    holds_a_session("socket.io-v2", false).await;
}

#[tokio::test]
async fn holds_a_session_on_a_polling_only_socketio_2_server() {
    holds_a_session("socket.io-v2", true).await;
}

/// Every classic flow, as on the 4.x server (client/tests/classic.rs): normalised join,
/// welcome, joined notice and roomData, delivery, the profanity refusal, a location both
/// ways, join refusals through the ack, and the left notice.
async fn classic_flows(package: &str, polling_only: bool) {
    let server = start_classic_v2(package, polling_only, 0);
    let url = server.url();
    let (dir_a, dir_b, dir_c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ann, mut ann_ev) = Client::new(config(dir_a.path()));
    let (bob, mut bob_ev) = Client::new(config(dir_b.path()));

    let info = ann.join(JoinOptions::new(&url, " Lobby ", "Ann")).await.unwrap();
    assert_eq!(info.kind, ServerKind::Classic);
    assert_eq!((info.room.as_str(), info.username.as_str()), ("lobby", "ann"));
    assert_eq!(info.users, vec!["ann".to_string()]);
    let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::Message { system: true, .. })).await;
    assert!(matches!(e, ClientEvent::Message { ref text, ref username, .. } if text == "Welcome!" && username == "Admin"), "{e:?}");

    bob.join(JoinOptions::new(&url, "lobby", "bob")).await.unwrap();
    let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::UserJoined { .. })).await;
    assert!(matches!(e, ClientEvent::UserJoined { ref username, .. } if username == "bob"));
    let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::Users { .. })).await;
    assert!(matches!(e, ClientEvent::Users { ref users, .. } if users == &["ann", "bob"]));

    // Refusals come back through the join's ack.
    let (dup, _dup_ev) = Client::new(config(dir_c.path()));
    match dup.join(JoinOptions::new(&url, "lobby", "ANN")).await {
        Err(ClientError::JoinRefused { reason, .. }) => assert_eq!(reason, "Username is in use!"),
        other => panic!("expected a refusal, got {other:?}"),
    }

    let ok = ann.send(&url, "lobby", "hello bob <b>bold</b>").await.unwrap();
    let bad = ann.send(&url, "lobby", "you are a shit").await.unwrap();
    let loc = ann.send_location(&url, "lobby", 48.8566, 2.3522).await.unwrap();
    let mut outcomes = HashMap::new();
    while outcomes.len() < 3 {
        let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::Ack { .. })).await;
        if let ClientEvent::Ack { id, status, reason, .. } = e {
            outcomes.insert(id, (status, reason));
        }
    }
    assert_eq!(outcomes[&ok], (AckStatus::Delivered, None));
    assert_eq!(outcomes[&bad], (AckStatus::Refused, Some("Profanity is not allowed!".into())));
    assert_eq!(outcomes[&loc], (AckStatus::Delivered, None));

    let (e, _) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Message { system: false, .. })).await;
    assert!(matches!(e, ClientEvent::Message { ref text, ref username, mine: false, .. } if text == "hello bob <b>bold</b>" && username == "ann"), "{e:?}");
    let (e, _) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Message { system: false, .. })).await;
    match e {
        ClientEvent::Message { kind, text, username, .. } => {
            assert_eq!((kind.as_str(), username.as_str()), ("location", "ann"));
            assert_eq!(text, "https://google.com/maps?q=48.8566,2.3522");
        }
        other => panic!("expected a location, got {other:?}"),
    }
    // The refused message never reached bob.
    let later = drain(&mut bob_ev, 300).await;
    assert!(texts(&later, "lobby").is_empty(), "{later:?}");

    ann.leave(&url, "lobby").await.unwrap();
    let (e, _) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::UserLeft { .. })).await;
    assert!(matches!(e, ClientEvent::UserLeft { ref username, .. } if username == "ann"));
    let (e, _) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Users { .. })).await;
    assert!(matches!(e, ClientEvent::Users { ref users, .. } if users == &["bob"]));
}

#[tokio::test]
async fn every_classic_flow_on_socketio_2_2_over_websocket() {
    classic_flows("socket.io-v2.2", false).await;
}

#[tokio::test]
async fn every_classic_flow_on_a_polling_only_socketio_2_server() {
    classic_flows("socket.io-v2", true).await;
}

/// The server is killed in the middle of a burst and started again on the same port: the
/// room comes back by itself, and every message ends delivered exactly once (a retry for
/// the one or two that were in flight, as on 4.x), counted by a peer.
#[tokio::test]
async fn a_socketio_2_server_killed_mid_burst_and_restarted() {
    let mut server = start_classic_v2("socket.io-v2", false, 0);
    let port = server.proc.port;
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let (ann, mut ev) = Client::new(config(dir.path()));
    ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();

    const N: usize = 150;
    let mut ids = Vec::new();
    for i in 0..N {
        ids.push(ann.send(&url, "lobby", &format!("m{i}")).await.unwrap());
    }
    let mut outcomes: HashMap<String, AckStatus> = HashMap::new();
    while outcomes.len() < 30 {
        let (e, _) = wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Ack { .. })).await;
        if let ClientEvent::Ack { id, status, .. } = e {
            outcomes.insert(id, status);
        }
    }
    server.proc.kill();
    let record = |outcomes: &mut HashMap<String, AckStatus>, events: &[ClientEvent]| {
        for e in events {
            if let ClientEvent::Ack { id, status, .. } = e {
                assert!(outcomes.insert(id.clone(), *status).is_none(), "two outcomes for one message");
            }
        }
    };
    let (_e, before) = wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Reconnecting { .. })).await;
    record(&mut outcomes, &before);
    server = start_classic_v2("socket.io-v2", false, port);
    let (_e, before) = wait_for(&mut ev, 20, |e| matches!(e, ClientEvent::Joined { rejoin: true, .. })).await;
    record(&mut outcomes, &before);
    while outcomes.len() < N {
        let (e, _) = wait_for(&mut ev, 20, |e| matches!(e, ClientEvent::Ack { .. })).await;
        record(&mut outcomes, std::slice::from_ref(&e));
    }
    let failed: Vec<&String> = ids.iter().filter(|id| outcomes[*id] == AckStatus::Failed).collect();
    let delivered = outcomes.values().filter(|s| **s == AckStatus::Delivered).count();
    println!("socket.io 2.5.1 killed mid-burst: {N} sent, {delivered} delivered, {} failed then retried", failed.len());
    assert_eq!(delivered + failed.len(), N);
    assert!(failed.len() <= 2, "at most the in-flight message fails: {}", failed.len());
    for id in &failed {
        ann.retry(&url, "lobby", id).await.unwrap();
    }
    let mut retried = 0;
    while retried < failed.len() {
        let (e, _) = wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Ack { .. })).await;
        if let ClientEvent::Ack { status, .. } = e {
            assert_eq!(status, AckStatus::Delivered);
            retried += 1;
        }
    }
    assert_eq!(ann.unresolved(), 0);

    // The restarted server keeps the session up too.
    let seen = drain(&mut ev, 6 * PING_MS).await;
    assert_eq!(reconnects(&seen), 0, "{seen:#?}");
    let (connects, disconnects) = server.engine_log();
    assert_eq!((connects.len(), disconnects.len()), (1, 0), "{connects:?} {disconnects:?}");
}
