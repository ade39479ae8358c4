//! PBX profiles: what differs between the PBXes in the seeds (default AMI
//! port, dialect, the dialplan contexts to originate and transfer in, the
//! phone channel technology, which transfer and park actions exist) and the
//! attendant console's facts (how a colleague's call is picked up, the
//! parking lot and where its spaces are dialled, how a colleague's voicemail
//! is reached, how a queue names its members, and which AMI permissions the
//! vendor lets an AMI user have at all). Data only; `crate::actions` builds
//! the packets from it and `crate::rights` says what can be offered.
//!
//! Where a vendor's value is not documented in the seeds or shown by the
//! captures, the field is left at what plain Asterisk does (`PickupChan`,
//! the PBX's default lot, the user's own dialplan) or empty (no voicemail
//! extension), so the user sets it rather than Ringside guessing.

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
    /// The feature code that picks up a colleague's ringing phone when
    /// dialled from hers, `{ext}` the colleague (`**{ext}` on FreePBX, as
    /// in the captures' `pickup-feature-code`). `None`: Originate from her
    /// phone to the application `PickupChan` with the colleague's device.
    #[serde(default)]
    pub pickup_code: Option<String>,
    /// The parking lot the `Park` action names (`Parkinglot`); `None`
    /// leaves it to the PBX's default lot.
    #[serde(default)]
    pub parking_lot: Option<String>,
    /// The context a parking space is dialled in to retrieve a parked call
    /// (`parkedcalls`); `None`: her own click-to-dial context, which
    /// includes the parking spaces on FreePBX and Yeastar.
    #[serde(default)]
    pub parking_context: Option<String>,
    /// The extension that sends a caller to a colleague's voicemail,
    /// `{ext}` the colleague (`*{ext}` on FreePBX), dialled in the transfer
    /// context. `None`: not known for this PBX, so "send to voicemail" is
    /// not offered until it is set.
    #[serde(default)]
    pub voicemail_exten: Option<String>,
    /// A colleague's mailbox as `MailboxCount` and `MessageWaiting` name
    /// it, `{ext}` the colleague.
    #[serde(default = "default_mailbox")]
    pub mailbox: String,
    /// How a queue names a member logged in from Ringside, `{ext}` the
    /// extension (`Local/{ext}@from-queue/n` on FreePBX); `None`: the
    /// phone's device (`PJSIP/1002`).
    #[serde(default)]
    pub queue_member: Option<String>,
    /// Where a queue reads that member's busy state (`StateInterface`,
    /// FreePBX `hint:{ext}@ext-local`); `None`: from the member itself.
    #[serde(default)]
    pub queue_state_interface: Option<String>,
    /// The AMI permission classes the vendor lets an AMI user have at all
    /// (`manager.conf` `write=`); `None`: every class Asterisk has.
    /// Grandstream UCM offers no `system`, `command` or `config`.
    #[serde(default)]
    pub ami_classes: Option<Vec<String>>,
}

fn default_mailbox() -> String {
    "{ext}@default".into()
}

/// The AMI permission classes a Grandstream UCM user can be given (its AMI
/// guide's privilege table).
const GRANDSTREAM_CLASSES: &[&str] = &[
    "originate",
    "call",
    "cdr",
    "agent",
    "cc",
    "dtmf",
    "dialplan",
    "reporting",
    "user",
    "security",
];

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
            pickup_code: None,
            parking_lot: None,
            parking_context: None,
            voicemail_exten: None,
            mailbox: default_mailbox(),
            queue_member: None,
            queue_state_interface: None,
            ami_classes: None,
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
                ami_classes: Some(
                    GRANDSTREAM_CLASSES
                        .iter()
                        .map(|c| (*c).to_owned())
                        .collect(),
                ),
                ..base
            },
            PbxKind::FreePbx => Self {
                pickup_code: Some("**{ext}".into()),
                parking_lot: Some("default".into()),
                voicemail_exten: Some("*{ext}".into()),
                queue_member: Some("Local/{ext}@from-queue/n".into()),
                queue_state_interface: Some("hint:{ext}@ext-local".into()),
                ..base
            },
            PbxKind::OpenVox => Self {
                originate_context: "default".into(),
                transfer_context: "default".into(),
                tech: "SIP".into(),
                park: false,
                ..base
            },
            PbxKind::Generic => Self {
                parking_lot: Some("default".into()),
                parking_context: Some("parkedcalls".into()),
                ..base
            },
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

    /// The context her phone dials a parking space in.
    pub fn parking_context_for(&self, ext: &str) -> String {
        match &self.parking_context {
            Some(c) => c.replace("{ext}", ext),
            None => self.originate_context_for(ext),
        }
    }

    /// A colleague's mailbox (`1002@default`).
    pub fn mailbox_for(&self, ext: &str) -> String {
        self.mailbox.replace("{ext}", ext)
    }

    /// The queue interface of a member extension (`PJSIP/1002`,
    /// `Local/1002@from-queue/n`).
    pub fn queue_member_for(&self, ext: &str) -> String {
        match &self.queue_member {
            Some(m) => m.replace("{ext}", ext),
            None => self.device_for(ext),
        }
    }

    /// Whether the vendor lets an AMI user have this permission class.
    pub fn grants_class(&self, class: &str) -> bool {
        self.ami_classes
            .as_ref()
            .is_none_or(|c| c.iter().any(|x| x.eq_ignore_ascii_case(class)))
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
    fn console_facts_per_vendor() {
        let f = Profile::of(PbxKind::FreePbx);
        assert_eq!(
            f.pickup_code.as_deref(),
            Some("**{ext}"),
            "the captures' directed pickup `**1002`, as on FreePBX"
        );
        assert_eq!(
            f.parking_context_for("1001"),
            "from-internal",
            "FreePBX's from-internal includes the parking spaces"
        );
        assert_eq!(f.queue_member_for("1002"), "Local/1002@from-queue/n");
        assert_eq!(f.mailbox_for("1002"), "1002@default");
        let g = Profile::of(PbxKind::Generic);
        assert_eq!(
            (g.parking_lot.as_deref(), g.parking_context_for("1001")),
            (Some("default"), "parkedcalls".to_owned()),
            "plain Asterisk: lot default, spaces in parkedcalls (park-retrieve.sent)"
        );
        assert_eq!(g.queue_member_for("1003"), "PJSIP/1003");
        assert!(g.pickup_code.is_none() && g.voicemail_exten.is_none());
        assert_eq!(
            Profile::of(PbxKind::YeastarS).parking_context_for("1000"),
            "DLPN_DialPlan1000",
            "Yeastar: her own dialplan reaches the spaces"
        );
        assert_eq!(
            Profile::of(PbxKind::YeastarMyPbx).queue_member_for("1003"),
            "SIP/1003"
        );
        let ucm = Profile::of(PbxKind::GrandstreamUcm);
        assert!(
            !ucm.grants_class("system")
                && !ucm.grants_class("command")
                && ucm.grants_class("AGENT"),
            "UCM's AMI privilege table"
        );
        assert!(
            g.grants_class("system"),
            "plain Asterisk grants every class"
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
