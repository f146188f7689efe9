//! `--scenarios files` (issue 10's benchmark, banter-server only): how fast a 25 MB file goes
//! up through banter-client (`Client::upload`, HTTP on loopback) and comes back down
//! (`Client::download`), and how much the server's resident memory grows meanwhile (it
//! streams uploads to disk: the growth should not follow the file's size).
//!
//! One account registers and joins a room; each round uploads a fresh 25 MiB file from disk
//! (different bytes each round, so no round is a stored copy), then downloads it once. The
//! server's RSS is sampled every 50 ms (`procs::RssSampler`) against its RSS just before the
//! first upload.

use std::time::Instant;

use banter_client::files::{CancelToken, Upload};
use banter_client::{Client, ClientConfig, JoinOptions, ServerAccess};

use crate::procs::{self, Kind, Launch, RssSampler, Server};

/// The file: 25 MiB, the default `--max-upload-mb`.
pub const FILE_BYTES: u64 = 25 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct FilesReport {
    /// Seconds per upload, until the server's 201.
    pub upload_secs: Vec<f64>,
    pub download_secs: Vec<f64>,
    pub rss_before: u64,
    pub rss_peak: u64,
    pub errors: Vec<String>,
}

fn mb_per_s(secs: f64) -> f64 {
    FILE_BYTES as f64 / (1024.0 * 1024.0) / secs.max(1e-9)
}

fn median(v: &[f64]) -> Option<f64> {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied()
}

pub async fn run(rounds: usize, launch: &Launch) -> FilesReport {
    let mut rep = FilesReport::default();
    let srv = match Server::start(Kind::Banter, launch) {
        Ok(s) => s,
        Err(e) => {
            rep.errors.push(format!("cannot start banter-server: {e}"));
            return rep;
        }
    };
    if let Err(e) = phases(rounds, &srv, &mut rep).await {
        eprintln!("   error: {e}");
        rep.errors.push(e);
    }
    srv.stop();
    rep
}

async fn phases(rounds: usize, srv: &Server, rep: &mut FilesReport) -> Result<(), String> {
    let dir = tempfile::Builder::new().prefix("banter-bench-files-").tempdir().map_err(|e| e.to_string())?;
    let url = format!("http://{}", srv.addr);
    let (client, _events) = Client::new(ClientConfig::new(dir.path().join("client")));
    let at = ServerAccess::new(&url);
    let session = client.register(&at, "uploader", "bench-password-1", None, Some("bench")).await.map_err(|e| e.to_string())?.token;
    client.join(JoinOptions::new(&url, "files", "uploader").session(Some(session.clone()))).await.map_err(|e| e.to_string())?;
    rep.rss_before = procs::rss_of(srv.pid).unwrap_or(0);
    let sampler = RssSampler::start(srv.pid);
    for round in 0..rounds {
        // xorshift bytes, seeded per round
        let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (round as u64 + 1);
        let mut bytes = vec![0u8; FILE_BYTES as usize];
        for chunk in bytes.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        let path = dir.path().join(format!("round-{round}.bin"));
        std::fs::write(&path, &bytes).map_err(|e| e.to_string())?;
        drop(bytes);
        let t = Instant::now();
        let done = client.upload(Upload::path(&at, &session, "files", &path), |_| {}, &CancelToken::new()).await.map_err(|e| e.to_string())?;
        let up = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let back = client.download(&at, Some(&session), &done.file).await.map_err(|e| e.to_string())?;
        let down = t.elapsed().as_secs_f64();
        if back.len() as u64 != FILE_BYTES {
            return Err(format!("downloaded {} bytes, not {FILE_BYTES}", back.len()));
        }
        eprintln!("   round {}: up {:.1} MB/s ({:.2} s), down {:.1} MB/s", round + 1, mb_per_s(up), up, mb_per_s(down));
        rep.upload_secs.push(up);
        rep.download_secs.push(down);
        let _ = std::fs::remove_file(&path);
    }
    // one more sample after the last round
    std::thread::sleep(std::time::Duration::from_millis(100));
    rep.rss_peak = sampler.peak_total.load(std::sync::atomic::Ordering::Relaxed).max(rep.rss_before);
    drop(sampler);
    let _ = client.close(&url, "files").await;
    Ok(())
}

pub fn render(o: &mut String, r: &FilesReport) {
    use std::fmt::Write as _;
    let _ = writeln!(o, "## banter-server: files (issue 10)\n");
    let _ = writeln!(o, "Node's tutorial server has no uploads: these figures have no peer.\n");
    let _ = writeln!(o, "| metric | banter-server |");
    let _ = writeln!(o, "| --- | ---: |");
    let mb = |s: Option<f64>| s.map_or("–".into(), |s| format!("{:.1} MB/s", mb_per_s(s)));
    let _ = writeln!(o, "| upload of a 25 MiB file through banter-client, median of {} | {} |", r.upload_secs.len(), mb(median(&r.upload_secs)));
    let best = r.upload_secs.iter().copied().reduce(f64::min);
    let _ = writeln!(o, "| upload, best round | {} |", mb(best));
    let _ = writeln!(o, "| download of it (Client::download, into memory), median | {} |", mb(median(&r.download_secs)));
    let mib = |b: u64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
    let _ = writeln!(o, "| server RSS before the first upload | {} |", mib(r.rss_before));
    let _ = writeln!(o, "| server RSS peak delta while uploading and downloading | {} |", mib(r.rss_peak.saturating_sub(r.rss_before)));
    for e in &r.errors {
        let _ = writeln!(o, "  - ERROR: {e}");
    }
}
