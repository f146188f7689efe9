//! "Share on my network" (issue 9 item 11): the server this app hosts listens on loopback
//! only, until the user turns sharing on. Then it is restarted on every IPv4 interface with a
//! fresh random access token (never an open server on the network: `local_server::start_on`
//! takes the token with the address), and this app's own rooms there are joined again with
//! it. Turning it off restarts it on loopback without a token. Sharing lasts until the app
//! quits: the next start hosts on loopback again.

use tauri::State;

use crate::commands::rooms::join_inner;
use crate::core::CoreEvent;
use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::ipc::{SharingInfo, SharingRequest, UiEvent};
use crate::local_server;
use crate::state::{data_dir, server_key, AppState};
use crate::validate;

/// An access token: 128 random bits from the OS, as 32 hex digits.
fn new_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// This machine's IPv4 addresses others may reach (not loopback, not link-local).
fn lan_addresses() -> Vec<std::net::Ipv4Addr> {
    let mut out = Vec::new();
    #[cfg(target_os = "linux")]
    // SAFETY: getifaddrs gives a list we only read and then free with freeifaddrs; every
    // ifa_addr is checked for null and for AF_INET before it is read as a sockaddr_in.
    unsafe {
        let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
        if libc::getifaddrs(&mut list) == 0 {
            let mut cur = list;
            while !cur.is_null() {
                let addr = (*cur).ifa_addr;
                if !addr.is_null() && i32::from((*addr).sa_family) == libc::AF_INET {
                    let sin = &*(addr as *const libc::sockaddr_in);
                    let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                    if !ip.is_loopback() && !ip.is_link_local() && !ip.is_unspecified() && !out.contains(&ip) {
                        out.push(ip);
                    }
                }
                cur = (*cur).ifa_next;
            }
            libc::freeifaddrs(list);
        }
    }
    out
}

fn port_of(url: &str) -> u16 {
    url::Url::parse(url).ok().and_then(|u| u.port()).unwrap_or(0)
}

/// The invite link for `server` and `room` (the shape `banter_client::InviteLink` accepts).
fn invite_link(server: &str, room: &str) -> Option<String> {
    let mut link = url::Url::parse("banter://join").ok()?;
    link.query_pairs_mut().append_pair("server", server).append_pair("room", room);
    let link = link.to_string();
    banter_client::InviteLink::parse(&link).ok().map(|_| link)
}

fn info(hosted: Option<(&str, Option<&str>)>, room: &str) -> SharingInfo {
    let Some((url, token)) = hosted else {
        return SharingInfo { hosted: false, shared: false, url: None, addresses: Vec::new(), token: None, link: None };
    };
    let port = port_of(url);
    let addresses: Vec<String> = match token {
        Some(_) => lan_addresses().into_iter().map(|ip| format!("http://{ip}:{port}")).collect(),
        None => Vec::new(),
    };
    let link = addresses.first().and_then(|a| invite_link(a, room));
    SharingInfo { hosted: true, shared: token.is_some(), url: Some(url.to_owned()), addresses, token: token.map(str::to_owned), link }
}

fn room_of(request_room: Option<&str>) -> CmdResult<String> {
    match request_room.filter(|r| !r.trim().is_empty()) {
        Some(r) => validate::room(r),
        None => Ok("lobby".to_owned()),
    }
}

/// Whether the hosted server is shared, and how others join it.
#[tauri::command]
pub(crate) async fn sharing(state: State<'_, AppState>) -> CmdResult<SharingInfo> {
    let local = state.local.lock().await;
    Ok(info(local.as_ref().map(|l| (l.url.as_str(), l.token.as_deref())), "lobby"))
}

/// Shares the hosted server on the network (with a new access token), or stops sharing: the
/// server restarts on the same port and this app's rooms there are joined again.
#[tauri::command]
pub(crate) async fn set_sharing(state: State<'_, AppState>, request: SharingRequest) -> CmdResult<SharingInfo> {
    let room = room_of(request.room.as_deref())?;
    let mut local = state.local.lock().await;
    let Some(current) = local.take() else {
        return Err(CommandError::new(ErrorCode::LocalServer, "This app hosts no server to share: choose \"Host rooms on this computer\" first."));
    };
    if current.token.is_some() == request.on {
        let out = info(Some((current.url.as_str(), current.token.as_deref())), &room);
        *local = Some(current);
        return Ok(out);
    }
    let server = server_key(&current.url)?.to_string();
    let port = port_of(&current.url);
    // this app's rooms there are closed (not left) and joined again with the new access
    let rooms: Vec<String> = state.client.rooms().into_iter().filter(|(s, _)| *s == server).map(|(_, r)| r).collect();
    for r in &rooms {
        let _ = state.client.close(&server, r).await;
        state.glue.forget(&server, r);
    }
    let token = request.on.then(new_token);
    let _ = tokio::task::spawn_blocking(move || current.stop()).await;
    let bin = local_server::find().ok_or_else(|| CommandError::new(ErrorCode::LocalServer, "banter-server is not there any more."))?;
    let started = local_server::start_on(&bin, port, &data_dir(), token.clone()).await?;
    tracing::info!(shared = request.on, port, "the hosted server restarted");
    let out = info(Some((started.url.as_str(), started.token.as_deref())), &room);
    *local = Some(started);
    drop(local);
    if let Ok(mut sessions) = state.sessions.lock() {
        if let Some(s) = sessions.get_mut(&server) {
            s.token = token;
        }
    }
    for r in rooms {
        let ui = match join_inner(&state, &server, &r, false).await {
            Ok(snapshot) => UiEvent::Room { snapshot },
            Err(error) => UiEvent::Error { error },
        };
        let _ = state.tx.send(CoreEvent { ui, notify: None });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_have_the_accepted_shape() {
        let link = invite_link("http://192.168.1.5:4242", "lobby").unwrap();
        assert_eq!(link, "banter://join?server=http%3A%2F%2F192.168.1.5%3A4242&room=lobby");
        let parsed = banter_client::InviteLink::parse(&link).unwrap();
        assert_eq!((parsed.server.as_str(), parsed.room.as_str()), ("http://192.168.1.5:4242", "lobby"));
        assert_eq!(info(None, "lobby").hosted, false);
        let loopback = info(Some(("http://127.0.0.1:4242", None)), "lobby");
        assert!(loopback.hosted && !loopback.shared && loopback.addresses.is_empty() && loopback.link.is_none() && loopback.token.is_none());
    }

    #[test]
    fn addresses_are_not_loopback() {
        assert!(lan_addresses().iter().all(|ip| !ip.is_loopback() && !ip.is_link_local()));
    }
}
