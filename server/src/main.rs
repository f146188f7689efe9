use clap::Parser;
use tracing_subscriber::EnvFilter;

use banter_server::config::Cli;

fn main() -> std::process::ExitCode {
    let mut cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let filter = quiet_packet_logs(filter);
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if cli.log_format == "json" {
        logs.json().init();
    } else {
        logs.init();
    }
    if let Some(command) = cli.command.take() {
        let result = banter_server::accounts::admin::run(command, &cli);
        return match result {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("banter-server: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let config = match cli.resolve() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("banter-server: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("banter-server: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(banter_server::run(config, banter_server::shutdown_signal())) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("banter-server: {e}");
            1
        }
    };
    // The store is flushed and the connections are closed. Dropping the runtime now would shut
    // its timer driver down while a handler still finishing on a blocking thread (a store call
    // in `block_in_place`, `Pg::block`'s `block_on` with sqlx's acquire timeout) polls a timer:
    // tokio panics "A Tokio 1.x context was found, but it is being shutdown" (seen in the
    // cluster test, a join storm stopped by SIGTERM). Exiting without the drop leaves such a
    // call unanswered, as a kill would, and its client resends from its outbox.
    std::mem::forget(runtime);
    std::process::exit(code)
}

/// The Socket.IO and WebSocket crates log whole packets at debug and trace, and packets carry
/// passwords and session tokens (`banter:login`, `auth.session`): they stay at `info` unless
/// RUST_LOG names them itself (`RUST_LOG=debug,socketioxide=debug` for a packet dump).
fn quiet_packet_logs(mut filter: EnvFilter) -> EnvFilter {
    let asked = std::env::var("RUST_LOG").unwrap_or_default();
    for target in ["socketioxide", "engineioxide", "tungstenite", "tokio_tungstenite", "hyper", "axum"] {
        if !asked.contains(target) {
            if let Ok(directive) = format!("{target}=info").parse() {
                filter = filter.add_directive(directive);
            }
        }
    }
    filter
}

