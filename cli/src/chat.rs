//! `banter-cli chat`: join, send stdin lines, print events, wait for every outcome.

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use banter_client::{
    location, AckStatus, Client, ClientConfig, ClientError, ClientEvent, DmOptions, JoinOptions,
    ServerUrl,
};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

use crate::output::{json_line, Printer};
use crate::{exit, token, ChatArgs};

/// One line on stderr in plain words (connection errors without the transport's chain).
fn fail(code: u8, e: &ClientError) -> u8 {
    eprintln!("banter-cli: {}", e.summary());
    crate::trust_hint(e);
    code
}

pub async fn run(args: ChatArgs) -> u8 {
    let server = match ServerUrl::parse(&args.server) {
        Ok(s) => s,
        Err(e) => return fail(exit::USAGE, &e),
    };
    // Without --token, the stored token if any, and the session stored for this server and
    // name (`account login`) if any; no reachable keyring means neither.
    let (token, session) = {
        let (s, name, given) = (server.clone(), args.name.clone(), args.token.clone());
        tokio::task::spawn_blocking(move || {
            let store = token::store();
            let token = match given {
                Some(t) => Ok(Some(t)),
                None => store.get(&s),
            };
            if matches!(token, Err(ClientError::KeyringUnavailable(_))) {
                return (None, None);
            }
            let session = store.get_session(&s, &name).ok().flatten();
            (token.ok().flatten(), session)
        })
        .await
        .unwrap_or((None, None))
    };
    let data_dir = args.data_dir.clone().unwrap_or_else(|| {
        directories::ProjectDirs::from("org", "banter", "banter-cli")
            .map(|d| d.data_dir().to_owned())
            .unwrap_or_else(|| std::env::temp_dir().join("banter-cli"))
    });
    let mut config = ClientConfig::new(data_dir);
    config.request_timeout = Duration::from_secs(args.ack_timeout.max(1));
    let (client, mut events) = Client::new(config);
    if let Err(e) = crate::trust(&client, server.as_str(), args.trust_fingerprint.as_deref()) {
        return fail(exit::USAGE, &e);
    }

    // Print every event as it comes; hand acks to the main task.
    let printer = Printer {
        json: args.json,
        multi_room: args.rooms.len() > 1,
    };
    let (ack_tx, mut ack_rx) = mpsc::unbounded_channel::<()>();
    // Ids of our delivered messages whose own `message` event has not been shown yet (a
    // Banter server may send the ack before the broadcast).
    let echoes = Arc::new(Mutex::new(Echoes::default()));
    let echoes2 = echoes.clone();
    let print_task = tokio::spawn(async move {
        let stdout = std::io::stdout();
        while let Some(event) = events.recv().await {
            let mut out = stdout.lock();
            let _ = printer.print(&mut out, &event);
            let _ = out.flush();
            match &event {
                ClientEvent::Ack {
                    id,
                    status: AckStatus::Delivered,
                    seq: Some(_),
                    ..
                } => {
                    if let Ok(mut e) = echoes2.lock() {
                        e.acked(id);
                    }
                    let _ = ack_tx.send(());
                }
                ClientEvent::Ack { .. } => {
                    let _ = ack_tx.send(());
                }
                ClientEvent::Message {
                    id: Some(id),
                    mine: true,
                    ..
                } => {
                    if let Ok(mut e) = echoes2.lock() {
                        e.shown(id);
                    }
                }
                _ => {}
            }
        }
    });

    let server_str = server.to_string();
    for room in &args.rooms {
        let opts = JoinOptions::new(&server_str, room, &args.name)
            .token(token.clone())
            .session(session.clone());
        if let Err(e) = client.join(opts).await {
            client.shutdown().await;
            if let ClientError::SessionInvalid { .. } = e {
                // ended (signed out, revoked, expired): drop it, as the server asks
                let (s, name) = (server.clone(), args.name.clone());
                let _ = tokio::task::spawn_blocking(move || token::store().clear_session(&s, &name)).await;
                return fail(exit::ACCOUNT, &e);
            }
            let code = match e {
                ClientError::JoinRefused { .. } | ClientError::InvalidInput(_) => {
                    exit::JOIN_REFUSED
                }
                _ => exit::CONNECT,
            };
            return fail(code, &e);
        }
    }
    let first_room = if args.dm_to.is_empty() {
        args.rooms.first().cloned().unwrap_or_default()
    } else {
        match open_dm(&client, &args, &server, token, session).await {
            Ok(dm) => dm,
            Err(code) => return code,
        }
    };

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        match lines.next_line().await {
            Ok(Some(line)) => {
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() {
                    continue;
                }
                let sent = match location::command(line) {
                    // `/location LAT,LON`: a shared location; a bad one is reported, and the
                    // next lines are still sent
                    Some(arg) => match location::parse(arg) {
                        Ok(at) => client
                            .send_location(&server_str, &first_room, at.latitude, at.longitude)
                            .await
                            .map(drop),
                        Err(e) => Err(e),
                    },
                    None => client.send(&server_str, &first_room, line).await.map(drop),
                };
                if let Err(e) = sent {
                    print_error(args.json, &e);
                }
            }
            Ok(None) => break,
            Err(e) => {
                eprintln!("banter-cli: cannot read stdin: {e}");
                break;
            }
        }
    }

    // Wait until every message has an outcome.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.outcome_timeout);
    let mut code = 0;
    while client.unresolved() > 0 {
        tokio::select! {
            _ = ack_rx.recv() => {}
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            _ = tokio::time::sleep_until(deadline) => {
                eprintln!("banter-cli: {} message(s) still without an outcome after {} s", client.unresolved(), args.outcome_timeout);
                code = exit::NO_OUTCOME;
                break;
            }
        }
    }
    // Give our own last messages a moment to come back from the room (bounded).
    let echo_deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while echoes
        .lock()
        .map(|e| !e.waiting.is_empty())
        .unwrap_or(false)
        && tokio::time::Instant::now() < echo_deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client.shutdown().await;
    drop(client);
    // Every event already queued is printed: the stream ends once every room has stopped.
    let _ = print_task.await;
    code
}

/// `dm`: opens the direct message with `args.dm_to` signed in with `session`; its id, or
/// the exit code after one line on stderr.
async fn open_dm(
    client: &Client,
    args: &ChatArgs,
    server: &ServerUrl,
    token: Option<String>,
    session: Option<banter_client::SessionToken>,
) -> Result<String, u8> {
    if session.is_none() {
        eprintln!(
            "banter-cli: not signed in on {server} as {}: sign in with 'banter-cli account login' first (direct messages are between accounts)",
            args.name
        );
        return Err(exit::ACCOUNT);
    }
    let with: Vec<&str> = args.dm_to.iter().map(String::as_str).collect();
    let opts = DmOptions::with(server.as_str(), session, &with).token(token);
    match client.open_dm(opts).await {
        Ok(dm) => Ok(dm.dm),
        Err(e) => {
            client.shutdown().await;
            if let ClientError::SessionInvalid { .. } = e {
                let (s, name) = (server.clone(), args.name.clone());
                let _ = tokio::task::spawn_blocking(move || token::store().clear_session(&s, &name)).await;
            }
            let code = match e {
                ClientError::NotSignedIn { .. }
                | ClientError::SessionInvalid { .. }
                | ClientError::NoSuchAccount { .. }
                | ClientError::NoSuchDm
                | ClientError::DmRefused(_)
                | ClientError::DmsUnsupported { .. }
                | ClientError::NotABanterServer { .. }
                | ClientError::AccountsUnsupported { .. }
                | ClientError::InvalidInput(_) => exit::ACCOUNT,
                _ => exit::CONNECT,
            };
            Err(fail(code, &e))
        }
    }
}

/// Delivered messages (Banter) waiting for their own `message` event.
#[derive(Default)]
struct Echoes {
    waiting: HashSet<String>,
    shown: HashSet<String>,
}

impl Echoes {
    fn acked(&mut self, id: &str) {
        if !self.shown.remove(id) {
            self.waiting.insert(id.to_owned());
        }
    }

    fn shown(&mut self, id: &str) {
        if !self.waiting.remove(id) {
            self.shown.insert(id.to_owned());
        }
    }
}

fn print_error(json: bool, e: &ClientError) {
    let event = ClientEvent::error(None, None, e);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        let _ = writeln!(out, "{}", json_line(&event));
    } else {
        let _ = writeln!(out, "! error ({}): {e}", e.code());
    }
    let _ = out.flush();
}
