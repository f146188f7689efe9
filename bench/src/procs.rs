//! The servers under test as child processes, and what /proc says about them.

use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Banter,
    Node,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Banter => "banter-server",
            Kind::Node => "node socket.io",
        }
    }
}

pub struct Server {
    pub addr: SocketAddr,
    pub pid: u32,
    child: Child,
    /// Everything the server printed after its first line (stdout and stderr).
    pub log_path: PathBuf,
    _dir: tempfile::TempDir,
}

pub struct Launch {
    pub banter_bin: PathBuf,
    pub repo_root: PathBuf,
}

impl Server {
    pub fn start(kind: Kind, launch: &Launch) -> io::Result<Server> {
        Server::start_with_db(kind, launch, None)
    }

    /// [`Server::start`] on a given database file (banter-server), e.g. one a previous server
    /// left accounts and sessions in; `None`: a fresh one in the server's temp dir.
    pub fn start_with_db(kind: Kind, launch: &Launch, db: Option<&Path>) -> io::Result<Server> {
        let dir = tempfile::Builder::new().prefix("banter-bench-").tempdir()?;
        let db = db.map(Path::to_path_buf).unwrap_or_else(|| dir.path().join("bench.db"));
        let log_path = dir.path().join("server.log");
        let mut cmd = match kind {
            Kind::Banter => {
                let mut c = Command::new(&launch.banter_bin);
                c.arg("--listen")
                    .arg("127.0.0.1:0")
                    .arg("--db")
                    .arg(&db)
                    .arg("--rate-limit")
                    .arg("0")
                    // The idle test alone creates hundreds of rooms from one address within
                    // seconds: lift the room creation limits (room_limits.rs).
                    .args(["--room-creations-per-hour", "0", "--room-creations-per-hour-total", "0"])
                    // Warnings and errors only (the Node server logs nothing at all), no
                    // colours (the log is scanned for problems).
                    .env("NO_COLOR", "1");
                if std::env::var_os("RUST_LOG").is_none() {
                    c.env("RUST_LOG", "warn");
                }
                c
            }
            Kind::Node => {
                let mut c = Command::new("node");
                c.arg("tests/node/support/classic-server.cjs").arg("0").current_dir(&launch.repo_root);
                c
            }
        };
        let log = fs::File::create(&log_path)?;
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::from(log.try_clone()?));
        let mut child = cmd.spawn().map_err(|e| {
            io::Error::new(e.kind(), format!("cannot start {}: {e} ({cmd:?})", kind.name()))
        })?;
        let pid = child.id();
        let stdout = child.stdout.take().expect("piped stdout");
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        // The first line comes within a few seconds or the server failed to start.
        let (tx, rx) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let r = reader.read_line(&mut first).map(|_| first);
            let _ = tx.send(r);
            // Keep draining stdout into the log so the server never blocks on a full pipe.
            let mut log = log;
            let _ = io::copy(&mut reader, &mut log);
        });
        let line = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(Ok(l)) => l,
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                let _ = child.kill();
                return Err(io::Error::other(format!("{} printed nothing in 20 s", kind.name())));
            }
        };
        let port = parse_port(kind, line.trim()).ok_or_else(|| {
            let _ = child.kill();
            let log = fs::read_to_string(&log_path).unwrap_or_default();
            io::Error::other(format!(
                "{}: unexpected first line {:?}; log: {}",
                kind.name(),
                line.trim(),
                log.trim()
            ))
        })?;
        Ok(Server { addr: SocketAddr::from(([127, 0, 0, 1], port)), pid, child, log_path, _dir: dir })
    }

    /// Lines of the server's log that name a problem (errors, warnings, full channels).
    pub fn problems(&self) -> Vec<String> {
        let mut s = String::new();
        if let Ok(mut f) = fs::File::open(&self.log_path) {
            let _ = f.read_to_string(&mut s);
        }
        // banter-server logs with tracing (levels in capitals); the Node server prints only
        // on trouble, so any line from it counts.
        let tracing_levels = [" WARN ", " ERROR ", "panicked", "InternalChannelFull"];
        s.lines()
            .filter(|l| !l.trim().is_empty())
            .filter(|l| {
                let is_tracing = l.contains(" INFO ") || l.contains(" DEBUG ") || l.contains(" TRACE ");
                tracing_levels.iter().any(|t| l.contains(t)) || (!is_tracing && !l.contains(" WARN "))
            })
            .map(|l| l.to_string())
            .collect()
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse_port(kind: Kind, line: &str) -> Option<u16> {
    match kind {
        // banter-server listening on 127.0.0.1:PORT
        Kind::Banter => line.rsplit(':').next()?.trim().parse().ok(),
        // {"port":N}
        Kind::Node => {
            let i = line.find("\"port\"")?;
            let rest = line[i + 6..].trim_start().strip_prefix(':')?.trim_start();
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            digits.parse().ok()
        }
    }
}

/// `pid` and all its descendants.
pub fn tree(pid: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    if let Ok(rd) = fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            if let Some(pp) = stat_fields(p).and_then(|f| f.get(1).and_then(|s| s.parse::<u32>().ok())) {
                parents.push((p, pp));
            }
        }
    }
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let cur = out[i];
        out.extend(parents.iter().filter(|(_, pp)| *pp == cur).map(|(p, _)| *p));
        i += 1;
    }
    out
}

/// Fields of /proc/PID/stat after the command name (state is index 0, ppid 1, utime 11,
/// stime 12).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let s = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(|x| x.to_string()).collect())
}

/// Resident set size of a process in bytes (VmRSS).
pub fn rss_of(pid: u32) -> Option<u64> {
    let s = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub fn rss_tree(pids: &[u32]) -> u64 {
    pids.iter().filter_map(|p| rss_of(*p)).sum()
}

/// CPU time (user + system) of the processes, in seconds.
pub fn cpu_tree(pids: &[u32]) -> f64 {
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    pids.iter()
        .filter_map(|p| {
            let f = stat_fields(*p)?;
            let u: f64 = f.get(11)?.parse().ok()?;
            let s: f64 = f.get(12)?.parse().ok()?;
            Some((u + s) / tick)
        })
        .sum()
}

/// Busy CPU time of the whole machine (all cores, everything but idle and iowait), in
/// seconds: to see whether something besides the benchmark was using the CPU.
pub fn cpu_busy_machine() -> f64 {
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let s = fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = s.lines().next() else { return 0.0 };
    let v: Vec<f64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal
    let busy: f64 = v.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, x)| x).sum();
    busy / tick
}

/// CPU time of this process (all threads), in seconds.
pub fn cpu_self() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

/// Samples the RSS of a process tree every 50 ms on its own thread and keeps the peaks.
pub struct RssSampler {
    pub peak_total: Arc<AtomicU64>,
    pub peak_window: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl RssSampler {
    pub fn start(pid: u32) -> RssSampler {
        let peak_total = Arc::new(AtomicU64::new(0));
        let peak_window = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (pt, pw, st) = (peak_total.clone(), peak_window.clone(), stop.clone());
        thread::spawn(move || {
            let mut pids = tree(pid);
            let mut n = 0u64;
            while !st.load(Relaxed) {
                // Look for new child processes once a second.
                if n == 20 {
                    pids = tree(pid);
                    n = 0;
                }
                n += 1;
                let r = rss_tree(&pids);
                pt.fetch_max(r, Relaxed);
                pw.fetch_max(r, Relaxed);
                thread::sleep(Duration::from_millis(50));
            }
        });
        RssSampler { peak_total, peak_window, stop }
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop.store(true, Relaxed);
    }
}

/// Raises this process's open-file limit to its hard limit (5,000 idle clients need 5,000
/// sockets here and 5,000 in the server).
pub fn raise_nofile() -> u64 {
    unsafe {
        let mut l: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) != 0 {
            return 0;
        }
        l.rlim_cur = l.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut l);
        l.rlim_cur as u64
    }
}

pub fn default_banter_bin() -> PathBuf {
    // Next to this binary (same cargo target dir and profile), else the shared target dir.
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            let p = dir.join("banter-server");
            if p.exists() {
                return p;
            }
        }
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(".cache/banter/target")
    });
    target.join("release/banter-server")
}

pub fn machine_line() -> String {
    let nproc = thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|x| x.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with("MemTotal:"))?.to_string();
            let kb: u64 = l.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb / 1024 / 1024)
        })
        .unwrap_or(0);
    let node = Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "?".into());
    format!(
        "machine: {nproc} cores ({cpu}), {mem} GiB RAM, Linux {}, node {node}",
        kernel.trim()
    )
}

pub fn exists(p: &Path) -> bool {
    p.is_file()
}

/// The soft open-files limit of a process (`Max open files` in /proc/PID/limits).
pub fn nofile_of(pid: u32) -> Option<u64> {
    let s = fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = s.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The hard open-files limit of this process.
pub fn nofile_hard() -> u64 {
    let mut l: libc::rlimit = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) } != 0 {
        return 0;
    }
    l.rlim_max as u64
}

/// Files this process has open now.
pub fn open_fds() -> usize {
    fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

/// The kernel's ephemeral port range (`net.ipv4.ip_local_port_range`): how many connections
/// one source address can open to one server address and port.
pub fn local_port_range() -> Option<(u32, u32)> {
    let s = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut it = s.split_whitespace().filter_map(|x| x.parse().ok());
    Some((it.next()?, it.next()?))
}
