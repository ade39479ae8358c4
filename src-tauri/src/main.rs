//! The `ringside-app` binary: parses the command line and hands over to the shell.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before any thread exists: WebKitGTK's environment (compositing off, no
    // GL in this process; see `webkit_env`).
    let webkit = ringside_app::webkit_env::prepare();
    ringside_app::run(webkit);
}
