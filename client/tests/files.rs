//! Files (`docs/protocol.md` § 15) through banter-client against the real `banter-server`:
//! an upload with progress arrives as a `message` event with its file part, downloads and a
//! thumbnail come back byte for byte (with the session, and with the signed link alone), a
//! cancel stops it and leaves nothing on the server, and refusals are typed errors.

mod support;

use std::sync::{Arc, Mutex};

use banter_client::files::{CancelToken, Progress, Upload};
use banter_client::{ClientError, ClientEvent, JoinOptions, ServerAccess, SessionToken};
use support::*;

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A real RGB PNG of w×h (zlib with stored blocks: no compressor needed).
fn png(w: u32, h: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            raw.extend_from_slice(&[(x % 256) as u8, (y % 256) as u8, 77]);
        }
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, b) in blocks.iter().enumerate() {
        z.push(u8::from(i == blocks.len() - 1));
        z.extend_from_slice(&(b.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(b.len() as u16)).to_le_bytes());
        z.extend_from_slice(b);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend_from_slice(data);
        out.extend_from_slice(&c);
        out.extend_from_slice(&crc32(&c).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &z);
    chunk(b"IEND", &[]);
    out
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_announce_download_thumbnail_cancel_and_refusals() {
    let db = tempfile::tempdir().unwrap();
    let mut server = start_banter_with(db.path(), 0, None, 0, &["--max-upload-mb", "4"]);
    let url = server.url();
    let at = ServerAccess::new(&url);
    let (ann, _ann_ev, ann_s, _a) = account(&url, "ann").await;
    let (bob, mut bob_ev, bob_s, _b) = account(&url, "bob").await;
    let join = |room: &str, name: &str, s: &SessionToken| JoinOptions::new(&url, room, name).session(Some(s.clone()));
    let info = ann.join(join("pics", "ann", &ann_s)).await.unwrap();
    assert_eq!(info.max_upload_bytes, Some(4 * 1024 * 1024), "the limit, to check a file before sending it");
    bob.join(join("pics", "bob", &bob_s)).await.unwrap();

    // a pasted screenshot (bytes), with progress
    let picture = png(800, 600);
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let seen2 = seen.clone();
    let done = ann
        .upload(Upload::bytes(&at, &ann_s, "pics", "screenshot.png", picture.clone()), move |p| seen2.lock().unwrap().push(p), &CancelToken::new())
        .await
        .unwrap();
    let progress = seen.lock().unwrap().clone();
    assert_eq!(progress.first().map(|p| p.sent), Some(0));
    assert_eq!(progress.last().copied(), Some(Progress { sent: picture.len() as u64, total: picture.len() as u64 }));
    assert!(progress.len() > 2, "{} reports", progress.len());
    assert_eq!((done.file.name.as_str(), done.file.mime.as_str(), done.file.width, done.file.height, done.file.thumb), ("screenshot.png", "image/png", Some(800), Some(600), true));

    // bob's stream: a message with the file part
    let (ev, _) = wait_for(&mut bob_ev, 10, |e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == done.id)).await;
    let ClientEvent::Message { file: Some(part), username, .. } = ev else { panic!("no file part: {ev:?}") };
    assert_eq!(username, "ann");
    assert_eq!(part, done.file);

    // downloads: with the session; with the signed link alone; the thumbnail
    assert_eq!(bob.download(&at, Some(&bob_s), &part).await.unwrap(), picture);
    assert_eq!(bob.download(&at, None, &part).await.unwrap(), picture);
    let saved = db.path().join("saved.png");
    assert_eq!(bob.download_to(&at, Some(&bob_s), &part, &saved).await.unwrap(), picture.len() as u64);
    assert_eq!(std::fs::read(&saved).unwrap(), picture);
    assert!(!db.path().join("saved.png.part").exists());
    let thumb = bob.thumbnail(&at, Some(&bob_s), &part).await.unwrap();
    assert!(thumb.starts_with(b"\x89PNG"));
    assert_eq!((u32::from_be_bytes(thumb[16..20].try_into().unwrap()), u32::from_be_bytes(thumb[20..24].try_into().unwrap())), (400, 300));

    // a file from disk, cancelled half-way: an error, and nothing kept by the server
    let big = db.path().join("big.bin");
    std::fs::write(&big, vec![5u8; 3 * 1024 * 1024]).unwrap();
    let files_dir = db.path().join("files");
    let before = files_in(&files_dir);
    let cancel = CancelToken::new();
    let stop = cancel.clone();
    let r = ann
        .upload(
            Upload::path(&at, &ann_s, "pics", &big),
            move |p| {
                if p.sent > 512 * 1024 {
                    stop.cancel();
                }
            },
            &cancel,
        )
        .await;
    assert!(matches!(r, Err(ClientError::Cancelled)), "{r:?}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(files_in(&files_dir), before, "a cancelled upload leaves nothing");
    // the same file, not cancelled, goes
    let whole = ann.upload(Upload::path(&at, &ann_s, "pics", &big), |_| {}, &CancelToken::new()).await.unwrap();
    assert_eq!((whole.file.name.as_str(), whole.file.size), ("big.bin", 3 * 1024 * 1024));

    // refusals, typed
    let too_big = Upload::bytes(&at, &ann_s, "pics", "huge.bin", vec![1; 4 * 1024 * 1024 + 1]);
    let e = ann.upload(too_big, |_| {}, &CancelToken::new()).await.unwrap_err();
    assert_eq!((e.code(), e.to_string().as_str()), ("too_large", "The file is too large (at most 4 MB)."));
    let e = bob.upload(Upload::bytes(&at, &bob_s, "elsewhere", "a.txt", b"a".to_vec()), |_| {}, &CancelToken::new()).await.unwrap_err();
    assert_eq!(e.code(), "not_allowed", "{e}");
    let e = ann.upload(Upload::bytes(&at, &ann_s, "pics", "empty.txt", Vec::new()), |_| {}, &CancelToken::new()).await.unwrap_err();
    assert_eq!(e.code(), "file_refused", "{e}");
    let e = ann.upload(Upload::bytes(&at, &ann_s, "pics", "../..", b"x".to_vec()), |_| {}, &CancelToken::new()).await.unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    let wrong = SessionToken::new("ab".repeat(32));
    let e = ann.upload(Upload::bytes(&at, &wrong, "pics", "a.txt", b"a".to_vec()), |_| {}, &CancelToken::new()).await.unwrap_err();
    assert_eq!(e.code(), "session_invalid", "{e}");
    let e = bob.download(&at, Some(&wrong), &part).await.unwrap_err();
    assert_eq!(e.code(), "session_invalid", "{e}");
    let mut unknown = part.clone();
    unknown.id = "0".repeat(32);
    assert_eq!(bob.download(&at, Some(&bob_s), &unknown).await.unwrap_err().code(), "no_such_file");
    server.kill();
}
