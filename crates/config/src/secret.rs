//! Secrets (the AMI secret, the Elastix API token) and where they are kept.
//!
//! A secret never goes into the settings file, a log or the UI: it is a
//! [`Secret`] (its `Debug` prints `<redacted>`, and it has no `Display` and
//! no `Serialize`) that goes straight to a [`SecretStore`]: the OS keyring
//! ([`OsKeyring`]) in the app and the CLI, a folder of files
//! ([`FileSecretStore`]) in tests, so tests never touch the user's keychain.
//! Accounts are named by [`keyring_account`](crate::keyring_account) under
//! [`KEYRING_SERVICE`].
//!
//! Every call may block: the Secret Service can be slow, or wait for the
//! person to unlock the keyring. The app calls a store off its GUI thread.

use std::path::PathBuf;

use serde::{Deserialize, Deserializer};

use crate::{Error, KEYRING_SERVICE};

/// A secret. Its `Debug` prints `<redacted>`; it has no `Display` and no
/// `Serialize`, so it cannot reach a log line or the UI by accident. It
/// deserializes from a plain string (a command argument from the UI).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself, for the login and the keyring only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// Where secrets are kept, one per account.
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// Stores the secret for `account`, replacing any other.
    fn set(&self, account: &str, secret: &Secret) -> Result<(), Error>;
    /// Reads it; `Ok(None)` when there is none.
    fn get(&self, account: &str) -> Result<Option<Secret>, Error>;
}

/// The OS keyring (Secret Service on Linux, Keychain on macOS, Credential
/// Manager on Windows) through `keyring` 4, under [`KEYRING_SERVICE`].
///
/// It answers [`Error::NoKeyring`] when no keyring can be opened at all and
/// [`Error::Keyring`] when the keyring refuses (locked, say).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeyring;

impl OsKeyring {
    fn entry(account: &str) -> Result<keyring::Entry, Error> {
        keyring::Entry::new(KEYRING_SERVICE, account).map_err(|e| Error::NoKeyring {
            reason: e.to_string(),
        })
    }
}

fn refused(e: keyring::Error) -> Error {
    Error::Keyring {
        reason: e.to_string(),
    }
}

impl SecretStore for OsKeyring {
    fn set(&self, account: &str, secret: &Secret) -> Result<(), Error> {
        Self::entry(account)?
            .set_password(secret.expose())
            .map_err(refused)
    }

    fn get(&self, account: &str) -> Result<Option<Secret>, Error> {
        match Self::entry(account)?.get_password() {
            Ok(p) => Ok(Some(Secret(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(refused(e)),
        }
    }
}

/// A store for tests: one file per account in a folder (a temp dir), named
/// by the account's bytes in hex.
#[derive(Debug)]
pub struct FileSecretStore {
    dir: PathBuf,
}

impl FileSecretStore {
    /// A store keeping its files in `dir` (made on the first `set`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, account: &str) -> PathBuf {
        let name: String = account.bytes().map(|b| format!("{b:02x}")).collect();
        self.dir.join(name)
    }
}

impl SecretStore for FileSecretStore {
    fn set(&self, account: &str, secret: &Secret) -> Result<(), Error> {
        let path = self.path(account);
        std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(&path, secret.expose()))
            .map_err(|source| Error::SecretFile { path, source })
    }

    fn get(&self, account: &str) -> Result<Option<Secret>, Error> {
        let path = self.path(account);
        match std::fs::read_to_string(&path) {
            Ok(s) => Ok(Some(Secret(s))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::SecretFile { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secrets_debug_is_redacted() {
        let secret = Secret::new("hunter2-ami");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(
            format!("{:?}", Some(secret.clone())),
            "Some(<redacted>)",
            "nor inside another value's Debug"
        );
        assert_eq!(secret.expose(), "hunter2-ami");
        let typed: Secret = serde_json::from_str(r#""from the UI""#).expect("a JSON string");
        assert_eq!(typed.expose(), "from the UI");
    }

    #[test]
    fn the_file_store_keeps_one_secret_per_account() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = FileSecretStore::new(dir.path().join("keys"));
        assert!(
            store.get("ringside@pbx.local").expect("readable").is_none(),
            "none before the first set, the folder not even made"
        );
        store
            .set("ringside@pbx.local", &Secret::new("first"))
            .expect("stored");
        store
            .set("ringside@pbx-b", &Secret::new("other pbx"))
            .expect("stored");
        store
            .set("ringside@pbx.local", &Secret::new("second"))
            .expect("replaced");
        let get = |account: &str| {
            store
                .get(account)
                .expect("readable")
                .map(|s| s.expose().to_owned())
        };
        assert_eq!(get("ringside@pbx.local").as_deref(), Some("second"));
        assert_eq!(get("ringside@pbx-b").as_deref(), Some("other pbx"));
        assert_eq!(get("elastix-api@https://pbx/api"), None);
    }

    #[test]
    fn a_file_store_that_cannot_write_says_where() {
        let dir = tempfile::tempdir().expect("temp dir");
        let in_the_way = dir.path().join("keys");
        std::fs::write(&in_the_way, "").expect("written");
        let e = FileSecretStore::new(&in_the_way)
            .set("a@b", &Secret::new("x"))
            .expect_err("a file where the folder should be");
        assert_eq!(e.code(), "secret_file");
        assert!(
            e.to_string().contains(&in_the_way.display().to_string()),
            "{e}"
        );
    }
}
