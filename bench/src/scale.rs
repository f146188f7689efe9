//! `--scenarios scale` (issue 12, aim 4): one server holding many idle joined connections
//! while a 1,000-member room chats. For each server, a fresh server: N idle clients join
//! rooms of `--idle-room-size` (the time to connect and join them all, RSS before and
//! after); with them still open, a room of `--scale-room` members fills and runs the
//! classic 1-in-flight scenario; then the idle clients close and the same room on the same
//! server runs the same scenario again, the comparison without them. Not in the default run.
//!
//! N defaults to issue 12's 50,000, capped to what fits: the server and this generator each
//! hold one file per connection, and neither may open more files than its open-files limit
//! (20,000 on the project's machine, a hard limit it cannot raise); one source address
//! reaches one server port through at most the kernel's ephemeral port range. When a server
//! fails (stops answering, joins time out, exits) the report says where, and the run goes on.

use std::fmt::Write as _;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use crate::args::Config;
use crate::classic::{self, Scenario};
use crate::load::{self, Shared};
use crate::procs::{self, Kind, Launch, RssSampler, Server};
use crate::report::{self, fmt_bytes, fmt_int, fmt_ns, log_notes, summary_row, Aim};

#[derive(clap::Args, Debug, Clone)]
pub struct ScaleArgs {
    /// Scale: idle joined connections held open beside the chatting room (default issue 12's
    /// 50,000, capped to what the open-files limits and the ephemeral ports allow; quick 500).
    #[arg(long)]
    pub scale_idle: Option<usize>,
    /// Scale: members of the chatting room (default 1000; quick 50).
    #[arg(long)]
    pub scale_room: Option<usize>,
}

/// The issue's figure.
const ISSUE_IDLE: usize = 50_000;
/// Files each process keeps beside the connections counted: its own (database, listener,
/// epoll, Node's pipes, this program's /proc reads) and sockets still closing.
const RESERVE_FDS: u64 = 1_000;
/// Longest a phase that opens clients may go without progress (and after its last spawn).
const OPEN_LIMIT: Duration = Duration::from_secs(120);

pub struct ScalePlan {
    pub requested: usize,
    pub idle: usize,
    pub room: usize,
    pub idle_room_size: usize,
    /// Why `idle` is below `requested`, when it is.
    pub capped: Option<String>,
    /// What bounds the connections on this machine (for the report).
    pub limits: String,
}

impl ScalePlan {
    /// `nofile`: this process's open-files limit after raising it (the servers inherit it).
    pub fn new(a: &ScaleArgs, cfg: &Config, quick: bool, nofile: u64) -> ScalePlan {
        let requested = a.scale_idle.unwrap_or(if quick { 500 } else { ISSUE_IDLE });
        let room = a.scale_room.unwrap_or(if quick { 50 } else { 1000 }).max(1);
        let hard = procs::nofile_hard();
        let ports = procs::local_port_range().map(|(lo, hi)| (lo, hi, hi.saturating_sub(lo) as u64 + 1));
        let Caps { fd_cap, port_cap, reserve } = caps(nofile, procs::open_fds() as u64, ports.map(|p| p.2), room);
        let port_text = ports.map_or("unknown ephemeral ports".to_string(), |(lo, hi, p)| {
            format!("{} ephemeral ports per source address and server port (ip_local_port_range {lo}–{hi})", fmt_int(p as f64))
        });
        let limits = format!(
            "open files per process: {} (hard limit {}; raising a hard limit needs CAP_SYS_RESOURCE), for the server and for this generator alike; {port_text}",
            fmt_int(nofile as f64),
            fmt_int(hard as f64)
        );
        let cap = fd_cap.min(port_cap);
        let capped = (requested > cap).then(|| {
            let what = if fd_cap <= port_cap {
                format!(
                    "the open-files limit, {} per process (hard limit {}): the server and this generator each hold one file per connection, \
                     {} idle + {} room members + {} kept for their own files and sockets still closing",
                    fmt_int(nofile as f64),
                    fmt_int(hard as f64),
                    fmt_int(cap as f64),
                    fmt_int(room as f64),
                    fmt_int(reserve as f64)
                )
            } else {
                format!("the ephemeral ports: {port_text}, less the {}-member room and {} to spare", fmt_int(room as f64), fmt_int(reserve as f64))
            };
            format!("{} idle connections requested, capped at {} by {what}", fmt_int(requested as f64), fmt_int(cap as f64))
        });
        ScalePlan { requested, idle: requested.min(cap), room, idle_room_size: cfg.idle_room_size, capped, limits }
    }
}

/// How many idle connections fit beside a room of `room` members: by the open-files limit
/// `nofile` (the server's and this generator's; this one already has `own_fds` open), and by
/// the `ports` one source address has to one server port.
struct Caps {
    fd_cap: usize,
    port_cap: usize,
    reserve: u64,
}

fn caps(nofile: u64, own_fds: u64, ports: Option<u64>, room: usize) -> Caps {
    let reserve = RESERVE_FDS.max(own_fds + RESERVE_FDS / 2);
    let fd_cap = nofile.saturating_sub(room as u64 + reserve) as usize;
    let port_cap = ports.map_or(usize::MAX, |p| p.saturating_sub(room as u64 + reserve) as usize);
    Caps { fd_cap, port_cap, reserve }
}

#[derive(Default)]
pub struct ScaleReport {
    pub idle_joined: u64,
    pub idle_secs: Option<f64>,
    pub rss_base: u64,
    pub rss_idle: Option<u64>,
    pub room_secs: Option<f64>,
    pub rss_room: Option<u64>,
    pub with_idle: Option<Scenario>,
    pub without_idle: Option<Scenario>,
    /// Idle connections the server closed while they should have stayed open.
    pub idle_closed: u64,
    pub rss_peak: u64,
    /// Where the server failed, when it did.
    pub failed: Option<String>,
    pub problems: Vec<String>,
}

impl ScaleReport {
    pub fn per_conn(&self) -> Option<f64> {
        let loaded = self.rss_idle?;
        (self.idle_joined > 0).then(|| (loaded as f64 - self.rss_base as f64) / self.idle_joined as f64)
    }
}

pub async fn run(plan: &ScalePlan, cfg: &Config, launch: &Launch) -> Vec<(Kind, ScaleReport)> {
    if let Some(c) = &plan.capped {
        eprintln!("   note: {c}");
    }
    let mut out = Vec::new();
    for &kind in &cfg.kinds {
        eprintln!("== {}: scale", kind.name());
        let mut rep = ScaleReport::default();
        if let Err(e) = one_server(kind, plan, cfg, launch, &mut rep).await {
            eprintln!("   {} failed: {e}", kind.name());
            rep.failed = Some(e);
        }
        out.push((kind, rep));
    }
    out
}

async fn one_server(kind: Kind, plan: &ScalePlan, cfg: &Config, launch: &Launch, rep: &mut ScaleReport) -> Result<(), String> {
    let srv = Server::start(kind, launch).map_err(|e| format!("did not start: {e}"))?;
    let sampler = RssSampler::start(srv.pid);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pids = procs::tree(srv.pid);
    if let Some(limit) = procs::nofile_of(srv.pid) {
        if (limit as usize) < plan.idle + plan.room + 100 {
            rep.problems.push(format!(
                "the server's open-files limit is {}, below the {} connections of this run",
                fmt_int(limit as f64),
                fmt_int((plan.idle + plan.room) as f64)
            ));
        }
    }
    rep.rss_base = classic::median_rss(&pids).await;
    eprintln!("   listening on {} (pid {}), RSS {}", srv.addr, srv.pid, fmt_bytes(rep.rss_base as f64));
    let mut held = Vec::new();
    let result = phases(&srv, &pids, &sampler, plan, cfg, rep, &mut held).await;
    rep.rss_peak = sampler.peak_total.load(Relaxed);
    rep.problems.extend(log_notes("scale server", srv.problems()));
    // The server first: closing thousands of clients one by one would make it broadcast
    // "has left" notices for nothing.
    srv.stop();
    classic::abort(&held);
    drop(held);
    tokio::time::sleep(Duration::from_millis(500)).await;
    result
}

fn alive(srv: &Server) -> Result<(), String> {
    procs::rss_of(srv.pid).map(|_| ()).ok_or_else(|| "the server process exited".to_string())
}

async fn phases(
    srv: &Server,
    pids: &[u32],
    sampler: &RssSampler,
    plan: &ScalePlan,
    cfg: &Config,
    rep: &mut ScaleReport,
    held: &mut Vec<JoinHandle<()>>,
) -> Result<(), String> {
    // 1. The idle connections, joined to rooms of `idle_room_size`.
    let idle_sh = Arc::new(Shared::new());
    let size = plan.idle_room_size.max(1);
    let (idle, secs) = classic::open_named(
        srv.addr,
        plan.idle,
        |i| format!("i{i}"),
        |i| format!("scale-idle{}", i / size),
        None,
        &idle_sh,
        OPEN_LIMIT,
    )
    .await
    .map_err(|f| {
        rep.idle_joined = f.joined;
        format!(
            "idle joins: {} of {} joined in {:.1} s, then: {}",
            fmt_int(f.joined as f64),
            fmt_int(plan.idle as f64),
            f.secs,
            f.error
        )
    })?;
    let n_idle = idle.len();
    held.extend(idle);
    rep.idle_joined = plan.idle as u64;
    rep.idle_secs = Some(secs);
    classic::settle(&idle_sh.bytes, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    alive(srv)?;
    rep.rss_idle = Some(classic::median_rss(pids).await);
    eprintln!(
        "   {} idle joined connections in {secs:.1} s: RSS {} → {} ({}/connection)",
        fmt_int(plan.idle as f64),
        fmt_bytes(rep.rss_base as f64),
        fmt_bytes(rep.rss_idle.unwrap_or(0) as f64),
        fmt_bytes(rep.per_conn().unwrap_or(0.0))
    );

    // 2. The chatting room, filled with the idle connections open.
    let room_sh = Arc::new(Shared::new());
    let senders = load::Senders::new(cfg.senders.unwrap_or(plan.room).clamp(1, plan.room));
    let room = plan.room;
    let (members, secs) = classic::open_named(
        srv.addr,
        room,
        |i| format!("r{i}"),
        |_| "scale-room".into(),
        Some(&senders),
        &room_sh,
        OPEN_LIMIT,
    )
    .await
    .map_err(|f| {
        format!(
            "filling the {}-member room with the idle connections open: {} joined in {:.1} s, then: {}",
            fmt_int(room as f64),
            fmt_int(f.joined as f64),
            f.secs,
            f.error
        )
    })?;
    held.extend(members);
    rep.room_secs = Some(secs);
    classic::settle(&room_sh.bytes, Duration::from_secs(120)).await;
    alive(srv)?;
    rep.rss_room = Some(classic::median_rss(pids).await);
    eprintln!("   {}-member room joined in {secs:.1} s; RSS {}", fmt_int(room as f64), fmt_bytes(rep.rss_room.unwrap_or(0) as f64));

    // 3. The room's scenario with the idle connections open.
    let s = classic::scenario(&room_sh, &senders, pids, sampler, room, 1, cfg).await;
    print_scenario("with the idle connections open", &s);
    note_scenario(rep, "with the idle connections", &s, &room_sh);
    rep.idle_closed = idle_sh.closed.load(Relaxed);
    let answered = s.messages_per_s > 0.0;
    rep.with_idle = Some(s);
    alive(srv)?;
    if !answered {
        return Err(format!("the {}-member room's sends got no answer with the idle connections open", fmt_int(room as f64)));
    }

    // 4. The same room on the same server without them.
    let idle: Vec<_> = held.drain(..n_idle).collect();
    classic::abort(&idle);
    drop(idle);
    let quiet = wait_quiet(pids, Duration::from_secs(30)).await;
    eprintln!("   idle connections closed; the server was quiet {quiet:.1} s later");
    alive(srv)?;
    let s = classic::scenario(&room_sh, &senders, pids, sampler, room, 1, cfg).await;
    print_scenario("without them (closed)", &s);
    note_scenario(rep, "without the idle connections", &s, &room_sh);
    rep.without_idle = Some(s);
    Ok(())
}

fn print_scenario(what: &str, s: &Scenario) {
    eprintln!(
        "   {} clients, 1 in flight, {what}: {} deliveries/s, p50 {}, p99 {}, server CPU {:.0}%, lost {}, unanswered {}",
        s.clients,
        fmt_int(s.deliveries_per_s),
        fmt_ns(s.p50),
        fmt_ns(s.p99),
        s.server_cpu * 100.0,
        s.lost,
        s.unanswered
    );
}

fn note_scenario(rep: &mut ScaleReport, what: &str, s: &Scenario, sh: &Shared) {
    if s.drain_s > 2.0 || s.stalls > 0 {
        rep.problems.push(format!(
            "{what}: the last acks took {:.1} s to arrive after sending stopped; {} send loop stall(s) of 1 s without any ack",
            s.drain_s, s.stalls
        ));
    }
    if let Some(e) = sh.take_error() {
        rep.problems.push(format!("{what}: {e}"));
    }
    let closed = sh.closed.load(Relaxed);
    if closed > 0 {
        rep.problems.push(format!("{what}: {closed} room member connection(s) closed by the server"));
    }
}

/// Waits (at most `max`) until the server has used under a tenth of a core for two
/// quarter-second windows in a row (after thousands of disconnects). Returns the wait.
async fn wait_quiet(pids: &[u32], max: Duration) -> f64 {
    let t0 = Instant::now();
    let mut quiet = 0;
    tokio::time::sleep(Duration::from_millis(500)).await;
    while quiet < 2 && t0.elapsed() < max {
        let c0 = procs::cpu_tree(pids);
        tokio::time::sleep(Duration::from_millis(250)).await;
        if (procs::cpu_tree(pids) - c0) / 0.25 < 0.1 {
            quiet += 1;
        } else {
            quiet = 0;
        }
    }
    t0.elapsed().as_secs_f64()
}

// ---------------------------------------------------------------------------- report

pub fn render(o: &mut String, plan: &ScalePlan, reports: &[(Kind, ScaleReport)]) {
    let get = |k: Kind| reports.iter().find(|(x, _)| *x == k).map(|(_, r)| r);
    let (b, n) = (get(Kind::Banter), get(Kind::Node));
    let both = b.is_some() && n.is_some();
    let (idle, room) = (fmt_int(plan.idle as f64), fmt_int(plan.room as f64));
    let _ = writeln!(
        o,
        "## Scale on one node: {idle} idle joined connections (rooms of {}) and a {room}-member room, 1 in flight\n",
        plan.idle_room_size
    );
    if let Some(c) = &plan.capped {
        let _ = writeln!(o, "**N was capped:** {c}.\n");
    }
    report::summary_header(o, both, b.is_some());
    let int = |v: f64| fmt_int(v);
    let bytes = |v: f64| fmt_bytes(v);
    let secs = |v: f64| format!("{v:.1} s");
    let ns = |v: f64| fmt_ns(Some(v as u64));
    let pct = |v: f64| format!("{:.0}%", v * 100.0);
    let mut row = |name: String, f: &dyn Fn(&ScaleReport) -> Option<f64>, show: &dyn Fn(f64) -> String, aim: Aim| {
        summary_row(o, both, &name, b.and_then(f), n.and_then(f), show, aim)
    };
    row(format!("idle connections joined (of {idle})"), &|r| Some(r.idle_joined as f64), &int, Aim::None);
    row(format!("time to connect and join {idle} idle clients"), &|r| r.idle_secs, &secs, Aim::None);
    row("server RSS before".into(), &|r| Some(r.rss_base as f64), &bytes, Aim::None);
    row(format!("server RSS with {idle} idle connections"), &|r| r.rss_idle.map(|v| v as f64), &bytes, Aim::None);
    row(format!("memory per idle connection ({idle} joined)"), &ScaleReport::per_conn, &bytes, Aim::AtMost(0.2));
    row(format!("time to fill the {room}-member room, idle connections open"), &|r| r.room_secs, &secs, Aim::None);
    row("server RSS with the idle connections and the room".into(), &|r| r.rss_room.map(|v| v as f64), &bytes, Aim::None);
    for (what, pick) in [
        (format!("{idle} idle open"), (|r: &ScaleReport| r.with_idle.as_ref()) as fn(&ScaleReport) -> Option<&Scenario>),
        ("idle closed".to_string(), |r: &ScaleReport| r.without_idle.as_ref()),
    ] {
        let what = format!("{} clients, 1 in flight, {what}", plan.room);
        row(format!("deliveries/s, {what}"), &|r| pick(r).map(|s| s.deliveries_per_s), &int, Aim::None);
        row(format!("p50 delivery latency, {what}"), &|r| pick(r).and_then(|s| s.p50).map(|v| v as f64), &ns, Aim::None);
        row(format!("p99 delivery latency, {what}"), &|r| pick(r).and_then(|s| s.p99).map(|v| v as f64), &ns, Aim::Below(1.0));
        row(format!("server CPU, {what}"), &|r| pick(r).map(|s| s.server_cpu), &pct, Aim::None);
        row(format!("deliveries per server CPU-second, {what}"), &|r| pick(r).and_then(Scenario::deliveries_per_cpu_s), &int, Aim::None);
    }
    row("server RSS peak (the whole run)".into(), &|r| Some(r.rss_peak as f64), &bytes, Aim::None);
    let lost = |r: &ScaleReport| [&r.with_idle, &r.without_idle].iter().filter_map(|s| s.as_ref()).map(|s| s.lost).sum::<u64>();
    row("lost deliveries (both phases)".into(), &|r| Some(lost(r) as f64), &int, Aim::None);

    let _ = writeln!(o, "\n### Details\n");
    let header = [
        "server", "phase", "deliveries/s", "messages/s", "p50", "p99", "p99.9", "server CPU", "generator CPU", "machine CPU",
        "peak RSS", "lost", "ack errors", "unanswered",
    ];
    let _ = writeln!(o, "| {} |", header.join(" | "));
    let _ = writeln!(o, "| --- | --- |{}", " ---: |".repeat(header.len() - 2));
    for (kind, r) in reports {
        for (phase, s) in [("idle open", &r.with_idle), ("idle closed", &r.without_idle)] {
            let Some(s) = s else { continue };
            let _ = writeln!(o, "| {} | {phase} | {} |", kind.name(), report::detail_cells(s));
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "- limits: {}", plan.limits);
    for (kind, r) in reports {
        match &r.failed {
            Some(f) => {
                let _ = writeln!(o, "- {}: FAILED: {f}", kind.name());
            }
            None => {
                let _ = writeln!(o, "- {}: ran every phase", kind.name());
            }
        }
        if let (Some(per), true) = (r.per_conn(), plan.requested > plan.idle) {
            let _ = writeln!(
                o,
                "  - at {} per connection, {} idle joined connections would take about {} of server RSS",
                fmt_bytes(per),
                fmt_int(plan.requested as f64),
                fmt_bytes(r.rss_base as f64 + per * plan.requested as f64)
            );
        }
        if r.idle_closed > 0 {
            let _ = writeln!(o, "  - note: {} idle connection(s) were closed by the server", r.idle_closed);
        }
        for (phase, s) in [("idle open", &r.with_idle), ("idle closed", &r.without_idle)] {
            let Some(s) = s else { continue };
            let other = s.machine_cpu - s.server_cpu - s.gen_cpu;
            if other > 0.5 {
                let _ = writeln!(
                    o,
                    "  - note: {phase}: {:.0}% of a core busy outside the server and the generator \
                     (other processes, or the kernel's loopback work): the figures may be low",
                    other * 100.0
                );
            }
        }
        for p in r.problems.iter().take(10) {
            let _ = writeln!(o, "  - note: {}", p.chars().take(400).collect::<String>());
        }
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_connections_fit_the_limits() {
        // This machine: 20,000 files per process, ports 32768–60999.
        let c = caps(20_000, 12, Some(28_232), 1000);
        assert_eq!((c.fd_cap, c.reserve), (18_000, 1000));
        assert!(c.port_cap > c.fd_cap);
        // A generous open-files limit: the ephemeral ports of one source address bound it.
        let c = caps(1 << 20, 12, Some(28_232), 1000);
        assert_eq!(c.port_cap, 26_232);
        // A generator with many files open already keeps more in reserve.
        assert_eq!(caps(20_000, 900, None, 1000).fd_cap, 20_000 - 1000 - 1400);
        assert_eq!(caps(500, 12, None, 1000).fd_cap, 0);
    }
}
