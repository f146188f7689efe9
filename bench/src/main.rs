//! `banter-bench`: banter-server against the official Node `socket.io` classic chat server,
//! same machine, same run, same load generator. See docs/benchmarks.md.

mod files;
mod hist;
mod load;
mod procs;
mod scaleout;
mod scaleout_client;
mod scaleout_procs;
mod search;
mod signins;
mod ws;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use load::Shared;
use procs::{Kind, Launch, RssSampler, Server};

#[derive(Parser, Debug, Clone)]
#[command(about = "Benchmark banter-server against the Node socket.io classic chat server")]
struct Args {
    /// Tiny sizes (20 and 50 clients, 300 idle connections, 1 s per scenario): a smoke run
    /// that keeps the benchmark from rotting, not a measurement.
    #[arg(long)]
    quick: bool,
    /// Measured seconds per throughput scenario (after a warm-up).
    #[arg(long)]
    duration_secs: Option<f64>,
    /// Run against one server only.
    #[arg(long, value_parser = ["banter", "node"])]
    only: Option<String>,
    /// Also write the report (markdown) to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Room sizes, comma-separated (default 200,1000; quick 20,50).
    #[arg(long, value_delimiter = ',')]
    clients: Option<Vec<usize>>,
    /// Sends in flight, comma-separated (default 1,16).
    #[arg(long, value_delimiter = ',')]
    inflight: Option<Vec<usize>>,
    /// Idle joined connections for the memory-per-connection figure (default 5000; quick 300).
    #[arg(long)]
    idle: Option<usize>,
    /// How far the idle clients go: `join` (joined a room), `connect` (Socket.IO connected,
    /// no join) or `ws` (WebSocket open, no Socket.IO connect): a breakdown of the memory.
    #[arg(long, default_value = "join", value_parser = ["join", "connect", "ws"])]
    idle_stage: String,
    /// Idle clients per room in the memory test.
    #[arg(long, default_value_t = 10)]
    idle_room_size: usize,
    /// The banter-server binary (default: next to this binary, else
    /// $CARGO_TARGET_DIR/release/banter-server).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Do not run `cargo build --release -p banter-server` first (it is run only when this
    /// program was started by `cargo run` and no --server-bin was given).
    #[arg(long)]
    no_build: bool,
    /// Sockets that take turns sending in each room (default: every member).
    #[arg(long)]
    senders: Option<usize>,
    /// Worker threads of the load generator.
    #[arg(long, default_value_t = 1)]
    gen_threads: usize,
    /// Repository root (where tests/node/support/classic-server.cjs and node_modules are).
    #[arg(long)]
    repo: Option<PathBuf>,
    /// Which scenarios to run: `classic` (the rooms and idle memory, both servers),
    /// `signins` (issue 8's sign-in figures), `search` and `files` (issue 10's search and
    /// upload figures), the last three banter-server only; `scaleout` (issue 11: one node on
    /// SQLite, one on PostgreSQL, several on PostgreSQL + Redis; not in the default run, it
    /// starts its own PostgreSQL and Redis); comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "classic,signins,search,files", value_parser = ["classic", "signins", "search", "files", "scaleout"])]
    scenarios: Vec<String>,
    #[command(flatten)]
    scaleout: scaleout::ScaleoutArgs,
    /// Files: rounds of a 25 MiB upload and download (default 5; quick 1).
    #[arg(long)]
    file_rounds: Option<usize>,
    /// Search: messages stored before searching (default 1,000,000; quick 2,000).
    #[arg(long)]
    search_messages: Option<u64>,
    /// Sign-ins: concurrent clients looping login + logout (default 8; quick 2).
    #[arg(long)]
    signin_clients: Option<usize>,
    /// Sign-ins: per second, paced, beside the chatting room (default 50; quick 5).
    #[arg(long)]
    signin_rate: Option<f64>,
    /// Sign-ins: clients of the chatting room (default 200; quick 20).
    #[arg(long)]
    signin_chat_clients: Option<usize>,
    /// Sign-ins: sends in flight in the chatting room.
    #[arg(long, default_value_t = 1)]
    signin_chat_inflight: usize,
    /// Sign-ins: idle signed-in clients (and guests) for the memory figure (default 1000; quick 10).
    #[arg(long)]
    signed_idle: Option<usize>,
    /// Sign-ins: rooms each idle client joins.
    #[arg(long, default_value_t = 10)]
    signed_idle_rooms: usize,
    /// Sign-ins: most sign-ins one scenario may start (it is bounded in time too).
    #[arg(long, default_value_t = 100_000)]
    max_signins: u64,
}

struct Config {
    sizes: Vec<usize>,
    inflight: Vec<usize>,
    idle: usize,
    idle_room_size: usize,
    idle_stage: u8,
    senders: Option<usize>,
    duration: Duration,
    warmup: Duration,
    kinds: Vec<Kind>,
}

#[derive(Clone, Debug, Default)]
struct Scenario {
    clients: usize,
    inflight: usize,
    deliveries_per_s: f64,
    messages_per_s: f64,
    p50: Option<u64>,
    p99: Option<u64>,
    p999: Option<u64>,
    server_cpu: f64,
    gen_cpu: f64,
    machine_cpu: f64,
    lost: u64,
    ack_errors: u64,
    /// Sends never acknowledged (dropped by the server), and times the watchdog had to
    /// restart a stalled send loop.
    unanswered: u64,
    stalls: u64,
    /// How long the last acks and deliveries took to arrive after sending stopped.
    drain_s: f64,
    peak_rss: u64,
}

#[derive(Debug, Default)]
struct Report {
    rss_idle: u64,
    rss_peak: u64,
    /// Busy CPU of the whole machine while the server sat idle before the run (cores).
    background_cpu: f64,
    join_secs: Vec<(usize, f64)>,
    scenarios: Vec<Scenario>,
    idle_base: u64,
    idle_loaded: u64,
    idle_conns: usize,
    idle_join_secs: f64,
    problems: Vec<String>,
    errors: Vec<String>,
}

impl Report {
    fn per_conn(&self) -> Option<f64> {
        (self.idle_conns > 0)
            .then(|| (self.idle_loaded as f64 - self.idle_base as f64) / self.idle_conns as f64)
    }
    fn scenario(&self, n: usize, k: usize) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.clients == n && s.inflight == k)
    }
    fn lost(&self) -> u64 {
        self.scenarios.iter().map(|s| s.lost).sum()
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let quick = args.quick;
    let kinds = match args.only.as_deref() {
        Some("banter") => vec![Kind::Banter],
        Some("node") => vec![Kind::Node],
        _ => vec![Kind::Banter, Kind::Node],
    };
    let duration = Duration::from_secs_f64(args.duration_secs.unwrap_or(if quick { 1.0 } else { 5.0 }));
    let cfg = Config {
        sizes: args.clients.clone().unwrap_or(if quick { vec![20, 50] } else { vec![200, 1000] }),
        inflight: args.inflight.clone().unwrap_or(vec![1, 16]),
        idle: args.idle.unwrap_or(if quick { 300 } else { 5000 }),
        idle_room_size: args.idle_room_size.max(1),
        senders: args.senders,
        idle_stage: match args.idle_stage.as_str() {
            "ws" => load::STAGE_WS,
            "connect" => load::STAGE_CONNECT,
            _ => load::STAGE_JOIN,
        },
        duration,
        warmup: if quick { Duration::from_millis(300) } else { Duration::from_secs(1) },
        kinds,
    };
    let classic = args.scenarios.iter().any(|s| s == "classic");
    let want_signins = args.scenarios.iter().any(|s| s == "signins");
    let want_search = args.scenarios.iter().any(|s| s == "search");
    let want_files = args.scenarios.iter().any(|s| s == "files");
    let want_scaleout = args.scenarios.iter().any(|s| s == "scaleout");
    let file_rounds = args.file_rounds.unwrap_or(if quick { 1 } else { 5 }).max(1);
    let search_cfg = search::SearchConfig {
        messages: args.search_messages.unwrap_or(if quick { 2_000 } else { 1_000_000 }).max(1),
        rooms: 10,
        queries: if quick { 50 } else { 500 },
    };
    let scfg = signins::SigninConfig {
        clients: args.signin_clients.unwrap_or(if quick { 2 } else { 8 }).max(1),
        max_signins: args.max_signins,
        chat_clients: args.signin_chat_clients.unwrap_or(if quick { 20 } else { 200 }).max(1),
        chat_inflight: args.signin_chat_inflight.max(1),
        rate: args.signin_rate.unwrap_or(if quick { 5.0 } else { 50.0 }),
        signers: 4,
        idle: args.signed_idle.unwrap_or(if quick { 10 } else { 1000 }),
        idle_rooms: args.signed_idle_rooms.max(1),
        quiet_wait: if quick { Duration::from_secs(1) } else { Duration::from_secs(15) },
    };
    let repo = args
        .repo
        .clone()
        // `cargo run` names this checkout at run time; the compile-time path may be a clone
        // that shared the target dir and is gone.
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR").map(|d| PathBuf::from(d).join("..")))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."));
    let repo = repo.canonicalize().unwrap_or(repo);

    let nofile = procs::raise_nofile();
    if (nofile as usize) < cfg.idle + 200 {
        eprintln!(
            "warning: open-file limit is {nofile}, {} idle connections need more; raise `ulimit -n`",
            cfg.idle
        );
    }

    let mut built = false;
    let banter_bin = match &args.server_bin {
        Some(p) => p.clone(),
        None => {
            if cfg.kinds.contains(&Kind::Banter) && !args.no_build {
                if let Some(cargo) = std::env::var_os("CARGO") {
                    // The same profile as this binary, so the server is found next to it.
                    let mut build = vec!["build", "-p", "banter-server"];
                    if !cfg!(debug_assertions) {
                        build.push("--release");
                    }
                    eprintln!("building banter-server (cargo {})…", build.join(" "));
                    let ok = Command::new(cargo)
                        .args(&build)
                        .current_dir(&repo)
                        .status()
                        .map(|s| s.success())
                        .unwrap_or(false);
                    if !ok {
                        eprintln!("error: building banter-server failed (use --only node to skip it)");
                        return ExitCode::FAILURE;
                    }
                    built = true;
                }
            }
            procs::default_banter_bin()
        }
    };
    if cfg.kinds.contains(&Kind::Banter) && !procs::exists(&banter_bin) {
        eprintln!(
            "error: no banter-server binary at {} (build it with `cargo build --release -p banter-server`, \
             pass --server-bin, or use --only node)",
            banter_bin.display()
        );
        return ExitCode::FAILURE;
    }
    // Run a private copy: the shared target dir may get a new build while the bench runs
    // (the throughput and the idle-memory phases must measure the same binary).
    let bin_dir = match tempfile::Builder::new().prefix("banter-bench-bin-").tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: temp dir: {e}");
            return ExitCode::FAILURE;
        }
    };
    let banter_bin_shown = banter_bin.clone();
    let banter_bin = if cfg.kinds.contains(&Kind::Banter) {
        let copy = bin_dir.path().join("banter-server");
        if let Err(e) = std::fs::copy(&banter_bin, &copy) {
            eprintln!("error: cannot copy {}: {e}", banter_bin.display());
            return ExitCode::FAILURE;
        }
        copy
    } else {
        banter_bin
    };
    let version = if built {
        format!("banter-server built by the bench from {}", source_version(&repo))
    } else {
        format!(
            "banter-server binary {} (not built by the bench; the work tree is at {})",
            banter_bin_shown.display(),
            source_version(&repo)
        )
    };
    let launch = Launch { banter_bin, repo_root: repo };

    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.gen_threads.max(1))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let mut reports = Vec::new();
    if classic {
        for &kind in &cfg.kinds {
            eprintln!("== {}", kind.name());
            let r = rt.block_on(bench_server(kind, &cfg, &launch));
            reports.push((kind, r));
        }
    }
    // Node's tutorial server has no accounts: the sign-in scenarios run on banter-server only.
    let signin_report = (want_signins && cfg.kinds.contains(&Kind::Banter)).then(|| {
        eprintln!("== banter-server: sign-ins");
        rt.block_on(signins::run(&cfg, &scfg, &launch))
    });
    let search_report = (want_search && cfg.kinds.contains(&Kind::Banter)).then(|| {
        eprintln!("== banter-server: search");
        rt.block_on(search::run(&search_cfg, &launch))
    });
    let files_report = (want_files && cfg.kinds.contains(&Kind::Banter)).then(|| {
        eprintln!("== banter-server: files");
        rt.block_on(files::run(file_rounds, &launch))
    });
    let scale_cfg = scaleout::ScaleConfig::new(&args.scaleout, &cfg, quick);
    let scaleout_report = (want_scaleout && cfg.kinds.contains(&Kind::Banter)).then(|| {
        eprintln!("== banter-server: scale-out");
        rt.block_on(scaleout::run(&scale_cfg, &launch))
    });
    let mut text = if classic {
        render(&cfg, &reports, started.elapsed(), args.gen_threads.max(1))
    } else {
        format!("{}; run took {:.0} s\n", procs::machine_line(), started.elapsed().as_secs_f64())
    };
    if let Some(r) = &signin_report {
        text.push('\n');
        signins::render(&mut text, &cfg, &scfg, r);
        text.push('\n');
    } else if want_signins {
        text.push_str("\nSign-ins: not run (banter-server only; Node's tutorial server has no accounts).\n");
    }
    if let Some(r) = &search_report {
        text.push('\n');
        search::render(&mut text, r);
        text.push('\n');
    }
    if let Some(r) = &files_report {
        text.push('\n');
        files::render(&mut text, r);
        text.push('\n');
    }
    if let Some(r) = &scaleout_report {
        text.push('\n');
        scaleout::render(&mut text, &scale_cfg, r);
        text.push('\n');
    }
    if cfg.kinds.contains(&Kind::Banter) {
        text.push_str(&format!("{version}\n"));
    }
    println!("{text}");
    if let Some(out) = &args.out {
        if let Err(e) = std::fs::write(out, &text) {
            eprintln!("error: cannot write {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
    }
    let mut failed = reports.iter().any(|(_, r)| !r.errors.is_empty());
    if let Some(r) = &signin_report {
        // Errors always fail; in a smoke run so do refused sign-ins and lost deliveries.
        if !r.errors.is_empty() || (quick && r.failed()) {
            eprintln!("error: sign-ins: {}", if r.errors.is_empty() { "refused sign-ins, lost deliveries or unanswered sends" } else { "a phase failed" });
            failed = true;
        }
    }
    if let Some(r) = &search_report {
        if !r.errors.is_empty() || r.stored == 0 || r.queries == 0 {
            eprintln!("error: search: {}", r.errors.first().map(String::as_str).unwrap_or("nothing stored or searched"));
            failed = true;
        }
    }
    if let Some(r) = &files_report {
        if !r.errors.is_empty() || r.upload_secs.is_empty() {
            eprintln!("error: files: {}", r.errors.first().map(String::as_str).unwrap_or("nothing uploaded"));
            failed = true;
        }
    }
    if let Some(r) = &scaleout_report {
        for f in r.failures() {
            eprintln!("error: scale-out: {f}");
            failed = true;
        }
    }
    // A smoke run (CI) also fails when a server lost deliveries or left sends unanswered.
    if quick {
        for (kind, r) in &reports {
            let unanswered: u64 = r.scenarios.iter().map(|s| s.unanswered).sum();
            if r.lost() > 0 || unanswered > 0 {
                eprintln!(
                    "error: {}: {} lost deliveries, {unanswered} unanswered sends",
                    kind.name(),
                    r.lost()
                );
                failed = true;
            }
        }
    }
    // Keep the runtime's tasks from outliving the report noisily.
    rt.shutdown_timeout(Duration::from_millis(200));
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

async fn bench_server(kind: Kind, cfg: &Config, launch: &Launch) -> Report {
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

/// Opens `n` joined clients (client 0 is the sender when `with_sender`).
async fn open_clients(
    addr: std::net::SocketAddr,
    n: usize,
    room_of: impl Fn(usize) -> String,
    senders: Option<&Arc<load::Senders>>,
    sh: &Arc<Shared>,
) -> Result<(Vec<JoinHandle<()>>, f64), String> {
    let t0 = Instant::now();
    sh.joined.store(0, Relaxed);
    sh.failed.store(0, Relaxed);
    let sem = Arc::new(Semaphore::new(64));
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let permit = sem.clone().acquire_owned().await.map_err(|e| e.to_string())?;
        handles.push(tokio::spawn(load::client(
            addr,
            format!("u{i}"),
            room_of(i),
            senders.filter(|s| i < s.len()).map(|s| (s.clone(), i)),
            sh.clone(),
            permit,
        )));
        if sh.failed.load(Relaxed) > 0 {
            break;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let (j, f) = (sh.joined.load(Relaxed), sh.failed.load(Relaxed));
        if f > 0 {
            abort(&handles);
            let e = sh.take_error().unwrap_or_default();
            return Err(format!("{f} of {n} clients failed to join: {e}"));
        }
        if j as usize >= n {
            break;
        }
        if Instant::now() > deadline {
            abort(&handles);
            return Err(format!("only {j} of {n} clients joined in 300 s"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok((handles, t0.elapsed().as_secs_f64()))
}

fn abort(handles: &[JoinHandle<()>]) {
    for h in handles {
        h.abort();
    }
}

/// Waits until no client has read anything for 300 ms (the join notices and `roomData`
/// broadcasts have all arrived).
async fn settle(sh: &Shared, max: Duration) {
    let t0 = Instant::now();
    let mut quiet = 0;
    let mut last = sh.bytes.load(Relaxed);
    while quiet < 3 && t0.elapsed() < max {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let b = sh.bytes.load(Relaxed);
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
        settle(&sh, Duration::from_secs(120)).await;
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
        settle(&sh, Duration::from_secs(10)).await;
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

async fn scenario(
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
    settle(&sh, Duration::from_secs(30)).await;
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

/// The commit the banter-server binary was (presumably) built from, and whether server/
/// or protocol/ had uncommitted changes.
fn source_version(repo: &std::path::Path) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(head) = git(&["rev-parse", "--short", "HEAD"]) else { return "an unknown commit".into() };
    let dirty = git(&["status", "--porcelain", "--", "server", "protocol"]).is_some_and(|s| !s.is_empty());
    if dirty {
        format!("commit {head} plus uncommitted changes in server/ or protocol/")
    } else {
        format!("commit {head}")
    }
}

/// Sums up the server's log: warnings about deliveries to sockets that were already
/// closing come from the benchmark closing its clients between phases and are expected;
/// anything else is worth a look. (banter-server logs each kind of warning at most once a
/// second, so the counts are lower bounds.)
fn log_notes(what: &str, lines: Vec<String>) -> Vec<String> {
    let (closed, other): (Vec<_>, Vec<_>) = lines.into_iter().partition(|l| l.contains("Some(Closed)"));
    let mut v = Vec::new();
    if !closed.is_empty() {
        v.push(format!(
            "{what}: {} log warning(s) about deliveries to sockets that were closing (the benchmark closing its clients; expected)",
            closed.len()
        ));
    }
    if !other.is_empty() {
        let first: Vec<&str> = other.iter().take(3).map(|l| l.trim()).collect();
        v.push(format!("{what}: {} other warning/error line(s) in the log; first: {}", other.len(), first.join(" // ")));
    }
    v
}

fn stage_name(stage: u8) -> &'static str {
    match stage {
        load::STAGE_WS => "WebSocket-only",
        load::STAGE_CONNECT => "connected, not joined",
        _ => "joined",
    }
}

/// Median of 5 RSS samples 100 ms apart (a GC or allocator trim can move one sample).
async fn median_rss(pids: &[u32]) -> u64 {
    let mut v = Vec::new();
    for _ in 0..5 {
        v.push(procs::rss_tree(pids));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    v.sort_unstable();
    v[2]
}

// ---------------------------------------------------------------------------- report

pub(crate) fn fmt_int(x: f64) -> String {
    let s = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub(crate) fn fmt_ns(v: Option<u64>) -> String {
    match v {
        None => "–".into(),
        Some(ns) if ns < 1_000_000 => format!("{:.0} µs", ns as f64 / 1e3),
        Some(ns) if ns < 10_000_000 => format!("{:.2} ms", ns as f64 / 1e6),
        Some(ns) if ns < 1_000_000_000 => format!("{:.1} ms", ns as f64 / 1e6),
        Some(ns) => format!("{:.2} s", ns as f64 / 1e9),
    }
}

fn fmt_bytes(b: f64) -> String {
    if b.abs() >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / 1024.0 / 1024.0)
    } else {
        format!("{:.1} KiB", b / 1024.0)
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn fmt_ratio(r: Option<f64>) -> String {
    match r {
        Some(r) if r >= 10.0 => format!("{r:.1}×"),
        Some(r) => format!("{r:.2}×"),
        None => "–".into(),
    }
}

enum Aim {
    None,
    AtLeast(f64),
    Below(f64),
    AtMost(f64),
}

fn aim_text(aim: &Aim, r: Option<f64>) -> String {
    let (txt, ok) = match *aim {
        Aim::None => return String::new(),
        Aim::AtLeast(x) => (format!("≥ {x}×"), r.map(|r| r >= x)),
        Aim::Below(x) => (format!("< {x}×"), r.map(|r| r < x)),
        Aim::AtMost(x) => (format!("≤ {x}×"), r.map(|r| r <= x)),
    };
    match ok {
        Some(true) => format!("{txt} ✓"),
        Some(false) => format!("{txt} ✗"),
        None => txt,
    }
}

fn render(cfg: &Config, reports: &[(Kind, Report)], took: Duration, gen_threads: usize) -> String {
    let mut o = String::new();
    let get = |k: Kind| reports.iter().find(|(x, _)| *x == k).map(|(_, r)| r);
    let (b, n) = (get(Kind::Banter), get(Kind::Node));
    let both = b.is_some() && n.is_some();
    let _ = writeln!(o, "## banter-server vs node socket.io (classic chat protocol)\n");
    if both {
        let _ = writeln!(o, "| metric | banter-server | node socket.io | ratio (banter/node) | aim |");
        let _ = writeln!(o, "| --- | ---: | ---: | ---: | --- |");
    } else {
        let k = if b.is_some() { Kind::Banter } else { Kind::Node };
        let _ = writeln!(o, "| metric | {} |", k.name());
        let _ = writeln!(o, "| --- | ---: |");
    }
    let mut row = |name: String, bv: Option<f64>, nv: Option<f64>, f: &dyn Fn(f64) -> String, aim: Aim| {
        let show = |v: Option<f64>| v.map(f).unwrap_or_else(|| "–".into());
        if both {
            let r = ratio(bv, nv);
            let _ = writeln!(o, "| {name} | {} | {} | {} | {} |", show(bv), show(nv), fmt_ratio(r), aim_text(&aim, r));
        } else {
            let _ = writeln!(o, "| {name} | {} |", show(bv.or(nv)));
        }
    };
    let ns = |v: f64| fmt_ns(Some(v as u64));
    let bytes = |v: f64| fmt_bytes(v);
    let int = |v: f64| fmt_int(v);
    for &size in &cfg.sizes {
        for &k in &cfg.inflight {
            let sb = b.and_then(|r| r.scenario(size, k));
            let sn = n.and_then(|r| r.scenario(size, k));
            let what = format!("{size} clients, {k} in flight");
            row(
                format!("deliveries/s, {what}"),
                sb.map(|s| s.deliveries_per_s),
                sn.map(|s| s.deliveries_per_s),
                &int,
                Aim::AtLeast(5.0),
            );
            row(
                format!("p50 delivery latency, {what}"),
                sb.and_then(|s| s.p50).map(|v| v as f64),
                sn.and_then(|s| s.p50).map(|v| v as f64),
                &ns,
                Aim::None,
            );
            row(
                format!("p99 delivery latency, {what}"),
                sb.and_then(|s| s.p99).map(|v| v as f64),
                sn.and_then(|s| s.p99).map(|v| v as f64),
                &ns,
                Aim::Below(1.0),
            );
        }
    }
    row(
        "server RSS idle".into(),
        b.map(|r| r.rss_idle as f64),
        n.map(|r| r.rss_idle as f64),
        &bytes,
        Aim::None,
    );
    row(
        "server RSS peak (throughput runs, joins included)".into(),
        b.map(|r| r.rss_peak as f64),
        n.map(|r| r.rss_peak as f64),
        &bytes,
        Aim::None,
    );
    row(
        "server RSS peak while sending (max over scenarios)".into(),
        b.map(|r| r.scenarios.iter().map(|s| s.peak_rss).max().unwrap_or(0) as f64),
        n.map(|r| r.scenarios.iter().map(|s| s.peak_rss).max().unwrap_or(0) as f64),
        &bytes,
        Aim::None,
    );
    row(
        format!(
            "memory per idle connection ({} {})",
            fmt_int(cfg.idle as f64),
            stage_name(cfg.idle_stage)
        ),
        b.and_then(|r| r.per_conn()),
        n.and_then(|r| r.per_conn()),
        &bytes,
        Aim::AtMost(0.2),
    );
    let lost = |r: &Report| r.lost() as f64;
    let _ = writeln!(
        o,
        "| lost deliveries (all scenarios) | {} |{}",
        [b, n]
            .iter()
            .flatten()
            .map(|r| fmt_int(lost(r)))
            .collect::<Vec<_>>()
            .join(" | "),
        if both { " – | 0 |" } else { "" }
    );

    let _ = writeln!(o, "\n### Details\n");
    let header = [
        "server", "clients", "in flight", "deliveries/s", "messages/s", "p50", "p99", "p99.9", "server CPU",
        "generator CPU", "machine CPU", "peak RSS", "lost", "ack errors", "unanswered",
    ];
    let _ = writeln!(o, "| {} |", header.join(" | "));
    let _ = writeln!(o, "| --- |{}", " ---: |".repeat(header.len() - 1));
    for (kind, r) in reports {
        for s in &r.scenarios {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {:.0}% | {:.0}% | {:.0}% | {} | {} | {} | {}{} |",
                kind.name(),
                s.clients,
                s.inflight,
                fmt_int(s.deliveries_per_s),
                fmt_int(s.messages_per_s),
                fmt_ns(s.p50),
                fmt_ns(s.p99),
                fmt_ns(s.p999),
                s.server_cpu * 100.0,
                s.gen_cpu * 100.0,
                s.machine_cpu * 100.0,
                fmt_bytes(s.peak_rss as f64),
                s.lost,
                s.ack_errors,
                s.unanswered,
                if s.stalls > 0 { format!(" ({} stalls)", s.stalls) } else { String::new() }
            );
        }
    }
    let _ = writeln!(o);
    for (kind, r) in reports {
        let joins: Vec<String> = r.join_secs.iter().map(|(n, s)| format!("{n} clients {s:.1} s")).collect();
        let idle = if r.idle_conns > 0 {
            format!(
                "; {} idle connections: RSS {} → {} (joined in {:.1} s)",
                fmt_int(r.idle_conns as f64),
                fmt_bytes(r.idle_base as f64),
                fmt_bytes(r.idle_loaded as f64),
                r.idle_join_secs
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "- {}: joining took {}{idle}; CPU busy before the run (background): {:.0}% of a core",
            kind.name(),
            joins.join(", "),
            r.background_cpu * 100.0
        );
        for e in &r.errors {
            let _ = writeln!(o, "  - ERROR: {e}");
        }
        for s in &r.scenarios {
            let other = s.machine_cpu - s.server_cpu - s.gen_cpu;
            if other > 0.5 {
                let _ = writeln!(
                    o,
                    "  - note: {} clients, {} in flight: {:.0}% of a core busy outside the server and the generator \
                     (other processes, or the kernel's loopback work): the figures may be low",
                    s.clients,
                    s.inflight,
                    other * 100.0
                );
            }
        }
        for p in r.problems.iter().take(10) {
            let _ = writeln!(o, "  - note: {}", p.chars().take(400).collect::<String>());
        }
    }
    let _ = writeln!(
        o,
        "\n{}; load generator: {gen_threads} thread(s); {} s measured per scenario after {} s warm-up; run took {:.0} s",
        procs::machine_line(),
        cfg.duration.as_secs_f64(),
        cfg.warmup.as_secs_f64(),
        took.as_secs_f64()
    );
    o
}
