//! The command line (clap) and the classic scenarios' configuration drawn from it.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::load;
use crate::procs::Kind;
use crate::scale;
use crate::scaleout;

#[derive(Parser, Debug, Clone)]
#[command(about = "Benchmark banter-server against the Node socket.io classic chat server")]
pub(crate) struct Args {
    /// Tiny sizes (20 and 50 clients, 300 idle connections, 1 s per scenario): a smoke run
    /// that keeps the benchmark from rotting, not a measurement.
    #[arg(long)]
    pub(crate) quick: bool,
    /// Measured seconds per throughput scenario (after a warm-up).
    #[arg(long)]
    pub(crate) duration_secs: Option<f64>,
    /// Run against one server only.
    #[arg(long, value_parser = ["banter", "node"])]
    pub(crate) only: Option<String>,
    /// Also write the report (markdown) to this file.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Room sizes, comma-separated (default 200,1000; quick 20,50).
    #[arg(long, value_delimiter = ',')]
    pub(crate) clients: Option<Vec<usize>>,
    /// Sends in flight, comma-separated (default 1,16).
    #[arg(long, value_delimiter = ',')]
    pub(crate) inflight: Option<Vec<usize>>,
    /// Idle joined connections for the memory-per-connection figure (default 5000; quick 300).
    #[arg(long)]
    pub(crate) idle: Option<usize>,
    /// How far the idle clients go: `join` (joined a room), `connect` (Socket.IO connected,
    /// no join) or `ws` (WebSocket open, no Socket.IO connect): a breakdown of the memory.
    #[arg(long, default_value = "join", value_parser = ["join", "connect", "ws"])]
    pub(crate) idle_stage: String,
    /// Idle clients per room in the memory test.
    #[arg(long, default_value_t = 10)]
    pub(crate) idle_room_size: usize,
    /// The banter-server binary (default: next to this binary, else
    /// $CARGO_TARGET_DIR/release/banter-server).
    #[arg(long)]
    pub(crate) server_bin: Option<PathBuf>,
    /// Do not run `cargo build --release -p banter-server` first (it is run only when this
    /// program was started by `cargo run` and no --server-bin was given).
    #[arg(long)]
    pub(crate) no_build: bool,
    /// Sockets that take turns sending in each room (default: every member).
    #[arg(long)]
    pub(crate) senders: Option<usize>,
    /// Worker threads of the load generator.
    #[arg(long, default_value_t = 1)]
    pub(crate) gen_threads: usize,
    /// Repository root (where tests/node/support/classic-server.cjs and node_modules are).
    #[arg(long)]
    pub(crate) repo: Option<PathBuf>,
    /// Which scenarios to run: `classic` (the rooms and idle memory, both servers),
    /// `signins` (issue 8's sign-in figures), `search` and `files` (issue 10's search and
    /// upload figures), the last three banter-server only; `scaleout` (issue 11: one node on
    /// SQLite, one on PostgreSQL, several on PostgreSQL + Redis; not in the default run, it
    /// starts its own PostgreSQL and Redis); `scale` (issue 12: many idle joined connections on one
    /// server beside a 1,000-member room, both servers; not in the default run); comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "classic,signins,search,files", value_parser = ["classic", "signins", "search", "files", "scaleout", "scale"])]
    pub(crate) scenarios: Vec<String>,
    #[command(flatten)]
    pub(crate) scaleout: scaleout::ScaleoutArgs,
    #[command(flatten)]
    pub(crate) scale: scale::ScaleArgs,
    /// Files: rounds of a 25 MiB upload and download (default 5; quick 1).
    #[arg(long)]
    pub(crate) file_rounds: Option<usize>,
    /// Search: messages stored before searching (default 1,000,000; quick 2,000).
    #[arg(long)]
    pub(crate) search_messages: Option<u64>,
    /// Sign-ins: concurrent clients looping login + logout (default 8; quick 2).
    #[arg(long)]
    pub(crate) signin_clients: Option<usize>,
    /// Sign-ins: per second, paced, beside the chatting room (default 50; quick 5).
    #[arg(long)]
    pub(crate) signin_rate: Option<f64>,
    /// Sign-ins: clients of the chatting room (default 200; quick 20).
    #[arg(long)]
    pub(crate) signin_chat_clients: Option<usize>,
    /// Sign-ins: sends in flight in the chatting room.
    #[arg(long, default_value_t = 1)]
    pub(crate) signin_chat_inflight: usize,
    /// Sign-ins: idle signed-in clients (and guests) for the memory figure (default 1000; quick 10).
    #[arg(long)]
    pub(crate) signed_idle: Option<usize>,
    /// Sign-ins: rooms each idle client joins.
    #[arg(long, default_value_t = 10)]
    pub(crate) signed_idle_rooms: usize,
    /// Sign-ins: most sign-ins one scenario may start (it is bounded in time too).
    #[arg(long, default_value_t = 100_000)]
    pub(crate) max_signins: u64,
}

pub(crate) struct Config {
    pub(crate) sizes: Vec<usize>,
    pub(crate) inflight: Vec<usize>,
    pub(crate) idle: usize,
    pub(crate) idle_room_size: usize,
    pub(crate) idle_stage: u8,
    pub(crate) senders: Option<usize>,
    pub(crate) duration: Duration,
    pub(crate) warmup: Duration,
    pub(crate) kinds: Vec<Kind>,
}

impl Config {
    /// The room sizes, in-flight counts, idle connections and durations of the classic
    /// scenarios (`--quick` shrinks them), for these servers.
    pub(crate) fn from_args(args: &Args) -> Config {
        let quick = args.quick;
        let kinds = match args.only.as_deref() {
            Some("banter") => vec![Kind::Banter],
            Some("node") => vec![Kind::Node],
            _ => vec![Kind::Banter, Kind::Node],
        };
        let duration = Duration::from_secs_f64(args.duration_secs.unwrap_or(if quick { 1.0 } else { 5.0 }));
        Config {
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
        }
    }
}
