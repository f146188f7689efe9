//! `banter-cli chat` end to end, as a separate process, against the Node classic server and
//! the real banter-server.

#[path = "../../client/tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

const BIN: &str = env!("CARGO_BIN_EXE_banter-cli");

fn cli(args: &[&str], data: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("chat").args(args).arg("--data-dir").arg(data);
    // No keyring in these tests: the CLI must tolerate that without a token flag.
    c.env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("TZ", "America/New_York");
    c
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect()
}

fn of_type<'a>(lines: &'a [Value], t: &str) -> Vec<&'a Value> {
    lines.iter().filter(|v| v["type"] == t).collect()
}

/// A long-running `chat` whose stdout lines are collected by a thread.
struct Watcher {
    child: Child,
    lines: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
}

impl Watcher {
    fn start(mut cmd: Command) -> Watcher {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let l2 = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    l2.lock().unwrap().push(v);
                }
            }
        });
        Watcher { child, lines }
    }

    fn wait_until(&self, secs: u64, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let l = self.lines.lock().unwrap().clone();
            if pred(&l) {
                return l;
            }
            assert!(Instant::now() < deadline, "timed out; lines: {l:#?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Closes stdin: the watcher leaves and exits 0.
    fn finish(mut self) -> Output {
        drop(self.child.stdin.take());
        let status = wait_output(self.child, 30);
        assert!(status.status.success(), "{status:?}");
        status
    }
}

#[test]
fn chat_on_a_classic_server_json() {
    let server = start_classic(0);
    let data = tempfile::tempdir().unwrap();
    let watcher = Watcher::start(cli(
        &[
            "--server",
            &server.url(),
            "--name",
            "bob",
            "--room",
            "lobby",
            "--json",
        ],
        data.path(),
    ));
    watcher.wait_until(10, |l| l.iter().any(|v| v["type"] == "joined"));

    let data2 = tempfile::tempdir().unwrap();
    let out = run_with_stdin(
        cli(
            &[
                "--server",
                &server.url(),
                "--name",
                "Ann",
                "--room",
                "lobby",
                "--json",
            ],
            data2.path(),
        ),
        "hello bob\nyou are a shit\n\nlast one\n",
    );
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out);
    for t in ["connected", "joined", "message", "users", "ack"] {
        assert!(!of_type(&lines, t).is_empty(), "no {t} line: {lines:#?}");
    }
    let acks = of_type(&lines, "ack");
    assert_eq!(acks.len(), 3);
    let statuses: Vec<&str> = acks.iter().map(|a| a["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "delivered").count(), 2);
    let refused = acks.iter().find(|a| a["status"] == "refused").unwrap();
    assert_eq!(refused["reason"], "Profanity is not allowed!");
    let msg = of_type(&lines, "message")
        .into_iter()
        .find(|m| m["text"] == "hello bob")
        .unwrap();
    assert_eq!(msg["room"], "lobby");
    assert_eq!(msg["username"], "ann");
    let time = msg["time"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
    assert!(
        time.ends_with("-05:00") || time.ends_with("-04:00"),
        "local zone (TZ=America/New_York): {time}"
    );
    let formatted = msg["time_formatted"].as_str().unwrap();
    assert!(
        formatted.ends_with(" am") || formatted.ends_with(" pm"),
        "{formatted}"
    );

    let seen = watcher.wait_until(10, |l| l.iter().any(|v| v["type"] == "user_left"));
    assert_eq!(of_type(&seen, "user_joined")[0]["username"], "ann");
    assert_eq!(of_type(&seen, "user_left")[0]["username"], "ann");
    let texts: Vec<&str> = of_type(&seen, "message")
        .iter()
        .filter(|m| m["system"] == false)
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, vec!["hello bob", "last one"]);
    watcher.finish();
}

#[test]
fn chat_readable_output_and_several_rooms_on_banter() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let data = tempfile::tempdir().unwrap();
    let out = run_with_stdin(
        cli(
            &[
                "--server",
                &server.url(),
                "--name",
                "ann",
                "--room",
                "one",
                "--room",
                "two",
            ],
            data.path(),
        ),
        "hi all\n",
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("#one [") && text.contains("] ann: hi all"),
        "{text}"
    );
    assert!(
        text.contains("#two * joined two as ann (Banter server)"),
        "{text}"
    );
    assert!(
        !text.contains("#two ["),
        "the line went to the first room only: {text}"
    );
}

#[test]
fn cannot_connect_or_join_refused_exit_non_zero_with_one_line() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let data = tempfile::tempdir().unwrap();
    let out = run_with_stdin(
        cli(
            &[
                "--server",
                &format!("http://127.0.0.1:{port}"),
                "--name",
                "a",
                "--room",
                "r",
            ],
            data.path(),
        ),
        "x\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        err.trim_end(),
        format!("banter-cli: Nothing is listening at 127.0.0.1:{port} (the connection was refused)")
    );

    let server = start_classic(0);
    let w = Watcher::start(cli(
        &[
            "--server",
            &server.url(),
            "--name",
            "ann",
            "--room",
            "r",
            "--json",
        ],
        data.path(),
    ));
    w.wait_until(10, |l| l.iter().any(|v| v["type"] == "joined"));
    let data2 = tempfile::tempdir().unwrap();
    let out = run_with_stdin(
        cli(
            &["--server", &server.url(), "--name", "ann", "--room", "r"],
            data2.path(),
        ),
        "x\n",
    );
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        "banter-cli: joining r refused: Username is in use!"
    );
    w.finish();

    let db = tempfile::tempdir().unwrap();
    let locked = start_banter(db.path(), 0, Some("tok"));
    let out = run_with_stdin(
        cli(
            &["--server", &locked.url(), "--name", "a", "--room", "r"],
            data2.path(),
        ),
        "x\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("requires a valid access token"), "{err}");
    let out = run_with_stdin(
        cli(
            &[
                "--server",
                &locked.url(),
                "--name",
                "a",
                "--room",
                "r",
                "--token",
                "tok",
            ],
            data2.path(),
        ),
        "x\n",
    );
    assert!(out.status.success(), "{out:?}");
}

fn history(url: &str, room: &str) -> HashMap<String, usize> {
    let out = Command::new("node")
        .arg(repo_root().join("cli/tests/support/history.cjs"))
        .args([url, room])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut m = HashMap::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        *m.entry(v["text"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    m
}

/// The CLI is killed (SIGKILL) in the middle of a burst and started again on the same data
/// dir with nothing on stdin: it re-sends its outbox with the same ids, and the Banter server
/// shows each message exactly once.
#[test]
fn cli_killed_mid_burst_resends_its_outbox_exactly_once() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let data = tempfile::tempdir().unwrap();
    const N: usize = 400;
    let mut cmd = cli(
        &[
            "--server", &url, "--name", "ann", "--room", "lobby", "--json",
        ],
        data.path(),
    );
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input: String = (0..N).map(|i| format!("line {i}\n")).collect();
    stdin.write_all(input.as_bytes()).unwrap();
    // Keep stdin open; kill once some are acknowledged.
    let out = child.stdout.take().unwrap();
    let mut acked = 0;
    let mut reader = BufReader::new(out);
    let mut line = String::new();
    while acked < 50 {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "cli ended early");
        if line.contains(r#""type":"ack""#) {
            acked += 1;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = history(&url, "lobby");
    let outbox_lines: usize = std::fs::read_dir(data.path().join("rooms"))
        .unwrap()
        .map(|f| {
            std::fs::read_to_string(f.unwrap().path())
                .unwrap()
                .lines()
                .filter(|l| l.contains(r#""op":"queued""#))
                .count()
        })
        .sum();

    let out = run_with_stdin(
        cli(
            &[
                "--server", &url, "--name", "ann", "--room", "lobby", "--json",
            ],
            data.path(),
        ),
        "",
    );
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out);
    let resent = of_type(&lines, "ack").len();
    let after = history(&url, "lobby");
    let twice = after.values().filter(|n| **n > 1).count();
    println!(
        "cli kill mid-burst: {N} lines, {} in history at the kill, {outbox_lines} queued in the outbox file, \
         {resent} re-sent after restart, history {} distinct / {} rows, {twice} twice",
        before.len(),
        after.len(),
        after.values().sum::<usize>()
    );
    assert!(of_type(&lines, "ack")
        .iter()
        .all(|a| a["status"] == "delivered"));
    assert!(resent > 0, "the restarted CLI re-sent its outbox");
    // Every line the first process had read into its outbox is in the room exactly once.
    assert_eq!(twice, 0);
    for i in 0..outbox_lines {
        assert_eq!(after.get(&format!("line {i}")), Some(&1), "line {i}");
    }
    assert_eq!(after.len(), outbox_lines);
}

/// `/location LAT,LON` on stdin shares a location: a classic socket.io peer (the official
/// `socket.io-client`, tutorial-style) gets it as `locationMessage` with the maps URL; a bad
/// one prints one clear error line and the next line is still sent.
#[test]
fn location_lines_reach_a_classic_peer() {
    let server = start_classic(0);
    let mut node = Command::new("node");
    node.arg(repo_root().join("cli/tests/support/classic-peer.cjs"))
        .args([&server.url(), "lobby", "cleo"])
        .current_dir(repo_root());
    let peer = Watcher::start(node);
    peer.wait_until(10, |l| l.iter().any(|v| v["event"] == "joined"));

    let data = tempfile::tempdir().unwrap();
    let args = ["--server", &server.url(), "--name", "ann", "--room", "lobby"];
    let input = "/location 48.8566,2.3522\n/location abc\n/location 91,0\nafter the bad ones\n";
    let out = run_with_stdin(cli(&[&args[..], &["--json"]].concat(), data.path()), input);
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out);
    let errors = of_type(&lines, "error");
    let codes: Vec<&str> = errors.iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["invalid_location", "invalid_location"], "{lines:#?}");
    let msg = errors[0]["message"].as_str().unwrap();
    assert!(msg.contains("expected LAT,LON") && msg.contains("\"abc\""), "{msg}");
    assert!(errors[1]["message"].as_str().unwrap().contains("latitude 91 is out of range"));
    let acks = of_type(&lines, "ack");
    assert_eq!(acks.len(), 2, "the location and the text: {lines:#?}");
    assert!(acks.iter().all(|a| a["status"] == "delivered"), "{acks:#?}");
    let own = of_type(&lines, "message")
        .into_iter()
        .find(|m| m["kind"] == "location")
        .cloned()
        .unwrap();
    assert_eq!(own["text"], "https://google.com/maps?q=48.8566,2.3522");
    assert_eq!(own["mine"], true);

    let seen = peer.wait_until(10, |l| {
        l.iter().any(|v| v["event"] == "message" && v["text"] == "after the bad ones")
    });
    let locations: Vec<&Value> = seen.iter().filter(|v| v["event"] == "locationMessage").collect();
    assert_eq!(locations.len(), 1, "{seen:#?}");
    assert_eq!(locations[0]["username"], "ann");
    assert_eq!(locations[0]["url"], "https://google.com/maps?q=48.8566,2.3522");
    assert!(locations[0]["createdAt"].as_i64().is_some());
    let texts: Vec<&str> = seen
        .iter()
        .filter(|v| v["event"] == "message" && v["username"] == "ann")
        .map(|v| v["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["after the bad ones"], "nothing else was sent");
    peer.finish();

    // The readable form says what it is.
    let data2 = tempfile::tempdir().unwrap();
    let out = run_with_stdin(cli(&args, data2.path()), "/location -33.8568,151.2153\n/location\n");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("] ann shared a location: https://google.com/maps?q=-33.8568,151.2153"),
        "{text}"
    );
    assert!(text.contains("! error (invalid_location): invalid location: expected LAT,LON"), "{text}");
}
