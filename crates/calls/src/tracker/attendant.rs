//! What an attendant console follows: queues (and AMI 1.x members that
//! ring without a Dial), pickups from another phone, and parked calls.

use super::*;

impl CallTracker {
    /// AMI 1.x: `app_queue` rings a direct member (`SIP/1003`) with no Dial
    /// event; the phone's channel only goes Ringing with the queued caller
    /// on its connected line. It belongs to that caller's queued call.
    pub(super) fn ringing_without_dial(
        &mut self,
        uid: &str,
        connected_num: Option<&str>,
        ring: &RingSource<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        if self.dialect == Dialect::Ami2 {
            return;
        }
        let Some(chan) = self.channels.get(uid) else {
            return;
        };
        if chan.kind != EndpointKind::Extension || chan.leg != LegState::None || chan.originate_leg
        {
            return;
        }
        let Some(connected) = connected_num else {
            return;
        };
        let own = chan.call;
        let alone = self
            .calls
            .get(&own)
            .is_some_and(|c| c.live == 1 && c.origin.as_deref() == Some(uid));
        if !alone {
            return;
        }
        if let Some(q) = self.queued_call_for(connected, own) {
            self.queue_rings(q, uid, ring, at_ms, out);
        }
    }

    pub(super) fn on_newexten(
        &mut self,
        uid: &str,
        app: &DialplanApp<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(key) = self.channels.get(uid).map(|c| c.call) else {
            return;
        };
        match *app {
            DialplanApp::VoiceMail => {
                if let Some(call) = self.calls.get_mut(&key) {
                    call.voicemail = true;
                }
            }
            DialplanApp::Queue(q) => self.enter_group(key, q, at_ms, out),
        }
    }

    pub(super) fn on_queue_join(
        &mut self,
        uid: &str,
        q: &str,
        position: Option<u32>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(key) = self.channels.get(uid).map(|c| c.call) else {
            return;
        };
        if let Some(call) = self.calls.get_mut(&key) {
            call.in_queue = true;
            call.queue_wait.get_or_insert(QueueWaitState {
                queue: q.to_owned(),
                position,
                since_ms: at_ms,
                end: None,
            });
        }
        self.enter_group(key, q, at_ms, out);
    }

    /// The call entered a queue or ring group: remember it, and pop for a
    /// watched group.
    pub(super) fn enter_group(
        &mut self,
        key: CallKey,
        group: &str,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
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
            call.slots
                .push(Slot::new(group.into(), SlotState::Open, call.answers));
            let popup = popup_for(call, group, None, at_ms);
            out.push(popup);
        }
    }

    /// AMI 1.x: a queue rings a Local member through a Local pair that is a
    /// call of its own (no Dial from the caller). Its `;2` half dials with
    /// the queued caller's number: that pair belongs to the queued call.
    pub(super) fn fold_queue_local(&mut self, caller_uid: &str, cid_num: &str) {
        if cid_num.is_empty() {
            return;
        }
        let Some(chan) = self
            .channels
            .get(caller_uid)
            .filter(|c| c.kind == EndpointKind::Local)
        else {
            return;
        };
        let from = chan.call;
        let fresh = self
            .calls
            .get(&from)
            .is_some_and(|c| c.origin.is_none() && c.slots.is_empty() && c.rang.is_empty());
        if !fresh {
            return;
        }
        if let Some(into) = self.queued_call_for(cid_num, from) {
            self.fold_call(from, into);
        }
    }

    /// The call waiting in a queue, unanswered, whose caller has this number.
    pub(super) fn queued_call_for(&self, caller_num: &str, except: CallKey) -> Option<CallKey> {
        self.calls
            .iter()
            .filter(|(k, c)| {
                **k != except && c.in_queue && c.answered_by.is_none() && c.caller_num == caller_num
            })
            .map(|(k, _)| *k)
            .max()
    }

    /// `AgentCalled` (AMI 1.x with `eventwhencalled=yes`): the queue rings
    /// the member channel in `DestinationChannel` for the caller in
    /// `ChannelCalling`. AMI 2+ rings members with `DialBegin` instead.
    pub(super) fn on_agent_called(
        &mut self,
        a: &AgentCalled<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        if self.dialect == Dialect::Ami2 {
            return;
        }
        let (Some(caller), Some(member)) = (self.uid_of(&a.caller), self.uid_named(a.member))
        else {
            return;
        };
        let Some(key) = self.channels.get(&*caller).map(|c| c.call) else {
            return;
        };
        self.queue_rings(key, &member, &a.ring, at_ms, out);
    }

    /// An AMI 1.x queue rings a member channel that is, so far, a call of
    /// its own: it joins the queued call, and a phone rings there.
    pub(super) fn queue_rings(
        &mut self,
        key: CallKey,
        member: &str,
        ring: &RingSource<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(m) = self.channels.get(member) else {
            return;
        };
        let (from, kind, leg) = (m.call, m.kind, m.leg);
        if from != key {
            let fresh = self
                .calls
                .get(&from)
                .is_some_and(|c| c.is_nothing_yet() && c.live <= 2);
            if !fresh {
                return;
            }
            self.fold_call(from, key);
        }
        if kind != EndpointKind::Extension || leg != LegState::None {
            return;
        }
        let origin_kind = self
            .calls
            .get(&key)
            .map_or(EndpointKind::Unknown, |c| c.origin_kind);
        let origin = self
            .calls
            .get(&key)
            .and_then(|c| c.origin.as_deref())
            .and_then(|o| self.channels.get_key_value(o))
            .map(|(k, _)| k.clone());
        if let Some(c) = self.channels.get_mut(member) {
            c.dialed_by = origin;
        }
        self.ring_leg(key, origin_kind, member, ring, at_ms, out);
    }

    /// `Pickup`: the channel in `Channel`/`Uniqueid` took the ringing
    /// channel named with the `Target` prefix.
    pub(super) fn on_pickup(
        &mut self,
        picker: &ChannelRef<'_>,
        target: &ChannelRef<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let picker = self.uid_of(picker);
        let target = self.uid_of(target);
        if let (Some(p), Some(t)) = (picker, target) {
            self.picked_up(&p, &t, at_ms, out);
        }
    }

    /// The phone behind `picker` took `target`, a leg ringing at another
    /// extension: the call is answered by the picker, the ringing phone's
    /// popup closes as answered elsewhere, and the picker's own channel
    /// (its feature-code call, or the Originate that ran `Pickup`) becomes
    /// part of the call instead of a call of its own.
    pub(super) fn picked_up(
        &mut self,
        picker: &str,
        target: &str,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(t) = self
            .channels
            .get(target)
            .filter(|c| c.leg == LegState::Ringing && !c.consult)
        else {
            return;
        };
        let (key, dialed_by) = (t.call, t.dialed_by.clone());
        let Some(p) = self
            .channels
            .get(picker)
            .filter(|c| c.kind == EndpointKind::Extension)
        else {
            return;
        };
        let from = p.call;
        let ext = p.endpoint.to_string();
        if from != key {
            let foldable = self.calls.get(&from).is_some_and(Call::is_nothing_yet);
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
    pub(super) fn on_parked(&mut self, p: &Parked<'_>, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(key) = self.call_of_parkee(&p.parkee) else {
            return;
        };
        let parker = p
            .parker
            .and_then(ChannelName::parse)
            .filter(|n| {
                self.classifier.classify(n) == EndpointKind::Extension
                    || n.endpoint.bytes().all(|b| b.is_ascii_digit())
            })
            .map(|n| n.endpoint.to_owned());
        let lot = p.lot.map(str::to_owned);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        // A blind transfer to the parking extension took the caller from
        // its transferer, who parked it.
        let transferer = call.pending_transfer.as_ref().and_then(|t| t.by.clone());
        let parked_by = parker.or(transferer).or_else(|| call.connected.clone());
        call.park = Some(ParkSpot {
            slot: p.space.to_owned(),
            lot,
            parked_by,
        });
        call.park_returning = false;
        // A blind transfer to the parking extension ends here, not at the
        // next phone that rings (that is the parker, if nobody retrieves it).
        call.pending_transfer = None;
        call.connected = None;
        self.push_update(key, at_ms, out);
    }

    /// `UnParkedCall`: someone retrieved the parked caller. The retriever's
    /// own channel (the call that dialled the space) joins the caller's call.
    pub(super) fn on_unparked(&mut self, u: &Unparked<'_>, at_ms: i64, out: &mut Vec<CardChange>) {
        let Some(key) = self.call_of_parkee(&u.parkee) else {
            return;
        };
        let retriever = self.first_uid_of(&u.retriever);
        let mut by = None;
        if let Some(r) = retriever.as_deref() {
            let from = self.channels.get(r).map(|c| c.call);
            if let Some(from) = from.filter(|f| *f != key) {
                let foldable = self
                    .calls
                    .get(&from)
                    .is_some_and(|c| c.slots.is_empty() && c.rang.is_empty());
                if foldable {
                    self.fold_call(from, key);
                }
            }
            if let Some(c) = self
                .channels
                .get_mut(r)
                .filter(|c| c.kind == EndpointKind::Extension && c.call == key)
            {
                c.leg = LegState::Answered;
                by = Some(c.endpoint.to_string());
            }
        }
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if let Some(p) = call.park.take() {
            call.parks.push(ParkStay {
                retrieved_by: by.clone(),
                ..ParkStay::ended(p, WaitEnd::Retrieved)
            });
        }
        call.park_returning = false;
        call.connected = by;
        self.push_update(key, at_ms, out);
    }

    /// `QueueCallerAbandon`: the caller gave up waiting. The wait is at
    /// least the PBX's own `HoldTime` (whole seconds), so a replay, whose
    /// clock is not the capture's, still tells how long the caller waited.
    pub(super) fn on_queue_abandon(&mut self, uid: &str, hold_s: Option<i64>, at_ms: i64) {
        if let Some(call) = self.call_of_mut(Some(uid)) {
            call.abandoned = true;
            call.end_queue_wait(WaitEnd::Abandoned, at_ms);
            if let (Some(w), Some(hold_s)) = (call.queue_wait.as_mut(), hold_s) {
                if let Some((_, ended)) = w.end {
                    w.since_ms = w
                        .since_ms
                        .min(ended.saturating_sub(hold_s.saturating_mul(1000)));
                }
            }
        }
    }

    /// `QueueCallerLeave` / `Leave`: the caller is out of the queue. After an
    /// answer (1.x sends Leave before the bridge) or an abandon this changes
    /// nothing; otherwise the queue let the caller go.
    pub(super) fn on_queue_leave(&mut self, uid: &str, at_ms: i64) {
        if let Some(call) = self.call_of_mut(Some(uid)) {
            call.in_queue = false;
            let end = if call.answered_by.is_some() {
                WaitEnd::Answered
            } else {
                WaitEnd::Timeout
            };
            call.end_queue_wait(end, at_ms);
        }
    }

    /// `ParkedCallTimeOut`: nobody retrieved the call; it rings its parker next.
    pub(super) fn on_park_timeout(&mut self, parkee: &Parkee<'_>) {
        let uid = self.first_uid_of(parkee);
        if let Some(call) = self.call_of_mut(uid.as_deref()) {
            call.park_returning = call.park.is_some();
            if let Some(p) = call.park.clone() {
                call.parks.push(ParkStay::ended(p, WaitEnd::Timeout));
            }
        }
    }

    /// `ParkedCallGiveUp`: the caller hung up while parked.
    pub(super) fn on_park_give_up(
        &mut self,
        parkee: &Parkee<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(key) = self.call_of_parkee(parkee) else {
            return;
        };
        if let Some(call) = self.calls.get_mut(&key) {
            if let Some(p) = call.park.take() {
                call.parks.push(ParkStay::ended(p, WaitEnd::Hangup));
            }
            call.park_returning = false;
        }
        self.push_update(key, at_ms, out);
    }

    /// The call of a parked channel.
    fn call_of_parkee(&self, parkee: &Parkee<'_>) -> Option<CallKey> {
        let uid = self.first_uid_of(parkee)?;
        self.channels.get(&*uid).map(|c| c.call)
    }
}
