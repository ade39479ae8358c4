//! What the tracker reads of an AMI event: [`CallEvent`], one variant per
//! event it acts on, decoded once with the fields it needs, typed and
//! borrowed from the packet (decoding allocates nothing).
//!
//! This module owns every field name the tracker knows and the differences
//! between the two dialects (AMI 2+ / Asterisk 12+, and AMI 1.x / Asterisk
//! 1.4–11: `Dial`'s `SubEvent`, 1.4's `Source`, `Bridgestate`, channels
//! named only by name, …); the handlers never read a field themselves.
//! Events the tracker does not act on are skipped by their name alone,
//! before any field is read: that is most of the stream.
//!
//! Decoding reads fields, nothing else: whether a channel is tracked, and
//! what an event means for a call, is the handlers' business.
//!
//! The attendant console's panels ([`crate::console`]) read the same
//! parking, queue, bridge and hangup events through this decoding, so a few
//! fields here (a parked caller's ID, the space a park ends in, a queue's
//! name on leaving, the names of linked channels) are theirs, not the
//! tracker's.

use ringside_ami::Packet;

use super::Dialect;
use crate::record::TransferKind;

mod decode;
pub(crate) use decode::{non_empty, real};
#[cfg(test)]
mod tests;

/// An AMI event the tracker acts on, decoded.
#[derive(Debug)]
pub(crate) enum CallEvent<'a> {
    /// `Newchannel`.
    Newchannel(ChannelSnap<'a>),
    /// `NewCallerid`: a channel's caller ID changed.
    NewCallerid {
        uniqueid: &'a str,
        caller: CallerId<'a>,
    },
    /// `Newstate` to Up or Ringing (no other state changes anything).
    Newstate {
        uniqueid: &'a str,
        state: NewState<'a>,
    },
    /// `Newexten` running an application the tracker follows.
    Newexten {
        uniqueid: &'a str,
        app: DialplanApp<'a>,
    },
    /// A dial starts ringing a channel: `DialBegin` (AMI 2+), `Dial` with
    /// `SubEvent: Begin` (1.x), or any `Dial` (1.4, which has no SubEvent).
    DialBegin(DialBegin<'a>),
    /// A dial is over: `DialEnd` (AMI 2+), `Dial` with `SubEvent: End` (1.x).
    DialEnd(DialEnd<'a>),
    /// A 1.x `Dial` with any other `SubEvent`: it only tells the dialect.
    OtherDial,
    /// `BridgeEnter` (AMI 2+).
    BridgeEnter { uniqueid: &'a str, bridge: &'a str },
    /// `BridgeLeave` (AMI 2+).
    BridgeLeave { uniqueid: &'a str, bridge: &'a str },
    /// Two channels linked: 1.x `Bridge` (`Bridgestate: Link`, or none) and
    /// 1.4 `Link`, by their Uniqueids (`Uniqueid1`, `Uniqueid2`), with their
    /// names (`Channel1`, `Channel2`) when sent.
    Link {
        uniqueids: [&'a str; 2],
        names: [Option<&'a str>; 2],
    },
    /// AMI 1.8 `LocalBridge`: the Uniqueids of the two Local halves.
    LocalBridge(&'a str, &'a str),
    /// `Hangup`, with its Q.850 cause (16 normal, 26 answered elsewhere).
    Hangup {
        uniqueid: &'a str,
        cause: Option<u16>,
    },
    /// `Rename`: the channel has a new name (1.x masquerades, `Transfered/…`).
    Rename {
        uniqueid: &'a str,
        new_name: &'a str,
    },
    /// `BlindTransfer` (AMI 2+) that succeeded.
    BlindTransfer(BlindTransfer<'a>),
    /// `AttendedTransfer` (AMI 2+) that succeeded.
    AttendedTransfer(AttendedTransfer<'a>),
    /// chan_sip's `Transfer` (Asterisk 1.4–11).
    SipTransfer(SipTransfer<'a>),
    /// `QueueCallerJoin` (12+) / `Join` (1.x): the caller waits in a queue.
    QueueJoin(QueueJoin<'a>),
    /// `QueueCallerAbandon`: the caller gave up waiting.
    QueueAbandon {
        uniqueid: &'a str,
        /// `Queue`.
        queue: Option<&'a str>,
        /// `HoldTime`: the PBX's own count of the seconds the caller waited.
        hold_s: Option<i64>,
    },
    /// `QueueCallerLeave` (12+) / `Leave` (1.x): the caller is out of the queue.
    QueueLeave {
        uniqueid: &'a str,
        /// `Queue`.
        queue: Option<&'a str>,
    },
    /// `AgentCalled` (1.x with `eventwhencalled`).
    AgentCalled(AgentCalled<'a>),
    /// `Pickup`: `picker` took `target`, a channel ringing elsewhere.
    Pickup {
        picker: ChannelRef<'a>,
        target: ChannelRef<'a>,
    },
    /// AMI 1.x `Masquerade`, by channel names: `clone` takes the place of
    /// `original`.
    Masquerade { clone: &'a str, original: &'a str },
    /// `ParkedCall`.
    Parked(Parked<'a>),
    /// `UnParkedCall`.
    Unparked(Unparked<'a>),
    /// `ParkedCallTimeOut`: nobody retrieved the parked call.
    ParkTimeout {
        parkee: Parkee<'a>,
        place: ParkPlace<'a>,
    },
    /// `ParkedCallGiveUp`: the caller hung up while parked.
    ParkGiveUp {
        parkee: Parkee<'a>,
        place: ParkPlace<'a>,
    },
    /// An `EndpointList` (PJSIPShowEndpoints) or `PeerEntry` (SIPpeers)
    /// item. It stays a packet: [`crate::channel::Classifier::learn`] reads
    /// these items for every listing (the presence board's, the CLI's, the
    /// app's), and the tracker hands them to it as they are.
    EndpointList(&'a Packet),
}

/// A caller ID as an event gives it; `<unknown>` and empty values are none.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CallerId<'a> {
    pub(crate) num: Option<&'a str>,
    pub(crate) name: Option<&'a str>,
}

/// One channel snapshot inside an event: the event's own channel, or one
/// side of a dial.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChannelSnap<'a> {
    /// The channel's name (`PJSIP/1001-00000002`).
    pub(crate) channel: Option<&'a str>,
    /// Never empty.
    pub(crate) uniqueid: Option<&'a str>,
    /// As sent (AMI 2+ only; 1.x has none).
    pub(crate) linkedid: Option<&'a str>,
    pub(crate) caller: CallerId<'a>,
    /// As sent: the dialplan context it runs in.
    pub(crate) context: Option<&'a str>,
    /// The dialplan extension; `<unknown>` and empty are none.
    pub(crate) exten: Option<&'a str>,
    /// The event's `ChannelState` is 6 (Up). It is the event's own state
    /// whichever snapshot this is: a dial's destination takes the dialing
    /// channel's, as the tracker always has (it only counts for a
    /// destination first seen in its dial).
    pub(crate) up: bool,
}

/// A channel as an event names it: by Uniqueid, by name, or both (1.x
/// events often give only the name). The Uniqueid is looked up first.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ChannelRef<'a> {
    pub(crate) uniqueid: Option<&'a str>,
    pub(crate) name: Option<&'a str>,
}

/// The parked channel: the `Parkee…` snapshot (12+), else the bare one (1.x).
pub(crate) type Parkee<'a> = [ChannelRef<'a>; 2];

/// What the event that starts a leg ringing says of the call: the caller
/// ID it carries (what the card shows when the call's origin was never
/// seen), and the dialplan context it rings from (`park-dial` for a parked
/// call coming back).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RingSource<'a> {
    pub(crate) caller: CallerId<'a>,
    pub(crate) context: Option<&'a str>,
}

/// The two `Newstate`s the tracker acts on.
#[derive(Debug)]
pub(crate) enum NewState<'a> {
    /// Up (`ChannelState: 6`; without a `ChannelState`, a `ChannelStateDesc`
    /// or `State` of `Up`).
    Up,
    /// Ringing (`ChannelState: 5`): on AMI 1.x a queue member may ring
    /// without a Dial, its queued caller on its connected line.
    Ringing {
        connected_num: Option<&'a str>,
        ring: RingSource<'a>,
    },
}

/// The dialplan applications the tracker follows.
#[derive(Debug)]
pub(crate) enum DialplanApp<'a> {
    VoiceMail,
    /// `Queue(<name>,…)`, with its (non-empty) queue name.
    Queue(&'a str),
}

/// A dial starting to ring its destination.
#[derive(Debug)]
pub(crate) struct DialBegin<'a> {
    /// The dialect the event's name proves: `DialBegin` is AMI 2+, `Dial` 1.x.
    pub(crate) dialect: Dialect,
    /// The dialing channel (`Channel`…, or 1.4's `Source`/`SrcUniqueID`).
    /// An Originate has none.
    pub(crate) caller: ChannelSnap<'a>,
    /// The dialled channel (`Dest…`; 1.x's is `Destination`).
    pub(crate) dest: ChannelSnap<'a>,
    /// As sent; empty when there is none.
    pub(crate) dialstring: &'a str,
    /// The dialplan extension dialled (`Exten`, else `Extension`), for the
    /// number a trunk leg dials.
    pub(crate) exten: Option<&'a str>,
    pub(crate) ring: RingSource<'a>,
}

/// A dial that is over.
#[derive(Debug)]
pub(crate) struct DialEnd<'a> {
    /// 1.x for a `Dial` `SubEvent: End`; `DialEnd` itself proves nothing more
    /// than `DialBegin` did.
    pub(crate) dialect: Option<Dialect>,
    /// The dialled channel's Uniqueid (never empty); AMI 1.x names only the
    /// dialing channel.
    pub(crate) dest: Option<&'a str>,
    /// The dialing channel's Uniqueid.
    pub(crate) caller: Option<&'a str>,
    pub(crate) status: DialStatus,
}

/// How a dial ended, as far as the tracker cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DialStatus {
    Answer,
    /// The caller side stopped the ringing.
    Cancel,
    /// Busy, no answer, congestion, …
    Other,
}

/// `BlindTransfer`: `transferer` sent `transferee` to `extension`.
#[derive(Debug)]
pub(crate) struct BlindTransfer<'a> {
    pub(crate) transferer: Option<&'a str>,
    pub(crate) transferee: &'a str,
    /// As sent; empty when there is none.
    pub(crate) extension: &'a str,
}

/// `AttendedTransfer`: the transferee now talks to the transfer target.
#[derive(Debug)]
pub(crate) struct AttendedTransfer<'a> {
    /// `OrigTransferer…`, else the bare snapshot.
    pub(crate) transferer: [ChannelRef<'a>; 2],
    pub(crate) target: ChannelRef<'a>,
    pub(crate) transferee: ChannelRef<'a>,
    /// As sent; empty when there is none.
    pub(crate) extension: &'a str,
}

/// chan_sip's `Transfer`: `transferer` transfers the `target` channel to
/// `exten`.
#[derive(Debug)]
pub(crate) struct SipTransfer<'a> {
    pub(crate) kind: TransferKind,
    /// `Uniqueid`: the transferring channel.
    pub(crate) transferer: Option<&'a str>,
    pub(crate) target: &'a str,
    /// As sent; empty when there is none.
    pub(crate) exten: &'a str,
}

/// `AgentCalled`: the queue rings `member` (by name) for the `caller`.
#[derive(Debug)]
pub(crate) struct AgentCalled<'a> {
    /// `Uniqueid`, else the `ChannelCalling` name.
    pub(crate) caller: ChannelRef<'a>,
    /// `DestinationChannel`.
    pub(crate) member: &'a str,
    pub(crate) ring: RingSource<'a>,
}

/// `QueueCallerJoin` (12+) / `Join` (1.x): the caller waits in a queue.
#[derive(Debug)]
pub(crate) struct QueueJoin<'a> {
    pub(crate) uniqueid: &'a str,
    /// As sent; never empty.
    pub(crate) queue: &'a str,
    /// Its position on joining.
    pub(crate) position: Option<u32>,
    /// The caller's channel name.
    pub(crate) channel: Option<&'a str>,
    /// As sent (AMI 2+ only).
    pub(crate) linkedid: Option<&'a str>,
    /// The caller's ID (app_queue spells a missing one `unknown`, which is
    /// kept as sent).
    pub(crate) caller: CallerId<'a>,
}

/// `ParkedCall`: the parkee waits in `space`. Also the items of a
/// `ParkedCalls` listing, in both dialects.
#[derive(Debug)]
pub(crate) struct Parked<'a> {
    pub(crate) parkee: Parkee<'a>,
    /// `ParkingSpace`, else `Exten`.
    pub(crate) space: &'a str,
    /// Who parked it, as a dial string or channel name (12+:
    /// `ParkerDialString: PJSIP/1001`; 1.x: `From: SIP/1001-0000000c`).
    pub(crate) parker: Option<&'a str>,
    pub(crate) lot: Option<&'a str>,
    /// The parkee's caller ID (`ParkeeCallerID…`, else 1.x's bare one).
    pub(crate) caller: CallerId<'a>,
    /// The parkee's connected line number: whom it talked to before.
    pub(crate) connected: Option<&'a str>,
    /// `ParkeeLinkedid` (12+).
    pub(crate) linkedid: Option<&'a str>,
    /// How long it has been parked, s: `ParkingDuration` (12+; 0 in the
    /// live event) or a 1.x listing's `Duration`.
    pub(crate) duration_s: Option<u64>,
}

/// `UnParkedCall`: the retriever took the parkee.
#[derive(Debug)]
pub(crate) struct Unparked<'a> {
    pub(crate) parkee: Parkee<'a>,
    /// The `Retriever…` snapshot (12+), else the `From` channel (1.x).
    pub(crate) retriever: [ChannelRef<'a>; 2],
    pub(crate) place: ParkPlace<'a>,
}

/// The parking space an event that ends a park names: `ParkingSpace` (12+)
/// or `Exten` (1.x), and `Parkinglot`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParkPlace<'a> {
    pub(crate) space: Option<&'a str>,
    pub(crate) lot: Option<&'a str>,
}

/// One channel of a resync listing (`CoreShowChannel`, or `Status` on old
/// PBXes).
#[derive(Debug)]
pub(crate) struct ListedChannel<'a> {
    pub(crate) uniqueid: &'a str,
    pub(crate) snap: ChannelSnap<'a>,
    /// `ChannelState: 5`.
    pub(crate) ringing: bool,
    /// The Uniqueid of the channel it is bridged with (never empty).
    pub(crate) bridged: Option<&'a str>,
    /// It runs `AppDial`: a dialled leg, not the one dialing.
    pub(crate) dialed: bool,
    pub(crate) dnid: Option<&'a str>,
    pub(crate) connected: CallerId<'a>,
}

impl CallEvent<'_> {
    /// The dialect the event proves by its name alone (`Newchannel`'s hint
    /// is the handler's: it only counts while the dialect is unknown).
    pub(crate) fn dialect(&self) -> Option<Dialect> {
        match self {
            Self::DialBegin(d) => Some(d.dialect),
            Self::DialEnd(d) => d.dialect,
            Self::OtherDial => Some(Dialect::Ami1),
            _ => None,
        }
    }
}
