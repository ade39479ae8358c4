//! Demo mode: with nothing but `demo_every`, calls ring in within seconds.

mod common;

use std::time::Duration;

use common::connect;
use ringside_pbxsim::{PbxSim, Scenario, SimConfig};

#[tokio::test(start_paused = true)]
async fn demo_calls_start_within_seconds_and_rotate() {
    let sim = PbxSim::start(SimConfig {
        demo_every: Some(Duration::from_secs(6)),
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let started = tokio::time::Instant::now();
    let mut c = connect(sim.addr()).await;
    c.login_md5("ringside", "ringside-secret").await;
    let events = c.events_until(|e| e.is("Event", "DialBegin")).await;
    assert!(
        started.elapsed() <= Duration::from_secs(3),
        "the first call rings within seconds"
    );
    let first = events
        .iter()
        .find(|e| e.is("Event", "DialBegin"))
        .expect("a DialBegin");
    assert_eq!(
        first.get("CallerIDName"),
        Some("ACME Corp"),
        "the first demo caller"
    );
    assert_eq!(
        first.get("CallerIDNum"),
        Some("+15551234567"),
        "with a real-looking number"
    );
    // The second call is the ring group for Initech.
    let first_at = started.elapsed();
    c.events_until(|e| e.is("Event", "DialBegin") && e.is("CallerIDName", "Initech"))
        .await;
    let gap = started.elapsed() - first_at;
    assert!(
        gap >= Duration::from_secs(5) && gap <= Duration::from_secs(7),
        "calls come every 6 s, got {gap:?}"
    );
    let n = Scenario::demo_set().len();
    assert!(n >= 5, "the demo rotates through at least external, ring group, internal, transfer and missed calls");
}

/// `demo_speed` 8 plays a minute of the demo in 7.5 s: the parked call
/// times out back to its parker (45 s of parking time at real speed) and
/// the callers waiting in queue `sales` give up (after 40 s), both well
/// within the minute they would not fit in at real time.
#[tokio::test(start_paused = true)]
async fn a_faster_demo_parks_and_queues_at_its_speed() {
    let sim = PbxSim::start(SimConfig {
        demo_every: Some(Duration::from_secs(8)),
        demo_speed: 8.0,
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let started = tokio::time::Instant::now();
    let mut c = connect(sim.addr()).await;
    c.login_md5("ringside", "ringside-secret").await;
    let (mut timed_out, mut gave_up, mut calls) = (false, 0, 0);
    while !timed_out || gave_up < 2 {
        let e = c.next().await.expect("the demo's events arrive");
        timed_out |= e.is("Event", "ParkedCallTimeOut");
        if e.is("Event", "QueueCallerAbandon") && e.is("Queue", "sales") {
            gave_up += 1;
        }
        if e.is("Event", "Newchannel") && e.get("Context") == Some("from-trunk") {
            calls += 1;
        }
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(15),
        "a parked call back at its parker and two callers gone from the queue after {elapsed:?}"
    );
    assert!(
        calls >= 4,
        "meanwhile the next calls came in, one every second: {calls}"
    );
    sim.shutdown().await;
}
