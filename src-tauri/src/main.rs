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
    // JavaScriptCore's small-heap mode (the one it uses on small devices) in the web process,
    // which inherits this environment: it collects sooner and keeps a smaller heap. After a
    // burst of 30,000 messages the window's memory was +41 MB above idle a minute later
    // without it and +30 MB with it, the peak 282 MB instead of 310-318, and the page kept up
    // (docs/benchmarks-desktop.md, 2026-12-02). Respect a user's choice.
    #[cfg(target_os = "linux")]
    if std::env::var_os("JSC_forceMiniVMMode").is_none() {
        // SAFETY: single-threaded here, before anything else starts.
        unsafe { std::env::set_var("JSC_forceMiniVMMode", "true") };
    }
    banter_desktop::run();
}
