//! Presence against a real Redis: the run's throwaway one (`BANTER_TEST_REDIS_URL`, set by
//! scripts/test.sh or `scripts/services.sh start DIR`), a cluster prefix of its own per test;
//! tests that restart or flush Redis start their own (`services.sh start-redis DIR`). Without
//! Redis a test is skipped with a note, except under CI (`CI` set), where it fails.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;

const URL_VAR: &str = "BANTER_TEST_REDIS_URL";

fn shared_redis() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{URL_VAR} is not set: scripts/services.sh start DIR sets it (scripts/test.sh does)")
        }
        _ => {
            eprintln!("skipped: {URL_VAR} is not set (scripts/services.sh start DIR && source DIR/env)");
            None
        }
    }
}

/// A Redis of the test's own, stopped on drop.
struct OwnRedis {
    dir: tempfile::TempDir,
}

impl OwnRedis {
    fn start() -> Option<OwnRedis> {
        let dir = tempfile::Builder::new().prefix("bpres").tempdir_in("/tmp").expect("temp dir");
        let own = OwnRedis { dir };
        match own.services("start-redis") {
            Ok(()) => Some(own),
            Err(e) if std::env::var_os("CI").is_some() => panic!("{e}"),
            Err(e) => {
                eprintln!("skipped: no Redis of the test's own: {e}");
                None
            }
        }
    }

    fn url(&self) -> String {
        format!("redis+unix://{}/redis.sock", self.dir.path().display())
    }

    fn services(&self, cmd: &str) -> Result<(), String> {
        let script = std::env::var("BANTER_SERVICES_SCRIPT")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/services.sh").to_owned());
        let out = Command::new("bash").arg(&script).arg(cmd).arg(self.dir.path()).output().map_err(|e| format!("{script}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("services.sh {cmd}: {}", String::from_utf8_lossy(&out.stderr).trim()))
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.services("stop-redis");
    }
}

fn cluster() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

async fn node(url: &str, cluster: &str, id: &str, ttl: Duration) -> Presence {
    Presence::connect_with(url, id, PresenceConfig { cluster: cluster.to_owned(), ttl }).await.unwrap_or_else(|e| panic!("{e}"))
}

async fn two_nodes(url: &str, ttl: Duration) -> (Presence, Presence) {
    let c = cluster();
    (node(url, &c, "node-a", ttl).await, node(url, &c, "node-b", ttl).await)
}

/// Records what the task reports; `live` is what the node holds "in memory".
#[derive(Default)]
struct Recorder {
    dead: Mutex<Vec<(Instant, DeadMembers)>>,
    live: Mutex<Vec<Held>>,
    reasserted: Mutex<Vec<Reasserted>>,
}

impl PresenceEvents for Recorder {
    fn dead(&self, gone: DeadMembers) {
        self.dead.lock().unwrap().push((Instant::now(), gone));
    }
    fn live_holders(&self) -> Vec<Held> {
        self.live.lock().unwrap().clone()
    }
    fn reasserted(&self, outcome: Reasserted) {
        self.reasserted.lock().unwrap().push(outcome);
    }
}

impl Recorder {
    fn hold(&self, room: &str, key: &str, holder: Holder) {
        self.live.lock().unwrap().push(Held { room: room.into(), name_key: key.into(), holder });
    }
    fn gone_names(&self) -> Vec<(String, String)> {
        let dead = self.dead.lock().unwrap();
        let mut names: Vec<(String, String)> = dead
            .iter()
            .flat_map(|(_, d)| d.rooms.iter().flat_map(|(room, g)| g.iter().map(move |g| (room.clone(), g.name.clone()))))
            .collect();
        names.sort();
        names
    }
}

fn guest(p: &Presence, sid: &str, name: &str) -> Holder {
    p.holder(sid, name, None, true)
}

fn user(p: &Presence, sid: &str, name: &str, account: i64) -> Holder {
    p.holder(sid, name, Some(account), false)
}

fn names_of(members: &[RemoteMember]) -> Vec<(String, String, String)> {
    members.iter().map(|m| (m.name.clone(), m.sid.clone(), m.node.clone())).collect()
}

/// Polls `f` every 20 ms until it is true or `limit` passed; the time it took.
async fn until(limit: Duration, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_name_claimed_on_one_node_is_taken_on_the_other() {
    let Some(url) = shared_redis() else { return };
    let (a, b) = two_nodes(&url, DEFAULT_TTL).await;
    assert_eq!(a.claim("lobby", "ann", &guest(&a, "a1", "Ann")).unwrap(), Claim::Granted { first: true });
    assert_eq!(b.claim("lobby", "ann", &guest(&b, "b1", "ann")).unwrap(), Claim::Taken);
    assert_eq!(b.claim("lobby", "ann", &user(&b, "b1", "ann", 5)).unwrap(), Claim::Taken, "an account cannot share a guest's name");
    // A repeated claim of the same socket is granted, not counted twice.
    assert_eq!(a.claim("lobby", "ann", &guest(&a, "a1", "Ann")).unwrap(), Claim::Granted { first: false });
    // One socket, one name per room.
    assert_eq!(a.claim("lobby", "bob", &guest(&a, "a1", "bob")).unwrap(), Claim::Taken);
    // Rooms are apart.
    assert_eq!(b.claim("other", "ann", &guest(&b, "b1", "ann")).unwrap(), Claim::Granted { first: true });
    // A guest cannot take an account's name either.
    assert_eq!(a.claim("lobby", "cat", &user(&a, "a2", "Cat", 9)).unwrap(), Claim::Granted { first: true });
    assert_eq!(b.claim("lobby", "cat", &guest(&b, "b2", "cat")).unwrap(), Claim::Taken);
    // Once released the name is free again, on the other node too.
    assert_eq!(a.release("lobby", "ann", a.node_id(), "a1").unwrap(), Released::Last);
    assert_eq!(b.claim("lobby", "ann", &guest(&b, "b3", "ann")).unwrap(), Claim::Granted { first: true });

    // Round trips (sync API, from a runtime worker): claim + release of fresh names.
    let mut times = Vec::new();
    for i in 0..200 {
        let key = format!("u{i}");
        let start = Instant::now();
        assert_eq!(a.claim("bench", &key, &guest(&a, &format!("s{i}"), &key)).unwrap(), Claim::Granted { first: true });
        times.push(start.elapsed());
        assert_eq!(a.release("bench", &key, a.node_id(), &format!("s{i}")).unwrap(), Released::Last);
    }
    times.sort();
    eprintln!("claim round trip over {URL_VAR}: median {:?}, p99 {:?}, max {:?}", times[100], times[198], times[199]);
    for i in 0..100 {
        a.claim("big", &format!("u{i}"), &guest(&a, &format!("s{i}"), &format!("u{i}"))).unwrap();
    }
    let mut times: Vec<Duration> = (0..50)
        .map(|_| {
            let start = Instant::now();
            assert_eq!(b.members("big").unwrap().len(), 100);
            start.elapsed()
        })
        .collect();
    times.sort();
    eprintln!("members() of a room of 100 holders: median {:?}, max {:?}", times[25], times[49]);
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn one_account_holds_its_name_from_both_nodes() {
    let Some(url) = shared_redis() else { return };
    let (a, b) = two_nodes(&url, DEFAULT_TTL).await;
    assert_eq!(a.claim("lobby", "ann", &user(&a, "a1", "Ann", 5)).unwrap(), Claim::Granted { first: true });
    assert_eq!(b.claim("lobby", "ann", &user(&b, "b1", "Ann", 5)).unwrap(), Claim::Granted { first: false });
    assert_eq!(b.claim("lobby", "ann", &user(&b, "b2", "Ann", 5)).unwrap(), Claim::Granted { first: false });
    assert_eq!(b.claim("lobby", "ann", &user(&b, "b3", "ann", 6)).unwrap(), Claim::Taken, "another account");
    assert_eq!(a.claim("lobby", "ann", &guest(&a, "a3", "ann")).unwrap(), Claim::Taken, "a guest");
    assert_eq!(a.release("lobby", "ann", a.node_id(), "a1").unwrap(), Released::Others);
    assert_eq!(b.release("lobby", "ann", b.node_id(), "b1").unwrap(), Released::Others);
    // Releasing what is not held changes nothing.
    assert_eq!(a.release("lobby", "ann", a.node_id(), "nobody").unwrap(), Released::Others);
    assert_eq!(b.release("lobby", "ann", b.node_id(), "b2").unwrap(), Released::Last);
    assert_eq!(a.release("lobby", "ann", a.node_id(), "a1").unwrap(), Released::Last, "released twice");
    assert_eq!(a.claim_async("lobby", "ann", &guest(&a, "a3", "ann")).await.unwrap(), Claim::Granted { first: true });
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn of_twenty_claims_racing_from_two_nodes_one_wins() {
    let Some(url) = shared_redis() else { return };
    let (a, b) = two_nodes(&url, DEFAULT_TTL).await;
    for round in 0..5 {
        let room = format!("race{round}");
        let mut tasks = Vec::new();
        for i in 0..20 {
            let p = if i % 2 == 0 { a.clone() } else { b.clone() };
            let room = room.clone();
            // Half of them through the blocking API on blocking threads, half async.
            tasks.push(tokio::spawn(async move {
                let h = p.holder(&format!("s{i}"), "Zed", None, true);
                if i % 4 < 2 {
                    tokio::task::spawn_blocking(move || p.claim(&room, "zed", &h)).await.unwrap()
                } else {
                    p.claim_async(&room, "zed", &h).await
                }
            }));
        }
        let mut granted = 0;
        for t in tasks {
            if t.await.unwrap().unwrap() != Claim::Taken {
                granted += 1;
            }
        }
        assert_eq!(granted, 1, "round {round}");
        assert_eq!(a.members(&room).unwrap().len(), 1);
    }
    // Two accounts racing for one name: all of one account's sockets win, none of the other's.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let p = if i % 2 == 0 { a.clone() } else { b.clone() };
        let account = 1 + (i / 2) % 2;
        tasks.push(tokio::spawn(async move {
            let h = p.holder(&format!("s{i}"), "Zed", Some(account), false);
            (account, p.claim_async("accounts", "zed", &h).await.unwrap())
        }));
    }
    let mut winners = std::collections::HashSet::new();
    let mut granted = 0;
    for t in tasks {
        let (account, claim) = t.await.unwrap();
        if claim != Claim::Taken {
            winners.insert(account);
            granted += 1;
        }
    }
    assert_eq!((winners.len(), granted), (1, 10));
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn members_lists_both_nodes_holders_in_join_order() {
    let Some(url) = shared_redis() else { return };
    let (a, b) = two_nodes(&url, DEFAULT_TTL).await;
    a.claim("lobby", "ann", &user(&a, "a1", "Ann", 1)).unwrap();
    b.claim("lobby", "bob", &guest(&b, "b1", "bob")).unwrap();
    b.claim("lobby", "ann", &user(&b, "b2", "Ann", 1)).unwrap();
    a.claim("lobby", "cat", &guest(&a, "a2", "cat")).unwrap();
    b.claim("elsewhere", "dan", &guest(&b, "b3", "dan")).unwrap();
    let members = b.members("lobby").unwrap();
    let want = [("Ann", "a1", "node-a"), ("bob", "b1", "node-b"), ("Ann", "b2", "node-b"), ("cat", "a2", "node-a")];
    assert_eq!(names_of(&members), want.map(|(n, s, d)| (n.to_owned(), s.to_owned(), d.to_owned())));
    assert_eq!(members, a.members("lobby").unwrap());
    assert_eq!((members[0].account, members[0].classic, members[1].account, members[1].classic), (Some(1), false, None, true));
    assert!(members.windows(2).all(|w| w[0].joined < w[1].joined));
    let users: Vec<(String, String)> = room_users("lobby", &members).into_iter().map(|u| (u.username, u.id)).collect();
    assert_eq!(users, [("Ann".to_owned(), "a1".to_owned()), ("bob".into(), "b1".into()), ("cat".into(), "a2".into())]);
    assert_eq!(usernames(&members), ["Ann", "bob", "cat"]);
    // The first holder leaves: Ann's next holder keeps her place in roomData.
    a.release("lobby", "ann", "node-a", "a1").unwrap();
    let users: Vec<String> = room_users("lobby", &b.members("lobby").unwrap()).into_iter().map(|u| u.id).collect();
    assert_eq!(users, ["b1", "b2", "a2"]);
    assert!(a.members("empty").unwrap().is_empty());
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_that_stops_heartbeating_has_its_members_dropped() {
    let Some(url) = shared_redis() else { return };
    let ttl = Duration::from_secs(2);
    let (a, b) = two_nodes(&url, ttl).await;
    let (ra, rb) = (Arc::new(Recorder::default()), Arc::new(Recorder::default()));
    let task_a = a.start(ra.clone());
    let _task_b = b.start(rb.clone());
    a.claim("r1", "ann", &guest(&a, "a1", "Ann")).unwrap();
    a.claim("r1", "bob", &guest(&a, "a2", "Bob")).unwrap();
    a.claim("r2", "ann", &guest(&a, "a1", "Ann")).unwrap();
    a.claim("r1", "cat", &user(&a, "a3", "Cat", 3)).unwrap();
    b.claim("r1", "cat", &user(&b, "b1", "Cat", 3)).unwrap();
    b.claim("r1", "dan", &guest(&b, "b2", "Dan")).unwrap();
    // Alive: kept, over several reaps.
    tokio::time::sleep(ttl + ttl / 2).await;
    assert_eq!(b.members("r1").unwrap().len(), 5);
    assert!(rb.dead.lock().unwrap().is_empty() && ra.dead.lock().unwrap().is_empty());

    // A dies: no shutdown, its task just stops.
    task_a.abort();
    let died = Instant::now();
    let hidden = until(ttl * 2, || b.members("r1").map(|m| m.len() == 2).unwrap_or(false)).await;
    until(ttl * 2, || !rb.dead.lock().unwrap().is_empty()).await.expect("B reports A's members");
    let reported = rb.dead.lock().unwrap()[0].0 - died;
    eprintln!(
        "dead node (ttl {ttl:?}): hidden from members() after {hidden:?}, removed and reported after {reported:?} (bound ttl + ttl/2)"
    );
    assert!(hidden.is_some_and(|h| h <= ttl + Duration::from_millis(500)), "hidden after {hidden:?}");
    assert!(reported <= ttl + ttl / 2 + Duration::from_millis(500), "reported after {reported:?}");
    let dead = rb.dead.lock().unwrap()[0].1.clone();
    assert_eq!(dead.nodes, ["node-a"]);
    // Cat is still here from B: not gone.
    assert_eq!(rb.gone_names(), [("r1".to_owned(), "Ann".to_owned()), ("r1".into(), "Bob".into()), ("r2".into(), "Ann".into())]);
    let left = names_of(&b.members("r1").unwrap());
    assert_eq!(left, [("Cat".to_owned(), "b1".to_owned(), "node-b".to_owned()), ("Dan".into(), "b2".into(), "node-b".into())]);
    assert!(b.members("r2").unwrap().is_empty());
    assert_eq!(b.claim("r1", "ann", &guest(&b, "b3", "ann")).unwrap(), Claim::Granted { first: true });
    assert_eq!(b.release("r1", "cat", "node-b", "b1").unwrap(), Released::Last, "A's Cat was removed");
    assert_eq!(b.state().nodes_reaped, 1);
    tokio::time::sleep(ttl).await;
    assert_eq!(rb.dead.lock().unwrap().len(), 1, "reported once");
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_removes_a_nodes_members_at_once() {
    let Some(url) = shared_redis() else { return };
    let (a, b) = two_nodes(&url, DEFAULT_TTL).await;
    let rb = Arc::new(Recorder::default());
    let _ = a.start(Arc::new(Recorder::default()));
    let _ = b.start(rb.clone());
    a.claim("lobby", "ann", &guest(&a, "a1", "Ann")).unwrap();
    a.claim("lobby", "cat", &user(&a, "a2", "Cat", 3)).unwrap();
    b.claim("lobby", "cat", &user(&b, "b1", "Cat", 3)).unwrap();
    // Any room name: spaces, colons, newlines, not ASCII.
    let odd = "a room: with\nnewlines\n— é";
    a.claim(odd, "zoé", &guest(&a, "a1", "Zoé")).unwrap();
    assert_eq!(b.members(odd).unwrap().len(), 1);
    let start = Instant::now();
    let gone = a.shutdown().await.unwrap();
    eprintln!("shutdown with 3 holders took {:?}", start.elapsed());
    assert_eq!(gone.nodes, ["node-a"]);
    assert_eq!(gone.rooms.len(), 2);
    assert_eq!(gone.rooms["lobby"], [GoneName { name_key: "ann".into(), name: "Ann".into() }]);
    assert_eq!(gone.rooms[odd], [GoneName { name_key: "zoé".into(), name: "Zoé".into() }]);
    assert!(b.members(odd).unwrap().is_empty());
    assert_eq!(names_of(&b.members("lobby").unwrap()), [("Cat".to_owned(), "b1".to_owned(), "node-b".to_owned())]);
    assert_eq!(b.claim("lobby", "ann", &guest(&b, "b2", "ann")).unwrap(), Claim::Granted { first: true });
    // Nothing left for B to reap: the shutdown is not reported again as a death.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(rb.dead.lock().unwrap().is_empty());
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn reassert_registers_exactly_the_nodes_live_holders() {
    let Some(url) = shared_redis() else { return };
    let (a, b) = two_nodes(&url, DEFAULT_TTL).await;
    a.claim("lobby", "ann", &guest(&a, "a1", "Ann")).unwrap();
    a.claim("lobby", "bob", &guest(&a, "a2", "Bob")).unwrap();
    b.claim("lobby", "dan", &guest(&b, "b1", "Dan")).unwrap();
    let held = |p: &Presence, room: &str, key: &str, h: Holder| {
        let _ = p;
        Held { room: room.into(), name_key: key.into(), holder: h }
    };
    let live = vec![
        held(&a, "lobby", "ann", guest(&a, "a1", "Ann")),
        held(&a, "lobby", "cat", guest(&a, "a3", "Cat")),
        held(&a, "lobby", "dan", guest(&a, "a4", "dan")),
        // Another node's holder: ignored.
        held(&b, "lobby", "eve", guest(&b, "b9", "Eve")),
    ];
    let out = a.reassert(live).await.unwrap();
    assert_eq!(out.granted, 2);
    assert_eq!(out.taken.iter().map(|h| h.name_key.as_str()).collect::<Vec<_>>(), ["dan"]);
    assert_eq!(out.released.rooms["lobby"], [GoneName { name_key: "bob".into(), name: "Bob".into() }]);
    let names: Vec<String> = b.members("lobby").unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["Ann", "Dan", "Cat"]);
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_node_id_drops_what_its_previous_run_left() {
    let Some(url) = shared_redis() else { return };
    let c = cluster();
    let b = node(&url, &c, "node-b", DEFAULT_TTL).await;
    {
        let crashed = node(&url, &c, "node-a", DEFAULT_TTL).await;
        crashed.claim("lobby", "ann", &guest(&crashed, "a1", "Ann")).unwrap();
        crashed.claim("lobby", "cat", &user(&crashed, "a2", "Cat", 3)).unwrap();
        b.claim("lobby", "cat", &user(&b, "b1", "Cat", 3)).unwrap();
    }
    let a = node(&url, &c, "node-a", DEFAULT_TTL).await;
    assert_eq!(names_of(&b.members("lobby").unwrap()), [("Cat".to_owned(), "b1".to_owned(), "node-b".to_owned())]);
    let ra = Arc::new(Recorder::default());
    let _ = a.start(ra.clone());
    until(Duration::from_secs(2), || !ra.dead.lock().unwrap().is_empty()).await.expect("leftovers reported");
    assert_eq!(ra.gone_names(), [("lobby".to_owned(), "Ann".to_owned())]);
    assert_eq!(a.claim("lobby", "ann", &guest(&a, "a9", "Ann")).unwrap(), Claim::Granted { first: true });
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_redis_fails_fast() {
    let dir = tempfile::Builder::new().prefix("bpres").tempdir_in("/tmp").unwrap();
    let url = format!("redis+unix://{}/none.sock", dir.path().display());
    let start = Instant::now();
    let err = Presence::connect(&url, "node-a").await.unwrap_err();
    assert!(start.elapsed() < REQUEST_TIMEOUT + Duration::from_millis(500), "{:?}", start.elapsed());
    assert!(matches!(err, ServerError::Cluster(_)), "{err}");
    assert!(matches!(Presence::connect("redis://x", "bad id").await, Err(ServerError::Config(_))));
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_redis_restart_calls_fail_then_nodes_register_again() {
    let Some(redis) = OwnRedis::start() else { return };
    let url = redis.url();
    let ttl = Duration::from_secs(1);
    let (a, b) = two_nodes(&url, ttl).await;
    let (ra, rb) = (Arc::new(Recorder::default()), Arc::new(Recorder::default()));
    let _ta = a.start(ra.clone());
    let _tb = b.start(rb.clone());
    for (p, r, sid, key, name) in [(&a, &ra, "a1", "ann", "Ann"), (&b, &rb, "b1", "bob", "Bob")] {
        let h = guest(p, sid, name);
        assert_eq!(p.claim("lobby", key, &h).unwrap(), Claim::Granted { first: true });
        r.hold("lobby", key, h);
    }

    redis.services("stop-redis").unwrap();
    let start = Instant::now();
    let failed = a.claim("lobby", "cat", &guest(&a, "a2", "Cat"));
    let took = start.elapsed();
    assert!(matches!(failed, Err(ServerError::Cluster(_))), "{failed:?}");
    assert!(took < REQUEST_TIMEOUT + Duration::from_millis(300), "failing took {took:?}");
    assert!(b.members("lobby").is_err() && b.release("lobby", "bob", "node-b", "b1").is_err());
    assert!(!a.state().connected && a.state().last_error.is_some());
    eprintln!("with Redis down a claim failed after {took:?}");
    // Admitted on A alone meanwhile (the lead's fallback): A must register it later.
    ra.hold("lobby", "cat", guest(&a, "a2", "Cat"));

    redis.services("start-redis").unwrap();
    let back = Instant::now();
    let all = until(Duration::from_secs(10), || {
        b.members("lobby")
            .map(|m| {
                let mut n: Vec<String> = m.into_iter().map(|m| m.name).collect();
                n.sort();
                n == ["Ann", "Bob", "Cat"]
            })
            .unwrap_or(false)
    })
    .await;
    eprintln!("Redis restarted (data lost): every holder registered again {:?} after it was back", all);
    assert!(all.is_some(), "members after the restart: {:?}", b.members("lobby"));
    assert!(back.elapsed() < Duration::from_secs(10));
    for p in [&a, &b] {
        // a node's counter moves after the registration's last step (its stale check), a
        // moment after its members are visible (seen once in CI: reasserts 0 right then)
        let settled = until(Duration::from_secs(5), || {
            let s = p.state();
            s.connected && s.data_losses >= 1 && s.reasserts >= 1
        })
        .await;
        assert!(settled.is_some(), "{:?}", p.state());
    }
    let told = until(Duration::from_secs(5), || !ra.reasserted.lock().unwrap().is_empty() && !rb.reasserted.lock().unwrap().is_empty()).await;
    assert!(told.is_some(), "both nodes' holders told of the registration");
    // Registered as before: A's guest names are A's, refused elsewhere.
    assert_eq!(b.claim("lobby", "ann", &guest(&b, "b2", "ann")).unwrap(), Claim::Taken);

    // Another loss while A's task is stopped, and B takes Ann meanwhile: A's next registration
    // finds her taken and says so.
    _ta.abort();
    let flush = redis::Client::open(url.as_str()).unwrap();
    let mut conn = flush.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("FLUSHALL").exec_async(&mut conn).await.unwrap();
    assert_eq!(b.claim("lobby", "ann", &guest(&b, "b2", "ann")).unwrap(), Claim::Granted { first: true });
    // Registered, but not live on A (its socket left before Redis could be told): released.
    assert_eq!(a.claim("lobby", "zed", &guest(&a, "a5", "Zed")).unwrap(), Claim::Granted { first: true });
    let before = ra.reasserted.lock().unwrap().len();
    let _ta = a.start(ra.clone());
    until(Duration::from_secs(3), || ra.reasserted.lock().unwrap().len() > before).await.expect("A registers again");
    let outcome = ra.reasserted.lock().unwrap().last().cloned().unwrap();
    assert_eq!(outcome.taken.iter().map(|h| h.name_key.as_str()).collect::<Vec<_>>(), ["ann"]);
    let names: Vec<String> = b.members("lobby").unwrap().into_iter().map(|m| format!("{}@{}", m.name, m.node)).collect();
    assert!(names.contains(&"ann@node-b".to_owned()) && names.contains(&"Cat@node-a".to_owned()), "{names:?}");
    assert!(!names.contains(&"Zed@node-a".to_owned()), "not live on A: released by the registration ({names:?})");
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redis_that_hangs_fails_calls_within_the_timeout() {
    let Some(redis) = OwnRedis::start() else { return };
    let (a, b) = two_nodes(&redis.url(), DEFAULT_TTL).await;
    assert_eq!(a.claim("lobby", "ann", &guest(&a, "a1", "Ann")).unwrap(), Claim::Granted { first: true });
    let pid = std::fs::read_to_string(redis.dir.path().join("redis.pid")).unwrap().trim().to_owned();
    let signal = |sig: &str| assert!(Command::new("kill").arg(sig).arg(&pid).status().unwrap().success());
    signal("-STOP");
    let start = Instant::now();
    let failed = b.claim("lobby", "ann", &guest(&b, "b1", "ann"));
    let took = start.elapsed();
    let members = b.members("lobby");
    signal("-CONT");
    eprintln!("with Redis hanging a claim failed after {took:?}");
    assert!(matches!(failed, Err(ServerError::Cluster(_))), "{failed:?}");
    assert!(matches!(members, Err(ServerError::Cluster(_))), "{members:?}");
    assert!(took >= REQUEST_TIMEOUT - Duration::from_millis(50) && took < REQUEST_TIMEOUT + Duration::from_millis(300), "{took:?}");
    assert!(!b.state().connected);
    // Answers again, and answers right (no reply taken for another request's).
    let back = until(Duration::from_secs(5), || b.members("lobby").is_ok()).await;
    assert!(back.is_some());
    assert_eq!(b.claim("lobby", "ann", &guest(&b, "b1", "ann")).unwrap(), Claim::Taken);
    assert_eq!(b.claim("lobby", "bob", &guest(&b, "b1", "Bob")).unwrap(), Claim::Granted { first: true });
    assert_eq!(names_of(&a.members("lobby").unwrap()).len(), 2);
    assert!(b.state().connected);
}
