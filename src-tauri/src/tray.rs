//! The tray icon (issue 9 items 1 and 6): Banter keeps running there when its window is
//! closed, and the icon says whether something is unread or mentions you.
//!
//! Only where the desktop has a StatusNotifierWatcher on the session bus (KDE, most panels,
//! GNOME with the AppIndicator extension): tauri's tray on Linux is libappindicator, which
//! without a watcher falls back to an XEmbed icon that most desktops never show, and would
//! leave a window that hides into nothing. No watcher → no tray, and closing the window quits.
//! libappindicator reports no click on the icon itself (tray-icon#104), only menu clicks:
//! everything is in the menu (the status line, Open Banter, Do not disturb, Quit).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};

use crate::core::CoreEvent;
use crate::ipc::UiEvent;
use crate::state::AppState;

/// The bus name of the StatusNotifierItem registry.
pub const WATCHER: &str = "org.kde.StatusNotifierWatcher";

const ICON_IDLE: Image<'static> = tauri::include_image!("../icons/tray/idle.png");
const ICON_UNREAD: Image<'static> = tauri::include_image!("../icons/tray/unread.png");
const ICON_MENTION: Image<'static> = tauri::include_image!("../icons/tray/mention.png");

/// The tray, once created (managed state; empty where there is none).
#[derive(Default)]
pub struct Tray {
    exists: AtomicBool,
    parts: Mutex<Option<Parts>>,
    /// The last totals shown, so repeated calls change nothing.
    shown: Mutex<Option<Unread>>,
}

struct Parts {
    icon: TrayIcon,
    status: MenuItem<tauri::Wry>,
    dnd: CheckMenuItem<tauri::Wry>,
}

/// Unread totals over every room and DM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Unread {
    pub unread: u32,
    pub mentions: u32,
}

/// Which icon the totals call for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Idle,
    Unread,
    Mention,
}

impl Unread {
    pub fn look(self) -> Look {
        match self {
            Unread { mentions: 1.., .. } => Look::Mention,
            Unread { unread: 1.., .. } => Look::Unread,
            _ => Look::Idle,
        }
    }

    /// The tooltip (and window-less platforms' title): "Banter — 3 unread, 1 mention".
    pub fn tooltip(self) -> String {
        format!("Banter — {}", self.status())
    }

    /// The menu's status line.
    pub fn status(self) -> String {
        let plural = |n: u32, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
        match (self.unread, self.mentions) {
            (0, 0) => "no unread messages".into(),
            (u, 0) => format!("{u} unread"),
            (u, m) => format!("{u} unread, {}", plural(m, "mention", "mentions")),
        }
    }
}

impl Tray {
    /// Whether a tray icon exists (closing the window may then hide it).
    pub fn exists(&self) -> bool {
        self.exists.load(Ordering::Relaxed)
    }
}

/// Whether a StatusNotifierWatcher owns its name on the session bus. `BANTER_TRAY=0` turns
/// the tray off whatever the bus says.
pub fn watcher_present() -> bool {
    if std::env::var_os("BANTER_TRAY").is_some_and(|v| v == "0") {
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        let Ok(conn) = zbus::blocking::Connection::session() else { return false };
        let Ok(dbus) = zbus::blocking::fdo::DBusProxy::new(&conn) else { return false };
        let Ok(name) = zbus::names::BusName::try_from(WATCHER) else { return false };
        dbus.name_has_owner(name).unwrap_or(false)
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// Creates the tray where the desktop can show one. Call during setup (main thread). With
/// no watcher yet (Banter started at login before the panel), the tray comes once one
/// appears.
pub fn setup(app: &AppHandle) {
    if !watcher_present() {
        tracing::info!("no StatusNotifierWatcher on the session bus: no tray, closing the window quits");
        #[cfg(target_os = "linux")]
        if std::env::var_os("BANTER_TRAY").is_none_or(|v| v != "0") {
            wait_for_watcher(app.clone());
        }
        return;
    }
    create(app);
}

/// Waits on a thread of its own for a watcher to own its name, then creates the tray.
#[cfg(target_os = "linux")]
fn wait_for_watcher(app: AppHandle) {
    let spawned = std::thread::Builder::new().name("tray-watcher".into()).spawn(move || {
        let Ok(conn) = zbus::blocking::Connection::session() else { return };
        let Ok(dbus) = zbus::blocking::fdo::DBusProxy::new(&conn) else { return };
        let Ok(changes) = dbus.receive_name_owner_changed_with_args(&[(0, WATCHER)]) else { return };
        // subscribed first, then checked: a watcher that came meanwhile is not missed
        let present = zbus::names::BusName::try_from(WATCHER).is_ok_and(|n| dbus.name_has_owner(n).unwrap_or(false));
        let appeared = present || changes.into_iter().any(|c| c.args().is_ok_and(|a| a.new_owner().is_some()));
        if !appeared {
            return;
        }
        tracing::info!("a StatusNotifierWatcher appeared");
        let handle = app.clone();
        let _ = app.run_on_main_thread(move || create(&handle));
    });
    if let Err(e) = spawned {
        tracing::warn!("not waiting for a tray: {e}");
    }
}

fn create(app: &AppHandle) {
    if app.state::<Tray>().exists() {
        return;
    }
    match build(app) {
        Ok(parts) => {
            let tray = app.state::<Tray>();
            if let Ok(mut p) = tray.parts.lock() {
                *p = Some(parts);
            }
            tray.exists.store(true, Ordering::Relaxed);
            tracing::info!("tray icon created");
        }
        Err(e) => tracing::warn!("no tray icon: {e}"),
    }
}

fn build(app: &AppHandle) -> tauri::Result<Parts> {
    let dnd_on = app.state::<AppState>().settings().notifications.do_not_disturb;
    let status = MenuItem::with_id(app, "status", Unread::default().status(), false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Banter", true, None::<&str>)?;
    let dnd = CheckMenuItem::with_id(app, "dnd", "Do not disturb", true, dnd_on, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[&status, &PredefinedMenuItem::separator(app)?, &open, &dnd, &PredefinedMenuItem::separator(app)?, &quit],
    )?;
    let icon = TrayIconBuilder::with_id("banter")
        .icon(ICON_IDLE)
        .tooltip(Unread::default().tooltip())
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(on_menu)
        // Windows and macOS report clicks on the icon (libappindicator does not)
        .on_tray_icon_event(|icon, ev| {
            if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = ev {
                show_window(icon.app_handle());
            }
        })
        .build(app)?;
    Ok(Parts { icon, status, dnd })
}

fn on_menu(app: &AppHandle, ev: MenuEvent) {
    match ev.id().as_ref() {
        "open" => show_window(app),
        "dnd" => toggle_dnd(app),
        "quit" => quit(app),
        _ => {}
    }
}

fn toggle_dnd(app: &AppHandle) {
    let state = app.state::<AppState>();
    let on = !state.settings().notifications.do_not_disturb;
    if let Err(e) = state.update_settings(|s| s.notifications.do_not_disturb = on) {
        tracing::warn!("do not disturb not saved: {}", e.message);
    }
    settings_changed(app, on);
    // the page shows the setting too
    let _ = state.tx.send(CoreEvent { ui: UiEvent::SettingsChanged { settings: state.settings() }, notify: None });
}

/// Keeps the menu's "Do not disturb" in step with the settings (changed in the page).
pub fn settings_changed(app: &AppHandle, dnd: bool) {
    if let Ok(p) = app.state::<Tray>().parts.lock() {
        if let Some(p) = p.as_ref() {
            let _ = p.dnd.set_checked(dnd);
        }
    }
}

/// Shows the unread totals: icon, tooltip, the menu's status line and the launcher badge.
pub fn set_unread(app: &AppHandle, totals: Unread) {
    let tray = app.state::<Tray>();
    {
        let Ok(mut shown) = tray.shown.lock() else { return };
        if *shown == Some(totals) {
            return;
        }
        *shown = Some(totals);
    }
    crate::badge::set_count(app, totals.unread);
    let Ok(parts) = tray.parts.lock() else { return };
    let Some(p) = parts.as_ref() else { return };
    let icon = match totals.look() {
        Look::Idle => ICON_IDLE,
        Look::Unread => ICON_UNREAD,
        Look::Mention => ICON_MENTION,
    };
    if let Err(e) = p.icon.set_icon(Some(icon)) {
        tracing::warn!("tray icon not updated: {e}");
    }
    let _ = p.icon.set_tooltip(Some(totals.tooltip()));
    let _ = p.status.set_text(totals.status());
}

/// Shows, unminimises and focuses the main window.
pub fn show_window(app: &AppHandle) {
    let Some(w) = app.get_webview_window("main") else { return };
    let _ = w.unminimize();
    let _ = w.show();
    if let Err(e) = w.set_focus() {
        tracing::warn!("could not focus the window: {e}");
    }
}

/// The window's close button: hidden in the tray (true) while there is one and the setting
/// says so; otherwise (false) the window closes and the app quits as before.
pub fn hide_on_close(app: &AppHandle) -> bool {
    if !app.state::<Tray>().exists() || !app.state::<AppState>().settings().close_to_tray {
        return false;
    }
    // the panel may have gone since (crashed, logged out of its extension): no hiding into nothing
    if !watcher_present() {
        tracing::info!("the StatusNotifierWatcher is gone: closing quits");
        return false;
    }
    let Some(w) = app.get_webview_window("main") else { return false };
    if w.hide().is_err() {
        return false;
    }
    // hidden is not focused: messages notify (the focus-out may not come for a hidden window)
    app.state::<AppState>().focused.store(false, Ordering::Relaxed);
    tracing::info!("window hidden in the tray");
    true
}

/// Ends the app: the exit handler (lib.rs) saves the timeline and stops the hosted server.
pub fn quit(app: &AppHandle) {
    tracing::info!("quit");
    app.exit(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_totals_choose_icon_and_words() {
        let none = Unread::default();
        assert_eq!(none.look(), Look::Idle);
        assert_eq!(none.tooltip(), "Banter — no unread messages");
        let some = Unread { unread: 3, mentions: 0 };
        assert_eq!(some.look(), Look::Unread);
        assert_eq!(some.tooltip(), "Banter — 3 unread");
        let one = Unread { unread: 3, mentions: 1 };
        assert_eq!(one.look(), Look::Mention);
        assert_eq!(one.status(), "3 unread, 1 mention");
        assert_eq!(Unread { unread: 5, mentions: 2 }.status(), "5 unread, 2 mentions");
    }
}
