//! "Host rooms on this machine": starts `banter-server` on loopback as a child process.
//! The binary is `BANTER_SERVER_BIN` if set, else `banter-server` next to the app's own
//! binary, else `banter-server` on PATH.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::error::{CommandError, ErrorCode};

const NAME: &str = "banter-server";

/// Finds the server binary.
pub fn find() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("BANTER_SERVER_BIN") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        let p = dir.join(NAME);
        if p.is_file() {
            return Some(p);
        }
    }
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(NAME)).find(|p| p.is_file()))
}

/// A running local server; killed when dropped (and so when the app exits).
pub struct LocalServer {
    /// Where the app itself reaches it: `http://127.0.0.1:PORT`, also while it is shared.
    pub url: String,
    /// The access token it requires: set only while it listens on the network ("Share on my
    /// network", commands/sharing.rs).
    pub token: Option<String>,
    /// The one-time admin code this run of the server was started with (`BANTER_ADMIN_CODE`,
    /// docs/server.md): the first account the user creates on it becomes its admin. Taken
    /// when used.
    admin_code: std::sync::Mutex<Option<String>>,
    _child: Child,
}

impl LocalServer {
    /// The admin code for a registration, if it has not been used yet.
    pub fn take_admin_code(&self) -> Option<String> {
        self.admin_code.lock().ok()?.take()
    }

    /// Stops the server as the app quits: SIGTERM (it finishes its writes and closes its
    /// database), SIGKILL if it is still there after 3 s. Blocking.
    pub fn stop(mut self) {
        #[cfg(target_os = "linux")]
        if let Some(pid) = self._child.id().and_then(|p| i32::try_from(p).ok()) {
            // SAFETY: kill(2) on our own child's pid, not yet reaped (try_wait reaps it).
            unsafe { libc::kill(pid, libc::SIGTERM) };
            let until = std::time::Instant::now() + Duration::from_secs(3);
            while std::time::Instant::now() < until {
                match self._child.try_wait() {
                    Ok(Some(status)) => {
                        tracing::info!(%status, "the hosted server stopped");
                        return;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                    Err(_) => break,
                }
            }
            tracing::warn!("the hosted server did not stop within 3 s: killed");
        }
        let _ = self._child.start_kill();
    }

    /// Gives the code back after a registration that failed.
    pub fn return_admin_code(&self, code: String) {
        if let Ok(mut c) = self.admin_code.lock() {
            c.get_or_insert(code);
        }
    }
}

/// A fresh admin code: 128 random bits from the OS, as 32 hex digits.
fn new_admin_code() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Parses the server's first stdout line: `banter-server listening on 127.0.0.1:PORT`.
pub fn parse_listening(line: &str) -> Option<String> {
    parse_listening_on(line, false)
}

/// The same for a server started on the network (`0.0.0.0:PORT`, and nothing else), given as
/// the loopback URL the app itself uses.
fn parse_listening_on(line: &str, network: bool) -> Option<String> {
    let addr = line.trim().strip_prefix("banter-server listening on ")?;
    let sock: std::net::SocketAddr = addr.trim().parse().ok()?;
    match network {
        false => sock.ip().is_loopback().then(|| format!("http://{sock}")),
        true => (sock.ip() == std::net::Ipv4Addr::UNSPECIFIED).then(|| format!("http://127.0.0.1:{}", sock.port())),
    }
}

/// Starts the server on `127.0.0.1:port` (0: any free port) with its database in `data_dir`.
pub async fn start(bin: &Path, port: u16, data_dir: &Path) -> Result<LocalServer, CommandError> {
    start_on(bin, port, data_dir, None).await
}

/// Starts the server on loopback (`token` None), or on every IPv4 interface requiring that
/// access token (in its environment, never its arguments): never open on the network.
pub async fn start_on(bin: &Path, port: u16, data_dir: &Path, token: Option<String>) -> Result<LocalServer, CommandError> {
    let err = |m: String| CommandError::new(ErrorCode::LocalServer, m);
    std::fs::create_dir_all(data_dir).map_err(|e| err(format!("Could not create {}: {e}", data_dir.display())))?;
    // Its log goes to a file: an inherited stderr would outlive the app in a pipeline.
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data_dir.join("local-server.log"))
        .map_err(|e| err(format!("Could not open the server log: {e}")))?;
    let admin_code = new_admin_code();
    let mut cmd = Command::new(bin);
    // In the environment, never on the command line: other local users can read arguments.
    cmd.env("BANTER_ADMIN_CODE", &admin_code);
    cmd.env_remove("BANTER_TOKEN").env_remove("BANTER_TOKEN_FILE");
    if let Some(t) = &token {
        cmd.env("BANTER_TOKEN", t);
    }
    let ip = if token.is_some() { "0.0.0.0" } else { "127.0.0.1" };
    cmd.arg("--listen")
        .arg(format!("{ip}:{port}"))
        .arg("--db")
        .arg(data_dir.join("local-server.db"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(log)
        .kill_on_drop(true);
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec here.
    unsafe {
        // The server dies with the app even when the app is killed (no orphan holding the port).
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| err(format!("Could not start {}: {e}", bin.display())))?;
    let stdout = child.stdout.take().ok_or_else(|| err("no stdout".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await;
    let url = match first {
        Ok(Ok(Some(line))) => parse_listening_on(&line, token.is_some()).ok_or_else(|| err(format!("Unexpected output from the server: {line}")))?,
        _ => {
            let _ = child.start_kill();
            return Err(err("The local server did not start (no address printed within 10 s).".into()));
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(LocalServer { url, token, admin_code: std::sync::Mutex::new(Some(admin_code)), _child: child })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_address_line() {
        assert_eq!(parse_listening("banter-server listening on 127.0.0.1:4242\n").as_deref(), Some("http://127.0.0.1:4242"));
        assert_eq!(parse_listening("banter-server listening on [::1]:80").as_deref(), Some("http://[::1]:80"));
        assert_eq!(parse_listening("banter-server listening on 0.0.0.0:80"), None, "loopback only");
        assert_eq!(parse_listening("hello"), None);
        // shared on the network: every IPv4 interface, reached here through loopback
        assert_eq!(parse_listening_on("banter-server listening on 0.0.0.0:4242", true).as_deref(), Some("http://127.0.0.1:4242"));
        assert_eq!(parse_listening_on("banter-server listening on 127.0.0.1:4242", true), None);
    }
}
