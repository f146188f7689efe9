//! One Socket.IO connection (rust_socketio, async API), wrapped so that nothing of
//! rust_socketio's quirks leaks out (see shared/docs/socketio-notes.md):
//! - every incoming packet becomes a [`Raw`] item on an unbounded channel, so the socket's
//!   reader never waits for us;
//! - `connect()` returns before the server confirmed: [`Connection::open`] waits for
//!   `Event::Connect` (or the `CONNECT_ERROR`) itself;
//! - acks are handed out through a oneshot channel and timed by our own timer; the caller
//!   keeps at most one ack in flight per connection (rust_socketio picks ack ids at random
//!   in 0..999, so two in flight may collide);
//! - rust_socketio's own reconnection is off: [`crate::room`] reconnects with its own backoff
//!   (rust_socketio issue 374: a manual `disconnect()` may not stop its auto-reconnect);
//! - the connection is a WebSocket from the first request, not Engine.IO's polling handshake
//!   with an upgrade: rust_engineio's default (`TransportType::Any`) silently stays on
//!   long-polling when the upgrade fails, and was seen to do so in 1 of 16 reconnects to a
//!   restarting server. A server cannot see a polling client die, so it kept that client's
//!   name in its rooms for up to a minute after the process was gone (see [`Connection::open`]).

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client as SioClient, ClientBuilder};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::error::ClientError;
use crate::url::ServerUrl;

/// What the socket reported, in order.
#[derive(Debug, Clone)]
pub(crate) enum Raw {
    /// The server confirmed the (re)connection.
    Connected,
    /// A server event with its (spread) arguments.
    Event { name: String, args: Vec<Value> },
    /// A binary event: we have no use for it (reported as a protocol error).
    Binary { name: String, bytes: usize },
    /// The acknowledgement of our request `token`, with its arguments.
    Ack { token: u64, args: Vec<Value> },
    /// Request `token` could not be written (the transport is gone).
    SendFailed { token: u64, error: String },
    /// An error rust_socketio reported.
    Error(String),
    /// The server closed the socket.
    Closed,
    /// The shared connection this room was on is gone (see [`crate::mux`]), and why.
    Lost(String),
    /// An ack (or write failure) for one room of a shared connection: the router hands the
    /// inner item to that room, in the order the socket delivered it among the events.
    For { room: Arc<str>, raw: Box<Raw> },
}

impl Raw {
    /// Whether an error means the transport is gone (as opposed to one bad packet).
    pub(crate) fn is_fatal_error(text: &str) -> bool {
        text.contains("EngineIO") || text.contains("closed") || text.contains("IO-Error")
    }
}

/// A live Socket.IO connection.
#[derive(Clone)]
pub(crate) struct Connection {
    client: SioClient,
    /// The sending end of the connection's [`Raw`] channel: acks go through it too, so they
    /// are seen in exactly the order the socket delivered them, between the events.
    tx: mpsc::UnboundedSender<Raw>,
    /// On a shared connection, the room whose requests these are (acks come as [`Raw::For`]).
    room: Option<Arc<str>>,
}

impl Connection {
    /// Connects and waits until the server confirms (or refuses) the connection. `token` is
    /// the server's access token, `session` an account's session token (both go in the
    /// handshake `auth`, never in the URL).
    pub(crate) async fn open(
        server: &ServerUrl,
        token: Option<&str>,
        session: Option<&str>,
        pin: Option<crate::tls::Fingerprint>,
        connect_timeout: Duration,
    ) -> Result<(Connection, mpsc::UnboundedReceiver<Raw>), ClientError> {
        // A pinned server's certificate is checked first, and then trusted alone (tls.rs).
        let tls = crate::tls::connector_for(server, pin, connect_timeout).await?;
        let tls = &tls;
        // Each attempt has its own channel: a failed attempt's handlers may still report.
        let connect = |transport| async move {
            let (tx, rx) = mpsc::unbounded_channel::<Raw>();
            let mut b = builder(server, token, session, &tx).transport_type(transport);
            if let Some(tls) = tls {
                b = b.tls_config(tls.clone());
            }
            let result = tokio::time::timeout(connect_timeout, b.connect()).await;
            (result, tx, rx)
        };
        let timed_out = || ClientError::ConnectTimeout {
            server: server.to_string(),
            seconds: connect_timeout.as_secs(),
        };
        let (client, tx, mut rx) = match connect(TransportType::Websocket).await {
            (Err(_), ..) => return Err(timed_out()),
            (Ok(Ok(c)), tx, rx) => (c, tx, rx),
            // A server (or proxy) that answered over HTTP but refused the WebSocket: Engine.IO's
            // polling handshake, upgraded when the server allows it.
            (Ok(Err(e)), ..) if websocket_refused_over_http(&e) => {
                tracing::info!(%server, error = %e, "WebSocket refused; trying long-polling");
                match connect(TransportType::Any).await {
                    (Err(_), ..) => return Err(timed_out()),
                    (Ok(Err(e)), ..) => return Err(classify_connect_error(server, &e)),
                    (Ok(Ok(c)), tx, rx) => (c, tx, rx),
                }
            }
            (Ok(Err(e)), ..) => {
                let e = classify_connect_error(server, &e);
                // Refused by the system's roots: say which certificate, so it can be trusted.
                return Err(match e {
                    ClientError::Tls { detail, .. } if tls.is_none() && certificate_refused(&detail) => {
                        crate::tls::untrusted(server, detail, connect_timeout).await
                    }
                    e => e,
                });
            }
        };
        let conn = Connection { client, tx, room: None };
        // Wait for the server's CONNECT (or CONNECT_ERROR). Events before it are kept.
        let mut early = Vec::new();
        let deadline = tokio::time::Instant::now() + connect_timeout;
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Err(_) => {
                    conn.close().await;
                    return Err(timed_out());
                }
                Ok(None) => {
                    return Err(ClientError::Unreachable {
                        server: server.to_string(),
                        detail: "connection closed".into(),
                    })
                }
                Ok(Some(Raw::Connected)) => break,
                Ok(Some(Raw::Error(text))) if text.contains("ConnectError") => {
                    conn.close().await;
                    return Err(classify_connect_refusal(server, &text));
                }
                Ok(Some(Raw::Error(text))) if Raw::is_fatal_error(&text) => {
                    conn.close().await;
                    return Err(ClientError::Unreachable {
                        server: server.to_string(),
                        detail: text,
                    });
                }
                Ok(Some(Raw::Closed)) => {
                    conn.close().await;
                    return Err(ClientError::ConnectRefused {
                        server: server.to_string(),
                        message: "the server closed the socket".into(),
                    });
                }
                Ok(Some(other)) => early.push(other),
            }
        }
        // Put the early events back in front of what comes next.
        let (tx2, rx2) = mpsc::unbounded_channel();
        for e in early {
            let _ = tx2.send(e);
        }
        tokio::spawn(forward(rx, tx2));
        Ok((conn, rx2))
    }

    /// The same connection for one room of it: its acks and write failures come back as
    /// [`Raw::For`] that room.
    pub(crate) fn for_room(&self, room: &str) -> Connection {
        Connection { client: self.client.clone(), tx: self.tx.clone(), room: Some(room.into()) }
    }

    /// Emits an event without an ack.
    pub(crate) async fn emit(&self, event: &str, payload: Value) -> Result<(), String> {
        self.client
            .emit(event, Payload::Text(vec![payload]))
            .await
            .map_err(|e| e.to_string())
    }

    /// Emits an event with an ack. The answer arrives as [`Raw::Ack`] with `token` (or
    /// [`Raw::SendFailed`]) on the connection's channel; the caller times it itself.
    /// rust_socketio's own timeout is set far longer so that it never decides for us.
    pub(crate) fn request(
        &self,
        event: &'static str,
        payload: Value,
        token: u64,
        timeout: Duration,
    ) {
        let client = self.client.clone();
        let tx = self.tx.clone();
        let room = self.room.clone();
        let wrap = move |raw: Raw| match &room {
            Some(room) => Raw::For { room: room.clone(), raw: Box::new(raw) },
            None => raw,
        };
        tokio::spawn(async move {
            let ack_tx = tx.clone();
            let ack_wrap = wrap.clone();
            // Runs while rust_socketio holds its ack lock: only hand the answer over.
            let callback = move |payload: Payload, _: SioClient| {
                let _ = ack_tx.send(ack_wrap(Raw::Ack {
                    token,
                    args: ack_args(payload),
                }));
                async {}.boxed()
            };
            let long = timeout * 4 + Duration::from_secs(60);
            if let Err(e) = client
                .emit_with_ack(event, Payload::Text(vec![payload]), long, callback)
                .await
            {
                let _ = tx.send(wrap(Raw::SendFailed {
                    token,
                    error: e.to_string(),
                }));
            }
        });
    }

    /// Closes the connection (best effort, bounded in time).
    pub(crate) async fn close(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.client.disconnect()).await;
    }
}

async fn forward(mut from: mpsc::UnboundedReceiver<Raw>, to: mpsc::UnboundedSender<Raw>) {
    while let Some(item) = from.recv().await {
        if to.send(item).is_err() {
            break;
        }
    }
}

/// An ack's arguments: rust_socketio wraps them in one array (`cb(a, b)` → `[[a, b]]`).
fn ack_args(payload: Payload) -> Vec<Value> {
    match payload {
        Payload::Text(mut v) => {
            if v.len() == 1 {
                if let Some(Value::Array(_)) = v.first() {
                    if let Some(Value::Array(inner)) = v.pop() {
                        return inner;
                    }
                }
            }
            v
        }
        #[allow(deprecated)]
        Payload::String(s) => match serde_json::from_str(&s) {
            Ok(Value::Array(inner)) => inner,
            Ok(other) => vec![other],
            Err(_) => vec![Value::String(s)],
        },
        Payload::Binary(_) => vec![Value::String("<binary ack>".into())],
    }
}

fn payload_text(p: &Payload) -> String {
    match p {
        Payload::Text(v) => v
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        #[allow(deprecated)]
        Payload::String(s) => s.clone(),
        Payload::Binary(b) => format!("<{} bytes>", b.len()),
    }
}

/// Turns the text of a `CONNECT_ERROR` into an error; token refusals are recognised.
fn classify_connect_refusal(server: &ServerUrl, text: &str) -> ClientError {
    let data = text.split_once(':').map(|(_, d)| d.trim()).unwrap_or(text);
    let message = match serde_json::from_str::<Value>(data) {
        Ok(Value::Object(o)) => o
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| data.to_owned()),
        Ok(Value::String(s)) => s,
        _ => data.to_owned(),
    };
    let lower = message.to_lowercase();
    if message == banter_protocol::accounts::ERR_SESSION_INVALID || lower.contains("session is not valid") {
        ClientError::SessionInvalid {
            server: server.to_string(),
        }
    } else if lower.contains("unauthorized") || lower.contains("token") || lower.contains("auth") {
        ClientError::Unauthorized {
            server: server.to_string(),
            message,
        }
    } else {
        ClientError::ConnectRefused {
            server: server.to_string(),
            message,
        }
    }
}

/// A rust_socketio builder for `server` whose handlers put every packet on `tx` as [`Raw`].
fn builder(
    server: &ServerUrl,
    token: Option<&str>,
    session: Option<&str>,
    tx: &mpsc::UnboundedSender<Raw>,
) -> ClientBuilder {
    let mut builder = ClientBuilder::new(format!("{}/", server.as_str()))
        .reconnect(false)
        .reconnect_on_disconnect(false);
    if let Some(auth) = handshake_auth(token, session) {
        builder = builder.auth(auth);
    }
    let t = tx.clone();
    builder = builder.on(Event::Connect, move |_, _| {
        let _ = t.send(Raw::Connected);
        async {}.boxed()
    });
    let t = tx.clone();
    builder = builder.on(Event::Error, move |payload, _| {
        let _ = t.send(Raw::Error(payload_text(&payload)));
        async {}.boxed()
    });
    let t = tx.clone();
    builder = builder.on(Event::Close, move |_, _| {
        let _ = t.send(Raw::Closed);
        async {}.boxed()
    });
    let t = tx.clone();
    builder.on_any(move |event, payload, _| {
        let name = match event {
            Event::Message => "message".to_owned(),
            Event::Custom(name) => name,
            other => String::from(other),
        };
        let raw = match payload {
            Payload::Text(args) => Raw::Event { name, args },
            #[allow(deprecated)]
            Payload::String(s) => Raw::Event {
                name,
                args: vec![serde_json::from_str(&s).unwrap_or(Value::String(s))],
            },
            Payload::Binary(b) => Raw::Binary {
                name,
                bytes: b.len(),
            },
        };
        let _ = t.send(raw);
        async {}.boxed()
    })
}

/// The handshake `auth`: `{"token"?, "session"?}`, or none when there is neither.
fn handshake_auth(token: Option<&str>, session: Option<&str>) -> Option<Value> {
    let mut auth = serde_json::Map::new();
    if let Some(token) = token {
        auth.insert("token".into(), Value::String(token.to_owned()));
    }
    if let Some(session) = session {
        auth.insert(banter_protocol::accounts::AUTH_SESSION.into(), Value::String(session.to_owned()));
    }
    (!auth.is_empty()).then_some(Value::Object(auth))
}

/// Whether a WebSocket connect failed because a Socket.IO server that does not offer
/// WebSocket refused it: it answers the upgrade request with HTTP 400 (the Node server's
/// "Transport unknown"; tungstenite's `Error::Http`, shown as "HTTP error: 400 …").
/// Any other status (404: no Socket.IO server at that path) is not a reason to try
/// long-polling: rust_engineio 0.6 re-polls at once when a polling answer carries no packet,
/// and was seen making 100 requests in 0.4 s to a web server that answered 404 with an empty
/// body.
fn websocket_refused_over_http(e: &rust_socketio::Error) -> bool {
    error_chain(e).contains("HTTP error: 400")
}

/// An error and all its sources, joined with ": ".
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    chain
}

/// Whether a TLS failure is the certificate's (as opposed to, say, plain HTTP on https).
fn certificate_refused(detail: &str) -> bool {
    let d = detail.to_lowercase();
    ["certificate verify failed", "self-signed", "self signed", "unable to get local issuer", "certificate has expired", "unknown ca", "hostname mismatch"]
        .iter()
        .any(|w| d.contains(w))
}

/// Turns a failed transport connect into an error, with the whole error chain as detail.
fn classify_connect_error(server: &ServerUrl, e: &rust_socketio::Error) -> ClientError {
    let detail = error_chain(e);
    let debug = format!("{e:?}").to_lowercase();
    let lower = detail.to_lowercase();
    let tls_words = [
        "certificate",
        "tls",
        "ssl",
        "handshake",
        "wrong version number",
        "x509",
    ];
    if server.is_tls()
        && tls_words
            .iter()
            .any(|w| lower.contains(w) || debug.contains(w))
    {
        ClientError::Tls {
            server: server.to_string(),
            detail,
        }
    } else {
        ClientError::Unreachable {
            server: server.to_string(),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ack_args_unwrap_the_array() {
        assert_eq!(
            ack_args(Payload::Text(vec![json!([])])),
            Vec::<Value>::new()
        );
        assert_eq!(
            ack_args(Payload::Text(vec![json!(["err"])])),
            vec![json!("err")]
        );
        assert_eq!(
            ack_args(Payload::Text(vec![json!([null, {"a": 1}])])),
            vec![json!(null), json!({"a": 1})]
        );
        assert_eq!(ack_args(Payload::Text(vec![])), Vec::<Value>::new());
    }

    #[test]
    fn refusals_are_classified() {
        let s = ServerUrl::parse("http://x:1").unwrap();
        let e = classify_connect_refusal(
            &s,
            r#"Received an ConnectError frame: {"message":"Unauthorized: this server requires a valid access token"}"#,
        );
        assert_eq!(e.code(), "unauthorized");
        assert!(e.to_string().contains("requires a valid access token"));
        let e = classify_connect_refusal(
            &s,
            r#"Received an ConnectError frame: {"message":"server full"}"#,
        );
        assert_eq!(e.code(), "connect_refused");
        let e = classify_connect_refusal(
            &s,
            &format!(
                r#"Received an ConnectError frame: {{"message":"{}"}}"#,
                banter_protocol::accounts::ERR_SESSION_INVALID
            ),
        );
        assert_eq!(e.code(), "session_invalid");
    }

    #[test]
    fn the_handshake_carries_token_and_session_side_by_side() {
        assert_eq!(handshake_auth(None, None), None);
        assert_eq!(handshake_auth(Some("t"), None), Some(json!({"token": "t"})));
        assert_eq!(
            handshake_auth(Some("t"), Some("s")),
            Some(json!({"token": "t", "session": "s"}))
        );
        assert_eq!(handshake_auth(None, Some("s")), Some(json!({"session": "s"})));
    }
}
