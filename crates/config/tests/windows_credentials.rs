//! The OS keyring on Windows is the Credential Manager (keyring's
//! `windows-native-keyring-store`). This runs only on Windows, where the
//! store is the real one: under Wine in CI (scripts/test-windows.sh), whose
//! prefix is a temp dir, so nothing outlives the run. On Linux the keyring is
//! the desktop's Secret Service, exercised by the app's end-to-end test in a
//! private keyring; a test here would write to the developer's own keyring.
#![cfg(windows)]

use std::time::{SystemTime, UNIX_EPOCH};

use ringside_config::{keyring_account, OsKeyring, Secret, SecretStore, KEYRING_SERVICE};

/// An account no real login uses, different on every run, removed at the end
/// (a run on a real Windows desktop leaves nothing behind either).
fn test_account() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    keyring_account(
        &format!("ringside-test-{}-{nanos}", std::process::id()),
        "pbx.test.invalid",
    )
}

#[test]
fn a_secret_round_trips_through_the_credential_manager() {
    let account = test_account();
    let store = OsKeyring;
    assert!(
        store
            .get(&account)
            .expect("reading a missing entry")
            .is_none(),
        "an account never stored reads as none, not as an error"
    );
    store
        .set(&account, &Secret::new("first s3cret"))
        .expect("the Credential Manager stores the secret");
    store
        .set(&account, &Secret::new("second s3cret: ünïcode ☎"))
        .expect("storing again replaces the secret");
    let read = store.get(&account).expect("the stored secret reads back");
    assert_eq!(
        read.as_ref().map(Secret::expose),
        Some("second s3cret: ünïcode ☎"),
        "the second secret replaced the first, non-ASCII text intact"
    );
    assert!(
        store
            .get(&keyring_account("someone-else", "pbx.test.invalid"))
            .expect("reading another account")
            .is_none(),
        "another account does not see this one's secret"
    );
    keyring::Entry::new(KEYRING_SERVICE, &account)
        .and_then(|e| e.delete_credential())
        .expect("the test's entry is removed");
    assert!(
        store.get(&account).expect("reading after delete").is_none(),
        "a removed entry reads as none"
    );
}
