//! Rebuilding the calls in flight from a fresh channel listing after a
//! reconnect or lost events.

use super::*;

impl CallTracker {
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
        let listed: Vec<ListedChannel<'_>> =
            channels.iter().filter_map(ListedChannel::decode).collect();
        let live: HashSet<&str> = listed.iter().map(|p| p.uniqueid).collect();

        // 1. What we knew and is still there: catch up on answers.
        for p in &listed {
            let uid = p.uniqueid;
            if p.snap.up && self.channels.get(uid).is_some_and(|c| !c.up) {
                if let Some(c) = self.channels.get_mut(uid) {
                    c.up = true;
                }
                self.answered(uid, at_ms, &mut out);
            }
        }

        // 2. Channels we never saw.
        let mut added: Vec<&ListedChannel<'_>> = Vec::new();
        for p in &listed {
            if self.channels.contains_key(p.uniqueid) {
                continue;
            }
            if self.ensure_channel(&p.snap, at_ms) {
                added.push(p);
            }
        }
        // AMI 1.x lists have no Linkedid: join bridged channels.
        for p in &added {
            if let Some(peer) = p.bridged {
                if self.channels.contains_key(peer) {
                    self.join_calls(peer, p.uniqueid);
                }
            }
        }
        for p in &added {
            self.adopt_listed(p, at_ms, &mut out);
        }

        // 3. Everything else hung up while we were away.
        let gone: Vec<Arc<str>> = self
            .channels
            .keys()
            .filter(|u| !live.contains(&***u))
            .cloned()
            .collect();
        for uid in &gone {
            if self
                .channels
                .get(&**uid)
                .is_some_and(|c| c.leg == LegState::Ringing)
            {
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
    pub(super) fn adopt_listed(
        &mut self,
        p: &ListedChannel<'_>,
        at_ms: i64,
        out: &mut Vec<CardChange>,
    ) {
        let uid = p.uniqueid;
        let Some(chan) = self.channels.get(uid) else {
            return;
        };
        let key = chan.call;
        if chan.kind != EndpointKind::Extension || !p.dialed {
            // An origin whose call we did not know: it sets the caller.
            let kind = chan.kind;
            let endpoint = chan.endpoint.to_string();
            if let Some(call) = self.calls.get_mut(&key) {
                if call.origin.is_none() && kind != EndpointKind::Local {
                    call.origin = Some(uid.into());
                    call.origin_kind = kind;
                    call.caller_num = p.snap.caller.num.unwrap_or("").to_owned();
                    call.caller_name = p.snap.caller.name.unwrap_or("").to_owned();
                    if kind == EndpointKind::Trunk {
                        call.trunk = Some(endpoint);
                        call.did = p.dnid.map(str::to_owned);
                    }
                }
            }
            return;
        }
        let ext = chan.endpoint.to_string();
        let (ringing, up) = (p.ringing, p.snap.up);
        let watched = self.is_watched(&ext);
        if let Some(c) = self.channels.get_mut(uid) {
            c.leg = if up {
                LegState::Answered
            } else {
                LegState::Ringing
            };
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
            call.caller_num = p.connected.num.unwrap_or("").to_owned();
            call.caller_name = p.connected.name.unwrap_or("").to_owned();
        }
        if call.direction.is_none() {
            call.direction = Some(origin_direction(call.origin_kind));
        }
        if !call.rang.contains(&ext) {
            call.rang.push(ext.clone());
        }
        if up {
            call.note_answer(&ext);
            call.answered_at_ms.get_or_insert(at_ms);
            call.relevant |= watched;
        } else if ringing {
            call.ringing += 1;
            if watched && !call.slots.iter().any(|s| *s.ext == *ext) {
                call.relevant = true;
                call.slots.push(Slot::new(
                    ext.as_str().into(),
                    SlotState::Open,
                    call.answers,
                ));
                let popup = popup_for(call, &ext, None, at_ms);
                out.push(popup);
            }
        }
    }
}
