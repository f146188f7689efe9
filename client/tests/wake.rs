//! `Client::reconnect_now` (after a sleep or a network change) against the real
//! `banter-server`: connections are made again at once, not after a dead socket's ping
//! timeout or the reconnection backoff, and nothing is lost or shown twice.

mod support;

use std::time::{Duration, Instant};

use banter_client::{Client, ClientEvent, JoinOptions};
use support::*;

/// A client whose backoff is long: a reconnect that waited for it would take 3 s or more.
fn slow_backoff(dir: &std::path::Path) -> banter_client::ClientConfig {
    let mut c = config(dir);
    c.reconnect_min = Duration::from_secs(6);
    c.reconnect_max = Duration::from_secs(6);
    c
}

fn rejoins(events: &[ClientEvent]) -> usize {
    events.iter().filter(|e| matches!(e, ClientEvent::Joined { rejoin: true, .. })).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waking_up_reconnects_every_room_at_once_over_one_connection() {
    let db = tempfile::tempdir().unwrap();
    let mut server = start_banter(db.path(), 0, None);
    let (port, url) = (server.port, server.url());
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ann, mut ev) = Client::new(slow_backoff(d1.path()));
    let (bob, mut bob_ev) = Client::new(config(d2.path()));
    let rooms = ["one", "two", "three"];
    for r in rooms {
        ann.join(JoinOptions::new(&url, r, "ann")).await.unwrap();
        bob.join(JoinOptions::new(&url, r, "bob")).await.unwrap();
    }
    drain(&mut ev, 300).await;

    // Awake with a healthy connection: made again at once, all three re-joined.
    let t0 = Instant::now();
    ann.reconnect_now("woke from sleep");
    let mut seen = Vec::new();
    while rejoins(&seen) < 3 && t0.elapsed() < Duration::from_secs(5) {
        seen.extend(drain(&mut ev, 20).await);
    }
    let took = t0.elapsed();
    assert_eq!(rejoins(&seen), 3, "{seen:#?}");
    assert!(took < Duration::from_millis(1500), "re-joined in {took:?}, not after the 6 s backoff");
    assert!(seen.iter().any(|e| matches!(e, ClientEvent::Reconnecting { reason, delay_ms: 0, .. } if reason == "woke from sleep")), "{seen:#?}");
    assert_eq!(ann.connections(), 1);

    // The server goes away; the rooms wait out their 6 s backoff. It comes back, a message
    // is written meanwhile, and the network-change call makes them try at once.
    server.kill();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut waiting = Vec::new();
    while !waiting.iter().any(|e| matches!(e, ClientEvent::Reconnecting { delay_ms, .. } if *delay_ms >= 3000)) && Instant::now() < deadline {
        waiting.extend(drain(&mut ev, 50).await);
    }
    assert!(waiting.iter().any(|e| matches!(e, ClientEvent::Reconnecting { delay_ms, .. } if *delay_ms >= 3000)), "{waiting:#?}");
    let _server2 = start_banter(db.path(), port, None);
    // bob (short backoff) is back first and writes in room two
    wait_for(&mut bob_ev, 15, |e| matches!(e, ClientEvent::Joined { room, rejoin: true, .. } if room == "two")).await;
    let id = bob.send(&url, "two", "while you were asleep").await.unwrap();
    wait_for(&mut bob_ev, 10, |e| matches!(e, ClientEvent::Ack { id: a, .. } if *a == id)).await;
    let t0 = Instant::now();
    ann.reconnect_now("the network changed");
    let mut back = Vec::new();
    while (rejoins(&back) < 3 || !back.iter().any(|e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == id))) && t0.elapsed() < Duration::from_secs(5) {
        back.extend(drain(&mut ev, 20).await);
    }
    let took = t0.elapsed();
    assert_eq!(rejoins(&back), 3, "{back:#?}");
    assert!(took < Duration::from_millis(1500), "re-joined in {took:?}, not after the backoff");
    let copies = back.iter().filter(|e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == id)).count();
    assert_eq!(copies, 1, "the message written meanwhile is caught up once");
    assert_eq!(ann.connections(), 1);
}

/// After a server restart the first room to reconnect reopens the shared connection and the
/// others, still waiting out their own backoff, come with it: one round of re-joins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_every_room_rejoins_in_one_round() {
    let db = tempfile::tempdir().unwrap();
    let mut server = start_banter(db.path(), 0, None);
    let (port, url) = (server.port, server.url());
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    // each room waits 5 to 10 s (jitter) before its first try: spread over 5 s by themselves
    c.reconnect_min = Duration::from_secs(10);
    c.reconnect_max = Duration::from_secs(10);
    let (ann, mut ev) = Client::new(c);
    let rooms = ["a", "b", "c", "d", "e"];
    for r in rooms {
        ann.join(JoinOptions::new(&url, r, "ann")).await.unwrap();
    }
    drain(&mut ev, 200).await;
    server.kill();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.iter().filter(|e| matches!(e, ClientEvent::Reconnecting { .. })).count() < rooms.len() && Instant::now() < deadline {
        seen.extend(drain(&mut ev, 50).await);
    }
    let delays: Vec<u64> = seen.iter().filter_map(|e| match e { ClientEvent::Reconnecting { delay_ms, .. } => Some(*delay_ms), _ => None }).collect();
    assert_eq!(delays.len(), rooms.len(), "{seen:#?}");
    let _server2 = start_banter(db.path(), port, None);
    let mut at = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    while at.len() < rooms.len() && Instant::now() < deadline {
        for e in drain(&mut ev, 20).await {
            if matches!(e, ClientEvent::Joined { rejoin: true, .. }) {
                at.push(Instant::now());
            }
        }
    }
    assert_eq!(at.len(), rooms.len(), "all re-joined");
    let spread = *at.last().unwrap() - at[0];
    assert!(spread < Duration::from_millis(700), "re-joins spread over {spread:?} (backoffs {delays:?} ms)");
    assert_eq!(ann.connections(), 1);
}
