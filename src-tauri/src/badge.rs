//! The launcher badge (issue 9 item 6): the unread count on Banter's launcher icon, where
//! the dock or panel shows one (KDE's task manager, Ubuntu's dock, Dash to Dock, Plank).
//!
//! They all listen for the Unity LauncherEntry `Update` signal on the session bus, from
//! any sender. tauri's `Window::set_badge_count` sends it through libunity only, and only
//! when the Unity shell itself runs (tao's `taskbar.rs`), so on those docks it does nothing:
//! the signal is sent here directly, naming the app by its desktop file (`Banter.desktop`,
//! as the .deb installs it). Without a listener the signal is simply dropped.

use tauri::AppHandle;

/// The desktop file id the badge is for.
pub fn app_uri(app: &AppHandle) -> String {
    format!("application://{}.desktop", app.package_info().name)
}

/// Shows `count` on the launcher icon (0 hides the badge).
pub fn set_count(app: &AppHandle, count: u32) {
    #[cfg(target_os = "linux")]
    {
        let uri = app_uri(app);
        // blocking D-Bus: not on the caller's thread (an async command or the main thread)
        std::thread::spawn(move || {
            if let Err(e) = send(&uri, count) {
                tracing::debug!("launcher badge not sent: {e}");
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (app, count);
}

#[cfg(target_os = "linux")]
fn send(uri: &str, count: u32) -> zbus::Result<()> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    use zbus::zvariant::Value;
    static BUS: OnceLock<Option<zbus::blocking::Connection>> = OnceLock::new();
    let Some(conn) = BUS.get_or_init(|| zbus::blocking::Connection::session().ok()) else {
        return Err(zbus::Error::Failure("no session bus".into()));
    };
    let mut props: HashMap<&str, Value<'_>> = HashMap::new();
    props.insert("count", Value::I64(i64::from(count)));
    props.insert("count-visible", Value::Bool(count > 0));
    conn.emit_signal(None::<&str>, "/chat/banter/LauncherEntry", "com.canonical.Unity.LauncherEntry", "Update", &(uri, props))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signal_body_has_the_launcher_entry_signature() {
        use std::collections::HashMap;
        use zbus::zvariant::{DynamicType, Value};
        let props: HashMap<&str, Value<'_>> = HashMap::new();
        assert_eq!(("application://Banter.desktop", props).signature().to_string(), "(sa{sv})");
    }
}
