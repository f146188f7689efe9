//! One connection per Banter server (issue 8 item 8), against the real `banter-server`
//! binary: an account in 20 rooms and 5 DMs holds exactly one WebSocket, counted on the
//! server (`/healthz`), and a server restart restores all 25 over one new connection with
//! every message shown once and no seq skipped. A classic server still gets one socket per
//! room (its protocol holds one room per socket).

mod support;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use banter_client::{Client, ClientEvent, DmOptions, JoinOptions, ServerAccess, ServerKind, SessionToken};
use support::*;

const PW: &str = "correct horse battery";

/// The server's count of open Socket.IO connections once it has settled at `want` (the
/// short-lived connections of sign-ins and DM look-ups close on their own), or what it
/// was at the deadline.
async fn server_connections(port: u16, want: u64) -> u64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let n = get_json(port, "/healthz")["connections"].as_u64().unwrap_or(u64::MAX);
        if n == want || tokio::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn register(url: &str, name: &str) -> SessionToken {
    let dir = tempfile::tempdir().unwrap();
    let (c, _ev) = Client::new(config(dir.path()));
    c.register(&ServerAccess::new(url), name, PW, None, Some("test")).await.unwrap().token
}

/// Every `message` event per conversation: (seq, id) in arrival order.
fn messages_by_room(events: &[ClientEvent]) -> HashMap<String, Vec<(u64, String)>> {
    let mut by = HashMap::<String, Vec<(u64, String)>>::new();
    for e in events {
        if let ClientEvent::Message { room, seq: Some(seq), id: Some(id), .. } = e {
            by.entry(room.clone()).or_default().push((*seq, id.clone()));
        }
    }
    by
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_rooms_and_five_dms_share_one_connection_across_a_server_restart() {
    let db = tempfile::tempdir().unwrap();
    let mut server = start_banter(db.path(), 0, None);
    let (port, url) = (server.port, server.url());
    let friends = ["bea", "cal", "dee", "eve", "fay"];
    for f in friends {
        register(&url, f).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ann, mut ev) = Client::new(config(dir.path()));
    let session = ann.register(&ServerAccess::new(&url), "ann", PW, None, Some("laptop")).await.unwrap().token;

    let rooms: Vec<String> = (0..20).map(|i| format!("room-{i:02}")).collect();
    for r in &rooms {
        let info = ann.join(JoinOptions::new(&url, r, "ann").session(Some(session.clone()))).await.unwrap();
        assert_eq!(info.kind, ServerKind::Banter);
    }
    let mut conversations = rooms.clone();
    for f in friends {
        let dm = ann.open_dm(DmOptions::with(&url, Some(session.clone()), &[f])).await.unwrap();
        conversations.push(dm.dm);
    }
    assert_eq!(ann.rooms().len(), 25);
    assert_eq!(ann.connections(), 1, "the client holds one connection");
    assert_eq!(server_connections(port, 1).await, 1, "the server sees one socket for 25 conversations");

    // One message in each, acknowledged; then the server goes down and one more is written
    // in each while it is down.
    let mut sent: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in &conversations {
        let id = ann.send(&url, c, &format!("before, in {c}")).await.unwrap();
        sent.entry(c.clone()).or_default().push(id);
    }
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while seen.iter().filter(|e| matches!(e, ClientEvent::Ack { .. })).count() < 25 && tokio::time::Instant::now() < deadline {
        seen.extend(drain(&mut ev, 100).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // the server's batched commit
    server.kill();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.iter().any(|e| matches!(e, ClientEvent::Reconnecting { .. })) && tokio::time::Instant::now() < deadline {
        seen.extend(drain(&mut ev, 100).await);
    }
    for c in &conversations {
        let id = ann.send(&url, c, &format!("while down, in {c}")).await.unwrap();
        sent.get_mut(c).unwrap().push(id);
    }
    let _server2 = start_banter(db.path(), port, None);

    // All 25 re-join (once each) and every message is acknowledged, over one connection.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    let rejoined = |seen: &[ClientEvent]| seen.iter().filter(|e| matches!(e, ClientEvent::Joined { rejoin: true, .. })).count();
    let acked = |seen: &[ClientEvent]| seen.iter().filter(|e| matches!(e, ClientEvent::Ack { .. })).count();
    while (rejoined(&seen) < 25 || acked(&seen) < 50) && tokio::time::Instant::now() < deadline {
        seen.extend(drain(&mut ev, 100).await);
    }
    seen.extend(drain(&mut ev, 1000).await);
    assert_eq!(rejoined(&seen), 25, "each conversation re-joined once");
    assert_eq!(acked(&seen), 50);
    assert!(
        seen.iter().all(|e| !matches!(e, ClientEvent::Ack { status, .. } if *status != banter_client::AckStatus::Delivered)),
        "every message delivered"
    );
    assert_eq!(ann.connections(), 1);
    assert_eq!(server_connections(port, 1).await, 1, "one socket again after the restart");

    // In each conversation: both messages, once each, at seq 1 and 2 (nobody else wrote).
    let by_room = messages_by_room(&seen);
    for c in &conversations {
        let got = by_room.get(c).cloned().unwrap_or_default();
        let want: Vec<(u64, String)> = sent[c].iter().enumerate().map(|(i, id)| (i as u64 + 1, id.clone())).collect();
        assert_eq!(got, want, "{c}: no gap, no duplicate");
    }
    let errors: Vec<_> = seen.iter().filter(|e| matches!(e, ClientEvent::Error { .. })).collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // Leaving one room keeps the others (and the connection); closing all closes it.
    ann.leave(&url, &rooms[0]).await.unwrap();
    let id = ann.send(&url, &rooms[1], "still here").await.unwrap();
    wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Ack { id: a, .. } if *a == id)).await;
    assert_eq!(ann.connections(), 1);
    // Closing a room here (not leaving it) and showing it again: the server still has the
    // socket in it, and joins it again with its snapshot.
    ann.close(&url, &rooms[2]).await.unwrap();
    let again = ann.join(JoinOptions::new(&url, &rooms[2], "ann").session(Some(session.clone()))).await.unwrap();
    assert_eq!(again.latest_seq, Some(2));
    let id = ann.send(&url, &rooms[2], "back").await.unwrap();
    wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Ack { id: a, .. } if *a == id)).await;
    assert_eq!(ann.connections(), 1);
    ann.shutdown().await;
    assert_eq!(ann.connections(), 0);
    assert_eq!(server_connections(port, 0).await, 0, "the last room's close closed the socket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_classic_server_gets_one_socket_per_room() {
    let server = start_classic(0);
    let dir = tempfile::tempdir().unwrap();
    let (ann, _ev) = Client::new(config(dir.path()));
    for r in ["one", "two", "three"] {
        let info = ann.join(JoinOptions::new(&server.url(), r, "ann")).await.unwrap();
        assert_eq!(info.kind, ServerKind::Classic);
    }
    assert_eq!(ann.connections(), 3);
    ann.shutdown().await;
    assert_eq!(ann.connections(), 0);
}
