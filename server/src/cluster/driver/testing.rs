use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The environment variable naming the redis-server binary.
pub const SERVER_VAR: &str = "BANTER_REDIS_SERVER";
const WAIT: Duration = Duration::from_secs(10);

/// One throwaway redis-server.
pub struct TestRedis {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl TestRedis {
    /// Starts one, or `None` (the test should return) when there is no redis-server outside CI.
    pub fn start() -> Option<TestRedis> {
        let Some(bin) = server_binary() else {
            if std::env::var_os("CI").is_some() {
                panic!("redis-server not found ({SERVER_VAR} unset, none on PATH): scripts/setup.sh installs it");
            }
            eprintln!("skipped: redis-server not found ({SERVER_VAR} unset, none on PATH)");
            return None;
        };
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("banter-redis-{}-{}-{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let port = free_port();
        let mut redis = TestRedis { bin, dir, port, child: None };
        redis.start_again();
        Some(redis)
    }

    /// `redis+unix:///…/redis.sock` (no `?protocol=`: the driver sets RESP3).
    pub fn unix_url(&self) -> String {
        format!("redis+unix://{}", self.socket().display())
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn tcp_url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("redis.sock")
    }

    /// Stops it (SIGTERM, then SIGKILL after 10 s); its socket and port stay reserved for it.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_file(self.socket());
    }

    /// Starts it again on the same socket and port; returns once it answers PING.
    pub fn start_again(&mut self) {
        if self.child.is_some() {
            return;
        }
        let child = Command::new(&self.bin)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--unixsocket"])
            .arg(self.socket())
            .args(["--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir"])
            .arg(&self.dir)
            .arg("--logfile")
            .arg(self.dir.join("redis.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", self.bin.display()));
        self.child = Some(child);
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if pong(&self.socket()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let log = std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default();
        panic!("redis-server did not answer within {WAIT:?}; its log:\n{log}");
    }

    /// Stops and starts it: every connection to it breaks, every subscription is gone.
    pub fn restart(&mut self) {
        self.stop();
        self.start_again();
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn server_binary() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os(SERVER_VAR).filter(|b| !b.is_empty()) {
        return Some(PathBuf::from(bin));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("redis-server")).find(|p| p.is_file())
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

fn pong(socket: &Path) -> bool {
    let Ok(mut s) = UnixStream::connect(socket) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    let mut buf = [0u8; 7];
    s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}
