//! What the tracker reads of an AMI event: the channel snapshot fields of
//! each dialect ([`Keys`]), and the event names it acts on ([`Ev`]); every
//! other event is skipped at once.

/// Field names of one channel snapshot inside an event: the plain one, or
/// the `Dest…` one of a dial.
pub(super) struct Keys {
    pub(super) channel: &'static str,
    pub(super) uniqueid: &'static str,
    pub(super) linkedid: &'static str,
    pub(super) cid_num: &'static str,
    pub(super) cid_name: &'static str,
    pub(super) context: &'static str,
    pub(super) exten: &'static str,
}

pub(super) const PLAIN: Keys = Keys {
    channel: "Channel",
    uniqueid: "Uniqueid",
    linkedid: "Linkedid",
    cid_num: "CallerIDNum",
    cid_name: "CallerIDName",
    context: "Context",
    exten: "Exten",
};
pub(super) const DEST: Keys = Keys {
    channel: "DestChannel",
    uniqueid: "DestUniqueid",
    linkedid: "DestLinkedid",
    cid_num: "DestCallerIDNum",
    cid_name: "DestCallerIDName",
    context: "DestContext",
    exten: "DestExten",
};
/// Asterisk 1.4 `Event: Dial` (no SubEvent) names its dialing side `Source`.
pub(super) const SRC1: Keys = Keys {
    channel: "Source",
    uniqueid: "SrcUniqueID",
    linkedid: "Linkedid",
    cid_num: "CallerID",
    cid_name: "CallerIDName",
    context: "Context",
    exten: "Exten",
};
/// AMI 1.x `Event: Dial` names its destination `Destination`.
pub(super) const DEST1: Keys = Keys {
    channel: "Destination",
    uniqueid: "DestUniqueID",
    linkedid: "DestLinkedid",
    cid_num: "DestCallerIDNum",
    cid_name: "DestCallerIDName",
    context: "DestContext",
    exten: "DestExten",
};

/// The events the tracker reads; everything else is skipped at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ev {
    Newchannel,
    NewCallerid,
    Newstate,
    Newexten,
    DialBegin,
    DialEnd,
    Dial,
    BridgeEnter,
    BridgeLeave,
    Bridge,
    Link,
    Unlink,
    LocalBridge,
    Hangup,
    Rename,
    BlindTransfer,
    AttendedTransfer,
    Transfer,
    QueueCallerJoin,
    QueueCallerAbandon,
    Join,
    /// `QueueCallerLeave` (12+) and `Leave` (1.x).
    QueueLeave,
    /// `AgentCalled` (1.x with `eventwhencalled`): names the member channel.
    AgentCalled,
    Pickup,
    Masquerade,
    ParkedCall,
    UnParkedCall,
    ParkedCallTimeOut,
    ParkedCallGiveUp,
    /// `EndpointList` (PJSIPShowEndpoints) / `PeerEntry` (SIPpeers) items.
    EndpointList,
    Other,
}

pub(super) const EVENT_NAMES: &[(&str, Ev)] = &[
    ("Newchannel", Ev::Newchannel),
    ("NewCallerid", Ev::NewCallerid),
    ("Newstate", Ev::Newstate),
    ("Newexten", Ev::Newexten),
    ("DialBegin", Ev::DialBegin),
    ("DialEnd", Ev::DialEnd),
    ("Dial", Ev::Dial),
    ("BridgeEnter", Ev::BridgeEnter),
    ("BridgeLeave", Ev::BridgeLeave),
    ("Bridge", Ev::Bridge),
    ("Link", Ev::Link),
    ("Unlink", Ev::Unlink),
    ("LocalBridge", Ev::LocalBridge),
    ("Hangup", Ev::Hangup),
    ("Rename", Ev::Rename),
    ("BlindTransfer", Ev::BlindTransfer),
    ("AttendedTransfer", Ev::AttendedTransfer),
    ("Transfer", Ev::Transfer),
    ("QueueCallerJoin", Ev::QueueCallerJoin),
    ("QueueCallerAbandon", Ev::QueueCallerAbandon),
    ("Join", Ev::Join),
    ("QueueCallerLeave", Ev::QueueLeave),
    ("Leave", Ev::QueueLeave),
    ("AgentCalled", Ev::AgentCalled),
    ("Pickup", Ev::Pickup),
    ("Masquerade", Ev::Masquerade),
    ("ParkedCall", Ev::ParkedCall),
    ("UnParkedCall", Ev::UnParkedCall),
    ("ParkedCallTimeOut", Ev::ParkedCallTimeOut),
    ("ParkedCallGiveUp", Ev::ParkedCallGiveUp),
    ("EndpointList", Ev::EndpointList),
    ("PeerEntry", Ev::EndpointList),
];

pub(super) fn classify_event(name: &str) -> Ev {
    // The bulk of the stream (VarSet, Newexten, Cdr, …) is decided by the
    // first byte or an exact match, without case folding.
    match name {
        "VarSet" | "Cdr" | "DialState" | "HangupRequest" | "SoftHangupRequest" | "BridgeCreate"
        | "BridgeDestroy" | "DeviceStateChange" | "NewConnectedLine" | "ExtensionStatus" => {
            Ev::Other
        }
        _ => EVENT_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .or_else(|| {
                EVENT_NAMES
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
            })
            .map_or(Ev::Other, |&(_, e)| e),
    }
}

/// True when the PBX sent no real value (`<unknown>`, empty).
pub(super) fn absent(v: &str) -> bool {
    v.is_empty() || v.eq_ignore_ascii_case("<unknown>")
}
