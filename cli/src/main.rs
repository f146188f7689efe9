//! `banter-cli`: Banter on the command line, for scripts and bots.
//!
//! - `banter-cli chat --server URL --name NAME --room ROOM [--room ROOM…] [--token T] [--json]
//!   [--data-dir DIR]` sends each stdin line to the first room (a `/location LAT,LON` line
//!   shares a location instead), prints every event, and exits once stdin has ended and every
//!   message sent has an outcome.
//! - `banter-cli token set|clear --server URL` stores (from stdin) or removes a server's token
//!   in the platform keyring.
//! - `banter-cli account register|login|logout|sessions --server URL --name NAME` manages an
//!   account on a Banter server; the session token lives in the keyring, and `chat` uses it
//!   for that server and name.
//! - `banter-cli dm --server URL --name NAME --to NAME [--to NAME…] [--json]` is `chat` for the
//!   direct message with those accounts, signed in with the session stored for NAME.
//! - `banter-cli upload --server URL --name NAME --room ROOM FILE [--json]` sends a file to a
//!   room or DM as the signed-in account; the message id on stdout, progress on stderr.

mod account;
mod chat;
mod output;
mod search;
mod token;
mod upload;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "banter-cli",
    version,
    about = "Banter chat on the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Join rooms, send stdin lines to the first one (`/location LAT,LON` shares a
    /// location), print events.
    Chat(ChatArgs),
    /// A direct message with one or more accounts (signed in with the stored session):
    /// stdin lines are sent to it, events printed, as `chat` does for a room.
    Dm(DmArgs),
    /// Store or remove a server's access token in the keyring.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// An account on a Banter server: register, login, logout, sessions.
    Account {
        #[command(subcommand)]
        action: account::AccountAction,
    },
    /// Search the rooms and DMs of a signed-in account (its stored session), newest first.
    Search(search::SearchArgs),
    /// Send a file to a room or DM as the signed-in account (its stored session); prints
    /// the message's id, progress on stderr.
    Upload(upload::UploadArgs),
}

#[derive(clap::Args)]
pub struct ChatArgs {
    /// Server URL (http:// or https://).
    #[arg(long)]
    pub server: String,
    /// Your user name.
    #[arg(long)]
    pub name: String,
    /// A room to join; repeat for several. Lines from stdin go to the first.
    #[arg(long = "room", required = true)]
    pub rooms: Vec<String>,
    /// Access token (default: the token stored for this server, if any).
    #[arg(long)]
    pub token: Option<String>,
    /// Trust this SHA-256 certificate fingerprint for this (https) server only: for a
    /// self-signed or private-CA certificate, as the error that refused it showed.
    #[arg(long, value_name = "SHA256")]
    pub trust_fingerprint: Option<String>,
    /// One JSON object per line on stdout.
    #[arg(long)]
    pub json: bool,
    /// Where the outbox is kept (default: the platform's data directory).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Seconds to wait, after stdin ends, for the last outcomes before giving up.
    #[arg(long, default_value_t = 120)]
    pub outcome_timeout: u64,
    /// Seconds an acknowledgement may take before the connection is presumed dead.
    #[arg(long, default_value_t = 10)]
    pub ack_timeout: u64,
    /// For `dm`: the other members' account names (the DM is then the only "room").
    #[arg(skip)]
    pub dm_to: Vec<String>,
}

#[derive(clap::Args)]
pub struct DmArgs {
    /// Server URL (http:// or https://).
    #[arg(long)]
    pub server: String,
    /// Your account name (signed in with `banter-cli account login`).
    #[arg(long)]
    pub name: String,
    /// An account to write to; repeat for a group (at most 7).
    #[arg(long = "to", required = true)]
    pub to: Vec<String>,
    /// Access token (default: the token stored for this server, if any).
    #[arg(long)]
    pub token: Option<String>,
    /// Trust this SHA-256 certificate fingerprint for this (https) server only: for a
    /// self-signed or private-CA certificate, as the error that refused it showed.
    #[arg(long, value_name = "SHA256")]
    pub trust_fingerprint: Option<String>,
    /// One JSON object per line on stdout.
    #[arg(long)]
    pub json: bool,
    /// Where the outbox is kept (default: the platform's data directory).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Seconds to wait, after stdin ends, for the last outcomes before giving up.
    #[arg(long, default_value_t = 120)]
    pub outcome_timeout: u64,
    /// Seconds an acknowledgement may take before the connection is presumed dead.
    #[arg(long, default_value_t = 10)]
    pub ack_timeout: u64,
}

impl From<DmArgs> for ChatArgs {
    fn from(d: DmArgs) -> Self {
        ChatArgs {
            server: d.server,
            name: d.name,
            rooms: Vec::new(),
            token: d.token,
            trust_fingerprint: d.trust_fingerprint,
            json: d.json,
            data_dir: d.data_dir,
            outcome_timeout: d.outcome_timeout,
            ack_timeout: d.ack_timeout,
            dm_to: d.to,
        }
    }
}

#[derive(Subcommand)]
enum TokenAction {
    /// Read a token from stdin and store it for the server.
    Set {
        #[arg(long)]
        server: String,
    },
    /// Remove the server's token.
    Clear {
        #[arg(long)]
        server: String,
    },
}

/// Trusts `--trust-fingerprint` for `server` in `client` (a malformed one is a usage error).
pub fn trust(client: &banter_client::Client, server: &str, fingerprint: Option<&str>) -> Result<(), banter_client::ClientError> {
    match fingerprint {
        Some(fp) => client.trust_certificate(server, Some(banter_client::Fingerprint::parse(fp)?)),
        None => Ok(()),
    }
}

/// After an untrusted certificate: how to trust it, on stderr.
pub fn trust_hint(e: &banter_client::ClientError) {
    if let banter_client::ClientError::UntrustedCertificate { fingerprint, .. } = e {
        eprintln!("banter-cli: to trust it for this server, run again with --trust-fingerprint {fingerprint}");
    }
}

/// Exit codes.
pub mod exit {
    pub const USAGE: u8 = 1;
    pub const CONNECT: u8 = 2;
    pub const JOIN_REFUSED: u8 = 3;
    pub const NO_OUTCOME: u8 = 4;
    pub const KEYRING: u8 = 5;
    /// The server refused an account request or a session (name taken, wrong password,
    /// session ended…), or has no accounts (a classic server); for `dm`: not signed in, no
    /// such account, or the direct message refused.
    pub const ACCOUNT: u8 = 6;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("banter-cli: cannot start the async runtime: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let code = match cli.command {
        Command::Chat(args) => runtime.block_on(chat::run(args)),
        Command::Dm(args) => runtime.block_on(chat::run(args.into())),
        Command::Token {
            action: TokenAction::Set { server },
        } => token::set(&server),
        Command::Token {
            action: TokenAction::Clear { server },
        } => token::clear(&server),
        Command::Account { action } => runtime.block_on(account::run(action)),
        Command::Search(args) => runtime.block_on(search::run(args)),
        Command::Upload(args) => runtime.block_on(upload::run(args)),
    };
    // Do not wait for background tasks (closing sockets) longer than needed.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    ExitCode::from(code)
}
