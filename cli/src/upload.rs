//! `banter-cli upload --server URL --name NAME --room ROOM FILE [--json]`: sends a file to a
//! room (or DM id) as the signed-in account (its stored session, `account login`). It joins
//! the room on its own connection (an upload goes to a room the account is in), uploads
//! with progress on stderr, and prints the announcing message's id (or, with `--json`, the
//! server's whole answer: id, room, seq, createdAt, file). The room stays among the
//! account's rooms (no leave). Exit codes: those of `account`, and 7 when the server
//! refuses the file (too large, over the quota, not allowed, empty, an image it will not
//! decode).

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use banter_client::files::{CancelToken, Progress, Upload};
use banter_client::{ClientError, JoinOptions};

use crate::account::{self, AccountArgs};

#[derive(clap::Args)]
pub struct UploadArgs {
    #[command(flatten)]
    pub account: AccountArgs,
    /// The room (or DM id, `dm:…`) to send it to.
    #[arg(long)]
    pub room: String,
    /// The file.
    pub file: PathBuf,
    /// The name to show (default: the file's name).
    #[arg(long = "as")]
    pub display_name: Option<String>,
    /// Print the server's answer as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Exit code of a refused file.
pub const REFUSED: u8 = 7;

fn code(e: &ClientError) -> u8 {
    match e {
        ClientError::TooLarge { .. }
        | ClientError::Quota { .. }
        | ClientError::NotAllowed { .. }
        | ClientError::FileRefused { .. }
        | ClientError::Cancelled => REFUSED,
        ClientError::Storage { .. } => crate::exit::USAGE,
        other => account::code_of(other),
    }
}

/// `sent of total (percent)` on one stderr line, rewritten at most 10 times a second.
/// `mid_line` is set while the last line written is not ended.
fn reporter(mid_line: Arc<AtomicBool>) -> impl FnMut(Progress) + Send + 'static {
    let mut last = Instant::now() - Duration::from_secs(1);
    move |p: Progress| {
        if p.sent < p.total && last.elapsed() < Duration::from_millis(100) {
            return;
        }
        last = Instant::now();
        let pct = if p.total == 0 { 100 } else { p.sent * 100 / p.total };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\rbanter-cli: sent {} of {} ({pct}%)",
            banter_protocol::files::human_size(p.sent),
            banter_protocol::files::human_size(p.total)
        );
        if p.sent >= p.total {
            let _ = writeln!(err);
        }
        mid_line.store(p.sent < p.total, Ordering::SeqCst);
        let _ = err.flush();
    }
}

pub async fn run(args: UploadArgs) -> u8 {
    let account::SignedIn { server, access, client, name, session } = match account::signed_in(&args.account).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    if !args.file.is_file() {
        eprintln!("banter-cli: {} is not a file", args.file.display());
        return crate::exit::USAGE;
    }
    let room = banter_protocol::rules::normalise_name(&args.room);
    let joined = if banter_protocol::dms::is_dm(&room) {
        client.open_dm(banter_client::DmOptions::id(server.as_str(), Some(session.clone()), &room).token(access.token.clone())).await.map(|d| d.info)
    } else {
        client.join(JoinOptions::new(server.as_str(), &room, &name).token(access.token.clone()).session(Some(session.clone()))).await
    };
    let info = match joined {
        Ok(info) => info,
        Err(e) => {
            eprintln!("banter-cli: cannot join {room}: {}", e.summary());
            return account::code_of(&e);
        }
    };
    // the server's limit, said before a byte is sent
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    if let Some(max) = info.max_upload_bytes.filter(|&max| size > max) {
        let _ = client.close(server.as_str(), &room).await;
        eprintln!("banter-cli: The file is too large (at most {} MB).", max / (1024 * 1024));
        return REFUSED;
    }
    let mut up = Upload::path(&access, &session, &room, &args.file);
    if let Some(n) = &args.display_name {
        up = up.name(n);
    }
    let cancel = CancelToken::new();
    let stop = cancel.clone();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    let mid_line = Arc::new(AtomicBool::new(false));
    let result = client.upload(up, reporter(mid_line.clone()), &cancel).await;
    ctrl_c.abort();
    // not a leave: the room stays one of the account's rooms
    let _ = client.close(server.as_str(), &room).await;
    match result {
        Ok(done) => {
            if args.json {
                println!("{}", serde_json::to_string(&done).unwrap_or_default());
            } else {
                println!("{}", done.id);
                eprintln!("banter-cli: {} sent to {} (message {} at seq {})", done.file.describe(), done.room, done.id, done.seq);
            }
            0
        }
        Err(e) => {
            if mid_line.load(Ordering::SeqCst) {
                eprintln!();
            }
            eprintln!("banter-cli: {}", e.summary());
            code(&e)
        }
    }
}
