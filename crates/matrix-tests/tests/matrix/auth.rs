//! Rows: wrong credentials, and a permit revoked while a call is up.
//! The user must see AuthFailed with a message that names the user and the
//! PBX and says what to fix; the client must not hammer the PBX with logins
//! (fail2ban bans IPs for that); and once the permit is back the call that
//! was up is neither lost nor duplicated.

use std::time::Duration;

use ringside_ami::{BackoffPolicy, ConnectionState, Secret};
use ringside_calls::live::LiveUpdate;
use ringside_pbxsim::{Fault, Party, PbxSim, Scenario, SimConfig};

use crate::common::*;

fn logins(sim: &ringside_pbxsim::SimHandle) -> usize {
    sim.received()
        .iter()
        .filter(|p| p.is("Action", "Login"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secret_says_so_and_does_not_retry_in_a_loop() {
    tokio::time::timeout(Duration::from_secs(60), async {
        let sim = PbxSim::start(SimConfig::default())
            .await
            .expect("pbxsim starts");
        let config = ringside_ami::ClientConfig::new(
            sim.addr().ip().to_string(),
            sim.addr().port(),
            "ringside",
            Secret::new("not-the-secret"),
        );
        let chain = Chain::start(config, &["1001"]).await;
        let state = chain
            .wait_state("AuthFailed", |s| {
                matches!(s, ConnectionState::AuthFailed { .. })
            })
            .await;
        let message = state.message().unwrap_or_default().to_owned();
        let host_port = format!("127.0.0.1:{}", sim.addr().port());
        assert!(
            message.contains("Wrong AMI password")
                && message.contains("'ringside'")
                && message.contains(&host_port),
            "the message must say it is the password, for which user, on which PBX: {message}"
        );
        assert!(
            !message.contains("not-the-secret"),
            "the message must never show the secret: {message}"
        );
        // With the default policy the next try is 22-30 s away: in 4 s there
        // is at most the one attempt already made.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let n = logins(&sim);
        assert!(
            n <= 1,
            "a wrong password must not become a login loop: {n} logins in ~4 s"
        );
        assert!(
            chain
                .log
                .lock()
                .expect("log")
                .iter()
                .all(|s| !matches!(s, Seen::Update(LiveUpdate::Connected(_)))),
            "never shown as connected"
        );
        chain.stop().await;
        sim.shutdown().await;
    })
    .await
    .expect("the wrong-secret row must finish, not hang");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_permit_during_a_call_backs_off_and_loses_nothing_once_restored() {
    tokio::time::timeout(Duration::from_secs(90), async {
        let sim = PbxSim::start(SimConfig::default()).await.expect("pbxsim starts");
        // A short auth backoff so the test can see the recovery; the default
        // (30 s → 5 min) is checked by the row above and the ami crate.
        let auth = BackoffPolicy { initial: Duration::from_secs(2), max: Duration::from_secs(4) };
        let mut chain = Chain::start(config_for(sim.addr()).auth_backoff(auth), &["1001"]).await;
        chain.wait_for("the first session", |s| matches!(s, Seen::Update(LiveUpdate::Connected(_)))).await;
        let _call = sim.play(
            Scenario::incoming(Party::new("+15550005", "Caller 5"), "5550100", "1001")
                .with_timing(Duration::from_secs(600), Duration::from_secs(1)),
        );
        let popup = chain.wait_for("the popup", |s| is_popup_for(s, "1001")).await;
        let Seen::Update(LiveUpdate::Card(ringside_calls::CardChange::Popup { call, .. })) = popup else { unreachable!() };

        let before = logins(&sim);
        sim.inject(Fault::RefuseLogins);
        sim.inject(Fault::Restart { down_for: Duration::from_millis(300) });
        let state = chain.wait_state("AuthFailed", |s| matches!(s, ConnectionState::AuthFailed { .. })).await;
        assert!(
            state.message().is_some_and(|m| m.contains("'ringside'")),
            "a refused login names the user so the admin knows which permit to fix: {state:?}"
        );
        tokio::time::sleep(Duration::from_secs(5)).await;
        let tries = logins(&sim) - before;
        assert!(
            (1..=4).contains(&tries),
            "refused logins are retried with backoff (2 s doubling to 4 s), not in a loop: {tries} in ~5 s"
        );

        sim.heal();
        chain.wait_for("the session once the permit is back", |s| matches!(s, Seen::Update(LiveUpdate::Connected(_)))).await;
        chain.seen_or_wait_for("the record of the call the restart ended", is_stored).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let popups: Vec<_> = chain.popups().into_iter().filter(|(c, _)| *c == call).collect();
        assert_eq!(popups.len(), 1, "the call popped up once: {popups:?}");
        let ends: Vec<_> = chain.ends().into_iter().filter(|(c, _)| *c == call).collect();
        assert_eq!(ends, vec![(call.clone(), true)], "it ends once, as ended while Ringside was away");
        assert_eq!(chain.store.count_calls().await.expect("count"), 1, "and its record is in the history once");
        chain.stop().await;
        sim.shutdown().await;
    })
    .await
    .expect("the revoked-permit row must finish, not hang");
}
