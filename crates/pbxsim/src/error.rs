//! The crate's one error type. Only start-up can fail in a way the caller
//! must handle: binding, TLS material and capture files. Everything that goes
//! wrong inside a session is the peer's business and only ends that session.

use std::path::PathBuf;

/// Why the simulated PBX could not start or load what it was given.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Binding or accepting on the listen address failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address that was asked for.
        addr: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A capture file could not be read or decompressed.
    #[error("cannot read AMI capture {path}: {source}")]
    Capture {
        /// The capture's path.
        path: PathBuf,
        /// The underlying I/O or gzip error.
        source: std::io::Error,
    },
    /// The certificate or key for TLS could not be read or used.
    #[error("TLS certificate or key unusable: {0}")]
    Tls(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
