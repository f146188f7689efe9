//! The scale-out benchmark's report (`scaleout.rs` measures): per setup and phase, the
//! deliveries, latencies and losses, the CPU of every process in the window, and the notes.

use std::fmt::Write as _;

use crate::procs;
use crate::report::{fmt_int, fmt_ns};
use crate::scaleout::{ScaleConfig, ScaleReport};

pub fn render(o: &mut String, scfg: &ScaleConfig, rep: &ScaleReport) {
    let _ = writeln!(o, "## Scale-out: one node on SQLite, one on PostgreSQL, several on PostgreSQL + Redis\n");
    let _ = writeln!(
        o,
        "| setup | scenario | deliveries/s | messages/s | p50 | p99 | same node p50 / p99 | other nodes p50 / p99 | lost (same node) | missing cross-node |"
    );
    let _ = writeln!(o, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for s in &rep.setups {
        for p in &s.phases {
            let remote = if s.nodes > 1 { format!("{} / {}", fmt_ns(p.p50_remote), fmt_ns(p.p99_remote)) } else { "–".into() };
            let missing = if s.nodes > 1 {
                format!("{} of {}", fmt_int(p.missing_remote as f64), fmt_int(p.expected_remote as f64))
            } else {
                "–".into()
            };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} / {} | {remote} | {} | {missing} |",
                s.name,
                p.what,
                fmt_int(p.deliveries_per_s),
                fmt_int(p.messages_per_s),
                fmt_ns(p.p50),
                fmt_ns(p.p99),
                fmt_ns(p.p50_local),
                fmt_ns(p.p99_local),
                fmt_int(p.lost_local as f64),
            );
        }
        if s.phases.is_empty() {
            let _ = writeln!(o, "| {} | not measured (see below) | – | – | – | – | – | – | – | – |", s.name);
        }
    }
    let _ = writeln!(o, "\nCPU in the measured window (CPU-seconds; % of one core):\n");
    let _ = writeln!(
        o,
        "| setup | scenario | per process | generator | machine busy | deliveries per CPU-second (servers, PostgreSQL, Redis) | bound by |"
    );
    let _ = writeln!(o, "| --- | --- | --- | ---: | ---: | ---: | --- |");
    for s in &rep.setups {
        for p in &s.phases {
            let dt = p.window_s.max(1e-9);
            let per: Vec<String> = p.cpu.iter().map(|(n, c)| format!("{n} {c:.2} s ({:.0}%)", c / dt * 100.0)).collect();
            let _ = writeln!(
                o,
                "| {} | {} | {} | {:.2} s ({:.0}%) | {:.2} s ({:.0}%) | {} | {} |",
                s.name,
                p.what,
                per.join(", "),
                p.gen_cpu,
                p.gen_cpu / dt * 100.0,
                p.machine_cpu,
                p.machine_cpu / dt * 100.0,
                fmt_int(p.window_deliveries as f64 / p.server_side_cpu().max(1e-9)),
                p.bound()
            );
        }
    }
    let _ = writeln!(o);
    for s in &rep.setups {
        let joins: Vec<String> =
            s.phases.iter().map(|p| format!("{} clients in {:.1} s", fmt_int(p.clients as f64), p.join_secs)).collect();
        let _ = writeln!(
            o,
            "- {}: joined {}; CPU busy before the run (background): {:.0}% of a core",
            s.name,
            joins.join(", "),
            s.background_cpu * 100.0
        );
        for e in &s.errors {
            let _ = writeln!(o, "  - ERROR: {e}");
        }
        for p in &s.phases {
            let stored = match p.stored {
                Some(v) => format!("{} of its messages are in the database", fmt_int(v as f64)),
                None => "the database could not be read".into(),
            };
            let _ = writeln!(
                o,
                "  - {}: {} acknowledged sends ({} senders, one in flight each), {} refused, {} unanswered; {} copies expected on the senders' nodes, {} on others; drained in {:.1} s; {stored}",
                p.what,
                fmt_int(p.acked as f64),
                p.senders,
                p.ack_errors,
                p.unanswered,
                fmt_int(p.expected_local as f64),
                fmt_int(p.expected_remote as f64),
                p.drain_s
            );
            match p.health {
                Some(h) if h.adapter_dropped + h.dropped_events + h.failed_deliveries > 0 => {
                    let _ = writeln!(
                        o,
                        "  - {}: the nodes' /healthz over the phase: {} messages dropped by the Redis adapter, {} events dropped, {} failed deliveries",
                        p.what, h.adapter_dropped, h.dropped_events, h.failed_deliveries
                    );
                }
                Some(_) => {}
                None => {
                    let _ = writeln!(o, "  - {}: a node's /healthz did not answer", p.what);
                }
            }
            if p.missing_remote > 0 {
                let fill = match p.stored {
                    Some(v) if v >= p.acked => "every acknowledged message is in the database, so a Banter client (ordering by seq, filling gaps from history) gets them back; a classic client does not",
                    Some(_) => "NOT every acknowledged message is in the database",
                    None => "whether history has them is unknown",
                };
                let _ = writeln!(
                    o,
                    "  - {}: {} cross-node copies missing (Redis pub/sub is at most once): {fill}",
                    p.what,
                    fmt_int(p.missing_remote as f64)
                );
            }
        }
        for p in s.problems.iter().take(10) {
            let _ = writeln!(o, "  - note: {}", p.chars().take(400).collect::<String>());
        }
    }
    let _ = writeln!(
        o,
        "\n{}; {} s measured per scenario after {} s warm-up, drain ≤ {} s; PostgreSQL 15 with fsync on (scripts/services.sh --durable), Redis on a Unix socket; scale-out took {:.0} s",
        procs::machine_line(),
        scfg.duration.as_secs_f64(),
        scfg.warmup.as_secs_f64(),
        scfg.drain.as_secs(),
        rep.took_s
    );
}
