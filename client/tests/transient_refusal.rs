//! Messages the server cannot store now: the real banter-server binary on a throwaway
//! PostgreSQL (scripts/services.sh), stopped and started under it. A send answered "not now"
//! (ERR_STORE_UNAVAILABLE / ERR_SERVER) stays pending, on disk too, is sent again under the
//! same id on the same connection after a backoff, and is delivered once PostgreSQL is back,
//! in order and once each; after the retry window it is refused with a clear reason.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use banter_client::{AckStatus, Client, ClientConfig, ClientEvent, EventStream, JoinOptions, MessageState};
use support::*;

/// A throwaway PostgreSQL (and Redis) of scripts/services.sh in a temp dir of its own,
/// stopped and removed on drop.
struct Services {
    dir: tempfile::TempDir,
}

impl Services {
    /// Starts them, or `None` (the test is skipped with a note) where PostgreSQL 15 is not
    /// installed, except under CI.
    fn start() -> Option<Services> {
        let pg_bin = std::env::var("BANTER_PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
        if !Path::new(&pg_bin).join("initdb").exists() {
            assert!(std::env::var_os("CI").is_none(), "PostgreSQL 15 is not installed (scripts/setup.sh)");
            eprintln!("skipped: PostgreSQL 15 is not installed in {pg_bin} (scripts/setup.sh)");
            return None;
        }
        // short: the Unix socket paths inside must stay under 108 bytes
        let dir = tempfile::Builder::new().prefix("bt-tr").tempdir_in("/tmp").expect("temp dir");
        let services = Services { dir };
        services.run("start");
        Some(services)
    }

    fn run(&self, cmd: &str) {
        let status = Command::new("bash")
            .arg(repo_root().join("scripts/services.sh"))
            .arg(cmd)
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .status()
            .expect("run scripts/services.sh");
        assert!(status.success(), "services.sh {cmd} failed");
    }

    /// `run` from async code (it blocks for the time PostgreSQL takes to stop or start).
    fn run_blocking(&self, cmd: &str) {
        tokio::task::block_in_place(|| self.run(cmd));
    }

    /// The cluster's `postgres` database (the server migrates it; the cluster is ours alone).
    fn database_url(&self) -> String {
        let env = std::fs::read_to_string(self.dir.path().join("env")).expect("DIR/env");
        env.lines()
            .find_map(|l| l.strip_prefix("export BANTER_TEST_DATABASE_URL="))
            .map(|v| v.trim_matches('\'').to_owned())
            .expect("BANTER_TEST_DATABASE_URL in DIR/env")
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // what the server said, for the failure's report
            let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(80).collect();
            eprintln!("banter-server's log (last lines):");
            for line in tail.into_iter().rev() {
                eprintln!("  {line}");
            }
        }
        let _ = Command::new("bash")
            .arg(repo_root().join("scripts/services.sh"))
            .arg("stop")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .status();
    }
}

/// banter-server on the services' PostgreSQL, any free loopback port, no rate limit; its
/// log (`RUST_LOG` from `BANTER_TEST_SERVER_LOG`, default `warn`) goes to `server.log` in the
/// services' dir, and its last lines to stderr when the test fails.
fn start_pg_server(services: &Services) -> Proc {
    let files = services.dir.path().join("files");
    let log = std::fs::File::create(services.dir.path().join("server.log")).expect("server log");
    let mut child = Command::new(banter_server_bin())
        .args(["--listen", "127.0.0.1:0", "--rate-limit", "0", "--database-url"])
        .arg(services.database_url())
        .arg("--files-dir")
        .arg(&files)
        .env("RUST_LOG", std::env::var("BANTER_TEST_SERVER_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start banter-server");
    let line = first_line(&mut child);
    let port = line
        .trim()
        .strip_prefix("banter-server listening on 127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            let log = std::fs::read_to_string(services.dir.path().join("server.log")).unwrap_or_default();
            panic!("banter-server did not start: {line:?}; its log:\n{log}")
        });
    Proc { child, port }
}

/// A client whose requests wait longer than the server's wait for a PostgreSQL connection
/// (5 s), so a "not now" is an answer, not a timeout.
fn client_config(dir: &Path) -> ClientConfig {
    let mut c = config(dir);
    c.request_timeout = Duration::from_secs(15);
    c
}

/// A join that failed. A join left unanswered is a server fault seen with PostgreSQL: the
/// join handler holds the room's lock across its history read (chat/history.rs on_join,
/// a `block_in_place` PostgreSQL query) while `flush_receipts_forever` blocks a runtime
/// worker on that lock; the read never completes and the room stays locked.
fn unanswered_join(e: banter_client::ClientError) -> banter_client::JoinInfo {
    if matches!(e, banter_client::ClientError::Timeout { .. }) {
        panic!("the server did not answer a join ({e:?}): the room lock held across a PostgreSQL read in the join (see unanswered_join)");
    }
    panic!("join: {e:?}")
}

/// Collects events until every id of `ids` has an outcome (or `secs` pass: panic).
async fn outcomes(
    ev: &mut EventStream,
    ids: &[String],
    secs: u64,
    seen: &mut Vec<(tokio::time::Instant, ClientEvent)>,
) -> Vec<(String, AckStatus, Option<String>, tokio::time::Instant)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut out: Vec<(String, AckStatus, Option<String>, tokio::time::Instant)> = Vec::new();
    while out.len() < ids.len() {
        let e = match tokio::time::timeout_at(deadline, ev.recv()).await {
            Ok(Some(e)) => e,
            _ => panic!("only {} of {} outcomes within {secs} s: {out:?}; last events: {:#?}", out.len(), ids.len(), tail(seen)),
        };
        let now = tokio::time::Instant::now();
        if let ClientEvent::Ack { id, status, reason, .. } = &e {
            if ids.contains(id) {
                assert!(!out.iter().any(|(i, ..)| i == id), "two outcomes for {id}");
                out.push((id.clone(), *status, reason.clone(), now));
            }
        }
        seen.push((now, e));
    }
    out
}

/// Collects events for `ms` milliseconds.
async fn collect(ev: &mut EventStream, ms: u64, seen: &mut Vec<(tokio::time::Instant, ClientEvent)>) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    while let Ok(Some(e)) = tokio::time::timeout_at(deadline, ev.recv()).await {
        seen.push((tokio::time::Instant::now(), e));
    }
}

fn tail(seen: &[(tokio::time::Instant, ClientEvent)]) -> Vec<&ClientEvent> {
    seen[seen.len().saturating_sub(15)..].iter().map(|(_, e)| e).collect()
}

/// The outbox lines of `data_dir` (every room) that record a "not now" of message `id`.
fn deferred_records(data_dir: &Path, id: &str) -> usize {
    let rooms: PathBuf = data_dir.join("rooms");
    let mut n = 0;
    for entry in std::fs::read_dir(&rooms).expect("rooms dir").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        n += text.lines().filter(|l| l.contains(r#""op":"deferred""#) && l.contains(id)).count();
    }
    n
}

/// Waits (at most `secs`) until message `id` has a "not now" on record in the outbox.
async fn wait_deferred(data_dir: &Path, id: &str, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while deferred_records(data_dir, id) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no \"not now\" recorded for {id} within {secs} s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The room's whole history as a new client sees it: (id, text), oldest first.
async fn history(url: &str, room: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let (reader, _ev) = Client::new(config(dir.path()));
    let info = reader.join(JoinOptions::new(url, room, "reader")).await.unwrap_or_else(|e| unanswered_join(e));
    let latest = info.latest_seq.expect("a Banter server's latest seq");
    let page = reader.history_before(url, room, latest + 1, 500).await.expect("history");
    assert!(!page.more, "more than one page");
    reader.shutdown().await;
    page.messages
        .into_iter()
        .filter_map(|m| match m {
            ClientEvent::Message { id: Some(id), text, system: false, .. } => Some((id, text)),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_while_postgresql_is_down_stay_pending_and_are_delivered_when_it_is_back() {
    let Some(services) = Services::start() else { return };
    let server = start_pg_server(&services);
    let url = server.url();
    let data = tempfile::tempdir().unwrap();
    let (client, mut ev) = Client::new(client_config(data.path()));
    client.join(JoinOptions::new(&url, "outage", "ann")).await.unwrap_or_else(|e| unanswered_join(e));
    let mut seen = Vec::new();

    let mut ids = Vec::new();
    for i in 1..=5 {
        ids.push(client.send(&url, "outage", &format!("before {i}")).await.expect("send"));
    }
    let first = outcomes(&mut ev, &ids, 20, &mut seen).await;
    assert!(first.iter().all(|(_, s, ..)| *s == AckStatus::Delivered), "{first:?}");

    services.run_blocking("stop-pg");
    let stopped = tokio::time::Instant::now();
    let mut later = Vec::new();
    for i in 6..=10 {
        later.push(client.send(&url, "outage", &format!("during {i}")).await.expect("send"));
    }
    // The first of them is answered "not now" (recorded in the outbox) and sent again, twice
    // at least; the others wait behind it, in order. None has an outcome.
    wait_deferred(data.path(), &later[0], 20).await;
    let resent_twice = |seen: &[(tokio::time::Instant, ClientEvent)]| {
        seen.iter().any(|(_, e)| matches!(e, ClientEvent::Pending { id, attempt, .. } if *id == later[0] && *attempt >= 3))
    };
    // Down for 10 s at least, so the backoff grows (1 s, 2 s, 4 s … with jitter).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    while !resent_twice(&seen) || stopped.elapsed() < Duration::from_secs(10) {
        assert!(tokio::time::Instant::now() < deadline, "not sent again twice within 40 s: {:#?}", tail(&seen));
        collect(&mut ev, 200, &mut seen).await;
    }
    let down_for = stopped.elapsed();
    let attempts = deferred_records(data.path(), &later[0]);
    for (_, e) in &seen {
        assert!(!matches!(e, ClientEvent::Ack { id, .. } if later.contains(id)), "an outcome while PostgreSQL is down: {e:?}");
    }
    for id in &later {
        assert_eq!(client.message_state(id), Some(MessageState::Pending), "{id}");
    }
    assert!(deferred_records(data.path(), &later[0]) >= 2, "each \"not now\" is on record");

    services.run_blocking("start-pg");
    let back = tokio::time::Instant::now();
    let delivered = outcomes(&mut ev, &later, 30, &mut seen).await;
    for (id, status, reason, _) in &delivered {
        assert_eq!(*status, AckStatus::Delivered, "{id}: {reason:?}");
    }
    let last = delivered.iter().map(|(.., t)| *t).max().expect("five outcomes");
    eprintln!(
        "PostgreSQL down for {:.1} s ({attempts} \"not now\" answers to the first); from PostgreSQL back to the last of the 5 delivered: {:.2} s",
        down_for.as_secs_f64(),
        last.duration_since(back).as_secs_f64()
    );
    // On the same connection throughout: no reconnect.
    for (_, e) in &seen {
        assert!(!matches!(e, ClientEvent::Reconnecting { .. }), "reconnected: {e:?}");
    }

    let got = history(&url, "outage").await;
    let want: Vec<(String, String)> = ids
        .iter()
        .cloned()
        .zip((1..=5).map(|i| format!("before {i}")))
        .chain(later.iter().cloned().zip((6..=10).map(|i| format!("during {i}"))))
        .collect();
    assert_eq!(got, want, "exactly the 10 messages, each once, in order");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_refused_not_now_survives_a_restart_of_the_app_as_pending() {
    let Some(services) = Services::start() else { return };
    let server = start_pg_server(&services);
    let url = server.url();
    let data = tempfile::tempdir().unwrap();
    let (client, mut ev) = Client::new(client_config(data.path()));
    client.join(JoinOptions::new(&url, "restart", "ann")).await.unwrap_or_else(|e| unanswered_join(e));
    let mut seen = Vec::new();
    let warm = client.send(&url, "restart", "warm").await.expect("send");
    outcomes(&mut ev, &[warm.clone()], 20, &mut seen).await;

    services.run_blocking("stop-pg");
    let a = client.send(&url, "restart", "kept a").await.expect("send");
    let b = client.send(&url, "restart", "kept b").await.expect("send");
    wait_deferred(data.path(), &a, 20).await;
    client.shutdown().await;
    drop(ev);

    // The app starts again while the server still cannot store, and re-joins as the app
    // does at start-up: the join is answered "not now" and tried again meanwhile; both
    // messages are pending.
    let (client, mut ev) = Client::new(client_config(data.path()));
    let opts = JoinOptions::new(&url, "restart", "ann").retry_unreachable(Duration::from_secs(60));
    let (joined, ()) = tokio::join!(client.join(opts), async {
        let (e, _) = wait_for(&mut ev, 20, |e| matches!(e, ClientEvent::Reconnecting { reason, .. } if reason.contains("cannot take the room now"))).await;
        assert!(matches!(e, ClientEvent::Reconnecting { attempt: 1, .. }), "{e:?}");
        assert_eq!(client.message_state(&a), Some(MessageState::Pending));
        assert_eq!(client.message_state(&b), Some(MessageState::Pending));
        services.run_blocking("start-pg");
    });
    joined.unwrap_or_else(|e| unanswered_join(e));
    let delivered = outcomes(&mut ev, &[a.clone(), b.clone()], 30, &mut seen).await;
    assert!(delivered.iter().all(|(_, s, ..)| *s == AckStatus::Delivered), "{delivered:?}");
    let got: Vec<String> = history(&url, "restart").await.into_iter().map(|(_, t)| t).collect();
    assert_eq!(got, ["warm", "kept a", "kept b"]);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejoin_answered_not_now_is_tried_again_and_what_is_pending_goes_after_it() {
    let Some(services) = Services::start() else { return };
    let server = start_pg_server(&services);
    let url = server.url();
    let data = tempfile::tempdir().unwrap();
    let (client, mut ev) = Client::new(client_config(data.path()));
    client.join(JoinOptions::new(&url, "rejoin", "ann")).await.unwrap_or_else(|e| unanswered_join(e));
    let mut seen = Vec::new();

    services.run_blocking("stop-pg");
    let id = client.send(&url, "rejoin", "across the rejoin").await.expect("send");
    wait_deferred(data.path(), &id, 20).await;
    // the network changed, say: the room joins again, and the server cannot take it now
    client.reconnect_now("test: network changed");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let refused_rejoins = |seen: &[(tokio::time::Instant, ClientEvent)]| {
        seen.iter().filter(|(_, e)| matches!(e, ClientEvent::Reconnecting { reason, .. } if reason.contains("cannot take the room now"))).count()
    };
    while refused_rejoins(&seen) < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no second re-join within 30 s: {:#?}", tail(&seen));
        collect(&mut ev, 200, &mut seen).await;
    }
    for (_, e) in &seen {
        assert!(!matches!(e, ClientEvent::Ack { .. } | ClientEvent::Disconnected { .. }), "{e:?}");
    }
    assert_eq!(client.message_state(&id), Some(MessageState::Pending));

    services.run_blocking("start-pg");
    let outcome = outcomes(&mut ev, &[id.clone()], 30, &mut seen).await;
    assert_eq!(outcome[0].1, AckStatus::Delivered, "{outcome:?}");
    assert!(seen.iter().any(|(_, e)| matches!(e, ClientEvent::Joined { rejoin: true, .. })));
    let got: Vec<String> = history(&url, "rejoin").await.into_iter().map(|(_, t)| t).collect();
    assert_eq!(got, ["across the rejoin"]);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_refused_not_now_past_the_window_is_refused_with_the_reason() {
    let Some(services) = Services::start() else { return };
    let server = start_pg_server(&services);
    let url = server.url();
    let data = tempfile::tempdir().unwrap();
    let mut config = client_config(data.path());
    config.store_retry_min = Duration::from_millis(200);
    config.store_retry_max = Duration::from_secs(1);
    config.store_retry_window = Duration::from_secs(3);
    let (client, mut ev) = Client::new(config);
    client.join(JoinOptions::new(&url, "window", "ann")).await.unwrap_or_else(|e| unanswered_join(e));
    let mut seen = Vec::new();

    services.run_blocking("stop-pg");
    let id = client.send(&url, "window", "too late").await.expect("send");
    let outcome = outcomes(&mut ev, &[id.clone()], 40, &mut seen).await;
    let (_, status, reason, _) = &outcome[0];
    assert_eq!(*status, AckStatus::Refused);
    let reason = reason.clone().unwrap_or_default();
    assert!(reason.starts_with("the server could not store it: "), "{reason}");
    assert_eq!(client.message_state(&id).map(|s| s.is_final()), Some(true));

    // Once PostgreSQL is back the room sends as before.
    services.run_blocking("start-pg");
    let next = client.send(&url, "window", "in time").await.expect("send");
    let outcome = outcomes(&mut ev, &[next], 30, &mut seen).await;
    assert_eq!(outcome[0].1, AckStatus::Delivered, "{outcome:?}");
    let got: Vec<String> = history(&url, "window").await.into_iter().map(|(_, t)| t).collect();
    assert_eq!(got, ["in time"]);
    client.shutdown().await;
}
