//! Banter's desktop app: thin Tauri glue. Commands validate their input, call the core and
//! map errors to `{code, message}`; the core's events go to the UI in batches over a
//! Channel; notifications go through `notify_policy`.

pub mod commands;
pub mod core;
pub mod error;
pub mod format;
pub mod instance;
pub mod ipc;
pub mod links;
pub mod local_server;
pub mod notify_policy;
pub mod settings;
pub mod validate;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use banter_client::accounts::{Registration, ServerAccess, SessionToken};
use banter_client::{Client, ClientConfig, ClientError, CredentialStore, JoinOptions, ServerUrl};
use tauri::ipc::Channel;
use tauri::{Manager, State};
use tokio::sync::mpsc;

use crate::core::{map_err, CoreEvent, Glue};
use error::{CmdResult, CommandError, ErrorCode};
use ipc::*;

/// How often queued UI events are flushed to the page (one batch per tick at most).
const FLUSH_EVERY: Duration = Duration::from_millis(40);
/// How often the timeline cache is written when it changed.
const SAVE_EVERY: Duration = Duration::from_secs(2);

fn timeline_path() -> PathBuf {
    data_dir().join("timeline.json")
}

/// Largest batch sent at once.
const MAX_BATCH: usize = 500;

/// Who we are on a server: set by `connect`, used by every `join` there.
#[derive(Clone)]
struct Session {
    display_name: String,
    token: Option<String>,
    /// A typed token to store in the keyring once a join proved it right.
    remember: Option<String>,
    /// The server this app hosts itself.
    local: bool,
    /// Signed in: the account's name and its session (from the keyring); `None`: a guest.
    account: Option<(String, SessionToken)>,
}

/// How this app names its sessions in the account's list of sessions.
const DEVICE_NAME: &str = "Banter desktop";

pub struct AppState {
    settings: Mutex<Settings>,
    settings_path: Option<PathBuf>,
    client: Client,
    glue: Glue,
    creds: CredentialStore,
    sessions: Mutex<HashMap<String, Session>>,
    tx: core::EventTx,
    sink: Mutex<Option<Channel<Vec<UiEvent>>>>,
    policy: Mutex<notify_policy::Policy>,
    focused: AtomicBool,
    local: tokio::sync::Mutex<Option<local_server::LocalServer>>,
    /// The start-up re-joins still under way, by server: "Forget" on a server that is down
    /// ends its wait.
    resuming: Mutex<HashMap<String, tauri::async_runtime::JoinHandle<()>>>,
}

/// The server's key: banter-client's normalised URL, after our own checks.
fn server_key(raw: &str) -> CmdResult<ServerUrl> {
    validate::server_url(raw)?;
    ServerUrl::parse(raw).map_err(map_err)
}

impl AppState {
    fn settings(&self) -> Settings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn update_settings(&self, f: impl FnOnce(&mut Settings)) -> CmdResult<()> {
        let snapshot = {
            let mut s = self.settings.lock().map_err(|_| CommandError::internal("settings poisoned"))?;
            f(&mut s);
            s.clone()
        };
        if let Ok(mut p) = self.policy.lock() {
            p.prefs = snapshot.notifications.to_policy();
        }
        match &self.settings_path {
            Some(path) => settings::save(path, &snapshot),
            None => Ok(()),
        }
    }

    fn session(&self, server: &str) -> CmdResult<Session> {
        self.sessions
            .lock()
            .ok()
            .and_then(|s| s.get(server).cloned())
            .ok_or_else(|| CommandError::new(ErrorCode::NotConnected, format!("Not connected to {server}: connect first.")))
    }

    fn stored_token(&self, server: &ServerUrl) -> Option<String> {
        self.creds.get(server).unwrap_or_else(|e| {
            tracing::warn!(code = e.code(), "keyring read failed");
            None
        })
    }
}

fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("BANTER_DATA_DIR") {
        return PathBuf::from(d);
    }
    directories::ProjectDirs::from("chat", "banter", "banter")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(std::env::temp_dir)
}

#[tauri::command]
async fn subscribe(app: tauri::AppHandle, state: State<'_, AppState>, channel: Channel<Vec<UiEvent>>) -> CmdResult<()> {
    // an invite link given at launch, kept until the page listens
    let pending = links::take_pending(&app);
    if !pending.is_empty() {
        let _ = channel.send(pending);
    }
    *state.sink.lock().map_err(|_| CommandError::internal("poisoned"))? = Some(channel);
    Ok(())
}

#[tauri::command]
async fn app_info(state: State<'_, AppState>) -> CmdResult<AppInfo> {
    let settings = state.settings();
    let remembered_tokens = settings
        .servers
        .iter()
        .filter(|s| ServerUrl::parse(&s.url).is_ok_and(|u| matches!(state.creds.get(&u), Ok(Some(_)))))
        .map(|s| s.url.clone())
        .collect();
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        settings,
        local_server_available: local_server::find().is_some(),
        remembered_tokens,
        suggested_name: std::env::var("USER")
            .ok()
            .and_then(|u| validate::display_name(&u).ok())
            .filter(|u| u != "root")
            .unwrap_or_else(|| "me".into()),
        autohost: std::env::var_os("BANTER_AUTOHOST").is_some_and(|v| v == "1"),
    })
}

#[tauri::command]
async fn get_settings(state: State<'_, AppState>) -> CmdResult<Settings> {
    Ok(state.settings())
}

#[tauri::command]
async fn save_settings(state: State<'_, AppState>, settings: Settings) -> CmdResult<Settings> {
    let settings = settings.validated()?;
    state.update_settings(|s| *s = settings.clone())?;
    Ok(settings)
}

async fn connect_inner(state: &AppState, req: ConnectRequest, local: bool) -> CmdResult<ConnectInfo> {
    let url = server_key(&req.url)?;
    let server = url.to_string();
    let local = local || state.local.lock().await.as_ref().is_some_and(|l| server_key(&l.url).is_ok_and(|u| u == url));
    let display_name = validate::display_name(&req.display_name)?;
    let typed = req.token.as_deref().filter(|t| !t.trim().is_empty()).map(validate::token).transpose()?;
    let token = typed.clone().or_else(|| state.stored_token(&url));
    let remember = if req.remember_token { typed.clone() } else { None };
    let account = {
        let mut sessions = state.sessions.lock().map_err(|_| CommandError::internal("poisoned"))?;
        // another room under the account signed in here stays signed in; anything else is a guest
        let account = sessions
            .get(&server)
            .and_then(|s| s.account.clone())
            .filter(|(name, _)| *name == display_name && typed.is_none());
        sessions.insert(server.clone(), Session { display_name: display_name.clone(), token, remember, local, account: account.clone() });
        account.map(|(name, _)| name)
    };
    // The server goes into the settings with the first room joined on it, not before: a
    // mistyped URL is never remembered.
    let token_remembered = matches!(state.creds.get(&url), Ok(Some(_)));
    Ok(ConnectInfo { server, display_name, token_remembered, account })
}

/// The server's access token for account calls: the one typed, else the remembered one.
fn access(state: &AppState, url: &ServerUrl, typed: Option<&str>) -> CmdResult<(ServerAccess, Option<String>)> {
    let typed = typed.filter(|t| !t.trim().is_empty()).map(validate::token).transpose()?;
    let token = typed.clone().or_else(|| state.stored_token(url));
    Ok((ServerAccess::new(url.as_str()).token(token), typed))
}

/// Who may register and whether guests may chat there (`no_accounts` on a classic server).
#[tauri::command]
async fn account_policy(state: State<'_, AppState>, request: AccountPolicyRequest) -> CmdResult<AccountPolicy> {
    let url = server_key(&request.server)?;
    let (at, _) = access(&state, &url, request.token.as_deref())?;
    let p = state.client.account_policy(&at).await.map_err(map_err)?;
    let registration = match p.registration {
        Registration::Open => RegistrationMode::Open,
        Registration::Invite => RegistrationMode::Invite,
        Registration::Closed => RegistrationMode::Closed,
    };
    Ok(AccountPolicy { server: url.to_string(), registration, guests: p.guests })
}

/// Signs in (or creates the account, then signs in): the session token goes to the keyring
/// only, keyed by server and account; the next `join`s there use it.
#[tauri::command]
async fn sign_in(state: State<'_, AppState>, request: SignInRequest) -> CmdResult<ConnectInfo> {
    let url = server_key(&request.server)?;
    let server = url.to_string();
    let name = validate::display_name(&request.name)?;
    let invite = if request.register {
        validate::new_password(&request.password)?;
        validate::invite(request.invite.as_deref())?
    } else {
        validate::password(&request.password)?;
        None
    };
    let (at, typed) = access(&state, &url, request.token.as_deref())?;
    // The first account created on the server this app hosts is its admin (the server's
    // one-time admin code as the invite; docs/server.md).
    let admin_code = match (request.register, invite.is_none()) {
        (true, true) => state.local.lock().await.as_ref().filter(|l| server_key(&l.url).is_ok_and(|u| u == url)).and_then(|l| l.take_admin_code()),
        _ => None,
    };
    let signed = if request.register {
        let code = admin_code.as_deref().or(invite.as_deref());
        let r = state.client.register(&at, &name, &request.password, code, Some(DEVICE_NAME)).await;
        if let (Err(_), Some(code)) = (&r, admin_code) {
            if let Some(l) = state.local.lock().await.as_ref() {
                l.return_admin_code(code);
            }
        }
        r
    } else {
        state.client.login(&at, &name, &request.password, Some(DEVICE_NAME)).await
    }
    .map_err(map_err)?;
    let account = signed.account.name.clone();
    // a session this one replaces in the keyring is ended on the server: none is left live
    // with no one holding it
    if let Ok(Some(old)) = state.creds.get_session(&url, &account) {
        if old != signed.token {
            let _ = state.client.logout(&at, &old).await;
        }
    }
    state.creds.set_session(&url, &account, &signed.token).map_err(map_err)?;
    let local = state.local.lock().await.as_ref().is_some_and(|l| server_key(&l.url).is_ok_and(|u| u == url));
    let remember = if request.remember_token { typed } else { None };
    state.sessions.lock().map_err(|_| CommandError::internal("poisoned"))?.insert(
        server.clone(),
        Session {
            display_name: account.clone(),
            token: at.token.clone(),
            remember,
            local,
            account: Some((account.clone(), signed.token)),
        },
    );
    let token_remembered = matches!(state.creds.get(&url), Ok(Some(_)));
    Ok(ConnectInfo { server, display_name: account.clone(), token_remembered, account: Some(account) })
}

/// Signs out of a server: ends the session there, removes it from the keyring, closes the
/// rooms on that server here (the account keeps them) and forgets the server.
#[tauri::command]
async fn sign_out(state: State<'_, AppState>, request: ServerRequest) -> CmdResult<()> {
    let url = server_key(&request.server)?;
    let server = url.to_string();
    let session = state.session(&server)?;
    let Some((account, token)) = session.account.clone() else {
        return Err(CommandError::new(ErrorCode::NotConnected, format!("Not signed in on {server}.")));
    };
    let at = ServerAccess::new(&server).token(session.token.clone());
    match state.client.logout(&at, &token).await {
        Ok(()) | Err(ClientError::SessionInvalid { .. }) => {}
        Err(e) => return Err(map_err(e)),
    }
    state.creds.clear_session(&url, &account).map_err(map_err)?;
    drop_server(&state, &server).await
}

#[tauri::command]
async fn connect(state: State<'_, AppState>, request: ConnectRequest) -> CmdResult<ConnectInfo> {
    connect_inner(&state, request, false).await
}

#[tauri::command]
async fn disconnect(state: State<'_, AppState>, request: ServerRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    drop_server(&state, &server).await
}

/// Closes the rooms on a server here, ends its start-up wait and drops it from the settings.
async fn drop_server(state: &AppState, server: &str) -> CmdResult<()> {
    let server = server.to_owned();
    if let Some(waiting) = state.resuming.lock().ok().and_then(|mut r| r.remove(&server)) {
        waiting.abort();
    }
    for (s, room) in state.client.rooms() {
        if s == server {
            // closed, not left: the rooms stay the account's for its next sign-in
            let _ = state.client.close(&s, &room).await;
            state.glue.forget(&s, &room);
        }
    }
    if let Ok(mut sessions) = state.sessions.lock() {
        sessions.remove(&server);
    }
    state.update_settings(|s| {
        s.rooms.retain(|r| r.server != server);
        s.dms.retain(|d| d.server != server);
        s.servers.retain(|e| e.url != server);
    })
}

/// How long a re-join at start waits for the previous run's connection to let go of our
/// name (the server drops a dead connection after its ping timeout).
const RESUME_WAIT_IF_IN_USE: Duration = Duration::from_secs(60);
/// How long a re-join at start keeps trying a server that cannot be reached (down, or no
/// network yet): as long as the app is likely to run.
const RESUME_RETRY_UNREACHABLE: Duration = Duration::from_secs(7 * 24 * 3600);

async fn join_inner(state: &AppState, server: &str, room: &str, resuming: bool) -> CmdResult<RoomSnapshot> {
    let url = server_key(server)?;
    let server = url.to_string();
    let room = validate::room(room)?;
    let session = state.session(&server)?;
    let rx = state.glue.expect_snapshot(&server, &room);
    let mut opts = JoinOptions::new(&server, &room, &session.display_name)
        .token(session.token.clone())
        .session(session.account.as_ref().map(|(_, t)| t.clone()));
    if resuming {
        opts = opts.wait_if_in_use(RESUME_WAIT_IF_IN_USE).retry_unreachable(RESUME_RETRY_UNREACHABLE);
    }
    if let Err(e) = state.client.join(opts).await {
        state.glue.forget(&server, &room);
        if let (ClientError::SessionInvalid { .. }, Some((account, _))) = (&e, &session.account) {
            // ended elsewhere (signed out, revoked, expired): drop it, sign in again
            let _ = state.creds.clear_session(&url, account);
        }
        return Err(map_err(e));
    }
    // from the `joined` event, with the server's own message limit for the composer
    let snap = Glue::snapshot(rx).await?;
    if let Some(t) = &session.remember {
        // the join proved the token right: now remember it
        state.creds.set(&url, t).map_err(map_err)?;
        if let Ok(mut s) = state.sessions.lock() {
            if let Some(sess) = s.get_mut(&server) {
                sess.remember = None;
            }
        }
    }
    state.update_settings(|s| {
        s.remember_server(&server, &session.display_name, session.local);
        s.set_account(&server, session.account.as_ref().map(|(name, _)| name.as_str()));
        s.remember_room(&snap.server, &snap.room);
    })?;
    Ok(snap)
}

#[tauri::command]
async fn join(state: State<'_, AppState>, request: RoomRequest) -> CmdResult<RoomSnapshot> {
    join_inner(&state, &request.server, &request.room, false).await
}

#[tauri::command]
async fn leave(state: State<'_, AppState>, request: RoomRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    if banter_protocol::dms::is_dm(&room) {
        // a DM cannot be left: it is closed here and stays the account's
        return commands::dms::close(&state, &server, &room).await;
    }
    let r = state.client.leave(&server, &room).await.map_err(map_err);
    state.glue.forget(&server, &room);
    state.glue.drop_cache(&server, &room);
    state.update_settings(|s| s.forget_room(&server, &room))?;
    r
}

#[tauri::command]
async fn send(state: State<'_, AppState>, request: SendRequest) -> CmdResult<MessageView> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    let max = state.glue.max_message_chars(&server, &room).unwrap_or(banter_protocol::rules::MAX_MESSAGE_CHARS);
    validate::message(&request.text, max)?;
    let id = state.client.send(&server, &room, &request.text).await.map_err(map_err)?;
    let username = state.glue.username(&server, &room).unwrap_or_default();
    let mut m = core::view(id, &room, None, username, MessageKind::Text, request.text, chrono::Utc::now().timestamp_millis(), true);
    m.delivery = Some(Delivery::pending());
    state.glue.record_own(&server, &m);
    Ok(m)
}

/// Shares a location (the composer's `/location LAT,LON`): checked here, then queued by the
/// core like a message; it comes back as a line of kind `location` (its map URL).
#[tauri::command]
async fn send_location(state: State<'_, AppState>, request: SendLocationRequest) -> CmdResult<MessageView> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    let location = validate::location(request.latitude, request.longitude)?;
    let id = state
        .client
        .send_location(&server, &room, location.latitude, location.longitude)
        .await
        .map_err(map_err)?;
    let username = state.glue.username(&server, &room).unwrap_or_default();
    let now = chrono::Utc::now().timestamp_millis();
    let mut m = core::view(id, &room, None, username, MessageKind::Location, location.maps_url(), now, true);
    m.delivery = Some(Delivery::pending());
    state.glue.record_own(&server, &m);
    Ok(m)
}

#[tauri::command]
async fn retry(state: State<'_, AppState>, request: RetryRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    validate::message_id(&request.id)?;
    state.client.retry(&server, &room, &request.id).await.map_err(map_err)
}

/// Older history ("Load older messages"): one page before `before_seq`, through the core,
/// returned as a whole (never one event per old message).
#[tauri::command]
async fn history(state: State<'_, AppState>, request: HistoryRequest) -> CmdResult<HistoryPage> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    let limit = validate::limit(request.limit, 500);
    let page = state
        .client
        .history_before(&server, &room, request.before_seq, limit)
        .await
        .map_err(map_err)?;
    Ok(HistoryPage { messages: page.messages.into_iter().filter_map(core::history_view).collect(), more: page.more })
}

#[tauri::command]
async fn set_typing(state: State<'_, AppState>, request: TypingRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    let room = validate::room(&request.room)?;
    state.client.set_typing(&server, &room, request.typing).map_err(map_err)
}

#[tauri::command]
async fn token_set(state: State<'_, AppState>, request: TokenRequest) -> CmdResult<()> {
    let url = server_key(&request.server)?;
    let token = validate::token(&request.token)?;
    state.creds.set(&url, &token).map_err(map_err)
}

#[tauri::command]
async fn token_clear(state: State<'_, AppState>, request: ServerRequest) -> CmdResult<()> {
    let url = server_key(&request.server)?;
    state.creds.clear(&url).map(|_| ()).map_err(map_err)
}

#[tauri::command]
async fn open_link(app: tauri::AppHandle, url: String) -> CmdResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let url = validate::link(&url)?;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| CommandError::internal(format!("Could not open the browser: {e}")))
}

async fn start_local(state: &AppState, port: u16) -> CmdResult<String> {
    let mut local = state.local.lock().await;
    if let Some(l) = local.as_ref() {
        return Ok(l.url.clone());
    }
    let bin = local_server::find().ok_or_else(|| {
        CommandError::new(
            ErrorCode::LocalServer,
            "banter-server was not found next to the app or on PATH (or set BANTER_SERVER_BIN).",
        )
    })?;
    let started = match local_server::start(&bin, port, &data_dir()).await {
        Ok(s) => s,
        Err(_) if port != 0 => local_server::start(&bin, 0, &data_dir()).await?,
        Err(e) => return Err(e),
    };
    let url = started.url.clone();
    *local = Some(started);
    Ok(url)
}

#[tauri::command]
async fn start_local_server(state: State<'_, AppState>) -> CmdResult<LocalServerInfo> {
    Ok(LocalServerInfo { url: start_local(&state, 0).await? })
}

/// At start: reconnect to every saved server that has rooms, and re-join them.
async fn resume(app: tauri::AppHandle) {
    let settings = app.state::<AppState>().settings();
    // Each server on its own: one that is down (its joins wait for it) holds up no other.
    for server in settings.servers.clone() {
        let rooms: Vec<String> = settings.rooms.iter().filter(|r| r.server == server.url).map(|r| r.room.clone()).collect();
        let has_dms = !server.account.is_empty() && settings.dms.iter().any(|d| d.server == server.url);
        if rooms.is_empty() && !has_dms {
            continue;
        }
        let key = server.url.clone();
        let task = tauri::async_runtime::spawn(resume_server(app.clone(), server, rooms, settings.display_name.clone()));
        if let Ok(mut resuming) = app.state::<AppState>().resuming.lock() {
            resuming.insert(key, task);
        }
    }
}

/// Re-joins the saved `rooms` of one server (starting it first when it is the local one).
async fn resume_server(app: tauri::AppHandle, server: settings::ServerEntry, rooms: Vec<String>, default_name: String) {
    let state = app.state::<AppState>();
    let mut url = server.url.clone();
    if server.local {
        let port = url::Url::parse(&url).ok().and_then(|u| u.port()).unwrap_or(0);
        match start_local(&state, port).await {
            Ok(u) => url = u,
            Err(error) => {
                let _ = state.tx.send(CoreEvent { ui: UiEvent::Error { error }, notify: None });
                return;
            }
        }
    }
    // signed in last time: the session from the keyring (settings hold the account's name only)
    let account = match server.account.as_str() {
        "" => None,
        name => ServerUrl::parse(&url)
            .ok()
            .and_then(|u| state.creds.get_session(&u, name).ok().flatten())
            .map(|t| (name.to_owned(), t)),
    };
    let name = match &account {
        Some((account, _)) => account.clone(),
        None if server.display_name.is_empty() => default_name,
        None => server.display_name.clone(),
    };
    let req = ConnectRequest { url: url.clone(), display_name: name, token: None, remember_token: false };
    match connect_inner(&state, req, server.local).await {
        Ok(info) => {
            if let Some(account) = account {
                if let Some(s) = state.sessions.lock().ok().as_mut().and_then(|m| m.get_mut(&info.server)) {
                    s.account = Some(account);
                }
            }
            for room in rooms {
                let ui = match join_inner(&state, &info.server, &room, true).await {
                    Ok(snapshot) => UiEvent::Room { snapshot },
                    Err(error) => UiEvent::Error { error },
                };
                let _ = state.tx.send(CoreEvent { ui, notify: None });
            }
            commands::dms::resume(&state, &info.server, RESUME_RETRY_UNREACHABLE).await;
            if state.session(&info.server).is_ok_and(|s| s.account.is_some()) {
                // rooms and DMs the account gained on its other devices meanwhile
                match commands::membership::restore(&state, &info.server).await {
                    Ok(found) => {
                        for snapshot in found {
                            let _ = state.tx.send(CoreEvent { ui: UiEvent::Room { snapshot }, notify: None });
                        }
                    }
                    Err(e) => tracing::info!(code = ?e.code, "the account's rooms could not be listed"),
                }
                commands::membership::watch(app.clone(), info.server.clone());
            }
        }
        Err(error) => {
            let _ = state.tx.send(CoreEvent {
                ui: UiEvent::Connection { server: server.url.clone(), state: ConnectionState::Disconnected, detail: Some(error.message) },
                notify: None,
            });
        }
    }
}

/// Forwards core events to the page in batches and feeds the notification policy.
async fn pump(app: tauri::AppHandle, mut rx: mpsc::UnboundedReceiver<CoreEvent>) {
    let mut buf: Vec<UiEvent> = Vec::new();
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    let mut last_save = std::time::Instant::now();
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                let state = app.state::<AppState>();
                if let Some(n) = ev.notify {
                    let focused = state.focused.load(Ordering::Relaxed);
                    let shown = app.state::<commands::view::View>().shows(&n.server, &n.room);
                    if let Ok(mut p) = state.policy.lock() {
                        if let Err(skip) = p.offer(n, focused, shown, now_ms()) {
                            tracing::debug!(?skip, "no notification");
                        }
                    }
                }
                // removed from a room (kicked, banned, left on another device): not re-joined
                match &ev.ui {
                    UiEvent::Kicked { server, room, .. } => {
                        state.glue.forget(server, room);
                        let _ = state.update_settings(|s| s.removed_from_room(server, room));
                    }
                    UiEvent::RoomLeft { server, room } => {
                        state.glue.forget(server, room);
                        let _ = state.update_settings(|s| s.forget_room(server, room));
                    }
                    _ => {}
                }
                buf.push(ev.ui);
            }
            _ = tick.tick() => {
                let state = app.state::<AppState>();
                if !buf.is_empty() {
                    if let Ok(sink) = state.sink.lock() {
                        if let Some(ch) = sink.as_ref() {
                            while !buf.is_empty() {
                                let rest = buf.split_off(buf.len().min(MAX_BATCH));
                                let batch = std::mem::replace(&mut buf, rest);
                                if ch.send(batch).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                }
                let due = state.policy.lock().map(|mut p| p.take_due(now_ms())).unwrap_or_default();
                if last_save.elapsed() >= SAVE_EVERY {
                    last_save = std::time::Instant::now();
                    state.glue.save(&timeline_path());
                }
                for n in due {
                    show_notification(&app, n);
                }
            }
        }
    }
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

fn show_notification(app: &tauri::AppHandle, n: notify_policy::Notice) {
    use tauri_plugin_notification::NotificationExt;
    let app = app.clone();
    // The D-Bus call is blocking: keep it off the async workers.
    tauri::async_runtime::spawn_blocking(move || {
        if let Err(e) = app.notification().builder().title(&n.summary).body(&n.body).show() {
            tracing::warn!("notification failed: {e}");
        }
    });
}

/// The keyring service tokens and sessions are kept under: `banter`, or
/// `BANTER_KEYRING_SERVICE` (as for banter-cli; tests give each "computer" its own).
fn keyring_store() -> CredentialStore {
    match std::env::var("BANTER_KEYRING_SERVICE") {
        Ok(s) if !s.trim().is_empty() => CredentialStore::with_service(s.trim()),
        _ => CredentialStore::new(),
    }
}

pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("BANTER_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .try_init();

    let settings_path = settings::settings_path();
    let loaded = settings_path.as_deref().map(settings::load).unwrap_or_default();
    let policy = notify_policy::Policy::new(loaded.notifications.to_policy());
    let (tx, rx) = mpsc::unbounded_channel();
    let (client, events) = Client::new(ClientConfig::new(data_dir().join("client")));
    let glue = Glue::default();
    glue.load(&timeline_path());
    let state = AppState {
        settings: Mutex::new(loaded),
        settings_path,
        client,
        glue: glue.clone(),
        creds: keyring_store(),
        sessions: Mutex::new(HashMap::new()),
        tx: tx.clone(),
        sink: Mutex::new(None),
        policy: Mutex::new(policy),
        focused: AtomicBool::new(true),
        local: tokio::sync::Mutex::new(None),
        resuming: Mutex::new(HashMap::new()),
    };

    tauri::Builder::default()
        // First: a second launch on the same data dir hands over its arguments and exits.
        .plugin(instance::plugin(&data_dir(), |app, args| links::handle(app, &args)))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .manage(commands::view::View::default())
        .manage(links::Pending::default())
        .setup(move |app| {
            let handle = app.handle().clone();
            // `banter banter://join?…`: the link is for the page, once it subscribes
            let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
            links::handle(&handle, &args);
            tauri::async_runtime::spawn(glue.run(events, tx));
            tauri::async_runtime::spawn(pump(handle.clone(), rx));
            tauri::async_runtime::spawn(resume(handle));
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Focused(f) = event {
                window.state::<AppState>().focused.store(*f, Ordering::Relaxed);
            }
        })
        .invoke_handler(tauri::generate_handler![
            subscribe,
            app_info,
            get_settings,
            save_settings,
            connect,
            disconnect,
            account_policy,
            sign_in,
            sign_out,
            join,
            leave,
            send,
            send_location,
            retry,
            history,
            set_typing,
            token_set,
            token_clear,
            open_link,
            start_local_server,
            commands::dms::open_dm,
            commands::blocks::block,
            commands::blocks::unblock,
            commands::blocks::blocks,
            commands::view::set_view,
            commands::account::sessions,
            commands::account::revoke_session,
            commands::account::change_password,
            commands::membership::mark_read,
            commands::membership::restore_account,
            commands::moderation::room_settings,
            commands::moderation::room_members,
            commands::moderation::remove_message,
            commands::moderation::kick,
            commands::moderation::ban,
        ])
        .build(tauri::generate_context!())
        .expect("error while building Banter")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                app.state::<AppState>().glue.save(&timeline_path());
            }
        });
}
