//! The sign-in benchmarks' tables (banter-server only: no peer column).

use std::fmt::Write as _;

use super::{per_client, SigninConfig, SigninReport};
use crate::args::Config;
use crate::classic::Scenario;
use crate::report::{fmt_bytes, fmt_int, fmt_ns};

pub fn render(o: &mut String, cfg: &Config, scfg: &SigninConfig, r: &SigninReport) {
    let _ = writeln!(o, "## banter-server: sign-ins (issue 8)\n");
    let _ = writeln!(o, "Node's tutorial server has no accounts: these figures have no peer.\n");
    let _ = writeln!(o, "| metric | banter-server | aim |");
    let _ = writeln!(o, "| --- | ---: | --- |");
    if let Some(s) = &r.rate {
        let _ = writeln!(o, "| sign-ins/s, {} clients (login + logout loop) | {:.1} |  |", s.clients, s.per_s);
        let _ = writeln!(o, "| p50 sign-in latency | {} |  |", fmt_ns(s.p50));
        let _ = writeln!(o, "| p99 sign-in latency | {} |  |", fmt_ns(s.p99));
    }
    let what = format!("{} clients, {} in flight", scfg.chat_clients, scfg.chat_inflight);
    let p99 = |s: &Option<Scenario>| fmt_ns(s.as_ref().and_then(|s| s.p99));
    let _ = writeln!(o, "| message p99, {what}, no sign-ins | {} |  |", p99(&r.chat_without));
    let _ = writeln!(o, "| message p99, {what}, {} sign-ins/s beside | {} |  |", scfg.rate, p99(&r.chat_with));
    match r.rise() {
        Some(x) => {
            let _ = writeln!(o, "| p99 rise with sign-ins | {x:+.0}% | ≤ +20% {} |", if x <= 20.0 { "✓" } else { "✗" });
        }
        None => {
            let _ = writeln!(o, "| p99 rise with sign-ins | – | ≤ +20% |");
        }
    }
    let mem = |m: &Option<(u64, u64, usize)>| per_client(m).map(fmt_bytes).unwrap_or_else(|| "–".into());
    let _ = writeln!(
        o,
        "| memory per idle signed-in client ({} clients, {} rooms each, one connection) | {} |  |",
        fmt_int(scfg.idle as f64),
        scfg.idle_rooms,
        mem(&r.mem_signed)
    );
    let _ = writeln!(
        o,
        "| the same with one connection per room ({} connections each) | {} |  |",
        scfg.idle_rooms,
        mem(&r.mem_split)
    );
    if let (Some(one), Some(many)) = (per_client(&r.mem_signed), per_client(&r.mem_split)) {
        if one > 0.0 {
            let _ = writeln!(o, "| one connection saves | {:.1}× |  |", many / one);
        }
    }
    let _ = writeln!(
        o,
        "| memory per idle guest ({} clients, {} rooms each) | {} |  |",
        fmt_int(scfg.idle as f64),
        scfg.idle_rooms,
        mem(&r.mem_guest)
    );
    let _ = writeln!(o, "\n### Sign-in details\n");
    let _ = writeln!(o, "| chat run | deliveries/s | p50 | p99 | p99.9 | server CPU | machine CPU | lost | unanswered |");
    let _ = writeln!(o, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, s) in [("no sign-ins", &r.chat_without), ("sign-ins beside", &r.chat_with), ("no sign-ins, again", &r.chat_after)] {
        if let Some(s) = s {
            let _ = writeln!(
                o,
                "| {name} | {} | {} | {} | {} | {:.0}% | {:.0}% | {} | {} |",
                fmt_int(s.deliveries_per_s),
                fmt_ns(s.p50),
                fmt_ns(s.p99),
                fmt_ns(s.p999),
                s.server_cpu * 100.0,
                s.machine_cpu * 100.0,
                s.lost,
                s.unanswered
            );
        }
    }
    let _ = writeln!(o);
    if let Some(s) = &r.rate {
        let _ = writeln!(
            o,
            "- sign-ins, closed loop: {} clients, server CPU {:.0}%, machine CPU {:.0}%, errors {}; {} accounts registered in {:.1} s",
            s.clients,
            s.server_cpu * 100.0,
            s.machine_cpu * 100.0,
            s.errors,
            r.registered,
            r.register_secs
        );
    }
    if let Some(b) = &r.beside {
        let _ = writeln!(
            o,
            "- sign-ins beside the chat: {:.1}/s achieved of {} paced, on {} connections, p50 {}, p99 {}, errors {}",
            b.per_s,
            r.beside_target,
            b.clients,
            fmt_ns(b.p50),
            fmt_ns(b.p99),
            b.errors
        );
    }
    for (what, m) in [("signed-in", &r.mem_signed), ("signed-in, a connection per room,", &r.mem_split), ("guest", &r.mem_guest)] {
        if let Some((b, l, k)) = m {
            let _ = writeln!(o, "- {k} idle {what} clients: RSS {} → {}", fmt_bytes(*b as f64), fmt_bytes(*l as f64));
        }
    }
    for e in &r.errors {
        let _ = writeln!(o, "  - ERROR: {e}");
    }
    for p in r.problems.iter().take(10) {
        let _ = writeln!(o, "  - note: {}", p.chars().take(400).collect::<String>());
    }
    let _ = writeln!(
        o,
        "\n{} s measured per scenario after {} s warm-up",
        cfg.duration.as_secs_f64(),
        cfg.warmup.as_secs_f64()
    );
}
