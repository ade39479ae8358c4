//! What the CLI and the app both need to know before they can reach a PBX,
//! written once so they cannot disagree (issue 15's `crates/config`). It is
//! headless: no window, no IPC type, no async runtime.
//!
//! - where the PBX is: [`parse_pbx_address`] reads `host`, `host:port`,
//!   `[v6]` and `[v6]:port`;
//! - which TLS certificate it may present: [`tls_trust`];
//! - where Ringside keeps its files: [`config_dir`] and [`data_dir`];
//! - the settings file: [`settings`] reads the defaults overlaid with the
//!   user's changes and writes back only those changes, safely;
//! - the secrets: a [`Secret`] goes to a [`SecretStore`], the OS keyring
//!   ([`OsKeyring`]) under [`KEYRING_SERVICE`] and [`keyring_account`], or
//!   a folder of files in tests ([`FileSecretStore`]);
//! - "Start Ringside when I log in": the login entry, [`autostart`] (an
//!   XDG autostart file on Linux, the Run value on Windows);
//! - what can go wrong with those, in words for the person at the desk:
//!   [`Error`].

pub mod autostart;
mod dirs;
mod error;
mod secret;
pub mod settings;
mod transport;

pub use dirs::{config_dir, data_dir, CONFIG_DIR_VAR, DATA_DIR_VAR};
pub use error::Error;
pub use ringside_ami::TlsTrust;
pub use secret::{FileSecretStore, OsKeyring, Secret, SecretStore};
pub use transport::Transport;

/// The OS keyring's service name for every Ringside secret.
pub const KEYRING_SERVICE: &str = "ringside";

/// The keyring account of an AMI login: `<user>@<host>`, so one computer can
/// keep the secrets of several PBXes and users.
///
/// ```
/// assert_eq!(ringside_config::keyring_account(" ringside ", "pbx.local"), "ringside@pbx.local");
/// ```
pub fn keyring_account(user: &str, host: &str) -> String {
    format!("{}@{}", user.trim(), host.trim())
}

/// The certificates a TLS connection to the PBX (or its HTTP API) accepts:
/// exactly the one pinned by its SHA-256 fingerprint (a self-signed
/// Grandstream UCM or Elastix), else the system's CAs plus a company CA in
/// PEM, else the system's CAs. A blank pin counts as none.
///
/// ```
/// use ringside_config::{tls_trust, TlsTrust};
/// assert!(matches!(tls_trust(Some("  "), None), Ok(TlsTrust::Roots { .. })));
/// assert!(tls_trust(Some("not a fingerprint"), None).is_err());
/// ```
pub fn tls_trust(
    pin: Option<&str>,
    ca_pem: Option<&[u8]>,
) -> Result<TlsTrust, ringside_ami::Error> {
    match (pin.map(str::trim).filter(|p| !p.is_empty()), ca_pem) {
        (Some(fp), _) => TlsTrust::pinned(fp),
        (None, Some(pem)) => TlsTrust::system_and_pem(pem),
        (None, None) => Ok(TlsTrust::system()),
    }
}

/// Why a PBX address was refused, in words that name what to type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Nothing before the port, or nothing at all.
    #[error("the PBX host is empty: give HOST or HOST:PORT, such as pbx.local:5038")]
    EmptyHost,
    /// No port, where one is needed.
    #[error("'{0}' has no port: give HOST:PORT, such as pbx.local:5038")]
    NoPort(String),
    /// The port is not a number from 1 to 65535.
    #[error("'{0}' is not a port number: use one from 1 to 65535, such as 5038")]
    BadPort(String),
    /// `[` without its `]`.
    #[error(
        "'{0}' opens an IPv6 address with '[' but does not close it: write [2001:db8::1]:5038"
    )]
    Unclosed(String),
}

/// Splits a PBX address into host and port: `pbx.local`, `pbx.local:5038`,
/// `10.0.0.2:7777`, `[2001:db8::1]:5038`, or a bare IPv6 address. Without a
/// port it is `default_port`, and an error when there is none.
///
/// ```
/// use ringside_config::{parse_pbx_address, AddressError};
/// assert_eq!(parse_pbx_address("pbx.local", Some(5038)), Ok(("pbx.local".into(), 5038)));
/// assert_eq!(parse_pbx_address("[::1]:7777", None), Ok(("::1".into(), 7777)));
/// assert_eq!(parse_pbx_address("pbx.local", None), Err(AddressError::NoPort("pbx.local".into())));
/// ```
pub fn parse_pbx_address(
    raw: &str,
    default_port: Option<u16>,
) -> Result<(String, u16), AddressError> {
    let raw = raw.trim();
    let (host, port) = if let Some(rest) = raw.strip_prefix('[') {
        let (h, tail) = rest
            .split_once(']')
            .ok_or_else(|| AddressError::Unclosed(raw.to_owned()))?;
        match tail {
            "" => (h, None),
            t => (
                h,
                Some(
                    t.strip_prefix(':')
                        .ok_or_else(|| AddressError::BadPort(t.to_owned()))?,
                ),
            ),
        }
    } else if raw.matches(':').count() == 1 {
        let (h, p) = raw.split_once(':').expect("one colon");
        (h, Some(p))
    } else {
        // A host name, or a bare IPv6 address (several colons, no port).
        (raw, None)
    };
    if host.is_empty() {
        return Err(AddressError::EmptyHost);
    }
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| AddressError::BadPort(p.to_owned()))?,
        None => default_port.ok_or_else(|| AddressError::NoPort(raw.to_owned()))?,
    };
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_pbx_address() {
        let ok = |raw: &str, default: Option<u16>| parse_pbx_address(raw, default).expect(raw);
        assert_eq!(ok("127.0.0.1:5038", None), ("127.0.0.1".into(), 5038));
        assert_eq!(
            ok("pbx.local", Some(7777)),
            ("pbx.local".into(), 7777),
            "the profile's port when none is given"
        );
        assert_eq!(
            ok("pbx.local:5039", Some(7777)),
            ("pbx.local".into(), 5039),
            "a given port wins"
        );
        assert_eq!(ok("[::1]:7777", None), ("::1".into(), 7777));
        assert_eq!(
            ok("[2001:db8::1]", Some(5038)),
            ("2001:db8::1".into(), 5038)
        );
        assert_eq!(
            ok("2001:db8::1", Some(5038)),
            ("2001:db8::1".into(), 5038),
            "a bare IPv6 address has no port"
        );
        assert_eq!(ok(" pbx.local:5038 ", None), ("pbx.local".into(), 5038));
        assert_eq!(
            parse_pbx_address("pbx.local", None),
            Err(AddressError::NoPort("pbx.local".into()))
        );
        assert_eq!(
            parse_pbx_address("pbx.local:0", None),
            Err(AddressError::BadPort("0".into()))
        );
        assert_eq!(
            parse_pbx_address("pbx.local:x", Some(1)),
            Err(AddressError::BadPort("x".into()))
        );
        assert_eq!(
            parse_pbx_address("pbx.local:70000", None),
            Err(AddressError::BadPort("70000".into()))
        );
        assert_eq!(
            parse_pbx_address(":5038", None),
            Err(AddressError::EmptyHost)
        );
        assert_eq!(
            parse_pbx_address("", Some(5038)),
            Err(AddressError::EmptyHost)
        );
        assert_eq!(
            parse_pbx_address("[::1", None),
            Err(AddressError::Unclosed("[::1".into()))
        );
        assert_eq!(
            parse_pbx_address("[::1]5038", None),
            Err(AddressError::BadPort("5038".into()))
        );
    }

    #[test]
    fn the_keyring_names_one_login_per_user_and_pbx() {
        assert_eq!(
            keyring_account("ringside", "pbx.local"),
            "ringside@pbx.local"
        );
        assert_ne!(
            keyring_account("ringside", "pbx-a"),
            keyring_account("ringside", "pbx-b")
        );
        assert_eq!(
            KEYRING_SERVICE, "ringside",
            "secrets stored by earlier versions stay where they are"
        );
    }
}
