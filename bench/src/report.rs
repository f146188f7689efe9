//! The classic scenarios' report: number formats, ratios and aims, the summary and
//! details tables (markdown), and the notes drawn from a server's log.

use std::fmt::Write as _;
use std::time::Duration;

use crate::args::Config;
use crate::classic::{stage_name, Report, Scenario};
use crate::procs::{self, Kind};

/// Sums up the server's log: warnings about deliveries to sockets that were already
/// closing come from the benchmark closing its clients between phases and are expected;
/// anything else is worth a look. (banter-server logs each kind of warning at most once a
/// second, so the counts are lower bounds.)
pub(crate) fn log_notes(what: &str, lines: Vec<String>) -> Vec<String> {
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

pub(crate) fn fmt_bytes(b: f64) -> String {
    if b.abs() >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / 1024.0 / 1024.0)
    } else {
        format!("{:.1} KiB", b / 1024.0)
    }
}

pub(crate) fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

pub(crate) fn fmt_ratio(r: Option<f64>) -> String {
    match r {
        Some(r) if r >= 10.0 => format!("{r:.1}×"),
        Some(r) => format!("{r:.2}×"),
        None => "–".into(),
    }
}

pub(crate) enum Aim {
    None,
    AtLeast(f64),
    Below(f64),
    AtMost(f64),
}

pub(crate) fn aim_text(aim: &Aim, r: Option<f64>) -> String {
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

/// One row of a summary table: both servers and their ratio (with the aim, if any), or the
/// one server's figure when only one ran.
pub(crate) fn summary_row(
    o: &mut String,
    both: bool,
    name: &str,
    bv: Option<f64>,
    nv: Option<f64>,
    f: &dyn Fn(f64) -> String,
    aim: Aim,
) {
    let show = |v: Option<f64>| v.map(f).unwrap_or_else(|| "–".into());
    if both {
        let r = ratio(bv, nv);
        let _ = writeln!(o, "| {name} | {} | {} | {} | {} |", show(bv), show(nv), fmt_ratio(r), aim_text(&aim, r));
    } else {
        let _ = writeln!(o, "| {name} | {} |", show(bv.or(nv)));
    }
}

/// A scenario's cells in the details tables, from deliveries/s to unanswered (stalls noted).
pub(crate) fn detail_cells(s: &Scenario) -> String {
    format!(
        "{} | {} | {} | {} | {} | {:.0}% | {:.0}% | {:.0}% | {} | {} | {} | {}{}",
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
    )
}

/// The summary table's header: both servers with the ratio and the aim, or the one that ran.
pub(crate) fn summary_header(o: &mut String, both: bool, banter_ran: bool) {
    if both {
        let _ = writeln!(o, "| metric | banter-server | node socket.io | ratio (banter/node) | aim |");
        let _ = writeln!(o, "| --- | ---: | ---: | ---: | --- |");
    } else {
        let k = if banter_ran { Kind::Banter } else { Kind::Node };
        let _ = writeln!(o, "| metric | {} |", k.name());
        let _ = writeln!(o, "| --- | ---: |");
    }
}

pub(crate) fn render(cfg: &Config, reports: &[(Kind, Report)], took: Duration, gen_threads: usize) -> String {
    let mut o = String::new();
    let get = |k: Kind| reports.iter().find(|(x, _)| *x == k).map(|(_, r)| r);
    let (b, n) = (get(Kind::Banter), get(Kind::Node));
    let both = b.is_some() && n.is_some();
    let _ = writeln!(o, "## banter-server vs node socket.io (classic chat protocol)\n");
    summary_header(&mut o, both, b.is_some());
    let mut row = |name: String, bv: Option<f64>, nv: Option<f64>, f: &dyn Fn(f64) -> String, aim: Aim| {
        summary_row(&mut o, both, &name, bv, nv, f, aim)
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
    // Deliveries per CPU-second of the server (issue 12, aim 2): the ratio of the
    // deliveries/s rows is partly a share of the machine's cores (Node uses one, banter-server
    // both); this one is the work done per unit of CPU. Added after the rows above, which
    // keep their names and order so runs stay comparable.
    for &size in &cfg.sizes {
        for &k in &cfg.inflight {
            let sb = b.and_then(|r| r.scenario(size, k));
            let sn = n.and_then(|r| r.scenario(size, k));
            summary_row(
                &mut o,
                both,
                &format!("deliveries per server CPU-second, {size} clients, {k} in flight"),
                sb.and_then(Scenario::deliveries_per_cpu_s),
                sn.and_then(Scenario::deliveries_per_cpu_s),
                &int,
                Aim::None,
            );
        }
    }

    let _ = writeln!(o, "\n### Details\n");
    let header = [
        "server", "clients", "in flight", "deliveries/s", "messages/s", "p50", "p99", "p99.9", "server CPU",
        "generator CPU", "machine CPU", "peak RSS", "lost", "ack errors", "unanswered",
    ];
    let _ = writeln!(o, "| {} |", header.join(" | "));
    let _ = writeln!(o, "| --- |{}", " ---: |".repeat(header.len() - 1));
    for (kind, r) in reports {
        for s in &r.scenarios {
            let _ = writeln!(o, "| {} | {} | {} | {} |", kind.name(), s.clients, s.inflight, detail_cells(s));
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
