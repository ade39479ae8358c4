//! The calls a client's `Originate` makes (click-to-dial): the originating
//! phone rings and answers, which an async Originate reports with
//! `OriginateResponse`, then it dials the extension or number like any
//! other call (`click-to-dial.ami`).

use std::time::Duration;

use tokio::sync::oneshot;

use super::call::{lock, CallRun, Route, Wake, WorldRef};
use super::Timing;
use crate::config::Dialect;
use crate::world::{CallCmd, ChanState, NewChan, World};

/// What a client's `Originate` asked for.
#[derive(Debug, Clone)]
pub(crate) struct OriginateSpec {
    pub action_id: Option<String>,
    /// The extension whose phone rings first (from `Channel: PJSIP/1000`).
    pub from: String,
    pub context: String,
    pub exten: String,
    pub channel_id: Option<String>,
    pub caller_id: Option<String>,
    /// Asterisk reports the outcome as an `OriginateResponse` event only
    /// for `Async: true`.
    pub is_async: bool,
}

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
    let (dialect, known) = {
        let mut wl = lock(&run.w);
        let name = wl.ext_name(&spec.from);
        let dialect = wl.dialect;
        let exten = if dialect == Dialect::Modern { "s" } else { "" };
        run.a = wl.new_channel(
            run.id,
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
        let a = run.a.clone();
        wl.set_connected(&a, spec.caller_id.as_deref().unwrap_or(&spec.from), "");
        wl.dial_begin(None, &a, &spec.from);
        wl.set_state(&a, ChanState::Ringing);
        run.start = wl.now().as_secs();
        (dialect, wl.extension(&spec.exten).is_some())
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
        let _ = dialect;
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

fn originate_response(w: &World, spec: &OriginateSpec, chan: &str, ok: bool) {
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
