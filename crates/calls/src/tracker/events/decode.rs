//! Decoding [`CallEvent`]s and [`ListedChannel`]s: the field names of both
//! dialects, and the event names the tracker acts on (everything else is
//! skipped by its name, before any field is read).

use ringside_ami::Packet;

use super::*;

/// Field names of one channel snapshot inside an event: the plain one, or
/// the `Dest…` one of a dial.
struct Keys {
    channel: &'static str,
    uniqueid: &'static str,
    linkedid: &'static str,
    cid_num: &'static str,
    cid_name: &'static str,
    context: &'static str,
    exten: &'static str,
}

const PLAIN: Keys = Keys {
    channel: "Channel",
    uniqueid: "Uniqueid",
    linkedid: "Linkedid",
    cid_num: "CallerIDNum",
    cid_name: "CallerIDName",
    context: "Context",
    exten: "Exten",
};
const DEST: Keys = Keys {
    channel: "DestChannel",
    uniqueid: "DestUniqueid",
    linkedid: "DestLinkedid",
    cid_num: "DestCallerIDNum",
    cid_name: "DestCallerIDName",
    context: "DestContext",
    exten: "DestExten",
};
/// AMI 1.x `Event: Dial` names its destination `Destination`.
const DEST1: Keys = Keys {
    channel: "Destination",
    uniqueid: "DestUniqueID",
    linkedid: "DestLinkedid",
    cid_num: "DestCallerIDNum",
    cid_name: "DestCallerIDName",
    context: "DestContext",
    exten: "DestExten",
};

/// The events the tracker reads, by name; everything else is skipped at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
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
    LocalBridge,
    Hangup,
    Rename,
    BlindTransfer,
    AttendedTransfer,
    Transfer,
    /// `QueueCallerJoin` (12+) and `Join` (1.x).
    QueueJoin,
    QueueCallerAbandon,
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
    /// Everything else, `Unlink` included.
    Other,
}

const EVENT_NAMES: &[(&str, Ev)] = &[
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
    ("LocalBridge", Ev::LocalBridge),
    ("Hangup", Ev::Hangup),
    ("Rename", Ev::Rename),
    ("BlindTransfer", Ev::BlindTransfer),
    ("AttendedTransfer", Ev::AttendedTransfer),
    ("Transfer", Ev::Transfer),
    ("QueueCallerJoin", Ev::QueueJoin),
    ("QueueCallerAbandon", Ev::QueueCallerAbandon),
    ("Join", Ev::QueueJoin),
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

fn classify_event(name: &str) -> Ev {
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
fn absent(v: &str) -> bool {
    v.is_empty() || v.eq_ignore_ascii_case("<unknown>")
}

/// The field's value, unless the PBX sent no real value.
pub(crate) fn real<'a>(ev: &'a Packet, key: &str) -> Option<&'a str> {
    ev.get(key).filter(|v| !absent(v))
}

/// The field's value, unless it is missing or empty.
pub(crate) fn non_empty<'a>(ev: &'a Packet, key: &str) -> Option<&'a str> {
    ev.get(key).filter(|v| !v.is_empty())
}

/// The first value of each of `keys` (distinct names, compared without case
/// as [`Packet::get`] does), read in one pass over the event's fields. A
/// dial carries two channel snapshots in some forty fields: a `get` per key
/// would scan them again for each.
fn values<'a, const N: usize>(ev: &'a Packet, keys: &[&str; N]) -> [Option<&'a str>; N] {
    let mut found = [None; N];
    let mut missing = N;
    for (key, value) in ev.fields() {
        let Some(i) = keys.iter().position(|k| k.eq_ignore_ascii_case(key)) else {
            continue;
        };
        if found[i].is_none() {
            found[i] = Some(value);
            missing -= 1;
            if missing == 0 {
                break;
            }
        }
    }
    found
}

/// A transfer event's `Result` is anything but `Success`.
fn failed(ev: &Packet) -> bool {
    ev.get("Result")
        .is_some_and(|r| !r.eq_ignore_ascii_case("Success"))
}

impl<'a> CallEvent<'a> {
    /// Decodes an event the tracker acts on; `None` for any other packet,
    /// and for an event that lacks what the tracker would act on.
    pub(crate) fn decode(ev: &'a Packet) -> Option<Self> {
        let kind = classify_event(ev.event()?);
        Some(match kind {
            Ev::Other => return None,
            Ev::EndpointList => Self::EndpointList(ev),
            Ev::Newchannel => Self::Newchannel(ChannelSnap::read(ev, &PLAIN, channel_up(ev))),
            Ev::NewCallerid => Self::NewCallerid {
                uniqueid: ev.get("Uniqueid")?,
                caller: CallerId::read(ev, "CallerIDNum", "CallerIDName"),
            },
            Ev::Newstate => Self::Newstate {
                uniqueid: ev.get("Uniqueid")?,
                state: NewState::read(ev)?,
            },
            Ev::Newexten => Self::Newexten {
                app: DialplanApp::read(ev)?,
                uniqueid: ev.get("Uniqueid")?,
            },
            Ev::DialBegin => Self::DialBegin(DialBegin::read(ev, Dialect::Ami2, &DEST)),
            Ev::DialEnd => Self::DialEnd(DialEnd::read(ev, None)),
            Ev::Dial => match ev.get("SubEvent") {
                Some(s) if s.eq_ignore_ascii_case("Begin") => {
                    Self::DialBegin(DialBegin::read(ev, Dialect::Ami1, &DEST1))
                }
                Some(s) if s.eq_ignore_ascii_case("End") => {
                    Self::DialEnd(DialEnd::read(ev, Some(Dialect::Ami1)))
                }
                // Asterisk 1.4 has no SubEvent: every Dial is a begin.
                None => Self::DialBegin(DialBegin::read(ev, Dialect::Ami1, &DEST1)),
                Some(_) => Self::OtherDial,
            },
            Ev::BridgeEnter => Self::BridgeEnter {
                uniqueid: ev.get("Uniqueid")?,
                bridge: ev.get("BridgeUniqueid")?,
            },
            Ev::BridgeLeave => Self::BridgeLeave {
                uniqueid: ev.get("Uniqueid")?,
                bridge: ev.get("BridgeUniqueid")?,
            },
            Ev::Bridge => {
                let linked = ev
                    .get("Bridgestate")
                    .is_none_or(|s| s.eq_ignore_ascii_case("Link"));
                if !linked {
                    return None;
                }
                Self::link(ev)?
            }
            Ev::Link => Self::link(ev)?,
            Ev::LocalBridge => Self::LocalBridge(ev.get("Uniqueid1")?, ev.get("Uniqueid2")?),
            Ev::Hangup => Self::Hangup {
                uniqueid: ev.get("Uniqueid")?,
                cause: ev.get("Cause").and_then(|c| c.parse().ok()),
            },
            Ev::Rename => Self::Rename {
                uniqueid: ev.get("Uniqueid")?,
                new_name: ev.get("Newname")?,
            },
            _ => return Self::decode_more(kind, ev),
        })
    }

    /// [`CallEvent::decode`] for transfers, queues, pickups and parking.
    fn decode_more(kind: Ev, ev: &'a Packet) -> Option<Self> {
        Some(match kind {
            Ev::BlindTransfer if !failed(ev) => Self::BlindTransfer(BlindTransfer {
                transferer: ev.get("TransfererUniqueid"),
                transferee: ev.get("TransfereeUniqueid")?,
                extension: ev.get("Extension").unwrap_or(""),
            }),
            Ev::AttendedTransfer if !failed(ev) => Self::AttendedTransfer(AttendedTransfer {
                // Asterisk sends prefixed snapshots; accept bare names too.
                transferer: [
                    ChannelRef::read(ev, "OrigTransfererUniqueid", "OrigTransfererChannel"),
                    ChannelRef::read(ev, "Uniqueid", "Channel"),
                ],
                target: ChannelRef::read(ev, "TransferTargetUniqueid", "TransferTargetChannel"),
                transferee: ChannelRef::read(ev, "TransfereeUniqueid", "TransfereeChannel"),
                extension: ev.get("Extension").unwrap_or(""),
            }),
            Ev::Transfer => Self::SipTransfer(SipTransfer {
                kind: if ev.is("TransferType", "Attended") {
                    TransferKind::Attended
                } else {
                    TransferKind::Blind
                },
                transferer: ev.get("Uniqueid"),
                target: ev.get("TargetUniqueid")?,
                exten: ev.get("TransferExten").unwrap_or(""),
            }),
            Ev::QueueJoin => Self::QueueJoin(QueueJoin {
                queue: non_empty(ev, "Queue")?,
                uniqueid: ev.get("Uniqueid")?,
                position: ev.get("Position").and_then(|p| p.trim().parse().ok()),
                channel: ev.get("Channel"),
                linkedid: non_empty(ev, "Linkedid"),
                caller: CallerId::read(ev, "CallerIDNum", "CallerIDName"),
            }),
            Ev::QueueCallerAbandon => Self::QueueAbandon {
                uniqueid: ev.get("Uniqueid")?,
                queue: non_empty(ev, "Queue"),
                hold_s: ev
                    .get("HoldTime")
                    .and_then(|h| h.trim().parse().ok())
                    .filter(|h: &i64| *h >= 0),
            },
            Ev::QueueLeave => Self::QueueLeave {
                uniqueid: ev.get("Uniqueid")?,
                queue: non_empty(ev, "Queue"),
            },
            Ev::AgentCalled => Self::AgentCalled(AgentCalled {
                caller: ChannelRef::read(ev, "Uniqueid", "ChannelCalling"),
                member: ev.get("DestinationChannel")?,
                ring: RingSource::read(ev),
            }),
            Ev::Pickup => Self::Pickup {
                picker: ChannelRef::read(ev, "Uniqueid", "Channel"),
                target: ChannelRef::read(ev, "TargetUniqueid", "TargetChannel"),
            },
            Ev::Masquerade => Self::Masquerade {
                clone: ev.get("Clone")?,
                original: ev.get("Original")?,
            },
            Ev::ParkedCall => Self::Parked(Parked::read(ev)?),
            Ev::UnParkedCall => Self::Unparked(Unparked {
                parkee: parkee(ev),
                // 12+: a `Retriever…` snapshot; 1.x: `From` names its channel.
                retriever: [
                    ChannelRef::read(ev, "RetrieverUniqueid", "RetrieverChannel"),
                    ChannelRef::named(ev.get("From")),
                ],
                place: ParkPlace::read(ev),
            }),
            Ev::ParkedCallTimeOut => Self::ParkTimeout {
                parkee: parkee(ev),
                place: ParkPlace::read(ev),
            },
            Ev::ParkedCallGiveUp => Self::ParkGiveUp {
                parkee: parkee(ev),
                place: ParkPlace::read(ev),
            },
            _ => return None,
        })
    }
}

impl<'a> CallEvent<'a> {
    /// `Bridge` / `Link`: both Uniqueids are required, the names are not.
    fn link(ev: &'a Packet) -> Option<Self> {
        Some(Self::Link {
            uniqueids: [ev.get("Uniqueid1")?, ev.get("Uniqueid2")?],
            names: [ev.get("Channel1"), ev.get("Channel2")],
        })
    }
}

impl<'a> Parked<'a> {
    /// A `ParkedCall` event or listing item: 12+ names the parkee's
    /// snapshot `Parkee…`, 1.x gives it bare.
    fn read(ev: &'a Packet) -> Option<Self> {
        let prefixed = ev.get("ParkeeChannel").is_some() || ev.get("ParkeeUniqueid").is_some();
        let (caller, connected) = if prefixed {
            (
                CallerId::read(ev, "ParkeeCallerIDNum", "ParkeeCallerIDName"),
                real(ev, "ParkeeConnectedLineNum"),
            )
        } else {
            (
                CallerId::read(ev, "CallerIDNum", "CallerIDName"),
                real(ev, "ConnectedLineNum"),
            )
        };
        Some(Self {
            parkee: parkee(ev),
            space: ev
                .get("ParkingSpace")
                .or(ev.get("Exten"))
                .filter(|s| !absent(s))?,
            parker: ev.get("ParkerDialString").or(ev.get("From")),
            lot: real(ev, "Parkinglot"),
            caller,
            connected,
            linkedid: non_empty(ev, "ParkeeLinkedid"),
            duration_s: ev
                .get("ParkingDuration")
                .or(ev.get("Duration"))
                .and_then(|d| d.trim().parse().ok()),
        })
    }
}

impl<'a> ParkPlace<'a> {
    fn read(ev: &'a Packet) -> Self {
        Self {
            space: ev
                .get("ParkingSpace")
                .or(ev.get("Exten"))
                .filter(|s| !absent(s)),
            lot: real(ev, "Parkinglot"),
        }
    }
}

/// The event's `ChannelState` is 6 (Up).
fn channel_up(ev: &Packet) -> bool {
    ev.get("ChannelState") == Some("6")
}

fn parkee(ev: &Packet) -> Parkee<'_> {
    [
        ChannelRef::read(ev, "ParkeeUniqueid", "ParkeeChannel"),
        ChannelRef::read(ev, "Uniqueid", "Channel"),
    ]
}

impl<'a> CallerId<'a> {
    pub(crate) fn read(ev: &'a Packet, num: &str, name: &str) -> Self {
        Self::from_values(ev.get(num), ev.get(name))
    }

    fn from_values(num: Option<&'a str>, name: Option<&'a str>) -> Self {
        Self {
            num: num.filter(|v| !absent(v)),
            name: name.filter(|v| !absent(v)),
        }
    }
}

impl Keys {
    /// The names in the order [`ChannelSnap::from_values`] takes them.
    const fn names(&self) -> [&'static str; 7] {
        [
            self.channel,
            self.uniqueid,
            self.linkedid,
            self.cid_num,
            self.cid_name,
            self.context,
            self.exten,
        ]
    }
}

impl<'a> ChannelSnap<'a> {
    fn read(ev: &'a Packet, keys: &Keys, up: bool) -> Self {
        Self::from_values(values(ev, &keys.names()), up)
    }

    /// A snapshot from the values of its [`Keys::names`].
    fn from_values(
        [channel, uniqueid, linkedid, num, name, context, exten]: [Option<&'a str>; 7],
        up: bool,
    ) -> Self {
        Self {
            channel,
            uniqueid: uniqueid.filter(|u| !u.is_empty()),
            linkedid,
            caller: CallerId::from_values(num, name),
            context,
            exten: exten.filter(|e| !absent(e)),
            up,
        }
    }
}

impl<'a> ChannelRef<'a> {
    fn read(ev: &'a Packet, uniqueid: &str, name: &str) -> Self {
        Self {
            uniqueid: ev.get(uniqueid),
            name: ev.get(name),
        }
    }

    /// A channel named by its name only.
    fn named(name: Option<&'a str>) -> Self {
        Self {
            uniqueid: None,
            name,
        }
    }
}

impl<'a> RingSource<'a> {
    /// The event's own (plain) caller ID and context.
    fn read(ev: &'a Packet) -> Self {
        Self {
            caller: CallerId::read(ev, "CallerIDNum", "CallerIDName"),
            context: ev.get("Context"),
        }
    }
}

impl<'a> NewState<'a> {
    fn read(ev: &'a Packet) -> Option<Self> {
        match ev.get("ChannelState") {
            Some("6") => Some(Self::Up),
            Some("5") => {
                let [connected, num, name, context] = values(
                    ev,
                    &["ConnectedLineNum", "CallerIDNum", "CallerIDName", "Context"],
                );
                Some(Self::Ringing {
                    connected_num: connected.filter(|n| !absent(n)),
                    ring: RingSource {
                        caller: CallerId::from_values(num, name),
                        context,
                    },
                })
            }
            Some(_) => None,
            None => ev
                .get("ChannelStateDesc")
                .or(ev.get("State"))
                .is_some_and(|s| s.eq_ignore_ascii_case("Up"))
                .then_some(Self::Up),
        }
    }
}

impl<'a> DialplanApp<'a> {
    fn read(ev: &'a Packet) -> Option<Self> {
        let app = ev.get("Application")?;
        if app.eq_ignore_ascii_case("VoiceMail") {
            return Some(Self::VoiceMail);
        }
        if !app.eq_ignore_ascii_case("Queue") {
            return None;
        }
        ev.get("AppData")
            .and_then(|d| d.split(',').next())
            .filter(|q| !q.is_empty())
            .map(Self::Queue)
    }
}

impl<'a> DialBegin<'a> {
    /// Both snapshots and the dial's own fields in one pass over its forty
    /// or so fields.
    fn read(ev: &'a Packet, dialect: Dialect, dest: &Keys) -> Self {
        let [d0, d1, d2, d3, d4, d5, d6] = dest.names();
        let [state, dialstring, extension, source, src_uniqueid, src_cid, plain @ ..] = values(
            ev,
            &[
                "ChannelState",
                "DialString",
                "Extension",
                "Source",
                "SrcUniqueID",
                "CallerID",
                PLAIN.channel,
                PLAIN.uniqueid,
                PLAIN.linkedid,
                PLAIN.cid_num,
                PLAIN.cid_name,
                PLAIN.context,
                PLAIN.exten,
                d0,
                d1,
                d2,
                d3,
                d4,
                d5,
                d6,
            ],
        );
        let [channel, uniqueid, linkedid, cid_num, cid_name, context, exten, dest @ ..] = plain;
        let up = state == Some("6");
        // Asterisk 1.4 (`Event: Dial`, no SubEvent) names its dialing side
        // `Source` / `SrcUniqueID`, with its number in `CallerID`.
        let source_1_4 = channel.is_none() && source.is_some();
        let caller = if source_1_4 {
            [
                source,
                src_uniqueid,
                linkedid,
                src_cid,
                cid_name,
                context,
                exten,
            ]
        } else {
            [
                channel, uniqueid, linkedid, cid_num, cid_name, context, exten,
            ]
        };
        Self {
            dialect,
            caller: ChannelSnap::from_values(caller, up),
            dest: ChannelSnap::from_values(dest, up),
            dialstring: dialstring.unwrap_or(""),
            exten: exten.or(extension).filter(|e| !absent(e)),
            // The ringing leg reads `CallerIDNum`, 1.4's `CallerID` or not.
            ring: RingSource {
                caller: CallerId::from_values(cid_num, cid_name),
                context,
            },
        }
    }
}

impl<'a> DialEnd<'a> {
    fn read(ev: &'a Packet, dialect: Option<Dialect>) -> Self {
        // `DialStatus` comes last: one pass reads all three.
        let [status, dest, caller] = values(ev, &["DialStatus", "DestUniqueid", "Uniqueid"]);
        let status = status.unwrap_or("");
        Self {
            dialect,
            dest: dest.filter(|d| !d.is_empty()),
            caller,
            status: if status.eq_ignore_ascii_case("ANSWER") {
                DialStatus::Answer
            } else if status.eq_ignore_ascii_case("CANCEL") {
                DialStatus::Cancel
            } else {
                DialStatus::Other
            },
        }
    }
}

impl<'a> ListedChannel<'a> {
    /// One channel of a listing; `None` for anything else in it (the
    /// listing's start and end, a channel without a Uniqueid).
    pub(crate) fn decode(p: &'a Packet) -> Option<Self> {
        let listed = p.event().is_some_and(|e| {
            e.eq_ignore_ascii_case("CoreShowChannel") || e.eq_ignore_ascii_case("Status")
        });
        if !listed {
            return None;
        }
        let uniqueid = non_empty(p, "Uniqueid")?;
        Some(Self {
            uniqueid,
            snap: ChannelSnap::read(p, &PLAIN, channel_up(p)),
            ringing: p.get("ChannelState") == Some("5"),
            bridged: non_empty(p, "BridgedUniqueid"),
            dialed: p.get("Application").is_some_and(|a| {
                a.eq_ignore_ascii_case("AppDial") || a.eq_ignore_ascii_case("AppDial2")
            }),
            dnid: real(p, "DNID"),
            connected: CallerId::read(p, "ConnectedLineNum", "ConnectedLineName"),
        })
    }
}
