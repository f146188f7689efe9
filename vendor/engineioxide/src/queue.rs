//! Banter's fork: the per-socket packet queue.
//!
//! Upstream uses a bounded `tokio::sync::mpsc` channel here. Tokio allocates such a channel's
//! slots in blocks of 32 up front (32 × 168 B `PacketBuf`s, ~5.4 kB per socket, idle or not)
//! and keeps up to 3 spare blocks after a burst (tokio-rs/tokio#7355). This queue is a
//! `VecDeque` under a mutex with one waker: it holds no buffer while it is empty (the reader
//! gives its buffer back with [`Receiver::release_if_empty`] once it has written everything
//! out), and otherwise behaves like the bounded channel it replaces: `try_send` and
//! `try_reserve` fail with `Full` at capacity (reserved places count) and with `Closed` once
//! the receiver is closed or dropped; the receiver drains what was queued before it sees the
//! end.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use tokio::sync::Notify;
use tokio::sync::mpsc::error::{TryRecvError, TrySendError};

struct State<T> {
    items: VecDeque<T>,
    /// Places promised to [`Permit`]s not yet used.
    reserved: usize,
    /// The receiver was closed or dropped: no more sends.
    closed: bool,
    /// The sender was dropped: the receiver ends once drained.
    sender_gone: bool,
    rx_waker: Option<Waker>,
    /// [`Sender::send`] calls waiting for a free place.
    send_waiters: usize,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    capacity: usize,
    /// Wakes [`Sender::closed`] waiters.
    on_close: Notify,
    /// Wakes [`Sender::send`] waiters when a place frees up.
    on_space: Notify,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A panic while holding this lock leaves a consistent queue (no invariant spans an
        // unwind point), so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `item` (a place is free or was reserved) and wakes the receiver.
    fn push(&self, item: T, reserved: bool) {
        let waker = {
            let mut st = self.lock();
            if reserved {
                st.reserved -= 1;
            }
            st.items.push_back(item);
            st.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// Creates a queue of at most `capacity` items (at least 1).
pub(crate) fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State { items: VecDeque::new(), reserved: 0, closed: false, sender_gone: false, rx_waker: None, send_waiters: 0 }),
        capacity: capacity.max(1),
        on_close: Notify::new(),
        on_space: Notify::new(),
    });
    (Sender { shared: shared.clone() }, Receiver { shared })
}

pub(crate) struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A place in the queue, held until [`Permit::send`] (or given back when dropped).
pub(crate) struct Permit<'a, T> {
    shared: &'a Shared<T>,
    used: bool,
}

pub(crate) struct Receiver<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    pub(crate) fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        let waker = {
            let mut st = self.shared.lock();
            if st.closed {
                return Err(TrySendError::Closed(item));
            }
            if st.items.len() + st.reserved >= self.shared.capacity {
                return Err(TrySendError::Full(item));
            }
            st.items.push_back(item);
            st.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    pub(crate) fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        let mut st = self.shared.lock();
        if st.closed {
            return Err(TrySendError::Closed(()));
        }
        if st.items.len() + st.reserved >= self.shared.capacity {
            return Err(TrySendError::Full(()));
        }
        st.reserved += 1;
        Ok(Permit { shared: &self.shared, used: false })
    }

    /// Queues `item`, waiting for a free place if the queue is full.
    pub(crate) async fn send(&self, mut item: T) -> Result<(), TrySendError<T>> {
        loop {
            let notified = self.shared.on_space.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.try_send(item) {
                Err(TrySendError::Full(back)) => item = back,
                done => return done,
            }
            self.shared.lock().send_waiters += 1;
            // a place may have freed up before the waiter was counted: try again first
            match self.try_send(item) {
                Err(TrySendError::Full(back)) => item = back,
                done => {
                    self.shared.lock().send_waiters -= 1;
                    return done;
                }
            }
            notified.await;
            self.shared.lock().send_waiters -= 1;
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.shared.lock().closed
    }

    /// Completes once the receiver is closed or dropped.
    pub(crate) async fn closed(&self) {
        loop {
            let notified = self.shared.on_close.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut st = self.shared.lock();
            st.sender_gone = true;
            st.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Permit<'_, T> {
    pub(crate) fn send(mut self, item: T) {
        self.used = true;
        self.shared.push(item, true);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        if !self.used {
            self.shared.lock().reserved -= 1;
        }
    }
}

impl<T> Receiver<T> {
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut st = self.shared.lock();
        if let Some(item) = st.items.pop_front() {
            self.freed(st);
            return Poll::Ready(Some(item));
        }
        if st.closed || st.sender_gone {
            return Poll::Ready(None);
        }
        match &mut st.rx_waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    pub(crate) async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    pub(crate) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut st = self.shared.lock();
        match st.items.pop_front() {
            Some(item) => {
                self.freed(st);
                Ok(item)
            }
            None if st.closed || st.sender_gone => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// A place was freed: wakes the senders waiting for one.
    fn freed(&self, st: MutexGuard<'_, State<T>>) {
        let waiting = st.send_waiters > 0;
        drop(st);
        if waiting {
            self.shared.on_space.notify_waiters();
        }
    }

    /// Closes the queue: sends fail from now on; what is queued can still be received.
    pub(crate) fn close(&mut self) {
        self.shared.lock().closed = true;
        self.shared.on_close.notify_waiters();
        self.shared.on_space.notify_waiters();
    }

    /// Frees the queue's buffer if it is empty: an idle socket then holds none.
    pub(crate) fn release_if_empty(&mut self) {
        let mut st = self.shared.lock();
        if st.items.is_empty() && st.items.capacity() > 0 {
            st.items = VecDeque::new();
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.close();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("capacity", &self.shared.capacity).finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.lock();
        f.debug_struct("Receiver").field("queued", &st.items.len()).field("closed", &st.closed).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn full_at_capacity_counting_reserved_places() {
        let (tx, mut rx) = channel::<u32>(2);
        let permit = tx.try_reserve().unwrap();
        tx.try_send(1).unwrap();
        assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
        assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
        drop(permit); // gives its place back
        tx.try_send(3).unwrap();
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(3));
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    }

    #[tokio::test]
    async fn keeps_order_across_permits_and_sends() {
        let (tx, mut rx) = channel::<u32>(8);
        let p = tx.try_reserve().unwrap();
        tx.try_send(1).unwrap();
        p.send(2);
        tx.try_send(3).unwrap();
        let got: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(got, vec![1, 2, 3]);
    }

    #[tokio::test]
    async fn close_refuses_sends_but_drains_what_is_queued() {
        let (tx, mut rx) = channel::<u32>(4);
        tx.try_send(1).unwrap();
        rx.close();
        assert!(tx.is_closed());
        assert!(matches!(tx.try_send(2), Err(TrySendError::Closed(2))));
        assert!(matches!(tx.try_reserve(), Err(TrySendError::Closed(()))));
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None);
        tx.closed().await; // already closed: returns at once
    }

    #[tokio::test]
    async fn receiver_wakes_on_send_and_ends_when_sender_dropped() {
        let (tx, mut rx) = channel::<u32>(4);
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            got
        });
        tokio::task::yield_now().await;
        for i in 0..3 {
            tx.try_send(i).unwrap();
            tokio::task::yield_now().await;
        }
        drop(tx);
        assert_eq!(reader.await.unwrap(), vec![0, 1, 2]);
    }

    #[tokio::test]
    async fn closed_waits_for_the_receiver() {
        let (tx, rx) = channel::<u32>(1);
        let waiter = tokio::spawn(async move { tx.closed().await });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(rx);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn send_waits_for_a_free_place() {
        let (tx, mut rx) = channel::<u32>(1);
        tx.try_send(1).unwrap();
        let tx = Arc::new(tx);
        let tx2 = tx.clone();
        let sender = tokio::spawn(async move { tx2.send(2).await.is_ok() });
        tokio::task::yield_now().await;
        assert!(!sender.is_finished());
        assert_eq!(rx.recv().await, Some(1));
        assert!(tokio::time::timeout(std::time::Duration::from_secs(5), sender).await.unwrap().unwrap());
        assert_eq!(rx.recv().await, Some(2));
    }

    #[tokio::test]
    async fn an_empty_queue_holds_no_buffer_after_release() {
        let (tx, mut rx) = channel::<u32>(64);
        for i in 0..40 {
            tx.try_send(i).unwrap();
        }
        while rx.try_recv().is_ok() {}
        rx.release_if_empty();
        assert_eq!(tx.shared.lock().items.capacity(), 0);
        tx.try_send(1).unwrap();
        rx.release_if_empty(); // not empty: kept
        assert_eq!(rx.try_recv().unwrap(), 1);
    }
}
