//! Company directories: who a calling number belongs to, when the office
//! keeps its people and customers outside Ringside.
//!
//! - [`Directory`] is one source that answers "who is this number?": an
//!   LDAP or Active Directory server (`ldap`).
//! - CardDAV address books are synced into the local contacts instead
//!   (`carddav`), so they answer from the store like any contact.
//! - [`lookup::Lookup`] wraps a [`Directory`] so that nobody waits for it: a
//!   per-lookup deadline, a bounded cache with a time to live, and one
//!   question on the wire per number however many cards ask at once.
//! - [`precedence`] decides which name a card shows and says where it came
//!   from: local contact, then directory, then address book, then the PBX.
//!
//! Nothing here knows about windows or the tracker: the app and the CLI
//! both call in, and neither decides any of this a second time.

use std::future::Future;

use serde::Serialize;

pub mod carddav;
pub mod ldap;
pub mod lookup;
pub mod precedence;

/// A person or company a directory knows, as the popup shows them. Every
/// field is plain text from the server: the UI renders it as text, never
/// as markup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// The display name (`displayName`, else `cn`).
    pub name: String,
    pub company: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    /// The office extension (`ipPhone`), where the directory has one: the
    /// board names colleagues from it.
    pub extension: Option<String>,
    /// A photo (`thumbnailPhoto`/`jpegPhoto`), bytes as stored.
    #[serde(skip)]
    pub photo: Option<Photo>,
}

/// A photo's bytes and their media type, sniffed from the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// `image/jpeg` or `image/png`.
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

impl Photo {
    /// The photo if the bytes are a JPEG or a PNG; anything else is not
    /// shown (a directory can hold any bytes under a photo attribute).
    pub fn sniff(bytes: Vec<u8>) -> Option<Photo> {
        let mime = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else {
            return None;
        };
        Some(Photo { mime, bytes })
    }
}

/// Why a directory could not answer, in words an office admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The server could not be reached at all.
    #[error("Cannot reach the directory at {server}: {reason}. Check the address in Settings and that the server is up.")]
    Unreachable { server: String, reason: String },
    /// TLS failed: the certificate did not match the CA or the pin.
    #[error("The directory at {server} did not prove who it is: {reason}. Check the CA or certificate pin in Settings.")]
    Certificate { server: String, reason: String },
    /// The server refused the bind (user or password).
    #[error(
        "The directory refused to sign in as {user}. Check the user and password in Settings."
    )]
    Refused { user: String },
    /// The search itself failed (bad base or filter, server error).
    #[error("The directory could not search: {0}. Check the base and filter in Settings.")]
    Search(String),
    /// The connection dropped or the server stopped mid-lookup.
    #[error("The directory stopped answering: {0}.")]
    Dropped(String),
}

/// One directory that can say whose a number is.
pub trait Directory: Send + Sync + 'static {
    /// The person whose number `number` is (already normalized under the
    /// office's number plan), or `None` when the directory has nobody.
    /// Implementations are free to be slow or to fail: [`lookup::Lookup`]
    /// bounds them.
    fn find(&self, number: &str) -> impl Future<Output = Result<Option<Person>, Error>> + Send;
}
