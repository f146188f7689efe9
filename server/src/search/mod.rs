//! `banter:search` (`docs/protocol.md` § 11): full-text search over every room and DM the
//! socket may read. A signed-in socket reads its account's rooms and DMs (whether or not this
//! socket is in them now), minus what the names it blocks wrote; a guest reads the rooms its
//! socket is in. A room outside those is never searched, whatever `in:` says. The index is
//! `store.rs`.

pub mod pg_store;
pub mod store;

use std::collections::BTreeSet;
use std::sync::Arc;

use banter_protocol::search::{self as wire, Query, SearchRequest, SearchResults};
use banter_protocol::rules;
use crate::sio::{AckSender, SocketRef};

use crate::accounts::SignedInAs;
use crate::chat::{self, ack_data, ack_err, parse, Payload, ERR_SERVER};
use crate::error::ServerError;
use crate::state::{AppState, Shared};

pub use store::{SearchStore, SqliteSearchStore};

/// Default number of results.
const DEFAULT_LIMIT: u32 = 50;

/// The search events and their handlers (dispatched by `chat`, from one table).
pub(crate) const EVENTS: &[(&str, chat::Handler)] = &[
    (wire::SEARCH, on_search),
];

/// The rooms and DMs this socket may read, and the names whose messages it does not see.
fn readable(st: &AppState, s: &SocketRef) -> Result<(Vec<String>, Vec<String>), ServerError> {
    let mut rooms: BTreeSet<String> = chat::session(s).lock().rooms.iter().map(|(r, _)| r.clone()).collect();
    let mut hidden = Vec::new();
    if let Some(me) = s.extensions.get::<SignedInAs>() {
        rooms.extend(st.membership.store().rooms_of(me.account_id, &me.name)?.into_iter().map(|r| r.room));
        rooms.extend(st.dms.store().dms_of(me.account_id)?.into_iter().map(|d| d.id));
        hidden = st.dms.store().blocked_by(me.account_id)?;
    }
    Ok((rooms.into_iter().collect(), hidden))
}

fn on_search(st: &Shared, s: &SocketRef, data: Payload, ack: AckSender) {
    let req: SearchRequest = match parse(data, r#"{"query": string, "room"?: string, "limit"?: number}"#) {
        Ok(r) => r,
        Err(e) => return ack_err(st, ack, e),
    };
    let mut query = match Query::parse(&req.query) {
        Ok(q) => q,
        Err(reason) => return ack_err(st, ack, reason),
    };
    if let Some(room) = &req.room {
        query.room = Some(rules::normalise_name(room));
    }
    let limit = req.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, wire::MAX_RESULTS);
    let (st, s) = (st.clone(), s.clone());
    tokio::spawn(async move {
        let (store, st2) = (st.search.clone(), st.clone());
        let found = tokio::task::spawn_blocking(move || -> Result<SearchResults, ServerError> {
            let (mut rooms, hidden) = readable(&st2, &s)?;
            if let Some(only) = &query.room {
                rooms.retain(|r| r == only);
            }
            Ok(SearchResults { hits: store.search(&query, &rooms, &hidden, limit)? })
        })
        .await;
        match found {
            Ok(Ok(results)) => ack_data(ack, &results),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "search failed");
                ack_err(&st, ack, ERR_SERVER);
            }
            Err(e) => {
                tracing::error!(error = %e, "search task failed");
                ack_err(&st, ack, ERR_SERVER);
            }
        }
    });
}

/// The index for a server's database, for `lib.rs`.
pub fn open(path: &std::path::Path) -> Result<Arc<dyn SearchStore>, ServerError> {
    Ok(Arc::new(SqliteSearchStore::open(path)?))
}
