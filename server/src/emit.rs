//! Emitting to rooms, synchronously and in order.

use std::future::Future;

use futures_util::FutureExt;
use socketioxide::BroadcastError;

use crate::metrics::Metrics;
use crate::sio::Broadcast;
use crate::state::AppState;

/// The socketioxide room a member's socket is in, by kind: classic sockets get classic
/// events, Banter sockets get `banter:` events, and nobody gets the same message twice.
pub fn classic_room(room: &str) -> String {
    format!("c:{room}")
}

pub fn banter_room(room: &str) -> String {
    format!("b:{room}")
}

/// A broadcast's reach: every node's members on several nodes (`--redis-url`), this
/// process's alone otherwise. A standalone node has nobody else to tell: `local()` skips the
/// adapter's request to the other nodes (socketioxide-redis encodes every broadcast with
/// msgpack for a publish that, standalone, goes nowhere). Every broadcast to a room goes
/// through here.
pub fn reach(st: &AppState, to: Broadcast) -> Broadcast {
    if st.cluster.is_redis() {
        to
    } else {
        to.local()
    }
}

/// Every node's members in `room` (see [`reach`]); None once the server is closing.
pub fn to_room(st: &AppState, room: String) -> Option<Broadcast> {
    crate::sio::root(&st.io).map(|ns| reach(st, ns.to(room)))
}

/// This node's members in `room` alone; None once the server is closing.
pub fn local_to_room(st: &AppState, room: String) -> Option<Broadcast> {
    crate::sio::root(&st.io).map(|ns| ns.local().to(room))
}

/// [`now`] for a broadcast made from the namespace ([`to_room`], [`local_to_room`]): nothing
/// to run once the server is closing, when nobody is left to receive it.
pub fn now_unless_closed(metrics: &Metrics, what: &str, fut: Option<impl Future<Output = Result<(), BroadcastError>>>) {
    match fut {
        Some(fut) => now(metrics, what, fut),
        None => tracing::debug!(event = what, "not sent: the server is closing"),
    }
}

/// Runs a broadcast now. With socketioxide's local adapter a broadcast is complete when
/// first polled (its future is `ready`), so running it here, under the room lock, makes
/// delivery order equal to sequence order. Deliveries that fail (a slow client whose buffer
/// is full: socketioxide's `InternalChannelFull`, or a closing socket) are counted and
/// logged; Banter clients recover such gaps with `banter:history`.
pub fn now(metrics: &Metrics, what: &str, fut: impl Future<Output = Result<(), BroadcastError>>) {
    match fut.now_or_never() {
        Some(Ok(())) => {}
        Some(Err(BroadcastError::Socket(errors))) => {
            Metrics::inc(&metrics.failed_deliveries, errors.len() as u64);
            if metrics.may_warn() {
                tracing::warn!(event = what, failed = errors.len(), first = ?errors.first(), "deliveries failed (slow or closing clients)");
            }
        }
        Some(Err(e)) => tracing::error!(event = what, error = %e, "broadcast failed"),
        None => tracing::error!(event = what, "broadcast did not complete synchronously (non-local adapter?)"),
    }
}
