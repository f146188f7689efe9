//! One test suite for every [`DmStore`]: each case runs on SQLite (a temp file) and on
//! PostgreSQL (a fresh database from `crate::pg::testing`, skipped without one outside CI),
//! over the real accounts store with accounts 1 ann, 2 bob, 3 cat; plus what only
//! PostgreSQL has to prove: nodes opening one DM at once, migrations run once.

use super::pg_store::{self, PgDmStore};
use super::store::{DmRecord, DmStore, SqliteDmStore};
use crate::accounts::store::{AccountStore, NewAccount};

const PEOPLE: [&str; 3] = ["ann", "bob", "cat"];

/// Creates ann, bob and cat (ids 1, 2, 3 in a fresh database).
fn people(accounts: &dyn AccountStore) {
    for (i, name) in PEOPLE.iter().enumerate() {
        let new = NewAccount { name: (*name).into(), name_key: (*name).into(), password_hash: "h".into(), admin: false, created_at: 1 };
        assert_eq!(accounts.create_account(new, None).unwrap().unwrap().id, i as i64 + 1);
    }
}

fn rec(id: &str, members: &[(i64, &str)], created_at: i64) -> DmRecord {
    DmRecord { id: id.into(), members: members.iter().map(|(i, n)| (*i, n.to_string())).collect(), created_at }
}

fn the_same_member_set_opens_the_same_dm(s: &dyn DmStore) {
    let (a, created) = s.open(&rec("dm:a", &[(1, "ann"), (2, "bob")], 1)).unwrap();
    assert!(created);
    assert_eq!(a, rec("dm:a", &[(1, "ann"), (2, "bob")], 1));
    let (b, created) = s.open(&rec("dm:b", &[(2, "bob"), (1, "ann")], 2)).unwrap();
    assert!(!created);
    assert_eq!(b, a, "the first one, as it was stored");
    assert_eq!(b.names(), vec!["ann", "bob"]);
    assert!(s.get("dm:a").unwrap().unwrap().has(2));
    assert!(!s.get("dm:a").unwrap().unwrap().has(3));
    assert_eq!(s.dms_of(2).unwrap().len(), 1);
    assert!(s.dms_of(3).unwrap().is_empty());
    assert!(s.get("dm:nope").unwrap().is_none());
    assert!(s.get("dm:b").unwrap().is_none());
    let (_, again) = s.open(&rec("dm:c", &[(1, "ann"), (2, "bob"), (3, "cat")], 3)).unwrap();
    assert!(again, "a superset is another DM");
}

/// Members come back sorted by id whatever order they were given in; an account's DMs
/// newest first, ties by id in byte order.
fn dms_of_an_account_newest_first_with_their_members(s: &dyn DmStore) {
    s.open(&rec("dm:x", &[(3, "cat"), (1, "ann")], 5)).unwrap();
    s.open(&rec("dm:Y", &[(2, "bob"), (1, "ann")], 5)).unwrap();
    s.open(&rec("dm:z", &[(3, "cat"), (2, "bob"), (1, "ann")], 9)).unwrap();
    s.open(&rec("dm:w", &[(2, "bob"), (3, "cat")], 1)).unwrap();
    let of_ann = s.dms_of(1).unwrap();
    let ids: Vec<&str> = of_ann.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["dm:z", "dm:Y", "dm:x"]);
    assert_eq!(of_ann[0], rec("dm:z", &[(1, "ann"), (2, "bob"), (3, "cat")], 9));
    assert_eq!(of_ann[1], rec("dm:Y", &[(1, "ann"), (2, "bob")], 5));
    assert_eq!(of_ann[2], rec("dm:x", &[(1, "ann"), (3, "cat")], 5));
    assert_eq!(s.get("dm:x").unwrap().unwrap(), of_ann[2]);
    let ids: Vec<String> = s.dms_of(3).unwrap().into_iter().map(|d| d.id).collect();
    assert_eq!(ids, ["dm:z", "dm:x", "dm:w"]);
    assert!(s.dms_of(99).unwrap().is_empty());
}

fn blocks_are_per_direction_and_seen_in_a_dm(s: &dyn DmStore) {
    s.open(&rec("dm:a", &[(1, "ann"), (2, "bob")], 1)).unwrap();
    assert!(s.block(1, 2, 5).unwrap());
    assert!(!s.block(1, 2, 6).unwrap());
    assert!(s.blocked_in("dm:a", 2).unwrap()); // ann blocks bob: bob may not write
    assert!(!s.blocked_in("dm:a", 1).unwrap()); // ann still may
    assert!(!s.blocked_in("dm:nope", 2).unwrap());
    assert!(s.block(1, 3, 7).unwrap());
    assert_eq!(s.blocked_by(1).unwrap(), vec!["bob", "cat"]);
    assert!(s.blocked_by(2).unwrap().is_empty());
    // a block outside the DM does not matter in it
    assert!(s.block(3, 1, 8).unwrap());
    assert!(!s.blocked_in("dm:a", 1).unwrap());
    assert!(s.unblock(1, 2).unwrap());
    assert!(!s.unblock(1, 2).unwrap());
    assert!(!s.blocked_in("dm:a", 2).unwrap());
    assert_eq!(s.blocked_by(1).unwrap(), vec!["cat"]);
}

/// Each case as a test on SQLite and one on PostgreSQL (the stores opened as the server does).
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[test]
                fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().join("banter.db");
                    super::people(&crate::accounts::store::SqliteAccountStore::open(&path).unwrap());
                    let s = super::SqliteDmStore::open(&path).unwrap();
                    super::$case(&s);
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    let Some(pg) = super::postgres::database().await else { return };
                    let s = super::PgDmStore::open(&pg).await.unwrap();
                    super::$case(&s);
                }
            )*
        }
    };
}

suite!(the_same_member_set_opens_the_same_dm, dms_of_an_account_newest_first_with_their_members, blocks_are_per_direction_and_seen_in_a_dm);

mod postgres {
    use std::sync::Arc;

    use super::*;
    use crate::accounts::pg_store::PgAccountStore;
    use crate::pg::Pg;

    /// A fresh database with the tables the server creates before the DMs' (messages,
    /// accounts) and the three people.
    pub(super) async fn database() -> Option<Pg> {
        let pg = crate::pg::testing::database().await?;
        crate::store::pg_schema::migrate(&pg).await.unwrap();
        people(&PgAccountStore::open(&pg).await.unwrap());
        Some(pg)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn migrations_run_once_when_opened_twice() {
        let Some(pg) = database().await else { return };
        let first = PgDmStore::open(&pg).await.unwrap();
        first.open(&rec("dm:a", &[(1, "ann"), (2, "bob")], 1)).unwrap();
        let again = PgDmStore::open(&pg).await.unwrap();
        assert!(again.get("dm:a").unwrap().is_some(), "the second open kept the data");
        let v: i32 = sqlx::query_scalar("SELECT version FROM schema_versions WHERE component = 'dms'").fetch_one(pg.pool()).await.unwrap();
        assert_eq!(v, pg_store::MIGRATIONS.len() as i32);
    }

    /// Two nodes (two pools on one database) open the same DM at once, many times over: one
    /// creates it, the other gets it, with its members.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_dm_opened_on_two_nodes_at_once_is_one_dm() {
        let Some(pg) = database().await else { return };
        let name: String = sqlx::query_scalar("SELECT current_database()").fetch_one(pg.pool()).await.unwrap();
        let base = std::env::var(crate::pg::testing::URL_VAR).unwrap();
        let other = Pg::connect(&crate::pg::testing::with_database(&base, &name)).await.unwrap();
        let nodes = [Arc::new(PgDmStore::open(&pg).await.unwrap()), Arc::new(PgDmStore::open(&other).await.unwrap())];
        let sets: [&[(i64, &str)]; 4] =
            [&[(1, "ann"), (2, "bob")], &[(1, "ann"), (3, "cat")], &[(2, "bob"), (3, "cat")], &[(1, "ann"), (2, "bob"), (3, "cat")]];
        for (round, set) in sets.iter().enumerate() {
            let barrier = Arc::new(std::sync::Barrier::new(2));
            let tasks: Vec<_> = nodes
                .iter()
                .map(|node| {
                    let (node, barrier, dm) = (node.clone(), barrier.clone(), rec(&format!("dm:{round}"), set, round as i64));
                    tokio::spawn(async move {
                        tokio::task::block_in_place(|| {
                            barrier.wait();
                            node.open(&dm)
                        })
                    })
                })
                .collect();
            let mut created = 0;
            for t in tasks {
                let (got, made) = t.await.unwrap().unwrap();
                assert_eq!(got, rec(&format!("dm:{round}"), set, round as i64));
                created += usize::from(made);
            }
            assert_eq!(created, 1, "round {round}");
        }
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM dms").fetch_one(pg.pool()).await.unwrap();
        assert_eq!(n, 4);
    }

    /// An open that meets the same DM inserted but not yet committed elsewhere waits for it
    /// and returns it, members and all, as not created.
    #[tokio::test(flavor = "multi_thread")]
    async fn an_open_behind_an_uncommitted_one_gets_that_dm() {
        let Some(pg) = database().await else { return };
        let store = Arc::new(PgDmStore::open(&pg).await.unwrap());
        let mut other_node = pg.pool().begin().await.unwrap();
        sqlx::query("INSERT INTO dms (id, member_set, created_at) VALUES ('dm:a', '1,2', 1)").execute(&mut *other_node).await.unwrap();
        sqlx::query("INSERT INTO dm_members (dm_id, account_id) VALUES ('dm:a', 1), ('dm:a', 2)").execute(&mut *other_node).await.unwrap();
        let racer = store.clone();
        let open = tokio::task::spawn_blocking(move || racer.open(&rec("dm:a", &[(2, "bob"), (1, "ann")], 2)));
        let mut waited = false;
        for _ in 0..250 {
            let waiting: i64 =
                sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
                    .fetch_one(pg.pool())
                    .await
                    .unwrap();
            if waiting > 0 {
                waited = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(waited, "the open never waited on the uncommitted DM");
        other_node.commit().await.unwrap();
        let (got, created) = open.await.unwrap().unwrap();
        assert!(!created);
        assert_eq!(got, rec("dm:a", &[(1, "ann"), (2, "bob")], 1));
    }
}
