//! Scripted calls: what a test or the demo asks the simulated PBX to make
//! happen ([`Scenario`]), and `play`, which hands one to the call task
//! that plays it out through the world model (`world.rs`), reacting to
//! `Hangup`, `Redirect`, `BlindTransfer` and `Atxfer` sent by clients while
//! it runs.
//!
//! The call task is split by scenario family:
//! - `call.rs`: one running call, the dial, talk and hang-up loop that
//!   incoming calls, ring groups, internal and outbound calls are made of,
//!   and the moves a client asks for while it runs (redirect, blind transfer);
//! - `queue.rs`: queues, their events and the members rung through Local
//!   channels;
//! - `features.rs`: attended transfers and pickups;
//! - `parking.rs`: a parked call, retrieved, given up or timed out;
//! - `voicemail.rs`: a caller leaving a message;
//! - `originate.rs`: the calls a client's `Originate` makes;
//! - `spec.rs`: a call written as one line of text ([`CallSpec`]), for the
//!   program's `--call` option and standard input.
//!
//! The packet sequences follow the real captures (`tests/fixtures/ami` for
//! Asterisk 12+, `tests/fixtures/ami-1.3` for 1.8/11); queue calls follow
//! FreePBX, which reaches agents through `Local/<ext>@from-queue` channels.
//! All waiting uses tokio timers, so tests can run scenarios under
//! `tokio::time::pause()` without real delays.

use std::time::Duration;

mod call;
mod features;
mod originate;
mod parking;
mod queue;
mod spec;
mod voicemail;

use call::{CallRun, Route, WorldRef};
pub use features::PickupStyle;
pub(crate) use originate::{originate, originate_alone};
pub use spec::CallSpec;

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

impl Timing {
    /// The same times divided by `speed` (see [`SimConfig::demo_speed`](crate::SimConfig::demo_speed)):
    /// 8 rings and talks eight times as fast. A speed that is not a
    /// positive finite number leaves them as they are.
    #[must_use]
    pub fn faster(self, speed: f64) -> Self {
        Self {
            ring: faster(self.ring, speed),
            talk: faster(self.talk, speed),
        }
    }
}

/// `d` divided by `speed`; unchanged for a speed that is not a positive
/// finite number.
pub(crate) fn faster(d: Duration, speed: f64) -> Duration {
    if speed.is_finite() && speed > 0.0 {
        d.div_f64(speed)
    } else {
        d
    }
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
    /// An external call answered by `parker`, who parks it in the first
    /// free space after the talk time. After the ring time `retrieved_by`
    /// dials the space and talks to the caller; with nobody, it waits the
    /// PBX's parking time (a client may retrieve it) and then rings
    /// `parker` again.
    Park {
        /// Who calls.
        caller: Party,
        /// The dialled number on the trunk.
        did: String,
        /// The extension that answers and parks.
        parker: String,
        /// The extension that retrieves it, if any.
        retrieved_by: Option<String>,
        /// Ring and talk time.
        timing: Timing,
    },
    /// An external call to `exten` that nobody answers: the caller leaves
    /// a message in `exten`'s voicemail, speaking for the talk time.
    Voicemail {
        /// Who calls.
        caller: Party,
        /// The dialled number on the trunk.
        did: String,
        /// The extension rung, whose mailbox gets the message.
        exten: String,
        /// Ring and talk time.
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

    /// An external call answered by `parker` and parked; retrieved by
    /// `retrieved_by` after the ring time, or left for the parking time.
    pub fn park(caller: Party, did: &str, parker: &str, retrieved_by: Option<&str>) -> Self {
        Self::Park {
            caller,
            did: did.into(),
            parker: parker.into(),
            retrieved_by: retrieved_by.map(Into::into),
            timing: Timing::default(),
        }
    }

    /// An external call to `exten` that ends in `exten`'s voicemail.
    pub fn voicemail(caller: Party, did: &str, exten: &str) -> Self {
        Self::Voicemail {
            caller,
            did: did.into(),
            exten: exten.into(),
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

    /// Its ring and talk times.
    pub(crate) fn timing(&self) -> Timing {
        match self {
            Self::Incoming { timing, .. }
            | Self::Queue { timing, .. }
            | Self::Internal { timing, .. }
            | Self::Outbound { timing, .. }
            | Self::Transfer { timing, .. }
            | Self::Pickup { timing, .. }
            | Self::ParkTimeout { timing, .. }
            | Self::Park { timing, .. }
            | Self::Voicemail { timing, .. } => *timing,
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
            | Self::ParkTimeout { timing, .. }
            | Self::Park { timing, .. }
            | Self::Voicemail { timing, .. } => *timing = t,
        }
        self
    }

    /// The same call with its ring and talk times divided by `speed`
    /// (see [`Timing::faster`]).
    #[must_use]
    pub fn faster(self, speed: f64) -> Self {
        let t = self.timing().faster(speed);
        self.with_timing(t.ring, t.talk)
    }

    /// The rotating set the demo PBX plays: external callers to one
    /// extension, a ring group, a call parked at 1002 for the parking time
    /// (a client may retrieve it), two callers waiting in queue `sales`
    /// (which has nobody to answer, so they wait 40 s and give up), an
    /// internal call, a transfer, a missed call, a queue, an outbound call
    /// and a caller who leaves 1002 a voicemail, with the captures'
    /// extensions 1000-1005. The parked call and the waiting callers come
    /// within half a minute of the start.
    pub fn demo_set() -> Vec<Scenario> {
        let acme = Party::new("+15551234567", "ACME Corp");
        let initech = Party::new("+442071234567", "Initech");
        let globex = Party::new("0207946000", "Globex Inc");
        let umbrella = Party::new("+4930123456", "Umbrella GmbH");
        let hooli = Party::new("+14155550199", "Hooli");
        let t = |s: Scenario, ring: u64, talk: u64| {
            s.with_timing(Duration::from_secs(ring), Duration::from_secs(talk))
        };
        let waiting = |caller: Party| {
            t(
                Scenario::queue(caller, "5550800", "sales", &[], None),
                40,
                0,
            )
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
            t(Scenario::park(hooli.clone(), "5550102", "1002", None), 3, 5),
            waiting(Party::new("+13125550199", "Wayne Enterprises")),
            waiting(Party::new("+12125550142", "Stark Industries")),
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
            t(Scenario::voicemail(hooli, "5550102", "1002"), 5, 6),
        ]
    }
}

/// Plays one scenario to its end.
pub(crate) async fn play(w: WorldRef, scenario: Scenario) {
    let mut run = CallRun::new(w, scenario.timing());
    start_caller(&mut run, &scenario);
    match scenario {
        Scenario::Incoming {
            group,
            targets,
            answered_by,
            ..
        } => {
            if let Some(g) = group {
                run.destination = g;
            }
            run.answers = answered_by.into_iter().collect();
            run.run(targets).await;
        }
        Scenario::Queue {
            queue,
            agents,
            answered_by,
            direct,
            local_context,
            agent_events,
            ..
        } => {
            run.route = Route::Queue(queue);
            run.direct = direct;
            run.local_context = local_context;
            run.agent_events = agent_events;
            run.answers = answered_by.into_iter().collect();
            run.run(agents).await;
        }
        Scenario::Internal { to, answered, .. } => {
            if answered {
                run.answers.push(to.clone());
            }
            run.run(vec![to]).await;
        }
        Scenario::Outbound {
            number, answered, ..
        } => {
            run.route = Route::Trunk;
            if answered {
                run.answers.push(number.clone());
            }
            run.run(vec![number]).await;
        }
        Scenario::Transfer {
            first, to, style, ..
        } => {
            run.answers = vec![first.clone()];
            run.decline_consult = style == TransferStyle::AttendedDeclined;
            run.scripted_transfer = Some((style, to));
            run.run(vec![first]).await;
        }
        attendant => play_attendant(run, attendant).await,
    }
}

/// Plays the attendant situations: pickups, parks and voicemail.
async fn play_attendant(mut run: CallRun, scenario: Scenario) {
    match scenario {
        Scenario::Pickup {
            ringing,
            picker,
            style,
            ..
        } => run.play_pickup(&ringing, &picker, style).await,
        Scenario::ParkTimeout { parker, space, .. } => {
            run.answers = vec![parker.clone()];
            run.park_after_talk = Some((space, None));
            run.run(vec![parker]).await;
        }
        Scenario::Park {
            parker,
            retrieved_by,
            ..
        } => {
            let time = call::lock(&run.w).parking_time;
            run.answers = vec![parker.clone()];
            run.retrieved_by = retrieved_by;
            // The first space free when it is parked (a full lot: not parked).
            run.park_after_talk = Some((String::new(), Some(time)));
            run.run(vec![parker]).await;
        }
        Scenario::Voicemail { exten, .. } => {
            run.voicemail_on_miss = Some(exten.clone());
            run.run(vec![exten]).await;
        }
        // The others are played by `play`.
        _ => call::lock(&run.w).unregister_call(run.id),
    }
}

/// Creates the caller's channel: the trunk's for a call from outside, the
/// calling phone's for an internal or outbound call.
fn start_caller(run: &mut CallRun, scenario: &Scenario) {
    match scenario {
        Scenario::Internal { from, to, .. } => run.start_internal(from, to),
        Scenario::Outbound { from, number, .. } => {
            run.start_internal(from, &format!("0{number}"));
        }
        Scenario::Incoming { caller, did, .. }
        | Scenario::Queue { caller, did, .. }
        | Scenario::Transfer { caller, did, .. }
        | Scenario::Pickup { caller, did, .. }
        | Scenario::ParkTimeout { caller, did, .. }
        | Scenario::Park { caller, did, .. }
        | Scenario::Voicemail { caller, did, .. } => run.start_external(caller, did),
    }
}
