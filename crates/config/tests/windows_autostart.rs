//! "Start with Windows" writes the Run value under `HKEY_CURRENT_USER`. This
//! runs only on Windows, where the registry is the real one: under Wine in
//! CI (scripts/test-windows.sh, a temp prefix). It uses a key of its own,
//! different on every run and removed at the end, never the real Run key, so
//! a run on a real desktop does not change what starts at sign-in.
#![cfg(windows)]

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use ringside_config::autostart::{run_command, Autostart, Place};

fn test_key() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(r"Software\RingsideTest-{}-{nanos}\Run", std::process::id())
}

#[test]
fn the_run_value_is_added_rewritten_and_removed() {
    let key = test_key();
    let entry = |exe: &str| Autostart {
        place: Place::RunKey {
            key: key.clone(),
            name: "Ringside".into(),
        },
        exe: PathBuf::from(exe),
    };
    let first = entry(r"C:\Users\Ana María\AppData\Local\Programs\Ringside\ringside-app.exe");
    assert!(!first.is_enabled(), "a fresh key has no entry");
    first
        .apply(false)
        .expect("removing an entry that is not there is fine");
    first.apply(true).expect("HKCU takes the Run value");
    assert!(first.is_enabled());
    assert_eq!(
        first.current().as_deref(),
        Some(run_command(&first.exe).as_str()),
        "the quoted path, as the installer writes it"
    );
    let moved = entry(r"D:\Apps\Ringside\ringside-app.exe");
    moved.apply(true).expect("rewritten");
    assert_eq!(
        moved.current().as_deref(),
        Some(r#""D:\Apps\Ringside\ringside-app.exe""#),
        "turning it on again points at the current program"
    );
    moved.apply(false).expect("removed");
    assert!(!moved.is_enabled(), "turning it off removes the value");
    let parent = key.trim_end_matches(r"\Run");
    windows_registry::CURRENT_USER
        .remove_tree(parent)
        .expect("the test's own key is removed");
}
