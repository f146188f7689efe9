//! `banter-cli dm` against the real banter-server and the real platform keyring
//! (gnome-keyring inside a private D-Bus session, via scripts/with-session.sh): two accounts
//! registered with `banter-cli account register`, sessions read back from the keyring.

#[path = "../../client/tests/support/mod.rs"]
mod support;
mod keyring_cli;

use std::process::Output;

use banter_client::{Client, ClientEvent, CredentialStore, DmOptions, ServerUrl};
use keyring_cli::*;
use support::*;

fn dm(service: &str, server: &str, name: &str, to: &[&str], data: &std::path::Path, json: bool, stdin: &str) -> Output {
    let mut cmd = cli(service, &["dm", "--server", server, "--name", name]);
    for t in to {
        cmd.args(["--to", t]);
    }
    if json {
        cmd.arg("--json");
    }
    cmd.arg("--data-dir").arg(data);
    run_with_stdin(cmd, stdin)
}

/// Runs the `inner_*` test inside a private D-Bus session with an unlocked gnome-keyring,
/// unless already inside one.
#[test]
fn direct_messages_through_the_cli() {
    in_keyring_session("direct_messages_through_the_cli", "dm", || {
        inner_dm_between_two_accounts();
    });
}

fn inner_dm_between_two_accounts() {
    let service = format!("banter-test-dm-{}", std::process::id());
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let key = ServerUrl::parse(&url).unwrap();
    for name in ["ann", "bob"] {
        let out = run_with_stdin(cli(&service, &["account", "register", "--server", &url, "--name", name]), &format!("{PW}\n"));
        assert!(out.status.success(), "{}", text(&out));
    }
    let bob_session = CredentialStore::with_service(&service).get_session(&key, "bob").unwrap().expect("bob's session");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // Bob listens through the library with his own session.
        let bob_dir = tempfile::tempdir().unwrap();
        let (bob, mut bob_ev) = Client::new(config(bob_dir.path()));
        let opened = bob.open_dm(DmOptions::with(&url, Some(bob_session.clone()), &["ann"])).await.unwrap();

        // Ann writes from the CLI: sent, acknowledged, exit 0.
        let ann_data = tempfile::tempdir().unwrap();
        let out = dm(&service, &url, "ann", &["bob"], ann_data.path(), true, "hello from the cli\n");
        assert!(out.status.success(), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.lines().any(|l| l.contains(r#""type":"ack""#) && l.contains(r#""status":"delivered""#)), "{stdout}");
        assert!(stdout.contains(&format!(r#""room":"{}""#, opened.dm)), "{stdout}");

        let (got, _) = wait_for(&mut bob_ev, 10, |e| matches!(e, ClientEvent::Message { text, .. } if text == "hello from the cli")).await;
        assert!(matches!(&got, ClientEvent::Message { room, username, .. } if *room == opened.dm && username == "ann"), "{got:?}");
        bob.shutdown().await;
    });

    // Bob's own `banter-cli dm` shows Ann's line (the DM's recent history), naming her.
    let bob_data = tempfile::tempdir().unwrap();
    let out = dm(&service, &url, "bob", &["ann"], bob_data.path(), false, "");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().any(|l| l.ends_with("ann: hello from the cli")), "{stdout}");

    // Bob blocks Ann: her next line to him is refused in the server's words; unblocked, it goes.
    let block = |action: &str| run_with_stdin(cli(&service, &["account", action, "--server", &url, "--name", "bob", "--user", "ann"]), "");
    assert!(block("block").status.success());
    let out = run_with_stdin(cli(&service, &["account", "blocks", "--server", &url, "--name", "bob"]), "");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ann");
    let data = tempfile::tempdir().unwrap();
    let out = dm(&service, &url, "ann", &["bob"], data.path(), false, "still there?\n");
    assert!(text(&out).contains("refused: You cannot write to this conversation: a member has blocked you."), "{}", text(&out));
    assert!(block("unblock").status.success());
    let out = dm(&service, &url, "ann", &["bob"], data.path(), false, "hello again\n");
    assert!(out.status.success(), "{}", text(&out));

    // Not signed in (no session stored for carl), an unknown name: one line, exit 6.
    let data = tempfile::tempdir().unwrap();
    one_line_failure(&dm(&service, &url, "carl", &["ann"], data.path(), false, "hi\n"), 6, "not signed in");
    one_line_failure(&dm(&service, &url, "ann", &["nobody"], data.path(), false, "hi\n"), 6, "no account named \"nobody\"");

    let store = CredentialStore::with_service(&service);
    for name in ["ann", "bob"] {
        let _ = store.clear_session(&key, name);
    }
}
