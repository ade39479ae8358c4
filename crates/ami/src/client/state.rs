//! What the client tells the rest of the app: the connection state (with a
//! message a receptionist can act on) and the ordered stream of session
//! events. Also the one place where those messages are worded.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::packet::Packet;

/// Where the connection to the PBX stands. Published on a
/// `tokio::sync::watch` channel by [`Client::state`](crate::Client::state).
///
/// Every variant other than `Connecting` and `Connected` carries a message
/// that names the user and `host:port` and says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Opening the transport or logging in; `attempt` counts from 1 since
    /// the last successful login.
    Connecting {
        /// Which attempt this is.
        attempt: u32,
    },
    /// Logged in; actions can be sent and events flow.
    Connected {
        /// The AMI version from the banner, e.g. `12.0.0`.
        version: String,
    },
    /// The PBX refused the login (wrong secret, user not permitted). The
    /// client retries, slowly.
    AuthFailed {
        /// What to do about it.
        message: String,
    },
    /// The PBX could not be reached or did not talk AMI (DNS, refused,
    /// timeout, TLS, closed before login). The client retries.
    Unreachable {
        /// What to do about it.
        message: String,
    },
    /// An established session ended. The client reconnects unless the
    /// reason is [`DisconnectReason::Shutdown`].
    Disconnected {
        /// Why it ended.
        reason: DisconnectReason,
        /// What happened, for the user.
        message: String,
    },
}

impl ConnectionState {
    /// The user-facing message, when the state has one.
    pub fn message(&self) -> Option<&str> {
        match self {
            ConnectionState::AuthFailed { message }
            | ConnectionState::Unreachable { message }
            | ConnectionState::Disconnected { message, .. } => Some(message),
            ConnectionState::Connecting { .. } | ConnectionState::Connected { .. } => None,
        }
    }

    /// True when logged in.
    pub fn is_connected(&self) -> bool {
        matches!(self, ConnectionState::Connected { .. })
    }
}

/// Why an established session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The PBX closed the connection (restart, `manager reload`, Logoff).
    ClosedByPbx,
    /// No answer to the keepalive `Ping` within its deadline: the
    /// connection is dead or half-open.
    KeepaliveTimeout,
    /// Reading or writing the socket failed.
    Io,
    /// [`Client::shutdown`](crate::Client::shutdown) was called or every
    /// handle was dropped. No reconnect follows.
    Shutdown,
}

/// One AMI event as received, stamped with the wall-clock time it arrived,
/// so everything downstream can stay free of clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedEvent {
    /// The event packet.
    pub packet: Packet,
    /// When it was read off the socket: Unix time in milliseconds.
    pub received_at_ms: i64,
}

/// One item of the ordered session stream from [`Client::events`](crate::Client::events).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// A new session is up. Events before this belonged to an older session:
    /// rebuild state (CoreShowChannels, ExtensionStateList) from here.
    Connected {
        /// The AMI version from the banner.
        version: String,
    },
    /// An event nobody's action was waiting for.
    Event(Arc<ReceivedEvent>),
    /// This subscriber fell behind and `n` events were lost: resynchronise.
    /// Reading from the PBX never stopped.
    Lagged(u64),
    /// The session ended; a `Connected` follows when it is back.
    Disconnected,
}

/// Current wall-clock time as Unix milliseconds.
pub(crate) fn now_unix_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// The wording of every connection message, in one place.
pub(crate) mod messages {
    use std::time::Duration;

    use crate::client::connector::ConnectError;

    fn secs(d: Duration) -> String {
        let s = d.as_secs_f64();
        if s.fract() == 0.0 {
            format!("{s:.0} s")
        } else {
            format!("{s:.1} s")
        }
    }

    pub(crate) fn connect_failed(err: &ConnectError, host: &str, host_port: &str) -> String {
        match err {
            ConnectError::Dns { .. } => format!(
                "Could not find {host} (DNS): check the PBX address in the settings and this computer's network"
            ),
            ConnectError::Refused => format!(
                "PBX refused the connection on {host_port}: is AMI enabled on that port, and is this \
                 computer's IP permitted?"
            ),
            ConnectError::Unreachable(e) => {
                format!("Cannot reach {host_port} ({e}): check this computer's network connection and the PBX address")
            }
            ConnectError::Io(e) => format!("Could not connect to {host_port}: {e}"),
            ConnectError::Tls(t) => t.message(host_port),
        }
    }

    pub(crate) fn connect_timeout(host_port: &str, after: Duration) -> String {
        format!(
            "No answer from {host_port} within {}: check the PBX address and port, that the PBX is on, \
             and any firewall in between",
            secs(after)
        )
    }

    pub(crate) fn no_banner(host_port: &str, after: Duration) -> String {
        format!(
            "{host_port} accepted the connection but sent no AMI greeting within {}: is this the AMI \
             port? (A TLS port stays silent to a plain-text client: turn TLS on for it.)",
            secs(after)
        )
    }

    pub(crate) fn login_no_answer(user: &str, host_port: &str, after: Duration) -> String {
        format!(
            "The PBX at {host_port} did not answer the login for user '{user}' within {}",
            secs(after)
        )
    }

    pub(crate) fn closed_before_login(host_port: &str) -> String {
        format!(
            "PBX closed the connection before login on {host_port}: this computer's IP may not be in the \
             AMI user's permitted list (or the PBX dropped an idle connection)"
        )
    }

    pub(crate) fn wrong_password(user: &str, host_port: &str, said: &str) -> String {
        format!(
            "Wrong AMI password for user '{user}' on {host_port}: check the AMI user name and secret in the \
             PBX's AMI settings (the PBX said: \"{said}\")"
        )
    }

    pub(crate) fn not_permitted(user: &str, host_port: &str, said: &str) -> String {
        format!(
            "The PBX at {host_port} does not let AMI user '{user}' log in from this computer: add this \
             computer's IP to the user's permitted IP list (the PBX said: \"{said}\")"
        )
    }

    pub(crate) fn login_refused(user: &str, host_port: &str, said: &str) -> String {
        format!("The PBX at {host_port} refused the AMI login for user '{user}': {said}")
    }

    pub(crate) fn io_during_login(host_port: &str, e: &dyn std::fmt::Display) -> String {
        format!("The connection to {host_port} failed during login: {e}")
    }

    pub(crate) fn closed_by_pbx(host_port: &str) -> String {
        format!("The PBX at {host_port} closed the AMI connection; reconnecting")
    }

    pub(crate) fn pbx_shut_down(host_port: &str, restart: bool) -> String {
        if restart {
            format!("The PBX at {host_port} is restarting; reconnecting when it is back")
        } else {
            format!("The PBX at {host_port} was shut down; reconnecting when it is back")
        }
    }

    pub(crate) fn keepalive(host_port: &str, after: Duration) -> String {
        format!(
            "The PBX at {host_port} stopped answering (no reply to the keepalive within {}); reconnecting",
            secs(after)
        )
    }

    pub(crate) fn io_lost(host_port: &str, e: &dyn std::fmt::Display) -> String {
        format!("Lost the AMI connection to {host_port}: {e}; reconnecting")
    }

    pub(crate) fn shutdown(host_port: &str) -> String {
        format!("Disconnected from {host_port}")
    }
}
