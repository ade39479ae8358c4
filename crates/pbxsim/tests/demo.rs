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
