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

/// A model with views, as the office gateway runs it: a tracker for the
/// board and console, and one view per set of extensions.
struct Viewed {
    main: Live,
    views: Vec<CallTracker>,
}

impl ringside_calls::live::LiveModel for Viewed {
    fn parts(&mut self) -> ringside_calls::live::LiveParts<'_> {
        self.main.parts()
    }

    fn views(&mut self) -> &mut [CallTracker] {
        &mut self.views
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_view_reports_what_a_loop_of_its_own_reports() {
    let (sim, client) = support::pbx::sim_and_client(SimConfig::dialect(Dialect::Modern)).await;
    let exts = ["1001", "1002", "1003"];
    let watching = |e: &str| CallTracker::new(TrackerConfig::watching([e]));
    let viewed = tokio::sync::Mutex::new(Viewed {
        main: Live::new(CallTracker::new(TrackerConfig::watching(exts))),
        views: exts.iter().map(|e| watching(e)).collect(),
    });
    let own: Vec<_> = exts
        .iter()
        .map(|e| tokio::sync::Mutex::new(Live::new(watching(e))))
        .collect();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // Each change as (view, line): the views' from the one loop, the own
    // loops' as 10 + their index.
    let lines = |view: usize, c: &CardChange| {
        (
            view,
            ringside_calls::lines::timeless(&ringside_calls::lines::card(c)).expect("JSON"),
        )
    };
    let mut one = |u| match u {
        LiveUpdate::ViewCard { view, change } => drop(tx.send(Some(lines(view, &change)))),
        LiveUpdate::Connected(_) => drop(tx.send(None)),
        _ => {}
    };
    let loops = async {
        let mut outs: Vec<_> = (0..exts.len())
            .map(|i| {
                let tx = tx.clone();
                move |u| match u {
                    LiveUpdate::Card(c) => drop(tx.send(Some(lines(10 + i, &c)))),
                    LiveUpdate::Connected(_) => drop(tx.send(None)),
                    _ => {}
                }
            })
            .collect();
        let mut outs = outs.iter_mut();
        let (a, b, c) = (
            outs.next().expect("a loop"),
            outs.next().expect("a loop"),
            outs.next().expect("a loop"),
        );
        tokio::join!(
            follow(&client, &viewed, &mut one),
            follow(&client, &own[0], a),
            follow(&client, &own[1], b),
            follow(&client, &own[2], c),
        );
    };
    let watch = async {
        let mut got: Vec<Vec<serde_json::Value>> = vec![Vec::new(); 20];
        let (mut ends, mut up) = (0, 0);
        while let Some(u) = rx.recv().await {
            let Some((who, line)) = u else {
                // The call starts once every loop read the (empty) calls.
                up += 1;
                if up < 1 + exts.len() {
                    continue;
                }
                sim.play(Scenario::ring_group(
                    Party::new("+442071234567", "Initech"),
                    "5550600",
                    "600",
                    &exts,
                    Some("1002"),
                ));
                continue;
            };
            ends += usize::from(line["type"] == "call_end");
            got[who].push(line);
            if ends == 2 * exts.len() {
                return got;
            }
        }
        got
    };
    let got = tokio::select! {
        () = loops => panic!("the loops only end with the client"),
        r = tokio::time::timeout(WAIT, watch) => r.expect("every loop sees the call end"),
    };
    for i in 0..exts.len() {
        assert!(!got[i].is_empty(), "view {i} reported the call");
        assert_eq!(
            got[i],
            got[10 + i],
            "view {i} and a loop watching {}",
            exts[i]
        );
    }
    assert_ne!(got[0], got[1], "the views differ: each is its extension's");
    client.shutdown().await;
    sim.shutdown().await;
}
