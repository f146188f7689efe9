//! What the CLI tests on the real keyring share (account.rs, dm.rs): running the CLI with a
//! keyring service of the test's own, reading its output, checking a one-line refusal, and
//! running the tests inside a private D-Bus session with an unlocked gnome-keyring.
#![allow(dead_code)]

use std::process::{Command, Output};

use super::support::repo_root;

pub const BIN: &str = env!("CARGO_BIN_EXE_banter-cli");
pub const PW: &str = "correct horse battery";

/// `banter-cli ARGS`, its keyring entries under `service`.
pub fn cli(service: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env("BANTER_KEYRING_SERVICE", service);
    cmd
}

/// Stdout then stderr.
pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Exactly one line on stderr, that contains `words`; exit `code`.
pub fn one_line_failure(out: &Output, code: i32, words: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{}", text(out));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("banter-cli: ") && err.contains(words), "{err}");
}

/// Runs `inner` when already inside the private session (scripts/with-session.sh sets
/// BANTER_IN_SESSION); otherwise runs this test binary's test `test_name` again inside one
/// and checks that it passed there.
pub fn in_keyring_session(test_name: &str, what: &str, inner: impl FnOnce()) {
    if std::env::var("BANTER_IN_SESSION").is_ok() {
        inner();
        return;
    }
    let out = Command::new(repo_root().join("scripts/with-session.sh"))
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", test_name, "--nocapture"])
        .output()
        .expect("run scripts/with-session.sh");
    let all = text(&out);
    println!("{all}");
    assert!(out.status.success(), "the {what} tests failed inside the session");
    assert!(all.contains("1 passed"), "the inner tests did not run");
}
