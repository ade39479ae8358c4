//! The crate's one error type, [`Error`], and its [`Result`] alias.
//!
//! These are the errors an *action* can end in, as seen by whoever called
//! [`Client::send`](crate::Client::send). Why a *connection* is down is not
//! an error of any one action: it is published on the connection-state
//! stream ([`ConnectionState`](crate::ConnectionState)) with a message a
//! receptionist can act on.

use std::time::Duration;

use crate::packet::EncodeError;

/// Why an AMI action did not give a usable answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No AMI session is up right now (connecting, waiting to retry, or the
    /// login was refused). Nothing was sent; try again once the connection
    /// state says `Connected`.
    #[error("not connected to the PBX")]
    NotConnected,

    /// The PBX did not answer the action (or finish its event list) in time.
    /// A late answer is read and dropped, so the session stays in sync.
    #[error("the PBX did not answer the {action} action within {} s", .after.as_secs_f32())]
    Timeout {
        /// The `Action:` name.
        action: String,
        /// How long the client waited.
        after: Duration,
    },

    /// The PBX answered `Response: Error`. `message` is the PBX's `Message`
    /// (for a failing `Command`, its output text instead, which says more).
    #[error("the PBX refused the {action} action: {message}")]
    ActionFailed {
        /// The `Action:` name.
        action: String,
        /// What the PBX said.
        message: String,
    },

    /// The PBX cancelled an event list (`EventList: Cancelled`) before it
    /// was complete.
    #[error("the PBX cancelled the {action} list before it was complete")]
    ListCancelled {
        /// The `Action:` name.
        action: String,
    },

    /// The action holds a line break or NUL (or a bad key) and was refused
    /// before any byte of it was sent.
    #[error(transparent)]
    Encode(#[from] EncodeError),

    /// The packet given to `send` has no `Action:` field.
    #[error("an AMI action needs an Action field")]
    MissingAction,

    /// The connection dropped after the action was sent and before its
    /// answer arrived. Whether the PBX carried it out is unknown.
    #[error("the connection to the PBX dropped before the {action} action was answered")]
    ConnectionLost {
        /// The `Action:` name.
        action: String,
    },

    /// The client has been shut down; no more actions can be sent.
    #[error("the AMI client has been shut down")]
    Closed,

    /// The settings cannot be used as given (a malformed certificate
    /// fingerprint, unreadable CA certificates, an impossible server name).
    #[error("invalid AMI settings: {0}")]
    Config(String),
}

impl Error {
    /// A stable, machine-readable code for this error, for the `{code,
    /// message}` error the UI receives.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotConnected => "not_connected",
            Error::Timeout { .. } => "timeout",
            Error::ActionFailed { .. } => "action_failed",
            Error::ListCancelled { .. } => "list_cancelled",
            Error::Encode(_) => "invalid_input",
            Error::MissingAction => "invalid_input",
            Error::ConnectionLost { .. } => "connection_lost",
            Error::Closed => "closed",
            Error::Config(_) => "invalid_settings",
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
