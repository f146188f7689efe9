//! Search (`banter:search`) through banter-client against the real `banter-server`: what
//! each identity may read and nothing else, filters, the index's own syntax as plain words,
//! a removed message gone from the results, and the index across a restart.

mod support;

use banter_client::{Client, ClientEvent, DmOptions, JoinOptions, ServerAccess, SessionToken};
use support::*;

fn rooms_of(hits: &[banter_client::SearchHit]) -> Vec<String> {
    hits.iter().map(|h| h.room.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_identity_finds_what_it_may_read_and_nothing_else() {
    let db = tempfile::tempdir().unwrap();
    let mut server = start_banter(db.path(), 0, None);
    let (port, url) = (server.port, server.url());
    let (ann, mut ann_ev, ann_s, _a) = account(&url, "ann").await;
    let (bob, _bob_ev, bob_s, _b) = account(&url, "bob").await;
    let join = |room: &str, name: &str, s: &SessionToken| JoinOptions::new(&url, room, name).session(Some(s.clone()));
    ann.join(join("lobby", "ann", &ann_s)).await.unwrap();
    ann.join(join("secret", "ann", &ann_s)).await.unwrap();
    bob.join(join("lobby", "bob", &bob_s)).await.unwrap();
    let dm = ann.open_dm(DmOptions::with(&url, Some(ann_s.clone()), &["bob"])).await.unwrap().dm;
    let guest_dir = tempfile::tempdir().unwrap();
    let (gus, _gus_ev) = Client::new(config(guest_dir.path()));
    gus.join(JoinOptions::new(&url, "lobby", "gus")).await.unwrap();

    // one after the other (each acknowledged first), so "newest first" has one answer: the
    // rooms' sends would otherwise race each other on the shared connection
    let mut ids = Vec::new();
    for (room, text) in [("lobby", "the release plan is ready"), ("secret", "the release date is secret"), (dm.as_str(), "release party at mine")] {
        let id = ann.send(&url, room, text).await.unwrap();
        wait_for(&mut ann_ev, 10, |e| matches!(e, ClientEvent::Ack { id: a, .. } if *a == id)).await;
        ids.push(id);
    }
    tokio::time::sleep(std::time::Duration::from_millis(400)).await; // the batched commit

    // ann reads all three; bob the lobby and the DM; the guest the lobby only
    assert_eq!(rooms_of(&ann.search(&url, "release", None, None).await.unwrap()), [dm.clone(), "secret".into(), "lobby".into()]);
    assert_eq!(rooms_of(&bob.search(&url, "release", None, None).await.unwrap()), [dm.clone(), "lobby".into()]);
    assert_eq!(rooms_of(&gus.search(&url, "release", None, None).await.unwrap()), ["lobby"]);
    // in: a room you may not read finds nothing, whatever it is called
    assert!(bob.search(&url, "release in:secret", None, None).await.unwrap().is_empty());
    assert!(gus.search(&url, "party", Some(&dm), None).await.unwrap().is_empty());
    // the hit: its id, author, and the words marked
    let hit = &bob.search(&url, "plan", Some("lobby"), None).await.unwrap()[0];
    assert_eq!((hit.id.as_str(), hit.username.as_str(), hit.seq), (ids[0].as_str(), "ann", 1));
    assert!(hit.snippet.iter().any(|s| s.hit && s.text == "plan"), "{:?}", hit.snippet);
    // filters, prefixes, and the index's syntax as plain words
    assert_eq!(ann.search(&url, "from:bob release", None, None).await.unwrap().len(), 0);
    assert_eq!(ann.search(&url, "rel", None, None).await.unwrap().len(), 3);
    assert!(ann.search(&url, "release before:2000-01-01", None, None).await.unwrap().is_empty());
    for hostile in [r#"release" OR "x"#, "NEAR(release plan)", "*", "^release", "release -plan", "\"", "'; DROP TABLE messages; --"] {
        let r = ann.search(&url, hostile, None, None).await;
        assert!(r.is_ok(), "{hostile}: {r:?}");
    }
    for bad in ["", "before:yesterday x", &"x".repeat(300)] {
        let e = ann.search(&url, bad, None, None).await.unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{bad}: {e}");
    }
    // without a room joined: the account path
    let (cli, _ev) = Client::new(config(tempfile::tempdir().unwrap().path()));
    let hits = cli.search_account(&ServerAccess::new(&url), &bob_s, "release", None, None).await.unwrap();
    assert_eq!(rooms_of(&hits), [dm.clone(), "lobby".into()]);
    assert_eq!(cli.search(&url, "release", None, None).await.unwrap_err().code(), "not_joined");

    // a removed message is not found; the index holds across a restart
    ann.remove_message(&url, "lobby", &ids[0]).await.unwrap();
    server.kill();
    let _server2 = start_banter(db.path(), port, None);
    let hits = cli.search_account(&ServerAccess::new(&url), &ann_s, "release", None, None).await.unwrap();
    assert_eq!(rooms_of(&hits), [dm.clone(), "secret".into()]);
}
