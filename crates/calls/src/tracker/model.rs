//! The tracker's own state: channels ([`Chan`]), calls ([`Call`]) and
//! the popups shown for them ([`Slot`]), and how channels join, move
//! between and leave calls (created, folded into the caller's call, renamed,
//! dropped).

use super::*;

pub(super) type CallKey = u64;

/// What a tracked channel is doing in its call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LegState {
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
pub(super) struct Chan {
    pub(super) name: Box<str>,
    pub(super) call: CallKey,
    pub(super) kind: EndpointKind,
    /// Extension number for phones, trunk name for trunks.
    pub(super) endpoint: Arc<str>,
    pub(super) up: bool,
    pub(super) leg: LegState,
    /// The Originate leg ringing the user's own phone.
    pub(super) originate_leg: bool,
    /// The channel that dialled this one.
    pub(super) dialed_by: Option<Arc<str>>,
    /// The last extension this channel was bridged with.
    pub(super) peer_ext: Option<Arc<str>>,
    pub(super) bridge: Option<Arc<str>>,
    /// For AMI 1.x Local halves: the shared name without `;1`/`;2`.
    pub(super) local_base: Option<Box<str>>,
    /// A leg ringing (or talking to) a colleague consulted before an
    /// attended transfer: not the caller's call ringing there.
    pub(super) consult: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SlotState {
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
pub(super) struct Slot {
    pub(super) ext: Arc<str>,
    pub(super) state: SlotState,
    /// The popup of a consultation (the colleague's side of an attended transfer).
    pub(super) consult: bool,
    /// The call's [`Call::answers`] when this phone began to ring: only an
    /// answer after that is an answer of this ringing (a caller transferred
    /// here after 1001 answered was not answered by 1001 here).
    pub(super) answers_at_ring: u32,
}

impl Slot {
    /// A popup for `ext`, ringing (or talking) from now, when the call has
    /// been answered `answers` times.
    pub(super) fn new(ext: Arc<str>, state: SlotState, answers: u32) -> Self {
        Self {
            ext,
            state,
            consult: false,
            answers_at_ring: answers,
        }
    }
}

#[derive(Debug)]
pub(super) struct PendingTransfer {
    pub(super) by: Option<String>,
}

#[derive(Debug)]
pub(super) struct Call {
    pub(super) id: Box<str>,
    pub(super) first_uid: Box<str>,
    pub(super) origin: Option<Box<str>>,
    pub(super) caller_num: String,
    pub(super) caller_name: String,
    pub(super) origin_kind: EndpointKind,
    pub(super) direction: Option<Direction>,
    pub(super) trunk: Option<String>,
    pub(super) did: Option<String>,
    pub(super) queue: Option<String>,
    pub(super) dialed: Option<String>,
    pub(super) from_extension: Option<String>,
    pub(super) live: u32,
    pub(super) rang: Vec<String>,
    pub(super) answered_by: Option<String>,
    /// How many times an extension answered the call (a ringing leg, an
    /// attended transfer's colleague, a leg found up at a resync): a popup
    /// counts only the answers after its phone began to ring.
    pub(super) answers: u32,
    /// The value of `answers` when a popup that rang after an answer last
    /// closed missed: still the same at the call's end, nobody answered
    /// since, so the call was missed there (a transferred caller who hung up
    /// while the colleague's phone rang).
    pub(super) missed_at_answers: Option<u32>,
    /// The extension that answered last rang again afterwards (the
    /// recall's ring back) and the call ended before it answered again.
    pub(super) rang_back_unanswered: bool,
    pub(super) answered_by_trunk: Option<String>,
    pub(super) answered_at_ms: Option<i64>,
    pub(super) transfers: Vec<Transfer>,
    pub(super) pending_transfer: Option<PendingTransfer>,
    pub(super) voicemail: bool,
    pub(super) abandoned: bool,
    pub(super) started_at_ms: i64,
    pub(super) slots: Vec<Slot>,
    pub(super) answered_elsewhere_for: Vec<String>,
    pub(super) group_popped: bool,
    /// A ringing leg first seen in a resync listing without its caller's
    /// channel (AMI 1.x lists have no Linkedid): its Dial, when it arrives,
    /// folds it into the caller's call.
    pub(super) orphan_leg: bool,
    /// The extension whose ringing the caller side just cancelled, while
    /// nobody had answered: a new dial elsewhere means the call was moved
    /// (a `Redirect` of a ringing call).
    pub(super) last_cancelled: Option<Arc<str>>,
    pub(super) relevant: bool,
    /// Number of ringing extension legs.
    pub(super) ringing: u32,
    /// The extension talking to the caller now.
    pub(super) connected: Option<String>,
    /// The extension that picked the call up from another phone.
    pub(super) picked_up_by: Option<String>,
    /// Ids of calls folded into this one (a consultation placed as a call of
    /// its own, a pickup's or a retrieval's own channel): they name this call.
    pub(super) aliases: Vec<Box<str>>,
    /// Where it waits while parked; kept after a timeout until it rings back.
    pub(super) park: Option<ParkSpot>,
    /// Finished stays in parking, for the call's end.
    pub(super) parks: Vec<ParkStay>,
    /// The queue wait: its queue and position on joining, when it began,
    /// and how and when it ended.
    pub(super) queue_wait: Option<QueueWaitState>,
    /// The parking timed out and the call is on its way back to its parker.
    pub(super) park_returning: bool,
    /// Waiting in a queue (between Join and Leave), so an AMI 1.x member
    /// ringing with this caller on its connected line belongs to this call.
    pub(super) in_queue: bool,
    /// An attended transfer being prepared.
    pub(super) consulting: Option<Consultation>,
}

/// A queue wait in progress (see [`QueueWait`]).
#[derive(Debug)]
pub(super) struct QueueWaitState {
    pub(super) queue: String,
    pub(super) position: Option<u32>,
    pub(super) since_ms: i64,
    /// How and when it ended, once it did.
    pub(super) end: Option<(WaitEnd, i64)>,
}

impl Call {
    /// Nothing of its own yet (no popup, nothing rang, nobody answered): a
    /// channel's call that may be folded into the call it turns out to serve.
    pub(super) fn is_nothing_yet(&self) -> bool {
        self.slots.is_empty() && self.rang.is_empty() && self.answered_by.is_none()
    }

    /// An extension answered: popups ringing from before now count it.
    pub(super) fn note_answer(&mut self, ext: &str) {
        self.answered_by = Some(ext.to_owned());
        self.answers += 1;
    }

    /// Someone answered since this popup's phone began to ring.
    pub(super) fn answered_since(&self, slot: &Slot) -> bool {
        self.answers > slot.answers_at_ring
    }

    /// A popup that rang after the call was answered closed missed (nobody
    /// answered since it began to ring).
    pub(super) fn note_missed_after_answer(&mut self) {
        if self.answers > 0 {
            self.missed_at_answers = Some(self.answers);
        }
    }

    /// A phone that rang after the call was answered closed missed, and
    /// nobody answered since: the call was missed there, whoever had
    /// answered it before.
    pub(super) fn missed_since_last_answer(&self) -> bool {
        self.answers > 0 && self.missed_at_answers == Some(self.answers)
    }

    /// The queue wait ended; the first cause wins.
    pub(super) fn end_queue_wait(&mut self, end: WaitEnd, at_ms: i64) {
        if let Some(w) = self.queue_wait.as_mut().filter(|w| w.end.is_none()) {
            w.end = Some((end, at_ms));
        }
    }
}

impl CallTracker {
    pub(super) fn new_call(&mut self, id: &str, first_uid: &str, at_ms: i64) -> CallKey {
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
                answers: 0,
                missed_at_answers: None,
                rang_back_unanswered: false,
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
            },
        );
        key
    }

    /// Makes sure the channel of this snapshot is tracked; returns false
    /// when the event names no channel.
    pub(super) fn ensure_channel(&mut self, snap: &ChannelSnap<'_>, at_ms: i64) -> bool {
        let Some(uid) = snap.uniqueid else {
            return false;
        };
        if self.channels.contains_key(uid) {
            return true;
        }
        let Some(raw) = snap.channel else {
            return false;
        };
        let Some(name) = ChannelName::parse(raw) else {
            return false;
        };
        let cid = snap.caller;
        let mut kind = self.kind_of_new_channel(&name, snap.context.unwrap_or(""));
        let endpoint: Arc<str> = match kind {
            EndpointKind::Trunk => name.yeastar_trunk().unwrap_or(name.endpoint).into(),
            _ => name.endpoint.into(),
        };
        let (key, local_base) = self.call_of_new_channel(snap.linkedid, uid, raw, &name, at_ms);
        let call = self.calls.get_mut(&key).expect("call created above");
        call.live += 1;
        let is_origin = call.origin.is_none()
            && (*call.id == *uid || *call.first_uid == *uid)
            && kind != EndpointKind::Local;
        if is_origin {
            call.origin = Some(uid.into());
            call.origin_kind = kind;
            call.caller_num = cid.num.unwrap_or("").to_owned();
            call.caller_name = cid.name.unwrap_or("").to_owned();
            if kind == EndpointKind::Unknown
                && cid.num.is_some_and(|n| n != name.endpoint)
                && !name.is_dahdi()
            {
                // A named endpoint that carries someone else's number is a trunk.
                call.origin_kind = EndpointKind::Trunk;
                kind = EndpointKind::Trunk;
            }
            if kind == EndpointKind::Trunk {
                call.trunk = Some(endpoint.to_string());
                if let Some(exten) = snap.exten.filter(|e| *e != "s") {
                    call.did = Some(exten.to_owned());
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
                up: snap.up,
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

    /// What a channel first seen is: what the classifier says, except that
    /// one starting in a trunk context came in on a trunk, even when its
    /// endpoint is all digits (FreePBX `SIP/902422277777`), unless the PBX
    /// or the user said otherwise.
    fn kind_of_new_channel(&self, name: &ChannelName<'_>, context: &str) -> EndpointKind {
        let kind = self.classifier.classify(name);
        if matches!(kind, EndpointKind::Unknown | EndpointKind::Extension)
            && !self.classifier.is_declared(name.endpoint)
            && channel::is_trunk_context(context)
        {
            return EndpointKind::Trunk;
        }
        kind
    }

    /// Which call a channel first seen belongs to: its Linkedid's, else the
    /// other Local half's, else a call of its own. Also the Local pair's
    /// shared name, for a Local half.
    fn call_of_new_channel(
        &mut self,
        linkedid: Option<&str>,
        uid: &str,
        raw: &str,
        name: &ChannelName<'_>,
        at_ms: i64,
    ) -> (CallKey, Option<Box<str>>) {
        if let Some(l) = linkedid.filter(|l| !l.is_empty()) {
            let key = match self.call_ids.get(l) {
                Some(&k) => k,
                None => self.new_call(l, uid, at_ms),
            };
            return (key, None);
        }
        if name.local_half.is_none() {
            return (self.new_call(uid, uid, at_ms), None);
        }
        let base = raw.trim().trim_end_matches(";1").trim_end_matches(";2");
        let partner = match self.local_halves.remove(base) {
            Some(other) => self.channels.get(&*other).map(|c| c.call),
            None => {
                self.local_halves.insert(base.into(), uid.into());
                None
            }
        };
        let key = match partner {
            Some(k) => k,
            None => self.new_call(uid, uid, at_ms),
        };
        (key, Some(base.into()))
    }

    pub(super) fn on_callerid(&mut self, uid: &str, caller: CallerId<'_>) {
        let Some(chan) = self.channels.get(uid) else {
            return;
        };
        let key = chan.call;
        if let Some(call) = self.calls.get_mut(&key) {
            if call.origin.as_deref() == Some(uid) {
                if let Some(num) = caller.num {
                    call.caller_num = num.to_owned();
                }
                if let Some(name) = caller.name {
                    call.caller_name = name.to_owned();
                }
            }
        }
    }

    /// Folds call `from` (nothing of its own worth keeping: a consultation's
    /// or a pickup's own channel) into call `into`: its channels move, its
    /// id becomes an alias, and it never ends on its own.
    pub(super) fn fold_call(&mut self, from: CallKey, into: CallKey) {
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

    /// AMI 1.x: the dialled channel (and its Local partner) joins the
    /// caller's call. AMI 2+ channels already share the Linkedid.
    pub(super) fn join_calls(&mut self, caller_uid: &str, dest_uid: &str) {
        let (Some(a), Some(b)) = (self.channels.get(caller_uid), self.channels.get(dest_uid))
        else {
            return;
        };
        let (to, from) = (a.call, b.call);
        if to == from {
            return;
        }
        // Only a call that is nothing yet (a freshly created channel), or a
        // leg adopted at resync without its caller, may be folded in.
        let foldable = self
            .calls
            .get(&from)
            .is_some_and(|c| c.is_nothing_yet() || (c.orphan_leg && c.answered_by.is_none()));
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

    /// Forgets a channel; ends its call when it was the last one.
    pub(super) fn drop_channel(
        &mut self,
        uid: &str,
        at_ms: i64,
        offline: bool,
        out: &mut Vec<CardChange>,
    ) {
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
        // The phone talking to the caller hung up while the caller stays (a
        // blind transfer, a redirect): until someone answers again, the caller
        // talks to nobody. A consultation's own channel is not that phone's
        // talk with the caller, and another channel of the same phone still is.
        let left_talk = chan.kind == EndpointKind::Extension
            && !chan.consult
            && !self
                .channels
                .values()
                .any(|c| c.call == key && c.endpoint == chan.endpoint);
        let done = match self.calls.get_mut(&key) {
            Some(call) => {
                call.live = call.live.saturating_sub(1);
                if left_talk && call.connected.as_deref() == Some(&*chan.endpoint) {
                    call.connected = None;
                }
                call.live == 0
            }
            None => false,
        };
        if done {
            self.finish_call(key, at_ms, offline, out);
        }
    }

    pub(super) fn on_rename(&mut self, uid: &str, new: &str) {
        let renamed = ChannelName::parse(new)
            .filter(|n| !n.wrapped && !n.is_local())
            .map(|n| n.endpoint);
        if let Some(c) = self.channels.get_mut(uid) {
            c.name = new.into();
            // After a masquerade the channel is another phone's (a 1.x pickup).
            if let Some(ep) = renamed.filter(|_| c.kind == EndpointKind::Extension) {
                c.endpoint = ep.into();
            }
        }
    }

    /// The tracked Uniqueid of a channel an event names: its Uniqueid when
    /// tracked, or else the channel of that name.
    pub(super) fn uid_of(&self, channel: &ChannelRef<'_>) -> Option<Arc<str>> {
        if let Some((k, _)) = channel
            .uniqueid
            .and_then(|u| self.channels.get_key_value(u))
        {
            return Some(k.clone());
        }
        self.uid_named(channel.name?)
    }

    /// The first of `channels` that is tracked (an event's prefixed
    /// snapshot, then its bare one).
    pub(super) fn first_uid_of(&self, channels: &[ChannelRef<'_>]) -> Option<Arc<str>> {
        channels.iter().find_map(|c| self.uid_of(c))
    }

    /// The tracked Uniqueid of the channel with this name (1.x events that
    /// name channels only: `Clone`, `From`, …).
    pub(super) fn uid_named(&self, name: &str) -> Option<Arc<str>> {
        self.channels
            .iter()
            .find(|(_, c)| &*c.name == name)
            .map(|(k, _)| k.clone())
    }

    /// Gives back the maps' memory once nothing is in flight, so a tracker
    /// that ran for weeks holds no more than a fresh one.
    pub(super) fn shrink_if_idle(&mut self) {
        if self.channels.is_empty() && self.calls.is_empty() {
            self.channels.shrink_to_fit();
            self.calls.shrink_to_fit();
            self.call_ids.shrink_to_fit();
            self.local_halves.shrink_to_fit();
            self.bridges.shrink_to_fit();
        }
    }
}
