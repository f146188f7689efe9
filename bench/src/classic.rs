//! The classic scenarios: rooms of joined clients sending with k messages in flight
//! (deliveries/s, latency, CPU, RSS), and the memory of idle joined connections. The
//! helpers that open clients, wait for quiet and run one scenario serve the sign-in and
//! scale scenarios too.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::args::Config;
use crate::load::{self, Shared};
use crate::procs::{self, Kind, Launch, RssSampler, Server};
use crate::report::{fmt_bytes, fmt_int, fmt_ns, log_notes};

#[derive(Clone, Debug, Default)]
pub(crate) struct Scenario {
    pub(crate) clients: usize,
    pub(crate) inflight: usize,
    pub(crate) deliveries_per_s: f64,
    pub(crate) messages_per_s: f64,
    pub(crate) p50: Option<u64>,
    pub(crate) p99: Option<u64>,
    pub(crate) p999: Option<u64>,
    pub(crate) server_cpu: f64,
    pub(crate) gen_cpu: f64,
    pub(crate) machine_cpu: f64,
    pub(crate) lost: u64,
    pub(crate) ack_errors: u64,
    /// Sends never acknowledged (dropped by the server), and times the watchdog had to
    /// restart a stalled send loop.
    pub(crate) unanswered: u64,
    pub(crate) stalls: u64,
    /// How long the last acks and deliveries took to arrive after sending stopped.
    pub(crate) drain_s: f64,
    pub(crate) peak_rss: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) rss_idle: u64,
    pub(crate) rss_peak: u64,
    /// Busy CPU of the whole machine while the server sat idle before the run (cores).
    pub(crate) background_cpu: f64,
    pub(crate) join_secs: Vec<(usize, f64)>,
    pub(crate) scenarios: Vec<Scenario>,
    pub(crate) idle_base: u64,
    pub(crate) idle_loaded: u64,
    pub(crate) idle_conns: usize,
    pub(crate) idle_join_secs: f64,
    pub(crate) problems: Vec<String>,
    pub(crate) errors: Vec<String>,
}

impl Scenario {
    /// Deliveries per CPU-second of the server (deliveries/s ÷ its CPU share); `None` when
    /// no CPU time was measured.
    pub(crate) fn deliveries_per_cpu_s(&self) -> Option<f64> {
        (self.server_cpu > 0.0).then(|| self.deliveries_per_s / self.server_cpu)
    }
}

impl Report {
    pub(crate) fn per_conn(&self) -> Option<f64> {
        (self.idle_conns > 0)
            .then(|| (self.idle_loaded as f64 - self.idle_base as f64) / self.idle_conns as f64)
    }
    pub(crate) fn scenario(&self, n: usize, k: usize) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.clients == n && s.inflight == k)
    }
    pub(crate) fn lost(&self) -> u64 {
        self.scenarios.iter().map(|s| s.lost).sum()
    }
}

pub(crate) async fn bench_server(kind: Kind, cfg: &Config, launch: &Launch) -> Report {
    let mut rep = Report::default();
    if let Err(e) = throughput(kind, cfg, launch, &mut rep).await {
        eprintln!("   error: {e}");
        rep.errors.push(e);
    }
    if cfg.idle > 0 {
        if let Err(e) = idle_memory(kind, cfg, launch, &mut rep).await {
            eprintln!("   error: {e}");
            rep.errors.push(e);
        }
    }
    rep
}

/// Opens `n` joined clients named `u0`, `u1`, … (client i < senders.len() is sender i).
pub(crate) async fn open_clients(
    addr: std::net::SocketAddr,
    n: usize,
    room_of: impl Fn(usize) -> String,
    senders: Option<&Arc<load::Senders>>,
    sh: &Arc<Shared>,
) -> Result<(Vec<JoinHandle<()>>, f64), String> {
    open_named(addr, n, |i| format!("u{i}"), room_of, senders, sh, Duration::from_secs(300)).await.map_err(|f| f.error)
}

/// Clients that did not all join: how many had joined, after how long, and why.
pub(crate) struct OpenFailed {
    pub(crate) joined: u64,
    pub(crate) secs: f64,
    pub(crate) error: String,
}

/// Opens `n` joined clients (64 being set up at a time). Bounded: it gives up when no setup
/// finishes for `limit` while spawning, or not all have joined `limit` after the last spawn;
/// on failure the clients opened so far are aborted.
pub(crate) async fn open_named(
    addr: std::net::SocketAddr,
    n: usize,
    name_of: impl Fn(usize) -> String,
    room_of: impl Fn(usize) -> String,
    senders: Option<&Arc<load::Senders>>,
    sh: &Arc<Shared>,
    limit: Duration,
) -> Result<(Vec<JoinHandle<()>>, f64), OpenFailed> {
    let t0 = Instant::now();
    sh.joined.store(0, Relaxed);
    sh.failed.store(0, Relaxed);
    let failed = |handles: &[JoinHandle<()>], error: String| {
        abort(handles);
        OpenFailed { joined: sh.joined.load(Relaxed), secs: t0.elapsed().as_secs_f64(), error }
    };
    let sem = Arc::new(Semaphore::new(64));
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let permit = match tokio::time::timeout(limit, sem.clone().acquire_owned()).await {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Err(failed(&handles, e.to_string())),
            Err(_) => {
                let j = sh.joined.load(Relaxed);
                let why = format!("only {j} of {n} clients joined: no setup finished for {} s", limit.as_secs());
                return Err(failed(&handles, why));
            }
        };
        handles.push(tokio::spawn(load::client(
            addr,
            name_of(i),
            room_of(i),
            senders.filter(|s| i < s.len()).map(|s| (s.clone(), i)),
            sh.clone(),
            permit,
        )));
        if sh.failed.load(Relaxed) > 0 {
            break;
        }
    }
    let deadline = Instant::now() + limit;
    loop {
        let (j, f) = (sh.joined.load(Relaxed), sh.failed.load(Relaxed));
        if f > 0 {
            let e = sh.take_error().unwrap_or_default();
            return Err(failed(&handles, format!("{f} of {n} clients failed to join: {e}")));
        }
        if j as usize >= n {
            break;
        }
        if Instant::now() > deadline {
            return Err(failed(&handles, format!("only {j} of {n} clients joined in {} s", limit.as_secs())));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok((handles, t0.elapsed().as_secs_f64()))
}

pub(crate) fn abort(handles: &[JoinHandle<()>]) {
    for h in handles {
        h.abort();
    }
}

/// Waits until no client has read anything for 300 ms (the join notices and `roomData`
/// broadcasts have all arrived).
pub(crate) async fn settle(bytes: &std::sync::atomic::AtomicU64, max: Duration) {
    let t0 = Instant::now();
    let mut quiet = 0;
    let mut last = bytes.load(Relaxed);
    while quiet < 3 && t0.elapsed() < max {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let b = bytes.load(Relaxed);
        if b == last {
            quiet += 1;
        } else {
            quiet = 0;
            last = b;
        }
    }
}

async fn throughput(kind: Kind, cfg: &Config, launch: &Launch, rep: &mut Report) -> Result<(), String> {
    let srv = Server::start(kind, launch).map_err(|e| e.to_string())?;
    let sampler = RssSampler::start(srv.pid);
    let busy0 = procs::cpu_busy_machine();
    tokio::time::sleep(Duration::from_secs(1)).await;
    rep.background_cpu = procs::cpu_busy_machine() - busy0;
    if rep.background_cpu > 0.3 {
        eprintln!(
            "   warning: {:.0}% of a core busy before the run (other processes): figures will be low and noisy",
            rep.background_cpu * 100.0
        );
    }
    let pids = procs::tree(srv.pid);
    rep.rss_idle = procs::rss_tree(&pids);
    eprintln!("   listening on {} (pid {}), idle RSS {}", srv.addr, srv.pid, fmt_bytes(rep.rss_idle as f64));
    let sh = Arc::new(Shared::new());
    let mut result = Ok(());
    for &n in &cfg.sizes {
        let room = format!("room{n}");
        let senders = load::Senders::new(cfg.senders.unwrap_or(n).clamp(1, n));
        let (handles, join_secs) = match open_clients(srv.addr, n, |_| room.clone(), Some(&senders), &sh).await {
            Ok(x) => x,
            Err(e) => {
                result = Err(format!("{n} clients: {e}"));
                break;
            }
        };
        settle(&sh.bytes, Duration::from_secs(120)).await;
        rep.join_secs.push((n, join_secs));
        eprintln!("   {n} clients joined in {join_secs:.1} s");
        for &k in &cfg.inflight {
            let s = scenario(&sh, &senders, &pids, &sampler, n, k, cfg).await;
            eprintln!(
                "   {n} clients, {k} in flight: {} deliveries/s, p50 {}, p99 {}, server CPU {:.0}%, generator CPU {:.0}%, lost {}, ack errors {}, unanswered {}",
                fmt_int(s.deliveries_per_s),
                fmt_ns(s.p50),
                fmt_ns(s.p99),
                s.server_cpu * 100.0,
                s.gen_cpu * 100.0,
                s.lost,
                s.ack_errors,
                s.unanswered
            );
            if s.drain_s > 2.0 || s.stalls > 0 {
                rep.problems.push(format!(
                    "{n} clients, {k} in flight: the last acks took {:.1} s to arrive after sending stopped; {} send loop stall(s) of 1 s without any ack",
                    s.drain_s, s.stalls
                ));
            }
            rep.scenarios.push(s);
            if let Some(e) = sh.take_error() {
                eprintln!("   note: {e}");
                rep.problems.push(format!("{n} clients, {k} in flight: {e}"));
            }
        }
        let closed = sh.closed.load(Relaxed);
        if closed > 0 {
            rep.problems.push(format!("{closed} client connections were closed by the server during the run"));
        }
        abort(&handles);
        tokio::time::sleep(Duration::from_millis(200)).await;
        settle(&sh.bytes, Duration::from_secs(10)).await;
        sh.closed.store(0, Relaxed);
    }
    rep.rss_peak = sampler.peak_total.load(Relaxed);
    let late = sh.late_acks.load(Relaxed);
    if late > 0 {
        rep.problems.push(format!("{late} ack(s) came back only after their scenario's 15 s drain"));
    }
    rep.problems.extend(log_notes("throughput server", srv.problems()));
    srv.stop();
    result
}

/// Sleeps `d`, restarting the send loop when no ack at all has come for a second (the
/// server dropped every message in flight without answering). Returns the restarts.
async fn run_for(d: Duration, sh: &Shared, senders: &load::Senders, k: usize) -> u64 {
    let end = Instant::now() + d;
    let mut stalls = 0;
    let mut last = (0, Instant::now());
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(50).min(end.saturating_duration_since(Instant::now()))).await;
        let answered = sh.acked.load(Relaxed) + sh.ack_errors.load(Relaxed);
        if answered != last.0 {
            last = (answered, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(1) {
            stalls += 1;
            for _ in 0..k {
                senders.give_turn();
            }
            last = (answered, Instant::now());
        }
    }
    stalls
}

pub(crate) async fn scenario(
    sh: &Shared,
    senders: &load::Senders,
    pids: &[u32],
    sampler: &RssSampler,
    n: usize,
    k: usize,
    cfg: &Config,
) -> Scenario {
    sh.scenario.fetch_add(1, Relaxed);
    for c in [&sh.deliveries, &sh.window, &sh.sent, &sh.acked, &sh.ack_errors] {
        c.store(0, Relaxed);
    }
    sh.hist.reset();
    sh.sending.store(true, Relaxed);
    for _ in 0..k {
        senders.give_turn();
    }
    let mut stalls = run_for(cfg.warmup, sh, senders, k).await;

    let (srv0, gen0, all0) = (procs::cpu_tree(pids), procs::cpu_self(), procs::cpu_busy_machine());
    let sent0 = sh.sent.load(Relaxed);
    sampler.peak_window.store(0, Relaxed);
    sh.measuring.store(true, Relaxed);
    let t0 = Instant::now();
    stalls += run_for(cfg.duration, sh, senders, k).await;
    sh.measuring.store(false, Relaxed);
    let dt = t0.elapsed().as_secs_f64();
    let (srv1, gen1, all1) = (procs::cpu_tree(pids), procs::cpu_self(), procs::cpu_busy_machine());
    let sent1 = sh.sent.load(Relaxed);
    let peak = sampler.peak_window.load(Relaxed);
    sh.sending.store(false, Relaxed);

    // Drain: every acknowledged message must reach all n members (the sender included). A
    // loaded machine (CI) can hold one ack for seconds; only a send unanswered after the
    // whole drain counts as unanswered, and its late ack is not counted in the next scenario.
    let drain0 = Instant::now();
    let deadline = drain0 + Duration::from_secs(15);
    loop {
        let answered = sh.acked.load(Relaxed) + sh.ack_errors.load(Relaxed);
        let done = answered >= sh.sent.load(Relaxed)
            && sh.deliveries.load(Relaxed) >= sh.acked.load(Relaxed) * n as u64;
        if done || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let expected = sh.acked.load(Relaxed) * n as u64;
    let got = sh.deliveries.load(Relaxed);
    let answered = sh.acked.load(Relaxed) + sh.ack_errors.load(Relaxed);
    Scenario {
        clients: n,
        inflight: k,
        deliveries_per_s: sh.window.load(Relaxed) as f64 / dt,
        messages_per_s: (sent1 - sent0) as f64 / dt,
        p50: sh.hist.quantile(0.50),
        p99: sh.hist.quantile(0.99),
        p999: sh.hist.quantile(0.999),
        server_cpu: (srv1 - srv0) / dt,
        gen_cpu: (gen1 - gen0) / dt,
        machine_cpu: (all1 - all0) / dt,
        lost: expected.saturating_sub(got),
        ack_errors: sh.ack_errors.load(Relaxed),
        unanswered: sh.sent.load(Relaxed).saturating_sub(answered),
        stalls,
        drain_s: drain0.elapsed().as_secs_f64(),
        peak_rss: peak,
    }
}

async fn idle_memory(kind: Kind, cfg: &Config, launch: &Launch, rep: &mut Report) -> Result<(), String> {
    let srv = Server::start(kind, launch).map_err(|e| e.to_string())?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pids = procs::tree(srv.pid);
    rep.idle_base = median_rss(&pids).await;
    let sh = Arc::new(Shared::new());
    sh.stage.store(cfg.idle_stage, Relaxed);
    let size = cfg.idle_room_size;
    let r = open_clients(srv.addr, cfg.idle, |i| format!("idle{}", i / size), None, &sh).await;
    let (handles, secs) = match r {
        Ok(x) => x,
        Err(e) => {
            rep.problems.extend(log_notes("idle-memory server", srv.problems()));
            srv.stop();
            return Err(format!("idle connections: {e}"));
        }
    };
    settle(&sh.bytes, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    rep.idle_loaded = median_rss(&pids).await;
    rep.idle_conns = cfg.idle;
    rep.idle_join_secs = secs;
    eprintln!(
        "   {} idle connections ({}) in {secs:.1} s: RSS {} → {} ({}/connection)",
        cfg.idle,
        stage_name(cfg.idle_stage),
        fmt_bytes(rep.idle_base as f64),
        fmt_bytes(rep.idle_loaded as f64),
        fmt_bytes(rep.per_conn().unwrap_or(0.0))
    );
    let closed = sh.closed.load(Relaxed);
    if closed > 0 {
        rep.problems.push(format!("{closed} idle connections were closed by the server"));
    }
    rep.problems.extend(log_notes("idle-memory server", srv.problems()));
    // Stop the server first: closing 5,000 clients one by one would make it broadcast
    // thousands of "has left" notices for nothing.
    srv.stop();
    abort(&handles);
    Ok(())
}

pub(crate) fn stage_name(stage: u8) -> &'static str {
    match stage {
        load::STAGE_WS => "WebSocket-only",
        load::STAGE_CONNECT => "connected, not joined",
        _ => "joined",
    }
}

/// Median of 5 RSS samples 100 ms apart (a GC or allocator trim can move one sample).
pub(crate) async fn median_rss(pids: &[u32]) -> u64 {
    let mut v = Vec::new();
    for _ in 0..5 {
        v.push(procs::rss_tree(pids));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    v.sort_unstable();
    v[2]
}
