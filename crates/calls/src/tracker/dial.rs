//! Dials, answers, bridges and hang-ups: a phone starts ringing (a popup
//! for a watched extension), is answered or stops, and who moved the call
//! there (a transfer event or a `Redirect`).

use super::*;

impl CallTracker {
    pub(super) fn on_newstate(
        &mut self,
        uid: &str,
        state: &NewState<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        if let NewState::Ringing {
            connected_num,
            ring,
        } = state
        {
            self.ringing_without_dial(uid, *connected_num, ring, at_ms, out);
            return;
        }
        let Some(chan) = self.channels.get_mut(uid) else {
            return;
        };
        if chan.up {
            return;
        }
        chan.up = true;
        self.answered(uid, at_ms, out);
    }

    pub(super) fn on_dial_begin(
        &mut self,
        dial: &DialBegin<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        if !self.ensure_channel(&dial.dest, at_ms) {
            return;
        }
        let Some(dest_uid) = dial.dest.uniqueid else {
            return;
        };
        let caller_uid = if self.ensure_channel(&dial.caller, at_ms) {
            dial.caller.uniqueid
        } else {
            None
        };
        let Some(caller_uid) = caller_uid else {
            self.originate_leg(dest_uid);
            return;
        };
        if caller_uid == dest_uid {
            return;
        }
        let cid_num = dial.caller.caller.num.unwrap_or("");
        // AMI 1.x: a queue rings a Local member from a Local pair of its own.
        self.fold_queue_local(caller_uid, cid_num);
        self.join_calls(caller_uid, dest_uid);

        let dialstring = dial.dialstring;
        let caller_key_arc = self
            .channels
            .get_key_value(caller_uid)
            .map(|(k, _)| k.clone());
        let Some(caller) = self.channels.get(caller_uid) else {
            return;
        };
        let dialer = Dialer {
            key: caller.call,
            kind: caller.kind,
            ext: caller.endpoint.clone(),
            cid_num,
            cid_name: dial.caller.caller.name,
        };
        let Some((dest_kind, dest_ext)) = self.dialled(dest_uid, caller_key_arc, dialstring) else {
            return;
        };
        match dest_kind {
            EndpointKind::Extension => {
                self.dial_extension(&dialer, dest_uid, &dest_ext, &dial.ring, at_ms, out)
            }
            EndpointKind::Trunk => {
                let number = ChannelName::parse(dial.dest.channel.unwrap_or(""))
                    .and_then(|n| n.dialed.map(str::to_owned))
                    .or_else(|| dialed_number(dialstring))
                    .or_else(|| dial.exten.map(str::to_owned));
                self.dial_trunk(&dialer, &dest_ext, number);
            }
            EndpointKind::Local | EndpointKind::Unknown => {}
        }
    }

    /// A dial with no dialing channel: an Originate ringing the user's own
    /// phone. Never a popup; the phone's extension is the one placing the call.
    fn originate_leg(&mut self, dest_uid: &str) {
        let Some(chan) = self.channels.get_mut(dest_uid) else {
            return;
        };
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

    /// The dialled channel learns who dialled it, and what it is: a trunk
    /// when the dial string names it as one, a phone when it is one of ours.
    fn dialled(
        &mut self,
        dest_uid: &str,
        dialed_by: Option<Arc<str>>,
        dialstring: &str,
    ) -> Option<(EndpointKind, Arc<str>)> {
        let d = self.channels.get_mut(dest_uid)?;
        d.dialed_by = dialed_by;
        // `908500000000/05346782695` or `5559876543@carrier`: the dial
        // string names the endpoint as a trunk.
        if matches!(d.kind, EndpointKind::Unknown | EndpointKind::Extension)
            && ChannelName::parse(&d.name).is_some_and(|n| {
                !self.classifier.is_declared(n.endpoint)
                    && channel::trunk_in_dialstring(dialstring) == Some(n.endpoint)
            })
        {
            d.kind = EndpointKind::Trunk;
        }
        if d.kind == EndpointKind::Unknown && self.watched.contains(&*d.endpoint) {
            d.kind = EndpointKind::Extension;
        }
        Some((d.kind, d.endpoint.clone()))
    }

    /// A phone is dialled: a consultation when the dialling extension (its
    /// own channel, or a Local half carrying its caller ID) already talks to
    /// someone, else a leg of the caller's call ringing.
    fn dial_extension(
        &mut self,
        dialer: &Dialer<'_>,
        dest_uid: &str,
        dest_ext: &str,
        ring: &RingSource<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let by = match dialer.kind {
            EndpointKind::Extension => Some(dialer.ext.clone()),
            EndpointKind::Local if !dialer.cid_num.is_empty() => Some(Arc::from(dialer.cid_num)),
            _ => None,
        };
        let consult_key = by
            .as_ref()
            .filter(|x| ***x != *dest_ext)
            .and_then(|x| self.consulting_call(x, dialer.key));
        if let (Some(x), Some(key)) = (by, consult_key) {
            if key != dialer.key {
                // The consultation is a call of its own (a phone's transfer
                // key): it belongs to the caller's call.
                self.fold_call(dialer.key, key);
            }
            let name = dialer
                .cid_name
                .filter(|_| dialer.cid_num == &*x)
                .map(str::to_owned);
            self.ring_consultation(key, dest_uid, &x, name, at_ms, out);
            return;
        }
        self.ring_leg(dialer.key, dialer.kind, dest_uid, ring, at_ms, out);
    }

    /// A trunk is dialled: an outbound call when no trunk placed it.
    fn dial_trunk(&mut self, dialer: &Dialer<'_>, trunk: &str, number: Option<String>) {
        let Some(call) = self.calls.get_mut(&dialer.key) else {
            return;
        };
        if call.direction.is_some() {
            return;
        }
        if call.origin_kind == EndpointKind::Trunk {
            call.direction = Some(Direction::Inbound);
            return;
        }
        call.direction = Some(Direction::Outbound);
        if dialer.kind == EndpointKind::Extension {
            call.from_extension
                .get_or_insert_with(|| dialer.ext.to_string());
        }
        call.dialed = number;
        call.trunk = Some(trunk.to_owned());
        let watched = call
            .from_extension
            .as_deref()
            .is_some_and(|e| self.watch_all || self.watched.contains(e));
        call.relevant |= watched;
    }

    /// An extension leg of the caller's call starts ringing: dialled, or
    /// (AMI 1.x queues) rung by `app_queue` without a Dial event. Pops at a
    /// watched extension, and works out who moved the call here.
    pub(super) fn ring_leg(
        &mut self,
        caller_key: CallKey,
        caller_kind: EndpointKind,
        dest_uid: &str,
        ring: &RingSource<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let caller_peer = self
            .channels
            .get(
                self.channels
                    .get(dest_uid)
                    .and_then(|d| d.dialed_by.as_deref())
                    .unwrap_or(""),
            )
            .and_then(|c| c.peer_ext.clone());
        let Some(d) = self.channels.get_mut(dest_uid) else {
            return;
        };
        // A channel rings once: a dial of a leg already answered or ended is
        // an event older than what the tracker knows (queued behind a resync
        // after lost events, whose listing already showed it answered). It
        // must not pop the call up a second time.
        if matches!(d.leg, LegState::Answered | LegState::Ended) {
            return;
        }
        d.leg = LegState::Ringing;
        let dest_ext = d.endpoint.clone();
        let watched = self.is_watched(&dest_ext);
        let Some(call) = self.calls.get_mut(&caller_key) else {
            return;
        };
        if call.direction.is_none() {
            call.direction = Some(origin_direction(call.origin_kind));
            if call.origin_kind == EndpointKind::Extension {
                let placed_by = self
                    .channels
                    .get(call.origin.as_deref().unwrap_or(""))
                    .map(|c| c.endpoint.to_string());
                call.from_extension = call.from_extension.take().or(placed_by);
            }
        }
        if call.caller_num.is_empty() && call.caller_name.is_empty() {
            // The origin was never seen (started before we connected).
            call.caller_num = ring.caller.num.unwrap_or("").to_owned();
            call.caller_name = ring.caller.name.unwrap_or("").to_owned();
        }
        call.ringing += 1;
        if !call.rang.iter().any(|r| *r == *dest_ext) {
            call.rang.push(dest_ext.to_string());
        }
        let from_park_dial = ring
            .context
            .is_some_and(|c| c.eq_ignore_ascii_case("park-dial"));
        let park_return = call.park_return(from_park_dial, &dest_ext);
        let transferred_by = call.moved_here_by(
            park_return.is_none(),
            caller_kind,
            caller_peer,
            &dest_ext,
            at_ms,
        );
        let moved_from =
            call.moved_before_answer(transferred_by.is_none(), caller_kind, &dest_ext, at_ms, out);
        if transferred_by.is_some() {
            // Moved here (a transfer, a Redirect): the caller no longer talks
            // to whoever sent it, whose hang-up may still be to come.
            call.connected = None;
        }
        if watched {
            call.relevant = true;
            out.extend(call.pop_at(
                &dest_ext,
                transferred_by.clone(),
                park_return.as_ref(),
                at_ms,
            ));
        }
        // A call that was answered and rings again (moved on, parked and
        // back, sent back by a recall) changes on the live card too.
        let rings_again = call.answered_at_ms.is_some();
        if (transferred_by.is_some()
            || moved_from.is_some()
            || park_return.is_some()
            || rings_again)
            && call.relevant
        {
            self.push_update(caller_key, at_ms, out);
        }
    }

    pub(super) fn on_dial_end(&mut self, end: &DialEnd<'_>, at_ms: i64, out: &mut Vec<CardChange>) {
        let cancelled = end.status == DialStatus::Cancel;
        if let Some(dest) = end.dest {
            if end.status == DialStatus::Answer {
                self.answered(dest, at_ms, out);
            } else {
                self.leg_stopped(dest, cancelled, at_ms, out);
            }
            return;
        }
        // AMI 1.x: Dial End names only the dialing channel.
        if end.status == DialStatus::Answer {
            return;
        }
        let Some(caller) = end.caller else {
            return;
        };
        let legs: Vec<Arc<str>> = self
            .channels
            .iter()
            .filter(|(_, c)| c.leg == LegState::Ringing && c.dialed_by.as_deref() == Some(caller))
            .map(|(u, _)| u.clone())
            .collect();
        for leg in legs {
            self.leg_stopped(&leg, cancelled, at_ms, out);
        }
    }

    pub(super) fn on_bridge_enter(
        &mut self,
        uid: &str,
        bridge: &str,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        if !self.channels.contains_key(uid) {
            return;
        }
        // Take the member list out (keeping its key) so the peers can be
        // updated without cloning it; nothing here allocates for a known bridge.
        let (key, mut members) = self
            .bridges
            .remove_entry(bridge)
            .unwrap_or_else(|| (bridge.into(), Vec::new()));
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
        if self
            .channels
            .get(uid)
            .is_some_and(|c| c.leg == LegState::Ringing)
        {
            self.answered(uid, at_ms, out);
        }
    }

    pub(super) fn leave_bridge(&mut self, uid: &str, bridge: &str) {
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
    pub(super) fn note_peers(&mut self, a: &str, b: &str) {
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
    pub(super) fn on_link(&mut self, a: &str, b: &str, at_ms: i64, out: &mut Vec<CardChange>) {
        self.note_peers(a, b);
        for uid in [a, b] {
            if self
                .channels
                .get(uid)
                .is_some_and(|c| c.leg == LegState::Ringing)
            {
                self.answered(uid, at_ms, out);
            }
        }
    }

    /// A dialled leg (or a trunk leg) was answered.
    pub(super) fn answered(&mut self, uid: &str, at_ms: i64, out: &mut Vec<CardChange>) {
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
                for slot in call
                    .slots
                    .iter_mut()
                    .filter(|s| s.consult && s.ext == ext && s.state == SlotState::Open)
                {
                    slot.state = SlotState::Talking;
                }
                self.push_update(key, at_ms, out);
            }
            (EndpointKind::Extension, LegState::Ringing) => {
                chan.leg = LegState::Answered;
                let ext = chan.endpoint.to_string();
                let watched = self.watch_all || self.watched.contains(&ext);
                let Some(call) = self.calls.get_mut(&key) else {
                    return;
                };
                call.answered_here(&ext, watched, at_ms, out);
                // The other phones stop ringing; their CANCEL will follow.
                let others: Vec<Arc<str>> = self
                    .channels
                    .iter()
                    .filter(|(u, c)| {
                        c.call == key && c.leg == LegState::Ringing && !c.consult && ***u != *uid
                    })
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
    pub(super) fn leg_stopped(
        &mut self,
        uid: &str,
        cancelled: bool,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
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
        let still_ringing_here = self
            .channels
            .values()
            .any(|c| c.call == key && c.leg == LegState::Ringing && c.endpoint == ext);
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
        call.stopped_ringing(&ext, cancelled, at_ms, out);
        // A call answered once that rang on (transferred, sent back by a
        // recall, back from parking) and stops ringing there changes on the
        // live card too, as its ringing did: a Redirect that takes the caller
        // away says nothing else until the next phone rings.
        if call.answered_at_ms.is_some() {
            self.push_update(key, at_ms, out);
        }
    }

    pub(super) fn on_hangup(
        &mut self,
        uid: &str,
        cause: Option<u16>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        if !self.channels.contains_key(uid) {
            return;
        }
        // Cause 26 is "answered elsewhere"; 0/16/127 after the caller left.
        self.leg_stopped(uid, cause == Some(26), at_ms, out);
        self.drop_channel(uid, at_ms, false, out);
    }
}

/// Direction implied by what placed the call.
pub(super) fn origin_direction(kind: EndpointKind) -> Direction {
    match kind {
        EndpointKind::Trunk => Direction::Inbound,
        _ => Direction::Internal,
    }
}

/// The number in a trunk dial string: `5559876543@carrier`, `carrier/5559876543`.
fn dialed_number(dialstring: &str) -> Option<String> {
    let first = dialstring.split(['&', ',']).next()?;
    if let Some((num, _)) = first.split_once('@') {
        let num = num.rsplit('/').next().unwrap_or(num);
        return (!num.is_empty()).then(|| num.to_owned());
    }
    first
        .rsplit_once('/')
        .map(|(_, n)| n.to_owned())
        .filter(|n| !n.is_empty())
}

/// The dialling side of a dial, as the event named it.
struct Dialer<'a> {
    /// Its call.
    key: CallKey,
    kind: EndpointKind,
    /// Extension number for phones, trunk name for trunks.
    ext: Arc<str>,
    /// The caller ID it dials with (a Local half carries its caller's).
    cid_num: &'a str,
    cid_name: Option<&'a str>,
}

/// The steps of a leg starting to ring, on the call it rings for.
impl Call {
    /// A parked call nobody retrieved rings its parker again (dialled from
    /// `park-dial`, after ParkedCallTimeOut): where it was parked, and the
    /// stay's end names whom it rang.
    fn park_return(&mut self, from_park_dial: bool, dest_ext: &str) -> Option<ParkSpot> {
        let park_return = if self.park_returning || from_park_dial {
            self.park.take()
        } else {
            None
        };
        if let Some(p) = &park_return {
            match self
                .parks
                .last_mut()
                .filter(|s| s.end == WaitEnd::Timeout && s.returned_to.is_none())
            {
                Some(stay) => stay.returned_to = Some(dest_ext.to_owned()),
                // ParkedCallTimeOut not seen (yet): the dial from park-dial says it.
                None => self.parks.push(ParkStay {
                    returned_to: Some(dest_ext.to_owned()),
                    ..ParkStay::ended(p.clone(), WaitEnd::Timeout)
                }),
            }
        }
        self.park_returning = false;
        park_return
    }

    /// Who moved the call here: a transfer event, or a Redirect (the dialing
    /// channel was talking to another extension, `caller_peer`), recorded in
    /// the transfer history.
    fn moved_here_by(
        &mut self,
        may_be_redirect: bool,
        caller_kind: EndpointKind,
        caller_peer: Option<Arc<str>>,
        dest_ext: &str,
        at_ms: i64,
    ) -> Option<String> {
        if let Some(p) = self.pending_transfer.take() {
            if let Some(t) = self.transfers.last_mut() {
                if t.to.is_empty() {
                    t.to = dest_ext.to_owned();
                }
            }
            return p.by;
        }
        if !may_be_redirect || self.answered_by.is_none() || caller_kind == EndpointKind::Local {
            return None;
        }
        let peer = caller_peer.filter(|peer| **peer != *dest_ext)?;
        self.transfers.push(Transfer {
            by: Some(peer.to_string()),
            to: dest_ext.to_owned(),
            kind: TransferKind::Blind,
            at_ms,
        });
        Some(peer.to_string())
    }

    /// A ringing call moved elsewhere before anyone answered (a Redirect of
    /// a ringing call): the popup that waited there closes as transferred.
    fn moved_before_answer(
        &mut self,
        not_transferred: bool,
        caller_kind: EndpointKind,
        dest_ext: &str,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) -> Option<Arc<str>> {
        if self.answered_by.is_some() {
            self.last_cancelled = None;
            if not_transferred && self.queue.is_none() && caller_kind != EndpointKind::Local {
                self.moved_away_from_ringing(dest_ext, at_ms, out);
            }
            return None;
        }
        let from = self.last_cancelled.take().filter(|from| {
            not_transferred
                && self.queue.is_none()
                && self.answered_by.is_none()
                && caller_kind != EndpointKind::Local
                && **from != *dest_ext
        })?;
        self.transfers.push(Transfer {
            by: None,
            to: dest_ext.to_owned(),
            kind: TransferKind::Blind,
            at_ms,
        });
        self.close_transferred(|s| s.ext == from, at_ms, out);
        Some(from)
    }

    /// An answered call that rang on (a blind transfer) moved elsewhere
    /// while it rang (the recall's `Redirect` back to the extension that
    /// transferred it, any `Redirect` of the caller): a popup whose ringing
    /// the caller side stopped, unanswered since it began, closes as
    /// transferred, as for a call nobody had answered yet. The transfer
    /// history is left as it was: the move back is no transfer of anyone's.
    fn moved_away_from_ringing(&mut self, dest_ext: &str, at_ms: i64, out: &mut Vec<CardChange>) {
        let answers = self.answers;
        self.close_transferred(
            |s| !s.consult && *s.ext != *dest_ext && s.answers_at_ring == answers,
            at_ms,
            out,
        );
    }

    /// Closes as transferred each popup still waiting to be resolved
    /// (`Pending`) that `which` picks: the caller went elsewhere while it
    /// rang there.
    fn close_transferred(
        &mut self,
        which: impl Fn(&Slot) -> bool,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        for slot in self
            .slots
            .iter_mut()
            .filter(|s| s.state == SlotState::Pending && which(s))
        {
            slot.state = SlotState::Closed;
            out.push(CardChange::Close {
                call: self.id.to_string(),
                extension: slot.ext.to_string(),
                reason: CloseReason::Transferred,
                answered_by: None,
                at_ms,
            });
        }
    }

    /// The popup at a watched extension that starts ringing: none while its
    /// card is still shown (a queue ringing it again), else a new one.
    fn pop_at(
        &mut self,
        dest_ext: &Arc<str>,
        transferred_by: Option<String>,
        park_return: Option<&ParkSpot>,
        at_ms: i64,
    ) -> Option<CardChange> {
        let answers = self.answers;
        let mut popup = match self
            .slots
            .iter_mut()
            .find(|s| *s.ext == **dest_ext && !s.consult)
        {
            Some(slot) if slot.state != SlotState::Closed => {
                // Still shown (queue retry): ringing again, no second popup.
                slot.state = SlotState::Open;
                None
            }
            Some(slot) if transferred_by.is_none() => {
                slot.state = SlotState::Open;
                slot.answers_at_ring = answers;
                Some(popup_for(self, dest_ext, None, at_ms))
            }
            _ => {
                self.slots
                    .push(Slot::new(dest_ext.clone(), SlotState::Open, answers));
                Some(popup_for(self, dest_ext, transferred_by, at_ms))
            }
        };
        if let (
            Some(CardChange::Popup {
                park_return: pr,
                park_slot,
                parked_by,
                ..
            }),
            Some(spot),
        ) = (&mut popup, park_return)
        {
            *pr = true;
            *park_slot = Some(spot.slot.clone());
            *parked_by = spot.parked_by.clone();
        }
        popup
    }

    /// No phone of extension `ext` rings for the call any more: its popup
    /// closes (answered elsewhere, or missed) or, when the caller side
    /// stopped it or a queue may ring it again, waits to be resolved. Only
    /// an answer since it began to ring here is "answered elsewhere": a
    /// caller transferred here after 1001 answered was not answered by 1001.
    fn stopped_ringing(
        &mut self,
        ext: &str,
        cancelled: bool,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let Some(i) = self
            .slots
            .iter()
            .position(|s| *s.ext == *ext && !s.consult && s.state == SlotState::Open)
        else {
            return;
        };
        let answered_since = self.answered_since(&self.slots[i]);
        let slot = &mut self.slots[i];
        if let Some(by) = self.answered_by.clone().filter(|_| answered_since) {
            slot.state = SlotState::Closed;
            self.answered_elsewhere_for.push(ext.to_owned());
            out.push(CardChange::Close {
                call: self.id.to_string(),
                extension: ext.to_owned(),
                reason: CloseReason::AnsweredElsewhere,
                answered_by: Some(by),
                at_ms,
            });
        } else if cancelled || self.queue.is_some() {
            slot.state = SlotState::Pending;
        } else {
            slot.state = SlotState::Closed;
            self.note_missed_after_answer();
            out.push(CardChange::Close {
                call: self.id.to_string(),
                extension: ext.to_owned(),
                reason: CloseReason::Missed,
                answered_by: None,
                at_ms,
            });
        }
    }

    /// Extension `ext` answered: it talks to the caller now, and every popup
    /// still up closes, as answered here or elsewhere.
    fn answered_here(&mut self, ext: &str, watched: bool, at_ms: i64, out: &mut Vec<CardChange>) {
        self.ringing = self.ringing.saturating_sub(1);
        self.connected = Some(ext.to_owned());
        self.note_answer(ext);
        self.end_queue_wait(WaitEnd::Answered, at_ms);
        self.answered_at_ms.get_or_insert(at_ms);
        if watched {
            self.relevant = true;
        }
        for slot in self.slots.iter_mut().filter(|s| !s.consult) {
            if matches!(slot.state, SlotState::Open | SlotState::Pending) {
                let mine = *slot.ext == *ext;
                slot.state = SlotState::Closed;
                if !mine {
                    self.answered_elsewhere_for.push(slot.ext.to_string());
                }
                out.push(CardChange::Close {
                    call: self.id.to_string(),
                    extension: slot.ext.to_string(),
                    reason: if mine {
                        CloseReason::Answered
                    } else {
                        CloseReason::AnsweredElsewhere
                    },
                    answered_by: Some(ext.to_owned()),
                    at_ms,
                });
            }
        }
    }
}
