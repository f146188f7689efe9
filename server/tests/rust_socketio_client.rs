//! The real banter-server binary driven by `rust_socketio` (the client crate the Banter
//! client core uses): the classic flow, the extensions and the token, with the ack shapes
//! rust_socketio really produces.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use banter_protocol::ack::AckReply;
use banter_protocol::ext::{JoinAccepted, Message, SendAccepted};
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::time::timeout;

struct Server {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("t.db");
        let mut child = Command::new(env!("CARGO_BIN_EXE_banter-server"))
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(&db)
            .args(extra)
            .env_remove("BANTER_TOKEN")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn banter-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("first line");
        let addr = line.trim().rsplit(' ').next().expect("address").to_owned();
        Server { child, url: format!("http://{addr}"), _dir: dir }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

type Events = mpsc::UnboundedReceiver<(String, Vec<Value>)>;

/// Connects, forwarding every event (and errors) to a channel; waits for Event::Connect.
async fn connect(url: &str, auth: Option<Value>) -> Result<(Client, Events), String> {
    let (tx, rx) = mpsc::unbounded_channel();
    let (conn_tx, mut conn_rx) = mpsc::unbounded_channel::<Result<(), String>>();
    let (c1, c2) = (conn_tx.clone(), conn_tx);
    let mut builder = ClientBuilder::new(url)
        .reconnect(false)
        .on(Event::Connect, move |_, _| {
            let _ = c1.send(Ok(()));
            async {}.boxed()
        })
        .on(Event::Error, move |p, _| {
            let _ = c2.send(Err(format!("{p:?}")));
            async {}.boxed()
        })
        .on_any(move |event, payload, _| {
            if let Payload::Text(args) = payload {
                let _ = tx.send((String::from(event), args));
            }
            async {}.boxed()
        });
    if let Some(auth) = auth {
        builder = builder.auth(auth);
    }
    let client = builder.connect().await.map_err(|e| e.to_string())?;
    match timeout(Duration::from_secs(5), conn_rx.recv()).await {
        Ok(Some(Ok(()))) => Ok((client, rx)),
        Ok(Some(Err(e))) => Err(e),
        _ => Err("no connect within 5 s".into()),
    }
}

/// emit_with_ack whose answer comes back through a channel, with our own timeout.
async fn ack(client: &Client, event: &str, data: Value) -> AckReply {
    let (tx, mut rx) = mpsc::unbounded_channel();
    client
        .emit_with_ack(event, data, Duration::from_secs(10), move |payload, _| {
            // rust_socketio wraps ack arguments in one array: cb() → [[]], cb(a, b) → [[a, b]].
            let args = match payload {
                Payload::Text(mut v) if v.len() == 1 && v[0].is_array() => match v.remove(0) {
                    Value::Array(a) => a,
                    other => vec![other],
                },
                Payload::Text(v) => v,
                _ => vec![],
            };
            let _ = tx.send(args);
            async {}.boxed()
        })
        .await
        .expect("emit");
    let args = timeout(Duration::from_secs(5), rx.recv()).await.expect("ack in time").expect("ack");
    AckReply::from_args(&args)
}

async fn next_event(rx: &mut Events, name: &str) -> Vec<Value> {
    timeout(Duration::from_secs(5), async {
        loop {
            let (event, args) = rx.recv().await.expect("events channel open");
            if event == name {
                return args;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {name} event within 5 s"))
}

#[tokio::test(flavor = "multi_thread")]
async fn classic_flow_with_rust_socketio() {
    let server = Server::start(&[]);
    let (client, mut events) = connect(&server.url, None).await.expect("connect");
    assert_eq!(ack(&client, "join", json!({"username": "Rusty", "room": "Crab"})).await, AckReply::Ok);
    let welcome = next_event(&mut events, "message").await;
    assert_eq!(welcome[0]["text"], "Welcome!");
    let room_data = next_event(&mut events, "roomData").await;
    assert_eq!(room_data[0]["users"][0]["username"], "rusty");
    assert_eq!(ack(&client, "sendMessage", json!("hello from rust")).await, AckReply::Ok);
    let mine = next_event(&mut events, "message").await;
    assert_eq!((mine[0]["username"].as_str(), mine[0]["text"].as_str()), (Some("rusty"), Some("hello from rust")));
    assert_eq!(
        ack(&client, "sendMessage", json!("fuck")).await,
        AckReply::Refused("Profanity is not allowed!".into())
    );
    let _ = client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn extensions_with_rust_socketio() {
    let server = Server::start(&["--rate-limit", "0"]);
    let (a, mut a_events) = connect(&server.url, None).await.expect("connect a");
    let (b, mut b_events) = connect(&server.url, None).await.expect("connect b");
    let hello = next_event(&mut a_events, "banter:hello").await;
    assert_eq!(hello[0]["protocol"], 1);

    let AckReply::OkWith(joined) = ack(&a, "join", json!({"username": "a", "room": "rs", "banter": {"v": 1}})).await else {
        panic!("a Banter server answers a Banter join with data");
    };
    let joined: JoinAccepted = serde_json::from_value(joined).expect("JoinAccepted");
    assert_eq!((joined.room.as_str(), joined.latest_seq, joined.users.clone()), ("rs", 0, vec!["a".to_string()]));
    assert!(matches!(ack(&b, "join", json!({"username": "b", "room": "rs", "banter": {"v": 1}})).await, AckReply::OkWith(_)));
    let presence = next_event(&mut a_events, "banter:presence").await;
    assert_eq!((presence[0]["username"].as_str(), presence[0]["event"].as_str()), (Some("b"), Some("joined")));

    let send = json!({"id": "rs-1", "room": "rs", "text": "typed in rust"});
    let AckReply::OkWith(first) = ack(&a, "banter:send", send.clone()).await else { panic!("send accepted") };
    let first: SendAccepted = serde_json::from_value(first).expect("SendAccepted");
    let AckReply::OkWith(again) = ack(&a, "banter:send", send).await else { panic!("resend accepted") };
    let again: SendAccepted = serde_json::from_value(again).expect("SendAccepted");
    assert_eq!((first.seq, first.duplicate, again.seq, again.duplicate), (1, false, 1, true));
    let got: Message = serde_json::from_value(next_event(&mut b_events, "banter:message").await.remove(0)).expect("Message");
    assert_eq!((got.id.as_str(), got.seq, got.text.as_str()), ("rs-1", 1, "typed in rust"));

    // receipts without any emit-with-ack from the server: b confirms with an event
    b.emit("banter:received", json!({"room": "rs", "seq": 1})).await.expect("emit received");
    let receipt = next_event(&mut a_events, "banter:receipt").await;
    assert_eq!((receipt[0]["receivedBy"].as_u64(), receipt[0]["recipients"].as_u64()), (Some(1), Some(1)));
    let _ = a.disconnect().await;
    let _ = b.disconnect().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn token_is_required_when_configured() {
    let server = Server::start(&["--token", "let-me-in"]);
    let Err(refused) = connect(&server.url, None).await else { panic!("connected without a token") };
    assert!(refused.contains("Unauthorized: this server requires a valid access token"), "{refused}");
    let Err(refused) = connect(&server.url, Some(json!({"token": "nope"}))).await else {
        panic!("connected with a wrong token")
    };
    assert!(refused.contains("Unauthorized"), "{refused}");
    let (client, _events) = connect(&server.url, Some(json!({"token": "let-me-in"}))).await.expect("accepted");
    assert_eq!(ack(&client, "join", json!({"username": "ok", "room": "vip"})).await, AckReply::Ok);
    let _ = client.disconnect().await;
}
