//! Benchmark: banter-client beside the official Node `socket.io-client`, same servers, same
//! run, loopback only, bounded loops. Prints a table.
//!
//! ```text
//! cargo build --release -p banter-server && cargo run --release -p banter-client --example bench_client
//! ```
//! Measures: events per second into the event stream (a 10,000-message burst from a Node
//! socket.io server), ack round-trip p50/p99 (one message at a time), and throughput of
//! 350 messages sent at once, on banter-server and on the classic Node server.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use banter_client::{Client, ClientConfig, ClientEvent, JoinOptions};

// banter-server drops (without an ack) every event over 200 per second per socket with a
// burst of 400, even with --rate-limit 0 (server/src/session.rs EVENTS_PER_SECOND): each run
// uses a fresh socket and stays under 400 events.
const ACKS: usize = 300;
const PIPELINE: usize = 350;
const ROUNDS: usize = 3;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_owned()
}

struct Proc(Child, u16);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn first_line(child: &mut Child) -> String {
    use std::io::BufRead;
    let mut r = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut l = String::new();
    let _ = r.read_line(&mut l);
    std::thread::spawn(move || {
        let mut s = String::new();
        while r.read_line(&mut s).map(|n| n > 0).unwrap_or(false) {
            s.clear();
        }
    });
    l
}

fn node_server(script: &str) -> Proc {
    let mut c = Command::new("node")
        .arg(root().join(script))
        .arg("0")
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node");
    let l = first_line(&mut c);
    let v: serde_json::Value = serde_json::from_str(l.trim()).expect("port line");
    let port = v["port"].as_u64().expect("port") as u16;
    Proc(c, port)
}

fn banter_server(db: &Path) -> Proc {
    let exe = std::env::current_exe().expect("exe");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_owned();
    let candidates = [
        profile.join("banter-server"),
        profile
            .parent()
            .map(|t| t.join("debug/banter-server"))
            .unwrap_or_default(),
    ];
    let bin = candidates
        .iter()
        .find(|p| p.exists())
        .expect("build banter-server first (cargo build --release -p banter-server)")
        .clone();
    println!("banter-server: {}", bin.display());
    let mut c = Command::new(bin)
        .args(["--listen", "127.0.0.1:0", "--rate-limit", "0", "--db"])
        .arg(db.join("bench.db"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("banter-server");
    let l = first_line(&mut c);
    let port = l
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("listening line");
    Proc(c, port)
}

fn node_client(args: &[&str]) -> serde_json::Value {
    let out = Command::new("node")
        .arg(root().join("client/examples/bench_node_client.cjs"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("node client");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn pct(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn rust_client(dir: &Path) -> (Client, banter_client::EventStream) {
    let mut c = ClientConfig::new(dir);
    c.fsync = false;
    Client::new(c)
}

/// Events per second: time from the trigger to the 10,000th burst message in the stream.
async fn rust_burst(url: &str, dir: &Path) -> f64 {
    let (c, mut ev) = rust_client(dir).await;
    c.join(JoinOptions::new(
        url,
        &format!("burst{}", fastrand::u32(..)),
        "rust",
    ))
    .await
    .expect("join");
    let t0 = Instant::now();
    c.send(url, &c.rooms()[0].1, "burst").await.expect("send");
    let mut got = 0;
    while got < 10_000 {
        match tokio::time::timeout(Duration::from_secs(60), ev.recv()).await {
            Ok(Some(ClientEvent::Message { username, .. })) if username == "burster" => got += 1,
            Ok(Some(_)) => {}
            _ => panic!("burst stalled at {got}"),
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    c.shutdown().await;
    10_000.0 / secs
}

/// Ack round trips, one message at a time: (p50 ms, p99 ms).
async fn rust_acks(url: &str, dir: &Path) -> (f64, f64) {
    let (c, mut ev) = rust_client(dir).await;
    let room = format!("acks{}", fastrand::u32(..));
    c.join(JoinOptions::new(url, &room, "rust"))
        .await
        .expect("join");
    let mut lat = Vec::with_capacity(ACKS);
    for i in 0..ACKS {
        let t = Instant::now();
        let id = c
            .send(url, &room, &format!("bench message {i}"))
            .await
            .expect("send");
        loop {
            match tokio::time::timeout(Duration::from_secs(30), ev.recv()).await {
                Ok(Some(ClientEvent::Ack { id: a, .. })) if a == id => break,
                Ok(Some(_)) => {}
                _ => panic!("no ack"),
            }
        }
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    c.shutdown().await;
    (pct(lat.clone(), 0.5), pct(lat, 0.99))
}

/// Messages per second for PIPELINE messages queued at once, until the last ack.
async fn rust_pipeline(url: &str, dir: &Path) -> f64 {
    let (c, mut ev) = rust_client(dir).await;
    let room = format!("pipe{}", fastrand::u32(..));
    c.join(JoinOptions::new(url, &room, "rust"))
        .await
        .expect("join");
    let t0 = Instant::now();
    for i in 0..PIPELINE {
        c.send(url, &room, &format!("bench pipeline {i}"))
            .await
            .expect("send");
    }
    let mut acks = 0;
    while acks < PIPELINE {
        match tokio::time::timeout(Duration::from_secs(60), ev.recv()).await {
            Ok(Some(ClientEvent::Ack { .. })) => acks += 1,
            Ok(Some(_)) => {}
            _ => panic!("pipeline stalled at {acks}"),
        }
    }
    let r = PIPELINE as f64 / t0.elapsed().as_secs_f64();
    c.shutdown().await;
    r
}

#[tokio::main]
async fn main() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let hostile = node_server("client/tests/support/hostile-server.cjs");
    let classic = node_server("tests/node/support/classic-server.cjs");
    let banter = banter_server(tmp.path());
    let (h, cl, b) = (
        format!("http://127.0.0.1:{}", hostile.1),
        format!("http://127.0.0.1:{}", classic.1),
        format!("http://127.0.0.1:{}", banter.1),
    );

    let mut rows: Vec<(String, String, String)> = Vec::new();

    let mut r = Vec::new();
    let mut n = Vec::new();
    for _ in 0..ROUNDS {
        r.push(rust_burst(&h, tmp.path()).await);
        let v = node_client(&["burst", &h]);
        n.push(10_000.0 / (v["ms"].as_f64().expect("ms") / 1e3));
    }
    rows.push((
        "events/s into the stream (10k burst, Node server)".into(),
        format!("{:.0}", median(r)),
        format!("{:.0}", median(n)),
    ));

    for (label, url, kind) in [
        ("banter-server", &b, "banter"),
        ("classic Node server", &cl, "classic"),
    ] {
        let (mut p50s, mut p99s, mut np50, mut np99) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let (a, z) = rust_acks(url, tmp.path()).await;
            p50s.push(a);
            p99s.push(z);
            let v = node_client(&["acks", url, &ACKS.to_string(), kind]);
            np50.push(v["p50"].as_f64().expect("p50"));
            np99.push(v["p99"].as_f64().expect("p99"));
        }
        rows.push((
            format!("ack round trip p50 ms ({label})"),
            format!("{:.3}", median(p50s)),
            format!("{:.3}", median(np50)),
        ));
        rows.push((
            format!("ack round trip p99 ms ({label})"),
            format!("{:.3}", median(p99s)),
            format!("{:.3}", median(np99)),
        ));
        let (mut rp, mut np) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            rp.push(rust_pipeline(url, tmp.path()).await);
            let v = node_client(&["pipeline", url, &PIPELINE.to_string(), kind]);
            np.push(PIPELINE as f64 / (v["ms"].as_f64().expect("ms") / 1e3));
        }
        rows.push((
            format!("msgs/s, {PIPELINE} sent at once, until last ack ({label})"),
            format!("{:.0}", median(rp)),
            format!("{:.0}", median(np)),
        ));
    }

    println!();
    println!("| measure (median of {ROUNDS} rounds) | banter-client | node socket.io-client |");
    println!("| --- | ---: | ---: |");
    for (m, a, b) in rows {
        println!("| {m} | {a} | {b} |");
    }
}
