//! A client that dies must not leave its name behind in a room: banter-cli (a separate
//! process, so it can be SIGKILLed) against the banter-server binary on loopback.

#[path = "../../client/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use banter_client::{Client, JoinOptions};
use support::*;

/// Starts `banter-cli chat` and returns once it has joined `room`.
fn chat(url: &str, name: &str, room: &str, data: &std::path::Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_banter-cli"))
        .args(["chat", "--server", url, "--name", name, "--room", room, "--data-dir"])
        .arg(data)
        .stdin(Stdio::piped()) // held open: the chat runs until killed
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start banter-cli");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let joined = format!("* joined {room} as {name}");
    loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with(&joined) => break,
            Some(Ok(_)) => {}
            other => panic!("banter-cli ended before joining: {other:?}"),
        }
    }
    // keep reading so the chat never blocks on a full pipe
    std::thread::spawn(move || lines.for_each(drop));
    child
}

/// Waits until the server counts `n` connections (its /healthz) and returns that report.
fn connections(port: u16, n: u64) -> serde_json::Value {
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        let health = get_json(port, "/healthz");
        if health["connections"] == n {
            return health;
        }
        assert!(Instant::now() < until, "waited for {n} connections: {health}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every (re)connection is a WebSocket, even across eight restarts of the server: a
/// long-polling client's death is only noticed at the server's ping timeout (tens of
/// seconds), and until then its name stays taken. rust_engineio's default transport fell
/// back to long-polling in 1 of 16 such reconnects.
#[tokio::test]
async fn a_killed_client_frees_its_name_at_once_even_after_server_restarts() {
    let db = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut server = start_banter(db.path(), 0, None);
    let port = server.port;
    let url = server.url();
    let mut ghost = chat(&url, "ghost", "lobby", data.path());
    let health = connections(port, 1);
    assert_eq!(health["pollingConnections"], 0, "{health}");
    // down for a varying while, so that reconnect attempts meet a server that is down,
    // starting, or up
    for down_ms in [0, 90, 170, 260, 330, 450, 520, 610] {
        server.kill();
        std::thread::sleep(Duration::from_millis(down_ms));
        server = start_banter(db.path(), port, None);
        let health = connections(port, 1);
        assert_eq!(health["pollingConnections"], 0, "a reconnect stayed on long-polling: {health}");
    }
    // The client process dies without a word; its name is free as soon as the server
    // reads the closed socket, not a ping timeout later.
    let _ = ghost.kill();
    let _ = ghost.wait();
    let (me, _events) = Client::new(config(data.path()));
    let started = Instant::now();
    let joined = loop {
        match me.join(JoinOptions::new(&url, "lobby", "ghost")).await {
            Ok(info) => break info,
            Err(e) if started.elapsed() < Duration::from_secs(3) => {
                assert!(e.code() == "join_refused" && e.to_string().contains("in use"), "{e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("name still taken {:?} after the client died: {e}", started.elapsed()),
        }
    };
    assert_eq!(joined.username, "ghost");
    drop(server);
}
