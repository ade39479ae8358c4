//! Build script: generates Tauri's context and one permission per app
//! command (`allow-<command>`), so each window's capability file
//! (`capabilities/*.json`) grants exactly the commands that window uses and
//! a command not listed there is refused for that window.

/// Every `#[tauri::command]` of the app; keep in sync with `commands.rs`
/// (the `generate_handler!` list there).
const COMMANDS: &[&str] = &[
    "get_status",
    "get_presence",
    "list_live_calls",
    "dial",
    "transfer",
    "hangup",
    "add_note",
    "lookup_caller",
    "search_history",
    "list_missed",
    "mark_called_back",
    "search_contacts",
    "import_contacts",
    "export_contacts",
    "get_settings",
    "save_settings",
    "set_secret",
    "test_connection",
    "open_crm",
    "dismiss_popup",
    "send_sms",
    "sms_thread",
    "search_sms",
    "set_api_token",
    "test_api_connection",
    "import_cdr",
    "list_pbx_calls",
    "play_recording",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
