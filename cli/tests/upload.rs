//! `banter-cli upload` against the real banter-server and the real keyring (the account's
//! stored session, in a private D-Bus session via scripts/with-session.sh): the message id on
//! stdout, the file in the room's history as `name (size) <link>`, the link serving it, and
//! refusals with their exit codes.

#[path = "../../client/tests/support/mod.rs"]
mod support;
mod keyring_cli;

use std::io::{Read, Write};

use keyring_cli::*;
use support::*;

#[test]
fn upload_through_the_cli() {
    in_keyring_session("upload_through_the_cli", "upload", || {
        inner_upload();
    });
}

/// GET `path` on the server with plain HTTP/1.0: (status line, body).
fn http_get(port: u16, path: &str) -> (String, Vec<u8>) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n").unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&all[..split]).to_string();
    (head.lines().next().unwrap_or_default().to_owned(), all[split + 4..].to_vec())
}

fn inner_upload() {
    let service = format!("banter-test-upload-{}", std::process::id());
    let db = tempfile::tempdir().unwrap();
    let server = start_banter_with(db.path(), 0, None, 0, &["--max-upload-mb", "1"]);
    let url = server.url();
    for name in ["ann", "bob"] {
        let out = run_with_stdin(cli(&service, &["account", "register", "--server", &url, "--name", name]), &format!("{PW}\n"));
        assert!(out.status.success(), "{}", text(&out));
    }
    let file = db.path().join("report.txt");
    std::fs::write(&file, "quarterly numbers\n").unwrap();
    let upload = |name: &str, path: &std::path::Path, json: bool| {
        let mut c = cli(&service, &["upload", "--server", &url, "--name", name, "--room", "lobby"]);
        c.arg(path);
        if json {
            c.arg("--json");
        }
        run_with_stdin(c, "")
    };
    let out = upload("ann", &file, false);
    assert!(out.status.success(), "{}", text(&out));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(id.len(), 36, "a UUIDv7 message id: {id:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sent 18 B of 18 B (100%)") && err.contains("report.txt (18 B) sent to lobby"), "{err}");
    let out = upload("ann", &file, true);
    let v: serde_json::Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!((v["room"].as_str(), v["file"]["name"].as_str(), v["file"]["size"].as_u64()), (Some("lobby"), Some("report.txt"), Some(18)));

    // bob's chat shows the file message from history as "name (size) <link>", and the link serves it
    let data = tempfile::tempdir().unwrap();
    let mut chat = cli(&service, &["chat", "--server", &url, "--name", "bob", "--room", "lobby"]);
    chat.arg("--data-dir").arg(data.path());
    let out = run_with_stdin(chat, "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.contains("ann: report.txt (18 B) <")).unwrap_or_else(|| panic!("{stdout}"));
    let link = line.split('<').nth(1).unwrap().trim_end_matches('>');
    let path = link.strip_prefix(&url).unwrap();
    let (status, body) = http_get(server.port, path);
    assert!(status.contains("200"), "{status}");
    assert_eq!(body, b"quarterly numbers\n");

    // refusals: too large (exit 7), no such file (1), not signed in (6)
    let big = db.path().join("big.bin");
    std::fs::write(&big, vec![0u8; 1024 * 1024 + 1]).unwrap();
    // said before a byte is sent (the limit from the join), in one line
    one_line_failure(&upload("ann", &big, false), 7, "The file is too large (at most 1 MB).");
    one_line_failure(&upload("ann", &db.path().join("nope.txt"), false), 1, "is not a file");
    one_line_failure(&upload("cy", &file, false), 6, "not signed in as cy");
}
