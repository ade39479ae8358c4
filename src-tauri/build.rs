//! Build script: generates Tauri's context and one permission per app
//! command (`allow-<command>`), so each window's capability file
//! (`capabilities/*.json`) grants exactly the commands that window uses and
//! a command not listed there is refused for that window.

/// Reads the command names out of the IPC table; the types are only
/// matched, not used, so nothing of the app is needed to build this.
macro_rules! ipc_table {
    (
        commands { $( $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty ; )* }
        events { $( $event:ident = $constant:ident : $payload:ty ; )* }
    ) => {
        const COMMANDS: &[&str] = &[ $( stringify!($name) ),* ];
    };
}
include!("src/ipc_table.in");

fn main() {
    println!("cargo:rerun-if-changed=src/ipc_table.in");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
