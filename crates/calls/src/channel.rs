//! Asterisk channel names, parsed without allocating, and the [`Classifier`]
//! that says whether an endpoint is an extension or a trunk.
//!
//! A channel name alone cannot say what an endpoint is: `PJSIP/carrier-…` is
//! a trunk only because the PBX (PJSIPShowEndpoints, SIPpeers) or the user
//! says so, and `DAHDI/65-…` is an analog port that may be either. So parsing
//! ([`ChannelName::parse`]) only splits the name, and [`Classifier`] decides,
//! from what it was told first and from heuristics only when it was told
//! nothing. This module does no I/O and knows nothing about calls.

use std::collections::HashSet;

use ringside_ami::Packet;

/// Which half of a Local channel pair a `Local/…;1` or `;2` name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocalHalf {
    /// `;1`: the half the caller dials; it sits in the caller's bridge.
    One,
    /// `;2`: the half that runs the dialplan (and dials the real phone).
    Two,
}

/// A parsed channel name such as `PJSIP/1001-0000000f`.
///
/// Borrowed from the input, so parsing never allocates.
///
/// ```
/// use ringside_calls::channel::ChannelName;
/// let c = ChannelName::parse("SIP/trunk-sps-test3/111222-0000802c").unwrap();
/// assert_eq!(c.tech, "SIP");
/// assert_eq!(c.endpoint, "trunk-sps-test3");
/// assert_eq!(c.dialed, Some("111222"));
/// assert_eq!(c.yeastar_trunk(), Some("sps-test3"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelName<'a> {
    /// The channel driver: `PJSIP`, `SIP`, `IAX2`, `DAHDI`, `Local`, …
    pub tech: &'a str,
    /// The endpoint (peer, port or `exten@context` for Local channels).
    pub endpoint: &'a str,
    /// The number dialled through a trunk when the name carries it
    /// (`SIP/trunk-test1/1112233-…`, `PJSIP/5559876543@carrier`).
    pub dialed: Option<&'a str>,
    /// The per-channel sequence suffix (`0000000f`); absent for a bare
    /// device name such as the `PJSIP/1000` of an Originate.
    pub sequence: Option<&'a str>,
    /// `;1` or `;2` for Local channels.
    pub local_half: Option<LocalHalf>,
    /// True for a name wrapped by a masquerade or async goto
    /// (`AsyncGoto/SIP/…`, `…<ZOMBIE>`, `…<MASQ>`).
    pub wrapped: bool,
}

impl<'a> ChannelName<'a> {
    /// Splits a channel name. Returns `None` for an empty name (the absent
    /// caller channel of an Originate leg) or one without a `tech/` part.
    pub fn parse(raw: &'a str) -> Option<Self> {
        let mut s = raw.trim();
        let mut wrapped = false;
        for tag in ["<ZOMBIE>", "<MASQ>"] {
            if let Some(rest) = s.strip_suffix(tag) {
                s = rest;
                wrapped = true;
            }
        }
        // Masquerade wrappers carry the real channel after their own prefix.
        for prefix in ["AsyncGoto/", "Parked/", "Transfered/", "Transferred/"] {
            // `get` rather than slicing: the name is untrusted text and the cut may
            // fall inside a multi-byte character.
            if s.len() > prefix.len()
                && s.get(..prefix.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            {
                s = &s[prefix.len()..];
                wrapped = true;
            }
        }
        let (tech, mut rest) = s.split_once('/')?;
        if tech.is_empty() || rest.is_empty() {
            return None;
        }
        let mut local_half = None;
        if tech.eq_ignore_ascii_case("Local") {
            if let Some(r) = rest.strip_suffix(";1") {
                rest = r;
                local_half = Some(LocalHalf::One);
            } else if let Some(r) = rest.strip_suffix(";2") {
                rest = r;
                local_half = Some(LocalHalf::Two);
            }
        }
        let dahdi = tech.eq_ignore_ascii_case("DAHDI") || tech.eq_ignore_ascii_case("Zap");
        let (body, sequence) = split_sequence(rest, dahdi);
        if body.is_empty() {
            return None;
        }
        let is_local = tech.eq_ignore_ascii_case("Local");
        let (endpoint, dialed) = if is_local {
            // `Local/1002@from-queue/n`: the `/n` is an option, not a number.
            (body.split_once('/').map_or(body, |(e, _)| e), None)
        } else if let Some((ep, num)) = body.split_once('/') {
            (ep, (!num.is_empty()).then_some(num))
        } else if let Some((num, ep)) = body.split_once('@') {
            (ep, (!num.is_empty()).then_some(num))
        } else {
            (body, None)
        };
        if endpoint.is_empty() {
            return None;
        }
        Some(Self {
            tech,
            endpoint,
            dialed,
            sequence,
            local_half,
            wrapped,
        })
    }

    /// True for a `Local/…` channel, which is never a phone.
    pub fn is_local(&self) -> bool {
        self.tech.eq_ignore_ascii_case("Local")
    }

    /// True for a DAHDI (analog or ISDN) port.
    pub fn is_dahdi(&self) -> bool {
        self.tech.eq_ignore_ascii_case("DAHDI")
    }

    /// For a Local channel `Local/1002@from-queue`, the extension and the
    /// context it runs in.
    pub fn local_target(&self) -> Option<(&'a str, &'a str)> {
        if !self.is_local() {
            return None;
        }
        Some(self.endpoint.split_once('@').unwrap_or((self.endpoint, "")))
    }

    /// The trunk name of a Yeastar-style trunk endpoint (`trunk-test1` →
    /// `test1`, `trunk-sps-test3` → `sps-test3`).
    pub fn yeastar_trunk(&self) -> Option<&'a str> {
        self.endpoint
            .strip_prefix("trunk-")
            .filter(|t| !t.is_empty())
    }

    /// The device this channel belongs to, as device-state events name it
    /// (`PJSIP/1001`).
    pub fn device(&self) -> String {
        format!("{}/{}", self.tech, self.endpoint)
    }
}

/// Splits `body-0000000f` into (`body`, `0000000f`) when the part after the
/// last `-` looks like Asterisk's hex sequence (also the old `,1` form; DAHDI
/// ports number their calls in decimal: `DAHDI/1-1`).
fn split_sequence(rest: &str, dahdi: bool) -> (&str, Option<&str>) {
    if let Some((body, seq)) = rest.rsplit_once(',') {
        if !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit()) {
            return split_sequence(body, dahdi);
        }
    }
    match rest.rsplit_once('-') {
        Some((body, seq))
            if !body.is_empty()
                && ((seq.len() >= 3 && seq.bytes().all(|b| b.is_ascii_hexdigit()))
                    || (dahdi && !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit()))) =>
        {
            (body, Some(seq))
        }
        _ => (rest, None),
    }
}

/// What an endpoint is, as far as popups are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointKind {
    /// A phone (desk, soft or analog) with this extension.
    Extension,
    /// A line to the outside world.
    Trunk,
    /// A Local channel: dialplan plumbing, never a phone.
    Local,
    /// Not known: an analog port, or a named endpoint nobody described.
    Unknown,
}

/// Decides whether an endpoint is an extension or a trunk.
///
/// What the PBX or the user said wins ([`Classifier::add_trunk`],
/// [`Classifier::add_extension`], [`Classifier::learn`]); heuristics are the
/// fallback for endpoints nobody described: a Yeastar `trunk-` prefix or a
/// number in the name means a trunk, an all-digit endpoint an extension.
#[derive(Debug, Clone, Default)]
pub struct Classifier {
    trunks: HashSet<String>,
    extensions: HashSet<String>,
}

impl Classifier {
    /// An empty classifier that relies on heuristics only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks an endpoint name (`carrier`, `trunk-test1`) as a trunk.
    pub fn add_trunk(&mut self, endpoint: &str) {
        self.extensions.remove(endpoint);
        self.trunks.insert(endpoint.to_owned());
    }

    /// Marks an endpoint name as a phone.
    pub fn add_extension(&mut self, endpoint: &str) {
        self.trunks.remove(endpoint);
        self.extensions.insert(endpoint.to_owned());
    }

    /// True when the endpoint was declared a trunk.
    pub fn is_known_trunk(&self, endpoint: &str) -> bool {
        self.trunks.contains(endpoint)
    }

    /// True when the endpoint was declared an extension.
    pub fn is_known_extension(&self, endpoint: &str) -> bool {
        self.extensions.contains(endpoint)
    }

    /// The phone an endpoint listing item stands for: the name of an
    /// `EndpointList` (PJSIPShowEndpoints) or `PeerEntry` (SIPpeers) item
    /// this classifier takes for an extension, after [`Classifier::learn`]
    /// saw the listing. `None` for trunks and anything else.
    pub fn listed_phone<'a>(&self, p: &'a Packet) -> Option<&'a str> {
        let listing = p.event().is_some_and(|e| {
            e.eq_ignore_ascii_case("EndpointList") || e.eq_ignore_ascii_case("PeerEntry")
        });
        p.get("ObjectName")
            .filter(|n| listing && self.is_known_extension(n))
    }

    /// True when the endpoint's kind was declared rather than guessed.
    pub fn is_declared(&self, endpoint: &str) -> bool {
        self.trunks.contains(endpoint) || self.extensions.contains(endpoint)
    }

    /// Learns from PBX list events: `EndpointList` (PJSIPShowEndpoints; an
    /// endpoint with outbound authentication registers to a provider, so it
    /// is a trunk) and `PeerEntry` (SIPpeers; an all-digit name is a phone).
    /// Returns true when the packet was one of those.
    pub fn learn(&mut self, p: &Packet) -> bool {
        match p.event() {
            Some(e) if e.eq_ignore_ascii_case("EndpointList") => {
                let Some(name) = p.get("ObjectName").filter(|n| !n.is_empty()) else {
                    return true;
                };
                if self.trunks.contains(name) || self.extensions.contains(name) {
                    return true;
                }
                if p.get("OutboundAuths").is_some_and(|a| !a.trim().is_empty()) {
                    self.add_trunk(name);
                } else if is_digits(name) {
                    self.add_extension(name);
                }
                true
            }
            Some(e) if e.eq_ignore_ascii_case("PeerEntry") => {
                if let Some(name) = p.get("ObjectName").filter(|n| is_digits(n)) {
                    if !self.trunks.contains(name) {
                        self.extensions.insert(name.to_owned());
                    }
                }
                true
            }
            _ => false,
        }
    }

    /// Classifies a parsed channel.
    pub fn classify(&self, ch: &ChannelName<'_>) -> EndpointKind {
        if ch.is_local() {
            return EndpointKind::Local;
        }
        if self.trunks.contains(ch.endpoint) {
            return EndpointKind::Trunk;
        }
        if self.extensions.contains(ch.endpoint) {
            return EndpointKind::Extension;
        }
        if ch.yeastar_trunk().is_some() || ch.dialed.is_some() {
            return EndpointKind::Trunk;
        }
        if ch.is_dahdi() {
            // An analog port number says nothing about what is plugged in.
            return EndpointKind::Unknown;
        }
        if is_digits(ch.endpoint) {
            return EndpointKind::Extension;
        }
        EndpointKind::Unknown
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// True for dialplan contexts where calls from trunks arrive (`from-trunk`,
/// `from-pstn`, `from-did-…`, `ext-did`, `from-external`): a channel that
/// starts in one of them came in on a trunk.
pub fn is_trunk_context(context: &str) -> bool {
    let c = context.to_ascii_lowercase();
    c.contains("trunk") || c.contains("pstn") || c.contains("did") || c.contains("external")
}

/// The trunk endpoint named in a Dial string: `5559876543@carrier` (PJSIP),
/// `carrier/5559876543` (chan_sip), `trunk-test1/1112233` (Yeastar).
/// `None` for a plain extension dial such as `1001` or `1001/sip:…`.
pub fn trunk_in_dialstring(dialstring: &str) -> Option<&str> {
    let first = dialstring.split(['&', ',']).next().unwrap_or("");
    // A tech prefix may or may not be present.
    let body = match first.split_once('/') {
        Some((t, b))
            if ["PJSIP", "SIP", "IAX2", "DAHDI"]
                .iter()
                .any(|x| t.eq_ignore_ascii_case(x)) =>
        {
            b
        }
        _ => first,
    };
    if let Some((num, ep)) = body.split_once('@') {
        if !num.is_empty() && !ep.is_empty() && !ep.contains(':') {
            return Some(ep);
        }
        return None;
    }
    if let Some((ep, num)) = body.split_once('/') {
        // `1001/sip:1001@host` is a phone's contact, not a trunk dial.
        if num.starts_with("sip:") || num.starts_with("sips:") || ep.is_empty() {
            return None;
        }
        return Some(ep);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_seed_form() {
        // (raw, tech, endpoint, dialed, sequence, local half)
        type Row = (
            &'static str,
            &'static str,
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
            Option<LocalHalf>,
        );
        let table: &[Row] = &[
            (
                "PJSIP/474-000079de",
                "PJSIP",
                "474",
                None,
                Some("000079de"),
                None,
            ),
            (
                "SIP/474-000079de",
                "SIP",
                "474",
                None,
                Some("000079de"),
                None,
            ),
            (
                "IAX2/306-0000801a",
                "IAX2",
                "306",
                None,
                Some("0000801a"),
                None,
            ),
            (
                "DAHDI/65-0000801c",
                "DAHDI",
                "65",
                None,
                Some("0000801c"),
                None,
            ),
            (
                "SIP/trunk-test1/1112233-0000802c",
                "SIP",
                "trunk-test1",
                Some("1112233"),
                Some("0000802c"),
                None,
            ),
            (
                "IAX2/trunk-test2/1112233-0000802c",
                "IAX2",
                "trunk-test2",
                Some("1112233"),
                Some("0000802c"),
                None,
            ),
            (
                "SIP/trunk-sps-test3/111222-0000802c",
                "SIP",
                "trunk-sps-test3",
                Some("111222"),
                Some("0000802c"),
                None,
            ),
            (
                "PJSIP/carrier-0000000b",
                "PJSIP",
                "carrier",
                None,
                Some("0000000b"),
                None,
            ),
            (
                "PJSIP/5559876543@carrier-0000000b",
                "PJSIP",
                "carrier",
                Some("5559876543"),
                Some("0000000b"),
                None,
            ),
            (
                "SIP/trunk-sps-test1-00000001",
                "SIP",
                "trunk-sps-test1",
                None,
                Some("00000001"),
                None,
            ),
            (
                "Local/1002@from-queue-00000008;2",
                "Local",
                "1002@from-queue",
                None,
                Some("00000008"),
                Some(LocalHalf::Two),
            ),
            (
                "Local/1002@from-queue-00000008;1",
                "Local",
                "1002@from-queue",
                None,
                Some("00000008"),
                Some(LocalHalf::One),
            ),
            (
                "Local/1002@internal/n",
                "Local",
                "1002@internal",
                None,
                None,
                None,
            ),
            ("PJSIP/1000", "PJSIP", "1000", None, None, None),
            ("DAHDI/5", "DAHDI", "5", None, None, None),
            (
                "SIP/x7065551212b-1af",
                "SIP",
                "x7065551212b",
                None,
                Some("1af"),
                None,
            ),
            ("DAHDI/1-1", "DAHDI", "1", None, Some("1"), None),
            (
                "DAHDI/i1/5551234-5",
                "DAHDI",
                "i1",
                Some("5551234"),
                Some("5"),
                None,
            ),
            (
                "SIP/alice-desk-00000012",
                "SIP",
                "alice-desk",
                None,
                Some("00000012"),
                None,
            ),
            (
                "AsyncGoto/SIP/carrier-00000004",
                "SIP",
                "carrier",
                None,
                Some("00000004"),
                None,
            ),
            (
                "SIP/1001-00000003<ZOMBIE>",
                "SIP",
                "1001",
                None,
                Some("00000003"),
                None,
            ),
            ("Zap/1-1", "Zap", "1", None, Some("1"), None),
        ];
        for &(raw, tech, endpoint, dialed, sequence, half) in table {
            let c = ChannelName::parse(raw).unwrap_or_else(|| panic!("{raw} should parse"));
            assert_eq!(c.tech, tech, "tech of {raw}");
            assert_eq!(c.endpoint, endpoint, "endpoint of {raw}");
            assert_eq!(c.dialed, dialed, "dialed number of {raw}");
            assert_eq!(c.sequence, sequence, "sequence suffix of {raw}");
            assert_eq!(c.local_half, half, "Local half of {raw}");
        }
    }

    #[test]
    fn empty_or_absent_caller_channel_is_none() {
        for raw in ["", "   ", "PJSIP", "PJSIP/", "/1001-0001"] {
            assert!(
                ChannelName::parse(raw).is_none(),
                "{raw:?} is no channel (Originate leg has none)"
            );
        }
    }

    #[test]
    fn wrapped_names_are_flagged() {
        let c = ChannelName::parse("AsyncGoto/SIP/carrier-00000004").expect("parses");
        assert!(c.wrapped, "an AsyncGoto wrapper comes from a masquerade");
        assert!(
            !ChannelName::parse("SIP/carrier-00000004")
                .expect("parses")
                .wrapped,
            "a plain name is not wrapped"
        );
    }

    #[test]
    fn classification_prefers_what_the_pbx_said() {
        let mut k = Classifier::new();
        let carrier = ChannelName::parse("PJSIP/carrier-0000000b").expect("parses");
        assert_eq!(
            k.classify(&carrier),
            EndpointKind::Unknown,
            "a named endpoint nobody described is unknown"
        );
        k.add_trunk("carrier");
        assert_eq!(k.classify(&carrier), EndpointKind::Trunk, "declared trunk");

        let reception = ChannelName::parse("PJSIP/reception-00000001").expect("parses");
        k.add_extension("reception");
        assert_eq!(
            k.classify(&reception),
            EndpointKind::Extension,
            "named extension declared by the user"
        );

        // The user may say a digit-named endpoint is a trunk (a PBX-to-PBX tie line).
        let tie = ChannelName::parse("IAX2/8000-0000801a").expect("parses");
        assert_eq!(
            k.classify(&tie),
            EndpointKind::Extension,
            "digits fall back to extension"
        );
        k.add_trunk("8000");
        assert_eq!(
            k.classify(&tie),
            EndpointKind::Trunk,
            "declaration beats the digits heuristic"
        );
    }

    #[test]
    fn classification_heuristics() {
        let k = Classifier::new();
        let rows = [
            ("PJSIP/474-000079de", EndpointKind::Extension),
            ("SIP/trunk-test1/1112233-0000802c", EndpointKind::Trunk),
            ("IAX2/trunk-test2/1112233-0000802c", EndpointKind::Trunk),
            ("SIP/trunk-sps-test3/111222-0000802c", EndpointKind::Trunk),
            ("SIP/trunk-sps-test1-00000001", EndpointKind::Trunk),
            ("DAHDI/65-0000801c", EndpointKind::Unknown),
            ("Local/1002@from-queue-00000008;2", EndpointKind::Local),
        ];
        for (raw, want) in rows {
            let c = ChannelName::parse(raw).expect("parses");
            assert_eq!(k.classify(&c), want, "heuristic class of {raw}");
        }
    }

    #[test]
    fn learns_trunks_from_endpoint_lists() {
        let mut k = Classifier::new();
        let ext = Packet::new()
            .with("Event", "EndpointList")
            .with("ObjectName", "1001")
            .with("OutboundAuths", "");
        let trunk = Packet::new()
            .with("Event", "EndpointList")
            .with("ObjectName", "carrier")
            .with("OutboundAuths", "carrier-auth");
        assert!(
            k.learn(&ext) && k.learn(&trunk),
            "both are endpoint list items"
        );
        assert!(
            k.is_known_extension("1001"),
            "no outbound auth and digits: a phone"
        );
        assert!(
            k.is_known_trunk("carrier"),
            "outbound auth: registers to a provider"
        );
        assert!(
            !k.learn(&Packet::new().with("Event", "Newchannel")),
            "other events teach nothing"
        );
    }

    #[test]
    fn dialstring_trunks() {
        let rows = [
            ("5559876543@carrier", Some("carrier")),
            ("carrier/5559876543", Some("carrier")),
            ("trunk-test1/1112233", Some("trunk-test1")),
            ("SIP/trunk-sps-test1/13806012345", Some("trunk-sps-test1")),
            ("1001", None),
            (
                "1001/sip:1001@192.168.9.11:64292;rinstance=ebcb18cbc5ef1744",
                None,
            ),
            ("PJSIP/1001&PJSIP/1002", None),
            ("", None),
        ];
        for (ds, want) in rows {
            assert_eq!(
                trunk_in_dialstring(ds),
                want,
                "trunk named in dial string {ds:?}"
            );
        }
    }

    #[test]
    fn trunk_contexts() {
        for c in [
            "from-trunk",
            "from-pstn",
            "ext-did",
            "from-did-direct",
            "from-external",
        ] {
            assert!(is_trunk_context(c), "{c} is where trunk calls arrive");
        }
        for c in [
            "internal",
            "from-internal",
            "DLPN_DialPlan1001",
            "from-queue",
        ] {
            assert!(!is_trunk_context(c), "{c} is an internal context");
        }
    }
}
