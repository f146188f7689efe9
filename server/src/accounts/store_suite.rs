//! One test suite for every [`AccountStore`]: each case runs on SQLite (a temp file) and on
//! PostgreSQL (a fresh database from `crate::pg::testing`, skipped without one outside CI),
//! plus what only PostgreSQL has to prove: nodes racing each other, migrations run once.

use super::invites::InviteRecord;
use super::names::identity_key;
use super::pg_store::{self, PgAccountStore};
use super::sessions::SessionRecord;
use super::store::{AccountStore, CreateRefused, NewAccount, SqliteAccountStore};

fn new(name: &str, now: i64) -> NewAccount {
    NewAccount { name: name.into(), name_key: identity_key(name), password_hash: "h".into(), admin: false, created_at: now }
}

fn session(id: &str, account_id: i64, at: i64) -> SessionRecord {
    SessionRecord { id: id.into(), account_id, device: "d".into(), created_at: at, last_used_at: at }
}

fn names_are_unique_by_key(s: &dyn AccountStore) {
    let ann = s.create_account(new("ann", 1), None).unwrap().unwrap();
    assert_eq!(s.account_by_key(&ann.name_key).unwrap().unwrap(), ann);
    assert_eq!(s.account_by_id(ann.id).unwrap().unwrap(), ann);
    assert_eq!(s.account_by_id(ann.id + 100).unwrap(), None);
    assert_eq!(s.account_by_key("nobody").unwrap(), None);
    assert_eq!(s.create_account(new("\u{430}nn", 2), None).unwrap(), Err(CreateRefused::NameTaken));
    let admin = NewAccount { admin: true, ..new("bob", 2) };
    let bob = s.create_account(admin, None).unwrap().unwrap();
    assert!(s.account_by_id(bob.id).unwrap().unwrap().admin);
    assert_ne!(bob.id, ann.id);
}

fn invites_are_used_up_and_expire(s: &dyn AccountStore) {
    let (two, once, old) = ([1u8; 32], [2u8; 32], [3u8; 32]);
    s.create_invite(&two, &InviteRecord { uses_left: 2, expires_at: Some(100) }, 0).unwrap();
    s.create_invite(&once, &InviteRecord { uses_left: 1, expires_at: None }, 0).unwrap();
    s.create_invite(&old, &InviteRecord { uses_left: 5, expires_at: Some(10) }, 0).unwrap();
    assert!(s.create_account(new("a1", 50), Some(two)).unwrap().is_ok());
    assert!(s.create_account(new("a2", 50), Some(two)).unwrap().is_ok());
    assert_eq!(s.create_account(new("a3", 50), Some(two)).unwrap(), Err(CreateRefused::InviteInvalid));
    assert_eq!(s.create_account(new("a4", 50), Some(old)).unwrap(), Err(CreateRefused::InviteInvalid));
    assert_eq!(s.create_account(new("a5", 50), Some([9u8; 32])).unwrap(), Err(CreateRefused::InviteInvalid));
    assert!(s.create_account(new("a6", 50), Some(once)).unwrap().is_ok());
    // a refused name does not use the invite
    s.create_invite(&[4u8; 32], &InviteRecord { uses_left: 1, expires_at: None }, 0).unwrap();
    assert_eq!(s.create_account(new("A1", 60), Some([4u8; 32])).unwrap(), Err(CreateRefused::NameTaken));
    assert!(s.create_account(new("a7", 60), Some([4u8; 32])).unwrap().is_ok());
    // expiry is exclusive, and an expired invite keeps its uses
    s.create_invite(&[5u8; 32], &InviteRecord { uses_left: 1, expires_at: Some(70) }, 0).unwrap();
    assert_eq!(s.create_account(new("a8", 70), Some([5u8; 32])).unwrap(), Err(CreateRefused::InviteInvalid));
    assert!(s.create_account(new("a8", 69), Some([5u8; 32])).unwrap().is_ok());
    // the same code twice is an error, not a second invite
    assert!(s.create_invite(&once, &InviteRecord { uses_left: 1, expires_at: None }, 0).is_err());
}

fn sessions_listed_revoked_and_cut_by_a_password_change(s: &dyn AccountStore) {
    let ann = s.create_account(new("ann", 1), None).unwrap().unwrap();
    let bob = s.create_account(new("bob", 1), None).unwrap().unwrap();
    for (i, id) in ["s1", "s2", "s3"].iter().enumerate() {
        s.create_session(&session(id, ann.id, 10 + i as i64), &[i as u8; 32]).unwrap();
    }
    s.create_session(&session("b1", bob.id, 10), &[7u8; 32]).unwrap();
    assert!(s.create_session(&session("s4", ann.id, 10), &[1u8; 32]).is_err(), "token hashes are unique");
    assert_eq!(s.session_by_token(&[1u8; 32]).unwrap().unwrap(), session("s2", ann.id, 11));
    assert_eq!(s.session_by_token(&[8u8; 32]).unwrap(), None);
    s.touch_session("s1", 99).unwrap();
    s.touch_session("s1", 50).unwrap(); // never goes back
    s.touch_session("nope", 50).unwrap();
    let ids: Vec<String> = s.sessions_of(ann.id).unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(ids, ["s1", "s3", "s2"]);
    assert_eq!(s.sessions_of(ann.id).unwrap()[0].last_used_at, 99);
    assert!(s.delete_session(ann.id, "s3").unwrap());
    assert!(!s.delete_session(ann.id, "s3").unwrap());
    assert!(!s.delete_session(bob.id, "s2").unwrap());
    assert_eq!(s.set_password(ann.id, "h2", "s2").unwrap(), ["s1"]);
    assert_eq!(s.account_by_id(ann.id).unwrap().unwrap().password_hash, "h2");
    assert_eq!(s.account_by_id(bob.id).unwrap().unwrap().password_hash, "h", "only ann's");
    assert_eq!(s.sessions_of(bob.id).unwrap().len(), 1, "only ann's sessions are cut");
    assert_eq!(s.delete_idle_sessions(11).unwrap(), 1); // b1 (10); s2 (11) stays
    assert_eq!(s.delete_idle_sessions(12).unwrap(), 1);
    assert!(s.sessions_of(ann.id).unwrap().is_empty());
}

/// Sessions listed by last use, ties by id in byte order (upper case before lower).
fn session_ties_are_ordered_by_id_bytes(s: &dyn AccountStore) {
    let ann = s.create_account(new("ann", 1), None).unwrap().unwrap();
    for (i, id) in ["b", "B", "a", "_"].iter().enumerate() {
        s.create_session(&session(id, ann.id, 5), &[i as u8 + 1; 32]).unwrap();
    }
    let ids: Vec<String> = s.sessions_of(ann.id).unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(ids, ["B", "_", "a", "b"]);
}

/// Each case as a test on SQLite and one on PostgreSQL (the store opened as the server does).
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[test]
                fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let s = super::SqliteAccountStore::open(&dir.path().join("banter.db")).unwrap();
                    super::$case(&s);
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    let Some(pg) = super::postgres::database().await else { return };
                    let s = super::PgAccountStore::open(&pg).await.unwrap();
                    super::$case(&s);
                }
            )*
        }
    };
}

suite!(
    names_are_unique_by_key,
    invites_are_used_up_and_expire,
    sessions_listed_revoked_and_cut_by_a_password_change,
    session_ties_are_ordered_by_id_bytes,
);

mod postgres {
    use std::sync::Arc;

    use super::*;
    use crate::pg::Pg;

    /// A fresh database with the tables the server creates before the accounts' (messages).
    pub(super) async fn database() -> Option<Pg> {
        let pg = crate::pg::testing::database().await?;
        crate::store::pg_schema::migrate(&pg).await.unwrap();
        Some(pg)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn migrations_run_once_when_opened_twice() {
        let Some(pg) = database().await else { return };
        let first = PgAccountStore::open(&pg).await.unwrap();
        let ann = first.create_account(new("ann", 1), None).unwrap().unwrap();
        let again = PgAccountStore::open(&pg).await.unwrap();
        assert_eq!(again.account_by_id(ann.id).unwrap().unwrap(), ann, "the second open kept the data");
        let v: i32 =
            sqlx::query_scalar("SELECT version FROM schema_versions WHERE component = 'accounts'").fetch_one(pg.pool()).await.unwrap();
        assert_eq!(v, pg_store::MIGRATIONS.len() as i32);
    }

    /// Two nodes (two pools on one database) create the same name at once, many times over:
    /// each time one account and one clean refusal.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_name_created_on_two_nodes_at_once_gives_one_account() {
        let Some(pg) = database().await else { return };
        let name: String = sqlx::query_scalar("SELECT current_database()").fetch_one(pg.pool()).await.unwrap();
        let base = std::env::var(crate::pg::testing::URL_VAR).unwrap();
        let other = Pg::connect(&crate::pg::testing::with_database(&base, &name)).await.unwrap();
        let nodes = [Arc::new(PgAccountStore::open(&pg).await.unwrap()), Arc::new(PgAccountStore::open(&other).await.unwrap())];
        for round in 0..40 {
            let barrier = Arc::new(std::sync::Barrier::new(2));
            let tasks: Vec<_> = nodes
                .iter()
                .map(|node| {
                    let (node, barrier) = (node.clone(), barrier.clone());
                    tokio::spawn(async move {
                        tokio::task::block_in_place(|| {
                            barrier.wait();
                            node.create_account(new(&format!("racer{round}"), round), None)
                        })
                    })
                })
                .collect();
            let mut made = 0;
            for t in tasks {
                match t.await.unwrap().unwrap() {
                    Ok(_) => made += 1,
                    Err(refused) => assert_eq!(refused, CreateRefused::NameTaken),
                }
            }
            assert_eq!(made, 1, "round {round}");
        }
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts").fetch_one(pg.pool()).await.unwrap();
        assert_eq!(n, 40);
    }

    /// An invite with 3 uses, 8 registrations racing on two nodes: exactly 3 accounts.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn an_invite_raced_on_two_nodes_is_used_no_more_than_it_allows() {
        let Some(pg) = database().await else { return };
        let name: String = sqlx::query_scalar("SELECT current_database()").fetch_one(pg.pool()).await.unwrap();
        let base = std::env::var(crate::pg::testing::URL_VAR).unwrap();
        let other = Pg::connect(&crate::pg::testing::with_database(&base, &name)).await.unwrap();
        let nodes = [Arc::new(PgAccountStore::open(&pg).await.unwrap()), Arc::new(PgAccountStore::open(&other).await.unwrap())];
        let code = [6u8; 32];
        nodes[0].create_invite(&code, &InviteRecord { uses_left: 3, expires_at: None }, 0).unwrap();
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let (node, barrier) = (nodes[i % 2].clone(), barrier.clone());
                tokio::task::spawn_blocking(move || {
                    barrier.wait();
                    node.create_account(new(&format!("guest{i}"), 1), Some(code))
                })
            })
            .collect();
        let mut made = 0;
        for t in tasks {
            match t.await.unwrap().unwrap() {
                Ok(_) => made += 1,
                Err(refused) => assert_eq!(refused, CreateRefused::InviteInvalid),
            }
        }
        assert_eq!(made, 3);
        let left: i64 = sqlx::query_scalar("SELECT uses_left FROM invites").fetch_one(pg.pool()).await.unwrap();
        assert_eq!(left, 0);
    }

    /// A create that meets a name inserted but not yet committed elsewhere waits for it, and
    /// is then refused by the unique index (not an error), its invite's use given back.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_create_behind_an_uncommitted_one_is_refused_by_the_constraint() {
        let Some(pg) = database().await else { return };
        let store = Arc::new(PgAccountStore::open(&pg).await.unwrap());
        let code = [7u8; 32];
        store.create_invite(&code, &InviteRecord { uses_left: 1, expires_at: None }, 0).unwrap();
        let mut other_node = pg.pool().begin().await.unwrap();
        sqlx::query("INSERT INTO accounts (name, name_key, password_hash, created_at) VALUES ($1, $2, 'h', 1)")
            .bind("ann")
            .bind(identity_key("ann"))
            .execute(&mut *other_node)
            .await
            .unwrap();
        let racer = store.clone();
        let create = tokio::task::spawn_blocking(move || racer.create_account(new("ann", 2), Some(code)));
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
        assert!(waited, "the create never waited on the uncommitted name");
        other_node.commit().await.unwrap();
        assert_eq!(create.await.unwrap().unwrap(), Err(CreateRefused::NameTaken));
        let left: i64 = sqlx::query_scalar("SELECT uses_left FROM invites").fetch_one(pg.pool()).await.unwrap();
        assert_eq!(left, 1, "the invite's use was given back");
        assert!(store.create_account(new("bob", 3), Some(code)).unwrap().is_ok());
    }
}
