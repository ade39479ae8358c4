//! Rows: drip (every byte alone, with pauses) and garbage (random bytes
//! between valid packets) during a call. The user must see the popup once
//! and the call's record, and the connection must stay up: the protocol
//! allows both, so neither may cost a reconnect. The 100 MiB packet, the
//! endless line and the 100,000-event flood are in the `memory` binary.

use std::time::Duration;

use ringside_ami::ConnectionState;
use ringside_calls::live::LiveUpdate;
use ringside_calls::CardChange;
use ringside_pbxsim::{Fault, Party, PbxSim, Scenario, SimConfig};

use crate::common::*;

/// Records every state the client passes through.
fn watch_states(chain: &Chain) -> std::sync::Arc<std::sync::Mutex<Vec<ConnectionState>>> {
    let states = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut rx = chain.client.state();
    let s = states.clone();
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let v = rx.borrow_and_update().clone();
            s.lock().expect("states").push(v);
        }
    });
    states
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dripped_call_pops_up_once_and_is_recorded_without_a_reconnect() {
    tokio::time::timeout(Duration::from_secs(180), async {
        let sim = PbxSim::start(SimConfig::default())
            .await
            .expect("pbxsim starts");
        let mut chain = Chain::start(config_for(sim.addr()), &["1001"]).await;
        chain
            .wait_for("the session", |s| {
                matches!(s, Seen::Update(LiveUpdate::Connected(_)))
            })
            .await;
        let states = watch_states(&chain);
        sim.inject(Fault::Drip {
            delay: Duration::from_micros(200),
        });
        sim.play(
            Scenario::incoming_missed(Party::new("+15550003", "Drip Caller"), "5550100", "1001")
                .with_timing(Duration::from_millis(300), Duration::from_millis(100)),
        )
        .finished()
        .await;
        let popup = chain
            .wait_for("the popup, byte by byte", |s| is_popup_for(s, "1001"))
            .await;
        let Seen::Update(LiveUpdate::Card(CardChange::Popup {
            call,
            caller_num,
            caller_name,
            ..
        })) = popup
        else {
            unreachable!()
        };
        assert_eq!(
            caller_num, "+15550003",
            "dripped bytes must still give the exact caller number"
        );
        assert_eq!(
            caller_name.as_deref(),
            Some("Drip Caller"),
            "and the exact caller name"
        );
        chain.wait_for("the record", is_stored).await;
        assert_eq!(chain.popups().len(), 1, "one call, one popup");
        assert_eq!(chain.ends().len(), 1, "one call, one end");
        assert!(
            chain
                .store
                .get_call(&call)
                .await
                .expect("store answers")
                .is_some(),
            "the call is in the history"
        );
        let states = states.lock().expect("states").clone();
        assert!(
            !states
                .iter()
                .any(|s| matches!(s, ConnectionState::Disconnected { .. })),
            "a slow PBX is not a dead one: no disconnect while dripping: {states:?}"
        );
        chain.stop().await;
        sim.shutdown().await;
    })
    .await
    .expect("the drip row must finish, not hang");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_between_packets_costs_nothing_the_user_sees() {
    tokio::time::timeout(Duration::from_secs(60), async {
        let sim = PbxSim::start(SimConfig::default())
            .await
            .expect("pbxsim starts");
        let mut chain = Chain::start(config_for(sim.addr()), &["1001"]).await;
        chain
            .wait_for("the session", |s| {
                matches!(s, Seen::Update(LiveUpdate::Connected(_)))
            })
            .await;
        let states = watch_states(&chain);
        sim.inject(Fault::Garbage { len: 4096 });
        let playing = sim.play(
            Scenario::incoming(Party::new("+15550004", "Garbage Caller"), "5550100", "1001")
                .with_timing(Duration::from_millis(800), Duration::from_millis(800)),
        );
        for _ in 0..8 {
            tokio::time::sleep(Duration::from_millis(150)).await;
            sim.inject(Fault::Garbage { len: 1500 });
        }
        playing.finished().await;
        chain.wait_for("the record", is_stored).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let popups = chain.popups();
        assert_eq!(
            popups.len(),
            1,
            "garbage must neither hide nor duplicate the popup: {popups:?}"
        );
        let ends = chain.ends();
        assert_eq!(ends.len(), 1, "exactly one end for one call: {ends:?}");
        assert!(
            !ends[0].1,
            "the call was followed live, not reconstructed offline"
        );
        let states = states.lock().expect("states").clone();
        assert!(
            !states
                .iter()
                .any(|s| matches!(s, ConnectionState::Disconnected { .. })),
            "random bytes between packets must not cost the connection: {states:?}"
        );
        chain.stop().await;
        sim.shutdown().await;
    })
    .await
    .expect("the garbage row must finish, not hang");
}
