//! Why an address book sync failed, in words an office admin can act on.
//! Kept apart from the crate's [`crate::Error`], which speaks of directory
//! lookups: a sync fails in its own ways (discovery, a collection that is
//! not an address book) and its messages say "address book".

use ringside_ami::{ConnectError, TlsFailure, TlsFailureKind};

/// A `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that stops an address book sync. A single bad vCard does not:
/// it is skipped and counted in the report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The settings cannot work (a bad URL, an empty user).
    #[error("The address book settings are not usable: {0}.")]
    Config(String),
    /// The server could not be reached.
    #[error("Cannot reach the address book server at {server}: {reason}. Check the address in Settings and that the server is up.")]
    Unreachable {
        /// `host:port`.
        server: String,
        /// What failed.
        reason: String,
    },
    /// TLS failed: the certificate did not match the system's CAs, the CA
    /// file or the pin.
    #[error("{message}")]
    Certificate {
        /// What the TLS layer saw, with the presented fingerprint.
        failure: TlsFailure,
        /// The message for the person.
        message: String,
    },
    /// 401 or 403: the user or the password is wrong.
    #[error("The address book server at {server} refused the user name {user} or its password. Check both in Settings.")]
    Refused {
        /// `host:port`.
        server: String,
        /// The user name sent.
        user: String,
    },
    /// No address book was found where the settings point.
    #[error("No address book was found for {user} at {url}. Check the address in Settings (the server's address, or the address book's own).")]
    NoAddressBook {
        /// The URL the discovery started from.
        url: String,
        /// The user name.
        user: String,
    },
    /// The server answered something a CardDAV server does not.
    #[error("The address book server at {server} gave an answer Ringside does not understand ({detail}). Is this a CardDAV server?")]
    Protocol {
        /// `host:port`.
        server: String,
        /// What was wrong with it.
        detail: String,
    },
    /// No answer within the timeout, or the connection dropped.
    #[error("The address book server at {server} stopped answering ({detail}). Try again later.")]
    Dropped {
        /// `host:port`.
        server: String,
        /// What happened.
        detail: String,
    },
    /// The store could not write the synced contacts; nothing was changed.
    #[error("{0}")]
    Store(String),
}

impl Error {
    /// A stable code for the UI's `{code, message}` error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Config(_) => "config",
            Self::Unreachable { .. } => "unreachable",
            Self::Certificate { .. } => "certificate",
            Self::Refused { .. } => "refused",
            Self::NoAddressBook { .. } => "no_address_book",
            Self::Protocol { .. } => "protocol",
            Self::Dropped { .. } => "dropped",
            Self::Store(_) => "store",
        }
    }

    /// The error for a failed TCP or TLS connection to `server`.
    pub(crate) fn connect(server: &str, e: ConnectError) -> Error {
        let unreachable = |reason: String| Error::Unreachable {
            server: server.to_owned(),
            reason,
        };
        match e {
            ConnectError::Tls(failure) => {
                let message = tls_message(&failure, server);
                Error::Certificate { failure, message }
            }
            ConnectError::Dns { host, .. } => {
                unreachable(format!("the name {host} cannot be found"))
            }
            ConnectError::Refused => unreachable("nothing accepts connections on that port".into()),
            other => unreachable(other.to_string()),
        }
    }
}

fn tls_message(failure: &TlsFailure, server: &str) -> String {
    let fp = failure
        .presented
        .map(|f| f.to_string())
        .unwrap_or_else(|| "(not received)".into());
    match failure.kind {
        TlsFailureKind::PlainTextPeer => format!(
            "The address book server at {server} answered in plain HTTP: use an http:// address, or the server's HTTPS port"
        ),
        TlsFailureKind::UntrustedCertificate => format!(
            "The address book server at {server} presented a certificate that no trusted authority signed. \
             If this is your server, add its CA file or pin its SHA-256 fingerprint in Settings: {fp}"
        ),
        _ => format!(
            "The address book server at {server} did not prove who it is ({}). Check the CA file or the \
             certificate pin in Settings; the server presented {fp}",
            failure.detail
        ),
    }
}
