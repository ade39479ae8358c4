//! Call features that move a call between phones: attended transfers (the
//! `Atxfer` action and the phone's own transfer key) and pickups (a phone's
//! feature code, or a client's Originate to `PickupChan`), each in both
//! dialects. Parking is in `parking.rs`.
//!
//! The sequences follow the Asterisk sources and captures:
//! `ami/atxfer-1003.ami` (12+ Atxfer: a Local pair sharing the caller's
//! Linkedid, completed by a merge when the transferer hangs up), 11's
//! `builtin_atxfer` (a Local pair, then a `Transfered/` masquerade),
//! res_pjsip's REFER (`AttendedTransfer` with `IsExternal: Yes`), chan_sip's
//! REFER (`Transfer` then a masquerade), `ami/pickup-feature-code.ami` and
//! `ami-1.3/pickup-feature-code.ami`.

use super::call::{lock, CallRun, Leg, TalkEnd, Wake};
use super::originate::originate_response;
use crate::config::Dialect;
use crate::world::{
    sip_attended_transfer_event, AttendedTransfer, CallCmd, ChanState, NewChan, OriginateSpec,
    World,
};

/// How a ringing call is picked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickupStyle {
    /// Group pickup: the picker dials `*8` (`Pickup()` of its group).
    Group,
    /// Directed pickup by feature code: the picker dials `**<ext>`.
    FeatureCode,
    /// Directed pickup through the action: an `Originate` from the
    /// picker's phone to the application `PickupChan` (12+ dials it with no
    /// dialling channel; 1.x announces no dial at all).
    Originate,
}

/// An `Atxfer` consultation under way.
struct Consultation {
    /// The transferer's phone.
    t: String,
    /// The Local pair the transferer dials the colleague through.
    l1: String,
    l2: String,
    /// The colleague's phone.
    c: String,
    /// The bridge the transferer shared with the caller (12+).
    orig: String,
}

impl CallRun {
    /// The `Atxfer` action on the transferer (the phone of `leg`): a Local
    /// pair rings `exten`; when it answers and the transferer hangs up, the
    /// caller is handed over. With `decline_consult` the colleague rejects
    /// the consultation and the caller goes back to the transferer.
    pub(super) async fn consult(&mut self, leg: &Leg, exten: &str) -> Option<TalkEnd> {
        let x = self.ring_colleague(leg.phone(), exten)?;
        let hung_up = |cmd: &Wake, a: &str| matches!(cmd, Wake::Cmd(CallCmd::Hangup { channel }) if channel == a);
        let wake = self.wait(self.timing.ring).await;
        if hung_up(&wake, &self.a) || self.decline_consult {
            self.end_consultation(&x);
            if hung_up(&wake, &self.a) {
                return Some(TalkEnd::HungUp(leg.clone()));
            }
            return None;
        }
        self.colleague_answers(&x, exten);
        // The transferer talks to the colleague, then hangs up to complete.
        let wake = self.wait(self.timing.talk).await;
        let new_leg = self.hand_over(x, exten)?;
        if hung_up(&wake, &self.a) {
            return Some(TalkEnd::HungUp(new_leg));
        }
        Some(Box::pin(self.talk(&new_leg)).await)
    }

    /// The transferer `t` puts the caller on hold and a Local pair dials
    /// the colleague at `exten`, whose phone rings.
    fn ring_colleague(&self, t: &str, exten: &str) -> Option<Consultation> {
        let mut w = lock(&self.w);
        w.extension(exten)?;
        let tc = w.chan(t).cloned()?;
        let a = w.chan(&self.a).cloned()?;
        let orig = w.bridge_of(&self.a).unwrap_or_default();
        let modern = w.dialect == Dialect::Modern;
        if modern {
            w.set_hold(t, true);
        } else {
            w.unbridge(&self.a, t);
            w.music_on_hold(&self.a, true);
        }
        let (l1, l2) = w.local_pair(self.id, exten, "internal", &a.linkedid);
        // feature_request_and_dial: ;1's connected line is the
        // transferer, which chan_local copies onto ;2's caller ID.
        w.set_connected(&l1, &tc.cid_num, &tc.cid_name);
        w.set_caller_quietly(&l2, &tc.cid_num, &tc.cid_name);
        let x = if modern {
            Some(w.join_bridge(&l1, None, None))
        } else {
            w.var_set(&l1, "TRANSFERERNAME", t);
            None
        };
        let name = w.ext_name(exten);
        let c = w.new_channel(
            self.id,
            NewChan {
                endpoint: exten,
                state: ChanState::Down,
                cid_num: exten,
                cid_name: &name,
                context: &format!("DLPN_DialPlan{exten}"),
                exten: if modern { "s" } else { "" },
                linkedid: Some(&a.linkedid),
                uniqueid: None,
                local_name: None,
            },
        );
        if let Some(x) = &x {
            w.leave_bridge(t);
            w.join_bridge(t, Some(x), None);
        }
        w.set_connected(&c, &tc.cid_num, &tc.cid_name);
        w.dial_begin(Some(&l2), &c, exten);
        w.set_state(&c, ChanState::Ringing);
        w.set_caller_quietly(&l1, exten, &name);
        w.set_connected(&l1, &tc.cid_num, &tc.cid_name);
        w.set_state(&l1, ChanState::Ringing);
        Some(Consultation {
            t: t.to_owned(),
            l1,
            l2,
            c,
            orig,
        })
    }

    /// The colleague rejects the consultation (or the caller hung up while
    /// it rang): its channels hang up and the transferer has the caller back.
    fn end_consultation(&self, x: &Consultation) {
        let mut w = lock(&self.w);
        let modern = w.dialect == Dialect::Modern;
        w.dial_end(Some(&x.l2), &x.c, "BUSY");
        w.hangup(&x.c, 17);
        w.dial_app_exit(&x.l2, "BUSY");
        w.dial_end(None, &x.l1, "BUSY");
        w.leave_bridge(&x.l1);
        w.hangup(&x.l1, 17);
        w.hangup(&x.l2, 17);
        if modern {
            w.leave_bridge(&x.t);
            w.join_bridge(&x.t, Some(&x.orig), None);
            w.set_hold(&x.t, false);
        } else {
            w.music_on_hold(&self.a, false);
            w.bridge(&self.a, &x.t);
        }
    }

    /// The colleague answers: the transferer talks to them through the
    /// Local pair.
    fn colleague_answers(&self, x: &Consultation, exten: &str) {
        let mut w = lock(&self.w);
        let modern = w.dialect == Dialect::Modern;
        let name = w.ext_name(exten);
        w.set_state(&x.c, ChanState::Up);
        w.dial_end(Some(&x.l2), &x.c, "ANSWER");
        w.set_connected(&x.l2, exten, &name);
        w.set_state(&x.l1, ChanState::Up);
        w.dial_end(None, &x.l1, "ANSWER");
        w.set_state(&x.l2, ChanState::Up);
        if modern {
            let y = w.join_bridge(&x.c, None, None);
            w.join_bridge(&x.l2, Some(&y), None);
        } else {
            w.bridge(&x.l2, &x.c);
            w.bridge(&x.t, &x.l1);
        }
    }

    /// The transferer hangs up: the caller joins the colleague through the
    /// Local pair, which becomes the call's leg to `exten`.
    fn hand_over(&mut self, x: Consultation, exten: &str) -> Option<Leg> {
        let Consultation { t, l1, l2, c, orig } = x;
        let mut w = lock(&self.w);
        let (tc, name) = (w.chan(&t).cloned()?, w.ext_name(exten));
        if w.dialect == Dialect::Modern {
            let x = w.bridge_of(&t).unwrap_or_default();
            w.leave_bridge(&t);
            w.bridge_merge_event(&orig, &x);
            w.leave_bridge(&l1);
            w.join_bridge(&l1, Some(&orig), None);
            let a = w.chan(&self.a).cloned()?;
            let t_now = w.chan(&t).cloned().unwrap_or(tc);
            AttendedTransfer {
                orig: &t_now,
                orig_bridge: &orig,
                second: &t_now,
                second_bridge: &x,
                transferee: &a,
                target: None,
                external: false,
                dest_bridge: &orig,
            }
            .emit(&w);
            w.hangup(&t, 16);
        } else {
            w.unbridge(&t, &l1);
            w.music_on_hold(&self.a, false);
            let a = self.a.clone();
            let xfer = w.pseudo_channel(self.id, "Transfered", &a, "", "");
            let zombie = w.masquerade(&xfer, &a);
            w.bridge(&a, &l1);
            w.dial_app_exit(&zombie, "ANSWER");
            w.hangup(&zombie, 16);
            w.hangup(&t, 16);
            // The caller's Dial ended with the old struct; the new one only bridges.
            self.dial_app_gone = true;
        }
        let a = w.chan(&self.a).cloned()?;
        w.set_connected(&self.a, exten, &name);
        w.set_connected(&l1, &a.cid_num, &a.cid_name);
        w.set_connected(&l2, &a.cid_num, &a.cid_name);
        w.set_connected(&c, &a.cid_num, &a.cid_name);
        self.last_dest_chan = c.clone();
        self.destination = exten.to_owned();
        Some(Leg {
            target: exten.to_owned(),
            dialled: l1,
            local: Some((l2, c)),
        })
    }

    /// The phone's transfer key: the transferer's phone holds the caller,
    /// places a call of its own to `exten`, and once that is answered sends
    /// REFER with Replaces, which joins the caller to the colleague.
    pub(super) async fn phone_transfer(&mut self, leg: &Leg, exten: &str) -> Option<TalkEnd> {
        let t = leg.phone().to_owned();
        let (b2, c) = {
            let mut w = lock(&self.w);
            w.extension(exten)?;
            let tc = w.chan(&t).cloned()?;
            let modern = w.dialect == Dialect::Modern;
            if modern {
                w.set_hold(&t, true);
            } else {
                w.music_on_hold(&self.a, true);
            }
            let ctx = format!("DLPN_DialPlan{}", tc.endpoint);
            let b2 = w.new_channel(
                self.id,
                NewChan {
                    endpoint: &tc.endpoint,
                    state: ChanState::Ring,
                    cid_num: &tc.cid_num,
                    cid_name: &tc.cid_name,
                    context: &ctx,
                    exten,
                    linkedid: None,
                    uniqueid: None,
                    local_name: None,
                },
            );
            let b2c = w.chan(&b2).cloned()?;
            let c = self.new_phone_leg(&mut w, exten, &b2c, &b2);
            (b2, c)
        };
        self.wait(self.timing.ring).await;
        {
            let mut w = lock(&self.w);
            let name = w.ext_name(exten);
            w.set_state(&c, ChanState::Up);
            w.dial_end(Some(&b2), &c, "ANSWER");
            w.set_connected(&b2, exten, &name);
            w.set_state(&b2, ChanState::Up);
            w.bridge(&b2, &c);
        }
        self.wait(self.timing.talk).await;
        let new_leg = self.join_by_refer(&t, &b2, c, exten)?;
        Some(Box::pin(self.talk(&new_leg)).await)
    }

    /// The transferer's phone sends REFER with Replaces: the caller joins
    /// the colleague's phone `c`, which the consult call `b2` rang, and
    /// that becomes the call's leg to `exten`; the transferer `t` and
    /// `b2` hang up.
    fn join_by_refer(&mut self, t: &str, b2: &str, c: String, exten: &str) -> Option<Leg> {
        let mut w = lock(&self.w);
        let name = w.ext_name(exten);
        let (tc, b2c, a, cc) = (
            w.chan(t).cloned()?,
            w.chan(b2).cloned()?,
            w.chan(&self.a).cloned()?,
            w.chan(&c).cloned()?,
        );
        if w.dialect == Dialect::Modern {
            let orig = w.bridge_of(&self.a).unwrap_or_default();
            let y = w.bridge_of(&c).unwrap_or_default();
            w.leave_bridge(&self.a);
            w.join_bridge(&self.a, Some(&y), Some(b2));
            // The bridge gives its members the oldest Linkedid: the caller's.
            w.set_linkedid_quietly(&c, &a.linkedid);
            w.leave_bridge(b2);
            AttendedTransfer {
                orig: &tc,
                orig_bridge: &orig,
                second: &b2c,
                second_bridge: &y,
                transferee: &a,
                target: Some(&cc),
                external: true,
                dest_bridge: &y,
            }
            .emit(&w);
            w.leave_bridge(t);
            w.hangup(b2, 16);
            w.hangup(t, 16);
        } else {
            sip_attended_transfer_event(&w, &tc, &b2c);
            // The caller's guts move into the consult leg's struct, which
            // keeps its Uniqueid and its bridge with the colleague.
            let zombie = w.masquerade(b2, &self.a);
            w.music_on_hold(&self.a, false);
            w.unbridge(&zombie, t);
            w.dial_app_exit(&zombie, "ANSWER");
            w.hangup(&zombie, 16);
            w.hangup(t, 16);
        }
        w.set_connected(&self.a, exten, &name);
        w.set_connected(&c, &a.cid_num, &a.cid_name);
        self.last_dest_chan = c.clone();
        self.destination = exten.to_owned();
        Some(Leg {
            target: exten.to_owned(),
            dialled: c,
            local: None,
        })
    }

    /// `picker` picks up the ringing `leg` of the caller; returns the
    /// picker's leg, now bridged with the caller. `by` is the client's
    /// Originate that asked for it: the picker's channel then has its
    /// preset Uniqueid and context, and its answer is reported with
    /// `OriginateResponse`.
    pub(super) fn pick_up(
        &mut self,
        leg: &Leg,
        picker: &str,
        style: PickupStyle,
        by: Option<&OriginateSpec>,
    ) -> Option<Leg> {
        let mut w = lock(&self.w);
        let modern = w.dialect == Dialect::Modern;
        let target = leg.phone().to_owned();
        let a = w.chan(&self.a).cloned()?;
        let name = w.ext_name(picker);
        let (p, context, exten) = self.new_picker(&mut w, leg, picker, style, by);
        w.set_connected(&p, &a.cid_num, &a.cid_name);
        if style != PickupStyle::Originate {
            w.set_state(&p, ChanState::Up);
        }
        let (pc, tc) = (w.chan(&p).cloned()?, w.chan(&target).cloned()?);
        if modern {
            w.pickup_event(&pc, &tc);
            // ast_channel_move swaps silently: the ringing channel's name
            // and Uniqueid hang up with the picker's dialplan location.
            w.set_location(&target, &context, &exten, "", "");
            w.hangup(&target, 26);
            w.set_connected(&self.a, picker, &name);
            w.dial_end(Some(&self.a), &p, "ANSWER");
            w.set_state(&self.a, ChanState::Up);
            w.bridge(&self.a, &p);
            w.set_linkedid_quietly(&p, &a.linkedid);
        } else {
            w.pickup_event(&pc, &tc);
            let zombie = w.masquerade(&target, &p);
            w.hangup(&zombie, 26);
            w.set_state(&self.a, ChanState::Up);
            w.bridge(&self.a, &p);
        }
        self.answered_at = Some(w.now().as_secs());
        self.last_dest_chan = p.clone();
        Some(Leg {
            target: picker.to_owned(),
            dialled: p,
            local: None,
        })
    }
}

impl CallRun {
    /// The picker's channel as its style makes it: a phone dialling `*8`
    /// or `**<ext>` (Ring), or an Originate's first leg (Down, dialled with
    /// no dialling channel, answered, running `PickupChan`). Returns it
    /// with its context and extension.
    fn new_picker(
        &self,
        w: &mut World,
        leg: &Leg,
        picker: &str,
        style: PickupStyle,
        by: Option<&OriginateSpec>,
    ) -> (String, String, String) {
        let modern = w.dialect == Dialect::Modern;
        let (exten, context, state) = match style {
            PickupStyle::Group => (
                "*8".to_owned(),
                format!("DLPN_DialPlan{picker}"),
                ChanState::Ring,
            ),
            PickupStyle::FeatureCode => (
                format!("**{}", leg.target),
                format!("DLPN_DialPlan{picker}"),
                ChanState::Ring,
            ),
            PickupStyle::Originate => (
                if modern { "s" } else { "" }.to_owned(),
                by.map_or("default", |b| b.context.as_str()).to_owned(),
                ChanState::Down,
            ),
        };
        let name = w.ext_name(picker);
        let p = w.new_channel(
            self.id,
            NewChan {
                endpoint: picker,
                state,
                cid_num: picker,
                cid_name: &name,
                context: &context,
                exten: &exten,
                linkedid: None,
                uniqueid: by.and_then(|b| b.channel_id.as_deref()),
                local_name: None,
            },
        );
        if style == PickupStyle::Originate {
            // pbx_outgoing_exec dials the device with no dialling channel.
            w.dial_begin(None, &p, picker);
            w.set_state(&p, ChanState::Ringing);
            w.set_state(&p, ChanState::Up);
            w.dial_end(None, &p, "ANSWER");
            if let Some(b) = by {
                originate_response(w, b, &p, true);
            }
            // A feature code (`**1002`) runs PickupChan from the dialplan.
            let at = by
                .filter(|b| !b.exten.is_empty())
                .map_or(&exten, |b| &b.exten);
            w.set_location(&p, &context, at, "PickupChan", leg.phone());
        }
        (p, context, exten)
    }

    /// A client's Originate picks up the ringing channel `target`: the
    /// other legs stop ringing and the picker's phone takes the caller.
    /// A leg rung through a Local pair is not picked up here.
    pub(super) fn picked_up(
        &mut self,
        ringing: &[Leg],
        target: &str,
        by: Box<OriginateSpec>,
    ) -> Option<Leg> {
        let Some(leg) = ringing
            .iter()
            .find(|l| l.local.is_none() && l.dialled == target)
            .cloned()
        else {
            self.decline(*by);
            return None;
        };
        let others: Vec<Leg> = ringing
            .iter()
            .filter(|l| l.dialled != leg.dialled)
            .cloned()
            .collect();
        self.cancel(&others, "CANCEL", 26);
        let picker = by.from.clone();
        self.pick_up(&leg, &picker, PickupStyle::Originate, Some(&by))
    }

    /// Rings `ringing`; after the ring time `picker` picks the call up and
    /// talks to the caller until the talk time is over.
    pub(super) async fn play_pickup(mut self, ringing: &str, picker: &str, style: PickupStyle) {
        let legs = self.ring(&[ringing.to_owned()]);
        let picked = match legs.first() {
            Some(leg) => {
                self.wait(self.timing.ring).await;
                self.pick_up(leg, picker, style, None)
            }
            None => None,
        };
        let Some(leg) = picked else {
            lock(&self.w).unregister_call(self.id);
            return;
        };
        match self.talk(&leg).await {
            TalkEnd::HungUp(leg) => {
                let mut w = lock(&self.w);
                self.hang_up_answered(&mut w, &leg);
                w.unregister_call(self.id);
            }
            TalkEnd::Moved(exten) => {
                self.move_to(&exten);
                Box::pin(self.run(vec![exten])).await;
            }
            TalkEnd::Gone => lock(&self.w).unregister_call(self.id),
        }
    }
}
