//! `banter-cli` on a self-hosted https server with a self-signed certificate (the real
//! banter-server serving HTTPS): refused with the fingerprint and how to trust it, then
//! `--trust-fingerprint` joins and chats; a wrong fingerprint is refused naming both.

#[path = "../../client/tests/support/mod.rs"]
mod support;

use std::process::Command;

use support::*;

const BIN: &str = env!("CARGO_BIN_EXE_banter-cli");

fn chat(url: &str, data: &std::path::Path, extra: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(["chat", "--server", url, "--name", "ann", "--room", "lobby", "--outcome-timeout", "20"]).args(extra).arg("--data-dir").arg(data);
    c.env_remove("DBUS_SESSION_BUS_ADDRESS");
    c
}

#[test]
fn trust_fingerprint_joins_a_self_signed_server_and_only_that_certificate() {
    let (db, certs, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let fingerprint = self_signed(certs.path());
    let server = start_https(db.path(), certs.path(), 0);
    let url = format!("https://127.0.0.1:{}", server.port);

    let out = run_with_stdin(chat(&url, data.path(), &[]), "hello\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&fingerprint) && err.contains(&format!("--trust-fingerprint {fingerprint}")), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");

    let out = run_with_stdin(chat(&url, data.path(), &["--trust-fingerprint", &fingerprint.replace(':', "")]), "hello over tls\n");
    let (stdout, err) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{err}");
    assert!(stdout.contains("ann: hello over tls"), "{stdout}");

    let wrong = "00".repeat(32);
    let out = run_with_stdin(chat(&url, data.path(), &["--trust-fingerprint", &wrong]), "x\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("different certificate") && err.contains(&fingerprint), "{err}");

    let out = run_with_stdin(chat(&url, data.path(), &["--trust-fingerprint", "12:34"]), "x\n");
    assert_eq!(out.status.code(), Some(1), "a malformed fingerprint is a usage error");
}
