//! `--scenarios scaleout` (issue 11's benchmark): what one banter-server node does on SQLite,
//! one on PostgreSQL, and three on one PostgreSQL database and one Redis, in the same run,
//! with the same generator (classic clients over `ws.rs`; `scaleout_client.rs`; one measured phase: `scaleout_phase.rs`).
//!
//! Per setup, two phases on the same nodes, clients spread round robin over the nodes' own
//! addresses (client i on node i mod n):
//! - hot room: `hot_clients` members of one room, the first `hot_senders` of them sending,
//!   each with one message in flight of its own (send, ack, send the next);
//! - many rooms: `rooms` rooms of `room_size` members (consecutive clients, so on three nodes
//!   a room's members are on different nodes), the first member of each sending, one in flight.
//!
//! Each phase: warm-up, a measured window, then sending stops and every acknowledged message
//! must reach every member of its room within the drain timeout. Copies are counted apart by
//! whether the receiver is on the sender's node (missing ones fail the run) or on another
//! (cross-node fan-out goes through Redis pub/sub, at most once by design: missing ones are
//! reported with whether the database has the messages for a client to fetch from history).
//! CPU seconds of every process (each node, PostgreSQL's processes, Redis, the generator)
//! are read from /proc at both ends of the window.

use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::procs::{self, Launch};
use crate::scaleout_client::Counters;
use crate::scaleout_phase::{phase, stored_count};
use crate::scaleout_procs::{Health, Node, Services};
use crate::args::Config;
pub use crate::scaleout_report::render;
use crate::report::{fmt_int, fmt_ns};

#[derive(clap::Args, Debug, Clone)]
pub struct ScaleoutArgs {
    /// Scale-out: the setups to run: `sqlite` (one node on SQLite, a fresh --db file), `pg` (one node on
    /// PostgreSQL), `cluster` (--scaleout-nodes nodes on one PostgreSQL database and Redis).
    #[arg(long, value_delimiter = ',', default_value = "sqlite,pg,cluster", value_parser = ["sqlite", "pg", "cluster"])]
    pub scaleout_setups: Vec<String>,
    /// Scale-out: members of the hot room (default 200; quick 20).
    #[arg(long)]
    pub scaleout_hot_clients: Option<usize>,
    /// Scale-out: senders in the hot room, one message in flight each (default 20; quick 4).
    #[arg(long)]
    pub scaleout_hot_senders: Option<usize>,
    /// Scale-out: rooms of the many-rooms phase (default 1000; quick 50).
    #[arg(long)]
    pub scaleout_rooms: Option<usize>,
    /// Scale-out: members per room of the many-rooms phase (the first one sends).
    #[arg(long, default_value_t = 2)]
    pub scaleout_room_size: usize,
    /// Scale-out: nodes of the cluster setup (at most 10).
    #[arg(long, default_value_t = 3)]
    pub scaleout_nodes: usize,
}

pub struct ScaleConfig {
    setups: Vec<Setup>,
    pub(crate) hot_clients: usize,
    pub(crate) hot_senders: usize,
    pub(crate) rooms: usize,
    pub(crate) room_size: usize,
    pub(crate) duration: Duration,
    pub(crate) warmup: Duration,
    pub(crate) drain: Duration,
    /// After the nodes start, before the first phase (the background CPU is read meanwhile).
    pub(crate) idle_wait: Duration,
}

impl ScaleConfig {
    pub fn new(a: &ScaleoutArgs, cfg: &Config, quick: bool) -> ScaleConfig {
        let nodes = a.scaleout_nodes.clamp(1, 10);
        let hot_clients = a.scaleout_hot_clients.unwrap_or(if quick { 20 } else { 200 }).max(1);
        ScaleConfig {
            setups: a
                .scaleout_setups
                .iter()
                .map(|s| match s.as_str() {
                    "sqlite" => Setup::Sqlite,
                    "pg" => Setup::Pg,
                    _ => Setup::Cluster(nodes),
                })
                .collect(),
            hot_clients,
            hot_senders: a.scaleout_hot_senders.unwrap_or(if quick { 4 } else { 20 }).clamp(1, hot_clients),
            rooms: a.scaleout_rooms.unwrap_or(if quick { 50 } else { 1000 }).max(1),
            room_size: a.scaleout_room_size.max(1),
            // A smoke run (<15 s for the three setups): half a second measured.
            duration: if quick { cfg.duration.min(Duration::from_millis(500)) } else { cfg.duration },
            warmup: if quick { cfg.warmup.min(Duration::from_millis(200)) } else { cfg.warmup },
            idle_wait: if quick { Duration::from_millis(300) } else { Duration::from_secs(1) },
            drain: if quick { Duration::from_secs(10) } else { Duration::from_secs(15) },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Setup {
    Sqlite,
    Pg,
    Cluster(usize),
}

impl Setup {
    fn name(self) -> String {
        match self {
            Setup::Sqlite => "1 node, SQLite".into(),
            Setup::Pg => "1 node, PostgreSQL".into(),
            Setup::Cluster(n) => format!("{n} nodes, PostgreSQL + Redis"),
        }
    }
    fn nodes(self) -> usize {
        match self {
            Setup::Cluster(n) => n,
            _ => 1,
        }
    }
    fn database(self) -> &'static str {
        match self {
            Setup::Sqlite => "",
            Setup::Pg => "bench_pg",
            Setup::Cluster(_) => "bench_cluster",
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Phase {
    pub(crate) what: String,
    pub(crate) clients: usize,
    pub(crate) senders: usize,
    pub(crate) join_secs: f64,
    pub(crate) deliveries_per_s: f64,
    pub(crate) messages_per_s: f64,
    pub(crate) p50: Option<u64>,
    pub(crate) p99: Option<u64>,
    pub(crate) p50_local: Option<u64>,
    pub(crate) p99_local: Option<u64>,
    pub(crate) p50_remote: Option<u64>,
    pub(crate) p99_remote: Option<u64>,
    pub(crate) window_deliveries: u64,
    pub(crate) acked: u64,
    pub(crate) ack_errors: u64,
    pub(crate) unanswered: u64,
    pub(crate) expected_local: u64,
    pub(crate) expected_remote: u64,
    pub(crate) lost_local: u64,
    pub(crate) missing_remote: u64,
    /// Messages of the phase found in the database, when it could be read.
    pub(crate) stored: Option<u64>,
    /// /healthz counters over the phase (joins to drain), summed over the nodes; `None`
    /// when a node did not answer.
    pub(crate) health: Option<Health>,
    /// CPU seconds in the measured window, by process group.
    pub(crate) cpu: Vec<(String, f64)>,
    pub(crate) gen_cpu: f64,
    pub(crate) machine_cpu: f64,
    pub(crate) window_s: f64,
    pub(crate) drain_s: f64,
}

impl Phase {
    pub(crate) fn server_side_cpu(&self) -> f64 {
        self.cpu.iter().map(|(_, s)| s).sum()
    }

    /// What the figures point at as the limit (a heuristic from the CPU shares; the
    /// machine's busy time includes the kernel's loopback work and anything else running).
    pub(crate) fn bound(&self) -> String {
        let dt = self.window_s.max(1e-9);
        let cores = procs_cores() as f64;
        let Some((name, secs)) = self.cpu.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else { return "–".into() };
        let (machine, ours, share) = (self.machine_cpu / dt, (self.server_side_cpu() + self.gen_cpu) / dt, secs / dt);
        let outside = (machine - ours).max(0.0);
        if machine >= cores * 0.9 {
            format!(
                "CPU: the {cores:.0} cores busy, {:.0}% of a core in {name}, {:.0}% outside the measured processes (kernel, other load)",
                share * 100.0,
                outside * 100.0
            )
        } else if share >= 0.9 {
            format!("one core of {name} ({:.0}%)", share * 100.0)
        } else {
            format!(
                "not CPU (machine {:.0}% of {:.0}%): round trips and commits × one message in flight per sender",
                machine * 100.0,
                cores * 100.0
            )
        }
    }
}

fn procs_cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

#[derive(Debug, Default)]
pub struct SetupReport {
    pub(crate) name: String,
    pub(crate) nodes: usize,
    pub(crate) phases: Vec<Phase>,
    pub(crate) errors: Vec<String>,
    pub(crate) problems: Vec<String>,
    pub(crate) background_cpu: f64,
}

#[derive(Debug, Default)]
pub struct ScaleReport {
    pub(crate) setups: Vec<SetupReport>,
    pub(crate) took_s: f64,
}

impl ScaleReport {
    /// Errors, lost copies on the sender's node (or anywhere on one node), refused or
    /// unanswered sends fail the run; cross-node copies missing are reported only.
    pub fn failures(&self) -> Vec<String> {
        let mut v = Vec::new();
        for s in &self.setups {
            v.extend(s.errors.iter().map(|e| format!("{}: {e}", s.name)));
            for p in &s.phases {
                if p.lost_local > 0 || p.ack_errors > 0 || p.unanswered > 0 {
                    v.push(format!(
                        "{}, {}: {} lost deliveries on the sender's node, {} refused and {} unanswered sends",
                        s.name, p.what, p.lost_local, p.ack_errors, p.unanswered
                    ));
                }
            }
        }
        v
    }
}

pub async fn run(scfg: &ScaleConfig, launch: &Launch) -> ScaleReport {
    let t0 = Instant::now();
    let mut rep = ScaleReport::default();
    let needs_pg = scfg.setups.iter().any(|s| *s != Setup::Sqlite);
    let services = if needs_pg {
        eprintln!("   starting PostgreSQL (fsync on) and Redis: scripts/services.sh start --durable");
        let s = Services::start(&launch.repo_root);
        if let Ok(s) = &s {
            s.stop_on_signal();
        }
        Some(s)
    } else {
        None
    };
    for &setup in &scfg.setups {
        eprintln!("== scale-out: {}", setup.name());
        let mut r = SetupReport { name: setup.name(), nodes: setup.nodes(), ..Default::default() };
        let svc = match (&services, setup) {
            (_, Setup::Sqlite) => None,
            (Some(Ok(s)), _) => Some(s),
            (Some(Err(e)), _) => {
                r.errors.push(format!("services: {e}"));
                rep.setups.push(r);
                continue;
            }
            (None, _) => None,
        };
        if let Err(e) = run_setup(setup, scfg, launch, svc, &mut r).await {
            eprintln!("   error: {e}");
            r.errors.push(e);
        }
        rep.setups.push(r);
    }
    // Stops PostgreSQL and Redis (also after a failed setup).
    drop(services);
    rep.took_s = t0.elapsed().as_secs_f64();
    rep
}

/// The setup's directory: removed afterwards, or kept (BANTER_BENCH_KEEP=1).
enum KeptOrTemp {
    Temp(tempfile::TempDir),
    Kept(std::path::PathBuf),
}

impl KeptOrTemp {
    fn path(&self) -> &Path {
        match self {
            KeptOrTemp::Temp(t) => t.path(),
            KeptOrTemp::Kept(p) => p,
        }
    }
}

/// Process groups whose CPU time is read: (name, root pid).
fn groups(nodes: &[Node], svc: Option<&Services>, setup: Setup) -> Vec<(String, u32)> {
    let mut g: Vec<(String, u32)> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (if nodes.len() > 1 { format!("banter-server n{}", i + 1) } else { "banter-server".into() }, n.pid))
        .collect();
    if let Some(s) = svc {
        if let Some(p) = s.postgres_pid() {
            g.push(("postgres".into(), p));
        }
        if matches!(setup, Setup::Cluster(_)) {
            if let Some(p) = s.redis_pid() {
                g.push(("redis".into(), p));
            }
        }
    }
    g
}

async fn run_setup(setup: Setup, scfg: &ScaleConfig, launch: &Launch, svc: Option<&Services>, r: &mut SetupReport) -> Result<(), String> {
    let tmp = tempfile::Builder::new().prefix("banter-bench-scaleout-").tempdir().map_err(|e| format!("temp dir: {e}"))?;
    // BANTER_BENCH_KEEP=1 keeps the nodes' logs (and the SQLite file) for a look afterwards.
    let tmp = if std::env::var_os("BANTER_BENCH_KEEP").is_some_and(|v| v == "1") {
        let kept = tmp.keep();
        eprintln!("   keeping the nodes' logs in {}", kept.display());
        KeptOrTemp::Kept(kept)
    } else {
        KeptOrTemp::Temp(tmp)
    };
    let files = tmp.path().join("files");
    let mut common: Vec<String> = Vec::new();
    let mut db_url = None;
    match (setup, svc) {
        (Setup::Sqlite, _) => common.extend(["--db".into(), tmp.path().join("bench.db").display().to_string()]),
        (_, Some(s)) => {
            let url = s.create_database(setup.database())?;
            common.extend(["--database-url".into(), url.clone(), "--files-dir".into(), files.display().to_string()]);
            if let Setup::Cluster(_) = setup {
                common.extend(["--redis-url".into(), s.redis_url.clone()]);
            }
            db_url = Some(url);
        }
        (_, None) => return Err("no PostgreSQL".into()),
    }
    let mut nodes = Vec::new();
    for i in 0..setup.nodes() {
        let mut args = common.clone();
        if let Setup::Cluster(_) = setup {
            args.extend(["--node-id".into(), format!("bench-n{}", i + 1)]);
        }
        let log = tmp.path().join(format!("node{}.log", i + 1));
        let node = Node::start(&launch.banter_bin, &args, log).map_err(|e| format!("node {}: {e}", i + 1))?;
        eprintln!("   node {} on {} (pid {})", i + 1, node.addr, node.pid);
        nodes.push(node);
    }
    let busy0 = procs::cpu_busy_machine();
    tokio::time::sleep(scfg.idle_wait).await;
    r.background_cpu = (procs::cpu_busy_machine() - busy0) / scfg.idle_wait.as_secs_f64();
    let groups = groups(&nodes, svc, setup);
    let n = setup.nodes();

    // Phase 1: one hot room.
    let hot: Vec<(String, bool)> = (0..scfg.hot_clients).map(|i| ("so-hot".to_string(), i < scfg.hot_senders)).collect();
    let sh = Arc::new(Counters::new());
    let mut scenario = 0;
    let mut result = Ok(());
    for (what, layout) in [
        (format!("1 room, {} clients, {} senders", scfg.hot_clients, scfg.hot_senders), hot),
        (
            format!("{} rooms × {} clients, 1 sender each", fmt_int(scfg.rooms as f64), scfg.room_size),
            (0..scfg.rooms * scfg.room_size).map(|i| (format!("so-r{}", i / scfg.room_size), i % scfg.room_size == 0)).collect(),
        ),
    ] {
        scenario += 1;
        match phase(&what, scenario, &layout, &nodes, &groups, scfg, &sh).await {
            Ok(mut p) => {
                p.stored = stored_count(setup, svc, db_url.as_deref(), &tmp.path().join("bench.db"), scenario, n);
                eprintln!(
                    "   {what}: {} deliveries/s, {} messages/s, p50 {}, p99 {} (same node p50 {} p99 {}; other nodes p50 {} p99 {}), lost {}, cross-node missing {}",
                    fmt_int(p.deliveries_per_s),
                    fmt_int(p.messages_per_s),
                    fmt_ns(p.p50),
                    fmt_ns(p.p99),
                    fmt_ns(p.p50_local),
                    fmt_ns(p.p99_local),
                    fmt_ns(p.p50_remote),
                    fmt_ns(p.p99_remote),
                    p.lost_local,
                    p.missing_remote
                );
                r.phases.push(p);
            }
            Err(e) => {
                result = Err(format!("{what}: {e}"));
                break;
            }
        }
        if let Some(e) = sh.take_error() {
            r.problems.push(format!("{what}: {e}"));
        }
        for (i, node) in nodes.iter_mut().enumerate() {
            if !node.alive() {
                result = Err(format!("node {} exited; its log ends: {}", i + 1, node.problems().last().cloned().unwrap_or_default()));
            }
        }
        if result.is_err() {
            break;
        }
    }
    let late = sh.late_acks.load(Relaxed);
    if late > 0 {
        r.problems.push(format!("{late} ack(s) came back after their send was given up on (5 s) or after the drain"));
    }
    for (i, node) in nodes.iter().enumerate() {
        let lines = node.problems();
        // Deliveries (local, or of another node's broadcast) to sockets the bench was closing.
        let (closing, other): (Vec<_>, Vec<_>) =
            lines.into_iter().partition(|l| l.contains("Some(Closed)") || l.contains("broadcast handler: [Closed"));
        if !closing.is_empty() {
            r.problems.push(format!(
                "node {}: {} warning(s) about deliveries to sockets that were closing (clients closed between phases; expected)",
                i + 1,
                closing.len()
            ));
        }
        if !other.is_empty() {
            let first: Vec<&str> = other.iter().take(3).map(|s| s.as_str()).collect();
            r.problems.push(format!("node {}: {} warning/error line(s) in its log; first: {}", i + 1, other.len(), first.join(" // ")));
        }
    }
    drop(nodes);
    result
}
