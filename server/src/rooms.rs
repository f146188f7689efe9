//! The registry of rooms in memory. A room is loaded from the store on first use and
//! dropped when its last member leaves (its messages stay in the store).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use crate::error::ServerError;
use crate::room::{RoomState, RECENT_CAP};
use crate::store::Store;

pub type RoomRef = Arc<Mutex<RoomState>>;

pub struct Rooms {
    map: Mutex<HashMap<String, RoomRef>>,
    store: Store,
}

/// Locks a room, tolerating a poisoned lock (a panic elsewhere must not take the room down).
///
/// A holder may do store or Redis I/O under the lock (a join reads history and claims its
/// name in `block_in_place`). A runtime worker that simply blocked on the lock meanwhile
/// would strand the tasks queued on it — its LIFO slot cannot be stolen — and the holder's
/// query may need one of them (seen with PostgreSQL: the join's read never completed, the
/// room stayed locked). So a contended lock is waited for inside `block_in_place`, which
/// hands the worker's queue to another thread first; the uncontended path costs nothing.
pub fn lock(room: &RoomRef) -> MutexGuard<'_, RoomState> {
    match room.try_lock() {
        Ok(g) => g,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => off_worker(|| room.lock().unwrap_or_else(|poisoned| poisoned.into_inner())),
    }
}

/// Runs `f`, which may block, without holding a runtime worker's queue: inside
/// `block_in_place` on tokio's multi-thread runtime, as is elsewhere (a plain thread, or a
/// current-thread runtime in tests, where `block_in_place` would panic).
pub fn off_worker<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

impl Rooms {
    pub fn new(store: Store) -> Self {
        Self { map: Mutex::new(HashMap::new()), store }
    }

    /// The registry's lock: a leaf (nothing else is locked while it is held), held briefly,
    /// and waited for as [`lock`] waits for a room's.
    fn map(&self) -> MutexGuard<'_, HashMap<String, RoomRef>> {
        match self.map.try_lock() {
            Ok(m) => m,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => off_worker(|| self.map.lock().unwrap_or_else(|p| p.into_inner())),
        }
    }

    /// The room if it is in memory.
    pub fn get(&self, name: &str) -> Option<RoomRef> {
        self.map().get(name).cloned()
    }

    /// Every room in memory.
    pub fn all(&self) -> Vec<RoomRef> {
        self.map().values().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.map().len()
    }

    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }

    /// The room, loading it from the store when it is not in memory. Loading blocks this
    /// worker briefly (one indexed read), inside `block_in_place` so tokio moves other
    /// tasks away; it happens only for the first join of an idle room.
    pub fn get_or_load(&self, name: &str) -> Result<RoomRef, ServerError> {
        if let Some(room) = self.get(name) {
            return Ok(room);
        }
        let store = self.store.clone();
        // A shared store keeps the history (other nodes write to it): memory keeps none.
        let keep = if store.numbers_messages() { 0 } else { RECENT_CAP as u32 };
        let snapshot = tokio::task::block_in_place(|| {
            // Writes of an evicted room may still be queued: commit them before reading.
            store.flush_blocking();
            store.snapshot_blocking(name, keep)
        })?;
        let mut map = self.map();
        Ok(map
            .entry(name.to_owned())
            .or_insert_with(|| {
                let mut state = if store.numbers_messages() {
                    RoomState::without_history(name.to_owned(), snapshot.latest_seq)
                } else {
                    RoomState::new(name.to_owned(), snapshot.latest_seq, snapshot.recent)
                };
                state.stored = snapshot.stored || state.latest_seq() > 0;
                Arc::new(Mutex::new(state))
            })
            .clone())
    }

    /// Drops the room from memory if it has no member. The caller holds no room lock. The
    /// room is locked first and the registry second (the registry's lock is a leaf: a holder
    /// never waits for a room, which may be held across a store read).
    pub fn evict_if_empty(&self, name: &str) {
        let Some(room) = self.get(name) else { return };
        let mut state = lock(&room);
        if !state.is_empty() || state.evicted {
            return;
        }
        let mut map = self.map();
        // still the registry's room (not one loaded again meanwhile)?
        if map.get(name).is_some_and(|r| Arc::ptr_eq(r, &room)) {
            state.evicted = true;
            map.remove(name);
        }
    }
}
