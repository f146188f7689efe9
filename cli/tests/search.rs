//! `banter-cli search` against the real banter-server and the real keyring (the account's
//! stored session, in a private D-Bus session via scripts/with-session.sh).

#[path = "../../client/tests/support/mod.rs"]
mod support;
mod keyring_cli;

use keyring_cli::*;
use support::*;

#[test]
fn search_through_the_cli() {
    in_keyring_session("search_through_the_cli", "search", || {
        inner_search();
    });
}

fn inner_search() {
    let service = format!("banter-test-search-{}", std::process::id());
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let out = run_with_stdin(cli(&service, &["account", "register", "--server", &url, "--name", "ann"]), &format!("{PW}\n"));
    assert!(out.status.success(), "{}", text(&out));
    let data = tempfile::tempdir().unwrap();
    let mut chat = cli(&service, &["chat", "--server", &url, "--name", "ann", "--room", "lobby"]);
    chat.arg("--data-dir").arg(data.path());
    let out = run_with_stdin(chat, "the release plan is ready\nlunch at noon\n");
    assert!(out.status.success(), "{}", text(&out));
    std::thread::sleep(std::time::Duration::from_millis(400)); // the server's batched commit

    let search = |query: &str, json: bool| {
        let mut c = cli(&service, &["search", "--server", &url, "--name", "ann", "--query", query]);
        if json {
            c.arg("--json");
        }
        run_with_stdin(c, "")
    };
    let out = search("plan", false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("#lobby [") && stdout.contains("ann: the release [plan] is ready"), "{stdout}");
    let out = search("lunch in:lobby", true);
    let v: serde_json::Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!((v["room"].as_str(), v["text"].as_str()), (Some("lobby"), Some("lunch at noon")));
    // nothing found: said on stderr, exit 0; a bad query and a missing session: one line each
    let out = search("nothing-like-this", false);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing found"));
    one_line_failure(&search("x before:yesterday", false), 1, "YYYY-MM-DD");
    let out = run_with_stdin(cli(&service, &["search", "--server", &url, "--name", "bob", "--query", "plan"]), "");
    one_line_failure(&out, 6, "not signed in as bob");
}
