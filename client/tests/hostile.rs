//! banter-client against a hostile Socket.IO server (client/tests/support/hostile-server.cjs,
//! on the official `socket.io`): wrong types, missing fields, huge strings, an unknown-event
//! flood, 10,000 events in one burst. Never a panic, always an `error` event, and the
//! connection stays usable.

mod support;

use std::time::{Duration, Instant};

use banter_client::{AckStatus, Client, ClientEvent, EventStream, JoinOptions};
use support::*;

/// Sends `text` and collects events until its ack, then a little more.
async fn provoke(
    c: &Client,
    ev: &mut EventStream,
    url: &str,
    text: &str,
) -> (Vec<ClientEvent>, AckStatus) {
    let id = c.send(url, "lobby", text).await.unwrap();
    let (ack, mut before) = wait_for(
        ev,
        30,
        |e| matches!(e, ClientEvent::Ack { id: i, .. } if *i == id),
    )
    .await;
    before.extend(drain(ev, 1500).await);
    let status = match ack {
        ClientEvent::Ack { status, .. } => status,
        _ => unreachable!(),
    };
    (before, status)
}

fn errors(events: &[ClientEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Error { code, message, .. } => {
                Some(format!("{code}: {}", &message[..message.len().min(120)]))
            }
            _ => None,
        })
        .collect()
}

/// After each attack the same connection still delivers an ordinary message.
async fn still_usable(c: &Client, ev: &mut EventStream, url: &str, n: usize) {
    let (events, status) = provoke(c, ev, url, &format!("still here {n}")).await;
    assert_eq!(status, AckStatus::Delivered);
    assert!(
        texts(&events, "lobby").contains(&format!("still here {n}")),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ClientEvent::Reconnecting { .. })),
        "the connection dropped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_server_never_breaks_the_client() {
    let server = start_hostile();
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let (c, mut ev) = Client::new(config(dir.path()));
    c.join(JoinOptions::new(&url, "lobby", "ann"))
        .await
        .unwrap();

    let (events, _) = provoke(&c, &mut ev, &url, "wrong-types").await;
    let errs = errors(&events);
    println!("wrong-types: {} error events", errs.len());
    assert!(errs.len() >= 10, "{errs:#?}");
    assert!(errs.iter().all(|e| e.starts_with("protocol")), "{errs:#?}");
    still_usable(&c, &mut ev, &url, 1).await;

    let (events, _) = provoke(&c, &mut ev, &url, "huge").await;
    let errs = errors(&events);
    println!("huge: {} error events: {errs:?}", errs.len());
    assert_eq!(
        errs.len(),
        3,
        "2 MB text, 100 kB name, 100k-member list: {errs:#?}"
    );
    assert!(
        texts(&events, "lobby").is_empty(),
        "oversized messages are not shown"
    );
    still_usable(&c, &mut ev, &url, 2).await;

    let (events, _) = provoke(&c, &mut ev, &url, "flood").await;
    let errs = errors(&events);
    let reported: usize = errs
        .iter()
        .map(|e| {
            if e.contains("unknown event") {
                return 1;
            }
            // The summary: "<n> more errors in this room were not reported one by one…"
            e.strip_prefix("protocol: malformed data from the server: ")
                .and_then(|r| r.split(' ').next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_default()
        })
        .sum();
    println!(
        "flood: 5000 unknown events -> {} error events accounting for {reported}",
        errs.len()
    );
    assert!(
        errs.len() < 200,
        "a flood must not become a flood of events: {}",
        errs.len()
    );
    assert_eq!(
        reported, 5000,
        "every unknown event is accounted for: {errs:#?}"
    );
    still_usable(&c, &mut ev, &url, 3).await;

    let start = Instant::now();
    let (events, _) = provoke(&c, &mut ev, &url, "burst").await;
    let mut got: Vec<String> = texts(&events, "lobby");
    let deadline = Instant::now() + Duration::from_secs(20);
    while got.iter().filter(|t| t.starts_with('b')).count() < 10_000 && Instant::now() < deadline {
        got.extend(texts(&drain(&mut ev, 300).await, "lobby"));
    }
    let burst: Vec<&String> = got.iter().filter(|t| t.starts_with('b')).collect();
    println!(
        "burst: {} of 10000 messages in {:?}",
        burst.len(),
        start.elapsed()
    );
    assert_eq!(burst.len(), 10_000);
    assert!(
        burst
            .iter()
            .enumerate()
            .all(|(i, t)| **t == format!("b{i}")),
        "in order"
    );
    still_usable(&c, &mut ev, &url, 4).await;

    let (events, status) = provoke(&c, &mut ev, &url, "bad-ack").await;
    assert_eq!(status, AckStatus::Failed);
    assert!(
        errors(&events).iter().any(|e| e.contains("send ack")),
        "{events:?}"
    );
    still_usable(&c, &mut ev, &url, 5).await;
}
