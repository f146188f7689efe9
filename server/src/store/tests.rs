//! One suite for both message stores: every test runs on SQLite (a temp file) and on
//! PostgreSQL (a fresh database in the test cluster, `crate::pg::testing`), plus what only
//! the shared database has to prove: numbering by the store across nodes.

use std::path::Path;

use banter_protocol::ext::{Message, MessageKind};

use super::Store;
use crate::pg::testing;

/// Runs `body` on a SQLite store and on a PostgreSQL one (each fresh). `reopen` gives the
/// same data through a new handle.
macro_rules! on_both {
    ($name:ident, |$open:ident| $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread")]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("sub/banter.db");
                let $open = Opener::Sqlite(path);
                $body.await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn postgres() {
                let Some(pg) = testing::database().await else { return };
                let $open = Opener::Postgres(pg);
                $body.await;
            }
        }
    };
}

enum Opener {
    Sqlite(std::path::PathBuf),
    Postgres(crate::pg::Pg),
}

impl Opener {
    async fn open(&self) -> Store {
        match self {
            Opener::Sqlite(path) => Store::open(path).unwrap(),
            Opener::Postgres(pg) => Store::open_pg(pg).await.unwrap(),
        }
    }
}

fn msg(room: &str, seq: u64, id: &str) -> Message {
    Message {
        id: id.into(),
        room: room.into(),
        seq,
        username: "ann".into(),
        kind: MessageKind::Text,
        text: format!("m{seq}"),
        created_at: seq as i64,
        removed: false,
        edited_at: None,
        reactions: Vec::new(),
        reply_to: None,
        file: None,
    }
}

on_both!(messages_survive_reopening, |opener| async move {
    {
        let store = opener.open().await;
        store.ensure_room("lobby", 1);
        for seq in 1..=120 {
            store.append(msg("lobby", seq, &format!("id{seq}")));
        }
        store.append(msg("other", 1, "x"));
        store.flush().await;
    }
    let store = opener.open().await;
    let snap = store.snapshot("lobby", 50).await.unwrap();
    assert_eq!(snap.latest_seq, 120);
    assert_eq!(snap.recent.len(), 50);
    assert_eq!(snap.recent.first().unwrap().seq, 71);
    assert_eq!(snap.recent.last().unwrap().seq, 120);
    let (page, more) = store.history("lobby", 100, 10).await.unwrap();
    assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), (101..=110).collect::<Vec<_>>());
    assert!(more);
    let (page, more) = store.history("lobby", 115, 10).await.unwrap();
    assert_eq!(page.len(), 5);
    assert!(!more);
    let (older, more) = store.history_before("lobby", 0, 30, 10).await.unwrap();
    assert_eq!(older.iter().map(|m| m.seq).collect::<Vec<_>>(), (20..=29).collect::<Vec<_>>());
    assert!(more);
    let (older, more) = store.history_before("lobby", 0, 4, 10).await.unwrap();
    assert_eq!(older.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert!(!more);
    assert_eq!(store.find_id("lobby", "id7").await.unwrap().unwrap().seq, 7);
    assert!(store.find_id("other", "id7").await.unwrap().is_none());
    assert_eq!(store.counts().await.unwrap().1, 121);
    assert_eq!(store.tail_blocking("lobby", 3).unwrap().0.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![118, 119, 120]);
});

on_both!(callbacks_run_after_the_commit_in_order, |opener| async move {
    let store = opener.open().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for seq in 1..=50 {
        let (tx, reader) = (tx.clone(), store.clone());
        store.append_then(msg("r", seq, &format!("c{seq}")), move |ok| {
            // committed: a reader sees it already
            let seen = reader.find_id_blocking("r", &format!("c{seq}")).unwrap().is_some();
            let _ = tx.send((seq, ok, seen));
        });
    }
    let after = tx.clone();
    store.after_commit(move || {
        let _ = after.send((0, true, true));
    });
    let mut got = Vec::new();
    for _ in 0..51 {
        got.push(rx.recv().await.unwrap());
    }
    let expected: Vec<(u64, bool, bool)> = (1..=50).map(|s| (s, true, true)).chain([(0, true, true)]).collect();
    assert_eq!(got, expected);
});

on_both!(duplicate_ids_are_stored_once, |opener| async move {
    let store = opener.open().await;
    store.append(msg("r", 1, "same"));
    store.append(msg("r", 2, "same"));
    store.flush().await;
    assert_eq!(store.counts().await.unwrap().1, 1);
});

on_both!(edits_and_reactions_are_stored_and_read_back, |opener| async move {
    let store = opener.open().await;
    store.ensure_room("r", 1);
    let mut reply = msg("r", 2, "b");
    reply.reply_to = Some(banter_protocol::ext::ReplyRef { id: "a".into(), seq: 0, username: String::new(), excerpt: String::new(), removed: false });
    store.append(msg("r", 1, "a"));
    store.append(reply);
    let (tx, rx) = tokio::sync::oneshot::channel();
    store.edit_then("r", "a", "edited text", 50, |_| {});
    store.react_then("r", 1, "👍", (7, "ann"), true, 60, |_| {});
    store.react_then("r", 1, "👍", (8, "bob"), true, 61, |_| {});
    store.react_then("r", 1, "👍", (8, "bob"), false, 62, move |ok| {
        let _ = tx.send(ok);
    });
    assert!(rx.await.unwrap());
    let (page, _) = store.history("r", 0, 10).await.unwrap();
    assert_eq!(page[0].text, "edited text");
    assert_eq!(page[0].edited_at, Some(50));
    assert_eq!(page[0].reactions.len(), 1);
    assert_eq!(page[0].reactions[0].users, vec!["ann".to_owned()]);
    let r = page[1].reply_to.as_ref().unwrap();
    assert_eq!((r.seq, r.excerpt.as_str()), (1, "edited text"));
});

/// Two nodes (two handles on one database, each with its own writer) number 2 × 300
/// messages sent at once into one room: seqs 1..=600, each once, in commit order; a resend
/// through the other node is answered with the stored message.
#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_share_one_gap_free_numbering() {
    let Some(pg) = testing::database().await else { return };
    let a = Store::open_pg(&pg).await.unwrap();
    let b = Store::open_pg(&pg.reconnect().await.unwrap()).await.unwrap();
    assert!(a.numbers_messages() && b.numbers_messages());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..300u64 {
        for (node, store) in [("a", &a), ("b", &b)] {
            let tx = tx.clone();
            store.append_numbered(msg("hot", 0, &format!("{node}{i}")), move |r| {
                let _ = tx.send(r);
            });
        }
    }
    let mut seqs = Vec::new();
    for _ in 0..600 {
        let (m, dup) = rx.recv().await.unwrap().expect("committed");
        assert!(!dup);
        seqs.push(m.seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=600).collect::<Vec<_>>());
    let (page, more) = a.history("hot", 0, 500).await.unwrap();
    assert!(more);
    assert_eq!(page.len(), 500);
    let (again_tx, again) = tokio::sync::oneshot::channel();
    b.append_numbered(msg("hot", 0, "a17"), move |r| {
        let _ = again_tx.send(r);
    });
    let (stored, dup) = again.await.unwrap().unwrap();
    assert!(dup);
    assert_eq!(stored.seq, a.find_id("hot", "a17").await.unwrap().unwrap().seq);
    assert_eq!(b.snapshot("hot", 0).await.unwrap().latest_seq, 600);
    assert_eq!(a.counts().await.unwrap().1, 600);
}

/// A failed batch stores nothing and says so to every sender; the next one numbers on from
/// where the store was (no seq is used up by the failure).
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_write_stores_nothing_and_leaves_no_gap() {
    let Some(pg) = testing::database().await else { return };
    let store = Store::open_pg(&pg).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let t = tx.clone();
    store.append_numbered(msg("r", 0, "ok1"), move |r| {
        let _ = t.send(r.map(|(m, _)| m.seq));
    });
    assert_eq!(rx.recv().await.unwrap(), Ok(1));
    // a NUL byte is refused by PostgreSQL's text type: the whole batch fails
    let mut bad = msg("r", 0, "bad");
    bad.text = "nul \u{0} byte".into();
    let t = tx.clone();
    store.append_numbered(bad, move |r| {
        let _ = t.send(r.map(|(m, _)| m.seq));
    });
    assert_eq!(rx.recv().await.unwrap(), Err(()));
    let t = tx.clone();
    store.append_numbered(msg("r", 0, "ok2"), move |r| {
        let _ = t.send(r.map(|(m, _)| m.seq));
    });
    assert_eq!(rx.recv().await.unwrap(), Ok(2));
    assert_eq!(store.counts().await.unwrap().1, 2);
}

#[test]
fn a_sqlite_store_numbers_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Path::new(&dir.path().join("n.db"))).unwrap();
    assert!(!store.numbers_messages());
    assert!(store.pg().is_none());
}

/// Two nodes record and write to the same 100 new rooms at once, in opposite orders: every
/// write commits (rooms are created and locked in name order, so their batches never
/// deadlock), and each room numbers its two messages 1 and 2.
#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_creating_rooms_in_opposite_orders_never_deadlock() {
    let Some(pg) = testing::database().await else { return };
    let a = Store::open_pg(&pg).await.unwrap();
    let b = Store::open_pg(&pg.reconnect().await.unwrap()).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let names: Vec<String> = (0..100).map(|i| format!("room-{i:03}")).collect();
    for (node, store, order) in [("a", &a, names.clone()), ("b", &b, names.iter().rev().cloned().collect::<Vec<_>>())] {
        for room in order {
            store.ensure_room(&room, 1);
            let tx = tx.clone();
            store.append_numbered(msg(&room, 0, &format!("{node}-{room}")), move |r| {
                let _ = tx.send(r.map(|(m, _)| (m.room, m.seq)));
            });
        }
    }
    let mut seqs: std::collections::HashMap<String, Vec<u64>> = Default::default();
    for _ in 0..200 {
        let (room, seq) = rx.recv().await.unwrap().expect("every batch commits");
        seqs.entry(room).or_default().push(seq);
    }
    assert_eq!(seqs.len(), 100);
    for (room, mut s) in seqs {
        s.sort_unstable();
        assert_eq!(s, vec![1, 2], "{room}");
    }
}
