//! One instance per data dir (issue 9): a second launch hands its arguments to the running
//! app, which raises and focuses its window, and exits 0 (tauri-plugin-single-instance; on
//! Linux the first instance owns a D-Bus name on the session bus and the second calls it).
//!
//! The lock is scoped to the data dir, not to the app: two instances with different
//! `BANTER_DATA_DIR`s are two "computers" (the e2e tests run several at once) and do not
//! share a timeline, a hosted server or rooms, so they may run side by side. The plugin
//! supports this through its D-Bus id (`Builder::dbus_id`): ours is the app identifier
//! plus a stable hash of the data dir's path.

use std::path::Path;

use tauri::{AppHandle, Manager, Runtime};

/// The app identifier (`tauri.conf.json`); the D-Bus id starts with it.
const IDENTIFIER: &str = "chat.banter.desktop";

/// FNV-1a, 64 bits: stable across builds and Rust versions (the std hasher is not), so two
/// builds of Banter on one data dir find each other.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The D-Bus id for a data dir: `chat.banter.desktop.d<16 hex digits>` (each element of a
/// D-Bus name must not start with a digit; the plugin appends `.SingleInstance`).
pub fn dbus_id(data_dir: &Path) -> String {
    let path = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    format!("{IDENTIFIER}.d{:016x}", fnv1a(path.as_os_str().as_encoded_bytes()))
}

/// Shows, unminimises and focuses the main window.
pub fn raise<R: Runtime>(app: &AppHandle<R>) {
    let Some(w) = app.get_webview_window("main") else {
        tracing::warn!("second launch: no main window to raise");
        return;
    };
    let _ = w.unminimize();
    let _ = w.show();
    if let Err(e) = w.set_focus() {
        tracing::warn!("second launch: could not focus the window: {e}");
    }
    tracing::info!("second launch: raised the window");
}

/// The plugin, first of all plugins (so a second instance exits before anything else
/// starts). `on_args` gets the second launch's arguments (without the program name).
pub fn plugin<R: Runtime>(
    data_dir: &Path,
    on_args: impl Fn(&AppHandle<R>, Vec<String>) + Send + Sync + 'static,
) -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(dbus_id(data_dir))
        .callback(move |app, argv, _cwd| {
            raise(app);
            on_args(app, argv.into_iter().skip(1).collect());
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_a_valid_dbus_name_per_data_dir() {
        let a = dbus_id(Path::new("/nonexistent/banter-a"));
        let b = dbus_id(Path::new("/nonexistent/banter-b"));
        assert_ne!(a, b);
        assert_eq!(a, dbus_id(Path::new("/nonexistent/banter-a")));
        assert!(a.starts_with("chat.banter.desktop.d"));
        let name = format!("{a}.SingleInstance");
        assert!(name.len() <= 255);
        for part in name.split('.') {
            assert!(!part.is_empty() && !part.starts_with(|c: char| c.is_ascii_digit()));
            assert!(part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        }
    }
}
