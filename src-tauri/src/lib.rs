//! Ringside's desktop shell: a thin Tauri v2 layer of commands, events,
//! windows (main, popup), tray, notifications, keyring, settings, deep links
//! and the dial hotkey over the headless crates (`ringside-ami`,
//! `ringside-calls`, `ringside-store`, and `ringside-pbxsim` as the demo PBX).
//!
//! It must not parse AMI or decide what a call is: the tracker in
//! `ringside-calls` does, and this crate forwards its `CardChange`s.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod address_book;
pub mod caller;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod console;
pub mod demo;
pub mod directory;
pub mod elastix;
pub mod errors;
pub mod feeds;
pub mod ipc;
pub mod ipc_table;
pub mod lang;
pub mod logs;
pub mod notify;
pub mod office;
pub mod popup;
pub mod probe;
pub mod session;
pub mod settings;
pub mod shell;
pub mod sms;
pub mod sync;
pub mod tray;
pub mod webkit_env;
pub mod windows_start;

use std::sync::Arc;

use clap::Parser;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::ipc::{ConfirmDial, DialSource, EVENT_CONFIRM_DIAL};
use crate::popup::{show_main, MAIN_WINDOW};
use crate::shell::Shell;
use crate::sync::LockExt;
use crate::tray::{Tray, TrayActions};

/// What the tray's menu does, in terms of the shell.
struct ShellTrayActions;

impl<R: Runtime> TrayActions<R> for ShellTrayActions {
    fn set_do_not_disturb(&self, app: &AppHandle<R>, on: bool) {
        if let Some(shell) = app.try_state::<Shell>() {
            shell.popup.lock_or_recover().do_not_disturb = on;
            tracing::info!(
                do_not_disturb = on,
                "popups {}",
                if on { "paused" } else { "back on" }
            );
        }
    }

    fn call_back(&self, app: &AppHandle<R>, number: &str) {
        ask_to_dial(app, number, DialSource::Tray);
    }
}

/// Shows the main window and asks it to confirm dialling `raw` (hotkey,
/// link, tray). The number is checked first; a bad one is logged and dropped
/// so that nothing arbitrary reaches the confirmation.
pub fn ask_to_dial<R: Runtime>(app: &AppHandle<R>, raw: &str, source: DialSource) {
    match ringside_calls::actions::clean_dial_input(raw) {
        Ok(number) => {
            tracing::info!(?source, %number, "asking the user to confirm a dial");
            show_main(app);
            let _ = app.emit_to(
                MAIN_WINDOW,
                EVENT_CONFIRM_DIAL,
                ConfirmDial { number, source },
            );
        }
        Err(e) => tracing::warn!(?source, "not dialling: {e}"),
    }
}

/// The number in a `tel:` / `sip:` link (`tel:+1-555-123`, `sip:1002@pbx`).
pub fn number_from_link(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once(':')?;
    if !scheme.eq_ignore_ascii_case("tel") && !scheme.eq_ignore_ascii_case("sip") {
        return None;
    }
    let rest = rest.trim_start_matches("//");
    let user = rest.split(['@', ';', '?']).next()?;
    let decoded = user
        .replace("%2B", "+")
        .replace("%2b", "+")
        .replace("%20", "");
    Some(decoded)
}

fn handle_links<R: Runtime>(app: &AppHandle<R>, urls: impl IntoIterator<Item = String>) {
    for url in urls {
        match number_from_link(&url) {
            Some(n) => ask_to_dial(app, &n, DialSource::Link),
            None => tracing::warn!("ignoring a link that is not tel: or sip:"),
        }
    }
}

/// Starts the app. `webkit` is what [`webkit_env::prepare`] set up.
pub fn run(webkit: webkit_env::Prepared) {
    let args = cli::Args::try_parse().unwrap_or_else(|e| windows_start::bad_command_line(e));
    let data_dir = args.data_dir.clone().unwrap_or_else(settings::data_dir);
    let log_path = logs::init(&data_dir);
    tracing::info!(log = ?log_path, "Ringside {} starting", env!("CARGO_PKG_VERSION"));
    tracing::info!(?webkit, "WebKitGTK environment");
    // Windows: no window can open without WebView2; say so and stop here.
    windows_start::require_webview2();
    let shell = Shell::new(
        args.clone(),
        settings::config_dir(),
        data_dir,
        Arc::new(settings::OsKeyring),
    );
    shell.refresh_autostart();
    let start_links = args.urls.clone();

    let result = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            // A second start lands here; a link it carried reaches the
            // deep-link plugin's on_open_url (single-instance's deep-link
            // feature), so it is not handled twice.
            show_main(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_global_shortcut::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .manage(shell)
        .manage(session::SessionSlot::default())
        .invoke_handler(ipc_table::handler())
        .setup(move |app| {
            let handle = app.handle().clone();
            match Tray::build(&handle, ShellTrayActions) {
                Ok(tray) => {
                    app.manage(tray);
                }
                Err(e) => tracing::warn!("no tray icon on this desktop: {e}"),
            }
            setup_deep_links(&handle);
            register_dial_hotkey(&handle);
            session::restart(&handle);
            address_book::start_sync_loop(&handle);
            handle_links(&handle, start_links.clone());
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        windows_start::start_failed(&e, log_path.as_deref());
    }
}

/// The global hotkey that dials the number on the clipboard, after the
/// main window asks for confirmation.
pub const DIAL_HOTKEY: &str = "CommandOrControl+Alt+D";

fn register_dial_hotkey<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_clipboard_manager::ClipboardExt;
    use tauri_plugin_global_shortcut::{GlobalShortcutExt, ShortcutState};
    let result = app
        .global_shortcut()
        .on_shortcut(DIAL_HOTKEY, |app, _shortcut, event| {
            if event.state() != ShortcutState::Pressed {
                return;
            }
            match app.clipboard().read_text() {
                Ok(text) => ask_to_dial(app, &text, DialSource::Hotkey),
                Err(e) => tracing::warn!("the dial hotkey found no text on the clipboard: {e}"),
            }
        });
    if let Err(e) = result {
        tracing::warn!("the dial hotkey {DIAL_HOTKEY} is not available on this desktop: {e}");
    }
}

fn setup_deep_links<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_deep_link::DeepLinkExt;
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        handle_links(&handle, event.urls().into_iter().map(|u| u.to_string()));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_give_their_number() {
        assert_eq!(
            number_from_link("tel:+1-555-123-4567").as_deref(),
            Some("+1-555-123-4567")
        );
        assert_eq!(
            number_from_link("tel:%2B15551234567").as_deref(),
            Some("+15551234567")
        );
        assert_eq!(
            number_from_link("sip:1002@pbx.local;transport=tcp").as_deref(),
            Some("1002")
        );
        assert_eq!(number_from_link("SIP://1002@pbx").as_deref(), Some("1002"));
        assert_eq!(
            number_from_link("https://evil.example/tel:1"),
            None,
            "only tel: and sip: dial"
        );
    }
}
