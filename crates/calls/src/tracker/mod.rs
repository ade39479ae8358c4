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

mod attendant;
mod card;
mod dial;
pub(crate) mod events;
mod lifecycle;
mod model;
mod resync;
mod transfer;

pub use card::{
    CallCard, CallChannel, CallState, CardChange, CloseReason, Consultation, Dialect, ParkSpot,
    ParkStay, Party, QueueWait, TrackerConfig, WaitEnd,
};
use dial::origin_direction;
use events::{
    AgentCalled, AttendedTransfer, BlindTransfer, CallEvent, CallerId, ChannelRef, ChannelSnap,
    DialBegin, DialEnd, DialStatus, DialplanApp, ListedChannel, NewState, Parked, Parkee,
    RingSource, SipTransfer, Unparked,
};
use lifecycle::popup_for;
use model::{Call, CallKey, Chan, LegState, PendingTransfer, QueueWaitState, Slot, SlotState};

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
        v.sort_by(|a, b| {
            a.started_at_ms
                .cmp(&b.started_at_ms)
                .then_with(|| a.call.cmp(&b.call))
        });
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

    /// The id of the call a channel belongs to, found by its Uniqueid or
    /// else by its name, as the tracker finds the channels events name:
    /// how the attendant console's panels name a parked or queued caller
    /// the way the cards do ([`crate::console::CallIds`]). `None` for a
    /// channel that is not tracked.
    pub fn call_of_channel(&self, uniqueid: Option<&str>, name: Option<&str>) -> Option<&str> {
        let uid = self.uid_of(&ChannelRef { uniqueid, name })?;
        let key = self.channels.get(&*uid)?.call;
        self.calls.get(&key).map(|c| &*c.id)
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
        let Some(event) = CallEvent::decode(ev) else {
            return;
        };
        if let Some(dialect) = event.dialect() {
            self.dialect = dialect;
        }
        match event {
            CallEvent::EndpointList(p) => {
                self.classifier.learn(p);
            }
            CallEvent::Newchannel(chan) => {
                self.note_dialect(&chan);
                self.ensure_channel(&chan, at_ms);
            }
            CallEvent::NewCallerid { uniqueid, caller } => self.on_callerid(uniqueid, caller),
            CallEvent::Newstate { uniqueid, state } => {
                self.on_newstate(uniqueid, &state, at_ms, out)
            }
            CallEvent::Newexten { uniqueid, app } => self.on_newexten(uniqueid, &app, at_ms, out),
            CallEvent::DialBegin(dial) => self.on_dial_begin(&dial, at_ms, out),
            CallEvent::DialEnd(end) => self.on_dial_end(&end, at_ms, out),
            CallEvent::OtherDial => {}
            CallEvent::BridgeEnter { uniqueid, bridge } => {
                self.on_bridge_enter(uniqueid, bridge, at_ms, out)
            }
            CallEvent::BridgeLeave { uniqueid, bridge } => self.leave_bridge(uniqueid, bridge),
            CallEvent::Link {
                uniqueids: [a, b], ..
            } => self.on_link(a, b, at_ms, out),
            // AMI 1.8 `LocalBridge`: the two Local halves belong to one call.
            CallEvent::LocalBridge(a, b) => self.join_calls(a, b),
            CallEvent::Hangup { uniqueid, cause } => self.on_hangup(uniqueid, cause, at_ms, out),
            CallEvent::Rename { uniqueid, new_name } => self.on_rename(uniqueid, new_name),
            CallEvent::BlindTransfer(t) => self.on_blind_transfer(&t, at_ms, out),
            CallEvent::AttendedTransfer(t) => self.on_attended_transfer(&t, at_ms, out),
            CallEvent::SipTransfer(t) => self.on_sip_transfer(&t, at_ms, out),
            CallEvent::QueueJoin(j) => {
                self.on_queue_join(j.uniqueid, j.queue, j.position, at_ms, out)
            }
            CallEvent::QueueAbandon {
                uniqueid, hold_s, ..
            } => self.on_queue_abandon(uniqueid, hold_s, at_ms),
            CallEvent::QueueLeave { uniqueid, .. } => self.on_queue_leave(uniqueid, at_ms),
            CallEvent::AgentCalled(a) => self.on_agent_called(&a, at_ms, out),
            CallEvent::Pickup { picker, target } => self.on_pickup(&picker, &target, at_ms, out),
            CallEvent::Masquerade { clone, original } => {
                self.on_masquerade(clone, original, at_ms, out)
            }
            CallEvent::Parked(p) => self.on_parked(&p, at_ms, out),
            CallEvent::Unparked(u) => self.on_unparked(&u, at_ms, out),
            CallEvent::ParkTimeout { parkee, .. } => self.on_park_timeout(&parkee),
            CallEvent::ParkGiveUp { parkee, .. } => self.on_park_give_up(&parkee, at_ms, out),
        }
    }

    /// The call of the channel with this Uniqueid.
    fn call_of_mut(&mut self, uid: Option<&str>) -> Option<&mut Call> {
        let key = self.channels.get(uid?)?.call;
        self.calls.get_mut(&key)
    }

    /// A first `Newchannel` tells the dialect: only AMI 2+ has a Linkedid.
    fn note_dialect(&mut self, chan: &ChannelSnap<'_>) {
        if self.dialect == Dialect::Unknown {
            self.dialect = if chan.linkedid.is_some() {
                Dialect::Ami2
            } else {
                Dialect::Ami1
            };
        }
    }
}
