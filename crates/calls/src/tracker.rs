//! [`CallTracker`]: the pure call model. It turns AMI events into
//! [`CardChange`]s (popup, update, close, call end) for the watched
//! extensions, one [`CallCard`] per real call.
//!
//! `(state, event) -> (state, changes)`: no clock (the caller passes the
//! event's time), no I/O, no async, so a replay gives the same output every
//! time. It must not send actions or touch the network; `crate::actions`
//! does that.
//!
//! ## How a call is recognised
//! - **Grouping.** AMI 2+ gives every channel the `Linkedid` of the call it
//!   belongs to. AMI 1.1/1.3 has none, so a channel starts as a call of its
//!   own and is merged into the caller's call when it is dialled (`Dial`
//!   Begin), and Local `;1`/`;2` halves are joined by name.
//! - **Caller.** Always the call's originating channel (the first channel,
//!   `Uniqueid == Linkedid`), never the dialing channel: a Local `;2` half or
//!   a queue dials with its own caller ID.
//! - **Popups.** A dial (`DialBegin` / `Dial` Begin) whose destination is an
//!   extension and whose dialing channel exists. A dial with no dialing
//!   channel is an Originate ringing the user's own phone: never a popup.
//!   Trunk destinations and Local channels never pop.
//! - **Answer.** The ringing leg goes `Up` (`Newstate`), its `DialEnd` says
//!   `ANSWER`, or it enters a bridge; whichever comes first.
//! - **Transfers.** `BlindTransfer`, `AttendedTransfer`, chan_sip's
//!   `Transfer`, and a `Redirect` (no event of its own: the caller's channel,
//!   bridged with extension X, dials another extension).
//! - **Consultations.** An extension talking to a caller that dials another
//!   extension (itself, through a Local half carrying its caller ID, or from
//!   a second call of its own: the phone's transfer key) is consulting: the
//!   popup is an internal call from that extension, marked `consultation`
//!   and naming the caller who waits, and it lives in the caller's call (a
//!   separate consult call is folded in, its id kept as an alias). The
//!   consulted leg answering is not the caller being answered. The transfer
//!   completes on `AttendedTransfer`, chan_sip's attended `Transfer`, or (1.x
//!   `Atxfer`/`*2`, which send neither) the caller's channel being
//!   masqueraded while the consultation talks.
//! - **Pickups.** `Pickup` (or, on 1.8, a `Masquerade` whose original is a
//!   ringing leg): the picker answered. Its own channel (a feature-code call
//!   or an Originate to `Pickup`) joins the call and never ends on its own.
//! - **Parking.** `ParkedCall`/`UnParkedCall`/`ParkedCallTimeOut`: the card
//!   shows the space; a retriever's own call is folded in; a dial from
//!   `park-dial` after a timeout pops as `park_return`.
//! - **AMI 1.x queues** ring members without any Dial: a phone going
//!   Ringing with a queued caller on its connected line, a Local pair whose
//!   `;2` dials with that caller's number, or `AgentCalled`, joins the queued
//!   call (the caller between `Join` and `Leave`).
//! - **1.x masquerades.** After `Masquerade`, the original's Uniqueid carries
//!   on as the clone's channel; the clone's old Uniqueid hangs up as a zombie.

// Maps with a fixed (unrandomised) hasher: iteration order then depends only on
// the sequence of events, so the same PBX events always give the same changes in
// the same order, as a replay promises. The fuzzer found run-to-run differences
// with std's per-process random keys.
type FixedState = std::hash::BuildHasherDefault<std::collections::hash_map::DefaultHasher>;
type HashMap<K, V> = std::collections::HashMap<K, V, FixedState>;
type HashSet<T> = std::collections::HashSet<T, FixedState>;
use std::sync::Arc;

use ringside_ami::Packet;
use serde::{Deserialize, Serialize};

use crate::channel::{self, ChannelName, Classifier, EndpointKind};
use crate::record::{CallRecord, Direction, Outcome, Transfer, TransferKind};

/// Which AMI dialect the PBX speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// Not known yet: both event families are accepted.
    #[default]
    Unknown,
    /// Asterisk 1.4–11 (AMI 1.0–1.3): `Event: Dial`, `Bridge`/`Link`, no Linkedid.
    Ami1,
    /// Asterisk 12+ (AMI 2+): `DialBegin`, `BridgeEnter`, Linkedid.
    Ami2,
}

impl Dialect {
    /// The dialect of a banner version (`1.1`, `1.3` → AMI 1; `2.x`+ and
    /// Asterisk 12's `12.0.0` style → AMI 2).
    pub fn from_banner_version(version: &str) -> Self {
        let major: u32 = version.split('.').next().and_then(|m| m.trim().parse().ok()).unwrap_or(0);
        match major {
            0 => Self::Unknown,
            1 => Self::Ami1,
            _ => Self::Ami2,
        }
    }
}

/// What the tracker watches and what it knows about the PBX.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrackerConfig {
    /// The user's own extensions. Empty means every extension (for replays
    /// and for a supervisor's view).
    pub extensions: Vec<String>,
    /// Ring groups and queues the user belongs to (numbers such as `600` or
    /// queue names such as `support`): a call entering one pops with the
    /// group as its extension, even before a phone rings.
    pub groups: Vec<String>,
    /// Endpoints known to be trunks (`carrier`, `trunk-test1`).
    pub trunks: Vec<String>,
    /// Endpoints known to be phones even though their names are not digits.
    pub known_extensions: Vec<String>,
}

impl TrackerConfig {
    /// A config watching these extensions.
    pub fn watching<I, S>(extensions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self { extensions: extensions.into_iter().map(Into::into).collect(), ..Self::default() }
    }
}

/// Where a call is, as the user sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// Set up, nothing ringing yet (in a queue, in an IVR, dialling out).
    Dialing,
    /// At least one phone is ringing.
    Ringing,
    /// Someone (or the far end) answered.
    Answered,
    /// Every channel of the call hung up.
    Ended,
}

/// Why a popup goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// This extension answered.
    Answered,
    /// Another extension answered (see `answered_by`).
    AnsweredElsewhere,
    /// It stopped ringing here and nobody answered.
    Missed,
    /// The call ended after being answered here or transferred here.
    Ended,
    /// The call was transferred away from this extension while ringing.
    Transferred,
    /// A consultation (the colleague's side of an attended transfer) ended
    /// without the caller being handed over: declined, or cancelled by the
    /// transferring extension.
    ConsultationEnded,
}

/// The other party of a call, as a popup names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Party {
    /// Their number.
    pub caller_num: String,
    /// Their name as the PBX sent it (plain text).
    pub caller_name: Option<String>,
}

/// Where a parked call waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ParkSpot {
    /// The parking space (`71`).
    pub slot: String,
    /// The parking lot (`default`), when the PBX names it.
    pub lot: Option<String>,
    /// The extension that parked the call, when known.
    pub parked_by: Option<String>,
}

/// How a wait ended: in a queue, or in a parking space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum WaitEnd {
    /// A queue member answered.
    Answered,
    /// The caller hung up while waiting in the queue.
    Abandoned,
    /// The queue let the caller go unanswered (its timeout, an exit key, or
    /// nobody left to ring), or the parking time ran out.
    Timeout,
    /// Someone dialled the parking space.
    Retrieved,
    /// The caller hung up while parked.
    Hangup,
}

/// A caller's wait in a queue, reported with the call's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueWait {
    /// The queue's name.
    pub queue: String,
    /// The caller's position on joining.
    pub position: Option<u32>,
    /// How the wait ended: `answered`, `abandoned` or `timeout`.
    pub end: WaitEnd,
    /// How long the caller waited, ms.
    pub waited_ms: i64,
}

/// One stay in a parking space, reported with the call's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ParkStay {
    /// The space (`71`).
    pub slot: String,
    /// The lot (`default`), when the PBX names it.
    pub lot: Option<String>,
    /// Who parked the call.
    pub parked_by: Option<String>,
    /// `retrieved`, `timeout` or `hangup`.
    pub end: WaitEnd,
    /// For `retrieved`: the extension that dialled the space.
    pub retrieved_by: Option<String>,
    /// For `timeout`: the extension it rang again (its parker).
    pub returned_to: Option<String>,
}

impl ParkStay {
    fn ended(spot: ParkSpot, end: WaitEnd) -> Self {
        Self { slot: spot.slot, lot: spot.lot, parked_by: spot.parked_by, end, retrieved_by: None, returned_to: None }
    }
}

/// An attended transfer being prepared: `by` talks to `to` while the caller waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Consultation {
    /// The transferring extension (the one the caller was talking to).
    pub by: String,
    /// The extension being consulted.
    pub to: String,
    /// The consulted extension has answered.
    pub answered: bool,
}

/// One real call as the user sees it. Built on demand from the tracker's
/// state; sent in [`CardChange::Update`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CallCard {
    /// The PBX's id for the call (Linkedid, or the first Uniqueid on AMI 1.x).
    pub call: String,
    /// The real caller's number: the outside caller for inbound calls, the
    /// calling extension for internal and outbound ones.
    pub caller_num: String,
    /// The caller's name as the PBX sent it (plain text, any bytes).
    pub caller_name: Option<String>,
    /// Inbound, internal or outbound, once known.
    pub direction: Option<Direction>,
    /// The trunk the call uses.
    pub trunk: Option<String>,
    /// The DID dialled on the trunk.
    pub did: Option<String>,
    /// The queue or ring group it went through.
    pub queue: Option<String>,
    /// For outbound calls, the number dialled.
    pub dialed: Option<String>,
    /// The extension that placed an internal or outbound call.
    pub from_extension: Option<String>,
    /// Extensions ringing right now.
    pub ringing: Vec<String>,
    /// Every extension it rang, in order.
    pub rang: Vec<String>,
    /// The call's state.
    pub state: CallState,
    /// The extension talking to the caller now (after transfers, the last one).
    pub answered_by: Option<String>,
    /// The trunk whose far end answered an outbound call.
    pub answered_by_trunk: Option<String>,
    /// When it was first answered, Unix ms.
    pub answered_at_ms: Option<i64>,
    /// Transfer history: "transferred by 1001 to 1002".
    pub transfers: Vec<Transfer>,
    /// When it started, Unix ms.
    pub started_at_ms: i64,
    /// The extension the caller is talking to right now (after a transfer,
    /// a pickup or a parked call's retrieval); `null` while parked, ringing
    /// or on an outbound call.
    pub connected_to: Option<String>,
    /// The extension that took this call while it rang at another phone.
    pub picked_up_by: Option<String>,
    /// Where the call waits while parked.
    pub parked: Option<ParkSpot>,
    /// An attended transfer being prepared for this caller.
    pub consulting: Option<Consultation>,
}

/// A change of a call card, for the watched extensions. These values are
/// the CLI's JSON lines and the app's event payloads.
///
/// ```
/// use ringside_calls::tracker::{CardChange, CloseReason};
/// let c = CardChange::Close {
///     call: "1795444700.4".into(),
///     extension: "1001".into(),
///     reason: CloseReason::AnsweredElsewhere,
///     answered_by: Some("1002".into()),
///     at_ms: 0,
/// };
/// let json = serde_json::to_string(&c).unwrap();
/// assert!(json.starts_with(r#"{"type":"close","call":"1795444700.4","extension":"1001","reason":"answered_elsewhere""#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CardChange {
    /// A watched extension starts ringing: show the caller.
    Popup {
        /// The call id.
        call: String,
        /// The watched extension (or watched group) that rings.
        extension: String,
        /// The real caller's number.
        caller_num: String,
        /// The real caller's name, as text.
        caller_name: Option<String>,
        /// `inbound` or `internal`; outbound calls never pop.
        direction: Direction,
        /// The trunk an inbound call came in on.
        trunk: Option<String>,
        /// The DID dialled on the trunk.
        did: Option<String>,
        /// The queue or ring group it came through.
        queue: Option<String>,
        /// The extension that transferred the call here.
        transferred_by: Option<String>,
        /// The colleague's side of an attended transfer: the caller is the
        /// transferring extension, and `consulting_for` is who waits.
        consultation: bool,
        /// For a consultation: the caller about to be handed over.
        consulting_for: Option<Party>,
        /// A parked call nobody retrieved, ringing its parker again.
        park_return: bool,
        /// For a parked call coming back: the space it waited in.
        park_slot: Option<String>,
        /// For a parked call coming back: who parked it.
        parked_by: Option<String>,
        /// When it started ringing here, Unix ms.
        at_ms: i64,
    },
    /// The card changed: answered, transferred, answered elsewhere.
    Update {
        /// The call id.
        call: String,
        /// The whole card after the change.
        card: CallCard,
        /// When, Unix ms.
        at_ms: i64,
    },
    /// A popup goes away.
    Close {
        /// The call id.
        call: String,
        /// The extension whose popup closes.
        extension: String,
        /// Why.
        reason: CloseReason,
        /// Who answered, when someone did.
        answered_by: Option<String>,
        /// When, Unix ms.
        at_ms: i64,
    },
    /// The call is over; sent once per real call.
    #[serde(rename = "call_end")]
    Ended {
        /// The call id.
        call: String,
        /// Who picked up last: an extension, or `trunk NAME` when the far
        /// end of an outbound call answered; `null` when nobody did.
        answered_by: Option<String>,
        /// It rang at a watched extension and nobody answered.
        missed: bool,
        /// Watched extensions whose popup closed because another answered.
        answered_elsewhere_for: Vec<String>,
        /// The extension that picked the call up while it rang elsewhere
        /// (directed or group pickup); `null` otherwise.
        picked_up_by: Option<String>,
        /// The caller's wait in a queue, when it went through one.
        queue: Option<QueueWait>,
        /// Each time the call was parked, in order.
        parks: Vec<ParkStay>,
        /// The call ended while Ringside was disconnected.
        ended_offline: bool,
        /// The record to store.
        record: CallRecord,
    },
}

impl CardChange {
    /// The call id of any change.
    pub fn call(&self) -> &str {
        match self {
            Self::Popup { call, .. }
            | Self::Update { call, .. }
            | Self::Close { call, .. }
            | Self::Ended { call, .. } => call,
        }
    }
}

/// One live channel of a call, from [`CallTracker::channels_of`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallChannel {
    /// The channel name as the PBX gave it (`PJSIP/carrier-00000002`).
    pub name: String,
    /// Extension number for phones, trunk name for trunks.
    pub endpoint: String,
    /// Phone, trunk, Local or unknown.
    pub kind: EndpointKind,
    /// Answered.
    pub up: bool,
    /// A dialled leg that is ringing now.
    pub ringing: bool,
    /// The channel that started the call (the caller's).
    pub origin: bool,
}

type CallKey = u64;

/// What a tracked channel is doing in its call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LegState {
    /// Not dialled (an originating channel, a trunk, a Local half).
    None,
    /// Dialled extension, ringing.
    Ringing,
    /// Dialled extension, answered.
    Answered,
    /// Dialled extension, stopped ringing without answering.
    Ended,
}

#[derive(Debug)]
struct Chan {
    name: Box<str>,
    call: CallKey,
    kind: EndpointKind,
    /// Extension number for phones, trunk name for trunks.
    endpoint: Arc<str>,
    up: bool,
    leg: LegState,
    /// The Originate leg ringing the user's own phone.
    originate_leg: bool,
    /// The channel that dialled this one.
    dialed_by: Option<Arc<str>>,
    /// The last extension this channel was bridged with.
    peer_ext: Option<Arc<str>>,
    bridge: Option<Arc<str>>,
    /// For AMI 1.x Local halves: the shared name without `;1`/`;2`.
    local_base: Option<Box<str>>,
    /// A leg ringing (or talking to) a colleague consulted before an
    /// attended transfer: not the caller's call ringing there.
    consult: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotState {
    /// Popup shown, phone ringing.
    Open,
    /// Phone stopped ringing, but the call may still be answered elsewhere
    /// (caller-side cancel, queue retry): the popup stays until resolved.
    Pending,
    /// Popup shown for a call now talking here (an attended transfer).
    Talking,
    Closed,
}

#[derive(Debug)]
struct Slot {
    ext: Arc<str>,
    state: SlotState,
    /// The popup of a consultation (the colleague's side of an attended transfer).
    consult: bool,
}

impl Slot {
    fn new(ext: Arc<str>, state: SlotState) -> Self {
        Self { ext, state, consult: false }
    }
}

#[derive(Debug)]
struct PendingTransfer {
    by: Option<String>,
}

#[derive(Debug)]
struct Call {
    id: Box<str>,
    first_uid: Box<str>,
    origin: Option<Box<str>>,
    caller_num: String,
    caller_name: String,
    origin_kind: EndpointKind,
    direction: Option<Direction>,
    trunk: Option<String>,
    did: Option<String>,
    queue: Option<String>,
    dialed: Option<String>,
    from_extension: Option<String>,
    live: u32,
    rang: Vec<String>,
    answered_by: Option<String>,
    answered_by_trunk: Option<String>,
    answered_at_ms: Option<i64>,
    transfers: Vec<Transfer>,
    pending_transfer: Option<PendingTransfer>,
    voicemail: bool,
    abandoned: bool,
    started_at_ms: i64,
    slots: Vec<Slot>,
    answered_elsewhere_for: Vec<String>,
    group_popped: bool,
    /// A ringing leg first seen in a resync listing without its caller's
    /// channel (AMI 1.x lists have no Linkedid): its Dial, when it arrives,
    /// folds it into the caller's call.
    orphan_leg: bool,
    /// The extension whose ringing the caller side just cancelled, while
    /// nobody had answered: a new dial elsewhere means the call was moved
    /// (a `Redirect` of a ringing call).
    last_cancelled: Option<Arc<str>>,
    relevant: bool,
    /// Number of ringing extension legs.
    ringing: u32,
    /// The extension talking to the caller now.
    connected: Option<String>,
    /// The extension that picked the call up from another phone.
    picked_up_by: Option<String>,
    /// Ids of calls folded into this one (a consultation placed as a call of
    /// its own, a pickup's or a retrieval's own channel): they name this call.
    aliases: Vec<Box<str>>,
    /// Where it waits while parked; kept after a timeout until it rings back.
    park: Option<ParkSpot>,
    /// Finished stays in parking, for the call's end.
    parks: Vec<ParkStay>,
    /// The queue wait: its queue and position on joining, when it began,
    /// and how and when it ended.
    queue_wait: Option<QueueWaitState>,
    /// The parking timed out and the call is on its way back to its parker.
    park_returning: bool,
    /// Waiting in a queue (between Join and Leave), so an AMI 1.x member
    /// ringing with this caller on its connected line belongs to this call.
    in_queue: bool,
    /// An attended transfer being prepared, and who waits meanwhile.
    consulting: Option<Consultation>,
    consulting_for: Option<Party>,
}

/// A queue wait in progress (see [`QueueWait`]).
#[derive(Debug)]
struct QueueWaitState {
    queue: String,
    position: Option<u32>,
    since_ms: i64,
    /// How and when it ended, once it did.
    end: Option<(WaitEnd, i64)>,
}

impl Call {
    /// The queue wait ended; the first cause wins.
    fn end_queue_wait(&mut self, end: WaitEnd, at_ms: i64) {
        if let Some(w) = self.queue_wait.as_mut().filter(|w| w.end.is_none()) {
            w.end = Some((end, at_ms));
        }
    }
}

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
/// Asterisk 1.4 `Event: Dial` (no SubEvent) names its dialing side `Source`.
const SRC1: Keys = Keys {
    channel: "Source",
    uniqueid: "SrcUniqueID",
    linkedid: "Linkedid",
    cid_num: "CallerID",
    cid_name: "CallerIDName",
    context: "Context",
    exten: "Exten",
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

/// The events the tracker reads; everything else is skipped at once.
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

fn classify_event(name: &str) -> Ev {
    // The bulk of the stream (VarSet, Newexten, Cdr, …) is decided by the
    // first byte or an exact match, without case folding.
    match name {
        "VarSet" | "Cdr" | "DialState" | "HangupRequest" | "SoftHangupRequest" | "BridgeCreate" | "BridgeDestroy"
        | "DeviceStateChange" | "NewConnectedLine" | "ExtensionStatus" => Ev::Other,
        _ => EVENT_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .or_else(|| EVENT_NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map_or(Ev::Other, |&(_, e)| e),
    }
}

/// True when the PBX sent no real value (`<unknown>`, empty).
fn absent(v: &str) -> bool {
    v.is_empty() || v.eq_ignore_ascii_case("<unknown>")
}

/// The pure call tracker. See the module docs for the rules.
///
/// ```
/// use ringside_ami::Packet;
/// use ringside_calls::tracker::{CallTracker, CardChange, TrackerConfig};
/// let mut t = CallTracker::new(TrackerConfig::watching(["474"]));
/// let ev = |pairs: &[(&str, &str)]| pairs.iter().fold(Packet::new(), |p, (k, v)| p.with(*k, *v));
/// t.apply(&ev(&[("Event", "Newchannel"), ("Channel", "SIP/470-000079dd"), ("CallerIDNum", "470"), ("CallerIDName", "470"), ("Uniqueid", "1372066112.31203")]), 0);
/// t.apply(&ev(&[("Event", "Newchannel"), ("Channel", "SIP/474-000079de"), ("Uniqueid", "1372066112.31204")]), 0);
/// let changes = t.apply(&ev(&[("Event", "Dial"), ("SubEvent", "Begin"), ("Channel", "SIP/470-000079dd"),
///     ("Destination", "SIP/474-000079de"), ("CallerIDNum", "470"), ("UniqueID", "1372066112.31203"),
///     ("DestUniqueID", "1372066112.31204"), ("Dialstring", "474")]), 1);
/// assert!(matches!(&changes[0], CardChange::Popup { extension, caller_num, .. } if extension == "474" && caller_num == "470"));
/// ```
#[derive(Debug)]
pub struct CallTracker {
    watch_all: bool,
    watched: HashSet<String>,
    groups: HashSet<String>,
    classifier: Classifier,
    dialect: Dialect,
    channels: HashMap<Arc<str>, Chan>,
    calls: HashMap<CallKey, Call>,
    call_ids: HashMap<Box<str>, CallKey>,
    local_halves: HashMap<Box<str>, Box<str>>,
    bridges: HashMap<Arc<str>, Vec<Arc<str>>>,
    next_key: CallKey,
}

impl CallTracker {
    /// A tracker with nothing in flight.
    pub fn new(config: TrackerConfig) -> Self {
        let mut classifier = Classifier::new();
        for t in &config.trunks {
            classifier.add_trunk(t);
        }
        for e in config.known_extensions.iter().chain(&config.extensions) {
            if !classifier.is_known_trunk(e) {
                classifier.add_extension(e);
            }
        }
        Self {
            watch_all: config.extensions.is_empty(),
            watched: config.extensions.into_iter().collect(),
            groups: config.groups.into_iter().collect(),
            classifier,
            dialect: Dialect::Unknown,
            channels: HashMap::default(),
            calls: HashMap::default(),
            call_ids: HashMap::default(),
            local_halves: HashMap::default(),
            bridges: HashMap::default(),
            next_key: 1,
        }
    }

    /// The endpoint classifier, to feed it PJSIPShowEndpoints / SIPpeers
    /// results or the user's settings.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// The endpoint classifier, to teach it.
    pub fn classifier_mut(&mut self) -> &mut Classifier {
        &mut self.classifier
    }

    /// Tells the tracker the banner version (`Asterisk Call Manager/1.3`
    /// → `1.3`). Events switch the dialect too, so this is a hint.
    pub fn observe_banner(&mut self, version: &str) {
        self.dialect = Dialect::from_banner_version(version);
    }

    /// The dialect seen so far.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Calls in flight.
    pub fn live_calls(&self) -> usize {
        self.calls.len()
    }

    /// Channels tracked.
    pub fn live_channels(&self) -> usize {
        self.channels.len()
    }

    /// The cards of every call in flight, for a main window.
    pub fn cards(&self) -> Vec<CallCard> {
        let mut v: Vec<CallCard> = self.calls.values().map(|c| self.card(c, false)).collect();
        v.sort_by(|a, b| a.started_at_ms.cmp(&b.started_at_ms).then_with(|| a.call.cmp(&b.call)));
        v
    }

    /// Is this extension one of the user's?
    pub fn is_watched(&self, ext: &str) -> bool {
        self.watch_all || self.watched.contains(ext)
    }

    /// The live channels of a call, the caller's (origin) first: what a
    /// transfer or hangup acts on (the app uses it because a PBX replaying
    /// or restarting may not list them in `CoreShowChannels`). Empty for a
    /// call that is not live.
    pub fn channels_of(&self, call: &str) -> Vec<CallChannel> {
        let Some(&key) = self.call_ids.get(call) else {
            return Vec::new();
        };
        let origin = self.calls.get(&key).and_then(|c| c.origin.as_deref());
        let mut out: Vec<CallChannel> = self
            .channels
            .iter()
            .filter(|(_, c)| c.call == key)
            .map(|(uid, c)| CallChannel {
                name: c.name.to_string(),
                endpoint: c.endpoint.to_string(),
                kind: c.kind,
                up: c.up,
                ringing: c.leg == LegState::Ringing,
                origin: origin == Some(&**uid),
            })
            .collect();
        out.sort_by(|a, b| b.origin.cmp(&a.origin).then_with(|| a.name.cmp(&b.name)));
        out
    }

    /// Applies one AMI event received at `at_ms` (the PBX's time or the
    /// receive time) and returns what changed for the watched extensions.
    pub fn apply(&mut self, ev: &Packet, at_ms: i64) -> Vec<CardChange> {
        let mut out = Vec::new();
        self.apply_into(ev, at_ms, &mut out);
        out
    }

    /// [`CallTracker::apply`] appending to a caller-owned buffer.
    pub fn apply_into(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(name) = ev.event() else { return };
        match classify_event(name) {
            Ev::Other => {}
            Ev::EndpointList => {
                self.classifier.learn(ev);
            }
            Ev::Newchannel => {
                self.note_dialect(ev);
                self.ensure_channel(ev, &PLAIN, at_ms);
            }
            Ev::NewCallerid => self.on_callerid(ev),
            Ev::Newstate => self.on_newstate(ev, at_ms, out),
            Ev::Newexten => self.on_newexten(ev, at_ms, out),
            Ev::DialBegin => {
                self.dialect = Dialect::Ami2;
                self.on_dial_begin(ev, &DEST, at_ms, out);
            }
            Ev::Dial => {
                self.dialect = Dialect::Ami1;
                match ev.get("SubEvent") {
                    Some(s) if s.eq_ignore_ascii_case("Begin") => self.on_dial_begin(ev, &DEST1, at_ms, out),
                    Some(s) if s.eq_ignore_ascii_case("End") => self.on_dial_end(ev, at_ms, out),
                    // Asterisk 1.4 has no SubEvent: every Dial is a begin.
                    None => self.on_dial_begin(ev, &DEST1, at_ms, out),
                    Some(_) => {}
                }
            }
            Ev::DialEnd => self.on_dial_end(ev, at_ms, out),
            Ev::BridgeEnter => self.on_bridge_enter(ev, at_ms, out),
            Ev::BridgeLeave => self.on_bridge_leave(ev),
            Ev::Bridge => {
                let linked = ev.get("Bridgestate").is_none_or(|s| s.eq_ignore_ascii_case("Link"));
                if linked {
                    self.on_link(ev, at_ms, out);
                }
            }
            Ev::Link => self.on_link(ev, at_ms, out),
            Ev::Unlink => {}
            Ev::LocalBridge => self.on_local_bridge(ev),
            Ev::Hangup => self.on_hangup(ev, at_ms, out),
            Ev::Rename => self.on_rename(ev),
            Ev::BlindTransfer => self.on_blind_transfer(ev, at_ms, out),
            Ev::AttendedTransfer => self.on_attended_transfer(ev, at_ms, out),
            Ev::Transfer => self.on_sip_transfer(ev, at_ms, out),
            Ev::QueueCallerJoin | Ev::Join => self.on_queue_join(ev, at_ms, out),
            Ev::QueueCallerAbandon => {
                if let Some(call) = self.call_of_mut(ev.get("Uniqueid")) {
                    call.abandoned = true;
                    call.end_queue_wait(WaitEnd::Abandoned, at_ms);
                }
            }
            Ev::QueueLeave => {
                if let Some(call) = self.call_of_mut(ev.get("Uniqueid")) {
                    call.in_queue = false;
                    // After an answer (1.x sends Leave before the bridge) or an
                    // abandon this changes nothing; otherwise the queue let go.
                    let end = if call.answered_by.is_some() { WaitEnd::Answered } else { WaitEnd::Timeout };
                    call.end_queue_wait(end, at_ms);
                }
            }
            Ev::AgentCalled => self.on_agent_called(ev, at_ms, out),
            Ev::Pickup => self.on_pickup(ev, at_ms, out),
            Ev::Masquerade => self.on_masquerade(ev, at_ms, out),
            Ev::ParkedCall => self.on_parked(ev, at_ms, out),
            Ev::UnParkedCall => self.on_unparked(ev, at_ms, out),
            Ev::ParkedCallTimeOut => {
                let uid = self.uid_in(ev, "Parkee").or_else(|| self.uid_in(ev, ""));
                if let Some(call) = self.call_of_mut(uid.as_deref()) {
                    call.park_returning = call.park.is_some();
                    if let Some(p) = call.park.clone() {
                        call.parks.push(ParkStay::ended(p, WaitEnd::Timeout));
                    }
                }
            }
            Ev::ParkedCallGiveUp => {
                let uid = self.uid_in(ev, "Parkee").or_else(|| self.uid_in(ev, ""));
                if let Some(key) = uid.as_deref().and_then(|u| self.channels.get(u)).map(|c| c.call) {
                    if let Some(call) = self.calls.get_mut(&key) {
                        if let Some(p) = call.park.take() {
                            call.parks.push(ParkStay::ended(p, WaitEnd::Hangup));
                        }
                        call.park_returning = false;
                    }
                    self.push_update(key, at_ms, out);
                }
            }
        }
    }

    /// The call of the channel with this Uniqueid.
    fn call_of_mut(&mut self, uid: Option<&str>) -> Option<&mut Call> {
        let key = self.channels.get(uid?)?.call;
        self.calls.get_mut(&key)
    }

    fn note_dialect(&mut self, ev: &Packet) {
        if self.dialect == Dialect::Unknown {
            self.dialect = if ev.get("Linkedid").is_some() { Dialect::Ami2 } else { Dialect::Ami1 };
        }
    }

    fn new_call(&mut self, id: &str, first_uid: &str, at_ms: i64) -> CallKey {
        let key = self.next_key;
        self.next_key += 1;
        self.call_ids.insert(id.into(), key);
        self.calls.insert(
            key,
            Call {
                id: id.into(),
                first_uid: first_uid.into(),
                origin: None,
                caller_num: String::new(),
                caller_name: String::new(),
                origin_kind: EndpointKind::Unknown,
                direction: None,
                trunk: None,
                did: None,
                queue: None,
                dialed: None,
                from_extension: None,
                live: 0,
                rang: Vec::new(),
                answered_by: None,
                answered_by_trunk: None,
                answered_at_ms: None,
                transfers: Vec::new(),
                pending_transfer: None,
                voicemail: false,
                abandoned: false,
                started_at_ms: at_ms,
                slots: Vec::new(),
                answered_elsewhere_for: Vec::new(),
                group_popped: false,
                orphan_leg: false,
                last_cancelled: None,
                relevant: self.watch_all,
                ringing: 0,
                connected: None,
                picked_up_by: None,
                aliases: Vec::new(),
                park: None,
                parks: Vec::new(),
                queue_wait: None,
                park_returning: false,
                in_queue: false,
                consulting: None,
                consulting_for: None,
            },
        );
        key
    }

    /// Makes sure the channel snapshot under `keys` is tracked; returns
    /// false when the event names no channel.
    fn ensure_channel(&mut self, ev: &Packet, keys: &Keys, at_ms: i64) -> bool {
        let Some(uid) = ev.get(keys.uniqueid).filter(|u| !u.is_empty()) else {
            return false;
        };
        if self.channels.contains_key(uid) {
            return true;
        }
        let Some(raw) = ev.get(keys.channel) else {
            return false;
        };
        let Some(name) = ChannelName::parse(raw) else {
            return false;
        };
        let context = ev.get(keys.context).unwrap_or("");
        let exten = ev.get(keys.exten).unwrap_or("");
        let cid_num = ev.get(keys.cid_num).unwrap_or("");
        let cid_name = ev.get(keys.cid_name).unwrap_or("");
        let mut kind = self.classifier.classify(&name);
        // A channel that starts in a trunk context came in on a trunk, even
        // when its endpoint is all digits (FreePBX `SIP/902422277777`),
        // unless the PBX or the user said otherwise.
        if matches!(kind, EndpointKind::Unknown | EndpointKind::Extension)
            && !self.classifier.is_declared(name.endpoint)
            && channel::is_trunk_context(context)
        {
            kind = EndpointKind::Trunk;
        }
        let endpoint: Arc<str> = match kind {
            EndpointKind::Trunk => name.yeastar_trunk().unwrap_or(name.endpoint).into(),
            _ => name.endpoint.into(),
        };

        // Which call: the Linkedid, else the other Local half, else its own.
        let linkedid = ev.get(keys.linkedid).filter(|l| !l.is_empty());
        let mut local_base: Option<Box<str>> = None;
        let key = if let Some(l) = linkedid {
            match self.call_ids.get(l) {
                Some(&k) => k,
                None => self.new_call(l, uid, at_ms),
            }
        } else {
            let partner = if name.local_half.is_some() {
                let base = raw.trim().trim_end_matches(";1").trim_end_matches(";2");
                local_base = Some(base.into());
                match self.local_halves.remove(base) {
                    Some(other) => self.channels.get(&*other).map(|c| c.call),
                    None => {
                        self.local_halves.insert(base.into(), uid.into());
                        None
                    }
                }
            } else {
                None
            };
            match partner {
                Some(k) => k,
                None => self.new_call(uid, uid, at_ms),
            }
        };
        let is_origin;
        {
            let call = self.calls.get_mut(&key).expect("call created above");
            call.live += 1;
            is_origin =
                call.origin.is_none() && (*call.id == *uid || *call.first_uid == *uid) && kind != EndpointKind::Local;
            if is_origin {
                call.origin = Some(uid.into());
                call.origin_kind = kind;
                call.caller_num = if absent(cid_num) { String::new() } else { cid_num.to_owned() };
                call.caller_name = if absent(cid_name) { String::new() } else { cid_name.to_owned() };
                if kind == EndpointKind::Unknown && !absent(cid_num) && cid_num != name.endpoint && !name.is_dahdi() {
                    // A named endpoint that carries someone else's number is a trunk.
                    call.origin_kind = EndpointKind::Trunk;
                    kind = EndpointKind::Trunk;
                }
                if kind == EndpointKind::Trunk {
                    call.trunk = Some(endpoint.to_string());
                    if !absent(exten) && exten != "s" {
                        call.did = Some(exten.to_owned());
                    }
                }
            }
        }
        self.channels.insert(
            uid.into(),
            Chan {
                name: raw.into(),
                call: key,
                kind,
                endpoint,
                up: ev.get("ChannelState").is_some_and(|s| s == "6"),
                leg: LegState::None,
                originate_leg: false,
                dialed_by: None,
                peer_ext: None,
                bridge: None,
                local_base,
                consult: false,
            },
        );
        true
    }

    fn on_callerid(&mut self, ev: &Packet) {
        let Some(uid) = ev.get("Uniqueid") else {
            return;
        };
        let Some(chan) = self.channels.get(uid) else {
            return;
        };
        let num = ev.get("CallerIDNum").unwrap_or("");
        let name = ev.get("CallerIDName").unwrap_or("");
        let key = chan.call;
        if let Some(call) = self.calls.get_mut(&key) {
            if call.origin.as_deref() == Some(uid) {
                if !absent(num) {
                    call.caller_num = num.to_owned();
                }
                if !absent(name) {
                    call.caller_name = name.to_owned();
                }
            }
        }
    }

    fn on_newstate(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(uid) = ev.get("Uniqueid") else {
            return;
        };
        let up = ev.get("ChannelState").map_or_else(
            || ev.get("ChannelStateDesc").or(ev.get("State")).is_some_and(|s| s.eq_ignore_ascii_case("Up")),
            |s| s == "6",
        );
        if !up && ev.get("ChannelState") == Some("5") {
            self.ringing_without_dial(ev, uid, at_ms, out);
            return;
        }
        let Some(chan) = self.channels.get_mut(uid) else {
            return;
        };
        if !up || chan.up {
            return;
        }
        chan.up = true;
        self.answered(uid, at_ms, out);
    }

    /// AMI 1.x: `app_queue` rings a direct member (`SIP/1003`) with no Dial
    /// event; the phone's channel only goes Ringing with the queued caller
    /// on its connected line. It belongs to that caller's queued call.
    fn ringing_without_dial(&mut self, ev: &Packet, uid: &str, at_ms: i64, out: &mut Vec<CardChange>) {
        if self.dialect == Dialect::Ami2 {
            return;
        }
        let Some(chan) = self.channels.get(uid) else {
            return;
        };
        if chan.kind != EndpointKind::Extension || chan.leg != LegState::None || chan.originate_leg {
            return;
        }
        let Some(connected) = ev.get("ConnectedLineNum").filter(|n| !absent(n)) else {
            return;
        };
        let own = chan.call;
        let alone = self.calls.get(&own).is_some_and(|c| c.live == 1 && c.origin.as_deref() == Some(uid));
        if !alone {
            return;
        }
        if let Some(q) = self.queued_call_for(connected, own) {
            self.queue_rings(q, uid, ev, at_ms, out);
        }
    }

    fn on_newexten(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(app) = ev.get("Application") else {
            return;
        };
        let voicemail = app.eq_ignore_ascii_case("VoiceMail");
        let queue = app.eq_ignore_ascii_case("Queue");
        if !voicemail && !queue {
            return;
        }
        let Some(key) = ev.get("Uniqueid").and_then(|u| self.channels.get(u)).map(|c| c.call) else {
            return;
        };
        if voicemail {
            if let Some(call) = self.calls.get_mut(&key) {
                call.voicemail = true;
            }
        } else if let Some(q) = ev.get("AppData").and_then(|d| d.split(',').next()).filter(|q| !q.is_empty()) {
            self.enter_group(key, q, at_ms, out);
        }
    }

    fn on_queue_join(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(q) = ev.get("Queue").filter(|q| !q.is_empty()) else {
            return;
        };
        let Some(key) = ev.get("Uniqueid").and_then(|u| self.channels.get(u)).map(|c| c.call) else {
            return;
        };
        let position = ev.get("Position").and_then(|p| p.trim().parse().ok());
        if let Some(call) = self.calls.get_mut(&key) {
            call.in_queue = true;
            call.queue_wait.get_or_insert(QueueWaitState { queue: q.to_owned(), position, since_ms: at_ms, end: None });
        }
        self.enter_group(key, q, at_ms, out);
    }

    /// The call entered a queue or ring group: remember it, and pop for a
    /// watched group.
    fn enter_group(&mut self, key: CallKey, group: &str, at_ms: i64, out: &mut Vec<CardChange>) {
        let watched_group = self.groups.contains(group);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.queue.is_none() {
            call.queue = Some(group.to_owned());
        }
        if watched_group && !call.group_popped {
            call.group_popped = true;
            call.relevant = true;
            if call.direction.is_none() {
                call.direction = Some(origin_direction(call.origin_kind));
            }
            call.slots.push(Slot::new(group.into(), SlotState::Open));
            let popup = popup_for(call, group, None, at_ms);
            out.push(popup);
        }
    }

    fn on_dial_begin(&mut self, ev: &Packet, dest: &Keys, at_ms: i64, out: &mut Vec<CardChange>) {
        if !self.ensure_channel(ev, dest, at_ms) {
            return;
        }
        let Some(dest_uid) = ev.get(dest.uniqueid) else {
            return;
        };
        // Asterisk 1.4 names the dialing side `Source` / `SrcUniqueID`.
        let src = if ev.get("Channel").is_none() && ev.get("Source").is_some() { &SRC1 } else { &PLAIN };
        let caller_uid = if self.ensure_channel(ev, src, at_ms) { ev.get(src.uniqueid) } else { None };
        let Some(caller_uid) = caller_uid else {
            // No dialing channel: an Originate ringing the user's own phone.
            // Never a popup; the phone's extension is the one placing the call.
            if let Some(chan) = self.channels.get_mut(dest_uid) {
                chan.originate_leg = true;
                let (key, ext, kind) = (chan.call, chan.endpoint.clone(), chan.kind);
                let watched = self.is_watched(&ext);
                if let Some(call) = self.calls.get_mut(&key) {
                    if kind == EndpointKind::Extension && call.from_extension.is_none() {
                        call.from_extension = Some(ext.to_string());
                        call.relevant |= watched;
                    }
                }
            }
            return;
        };
        if caller_uid == dest_uid {
            return;
        }
        let cid_num = ev.get(src.cid_num).filter(|v| !absent(v)).unwrap_or("");
        // AMI 1.x: a queue rings a Local member from a Local pair of its own.
        self.fold_queue_local(caller_uid, cid_num);
        self.join_calls(caller_uid, dest_uid);

        let dialstring = ev.get("DialString").unwrap_or("");
        let caller_key_arc = self.channels.get_key_value(caller_uid).map(|(k, _)| k.clone());
        let Some(caller) = self.channels.get(caller_uid) else {
            return;
        };
        let caller_key = caller.call;
        let caller_kind = caller.kind;
        let caller_ext = caller.endpoint.clone();
        let caller_exten = ev.get("Exten").or(ev.get("Extension")).unwrap_or("");

        let Some(d) = self.channels.get_mut(dest_uid) else {
            return;
        };
        d.dialed_by = caller_key_arc;
        // `908500000000/05346782695` or `5559876543@carrier`: the dial
        // string names the endpoint as a trunk.
        if matches!(d.kind, EndpointKind::Unknown | EndpointKind::Extension)
            && ChannelName::parse(&d.name).is_some_and(|n| {
                !self.classifier.is_declared(n.endpoint) && channel::trunk_in_dialstring(dialstring) == Some(n.endpoint)
            })
        {
            d.kind = EndpointKind::Trunk;
        }
        let mut dest_kind = d.kind;
        if dest_kind == EndpointKind::Unknown && self.watched.contains(&*d.endpoint) {
            dest_kind = EndpointKind::Extension;
            d.kind = dest_kind;
        }
        let dest_ext = d.endpoint.clone();
        match dest_kind {
            EndpointKind::Extension => {
                // Who is dialling: an extension (its own channel, or a Local
                // half carrying its caller ID) that is already talking to
                // someone is consulting a colleague before a transfer.
                let dialer = match caller_kind {
                    EndpointKind::Extension => Some(caller_ext.clone()),
                    EndpointKind::Local if !cid_num.is_empty() => Some(Arc::from(cid_num)),
                    _ => None,
                };
                let consult_key =
                    dialer.as_ref().filter(|x| ***x != *dest_ext).and_then(|x| self.consulting_call(x, caller_key));
                if let (Some(x), Some(key)) = (dialer, consult_key) {
                    if key != caller_key {
                        // The consultation is a call of its own (a phone's
                        // transfer key): it belongs to the caller's call.
                        self.fold_call(caller_key, key);
                    }
                    let name = ev.get(src.cid_name).filter(|v| !absent(v) && cid_num == &*x).map(str::to_owned);
                    self.ring_consultation(key, dest_uid, &x, name, at_ms, out);
                    return;
                }
                self.ring_leg(caller_key, caller_kind, dest_uid, ev, at_ms, out);
            }
            EndpointKind::Trunk => {
                let trunk = dest_ext.to_string();
                let Some(call) = self.calls.get_mut(&caller_key) else {
                    return;
                };
                if call.direction.is_none() {
                    if call.origin_kind == EndpointKind::Trunk {
                        call.direction = Some(Direction::Inbound);
                    } else {
                        call.direction = Some(Direction::Outbound);
                        if caller_kind == EndpointKind::Extension {
                            call.from_extension.get_or_insert_with(|| caller_ext.to_string());
                        }
                        let number = ChannelName::parse(ev.get(dest.channel).unwrap_or(""))
                            .and_then(|n| n.dialed.map(str::to_owned))
                            .or_else(|| dialed_number(dialstring))
                            .or_else(|| (!absent(caller_exten)).then(|| caller_exten.to_owned()));
                        call.dialed = number;
                        call.trunk = Some(trunk);
                        let watched =
                            call.from_extension.as_deref().is_some_and(|e| self.watch_all || self.watched.contains(e));
                        call.relevant |= watched;
                    }
                }
            }
            EndpointKind::Local | EndpointKind::Unknown => {}
        }
    }

    /// An extension leg of the caller's call starts ringing: dialled, or
    /// (AMI 1.x queues) rung by `app_queue` without a Dial event. Pops at a
    /// watched extension, and works out who moved the call here.
    fn ring_leg(
        &mut self,
        caller_key: CallKey,
        caller_kind: EndpointKind,
        dest_uid: &str,
        ev: &Packet,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let caller_peer = self
            .channels
            .get(self.channels.get(dest_uid).and_then(|d| d.dialed_by.as_deref()).unwrap_or(""))
            .and_then(|c| c.peer_ext.clone());
        let Some(d) = self.channels.get_mut(dest_uid) else {
            return;
        };
        d.leg = LegState::Ringing;
        let dest_ext = d.endpoint.clone();
        let watched = self.is_watched(&dest_ext);
        let Some(call) = self.calls.get_mut(&caller_key) else {
            return;
        };
        if call.direction.is_none() {
            call.direction = Some(origin_direction(call.origin_kind));
            if call.origin_kind == EndpointKind::Extension {
                let placed_by = self.channels.get(call.origin.as_deref().unwrap_or("")).map(|c| c.endpoint.to_string());
                call.from_extension = call.from_extension.take().or(placed_by);
            }
        }
        if call.caller_num.is_empty() && call.caller_name.is_empty() {
            // The origin was never seen (started before we connected).
            call.caller_num = ev.get("CallerIDNum").filter(|v| !absent(v)).unwrap_or("").to_owned();
            call.caller_name = ev.get("CallerIDName").filter(|v| !absent(v)).unwrap_or("").to_owned();
        }
        call.ringing += 1;
        if !call.rang.iter().any(|r| *r == *dest_ext) {
            call.rang.push(dest_ext.to_string());
        }
        // A parked call nobody retrieved rings its parker again (dialled
        // from `park-dial`, after ParkedCallTimeOut).
        let from_park_dial = ev.get("Context").is_some_and(|c| c.eq_ignore_ascii_case("park-dial"));
        let park_return = if call.park_returning || from_park_dial { call.park.take() } else { None };
        if let Some(p) = &park_return {
            match call.parks.last_mut().filter(|s| s.end == WaitEnd::Timeout && s.returned_to.is_none()) {
                Some(stay) => stay.returned_to = Some(dest_ext.to_string()),
                // ParkedCallTimeOut not seen (yet): the dial from park-dial says it.
                None => call.parks.push(ParkStay {
                    returned_to: Some(dest_ext.to_string()),
                    ..ParkStay::ended(p.clone(), WaitEnd::Timeout)
                }),
            }
        }
        call.park_returning = false;
        // Who moved the call here: a transfer event, or a Redirect (the
        // dialing channel was talking to another extension).
        let transferred_by = if let Some(p) = call.pending_transfer.take() {
            if let Some(t) = call.transfers.last_mut() {
                if t.to.is_empty() {
                    t.to = dest_ext.to_string();
                }
            }
            p.by
        } else if park_return.is_none() && call.answered_by.is_some() && caller_kind != EndpointKind::Local {
            match caller_peer {
                Some(peer) if *peer != *dest_ext => {
                    call.transfers.push(Transfer {
                        by: Some(peer.to_string()),
                        to: dest_ext.to_string(),
                        kind: TransferKind::Blind,
                        at_ms,
                    });
                    Some(peer.to_string())
                }
                _ => None,
            }
        } else {
            None
        };
        // A ringing call moved elsewhere before anyone answered.
        let moved_from = call.last_cancelled.take().filter(|from| {
            transferred_by.is_none()
                && call.queue.is_none()
                && call.answered_by.is_none()
                && caller_kind != EndpointKind::Local
                && **from != *dest_ext
        });
        if let Some(from) = &moved_from {
            call.transfers.push(Transfer { by: None, to: dest_ext.to_string(), kind: TransferKind::Blind, at_ms });
            for slot in call.slots.iter_mut().filter(|s| s.ext == *from && s.state == SlotState::Pending) {
                slot.state = SlotState::Closed;
                out.push(CardChange::Close {
                    call: call.id.to_string(),
                    extension: slot.ext.to_string(),
                    reason: CloseReason::Transferred,
                    answered_by: None,
                    at_ms,
                });
            }
        }
        if watched {
            call.relevant = true;
            let mut popup = match call.slots.iter_mut().find(|s| *s.ext == *dest_ext && !s.consult) {
                Some(slot) if slot.state != SlotState::Closed => {
                    // Still shown (queue retry): ringing again, no second popup.
                    slot.state = SlotState::Open;
                    None
                }
                Some(slot) if transferred_by.is_none() => {
                    slot.state = SlotState::Open;
                    Some(popup_for(call, &dest_ext, None, at_ms))
                }
                _ => {
                    call.slots.push(Slot::new(dest_ext.clone(), SlotState::Open));
                    Some(popup_for(call, &dest_ext, transferred_by.clone(), at_ms))
                }
            };
            if let (Some(CardChange::Popup { park_return: pr, park_slot, parked_by, .. }), Some(spot)) =
                (&mut popup, &park_return)
            {
                *pr = true;
                *park_slot = Some(spot.slot.clone());
                *parked_by = spot.parked_by.clone();
            }
            out.extend(popup);
        }
        if (transferred_by.is_some() || moved_from.is_some() || park_return.is_some()) && call.relevant {
            self.push_update(caller_key, at_ms, out);
        }
    }

    /// The live call, other than `except`, in which extension `x` is talking
    /// to someone: the one a new dial by `x` consults for.
    fn consulting_call(&self, x: &str, except: CallKey) -> Option<CallKey> {
        // Its own call first (an `Atxfer` dials inside the caller's call).
        let talking = |c: &Call| c.connected.as_deref() == Some(x) && c.consulting.is_none();
        if self.calls.get(&except).is_some_and(|c| talking(c)) {
            return Some(except);
        }
        // A call of its own that is nothing yet (no popup, nobody answered)
        // while `x` talks in another one: the phone's own transfer key.
        // (A 1.x `Atxfer` dials through a Local pair of its own: no origin.)
        let fresh = self.calls.get(&except).is_some_and(|c| {
            c.slots.is_empty()
                && c.answered_by.is_none()
                && c.rang.is_empty()
                && (c.origin_kind == EndpointKind::Extension || c.origin.is_none())
        });
        if !fresh {
            return None;
        }
        self.calls.iter().filter(|(k, c)| **k != except && talking(c)).map(|(k, _)| *k).min()
    }

    /// Rings the consulted colleague: a popup from the transferring
    /// extension, naming the caller who waits.
    fn ring_consultation(
        &mut self,
        key: CallKey,
        dest_uid: &str,
        by: &str,
        by_name: Option<String>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(d) = self.channels.get_mut(dest_uid) else {
            return;
        };
        d.leg = LegState::Ringing;
        d.consult = true;
        let to = d.endpoint.clone();
        let watched = self.is_watched(&to);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let waiting = Party {
            caller_num: call.caller_num.clone(),
            caller_name: (!call.caller_name.is_empty()).then(|| call.caller_name.clone()),
        };
        call.consulting = Some(Consultation { by: by.to_owned(), to: to.to_string(), answered: false });
        call.consulting_for = Some(waiting.clone());
        if watched {
            call.relevant = true;
            call.slots.retain(|s| !(s.consult && *s.ext == *to && s.state == SlotState::Closed));
            call.slots.push(Slot { ext: to.clone(), state: SlotState::Open, consult: true });
            out.push(CardChange::Popup {
                call: call.id.to_string(),
                extension: to.to_string(),
                caller_num: by.to_owned(),
                caller_name: by_name,
                direction: Direction::Internal,
                trunk: None,
                did: None,
                queue: None,
                transferred_by: None,
                consultation: true,
                consulting_for: Some(waiting),
                park_return: false,
                park_slot: None,
                parked_by: None,
                at_ms,
            });
        }
        self.push_update(key, at_ms, out);
    }

    /// Folds call `from` (nothing of its own worth keeping: a consultation's
    /// or a pickup's own channel) into call `into`: its channels move, its
    /// id becomes an alias, and it never ends on its own.
    fn fold_call(&mut self, from: CallKey, into: CallKey) {
        if from == into || !self.calls.contains_key(&into) {
            return;
        }
        let Some(old) = self.calls.remove(&from) else {
            return;
        };
        let mut moved = 0;
        for c in self.channels.values_mut().filter(|c| c.call == from) {
            c.call = into;
            moved += 1;
        }
        if let Some(call) = self.calls.get_mut(&into) {
            call.live += moved;
            call.ringing += old.ringing;
            call.relevant |= old.relevant && !old.slots.is_empty();
            if let Some(&k) = self.call_ids.get(&old.id) {
                if k == from {
                    self.call_ids.insert(old.id.clone(), into);
                }
            }
            call.aliases.push(old.id);
            for a in old.aliases {
                self.call_ids.insert(a.clone(), into);
                call.aliases.push(a);
            }
        }
    }

    /// AMI 1.x: a queue rings a Local member through a Local pair that is a
    /// call of its own (no Dial from the caller). Its `;2` half dials with
    /// the queued caller's number: that pair belongs to the queued call.
    fn fold_queue_local(&mut self, caller_uid: &str, cid_num: &str) {
        if cid_num.is_empty() {
            return;
        }
        let Some(chan) = self.channels.get(caller_uid).filter(|c| c.kind == EndpointKind::Local) else {
            return;
        };
        let from = chan.call;
        let fresh =
            self.calls.get(&from).is_some_and(|c| c.origin.is_none() && c.slots.is_empty() && c.rang.is_empty());
        if !fresh {
            return;
        }
        if let Some(into) = self.queued_call_for(cid_num, from) {
            self.fold_call(from, into);
        }
    }

    /// The call waiting in a queue, unanswered, whose caller has this number.
    fn queued_call_for(&self, caller_num: &str, except: CallKey) -> Option<CallKey> {
        self.calls
            .iter()
            .filter(|(k, c)| **k != except && c.in_queue && c.answered_by.is_none() && c.caller_num == caller_num)
            .map(|(k, _)| *k)
            .max()
    }

    /// AMI 1.x: the dialled channel (and its Local partner) joins the
    /// caller's call. AMI 2+ channels already share the Linkedid.
    fn join_calls(&mut self, caller_uid: &str, dest_uid: &str) {
        let (Some(a), Some(b)) = (self.channels.get(caller_uid), self.channels.get(dest_uid)) else {
            return;
        };
        let (to, from) = (a.call, b.call);
        if to == from {
            return;
        }
        // Only a call that is nothing yet (a freshly created channel), or a
        // leg adopted at resync without its caller, may be folded in.
        let foldable = self.calls.get(&from).is_some_and(|c| {
            (c.slots.is_empty() && c.answered_by.is_none() && c.rang.is_empty())
                || (c.orphan_leg && c.answered_by.is_none())
        });
        if !foldable {
            return;
        }
        let Some(old) = self.calls.remove(&from) else {
            return;
        };
        self.call_ids.remove(&old.id);
        if let Some(call) = self.calls.get_mut(&to) {
            // An adopted leg's popup stays the one popup for that extension.
            for slot in old.slots {
                if !call.slots.iter().any(|s| s.ext == slot.ext) {
                    call.slots.push(slot);
                }
            }
            for r in old.rang {
                if !call.rang.contains(&r) {
                    call.rang.push(r);
                }
            }
            call.ringing += old.ringing;
            call.relevant |= old.relevant;
        }
        let moved = if old.live <= 1 {
            if let Some(c) = self.channels.get_mut(dest_uid) {
                c.call = to;
            }
            1
        } else {
            let mut n = 0;
            for c in self.channels.values_mut().filter(|c| c.call == from) {
                c.call = to;
                n += 1;
            }
            n
        };
        if let Some(call) = self.calls.get_mut(&to) {
            call.live += moved;
        }
    }

    fn on_dial_end(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let status = ev.get("DialStatus").unwrap_or("");
        if let Some(dest) = ev.get("DestUniqueid").or(ev.get("DestUniqueID")).filter(|d| !d.is_empty()) {
            if status.eq_ignore_ascii_case("ANSWER") {
                self.answered(dest, at_ms, out);
            } else {
                self.leg_stopped(dest, cancel_like(status), at_ms, out);
            }
            return;
        }
        // AMI 1.x: Dial End names only the dialing channel.
        if status.eq_ignore_ascii_case("ANSWER") {
            return;
        }
        let Some(caller) = ev.get("Uniqueid") else {
            return;
        };
        let legs: Vec<Arc<str>> = self
            .channels
            .iter()
            .filter(|(_, c)| c.leg == LegState::Ringing && c.dialed_by.as_deref() == Some(caller))
            .map(|(u, _)| u.clone())
            .collect();
        for leg in legs {
            self.leg_stopped(&leg, cancel_like(status), at_ms, out);
        }
    }

    fn on_bridge_enter(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let (Some(uid), Some(bridge)) = (ev.get("Uniqueid"), ev.get("BridgeUniqueid")) else {
            return;
        };
        if !self.channels.contains_key(uid) {
            return;
        }
        // Take the member list out (keeping its key) so the peers can be
        // updated without cloning it; nothing here allocates for a known bridge.
        let (key, mut members) = self.bridges.remove_entry(bridge).unwrap_or_else(|| (bridge.into(), Vec::new()));
        for other in &members {
            self.note_peers(uid, other);
        }
        if let Some(uid_key) = self.channels.get_key_value(uid).map(|(k, _)| k.clone()) {
            members.push(uid_key);
        }
        if let Some(c) = self.channels.get_mut(uid) {
            c.bridge = Some(key.clone());
        }
        self.bridges.insert(key, members);
        if self.channels.get(uid).is_some_and(|c| c.leg == LegState::Ringing) {
            self.answered(uid, at_ms, out);
        }
    }

    fn on_bridge_leave(&mut self, ev: &Packet) {
        let (Some(uid), Some(bridge)) = (ev.get("Uniqueid"), ev.get("BridgeUniqueid")) else {
            return;
        };
        self.leave_bridge(uid, bridge);
    }

    fn leave_bridge(&mut self, uid: &str, bridge: &str) {
        if let Some(members) = self.bridges.get_mut(bridge) {
            members.retain(|m| **m != *uid);
            if members.is_empty() {
                self.bridges.remove(bridge);
            }
        }
        if let Some(c) = self.channels.get_mut(uid) {
            if c.bridge.as_deref() == Some(bridge) {
                c.bridge = None;
            }
        }
    }

    /// Two channels talk to each other: each remembers the other's extension.
    fn note_peers(&mut self, a: &str, b: &str) {
        let ext_of = |c: &Chan| (c.kind == EndpointKind::Extension).then(|| c.endpoint.clone());
        let (ea, eb) = match (self.channels.get(a), self.channels.get(b)) {
            (Some(x), Some(y)) => (ext_of(x), ext_of(y)),
            _ => return,
        };
        if let (Some(e), Some(c)) = (eb, self.channels.get_mut(a)) {
            c.peer_ext = Some(e);
        }
        if let (Some(e), Some(c)) = (ea, self.channels.get_mut(b)) {
            c.peer_ext = Some(e);
        }
    }

    /// AMI 1.x `Bridge` (Link) and 1.4 `Link`.
    fn on_link(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let (Some(a), Some(b)) = (ev.get("Uniqueid1"), ev.get("Uniqueid2")) else {
            return;
        };
        self.note_peers(a, b);
        for uid in [a, b] {
            if self.channels.get(uid).is_some_and(|c| c.leg == LegState::Ringing) {
                self.answered(uid, at_ms, out);
            }
        }
    }

    /// AMI 1.8 `LocalBridge`: the two Local halves belong to one call.
    fn on_local_bridge(&mut self, ev: &Packet) {
        if let (Some(a), Some(b)) = (ev.get("Uniqueid1"), ev.get("Uniqueid2")) {
            self.join_calls(a, b);
        }
    }

    fn on_rename(&mut self, ev: &Packet) {
        let (Some(uid), Some(new)) = (ev.get("Uniqueid"), ev.get("Newname").or(ev.get("NewName"))) else {
            return;
        };
        let renamed = ChannelName::parse(new).filter(|n| !n.wrapped && !n.is_local()).map(|n| n.endpoint);
        if let Some(c) = self.channels.get_mut(uid) {
            c.name = new.into();
            // After a masquerade the channel is another phone's (a 1.x pickup).
            if let Some(ep) = renamed.filter(|_| c.kind == EndpointKind::Extension) {
                c.endpoint = ep.into();
            }
        }
    }

    /// A dialled leg (or a trunk leg) was answered.
    fn answered(&mut self, uid: &str, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(chan) = self.channels.get_mut(uid) else {
            return;
        };
        let key = chan.call;
        match (chan.kind, chan.leg) {
            (EndpointKind::Extension, LegState::Ringing) if chan.consult => {
                // The colleague took the consultation: the caller still waits.
                chan.leg = LegState::Answered;
                let ext = chan.endpoint.clone();
                let Some(call) = self.calls.get_mut(&key) else {
                    return;
                };
                call.ringing = call.ringing.saturating_sub(1);
                if let Some(c) = call.consulting.as_mut().filter(|c| *c.to == *ext) {
                    c.answered = true;
                }
                for slot in call.slots.iter_mut().filter(|s| s.consult && s.ext == ext && s.state == SlotState::Open) {
                    slot.state = SlotState::Talking;
                }
                self.push_update(key, at_ms, out);
            }
            (EndpointKind::Extension, LegState::Ringing) => {
                chan.leg = LegState::Answered;
                let ext = chan.endpoint.to_string();
                let Some(call) = self.calls.get_mut(&key) else {
                    return;
                };
                call.ringing = call.ringing.saturating_sub(1);
                call.connected = Some(ext.clone());
                call.answered_by = Some(ext.clone());
                call.end_queue_wait(WaitEnd::Answered, at_ms);
                call.answered_at_ms.get_or_insert(at_ms);
                if self.watch_all || self.watched.contains(&ext) {
                    call.relevant = true;
                }
                for slot in call.slots.iter_mut().filter(|s| !s.consult) {
                    if matches!(slot.state, SlotState::Open | SlotState::Pending) {
                        let mine = *slot.ext == *ext;
                        slot.state = SlotState::Closed;
                        if !mine {
                            call.answered_elsewhere_for.push(slot.ext.to_string());
                        }
                        out.push(CardChange::Close {
                            call: call.id.to_string(),
                            extension: slot.ext.to_string(),
                            reason: if mine { CloseReason::Answered } else { CloseReason::AnsweredElsewhere },
                            answered_by: Some(ext.clone()),
                            at_ms,
                        });
                    }
                }
                // The other phones stop ringing; their CANCEL will follow.
                let others: Vec<Arc<str>> = self
                    .channels
                    .iter()
                    .filter(|(u, c)| c.call == key && c.leg == LegState::Ringing && !c.consult && ***u != *uid)
                    .map(|(u, _)| u.clone())
                    .collect();
                for o in others {
                    if let Some(c) = self.channels.get_mut(&*o) {
                        c.leg = LegState::Ended;
                    }
                    if let Some(call) = self.calls.get_mut(&key) {
                        call.ringing = call.ringing.saturating_sub(1);
                    }
                }
                self.push_update(key, at_ms, out);
            }
            (EndpointKind::Trunk, _) if chan.dialed_by.is_some() && !chan.originate_leg => {
                let trunk = chan.endpoint.to_string();
                let Some(call) = self.calls.get_mut(&key) else {
                    return;
                };
                if call.direction == Some(Direction::Outbound) && call.answered_by_trunk.is_none() {
                    call.answered_by_trunk = Some(trunk);
                    call.answered_at_ms.get_or_insert(at_ms);
                    self.push_update(key, at_ms, out);
                }
            }
            _ => {}
        }
    }

    /// A ringing leg stopped without being answered. `cancelled` means the
    /// caller side stopped it (someone else may have answered, or the call
    /// is moving on), so the popup waits to be resolved.
    fn leg_stopped(&mut self, uid: &str, cancelled: bool, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(chan) = self.channels.get_mut(uid) else {
            return;
        };
        if chan.leg != LegState::Ringing {
            return;
        }
        chan.leg = LegState::Ended;
        let (key, ext) = (chan.call, chan.endpoint.clone());
        if chan.consult {
            // Declined, or cancelled by the transferring extension.
            if let Some(call) = self.calls.get_mut(&key) {
                call.ringing = call.ringing.saturating_sub(1);
            }
            self.end_consultation(key, &ext, at_ms, out);
            return;
        }
        let still_ringing_here =
            self.channels.values().any(|c| c.call == key && c.leg == LegState::Ringing && c.endpoint == ext);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.ringing = call.ringing.saturating_sub(1);
        if cancelled && call.answered_by.is_none() {
            call.last_cancelled = Some(ext.clone());
        }
        if still_ringing_here {
            return;
        }
        let Some(slot) = call.slots.iter_mut().find(|s| *s.ext == *ext && !s.consult && s.state == SlotState::Open)
        else {
            return;
        };
        if let Some(by) = call.answered_by.clone() {
            slot.state = SlotState::Closed;
            call.answered_elsewhere_for.push(ext.to_string());
            out.push(CardChange::Close {
                call: call.id.to_string(),
                extension: ext.to_string(),
                reason: CloseReason::AnsweredElsewhere,
                answered_by: Some(by),
                at_ms,
            });
        } else if cancelled || call.queue.is_some() {
            slot.state = SlotState::Pending;
        } else {
            slot.state = SlotState::Closed;
            out.push(CardChange::Close {
                call: call.id.to_string(),
                extension: ext.to_string(),
                reason: CloseReason::Missed,
                answered_by: None,
                at_ms,
            });
        }
    }

    fn on_hangup(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(uid) = ev.get("Uniqueid") else {
            return;
        };
        if !self.channels.contains_key(uid) {
            return;
        }
        // Cause 26 is "answered elsewhere"; 0/16/127 after the caller left.
        let cause = ev.get("Cause").unwrap_or("");
        self.leg_stopped(uid, cause == "26", at_ms, out);
        self.drop_channel(uid, at_ms, false, out);
    }

    /// Forgets a channel; ends its call when it was the last one.
    fn drop_channel(&mut self, uid: &str, at_ms: i64, offline: bool, out: &mut Vec<CardChange>) {
        let Some(chan) = self.channels.remove(uid) else {
            return;
        };
        if chan.consult {
            self.end_consultation(chan.call, &chan.endpoint, at_ms, out);
        }
        if let Some(b) = chan.bridge.as_deref() {
            if let Some(members) = self.bridges.get_mut(b) {
                members.retain(|m| **m != *uid);
                if members.is_empty() {
                    self.bridges.remove(b);
                }
            }
        }
        if let Some(base) = chan.local_base.as_deref() {
            if self.local_halves.get(base).is_some_and(|u| **u == *uid) {
                self.local_halves.remove(base);
            }
        }
        let key = chan.call;
        let done = match self.calls.get_mut(&key) {
            Some(call) => {
                call.live = call.live.saturating_sub(1);
                call.live == 0
            }
            None => false,
        };
        if done {
            self.finish_call(key, at_ms, offline, out);
        }
    }

    fn finish_call(&mut self, key: CallKey, at_ms: i64, offline: bool, out: &mut Vec<CardChange>) {
        let Some(mut call) = self.calls.remove(&key) else {
            return;
        };
        self.call_ids.remove(&call.id);
        for a in &call.aliases {
            self.call_ids.remove(a);
        }
        self.shrink_if_idle();
        let answered = call.answered_by.is_some();
        for slot in call.slots.iter_mut() {
            if slot.state == SlotState::Closed {
                continue;
            }
            let reason = match (slot.state, call.answered_by.as_deref()) {
                _ if slot.consult => CloseReason::ConsultationEnded,
                (SlotState::Talking, _) => CloseReason::Ended,
                (_, Some(by)) if by == &*slot.ext => CloseReason::Ended,
                (_, Some(_)) => {
                    call.answered_elsewhere_for.push(slot.ext.to_string());
                    CloseReason::AnsweredElsewhere
                }
                (_, None) => CloseReason::Missed,
            };
            slot.state = SlotState::Closed;
            out.push(CardChange::Close {
                call: call.id.to_string(),
                extension: slot.ext.to_string(),
                reason,
                answered_by: call.answered_by.clone(),
                at_ms,
            });
        }
        if !call.relevant {
            return;
        }
        // A consultation popup is not the caller's call ringing there.
        let rang_here = call.slots.iter().any(|s| !s.consult);
        let placed_by_user = call.from_extension.as_deref().is_some_and(|e| self.is_watched(e));
        let answered_here = call.answered_by.as_deref().is_some_and(|e| self.is_watched(e));
        let outcome = if answered || call.answered_by_trunk.is_some() {
            if answered_here || placed_by_user || !rang_here {
                Outcome::Answered
            } else {
                Outcome::AnsweredElsewhere
            }
        } else if call.voicemail {
            Outcome::Voicemail
        } else if call.abandoned {
            Outcome::Abandoned
        } else if rang_here {
            Outcome::Missed
        } else {
            Outcome::Unanswered
        };
        let direction = call.direction.unwrap_or_else(|| origin_direction(call.origin_kind));
        let answered_label =
            call.answered_by.clone().or_else(|| call.answered_by_trunk.as_ref().map(|t| format!("trunk {t}")));
        let record = CallRecord {
            call_id: call.id.to_string(),
            uniqueid: call.first_uid.to_string(),
            direction,
            remote_num: if direction == Direction::Outbound {
                call.dialed.clone().unwrap_or_default()
            } else {
                call.caller_num.clone()
            },
            remote_name: if direction == Direction::Outbound || call.caller_name.is_empty() {
                None
            } else {
                Some(call.caller_name.clone())
            },
            from_extension: call.from_extension.clone(),
            trunk: call.trunk.clone(),
            did: call.did.clone().or_else(|| call.queue.clone()),
            rang: call.rang.clone(),
            answered_by: call
                .answered_by
                .clone()
                .or_else(|| call.answered_by_trunk.as_ref().and(call.from_extension.clone())),
            transfers: call.transfers.clone(),
            outcome,
            started_at_ms: call.started_at_ms,
            answered_at_ms: call.answered_at_ms,
            ended_at_ms: at_ms,
            ended_offline: offline,
        };
        out.push(CardChange::Ended {
            call: call.id.to_string(),
            answered_by: answered_label,
            // A caller who gave up waiting in a queue was missed too, though
            // no phone may have rung.
            missed: (rang_here || call.abandoned) && !answered,
            answered_elsewhere_for: call.answered_elsewhere_for.clone(),
            picked_up_by: call.picked_up_by.clone(),
            queue: call.queue_wait.as_ref().map(|w| QueueWait {
                queue: w.queue.clone(),
                position: w.position,
                // A caller still queued when the call ended hung up waiting.
                end: w.end.map_or(if answered { WaitEnd::Answered } else { WaitEnd::Abandoned }, |(e, _)| e),
                waited_ms: w.end.map_or(at_ms, |(_, t)| t) - w.since_ms,
            }),
            parks: {
                let mut parks = std::mem::take(&mut call.parks);
                // Still parked when the call ended: the caller hung up there.
                // (One that timed out is already listed, on its way back.)
                parks.extend(call.park.take().filter(|_| !call.park_returning).map(|p| ParkStay::ended(p, WaitEnd::Hangup)));
                parks
            },
            ended_offline: offline,
            record,
        });
    }

    /// A consultation is over without a transfer (declined, cancelled, or
    /// the colleague hung up): the colleague's popup goes, and the caller's
    /// card is the transferring extension's again. Idempotent.
    fn end_consultation(&mut self, key: CallKey, ext: &str, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let mut changed = false;
        if call.consulting.as_ref().is_some_and(|c| c.to == ext) {
            call.consulting = None;
            call.consulting_for = None;
            changed = true;
        }
        for slot in call.slots.iter_mut().filter(|s| s.consult && &*s.ext == ext && s.state != SlotState::Closed) {
            slot.state = SlotState::Closed;
            changed = true;
            out.push(CardChange::Close {
                call: call.id.to_string(),
                extension: ext.to_owned(),
                reason: CloseReason::ConsultationEnded,
                answered_by: None,
                at_ms,
            });
        }
        if changed {
            self.push_update(key, at_ms, out);
        }
    }

    /// The transferring extension hands the caller to the colleague it
    /// consulted (`AttendedTransfer`, chan_sip's attended `Transfer`, or the
    /// masquerade of a 1.x feature transfer). False when no consultation was
    /// in progress in this call.
    fn complete_consultation(
        &mut self,
        key: CallKey,
        target_uid: Option<&str>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) -> bool {
        let Some(cons) = self.calls.get(&key).and_then(|c| c.consulting.clone()) else {
            return false;
        };
        let named =
            target_uid.filter(|u| self.channels.get(*u).is_some_and(|c| c.call == key && c.consult)).map(str::to_owned);
        let leg = named.or_else(|| {
            self.channels
                .iter()
                .filter(|(_, c)| c.call == key && c.consult && *c.endpoint == *cons.to)
                .map(|(u, _)| u.to_string())
                .min()
        });
        let mut ringing = false;
        if let Some(c) = leg.as_deref().and_then(|u| self.channels.get_mut(u)) {
            c.consult = false;
            ringing = c.leg == LegState::Ringing;
        }
        let Some(call) = self.calls.get_mut(&key) else {
            return false;
        };
        call.consulting = None;
        call.consulting_for = None;
        call.transfers.push(Transfer {
            by: Some(cons.by.clone()),
            to: cons.to.clone(),
            kind: TransferKind::Attended,
            at_ms,
        });
        if !call.rang.contains(&cons.to) {
            call.rang.push(cons.to.clone());
        }
        for slot in call.slots.iter_mut().filter(|s| s.consult && *s.ext == *cons.to && s.state != SlotState::Closed) {
            // Her colleague's card is now the caller's card.
            slot.consult = false;
            slot.state = if ringing { SlotState::Open } else { SlotState::Talking };
        }
        if !ringing {
            call.answered_by = Some(cons.to.clone());
            call.connected = Some(cons.to.clone());
            call.answered_at_ms.get_or_insert(at_ms);
        }
        self.push_update(key, at_ms, out);
        true
    }

    /// `Pickup`: the channel in `Channel`/`Uniqueid` took the ringing
    /// channel named with the `Target` prefix.
    fn on_pickup(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let picker = self.uid_in(ev, "");
        let target = self.uid_in(ev, "Target");
        if let (Some(p), Some(t)) = (picker, target) {
            self.picked_up(&p, &t, at_ms, out);
        }
    }

    /// AMI 1.x `Masquerade`: the `Clone` channel takes the place of the
    /// `Original`. A phone's channel cloned into a ringing leg of another
    /// call is a pickup (Asterisk 1.8 sends no `Pickup` event; 11 sends one
    /// first, and then the leg has already stopped ringing here).
    fn on_masquerade(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let by_name = |t: &Self, key: &str| {
            let name = ev.get(key)?;
            t.channels.iter().find(|(_, c)| &*c.name == name).map(|(u, _)| u.clone())
        };
        let (Some(clone), Some(original)) = (by_name(self, "Clone"), by_name(self, "Original")) else { return };
        if self.channels.get(&*original).is_some_and(|o| o.leg == LegState::Ringing && !o.consult) {
            self.picked_up(&clone, &original, at_ms, out);
            return;
        }
        self.take_identity(&clone, &original, at_ms, out);
    }

    /// AMI 1.x masquerade of `clone` into `original` (not a pickup): the
    /// original's Uniqueid carries on as the clone's channel, under the
    /// clone's name, and the clone's old Uniqueid hangs up as a zombie.
    /// `Transfered/…` (a feature transfer), `Parked/…`, `AsyncGoto/…`, and a
    /// phone's consultative transfer all look like this. When the caller
    /// moves while a consultation has been answered, the transfer is done.
    fn take_identity(&mut self, clone: &str, original: &str, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(c) = self.channels.get(clone) else { return };
        let (key, kind, endpoint, up, leg, consult) = (c.call, c.kind, c.endpoint.clone(), c.up, c.leg, c.consult);
        let Some(o) = self.channels.get(original) else { return };
        let from = o.call;
        if from != key {
            let fresh =
                self.calls.get(&from).is_some_and(|c| c.slots.is_empty() && c.rang.is_empty() && c.answered_by.is_none());
            if !fresh {
                return;
            }
            self.fold_call(from, key);
        }
        let original_key = self.channels.get_key_value(original).map(|(k, _)| k.clone());
        if let Some(o) = self.channels.get_mut(original) {
            o.kind = kind;
            o.endpoint = endpoint;
            o.up = up;
            o.leg = leg;
            o.consult = consult;
        }
        if let Some(c) = self.channels.get_mut(clone) {
            c.leg = LegState::None;
            c.consult = false;
        }
        let Some(call) = self.calls.get_mut(&key) else { return };
        let caller_moved = call.origin.as_deref() == Some(clone);
        if caller_moved {
            call.origin = original_key.map(|k| k.to_string().into());
        }
        let consulted = call.consulting.as_ref().is_some_and(|c| c.answered);
        if caller_moved && consulted {
            self.complete_consultation(key, None, at_ms, out);
        }
    }

    /// The phone behind `picker` took `target`, a leg ringing at another
    /// extension: the call is answered by the picker, the ringing phone's
    /// popup closes as answered elsewhere, and the picker's own channel
    /// (its feature-code call, or the Originate that ran `Pickup`) becomes
    /// part of the call instead of a call of its own.
    fn picked_up(&mut self, picker: &str, target: &str, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(t) = self.channels.get(target).filter(|c| c.leg == LegState::Ringing && !c.consult) else {
            return;
        };
        let (key, dialed_by) = (t.call, t.dialed_by.clone());
        let Some(p) = self.channels.get(picker).filter(|c| c.kind == EndpointKind::Extension) else {
            return;
        };
        let from = p.call;
        let ext = p.endpoint.to_string();
        if from != key {
            let foldable = self
                .calls
                .get(&from)
                .is_some_and(|c| c.slots.is_empty() && c.rang.is_empty() && c.answered_by.is_none());
            if !foldable {
                return;
            }
            self.fold_call(from, key);
        }
        if let Some(c) = self.channels.get_mut(picker) {
            c.leg = LegState::Ringing;
            c.dialed_by = dialed_by;
        }
        if let Some(call) = self.calls.get_mut(&key) {
            call.ringing += 1;
            call.picked_up_by = Some(ext);
        }
        self.answered(picker, at_ms, out);
    }

    /// `ParkedCall`: the caller waits in a parking space.
    fn on_parked(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let parkee = self.uid_in(ev, "Parkee").or_else(|| self.uid_in(ev, ""));
        let Some(key) = parkee.as_deref().and_then(|u| self.channels.get(u)).map(|c| c.call) else {
            return;
        };
        let Some(slot) = ev.get("ParkingSpace").or(ev.get("Exten")).filter(|s| !absent(s)) else {
            return;
        };
        // 12+: `ParkerDialString: PJSIP/1001`; 1.x: `From: SIP/1001-0000000c`.
        let parker = ev
            .get("ParkerDialString")
            .or(ev.get("From"))
            .and_then(ChannelName::parse)
            .filter(|n| {
                self.classifier.classify(n) == EndpointKind::Extension || n.endpoint.bytes().all(|b| b.is_ascii_digit())
            })
            .map(|n| n.endpoint.to_owned());
        let lot = ev.get("Parkinglot").or(ev.get("ParkingLot")).filter(|l| !absent(l)).map(str::to_owned);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let parked_by = parker.or_else(|| call.connected.clone());
        call.park = Some(ParkSpot { slot: slot.to_owned(), lot, parked_by });
        call.park_returning = false;
        // A blind transfer to the parking extension ends here, not at the
        // next phone that rings (that is the parker, if nobody retrieves it).
        call.pending_transfer = None;
        call.connected = None;
        self.push_update(key, at_ms, out);
    }

    /// `UnParkedCall`: someone retrieved the parked caller. The retriever's
    /// own channel (the call that dialled the space) joins the caller's call.
    fn on_unparked(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let parkee = self.uid_in(ev, "Parkee").or_else(|| self.uid_in(ev, ""));
        let Some(key) = parkee.as_deref().and_then(|u| self.channels.get(u)).map(|c| c.call) else {
            return;
        };
        // 12+: `Retriever…` snapshot; 1.x: `From` names the retriever's channel.
        let retriever = self.uid_in(ev, "Retriever").or_else(|| {
            let name = ev.get("From")?;
            self.channels.iter().find(|(_, c)| &*c.name == name).map(|(u, _)| u.clone())
        });
        let mut by = None;
        if let Some(r) = retriever.as_deref() {
            let from = self.channels.get(r).map(|c| c.call);
            if let Some(from) = from.filter(|f| *f != key) {
                let foldable = self.calls.get(&from).is_some_and(|c| c.slots.is_empty() && c.rang.is_empty());
                if foldable {
                    self.fold_call(from, key);
                }
            }
            if let Some(c) = self.channels.get_mut(r).filter(|c| c.kind == EndpointKind::Extension && c.call == key) {
                c.leg = LegState::Answered;
                by = Some(c.endpoint.to_string());
            }
        }
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if let Some(p) = call.park.take() {
            call.parks.push(ParkStay { retrieved_by: by.clone(), ..ParkStay::ended(p, WaitEnd::Retrieved) });
        }
        call.park_returning = false;
        call.connected = by;
        self.push_update(key, at_ms, out);
    }

    /// `AgentCalled` (AMI 1.x with `eventwhencalled=yes`): the queue rings
    /// the member channel in `DestinationChannel` for the caller in
    /// `ChannelCalling`. AMI 2+ rings members with `DialBegin` instead.
    fn on_agent_called(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        if self.dialect == Dialect::Ami2 {
            return;
        }
        let by_name = |t: &Self, key: &str| {
            let name = ev.get(key)?;
            t.channels.iter().find(|(_, c)| &*c.name == name).map(|(u, _)| u.clone())
        };
        let caller = ev
            .get("Uniqueid")
            .and_then(|u| self.channels.get_key_value(u).map(|(k, _)| k.clone()))
            .or_else(|| by_name(self, "ChannelCalling"));
        let (Some(caller), Some(member)) = (caller, by_name(self, "DestinationChannel")) else {
            return;
        };
        let Some(key) = self.channels.get(&*caller).map(|c| c.call) else {
            return;
        };
        self.queue_rings(key, &member, ev, at_ms, out);
    }

    /// An AMI 1.x queue rings a member channel that is, so far, a call of
    /// its own: it joins the queued call, and a phone rings there.
    fn queue_rings(&mut self, key: CallKey, member: &str, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(m) = self.channels.get(member) else {
            return;
        };
        let (from, kind, leg) = (m.call, m.kind, m.leg);
        if from != key {
            let fresh = self
                .calls
                .get(&from)
                .is_some_and(|c| c.slots.is_empty() && c.rang.is_empty() && c.answered_by.is_none() && c.live <= 2);
            if !fresh {
                return;
            }
            self.fold_call(from, key);
        }
        if kind != EndpointKind::Extension || leg != LegState::None {
            return;
        }
        let origin_kind = self.calls.get(&key).map_or(EndpointKind::Unknown, |c| c.origin_kind);
        let origin = self
            .calls
            .get(&key)
            .and_then(|c| c.origin.as_deref())
            .and_then(|o| self.channels.get_key_value(o))
            .map(|(k, _)| k.clone());
        if let Some(c) = self.channels.get_mut(member) {
            c.dialed_by = origin;
        }
        self.ring_leg(key, origin_kind, member, ev, at_ms, out);
    }

    fn on_blind_transfer(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        if ev.get("Result").is_some_and(|r| !r.eq_ignore_ascii_case("Success")) {
            return;
        }
        let by = ev
            .get("TransfererUniqueid")
            .and_then(|u| self.channels.get(u))
            .filter(|c| c.kind == EndpointKind::Extension)
            .map(|c| c.endpoint.to_string());
        let to = ev.get("Extension").unwrap_or("").to_owned();
        let Some(key) = ev.get("TransfereeUniqueid").and_then(|u| self.channels.get(u)).map(|c| c.call) else {
            return;
        };
        self.record_transfer(key, by, to, TransferKind::Blind, at_ms, out);
    }

    /// chan_sip's `Transfer` event (Asterisk 1.4–11): `Channel` transfers
    /// `TargetChannel` to `TransferExten`.
    fn on_sip_transfer(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let kind = if ev.get("TransferType").is_some_and(|t| t.eq_ignore_ascii_case("Attended")) {
            TransferKind::Attended
        } else {
            TransferKind::Blind
        };
        let by = ev
            .get("Uniqueid")
            .and_then(|u| self.channels.get(u))
            .filter(|c| c.kind == EndpointKind::Extension)
            .map(|c| c.endpoint.to_string());
        let to = ev.get("TransferExten").unwrap_or("").to_owned();
        let Some(key) =
            ev.get("TargetUniqueid").or(ev.get("TargetUniqueID")).and_then(|u| self.channels.get(u)).map(|c| c.call)
        else {
            return;
        };
        // A phone's consultative transfer completes the consultation it made.
        let own = ev.get("Uniqueid").and_then(|u| self.channels.get(u)).map(|c| c.call);
        if kind == TransferKind::Attended
            && [Some(key), own].into_iter().flatten().any(|k| self.complete_consultation(k, None, at_ms, out))
        {
            return;
        }
        self.record_transfer(key, by, to, kind, at_ms, out);
    }

    fn record_transfer(
        &mut self,
        key: CallKey,
        by: Option<String>,
        to: String,
        kind: TransferKind,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.transfers.push(Transfer { by: by.clone(), to, kind, at_ms });
        call.pending_transfer = Some(PendingTransfer { by });
        if call.relevant {
            self.push_update(key, at_ms, out);
        }
    }

    /// Asterisk 12+ `AttendedTransfer`: the transferee (the caller) is now
    /// talking to the transfer target. The target's channel moves into the
    /// caller's call, so the card keeps the real caller.
    fn on_attended_transfer(&mut self, ev: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        if ev.get("Result").is_some_and(|r| !r.eq_ignore_ascii_case("Success")) {
            return;
        }
        let ext_of = |t: &Self, uid: Option<&Arc<str>>| {
            uid.and_then(|u| t.channels.get(&**u))
                .filter(|c| c.kind == EndpointKind::Extension)
                .map(|c| c.endpoint.to_string())
        };
        // Asterisk sends prefixed snapshots; accept bare names too.
        let transferer = self.uid_in(ev, "OrigTransferer").or_else(|| self.uid_in(ev, ""));
        let by = ext_of(self, transferer.as_ref());
        let target = self.uid_in(ev, "TransferTarget");
        let target_ext = ext_of(self, target.as_ref());
        let Some(key) = self.uid_in(ev, "Transferee").and_then(|u| self.channels.get(&*u)).map(|c| c.call) else {
            return;
        };
        if self.complete_consultation(key, target.as_deref(), at_ms, out) {
            return;
        }
        let Some(target_uid) = target else {
            let to = ev.get("Extension").unwrap_or("").to_owned();
            self.record_transfer(key, by, to, TransferKind::Attended, at_ms, out);
            return;
        };
        let target_uid: &str = &target_uid;
        let Some(to) = target_ext else { return };
        // Move the target's channel into the caller's call.
        let old_key = self.channels.get(target_uid).map(|c| c.call).unwrap_or(key);
        if old_key != key {
            if let Some(c) = self.channels.get_mut(target_uid) {
                c.call = key;
                c.leg = LegState::Answered;
            }
            if let Some(c) = self.calls.get_mut(&key) {
                c.live += 1;
            }
        }
        let watched = self.is_watched(&to);
        if let Some(call) = self.calls.get_mut(&key) {
            call.transfers.push(Transfer { by: by.clone(), to: to.clone(), kind: TransferKind::Attended, at_ms });
            call.answered_by = Some(to.clone());
            call.answered_at_ms.get_or_insert(at_ms);
            if !call.rang.contains(&to) {
                call.rang.push(to.clone());
            }
            if watched {
                call.relevant = true;
                if !call.slots.iter().any(|s| *s.ext == *to) {
                    call.slots.push(Slot::new(to.as_str().into(), SlotState::Talking));
                    let p = popup_for(call, &to, by.clone(), at_ms);
                    out.push(p);
                }
            }
            if call.relevant {
                self.push_update(key, at_ms, out);
            }
        }
        if old_key != key {
            let done = self.calls.get_mut(&old_key).is_some_and(|c| {
                c.live = c.live.saturating_sub(1);
                c.live == 0
            });
            if done {
                self.finish_call(old_key, at_ms, false, out);
            }
        }
    }

    /// The tracked Uniqueid a transfer event names with `prefix`: its
    /// `<prefix>Uniqueid`, or else its `<prefix>Channel` name.
    fn uid_in(&self, ev: &Packet, prefix: &str) -> Option<Arc<str>> {
        if let Some(u) = ev.get(&format!("{prefix}Uniqueid")) {
            if let Some((k, _)) = self.channels.get_key_value(u) {
                return Some(k.clone());
            }
        }
        let name = ev.get(&format!("{prefix}Channel"))?;
        self.channels.iter().find(|(_, c)| &*c.name == name).map(|(k, _)| k.clone())
    }

    fn push_update(&self, key: CallKey, at_ms: i64, out: &mut Vec<CardChange>) {
        if let Some(call) = self.calls.get(&key) {
            if call.relevant {
                let card = self.card(call, false);
                out.push(CardChange::Update { call: card.call.clone(), card, at_ms });
            }
        }
    }

    fn card(&self, call: &Call, ended: bool) -> CallCard {
        let key = self.call_ids.get(&call.id).copied();
        let mut ringing: Vec<String> = self
            .channels
            .values()
            .filter(|c| Some(c.call) == key && c.leg == LegState::Ringing)
            .map(|c| c.endpoint.to_string())
            .collect();
        ringing.sort();
        ringing.dedup();
        let state = if ended {
            CallState::Ended
        } else if call.answered_by.is_some() || call.answered_by_trunk.is_some() {
            CallState::Answered
        } else if !ringing.is_empty() {
            CallState::Ringing
        } else {
            CallState::Dialing
        };
        CallCard {
            call: call.id.to_string(),
            caller_num: call.caller_num.clone(),
            caller_name: (!call.caller_name.is_empty()).then(|| call.caller_name.clone()),
            direction: call.direction,
            trunk: call.trunk.clone(),
            did: call.did.clone(),
            queue: call.queue.clone(),
            dialed: call.dialed.clone(),
            from_extension: call.from_extension.clone(),
            ringing,
            rang: call.rang.clone(),
            state,
            answered_by: call.answered_by.clone(),
            answered_by_trunk: call.answered_by_trunk.clone(),
            answered_at_ms: call.answered_at_ms,
            transfers: call.transfers.clone(),
            started_at_ms: call.started_at_ms,
            connected_to: call.connected.clone(),
            picked_up_by: call.picked_up_by.clone(),
            parked: call.park.clone(),
            consulting: call.consulting.clone(),
        }
    }

    /// Rebuilds in-flight calls after a reconnect or an overflow from the
    /// `CoreShowChannel` events (or `Status` events on old PBXes) of a fresh
    /// listing, without a second popup for calls already shown.
    ///
    /// - tracked channels missing from the list hung up while we were away:
    ///   they are dropped, and a call left with no channel is reported once,
    ///   with `ended_offline = true`;
    /// - channels in the list but unknown are added, and an extension found
    ///   ringing for an unseen call pops;
    /// - a leg we saw ringing that is now up was answered while we were away.
    pub fn resync(&mut self, channels: &[Packet], at_ms: i64) -> Vec<CardChange> {
        let mut out = Vec::new();
        let listed: Vec<&Packet> = channels
            .iter()
            .filter(|p| {
                p.event().is_some_and(|e| e.eq_ignore_ascii_case("CoreShowChannel") || e.eq_ignore_ascii_case("Status"))
                    && p.get("Uniqueid").is_some_and(|u| !u.is_empty())
            })
            .collect();
        let live: HashSet<&str> = listed.iter().filter_map(|p| p.get("Uniqueid")).collect();

        // 1. What we knew and is still there: catch up on answers.
        for p in &listed {
            let uid = p.get("Uniqueid").unwrap_or("");
            let up = p.get("ChannelState").is_some_and(|s| s == "6");
            if up && self.channels.get(uid).is_some_and(|c| !c.up) {
                if let Some(c) = self.channels.get_mut(uid) {
                    c.up = true;
                }
                self.answered(uid, at_ms, &mut out);
            }
        }

        // 2. Channels we never saw.
        let mut added: Vec<&Packet> = Vec::new();
        for p in &listed {
            let uid = p.get("Uniqueid").unwrap_or("");
            if self.channels.contains_key(uid) {
                continue;
            }
            if self.ensure_channel(p, &PLAIN, at_ms) {
                added.push(p);
            }
        }
        // AMI 1.x lists have no Linkedid: join bridged channels.
        for p in &added {
            let uid = p.get("Uniqueid").unwrap_or("");
            if let Some(peer) = p.get("BridgedUniqueid").or(p.get("BridgedUniqueID")).filter(|u| !u.is_empty()) {
                if self.channels.contains_key(peer) {
                    self.join_calls(peer, uid);
                }
            }
        }
        for p in &added {
            self.adopt_listed(p, at_ms, &mut out);
        }

        // 3. Everything else hung up while we were away.
        let gone: Vec<Arc<str>> = self.channels.keys().filter(|u| !live.contains(&***u)).cloned().collect();
        for uid in &gone {
            if self.channels.get(&**uid).is_some_and(|c| c.leg == LegState::Ringing) {
                self.leg_stopped(uid, true, at_ms, &mut out);
            }
        }
        for uid in gone {
            self.drop_channel(&uid, at_ms, true, &mut out);
        }
        self.local_halves.retain(|_, u| live.contains(&**u));
        self.bridges.retain(|_, m| {
            m.retain(|u| live.contains(&**u));
            !m.is_empty()
        });
        self.shrink_if_idle();
        out
    }

    /// Works out what a channel first seen in a listing is doing.
    fn adopt_listed(&mut self, p: &Packet, at_ms: i64, out: &mut Vec<CardChange>) {
        let uid = p.get("Uniqueid").unwrap_or("");
        let Some(chan) = self.channels.get(uid) else {
            return;
        };
        let key = chan.call;
        let is_dialed = p
            .get("Application")
            .is_some_and(|a| a.eq_ignore_ascii_case("AppDial") || a.eq_ignore_ascii_case("AppDial2"));
        if chan.kind != EndpointKind::Extension || !is_dialed {
            // An origin whose call we did not know: it sets the caller.
            let kind = chan.kind;
            let endpoint = chan.endpoint.to_string();
            if let Some(call) = self.calls.get_mut(&key) {
                if call.origin.is_none() && kind != EndpointKind::Local {
                    call.origin = Some(uid.into());
                    call.origin_kind = kind;
                    call.caller_num = p.get("CallerIDNum").filter(|v| !absent(v)).unwrap_or("").to_owned();
                    call.caller_name = p.get("CallerIDName").filter(|v| !absent(v)).unwrap_or("").to_owned();
                    if kind == EndpointKind::Trunk {
                        call.trunk = Some(endpoint);
                        call.did = p.get("DNID").filter(|d| !absent(d)).map(str::to_owned);
                    }
                }
            }
            return;
        }
        let ext = chan.endpoint.to_string();
        let ringing = p.get("ChannelState").is_some_and(|s| s == "5");
        let up = p.get("ChannelState").is_some_and(|s| s == "6");
        let watched = self.is_watched(&ext);
        if let Some(c) = self.channels.get_mut(uid) {
            c.leg = if up { LegState::Answered } else { LegState::Ringing };
        }
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.origin.as_deref() == Some(uid) {
            // A dialled leg is never the caller: without a Linkedid the leg
            // got a call of its own. Its connected line is the caller.
            call.origin = None;
            call.origin_kind = EndpointKind::Unknown;
            call.orphan_leg = true;
            call.caller_num.clear();
            call.caller_name.clear();
        }
        if call.caller_num.is_empty() {
            // Without the origin, the leg's connected line is the caller.
            call.caller_num = p.get("ConnectedLineNum").filter(|v| !absent(v)).unwrap_or("").to_owned();
            call.caller_name = p.get("ConnectedLineName").filter(|v| !absent(v)).unwrap_or("").to_owned();
        }
        if call.direction.is_none() {
            call.direction = Some(origin_direction(call.origin_kind));
        }
        if !call.rang.contains(&ext) {
            call.rang.push(ext.clone());
        }
        if up {
            call.answered_by = Some(ext.clone());
            call.answered_at_ms.get_or_insert(at_ms);
            call.relevant |= watched;
        } else if ringing {
            call.ringing += 1;
            if watched && !call.slots.iter().any(|s| *s.ext == *ext) {
                call.relevant = true;
                call.slots.push(Slot::new(ext.as_str().into(), SlotState::Open));
                let popup = popup_for(call, &ext, None, at_ms);
                out.push(popup);
            }
        }
    }

    /// Gives back the maps' memory once nothing is in flight, so a tracker
    /// that ran for weeks holds no more than a fresh one.
    fn shrink_if_idle(&mut self) {
        if self.channels.is_empty() && self.calls.is_empty() {
            self.channels.shrink_to_fit();
            self.calls.shrink_to_fit();
            self.call_ids.shrink_to_fit();
            self.local_halves.shrink_to_fit();
            self.bridges.shrink_to_fit();
        }
    }
}

/// Direction implied by what placed the call.
fn origin_direction(kind: EndpointKind) -> Direction {
    match kind {
        EndpointKind::Trunk => Direction::Inbound,
        _ => Direction::Internal,
    }
}

/// A dial status meaning the caller side stopped the ringing.
fn cancel_like(status: &str) -> bool {
    status.eq_ignore_ascii_case("CANCEL")
}

/// The number in a trunk dial string: `5559876543@carrier`, `carrier/5559876543`.
fn dialed_number(dialstring: &str) -> Option<String> {
    let first = dialstring.split(['&', ',']).next()?;
    if let Some((num, _)) = first.split_once('@') {
        let num = num.rsplit('/').next().unwrap_or(num);
        return (!num.is_empty()).then(|| num.to_owned());
    }
    first.rsplit_once('/').map(|(_, n)| n.to_owned()).filter(|n| !n.is_empty())
}

fn popup_for(call: &Call, ext: &str, transferred_by: Option<String>, at_ms: i64) -> CardChange {
    let direction = match call.direction {
        Some(Direction::Inbound) => Direction::Inbound,
        Some(_) => Direction::Internal,
        None => origin_direction(call.origin_kind),
    };
    CardChange::Popup {
        call: call.id.to_string(),
        extension: ext.to_owned(),
        caller_num: call.caller_num.clone(),
        caller_name: (!call.caller_name.is_empty()).then(|| call.caller_name.clone()),
        direction,
        trunk: if direction == Direction::Inbound { call.trunk.clone() } else { None },
        did: call.did.clone(),
        queue: call.queue.clone(),
        transferred_by,
        consultation: false,
        consulting_for: None,
        park_return: false,
        park_slot: None,
        parked_by: None,
        at_ms,
    }
}
