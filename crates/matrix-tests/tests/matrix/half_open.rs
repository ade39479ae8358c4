//! Row: half-open TCP. A proxy between client and PBX stops forwarding
//! without closing anything (a dead NAT entry, a cable pulled upstream).
//! The user must see "disconnected" within the keepalive deadline; once the
//! path is back the client reconnects, the resync finds the call still
//! ringing and does not pop it again, and its end is recorded once.

use std::time::{Duration, Instant};

use ringside_ami::{ConnectionState, DisconnectReason};
use ringside_calls::live::LiveUpdate;
use ringside_matrix_tests::FreezableProxy;
use ringside_pbxsim::{Party, PbxSim, Scenario, SimConfig};

use crate::common::*;

const INTERVAL: Duration = Duration::from_secs(1);
const DEADLINE: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connection_is_caught_by_the_keepalive_and_the_call_survives() {
    tokio::time::timeout(Duration::from_secs(120), async {
        let sim = PbxSim::start(SimConfig::default()).await.expect("pbxsim starts");
        let proxy = FreezableProxy::start(sim.addr()).await.expect("proxy starts on 127.0.0.1:0");
        let mut chain = Chain::start(config_for(proxy.addr()).keepalive(INTERVAL, DEADLINE), &["1001"]).await;
        chain.wait_for("the first session", |s| matches!(s, Seen::Update(LiveUpdate::Connected(_)))).await;

        // Rings long enough to outlive the outage, then the caller gives up.
        let ring = Duration::from_secs(12);
        let playing = sim.play(
            Scenario::incoming_missed(Party::new("+15550002", "Caller 2"), "5550100", "1001")
                .with_timing(ring, Duration::from_secs(1)),
        );
        let popup = chain.wait_for("the popup at 1001", |s| is_popup_for(s, "1001")).await;
        let Seen::Update(LiveUpdate::Card(ringside_calls::CardChange::Popup { call, .. })) = popup else { unreachable!() };

        let frozen = Instant::now();
        proxy.set_frozen(true);
        let state = chain.wait_state("Disconnected", |s| matches!(s, ConnectionState::Disconnected { .. })).await;
        let noticed = frozen.elapsed();
        assert!(
            matches!(state, ConnectionState::Disconnected { reason: DisconnectReason::KeepaliveTimeout, .. }),
            "a silent path with open sockets is a keepalive timeout: {state:?}"
        );
        assert!(
            noticed <= INTERVAL + DEADLINE + Duration::from_secs(3),
            "detected within one Ping interval plus its deadline (plus scheduling slack), took {noticed:?}"
        );
        proxy.set_frozen(false);
        chain.wait_for("the session after the outage", |s| matches!(s, Seen::Update(LiveUpdate::Connected(_)))).await;
        assert!(proxy.accepted() >= 2, "the client opened a new connection rather than trusting the dead one");
        assert!(frozen.elapsed() < ring, "the test needs the call still ringing at the resync (took {:?})", frozen.elapsed());

        playing.finished().await;
        chain.wait_for("the missed call's record", is_stored).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let popups: Vec<_> = chain.popups().into_iter().filter(|(c, _)| *c == call).collect();
        assert_eq!(popups.len(), 1, "the resync found the call still ringing: it must not pop up twice: {popups:?}");
        let ends: Vec<_> = chain.ends().into_iter().filter(|(c, _)| *c == call).collect();
        assert_eq!(ends.len(), 1, "the call ends exactly once: {ends:?}");
        let stored = chain.store.get_call(&call).await.expect("the store answers");
        assert!(stored.is_some(), "the missed call is in the history");
        chain.stop().await;
        sim.shutdown().await;
    })
    .await
    .expect("the half-open row must finish, not hang");
}
