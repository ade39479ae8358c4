//! The attendant console in the one live loop against the simulated PBX
//! over real TCP, with its existing parking and queue scenarios in both
//! dialects: the panels are kept live from the PBX's events and name calls
//! as the cards do, the listings the simulator does not have (it refuses
//! `ParkedCalls` and `MailboxCount`) leave their panels alone, and a
//! reconnect in the middle of a park neither loses the parked call nor
//! reports it twice.

mod support;

use std::time::Duration;

use ringside_calls::console::{ParkChange, ParkOutcome, QueueChange, QueueOutcome};
use ringside_calls::live::{Live, LiveModel, LiveUpdate};
use ringside_calls::{CallTracker, CardChange, ConsoleChange, TrackerConfig};
use ringside_pbxsim::{Dialect, Fault, Party, Scenario, SimConfig};
use support::feed::following;

const CALLER: &str = "+15551234567";

fn acme() -> Party {
    Party::new(CALLER, "ACME Corp")
}

fn live(watched: &[&str]) -> tokio::sync::Mutex<Live> {
    tokio::sync::Mutex::new(Live::new(CallTracker::new(TrackerConfig::watching(
        watched.iter().copied(),
    ))))
}

fn park(u: &LiveUpdate) -> Option<&ParkChange> {
    match u {
        LiveUpdate::Console(ConsoleChange::Park(p)) => Some(p),
        _ => None,
    }
}

fn queue(u: &LiveUpdate) -> Option<&QueueChange> {
    match u {
        LiveUpdate::Console(ConsoleChange::Queue(q)) => Some(q),
        _ => None,
    }
}

/// The id of the call whose card ended.
fn ended(u: &LiveUpdate) -> Option<&str> {
    match u {
        LiveUpdate::Card(CardChange::Ended { call, .. }) => Some(call),
        _ => None,
    }
}

fn space_of(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Modern => "71",
        _ => "701",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_park_that_times_out_is_listed_then_returns_to_its_parker() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let (sim, client) = support::pbx::sim_and_client(SimConfig::dialect(dialect)).await;
        let live = &live(&["1001"]);
        let space = space_of(dialect);
        let sim_ref = &sim;
        following(&client, live, |mut updates| async move {
            updates
                .until("Connected", |u| matches!(u, LiveUpdate::Connected(_)))
                .await;
            drop(sim_ref.play(
                Scenario::park_timeout(acme(), "5550100", "1001", space)
                    .with_timing(Duration::from_millis(300), Duration::from_millis(300)),
            ));
            let parked = updates.until("parked", |u| park(u).is_some()).await;
            let Some(ParkChange::Parked {
                call,
                slot,
                caller_num,
                parked_by,
                ..
            }) = park(&parked)
            else {
                panic!("{dialect:?}: a park first: {parked:?}");
            };
            assert_eq!(
                (slot.as_str(), caller_num.as_str(), parked_by.as_deref()),
                (space, CALLER, Some("1001")),
                "{dialect:?}"
            );
            {
                let mut l = live.lock().await;
                let shown: Vec<String> =
                    l.parts().console.parked.calls().map(|c| c.slot.clone()).collect();
                assert_eq!(shown, [space], "{dialect:?}: on the panel while parked");
            }
            let back = updates.until("park_end", |u| park(u).is_some()).await;
            assert!(
                matches!(park(&back), Some(ParkChange::ParkEnd { call: c, end: ParkOutcome::Timeout, returned_to, .. })
                    if c == call && returned_to.as_deref() == Some("1001")),
                "{dialect:?}: {back:?}"
            );
            let end = updates.until("call_end", |u| ended(u).is_some()).await;
            assert_eq!(ended(&end), Some(call.as_str()), "{dialect:?}: the card's call");
        })
        .await;
        client.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_callers_join_and_leave_answered_or_abandoned() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let (sim, client) = support::pbx::sim_and_client(SimConfig::dialect(dialect)).await;
        let live = &live(&["1002", "1003"]);
        let sim_ref = &sim;
        following(&client, live, |mut updates| async move {
            updates
                .until("Connected", |u| matches!(u, LiveUpdate::Connected(_)))
                .await;
            let fast = |s: Scenario| {
                s.with_timing(Duration::from_millis(300), Duration::from_millis(300))
            };
            let plain = |answered_by| {
                Scenario::plain_queue(acme(), "5550700", "support", &["1003"], &["1002"], answered_by)
            };
            let mut cases = vec![(plain(None), QueueOutcome::Abandoned, None)];
            // The simulator sends `AgentConnect` before the caller's leave,
            // where app_queue (11 and 20 alike) leaves the queue first; only
            // its plain 1.x queue, which connects with a `Bridge` after the
            // leave, answers in Asterisk's order.
            if dialect == Dialect::Ami11 {
                cases.push((plain(Some("1003")), QueueOutcome::Answered, Some("1003")));
            }
            for (scenario, want, by) in cases {
                drop(sim_ref.play(fast(scenario)));
                let join = updates.until("queue_join", |u| queue(u).is_some()).await;
                let Some(QueueChange::QueueJoin { queue: q, call, caller_num, position, .. }) =
                    queue(&join)
                else {
                    panic!("{dialect:?}: a join first: {join:?}");
                };
                assert_eq!((q.as_str(), caller_num.as_str(), *position), ("support", CALLER, 1));
                let leave = updates.until("queue_leave", |u| queue(u).is_some()).await;
                assert!(
                    matches!(queue(&leave), Some(QueueChange::QueueLeave { call: c, end, answered_by, .. })
                        if c == call && *end == want && answered_by.as_deref() == by),
                    "{dialect:?}: {want:?}: {leave:?}"
                );
                let end = updates.until("call_end", |u| ended(u).is_some()).await;
                assert_eq!(ended(&end), Some(call.as_str()), "{dialect:?}: the card's call");
            }
        })
        .await;
        client.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_mid_park_keeps_the_parked_call_and_ends_it_once() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let (sim, client) = support::pbx::sim_and_client(SimConfig::dialect(dialect)).await;
        let live = &live(&["1001"]);
        let space = space_of(dialect);
        let sim_ref = &sim;
        following(&client, live, |mut updates| async move {
            updates
                .until("Connected", |u| matches!(u, LiveUpdate::Connected(_)))
                .await;
            // Parked for 4 s: time enough to drop the session and get back.
            drop(
                sim_ref.play(
                    Scenario::park_timeout(acme(), "5550100", "1001", space)
                        .with_timing(Duration::from_secs(4), Duration::from_millis(300)),
                ),
            );
            updates.until("parked", |u| park(u).is_some()).await;
            sim_ref.inject(Fault::DisconnectMidPacket);
            updates
                .until("Disconnected", |u| matches!(u, LiveUpdate::Disconnected(_)))
                .await;
            updates
                .until("Connected again", |u| matches!(u, LiveUpdate::Connected(_)))
                .await;
            {
                let mut l = live.lock().await;
                let shown: Vec<String> = l
                    .parts()
                    .console
                    .parked
                    .calls()
                    .map(|c| c.slot.clone())
                    .collect();
                assert_eq!(
                    shown,
                    [space],
                    "{dialect:?}: still parked after the reconnect"
                );
            }
            updates
                .until("park_end", |u| {
                    matches!(park(u), Some(ParkChange::ParkEnd { .. }))
                })
                .await;
            updates.until("call_end", |u| ended(u).is_some()).await;
            let parks = updates.count(|u| matches!(park(u), Some(ParkChange::Parked { .. })));
            let ends = updates.count(|u| matches!(park(u), Some(ParkChange::ParkEnd { .. })));
            assert_eq!(
                (parks, ends),
                (1, 1),
                "{dialect:?}: once each: {:#?}",
                updates.seen
            );
        })
        .await;
        client.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_the_simulator_refuses_leave_their_panels_and_the_board_is_read() {
    let (sim, client) = support::pbx::sim_and_client(SimConfig::dialect(Dialect::Modern)).await;
    let live = &live(&["1001"]);
    following(&client, live, |mut updates| async move {
        updates
            .until("Connected", |u| matches!(u, LiveUpdate::Connected(_)))
            .await;
        assert_eq!(
            updates.count(|u| matches!(u, LiveUpdate::ResyncFailed(_))),
            0,
            "{:?}",
            updates.seen
        );
        let mut l = live.lock().await;
        let parts = l.parts();
        assert_eq!(parts.console.parked.calls().count(), 0);
        assert_eq!(parts.presence.colleagues().count(), 6, "the board is read");
    })
    .await;
    let asked = |name: &str| {
        sim.received()
            .iter()
            .filter(|p| p.is("Action", name))
            .count()
    };
    for listing in [
        "ParkedCalls",
        "QueueStatus",
        "QueueSummary",
        "CoreShowChannels",
    ] {
        assert_eq!(asked(listing), 1, "{listing} asked once at connect");
    }
    client.shutdown().await;
    sim.shutdown().await;
}
