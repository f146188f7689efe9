//! The sign-in benchmarks of issue 8, banter-server only (the Node tutorial server has no
//! accounts, so there is no peer to put beside these figures):
//!
//! 1. **Sign-ins per second**: N clients, each on its own connection and account, loop
//!    `banter:login` → ack → `banter:logout` → ack as fast as the server answers; the
//!    sign-ins acknowledged within the measured window, and their latency (login sent →
//!    its ack read).
//! 2. **Message p99 beside sign-ins**: the classic room scenario (200 guests in one room,
//!    1 send in flight) without, then with, sign-ins paced at 50 a second on other
//!    connections, then without again (to see drift); the rise of the p99 against the aim
//!    of at most +20%.
//! 3. **Memory per idle signed-in client**: K clients signed in through the handshake
//!    (`auth: {session}`), each joined (Banter `join`, as the app does) to 10 rooms of 10,
//!    against K guests in the same rooms on a fresh server: (RSS loaded − RSS before) / K
//!    for each. The accounts are registered on another server process first (same database).
//!
//! Accounts are registered over the wire (`banter:register`) before anything is measured.
//! banter-server lets one client address make 20 registrations, then one every 3 s, so the
//! registering connections come from several loopback addresses (127.0.1.x, 15 each).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::hist::Hist;
use crate::load::{self, Shared};
use crate::procs::{self, Kind, Launch, RssSampler, Server};
use crate::ws::Conn;
use crate::args::Config;
use crate::classic::Scenario;
use crate::report::{fmt_bytes, fmt_int, fmt_ns};
use crate::sio::{ack_ok, drain, refused, request, sio_connect};

mod render;
pub use render::render;

const PASSWORD: &str = "bench-password-0";
/// Registrations per loopback source address (the server allows 20 in a row).
const PER_ADDRESS: usize = 15;

#[derive(Clone, Debug)]
pub struct SigninConfig {
    /// Concurrent sign-in clients of scenario 1.
    pub clients: usize,
    /// Most sign-ins one scenario may start (with the time bound).
    pub max_signins: u64,
    pub chat_clients: usize,
    pub chat_inflight: usize,
    /// Sign-ins per second beside the chat.
    pub rate: f64,
    /// Connections the paced sign-ins take turns on.
    pub signers: usize,
    /// Idle clients of the memory figure, and rooms each.
    pub idle: usize,
    pub idle_rooms: usize,
    /// Longest wait for the server's blocking-pool threads to go away before an RSS reading.
    pub quiet_wait: Duration,
}

#[derive(Debug, Default, Clone)]
pub struct SignResult {
    pub clients: usize,
    pub per_s: f64,
    pub p50: Option<u64>,
    pub p99: Option<u64>,
    pub errors: u64,
    pub server_cpu: f64,
    pub machine_cpu: f64,
}

#[derive(Debug, Default)]
pub struct SigninReport {
    pub registered: usize,
    pub register_secs: f64,
    pub rate: Option<SignResult>,
    pub chat_without: Option<Scenario>,
    pub chat_with: Option<Scenario>,
    pub chat_after: Option<Scenario>,
    /// The paced sign-ins while the chat ran.
    pub beside: Option<SignResult>,
    pub beside_target: f64,
    pub mem_signed: Option<(u64, u64, usize)>,
    /// Signed-in clients with one connection per room, as banter-client had before it
    /// carried every room of a server over one connection.
    pub mem_split: Option<(u64, u64, usize)>,
    pub mem_guest: Option<(u64, u64, usize)>,
    pub problems: Vec<String>,
    pub errors: Vec<String>,
}

impl SigninReport {
    pub fn rise(&self) -> Option<f64> {
        let a = self.chat_without.as_ref()?.p99? as f64;
        let b = self.chat_with.as_ref()?.p99? as f64;
        (a > 0.0).then(|| (b / a - 1.0) * 100.0)
    }
    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
            || self.rate.as_ref().is_some_and(|r| r.errors > 0)
            || self.beside.as_ref().is_some_and(|r| r.errors > 0)
            || [&self.chat_without, &self.chat_with, &self.chat_after]
                .iter()
                .any(|s| s.as_ref().is_some_and(|s| s.lost > 0 || s.unanswered > 0))
    }
}

pub(crate) fn per_client(m: &Option<(u64, u64, usize)>) -> Option<f64> {
    m.and_then(|(b, l, k)| (k > 0).then(|| (l as f64 - b as f64) / k as f64))
}

struct SignStats {
    measuring: AtomicBool,
    stop: AtomicBool,
    max: u64,
    started: AtomicU64,
    ok: AtomicU64,
    errors: AtomicU64,
    hist: Hist,
    first_error: Mutex<Option<String>>,
}

impl SignStats {
    fn new(max: u64) -> Arc<SignStats> {
        Arc::new(SignStats {
            measuring: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            max,
            started: AtomicU64::new(0),
            ok: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            hist: Hist::new(),
            first_error: Mutex::new(None),
        })
    }
    fn error(&self, e: String) {
        self.errors.fetch_add(1, Relaxed);
        let mut g = self.first_error.lock().unwrap_or_else(|p| p.into_inner());
        if g.is_none() {
            *g = Some(e);
        }
    }
    fn take_error(&self) -> Option<String> {
        self.first_error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// The `token` of a `SignedIn` ack.
fn token_of(args: &[u8]) -> Option<String> {
    let i = memchr::memmem::find(args, b"\"token\":\"")? + 9;
    let end = memchr::memchr(b'"', &args[i..])? + i;
    Some(String::from_utf8_lossy(&args[i..end]).into_owned())
}

/// A loopback source address for the `i`-th registration (15 per address, from 127.0.1.2).
fn source_for(i: usize) -> IpAddr {
    let j = i / PER_ADDRESS;
    IpAddr::V4(Ipv4Addr::new(127, 0, 1 + (j / 250) as u8, 2 + (j % 250) as u8))
}

/// Registers the accounts (8 at a time) and returns their session tokens, in order.
async fn register_all(addr: SocketAddr, names: &[String]) -> Result<Vec<String>, String> {
    let sem = Arc::new(Semaphore::new(8));
    let sh = Arc::new(Shared::new());
    let mut hs: Vec<JoinHandle<io::Result<String>>> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let permit = sem.clone().acquire_owned().await.map_err(|e| e.to_string())?;
        let (name, sh) = (name.clone(), sh.clone());
        hs.push(tokio::spawn(async move {
            let _permit = permit;
            let mut c = sio_connect(addr, Some(source_for(i)), None, &sh).await?;
            let req = format!(r#"{{"name":"{name}","password":"{PASSWORD}","device":"bench"}}"#);
            let args = request(&mut c, &sh, 1, "banter:register", Some(&req)).await?;
            if !ack_ok(&args) {
                return Err(refused("banter:register", &args));
            }
            token_of(&args).ok_or_else(|| io::Error::other("no token in the SignedIn ack"))
        }));
    }
    let mut tokens = Vec::with_capacity(names.len());
    for (h, name) in hs.into_iter().zip(names) {
        match tokio::time::timeout(Duration::from_secs(300), h).await {
            Ok(Ok(Ok(t))) => tokens.push(t),
            Ok(Ok(Err(e))) => return Err(format!("registering {name}: {e}")),
            Ok(Err(e)) => return Err(format!("registering {name}: {e}")),
            Err(_) => return Err(format!("registering {name}: no answer in 300 s")),
        }
    }
    Ok(tokens)
}

/// One sign-in client: `banter:login` then `banter:logout`, again and again, on one
/// connection, until told to stop or the count bound is reached. With `turns`, each
/// sign-in waits for a turn (the pacer hands them out).
async fn signer(addr: SocketAddr, name: String, st: Arc<SignStats>, turns: Option<Arc<Semaphore>>) {
    let sh = Shared::new();
    let r: io::Result<()> = async {
        let mut c = sio_connect(addr, None, None, &sh).await?;
        let login = format!(r#"{{"name":"{name}","password":"{PASSWORD}","device":"bench"}}"#);
        let mut id = 1u64;
        while !st.stop.load(Relaxed) {
            if let Some(t) = &turns {
                // Turns come every few tens of ms, so pings (every 25 s) are answered by the
                // requests' reads; no read here, which a cancelled select could cut mid-frame.
                match tokio::time::timeout(Duration::from_millis(100), t.acquire()).await {
                    Ok(Ok(p)) => p.forget(),
                    Ok(Err(_)) => return Ok(()),
                    Err(_) => continue,
                }
            }
            if st.started.fetch_add(1, Relaxed) >= st.max {
                st.stop.store(true, Relaxed);
                return Ok(());
            }
            let t0 = Instant::now();
            let args = request(&mut c, &sh, id, "banter:login", Some(&login)).await?;
            let dt = t0.elapsed().as_nanos() as u64;
            id += 1;
            if !ack_ok(&args) {
                return Err(refused("banter:login", &args));
            }
            if st.measuring.load(Relaxed) {
                st.ok.fetch_add(1, Relaxed);
                st.hist.record(dt);
            }
            let args = request(&mut c, &sh, id, "banter:logout", None).await?;
            id += 1;
            if !ack_ok(&args) {
                return Err(refused("banter:logout", &args));
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = r {
        st.error(format!("{name}: {e}"));
    }
}

async fn stop_all(st: &SignStats, hs: Vec<JoinHandle<()>>) {
    st.stop.store(true, Relaxed);
    for h in hs {
        let abort = h.abort_handle();
        if tokio::time::timeout(Duration::from_secs(12), h).await.is_err() {
            abort.abort();
        }
    }
}

// ------------------------------------------------------------------ the scenarios

pub async fn run(cfg: &Config, scfg: &SigninConfig, launch: &Launch) -> SigninReport {
    let mut rep = SigninReport { beside_target: scfg.rate, ..Default::default() };
    if let Err(e) = throughput(cfg, scfg, launch, &mut rep).await {
        eprintln!("   error: {e}");
        rep.errors.push(e);
    }
    if scfg.idle > 0 {
        for (signed, split) in [(true, false), (true, true), (false, false)] {
            match idle_memory(signed, split, scfg, launch, &mut rep).await {
                Ok(m) if split => rep.mem_split = Some(m),
                Ok(m) if signed => rep.mem_signed = Some(m),
                Ok(m) => rep.mem_guest = Some(m),
                Err(e) => {
                    eprintln!("   error: {e}");
                    rep.errors.push(e);
                }
            }
        }
    }
    rep
}

async fn throughput(cfg: &Config, scfg: &SigninConfig, launch: &Launch, rep: &mut SigninReport) -> Result<(), String> {
    let srv = Server::start(Kind::Banter, launch).map_err(|e| e.to_string())?;
    let sampler = RssSampler::start(srv.pid);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pids = procs::tree(srv.pid);
    let addr = srv.addr;
    let result = async {
        let n_acc = scfg.clients.max(scfg.signers).max(1);
        let names: Vec<String> = (0..n_acc).map(|i| format!("signer{i}")).collect();
        let t0 = Instant::now();
        register_all(addr, &names).await?;
        rep.registered = names.len();
        rep.register_secs = t0.elapsed().as_secs_f64();
        eprintln!("   registered {} accounts in {:.1} s", names.len(), rep.register_secs);

        // 1. Sign-ins per second, closed loop.
        let st = SignStats::new(scfg.max_signins);
        let hs: Vec<_> = (0..scfg.clients.max(1))
            .map(|i| tokio::spawn(signer(addr, names[i].clone(), st.clone(), None)))
            .collect();
        tokio::time::sleep(cfg.warmup).await;
        let (srv0, all0) = (procs::cpu_tree(&pids), procs::cpu_busy_machine());
        st.measuring.store(true, Relaxed);
        let t0 = Instant::now();
        while t0.elapsed() < cfg.duration && !st.stop.load(Relaxed) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        st.measuring.store(false, Relaxed);
        let dt = t0.elapsed().as_secs_f64();
        let (srv1, all1) = (procs::cpu_tree(&pids), procs::cpu_busy_machine());
        stop_all(&st, hs).await;
        let r = SignResult {
            clients: scfg.clients.max(1),
            per_s: st.ok.load(Relaxed) as f64 / dt,
            p50: st.hist.quantile(0.5),
            p99: st.hist.quantile(0.99),
            errors: st.errors.load(Relaxed),
            server_cpu: (srv1 - srv0) / dt,
            machine_cpu: (all1 - all0) / dt,
        };
        eprintln!(
            "   sign-ins, {} clients: {:.1}/s, p50 {}, p99 {}, server CPU {:.0}%, errors {}",
            r.clients,
            r.per_s,
            fmt_ns(r.p50),
            fmt_ns(r.p99),
            r.server_cpu * 100.0,
            r.errors
        );
        if let Some(e) = st.take_error() {
            rep.problems.push(format!("sign-ins: {e}"));
        }
        rep.rate = Some(r);

        // 2. The room's p99 without and with paced sign-ins beside it.
        let n = scfg.chat_clients.max(1);
        let k = scfg.chat_inflight.max(1);
        let sh = Arc::new(Shared::new());
        let senders = load::Senders::new(n);
        let (handles, secs) = crate::classic::open_clients(addr, n, |_| "signins-chat".into(), Some(&senders), &sh).await?;
        crate::classic::settle(&sh.bytes, Duration::from_secs(60)).await;
        eprintln!("   {n} chat clients joined in {secs:.1} s");
        let report = |what: &str, s: &Scenario| {
            eprintln!(
                "   {n} clients, {k} in flight, {what}: {} deliveries/s, p50 {}, p99 {}, lost {}, unanswered {}",
                fmt_int(s.deliveries_per_s),
                fmt_ns(s.p50),
                fmt_ns(s.p99),
                s.lost,
                s.unanswered
            )
        };
        let s = crate::classic::scenario(&sh, &senders, &pids, &sampler, n, k, cfg).await;
        report("no sign-ins", &s);
        rep.chat_without = Some(s);

        let st = SignStats::new(scfg.max_signins);
        let turns = Arc::new(Semaphore::new(0));
        let hs: Vec<_> = (0..scfg.signers.max(1))
            .map(|i| tokio::spawn(signer(addr, names[i].clone(), st.clone(), Some(turns.clone()))))
            .collect();
        let pacer = {
            let (st, turns, rate) = (st.clone(), turns.clone(), scfg.rate.max(0.1));
            // Bounded in count too: at most the rate times the scenario's length (plus slack).
            let most = (rate * (cfg.warmup + cfg.duration).as_secs_f64() * 2.0 + 10.0) as u64;
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                let mut given = 0;
                while !st.stop.load(Relaxed) && given < most {
                    tick.tick().await;
                    turns.add_permits(1);
                    given += 1;
                }
            })
        };
        st.measuring.store(true, Relaxed);
        let (srv0, all0) = (procs::cpu_tree(&pids), procs::cpu_busy_machine());
        let t0 = Instant::now();
        let s = crate::classic::scenario(&sh, &senders, &pids, &sampler, n, k, cfg).await;
        st.measuring.store(false, Relaxed);
        let dt = t0.elapsed().as_secs_f64();
        let (srv1, all1) = (procs::cpu_tree(&pids), procs::cpu_busy_machine());
        pacer.abort();
        turns.close();
        stop_all(&st, hs).await;
        report(&format!("{} sign-ins/s beside", scfg.rate), &s);
        let b = SignResult {
            clients: scfg.signers.max(1),
            per_s: st.ok.load(Relaxed) as f64 / dt,
            p50: st.hist.quantile(0.5),
            p99: st.hist.quantile(0.99),
            errors: st.errors.load(Relaxed),
            server_cpu: (srv1 - srv0) / dt,
            machine_cpu: (all1 - all0) / dt,
        };
        eprintln!(
            "   sign-ins beside the chat: {:.1}/s (target {}), p50 {}, p99 {}, errors {}",
            b.per_s,
            scfg.rate,
            fmt_ns(b.p50),
            fmt_ns(b.p99),
            b.errors
        );
        if let Some(e) = st.take_error() {
            rep.problems.push(format!("sign-ins beside the chat: {e}"));
        }
        rep.beside = Some(b);
        rep.chat_with = Some(s);

        let s = crate::classic::scenario(&sh, &senders, &pids, &sampler, n, k, cfg).await;
        report("no sign-ins, again", &s);
        rep.chat_after = Some(s);
        if let Some(e) = sh.take_error() {
            rep.problems.push(format!("chat: {e}"));
        }
        crate::classic::abort(&handles);
        Ok::<(), String>(())
    }
    .await;
    rep.problems.extend(crate::report::log_notes("sign-in server", srv.problems()));
    srv.stop();
    result
}

fn threads_of(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines().find(|l| l.starts_with("Threads:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// Waits (at most `max`) until the server has no more threads than `base`: tokio's blocking
/// pool keeps a thread 10 s after its last job (hashing, store work), and its going away
/// would move the RSS between two readings.
async fn wait_threads(pid: u32, base: u64, max: Duration) {
    let t0 = Instant::now();
    while t0.elapsed() < max && threads_of(pid).is_some_and(|t| t > base) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Client `i`'s room `j`: K/10 rooms of 10 per layer `j`, the layers shifted so that no two
/// clients share all their rooms.
fn room_of(i: usize, j: usize, k: usize) -> String {
    format!("idle{j}-{}", ((i + 3 * j) % k.max(1)) / 10)
}

async fn idle_client(
    addr: SocketAddr,
    name: String,
    session: Option<String>,
    rooms: Vec<String>,
    sh: Arc<Shared>,
    permit: tokio::sync::OwnedSemaphorePermit,
) {
    let r: io::Result<Conn> = async {
        let mut c = sio_connect(addr, None, session.as_deref(), &sh).await?;
        for (j, room) in rooms.iter().enumerate() {
            // A Banter join (the `banter` field): a classic socket may be in one room only.
            let join = format!(r#"{{"username":"{name}","room":"{room}","banter":{{"v":1}}}}"#);
            let args = request(&mut c, &sh, j as u64 + 1, "join", Some(&join)).await?;
            if !ack_ok(&args) {
                return Err(refused("join", &args));
            }
        }
        Ok(c)
    }
    .await;
    drop(permit);
    let mut c = match r {
        Ok(c) => c,
        Err(e) => {
            sh.note_error(format!("{name}: {e}"));
            sh.failed.fetch_add(1, Relaxed);
            return;
        }
    };
    sh.joined.fetch_add(1, Relaxed);
    while drain(&mut c, &sh).await.is_ok() {}
    sh.closed.fetch_add(1, Relaxed);
}

/// Memory per idle client in `scfg.idle_rooms` rooms: signed in or a guest, and over one
/// connection or (`split`) one connection per room.
async fn idle_memory(
    signed: bool,
    split: bool,
    scfg: &SigninConfig,
    launch: &Launch,
    rep: &mut SigninReport,
) -> Result<(u64, u64, usize), String> {
    let what = match (signed, split) {
        (true, false) => "signed-in",
        (true, true) => "signed-in, a connection per room,",
        (false, _) => "guest",
    };
    let k = scfg.idle;
    let names: Vec<String> = (0..k).map(|i| format!("{}{i}", if signed { "member" } else { "guest" })).collect();
    let db_dir = tempfile::Builder::new().prefix("banter-bench-db-").tempdir().map_err(|e| e.to_string())?;
    let db = db_dir.path().join("bench.db");
    // The accounts are registered on a first server, which is then stopped: the measured
    // server starts on the same database (as after a restart, the clients come back with
    // their sessions), so the 19 MiB argon2 buffers the registrations left in its heap
    // (which later allocations would reuse unseen by RSS) are not in it.
    let tokens = if signed {
        let reg = Server::start_with_db(Kind::Banter, launch, Some(&db)).map_err(|e| e.to_string())?;
        let t0 = Instant::now();
        let t = register_all(reg.addr, &names).await;
        rep.problems.extend(crate::report::log_notes("registering server", reg.problems()));
        reg.stop();
        let t = t?;
        eprintln!("   registered {k} accounts in {:.1} s (then restarted the server)", t0.elapsed().as_secs_f64());
        t
    } else {
        Vec::new()
    };
    let srv = Server::start_with_db(Kind::Banter, launch, Some(&db)).map_err(|e| e.to_string())?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pids = procs::tree(srv.pid);
    let threads0 = threads_of(srv.pid).unwrap_or(0);
    let result = async {
        let base = crate::classic::median_rss(&pids).await;
        let sh = Arc::new(Shared::new());
        let sem = Arc::new(Semaphore::new(64));
        let mut handles = Vec::with_capacity(k);
        let t0 = Instant::now();
        for (i, name) in names.iter().enumerate() {
            let rooms: Vec<String> = (0..scfg.idle_rooms).map(|j| room_of(i, j, k)).collect();
            let groups = if split { rooms.into_iter().map(|r| vec![r]).collect() } else { vec![rooms] };
            for group in groups {
                let permit = sem.clone().acquire_owned().await.map_err(|e| e.to_string())?;
                handles.push(tokio::spawn(idle_client(srv.addr, name.clone(), tokens.get(i).cloned(), group, sh.clone(), permit)));
            }
            if sh.failed.load(Relaxed) > 0 {
                break;
            }
        }
        let connections = handles.len();
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let (j, f) = (sh.joined.load(Relaxed), sh.failed.load(Relaxed));
            if f > 0 {
                crate::classic::abort(&handles);
                return Err(format!("{f} of {k} {what} idle clients failed: {}", sh.take_error().unwrap_or_default()));
            }
            if j as usize >= connections {
                break;
            }
            if Instant::now() > deadline {
                crate::classic::abort(&handles);
                return Err(format!("only {j} of {connections} {what} idle connections joined in 300 s"));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let secs = t0.elapsed().as_secs_f64();
        crate::classic::settle(&sh.bytes, Duration::from_secs(30)).await;
        wait_threads(srv.pid, threads0, scfg.quiet_wait).await;
        let loaded = crate::classic::median_rss(&pids).await;
        eprintln!(
            "   {k} idle {what} clients in {} rooms each ({secs:.1} s): RSS {} → {} ({}/client)",
            scfg.idle_rooms,
            fmt_bytes(base as f64),
            fmt_bytes(loaded as f64),
            fmt_bytes((loaded as f64 - base as f64) / k as f64)
        );
        let closed = sh.closed.load(Relaxed);
        if closed > 0 {
            rep.problems.push(format!("{closed} idle {what} connections were closed by the server"));
        }
        crate::classic::abort(&handles);
        Ok((base, loaded, k))
    }
    .await;
    rep.problems.extend(crate::report::log_notes(&format!("{what} idle-memory server"), srv.problems()));
    srv.stop();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_rooms_and_sources() {
        let ack = br#"[null,{"token":"ab12","session":"s","account":{"name":"ann"}}]"#;
        assert_eq!(token_of(ack).as_deref(), Some("ab12"));
        assert!(ack_ok(ack) && ack_ok(b"[]") && !ack_ok(br#"["Wrong name or password."]"#));
        assert_eq!(source_for(0), source_for(PER_ADDRESS - 1));
        assert_ne!(source_for(0), source_for(PER_ADDRESS));
        // Every room of a layer has 10 members.
        let mut count = std::collections::HashMap::new();
        for i in 0..100 {
            for j in 0..10 {
                *count.entry(room_of(i, j, 100)).or_insert(0) += 1;
            }
        }
        assert_eq!(count.len(), 100);
        assert!(count.values().all(|&c| c == 10));
    }
}
