//! The calls a client's `Originate` makes (click-to-dial): the originating
//! phone rings and answers, which an async Originate reports with
//! `OriginateResponse`, then it dials the extension or number like any
//! other call (`click-to-dial.ami`). An Originate that picks up or
//! retrieves a call is played by that call's task (`features.rs`,
//! `parking.rs`); when there is nothing to take, [`originate_alone`]
//! plays the phone answering and hanging up again.

use std::time::Duration;

use tokio::sync::oneshot;

use super::call::{lock, CallRun, Route, Wake, WorldRef};
use super::Timing;
use crate::config::Dialect;
use crate::world::{CallCmd, ChanState, NewChan, OriginateSpec, World};

/// Plays an Originate: the originating phone rings and answers, then it
/// dials `exten` (an extension, or an external number through the trunk).
/// `answered` learns whether the first leg came up (for non-async
/// Originate, whose response waits for that).
pub(crate) async fn originate(
    w: WorldRef,
    spec: OriginateSpec,
    timing: Timing,
    answered: Option<oneshot::Sender<bool>>,
) {
    let mut run = CallRun::new(w, timing);
    let known = {
        let mut wl = lock(&run.w);
        run.a = new_originated(&mut wl, run.id, &spec);
        let a = run.a.clone();
        wl.set_state(&a, ChanState::Ringing);
        run.start = wl.now().as_secs();
        wl.extension(&spec.exten).is_some() || wl.voicemail_target(&spec.exten).is_some()
    };
    // The originating phone rings for a while; hanging it up cancels.
    if let Wake::Cmd(CallCmd::Hangup { .. }) = run.wait(run.timing.ring).await {
        let mut wl = lock(&run.w);
        let a = run.a.clone();
        wl.dial_end(None, &a, "CANCEL");
        originate_response(&wl, &spec, &a, false);
        wl.hangup(&a, 16);
        wl.unregister_call(run.id);
        if let Some(tx) = answered {
            let _ = tx.send(false);
        }
        return;
    }
    {
        let mut wl = lock(&run.w);
        let a = run.a.clone();
        wl.set_state(&a, ChanState::Up);
        wl.dial_end(None, &a, "ANSWER");
        originate_response(&wl, &spec, &a, true);
        wl.set_location(&a, &spec.context, &spec.exten, "Dial", "");
        run.answered_at = Some(wl.now().as_secs());
    }
    if let Some(tx) = answered {
        let _ = tx.send(true);
    }
    run.destination = spec.exten.clone();
    run.missed_cause = 16;
    // The person who clicked is on the line; the callee answers.
    run.answers.push(spec.exten.clone());
    // Click-to-dial calls last until someone hangs up.
    run.timing.talk = run.timing.talk.max(Duration::from_secs(3600));
    if !known {
        run.route = Route::Trunk;
    }
    run.run(vec![spec.exten]).await;
}

impl CallRun {
    /// A pickup or retrieval this call cannot serve: the phone that asked
    /// for it rings, answers and hangs up again, as on a PBX where the
    /// application finds nothing.
    pub(super) fn decline(&self, by: OriginateSpec) {
        tokio::spawn(originate_alone(self.w.clone(), by, Duration::from_secs(1)));
    }
}

/// Her phone rings and answers, then what it was sent to finds nothing
/// (`PickupChan` with no ringing channel, a parking space nobody waits
/// in): the application returns and the channel hangs up.
pub(crate) async fn originate_alone(w: WorldRef, spec: OriginateSpec, ring: std::time::Duration) {
    let mut run = CallRun::new(w, Timing { ring, talk: ring });
    let a = {
        let mut wl = lock(&run.w);
        let a = new_originated(&mut wl, run.id, &spec);
        wl.set_state(&a, ChanState::Ringing);
        a
    };
    let answered = !matches!(run.wait(ring).await, Wake::Cmd(CallCmd::Hangup { .. }));
    let mut wl = lock(&run.w);
    if answered {
        wl.set_state(&a, ChanState::Up);
    }
    wl.dial_end(None, &a, if answered { "ANSWER" } else { "CANCEL" });
    originate_response(&wl, &spec, &a, answered);
    if let Some((app, data)) = &spec.app {
        wl.set_location(&a, &spec.context, &spec.exten, app, data);
    }
    wl.hangup(&a, 16);
    wl.unregister_call(run.id);
}

/// Her phone's channel as an Originate creates it (Down, at `s` on 12+,
/// with the preset Uniqueid), dialled with no dialling channel.
pub(crate) fn new_originated(
    w: &mut World,
    call: crate::world::CallId,
    spec: &OriginateSpec,
) -> String {
    let name = w.ext_name(&spec.from);
    let exten = if w.dialect == Dialect::Modern {
        "s"
    } else {
        ""
    };
    let a = w.new_channel(
        call,
        NewChan {
            endpoint: &spec.from,
            state: ChanState::Down,
            cid_num: &spec.from,
            cid_name: &name,
            context: &spec.context,
            exten,
            linkedid: None,
            uniqueid: spec.channel_id.as_deref(),
            local_name: None,
        },
    );
    w.set_connected(&a, spec.caller_id.as_deref().unwrap_or(&spec.from), "");
    w.dial_begin(None, &a, &spec.from);
    a
}

/// `OriginateResponse` for an async Originate whose first leg `chan` came
/// up (`ok`) or did not.
pub(crate) fn originate_response(w: &World, spec: &OriginateSpec, chan: &str, ok: bool) {
    let Some(c) = w.chan(chan).filter(|_| spec.is_async) else {
        return;
    };
    let mut p = ringside_ami::Packet::new()
        .with("Event", "OriginateResponse")
        .with("Privilege", "call,all");
    if let Some(id) = &spec.action_id {
        p.push("ActionID", id.clone());
    }
    p.push("Response", if ok { "Success" } else { "Failure" });
    p.push("Channel", &c.name);
    p.push("Context", &spec.context);
    p.push("Exten", &spec.exten);
    p.push("Reason", if ok { "4" } else { "0" });
    p.push("Uniqueid", &c.uniqueid);
    p.push(
        "CallerIDNum",
        spec.caller_id.clone().unwrap_or_else(|| spec.from.clone()),
    );
    p.push("CallerIDName", "<unknown>");
    w.emit(&p);
}
