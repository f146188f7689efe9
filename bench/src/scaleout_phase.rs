//! One measured phase of `--scenarios scaleout` (`scaleout.rs`): open the layout's clients
//! on the nodes round robin, warm up, measure a window, stop sending and drain until every
//! acknowledged message has reached its room's members (or the drain times out); then the
//! nodes' counters, and what the database holds for the copies that did not arrive.

use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

use crate::classic::{abort, settle};
use crate::procs;
use crate::scaleout::{Phase, ScaleConfig, Setup};
use crate::scaleout_client::{self as client, Counters, Member, SenderRole};
use crate::scaleout_procs::{CpuSnap, Health, Node, Services};

/// Opens the clients of `layout` (room, sends?) on the nodes round robin, runs one measured
/// window and drains; closes the clients.
pub(crate) async fn phase(
    what: &str,
    scenario: u32,
    layout: &[(String, bool)],
    nodes: &[Node],
    groups: &[(String, u32)],
    scfg: &ScaleConfig,
    sh: &Arc<Counters>,
) -> Result<Phase, String> {
    let n = nodes.len();
    // Members of each room per node, for what each sender's messages must reach.
    let mut per_room: std::collections::HashMap<&str, Vec<u64>> = Default::default();
    for (i, (room, _)) in layout.iter().enumerate() {
        per_room.entry(room.as_str()).or_insert_with(|| vec![0; n])[i % n] += 1;
    }
    let health0 = health(nodes).await;
    let (tx, rx) = watch::channel(0u32);
    sh.begin(scenario);
    sh.joined.store(0, Relaxed);
    sh.failed.store(0, Relaxed);
    sh.closed.store(0, Relaxed);
    let t0 = Instant::now();
    let sem = Arc::new(Semaphore::new(64));
    let mut handles: Vec<JoinHandle<()>> = Vec::with_capacity(layout.len());
    let mut senders = 0;
    for (i, (room, sends)) in layout.iter().enumerate() {
        let node = i % n;
        let counts = &per_room[room.as_str()];
        let sender = sends.then(|| {
            let local = counts[node];
            SenderRole { local_members: local, remote_members: counts.iter().sum::<u64>() - local }
        });
        senders += sender.is_some() as usize;
        let permit = sem.clone().acquire_owned().await.map_err(|e| e.to_string())?;
        let m = Member { addr: nodes[node].addr, node: node as u8, username: format!("u{i}"), room: room.clone(), sender };
        handles.push(tokio::spawn(client::member(m, rx.clone(), sh.clone(), permit)));
        if sh.failed.load(Relaxed) > 0 {
            break;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (j, f) = (sh.joined.load(Relaxed), sh.failed.load(Relaxed));
        if f > 0 {
            abort(&handles);
            return Err(format!("{f} of {} clients failed to join: {}", layout.len(), sh.take_error().unwrap_or_default()));
        }
        if j as usize >= layout.len() {
            break;
        }
        if Instant::now() > deadline {
            abort(&handles);
            return Err(format!("only {j} of {} clients joined in 60 s", layout.len()));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let join_secs = t0.elapsed().as_secs_f64();
    settle(&sh.bytes, Duration::from_secs(60)).await;
    eprintln!("   {} clients joined in {join_secs:.1} s", layout.len());

    // Warm-up, then the measured window.
    let _ = tx.send(scenario);
    tokio::time::sleep(scfg.warmup).await;
    let snap = |g: &[(String, u32)]| g.iter().map(|(_, p)| CpuSnap::take(*p)).collect::<Vec<_>>();
    let (cpu0, gen0, all0, sent0) = (snap(groups), procs::cpu_self(), procs::cpu_busy_machine(), sh.sent.load(Relaxed));
    sh.measuring.store(true, Relaxed);
    let w0 = Instant::now();
    tokio::time::sleep(scfg.duration).await;
    sh.measuring.store(false, Relaxed);
    let window_s = w0.elapsed().as_secs_f64();
    let (cpu1, gen1, all1, sent1) = (snap(groups), procs::cpu_self(), procs::cpu_busy_machine(), sh.sent.load(Relaxed));
    let _ = tx.send(0);

    // Drain: every acknowledged message to every member of its room.
    let d0 = Instant::now();
    loop {
        let answered = sh.acked.load(Relaxed) + sh.ack_errors.load(Relaxed);
        let done = answered >= sh.sent.load(Relaxed)
            && sh.got_local.load(Relaxed) >= sh.expected_local.load(Relaxed)
            && sh.got_remote.load(Relaxed) >= sh.expected_remote.load(Relaxed);
        if done || d0.elapsed() > scfg.drain {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drain_s = d0.elapsed().as_secs_f64();
    let health1 = health(nodes).await;
    let (exp_l, exp_r) = (sh.expected_local.load(Relaxed), sh.expected_remote.load(Relaxed));
    let (got_l, got_r) = (sh.got_local.load(Relaxed), sh.got_remote.load(Relaxed));
    let acked = sh.acked.load(Relaxed);
    let ack_errors = sh.ack_errors.load(Relaxed);
    let window_deliveries = sh.window_local.load(Relaxed) + sh.window_remote.load(Relaxed);
    let p = Phase {
        what: what.to_string(),
        clients: layout.len(),
        senders,
        join_secs,
        deliveries_per_s: window_deliveries as f64 / window_s,
        messages_per_s: (sent1 - sent0) as f64 / window_s,
        p50: sh.hist_all.quantile(0.50),
        p99: sh.hist_all.quantile(0.99),
        p50_local: sh.hist_local.quantile(0.50),
        p99_local: sh.hist_local.quantile(0.99),
        p50_remote: sh.hist_remote.quantile(0.50),
        p99_remote: sh.hist_remote.quantile(0.99),
        window_deliveries,
        acked,
        ack_errors,
        unanswered: sh.sent.load(Relaxed).saturating_sub(acked + ack_errors),
        expected_local: exp_l,
        expected_remote: exp_r,
        lost_local: exp_l.saturating_sub(got_l),
        missing_remote: exp_r.saturating_sub(got_r),
        stored: None,
        health: health0.zip(health1).map(|(a, b)| b.since(a)),
        cpu: groups.iter().zip(cpu0.iter().zip(&cpu1)).map(|((name, _), (a, b))| (name.clone(), a.until(b))).collect(),
        gen_cpu: gen1 - gen0,
        machine_cpu: all1 - all0,
        window_s,
        drain_s,
    };
    let closed = sh.closed.load(Relaxed);
    abort(&handles);
    if closed > 0 {
        sh.note_error(format!("{closed} client connection(s) were closed by a server during the phase"));
    }
    // The leaves' notices go out before the next phase joins.
    tokio::time::sleep(Duration::from_millis(200)).await;
    settle(&sh.bytes, Duration::from_secs(20)).await;
    Ok(p)
}

/// The nodes' /healthz counters, summed.
async fn health(nodes: &[Node]) -> Option<Health> {
    let mut sum = Health::default();
    for n in nodes {
        let h = Health::read(n.addr).await?;
        sum.adapter_dropped += h.adapter_dropped;
        sum.dropped_events += h.dropped_events;
        sum.failed_deliveries += h.failed_deliveries;
    }
    Some(sum)
}

/// Messages of `scenario` in the database (for the history question), any node's.
pub(crate) fn stored_count(setup: Setup, svc: Option<&Services>, url: Option<&str>, sqlite: &Path, scenario: u32, nodes: usize) -> Option<u64> {
    let likes: Vec<String> = (0..nodes).map(|i| format!("text LIKE '{}%'", client::stamp_prefix(scenario, i as u8))).collect();
    let sql = format!("SELECT count(*) FROM messages WHERE {}", likes.join(" OR "));
    match setup {
        Setup::Sqlite => {
            let c = rusqlite::Connection::open_with_flags(sqlite, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
            c.query_row(&sql, [], |row| row.get::<_, i64>(0)).ok().map(|v| v as u64)
        }
        _ => svc?.psql(url?, &sql).ok()?.parse().ok(),
    }
}
