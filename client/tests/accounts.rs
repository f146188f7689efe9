//! Accounts and sessions (banter_client::accounts) against the real `banter-server` binary,
//! and against the classic Node server, which has none.

mod support;

use std::time::{Duration, Instant};

use banter_client::{Client, ClientError, ClientEvent, JoinOptions, ServerAccess, ServerKind};
use support::*;

const PW: &str = "correct horse battery";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_login_sessions_revoke_and_join_as_the_account() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let at = ServerAccess::new(&server.url());
    let (da, db_) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (laptop, mut laptop_ev) = Client::new(config(da.path()));
    let (desktop, _desktop_ev) = Client::new(config(db_.path()));

    let policy = laptop.account_policy(&at).await.unwrap();
    assert_eq!(policy.registration, banter_client::accounts::Registration::Open);
    assert!(policy.guests);

    // Register on one client, sign in on a second one.
    let first = laptop.register(&at, "Ann", PW, None, Some("laptop")).await.unwrap();
    assert_eq!(first.account.name, "ann");
    assert_eq!(first.token.expose().len(), 64);
    let second = desktop.login(&at, "ANN", PW, Some("desktop")).await.unwrap();
    assert_eq!(second.account.name, "ann");
    assert_ne!(first.token, second.token);

    let me = laptop.session_account(&at, &first.token).await.unwrap();
    assert_eq!((me.name.as_str(), me.admin), ("ann", false));

    let sessions = desktop.sessions(&at, &second.token).await.unwrap();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let current: Vec<_> = sessions.iter().filter(|s| s.current).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].id, second.id);
    assert_eq!(current[0].device, "desktop");
    assert!(sessions.iter().any(|s| s.id == first.id && s.device == "laptop" && !s.current));

    // The laptop joins as the account.
    let info = laptop
        .join(JoinOptions::new(&server.url(), "lobby", "ann").session(Some(first.token.clone())))
        .await
        .unwrap();
    assert_eq!(info.kind, ServerKind::Banter);

    // A guest cannot take the registered name, in any case.
    let (guest, _guest_ev) = Client::new(config(tempfile::tempdir().unwrap().path()));
    let e = guest
        .join(JoinOptions::new(&server.url(), "other", "ANN"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ClientError::JoinRefused { reason, .. } if reason == "Username is in use!"),
        "{e:?}"
    );

    // The desktop revokes the laptop's session: its room is disconnected and, reconnecting,
    // refused; the token is refused at the next join too.
    desktop.revoke(&at, &second.token, &first.id).await.unwrap();
    let (ev, _) = wait_for(&mut laptop_ev, 20, |e| matches!(e, ClientEvent::Disconnected { .. })).await;
    if let ClientEvent::Disconnected { reason, .. } = ev {
        assert!(reason.contains("session"), "{reason}");
    }
    let (again, _again_ev) = Client::new(config(tempfile::tempdir().unwrap().path()));
    let e = again
        .join(JoinOptions::new(&server.url(), "lobby", "ann").session(Some(first.token.clone())))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "session_invalid", "{e:?}");
    assert!(e.summary().contains("sign in again"), "{}", e.summary());
    assert_eq!(desktop.sessions(&at, &first.token).await.unwrap_err().code(), "session_invalid");
    assert_eq!(desktop.session_account(&at, &first.token).await.unwrap_err().code(), "session_invalid");
    assert_eq!(
        desktop.revoke(&at, &second.token, "no-such-id").await.unwrap_err().code(),
        "no_such_session"
    );
    assert_eq!(desktop.sessions(&at, &second.token).await.unwrap().len(), 1);

    // Sign out: that token is refused from then on.
    desktop.logout(&at, &second.token).await.unwrap();
    assert_eq!(desktop.logout(&at, &second.token).await.unwrap_err().code(), "session_invalid");
    laptop.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_name_are_one_error_and_names_are_taken() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let at = ServerAccess::new(&server.url());
    let (c, _ev) = Client::new(config(tempfile::tempdir().unwrap().path()));
    let bob = c.register(&at, "bob", PW, None, None).await.unwrap();

    let wrong = c.login(&at, "bob", "not the password", None).await.unwrap_err();
    let unknown = c.login(&at, "nobody", PW, None).await.unwrap_err();
    assert_eq!(wrong, ClientError::WrongLogin);
    assert_eq!(unknown, ClientError::WrongLogin);
    assert_eq!(wrong.summary(), unknown.summary());
    assert_eq!(wrong.summary(), "wrong name or password");

    // Taken in any case or width; a too-short password is refused before sending.
    let e = c.register(&at, "BOB", PW, None, None).await.unwrap_err();
    assert_eq!(e.code(), "name_taken", "{e:?}");
    let e = c.register(&at, "ｂｏｂ", PW, None, None).await.unwrap_err();
    assert_eq!(e.code(), "name_taken", "{e:?}");
    assert_eq!(c.register(&at, "carol", "short", None, None).await.unwrap_err().code(), "invalid_input");

    // A new password ends the other sessions; this one stays.
    let other = c.login(&at, "bob", PW, Some("phone")).await.unwrap();
    assert_eq!(c.change_password(&at, &bob.token, "wrong old pw", "a new password").await.unwrap_err().code(), "wrong_login");
    let revoked = c.change_password(&at, &bob.token, PW, "a new password").await.unwrap();
    assert_eq!(revoked, 1);
    assert_eq!(c.sessions(&at, &other.token).await.unwrap_err().code(), "session_invalid");
    assert_eq!(c.sessions(&at, &bob.token).await.unwrap().len(), 1);
    assert_eq!(c.login(&at, "bob", PW, None).await.unwrap_err().code(), "wrong_login");
    c.login(&at, "bob", "a new password", None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_closed_and_invites() {
    let db = tempfile::tempdir().unwrap();
    let closed = start_banter_with(db.path(), 0, None, 0, &["--registration", "closed"]);
    let (c, _ev) = Client::new(config(tempfile::tempdir().unwrap().path()));
    let at = ServerAccess::new(&closed.url());
    assert_eq!(c.register(&at, "ann", PW, None, None).await.unwrap_err().code(), "registration_closed");

    let db2 = tempfile::tempdir().unwrap();
    let invite = start_banter_with(db2.path(), 0, None, 0, &["--registration", "invite"]);
    let at = ServerAccess::new(&invite.url());
    assert_eq!(
        c.account_policy(&at).await.unwrap().registration,
        banter_client::accounts::Registration::Invite
    );
    assert_eq!(c.register(&at, "ann", PW, None, None).await.unwrap_err().code(), "invite_required");
    assert_eq!(
        c.register(&at, "ann", PW, Some("not-a-code"), None).await.unwrap_err().code(),
        "invite_invalid"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_goes_beside_the_server_token() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, Some("server-secret"));
    let (c, _ev) = Client::new(config(tempfile::tempdir().unwrap().path()));
    // Without the server's token nothing gets in, accounts included.
    let e = c.register(&ServerAccess::new(&server.url()), "ann", PW, None, None).await.unwrap_err();
    assert_eq!(e.code(), "unauthorized", "{e:?}");
    let at = ServerAccess::new(&server.url()).token(Some("server-secret".into()));
    let s = c.register(&at, "ann", PW, None, None).await.unwrap();
    let info = c
        .join(
            JoinOptions::new(&server.url(), "lobby", "ann")
                .token(Some("server-secret".into()))
                .session(Some(s.token.clone())),
        )
        .await
        .unwrap();
    assert_eq!(info.username, "ann");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_classic_server_is_not_a_banter_server() {
    let server = start_classic(0);
    let (c, _ev) = Client::new(config(tempfile::tempdir().unwrap().path()));
    let at = ServerAccess::new(&server.url());
    let started = Instant::now();
    let e = c.login(&at, "ann", PW, None).await.unwrap_err();
    assert_eq!(e.code(), "not_a_banter_server", "{e:?}");
    assert!(e.summary().contains("classic chat server"), "{}", e.summary());
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
    assert_eq!(c.register(&at, "ann", PW, None, None).await.unwrap_err().code(), "not_a_banter_server");
}
