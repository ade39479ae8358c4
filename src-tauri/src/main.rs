//! The `ringside-app` binary: parses the command line and hands over to the shell.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // WebKitGTK's accelerated compositing gives each window's web process its
    // own GL surfaces; our two small, static windows gain nothing from it.
    // Off, the process tree measured 932 → 610 MB RSS (PSS 566 → 277 MB) and
    // the popup's background-load p99 39 → 13 ms (scripts/measure-app.sh).
    // Set before any thread exists (set_var is only sound then); a value the
    // user exported wins.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    ringside_app::run();
}
