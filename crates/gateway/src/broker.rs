//! The broker's address, as the gateway's configuration and a desk's
//! Settings write it: `mqtts://broker.office.lan:8883` (TLS) or
//! `mqtt://127.0.0.1:1883` (plain). A password travels only over TLS, or to
//! a broker on this computer's loopback.

use std::net::IpAddr;

use ringside_config::parse_pbx_address;

/// MQTT's registered plain port.
pub const PLAIN_PORT: u16 = 1883;
/// MQTT over TLS's registered port.
pub const TLS_PORT: u16 = 8883;

/// A broker's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Whether the connection is TLS (`mqtts://`).
    pub tls: bool,
}

impl BrokerUrl {
    /// Parses `mqtt://HOST[:PORT]` or `mqtts://HOST[:PORT]` (`[v6]:PORT`
    /// for IPv6); the port defaults to 1883 or 8883. The error says what to
    /// write instead.
    ///
    /// ```
    /// use ringside_gateway::BrokerUrl;
    /// let b = BrokerUrl::parse("mqtts://broker.office.lan").unwrap();
    /// assert_eq!((b.host.as_str(), b.port, b.tls), ("broker.office.lan", 8883, true));
    /// assert!(BrokerUrl::parse("http://broker").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (tls, rest) = if let Some(r) = raw.strip_prefix("mqtts://") {
            (true, r)
        } else if let Some(r) = raw.strip_prefix("mqtt://") {
            (false, r)
        } else {
            return Err(format!(
                "'{}' is not a broker address: write mqtts://HOST:8883 (or mqtt://HOST:1883 for a broker on this computer)",
                raw.escape_debug()
            ));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') || rest.contains('@') || rest.chars().any(char::is_control) {
            return Err(format!(
                "'{}': give only the broker's host and port (the user and password are set apart)",
                raw.escape_debug()
            ));
        }
        let default = if tls { TLS_PORT } else { PLAIN_PORT };
        let (host, port) = parse_pbx_address(rest, Some(default)).map_err(|e| {
            e.to_string()
                .replace("the PBX host", "the broker's host")
                .replace("pbx.local:5038", "broker.office.lan:8883")
                .replace("5038", "8883")
        })?;
        Ok(Self { host, port, tls })
    }

    /// Whether the broker is on this computer's loopback (`localhost`,
    /// `127.0.0.0/8`, `::1`).
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// Whether a password may be sent: over TLS, or to a loopback broker.
    /// Otherwise the desk refuses to send it, and says why.
    pub fn password_allowed(&self) -> Result<(), String> {
        if self.tls || self.is_loopback() {
            Ok(())
        } else {
            Err(format!(
                "the broker {self} is not encrypted, so the password would travel in clear text: use mqtts:// (port {TLS_PORT}), or a broker on this computer"
            ))
        }
    }
}

/// The OS keyring account that holds a desk's broker password for `user`
/// on `host` (beside the AMI secret's `user@host`): `mqtt:user@host`.
pub fn keyring_account(user: &str, host: &str) -> String {
    format!("mqtt:{}", ringside_config::keyring_account(user, host))
}

impl std::fmt::Display for BrokerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "mqtts" } else { "mqtt" };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_ports_and_when_a_password_may_travel() {
        let cases = [
            ("mqtts://broker.lan", ("broker.lan", 8883, true)),
            ("mqtt://127.0.0.1", ("127.0.0.1", 1883, false)),
            ("mqtts://[2001:db8::1]:9883/", ("2001:db8::1", 9883, true)),
            (" mqtt://localhost:18830 ", ("localhost", 18830, false)),
        ];
        for (raw, (host, port, tls)) in cases {
            let b = BrokerUrl::parse(raw).expect(raw);
            assert_eq!((b.host.as_str(), b.port, b.tls), (host, port, tls), "{raw}");
            assert_eq!(BrokerUrl::parse(&b.to_string()), Ok(b.clone()), "{raw}");
        }
        for raw in [
            "broker.lan:1883",
            "tcp://broker",
            "mqtt://",
            "mqtt://user:pw@broker",
            "mqtt://broker/topic",
            "mqtt://broker:0",
            "mqtt://broker:99999",
            "mqtt://broker\r\n:1883",
        ] {
            let e = BrokerUrl::parse(raw).expect_err(raw);
            assert!(!e.contains('\r') && !e.contains('\n'), "{e:?}");
        }
        let plain = BrokerUrl::parse("mqtt://broker.lan").expect("plain");
        let e = plain
            .password_allowed()
            .expect_err("clear text off loopback");
        assert!(e.contains("mqtts://"), "{e}");
        for ok in [
            "mqtts://broker.lan",
            "mqtt://127.0.0.1",
            "mqtt://[::1]",
            "mqtt://localhost",
        ] {
            let b = BrokerUrl::parse(ok).expect(ok);
            assert!(b.password_allowed().is_ok(), "{ok}");
        }
    }
}
