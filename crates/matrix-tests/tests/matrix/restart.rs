//! Row: the PBX restarts while a call is ringing at the watched extension.
//! The user must see: the popup once; "disconnected" within the keepalive
//! deadline; the client back by itself, with backoff (no tight loop while
//! the port is closed); after the resync the call (gone with the restart)
//! ends exactly once and its record is in the history.

use std::time::{Duration, Instant};

use ringside_ami::{ConnectionState, DisconnectReason};
use ringside_calls::live::LiveUpdate;
use ringside_pbxsim::{Fault, Party, PbxSim, Scenario, SimConfig};

use crate::common::*;

const KEEPALIVE: Duration = Duration::from_secs(2);
const DOWN_FOR: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pbx_restart_while_ringing_shows_the_call_once_and_records_its_end() {
    tokio::time::timeout(Duration::from_secs(120), async {
        let sim = PbxSim::start(SimConfig::default()).await.expect("pbxsim starts on 127.0.0.1:0");
        let mut chain = Chain::start(config_for(sim.addr()).keepalive(KEEPALIVE, KEEPALIVE), &["1001"]).await;
        chain.wait_for("the first session", |s| matches!(s, Seen::Update(LiveUpdate::Connected(_)))).await;

        // Count every state the client goes through, to see the backoff.
        let states = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(Instant, ConnectionState)>::new()));
        let watcher = {
            let mut rx = chain.client.state();
            let states = states.clone();
            tokio::spawn(async move {
                while rx.changed().await.is_ok() {
                    let s = rx.borrow_and_update().clone();
                    states.lock().expect("states").push((Instant::now(), s));
                }
            })
        };

        let _ringing = sim.play(
            Scenario::incoming(Party::new("+15550001", "Caller 1"), "5550100", "1001")
                .with_timing(Duration::from_secs(600), Duration::from_secs(1)),
        );
        let popup = chain.wait_for("the popup at 1001", |s| is_popup_for(s, "1001")).await;
        let Seen::Update(LiveUpdate::Card(ringside_calls::CardChange::Popup { call, .. })) = popup else { unreachable!() };

        let restarted = Instant::now();
        sim.inject(Fault::Restart { down_for: DOWN_FOR });
        let state = chain
            .wait_state("Disconnected", |s| matches!(s, ConnectionState::Disconnected { .. } | ConnectionState::Unreachable { .. }))
            .await;
        let noticed = restarted.elapsed();
        assert!(
            noticed <= KEEPALIVE * 2 + Duration::from_secs(3),
            "the user must see the PBX is gone within the keepalive deadline, saw it after {noticed:?}: {state:?}"
        );
        assert!(state.message().is_some_and(|m| m.contains(&sim.addr().port().to_string())), "the message names the PBX: {state:?}");
        chain.wait_for("the Disconnected update", |s| matches!(s, Seen::Update(LiveUpdate::Disconnected(_)))).await;

        chain.wait_for("the second session", |s| matches!(s, Seen::Update(LiveUpdate::Connected(_)))).await;
        let back = restarted.elapsed();
        assert!(back >= DOWN_FOR, "it cannot be back while the port is closed ({back:?})");
        assert!(back <= DOWN_FOR + Duration::from_secs(15), "it must come back by itself soon after the PBX does ({back:?})");

        chain.seen_or_wait_for("the call's record in the history", is_stored).await;
        // Let any duplicate show itself before counting.
        tokio::time::sleep(Duration::from_millis(500)).await;
        watcher.abort();

        let popups: Vec<_> = chain.popups().into_iter().filter(|(c, _)| *c == call).collect();
        assert_eq!(popups.len(), 1, "the call must pop up once, not again after the resync: {popups:?}");
        let ends: Vec<_> = chain.ends().into_iter().filter(|(c, _)| *c == call).collect();
        assert_eq!(ends, vec![(call.clone(), true)], "the call must end exactly once, flagged as ended while offline");
        let stored = chain.store.get_call(&call).await.expect("the store answers");
        assert!(stored.is_some(), "the call's end must be recorded in the history");
        assert_eq!(chain.store.count_calls().await.expect("count"), 1, "one call, one record: no duplicate after the resync");

        let states = states.lock().expect("states").clone();
        let attempts_while_down = states
            .iter()
            .filter(|(t, s)| t.duration_since(restarted) < DOWN_FOR && matches!(s, ConnectionState::Connecting { .. }))
            .count();
        assert!(
            (1..=6).contains(&attempts_while_down),
            "reconnects must back off while the port is closed, not spin: {attempts_while_down} attempts in {DOWN_FOR:?}"
        );
        assert!(
            states.iter().any(|(_, s)| matches!(s, ConnectionState::Disconnected { reason: DisconnectReason::ClosedByPbx | DisconnectReason::Io, .. })),
            "a restart closes the socket: the state says the PBX closed it: {states:?}"
        );
        chain.stop().await;
        sim.shutdown().await;
    })
    .await
    .expect("the restart row must finish, not hang");
}
