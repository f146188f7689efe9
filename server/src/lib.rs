//! The self-hosted Banter chat server. See `docs/protocol.md` for what it speaks.

pub mod accounts;
pub mod auth;
pub mod backend;
pub mod chat;
pub mod cluster;
pub mod config;
pub mod dms;
pub mod emit;
pub mod eio3;
pub mod error;
pub mod files;
pub mod http;
pub mod membership;
pub mod metrics;
pub mod migrate;
pub mod moderation;
pub mod profanity;
pub mod proxy;
pub mod pg;
pub mod public;
pub mod rate_limit;
pub mod room;
pub mod room_limits;
pub mod rooms;
pub mod search;
pub mod session;
pub mod sio;
pub mod sqlite_schema;
pub mod state;
pub mod store;
pub mod tls;
pub mod unpin;

use std::future::{ready, Future};
use std::sync::Arc;

use banter_protocol::ext;
use serde_json::Value;
use crate::sio::SocketRef;
use socketioxide::extract::TryData;
use socketioxide::handler::ConnectHandler;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::error::ServerError;
use crate::metrics::Metrics;
use crate::rooms::Rooms;
use crate::state::{AppState, Shared};

/// The Redis channels' prefix of the nodes' adapter (`--redis-url`).
pub const ADAPTER_PREFIX: &str = "banter-socket.io";

/// Packets from other nodes the adapter buffers per channel before it drops (at most once).
pub const ADAPTER_STREAM_BUFFER: usize = 16_384;

/// Largest Engine.IO payload accepted from a client; a bigger one closes its connection.
pub const MAX_PAYLOAD_BYTES: u64 = 64 * 1024;

/// Binds the listen address, then serves until `shutdown` completes.
pub async fn run(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServerError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Listen { addr: config.listen, source })?;
    serve(config, listener, shutdown).await
}

/// Serves on a bound listener. Prints `banter-server listening on ADDR` on stdout once ready.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let public = config.public_dir.as_deref().map(public::PublicDir::open).transpose()?;
    // Read before anything starts: a bad certificate is a start-up error.
    let tls = config.tls.as_ref().map(|(cert, key)| tls::acceptor(cert, key)).transpose()?;
    let stores = backend::open(&config).await?;
    let store = stores.messages;
    let accounts = accounts::Accounts::new(stores.accounts, config.accounts);
    let moderation = moderation::Moderation::new(stores.moderation);
    let membership = membership::Membership::new(stores.membership);
    let dms = dms::Dms::new(stores.dms);
    let (search, files) = (stores.search, stores.files);
    // Broadcasts reach the other nodes through Redis (`--redis-url`), or stay here.
    let driver = match &config.redis_url {
        None => cluster::driver::ClusterDriver::standalone(),
        Some(url) => cluster::driver::ClusterDriver::connect(url)
            .await
            .map_err(|e| ServerError::Config(format!("cannot reach Redis at {}: {e}", pg::redact(url))))?,
    };
    let presence = match &config.redis_url {
        None => cluster::presence::Presence::standalone(),
        Some(url) => cluster::presence::Presence::connect(url, &config.node_id).await?,
    };
    if let Some(conn) = presence.connection() {
        accounts.share_limits(cluster::attempts::SharedAttempts::new(conn));
    }
    let adapter = socketioxide_redis::RedisAdapterCtr::new_with_driver(
        driver.clone(),
        // a burst from other nodes waits in this buffer for the adapter's reader (default
        // 1,024: the scale-out bench saw 65 cross-node packets dropped "stream full" with it)
        socketioxide_redis::RedisAdapterConfig::new().with_prefix(ADAPTER_PREFIX).with_stream_buffer(ADAPTER_STREAM_BUFFER),
    );
    let (layer, io) = socketioxide::SocketIo::builder()
        .with_adapter::<sio::Adapter>(adapter)
        .max_buffer_size(config.socket_buffer)
        .max_payload(MAX_PAYLOAD_BYTES)
        .ws_max_message_size(MAX_PAYLOAD_BYTES as usize)
        .ws_max_frame_size(MAX_PAYLOAD_BYTES as usize)
        // Chat frames are small: a 1 KiB read chunk (default 4 KiB) saves ~3 KiB per idle
        // connection (measured with banter-bench: 35.9 → 33.1 KiB); bigger frames take more reads.
        .ws_read_buffer_size(1024)
        .build_layer();
    let st: Shared = Arc::new(AppState {
        rooms: Rooms::new(store.clone()),
        store: store.clone(),
        metrics: Metrics::default(),
        io: io.clone(),
        accounts,
        membership,
        room_limits: room_limits::RoomLimits::new(config.room_limits),
        moderation,
        dms,
        search,
        files,
        control: cluster::control::ControlBus::new(driver.clone(), &config.node_id),
        presence,
        cluster: driver,
        config,
    });

    // Handlers are registered in the connect middleware, which runs before the server
    // confirms the connection: handlers registered in the (async) connect handler can miss
    // events a client sends right after connecting (measured: see socketio-notes.md).
    let mw_st = st.clone();
    let middleware = move |s: SocketRef, TryData(auth): TryData<Value>| {
        let st = mw_st.clone();
        async move {
            auth::check(st.config.token.as_deref(), auth.as_ref().ok()).map_err(|e| {
                tracing::info!(sid = %s.id, "connection refused: bad or missing token");
                e.to_string()
            })?;
            // `auth.session`: a session token signs the socket in (accounts/handlers.rs).
            accounts::handlers::handshake(&st, &s, auth.as_ref().ok()).await?;
            // every event, through one table (chat/mod.rs)
            chat::register(&st, &s);
            // A signed-in socket is in all its account's DMs from the start (dms/).
            dms::attach_all(&st, &s);
            Ok::<(), String>(())
        }
    };
    let hello_st = st.clone();
    let on_connect = move |s: SocketRef| {
        let mut hello = hello_st.hello();
        hello.account = s.extensions.get::<accounts::SignedInAs>().map(|me| me.account());
        let _ = s.emit(ext::HELLO, &hello);
        tracing::debug!(sid = %s.id, "connected");
        ready(())
    };
    // (with Redis this subscribes the node to the namespace's channels)
    io.ns("/", on_connect.with(middleware)).await.map_err(|e| ServerError::Config(format!("cannot start the Socket.IO namespace: {e}")))?;

    let receipts = tokio::spawn(chat::flush_receipts_forever(st.clone()));
    let control = tokio::spawn(cluster::control::run_forever(st.clone()));
    // Heartbeats, dead nodes' members, re-registering after Redis outages (chat/roster.rs).
    let presence_task = st.presence.start(Arc::new(chat::roster::ClusterEvents(Arc::downgrade(&st))));
    let housekeeping = tokio::spawn(accounts::housekeeping_forever(st.clone()));
    let mut app = http::router(st.clone(), public.as_ref()).layer(layer)
        // socket.io 2.x clients' long-polling POSTs, split to fit the payload limit (eio3.rs)
        .layer(axum::middleware::from_fn_with_state(io.clone(), eio3::split_v3_posts))
        // before socketioxide's layer: nothing of the request keeps hyper's read buffer alive
        .layer(axum::middleware::map_request(unpin::unpin));
    if let Some(dir) = &public {
        tracing::info!(dir = %dir.root().display(), "serving static files at / and the socket.io client");
        // The socket.io client's file names win over the Socket.IO layer, for exactly those names.
        app = public::client_files().fallback_service(app);
    }
    let addr = listener.local_addr()?;
    tracing::info!(%addr, db = %st.store.describe(), auth = st.config.token.is_some(), "banter-server started");
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "banter-server listening on {addr}");
        let _ = out.flush();
    }

    let close_io = io.clone();
    let leaving = st.clone();
    let graceful = async move {
        shutdown.await;
        tracing::info!("shutting down: closing connections");
        // Long-lived WebSockets would keep the graceful shutdown waiting: close them first.
        close_io.close().await;
        // The sockets' leaves were announced as they closed; whatever this node still had in
        // the cluster's registry goes (the namespace is closed: nothing to announce it with).
        match leaving.presence.shutdown().await {
            Ok(gone) if !gone.is_empty() => tracing::warn!(rooms = gone.rooms.len(), "members left in the cluster's registry at shutdown removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot remove this node's members from the cluster's registry"),
        }
    };
    // The peer's address reaches the handshake (`ConnectInfo`): sign-ins are limited per address.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    if let Some(tls) = tls {
        tracing::info!("serving HTTPS");
        let listener = tls::TlsListener::new(listener, tls)?.tap_io(|_| ());
        axum::serve(listener, app).with_graceful_shutdown(graceful).await?;
        return Ok(());
    }
    // Nagle's algorithm would hold a small frame written while an earlier one is still
    // unacknowledged until the peer's delayed ACK (40 ms on Linux): chat frames are small
    // and latency matters, so every accepted connection gets TCP_NODELAY (as Node sets it).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app).with_graceful_shutdown(graceful).await?;
    receipts.abort();
    housekeeping.abort();
    control.abort();
    presence_task.abort();
    st.store.flush().await;
    tracing::info!("store flushed; bye");
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
