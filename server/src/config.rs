//! Command-line flags and environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::error::ServerError;

/// The self-hosted Banter chat server: Socket.IO rooms speaking the classic chat protocol
/// and Banter's extensions, with an embedded SQLite store.
#[derive(Debug, Clone, Parser)]
#[command(name = "banter-server", version, about, long_about = None)]
pub struct Cli {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "BANTER_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// SQLite database file [default: the platform data dir, e.g. ~/.local/share/banter/banter.db].
    #[arg(long, env = "BANTER_DB", global = true)]
    pub db: Option<PathBuf>,

    /// Keep everything in this PostgreSQL database instead of the SQLite file, e.g.
    /// `postgres://banter:PASSWORD@db.example/banter` or, over a Unix socket,
    /// `postgres://banter@localhost/banter?host=/run/postgresql`. Several nodes may share one
    /// (with --redis-url). Prefer the environment variable when the URL has a password.
    #[arg(long, env = "BANTER_DATABASE_URL", hide_env_values = true, global = true, conflicts_with = "db")]
    pub database_url: Option<String>,

    /// Share rooms with the other nodes on this Redis (`redis://host:6379`, or a Unix socket
    /// `redis+unix:///run/redis/redis.sock`): a broadcast on one node reaches the room's
    /// members on every node, and names and presence are cluster-wide. Needs --database-url
    /// (every node on the same PostgreSQL database).
    #[arg(long, env = "BANTER_REDIS_URL", hide_env_values = true, requires = "database_url")]
    pub redis_url: Option<String>,

    /// A reverse proxy or load balancer in front of this server (repeat for several; env:
    /// comma-separated): for connections from it, the client's address is taken from its
    /// `X-Forwarded-For` (per-address limits would count every client as the proxy).
    #[arg(long = "trusted-proxy", env = "BANTER_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// This node's name in /healthz, logs and the cluster's registry [default: the host
    /// name and the listen port].
    #[arg(long, env = "BANTER_NODE_ID")]
    pub node_id: Option<String>,

    /// Require this access token in the Socket.IO handshake (`auth: {token}`). Prefer the
    /// environment variable or --token-file: arguments are visible to other local users.
    #[arg(long, env = "BANTER_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Read the access token from this file (first line).
    #[arg(long, env = "BANTER_TOKEN_FILE", conflicts_with = "token")]
    pub token_file: Option<PathBuf>,

    /// Messages per second each socket may send on average (bursts of twice that); 0 = no limit.
    #[arg(long, env = "BANTER_RATE_LIMIT", default_value_t = 20)]
    pub rate_limit: u32,

    /// Events of any kind per second a socket may send (bursts of twice that) before further
    /// ones are refused ("Slow down!") or dropped; 0 = no limit [default: 200, or 0 when
    /// --rate-limit is 0].
    #[arg(long, env = "BANTER_EVENT_LIMIT")]
    pub event_limit: Option<u32>,

    /// Longest message, in characters.
    #[arg(long, env = "BANTER_MAX_MESSAGE_CHARS", default_value_t = banter_protocol::rules::MAX_MESSAGE_CHARS as u32)]
    pub max_message_chars: u32,

    /// Messages of history sent to a Banter client when it joins a room.
    #[arg(long, env = "BANTER_HISTORY_ON_JOIN", default_value_t = 50)]
    pub history_on_join: u32,

    /// Packets buffered per socket before emits to it fail (a slow client).
    #[arg(long, env = "BANTER_SOCKET_BUFFER", default_value_t = 1024)]
    pub socket_buffer: usize,

    /// Serve the static files of this directory at `/` (a drop-in for the chat tutorial's
    /// Node server: its `public/` folder), beside the official socket.io browser client at
    /// `/socket.io/socket.io.js`.
    #[arg(long, env = "BANTER_PUBLIC_DIR")]
    pub public: Option<PathBuf>,

    /// What the profanity filter refuses: `tutorial` (whole words of the list the chat
    /// tutorial's filter uses), `strict` (also spacing, leetspeak and look-alike letters, with
    /// more false positives) or `off`.
    #[arg(long, env = "BANTER_PROFANITY", value_enum, default_value_t = ProfanityMode::Tutorial)]
    pub profanity: ProfanityMode,

    /// Serve HTTPS (and WSS) with this certificate chain (PEM); needs `--tls-key`.
    #[arg(long, env = "BANTER_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The certificate's private key (PEM, PKCS#8: `BEGIN PRIVATE KEY`); needs `--tls-cert`.
    #[arg(long, env = "BANTER_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Log format: `text` or `json`. Filter with RUST_LOG (default `info`).
    #[arg(long, env = "BANTER_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,

    /// Who may create an account: `open` (anyone), `invite` (with an invite code from
    /// `banter-server invite create`) or `closed` (only `banter-server user create`).
    #[arg(long, env = "BANTER_REGISTRATION", value_enum, default_value_t = RegistrationMode::Open)]
    pub registration: RegistrationMode,

    /// Whether sockets that are not signed in may join rooms (under names nobody registered).
    #[arg(long, env = "BANTER_GUESTS", value_enum, default_value_t = GuestsMode::Allow)]
    pub guests: GuestsMode,

    /// Days a session may go unused before it expires.
    #[arg(long, env = "BANTER_SESSION_IDLE_DAYS", default_value_t = 30)]
    pub session_idle_days: u32,

    /// Rooms one socket (connection) may be in at once; 0 = no limit.
    #[arg(long, env = "BANTER_MAX_ROOMS_PER_SOCKET", default_value_t = 50)]
    pub max_rooms_per_socket: u32,

    /// New rooms (not yet in the store) one client address may create per hour (IPv6 per
    /// /64); 0 = no limit.
    #[arg(long, env = "BANTER_ROOM_CREATIONS_PER_HOUR", default_value_t = 30)]
    pub room_creations_per_hour: u32,

    /// New rooms the whole server may create per hour, all addresses together; 0 = no limit.
    #[arg(long, env = "BANTER_ROOM_CREATIONS_PER_HOUR_TOTAL", default_value_t = 600)]
    pub room_creations_per_hour_total: u32,

    /// Where uploaded files are kept (content-addressed: `blobs/`, `thumbs/`, `tmp/`)
    /// [default: `files/` beside the database file].
    #[arg(long, env = "BANTER_FILES_DIR")]
    pub files_dir: Option<PathBuf>,

    /// Largest upload, in MiB.
    #[arg(long, env = "BANTER_MAX_UPLOAD_MB", default_value_t = 25)]
    pub max_upload_mb: u32,

    /// What one account may upload in all, in MiB (every upload counted, even of a file
    /// already stored); 0 = no quota.
    #[arg(long, env = "BANTER_FILES_QUOTA_MB", default_value_t = 1024)]
    pub files_quota_mb: u32,

    /// Admin commands (`user create`, `invite create`); without one, run the server.
    #[command(subcommand)]
    pub command: Option<crate::accounts::admin::AdminCommand>,
}

/// Who may create an account (`--registration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum RegistrationMode {
    #[default]
    Open,
    Invite,
    Closed,
}

/// Whether guests may chat (`--guests`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum GuestsMode {
    #[default]
    Allow,
    Deny,
}

/// What the profanity filter refuses (`--profanity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ProfanityMode {
    /// Whole words of the chat tutorial's list, in any case: what the tutorial refused.
    #[default]
    Tutorial,
    /// Also sees through spacing, leetspeak and look-alike letters; refuses some ordinary prose.
    Strict,
    /// Nothing is refused for its words.
    Off,
}

/// Events per second a socket may send by default, when messages are rate-limited.
pub const DEFAULT_EVENT_LIMIT: u32 = 200;

/// The settings the server runs with, resolved from [`Cli`].
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The SQLite file, unless `database_url` names PostgreSQL.
    pub db_path: PathBuf,
    /// The PostgreSQL database (`--database-url`), when the store is not the SQLite file.
    pub database_url: Option<String>,
    /// The Redis shared with the other nodes (`--redis-url`), when there are several.
    pub redis_url: Option<String>,
    /// This node's name (`--node-id`).
    pub node_id: String,
    /// Proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub token: Option<String>,
    pub rate_limit: u32,
    pub event_limit: u32,
    pub max_message_chars: u32,
    pub history_on_join: u32,
    pub socket_buffer: usize,
    /// The directory served at `/` (`--public`), checked to exist at start-up.
    pub public_dir: Option<PathBuf>,
    /// HTTPS: the certificate chain and key files (PEM).
    pub tls: Option<(PathBuf, PathBuf)>,
    pub profanity: ProfanityMode,
    /// Who may register and chat, and the session idle expiry.
    pub accounts: crate::accounts::Policy,
    /// Rooms per socket and new rooms per hour (`room_limits.rs`).
    pub room_limits: crate::room_limits::RoomLimitsConfig,
    /// Uploads (`files/`): where, how large, how much per account.
    pub files: FilesConfig,
}

/// Where uploads go and how much is taken (`--files-dir`, `--max-upload-mb`, `--files-quota-mb`).
#[derive(Debug, Clone)]
pub struct FilesConfig {
    pub dir: PathBuf,
    pub max_upload_bytes: u64,
    /// 0 = no quota.
    pub quota_bytes: u64,
}

const MIB: u64 = 1024 * 1024;

impl Cli {
    /// The database file: `--db`, or the platform data dir's.
    pub fn db_path(&self) -> Result<PathBuf, ServerError> {
        match &self.db {
            Some(p) => Ok(p.clone()),
            None => default_db_path(),
        }
    }

    /// The PostgreSQL URL, checked to name PostgreSQL.
    pub fn database_url(&self) -> Result<Option<String>, ServerError> {
        match self.database_url.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(url) if crate::pg::is_postgres_url(url) => Ok(Some(url.to_owned())),
            Some(url) => Err(ServerError::Config(format!(
                "--database-url must be a postgres:// URL (got {}); for SQLite use --db PATH",
                crate::pg::redact(url)
            ))),
        }
    }

    pub fn resolve(self) -> Result<Config, ServerError> {
        let db_path = self.db_path()?;
        let database_url = self.database_url()?;
        let token = match (self.token, self.token_file) {
            (Some(t), _) => Some(t),
            (None, Some(path)) => {
                let raw = std::fs::read_to_string(&path)
                    .map_err(|e| ServerError::Config(format!("cannot read token file {}: {e}", path.display())))?;
                Some(raw.lines().next().unwrap_or_default().trim().to_owned())
            }
            (None, None) => None,
        };
        if matches!(&token, Some(t) if t.is_empty()) {
            return Err(ServerError::Config("the access token is empty".into()));
        }
        if let Some(dir) = &self.public {
            crate::public::PublicDir::open(dir)?;
        }
        let admin_code = admin_code_from_env()?;
        if self.session_idle_days == 0 {
            return Err(ServerError::Config("--session-idle-days must be at least 1".into()));
        }
        if self.max_upload_mb == 0 {
            return Err(ServerError::Config("--max-upload-mb must be at least 1".into()));
        }
        let files_dir = match &self.files_dir {
            Some(d) => d.clone(),
            None => db_path.parent().map_or_else(|| PathBuf::from("files"), |p| p.join("files")),
        };
        if self.max_message_chars == 0 {
            return Err(ServerError::Config("--max-message-chars must be at least 1".into()));
        }
        Ok(Config {
            listen: self.listen,
            db_path,
            database_url,
            redis_url: self.redis_url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()),
            node_id: match self.node_id.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) {
                Some(id) => id,
                None => format!("{}:{}", host_name(), self.listen.port()),
            },
            trusted_proxies: self.trusted_proxies,
            token,
            rate_limit: self.rate_limit,
            // `--rate-limit 0` means a trusted setting (bots, benchmarks): no flood limit either
            // unless one is asked for.
            event_limit: self.event_limit.unwrap_or(if self.rate_limit == 0 { 0 } else { DEFAULT_EVENT_LIMIT }),
            max_message_chars: self.max_message_chars,
            history_on_join: self.history_on_join.min(crate::store::MAX_PAGE),
            socket_buffer: self.socket_buffer.max(16),
            public_dir: self.public,
            tls: self.tls_cert.zip(self.tls_key),
            profanity: self.profanity,
            accounts: crate::accounts::Policy {
                registration: match self.registration {
                    RegistrationMode::Open => banter_protocol::accounts::Registration::Open,
                    RegistrationMode::Invite => banter_protocol::accounts::Registration::Invite,
                    RegistrationMode::Closed => banter_protocol::accounts::Registration::Closed,
                },
                guests: self.guests == GuestsMode::Allow,
                session_idle_ms: i64::from(self.session_idle_days) * crate::accounts::sessions::DAY_MS,
                admin_code,
            },
            room_limits: crate::room_limits::RoomLimitsConfig {
                rooms_per_socket: self.max_rooms_per_socket,
                creations_per_hour: self.room_creations_per_hour,
                creations_per_hour_total: self.room_creations_per_hour_total,
            },
            files: FilesConfig {
                dir: files_dir,
                max_upload_bytes: u64::from(self.max_upload_mb) * MIB,
                quota_bytes: u64::from(self.files_quota_mb) * MIB,
            },
        })
    }
}

/// The machine's host name (for the default node id), or `localhost`.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

fn default_db_path() -> Result<PathBuf, ServerError> {
    let dirs = directories::ProjectDirs::from("chat", "Banter", "banter")
        .ok_or_else(|| ServerError::Config("no home directory: pass --db PATH".into()))?;
    Ok(dirs.data_dir().join("banter.db"))
}

/// The environment variable of the one-time admin code: the desktop app sets it on the
/// server it hosts for itself, so that its local user's account is the server's admin.
pub const ADMIN_CODE_ENV: &str = "BANTER_ADMIN_CODE";

/// [`ADMIN_CODE_ENV`], read from the environment (never a flag: another local user can read
/// a process's arguments, not its environment). At least 32 characters; kept as a hash.
fn admin_code_from_env() -> Result<Option<[u8; 32]>, ServerError> {
    let Some(code) = std::env::var_os(ADMIN_CODE_ENV) else { return Ok(None) };
    let code = code.to_str().map(str::trim).unwrap_or_default().to_owned();
    if code.chars().count() < 32 {
        return Err(ServerError::Config(format!("{ADMIN_CODE_ENV} must be at least 32 characters")));
    }
    Ok(Some(crate::accounts::invites::code_hash(&code)))
}
