//! The `sippeers` command: each SIP peer's registration and reachability
//! ([`SipPeer`]), whether it is an extension or a trunk ([`PeerKind`]), and
//! what that means for the colleague list ([`PeerPresence`]). No networking here.

use serde::Deserialize;

use crate::error::Result;
use crate::loose;

/// Reachability as chan_sip's qualify reports it in `Status`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PeerStatus {
    /// `OK (89 ms)`: answering qualify pings, with the round trip when given.
    Reachable {
        /// Round-trip time in milliseconds.
        latency_ms: Option<u32>,
    },
    /// `LAGGED (2500 ms)`: answering, but slower than the qualify limit.
    Lagged {
        /// Round-trip time in milliseconds.
        latency_ms: Option<u32>,
    },
    /// `UNREACHABLE`: not answering qualify pings.
    Unreachable,
    /// `UNKNOWN`: never answered since the PBX started (or not registered).
    Unknown,
    /// `Unmonitored`: qualify is off for this peer, so the PBX cannot tell.
    Unmonitored,
    /// Anything else, kept as sent.
    Other(String),
}

impl PeerStatus {
    /// Reads chan_sip's status text.
    ///
    /// ```
    /// use ringside_elastix::PeerStatus;
    /// assert_eq!(PeerStatus::parse("OK (89 ms)"), PeerStatus::Reachable { latency_ms: Some(89) });
    /// assert_eq!(PeerStatus::parse("UNREACHABLE"), PeerStatus::Unreachable);
    /// ```
    pub fn parse(s: &str) -> Self {
        let t = s.trim();
        let upper = t.to_ascii_uppercase();
        let latency = || {
            let open = t.find('(')?;
            let inner = &t[open + 1..];
            let digits: String = inner
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        };
        if upper == "OK" || upper.starts_with("OK ") || upper.starts_with("OK(") {
            Self::Reachable {
                latency_ms: latency(),
            }
        } else if upper.starts_with("LAGGED") {
            Self::Lagged {
                latency_ms: latency(),
            }
        } else if upper.starts_with("UNREACHABLE") {
            Self::Unreachable
        } else if upper.starts_with("UNKNOWN") {
            Self::Unknown
        } else if upper.starts_with("UNMONITORED") {
            Self::Unmonitored
        } else {
            Self::Other(t.to_owned())
        }
    }
}

/// What a peer's state means for someone looking at the colleague list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeerPresence {
    /// Registered and answering: the phone is online.
    Available,
    /// Online, but with a slow network path (`LAGGED`): calls may sound bad.
    Degraded,
    /// Not answering or not registered: calls to it will fail.
    Offline,
    /// The PBX does not monitor it, so nobody knows.
    Unknown,
}

/// Whether a peer is a phone or a line to a carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeerKind {
    /// An office phone (registers to the PBX, short numeric name).
    Extension,
    /// A SIP trunk to a carrier or another PBX.
    Trunk,
}

/// One SIP peer from `sippeers` (a `PeerEntry` of Asterisk's `SIPpeers`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SipPeer {
    /// The peer's name: the extension number or the trunk's name.
    pub name: String,
    /// `SIP`.
    pub channel_type: String,
    /// `peer` or `user`.
    pub chan_object_type: String,
    /// The address it registered from or is configured at; `None` when unregistered.
    pub ip_address: Option<String>,
    /// The port of that address.
    pub ip_port: Option<u16>,
    /// Registers dynamically (phones) rather than having a fixed host (trunks).
    pub dynamic: bool,
    /// Has an ACL.
    pub acl: bool,
    /// NAT port forcing is on.
    pub force_rport: bool,
    /// Symmetric RTP (comedia) is on.
    pub comedia: bool,
    /// Video is allowed.
    pub video_support: bool,
    /// Realtime (database) peer.
    pub realtime: bool,
    /// Reachability.
    pub status: PeerStatus,
    /// The PBX's description.
    pub description: String,
    /// Phone or trunk.
    pub kind: PeerKind,
}

impl SipPeer {
    /// What this peer's state means for the colleague list: reachable is
    /// available, lagged is degraded, unreachable is offline; an unmonitored
    /// or unknown peer with no registered address is offline, otherwise unknown.
    pub fn presence(&self) -> PeerPresence {
        match self.status {
            PeerStatus::Reachable { .. } => PeerPresence::Available,
            PeerStatus::Lagged { .. } => PeerPresence::Degraded,
            PeerStatus::Unreachable => PeerPresence::Offline,
            PeerStatus::Unknown | PeerStatus::Unmonitored | PeerStatus::Other(_) => {
                // A dynamic peer without an address has not registered, so it
                // cannot be called whatever qualify says.
                if self.dynamic && self.ip_address.is_none() {
                    PeerPresence::Offline
                } else {
                    PeerPresence::Unknown
                }
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPeer {
    #[serde(default, deserialize_with = "loose::text")]
    object_name: String,
    #[serde(default, deserialize_with = "loose::text")]
    channeltype: String,
    #[serde(default, deserialize_with = "loose::text")]
    chan_object_type: String,
    #[serde(default, rename = "IPaddress", deserialize_with = "loose::text")]
    ip_address: String,
    #[serde(default, rename = "IPport", deserialize_with = "loose::text")]
    ip_port: String,
    #[serde(default, deserialize_with = "loose::flag")]
    dynamic: bool,
    #[serde(default, rename = "ACL", deserialize_with = "loose::flag")]
    acl: bool,
    #[serde(default, deserialize_with = "loose::flag")]
    forcerport: bool,
    #[serde(default, deserialize_with = "loose::flag")]
    comedia: bool,
    #[serde(default, deserialize_with = "loose::flag")]
    video_support: bool,
    #[serde(default, deserialize_with = "loose::flag")]
    realtime_device: bool,
    #[serde(default, deserialize_with = "loose::text")]
    status: String,
    #[serde(default, deserialize_with = "loose::text")]
    description: String,
}

/// The longest name still taken for an extension number; longer numeric
/// names are carrier account numbers (the API document's trunk is `900000000000`).
const MAX_EXTENSION_DIGITS: usize = 6;

fn kind_of(name: &str, dynamic: bool, chan_object_type: &str) -> PeerKind {
    let short_number = !name.is_empty()
        && name.len() <= MAX_EXTENSION_DIGITS
        && name.bytes().all(|b| b.is_ascii_digit());
    if short_number
        || (dynamic && chan_object_type.eq_ignore_ascii_case("peer") && !name.contains(['.', '@']))
    {
        // Phones register (dynamic) and are named by their number; a
        // statically configured short number is a phone with a fixed IP.
        PeerKind::Extension
    } else {
        PeerKind::Trunk
    }
}

fn address(s: &str) -> Option<String> {
    let t = s.trim();
    // chan_sip prints an unregistered peer's address as `-none-` or `(null)`.
    (!t.is_empty() && t != "-none-" && t != "(null)" && t != "(Unspecified)" && t != "0.0.0.0")
        .then(|| t.to_owned())
}

impl From<RawPeer> for SipPeer {
    fn from(r: RawPeer) -> Self {
        let kind = kind_of(&r.object_name, r.dynamic, &r.chan_object_type);
        let ip_address = address(&r.ip_address);
        Self {
            ip_port: ip_address
                .as_ref()
                .and_then(|_| r.ip_port.trim().parse().ok())
                .filter(|p| *p != 0),
            ip_address,
            kind,
            name: r.object_name,
            channel_type: r.channeltype,
            chan_object_type: r.chan_object_type,
            dynamic: r.dynamic,
            acl: r.acl,
            force_rport: r.forcerport,
            comedia: r.comedia,
            video_support: r.video_support,
            realtime: r.realtime_device,
            status: PeerStatus::parse(&r.status),
            description: r.description,
        }
    }
}

/// Parses a `sippeers` answer: a JSON list of peer objects.
pub fn parse_sip_peers(body: &[u8]) -> Result<Vec<SipPeer>> {
    parse_with_host(body, crate::response::NO_HOST)
}

pub(crate) fn parse_with_host(body: &[u8], host_port: &str) -> Result<Vec<SipPeer>> {
    let raw: Vec<RawPeer> = crate::response::decode_json("sippeers", host_port, body)?;
    Ok(raw.into_iter().map(SipPeer::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(name: &str, dynamic: &str, ip: &str, status: &str) -> SipPeer {
        let json = format!(
            r#"[{{"ObjectName": "{name}", "ChanObjectType": "peer", "Dynamic": "{dynamic}", "IPaddress": "{ip}", "IPport": "5060", "Status": "{status}"}}]"#
        );
        parse_sip_peers(json.as_bytes())
            .expect("a peer list")
            .remove(0)
    }

    #[test]
    fn every_qualify_status_maps_to_a_presence() {
        let cases = [
            ("OK (5 ms)", "1.1.1.1", PeerPresence::Available),
            ("LAGGED (2500 ms)", "1.1.1.1", PeerPresence::Degraded),
            ("UNREACHABLE", "1.1.1.1", PeerPresence::Offline),
            ("UNKNOWN", "-none-", PeerPresence::Offline),
            ("UNKNOWN", "1.1.1.1", PeerPresence::Unknown),
            ("Unmonitored", "(null)", PeerPresence::Offline),
            ("Unmonitored", "1.1.1.1", PeerPresence::Unknown),
        ];
        for (status, ip, want) in cases {
            let p = peer("101", "yes", ip, status);
            assert_eq!(
                p.presence(),
                want,
                "{status} with address {ip}: a phone must show as {want:?}"
            );
        }
        assert_eq!(
            PeerStatus::parse("LAGGED (2500 ms)"),
            PeerStatus::Lagged {
                latency_ms: Some(2500)
            },
            "the lag is kept so the UI can show it"
        );
        assert_eq!(
            peer("101", "yes", "-none-", "UNKNOWN").ip_port,
            None,
            "no port without an address"
        );
    }

    #[test]
    fn phones_and_trunks_are_told_apart_by_registration_and_name() {
        assert_eq!(
            peer("2003", "yes", "1.1.1.1", "OK").kind,
            PeerKind::Extension,
            "a registering short number"
        );
        assert_eq!(
            peer("2003", "no", "10.0.0.9", "OK").kind,
            PeerKind::Extension,
            "a fixed-IP phone is still a phone"
        );
        assert_eq!(
            peer("900000000000", "no", "10.10.10.10", "OK").kind,
            PeerKind::Trunk,
            "a carrier account"
        );
        assert_eq!(
            peer("voipcarrier", "no", "10.10.10.10", "OK").kind,
            PeerKind::Trunk,
            "a named static peer"
        );
    }
}
