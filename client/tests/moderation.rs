//! Room events and calls of the Banter extensions (client/src/calls.rs, room/moderation.rs)
//! against the real `banter-server`: owners, topic, tombstones, kicks and bans, verified
//! names, read markers across two devices, and clear errors where they do not apply.

mod support;

use std::time::Duration;

use banter_client::{Client, ClientError, ClientEvent, JoinOptions, RoomChange, ServerAccess, SessionToken};
use support::*;

fn join(url: &str, room: &str, name: &str, session: &SessionToken) -> JoinOptions {
    JoinOptions::new(url, room, name).session(Some(session.clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_moderate_and_every_client_sees_it() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let (ann, mut ann_ev, ann_s, _a) = account(&url, "ann").await;
    let (bob, mut bob_ev, bob_s, _b) = account(&url, "bob").await;

    // Ann creates the room: she owns it; Bob is nobody special there.
    ann.join(join(&url, "lobby", "ann", &ann_s)).await.unwrap();
    let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::RoomInfo { .. })).await;
    assert!(matches!(&e, ClientEvent::RoomInfo { owner: Some(o), role: Some(r), .. } if o == "ann" && r == "owner"), "{e:?}");
    bob.join(join(&url, "lobby", "bob", &bob_s)).await.unwrap();
    let (e, _) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::RoomInfo { .. })).await;
    assert!(matches!(&e, ClientEvent::RoomInfo { role: Some(r), .. } if r == "none"), "{e:?}");

    // Verified names: both are accounts; a guest is not.
    let guest_dir = tempfile::tempdir().unwrap();
    let (guest, _guest_ev) = Client::new(config(guest_dir.path()));
    guest.join(JoinOptions::new(&url, "lobby", "gus")).await.unwrap();
    let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::Users { users, .. } if users.len() == 3)).await;
    assert!(matches!(&e, ClientEvent::Users { signed_in, .. } if *signed_in == ["ann", "bob"]), "{e:?}");

    // The topic: the owner sets it, everybody hears it; Bob may not.
    let info = ann.room_settings(&url, "lobby", RoomChange { topic: Some("plans for <b>Friday</b>".into()), ..Default::default() }).await.unwrap();
    assert_eq!(info.topic, "plans for <b>Friday</b>");
    let (e, _) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::RoomInfo { topic, .. } if !topic.is_empty())).await;
    assert!(matches!(&e, ClientEvent::RoomInfo { topic, role: Some(r), .. } if topic == "plans for <b>Friday</b>" && r == "none"), "{e:?}");
    let refused = bob.room_settings(&url, "lobby", RoomChange { topic: Some("mine now".into()), ..Default::default() }).await.unwrap_err();
    assert_eq!(refused.code(), "refused");
    assert_eq!(refused.to_string(), banter_protocol::rooms::ERR_OWNERS_ONLY);
    let long = ann.room_settings(&url, "lobby", RoomChange { topic: Some("x".repeat(257)), ..Default::default() }).await.unwrap_err();
    assert_eq!(long.code(), "invalid_input", "{long}");

    // A tombstone: Bob writes, Ann removes it, Bob's client shows the removal.
    let id = bob.send(&url, "lobby", "something rude").await.unwrap();
    wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == id)).await;
    // Bob may not remove Ann's message (his own he may delete, see conversation.rs)
    let annss = ann.send(&url, "lobby", "the owner's note").await.unwrap();
    wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == annss)).await;
    let e = bob.remove_message(&url, "lobby", &annss).await.unwrap_err();
    assert_eq!(e.to_string(), banter_protocol::rooms::ERR_NOT_ALLOWED);
    ann.remove_message(&url, "lobby", &id).await.unwrap();
    let (e, _) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Removed { .. })).await;
    assert!(matches!(&e, ClientEvent::Removed { id: i, by, seq: 1, .. } if *i == id && by == "ann"), "{e:?}");
    let own = bob.send(&url, "lobby", "oops").await.unwrap();
    wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Ack { id: a, .. } if *a == own)).await;
    bob.remove_message(&url, "lobby", &own).await.unwrap();
    let (e, _) = wait_for(&mut ann_ev, 5, |e| matches!(e, ClientEvent::Removed { id: i, .. } if *i == own)).await;
    assert!(matches!(&e, ClientEvent::Removed { by, .. } if by == "bob"), "an author deletes its own: {e:?}");
    assert_eq!(ann.remove_message(&url, "lobby", "no-such-id").await.unwrap_err().to_string(), banter_protocol::rooms::ERR_NO_SUCH_MESSAGE);

    // A kick: Bob's subscription ends with a reason; he may come back, and his history
    // shows the removed message as a tombstone.
    ann.kick(&url, "lobby", "bob").await.unwrap();
    let (e, _) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Kicked { .. })).await;
    assert!(matches!(&e, ClientEvent::Kicked { by, banned: false, .. } if by == "ann"), "{e:?}");
    let (e, _) = wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Disconnected { .. })).await;
    assert!(matches!(&e, ClientEvent::Disconnected { reason, .. } if reason == "removed by ann"), "{e:?}");
    assert!(bob.send(&url, "lobby", "still here?").await.is_err(), "the subscription ended");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dir2 = tempfile::tempdir().unwrap();
    let (bob2, mut bob2_ev) = Client::new(config(dir2.path()));
    bob2.join(join(&url, "lobby", "bob", &bob_s)).await.unwrap();
    let (e, _) = wait_for(&mut bob2_ev, 5, |e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == id)).await;
    assert!(matches!(&e, ClientEvent::Message { removed: true, text, history: true, .. } if text.is_empty()), "{e:?}");

    // A ban holds: the account and any variant of its name are refused.
    ann.ban(&url, "lobby", "bob").await.unwrap();
    let (e, _) = wait_for(&mut bob2_ev, 5, |e| matches!(e, ClientEvent::Kicked { .. })).await;
    assert!(matches!(&e, ClientEvent::Kicked { banned: true, .. }), "{e:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    bob2.close(&url, "lobby").await.ok();
    let e = bob2.join(join(&url, "lobby", "bob", &bob_s)).await.unwrap_err();
    assert!(e.to_string().contains(banter_protocol::rooms::ERR_BANNED), "{e}");
    let log = ann.moderation_log(&url, "lobby", 10).await.unwrap();
    let acts: Vec<&str> = log.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(acts, ["ban", "kick", "delete", "remove", "topic", "create"], "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_markers_follow_the_account_to_its_other_device() {
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    let url = server.url();
    let (ann, _ann_ev, ann_s, _a) = account(&url, "ann").await;
    let (bob, mut bob_ev, bob_s, _b) = account(&url, "bob").await;
    ann.join(join(&url, "lobby", "ann", &ann_s)).await.unwrap();
    bob.join(join(&url, "lobby", "bob", &bob_s)).await.unwrap();
    let mut last = String::new();
    for i in 0..3 {
        last = ann.send(&url, "lobby", &format!("news {i}")).await.unwrap();
    }
    wait_for(&mut bob_ev, 5, |e| matches!(e, ClientEvent::Message { id: Some(i), .. } if *i == last)).await;

    // Bob's second computer: the room is one of his, with 3 unread.
    let dir = tempfile::tempdir().unwrap();
    let (desk, mut desk_ev) = Client::new(config(dir.path()));
    let at = ServerAccess::new(&url);
    let rooms = desk.my_rooms(&at, &bob_s).await.unwrap();
    assert_eq!(rooms.iter().map(|r| (r.room.as_str(), r.unread)).collect::<Vec<_>>(), [("lobby", 3)]);
    let info = desk.join(join(&url, "lobby", "bob", &bob_s)).await.unwrap();
    assert_eq!(info.latest_seq, Some(3));
    let (e, _) = wait_for(&mut desk_ev, 5, |e| matches!(e, ClientEvent::Joined { .. })).await;
    assert!(matches!(&e, ClientEvent::Joined { read_seq: Some(0), .. }), "{e:?}");

    // Bob reads on his laptop: the desk hears the marker move.
    bob.mark_read(&url, "lobby", 3).await.unwrap();
    let (e, _) = wait_for(&mut desk_ev, 5, |e| matches!(e, ClientEvent::ReadMarker { .. })).await;
    assert!(matches!(&e, ClientEvent::ReadMarker { read_seq: 3, latest_seq: 3, unread: 0, .. }), "{e:?}");
    assert_eq!(desk.my_rooms(&at, &bob_s).await.unwrap()[0].unread, 0);

    // Leaving on the laptop takes the room off the account: the desk lets go of it too.
    bob.leave(&url, "lobby").await.unwrap();
    let (e, _) = wait_for(&mut desk_ev, 5, |e| matches!(e, ClientEvent::RoomLeft { .. })).await;
    assert!(matches!(&e, ClientEvent::RoomLeft { room, .. } if room == "lobby"), "{e:?}");
    assert!(desk.my_rooms(&at, &bob_s).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_refused_clearly_where_they_do_not_apply() {
    // A classic server has none of it.
    let classic = start_classic(0);
    let dir = tempfile::tempdir().unwrap();
    let (c, _ev) = Client::new(config(dir.path()));
    c.join(JoinOptions::new(&classic.url(), "lobby", "ann")).await.unwrap();
    let e = c.kick(&classic.url(), "lobby", "bob").await.unwrap_err();
    assert!(matches!(e, ClientError::Unsupported { .. }), "{e:?}");
    assert_eq!(e.code(), "unsupported");
    let e = c.mark_read(&classic.url(), "lobby", 1).await.unwrap_err();
    assert_eq!(e.code(), "unsupported");
    // A room not joined, bad input.
    let e = c.kick(&classic.url(), "elsewhere", "bob").await.unwrap_err();
    assert_eq!(e.code(), "not_joined");
    let e = c.remove_message(&classic.url(), "lobby", "../../etc").await.unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    let e = c.kick(&classic.url(), "lobby", "   ").await.unwrap_err();
    assert_eq!(e.code(), "invalid_input");

    // On a Banter server a guest may do none of it, in the server's words.
    let db = tempfile::tempdir().unwrap();
    let server = start_banter(db.path(), 0, None);
    c.join(JoinOptions::new(&server.url(), "lobby", "gus")).await.unwrap();
    let e = c.kick(&server.url(), "lobby", "ann").await.unwrap_err();
    assert_eq!((e.code(), e.to_string().as_str()), ("refused", banter_protocol::rooms::ERR_NOT_ALLOWED));
    let e = c.mark_read(&server.url(), "lobby", 1).await.unwrap_err();
    assert_eq!(e.code(), "refused", "{e}");
}
