//! The `ringside-app` binary: parses the command line and hands over to the shell.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    ringside_app::run();
}
