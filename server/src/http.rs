//! The plain HTTP side: a page that says what this server is (or, with `--public`, the
//! directory's files), and a health check.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::metrics::Metrics;
use crate::public::PublicDir;
use crate::state::Shared;

/// With `--public`, `/` and every path without a route are the directory's files.
pub fn router(st: Shared, public: Option<&PublicDir>) -> Router {
    let router = Router::new().route("/healthz", get(healthz)).merge(crate::files::routes());
    let router = match public {
        Some(dir) => router.fallback_service(dir.files()),
        None => router.route("/", get(index)),
    };
    router.with_state(st)
}

async fn index(State(st): State<Shared>) -> impl IntoResponse {
    let auth = if st.config.token.is_some() {
        "This server requires an access token: give it in the Socket.IO handshake, auth: {\"token\": \"…\"}."
    } else {
        "This server is open: no access token is needed."
    };
    let body = format!(
        "Banter chat server {version}\n\n\
         This is a Banter server: chat rooms over Socket.IO (protocol v5 for socket.io 3.x/4.x clients, v4 for 2.x).\n\
         Connect with the Banter desktop app or `banter-cli chat --server <this URL> --name NAME --room ROOM`,\n\
         or with any client of the classic Socket.IO chat protocol (events join, sendMessage, sendLocation).\n\
         {auth}\n\n\
         Health: /healthz\n",
        version = env!("CARGO_PKG_VERSION"),
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body)
}

async fn healthz(State(st): State<Shared>) -> impl IntoResponse {
    let m = &st.metrics;
    // The store answers (PostgreSQL may be unreachable; the SQLite file is this process's).
    let store = match st.store.pg() {
        None => json!({ "kind": "sqlite", "ok": true }),
        Some(pg) => match tokio::time::timeout(std::time::Duration::from_secs(2), pg.ping()).await {
            Ok(Ok(())) => json!({ "kind": "postgres", "ok": true }),
            Ok(Err(e)) => json!({ "kind": "postgres", "ok": false, "error": e.to_string() }),
            Err(_) => json!({ "kind": "postgres", "ok": false, "error": "no answer within 2 s" }),
        },
    };
    let adapter = st.cluster.state();
    let presence = st.presence.state();
    let sockets = crate::sio::sockets(&st.io);
    let status = if store["ok"] == true && adapter.connected && presence.connected { "ok" } else { "degraded" };
    Json(json!({
        "status": status,
        "node": st.config.node_id,
        "store": store,
        "adapter": adapter,
        "presence": presence,
        "version": env!("CARGO_PKG_VERSION"),
        "connections": sockets.len(),
        // Long-polling clients: the server notices one is gone only at its ping timeout.
        "pollingConnections": sockets.iter().filter(|s| s.transport_type() == socketioxide::TransportType::Polling).count(),
        "roomsOpen": st.rooms.len(),
        "messages": Metrics::get(&m.messages),
        "refused": Metrics::get(&m.refused),
        "droppedEvents": Metrics::get(&m.dropped_events),
        "failedDeliveries": Metrics::get(&m.failed_deliveries),
    }))
}
