//! One running call ([`CallRun`]): the caller's channel, ringing the
//! targets, the answer, the talk, a move elsewhere (a redirect or a blind
//! transfer) and the hang-ups, each in its dialect's order. Incoming calls,
//! ring groups, internal and outbound calls are this loop alone; queues
//! (`queue.rs`), attended transfers, pickups and parking (`features.rs`)
//! and Originate (`originate.rs`) add their steps to it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::queue::{queue_event, QueueEv};
use super::{Party, Timing, TransferStyle};
use crate::config::Dialect;
use crate::world::{blind_transfer_event, CallCmd, CallId, Cdr, Chan, ChanState, NewChan, World};

/// What ended a wait.
pub(super) enum Wake {
    Elapsed,
    Cmd(CallCmd),
}

/// A leg that was rung (directly, or through a Local pair for queues).
#[derive(Debug, Clone)]
pub(super) struct Leg {
    /// The extension (or trunk) this leg reaches.
    pub(super) target: String,
    /// The channel the caller dials: the phone's channel, or `Local…;1`.
    pub(super) dialled: String,
    /// For queue legs: (`Local…;2`, the phone's channel).
    pub(super) local: Option<(String, String)>,
}

impl Leg {
    pub(super) fn phone(&self) -> &str {
        self.local.as_ref().map_or(&self.dialled, |(_, p)| p)
    }

    fn owns(&self, chan: &str) -> bool {
        self.dialled == chan
            || self
                .local
                .as_ref()
                .is_some_and(|(l2, p)| l2 == chan || p == chan)
    }
}

/// How the dial phase ended.
enum DialEnd {
    Answered(Leg),
    Missed,
    CallerHungUp,
    Moved(String),
}

/// How the talk phase ended.
pub(super) enum TalkEnd {
    /// Someone hung up; the leg A was talking to at the end.
    HungUp(Leg),
    Moved(String),
    /// Every channel of the call is already gone (a parked caller hung up).
    Gone,
}

/// How the caller's channel reaches extensions.
#[derive(Debug, Clone)]
pub(super) enum Route {
    /// Dial the phones directly (`Dial(PJSIP/1001&PJSIP/1002,25)`).
    Direct,
    /// Through `Queue(name)` and Local channels.
    Queue(String),
    /// Out through the trunk to a number.
    Trunk,
}

/// Shared handle to the world for a running call.
pub(crate) type WorldRef = Arc<Mutex<World>>;

pub(super) fn lock(w: &WorldRef) -> std::sync::MutexGuard<'_, World> {
    // A panic elsewhere must not stop the simulator from serving; the world
    // stays consistent enough for a test peer.
    w.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One running call.
pub(super) struct CallRun {
    pub(super) w: WorldRef,
    pub(super) id: CallId,
    pub(super) rx: mpsc::UnboundedReceiver<CallCmd>,
    pub(super) timing: Timing,
    /// The caller's channel.
    pub(super) a: String,
    /// When A started, and when it was first answered (epoch seconds).
    pub(super) start: u64,
    pub(super) answered_at: Option<u64>,
    /// What the caller dialled (for the Cdr).
    pub(super) destination: String,
    pub(super) last_data: String,
    pub(super) last_dest_chan: String,
    /// Extensions that answer when rung; others just ring.
    pub(super) answers: Vec<String>,
    pub(super) route: Route,
    /// A transfer the script performs itself after the first talk period.
    pub(super) scripted_transfer: Option<(TransferStyle, String)>,
    /// Cause for the caller's hangup when nobody answers.
    pub(super) missed_cause: u8,
    /// The colleague rejects an attended transfer's consultation.
    pub(super) decline_consult: bool,
    /// The caller's Dial ended on a struct masqueraded away (1.x): no
    /// `Dial End` is due for the caller's channel any more.
    pub(super) dial_app_gone: bool,
    /// The next dial starts from this `(context, exten)` (`park-dial`).
    pub(super) comeback: Option<(String, String)>,
    /// Park the call in this space after the first talk period, for this
    /// long (the ring time when `None`).
    pub(super) park_after_talk: Option<(String, Option<Duration>)>,
    /// Queue members rung directly, not through Local channels.
    pub(super) direct: Vec<String>,
    /// The context of Local queue members.
    pub(super) local_context: String,
    /// Whether a 1.x queue sends `AgentCalled`/`AgentConnect`.
    pub(super) agent_events: bool,
    /// A parked call is retrieved by this extension after the ring time.
    pub(super) retrieved_by: Option<String>,
    /// Nobody answering sends the caller to this extension's voicemail.
    pub(super) voicemail_on_miss: Option<String>,
}

impl CallRun {
    pub(super) fn new(w: WorldRef, timing: Timing) -> Self {
        let (id, rx) = lock(&w).register_call();
        Self {
            w,
            id,
            rx,
            timing,
            a: String::new(),
            start: 0,
            answered_at: None,
            destination: String::new(),
            last_data: String::new(),
            last_dest_chan: String::new(),
            answers: Vec::new(),
            route: Route::Direct,
            scripted_transfer: None,
            missed_cause: 127,
            decline_consult: false,
            dial_app_gone: false,
            comeback: None,
            park_after_talk: None,
            direct: Vec::new(),
            local_context: "from-queue".to_owned(),
            agent_events: true,
            retrieved_by: None,
            voicemail_on_miss: None,
        }
    }

    pub(super) async fn wait(&mut self, d: Duration) -> Wake {
        tokio::select! {
            () = tokio::time::sleep(d) => Wake::Elapsed,
            cmd = self.rx.recv() => match cmd {
                Some(cmd) => Wake::Cmd(cmd),
                // The world was wiped (PBX restart): the call is gone.
                None => Wake::Cmd(CallCmd::Hangup { channel: String::new() }),
            },
        }
    }

    /// Creates the caller's channel for an external call.
    pub(super) fn start_external(&mut self, caller: &Party, did: &str) {
        let mut w = lock(&self.w);
        let trunk = w.trunk.clone();
        self.a = w.new_channel(
            self.id,
            NewChan {
                endpoint: &trunk,
                state: ChanState::Ring,
                cid_num: &caller.number,
                cid_name: &caller.name,
                context: "from-trunk",
                exten: did,
                linkedid: None,
                uniqueid: None,
                local_name: None,
            },
        );
        w.set_dnid(&self.a.clone(), did);
        self.start = w.now().as_secs();
        self.destination = did.to_owned();
    }

    /// Creates the caller's channel for an extension that dials `exten`.
    pub(super) fn start_internal(&mut self, from: &str, exten: &str) {
        let mut w = lock(&self.w);
        let name = w.ext_name(from);
        let context = format!("DLPN_DialPlan{from}");
        self.a = w.new_channel(
            self.id,
            NewChan {
                endpoint: from,
                state: ChanState::Ring,
                cid_num: from,
                cid_name: &name,
                context: &context,
                exten,
                linkedid: None,
                uniqueid: None,
                local_name: None,
            },
        );
        w.set_dnid(&self.a.clone(), exten);
        self.start = w.now().as_secs();
        self.destination = exten.to_owned();
        self.missed_cause = 16;
    }

    /// Rings `targets` from A and waits for an answer, a hangup or a move.
    async fn dial(&mut self, targets: &[String]) -> DialEnd {
        let legs = self.ring(targets);
        let mut remaining = legs.clone();
        loop {
            let answerer = remaining
                .iter()
                .find(|l| self.answers.contains(&l.target))
                .cloned();
            match self.wait(self.timing.ring).await {
                Wake::Elapsed => match answerer {
                    Some(leg) => {
                        self.answer(&leg, &remaining);
                        return DialEnd::Answered(leg);
                    }
                    None => {
                        self.cancel(&remaining, "CANCEL", 16);
                        return DialEnd::Missed;
                    }
                },
                Wake::Cmd(CallCmd::Hangup { channel }) => {
                    if let Some(leg) = remaining.iter().find(|l| l.owns(&channel)).cloned() {
                        // That phone rejected the call; the others keep ringing.
                        self.cancel(std::slice::from_ref(&leg), "BUSY", 17);
                        remaining.retain(|l| l.dialled != leg.dialled);
                        if remaining.is_empty() {
                            return DialEnd::Missed;
                        }
                    } else {
                        self.cancel(&remaining, "CANCEL", 16);
                        return DialEnd::CallerHungUp;
                    }
                }
                Wake::Cmd(
                    CallCmd::Redirect { exten, .. }
                    | CallCmd::BlindTransfer { exten, .. }
                    | CallCmd::Atxfer { exten, .. },
                ) => {
                    // A ringing call sent elsewhere: stop ringing here.
                    self.cancel(&remaining, "CANCEL", 16);
                    return DialEnd::Moved(exten);
                }
                Wake::Cmd(CallCmd::PickUp { target, by }) => {
                    if let Some(leg) = self.picked_up(&remaining, &target, by) {
                        return DialEnd::Answered(leg);
                    }
                }
                Wake::Cmd(CallCmd::Retrieve { by }) => self.decline(*by),
                // Only an answered call is parked here.
                Wake::Cmd(CallCmd::Park { .. }) => {}
            }
        }
    }

    /// Creates and rings one leg per target: a queue's members as the queue
    /// rings them (`queue.rs`), anything else as `Dial()` does.
    pub(super) fn ring(&mut self, targets: &[String]) -> Vec<Leg> {
        let mut w = lock(&self.w);
        let tech = w.dialect.tech();
        let Some(a) = w.chan(&self.a).cloned() else {
            return Vec::new();
        };
        self.last_data = match &self.route {
            Route::Trunk => format!("{tech}/{}@{},60", targets.join("&"), w.trunk),
            Route::Queue(q) => format!("{q},t"),
            Route::Direct => format!(
                "{},25",
                targets
                    .iter()
                    .map(|t| format!("{tech}/{t}"))
                    .collect::<Vec<_>>()
                    .join("&")
            ),
        };
        self.dial_app_gone = false;
        if let Route::Queue(queue) = self.route.clone() {
            return self.ring_queue(&mut w, &a, &queue, targets);
        }
        let comeback = self.comeback.take();
        self.ring_directly(&mut w, &a, targets, comeback)
    }

    /// Rings `targets` as Asterisk's Dial does: all channels are created
    /// first, then dialled, then they ring. A call coming back from a park
    /// dials from its `comeback` location (`park-dial`).
    fn ring_directly(
        &self,
        w: &mut World,
        a: &Chan,
        targets: &[String],
        comeback: Option<(String, String)>,
    ) -> Vec<Leg> {
        let ctx = if matches!(self.route, Route::Trunk) {
            "outbound"
        } else {
            "internal"
        };
        let exten = targets.first().cloned().unwrap_or_default();
        w.set_location(&self.a, ctx, &exten, "Dial", &self.last_data);
        if let Some((ctx, exten)) = comeback {
            w.set_location(&self.a, &ctx, &exten, "Dial", &self.last_data);
        }
        let trunk = w.trunk.clone();
        let legs: Vec<Leg> = targets
            .iter()
            .map(|t| {
                let chan = match self.route {
                    Route::Trunk => self.new_trunk_chan(w, t, a),
                    _ => self.new_dialled_phone(w, t, a),
                };
                Leg {
                    target: t.clone(),
                    dialled: chan,
                    local: None,
                }
            })
            .collect();
        for l in &legs {
            let dialstring = if matches!(self.route, Route::Trunk) {
                format!("{}@{trunk}", l.target)
            } else {
                l.target.clone()
            };
            w.dial_begin(Some(&self.a), &l.dialled, &dialstring);
        }
        for l in &legs {
            w.set_state(&l.dialled, ChanState::Ringing);
        }
        if let [only] = legs.as_slice() {
            let name = if matches!(self.route, Route::Trunk) {
                String::new()
            } else {
                w.ext_name(&only.target)
            };
            w.set_connected(&self.a, &only.target, &name);
        }
        legs
    }

    /// A new Down channel to phone `ext`, dialled by `caller`: the phone's
    /// caller ID, in its own context at `exten`.
    pub(super) fn new_phone_chan(
        &self,
        w: &mut World,
        ext: &str,
        exten: &str,
        caller: &Chan,
    ) -> String {
        let name = w.ext_name(ext);
        let b = w.new_channel(
            self.id,
            NewChan {
                endpoint: ext,
                state: ChanState::Down,
                cid_num: ext,
                cid_name: &name,
                context: &format!("DLPN_DialPlan{ext}"),
                exten,
                linkedid: Some(&caller.linkedid),
                uniqueid: None,
                local_name: None,
            },
        );
        w.set_connected(&b, &caller.cid_num, &caller.cid_name);
        b
    }

    /// A new Down channel out through the trunk to `number`, dialled by
    /// `caller`.
    fn new_trunk_chan(&self, w: &mut World, number: &str, caller: &Chan) -> String {
        let trunk = w.trunk.clone();
        let b = w.new_channel(
            self.id,
            NewChan {
                endpoint: &trunk,
                state: ChanState::Down,
                cid_num: number,
                cid_name: "",
                context: "from-trunk",
                exten: "s",
                linkedid: Some(&caller.linkedid),
                uniqueid: None,
                local_name: None,
            },
        );
        w.set_connected(&b, &caller.cid_num, &caller.cid_name);
        b
    }

    /// A phone's channel as `Dial()` creates it for `caller`: at the
    /// dialect's start extension, running `AppDial`.
    fn new_dialled_phone(&self, w: &mut World, ext: &str, caller: &Chan) -> String {
        let exten = if w.dialect == Dialect::Modern {
            "s"
        } else {
            ""
        };
        let b = self.new_phone_chan(w, ext, exten, caller);
        let context = format!("DLPN_DialPlan{ext}");
        w.set_location(&b, &context, ext, "AppDial", "(Outgoing Line)");
        b
    }

    /// Creates a phone's channel dialled from `from` and makes it ring.
    pub(super) fn new_phone_leg(
        &self,
        w: &mut World,
        ext: &str,
        caller: &Chan,
        from: &str,
    ) -> String {
        let b = self.new_dialled_phone(w, ext, caller);
        w.dial_begin(Some(from), &b, ext);
        w.set_state(&b, ChanState::Ringing);
        b
    }

    /// `leg` answers; every other ringing leg is cancelled, in the order
    /// the captures show for each dialect.
    fn answer(&mut self, leg: &Leg, ringing: &[Leg]) {
        let others: Vec<Leg> = ringing
            .iter()
            .filter(|l| l.dialled != leg.dialled)
            .cloned()
            .collect();
        let mut w = lock(&self.w);
        let modern = w.dialect == Dialect::Modern;
        let phone = leg.phone().to_owned();
        w.set_state(&phone, ChanState::Up);
        if let Some((l2, p)) = &leg.local {
            w.dial_end(Some(l2), p, "ANSWER");
            w.set_state(l2, ChanState::Up);
            w.bridge(l2, p);
            w.set_state(&leg.dialled, ChanState::Up);
        }
        for o in &others {
            w.dial_end(Some(&self.a), &o.dialled, "CANCEL");
        }
        w.dial_end(Some(&self.a), &leg.dialled, "ANSWER");
        if self.answered_at.is_none() {
            self.answered_at = Some(w.now().as_secs());
        }
        if !modern {
            for o in &others {
                hang_leg(&mut w, o, 26);
            }
        }
        let name = if matches!(self.route, Route::Trunk) {
            String::new()
        } else {
            w.ext_name(&leg.target)
        };
        w.set_connected(&self.a, &leg.target, &name);
        w.set_state(&self.a, ChanState::Up);
        if modern {
            for o in &others {
                hang_leg(&mut w, o, 26);
            }
        }
        if let Route::Queue(q) = &self.route {
            let q = q.clone();
            if self.agent_events || modern {
                queue_event(
                    &mut w,
                    QueueEv::AgentConnect,
                    &self.a,
                    Some(&leg.dialled),
                    &q,
                );
            }
            queue_event(&mut w, QueueEv::Leave { answered: true }, &self.a, None, &q);
        }
        w.bridge(&self.a, &leg.dialled);
        self.last_dest_chan = phone;
    }

    /// Stops ringing `legs` with a dial status and hangup cause.
    pub(super) fn cancel(&mut self, legs: &[Leg], status: &str, cause: u8) {
        let mut w = lock(&self.w);
        for l in legs {
            if self.last_dest_chan.is_empty() {
                self.last_dest_chan = l.phone().to_owned();
            }
            w.dial_end(Some(&self.a), &l.dialled, status);
            let cause = if w.dialect == Dialect::Modern && cause == 16 {
                self.missed_cause
            } else {
                cause
            };
            hang_leg(&mut w, l, cause);
        }
    }

    /// A and `leg` talk until someone hangs up or the call is moved.
    pub(super) async fn talk(&mut self, leg: &Leg) -> TalkEnd {
        let mut talk = self.timing.talk;
        loop {
            let cmd = match self.wait(talk).await {
                Wake::Elapsed => match self.scripted_transfer.take() {
                    Some((TransferStyle::Redirect, exten)) => CallCmd::Redirect {
                        channel: self.a.clone(),
                        exten,
                    },
                    Some((TransferStyle::Blind, exten)) => CallCmd::BlindTransfer {
                        channel: leg.phone().to_owned(),
                        exten,
                    },
                    Some((TransferStyle::Attended | TransferStyle::AttendedDeclined, exten)) => {
                        CallCmd::Atxfer {
                            channel: leg.phone().to_owned(),
                            exten,
                        }
                    }
                    Some((TransferStyle::PhoneAttended, exten)) => {
                        match self.phone_transfer(leg, &exten).await {
                            Some(end) => return end,
                            None => return TalkEnd::HungUp(leg.clone()),
                        }
                    }
                    None => {
                        return match self.park_after_talk.take() {
                            Some((space, time)) => self.park_scripted(leg, space, time).await,
                            None => TalkEnd::HungUp(leg.clone()),
                        }
                    }
                },
                Wake::Cmd(cmd) => cmd,
            };
            match cmd {
                CallCmd::Hangup { .. } => return TalkEnd::HungUp(leg.clone()),
                CallCmd::Redirect { exten, .. } => {
                    let mut w = lock(&self.w);
                    w.unbridge(&self.a, &leg.dialled);
                    self.end_dial_app(&mut w, "ANSWER");
                    hang_leg(&mut w, leg, 16);
                    return TalkEnd::Moved(exten);
                }
                CallCmd::BlindTransfer { channel, exten } => {
                    let mut w = lock(&self.w);
                    if w.dialect == Dialect::Modern {
                        let bridge = w
                            .chan(&self.a)
                            .and_then(|c| c.bridge.clone())
                            .unwrap_or_default();
                        blind_transfer_event(&w, &channel, &self.a, &exten, &bridge);
                    }
                    w.unbridge(&self.a, &leg.dialled);
                    self.end_dial_app(&mut w, "ANSWER");
                    hang_leg(&mut w, leg, 16);
                    return TalkEnd::Moved(exten);
                }
                CallCmd::Atxfer { exten, .. } => {
                    if let Some(end) = self.consult(leg, &exten).await {
                        return end;
                    }
                    // The consultation failed: back to talking.
                    self.decline_consult = false;
                    talk = self.timing.talk;
                }
                CallCmd::Park {
                    channel,
                    parker,
                    space,
                    timeout,
                } => {
                    if let Some(parked) = self.parked_side(leg, &channel) {
                        return self.park(&parked, &space, parker, timeout).await;
                    }
                }
                CallCmd::PickUp { by, .. } | CallCmd::Retrieve { by } => self.decline(*by),
            }
        }
    }

    /// 1.8 announces the end of the Dial application once, when it returns.
    fn end_dial_app(&self, w: &mut World, status: &str) {
        if !self.dial_app_gone {
            w.dial_app_exit(&self.a, status);
        }
    }

    /// Plays the dial/talk/transfer loop from the caller's channel `a`.
    pub(super) async fn run(mut self, mut targets: Vec<String>) {
        let mut disposition = "NO ANSWER";
        loop {
            let mailbox = targets
                .first()
                .and_then(|t| lock(&self.w).voicemail_target(t));
            if let Some(ext) = mailbox {
                self.leave_voicemail(&ext).await;
                break;
            }
            match self.dial(&targets).await {
                DialEnd::Answered(leg) => {
                    disposition = "ANSWERED";
                    match self.talk(&leg).await {
                        TalkEnd::HungUp(leg) => {
                            let mut w = lock(&self.w);
                            self.hang_up_answered(&mut w, &leg);
                            break;
                        }
                        TalkEnd::Moved(exten) => {
                            self.move_to(&exten);
                            targets = vec![exten];
                        }
                        TalkEnd::Gone => break,
                    }
                }
                DialEnd::Moved(exten) => {
                    self.move_to(&exten);
                    targets = vec![exten];
                }
                DialEnd::Missed if self.voicemail_on_miss.is_some() => {
                    let ext = self.voicemail_on_miss.take().unwrap_or_default();
                    self.leave_voicemail(&ext).await;
                    break;
                }
                DialEnd::Missed | DialEnd::CallerHungUp => {
                    let mut w = lock(&self.w);
                    if let Route::Queue(q) = &self.route {
                        let q = q.clone();
                        queue_event(&mut w, QueueEv::Abandon, &self.a, None, &q);
                        let left = QueueEv::Leave { answered: false };
                        queue_event(&mut w, left, &self.a, None, &q);
                    }
                    self.end_dial_app(&mut w, "CANCEL");
                    if w.dialect == Dialect::Modern {
                        self.write_cdr(&w, disposition);
                        w.hangup(&self.a, self.missed_cause);
                    } else {
                        // 1.8 writes this Cdr after the caller's Hangup.
                        let a = w.chan(&self.a).cloned();
                        w.hangup(&self.a, 0);
                        if let Some(a) = a {
                            w.cdr(&a, &self.cdr(None, disposition));
                        }
                    }
                    break;
                }
            }
        }
        lock(&self.w).unregister_call(self.id);
    }

    /// After a transfer the caller dials the new extension directly.
    pub(super) fn move_to(&mut self, exten: &str) {
        self.route = if lock(&self.w).extension(exten).is_some() {
            Route::Direct
        } else {
            Route::Trunk
        };
        if !self.answers.iter().any(|a| a == exten) {
            self.answers.push(exten.to_owned());
        }
        self.destination = exten.to_owned();
    }

    /// The caller's Cdr, written from its channel (call before its hangup).
    pub(super) fn write_cdr(&self, w: &World, disposition: &str) {
        let Some(a) = w.chan(&self.a).cloned() else {
            return;
        };
        w.cdr(&a, &self.cdr(self.answered_at, disposition));
    }

    /// The caller's Cdr as the call stands, answered at `answer`.
    fn cdr<'a>(&'a self, answer: Option<u64>, disposition: &'a str) -> Cdr<'a> {
        Cdr {
            destination: &self.destination,
            dest_channel: &self.last_dest_chan,
            last_data: &self.last_data,
            start: self.start,
            answer,
            disposition,
        }
    }

    /// The caller hangs up an answered call, in each dialect's order
    /// (incoming-answered.ami for 12+, ami-1.3/incoming-answered.ami for 1.8).
    pub(super) fn hang_up_answered(&self, w: &mut World, leg: &Leg) {
        if w.dialect == Dialect::Modern {
            w.leave_bridge(&self.a);
            self.write_cdr(w, "ANSWERED");
            w.leave_bridge(&leg.dialled);
            if let Some((l2, phone)) = &leg.local {
                // Every bridge empties before the hangups, each Local
                // half just before its peer (atxfer-1003.ami).
                w.leave_bridge(l2);
                w.leave_bridge(phone);
                w.hangup(&leg.dialled, 16);
                w.hangup(&self.a, 16);
                w.hangup(l2, 16);
                w.hangup(phone, 16);
                return;
            }
            w.hangup(&self.a, 16);
            hang_leg(w, leg, 16);
        } else {
            w.unbridge(&self.a, &leg.dialled);
            self.write_cdr(w, "ANSWERED");
            hang_leg(w, leg, 16);
            self.end_dial_app(w, "ANSWER");
            w.hangup(&self.a, 16);
        }
    }
}

/// Hangs up every channel of a leg.
pub(super) fn hang_leg(w: &mut World, leg: &Leg, cause: u8) {
    if let Some((l2, phone)) = &leg.local {
        w.unbridge(l2, phone);
        w.hangup(phone, cause);
        w.hangup(l2, cause);
    }
    w.hangup(&leg.dialled, cause);
}
