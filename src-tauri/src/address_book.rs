//! The CardDAV address book as the shell uses it: its password in the OS
//! keyring, a sync every few minutes while the app runs (the first soon
//! after start), and "Sync now" from Settings. Synced contacts land in the
//! local contacts, read-only, where the popup finds them like any contact.
//!
//! It must not speak CardDAV or write contacts itself:
//! `ringside_directory::carddav` and the store do, for the CLI too.

use std::time::Duration;

use ringside_directory::carddav::{self, CardDavConfig, SyncReport};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::ipc::{
    AddressBookSettings, AddressBookSyncResult, ErrorCode, HistoryChanged, IpcError, IpcResult,
    Settings, EVENT_HISTORY_CHANGED,
};
use crate::settings::{Secret, SecretStore};
use crate::shell::Shell;

/// How long after start the first sync runs: the session and the popup
/// come first.
const FIRST_SYNC_AFTER: Duration = Duration::from_secs(20);

/// The keyring account of the password, as the CLI reads it.
pub fn password_account(a: &AddressBookSettings) -> String {
    ringside_directory::carddav_keyring_account(&a.user, &a.url)
}

/// Whether the keyring holds the password for the settings' address book.
pub fn has_password(secrets: &dyn SecretStore, s: &Settings) -> bool {
    let a = &s.address_book;
    !a.url.trim().is_empty()
        && !a.user.trim().is_empty()
        && matches!(secrets.get(&password_account(a)), Ok(Some(_)))
}

/// Puts the password in the keyring for the saved address book and user.
pub fn store_password(secrets: &dyn SecretStore, s: &Settings, password: &Secret) -> IpcResult<()> {
    let a = &s.address_book;
    if a.url.trim().is_empty() || a.user.trim().is_empty() {
        return Err(invalid(
            "save the server and the user first, then type the password",
        ));
    }
    let p = password.expose();
    if p.is_empty() || p.len() > 1024 || p.contains(['\r', '\n', '\0']) {
        return Err(invalid("type the password on one line"));
    }
    Ok(secrets.set(&password_account(a), password)?)
}

fn invalid(why: impl std::fmt::Display) -> IpcError {
    IpcError::new(ErrorCode::InvalidSetting, format!("Address book: {why}."))
}

/// Checks the address book's settings (Settings' save runs it).
pub fn validate(a: &AddressBookSettings) -> IpcResult<()> {
    crate::settings::validate_pin(a.fingerprint.as_deref(), "Address book certificate")?;
    let url = a.url.trim();
    if url.is_empty() {
        return Ok(());
    }
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || url.len() > 500
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            "use the server's https:// address, such as https://cloud.example.com",
        ));
    }
    if a.user.trim().is_empty() || a.user.chars().any(char::is_control) {
        return Err(invalid("enter the user name to sign in with"));
    }
    if !(5..=1440).contains(&a.sync_minutes) {
        return Err(invalid("sync every 5 to 1440 minutes"));
    }
    Ok(())
}

/// The CardDAV settings the settings describe, with the password from the
/// keyring; `None` when no address book is set.
pub fn config(secrets: &dyn SecretStore, s: &Settings) -> IpcResult<Option<CardDavConfig>> {
    let a = &s.address_book;
    if a.url.trim().is_empty() {
        return Ok(None);
    }
    let pem = match a.ca_file.trim() {
        "" => None,
        path => Some(
            std::fs::read(path)
                .map_err(|e| invalid(format_args!("cannot read the CA file {path}: {e}")))?,
        ),
    };
    let trust = ringside_config::tls_trust(a.fingerprint.as_deref(), pem.as_deref())
        .map_err(|e| invalid(format_args!("the certificate settings cannot work: {e}")))?;
    let Some(password) = secrets.get(&password_account(a))? else {
        return Err(invalid("no password is saved; type it in Settings"));
    };
    Ok(Some(CardDavConfig::new(
        a.url.trim(),
        a.user.trim(),
        ringside_ami::Secret::new(password.expose()),
        trust,
    )))
}

/// Syncs the saved address book once.
pub async fn sync_now(shell: &Shell) -> IpcResult<AddressBookSyncResult> {
    let s = shell.saved_settings();
    let Some(config) = config(shell.secrets.as_ref(), &s)? else {
        return Err(invalid("enter the server's address first"));
    };
    let store = shell.store()?;
    Ok(match carddav::sync(&config, store).await {
        Ok(report) => summary(&report),
        Err(e) => {
            tracing::warn!("address book sync failed: {e}");
            AddressBookSyncResult {
                ok: false,
                added: 0,
                updated: 0,
                removed: 0,
                skipped: 0,
                message: e.to_string(),
            }
        }
    })
}

fn summary(report: &SyncReport) -> AddressBookSyncResult {
    let count = |f: fn(&carddav::BookReport) -> usize| {
        u32::try_from(report.books.iter().map(f).sum::<usize>()).unwrap_or(u32::MAX)
    };
    AddressBookSyncResult {
        ok: true,
        added: count(|b| b.added),
        updated: count(|b| b.updated),
        removed: count(|b| b.removed),
        skipped: count(|b| b.skipped.len()),
        message: String::new(),
    }
}

/// Syncs the address book every `syncMinutes` while the app runs, the
/// first time soon after start; a failure is logged and tried again at the
/// next turn.
pub fn start_sync_loop<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(FIRST_SYNC_AFTER).await;
        loop {
            let Some(shell) = app.try_state::<Shell>() else {
                return;
            };
            let minutes = shell
                .saved_settings()
                .address_book
                .sync_minutes
                .clamp(5, 1440);
            if has_password(shell.secrets.as_ref(), &shell.saved_settings()) {
                match sync_now(&shell).await {
                    Ok(r) if r.ok && r.added + r.updated + r.removed > 0 => {
                        let _ = app.emit(EVENT_HISTORY_CHANGED, HistoryChanged {});
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!("address book not synced: {}", e.message),
                }
            }
            tokio::time::sleep(Duration::from_secs(u64::from(minutes) * 60)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{default_settings, FileSecretStore};

    fn with_book(url: &str, user: &str) -> Settings {
        let mut s = default_settings();
        s.address_book.url = url.into();
        s.address_book.user = user.into();
        s
    }

    #[test]
    fn the_password_is_kept_apart_from_the_pbx_secret_of_the_same_user() {
        let dir = tempfile::tempdir().expect("temp dir");
        let secrets = FileSecretStore::new(dir.path().join("keys"));
        let s = with_book("https://pbx.local:8443/dav/", "anna");
        assert_eq!(password_account(&s.address_book), "carddav:anna@pbx.local");
        assert_ne!(
            password_account(&s.address_book),
            crate::settings::keyring_account("anna", "pbx.local")
        );
        let missing = config(&secrets, &s).expect_err("no password yet");
        assert!(
            missing.message.contains("no password is saved"),
            "{}",
            missing.message
        );
        store_password(&secrets, &s, &Secret::new("pw")).expect("stored");
        assert!(has_password(&secrets, &s));
        assert!(config(&secrets, &s).expect("valid").is_some());
    }

    #[test]
    fn settings_that_cannot_work_are_refused_in_plain_words() {
        let cases = [
            (with_book("ftp://dav", "anna"), "https://"),
            (with_book("https://dav", ""), "user name"),
            (with_book("https://dav\r\nX: y", "anna"), "https://"),
        ];
        for (s, says) in cases {
            let e = validate(&s.address_book).expect_err("refused");
            assert!(e.message.contains(says), "{}", e.message);
        }
        let mut rare = with_book("https://dav", "anna");
        rare.address_book.sync_minutes = 2;
        assert!(validate(&rare.address_book)
            .expect_err("too often")
            .message
            .contains("5 to 1440"));
        validate(&with_book("https://dav.example.com", "anna").address_book).expect("fine");
        validate(&with_book("", "").address_book).expect("no address book is fine");
    }
}
