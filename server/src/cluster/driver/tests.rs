use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use tokio::time::timeout;

use super::testing::TestRedis;
use super::{ClusterDriver, BATCH_MAX_ENTRIES, QUEUE_MAX_ENTRIES};

const WAIT: Duration = Duration::from_secs(10);

async fn connect(url: &str) -> ClusterDriver {
    timeout(WAIT, ClusterDriver::connect(url)).await.expect("connect in time").unwrap_or_else(|e| panic!("{url}: {e}"))
}

async fn subscribe(d: &ClusterDriver, chan: &str, size: usize) -> MessageStream<ChanItem> {
    timeout(WAIT, d.subscribe(chan.into(), size)).await.expect("subscribe in time").expect("subscribe")
}

async fn next(stream: &mut MessageStream<ChanItem>) -> ChanItem {
    timeout(WAIT, stream.next()).await.expect("a message in time").expect("stream open")
}

/// publish() must be complete when first polled: the adapter awaits it before local delivery.
fn publish_now(d: &ClusterDriver, chan: &str, payload: Vec<u8>) {
    match d.publish(chan.into(), payload).now_or_never() {
        Some(Ok(())) => {}
        Some(Err(e)) => panic!("publish failed: {e}"),
        None => panic!("publish was not ready when first polled"),
    }
}

async fn until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !ok() {
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn standalone_publishes_nothing_and_counts_one_server() {
    let d = ClusterDriver::standalone();
    publish_now(&d, "c", b"x".to_vec());
    let mut s = subscribe(&d, "c", 8).await;
    assert!(timeout(WAIT, s.next()).await.expect("the empty stream ends").is_none());
    assert_eq!(d.num_serv("c").await.expect("num_serv"), 1);
    d.unsubscribe("c".into()).await.expect("unsubscribe");
    let st = d.state();
    assert_eq!((st.mode, st.connected, st.published, st.dropped, st.queued), ("standalone", true, 0, 0, 0));
    assert!(!d.is_redis());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_cross_in_order_over_a_plain_unix_url() {
    let Some(redis) = TestRedis::start() else { return };
    let (a, b) = (connect(&redis.unix_url()).await, connect(&redis.unix_url()).await);
    let mut s = subscribe(&a, "order", 10_000).await;
    assert_eq!(b.num_serv("order").await.expect("num_serv"), 1);
    let n = 5_000u32;
    let started = Instant::now();
    for i in 0..n {
        publish_now(&b, "order", i.to_be_bytes().to_vec());
    }
    for i in 0..n {
        let (chan, payload) = next(&mut s).await;
        assert_eq!(chan, "order");
        assert_eq!(payload, i.to_be_bytes(), "message {i} out of order");
    }
    eprintln!("{n} messages crossed in order in {:?}", started.elapsed());
    until("published counted", || b.state().published == u64::from(n)).await;
    let st = b.state();
    assert_eq!((st.mode, st.connected, st.dropped, st.queued), ("redis", true, 0, 0));
    a.unsubscribe("order".into()).await.expect("unsubscribe");
    assert_eq!(b.num_serv("order").await.expect("num_serv"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_and_unix_scheme_urls_work() {
    let Some(redis) = TestRedis::start() else { return };
    let unix = redis.unix_url().replacen("redis+unix://", "unix://", 1);
    let (a, b) = (connect(&redis.tcp_url()).await, connect(&unix).await);
    let mut s = subscribe(&a, "u", 8).await;
    publish_now(&b, "u", b"hi".to_vec());
    assert_eq!(next(&mut s).await, ("u".to_owned(), b"hi".to_vec()));
    // An explicit RESP2 in the URL is overridden: the adapter needs push messages.
    let c = connect(&format!("{}?protocol=resp2", redis.tcp_url())).await;
    let mut s = subscribe(&c, "v", 8).await;
    publish_now(&b, "v", b"yo".to_vec());
    assert_eq!(next(&mut s).await, ("v".to_owned(), b"yo".to_vec()));
}

#[tokio::test]
async fn an_unreachable_redis_fails_connect() {
    let dir = std::env::temp_dir().join("banter-no-redis-here.sock");
    let started = Instant::now();
    let e = timeout(Duration::from_secs(30), ClusterDriver::connect(&format!("redis+unix://{}", dir.display())))
        .await
        .expect("connect gives up in time");
    assert!(e.is_err());
    eprintln!("connect to nothing gave up after {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_come_back_after_a_redis_restart() {
    let Some(mut redis) = TestRedis::start() else { return };
    let (a, b) = (connect(&redis.unix_url()).await, connect(&redis.unix_url()).await);
    let mut s = subscribe(&a, "r", 1024).await;
    publish_now(&b, "r", b"before".to_vec());
    assert_eq!(next(&mut s).await.1, b"before");
    redis.restart();
    let back = Instant::now();
    // Probe until one crosses: those published before both sides are back may be lost.
    let recovered = timeout(WAIT, async {
        loop {
            publish_now(&b, "r", b"probe".to_vec());
            if let Ok(Some(_)) = timeout(Duration::from_millis(50), s.next()).await {
                return back.elapsed();
            }
        }
    })
    .await
    .expect("messages cross again after the restart");
    eprintln!("driver: messages crossed again {recovered:?} after Redis was back");
    until("both see the way back", || a.state().connected && b.state().connected).await;
    assert!(a.state().reconnects >= 1, "{:?}", a.state());
    assert!(a.state().last_error.is_some());
}

/// Longer than the connection managers' own retries (about 2.5 s): the watchdog's PING
/// starts new attempts, with resubscription.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_outage_is_survived() {
    let Some(mut redis) = TestRedis::start() else { return };
    let (a, b) = (connect(&redis.unix_url()).await, connect(&redis.tcp_url()).await);
    let mut s = subscribe(&a, "long", 1024).await;
    redis.stop();
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(!a.state().connected && !b.state().connected);
    redis.start_again();
    let back = Instant::now();
    let recovered = timeout(WAIT, async {
        loop {
            publish_now(&b, "long", b"probe".to_vec());
            if let Ok(Some(_)) = timeout(Duration::from_millis(50), s.next()).await {
                return back.elapsed();
            }
        }
    })
    .await
    .expect("messages cross again after a 6 s outage");
    eprintln!("driver: after a 6 s outage messages crossed again {recovered:?} after Redis was back");
    until("both see the way back", || a.state().connected && b.state().connected).await;
    assert_eq!((a.state().reconnects, b.state().reconnects), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_bounds_the_queue_and_never_blocks_publish() {
    let Some(mut redis) = TestRedis::start() else { return };
    let (a, b) = (connect(&redis.unix_url()).await, connect(&redis.unix_url()).await);
    let mut s = subscribe(&a, "o", 100_000).await;
    redis.stop();
    until("the outage is seen", || !b.state().connected).await;
    let started = Instant::now();
    let n = QUEUE_MAX_ENTRIES as u32 * 2;
    for i in 0..n {
        publish_now(&b, "o", i.to_be_bytes().to_vec());
    }
    let took = started.elapsed();
    let st = b.state();
    assert!(st.queued <= QUEUE_MAX_ENTRIES, "{st:?}");
    // The rest: one batch the publisher task holds while it waits for Redis.
    assert!(st.dropped + st.queued as u64 + BATCH_MAX_ENTRIES as u64 >= u64::from(n), "{st:?}");
    assert!(st.last_error.is_some(), "{st:?}");
    eprintln!("{n} publishes during an outage took {took:?}; state {st:?}");
    redis.start_again();
    until("the queue drains", || b.state().queued == 0 && b.state().connected).await;
    until("a resubscribed", || a.state().connected).await;
    // What crosses now is in order, and no more than was kept (the oldest were dropped).
    publish_now(&b, "o", u32::MAX.to_be_bytes().to_vec());
    let (mut last, mut received) = (None::<u32>, 0);
    loop {
        let (_, payload) = next(&mut s).await;
        let i = u32::from_be_bytes(payload.as_slice().try_into().expect("4 bytes"));
        if i == u32::MAX {
            break;
        }
        assert!(last.is_none_or(|l| l < i), "{i} after {last:?}");
        (last, received) = (Some(i), received + 1);
    }
    assert!(received <= QUEUE_MAX_ENTRIES + BATCH_MAX_ENTRIES, "{received}");
    eprintln!("after the outage {received} queued messages crossed, the last {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_stream_drops_and_counts_without_blocking_the_reader() {
    let Some(redis) = TestRedis::start() else { return };
    let (a, b) = (connect(&redis.unix_url()).await, connect(&redis.unix_url()).await);
    let mut full = subscribe(&a, "full", 4).await;
    let mut other = subscribe(&a, "other", 8).await;
    for i in 0..100u8 {
        publish_now(&b, "full", vec![i]);
    }
    publish_now(&b, "other", b"still flowing".to_vec());
    assert_eq!(next(&mut other).await.1, b"still flowing");
    until("drops counted", || a.state().dropped == 96).await;
    for i in 0..4u8 {
        assert_eq!(next(&mut full).await.1, vec![i]);
    }
}
