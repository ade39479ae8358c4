//! PBX profiles: what differs between the PBXes in the seeds (default AMI
//! port, dialect, the dialplan contexts to originate and transfer in, the
//! phone channel technology, which transfer and park actions exist).
//! Data only; `crate::actions` builds the packets from it.

use serde::{Deserialize, Serialize};

use crate::tracker::Dialect;

/// The PBX families Ringside knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PbxKind {
    /// Yeastar S-Series (Asterisk 13+, PJSIP, `DLPN_DialPlan<ext>` contexts).
    YeastarS,
    /// Yeastar MyPBX (Asterisk 1.8, AMI 1.1, chan_sip).
    YeastarMyPbx,
    /// Grandstream UCM6xxx (AMI on port 7777, TLS on 5039, `from-internal`).
    GrandstreamUcm,
    /// FreePBX or Elastix (`from-internal`).
    FreePbx,
    /// OpenVox IP-PBX and gateways (`default` context, chan_sip).
    OpenVox,
    /// Any other Asterisk.
    Generic,
}

/// How a blind transfer is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlindTransferMethod {
    /// The `BlindTransfer` action (Asterisk 12+) when the PBX speaks AMI 2,
    /// `Redirect` otherwise.
    Auto,
    /// Always `Redirect` the far party's channel (what the Yeastar guides do).
    Redirect,
}

/// One PBX's settings. Every field can be overridden by the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Which family.
    pub kind: PbxKind,
    /// Plain AMI TCP port.
    pub port: u16,
    /// AMI-over-TLS port, where the vendor documents one.
    pub tls_port: Option<u16>,
    /// The dialect it speaks, when fixed by the product (detected otherwise).
    pub dialect: Dialect,
    /// Context for click-to-dial; `{ext}` is replaced by the user's extension.
    pub originate_context: String,
    /// Context a transferred call is sent to; `{ext}` as above.
    pub transfer_context: String,
    /// Channel technology of the phones: `PJSIP`, `SIP` (DAHDI for analog
    /// phones is chosen per extension by the user).
    pub tech: String,
    /// How blind transfers are done.
    pub blind_transfer: BlindTransferMethod,
    /// The PBX has the `Atxfer` action.
    pub attended_transfer: bool,
    /// The PBX has the `Park` action.
    pub park: bool,
    /// Letters may be dialled (SIP URIs, vanity numbers).
    pub letters_allowed: bool,
}

impl Profile {
    /// The profile of a family.
    pub fn of(kind: PbxKind) -> Self {
        let base = Self {
            kind,
            port: 5038,
            tls_port: None,
            dialect: Dialect::Unknown,
            originate_context: "from-internal".into(),
            transfer_context: "from-internal".into(),
            tech: "PJSIP".into(),
            blind_transfer: BlindTransferMethod::Auto,
            attended_transfer: true,
            park: true,
            letters_allowed: false,
        };
        match kind {
            PbxKind::YeastarS => Self {
                dialect: Dialect::Ami2,
                originate_context: "DLPN_DialPlan{ext}".into(),
                transfer_context: "DLPN_DialPlan{ext}".into(),
                blind_transfer: BlindTransferMethod::Redirect,
                ..base
            },
            PbxKind::YeastarMyPbx => Self {
                dialect: Dialect::Ami1,
                originate_context: "DLPN_DialPlan{ext}".into(),
                transfer_context: "DLPN_DialPlan{ext}".into(),
                tech: "SIP".into(),
                blind_transfer: BlindTransferMethod::Redirect,
                ..base
            },
            PbxKind::GrandstreamUcm => Self {
                port: 7777,
                tls_port: Some(5039),
                dialect: Dialect::Ami2,
                ..base
            },
            PbxKind::FreePbx => base,
            PbxKind::OpenVox => Self {
                originate_context: "default".into(),
                transfer_context: "default".into(),
                tech: "SIP".into(),
                park: false,
                ..base
            },
            PbxKind::Generic => base,
        }
    }

    /// The profile for a name as typed on the command line or in settings
    /// (`yeastar-s`, `mypbx`, `grandstream`, `freepbx`, `elastix`,
    /// `openvox`, `generic`/`asterisk`).
    pub fn by_name(name: &str) -> Option<Self> {
        let n: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let kind = match n.as_str() {
            "yeastar" | "yeastars" | "yeastarsseries" | "sseries" => PbxKind::YeastarS,
            "mypbx" | "yeastarmypbx" => PbxKind::YeastarMyPbx,
            "grandstream" | "grandstreamucm" | "ucm" => PbxKind::GrandstreamUcm,
            "freepbx" | "elastix" | "freepbxelastix" => PbxKind::FreePbx,
            "openvox" => PbxKind::OpenVox,
            "generic" | "asterisk" | "genericasterisk" => PbxKind::Generic,
            _ => return None,
        };
        Some(Self::of(kind))
    }

    /// The names [`Profile::by_name`] accepts, for help texts.
    pub const NAMES: &'static [&'static str] = &[
        "yeastar-s",
        "mypbx",
        "grandstream",
        "freepbx",
        "elastix",
        "openvox",
        "generic",
    ];

    /// The click-to-dial context for an extension (`DLPN_DialPlan1000`).
    pub fn originate_context_for(&self, ext: &str) -> String {
        self.originate_context.replace("{ext}", ext)
    }

    /// The transfer context for an extension.
    pub fn transfer_context_for(&self, ext: &str) -> String {
        self.transfer_context.replace("{ext}", ext)
    }

    /// The device of an extension's phone (`PJSIP/1000`).
    pub fn device_for(&self, ext: &str) -> String {
        format!("{}/{}", self.tech, ext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_defaults_from_the_seeds() {
        let y = Profile::of(PbxKind::YeastarS);
        assert_eq!(y.port, 5038, "S-Series guide: default port 5038");
        assert_eq!(
            y.originate_context_for("1000"),
            "DLPN_DialPlan1000",
            "DLPN_DialPlan is the fixed prefix"
        );
        assert_eq!(
            y.device_for("1000"),
            "PJSIP/1000",
            "S-Series phones are PJSIP"
        );
        let m = Profile::of(PbxKind::YeastarMyPbx);
        assert_eq!(
            (m.dialect, m.tech.as_str()),
            (Dialect::Ami1, "SIP"),
            "MyPBX banner is 1.1, phones SIP/"
        );
        let g = Profile::of(PbxKind::GrandstreamUcm);
        assert_eq!(
            (g.port, g.tls_port),
            (7777, Some(5039)),
            "UCM guide: AMI 7777, TLS 5039"
        );
        assert_eq!(
            g.originate_context_for("1000"),
            "from-internal",
            "UCM example originates in from-internal"
        );
        assert_eq!(
            Profile::of(PbxKind::FreePbx).originate_context,
            "from-internal",
            "FreePBX from-internal"
        );
        assert_eq!(
            Profile::of(PbxKind::OpenVox).originate_context,
            "default",
            "OpenVox examples use default"
        );
    }

    #[test]
    fn names_resolve() {
        for n in Profile::NAMES {
            assert!(
                Profile::by_name(n).is_some(),
                "{n} is a documented profile name"
            );
        }
        assert_eq!(
            Profile::by_name("Yeastar S-Series").map(|p| p.kind),
            Some(PbxKind::YeastarS),
            "loose spelling"
        );
        assert!(Profile::by_name("nortel").is_none(), "unknown PBX");
    }
}
