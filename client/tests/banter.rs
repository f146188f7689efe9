//! banter-client against the real `banter-server` binary: extensions detected and used,
//! faults (server killed mid-burst, client restarted with an outbox), counted.

mod support;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use banter_client::{AckStatus, Client, ClientEvent, JoinOptions, ServerKind};
use support::*;

/// Message ids seen as `message` events in a room (with how often).
fn ids(events: &[ClientEvent], room: &str) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for e in events {
        if let ClientEvent::Message {
            room: r,
            id: Some(id),
            ..
        } = e
        {
            if r == room {
                *m.entry(id.clone()).or_insert(0) += 1;
            }
        }
    }
    m
}

async fn acks_until(
    ev: &mut banter_client::EventStream,
    n: usize,
    secs: u64,
    seen: &mut Vec<ClientEvent>,
) -> HashMap<String, (AckStatus, Option<u64>)> {
    let mut out = HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while out.len() < n {
        let e = match tokio::time::timeout_at(deadline, ev.recv()).await {
            Ok(Some(e)) => e,
            _ => panic!("only {} of {n} outcomes", out.len()),
        };
        if let ClientEvent::Ack {
            id, status, seq, ..
        } = &e
        {
            assert!(
                out.insert(id.clone(), (*status, *seq)).is_none(),
                "two outcomes for {id}"
            );
        }
        seen.push(e);
    }
    out
}

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

/// A server stopped gracefully (SIGTERM: it closes its sockets, sending no DISCONNECT) is
/// noticed at once, the room says it is reconnecting, and it is back when the server is.
/// (rust_socketio ended its stream silently here: Banter's fork reports `Event::Close`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_stopped_gracefully_is_noticed_and_the_room_comes_back() {
    let db = tempfile::tempdir().unwrap();
    let mut server = start_banter(db.path(), 0, None);
    let (port, url) = (server.port, server.url());
    let dir = tempfile::tempdir().unwrap();
    let (client, mut ev) = Client::new(config(dir.path()));
    client.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
    let stopped = std::time::Instant::now();
    server.terminate();
    let (first, _) = wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Reconnecting { .. } | ClientEvent::Disconnected { .. })).await;
    let noticed = stopped.elapsed();
    println!("graceful stop noticed after {} ms: {first:?}", noticed.as_millis());
    assert!(noticed < Duration::from_secs(5), "noticed only after {noticed:?}");
    let _again = start_banter(db.path(), port, None);
    wait_for(&mut ev, 30, |e| matches!(e, ClientEvent::Joined { rejoin: true, .. })).await;
    client.send(&url, "lobby", "back again").await.unwrap();
    wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Ack { status: AckStatus::Delivered, .. })).await;
}

/// The server is killed (SIGKILL) in the middle of a burst and restarted with the same
/// database on the same port. Every message must end up exactly once in the room's history
/// and on every screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_burst_every_message_exactly_once() {
    let db = tempfile::tempdir().unwrap();
    let mut server = start_banter(db.path(), 0, None);
    let port = server.port;
    let url = server.url();
    let (ds, dobs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (sender, mut s_ev) = Client::new(config(ds.path()));
    let (observer, mut o_ev) = Client::new(config(dobs.path()));
    sender
        .join(JoinOptions::new(&url, "lobby", "ann"))
        .await
        .unwrap();
    observer
        .join(JoinOptions::new(&url, "lobby", "obs"))
        .await
        .unwrap();

    const N: usize = 300;
    let mut sent = Vec::new();
    for i in 0..N {
        sent.push(
            sender
                .send(&url, "lobby", &format!("burst {i}"))
                .await
                .unwrap(),
        );
    }
    let mut s_seen = Vec::new();
    // Kill after 60 outcomes.
    acks_until(&mut s_ev, 60, 20, &mut s_seen).await;
    server.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _server2 = start_banter(db.path(), port, None);
    let mut rest = acks_until(&mut s_ev, N - 60, 60, &mut s_seen).await;
    for e in &s_seen {
        if let ClientEvent::Ack {
            id, status, seq, ..
        } = e
        {
            rest.insert(id.clone(), (*status, *seq));
        }
    }
    let delivered = rest
        .values()
        .filter(|(s, _)| *s == AckStatus::Delivered)
        .count();
    let seqs: HashSet<u64> = rest.values().filter_map(|(_, s)| *s).collect();
    // The observer's screen.
    let mut o_seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while ids(&o_seen, "lobby").len() < N && tokio::time::Instant::now() < deadline {
        o_seen.extend(drain(&mut o_ev, 200).await);
    }
    s_seen.extend(drain(&mut s_ev, 300).await);
    let obs = ids(&o_seen, "lobby");
    let own = ids(&s_seen, "lobby");
    // The room's history, from a fresh client.
    let dh = tempfile::tempdir().unwrap();
    let history = fetch_history(&url, dh.path()).await;
    let reconnects = s_seen
        .iter()
        .filter(|e| matches!(e, ClientEvent::Reconnecting { .. }))
        .count();
    println!(
        "server kill mid-burst: sent {N}, delivered {delivered} (distinct seqs {}), sender reconnects {reconnects}, \
         observer screen {} distinct / {} shown, sender screen {} distinct / {} shown, history {} distinct / {} rows",
        seqs.len(),
        obs.len(),
        obs.values().sum::<usize>(),
        own.len(),
        own.values().sum::<usize>(),
        history.len(),
        history.values().sum::<usize>(),
    );
    assert!(reconnects >= 1);
    assert_eq!(delivered, N);
    // Client guarantees, strict: every message delivered once, shown exactly once on both
    // screens (the observer also survives the server reusing a seq), never twice in history.
    for id in &sent {
        assert_eq!(obs.get(id), Some(&1), "observer: {id}");
        assert_eq!(own.get(id), Some(&1), "sender: {id}");
    }
    assert!(
        history.values().all(|n| *n == 1),
        "a message twice in the history"
    );
    // Server durability: banter-server acknowledges a message only after committing it, so
    // a SIGKILL loses nothing it acknowledged and never hands a seq out twice.
    let lost: Vec<&String> = sent
        .iter()
        .filter(|id| !history.contains_key(*id))
        .collect();
    assert!(lost.is_empty(), "acknowledged messages lost by the server: {lost:?}");
    assert_eq!(seqs.len(), N, "every message has its own seq");
    assert_eq!(history.len(), N);
}

/// Every message of `lobby`, by id, as the server's history holds it.
async fn fetch_history(url: &str, _dir: &std::path::Path) -> HashMap<String, usize> {
    page_all(url).await
}

/// Pages the whole room with `banter:history` through a raw rust_socketio client (the
/// reference for "the room's history"; independent of banter-client's own dedupe).
async fn page_all(url: &str) -> HashMap<String, usize> {
    use futures_util::FutureExt;
    use rust_socketio::asynchronous::ClientBuilder;
    use rust_socketio::Payload;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let sock = ClientBuilder::new(format!("{url}/"))
        .on(rust_socketio::Event::Connect, move |_, _| {
            let _ = tx.send(());
            async {}.boxed()
        })
        .connect()
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap();
    let ask = |event: &'static str, payload: serde_json::Value| {
        let sock = sock.clone();
        async move {
            let (tx, rx) = tokio::sync::oneshot::channel::<serde_json::Value>();
            let tx = std::sync::Mutex::new(Some(tx));
            sock.emit_with_ack(
                event,
                payload,
                Duration::from_secs(10),
                move |p: Payload, _| {
                    if let (Payload::Text(v), Ok(mut g)) = (p, tx.lock()) {
                        if let Some(tx) = g.take() {
                            let _ = tx.send(v.into_iter().next().unwrap_or_default());
                        }
                    }
                    async {}.boxed()
                },
            )
            .await
            .unwrap();
            tokio::time::timeout(Duration::from_secs(10), rx)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let joined = ask(
        "join",
        serde_json::json!({"username": "pager", "room": "lobby", "banter": {"v": 1, "since": 0}}),
    )
    .await;
    let mut counts = HashMap::new();
    let mut add = |msgs: &serde_json::Value| -> u64 {
        let mut last = 0;
        for m in msgs.as_array().unwrap() {
            *counts
                .entry(m["id"].as_str().unwrap().to_owned())
                .or_insert(0) += 1;
            last = m["seq"].as_u64().unwrap();
        }
        last
    };
    let mut since = add(&joined[1]["history"]);
    let mut more = joined[1]["more"].as_bool().unwrap();
    while more {
        let page = ask(
            "banter:history",
            serde_json::json!({"room": "lobby", "since": since, "limit": 500}),
        )
        .await;
        since = add(&page[1]["messages"]);
        more = page[1]["more"].as_bool().unwrap();
    }
    let _ = sock.disconnect().await;
    counts
}

/// A client queues messages while the server is down, is dropped (restart), and a new client
/// on the same data dir delivers them once the server is back: each exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_restarted_with_a_non_empty_outbox() {
    let db = tempfile::tempdir().unwrap();
    let mut server = start_banter(db.path(), 0, None);
    let port = server.port;
    let url = server.url();
    let data = tempfile::tempdir().unwrap();
    let mut ids_sent = Vec::new();
    {
        let (c, mut ev) = Client::new(config(data.path()));
        c.join(JoinOptions::new(&url, "lobby", "ann"))
            .await
            .unwrap();
        for i in 0..5 {
            ids_sent.push(c.send(&url, "lobby", &format!("before {i}")).await.unwrap());
        }
        let mut seen = Vec::new();
        acks_until(&mut ev, 5, 10, &mut seen).await;
        // banter-server acks a send before its batched SQLite commit, so a SIGKILL right
        // after an ack can lose the message (reported). This test is about the *client*
        // restart: give the server's writer a moment before killing it.
        tokio::time::sleep(Duration::from_millis(500)).await;
        server.kill();
        let _ = wait_for(&mut ev, 10, |e| {
            matches!(e, ClientEvent::Reconnecting { .. })
        })
        .await;
        for i in 0..20 {
            ids_sent.push(c.send(&url, "lobby", &format!("queued {i}")).await.unwrap());
        }
        assert_eq!(c.unresolved(), 20);
        // The client "crashes": dropped without leaving.
    }
    let _server2 = start_banter(db.path(), port, None);
    let (c, mut ev) = Client::new(config(data.path()));
    let info = c
        .join(JoinOptions::new(&url, "lobby", "ann"))
        .await
        .unwrap();
    assert_eq!(info.kind, ServerKind::Banter);
    let mut seen = Vec::new();
    let out = acks_until(&mut ev, 20, 20, &mut seen).await;
    assert!(
        out.values().all(|(s, _)| *s == AckStatus::Delivered),
        "{out:?}"
    );
    assert_eq!(c.unresolved(), 0);
    let history = page_all(&url).await;
    println!("client restart with outbox: {} sent, {} queued across the restart, history {} distinct / {} rows",
        ids_sent.len(), 20, history.len(), history.values().sum::<usize>());
    for (i, id) in ids_sent.iter().enumerate() {
        assert_eq!(history.get(id), Some(&1), "message #{i} {id}");
    }
    assert_eq!(history.len(), 25);
}

/// A client that was away while 700 messages were sent catches up on re-join: `since` on the
/// join (500) and a `banter:history` page for the rest; no gap, no duplicate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_after_being_away_pages_history() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let (dw, ds) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    {
        let (w, mut wev) = Client::new(config(dw.path()));
        w.join(JoinOptions::new(&url, "lobby", "watcher"))
            .await
            .unwrap();
        let (s, mut sev) = Client::new(config(ds.path()));
        s.join(JoinOptions::new(&url, "lobby", "ann"))
            .await
            .unwrap();
        s.send(&url, "lobby", "first").await.unwrap();
        let _ = wait_for(&mut wev, 5, |e| matches!(e, ClientEvent::Message { .. })).await;
        tokio::time::sleep(Duration::from_millis(400)).await; // last_seq saved on a tick
        w.leave(&url, "lobby").await.unwrap();
        for i in 0..700 {
            s.send(&url, "lobby", &format!("while away {i}"))
                .await
                .unwrap();
        }
        let mut seen = Vec::new();
        acks_until(&mut sev, 701, 60, &mut seen).await;
    }
    let (w, mut wev) = Client::new(config(dw.path()));
    w.join(JoinOptions::new(&url, "lobby", "watcher"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while ids(&seen, "lobby").len() < 700 && tokio::time::Instant::now() < deadline {
        seen.extend(drain(&mut wev, 200).await);
    }
    seen.extend(drain(&mut wev, 300).await);
    let got = ids(&seen, "lobby");
    let texts = texts(&seen, "lobby");
    println!(
        "catch-up: {} messages shown, {} distinct",
        texts.len(),
        got.len()
    );
    assert_eq!(got.len(), 700);
    assert!(got.values().all(|n| *n == 1));
    assert!(
        !texts.contains(&"first".to_string()),
        "already seen before leaving"
    );
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

/// Re-joining at start-up while the server still holds the previous run's connection under
/// the same name: with `wait_if_in_use` the join waits for the old one to go; without, it
/// is refused at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_waits_for_its_previous_connection_to_go() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (old, _old_ev) = Client::new(config(d1.path()));
    old.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
    let (new, _new_ev) = Client::new(config(d2.path()));
    let refused = new.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap_err();
    assert_eq!(refused.code(), "join_refused", "{refused}");
    let old_goes = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        old.shutdown().await;
    });
    let started = tokio::time::Instant::now();
    let info = new
        .join(JoinOptions::new(&url, "lobby", "ann").wait_if_in_use(Duration::from_secs(20)))
        .await
        .unwrap();
    assert_eq!(info.username, "ann");
    assert!(started.elapsed() >= Duration::from_millis(1000), "it waited for the old one");
    old_goes.await.unwrap();
}

/// Re-joining saved rooms at start-up while the server is still down: with
/// `retry_unreachable` the join waits (reporting `reconnecting`) and succeeds once the server
/// is up; a permanent refusal still fails at once.
#[tokio::test]
async fn a_join_can_wait_for_a_server_that_is_not_up_yet() {
    let db = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let url = format!("http://127.0.0.1:{port}");
    let (ann, mut ev) = Client::new(config(dir.path()));
    let join = tokio::spawn({
        let ann = ann.clone();
        let url = url.clone();
        async move {
            ann.join(JoinOptions::new(&url, "lobby", "ann").retry_unreachable(Duration::from_secs(30)))
                .await
        }
    });
    // it reports that it waits…
    let (e, _) = wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Reconnecting { .. })).await;
    assert!(matches!(e, ClientEvent::Reconnecting { ref room, attempt: 1, .. } if room == "lobby"), "{e:?}");
    assert!(!join.is_finished(), "the join waits");
    // the same room cannot be joined twice meanwhile
    let twice = ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap_err();
    assert_eq!(twice.code(), "already_joined", "{twice}");
    // …and joins once the server is up
    let server = start_banter(db.path(), port, None);
    let info = tokio::time::timeout(Duration::from_secs(20), join).await.expect("joined in time").unwrap().unwrap();
    assert_eq!((info.room.as_str(), info.kind), ("lobby", ServerKind::Banter));

    // a refusal is not waited out: a token server without the token
    let guarded = start_banter(tempfile::tempdir().unwrap().path(), 0, Some("sesame"));
    let started = std::time::Instant::now();
    let err = ann
        .join(JoinOptions::new(&guarded.url(), "lobby", "ann").retry_unreachable(Duration::from_secs(30)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unauthorized", "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(server);
}

/// After a reconnect, the server may still hold our old socket under our name until its
/// ping timeout (a network change or a sleep that the server did not see). A re-join refused
/// as "in use" keeps being tried for `rejoin_in_use_window`, not a fixed number of times:
/// here the name is held for 6 s, longer than the old budget of 8 tries at this backoff.
#[tokio::test]
async fn a_rejoin_waits_while_the_server_still_holds_our_name() {
    let db = tempfile::tempdir().unwrap();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut server = start_banter(db.path(), 0, None);
    let port = server.port;
    let url = server.url();
    let mut slow = config(dir_a.path());
    // re-joins about every 0.25–0.5 s: 8 tries would be over in 2–4 s
    slow.reconnect_min = Duration::from_millis(500);
    slow.reconnect_max = Duration::from_millis(500);
    slow.rejoin_in_use_window = Duration::from_secs(30);
    let (ann, mut ev) = Client::new(slow);
    ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();

    server.kill();
    let _restarted = start_banter(db.path(), port, None);
    // someone takes the name before ann's re-join (as her own dead socket would hold it)
    let (holder, _hev) = Client::new(config(dir_b.path()));
    holder.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
    let held = std::time::Instant::now();
    let (e, _) = wait_for(&mut ev, 10, |e| {
        matches!(e, ClientEvent::Reconnecting { reason, .. } if reason.contains("still holds"))
    })
    .await;
    assert!(matches!(e, ClientEvent::Reconnecting { .. }));
    tokio::time::sleep(Duration::from_secs(6).saturating_sub(held.elapsed())).await;
    holder.leave(&url, "lobby").await.unwrap();

    let (e, seen) = wait_for(&mut ev, 15, |e| matches!(e, ClientEvent::Joined { rejoin: true, .. } | ClientEvent::Disconnected { .. })).await;
    assert!(matches!(e, ClientEvent::Joined { .. }), "re-joined, not given up: {e:?}");
    let refusals = seen.iter().filter(|e| matches!(e, ClientEvent::Reconnecting { reason, .. } if reason.contains("still holds"))).count();
    assert!(refusals > 8, "more tries than the old fixed budget: {refusals}");
    assert!(!seen.iter().any(|e| matches!(e, ClientEvent::Error { .. })), "no error while waiting: {seen:?}");
    let id = ann.send(&url, "lobby", "back").await.unwrap();
    let (e, _) = wait_for(&mut ev, 5, |e| matches!(e, ClientEvent::Ack { .. })).await;
    assert!(matches!(e, ClientEvent::Ack { id: ref got, status: AckStatus::Delivered, .. } if *got == id), "{e:?}");
}
