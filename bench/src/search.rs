//! `--scenarios search` (issue 10's benchmark, banter-server only): how fast `banter:search`
//! answers over many stored messages, and what its index costs per message.
//!
//! A seeding connection joins `rooms` rooms and sends `messages` messages of 8 words drawn
//! (seeded, Zipf-like) from a vocabulary of made-up words, 512 in flight; a second
//! connection, in all those rooms, then runs `queries` searches one after another (one or
//! two words, common and rare ones alike) and each answer's latency is recorded. The
//! index's size is read from the database file (the FTS5 tables and the id map) after the
//! server stopped.

use std::io;
use std::sync::Arc;
use std::time::Instant;

use crate::hist::Hist;
use crate::load::{self, Shared};
use crate::procs::{Kind, Launch, Server};
use crate::sio::{request, sio_connect};
use crate::ws::Conn;

#[derive(Clone, Debug)]
pub struct SearchConfig {
    pub messages: u64,
    pub rooms: usize,
    pub queries: usize,
}

#[derive(Debug, Default)]
pub struct SearchReport {
    pub stored: u64,
    pub refused: u64,
    pub seed_secs: f64,
    pub queries: usize,
    pub p50: Option<u64>,
    pub p99: Option<u64>,
    pub max: Option<u64>,
    pub hits: u64,
    pub index_bytes: u64,
    pub db_bytes: u64,
    pub errors: Vec<String>,
}

const WORDS: usize = 4_000;
const WINDOW: u64 = 512;

/// The `i`-th made-up word: two to four syllables.
fn word(i: usize) -> String {
    const SYL: [&str; 16] = ["ka", "lo", "mi", "nu", "pe", "ri", "so", "tu", "va", "ze", "bo", "di", "fa", "gu", "he", "jo"];
    let mut n = i + 16;
    let mut w = String::new();
    while n > 0 {
        w.push_str(SYL[n % 16]);
        n /= 16;
    }
    w
}

/// xorshift64*: the same messages and queries on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A word index, small ones far more often (about Zipf's law).
    fn zipf(&mut self) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((WORDS as f64).powf(u) as usize).saturating_sub(1).min(WORDS - 1)
    }
}

pub async fn run(cfg: &SearchConfig, launch: &Launch) -> SearchReport {
    let mut rep = SearchReport::default();
    let dir = match tempfile::Builder::new().prefix("banter-bench-search-").tempdir() {
        Ok(d) => d,
        Err(e) => {
            rep.errors.push(e.to_string());
            return rep;
        }
    };
    let db = dir.path().join("search.db");
    let srv = match Server::start_with_db(Kind::Banter, launch, Some(&db)) {
        Ok(s) => s,
        Err(e) => {
            rep.errors.push(format!("cannot start banter-server: {e}"));
            return rep;
        }
    };
    if let Err(e) = phases(cfg, &srv, &mut rep).await {
        eprintln!("   error: {e}");
        rep.errors.push(e.to_string());
    }
    srv.stop();
    match index_size(&db) {
        Ok((index, total)) => (rep.index_bytes, rep.db_bytes) = (index, total),
        Err(e) => rep.errors.push(format!("cannot read the index size: {e}")),
    }
    rep
}

async fn join_all(c: &mut Conn, sh: &Shared, name: &str, rooms: usize) -> io::Result<()> {
    for r in 0..rooms {
        let join = format!(r#"{{"username":"{name}","room":"search-{r}","banter":{{"v":1}}}}"#);
        let args = request(c, sh, 1_000_000 + r as u64, "join", Some(&join)).await?;
        if !args.starts_with(b"[null") {
            return Err(io::Error::other(format!("join refused: {}", String::from_utf8_lossy(&args))));
        }
    }
    Ok(())
}

async fn phases(cfg: &SearchConfig, srv: &Server, rep: &mut SearchReport) -> io::Result<()> {
    let sh = Arc::new(Shared::new());
    let mut seeder = sio_connect(srv.addr, None, None, &sh).await?;
    join_all(&mut seeder, &sh, "seeder", cfg.rooms).await?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let t0 = Instant::now();
    let mut next = 0u64;
    while next < cfg.messages {
        let batch = WINDOW.min(cfg.messages - next);
        for i in next..next + batch {
            let text: Vec<String> = (0..8).map(|_| word(rng.zipf())).collect();
            let frame = format!(
                r#"42{i}["banter:send",{{"id":"s{i}","room":"search-{}","text":"{}"}}]"#,
                i % cfg.rooms as u64,
                text.join(" ")
            );
            seeder.push_text(frame.as_bytes());
        }
        seeder.flush().await?;
        let (mut answered, mut refused) = (0u64, 0u64);
        load::wait_for(&mut seeder, &sh, |p| {
            if p.starts_with(b"43") {
                answered += 1;
                if !load::ack_ok(p) {
                    refused += 1;
                }
            }
            (answered == batch).then_some(Ok(()))
        })
        .await?;
        rep.refused += refused;
        next += batch;
        if next % 100_000 == 0 {
            eprintln!("   {next} messages stored ({:.0}/s)", next as f64 / t0.elapsed().as_secs_f64());
        }
    }
    rep.seed_secs = t0.elapsed().as_secs_f64();
    rep.stored = cfg.messages - rep.refused;
    eprintln!("   {} messages in {} rooms stored in {:.1} s ({} refused)", rep.stored, cfg.rooms, rep.seed_secs, rep.refused);

    let mut searcher = sio_connect(srv.addr, None, None, &sh).await?;
    join_all(&mut searcher, &sh, "searcher", cfg.rooms).await?;
    let hist = Hist::new();
    let mut max = 0u64;
    for q in 0..cfg.queries {
        let words = if q % 3 == 0 { 2 } else { 1 };
        let query: Vec<String> = (0..words).map(|_| word(if q % 2 == 0 { rng.zipf() } else { (rng.next() % WORDS as u64) as usize })).collect();
        let data = format!(r#"{{"query":"{}","limit":20}}"#, query.join(" "));
        let t = Instant::now();
        let args = request(&mut searcher, &sh, 2_000_000 + q as u64, "banter:search", Some(&data)).await?;
        let ns = t.elapsed().as_nanos() as u64;
        if !args.starts_with(b"[null") {
            return Err(io::Error::other(format!("search refused: {}", String::from_utf8_lossy(&args))));
        }
        rep.hits += memchr::memmem::find_iter(&args, b"\"seq\":").count() as u64;
        hist.record(ns);
        max = max.max(ns);
    }
    rep.queries = cfg.queries;
    (rep.p50, rep.p99, rep.max) = (hist.quantile(0.50), hist.quantile(0.99), Some(max));
    eprintln!(
        "   {} searches: p50 {}, p99 {}, max {}, {:.1} hits each",
        cfg.queries,
        crate::report::fmt_ns(rep.p50),
        crate::report::fmt_ns(rep.p99),
        crate::report::fmt_ns(rep.max),
        rep.hits as f64 / cfg.queries.max(1) as f64
    );
    Ok(())
}

/// (index bytes, database bytes with its WAL): the FTS5 b-tree blocks and its copy of the
/// texts and names, and the (room, seq) map, as the server's own `index_bytes` counts them.
fn index_size(db: &std::path::Path) -> Result<(u64, u64), String> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| e.to_string())?;
    let index: i64 = conn
        .query_row(
            "SELECT (SELECT coalesce(sum(length(block)), 0) FROM message_fts_data)
                  + (SELECT coalesce(sum(length(c0) + length(c1) + 8 + length(c3) + 8), 0) FROM message_fts_content)
                  + (SELECT coalesce(sum(length(room) + 16), 0) FROM message_fts_ids)",
            [],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    let size = |p: std::path::PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let total = size(db.to_owned()) + size(db.with_extension("db-wal"));
    Ok((index.max(0) as u64, total))
}

pub fn render(o: &mut String, r: &SearchReport) {
    use std::fmt::Write as _;
    let _ = writeln!(o, "## banter-server: search (issue 10)\n");
    let _ = writeln!(o, "Node's tutorial server has no search: these figures have no peer.\n");
    let _ = writeln!(o, "| metric | banter-server |");
    let _ = writeln!(o, "| --- | ---: |");
    let _ = writeln!(o, "| messages stored (8 words each) | {} |", crate::report::fmt_int(r.stored as f64));
    let _ = writeln!(o, "| stored per second while seeding (512 in flight) | {} |", crate::report::fmt_int(r.stored as f64 / r.seed_secs.max(1e-9)));
    let _ = writeln!(o, "| search p50 ({} searches, 20 results at most) | {} |", r.queries, crate::report::fmt_ns(r.p50));
    let _ = writeln!(o, "| search p99 | {} |", crate::report::fmt_ns(r.p99));
    let _ = writeln!(o, "| search max | {} |", crate::report::fmt_ns(r.max));
    let per = |b: u64| if r.stored > 0 { format!("{:.0} B", b as f64 / r.stored as f64) } else { "–".into() };
    let _ = writeln!(o, "| index per message | {} |", per(r.index_bytes));
    let _ = writeln!(o, "| whole database per message | {} |", per(r.db_bytes));
    let _ = writeln!(o, "\n- {:.1} results per search on average; {} sends refused", r.hits as f64 / r.queries.max(1) as f64, r.refused);
    for e in &r.errors {
        let _ = writeln!(o, "  - ERROR: {e}");
    }
}
