//! The events waiting for the page. The page pulls them with `next_events`, a long poll, so
//! a batch reaches it as a command's response body (Tauri's `ipc://` protocol) when the page
//! is ready for it.
//!
//! Why not a `tauri::ipc::Channel`: Tauri 2.12's `Channel::send` evaluates a new script in the
//! page for every batch (the JSON inline below 8 KB, else a fetch under a fresh id;
//! `tauri/src/ipc/channel.rs`), whether or not the page keeps up, so a backlog waited as
//! queued scripts in the web process. Pulled, it waits here and the page runs no generated
//! code. (It was suspected of the desktop soak's memory growth and measured not to be the
//! cause: 5.8 vs 8.1 MB per 10 minutes without WebDriver; docs/benchmarks-desktop.md.)
//!
//! A page that loads again (a reload) subscribes again: the earlier subscription's waiting
//! pull then returns `Superseded` without taking anything, so no batch goes to a page that
//! is gone.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;

/// What one pull gets.
#[derive(Debug, PartialEq)]
pub enum Pull<T> {
    /// Up to the batch limit, in order; empty when nothing came within the wait.
    Events(Vec<T>),
    /// A newer subscription took over (the page loaded again): stop pulling.
    Superseded,
}

pub struct PageQueue<T> {
    inner: Mutex<Inner<T>>,
    ready: Notify,
    max_batch: usize,
}

struct Inner<T> {
    events: VecDeque<T>,
    generation: u32,
}

impl<T> PageQueue<T> {
    pub fn new(max_batch: usize) -> Self {
        Self { inner: Mutex::new(Inner { events: VecDeque::new(), generation: 0 }), ready: Notify::new(), max_batch: max_batch.max(1) }
    }

    /// Queues events for the page (kept until it pulls, also before it first subscribes).
    pub fn push_all(&self, events: impl IntoIterator<Item = T>) {
        let added = {
            let mut inner = self.lock();
            let before = inner.events.len();
            inner.events.extend(events);
            inner.events.len() > before
        };
        if added {
            self.ready.notify_waiters();
        }
    }

    /// A new subscription: its generation, which its pulls name. Ends the earlier one's pulls.
    pub fn subscribe(&self) -> u32 {
        let generation = {
            let mut inner = self.lock();
            inner.generation = inner.generation.wrapping_add(1);
            inner.generation
        };
        self.ready.notify_waiters();
        generation
    }

    /// The queued events (up to the batch limit), waiting up to `wait` for some to come.
    pub async fn pull(&self, generation: u32, wait: Duration) -> Pull<T> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // registered before looking, so a push between the look and the wait is not missed
            let notified = self.ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.take(generation) {
                Pull::Events(batch) if batch.is_empty() => {}
                pull => return pull,
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep_until(deadline) => return Pull::Events(Vec::new()),
            }
        }
    }

    /// The queue's lock. A panic while it was held still leaves a valid queue (at worst part
    /// of a push in it), so a poisoned lock is used as is: failing instead would answer every
    /// pull at once and the page would pull in a loop.
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take(&self, generation: u32) -> Pull<T> {
        let mut inner = self.lock();
        if inner.generation != generation {
            return Pull::Superseded;
        }
        let n = inner.events.len().min(self.max_batch);
        let batch: Vec<T> = inner.events.drain(..n).collect();
        if inner.events.is_empty() && inner.events.capacity() > 4 * self.max_batch {
            // a burst's queue is not kept for the app's life
            inner.events = VecDeque::new();
        }
        Pull::Events(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const NO_WAIT: Duration = Duration::ZERO;

    #[tokio::test]
    async fn events_queued_before_the_page_subscribes_are_pulled_in_order() {
        let q = PageQueue::new(10);
        q.push_all([1, 2, 3]);
        let g = q.subscribe();
        assert_eq!(q.pull(g, NO_WAIT).await, Pull::Events(vec![1, 2, 3]));
        assert_eq!(q.pull(g, NO_WAIT).await, Pull::Events(vec![]));
    }

    #[tokio::test]
    async fn a_pull_takes_at_most_a_batch_and_the_rest_waits() {
        let q = PageQueue::new(2);
        let g = q.subscribe();
        q.push_all([1, 2, 3, 4, 5]);
        assert_eq!(q.pull(g, NO_WAIT).await, Pull::Events(vec![1, 2]));
        assert_eq!(q.pull(g, NO_WAIT).await, Pull::Events(vec![3, 4]));
        assert_eq!(q.pull(g, NO_WAIT).await, Pull::Events(vec![5]));
    }

    #[tokio::test]
    async fn a_waiting_pull_wakes_when_events_come() {
        let q = Arc::new(PageQueue::new(10));
        let g = q.subscribe();
        let waiting = tokio::spawn({
            let q = q.clone();
            async move { q.pull(g, Duration::from_secs(30)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        q.push_all([7]);
        let got = tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("woken").expect("joined");
        assert_eq!(got, Pull::Events(vec![7]));
    }

    #[tokio::test]
    async fn a_pull_with_nothing_queued_returns_empty_after_its_wait() {
        let q: PageQueue<u8> = PageQueue::new(10);
        let g = q.subscribe();
        let started = std::time::Instant::now();
        assert_eq!(q.pull(g, Duration::from_millis(50)).await, Pull::Events(vec![]));
        assert!(started.elapsed() >= Duration::from_millis(50), "returned before its wait");
    }

    #[tokio::test]
    async fn a_new_subscription_ends_the_old_pull_and_takes_nothing_from_it() {
        let q = Arc::new(PageQueue::new(10));
        let old = q.subscribe();
        let waiting = tokio::spawn({
            let q = q.clone();
            async move { q.pull(old, Duration::from_secs(30)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let new = q.subscribe();
        let got = tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("woken").expect("joined");
        assert_eq!(got, Pull::Superseded);
        q.push_all([1, 2]);
        assert_eq!(q.pull(old, NO_WAIT).await, Pull::Superseded);
        assert_eq!(q.pull(new, NO_WAIT).await, Pull::Events(vec![1, 2]));
    }

    #[tokio::test]
    async fn a_drained_burst_gives_its_memory_back() {
        let q = PageQueue::new(10);
        let g = q.subscribe();
        q.push_all(0..1000);
        while let Pull::Events(b) = q.pull(g, NO_WAIT).await {
            if b.is_empty() {
                break;
            }
        }
        assert_eq!(q.lock().events.capacity(), 0);
    }
}
