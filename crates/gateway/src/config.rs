//! The gateway's configuration file (TOML), checked as a whole when it is
//! read, so a mistake is named with its key before anything connects:
//!
//! ```toml
//! credentials = "/etc/ringside/gateway.credentials"   # mode 0600; or the environment
//!
//! [pbx]
//! address = "pbx.office.lan:5038"
//! user = "ringside-gateway"
//! profile = "freepbx"
//! tls = false
//!
//! [broker]
//! url = "mqtts://broker.office.lan:8883"
//! user = "ringside-gateway"
//! ca = "/etc/ringside/broker-ca.pem"
//!
//! [[desk]]
//! user = "reception"
//! extensions = ["1001"]
//! ```
//!
//! A top-level `recall_after_secs` (default 20; 0 never) brings a caller a
//! desk blind-transferred back to the desk's phone when the colleague has
//! not answered in that time, as the app's Settings do for a direct
//! session.
//!
//! No secret is ever in this file: see [`crate::credentials`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ringside_calls::profile::Profile;
use ringside_calls::recall::RecallConfig;
use serde::Deserialize;

use crate::broker::BrokerUrl;
use crate::error::ConfigError;
use crate::topics::Topics;

/// At most this many desks: a gateway fans out to an office, and the
/// scale benchmark's 500 desks fit well within it.
pub const MAX_DESKS: usize = 2_000;
/// At most this many extensions per desk.
pub const MAX_DESK_EXTENSIONS: usize = 20;

/// The whole configuration, checked.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The PBX's host.
    pub pbx_host: String,
    /// The PBX's AMI port.
    pub pbx_port: u16,
    /// The AMI user.
    pub pbx_user: String,
    /// The PBX's profile (its dialect, contexts, console facts).
    pub profile: Profile,
    /// TLS to the PBX, with an optional SHA-256 pin.
    pub pbx_tls: Option<Option<String>>,
    /// The broker.
    pub broker: BrokerUrl,
    /// The gateway's broker user.
    pub broker_user: String,
    /// A CA file the broker's certificate chains to.
    pub broker_ca: Option<PathBuf>,
    /// The broker certificate's SHA-256 pin.
    pub broker_pin: Option<String>,
    /// The topic tree.
    pub topics: Topics,
    /// The credentials file, when the secrets are not in the environment.
    pub credentials: Option<PathBuf>,
    /// The desks, in the file's order.
    pub desks: Vec<DeskConfig>,
    /// How long a desk's blind transfer may ring unanswered before the
    /// caller comes back to the desk's phone; `None`: never.
    pub recall: Option<RecallConfig>,
}

/// One desk: its broker user and the extensions it acts from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskConfig {
    /// The desk's broker user name (also its topic level).
    pub user: String,
    /// The extensions whose calls it sees and acts on.
    pub extensions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    credentials: Option<PathBuf>,
    #[serde(default = "default_recall")]
    recall_after_secs: u64,
    pbx: RawPbx,
    broker: RawBroker,
    #[serde(default, rename = "desk")]
    desks: Vec<DeskConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPbx {
    address: String,
    user: String,
    #[serde(default = "default_profile")]
    profile: String,
    #[serde(default)]
    tls: bool,
    pin: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBroker {
    url: String,
    user: String,
    ca: Option<PathBuf>,
    pin: Option<String>,
    root: Option<String>,
}

fn default_recall() -> u64 {
    RecallConfig::DEFAULT_AFTER_MS / 1000
}

fn default_profile() -> String {
    "generic".into()
}

impl GatewayConfig {
    /// The broker's ACL for this gateway and its desks (`--print-acl`).
    pub fn mosquitto_acl(&self) -> String {
        self.topics.mosquitto_acl(
            &self.broker_user,
            self.desks
                .iter()
                .map(|d| (d.user.as_str(), d.extensions.as_slice())),
        )
    }

    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Checks the configuration text (`path` only names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        // The parser's own message and line, never its quote of the line:
        // that could be a secret someone pasted into the wrong file.
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            ConfigError::Syntax {
                path: path.into(),
                reason: match line {
                    Some(n) => format!("line {n}: {}", e.message().trim()),
                    None => e.message().trim().to_owned(),
                },
            }
        })?;
        let profile = Profile::by_name(&raw.pbx.profile).ok_or_else(|| {
            ConfigError::invalid(
                "pbx.profile",
                format!(
                    "'{}' is not a PBX profile: use one of {}",
                    raw.pbx.profile.escape_debug(),
                    Profile::NAMES.join(", ")
                ),
            )
        })?;
        let default_port = if raw.pbx.tls {
            profile.tls_port.unwrap_or(profile.port)
        } else {
            profile.port
        };
        let (pbx_host, pbx_port) =
            ringside_config::parse_pbx_address(&raw.pbx.address, Some(default_port))
                .map_err(|e| ConfigError::invalid("pbx.address", e.to_string()))?;
        let pbx_user = plain_name("pbx.user", &raw.pbx.user)?;
        let pbx_pin = pin("pbx.pin", raw.pbx.pin)?;
        if pbx_pin.is_some() && !raw.pbx.tls {
            return Err(ConfigError::invalid(
                "pbx.pin",
                "a certificate pin needs tls = true",
            ));
        }
        let broker =
            BrokerUrl::parse(&raw.broker.url).map_err(|e| ConfigError::invalid("broker.url", e))?;
        broker
            .password_allowed()
            .map_err(|e| ConfigError::invalid("broker.url", e))?;
        let broker_pin = pin("broker.pin", raw.broker.pin)?;
        if (broker_pin.is_some() || raw.broker.ca.is_some()) && !broker.tls {
            return Err(ConfigError::invalid(
                "broker.url",
                "a CA or certificate pin needs an mqtts:// broker",
            ));
        }
        let topics = Topics::new(
            raw.broker
                .root
                .as_deref()
                .unwrap_or(crate::topics::DEFAULT_ROOT),
        )
        .map_err(|e| ConfigError::invalid("broker.root", e))?;
        let broker_user = plain_name("broker.user", &raw.broker.user)?;
        let desks = check_desks(raw.desks, &broker_user)?;
        let recall = RecallConfig::from_setting(raw.recall_after_secs)
            .map_err(|why| ConfigError::invalid("recall_after_secs", why.trim_end_matches('.')))?;
        Ok(Self {
            pbx_host,
            pbx_port,
            pbx_user,
            profile,
            pbx_tls: raw.pbx.tls.then_some(pbx_pin),
            broker,
            broker_user,
            broker_ca: raw.broker.ca,
            broker_pin,
            topics,
            credentials: raw.credentials,
            desks,
            recall,
        })
    }

    /// The desk with broker user `user`.
    pub fn desk(&self, user: &str) -> Option<&DeskConfig> {
        self.desks.iter().find(|d| d.user == user)
    }
}

/// A user name that is also one topic level: ASCII letters, digits, `-`,
/// `_`, `.` and `@`, 1 to 64 of them.
fn plain_name(key: &str, value: &str) -> Result<String, ConfigError> {
    let ok = (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(ConfigError::invalid(
            key,
            format!(
                "'{}' is not a user name: use 1 to 64 letters, digits, '-', '_', '.' or '@'",
                value.escape_debug()
            ),
        ))
    }
}

/// A SHA-256 pin as the app's Settings take it (checked by the TLS code).
fn pin(key: &str, value: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    ringside_config::tls_trust(Some(&v), None)
        .map(|_| Some(v))
        .map_err(|e| ConfigError::invalid(key, e.to_string()))
}

fn check_desks(desks: Vec<DeskConfig>, gateway_user: &str) -> Result<Vec<DeskConfig>, ConfigError> {
    if desks.is_empty() {
        return Err(ConfigError::invalid(
            "desk",
            "no desk is set up: add a [[desk]] with its broker user and extensions",
        ));
    }
    if desks.len() > MAX_DESKS {
        return Err(ConfigError::invalid(
            "desk",
            format!("{} desks; at most {MAX_DESKS}", desks.len()),
        ));
    }
    let mut users = BTreeSet::new();
    for (i, d) in desks.iter().enumerate() {
        let key = format!("desk[{}]", i + 1);
        plain_name(&format!("{key}.user"), &d.user)?;
        if d.user == gateway_user {
            return Err(ConfigError::invalid(
                format!("{key}.user"),
                "a desk cannot use the gateway's own broker user",
            ));
        }
        if !users.insert(d.user.as_str()) {
            return Err(ConfigError::invalid(
                format!("{key}.user"),
                format!("desk user '{}' is listed twice", d.user),
            ));
        }
        if d.extensions.is_empty() || d.extensions.len() > MAX_DESK_EXTENSIONS {
            return Err(ConfigError::invalid(
                format!("{key}.extensions"),
                format!("list 1 to {MAX_DESK_EXTENSIONS} extensions, such as [\"1001\"]"),
            ));
        }
        for e in &d.extensions {
            let ok = (1..=20).contains(&e.len()) && e.chars().all(|c| c.is_ascii_alphanumeric());
            if !ok {
                return Err(ConfigError::invalid(
                    format!("{key}.extensions"),
                    format!(
                        "'{}' is not an extension: use its digits, such as 1001",
                        e.escape_debug()
                    ),
                ));
            }
        }
    }
    Ok(desks)
}

#[cfg(test)]
mod tests;
