//! The crate's one error type, [`Error`], and its [`Result`] alias.
//!
//! Every variant's message is meant for the person at the desk: it names
//! the PBX and says what to do ("check the API token in Settings"), never a
//! Rust debug dump. [`Error::code`] gives the stable code for the app's
//! `{code, message}` IPC error.

use ringside_ami::TlsFailure;

/// Why a request to the Elastix API did not give a usable answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The settings cannot be used (a base URL that is not `https://host[:port]/path`,
    /// an empty token, a bad certificate fingerprint).
    #[error("invalid Elastix settings: {0}")]
    Config(String),

    /// The PBX's host name does not resolve, or nothing can be reached there.
    #[error(
        "cannot reach the Elastix PBX at {host_port}: {detail}. Check the server address in Settings \
         and that this computer is on the office network"
    )]
    Unreachable {
        /// `host:port` as configured.
        host_port: String,
        /// What the operating system said.
        detail: String,
    },

    /// The TLS handshake failed; the message says which certificate the PBX
    /// presented and how to trust it (pin its fingerprint).
    #[error("{message}")]
    Tls {
        /// What went wrong, with the presented certificate's fingerprint.
        failure: TlsFailure,
        /// The receptionist's message, from [`TlsFailure::message`].
        message: String,
    },

    /// The PBX refused the API token (HTTP 401/403, or the API's own
    /// `"code": 401` answer).
    #[error(
        "the Elastix PBX at {host_port} refused the API token: copy the token from \
         /var/www/html/api/api.php on the PBX into Settings"
    )]
    BadToken {
        /// `host:port` as configured.
        host_port: String,
    },

    /// `getwavfile` answered 404: the PBX keeps no recording under that name.
    #[error("no recording for this call on the PBX (it was not recorded, or the file was deleted): {name}")]
    RecordingNotFound {
        /// The `name` asked for (`/2015/12/08/….wav`).
        name: String,
    },

    /// A recording name that could escape the PBX's recording folder or is
    /// not a plain file name (`..`, NUL, `\`, a control character, an empty part).
    #[error("refusing the recording name {name:?}: {reason}")]
    UnsafeRecordingName {
        /// The name as given.
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },

    /// The PBX answered with an HTTP error status other than the ones above.
    #[error("the Elastix PBX at {host_port} answered the {command} request with HTTP {status}{}", detail_suffix(.detail))]
    Http {
        /// `host:port` as configured.
        host_port: String,
        /// The API command (`cdrreport`, ...).
        command: String,
        /// The HTTP status code.
        status: u16,
        /// The API's `status` text, when it sent one.
        detail: Option<String>,
    },

    /// The PBX answered with a web page instead of JSON: the API is not
    /// installed at that path, or PHP failed.
    #[error(
        "the Elastix PBX at {host_port} answered the {command} request with a web page ({title}) instead \
         of data: check that the Elastix API is installed at the configured path (usually /api/api.php)"
    )]
    NotJson {
        /// `host:port` as configured.
        host_port: String,
        /// The API command.
        command: String,
        /// The page's `<title>`, or the first characters of the body.
        title: String,
    },

    /// The answer ended before the JSON did: the connection dropped or the
    /// PBX cut its output.
    #[error("the Elastix PBX's answer to {command} was cut off ({detail}): try again")]
    Truncated {
        /// The API command.
        command: String,
        /// Where it ended.
        detail: String,
    },

    /// The JSON does not have the shape this command answers with (an
    /// object where a list belongs, a list where a number belongs).
    #[error(
        "the Elastix PBX's answer to {command} is not in the expected format ({detail}): the PBX may run \
         an unsupported version of the Elastix API"
    )]
    UnexpectedResponse {
        /// The API command.
        command: String,
        /// What did not fit, with its position.
        detail: String,
    },

    /// The answer is larger than the configured cap.
    #[error(
        "the Elastix PBX's answer to {command} is larger than {limit} bytes: ask for a shorter date range \
         or a lower limit"
    )]
    TooLarge {
        /// The API command.
        command: String,
        /// The cap, in bytes.
        limit: u64,
    },

    /// The PBX took longer than the configured timeout.
    #[error("the Elastix PBX at {host_port} did not answer the {command} request within {secs} s")]
    Timeout {
        /// `host:port` as configured.
        host_port: String,
        /// The API command.
        command: String,
        /// The timeout in seconds.
        secs: u64,
    },

    /// The connection broke in the middle of the exchange.
    #[error("the connection to the Elastix PBX at {host_port} broke during {command}: {detail}")]
    Connection {
        /// `host:port` as configured.
        host_port: String,
        /// The API command.
        command: String,
        /// The transport's description.
        detail: String,
    },

    /// A CDR row cannot become a call record (an unreadable `calldate`).
    #[error("CDR row {uniqueid:?} cannot be imported: {reason}")]
    BadCdrRow {
        /// The row's uniqueid.
        uniqueid: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The history store refused the imported calls (its message names the
    /// database file and the problem).
    #[error("the calls from the Elastix PBX could not be saved: {0}")]
    Store(#[from] ringside_store::StoreError),

    /// Writing a recording to its destination failed (disk full, no permission).
    #[error("could not save the recording {name}: {source}")]
    Write {
        /// The recording name.
        name: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn detail_suffix(d: &Option<String>) -> String {
    d.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
}

impl Error {
    /// A stable, machine-readable code for the `{code, message}` IPC error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Config(_) => "invalid_settings",
            Error::Unreachable { .. } => "unreachable",
            Error::Tls { .. } => "tls",
            Error::BadToken { .. } => "bad_token",
            Error::RecordingNotFound { .. } => "recording_not_found",
            Error::UnsafeRecordingName { .. } => "invalid_input",
            Error::Http { .. } => "http_error",
            Error::NotJson { .. } => "not_json",
            Error::Truncated { .. } => "truncated",
            Error::UnexpectedResponse { .. } => "unexpected_response",
            Error::TooLarge { .. } => "too_large",
            Error::Timeout { .. } => "timeout",
            Error::Connection { .. } => "connection_lost",
            Error::BadCdrRow { .. } => "bad_cdr_row",
            Error::Write { .. } => "write_failed",
            Error::Store(_) => "store_failed",
        }
    }
}

impl From<ringside_ami::Error> for Error {
    /// Only settings errors come from the AMI crate here (a malformed pinned
    /// fingerprint, an unreadable CA file); its text without the "AMI" prefix.
    fn from(e: ringside_ami::Error) -> Self {
        match e {
            ringside_ami::Error::Config(msg) => Error::Config(msg),
            other => Error::Config(other.to_string()),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
