//! `banter-cli chat` on the chat tutorial as it runs in the wild: the classic server on
//! socket.io 2.2.0 (Engine.IO v3, where the client must send the pings), with 400 ms
//! heartbeats so a client that does not ping is dropped within 0.8 s.

#[path = "../../client/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

const BIN: &str = env!("CARGO_BIN_EXE_banter-cli");

#[test]
fn chat_holds_a_session_on_a_socketio_2_server() {
    let server = start_classic_v2("socket.io-v2.2", false, 0);
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["chat", "--server", &server.url(), "--name", "ann", "--room", "lobby", "--json", "--data-dir"])
        .arg(data.path())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = lines.clone();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                sink.lock().unwrap().push(v);
            }
        }
    });
    let wait = |what: &str, pred: &dyn Fn(&[Value]) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let l = lines.lock().unwrap().clone();
            if pred(&l) {
                return l;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; lines: {l:#?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait("joined", &|l| l.iter().any(|v| v["type"] == "joined"));

    // 10 heartbeats: 5 times the window after which a silent client is dropped
    std::thread::sleep(Duration::from_millis(10 * PING_MS));
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "still here").unwrap();
    writeln!(stdin, "/location 48.8566,2.3522").unwrap();
    let seen = wait("two deliveries", &|l| l.iter().filter(|v| v["type"] == "ack" && v["status"] == "delivered").count() == 2);
    let reconnects: Vec<&Value> = seen.iter().filter(|v| v["type"] == "reconnecting" || (v["type"] == "joined" && v["rejoin"] == true)).collect();
    assert!(reconnects.is_empty(), "banter-cli reconnected: {reconnects:#?}");
    assert!(
        seen.iter().any(|v| v["type"] == "message" && v["kind"] == "location" && v["text"] == "https://google.com/maps?q=48.8566,2.3522"),
        "the location came back from the room: {seen:#?}"
    );
    let (connects, disconnects) = server.engine_log();
    assert_eq!((connects.len(), disconnects.len()), (1, 0), "{connects:?} {disconnects:?}");

    drop(stdin); // end of input: it leaves and exits 0
    let output = wait_output(child, 30);
    assert!(output.status.success(), "{output:?}");
    std::thread::sleep(Duration::from_millis(200));
    let (connects, disconnects) = server.engine_log();
    assert_eq!((connects.len(), disconnects.len()), (1, 1), "{connects:?} {disconnects:?}");
}
