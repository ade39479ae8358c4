//! CardDAV address books synced into the local contacts, read-only.
//!
//! [`sync`] finds the address books behind a server address (RFC 6764's
//! well-known address, then RFC 6352's principal and home set; see
//! `discover`), and brings each into the store (`sync`): `sync-collection`
//! from the stored token, or ETags where the server lacks it. Each book's
//! changes are written in one transaction. The cards are read by the
//! store's one vCard parser ([`ringside_store::vcard`]), the same that
//! imports a vCard file.
//!
//! The password is passed in: the app reads it from the OS keyring, the
//! CLI from the keyring or the environment. TLS trust is the AMI crate's
//! [`TlsTrust`]: the system's roots, a CA file, or a SHA-256 pin.
//!
//! ```no_run
//! # async fn demo(store: ringside_store::HistoryStore) -> ringside_directory::carddav::Result<()> {
//! use ringside_directory::carddav::{self, CardDavConfig};
//! use ringside_ami::{Secret, TlsTrust};
//! let config = CardDavConfig::new("https://dav.example.com/", "anna", Secret::new("pw"), TlsTrust::system());
//! for book in carddav::sync(&config, &store).await?.books {
//!     println!("{}: {} new, {} changed, {} gone", book.name, book.added, book.updated, book.removed);
//! }
//! # Ok(()) }
//! ```

use std::time::Duration;

use ringside_ami::{Secret, TlsTrust};
use ringside_store::HistoryStore;
use serde::Serialize;

mod discover;
mod error;
mod http;
mod sync;
mod xml;

pub use error::{Error, Result};
pub use sync::{BookReport, SkippedCard, SyncMethod};

/// Where the address books are and how to sign in.
///
/// `Debug` prints the password as `<redacted>`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CardDavConfig {
    /// The server (`https://dav.example.com/`), a path on it
    /// (`https://cloud.example.com/remote.php/dav/`), or one address book.
    pub url: String,
    pub user: String,
    pub password: Secret,
    /// Which certificates are trusted for `https://`.
    pub trust: TlsTrust,
    /// How long one request may take, answer included.
    pub timeout: Duration,
    /// The largest answer accepted, in bytes.
    pub max_response_bytes: u64,
}

impl CardDavConfig {
    /// Settings with a 60 s timeout and a 256 MB answer cap (about 200,000
    /// cards in one answer).
    pub fn new(
        url: impl Into<String>,
        user: impl Into<String>,
        password: Secret,
        trust: TlsTrust,
    ) -> Self {
        CardDavConfig {
            url: url.into(),
            user: user.into(),
            password,
            trust,
            timeout: Duration::from_secs(60),
            max_response_bytes: 256 * 1024 * 1024,
        }
    }
}

/// One address book collection on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressBook {
    /// Its absolute URL: its identity in the store.
    pub url: String,
    /// Its path on the server.
    pub path: String,
    /// Its display name (the last path segment when it has none).
    pub name: String,
}

/// What one sync did, book by book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    pub books: Vec<BookReport>,
}

/// The address books at `config.url`, without syncing them.
pub async fn discover(config: &CardDavConfig) -> Result<Vec<AddressBook>> {
    let (origin, path) = http::Origin::parse(&config.url)?;
    let http = http::DavHttp::new(origin, config)?;
    discover::address_books(&http, &path).await
}

/// Finds the address books at `config.url` and brings each into `store`.
/// A book whose sync fails stops the run with its error; books synced
/// before it stay synced.
pub async fn sync(config: &CardDavConfig, store: &HistoryStore) -> Result<SyncReport> {
    let (origin, path) = http::Origin::parse(&config.url)?;
    let http = http::DavHttp::new(origin, config)?;
    let books = discover::address_books(&http, &path).await?;
    let mut report = SyncReport { books: Vec::new() };
    for book in &books {
        report
            .books
            .push(sync::sync_book(&http, store, book).await?);
    }
    Ok(report)
}
