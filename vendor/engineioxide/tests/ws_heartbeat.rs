//! Banter's fork: a session that starts on WebSocket runs its heartbeat in its reader task
//! (src/transport/ws_heartbeat.rs). These pin the schedule it keeps: a ping at once and then
//! every `ping_interval`, the session kept while the client answers, closed with
//! `HeartbeatTimeout` when it stops answering.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use engineioxide::{
    Str,
    handler::EngineIoHandler,
    socket::{DisconnectReason, Socket},
};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

mod fixture;
use fixture::{create_server, create_ws_connection};

#[derive(Debug, Clone)]
struct MyHandler {
    disconnect_tx: mpsc::UnboundedSender<DisconnectReason>,
}

impl EngineIoHandler for MyHandler {
    type Data = ();
    fn on_connect(self: Arc<Self>, _: Arc<Socket<()>>) {}
    fn on_disconnect(&self, _: Arc<Socket<()>>, reason: DisconnectReason) {
        self.disconnect_tx.send(reason).ok();
    }
    fn on_message(self: &Arc<Self>, msg: Str, socket: Arc<Socket<()>>) {
        socket.emit(msg).ok();
    }
    fn on_binary(self: &Arc<Self>, _: Bytes, _: Arc<Socket<()>>) {}
}

/// The fixture's server pings every 300 ms and waits 200 ms for the pong.
#[tokio::test]
async fn a_client_that_answers_stays_and_gets_a_ping_every_interval() {
    let (disconnect_tx, mut disconnects) = mpsc::unbounded_channel();
    let mut svc = create_server(MyHandler { disconnect_tx }).await;
    let mut ws = create_ws_connection(&mut svc).await;
    let started = tokio::time::Instant::now();
    let mut pings = Vec::new();
    while started.elapsed() < Duration::from_millis(1_050) {
        let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_millis(100), ws.next()).await else {
            continue;
        };
        if msg == Message::Text("2".into()) {
            pings.push(started.elapsed());
            ws.send(Message::Text("3".into())).await.unwrap();
        }
    }
    // at ~0, 300, 600, 900 ms
    assert_eq!(pings.len(), 4, "pings at {pings:?}");
    assert!(pings[0] < Duration::from_millis(100), "first ping at {:?}", pings[0]);
    for pair in pings.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(280) && gap < Duration::from_millis(400), "pings at {pings:?}");
    }
    assert!(disconnects.try_recv().is_err(), "the session must stay open");
    // messages still flow both ways beside the heartbeat
    ws.send(Message::Text("4hello".into())).await.unwrap();
    let echoed = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) if t.as_str() == "4hello" => return true,
                Some(Ok(_)) => continue,
                _ => return false,
            }
        }
    })
    .await;
    assert_eq!(echoed, Ok(true));
}

#[tokio::test]
async fn a_client_that_stops_answering_is_closed_for_its_missing_pong() {
    let (disconnect_tx, mut disconnects) = mpsc::unbounded_channel();
    let mut svc = create_server(MyHandler { disconnect_tx }).await;
    let mut ws = create_ws_connection(&mut svc).await;
    // answer the first ping, then read nothing more (reading a closed mock stream makes the
    // client write its close reply into a pipe the server has dropped)
    let ping = tokio::time::timeout(Duration::from_millis(500), async {
        while let Some(Ok(msg)) = ws.next().await {
            if msg == Message::Text("2".into()) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(ping, Ok(true), "the first ping");
    let answered_at = tokio::time::Instant::now();
    ws.send(Message::Text("3".into())).await.unwrap();
    let reason = tokio::time::timeout(Duration::from_secs(2), disconnects.recv()).await.expect("closed in time");
    assert_eq!(reason, Some(DisconnectReason::HeartbeatTimeout));
    // the second ping at ~300 ms, its pong due 200 ms later
    let after = answered_at.elapsed();
    assert!(after >= Duration::from_millis(400) && after < Duration::from_millis(900), "closed after {after:?}");
}

#[tokio::test]
async fn a_pong_before_any_ping_is_not_an_error() {
    let (disconnect_tx, mut disconnects) = mpsc::unbounded_channel();
    let mut svc = create_server(MyHandler { disconnect_tx }).await;
    let mut ws = create_ws_connection(&mut svc).await;
    ws.send(Message::Text("3".into())).await.unwrap();
    ws.send(Message::Text("3".into())).await.unwrap();
    let started = tokio::time::Instant::now();
    while started.elapsed() < Duration::from_millis(700) {
        if let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_millis(50), ws.next()).await {
            if msg == Message::Text("2".into()) {
                ws.send(Message::Text("3".into())).await.unwrap();
            }
        }
    }
    assert!(disconnects.try_recv().is_err(), "the session must stay open");
}
