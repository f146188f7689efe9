//! What the scale-out scenario runs: throwaway PostgreSQL and Redis (`scripts/services.sh
//! start --durable DIR`, stopped when dropped), fresh databases, banter-server nodes, and the
//! CPU time of each of those processes from /proc.

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use crate::procs;

/// PostgreSQL and Redis from `scripts/services.sh`, stopped on drop (also when a setup fails).
pub struct Services {
    script: PathBuf,
    dir: tempfile::TempDir,
    /// `postgres://banter@localhost/postgres?host=DIR/pg`
    pub database_url: String,
    pub redis_url: String,
    psql: PathBuf,
}

impl Services {
    pub fn start(repo: &Path) -> Result<Services, String> {
        let script = repo.join("scripts/services.sh");
        // Short, under /tmp: Unix socket paths are limited (services.sh allows 80 characters).
        let dir = tempfile::Builder::new().prefix("bso-").tempdir_in("/tmp").map_err(|e| format!("temp dir: {e}"))?;
        let out = Command::new("bash")
            .arg(&script)
            .args(["start", "--durable"])
            .arg(dir.path())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        let mut s = Services { script, dir, database_url: String::new(), redis_url: String::new(), psql: PathBuf::new() };
        if !out.status.success() {
            return Err(format!("services.sh start failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim()));
        }
        let env = fs::read_to_string(s.dir.path().join("env")).map_err(|e| format!("services.sh wrote no env file: {e}"))?;
        let var = |name: &str| {
            env.lines()
                .find_map(|l| l.strip_prefix("export ")?.strip_prefix(name)?.strip_prefix('='))
                .map(|v| v.trim().trim_matches('\'').to_string())
        };
        s.database_url = var("BANTER_TEST_DATABASE_URL").ok_or("no BANTER_TEST_DATABASE_URL in services.sh's env")?;
        s.redis_url = var("BANTER_TEST_REDIS_URL").ok_or("no BANTER_TEST_REDIS_URL in services.sh's env")?;
        let bin = var("BANTER_PG_BIN").unwrap_or_else(|| "/usr/lib/postgresql/15/bin".into());
        s.psql = PathBuf::from(bin).join("psql");
        if var("BANTER_TEST_PG_DURABLE").as_deref() != Some("1") {
            return Err("services.sh did not start PostgreSQL durable (fsync on)".into());
        }
        Ok(s)
    }

    /// Stops PostgreSQL and Redis when the bench is interrupted (Ctrl+C, SIGTERM): `Drop`
    /// does not run then. The nodes get the terminal's SIGINT themselves.
    pub fn stop_on_signal(&self) {
        let (script, dir) = (self.script.clone(), self.dir.path().to_path_buf());
        tokio::spawn(async move {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return,
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            eprintln!("interrupted: stopping PostgreSQL and Redis ({})", dir.display());
            let _ = Command::new("bash").arg(&script).arg("stop").arg(&dir).stdin(Stdio::null()).status();
            let _ = fs::remove_dir_all(&dir);
            std::process::exit(130);
        });
    }

    /// A fresh database; its URL.
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        let url = self.database_url.replacen("/postgres?", &format!("/{name}?"), 1);
        if url == self.database_url {
            return Err(format!("cannot name database {name} in {}", self.database_url));
        }
        self.psql(&self.database_url, &format!("CREATE DATABASE {name}"))?;
        Ok(url)
    }

    /// Runs one statement with psql; its unaligned output.
    pub fn psql(&self, url: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(&self.psql)
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.psql.display()))?;
        if !out.status.success() {
            return Err(format!("psql {sql:?}: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The postmaster's pid (first line of postmaster.pid).
    pub fn postgres_pid(&self) -> Option<u32> {
        let s = fs::read_to_string(self.dir.path().join("pg/data/postmaster.pid")).ok()?;
        s.lines().next()?.trim().parse().ok()
    }

    pub fn redis_pid(&self) -> Option<u32> {
        fs::read_to_string(self.dir.path().join("redis.pid")).ok()?.trim().parse().ok()
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        let r = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !r.is_ok_and(|s| s.success()) {
            eprintln!("warning: services.sh stop {} failed", self.dir.path().display());
        }
        // Stopped first, then (BANTER_BENCH_KEEP=1) their directories kept for their logs.
        if std::env::var_os("BANTER_BENCH_KEEP").is_some_and(|v| v == "1") {
            if let Ok(empty) = tempfile::tempdir() {
                let dir = std::mem::replace(&mut self.dir, empty);
                eprintln!("   keeping PostgreSQL's and Redis's directory (stopped) in {}", dir.keep().display());
            }
        }
    }
}

/// One banter-server node, killed on drop.
pub struct Node {
    pub addr: SocketAddr,
    pub pid: u32,
    pub log_path: PathBuf,
    child: Child,
}

impl Node {
    /// Starts `bin` with `--listen 127.0.0.1:0 --rate-limit 0` (no room creation limits, as
    /// `procs.rs` starts it) and `args`; waits (≤ 30 s) for `banter-server listening on ADDR`.
    pub fn start(bin: &Path, args: &[String], log_path: PathBuf) -> io::Result<Node> {
        let log = fs::File::create(&log_path)?;
        let mut cmd = Command::new(bin);
        cmd.args(["--listen", "127.0.0.1:0", "--rate-limit", "0"])
            .args(["--room-creations-per-hour", "0", "--room-creations-per-hour-total", "0"])
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log.try_clone()?));
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env("RUST_LOG", "warn");
        }
        let mut child = cmd.spawn().map_err(|e| io::Error::new(e.kind(), format!("cannot start {}: {e}", bin.display())))?;
        let pid = child.id();
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err(io::Error::other("no stdout pipe"));
        };
        let (tx, rx) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            let r = reader.read_line(&mut first).map(|_| first);
            let _ = tx.send(r);
            let mut log = log;
            let _ = io::copy(&mut reader, &mut log);
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(l)) => l,
            Ok(Err(e)) => {
                let _ = child.kill();
                return Err(e);
            }
            Err(_) => {
                let _ = child.kill();
                return Err(io::Error::other("banter-server printed nothing in 30 s"));
            }
        };
        let port = line.trim().strip_prefix("banter-server listening on ").and_then(|a| a.rsplit(':').next()?.parse::<u16>().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            let log = fs::read_to_string(&log_path).unwrap_or_default();
            return Err(io::Error::other(format!("unexpected first line {:?}; log: {}", line.trim(), log.trim())));
        };
        Ok(Node { addr: SocketAddr::from(([127, 0, 0, 1], port)), pid, log_path, child })
    }

    /// Warning and error lines of its log.
    pub fn problems(&self) -> Vec<String> {
        let s = fs::read_to_string(&self.log_path).unwrap_or_default();
        s.lines().filter(|l| [" WARN ", " ERROR ", "panicked"].iter().any(|t| l.contains(t))).map(|l| l.trim().to_string()).collect()
    }

    /// Whether it is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU seconds of each process of a tree, by pid.
#[derive(Clone, Default)]
pub struct CpuSnap(HashMap<u32, f64>);

impl CpuSnap {
    pub fn take(root: u32) -> CpuSnap {
        CpuSnap(procs::tree(root).into_iter().map(|p| (p, procs::cpu_tree(&[p]))).collect())
    }

    /// CPU seconds used from `self` to `later`: processes started meanwhile count from zero;
    /// ones that ended meanwhile are missing (PostgreSQL's pooled backends live on).
    pub fn until(&self, later: &CpuSnap) -> f64 {
        later.0.iter().map(|(p, t1)| (t1 - self.0.get(p).copied().unwrap_or(0.0)).max(0.0)).sum()
    }
}

/// Counters from a node's `/healthz`: messages the Redis adapter dropped (its publish queue
/// or its stream from Redis full), events dropped and deliveries that failed on the node.
#[derive(Clone, Copy, Debug, Default)]
pub struct Health {
    pub adapter_dropped: u64,
    pub dropped_events: u64,
    pub failed_deliveries: u64,
}

impl Health {
    pub async fn read(addr: SocketAddr) -> Option<Health> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let get = async {
            let mut c = tokio::net::TcpStream::connect(addr).await.ok()?;
            c.write_all(b"GET /healthz HTTP/1.0\r\nHost: bench\r\n\r\n").await.ok()?;
            let mut body = Vec::new();
            c.read_to_end(&mut body).await.ok()?;
            Some(String::from_utf8_lossy(&body).into_owned())
        };
        let body = tokio::time::timeout(Duration::from_secs(3), get).await.ok()??;
        let num = |after: &str, key: &str| -> Option<u64> {
            let at = body.find(after)?;
            let rest = &body[at..];
            let i = rest.find(key)? + key.len();
            rest[i..].chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().ok()
        };
        Some(Health {
            adapter_dropped: num("\"adapter\"", "\"dropped\":").unwrap_or(0),
            dropped_events: num("{", "\"droppedEvents\":").unwrap_or(0),
            failed_deliveries: num("{", "\"failedDeliveries\":").unwrap_or(0),
        })
    }

    pub fn since(self, before: Health) -> Health {
        Health {
            adapter_dropped: self.adapter_dropped.saturating_sub(before.adapter_dropped),
            dropped_events: self.dropped_events.saturating_sub(before.dropped_events),
            failed_deliveries: self.failed_deliveries.saturating_sub(before.failed_deliveries),
        }
    }
}
