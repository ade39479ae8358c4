//! The public values of the tracker: what a watched extension sees of a call
//! ([`CallCard`], [`CardChange`]) and what it is configured with ([`TrackerConfig`]).
//! These are the CLI's JSON lines and the app's event payloads.

use super::*;
pub use crate::record::{QueueWait, WaitEnd};

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
        let major: u32 = version
            .split('.')
            .next()
            .and_then(|m| m.trim().parse().ok())
            .unwrap_or(0);
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
        Self {
            extensions: extensions.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
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
    /// Another extension answered (see `answered_by`) after this one began
    /// to ring.
    AnsweredElsewhere,
    /// It stopped ringing here and nobody answered. An answer from before
    /// it rang here does not count: a caller blind-transferred here who
    /// hangs up while it rings was missed here, though `answered_by` still
    /// names whoever answered before the transfer; so was a caller the
    /// recall rang back to the extension that had answered and transferred
    /// it, gone before it answered again.
    Missed,
    /// The call ended after being answered here or transferred here.
    Ended,
    /// The call was transferred away from this extension while ringing: a
    /// `Redirect` of the ringing caller, such as the recall's taking a
    /// blind-transferred caller back to the extension that transferred it.
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
    pub(super) fn ended(spot: ParkSpot, end: WaitEnd) -> Self {
        Self {
            slot: spot.slot,
            lot: spot.lot,
            parked_by: spot.parked_by,
            end,
            retrieved_by: None,
            returned_to: None,
        }
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
        /// It rang at a watched extension and nobody answered: not at all,
        /// or (a blind transfer) not since that phone began to ring.
        missed: bool,
        /// Watched extensions whose popup closed because another answered
        /// after it began to ring there.
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
