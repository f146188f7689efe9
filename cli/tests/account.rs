//! `banter-cli account …` and `chat` as an account, against the real banter-server and the
//! real platform keyring (gnome-keyring inside a private D-Bus session, via
//! scripts/with-session.sh): the session token is written by the CLI and read back by this
//! process through the library, so a silent fallback to keyring's mock store would fail.

#[path = "../../client/tests/support/mod.rs"]
mod support;
mod keyring_cli;

use std::path::Path;
use std::process::{Command, Output};

use banter_client::{Client, CredentialStore, JoinOptions, ServerAccess, ServerUrl};
use keyring_cli::*;
use support::*;

fn account(service: &str, action: &str, server: &str, name: &str, stdin: &str) -> Output {
    run_with_stdin(cli(service, &["account", action, "--server", server, "--name", name]), stdin)
}

fn chat(service: &str, server: &str, name: &str, room: &str, data: &Path, stdin: &str) -> Output {
    let mut cmd = cli(service, &["chat", "--server", server, "--name", name, "--room", room, "--json", "--data-dir"]);
    cmd.arg(data);
    run_with_stdin(cmd, stdin)
}

/// Every file under `dir`, read as bytes.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().map_while(Result::ok) {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push((p.display().to_string(), bytes));
            }
        }
    }
    out
}

fn assert_nowhere(secret: &str, dir: &Path) {
    let files = files_under(dir);
    assert!(!files.is_empty(), "no files under {}", dir.display());
    for (path, bytes) in files {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "a secret is in {path}"
        );
    }
}

/// Runs the `inner_*` tests inside a private D-Bus session with an unlocked gnome-keyring,
/// unless already inside one.
#[test]
fn accounts_through_the_cli_and_the_keyring() {
    in_keyring_session("accounts_through_the_cli_and_the_keyring", "account", || {
        inner_register_chat_logout();
        inner_refusals_are_one_line();
        inner_prompts_on_a_terminal();
    });
}

fn inner_register_chat_logout() {
    let service = format!("banter-test-account-{}", std::process::id());
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let key = ServerUrl::parse(&url).unwrap();
    let store = CredentialStore::with_service(&service);

    // Register with the password on stdin (not a terminal): the session goes to the keyring.
    let out = run_with_stdin(
        cli(&service, &["account", "register", "--server", &url, "--name", "Ann", "--device", "ci box"]),
        &format!("{PW}\n"),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("registered and signed in as ann"), "{}", text(&out));
    let token = store.get_session(&key, "ann").unwrap().expect("a session in the keyring");
    let token = token.expose().to_owned();
    assert_eq!(token.len(), 64);
    assert!(!text(&out).contains(&token) && !text(&out).contains(PW));
    // Not the server's access token entry.
    assert_eq!(store.get(&key).unwrap(), None);

    // A guest (no session: another keyring service) cannot take the name…
    let data = tempfile::tempdir().unwrap();
    let out = chat(&format!("{service}-guest"), &url, "ann", "lobby", data.path(), "am I ann?\n");
    one_line_failure(&out, 3, "Username is in use!");
    // …while `chat` with the stored session joins as the account and sends.
    let out = chat(&service, &url, "ann", "lobby", data.path(), "hello as my account\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(r#""status":"delivered""#), "{}", text(&out));
    assert!(!text(&out).contains(&token));
    // The token and the password are in no file under the data dir (the outbox) nor in the
    // server's store, which keeps hashes only.
    assert_nowhere(&token, data.path());
    assert_nowhere(PW, data.path());
    assert_nowhere(&token, db.path());
    assert_nowhere(PW, db.path());

    // Sessions, readable and as JSON.
    let out = account(&service, "sessions", &url, "ann", "");
    assert!(out.status.success(), "{}", text(&out));
    let readable = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(readable.lines().count(), 1, "{readable}");
    assert!(readable.starts_with("* ") && readable.contains("ci box") && readable.contains("(this one)"), "{readable}");
    let out = run_with_stdin(cli(&service, &["account", "sessions", "--server", &url, "--name", "ann", "--json"]), "");
    let line: serde_json::Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(line["type"], "session");
    assert_eq!(line["device"], "ci box");
    assert_eq!(line["current"], true);
    assert!(!text(&out).contains(&token));

    // Logout ends the session on the server and removes it from the keyring.
    let out = account(&service, "logout", &url, "ann", "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("signed out"), "{}", text(&out));
    assert_eq!(store.get_session(&key, "ann").unwrap(), None);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (c, _ev) = Client::new(config(dir.path()));
        let opts = JoinOptions::new(&url, "lobby", "ann").session(Some(banter_client::SessionToken::new(token.clone())));
        c.join(opts).await.unwrap_err()
    });
    assert_eq!(err.code(), "session_invalid");
    // Signed out, `chat` is a guest again: the name is not theirs to take.
    let out = chat(&service, &url, "ann", "lobby", data.path(), "still me?\n");
    one_line_failure(&out, 3, "Username is in use!");
    // A second logout has nothing to do.
    let out = account(&service, "logout", &url, "ann", "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("no session was stored"), "{}", text(&out));

    // Sign in again, then have the session revoked from elsewhere: `chat` says so in one
    // line and drops the dead token.
    let out = account(&service, "login", &url, "ANN", &format!("{PW}\n"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("signed in as ann"), "{}", text(&out));
    let cli_token = store.get_session(&key, "ann").unwrap().expect("stored");
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (c, _ev) = Client::new(config(dir.path()));
        let at = ServerAccess::new(&url);
        let other = c.login(&at, "ann", PW, Some("elsewhere")).await.unwrap();
        let sessions = c.sessions(&at, &other.token).await.unwrap();
        let cli_session = sessions.iter().find(|s| !s.current).expect("the CLI's session");
        c.revoke(&at, &other.token, &cli_session.id).await.unwrap();
    });
    let out = chat(&service, &url, "ann", "lobby", data.path(), "revoked?\n");
    one_line_failure(&out, 6, "not valid any more");
    assert_eq!(store.get_session(&key, "ann").unwrap(), None);
    assert!(!text(&out).contains(cli_token.expose()));
    let out = account(&service, "sessions", &url, "ann", "");
    one_line_failure(&out, 6, "not signed in as ann");
}

fn inner_refusals_are_one_line() {
    let service = format!("banter-test-refusals-{}", std::process::id());
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let key = ServerUrl::parse(&url).unwrap();
    let store = CredentialStore::with_service(&service);
    let out = account(&service, "register", &url, "bob", &format!("{PW}\n"));
    assert!(out.status.success(), "{}", text(&out));
    store.clear_session(&key, "bob").unwrap();

    // A wrong password and an unknown name: the same one line, exit 6, nothing stored.
    let wrong = account(&service, "login", &url, "bob", "not the password\n");
    one_line_failure(&wrong, 6, "wrong name or password");
    let unknown = account(&service, "login", &url, "nobody", &format!("{PW}\n"));
    one_line_failure(&unknown, 6, "wrong name or password");
    assert_eq!(wrong.stderr, unknown.stderr);
    assert_eq!(store.get_session(&key, "bob").unwrap(), None);
    // A taken name (any case), a password too short, no password at all.
    let out = account(&service, "register", &url, "BOB", &format!("{PW}\n"));
    one_line_failure(&out, 6, "is taken on this server");
    let out = account(&service, "register", &url, "carol", "short\n");
    one_line_failure(&out, 1, "8 to 1024 bytes");
    let out = account(&service, "login", &url, "bob", "");
    one_line_failure(&out, 1, "no password");
    // Invite-only: a code from `banter-server invite create` (one use) lets one account in.
    let db2 = tempfile::tempdir().unwrap();
    let invite_only = start_banter_with(db2.path(), 0, None, 0, &["--registration", "invite"]);
    let made = Command::new(banter_server_bin())
        .args(["invite", "create", "--db"])
        .arg(db2.path().join("x.db"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made));
    let code = String::from_utf8_lossy(&made.stdout).trim().to_owned();
    let invite_url = invite_only.url();
    let register = |name: &str, invite: Option<&str>| {
        let mut args = vec!["account", "register", "--server", &invite_url, "--name", name];
        if let Some(code) = invite {
            args.extend(["--invite", code]);
        }
        run_with_stdin(cli(&service, &args), &format!("{PW}\n"))
    };
    one_line_failure(&register("erin", None), 6, "invite code is required");
    let out = register("erin", Some(&code));
    assert!(out.status.success(), "{}", text(&out));
    one_line_failure(&register("fred", Some(&code)), 6, "invite code is not valid");

    // A classic server has no accounts.
    let classic = start_classic(0);
    let out = account(&service, "login", &classic.url(), "bob", &format!("{PW}\n"));
    one_line_failure(&out, 6, "classic chat server");
}

/// `cli/tests/support/on_a_terminal.py`: the command on a pseudo-terminal, prompts answered.
fn on_a_terminal(service: &str, answers: &[(&str, &str)], args: &[&str]) -> (i64, String) {
    let mut cmd = Command::new("python3");
    cmd.arg(repo_root().join("cli/tests/support/on_a_terminal.py"));
    for (prompt, answer) in answers {
        cmd.args([prompt, answer]);
    }
    cmd.arg("--").arg(BIN).args(args).env("BANTER_KEYRING_SERVICE", service);
    let out = run_with_stdin(cmd, "");
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (v["status"].as_i64().unwrap(), v["output"].as_str().unwrap().to_owned())
}

fn inner_prompts_on_a_terminal() {
    let service = format!("banter-test-prompt-{}", std::process::id());
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let key = ServerUrl::parse(&url).unwrap();
    let store = CredentialStore::with_service(&service);
    let register = ["account", "register", "--server", &url, "--name", "dora"];

    // Two different answers: nothing is registered.
    let (status, shown) = on_a_terminal(&service, &[("Password for dora: ", PW), ("Again: ", "something else")], &register);
    assert_eq!(status, 1, "{shown}");
    assert!(shown.contains("the two passwords differ"), "{shown}");
    assert_eq!(store.get_session(&key, "dora").unwrap(), None);

    // Asked twice, typed without echo: registered, the session stored, nothing shown.
    let (status, shown) = on_a_terminal(&service, &[("Password for dora: ", PW), ("Again: ", PW)], &register);
    assert_eq!(status, 0, "{shown}");
    assert!(shown.contains("registered and signed in as dora"), "{shown}");
    assert!(!shown.contains(PW), "the password was echoed: {shown}");
    let token = store.get_session(&key, "dora").unwrap().expect("stored");
    assert!(!shown.contains(token.expose()));

    // Login asks once.
    let (status, shown) = on_a_terminal(
        &service,
        &[("Password for dora: ", PW)],
        &["account", "login", "--server", &url, "--name", "dora"],
    );
    assert_eq!(status, 0, "{shown}");
    assert!(!shown.contains("Again"), "{shown}");
    assert!(!shown.contains(PW), "{shown}");
    // The login replaced the registration's session in the keyring, and ended it.
    let newer = store.get_session(&key, "dora").unwrap().expect("stored");
    assert_ne!(newer, token);
    let out = account(&service, "sessions", &url, "dora", "");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1, "{}", text(&out));
}
