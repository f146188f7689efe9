//! `banter-bench`: banter-server against the official Node `socket.io` classic chat server,
//! same machine, same run, same load generator. See docs/benchmarks.md.

mod args;
mod classic;
mod files;
mod hist;
mod load;
mod procs;
mod report;
mod scale;
mod scaleout;
mod scaleout_client;
mod scaleout_phase;
mod scaleout_procs;
mod scaleout_report;
mod search;
mod signins;
mod sio;
mod ws;

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use clap::Parser;

use args::{Args, Config};
use procs::{Kind, Launch};

fn main() -> ExitCode {
    let args = Args::parse();
    let quick = args.quick;
    let cfg = Config::from_args(&args);
    let classic = args.scenarios.iter().any(|s| s == "classic");
    let want_signins = args.scenarios.iter().any(|s| s == "signins");
    let want_search = args.scenarios.iter().any(|s| s == "search");
    let want_files = args.scenarios.iter().any(|s| s == "files");
    let want_scaleout = args.scenarios.iter().any(|s| s == "scaleout");
    let want_scale = args.scenarios.iter().any(|s| s == "scale");
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
            let r = rt.block_on(classic::bench_server(kind, &cfg, &launch));
            reports.push((kind, r));
        }
    }
    let scale_plan = scale::ScalePlan::new(&args.scale, &cfg, quick, nofile);
    let scale_reports = want_scale.then(|| rt.block_on(scale::run(&scale_plan, &cfg, &launch)));
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
        report::render(&cfg, &reports, started.elapsed(), args.gen_threads.max(1))
    } else {
        format!("{}; run took {:.0} s\n", procs::machine_line(), started.elapsed().as_secs_f64())
    };
    if let Some(r) = &scale_reports {
        text.push('\n');
        scale::render(&mut text, &scale_plan, r);
        text.push('\n');
    }
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
    // banter-server failing at scale fails the run; Node's failure point is a figure.
    for (kind, r) in scale_reports.iter().flatten() {
        if let (Kind::Banter, Some(f)) = (kind, &r.failed) {
            eprintln!("error: scale: {f}");
            failed = true;
        }
    }
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
