//! Two socketioxide nodes in one process, each on socketioxide-redis's adapter with
//! banter-server's `ClusterDriver`, served by axum, with `rust_socketio` clients in one room
//! on each: broadcasts cross nodes, come back after a Redis restart, and still reach the
//! sending node's own members during an outage; the standalone driver delivers locally.
//! Each test runs its own throwaway redis-server (`cluster::driver::testing`).

use std::time::{Duration, Instant};

use banter_server::cluster::driver::testing::TestRedis;
use banter_server::cluster::driver::ClusterDriver;
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload};
use serde_json::{json, Value};
use socketioxide::adapter::Emitter;
use socketioxide::extract::SocketRef;
use socketioxide::SocketIo;
use socketioxide_redis::{CustomRedisAdapter, RedisAdapterConfig, RedisAdapterCtr};
use tokio::sync::mpsc;
use tokio::time::timeout;

/// The adapter type banter-server uses in both modes.
type Adapter = CustomRedisAdapter<Emitter, ClusterDriver>;

const WAIT: Duration = Duration::from_secs(10);
const ROOM: &str = "lobby";

struct Node {
    io: SocketIo<Adapter>,
    driver: ClusterDriver,
    url: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A node: the adapter on `driver`, every socket joining [`ROOM`], served on 127.0.0.1:0.
async fn node(driver: ClusterDriver, prefix: &str) -> Node {
    let ctr = RedisAdapterCtr::new_with_driver(driver.clone(), RedisAdapterConfig::new().with_prefix(prefix.to_owned()));
    let (layer, io) = SocketIo::builder().with_adapter::<Adapter>(ctr).build_layer();
    timeout(WAIT, io.ns("/", join_the_room)).await.expect("ns in time").expect("ns (subscribes)");
    let app = axum::Router::new().layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Node { io, driver, url, server }
}

async fn join_the_room<A: socketioxide::adapter::Adapter>(s: SocketRef<A>) {
    s.join(ROOM);
}

type Events = mpsc::UnboundedReceiver<(String, Vec<Value>)>;

/// A client of `node`, in the room once this returns.
async fn member(node: &Node) -> (Client, Events) {
    let before = node.io.to(ROOM).sockets().len();
    let (tx, rx) = mpsc::unbounded_channel();
    let client = ClientBuilder::new(node.url.as_str())
        .reconnect(false)
        .on_any(move |event, payload, _| {
            if let Payload::Text(args) = payload {
                let _ = tx.send((String::from(event), args));
            }
            async {}.boxed()
        })
        .on(Event::Error, |p, _| {
            eprintln!("client error: {p:?}");
            async {}.boxed()
        })
        .connect();
    let client = timeout(WAIT, client).await.expect("connect in time").expect("connect");
    until("the member is in the room", || node.io.to(ROOM).sockets().len() > before).await;
    (client, rx)
}

async fn until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !ok() {
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `io.to(ROOM).emit("news", {n})`, which must complete when first polled (the server emits
/// under a room lock with `now_or_never`, server/src/emit.rs).
fn shout(node: &Node, n: u64) {
    match node.io.to(ROOM).emit("news", &json!({ "n": n })).now_or_never() {
        Some(Ok(())) => {}
        Some(Err(e)) => panic!("broadcast {n} failed: {e}"),
        None => panic!("broadcast {n} did not complete when first polled"),
    }
}

/// The next `news` number within `within`, skipping other events.
async fn news(events: &mut Events, within: Duration) -> Option<u64> {
    timeout(within, async {
        loop {
            let (event, args) = events.recv().await?;
            if event == "news" {
                return args.first().and_then(|v| v["n"].as_u64());
            }
        }
    })
    .await
    .ok()
    .flatten()
}

/// `news` number `n` within [`WAIT`], skipping smaller ones (probes that crossed late).
async fn expect_news(events: &mut Events, n: u64, who: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match news(events, left).await {
            Some(got) if got == n => return,
            Some(got) if got < n => continue,
            other => panic!("{who}: expected news {n}, got {other:?}"),
        }
    }
}

async fn two_nodes(redis: &TestRedis, prefix: &str) -> (Node, Node) {
    let connect = |url: String| async move {
        timeout(WAIT, ClusterDriver::connect(&url)).await.expect("connect in time").unwrap_or_else(|e| panic!("{url}: {e}"))
    };
    let a = node(connect(redis.unix_url()).await, prefix).await;
    let b = node(connect(redis.tcp_url()).await, prefix).await;
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_cross_nodes_and_recover_after_a_redis_restart() {
    let Some(mut redis) = TestRedis::start() else { return };
    let (a, b) = two_nodes(&redis, "cross").await;
    let (_ca, mut on_a) = member(&a).await;
    let (_cb, mut on_b) = member(&b).await;

    shout(&a, 1);
    expect_news(&mut on_a, 1, "member on A").await;
    expect_news(&mut on_b, 1, "member on B").await;
    shout(&b, 2);
    expect_news(&mut on_a, 2, "member on A").await;
    expect_news(&mut on_b, 2, "member on B").await;
    // Requests with responses cross too (PUBSUB NUMSUB counts the other node).
    let all = timeout(WAIT, a.io.fetch_sockets()).await.expect("fetch in time").expect("fetch_sockets");
    assert_eq!(all.len(), 2);

    redis.restart();
    let back = Instant::now();
    let mut n = 100;
    let recovered = loop {
        assert!(back.elapsed() < WAIT, "broadcasts did not cross again within {WAIT:?} of the restart");
        n += 1;
        shout(&a, n);
        if let Some(got) = news(&mut on_b, Duration::from_millis(100)).await {
            if got > 100 {
                break back.elapsed();
            }
        }
    };
    eprintln!("cluster: broadcasts crossed nodes again {recovered:?} after Redis was back (probe {n})");
    until("both drivers see the way back", || a.driver.state().connected && b.driver.state().connected).await;
    assert!(b.driver.state().reconnects >= 1, "{:?}", b.driver.state());
    eprintln!("driver states after the restart: A {:?}, B {:?}", a.driver.state(), b.driver.state());
    shout(&b, 1_000);
    expect_news(&mut on_a, 1_000, "member on A after the restart").await;
    let all = timeout(WAIT, a.io.fetch_sockets()).await.expect("fetch in time").expect("fetch_sockets after the restart");
    assert_eq!(all.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_an_outage_a_nodes_own_members_still_get_its_broadcasts() {
    let Some(mut redis) = TestRedis::start() else { return };
    let (a, b) = two_nodes(&redis, "outage").await;
    let (_ca, mut on_a) = member(&a).await;
    let (_cb, mut on_b) = member(&b).await;
    shout(&a, 1);
    expect_news(&mut on_a, 1, "member on A").await;
    expect_news(&mut on_b, 1, "member on B").await;

    redis.stop();
    // At once, before and after the drivers noticed the outage.
    for n in [2, 3] {
        let started = Instant::now();
        shout(&a, n);
        assert_eq!(news(&mut on_a, Duration::from_secs(1)).await, Some(n), "local delivery during the outage");
        eprintln!("outage: broadcast {n} reached A's member in {:?}", started.elapsed());
        tokio::time::sleep(Duration::from_millis(1_500)).await;
    }
    assert_eq!(news(&mut on_b, Duration::from_millis(300)).await, None, "nothing can cross without Redis");
    redis.start_again();
    let back = Instant::now();
    let mut n = 100;
    loop {
        assert!(back.elapsed() < WAIT, "no recovery within {WAIT:?}");
        n += 1;
        shout(&a, n);
        if matches!(news(&mut on_b, Duration::from_millis(100)).await, Some(got) if got > 100) {
            break;
        }
    }
    eprintln!("outage: broadcasts crossed again {:?} after Redis was back", back.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standalone_driver_delivers_locally() {
    let solo = node(ClusterDriver::standalone(), "solo").await;
    let (_c1, mut one) = member(&solo).await;
    let (_c2, mut two) = member(&solo).await;
    shout(&solo, 7);
    expect_news(&mut one, 7, "first member").await;
    expect_news(&mut two, 7, "second member").await;
    let all = timeout(WAIT, solo.io.fetch_sockets()).await.expect("fetch at once").expect("fetch_sockets");
    assert_eq!(all.len(), 2);
}

/// What the adapter costs a broadcast when there is no Redis (it still encodes the request
/// with msgpack before the driver's no-op publish), next to socketioxide's local adapter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standalone_driver_costs_little_per_broadcast() {
    use socketioxide::adapter::LocalAdapter;
    let (_l1, local) = SocketIo::builder().build_layer();
    local.ns("/", join_the_room::<LocalAdapter>);
    let solo = node(ClusterDriver::standalone(), "cost").await;
    let text = "x".repeat(200);
    let rounds = 20_000u32;
    let per = |started: Instant| started.elapsed() / rounds;
    let started = Instant::now();
    for n in 0..rounds {
        assert!(matches!(local.to(ROOM).emit("news", &json!({"n": n, "text": text})).now_or_never(), Some(Ok(()))));
    }
    let local_cost = per(started);
    let started = Instant::now();
    for n in 0..rounds {
        shout_with(&solo, json!({"n": n, "text": text}));
    }
    let solo_cost = per(started);
    // `.local()`: the adapter skips the request (and its encoding) altogether.
    let started = Instant::now();
    for n in 0..rounds {
        let data = json!({"n": n, "text": text});
        assert!(matches!(solo.io.local().to(ROOM).emit("news", &data).now_or_never(), Some(Ok(()))));
    }
    let solo_local_cost = per(started);
    eprintln!(
        "per broadcast to an empty room (this build's profile): LocalAdapter {local_cost:?}, \
         standalone ClusterDriver {solo_cost:?}, the same with .local() {solo_local_cost:?}"
    );
    assert_eq!(solo.driver.state().published, 0);
}

fn shout_with(node: &Node, data: Value) {
    assert!(matches!(node.io.to(ROOM).emit("news", &data).now_or_never(), Some(Ok(()))));
}
