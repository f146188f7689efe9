//! Membership that lasts: the rooms of each account and its read marker in each, kept by
//! the server so every device of the account finds the same rooms, read positions and
//! unread counts (`docs/protocol.md`, "Membership"; wire types in
//! `banter_protocol::membership`).
//!
//! | file | job |
//! | --- | --- |
//! | `store.rs` | the [`store::MembershipStore`] trait and its SQLite table |
//! | `handlers.rs` | `banter:my-rooms`, `banter:read`, and what `join` / `banter:leave` record |
//!
//! A signed-in socket's join adds the room (its marker starting at the room's latest seq:
//! what was said before the account came is not unread); an explicit `banter:leave` removes
//! it; disconnects and sign-outs do not. Presence per account, not per socket, is the room's
//! rule (`crate::room::RoomState::holders_of`).

pub mod handlers;
pub mod pg_store;
pub mod store;
#[cfg(test)]
pub(crate) mod test_db;

use std::sync::Arc;

use store::MembershipStore;

use crate::error::ServerError;

/// The read marker after a client says it has read up to `requested`: it never goes back,
/// and never past the room's latest seq (so a message yet to come is never read already).
pub fn forward(current: u64, requested: u64, latest: u64) -> u64 {
    current.max(requested.min(latest))
}

/// The socketioxide room of an account's signed-in sockets, for its read-marker events.
pub fn account_room(account_id: i64) -> String {
    format!("a:{account_id}")
}

/// The membership store, shared by the handlers.
pub struct Membership {
    store: Arc<dyn MembershipStore>,
}

impl Membership {
    pub fn new(store: Arc<dyn MembershipStore>) -> Self {
        Self { store }
    }

    /// The store, for blocking callers (`block_in_place`).
    pub fn store(&self) -> &dyn MembershipStore {
        &*self.store
    }

    /// Runs `f` with the store on tokio's blocking pool.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn MembershipStore) -> Result<T, ServerError> + Send + 'static,
    ) -> Result<T, ServerError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&*store))
            .await
            .map_err(|e| ServerError::StoreIo(format!("membership task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_moves_forward_only_and_stops_at_the_latest() {
        assert_eq!(forward(0, 3, 5), 3);
        assert_eq!(forward(3, 2, 5), 3); // never back
        assert_eq!(forward(3, 3, 5), 3);
        assert_eq!(forward(3, 9, 5), 5); // not past the latest message
        assert_eq!(forward(0, 9, 0), 0); // an empty room
        assert_eq!(forward(7, 0, 5), 7); // a marker ahead of a room's latest (never set so) stays
    }
}
