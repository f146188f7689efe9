//! Servers: the page's subscription and app info, settings, connecting (as a guest or
//! signed in), signing out, forgetting a server, tokens, links, and the server this app hosts.

use banter_client::accounts::{Registration, ServerAccess};
use banter_client::{ClientError, ServerUrl};
use tauri::State;

use crate::core::map_err;
use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::ipc::*;
use crate::state::{data_dir, server_key, AppState, Session, DEVICE_NAME};
use crate::page_queue::Pull;
use crate::{local_server, validate};

/// How long a pull waits for events before it returns none (the page then pulls again).
const PULL_WAIT: std::time::Duration = std::time::Duration::from_secs(25);

/// The page starts listening: the generation its pulls name. A page that loads again
/// subscribes again, which ends the earlier pulls.
#[tauri::command]
pub(crate) async fn subscribe(state: State<'_, AppState>) -> CmdResult<u32> {
    let generation = state.page.subscribe();
    tracing::info!(generation, "the page subscribed to events");
    Ok(generation)
}

/// The next batch of events for the page, in order, waiting up to `PULL_WAIT` for some (an
/// empty batch then); `null` when a newer subscription took over.
#[tauri::command]
pub(crate) async fn next_events(state: State<'_, AppState>, generation: u32) -> CmdResult<Option<Vec<UiEvent>>> {
    Ok(match state.page.pull(generation, PULL_WAIT).await {
        Pull::Events(batch) => Some(batch),
        Pull::Superseded => None,
    })
}

#[tauri::command]
pub(crate) async fn app_info(state: State<'_, AppState>, tray: State<'_, crate::tray::Tray>) -> CmdResult<AppInfo> {
    let settings = state.settings();
    let remembered_tokens = settings
        .servers
        .iter()
        .filter(|s| ServerUrl::parse(&s.url).is_ok_and(|u| matches!(state.creds.get(&u), Ok(Some(_)))))
        .map(|s| s.url.clone())
        .collect();
    let dictionaries = crate::spellcheck::installed();
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
        tray: tray.exists(),
        automatic_dictionary: crate::spellcheck::automatic(&dictionaries),
        dictionaries,
    })
}

#[tauri::command]
pub(crate) async fn get_settings(state: State<'_, AppState>) -> CmdResult<Settings> {
    Ok(state.settings())
}

#[tauri::command]
pub(crate) async fn save_settings(app: tauri::AppHandle, state: State<'_, AppState>, settings: Settings) -> CmdResult<Settings> {
    let settings = settings.validated()?;
    // zoom, spell checking, the autostart file (a refusal there saves nothing)
    crate::desktop_prefs::apply(&app, Some(&state.settings()), &settings)?;
    state.update_settings(|s| *s = settings.clone())?;
    crate::tray::settings_changed(&app, settings.notifications.do_not_disturb);
    Ok(settings)
}

pub(crate) async fn connect_inner(state: &AppState, req: ConnectRequest, local: bool) -> CmdResult<ConnectInfo> {
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
        let account = sessions.get(&server).and_then(|s| s.account.clone()).filter(|(name, _)| *name == display_name && typed.is_none());
        sessions.insert(server.clone(), Session { display_name: display_name.clone(), token, remember, local, account: account.clone() });
        account.map(|(name, _)| name)
    };
    // The server goes into the settings with the first room joined on it, not before: a
    // mistyped URL is never remembered.
    let token_remembered = matches!(state.creds.get(&url), Ok(Some(_)));
    Ok(ConnectInfo { server, display_name, token_remembered, account })
}

/// The server's access token for account calls: the one typed, else the remembered one.
pub(crate) fn access(state: &AppState, url: &ServerUrl, typed: Option<&str>) -> CmdResult<(ServerAccess, Option<String>)> {
    let typed = typed.filter(|t| !t.trim().is_empty()).map(validate::token).transpose()?;
    let token = typed.clone().or_else(|| state.stored_token(url));
    Ok((ServerAccess::new(url.as_str()).token(token), typed))
}

/// Who may register and whether guests may chat there (`no_accounts` on a classic server).
#[tauri::command]
pub(crate) async fn account_policy(state: State<'_, AppState>, request: AccountPolicyRequest) -> CmdResult<AccountPolicy> {
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
pub(crate) async fn sign_in(state: State<'_, AppState>, request: SignInRequest) -> CmdResult<ConnectInfo> {
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
        (true, true) => {
            state.local.lock().await.as_ref().filter(|l| server_key(&l.url).is_ok_and(|u| u == url)).and_then(|l| l.take_admin_code())
        }
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
        Session { display_name: account.clone(), token: at.token.clone(), remember, local, account: Some((account.clone(), signed.token)) },
    );
    let token_remembered = matches!(state.creds.get(&url), Ok(Some(_)));
    Ok(ConnectInfo { server, display_name: account.clone(), token_remembered, account: Some(account) })
}

/// Signs out of a server: ends the session there, removes it from the keyring, closes the
/// rooms on that server here (the account keeps them) and forgets the server.
#[tauri::command]
pub(crate) async fn sign_out(state: State<'_, AppState>, request: ServerRequest) -> CmdResult<()> {
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
pub(crate) async fn connect(state: State<'_, AppState>, request: ConnectRequest) -> CmdResult<ConnectInfo> {
    connect_inner(&state, request, false).await
}

#[tauri::command]
pub(crate) async fn disconnect(state: State<'_, AppState>, request: ServerRequest) -> CmdResult<()> {
    let server = server_key(&request.server)?.to_string();
    drop_server(&state, &server).await
}

/// Closes the rooms on a server here, ends its start-up wait and drops it from the settings.
pub(crate) async fn drop_server(state: &AppState, server: &str) -> CmdResult<()> {
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

#[tauri::command]
pub(crate) async fn token_set(state: State<'_, AppState>, request: TokenRequest) -> CmdResult<()> {
    let url = server_key(&request.server)?;
    let token = validate::token(&request.token)?;
    state.creds.set(&url, &token).map_err(map_err)
}

#[tauri::command]
pub(crate) async fn token_clear(state: State<'_, AppState>, request: ServerRequest) -> CmdResult<()> {
    let url = server_key(&request.server)?;
    state.creds.clear(&url).map(|_| ()).map_err(map_err)
}

#[tauri::command]
pub(crate) async fn open_link(app: tauri::AppHandle, url: String) -> CmdResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let url = validate::link(&url)?;
    app.opener().open_url(url.as_str(), None::<&str>).map_err(|e| CommandError::internal(format!("Could not open the browser: {e}")))
}

pub(crate) async fn start_local(state: &AppState, port: u16) -> CmdResult<String> {
    let mut local = state.local.lock().await;
    if let Some(l) = local.as_ref() {
        return Ok(l.url.clone());
    }
    let bin = local_server::find().ok_or_else(|| {
        CommandError::new(ErrorCode::LocalServer, "banter-server was not found next to the app or on PATH (or set BANTER_SERVER_BIN).")
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
pub(crate) async fn start_local_server(state: State<'_, AppState>) -> CmdResult<LocalServerInfo> {
    Ok(LocalServerInfo { url: start_local(&state, 0).await? })
}
