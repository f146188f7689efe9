//! The load generator: many Socket.IO v5 clients (Engine.IO v4 over WebSocket), one tokio
//! task each, sharing counters and one latency histogram.
//!
//! Every client connects, sends `40`, waits for the server's `40`, emits
//! `join {username, room}` with ack id 0 and waits for `430[]`. Then it only reads: it
//! answers Engine.IO pings (`2` → `3`) and counts the `message` events that carry the
//! benchmark's stamp. One client per room may be the sender: on `start` it emits
//! `sendMessage` with `inflight` acks outstanding and sends the next one whenever an ack
//! comes back, until `sending` is cleared. The message text is `bx<scenario>-<nanos>` where
//! `nanos` is the send time on the generator's clock, so each receiver computes the
//! delivery latency (send → receipt) of each copy it gets.

use std::io;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;

use memchr::memmem::Finder;
use tokio::sync::{Notify, OwnedSemaphorePermit};

use crate::hist::Hist;
use crate::ws::{Conn, OP_CLOSE, OP_PING, OP_TEXT};

pub struct Shared {
    epoch: Instant,
    /// Stamps of other scenarios are not counted (late copies from a previous one).
    pub scenario: AtomicU32,
    pub measuring: AtomicBool,
    pub sending: AtomicBool,
    /// Copies of this scenario's messages received, in all, and while `measuring`.
    pub deliveries: AtomicU64,
    pub window: AtomicU64,
    /// Bytes read by all clients (to see when the servers have gone quiet).
    pub bytes: AtomicU64,
    pub sent: AtomicU64,
    pub acked: AtomicU64,
    pub ack_errors: AtomicU64,
    /// Acks that came back after their scenario ended (counted there as unanswered).
    pub late_acks: AtomicU64,
    pub joined: AtomicU64,
    pub failed: AtomicU64,
    pub closed: AtomicU64,
    pub first_error: Mutex<Option<String>>,
    pub hist: Hist,
    /// How far clients go before they just sit and read: `STAGE_WS` (WebSocket open, no
    /// Socket.IO connect), `STAGE_CONNECT` (Socket.IO connected, not joined) or `STAGE_JOIN`.
    pub stage: AtomicU8,
}

pub const STAGE_WS: u8 = 0;
pub const STAGE_CONNECT: u8 = 1;
pub const STAGE_JOIN: u8 = 2;

impl Shared {
    pub fn new() -> Shared {
        Shared {
            epoch: Instant::now(),
            scenario: AtomicU32::new(0),
            measuring: AtomicBool::new(false),
            sending: AtomicBool::new(false),
            deliveries: AtomicU64::new(0),
            window: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            ack_errors: AtomicU64::new(0),
            late_acks: AtomicU64::new(0),
            joined: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            closed: AtomicU64::new(0),
            first_error: Mutex::new(None),
            hist: Hist::new(),
            stage: AtomicU8::new(STAGE_JOIN),
        }
    }

    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    pub(crate) fn note_error(&self, e: String) {
        let mut g = self.first_error.lock().unwrap_or_else(|p| p.into_inner());
        if g.is_none() {
            *g = Some(e);
        }
    }

    pub fn take_error(&self) -> Option<String> {
        self.first_error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// The room's senders and the send turns going round them. There are always `inflight`
/// turns: a sender that gets an ack hands a turn to the next sender in rotation, which
/// sends one message. So "1 in flight" means one message of the room outstanding at a
/// time, whoever sends it, and no socket sends more than its share (banter-server drops,
/// without an ack, events beyond 200 a second from one socket, whatever --rate-limit says).
pub struct Senders {
    slots: Vec<Slot>,
    next: AtomicUsize,
}

struct Slot {
    pending: AtomicU32,
    notify: Notify,
}

impl Senders {
    pub fn new(n: usize) -> Arc<Senders> {
        Arc::new(Senders {
            slots: (0..n.max(1)).map(|_| Slot { pending: AtomicU32::new(0), notify: Notify::new() }).collect(),
            next: AtomicUsize::new(0),
        })
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Gives one send turn to the next sender.
    pub fn give_turn(&self) {
        let j = self.next.fetch_add(1, Relaxed) % self.slots.len();
        let slot = &self.slots[j];
        slot.pending.fetch_add(1, Relaxed);
        slot.notify.notify_one();
    }
}

/// One client: connect, join, then read (and send, for the sender) until the connection
/// ends or the task is aborted.
pub async fn client(
    addr: SocketAddr,
    username: String,
    room: String,
    sender: Option<(Arc<Senders>, usize)>,
    sh: Arc<Shared>,
    permit: OwnedSemaphorePermit,
) {
    let c = match setup(addr, &username, &room, &sh).await {
        Ok(c) => c,
        Err(e) => {
            sh.note_error(format!("{username}@{room}: {e}"));
            sh.failed.fetch_add(1, Relaxed);
            return;
        }
    };
    drop(permit);
    sh.joined.fetch_add(1, Relaxed);
    if let Err(e) = run(c, sender.as_ref().map(|(s, i)| (&**s, *i)), &sh).await {
        sh.note_error(format!("{username}@{room}: {e}"));
    }
    sh.closed.fetch_add(1, Relaxed);
}

async fn setup(addr: SocketAddr, username: &str, room: &str, sh: &Shared) -> io::Result<Conn> {
    let mut c = Conn::connect(addr).await?;
    if sh.stage.load(Relaxed) == STAGE_WS {
        return Ok(c);
    }
    c.push_text(b"40");
    c.flush().await?;
    wait_for(&mut c, sh, |p| {
        if p.starts_with(b"40") {
            Some(Ok(()))
        } else if p.starts_with(b"44") {
            Some(Err(io::Error::other(format!("connect refused: {}", String::from_utf8_lossy(p)))))
        } else {
            None
        }
    })
    .await?;
    if sh.stage.load(Relaxed) == STAGE_CONNECT {
        return Ok(c);
    }
    let join = format!(r#"420["join",{{"username":"{username}","room":"{room}"}}]"#);
    c.push_text(join.as_bytes());
    c.flush().await?;
    wait_for(&mut c, sh, |p| {
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

/// Reads until `f` recognises a text frame; answers pings meanwhile.
pub(crate) async fn wait_for(
    c: &mut Conn,
    sh: &Shared,
    mut f: impl FnMut(&[u8]) -> Option<io::Result<()>>,
) -> io::Result<()> {
    loop {
        while let Some((op, s, e)) = c.next_frame() {
            match op {
                OP_TEXT if c.buf[s..e] == *b"2" => c.push_text(b"3"),
                OP_TEXT => {
                    if let Some(r) = f(&c.buf[s..e]) {
                        c.flush().await?;
                        return r;
                    }
                }
                OP_PING => c.push_pong((s, e)),
                OP_CLOSE => return Err(io::Error::other("server closed the WebSocket")),
                _ => {}
            }
        }
        c.flush().await?;
        let n = c.fill().await?;
        if n == 0 {
            return Err(io::Error::other("server closed the connection"));
        }
        sh.bytes.fetch_add(n as u64, Relaxed);
    }
}

/// The stamp is `bench <scenario> <send time in ns>` with the numbers written in CJK
/// numerals (〇一二…九). Digits will not do: rustrict, banter-server's `--profanity strict`
/// filter (its default before the tutorial-compatible one), reads digits as leetspeak, so a stamp like `bx12-1234567890123` is refused as profanity
/// (and, before server commit dc944bb, many all-digit texts too). CJK numerals pass both
/// servers' filters (checked by the test below against the server's own filter).
const NUMERALS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

static STAMP: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"text\":\"bench "));

fn write_numeral(out: &mut Vec<u8>, v: u64) {
    let mut digits = [0u8; 20];
    let mut n = 0;
    let mut v = v;
    loop {
        digits[n] = (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for d in digits[..n].iter().rev() {
        out.extend_from_slice(NUMERALS[*d as usize].as_bytes());
    }
}

/// Parses CJK numerals at `p[*j..]`; `None` when there are none.
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

/// The text of a `sendMessage`: `bench <scenario> <ns>`.
pub fn stamp_text(out: &mut Vec<u8>, scenario: u32, ns: u64) {
    out.extend_from_slice(b"bench ");
    write_numeral(out, scenario as u64);
    out.push(b' ');
    write_numeral(out, ns);
}

/// (scenario, send time) from a `message` event with the benchmark's stamp.
fn find_stamp(p: &[u8]) -> Option<(u32, u64)> {
    let mut j = STAMP.find(p)? + 14;
    let sc = read_numeral(p, &mut j)?;
    if p.get(j) != Some(&b' ') {
        return None;
    }
    j += 1;
    let t = read_numeral(p, &mut j)?;
    Some((sc as u32, t))
}

/// `43<id>[]` (or `[null…` from a Banter-style ack) is a success; anything else an error.
pub(crate) fn ack_ok(p: &[u8]) -> bool {
    let mut j = 2;
    while j < p.len() && p[j].is_ascii_digit() {
        j += 1;
    }
    let rest = &p[j..];
    rest == b"[]" || rest.starts_with(b"[null")
}

/// The ack id of `43<id>[…]`.
fn ack_id(p: &[u8]) -> Option<u64> {
    let digits = p.get(2..)?.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&p[2..2 + digits]).ok()?.parse().ok()
}

/// The scenario each of a sender's outstanding sends belongs to, so an ack that comes back
/// after its scenario ended is not counted in the next one (whose deliveries it has none of).
#[derive(Default)]
struct Outstanding(std::collections::VecDeque<(u64, u32)>);

impl Outstanding {
    /// The scenario of the send `id` answers; sends before it that were never answered are
    /// forgotten (the server answers a socket's sends in order).
    fn answer(&mut self, id: u64) -> Option<u32> {
        while let Some(&(i, sc)) = self.0.front() {
            self.0.pop_front();
            if i == id {
                return Some(sc);
            }
        }
        None
    }
}

fn push_message(c: &mut Conn, next_id: &mut u64, out: &mut Outstanding, scratch: &mut Vec<u8>, sh: &Shared) {
    scratch.clear();
    let sc = sh.scenario.load(Relaxed);
    out.0.push_back((*next_id, sc));
    let _ = write!(scratch, "42{}[\"sendMessage\",\"", *next_id);
    stamp_text(scratch, sc, sh.now_ns());
    scratch.extend_from_slice(b"\"]");
    *next_id += 1;
    c.push_text(scratch);
    sh.sent.fetch_add(1, Relaxed);
}

async fn run(mut c: Conn, sender: Option<(&Senders, usize)>, sh: &Shared) -> io::Result<()> {
    let mut next_id: u64 = 1;
    let mut outstanding = Outstanding::default();
    let mut scratch = Vec::with_capacity(128);
    loop {
        let n = if let Some((senders, i)) = sender {
            let slot = &senders.slots[i];
            tokio::select! {
                r = c.fill() => r?,
                _ = slot.notify.notified() => {
                    let turns = slot.pending.swap(0, Relaxed);
                    if sh.sending.load(Relaxed) {
                        for _ in 0..turns {
                            push_message(&mut c, &mut next_id, &mut outstanding, &mut scratch, sh);
                        }
                    }
                    c.flush().await?;
                    continue;
                }
            }
        } else {
            c.fill().await?
        };
        if n == 0 {
            return Ok(());
        }
        sh.bytes.fetch_add(n as u64, Relaxed);
        let now = sh.now_ns();
        let scenario = sh.scenario.load(Relaxed);
        let measuring = sh.measuring.load(Relaxed);
        let (mut got, mut got_window) = (0u64, 0u64);
        while let Some((op, s, e)) = c.next_frame() {
            match op {
                OP_TEXT => {
                    let p = &c.buf[s..e];
                    if p.starts_with(b"42") {
                        if let Some((sc, t)) = find_stamp(p) {
                            if sc == scenario {
                                got += 1;
                                if measuring {
                                    got_window += 1;
                                    sh.hist.record(now.saturating_sub(t));
                                }
                            }
                        }
                    } else if p == b"2" {
                        c.push_text(b"3");
                    } else if let (Some((senders, _)), true) = (sender, p.starts_with(b"43")) {
                        let of = ack_id(p).and_then(|id| outstanding.answer(id));
                        if of.is_some_and(|sc| sc != scenario) {
                            // Its scenario already counted it unanswered, and a turn was
                            // given in its place when the sends stalled.
                            sh.late_acks.fetch_add(1, Relaxed);
                            continue;
                        }
                        if ack_ok(p) {
                            sh.acked.fetch_add(1, Relaxed);
                        } else {
                            sh.ack_errors.fetch_add(1, Relaxed);
                            sh.note_error(format!("sendMessage refused: {}", String::from_utf8_lossy(p)));
                        }
                        if sh.sending.load(Relaxed) {
                            senders.give_turn();
                        }
                    }
                }
                OP_PING => c.push_pong((s, e)),
                OP_CLOSE => return Err(io::Error::other("server closed the WebSocket")),
                _ => {}
            }
        }
        if got > 0 {
            sh.deliveries.fetch_add(got, Relaxed);
            if got_window > 0 {
                sh.window.fetch_add(got_window, Relaxed);
            }
        }
        c.flush().await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_and_acks() {
        let mut m = br#"42["message",{"username":"u0","text":""#.to_vec();
        stamp_text(&mut m, 7, 123456789);
        m.extend_from_slice(br#"","createdAt":1}]"#);
        assert_eq!(find_stamp(&m), Some((7, 123456789)));
        let mut m = br#"42["message",{"username":"u0","text":""#.to_vec();
        stamp_text(&mut m, 0, 0);
        m.extend_from_slice(br#"","createdAt":1}]"#);
        assert_eq!(find_stamp(&m), Some((0, 0)));
        assert_eq!(find_stamp(br#"42["message",{"username":"Admin","text":"Welcome!"}]"#), None);
        assert!(ack_ok(b"4312[]"));
        assert!(ack_ok(b"4312[null,{}]"));
        assert!(!ack_ok(br#"4312["Profanity is not allowed!"]"#));
        assert_eq!(ack_id(b"4312[]"), Some(12));
        assert_eq!(ack_id(b"43[]"), None);
    }

    #[test]
    fn late_acks_are_told_apart() {
        let mut o = Outstanding::default();
        o.0.extend([(1, 3), (2, 3), (3, 4)]);
        assert_eq!(o.answer(2), Some(3), "1 was never answered; 2 belongs to scenario 3");
        assert_eq!(o.answer(3), Some(4));
        assert_eq!(o.answer(9), None);
    }

    /// Stamps must pass banter-server's own profanity filter, or the benchmark would
    /// measure refusals.
    #[test]
    fn stamps_are_not_profane() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut t = Vec::new();
            stamp_text(&mut t, (x % 1000) as u32, x % 10_000_000_000_000);
            let t = String::from_utf8(t).expect("utf-8");
            assert!(!banter_server::profanity::is_profane(&t), "{t}");
        }
    }
}
