fn main() {
    // App commands get their own permissions (allow-connect, …) so the capability file can
    // grant exactly the ones the main window uses.
    let commands = &[
        "app_info", "connect", "disconnect", "join", "leave", "send", "send_location", "retry", "history",
        "get_settings", "save_settings", "token_set", "token_clear", "set_typing",
        "open_link", "start_local_server", "subscribe", "next_events", "account_policy", "sign_in", "sign_out",
        "open_dm", "set_view", "sessions", "revoke_session", "change_password",
        "mark_read", "restore_account", "room_settings", "room_members", "remove_message", "kick", "ban",
        "block", "unblock", "blocks",
        "edit_message", "delete_message", "react", "search",
        "quit", "set_unread",
        "trust_certificate", "sharing", "set_sharing",
        "upload_file", "cancel_upload", "upload_limit", "file_thumbnail", "save_file",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri-build failed");
}
