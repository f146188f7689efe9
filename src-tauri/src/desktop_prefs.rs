//! The settings that act on the desktop rather than on chat: the page zoom, spell checking,
//! start at login (tauri-plugin-autostart's XDG autostart file) and starting hidden in the
//! tray, and the window's size and position kept (tauri-plugin-window-state). Applied at
//! start and whenever `save_settings` changes them. Rust drives both plugins: the page has
//! none of their commands.

use std::path::PathBuf;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::ManagerExt;
use tauri_plugin_window_state::StateFlags;

use crate::error::{CommandError, ErrorCode};
use crate::settings::Settings;

/// The argument the autostart file launches Banter with: "started at login".
pub const AUTOSTART_ARG: &str = "--autostart";

/// The autostart plugin: its file runs this binary with [`AUTOSTART_ARG`].
pub fn autostart_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_autostart::Builder::new().app_name("Banter").arg(AUTOSTART_ARG).build()
}

/// What the window-state plugin keeps: size, position, maximized, fullscreen; never
/// VISIBLE (the window's visibility is decided at start: see [`starts_hidden`]).
pub fn window_state_flags() -> StateFlags {
    StateFlags::all() - StateFlags::VISIBLE
}

/// The window-state plugin, its file beside the settings (`BANTER_CONFIG_DIR` in tests).
pub fn window_state_plugin<R: Runtime>(config_dir: Option<PathBuf>) -> tauri::plugin::TauriPlugin<R> {
    let mut b = tauri_plugin_window_state::Builder::new().with_state_flags(window_state_flags());
    if let Some(dir) = config_dir {
        // an absolute name: the plugin joins it to its own dir, which then does not count
        b = b.with_filename(dir.join("window-state.json").to_string_lossy());
    }
    b.build()
}

/// Started at login with "start hidden" on, where a tray can bring the window back. Without
/// a tray a hidden window could not be reached: it shows.
pub fn starts_hidden(args: &[String], settings: &Settings, tray: bool) -> bool {
    tray && settings.startup.at_login && settings.startup.hidden && args.iter().any(|a| a == AUTOSTART_ARG)
}

/// The zoom as WebKit wants it (1.0 = 100 %).
pub fn zoom_factor(settings: &Settings) -> f64 {
    f64::from(settings.appearance.zoom_percent) / 100.0
}

/// At start, after the tray is set up: the zoom, spell checking and the autostart file as the
/// settings say, and the window hidden when started at login with "start hidden".
pub fn at_start<R: Runtime>(app: &AppHandle<R>, args: &[String], tray: bool) {
    let settings = app.state::<crate::state::AppState>().settings();
    if let Err(e) = apply(app, None, &settings) {
        tracing::warn!(error = %e.message, "settings at start");
    }
    if starts_hidden(args, &settings, tray) {
        if let Some(w) = app.get_webview_window("main") {
            tracing::info!("started at login: hidden in the tray");
            let _ = w.hide();
        }
    }
}

/// Makes the desktop match `new`; `old` is what was applied before (`None` at start: all of it).
pub fn apply<R: Runtime>(app: &AppHandle<R>, old: Option<&Settings>, new: &Settings) -> Result<(), CommandError> {
    // first what can fail: a refusal then changes nothing
    if old.is_none_or(|o| o.startup.at_login != new.startup.at_login) {
        set_autostart(app, new.startup.at_login)?;
    }
    if let Some(w) = app.get_webview_window("main") {
        if old.is_none_or(|o| o.appearance.zoom_percent != new.appearance.zoom_percent) {
            if let Err(e) = w.set_zoom(zoom_factor(new)) {
                tracing::warn!(error = %e, "could not set the zoom");
            }
        }
        if old.is_none_or(|o| o.spellcheck != new.spellcheck) {
            crate::spellcheck::apply(&w, &new.spellcheck);
        }
    }
    Ok(())
}

/// Writes or removes the autostart file. At start this also rewrites a file left by a
/// binary that has moved since.
fn set_autostart<R: Runtime>(app: &AppHandle<R>, on: bool) -> Result<(), CommandError> {
    let manager = app.autolaunch();
    let r = if on {
        manager.enable()
    } else {
        match manager.is_enabled() {
            Ok(true) => manager.disable(),
            _ => Ok(()),
        }
    };
    r.map_err(|e| {
        tracing::warn!(error = %e, on, "autostart");
        CommandError::new(ErrorCode::Settings, format!("Could not change starting at login: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Startup;

    #[test]
    fn hidden_only_from_autostart_with_a_tray_and_the_setting() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut s = Settings { startup: Startup { at_login: true, hidden: true }, ..Default::default() };
        assert!(starts_hidden(&args(&["--autostart"]), &s, true));
        assert!(!starts_hidden(&args(&["--autostart"]), &s, false), "no tray: the window must show");
        assert!(!starts_hidden(&args(&[]), &s, true), "launched by hand: the window shows");
        s.startup.hidden = false;
        assert!(!starts_hidden(&args(&["--autostart"]), &s, true));
        s.startup = Startup { at_login: false, hidden: true };
        assert!(!starts_hidden(&args(&["--autostart"]), &s, true), "a stale autostart file with the setting off");
        assert!(!window_state_flags().contains(StateFlags::VISIBLE));
        assert!(window_state_flags().contains(StateFlags::SIZE | StateFlags::POSITION));
    }
}
