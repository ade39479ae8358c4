//! What the panels read of an AMI packet besides what the tracker reads:
//! [`ConsoleEvent`]. The events the tracker reads too (parking, queue joins
//! and leaves, bridges, dials, hangups) the panels take decoded by the
//! tracker's `CallEvent`, once [`ConsoleEvent::decode`] declined them. This
//! module owns the field names of the rest, in both dialects: queue members
//! and agents, `QueueStatus`/`QueueSummary` listing items, the dialplan
//! steps that tell a caller moved on after leaving a queue, and voicemail
//! counts.
//!
//! Like the tracker's decoding, it reads fields, nothing else, borrowed
//! from the packet, and skips a packet it has no use for by its name.

use ringside_ami::Packet;

use crate::tracker::events::{non_empty, real, CallerId};

/// A packet one of the panels acts on and the tracker does not, decoded.
#[derive(Debug)]
pub(super) enum ConsoleEvent<'a> {
    /// `Newexten`: the channel runs a dialplan step, whatever the
    /// application (the tracker decodes only those it follows).
    Dialplan { uniqueid: &'a str },
    /// `AgentConnect`: a member answered a queued caller.
    AgentConnect(AgentConnect<'a>),
    /// A queue member as `QueueMemberStatus`, `QueueMemberAdded`,
    /// `QueueMemberPause` (12+), `QueueMemberPaused` (1.x),
    /// `QueueMemberPenalty`, `QueueMemberRinginuse` or a `QueueStatus`
    /// listing's `QueueMember` give it.
    Member(MemberUpdate<'a>),
    /// `QueueMemberRemoved`.
    MemberRemoved { queue: &'a str, interface: &'a str },
    /// A `QueueStatus` listing's `QueueParams`: the queue exists.
    Params { queue: &'a str },
    /// A `QueueStatus` listing's `QueueEntry`: a caller waiting.
    Entry(QueueEntry<'a>),
    /// `QueueStatusComplete`: the end of a `QueueStatus` answer.
    StatusComplete,
    /// A `QueueSummary` listing item.
    Summary(SummaryItem<'a>),
    /// `MessageWaiting`, or a `MailboxCount` answer.
    Mailbox(MailboxCounts<'a>),
}

/// `AgentConnect`. 12+ gives the caller's snapshot bare and the member's as
/// `Dest…`; 1.x (`eventwhencalled=yes`) names the member's channel
/// `Channel` and its interface `Member`.
#[derive(Debug)]
pub(super) struct AgentConnect<'a> {
    /// The queued caller's Uniqueid.
    pub(super) caller: &'a str,
    /// The member's channel (`PJSIP/1003-00000011`, `Local/…;1`).
    pub(super) member_channel: Option<&'a str>,
    /// The member's interface (`PJSIP/1003`, `Local/1002@internal/n`).
    pub(super) interface: Option<&'a str>,
}

/// A queue member's fields, those the event carries.
#[derive(Debug)]
pub(super) struct MemberUpdate<'a> {
    pub(super) queue: &'a str,
    /// `Interface` (12+ events), else `Location` (1.x events, listings).
    pub(super) interface: &'a str,
    /// `MemberName`, else a listing's `Name`.
    pub(super) name: Option<&'a str>,
    /// The device state code, 0–8.
    pub(super) status: Option<u8>,
    pub(super) paused: Option<bool>,
    /// `PausedReason` (12+), else 1.x `QueueMemberPaused`'s `Reason`.
    pub(super) paused_reason: Option<&'a str>,
    pub(super) in_call: Option<bool>,
    pub(super) calls_taken: Option<u32>,
}

/// A caller waiting, as a `QueueStatus` listing gives it.
#[derive(Debug)]
pub(super) struct QueueEntry<'a> {
    pub(super) queue: &'a str,
    pub(super) uniqueid: &'a str,
    pub(super) channel: Option<&'a str>,
    pub(super) position: Option<u32>,
    pub(super) caller: CallerId<'a>,
    /// How long it has waited, s.
    pub(super) wait_s: Option<u64>,
}

/// A `QueueSummary` item.
#[derive(Debug)]
pub(super) struct SummaryItem<'a> {
    pub(super) queue: &'a str,
    pub(super) logged_in: Option<u32>,
    pub(super) available: Option<u32>,
    pub(super) callers: Option<u32>,
    pub(super) longest_hold_s: Option<u32>,
}

/// A mailbox's message counts: `MessageWaiting` (`Waiting`, and `New`
/// and `Old`, which 1.x leaves out when a caller only listened) or a
/// `MailboxCount` answer (`NewMessages`, `OldMessages`).
#[derive(Debug)]
pub(super) struct MailboxCounts<'a> {
    /// `1002@default`, or `1002`.
    pub(super) mailbox: &'a str,
    pub(super) new: Option<u32>,
    pub(super) old: Option<u32>,
    pub(super) waiting: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    Newexten,
    AgentConnect,
    Member,
    MemberPaused,
    MemberRemoved,
    Params,
    Entry,
    Summary,
    StatusComplete,
    MessageWaiting,
}

const EVENT_NAMES: &[(&str, Ev)] = &[
    ("Newexten", Ev::Newexten),
    ("AgentConnect", Ev::AgentConnect),
    ("QueueMemberStatus", Ev::Member),
    ("QueueMemberAdded", Ev::Member),
    ("QueueMemberPause", Ev::Member),
    ("QueueMemberPenalty", Ev::Member),
    ("QueueMemberRinginuse", Ev::Member),
    ("QueueMember", Ev::Member),
    ("QueueMemberPaused", Ev::MemberPaused),
    ("QueueMemberRemoved", Ev::MemberRemoved),
    ("QueueParams", Ev::Params),
    ("QueueEntry", Ev::Entry),
    ("QueueSummary", Ev::Summary),
    ("QueueStatusComplete", Ev::StatusComplete),
    ("MessageWaiting", Ev::MessageWaiting),
];

fn number<T: std::str::FromStr>(ev: &Packet, key: &str) -> Option<T> {
    ev.get(key).and_then(|v| v.trim().parse().ok())
}

fn flag(ev: &Packet, key: &str) -> Option<bool> {
    number::<u32>(ev, key).map(|n| n != 0)
}

impl<'a> ConsoleEvent<'a> {
    /// Decodes a packet a panel acts on and the tracker does not; `None`
    /// for anything else, which `CallEvent::decode` may know. `Newexten`
    /// is decoded here, for every application.
    pub(super) fn decode(ev: &'a Packet) -> Option<Self> {
        let Some(name) = ev.event() else {
            return MailboxCounts::answer(ev).map(Self::Mailbox);
        };
        let &(_, kind) = EVENT_NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        Some(match kind {
            Ev::Newexten => Self::Dialplan {
                uniqueid: non_empty(ev, "Uniqueid")?,
            },
            Ev::AgentConnect => Self::AgentConnect(AgentConnect::read(ev)?),
            Ev::Member | Ev::MemberPaused => Self::Member(MemberUpdate::read(ev)?),
            Ev::MemberRemoved => Self::MemberRemoved {
                queue: non_empty(ev, "Queue")?,
                interface: non_empty(ev, "Interface").or(non_empty(ev, "Location"))?,
            },
            Ev::Params => Self::Params {
                queue: non_empty(ev, "Queue")?,
            },
            Ev::Entry => Self::Entry(QueueEntry {
                queue: non_empty(ev, "Queue")?,
                uniqueid: non_empty(ev, "Uniqueid")?,
                channel: non_empty(ev, "Channel"),
                position: number(ev, "Position"),
                caller: CallerId::read(ev, "CallerIDNum", "CallerIDName"),
                wait_s: number(ev, "Wait"),
            }),
            Ev::Summary => Self::Summary(SummaryItem {
                queue: non_empty(ev, "Queue")?,
                logged_in: number(ev, "LoggedIn"),
                available: number(ev, "Available"),
                callers: number(ev, "Callers"),
                longest_hold_s: number(ev, "LongestHoldTime"),
            }),
            Ev::StatusComplete => Self::StatusComplete,
            Ev::MessageWaiting => Self::Mailbox(MailboxCounts {
                mailbox: non_empty(ev, "Mailbox")?,
                new: number(ev, "New"),
                old: number(ev, "Old"),
                waiting: flag(ev, "Waiting"),
            }),
        })
    }
}

impl<'a> AgentConnect<'a> {
    fn read(ev: &'a Packet) -> Option<Self> {
        let modern = ev.get("DestChannel").is_some() || ev.get("DestUniqueid").is_some();
        Some(Self {
            caller: non_empty(ev, "Uniqueid")?,
            member_channel: if modern {
                non_empty(ev, "DestChannel")
            } else {
                non_empty(ev, "Channel")
            },
            interface: non_empty(ev, "Interface").or(non_empty(ev, "Member")),
        })
    }
}

impl<'a> MemberUpdate<'a> {
    fn read(ev: &'a Packet) -> Option<Self> {
        Some(Self {
            queue: non_empty(ev, "Queue")?,
            interface: non_empty(ev, "Interface").or(non_empty(ev, "Location"))?,
            name: non_empty(ev, "MemberName").or(non_empty(ev, "Name")),
            status: number(ev, "Status"),
            paused: flag(ev, "Paused"),
            paused_reason: real(ev, "PausedReason").or(real(ev, "Reason")),
            in_call: flag(ev, "InCall"),
            calls_taken: number(ev, "CallsTaken"),
        })
    }
}

impl<'a> MailboxCounts<'a> {
    /// A `MailboxCount` answer (`Message: Mailbox Message Count`).
    fn answer(p: &'a Packet) -> Option<Self> {
        p.response()?;
        let new = number(p, "NewMessages")?;
        Some(Self {
            mailbox: non_empty(p, "Mailbox")?,
            new: Some(new),
            old: number(p, "OldMessages"),
            waiting: None,
        })
    }
}
