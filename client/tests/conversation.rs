//! Edits, reactions and replies (docs/protocol.md §§ 12–14) through banter-client against
//! the real `banter-server`: live events, history after a re-join, a reply queued in the
//! outbox while the server is down, clear refusals, and a classic server where none applies.

mod support;

use std::time::Duration;

use banter_client::{Client, ClientEvent, JoinOptions, ServerAccess};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_reactions_and_replies_live_in_history_and_through_the_outbox() {
    let db = tempfile::tempdir().unwrap();
    let mut server = start_banter(db.path(), 0, None);
    let (port, url) = (server.port, server.url());
    let (ann, mut ann_ev, ann_s, _a) = account(&url, "ann").await;
    let (bob, mut bob_ev, bob_s, _b) = account(&url, "bob").await;
    ann.join(JoinOptions::new(&url, "lobby", "ann").session(Some(ann_s.clone()))).await.unwrap();
    bob.join(JoinOptions::new(&url, "lobby", "bob").session(Some(bob_s.clone()))).await.unwrap();

    let q = ann.send(&url, "lobby", "helo, lunch at noon?").await.unwrap();
    wait_for(&mut bob_ev, 10, |e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == q)).await;
    // a reply shows what it answers
    let a = bob.send_reply(&url, "lobby", &q, "noon works").await.unwrap();
    let (e, _) = wait_for(&mut ann_ev, 10, |e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == a)).await;
    match e {
        ClientEvent::Message { reply_to: Some(r), username, .. } => {
            assert_eq!((r.id.as_str(), r.username.as_str(), r.excerpt.as_str(), username.as_str()), (q.as_str(), "ann", "helo, lunch at noon?", "bob"));
        }
        other => panic!("{other:?}"),
    }
    // the author fixes a typo; others hear it
    let edited = ann.edit_message(&url, "lobby", &q, "hello, lunch at noon?").await.unwrap();
    let (e, _) = wait_for(&mut bob_ev, 10, |e| matches!(e, ClientEvent::Edited { .. })).await;
    assert!(matches!(&e, ClientEvent::Edited { id, text, edited_at, .. } if *id == q && text == "hello, lunch at noon?" && *edited_at == edited.edited_at), "{e:?}");
    let e = bob.edit_message(&url, "lobby", &q, "mine").await.unwrap_err();
    assert_eq!((e.code(), e.to_string().as_str()), ("refused", banter_protocol::edits::ERR_NOT_YOURS));
    // a reaction
    let r = bob.react(&url, "lobby", &q, "👍", true).await.unwrap();
    assert_eq!(r.reactions.len(), 1);
    let (e, _) = wait_for(&mut ann_ev, 10, |e| matches!(e, ClientEvent::Reactions { .. })).await;
    assert!(matches!(&e, ClientEvent::Reactions { id, reactions, .. } if *id == q && reactions[0].users == ["bob"]), "{e:?}");
    assert_eq!(bob.react(&url, "lobby", &q, "lol", true).await.unwrap_err().code(), "invalid_input");

    // a reply written while the server is down waits in the outbox and goes with its reference
    server.kill();
    wait_for(&mut bob_ev, 10, |e| matches!(e, ClientEvent::Reconnecting { .. })).await;
    let later = bob.send_reply(&url, "lobby", &q, "see you there").await.unwrap();
    let _server2 = start_banter(db.path(), port, None);
    wait_for(&mut bob_ev, 20, |e| matches!(e, ClientEvent::Ack { id, .. } if *id == later)).await;
    tokio::time::sleep(Duration::from_millis(400)).await;

    // bob's other computer: the history it is given has the edit, the reaction and both replies
    let desk_dir = tempfile::tempdir().unwrap();
    let (bob, mut bob_ev) = Client::new(config(desk_dir.path()));
    bob.join(JoinOptions::new(&url, "lobby", "bob").session(Some(bob_s.clone()))).await.unwrap();
    let seen = drain(&mut bob_ev, 800).await;
    let find = |id: &str| seen.iter().find(|e| matches!(e, ClientEvent::Message { id: Some(i), .. } if i == id)).cloned();
    match find(&q) {
        Some(ClientEvent::Message { text, edited_at: Some(at), reactions, .. }) => {
            assert_eq!((text.as_str(), at), ("hello, lunch at noon?", edited.edited_at));
            assert_eq!(reactions[0].emoji, "👍");
        }
        other => panic!("{other:?}"),
    }
    for id in [&a, &later] {
        match find(id) {
            Some(ClientEvent::Message { reply_to: Some(r), .. }) => assert_eq!((r.id.as_str(), r.excerpt.as_str()), (q.as_str(), "hello, lunch at noon?")),
            other => panic!("{id}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_classic_server_a_reply_is_text_and_edits_and_reactions_are_unsupported() {
    let server = start_classic(0);
    let dir = tempfile::tempdir().unwrap();
    let (c, mut ev) = Client::new(config(dir.path()));
    c.join(JoinOptions::new(&server.url(), "lobby", "ann")).await.unwrap();
    let id = c.send(&server.url(), "lobby", "first").await.unwrap();
    wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Ack { id: a, .. } if *a == id)).await;
    let reply = c.send_reply(&server.url(), "lobby", &id, "as text").await.unwrap();
    let (e, _) = wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Ack { id: a, .. } if *a == reply)).await;
    assert!(matches!(e, ClientEvent::Ack { status: banter_client::AckStatus::Delivered, .. }), "{e:?}");
    assert_eq!(c.edit_message(&server.url(), "lobby", &id, "x").await.unwrap_err().code(), "unsupported");
    assert_eq!(c.react(&server.url(), "lobby", &id, "👍", true).await.unwrap_err().code(), "unsupported");
}

/// Changes to lines bob already had, made while he was away (an edit, a reaction, a
/// deletion), reach him when he comes back: a catch-up join brings only newer lines, so
/// the client refreshes the newest ones it had and reports what changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_while_away_arrive_with_the_catch_up() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let (ann, mut ann_ev, ann_s, _a) = account(&url, "ann").await;
    ann.join(JoinOptions::new(&url, "lobby", "ann").session(Some(ann_s.clone()))).await.unwrap();
    let q = ann.send(&url, "lobby", "teh plan").await.unwrap();
    let gone = ann.send(&url, "lobby", "wrong room").await.unwrap();
    let plain = ann.send(&url, "lobby", "nothing happens to this one").await.unwrap();
    wait_for(&mut ann_ev, 10, |e| matches!(e, ClientEvent::Ack { id, .. } if *id == plain)).await;

    // bob reads them, then goes away (his client closes; his data dir keeps where he was)
    let bob_dir = tempfile::tempdir().unwrap();
    let bob_session = {
        let (c, _) = Client::new(config(bob_dir.path()));
        c.register(&ServerAccess::new(&url), "bob", ACCOUNT_PW, None, Some("test")).await.unwrap().token
    };
    {
        let (bob, mut bob_ev) = Client::new(config(bob_dir.path()));
        bob.join(JoinOptions::new(&url, "lobby", "bob").session(Some(bob_session.clone()))).await.unwrap();
        wait_for(&mut bob_ev, 10, |e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == plain)).await;
        bob.shutdown().await;
    }
    // meanwhile
    ann.edit_message(&url, "lobby", &q, "the plan").await.unwrap();
    ann.react(&url, "lobby", &q, "🎉", true).await.unwrap();
    ann.remove_message(&url, "lobby", &gone).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // bob is back: a catch-up join (nothing new was sent), then the refresh says what changed
    let (bob, mut bob_ev) = Client::new(config(bob_dir.path()));
    bob.join(JoinOptions::new(&url, "lobby", "bob").session(Some(bob_session))).await.unwrap();
    let seen = drain(&mut bob_ev, 1500).await;
    assert!(
        seen.iter().any(|e| matches!(e, ClientEvent::Edited { id, text, .. } if *id == q && text == "the plan")),
        "the edit: {seen:#?}"
    );
    assert!(
        seen.iter().any(|e| matches!(e, ClientEvent::Reactions { id, reactions, .. } if *id == q && reactions.iter().any(|r| r.emoji == "🎉" && r.users == ["ann"]))),
        "the reaction: {seen:#?}"
    );
    assert!(seen.iter().any(|e| matches!(e, ClientEvent::Removed { id, .. } if *id == gone)), "the deletion: {seen:#?}");
    assert!(
        !seen.iter().any(|e| matches!(e, ClientEvent::Edited { id, .. } | ClientEvent::Reactions { id, .. } | ClientEvent::Removed { id, .. } if *id == plain)),
        "an unchanged line says nothing"
    );
    assert!(!seen.iter().any(|e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == q)), "old lines are not sent again as messages");
}
