//! What the client needs to reach one Elastix PBX ([`ElastixConfig`]), and
//! the checked form of its base URL. The token is a [`Secret`], so printing
//! a configuration never shows it.

use std::time::Duration;

use ringside_ami::{Secret, TlsTrust};

use crate::error::{Error, Result};

/// Where the API lives when the base URL names only the server.
const DEFAULT_PATH: &str = "/api/api.php";

/// Settings for one Elastix PBX's API.
///
/// `Debug` shows everything but the token, which prints as `<redacted>`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ElastixConfig {
    /// `https://<server>[:port]/api/api.php`; a bare `https://<server>` means
    /// the API's usual path.
    pub base_url: String,
    /// The 50-character key set in the PBX's `api.php`, sent as the raw
    /// `Authorization` header.
    pub token: Secret,
    /// Which server certificates are accepted (Elastix ships a self-signed
    /// one: pin its fingerprint).
    pub trust: TlsTrust,
    /// How long to wait for the connection, for the response headers, and
    /// between two pieces of the body.
    pub timeout: Duration,
    /// The largest JSON answer accepted, in bytes (recordings are streamed
    /// and not limited by this).
    pub max_response_bytes: u64,
}

impl ElastixConfig {
    /// Settings with a 30 s timeout and a 256 MiB answer cap (about
    /// 350,000 CDR rows).
    pub fn new(base_url: impl Into<String>, token: Secret, trust: TlsTrust) -> Self {
        Self {
            base_url: base_url.into(),
            token,
            trust,
            timeout: Duration::from_secs(30),
            max_response_bytes: 256 * 1024 * 1024,
        }
    }

    /// The same settings with another timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same settings with another answer cap.
    pub fn with_max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }
}

/// A base URL taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// The host to connect to and check the certificate against (no brackets).
    pub host: String,
    /// The TCP port.
    pub port: u16,
    /// The `Host` header: the authority as written.
    pub authority: String,
    /// The script's path, `/api/api.php`.
    pub path: String,
}

impl Endpoint {
    pub(crate) fn parse(url: &str) -> Result<Self> {
        let url = url.trim();
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => rest,
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("http") => {
                return Err(Error::Config(
                    "the Elastix API must be reached over HTTPS (the token would travel in clear text): \
                     write the address as https://…"
                        .into(),
                ))
            }
            Some((scheme, _)) => return Err(Error::Config(format!("{scheme}:// is not a web address; use https://"))),
            None => url,
        };
        if rest.contains(['?', '#', ' ']) {
            return Err(Error::Config(format!(
                "{url:?} is not a plain server address: leave out anything after the path (?, #) and spaces"
            )));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let path = if path.is_empty() || path == "/" {
            DEFAULT_PATH
        } else {
            path
        };
        let (host, port) = split_host_port(authority).ok_or_else(|| {
            Error::Config(format!(
                "{authority:?} is not a server name or address with an optional :port"
            ))
        })?;
        if host.is_empty() {
            return Err(Error::Config(
                "the Elastix address has no server name".into(),
            ));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
            authority: authority.to_owned(),
            path: path.to_owned(),
        })
    }

    /// `host:port`, for messages.
    pub(crate) fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn split_host_port(authority: &str) -> Option<(&str, u16)> {
    if authority.contains('@') {
        return None;
    }
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => 443,
            None => return None,
        };
        return Some((host, port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host, port.parse().ok().filter(|p| *p != 0)?)),
        None => Some((authority, 443)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_taken_apart_with_the_documented_defaults() {
        let e = Endpoint::parse("https://10.0.0.5/api/api.php").expect("the documented form");
        assert_eq!(
            (e.host.as_str(), e.port, e.path.as_str()),
            ("10.0.0.5", 443, "/api/api.php"),
            "port 443 by default"
        );
        let e = Endpoint::parse("https://pbx.lan:8443").expect("server and port only");
        assert_eq!(
            (e.port, e.path.as_str()),
            (8443, "/api/api.php"),
            "a bare server means the API's usual path"
        );
        let e = Endpoint::parse("https://[fd00::5]:444/x/api.php").expect("IPv6");
        assert_eq!(
            (e.host.as_str(), e.port),
            ("fd00::5", 444),
            "brackets are not part of the host"
        );
        assert_eq!(
            e.host_port(),
            "[fd00::5]:444",
            "messages put IPv6 hosts back in brackets"
        );
        let err = Endpoint::parse("http://pbx.lan/api/api.php")
            .expect_err("plain HTTP would expose the token");
        assert!(
            err.to_string().contains("HTTPS"),
            "the message says to use HTTPS: {err}"
        );
        assert!(
            Endpoint::parse("https://pbx.lan:0").is_err(),
            "port 0 cannot be connected to"
        );
        assert!(
            Endpoint::parse("https://user@pbx.lan").is_err(),
            "credentials in the URL are refused"
        );
    }

    #[test]
    fn the_token_never_appears_in_debug_output() {
        let c = ElastixConfig::new(
            "https://pbx",
            Secret::new("kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj"),
            TlsTrust::system(),
        );
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("kJBJz"),
            "the token must not be printable: {dbg}"
        );
        assert!(
            dbg.contains("<redacted>"),
            "Debug shows that a token is set: {dbg}"
        );
    }
}
