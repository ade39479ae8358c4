//! The gateway's two error types: a configuration the office admin must fix
//! ([`ConfigError`], each naming the file and the key), and a desk's request
//! that is refused ([`RequestError`], each in words the receptionist can act
//! on, with a stable [`RequestError::code`] the desk branches on).

use std::path::PathBuf;

use ringside_calls::actions::ActionError;

/// Why the gateway's configuration or credentials cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("{path} is not a valid gateway configuration: {reason}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's words, with the line.
        reason: String,
    },
    /// A value that cannot work; `key` is where it is in the file.
    #[error("{key}: {reason}")]
    Invalid {
        /// The key (`broker.url`, `desk[2].user`).
        key: String,
        /// What is wrong and what to write instead.
        reason: String,
    },
    /// The credentials file may be read by others than its owner.
    #[error(
        "{path} may be read by other users (mode {mode:04o}): it holds the AMI secret; run `chmod 600 {path}`"
    )]
    CredentialsOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A secret is neither in the credentials file nor in the environment.
    #[error("no {what}: put `{key}` in the credentials file (mode 0600) or set {env}")]
    MissingSecret {
        /// What is missing, in words.
        what: &'static str,
        /// Its key in the credentials file.
        key: &'static str,
        /// The environment variable that may hold it.
        env: &'static str,
    },
}

impl ConfigError {
    pub(crate) fn invalid(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.into(),
            reason: reason.into(),
        }
    }

    /// A stable word for the kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Read { .. } => "read",
            Self::Syntax { .. } => "syntax",
            Self::Invalid { .. } => "invalid",
            Self::CredentialsOpen { .. } => "credentials_open",
            Self::MissingSecret { .. } => "missing_secret",
        }
    }
}

/// Why a desk's request was refused. Nothing reaches the PBX for any of
/// these; the message is what the desk shows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The payload is over [`crate::request::MAX_REQUEST_BYTES`].
    #[error("the request is too large ({bytes} bytes; at most {max})")]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The cap.
        max: usize,
    },
    /// Not a request this gateway understands.
    #[error("the request could not be read: {0}")]
    Malformed(String),
    /// The request names a desk user the gateway does not know.
    #[error(
        "this desk ({0}) is not set up on the office gateway: ask your office admin to add it"
    )]
    UnknownDesk(String),
    /// The desk asked to act from an extension that is not its own.
    #[error("extension {extension} is not one of this desk's ({mine}): a desk acts only from its own phones")]
    NotYourExtension {
        /// The extension asked for.
        extension: String,
        /// The desk's own, comma-separated.
        mine: String,
    },
    /// The desk asked to pause, or log in or out, a queue member that is
    /// not one of its own extensions.
    #[error("{member} is not this desk's extension ({mine}): a desk may pause, or log in to and out of a queue, only its own")]
    NotYourMember {
        /// The member asked for.
        member: String,
        /// The desk's own, comma-separated.
        mine: String,
    },
    /// The call is not at any of the desk's extensions.
    #[error("that call is not at this desk's phones ({mine}), so this desk cannot move it")]
    NotYourCall {
        /// The desk's own extensions, comma-separated.
        mine: String,
    },
    /// The typed action refused a field, or the call is gone.
    #[error("{0}")]
    Action(#[from] ActionError),
}

impl RequestError {
    /// A stable word the desk branches on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::Malformed(_) => "malformed",
            Self::UnknownDesk(_) => "unknown_desk",
            Self::NotYourExtension { .. } | Self::NotYourMember { .. } => "not_your_extension",
            Self::NotYourCall { .. } => "not_your_call",
            Self::Action(e) => e.code(),
        }
    }
}
