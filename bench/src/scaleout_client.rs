//! The scale-out scenario's clients: the classic protocol over the generator's own WebSocket
//! (`ws.rs`), joined as `load.rs` joins (`40`, then `join {username, room}` with an ack), and
//! stamped as `load.rs` stamps (`bench <code> <send time>` in CJK numerals). What differs:
//! each sender keeps exactly one message in flight of its own (send, wait for the ack, send
//! the next), and the stamp's code says which node the sender is on (`scenario * 10 + node`),
//! so every receiver can tell a delivery from its own node from one that crossed Redis.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use memchr::memmem::Finder;
use tokio::sync::{watch, OwnedSemaphorePermit};

use crate::hist::Hist;
use crate::load::{ack_ok, stamp_text, wait_for, Shared};
use crate::ws::{Conn, OP_CLOSE, OP_PING, OP_TEXT};

/// A send with no answer for this long is given up (counted unanswered) and the sender goes on.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);
/// A connect and join that takes longer fails the phase (with the client's node named).
const JOIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Counters of the scenario being run, shared by every client.
pub struct Counters {
    epoch: Instant,
    /// The scenario whose stamps count (copies of an earlier one's are ignored).
    pub scenario: AtomicU32,
    pub measuring: std::sync::atomic::AtomicBool,
    pub sent: AtomicU64,
    pub acked: AtomicU64,
    pub ack_errors: AtomicU64,
    pub late_acks: AtomicU64,
    /// Copies every acknowledged message must reach: members on the sender's node, on others.
    pub expected_local: AtomicU64,
    pub expected_remote: AtomicU64,
    pub got_local: AtomicU64,
    pub got_remote: AtomicU64,
    /// Copies received within the measured window.
    pub window_local: AtomicU64,
    pub window_remote: AtomicU64,
    pub hist_all: Hist,
    pub hist_local: Hist,
    pub hist_remote: Hist,
    pub joined: AtomicU64,
    pub failed: AtomicU64,
    pub closed: AtomicU64,
    /// Bytes read by all clients (to see when the servers have gone quiet).
    pub bytes: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl Counters {
    pub fn new() -> Counters {
        Counters {
            epoch: Instant::now(),
            scenario: AtomicU32::new(0),
            measuring: Default::default(),
            sent: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            ack_errors: AtomicU64::new(0),
            late_acks: AtomicU64::new(0),
            expected_local: AtomicU64::new(0),
            expected_remote: AtomicU64::new(0),
            got_local: AtomicU64::new(0),
            got_remote: AtomicU64::new(0),
            window_local: AtomicU64::new(0),
            window_remote: AtomicU64::new(0),
            hist_all: Hist::new(),
            hist_local: Hist::new(),
            hist_remote: Hist::new(),
            joined: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            closed: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            first_error: Mutex::new(None),
        }
    }

    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// Zeroes the per-scenario counters and makes `scenario` the one that counts.
    pub fn begin(&self, scenario: u32) {
        for c in [
            &self.sent,
            &self.acked,
            &self.ack_errors,
            &self.expected_local,
            &self.expected_remote,
            &self.got_local,
            &self.got_remote,
            &self.window_local,
            &self.window_remote,
        ] {
            c.store(0, Relaxed);
        }
        for h in [&self.hist_all, &self.hist_local, &self.hist_remote] {
            h.reset();
        }
        self.scenario.store(scenario, Relaxed);
    }

    pub fn note_error(&self, e: String) {
        let mut g = self.first_error.lock().unwrap_or_else(|p| p.into_inner());
        if g.is_none() {
            *g = Some(e);
        }
    }

    pub fn take_error(&self) -> Option<String> {
        self.first_error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// A sender's place: its node, and how many members of its room (itself included) are on
/// its node and on the others.
#[derive(Clone, Copy, Debug)]
pub struct SenderRole {
    pub local_members: u64,
    pub remote_members: u64,
}

/// One member: where it connects, who it is, and whether it sends.
pub struct Member {
    pub addr: SocketAddr,
    pub node: u8,
    pub username: String,
    pub room: String,
    pub sender: Option<SenderRole>,
}

/// Connects, joins, then reads (and sends, for a sender: whenever `phase` names a scenario)
/// until the connection ends or the task is aborted.
pub async fn member(m: Member, phase: watch::Receiver<u32>, sh: Arc<Counters>, permit: OwnedSemaphorePermit) {
    let joined = tokio::time::timeout(JOIN_TIMEOUT, join(m.addr, &m.username, &m.room)).await;
    let c = match joined.unwrap_or_else(|_| Err(io::Error::other(format!("connect and join not answered in {} s", JOIN_TIMEOUT.as_secs()))))
    {
        Ok(c) => c,
        Err(e) => {
            sh.note_error(format!("{}@{} (node {}): {e}", m.username, m.room, m.node + 1));
            sh.failed.fetch_add(1, Relaxed);
            return;
        }
    };
    drop(permit);
    sh.joined.fetch_add(1, Relaxed);
    if let Err(e) = run(c, &m, phase, &sh).await {
        sh.note_error(format!("{}@{} (node {}): {e}", m.username, m.room, m.node + 1));
    }
    sh.closed.fetch_add(1, Relaxed);
}

/// The classic connect and join, as `load.rs` does them.
async fn join(addr: SocketAddr, username: &str, room: &str) -> io::Result<Conn> {
    // `wait_for` counts bytes in a `load::Shared`; the join traffic is not needed here.
    static SCRATCH: LazyLock<Shared> = LazyLock::new(Shared::new);
    let mut c = Conn::connect(addr).await?;
    c.push_text(b"40");
    c.flush().await?;
    wait_for(&mut c, &SCRATCH, |p| {
        if p.starts_with(b"40") {
            Some(Ok(()))
        } else if p.starts_with(b"44") {
            Some(Err(io::Error::other(format!("connect refused: {}", String::from_utf8_lossy(p)))))
        } else {
            None
        }
    })
    .await?;
    let join = format!(r#"420["join",{{"username":"{username}","room":"{room}"}}]"#);
    c.push_text(join.as_bytes());
    c.flush().await?;
    wait_for(&mut c, &SCRATCH, |p| {
        if p == b"430[]" {
            Some(Ok(()))
        } else if p.starts_with(b"430") {
            Some(Err(io::Error::other(format!("join refused: {}", String::from_utf8_lossy(p)))))
        } else {
            None
        }
    })
    .await?;
    Ok(c)
}

/// The stamp's code: the scenario and the sender's node (0-based, < 10).
pub fn code(scenario: u32, node: u8) -> u32 {
    scenario * 10 + node as u32
}

const NUMERALS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
static STAMP: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"text\":\"bench "));

/// The SQL `LIKE` prefix of a scenario's stamps from one node: `bench <code> `.
pub fn stamp_prefix(scenario: u32, node: u8) -> String {
    let mut v = Vec::new();
    stamp_text(&mut v, code(scenario, node), 0);
    let s = String::from_utf8_lossy(&v).into_owned();
    // drop the send time ("〇")
    s.strip_suffix(NUMERALS[0]).unwrap_or(&s).to_string()
}

fn read_numeral(p: &[u8], j: &mut usize) -> Option<u64> {
    let start = *j;
    let mut v: u64 = 0;
    'outer: while *j + 3 <= p.len() {
        let c = &p[*j..*j + 3];
        for (d, n) in NUMERALS.iter().enumerate() {
            if c == n.as_bytes() {
                v = v.wrapping_mul(10).wrapping_add(d as u64);
                *j += 3;
                continue 'outer;
            }
        }
        break;
    }
    (*j > start).then_some(v)
}

/// (code, send time) of a `message` event carrying a stamp (the same format as `load.rs`'s).
fn find_stamp(p: &[u8]) -> Option<(u32, u64)> {
    let mut j = STAMP.find(p)? + 14;
    let code = read_numeral(p, &mut j)?;
    if p.get(j) != Some(&b' ') {
        return None;
    }
    j += 1;
    let t = read_numeral(p, &mut j)?;
    Some((code as u32, t))
}

fn ack_id(p: &[u8]) -> Option<u64> {
    let digits = p.get(2..)?.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&p[2..2 + digits]).ok()?.parse().ok()
}

/// The sender's one send in flight: ack id, scenario, when it went.
struct InFlight {
    id: u64,
    scenario: u32,
    at: Instant,
}

fn send(c: &mut Conn, next_id: &mut u64, node: u8, scenario: u32, scratch: &mut Vec<u8>, sh: &Counters) -> InFlight {
    use std::io::Write as _;
    scratch.clear();
    let _ = write!(scratch, "42{}[\"sendMessage\",\"", *next_id);
    stamp_text(scratch, code(scenario, node), sh.now_ns());
    scratch.extend_from_slice(b"\"]");
    c.push_text(scratch);
    sh.sent.fetch_add(1, Relaxed);
    let f = InFlight { id: *next_id, scenario, at: Instant::now() };
    *next_id += 1;
    f
}

async fn run(mut c: Conn, m: &Member, mut phase: watch::Receiver<u32>, sh: &Counters) -> io::Result<()> {
    let mut next_id: u64 = 1;
    let mut in_flight: Option<InFlight> = None;
    let mut scratch = Vec::with_capacity(128);
    loop {
        let timeout_at = in_flight.as_ref().map(|f| f.at + ACK_TIMEOUT);
        let n = tokio::select! {
            r = c.fill() => r?,
            ch = phase.changed(), if m.sender.is_some() => {
                if ch.is_err() {
                    return Ok(());
                }
                let sc = *phase.borrow_and_update();
                if sc != 0 && in_flight.is_none() {
                    in_flight = Some(send(&mut c, &mut next_id, m.node, sc, &mut scratch, sh));
                }
                c.flush().await?;
                continue;
            }
            _ = sleep_until(timeout_at), if timeout_at.is_some() => {
                // Never answered: counted as unanswered (sent − answered); go on.
                in_flight = None;
                let sc = *phase.borrow();
                if sc != 0 {
                    in_flight = Some(send(&mut c, &mut next_id, m.node, sc, &mut scratch, sh));
                }
                c.flush().await?;
                continue;
            }
        };
        if n == 0 {
            return Ok(());
        }
        sh.bytes.fetch_add(n as u64, Relaxed);
        let now = sh.now_ns();
        let scenario = sh.scenario.load(Relaxed);
        let measuring = sh.measuring.load(Relaxed);
        let (mut local, mut remote, mut wl, mut wr) = (0u64, 0u64, 0u64, 0u64);
        while let Some((op, s, e)) = c.next_frame() {
            match op {
                OP_TEXT => {
                    let p = &c.buf[s..e];
                    if p.starts_with(b"42") {
                        let Some((code, t)) = find_stamp(p) else { continue };
                        if code / 10 != scenario {
                            continue;
                        }
                        let same = (code % 10) as u8 == m.node;
                        let lat = now.saturating_sub(t);
                        if same {
                            local += 1;
                        } else {
                            remote += 1;
                        }
                        if measuring {
                            sh.hist_all.record(lat);
                            if same {
                                wl += 1;
                                sh.hist_local.record(lat);
                            } else {
                                wr += 1;
                                sh.hist_remote.record(lat);
                            }
                        }
                    } else if p == b"2" {
                        c.push_text(b"3");
                    } else if let (Some(role), true) = (m.sender, p.starts_with(b"43")) {
                        let id = ack_id(p);
                        let Some(f) = in_flight.take_if(|f| Some(f.id) == id) else {
                            // An answer to a send given up on, or from an earlier scenario.
                            sh.late_acks.fetch_add(1, Relaxed);
                            continue;
                        };
                        if f.scenario != scenario {
                            sh.late_acks.fetch_add(1, Relaxed);
                        } else if ack_ok(p) {
                            sh.acked.fetch_add(1, Relaxed);
                            sh.expected_local.fetch_add(role.local_members, Relaxed);
                            sh.expected_remote.fetch_add(role.remote_members, Relaxed);
                        } else {
                            sh.ack_errors.fetch_add(1, Relaxed);
                            sh.note_error(format!("sendMessage refused: {}", String::from_utf8_lossy(p)));
                        }
                        let sc = *phase.borrow();
                        if sc != 0 {
                            in_flight = Some(send(&mut c, &mut next_id, m.node, sc, &mut scratch, sh));
                        }
                    }
                }
                OP_PING => c.push_pong((s, e)),
                OP_CLOSE => return Err(io::Error::other("server closed the WebSocket")),
                _ => {}
            }
        }
        if local > 0 {
            sh.got_local.fetch_add(local, Relaxed);
        }
        if remote > 0 {
            sh.got_remote.fetch_add(remote, Relaxed);
        }
        if wl > 0 {
            sh.window_local.fetch_add(wl, Relaxed);
        }
        if wr > 0 {
            sh.window_remote.fetch_add(wr, Relaxed);
        }
        c.flush().await?;
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_carry_scenario_and_node() {
        let mut m = br#"42["message",{"username":"u0","text":""#.to_vec();
        stamp_text(&mut m, code(12, 2), 987654321);
        m.extend_from_slice(br#"","createdAt":1}]"#);
        let (c, t) = find_stamp(&m).unwrap();
        assert_eq!((c / 10, c % 10, t), (12, 2, 987654321));
        assert_eq!(stamp_prefix(3, 1), "bench 三一 ");
        assert_eq!(ack_id(b"437[]"), Some(7));
    }
}
