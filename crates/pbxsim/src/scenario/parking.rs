//! A running call parked and what becomes of it: parked by a client's
//! `Park` action or by a scripted phone, it waits in its space until
//! someone dials the space (a phone, or a client's Originate: retrieved),
//! the caller hangs up (gave up), or the parking time runs out and it
//! rings its parker again (`comebacktoorigin=yes`, from `park-dial`).
//!
//! The sequences follow `ami/park-retrieve.ami` for 12+ (the lot's
//! holding bridge, `BLINDTRANSFER` set from the timeout channel, the
//! parker's leg hung up; a retriever's own basic bridge) and 11's
//! features.c (`masq_park_call`: a `Parked/` masquerade; `ParkedCall`
//! app's `UnParkedCall` and a `Bridge` link).

use std::time::Duration;

use super::call::{hang_leg, lock, CallRun, Leg, TalkEnd, Wake};
use super::originate::{new_originated, originate_response};
use crate::config::Dialect;
use crate::world::{
    dial_string_of, CallCmd, ChanState, NewChan, OriginateSpec, ParkEv, ParkedSlot, World,
    PARKING_LOT,
};

/// Who dials the space.
pub(super) enum Retriever<'a> {
    /// A phone dialled it.
    Phone(&'a str),
    /// A client's Originate from a phone to the space.
    Originate(&'a OriginateSpec),
}

impl CallRun {
    /// A scripted park after the talk time: in `space` (the first free one
    /// when empty; a full lot parks nothing and the call ends), for `time`
    /// (the ring time when `None`).
    pub(super) async fn park_scripted(
        &mut self,
        leg: &Leg,
        space: String,
        time: Option<Duration>,
    ) -> TalkEnd {
        let time = time.unwrap_or(self.timing.ring);
        let free = lock(&self.w).free_space();
        let space = match (space.is_empty(), free) {
            (false, _) => space,
            (true, Some(free)) => free,
            (true, None) => return TalkEnd::HungUp(leg.clone()),
        };
        self.park(leg, &space, None, time).await
    }

    /// The call's caller, talking on `leg`, is parked in `space` for
    /// `timeout`; `parker` is the channel it comes back to (the leg's
    /// phone when `None`). Then waits for what happens to it.
    pub(super) async fn park(
        &mut self,
        leg: &Leg,
        space: &str,
        parker: Option<String>,
        timeout: Duration,
    ) -> TalkEnd {
        let parker = parker.unwrap_or_else(|| leg.phone().to_owned());
        let slot = {
            let mut w = lock(&self.w);
            let slot = ParkedSlot {
                space: space.to_owned(),
                call: self.id,
                channel: self.a.clone(),
                parker,
                since: w.now().as_secs(),
                timeout: timeout.as_secs(),
            };
            if w.dialect == Dialect::Modern {
                self.park_modern(&mut w, leg, &slot);
            } else {
                self.park_old(&mut w, leg, &slot);
            }
            slot
        };
        // 1.x: the caller's Dial ended with the old struct.
        self.dial_app_gone = true;
        self.wait_parked(slot, timeout).await
    }

    /// Which side a `Park` of `channel` parks: the caller (the call's own
    /// channel, talking on `leg`), or the phone it called, which then
    /// becomes the call's parked side and the caller its parker's leg.
    pub(super) fn parked_side(&mut self, leg: &Leg, channel: &str) -> Option<Leg> {
        if channel == self.a {
            return Some(leg.clone());
        }
        if channel != leg.dialled || leg.local.is_some() {
            return None;
        }
        let caller = std::mem::replace(&mut self.a, channel.to_owned());
        let ext = lock(&self.w)
            .chan(&caller)
            .map(|c| c.endpoint.clone())
            .unwrap_or_default();
        Some(Leg {
            target: ext,
            dialled: caller,
            local: None,
        })
    }

    /// 12+: the caller leaves the bridge for the lot's holding bridge; the
    /// parker's leg, left alone, hangs up.
    fn park_modern(&self, w: &mut World, leg: &Leg, slot: &ParkedSlot) {
        let lot = w.parking_bridge();
        w.var_set(&self.a, "BLINDTRANSFER", &slot.parker);
        w.leave_bridge(&self.a);
        w.occupy(slot.clone());
        w.park_event(ParkEv::Parked, slot);
        w.join_bridge(&self.a, Some(&lot), None);
        w.leave_bridge(&leg.dialled);
        hang_leg(w, leg, 16);
    }

    /// 1.x: the caller is masqueraded into a `Parked/` channel, which keeps
    /// its name; the parker's leg hangs up.
    fn park_old(&self, w: &mut World, leg: &Leg, slot: &ParkedSlot) {
        w.unbridge(&self.a, &leg.dialled);
        let a = self.a.clone();
        let (ctx, ex) = w
            .chan(&a)
            .map(|c| (c.context.clone(), c.exten.clone()))
            .unwrap_or_default();
        let parked = w.pseudo_channel(self.id, "Parked", &a, &ctx, &ex);
        let zombie = w.masquerade(&parked, &a);
        w.occupy(slot.clone());
        w.park_event(ParkEv::Parked, slot);
        if !self.dial_app_gone {
            w.dial_app_exit(&zombie, "ANSWER");
        }
        w.hangup(&zombie, 16);
        hang_leg(w, leg, 16);
    }

    /// Waits in the space until the call is retrieved, gives up, is
    /// redirected, or times out. A scripted retriever dials the space
    /// after the ring time.
    async fn wait_parked(&mut self, slot: ParkedSlot, timeout: Duration) -> TalkEnd {
        let scripted = self.retrieved_by.take();
        let until = match &scripted {
            Some(_) => self.timing.ring,
            None => timeout,
        };
        let deadline = tokio::time::Instant::now() + until;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.wait(left).await {
                Wake::Elapsed => {
                    return match &scripted {
                        Some(ext) => self.retrieved(&slot, &Retriever::Phone(ext)).await,
                        None => self.park_timed_out(&slot),
                    };
                }
                Wake::Cmd(CallCmd::Retrieve { by }) => {
                    return self.retrieved(&slot, &Retriever::Originate(&by)).await;
                }
                Wake::Cmd(CallCmd::Hangup { channel })
                    if channel.is_empty() || channel == self.a =>
                {
                    return self.park_given_up(&slot);
                }
                Wake::Cmd(CallCmd::Redirect { exten, .. }) => {
                    let mut w = lock(&self.w);
                    w.vacate(&slot.space);
                    w.leave_bridge(&self.a);
                    return TalkEnd::Moved(exten);
                }
                Wake::Cmd(CallCmd::PickUp { by, .. }) => self.decline(*by),
                Wake::Cmd(_) => {}
            }
        }
    }

    /// Someone dials the space: the caller talks to them.
    async fn retrieved(&mut self, slot: &ParkedSlot, by: &Retriever<'_>) -> TalkEnd {
        let leg = {
            let mut w = lock(&self.w);
            let (ext, r) = new_retriever(&mut w, self.id, &slot.space, by);
            w.vacate(&slot.space);
            if w.dialect == Dialect::Modern {
                let bridge = w.new_bridge();
                w.leave_bridge(&self.a);
                w.park_event(ParkEv::Unparked(&r), slot);
                if let Some(linkedid) = w.chan(&self.a).map(|c| c.linkedid.clone()) {
                    w.set_linkedid_quietly(&r, &linkedid);
                }
                w.join_bridge(&self.a, Some(&bridge), None);
                w.join_bridge(&r, Some(&bridge), None);
            } else {
                w.park_event(ParkEv::Unparked(&r), slot);
                w.bridge(&self.a, &r);
            }
            let name = w.ext_name(&ext);
            w.set_connected(&self.a, &ext, &name);
            if let Some(a) = w.chan(&self.a).cloned() {
                w.set_connected(&r, &a.cid_num, &a.cid_name);
            }
            self.last_dest_chan = r.clone();
            Leg {
                target: ext,
                dialled: r,
                local: None,
            }
        };
        Box::pin(self.talk(&leg)).await
    }

    /// Nobody came: the call rings its parker again, dialled from
    /// `park-dial`.
    fn park_timed_out(&mut self, slot: &ParkedSlot) -> TalkEnd {
        let mut w = lock(&self.w);
        let parker = dial_string_of(&slot.parker);
        let flat = parker.replace('/', "_");
        if w.dialect == Dialect::Modern {
            w.leave_bridge(&self.a);
            for (k, v) in [
                ("PARKING_SPACE", slot.space.as_str()),
                ("PARKEDLOT", PARKING_LOT),
                ("PARKER", parker.as_str()),
                ("PARKER_FLAT", flat.as_str()),
            ] {
                w.var_set(&self.a, k, v);
            }
        } else {
            w.var_set(&self.a, "COMEBACKDIALTIME", "30");
            w.var_set(&self.a, "PARKER", &parker);
        }
        w.park_event(ParkEv::TimedOut, slot);
        w.vacate(&slot.space);
        self.comeback = Some(("park-dial".to_owned(), flat));
        let parker_ext = parker.split_once('/').map_or(parker.as_str(), |(_, e)| e);
        TalkEnd::Moved(parker_ext.to_owned())
    }

    /// The caller hung up while parked.
    fn park_given_up(&mut self, slot: &ParkedSlot) -> TalkEnd {
        let mut w = lock(&self.w);
        if w.dialect == Dialect::Modern {
            w.leave_bridge(&self.a);
        }
        w.park_event(ParkEv::GaveUp, slot);
        w.vacate(&slot.space);
        self.write_cdr(&w, "ANSWERED");
        w.hangup(&self.a, 16);
        TalkEnd::Gone
    }
}

/// The retriever's channel, at the space: a phone that dialled it (Ring,
/// then Up), or an Originate's first leg that rang, answered and runs
/// `ParkedCall`. Returns the retriever's extension and channel.
fn new_retriever(
    w: &mut World,
    call: crate::world::CallId,
    space: &str,
    by: &Retriever<'_>,
) -> (String, String) {
    match by {
        Retriever::Phone(ext) => {
            let name = w.ext_name(ext);
            let r = w.new_channel(
                call,
                NewChan {
                    endpoint: ext,
                    state: ChanState::Ring,
                    cid_num: ext,
                    cid_name: &name,
                    context: &format!("DLPN_DialPlan{ext}"),
                    exten: space,
                    linkedid: None,
                    uniqueid: None,
                    local_name: None,
                },
            );
            w.set_state(&r, ChanState::Up);
            ((*ext).to_owned(), r)
        }
        Retriever::Originate(spec) => {
            let r = new_originated(w, call, spec);
            w.set_state(&r, ChanState::Ringing);
            w.set_state(&r, ChanState::Up);
            w.dial_end(None, &r, "ANSWER");
            originate_response(w, spec, &r, true);
            w.set_location(
                &r,
                &spec.context,
                space,
                "ParkedCall",
                &format!("{PARKING_LOT},{space}"),
            );
            (spec.from.clone(), r)
        }
    }
}
