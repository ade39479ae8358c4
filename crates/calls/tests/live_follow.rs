//! The one live loop (`live::follow`), as the CLI and the app run it,
//! against the simulated PBX over real TCP: a session joined while it is
//! up is listed once, its colleagues are named without holding up its
//! events, and the shared state can be read between events.

use std::time::Duration;

use ringside_calls::live::{follow, Live, LiveUpdate};
use ringside_calls::{CallTracker, CardChange, TrackerConfig};
use ringside_pbxsim::{Dialect, Party, Scenario, SimConfig};

mod support;
use support::pbx::WAIT;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joined_session_is_listed_once_named_aside_and_readable_between_events() {
    let (sim, client) = support::pbx::sim_and_client(SimConfig::dialect(Dialect::Modern)).await;
    let live = tokio::sync::Mutex::new(Live::new(CallTracker::new(TrackerConfig::watching([
        "1001",
    ]))));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut send = |u| drop(tx.send(u));
    let feed = follow(&client, &live, &mut send);
    let watch = async {
        let mut seen = Vec::new();
        let mut named = false;
        let mut ringing = false;
        while let Some(u) = rx.recv().await {
            match &u {
                LiveUpdate::Connected(_) => {
                    sim.play(Scenario::incoming(
                        Party::new("+15550100", "ACME"),
                        "5550000",
                        "1001",
                    ));
                }
                LiveUpdate::Presence(c) if c.name.is_some() => named = true,
                LiveUpdate::Card(CardChange::Popup { .. }) => {
                    // The feed is not holding the state: a reader gets it
                    // between events and sees the call.
                    let l = tokio::time::timeout(Duration::from_secs(2), live.lock())
                        .await
                        .expect("the state is free between events");
                    assert_eq!(l.tracker.live_calls(), 1, "the ringing call");
                    ringing = true;
                }
                _ => {}
            }
            seen.push(u);
            if named && ringing {
                return seen;
            }
        }
        seen
    };
    let seen = tokio::select! {
        () = feed => panic!("the feed only ends with the client"),
        r = tokio::time::timeout(WAIT, watch) => r.expect("the call rings and the phones are named"),
    };
    let connected = seen
        .iter()
        .filter(|u| matches!(u, LiveUpdate::Connected(_)))
        .count();
    assert_eq!(connected, 1, "one session, announced once: {seen:?}");
    let listings = sim
        .received()
        .iter()
        .filter(|p| p.is("Action", "CoreShowChannels"))
        .count();
    assert_eq!(listings, 1, "a session joined while up is listed once");
    client.shutdown().await;
    sim.shutdown().await;
}
