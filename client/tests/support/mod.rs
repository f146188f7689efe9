//! Test support: real peers (the banter-server binary, the Node classic server, the hostile
//! Node server) on loopback, and helpers to read the event stream.
#![allow(dead_code)]

use std::io::Write;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;
use std::time::Instant;
use std::sync::{Arc, Mutex};

use banter_client::{ClientEvent, EventStream};

/// The repository root (the workspace).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("client/ has a parent")
        .to_owned()
}

/// A child process killed on drop.
pub struct Proc {
    pub child: Child,
    pub port: u16,
}

impl Proc {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills the process hard (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The child's first stdout line; the rest of its stdout is drained so it never blocks.
pub fn first_line(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).expect("read the first line");
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    line
}

/// Starts a Node script from the repository root; it prints `{"port": N}` first.
pub fn start_node(script: &Path, port: u16) -> Proc {
    start_node_env(script, port, &[])
}

/// [`start_node`] with environment variables.
pub fn start_node_env(script: &Path, port: u16, env: &[(&str, &str)]) -> Proc {
    let mut child = Command::new("node")
        .arg(script)
        .arg(port.to_string())
        .envs(env.iter().copied())
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start node");
    let line = first_line(&mut child);
    let v: serde_json::Value = serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("bad first line {line:?}: {e}"));
    let port = v["port"].as_u64().expect("port") as u16;
    Proc { child, port }
}

/// The classic chat-tutorial server on the official Node `socket.io`.
pub fn start_classic(port: u16) -> Proc {
    start_node(
        &repo_root().join("tests/node/support/classic-server.cjs"),
        port,
    )
}

/// The classic server serving long-polling only (no WebSocket), as some deployments do.
pub fn start_classic_polling_only() -> Proc {
    start_node_env(
        &repo_root().join("tests/node/support/classic-server.cjs"),
        0,
        &[("CLASSIC_TRANSPORTS", "polling")],
    )
}

/// GET `path` from a loopback HTTP server on `port` and parse the body as JSON.
pub fn get_json(port: u16, path: &str) -> serde_json::Value {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {response}"))
}

/// The hostile server of `client/tests/support/hostile-server.cjs`.
pub fn start_hostile() -> Proc {
    start_node(
        &repo_root().join("client/tests/support/hostile-server.cjs"),
        0,
    )
}

/// The `banter-server` binary, built on demand.
pub fn banter_server_bin() -> PathBuf {
    // Test binaries live in <target>/debug/deps/.
    let exe = std::env::current_exe().expect("current exe");
    let debug_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .to_owned();
    let bin = debug_dir.join("banter-server");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "banter-server"])
            .current_dir(repo_root())
            .status()
            .expect("run cargo build -p banter-server");
        assert!(status.success(), "cargo build -p banter-server failed");
    }
    assert!(bin.exists(), "no banter-server at {}", bin.display());
    bin
}

/// Starts `banter-server` on `port` (0 = any) with its database in `db_dir`, no rate limit.
pub fn start_banter(db_dir: &Path, port: u16, token: Option<&str>) -> Proc {
    start_banter_limited(db_dir, port, token, 0)
}

/// [`start_banter`] with a rate limit (messages per second per socket; 0 = none).
pub fn start_banter_limited(
    db_dir: &Path,
    port: u16,
    token: Option<&str>,
    rate_limit: u32,
) -> Proc {
    start_banter_with(db_dir, port, token, rate_limit, &[])
}

/// [`start_banter_limited`] with more server flags.
pub fn start_banter_with(
    db_dir: &Path,
    port: u16,
    token: Option<&str>,
    rate_limit: u32,
    extra: &[&str],
) -> Proc {
    let mut cmd = Command::new(banter_server_bin());
    cmd.args(extra);
    cmd.arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--db")
        .arg(db_dir.join("x.db"))
        .arg("--rate-limit")
        .arg(rate_limit.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(t) = token {
        cmd.arg("--token").arg(t);
    }
    // The port may still be held for a moment after a kill: retry.
    for _ in 0..50 {
        let mut child = cmd.spawn().expect("start banter-server");
        let line = first_line(&mut child);
        if let Some(p) = line
            .trim()
            .strip_prefix("banter-server listening on 127.0.0.1:")
        {
            let port = p.parse().expect("port");
            return Proc { child, port };
        }
        let _ = child.kill();
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("banter-server did not start on port {port}");
}

/// Waits for the first event matching `pred`, returning it and everything before it.
pub async fn wait_for(
    events: &mut EventStream,
    secs: u64,
    mut pred: impl FnMut(&ClientEvent) -> bool,
) -> (ClientEvent, Vec<ClientEvent>) {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(e)) => {
                if pred(&e) {
                    return (e, seen);
                }
                seen.push(e);
            }
            Ok(None) => panic!("event stream ended; seen: {seen:#?}"),
            Err(_) => panic!(
                "timed out after {secs} s; last events: {:#?}",
                &seen[seen.len().saturating_sub(15)..]
            ),
        }
    }
}

/// Collects events for `ms` milliseconds.
pub async fn drain(events: &mut EventStream, ms: u64) -> Vec<ClientEvent> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    while let Ok(Some(e)) = tokio::time::timeout_at(deadline, events.recv()).await {
        seen.push(e);
    }
    seen
}

/// Texts of the non-system messages among `events`, for one room.
pub fn texts(events: &[ClientEvent], room: &str) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Message {
                room: r,
                text,
                system: false,
                ..
            } if r == room => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// Message ids seen as `message` events in a room (with how often).
pub fn ids(events: &[ClientEvent], room: &str) -> std::collections::HashMap<String, usize> {
    let mut m = std::collections::HashMap::new();
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

/// Waits for `n` send outcomes (`Ack` events) within `secs`, keeping every event seen; two
/// outcomes for one id fail the test.
pub async fn acks_until(
    ev: &mut EventStream,
    n: usize,
    secs: u64,
    seen: &mut Vec<ClientEvent>,
) -> std::collections::HashMap<String, (banter_client::AckStatus, Option<u64>)> {
    let mut out = std::collections::HashMap::new();
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

/// A fast-failing configuration for tests.
pub fn config(dir: &Path) -> banter_client::ClientConfig {
    let mut c = banter_client::ClientConfig::new(dir);
    c.request_timeout = Duration::from_secs(5);
    c.connect_timeout = Duration::from_secs(5);
    c.reconnect_min = Duration::from_millis(100);
    c.reconnect_max = Duration::from_millis(800);
    c.fsync = false;
    c
}

/// Runs a command with `input` on its stdin and waits (at most 60 s) for its output.
pub fn run_with_stdin(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    wait_output(child, 60)
}

/// Waits for the child (at most `secs`), reading its stdout and stderr meanwhile (a full pipe would block it).
pub fn wait_output(mut child: Child, secs: u64) -> Output {
    use std::io::Read;
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut v);
        }
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut v);
        }
        v
    });
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the child process did not exit within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    }
}

/// The heartbeat of the socket.io 2.x servers of [`start_classic_v2`]: pingInterval and
/// pingTimeout both 400 ms, so a client that does not ping is dropped after 0.8 s.
pub const PING_MS: u64 = 400;

/// A socket.io 2.x tutorial server and the engine connections it logged.
pub struct V2Server {
    pub proc: Proc,
    log: Arc<Mutex<Vec<serde_json::Value>>>,
}

/// [`V2Server::start`].
pub fn start_classic_v2(package: &str, polling_only: bool, port: u16) -> V2Server {
    V2Server::start(package, polling_only, port)
}

impl V2Server {
    /// Starts `tests/node/support/classic-server-v2.cjs` on the npm alias `package`
    /// (`socket.io-v2.2` = 2.2.0, `socket.io-v2` = 2.5.1), with [`PING_MS`] heartbeats,
    /// long-polling only when `polling_only`, on `port` (0 = any).
    pub fn start(package: &str, polling_only: bool, port: u16) -> V2Server {
        let script = repo_root().join("tests/node/support/classic-server-v2.cjs");
        let ping = PING_MS.to_string();
        let mut cmd = Command::new("node");
        cmd.arg(script)
            .arg(port.to_string())
            .env("SOCKETIO_PACKAGE", package)
            .env("CLASSIC_LOG", "1")
            .env("CLASSIC_PING_INTERVAL", &ping)
            .env("CLASSIC_PING_TIMEOUT", &ping)
            .current_dir(repo_root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if polling_only {
            cmd.env("CLASSIC_TRANSPORTS", "polling");
        }
        let mut child = cmd.spawn().expect("start node");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("first line");
        let v: serde_json::Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("bad first line {line:?}: {e}"));
        let port = v["port"].as_u64().expect("port") as u16;
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let err = BufReader::new(child.stderr.take().expect("stderr"));
        std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                match serde_json::from_str::<serde_json::Value>(&line) {
                    Ok(v) => sink.lock().unwrap().push(v),
                    Err(_) => eprintln!("v2 server: {line}"),
                }
            }
        });
        std::thread::spawn(move || {
            let mut sink = String::new();
            while out.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        V2Server { proc: Proc { child, port }, log }
    }

    pub fn url(&self) -> String {
        self.proc.url()
    }

    /// (connections, disconnections) the server's engine saw, with their transports/reasons.
    pub fn engine_log(&self) -> (Vec<String>, Vec<String>) {
        let log = self.log.lock().unwrap();
        let pick = |event: &str, field: &str| {
            log.iter()
                .filter(|v| v["event"] == event)
                .map(|v| v[field].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        };
        (pick("connect", "transport"), pick("disconnect", "reason"))
    }
}


/// A self-signed certificate for 127.0.0.1 in `dir` (`cert.pem`, `key.pem`), made by the
/// `openssl` command, and its SHA-256 fingerprint as openssl prints it (`AB:CD:…`).
pub fn self_signed(dir: &Path) -> String {
    let ok = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=banter-test"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .expect("openssl");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let fp = Command::new("openssl").args(["x509", "-noout", "-fingerprint", "-sha256", "-in"]).arg(dir.join("cert.pem")).output().unwrap();
    let line = String::from_utf8(fp.stdout).unwrap();
    line.trim().rsplit_once('=').unwrap().1.to_owned()
}

/// banter-server serving HTTPS with the certificate of [`self_signed`] in `certs`.
pub fn start_https(db: &Path, certs: &Path, port: u16) -> Proc {
    let (cert, key) = (certs.join("cert.pem"), certs.join("key.pem"));
    start_banter_with(db, port, None, 0, &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()])
}

impl Proc {
    /// Stops the process as a service manager does (SIGTERM), and waits for it to exit.
    pub fn terminate(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

/// The password the tests' accounts are made with.
pub const ACCOUNT_PW: &str = "correct horse battery";

/// A new account `name` on `url` in a client of its own: the client, its events, the
/// session and the client's data dir (kept alive by the caller).
pub async fn account(
    url: &str,
    name: &str,
) -> (banter_client::Client, EventStream, banter_client::SessionToken, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (client, events) = banter_client::Client::new(config(dir.path()));
    let session = client
        .register(&banter_client::ServerAccess::new(url), name, ACCOUNT_PW, None, Some("test"))
        .await
        .unwrap();
    (client, events, session.token, dir)
}
