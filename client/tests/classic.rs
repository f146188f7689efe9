//! banter-client against the classic chat-tutorial server on the official Node `socket.io`.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use banter_client::{AckStatus, Client, ClientEvent, JoinOptions, ServerKind};
use support::*;

#[tokio::test]
async fn join_send_ack_refusal_and_presence_on_a_classic_server() {
    let server = start_classic(0);
    let url = server.url();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ann, mut ann_ev) = Client::new(config(dir_a.path()));
    let (bob, mut bob_ev) = Client::new(config(dir_b.path()));

    let info = ann
        .join(JoinOptions::new(&url, " Lobby ", "Ann"))
        .await
        .unwrap();
    assert_eq!(info.kind, ServerKind::Classic);
    assert_eq!(
        (info.room.as_str(), info.username.as_str()),
        ("lobby", "ann")
    );
    assert_eq!(info.users, vec!["ann".to_string()]);

    bob.join(JoinOptions::new(&url, "lobby", "bob"))
        .await
        .unwrap();
    let (e, _) = wait_for(&mut ann_ev, 5, |e| {
        matches!(e, ClientEvent::UserJoined { .. })
    })
    .await;
    assert!(matches!(e, ClientEvent::UserJoined { ref username, .. } if username == "bob"));
    let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::Users { .. })).await;
    assert!(matches!(e, ClientEvent::Users { ref users, .. } if users == &["ann", "bob"]));

    let ok = ann.send(&url, "lobby", "hello bob").await.unwrap();
    let bad = ann.send(&url, "lobby", "you are a shit").await.unwrap();
    assert!(banter_protocol::rules::check_message_id(&ok).is_ok());
    let mut outcomes = HashMap::new();
    while outcomes.len() < 2 {
        let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::Ack { .. })).await;
        if let ClientEvent::Ack {
            id, status, reason, ..
        } = e
        {
            outcomes.insert(id, (status, reason));
        }
    }
    assert_eq!(outcomes[&ok], (AckStatus::Delivered, None));
    assert_eq!(
        outcomes[&bad],
        (AckStatus::Refused, Some("Profanity is not allowed!".into()))
    );
    assert_eq!(ann.unresolved(), 0);

    let (e, _) = wait_for(&mut bob_ev, 5, |e| {
        matches!(e, ClientEvent::Message { system: false, .. })
    })
    .await;
    match e {
        ClientEvent::Message {
            username,
            text,
            mine,
            ..
        } => {
            assert_eq!(
                (username.as_str(), text.as_str(), mine),
                ("ann", "hello bob", false)
            );
        }
        _ => unreachable!(),
    }
    // The refused message never reached bob.
    let later = drain(&mut bob_ev, 300).await;
    assert!(texts(&later, "lobby").is_empty(), "{later:?}");

    ann.leave(&url, "lobby").await.unwrap();
    let (e, _) = wait_for(&mut bob_ev, 5, |e| {
        matches!(e, ClientEvent::UserLeft { .. })
    })
    .await;
    assert!(matches!(e, ClientEvent::UserLeft { ref username, .. } if username == "ann"));
}

#[tokio::test]
async fn several_rooms_at_once_stay_separate() {
    let server = start_classic(0);
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let (ann, mut ev) = Client::new(config(dir.path()));
    for room in ["one", "two", "three"] {
        ann.join(JoinOptions::new(&url, room, "ann")).await.unwrap();
    }
    assert_eq!(ann.rooms().len(), 3);
    let dir_b = tempfile::tempdir().unwrap();
    let (bob, mut bob_ev) = Client::new(config(dir_b.path()));
    bob.join(JoinOptions::new(&url, "two", "bob"))
        .await
        .unwrap();
    for room in ["one", "two", "three"] {
        ann.send(&url, room, &format!("to {room}")).await.unwrap();
    }
    let mut delivered = 0;
    let mut seen = Vec::new();
    while delivered < 3 {
        let (e, before) = wait_for(&mut ev, 5, |e| {
            matches!(
                e,
                ClientEvent::Ack {
                    status: AckStatus::Delivered,
                    ..
                }
            )
        })
        .await;
        seen.extend(before);
        seen.push(e);
        delivered += 1;
    }
    seen.extend(drain(&mut ev, 300).await);
    for room in ["one", "two", "three"] {
        assert_eq!(
            texts(&seen, room),
            vec![format!("to {room}")],
            "room {room}"
        );
    }
    let bob_seen = drain(&mut bob_ev, 500).await;
    assert_eq!(texts(&bob_seen, "two"), vec!["to two".to_string()]);
    assert!(texts(&bob_seen, "one").is_empty() && texts(&bob_seen, "three").is_empty());
}

#[tokio::test]
async fn join_refused_and_connection_errors_are_clear() {
    let server = start_classic(0);
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let (c, _ev) = Client::new(config(dir.path()));
    c.join(JoinOptions::new(&url, "lobby", "ann"))
        .await
        .unwrap();
    let (c2, _ev2) = Client::new(config(dir.path()));
    let err = c2
        .join(JoinOptions::new(&url, "lobby", "ANN"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "join_refused");
    assert!(err.to_string().contains("Username is in use!"), "{err}");
    let err = c
        .join(JoinOptions::new(&url, "lobby", "ann"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "already_joined");

    let err = c2
        .join(JoinOptions::new("ftp://x", "lobby", "a"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_url");

    // A port where nothing listens.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let err = c2
        .join(JoinOptions::new(
            &format!("http://127.0.0.1:{port}"),
            "lobby",
            "a",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unreachable", "{err}");
    assert_eq!(
        err.summary(),
        format!("Nothing is listening at 127.0.0.1:{port} (the connection was refused)")
    );

    // A web server that is not a Socket.IO server: 404 for everything. One request, not a
    // storm of polling retries (the thread answers at most 8 and counts them).
    let web = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let web_port = web.local_addr().unwrap().port();
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = answered.clone();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in web.incoming().take(8) {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let err = c2
        .join(JoinOptions::new(&format!("http://127.0.0.1:{web_port}"), "lobby", "a"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unreachable", "{err}");
    assert_eq!(
        err.summary(),
        format!("127.0.0.1:{web_port} answered, but not as a Socket.IO chat server (HTTP 404); check the address"),
        "{err}"
    );
    assert_eq!(answered.load(std::sync::atomic::Ordering::SeqCst), 1, "one request");

    // https to a plain-HTTP server: the TLS handshake fails.
    let err = c2
        .join(JoinOptions::new(
            &format!("https://127.0.0.1:{}", server.port),
            "lobby",
            "a",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "tls", "{err}");
    assert!(err.summary().starts_with("The secure (https) connection to"), "{}", err.summary());

    let err = c2.send(&url, "nowhere", "hi").await.unwrap_err();
    assert_eq!(err.code(), "not_joined");
    let err = c.send(&url, "lobby", "   ").await.unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

/// The classic server is killed in the middle of a burst and restarted on the same port. A
/// classic server cannot deduplicate, so nothing is re-sent by itself: every message ends
/// delivered or failed, and the failed ones are delivered by an explicit retry.
#[tokio::test]
async fn classic_server_killed_mid_burst() {
    let mut server = start_classic(0);
    let port = server.port;
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let (ann, mut ev) = Client::new(config(dir.path()));
    ann.join(JoinOptions::new(&url, "lobby", "ann"))
        .await
        .unwrap();

    const N: usize = 200;
    let mut ids = Vec::new();
    for i in 0..N {
        ids.push(ann.send(&url, "lobby", &format!("m{i}")).await.unwrap());
    }
    // Kill once some are delivered.
    let mut outcomes: HashMap<String, AckStatus> = HashMap::new();
    while outcomes.len() < 40 {
        let (e, _) = wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Ack { .. })).await;
        if let ClientEvent::Ack { id, status, .. } = e {
            outcomes.insert(id, status);
        }
    }
    server.kill();
    let record = |outcomes: &mut HashMap<String, AckStatus>, events: &[ClientEvent]| {
        for e in events {
            if let ClientEvent::Ack { id, status, .. } = e {
                assert!(
                    outcomes.insert(id.clone(), *status).is_none(),
                    "two outcomes for one message"
                );
            }
        }
    };
    let (_e, before) = wait_for(&mut ev, 10, |e| {
        matches!(e, ClientEvent::Reconnecting { .. })
    })
    .await;
    record(&mut outcomes, &before);
    let _server2 = start_classic(port);
    let (_e, before) = wait_for(&mut ev, 20, |e| {
        matches!(e, ClientEvent::Joined { rejoin: true, .. })
    })
    .await;
    assert!(
        !before.iter().any(|e| matches!(e, ClientEvent::Message { text, system: true, .. } if text == "Welcome!")),
        "the server's greeting on a re-join is not shown again"
    );
    record(&mut outcomes, &before);
    while outcomes.len() < N {
        let (e, _) = wait_for(&mut ev, 20, |e| matches!(e, ClientEvent::Ack { .. })).await;
        if let ClientEvent::Ack { id, status, .. } = e {
            assert!(
                outcomes.insert(id, status).is_none(),
                "two outcomes for one message"
            );
        }
    }
    let failed: Vec<&String> = ids
        .iter()
        .filter(|id| outcomes[*id] == AckStatus::Failed)
        .collect();
    let delivered = outcomes
        .values()
        .filter(|s| **s == AckStatus::Delivered)
        .count();
    println!(
        "classic kill mid-burst: {N} sent, {delivered} delivered, {} failed (retry needed)",
        failed.len()
    );
    assert_eq!(delivered + failed.len(), N);
    assert!(
        failed.len() <= 2,
        "at most the in-flight message fails: {}",
        failed.len()
    );
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
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// The client connects over WebSocket first; a server that serves long-polling only (the
/// WebSocket request gets an HTTP error) is reached through Engine.IO's polling handshake.
#[tokio::test]
async fn a_server_serving_long_polling_only_still_works() {
    let server = start_classic_polling_only();
    let url = server.url();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ann, mut ann_ev) = Client::new(config(dir_a.path()));
    let (bob, mut bob_ev) = Client::new(config(dir_b.path()));
    let info = ann
        .join(JoinOptions::new(&url, "lobby", "ann"))
        .await
        .unwrap();
    assert_eq!(info.kind, ServerKind::Classic);
    bob.join(JoinOptions::new(&url, "lobby", "bob"))
        .await
        .unwrap();
    let id = ann.send(&url, "lobby", "over long-polling").await.unwrap();
    let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::Ack { .. })).await;
    assert!(
        matches!(e, ClientEvent::Ack { id: ref got, status: AckStatus::Delivered, .. } if *got == id),
        "{e:?}"
    );
    let (e, _) = wait_for(&mut bob_ev, 5, |e| {
        matches!(e, ClientEvent::Message { system: false, .. })
    })
    .await;
    assert!(
        matches!(e, ClientEvent::Message { ref text, .. } if text == "over long-polling"),
        "{e:?}"
    );
}

/// The classic server echoes our own message to us in its room broadcast: that echo carries
/// the id `send` returned, so a consumer shows one line for it, not two.
#[tokio::test]
async fn the_echo_of_our_own_message_carries_its_id() {
    let server = start_classic(0);
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let (ann, mut ev) = Client::new(config(dir.path()));
    ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
    let first = ann.send(&url, "lobby", "same words").await.unwrap();
    let second = ann.send(&url, "lobby", "same words").await.unwrap();
    let mut echoes = Vec::new();
    while echoes.len() < 2 {
        let (e, _) = wait_for(&mut ev, 5, |e| matches!(e, ClientEvent::Message { system: false, .. })).await;
        if let ClientEvent::Message { id, mine, text, .. } = e {
            assert!(mine, "our own message");
            assert_eq!(text, "same words");
            echoes.push(id);
        }
    }
    assert_eq!(echoes, vec![Some(first), Some(second)], "each echo is its own send");
}

/// A classic server's outcome when the ack never comes: a message the server broadcast back
/// to us is delivered (retrying would post it twice); one it never showed is failed, and a
/// retry delivers it. The hostile Node server plays both.
#[tokio::test]
async fn without_an_ack_the_echo_decides_between_delivered_and_failed() {
    let server = start_hostile();
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    c.request_timeout = Duration::from_secs(2);
    let (ann, mut ev) = Client::new(c);
    ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
    let outcome = |ev: &ClientEvent, want: &str| matches!(ev, ClientEvent::Ack { id, .. } if id == want);

    let echoed = ann.send(&url, "lobby", "echo-no-ack: hello").await.unwrap();
    let (e, _) = wait_for(&mut ev, 15, |e| outcome(e, &echoed)).await;
    assert!(matches!(e, ClientEvent::Ack { status: AckStatus::Delivered, .. }), "{e:?}");

    wait_for(&mut ev, 15, |e| matches!(e, ClientEvent::Joined { rejoin: true, .. })).await;
    let lost = ann.send(&url, "lobby", "swallow-once: anyone?").await.unwrap();
    let (e, _) = wait_for(&mut ev, 15, |e| outcome(e, &lost)).await;
    match e {
        ClientEvent::Ack { status: AckStatus::Failed, reason: Some(reason), .. } => {
            assert_eq!(reason, "no answer from the server within 2 s; it may not have got it")
        }
        other => panic!("{other:?}"),
    }
    wait_for(&mut ev, 15, |e| matches!(e, ClientEvent::Joined { rejoin: true, .. })).await;
    ann.retry(&url, "lobby", &lost).await.unwrap();
    let (e, _) = wait_for(&mut ev, 15, |e| outcome(e, &lost)).await;
    assert!(matches!(e, ClientEvent::Ack { status: AckStatus::Delivered, .. }), "{e:?}");
}
