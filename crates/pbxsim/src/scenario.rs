//! Scripted calls: what a test or the demo asks the simulated PBX to make
//! happen ([`Scenario`]), and the call task that plays one out through the
//! world model (`world.rs`), reacting to `Hangup`, `Redirect`,
//! `BlindTransfer` and `Atxfer` sent by clients while it runs.
//!
//! The packet sequences follow the real captures (`tests/fixtures/ami` for
//! Asterisk 12+, `tests/fixtures/ami-1.3` for 1.8/11); queue calls follow
//! FreePBX, which reaches agents through `Local/<ext>@from-queue` channels.
//! All waiting uses tokio timers, so tests can run scenarios under
//! `tokio::time::pause()` without real delays.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::config::Dialect;
use crate::world::{CallCmd, CallId, ChanState, NewChan, World};

mod features;
pub use features::PickupStyle;

/// A caller: number and caller-ID name. Any Unicode is kept; CR, LF and NUL
/// (which no PBX can put on the wire) become spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// Caller-ID number, e.g. `+15551234567`.
    pub number: String,
    /// Caller-ID name, e.g. `ACME Corp`.
    pub name: String,
}

impl Party {
    /// A caller with number and name.
    pub fn new(number: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            number: wire_safe(number.into()),
            name: wire_safe(name.into()),
        }
    }
}

fn wire_safe(s: String) -> String {
    if s.contains(['\r', '\n', '\0']) {
        s.replace(['\r', '\n', '\0'], " ")
    } else {
        s
    }
}

/// How long phones ring and people talk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Ringing before the answer (or before a missed caller gives up).
    pub ring: Duration,
    /// Talking after the answer, before the caller hangs up.
    pub talk: Duration,
}

impl Default for Timing {
    /// About what the captures show: 2 s ringing, 3 s talking.
    fn default() -> Self {
        Self {
            ring: Duration::from_secs(2),
            talk: Duration::from_secs(3),
        }
    }
}

/// How a scripted transfer is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferStyle {
    /// The `Redirect` action on the caller's channel (Yeastar guides).
    Redirect,
    /// The `BlindTransfer` action (Asterisk 12+; a `Redirect` on 1.8).
    Blind,
    /// The `Atxfer` action: the first extension consults, then hands over.
    Attended,
    /// The `Atxfer` action, but the colleague rejects the consultation:
    /// the caller goes back to the first extension, who later hangs up.
    AttendedDeclined,
    /// The phone's own transfer key: it holds the caller, calls the
    /// colleague on a second line and joins them (REFER with Replaces).
    PhoneAttended,
}

/// One scripted call. Build it with the constructors, adjust the timing with
/// [`Scenario::with_timing`], and play it with
/// [`SimHandle::play`](crate::SimHandle::play).
///
/// ```
/// use ringside_pbxsim::{Party, Scenario};
/// let call = Scenario::ring_group(Party::new("+442071234567", "Initech"), "5550600", "600",
///     &["1001", "1002", "1003"], Some("1002"));
/// assert!(matches!(call, Scenario::Incoming { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scenario {
    /// An external caller comes in on the trunk for `did`; `targets` ring at
    /// once (one extension, or a ring group `group`); `answered_by` answers
    /// after the ring time, or nobody does and the caller gives up.
    Incoming {
        /// Who calls.
        caller: Party,
        /// The dialled number on the trunk.
        did: String,
        /// The ring group number when several extensions ring.
        group: Option<String>,
        /// Extensions that ring.
        targets: Vec<String>,
        /// Which of them answers, if any.
        answered_by: Option<String>,
        /// Ring and talk time.
        timing: Timing,
    },
    /// An external caller waits in `queue`; each agent is rung through a
    /// `Local/<agent>@from-queue-…;1/;2` pair as on FreePBX.
    Queue {
        /// Who calls.
        caller: Party,
        /// The dialled number on the trunk.
        did: String,
        /// Queue name (`support`).
        queue: String,
        /// Agents' extensions.
        agents: Vec<String>,
        /// Which agent answers; `None` = the caller abandons.
        answered_by: Option<String>,
        /// Agents rung directly (`SIP/1003` as a static member) rather than
        /// through a Local pair; they must be in `agents` too.
        direct: Vec<String>,
        /// The context of the Local members (`from-queue` on FreePBX).
        local_context: String,
        /// `eventwhencalled=yes` on 1.x (FreePBX sets it): `AgentCalled`
        /// and `AgentConnect`; 12+ always sends them.
        agent_events: bool,
        /// Ring and talk time.
        timing: Timing,
    },
    /// Extension `from` calls extension `to`.
    Internal {
        /// Calling extension.
        from: String,
        /// Called extension.
        to: String,
        /// Whether `to` answers.
        answered: bool,
        /// Ring and talk time.
        timing: Timing,
    },
    /// Extension `from` dials `number` out through the trunk.
    Outbound {
        /// Calling extension.
        from: String,
        /// The external number (without the outbound prefix).
        number: String,
        /// Whether the far end answers.
        answered: bool,
        /// Ring and talk time.
        timing: Timing,
    },
    /// An external call answered by `first`, which after the talk time is
    /// transferred to `to`; `to` answers after the ring time.
    Transfer {
        /// Who calls.
        caller: Party,
        /// The dialled number on the trunk.
        did: String,
        /// The extension that answers first.
        first: String,
        /// The transfer target.
        to: String,
        /// How the transfer is done.
        style: TransferStyle,
        /// Ring and talk time (used for both legs).
        timing: Timing,
    },
    /// An external call rings `ringing`; after the ring time `picker`
    /// picks it up and talks to the caller.
    Pickup {
        /// Who calls.
        caller: Party,
        /// The dialled number on the trunk.
        did: String,
        /// The extension that rings.
        ringing: String,
        /// The extension that picks the call up.
        picker: String,
        /// How it is picked up.
        style: PickupStyle,
        /// Ring and talk time.
        timing: Timing,
    },
    /// An external call answered by `parker`, who parks it in `space`
    /// after the talk time; nobody retrieves it, so after the ring time it
    /// rings `parker` again, who answers and talks.
    ParkTimeout {
        /// Who calls.
        caller: Party,
        /// The dialled number on the trunk.
        did: String,
        /// The extension that answers and parks.
        parker: String,
        /// The parking space (`71` on 12+ captures, `701` on 1.x).
        space: String,
        /// Ring and talk time (the ring time is also the park timeout).
        timing: Timing,
    },
}

impl Scenario {
    /// An external call to one extension, answered by it.
    pub fn incoming(caller: Party, did: &str, exten: &str) -> Self {
        Self::Incoming {
            caller,
            did: did.into(),
            group: None,
            targets: vec![exten.into()],
            answered_by: Some(exten.into()),
            timing: Timing::default(),
        }
    }

    /// An external call to one extension that nobody answers.
    pub fn incoming_missed(caller: Party, did: &str, exten: &str) -> Self {
        Self::Incoming {
            caller,
            did: did.into(),
            group: None,
            targets: vec![exten.into()],
            answered_by: None,
            timing: Timing::default(),
        }
    }

    /// An external call to ring group `group`, ringing `members` at once.
    pub fn ring_group(
        caller: Party,
        did: &str,
        group: &str,
        members: &[&str],
        answered_by: Option<&str>,
    ) -> Self {
        Self::Incoming {
            caller,
            did: did.into(),
            group: Some(group.into()),
            targets: members.iter().map(|m| (*m).to_owned()).collect(),
            answered_by: answered_by.map(Into::into),
            timing: Timing::default(),
        }
    }

    /// An external call through a queue with Local-channel agents.
    pub fn queue(
        caller: Party,
        did: &str,
        queue: &str,
        agents: &[&str],
        answered_by: Option<&str>,
    ) -> Self {
        Self::Queue {
            caller,
            did: did.into(),
            queue: queue.into(),
            agents: agents.iter().map(|m| (*m).to_owned()).collect(),
            answered_by: answered_by.map(Into::into),
            direct: Vec::new(),
            local_context: "from-queue".into(),
            agent_events: true,
            timing: Timing::default(),
        }
    }

    /// A plain `queues.conf` queue as on a 1.8/11 PBX without FreePBX:
    /// `direct` members are rung as `SIP/<ext>` (no Dial event on 1.x),
    /// `local` ones as `Local/<ext>@internal/n` (whose `;2` half dials
    /// the phone), and no `AgentCalled` (`eventwhencalled=no`, the
    /// default). The caller is answered before joining, as `Answer()` does.
    pub fn plain_queue(
        caller: Party,
        did: &str,
        queue: &str,
        direct: &[&str],
        local: &[&str],
        answered_by: Option<&str>,
    ) -> Self {
        Self::Queue {
            caller,
            did: did.into(),
            queue: queue.into(),
            agents: direct
                .iter()
                .chain(local)
                .map(|m| (*m).to_owned())
                .collect(),
            answered_by: answered_by.map(Into::into),
            direct: direct.iter().map(|m| (*m).to_owned()).collect(),
            local_context: "internal".into(),
            agent_events: false,
            timing: Timing::default(),
        }
    }

    /// An external call to `ringing` picked up by `picker`.
    pub fn pickup(
        caller: Party,
        did: &str,
        ringing: &str,
        picker: &str,
        style: PickupStyle,
    ) -> Self {
        Self::Pickup {
            caller,
            did: did.into(),
            ringing: ringing.into(),
            picker: picker.into(),
            style,
            timing: Timing::default(),
        }
    }

    /// An external call answered by `parker`, parked in `space`, timing
    /// out back to `parker`.
    pub fn park_timeout(caller: Party, did: &str, parker: &str, space: &str) -> Self {
        Self::ParkTimeout {
            caller,
            did: did.into(),
            parker: parker.into(),
            space: space.into(),
            timing: Timing::default(),
        }
    }

    /// Extension `from` calls `to`, who answers.
    pub fn internal(from: &str, to: &str) -> Self {
        Self::Internal {
            from: from.into(),
            to: to.into(),
            answered: true,
            timing: Timing::default(),
        }
    }

    /// Extension `from` calls `number` out through the trunk; answered.
    pub fn outbound(from: &str, number: &str) -> Self {
        Self::Outbound {
            from: from.into(),
            number: number.into(),
            answered: true,
            timing: Timing::default(),
        }
    }

    /// An external call answered by `first`, then transferred to `to`.
    pub fn transfer(caller: Party, did: &str, first: &str, to: &str, style: TransferStyle) -> Self {
        Self::Transfer {
            caller,
            did: did.into(),
            first: first.into(),
            to: to.into(),
            style,
            timing: Timing::default(),
        }
    }

    /// The same call with other ring and talk times.
    #[must_use]
    pub fn with_timing(mut self, ring: Duration, talk: Duration) -> Self {
        let t = Timing { ring, talk };
        match &mut self {
            Self::Incoming { timing, .. }
            | Self::Queue { timing, .. }
            | Self::Internal { timing, .. }
            | Self::Outbound { timing, .. }
            | Self::Transfer { timing, .. }
            | Self::Pickup { timing, .. }
            | Self::ParkTimeout { timing, .. } => *timing = t,
        }
        self
    }

    /// The rotating set the demo PBX plays: external callers to one
    /// extension, a ring group, an internal call, a queue, a transfer and a
    /// missed call, with the captures' extensions 1000-1005.
    pub fn demo_set() -> Vec<Scenario> {
        let acme = Party::new("+15551234567", "ACME Corp");
        let initech = Party::new("+442071234567", "Initech");
        let globex = Party::new("0207946000", "Globex Inc");
        let umbrella = Party::new("+4930123456", "Umbrella GmbH");
        let t = |s: Scenario, ring: u64, talk: u64| {
            s.with_timing(Duration::from_secs(ring), Duration::from_secs(talk))
        };
        vec![
            t(Scenario::incoming(acme.clone(), "5550100", "1001"), 4, 8),
            t(
                Scenario::ring_group(
                    initech,
                    "5550600",
                    "600",
                    &["1001", "1002", "1003"],
                    Some("1002"),
                ),
                5,
                10,
            ),
            t(Scenario::internal("1004", "1001"), 3, 6),
            t(
                Scenario::transfer(acme, "5550100", "1001", "1002", TransferStyle::Redirect),
                3,
                5,
            ),
            t(Scenario::incoming_missed(globex, "5550100", "1001"), 6, 0),
            t(
                Scenario::queue(
                    umbrella,
                    "5550700",
                    "support",
                    &["1002", "1003"],
                    Some("1003"),
                ),
                4,
                8,
            ),
            t(Scenario::outbound("1005", "5559876543"), 3, 6),
        ]
    }
}

/// What ended a wait.
enum Wake {
    Elapsed,
    Cmd(CallCmd),
}

/// A leg that was rung (directly, or through a Local pair for queues).
#[derive(Debug, Clone)]
struct Leg {
    /// The extension (or trunk) this leg reaches.
    target: String,
    /// The channel the caller dials: the phone's channel, or `Local…;1`.
    dialled: String,
    /// For queue legs: (`Local…;2`, the phone's channel).
    local: Option<(String, String)>,
}

impl Leg {
    fn phone(&self) -> &str {
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
enum TalkEnd {
    /// Someone hung up; the leg A was talking to at the end.
    HungUp(Leg),
    Moved(String),
}

/// How the caller's channel reaches extensions.
#[derive(Debug, Clone)]
enum Route {
    /// Dial the phones directly (`Dial(PJSIP/1001&PJSIP/1002,25)`).
    Direct,
    /// Through `Queue(name)` and Local channels.
    Queue(String),
    /// Out through the trunk to a number.
    Trunk,
}

/// Shared handle to the world for a running call.
pub(crate) type WorldRef = Arc<Mutex<World>>;

fn lock(w: &WorldRef) -> std::sync::MutexGuard<'_, World> {
    // A panic elsewhere must not stop the simulator from serving; the world
    // stays consistent enough for a test peer.
    w.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One running call.
struct CallRun {
    w: WorldRef,
    id: CallId,
    rx: mpsc::UnboundedReceiver<CallCmd>,
    timing: Timing,
    /// The caller's channel.
    a: String,
    /// When A started, and when it was first answered (epoch seconds).
    start: u64,
    answered_at: Option<u64>,
    /// What the caller dialled (for the Cdr).
    destination: String,
    last_data: String,
    last_dest_chan: String,
    /// Extensions that answer when rung; others just ring.
    answers: Vec<String>,
    route: Route,
    /// A transfer the script performs itself after the first talk period.
    scripted_transfer: Option<(TransferStyle, String)>,
    /// Cause for the caller's hangup when nobody answers.
    missed_cause: u8,
    /// The colleague rejects an attended transfer's consultation.
    decline_consult: bool,
    /// The caller's Dial ended on a struct masqueraded away (1.x): no
    /// `Dial End` is due for the caller's channel any more.
    dial_app_gone: bool,
    /// The next dial starts from this `(context, exten)` (`park-dial`).
    comeback: Option<(String, String)>,
    /// Park the call in this space after the first talk period.
    park_after_talk: Option<String>,
    /// Queue members rung directly, not through Local channels.
    direct: Vec<String>,
    /// The context of Local queue members.
    local_context: String,
    /// Whether a 1.x queue sends `AgentCalled`/`AgentConnect`.
    agent_events: bool,
}

impl CallRun {
    fn new(w: WorldRef, timing: Timing) -> Self {
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
        }
    }

    async fn wait(&mut self, d: Duration) -> Wake {
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
    fn start_external(&mut self, caller: &Party, did: &str) {
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
    fn start_internal(&mut self, from: &str, exten: &str) {
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
            }
        }
    }

    /// Creates and rings one leg per target. As Asterisk's Dial does, all
    /// channels are created first, then dialled, then they ring.
    fn ring(&mut self, targets: &[String]) -> Vec<Leg> {
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
            w.set_location(
                &self.a,
                "ext-queues",
                &self.destination.clone(),
                "Queue",
                &self.last_data.clone(),
            );
            if !self.agent_events {
                // A plain queue answers the caller first (`Answer()`).
                w.set_state(&self.a, ChanState::Up);
            }
            queue_event(&w, QueueEv::Join, &self.a, None, &queue, 1);
            let (direct, local): (Vec<&String>, Vec<&String>) =
                targets.iter().partition(|t| self.direct.contains(t));
            // app_queue requests every member before any rings; the
            // direct ones come first, as in ami-1.3/queue-direct-answers.
            let mut legs: Vec<Leg> = direct
                .iter()
                .map(|t| {
                    let name = w.ext_name(t);
                    let b = self.new_leg(&mut w, t, t, &name, &format!("DLPN_DialPlan{t}"), "", &a);
                    Leg {
                        target: (*t).clone(),
                        dialled: b,
                        local: None,
                    }
                })
                .collect();
            for l in &legs {
                if self.agent_events || w.dialect == Dialect::Modern {
                    queue_event(
                        &w,
                        QueueEv::AgentCalled,
                        &self.a,
                        Some(&l.dialled),
                        &queue,
                        1,
                    );
                }
                // 12+ announces each member with DialBegin; 1.x with nothing.
                w.dial_begin(Some(&self.a), &l.dialled, &format!("{tech}/{}", l.target));
                w.set_state(&l.dialled, ChanState::Ringing);
            }
            legs.extend(
                local
                    .iter()
                    .map(|t| self.ring_queue_agent(&mut w, &a, &queue, t)),
            );
            return legs;
        }
        let ctx = if matches!(self.route, Route::Trunk) {
            "outbound"
        } else {
            "internal"
        };
        let exten = targets.first().cloned().unwrap_or_default();
        w.set_location(&self.a, ctx, &exten, "Dial", &self.last_data.clone());
        if let Some((ctx, exten)) = self.comeback.take() {
            w.set_location(&self.a, &ctx, &exten, "Dial", &self.last_data.clone());
        }
        let trunk = w.trunk.clone();
        let legs: Vec<Leg> = targets
            .iter()
            .map(|t| {
                let chan = match self.route {
                    Route::Trunk => self.new_leg(&mut w, &trunk, t, "", "from-trunk", "s", &a),
                    _ => {
                        let name = w.ext_name(t);
                        let context = format!("DLPN_DialPlan{t}");
                        let exten = if w.dialect == Dialect::Modern {
                            "s"
                        } else {
                            ""
                        };
                        let b = self.new_leg(&mut w, t, t, &name, &context, exten, &a);
                        w.set_location(&b, &context, t, "AppDial", "(Outgoing Line)");
                        b
                    }
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

    /// A new Down channel on `endpoint`, linked to the caller `a`.
    #[allow(clippy::too_many_arguments)]
    fn new_leg(
        &self,
        w: &mut World,
        endpoint: &str,
        cid_num: &str,
        cid_name: &str,
        context: &str,
        exten: &str,
        a: &crate::world::Chan,
    ) -> String {
        let b = w.new_channel(
            self.id,
            NewChan {
                endpoint,
                state: ChanState::Down,
                cid_num,
                cid_name,
                context,
                exten,
                linkedid: Some(&a.linkedid),
                uniqueid: None,
                local_name: None,
            },
        );
        w.set_connected(&b, &a.cid_num, &a.cid_name);
        b
    }

    /// Rings one queue agent the FreePBX way: the queue dials
    /// `Local/<agent>@from-queue-…;1`, whose `;2` half dials the phone.
    fn ring_queue_agent(
        &self,
        w: &mut World,
        a: &crate::world::Chan,
        queue: &str,
        agent: &str,
    ) -> Leg {
        if w.dialect == Dialect::Ami11 {
            return self.ring_local_member_11(w, a, queue, agent);
        }
        // Local channel names carry a counter of their own.
        let lctx = self.local_context.clone();
        let base = format!(
            "Local/{agent}@{lctx}-{:08x}",
            w.channels().count() as u64 + 0x10
        );
        let ep = format!("{agent}@{lctx}");
        let half = |w: &mut World, suffix: &str, state| {
            w.new_channel(
                self.id,
                NewChan {
                    endpoint: &ep,
                    state,
                    cid_num: &a.cid_num,
                    cid_name: &a.cid_name,
                    context: &lctx,
                    exten: agent,
                    linkedid: Some(&a.linkedid),
                    uniqueid: None,
                    local_name: Some(&format!("{base};{suffix}")),
                },
            )
        };
        let l1 = half(w, "1", ChanState::Down);
        let l2 = half(w, "2", ChanState::Ring);
        w.dial_begin(
            Some(&self.a),
            &l1,
            &format!("Local/{agent}@{}/n", self.local_context),
        );
        queue_event(w, QueueEv::AgentCalled, &self.a, Some(&l1), queue, 1);
        let l2_chan = w.chan(&l2).cloned().unwrap_or_else(|| a.clone());
        let phone = self.new_phone_leg(w, agent, &l2_chan, &l2);
        w.set_state(&l1, ChanState::Ringing);
        Leg {
            target: agent.to_owned(),
            dialled: l1,
            local: Some((l2, phone)),
        }
    }

    /// Rings a Local queue member on 1.x: app_queue requests
    /// `Local/<agent>@<context>` with no Dial event; the `;1` half gets the
    /// caller's dialled number as caller ID, the `;2` half the caller's,
    /// and `;2` dials the phone (ami-1.3/queue-direct-answers.ami).
    fn ring_local_member_11(
        &self,
        w: &mut World,
        a: &crate::world::Chan,
        queue: &str,
        agent: &str,
    ) -> Leg {
        let (l1, l2) = w.local_pair(self.id, agent, &self.local_context, &a.linkedid);
        w.new_caller_id(&l1, &a.dnid, "");
        w.set_connected(&l1, &a.cid_num, &a.cid_name);
        w.set_caller_quietly(&l2, &a.cid_num, &a.cid_name);
        w.set_connected(&l2, &a.dnid, "");
        if self.agent_events {
            queue_event(w, QueueEv::AgentCalled, &self.a, Some(&l1), queue, 1);
        }
        let l2_chan = w.chan(&l2).cloned().unwrap_or_else(|| a.clone());
        let phone = self.new_phone_leg(w, agent, &l2_chan, &l2);
        let name = w.ext_name(agent);
        w.set_caller_quietly(&l1, agent, &name);
        w.set_state(&l1, ChanState::Ringing);
        Leg {
            target: agent.to_owned(),
            dialled: l1,
            local: Some((l2, phone)),
        }
    }

    /// Creates a phone's channel dialled from `from` and makes it ring.
    fn new_phone_leg(
        &self,
        w: &mut World,
        ext: &str,
        caller: &crate::world::Chan,
        from: &str,
    ) -> String {
        let name = w.ext_name(ext);
        let context = format!("DLPN_DialPlan{ext}");
        let exten = if w.dialect == Dialect::Modern {
            "s"
        } else {
            ""
        };
        let b = w.new_channel(
            self.id,
            NewChan {
                endpoint: ext,
                state: ChanState::Down,
                cid_num: ext,
                cid_name: &name,
                context: &context,
                exten,
                linkedid: Some(&caller.linkedid),
                uniqueid: None,
                local_name: None,
            },
        );
        w.set_connected(&b, &caller.cid_num, &caller.cid_name);
        w.set_location(&b, &context, ext, "AppDial", "(Outgoing Line)");
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
                    &w,
                    QueueEv::AgentConnect,
                    &self.a,
                    Some(&leg.dialled),
                    &q,
                    1,
                );
            }
            queue_event(&w, QueueEv::Leave, &self.a, None, &q, 1);
        }
        w.bridge(&self.a, &leg.dialled);
        self.last_dest_chan = phone;
    }

    /// Stops ringing `legs` with a dial status and hangup cause.
    fn cancel(&mut self, legs: &[Leg], status: &str, cause: u8) {
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
    async fn talk(&mut self, leg: &Leg) -> TalkEnd {
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
                    None => match self.park_after_talk.take() {
                        Some(space) => return self.park_until_timeout(leg, &space).await,
                        None => return TalkEnd::HungUp(leg.clone()),
                    },
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
    async fn run(mut self, mut targets: Vec<String>) {
        let mut disposition = "NO ANSWER";
        loop {
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
                    }
                }
                DialEnd::Moved(exten) => {
                    self.move_to(&exten);
                    targets = vec![exten];
                }
                DialEnd::Missed | DialEnd::CallerHungUp => {
                    let mut w = lock(&self.w);
                    if let Route::Queue(q) = &self.route {
                        let q = q.clone();
                        queue_event(&w, QueueEv::Abandon, &self.a, None, &q, 1);
                        queue_event(&w, QueueEv::Leave, &self.a, None, &q, 1);
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
                            w.cdr(
                                &a,
                                &self.destination,
                                &self.last_dest_chan,
                                &self.last_data,
                                self.start,
                                None,
                                disposition,
                            );
                        }
                    }
                    break;
                }
            }
        }
        lock(&self.w).unregister_call(self.id);
    }

    /// After a transfer the caller dials the new extension directly.
    fn move_to(&mut self, exten: &str) {
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
    fn write_cdr(&self, w: &World, disposition: &str) {
        let Some(a) = w.chan(&self.a).cloned() else {
            return;
        };
        w.cdr(
            &a,
            &self.destination,
            &self.last_dest_chan,
            &self.last_data,
            self.start,
            self.answered_at,
            disposition,
        );
    }

    /// The caller hangs up an answered call, in each dialect's order
    /// (incoming-answered.ami for 12+, ami-1.3/incoming-answered.ami for 1.8).
    fn hang_up_answered(&self, w: &mut World, leg: &Leg) {
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
fn hang_leg(w: &mut World, leg: &Leg, cause: u8) {
    if let Some((l2, phone)) = &leg.local {
        w.unbridge(l2, phone);
        w.hangup(phone, cause);
        w.hangup(l2, cause);
    }
    w.hangup(&leg.dialled, cause);
}

#[derive(Debug, Clone, Copy)]
enum QueueEv {
    Join,
    AgentCalled,
    AgentConnect,
    Leave,
    Abandon,
}

/// Queue events in each dialect (12+: `QueueCallerJoin` …; 1.8: `Join` …).
fn queue_event(
    w: &World,
    ev: QueueEv,
    caller: &str,
    agent: Option<&str>,
    queue: &str,
    position: u32,
) {
    let modern = w.dialect == Dialect::Modern;
    let Some(c) = w.chan(caller).cloned() else {
        return;
    };
    let q = ("Queue", queue.to_owned());
    let pos = ("Position", position.to_string());
    match (ev, agent) {
        (QueueEv::Join, _) => {
            let name = if modern { "QueueCallerJoin" } else { "Join" };
            let mut extra = vec![q, pos, ("Count", "1".to_owned())];
            if !modern {
                extra.splice(
                    0..0,
                    [
                        ("Channel", c.name.clone()),
                        ("CallerIDNum", c.cid_num.clone()),
                        ("CallerIDName", c.cid_name.clone()),
                        ("Uniqueid", c.uniqueid.clone()),
                    ],
                );
            }
            w.chan_event_with(name, caller, &extra);
        }
        (QueueEv::Leave, _) => {
            let name = if modern { "QueueCallerLeave" } else { "Leave" };
            let mut extra = vec![q, pos, ("Count", "0".to_owned())];
            if !modern {
                extra.splice(
                    0..0,
                    [
                        ("Channel", c.name.clone()),
                        ("Uniqueid", c.uniqueid.clone()),
                    ],
                );
            }
            w.chan_event_with(name, caller, &extra);
        }
        (QueueEv::Abandon, _) => {
            let mut extra = vec![
                q,
                pos,
                ("OriginalPosition", "1".to_owned()),
                ("HoldTime", "0".to_owned()),
            ];
            if !modern {
                extra.insert(1, ("Uniqueid", c.uniqueid.clone()));
            }
            w.chan_event_with("QueueCallerAbandon", caller, &extra);
        }
        (QueueEv::AgentCalled, Some(agent)) => {
            let member = agent.split(';').next().unwrap_or(agent).to_owned();
            let interface = member
                .rsplit_once('-')
                .map_or(member.clone(), |(i, _)| format!("{i}/n"));
            if modern {
                w.chan_pair_event(
                    "AgentCalled",
                    caller,
                    agent,
                    &[
                        q,
                        ("MemberName", interface.clone()),
                        ("Interface", interface),
                    ],
                );
            } else {
                w.chan_pair_event(
                    "AgentCalled",
                    caller,
                    agent,
                    &[
                        q,
                        ("AgentCalled", interface.clone()),
                        ("AgentName", interface),
                        ("ChannelCalling", c.name.clone()),
                        ("DestinationChannel", agent.to_owned()),
                        ("CallerIDNum", c.cid_num.clone()),
                        ("CallerIDName", c.cid_name.clone()),
                        ("Context", c.context.clone()),
                        ("Extension", c.exten.clone()),
                        ("Priority", "1".to_owned()),
                        ("Uniqueid", c.uniqueid.clone()),
                    ],
                );
            }
        }
        (QueueEv::AgentConnect, Some(agent)) => {
            let member = agent.split(';').next().unwrap_or(agent).to_owned();
            let interface = member
                .rsplit_once('-')
                .map_or(member.clone(), |(i, _)| format!("{i}/n"));
            let mut extra = vec![
                q,
                ("MemberName", interface.clone()),
                ("Interface", interface),
                ("HoldTime", "0".to_owned()),
            ];
            if modern {
                extra.push(("RingTime", "2".to_owned()));
            } else {
                extra.extend([
                    ("Uniqueid", c.uniqueid.clone()),
                    ("Channel", agent.to_owned()),
                    ("BridgedChannel", c.name.clone()),
                    ("Ringtime", "2".to_owned()),
                ]);
            }
            w.chan_pair_event("AgentConnect", caller, agent, &extra);
        }
        _ => {}
    }
}

/// Asterisk 12+ `BlindTransfer` event.
fn blind_transfer_event(w: &World, transferer: &str, transferee: &str, exten: &str, bridge: &str) {
    let (Some(t), Some(e)) = (w.chan(transferer).cloned(), w.chan(transferee).cloned()) else {
        return;
    };
    let mut p = ringside_ami::Packet::new()
        .with("Event", "BlindTransfer")
        .with("Privilege", "call,all");
    p.push("Result", "Success");
    for (k, v) in [
        ("TransfererChannel", &t.name),
        ("TransfererCallerIDNum", &t.cid_num),
        ("TransfererCallerIDName", &t.cid_name),
        ("TransfererUniqueid", &t.uniqueid),
        ("TransfererLinkedid", &t.linkedid),
        ("TransfereeChannel", &e.name),
        ("TransfereeCallerIDNum", &e.cid_num),
        ("TransfereeCallerIDName", &e.cid_name),
        ("TransfereeUniqueid", &e.uniqueid),
        ("TransfereeLinkedid", &e.linkedid),
    ] {
        p.push(k, v.clone());
    }
    p.push("BridgeUniqueid", bridge);
    p.push("BridgeType", "basic");
    p.push("IsExternal", "No");
    p.push("Context", "internal");
    p.push("Extension", exten);
    w.emit(&p);
}

/// Plays one scenario to its end.
pub(crate) async fn play(w: WorldRef, scenario: Scenario) {
    match scenario {
        Scenario::Incoming {
            caller,
            did,
            targets,
            answered_by,
            timing,
            group,
        } => {
            let mut run = CallRun::new(w, timing);
            run.start_external(&caller, &did);
            if let Some(g) = group {
                run.destination = g;
            }
            run.answers = answered_by.into_iter().collect();
            run.run(targets).await;
        }
        Scenario::Queue {
            caller,
            did,
            queue,
            agents,
            answered_by,
            direct,
            local_context,
            agent_events,
            timing,
        } => {
            let mut run = CallRun::new(w, timing);
            run.start_external(&caller, &did);
            run.route = Route::Queue(queue);
            run.direct = direct;
            run.local_context = local_context;
            run.agent_events = agent_events;
            run.answers = answered_by.into_iter().collect();
            run.run(agents).await;
        }
        Scenario::Internal {
            from,
            to,
            answered,
            timing,
        } => {
            let mut run = CallRun::new(w, timing);
            run.start_internal(&from, &to);
            if answered {
                run.answers.push(to.clone());
            }
            run.run(vec![to]).await;
        }
        Scenario::Outbound {
            from,
            number,
            answered,
            timing,
        } => {
            let mut run = CallRun::new(w, timing);
            run.start_internal(&from, &format!("0{number}"));
            run.route = Route::Trunk;
            if answered {
                run.answers.push(number.clone());
            }
            run.run(vec![number]).await;
        }
        Scenario::Transfer {
            caller,
            did,
            first,
            to,
            style,
            timing,
        } => {
            let mut run = CallRun::new(w, timing);
            run.start_external(&caller, &did);
            run.answers = vec![first.clone()];
            run.decline_consult = style == TransferStyle::AttendedDeclined;
            run.scripted_transfer = Some((style, to));
            run.run(vec![first]).await;
        }
        Scenario::Pickup {
            caller,
            did,
            ringing,
            picker,
            style,
            timing,
        } => {
            let mut run = CallRun::new(w, timing);
            run.start_external(&caller, &did);
            run.play_pickup(&ringing, &picker, style).await;
        }
        Scenario::ParkTimeout {
            caller,
            did,
            parker,
            space,
            timing,
        } => {
            let mut run = CallRun::new(w, timing);
            run.start_external(&caller, &did);
            run.answers = vec![parker.clone()];
            run.park_after_talk = Some(space);
            run.run(vec![parker]).await;
        }
    }
}

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
