//! What the client needs to know to reach and log in to one PBX: address,
//! user, [`Secret`], transport, timers and backoff. Defaults live here and
//! only here.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::backoff::BackoffPolicy;
use super::connector::{Connector, TcpConnector, TlsConnector};
use super::tls::TlsTrust;
use crate::error::Result;

/// The AMI secret (password). Prints as `<redacted>` with `{}` and `{:?}`,
/// so it cannot end up in a log line or a UI payload by accident.
///
/// ```
/// let s = ringside_ami::Secret::new("hunter2");
/// assert_eq!(format!("{s} {s:?}"), "<redacted> <redacted>");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the one place that needs it (the login).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// How the client proves it knows the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthMode {
    /// `Action: Challenge` (MD5) first, so the secret never crosses the
    /// wire; plain `Secret` only when the PBX refuses the challenge.
    #[default]
    Md5Challenge,
    /// `Secret` in the `Login` action, as typed. Only for PBXes whose AMI
    /// has no challenge support.
    Plain,
}

/// Everything the client needs for one PBX. Build it with
/// [`ClientConfig::new`] and the `with_*`-style setters.
///
/// ```
/// use std::time::Duration;
/// use ringside_ami::{ClientConfig, Secret};
/// let config = ClientConfig::new("pbx.local", 5038, "ringside", Secret::new("s3cret"))
///     .action_timeout(Duration::from_secs(5))
///     .events("call,user");
/// assert!(!format!("{config:?}").contains("s3cret"));
/// ```
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) username: String,
    pub(crate) secret: Secret,
    pub(crate) auth: AuthMode,
    pub(crate) events: String,
    pub(crate) tls: Option<TlsTrust>,
    pub(crate) tls_server_name: Option<String>,
    pub(crate) connector: Option<Arc<dyn Connector>>,
    pub(crate) action_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) login_timeout: Duration,
    pub(crate) ping_interval: Duration,
    pub(crate) ping_timeout: Duration,
    pub(crate) backoff: BackoffPolicy,
    pub(crate) auth_backoff: BackoffPolicy,
    pub(crate) event_capacity: usize,
    pub(crate) stable_after: Duration,
}

impl ClientConfig {
    /// Plain TCP to `host:port`, logging in as `username`. Defaults: MD5
    /// challenge login, `Events: on`, 10 s action timeout, 10 s connect and
    /// login timeouts, `Ping` every 20 s with a 10 s deadline, reconnect
    /// backoff 0.5 s → 30 s (30 s → 5 min after a refused login), room for
    /// 4096 unread events per subscriber.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        username: impl Into<String>,
        secret: Secret,
    ) -> Self {
        Self {
            host: host.into(),
            port,
            username: username.into(),
            secret,
            auth: AuthMode::default(),
            events: "on".into(),
            tls: None,
            tls_server_name: None,
            connector: None,
            action_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            login_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(20),
            ping_timeout: Duration::from_secs(10),
            backoff: BackoffPolicy::CONNECT,
            auth_backoff: BackoffPolicy::AUTH,
            event_capacity: 4096,
            stable_after: Duration::from_secs(60),
        }
    }

    /// Connect with TLS, trusting certificates as `trust` says.
    #[must_use]
    pub fn tls(mut self, trust: TlsTrust) -> Self {
        self.tls = Some(trust);
        self
    }

    /// Check the TLS certificate for this name rather than the host name
    /// connected to (e.g. connecting by IP to a certificate issued for a name).
    #[must_use]
    pub fn tls_server_name(mut self, name: impl Into<String>) -> Self {
        self.tls_server_name = Some(name.into());
        self
    }

    /// Use this transport instead of TCP/TLS to `host:port` (tests, proxies).
    /// `host` and `port` are then only used in messages.
    #[must_use]
    pub fn connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = Some(connector);
        self
    }

    /// How to log in (default: MD5 challenge, falling back to plain).
    #[must_use]
    pub fn auth_mode(mut self, mode: AuthMode) -> Self {
        self.auth = mode;
        self
    }

    /// The `Events:` value sent with `Login`: `on`, `off`, or a
    /// comma-separated class list such as `call,agent,user`.
    #[must_use]
    pub fn events(mut self, mask: impl Into<String>) -> Self {
        self.events = mask.into();
        self
    }

    /// How long an action waits for its answer (or its event list) by default.
    #[must_use]
    pub fn action_timeout(mut self, timeout: Duration) -> Self {
        self.action_timeout = timeout;
        self
    }

    /// How long opening the transport (TCP and TLS handshake) may take.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long the banner, challenge and login may take together.
    #[must_use]
    pub fn login_timeout(mut self, timeout: Duration) -> Self {
        self.login_timeout = timeout;
        self
    }

    /// Send `Ping` every `interval`; without an answer within `timeout` the
    /// connection is declared dead (catches half-open TCP connections).
    #[must_use]
    pub fn keepalive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.ping_interval = interval;
        self.ping_timeout = timeout;
        self
    }

    /// Backoff after lost or unreachable connections.
    #[must_use]
    pub fn backoff(mut self, policy: BackoffPolicy) -> Self {
        self.backoff = policy;
        self
    }

    /// Backoff after a refused login.
    #[must_use]
    pub fn auth_backoff(mut self, policy: BackoffPolicy) -> Self {
        self.auth_backoff = policy;
        self
    }

    /// How many events each subscriber may leave unread before it starts
    /// losing the oldest (and is told so with `SessionEvent::Lagged`).
    #[must_use]
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity.max(1);
        self
    }

    /// `host:port`, as used in messages.
    pub fn host_port(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The AMI user name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The transport this configuration asks for.
    pub(crate) fn build_connector(&self) -> Result<Arc<dyn Connector>> {
        if let Some(c) = &self.connector {
            return Ok(c.clone());
        }
        Ok(match &self.tls {
            None => Arc::new(TcpConnector::new(self.host.clone(), self.port)),
            Some(trust) => {
                let name = self.tls_server_name.as_deref().unwrap_or(&self.host);
                Arc::new(TlsConnector::with_server_name(
                    self.host.clone(),
                    self.port,
                    name,
                    trust.clone(),
                )?)
            }
        })
    }
}
