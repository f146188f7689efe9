//! Shared locations (`Client::send_location`) against the real `banter-server` binary and
//! the classic Node tutorial server: delivered, seen by peers as locations (a Banter client,
//! a classic socket), refused before anything is sent when out of range or not a number,
//! deduplicated and re-sent from the outbox across a client restart.

mod support;

use std::time::Duration;

use banter_client::{AckStatus, Client, ClientEvent, EventStream, JoinOptions, ServerKind};
use support::*;

const PARIS_URL: &str = "https://google.com/maps?q=48.8566,2.3522";

/// Every out-of-range or non-finite pair is refused with `invalid_location`, and nothing is
/// queued (no `pending` event, nothing unresolved).
async fn refuses_bad_coordinates(c: &Client, ev: &mut EventStream, url: &str, room: &str) {
    for (lat, lon) in [
        (90.0001, 0.0),
        (-91.0, 10.0),
        (0.0, 180.5),
        (0.0, -181.0),
        (f64::NAN, 1.0),
        (1.0, f64::NAN),
        (f64::INFINITY, 0.0),
        (0.0, f64::NEG_INFINITY),
    ] {
        let e = c.send_location(url, room, lat, lon).await.unwrap_err();
        assert_eq!(e.code(), "invalid_location", "{lat},{lon}: {e}");
        assert!(e.to_string().starts_with("invalid location: the "), "{e}");
    }
    let e = c.send_location(url, room, 91.0, 0.0).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid location: the latitude 91 is out of range (it must be from -90 to 90)"
    );
    assert_eq!(c.unresolved(), 0);
    let after = drain(ev, 200).await;
    assert!(
        !after.iter().any(|e| matches!(e, ClientEvent::Pending { .. } | ClientEvent::Ack { .. })),
        "{after:?}"
    );
}

/// The outcome of message `id`.
async fn outcome(ev: &mut EventStream, id: &str) -> (AckStatus, Option<String>, Option<u64>) {
    let (e, _) = wait_for(ev, 10, |e| matches!(e, ClientEvent::Ack { id: i, .. } if i == id)).await;
    match e {
        ClientEvent::Ack { status, reason, seq, .. } => (status, reason, seq),
        _ => unreachable!(),
    }
}

/// The next non-system message: (id, username, kind, text, mine, history).
async fn next_message(
    ev: &mut EventStream,
) -> (Option<String>, String, String, String, bool, bool) {
    let (e, _) = wait_for(ev, 10, |e| matches!(e, ClientEvent::Message { system: false, .. })).await;
    match e {
        ClientEvent::Message { id, username, kind, text, mine, history, .. } => {
            (id, username, kind, text, mine, history)
        }
        _ => unreachable!(),
    }
}

/// A classic (tutorial-style) socket in `room`: joins without the `banter` field and
/// forwards every `locationMessage` it gets.
async fn classic_peer(
    url: &str,
    room: &str,
    name: &str,
) -> (rust_socketio::asynchronous::Client, tokio::sync::mpsc::UnboundedReceiver<serde_json::Value>) {
    use futures_util::FutureExt;
    use rust_socketio::asynchronous::ClientBuilder;
    use rust_socketio::Payload;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (joined_tx, mut joined_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (connected_tx, mut connected_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let sock = ClientBuilder::new(format!("{url}/"))
        // connect() returns before the server confirmed: a join emitted at once may be lost
        .on(rust_socketio::Event::Connect, move |_, _| {
            let _ = connected_tx.send(());
            async {}.boxed()
        })
        .on("locationMessage", move |p: Payload, _| {
            if let Payload::Text(v) = p {
                let _ = tx.send(v.into_iter().next().unwrap_or_default());
            }
            async {}.boxed()
        })
        .on("roomData", move |_, _| {
            let _ = joined_tx.send(());
            async {}.boxed()
        })
        .connect()
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), connected_rx.recv())
        .await
        .expect("the classic peer connected")
        .unwrap();
    sock.emit("join", serde_json::json!({"username": name, "room": room}))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), joined_rx.recv())
        .await
        .expect("the classic peer joined")
        .unwrap();
    (sock, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locations_on_a_banter_server() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let (da, db_) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ann, mut ann_ev) = Client::new(config(da.path()));
    let (bob, mut bob_ev) = Client::new(config(db_.path()));
    let info = ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
    assert_eq!(info.kind, ServerKind::Banter);
    assert!(info.features.iter().any(|f| f == "location"), "{:?}", info.features);
    bob.join(JoinOptions::new(&url, "lobby", "bob")).await.unwrap();
    let (_sock, mut classic_rx) = classic_peer(&url, "lobby", "cleo").await;

    refuses_bad_coordinates(&ann, &mut ann_ev, &url, "lobby").await;

    let id = ann.send_location(&url, "lobby", 48.8566, 2.3522).await.unwrap();
    assert!(banter_protocol::rules::check_message_id(&id).is_ok());
    // seq 1: none of the refused ones reached the server
    assert_eq!(outcome(&mut ann_ev, &id).await, (AckStatus::Delivered, None, Some(1)));
    assert_eq!(
        next_message(&mut bob_ev).await,
        (Some(id.clone()), "ann".into(), "location".into(), PARIS_URL.into(), false, false)
    );
    // the classic socket in the same room gets the classic event
    let m = tokio::time::timeout(Duration::from_secs(10), classic_rx.recv()).await.unwrap().unwrap();
    assert_eq!((m["username"].as_str(), m["url"].as_str()), (Some("ann"), Some(PARIS_URL)));
    assert!(m["createdAt"].as_i64().is_some(), "{m}");

    // A late joiner finds it in the history, still a location.
    let dc = tempfile::tempdir().unwrap();
    let (dan, mut dan_ev) = Client::new(config(dc.path()));
    dan.join(JoinOptions::new(&url, "lobby", "dan")).await.unwrap();
    assert_eq!(
        next_message(&mut dan_ev).await,
        (Some(id.clone()), "ann".into(), "location".into(), PARIS_URL.into(), false, true)
    );
    // Not joined: a clear error, not a panic.
    assert_eq!(ann.send_location(&url, "elsewhere", 1.0, 2.0).await.unwrap_err().code(), "not_joined");
}

/// A location queued while the server is down, by a client that is then dropped, is
/// delivered by the next client on the same data dir: once, with the same id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_location_survives_a_client_restart() {
    let db = tempfile::tempdir().unwrap();
    let mut server = start_banter(db.path(), 0, None);
    let (port, url) = (server.port, server.url());
    let data = tempfile::tempdir().unwrap();
    let id = {
        let (c, mut ev) = Client::new(config(data.path()));
        c.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
        server.kill();
        wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Reconnecting { .. })).await;
        let id = c.send_location(&url, "lobby", -33.8568, 151.2153).await.unwrap();
        assert_eq!(c.unresolved(), 1);
        id
    };
    let _server2 = start_banter(db.path(), port, None);
    let dw = tempfile::tempdir().unwrap();
    let (watcher, mut w_ev) = Client::new(config(dw.path()));
    watcher.join(JoinOptions::new(&url, "lobby", "bob")).await.unwrap();
    let (c, mut ev) = Client::new(config(data.path()));
    c.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
    assert_eq!(outcome(&mut ev, &id).await.0, AckStatus::Delivered);
    let url_text = "https://google.com/maps?q=-33.8568,151.2153";
    assert_eq!(
        next_message(&mut w_ev).await,
        (Some(id.clone()), "ann".into(), "location".into(), url_text.into(), false, false)
    );
    let later = drain(&mut w_ev, 500).await;
    assert!(texts(&later, "lobby").is_empty(), "shown once: {later:?}");
}

#[tokio::test]
async fn locations_on_a_classic_server() {
    let server = start_classic(0);
    let url = server.url();
    let (da, db_) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ann, mut ann_ev) = Client::new(config(da.path()));
    let (bob, mut bob_ev) = Client::new(config(db_.path()));
    assert_eq!(ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap().kind, ServerKind::Classic);
    bob.join(JoinOptions::new(&url, "lobby", "bob")).await.unwrap();

    refuses_bad_coordinates(&ann, &mut ann_ev, &url, "lobby").await;

    let id = ann.send_location(&url, "lobby", 48.8566, 2.3522).await.unwrap();
    // our own locationMessage comes back first, carrying the id of the send
    assert_eq!(
        next_message(&mut ann_ev).await,
        (Some(id.clone()), "ann".into(), "location".into(), PARIS_URL.into(), true, false)
    );
    assert_eq!(outcome(&mut ann_ev, &id).await, (AckStatus::Delivered, None, None));
    assert_eq!(
        next_message(&mut bob_ev).await,
        (None, "ann".into(), "location".into(), PARIS_URL.into(), false, false)
    );

    // Node writes tiny numbers and -0 its own way (1e-7, 0): the echo is still recognised.
    let id2 = ann.send_location(&url, "lobby", 1e-7, -0.0).await.unwrap();
    let (echo_id, _, kind, text, mine, _) = next_message(&mut ann_ev).await;
    assert_eq!((echo_id.as_deref(), kind.as_str(), mine), (Some(id2.as_str()), "location", true));
    assert_eq!(text, "https://google.com/maps?q=1e-7,0");
    assert_eq!(outcome(&mut ann_ev, &id2).await.0, AckStatus::Delivered);
    // nothing else reached bob: the refused ones were never sent
    let (_, _, _, text, _, _) = next_message(&mut bob_ev).await;
    assert_eq!(text, "https://google.com/maps?q=1e-7,0");
    let later = drain(&mut bob_ev, 300).await;
    assert!(texts(&later, "lobby").is_empty(), "{later:?}");
    assert_eq!(ann.unresolved(), 0);
}
