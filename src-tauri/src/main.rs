// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // WebKitGTK draws a blank window on some GPU/Wayland setups (tauri-apps/tauri#13899,
    // #13183, #8462): the DMA-BUF renderer off is the usual remedy. Respect a user's choice.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        // SAFETY: single-threaded here, before anything else starts.
        unsafe { std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1") };
    }
    banter_desktop::run();
}
