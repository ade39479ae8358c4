//! Rows on TLS that only show over a whole session's life, against pbxsim's
//! TLS port. (Expired, wrong-host, unknown-CA, wrong pin and TLS against a
//! plain port, each with its own message, are `crates/ami/tests/client_tls.rs`.)
//! - A pinned certificate that changes between sessions (the PBX was
//!   replaced, or someone is in the middle) is refused on reconnect, with
//!   both fingerprints in the message; nothing is sent to the new peer.
//! - A TLS setting against a plain-text port never sends the login in the
//!   clear: the PBX's own log shows no Login and no secret.

use std::time::{Duration, Instant};

use ringside_ami::{CertFingerprint, ConnectionState, TlsTrust};
use ringside_calls::live::LiveUpdate;
use ringside_pbxsim::{PbxSim, SimConfig, SimTls};

use crate::common::*;

fn self_signed() -> (SimTls, CertFingerprint) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("rcgen makes a certificate");
    let fp = CertFingerprint::of(ck.cert.der());
    (
        SimTls::Pem {
            cert_chain: ck.cert.pem().into_bytes(),
            key: ck.key_pair.serialize_pem().into_bytes(),
        },
        fp,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_certificate_that_changes_is_refused_on_reconnect() {
    tokio::time::timeout(Duration::from_secs(90), async {
        let (tls1, fp1) = self_signed();
        let (tls2, fp2) = self_signed();
        let first = PbxSim::start(SimConfig { tls: Some(tls1), ..SimConfig::default() }).await.expect("TLS pbxsim starts");
        let addr = first.addr();
        let trust = TlsTrust::pinned(&fp1.to_string()).expect("a fingerprint in its own display form parses");
        let mut chain = Chain::start(config_for(addr).tls(trust), &["1001"]).await;
        chain.wait_for("the pinned session", |s| matches!(s, Seen::Update(LiveUpdate::Connected(_)))).await;

        // The PBX is replaced by one with another certificate on the same address.
        first.shutdown().await;
        let second = PbxSim::start(SimConfig { listen: addr, tls: Some(tls2), ..SimConfig::default() })
            .await
            .expect("the replacement binds the same address");
        let since = Instant::now();
        let state = chain
            .wait_state("refused by the pin", |s| matches!(s, ConnectionState::Unreachable { message } if message.contains("pinned")))
            .await;
        let message = state.message().unwrap_or_default().to_owned();
        assert!(
            message.contains(&fp2.to_string()) && message.contains(&fp1.to_string()),
            "the user must see the new fingerprint and the pinned one, to tell a replaced PBX from an attack: {message}"
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        let received = second.received();
        assert!(
            received.iter().all(|p| !p.is("Action", "Login") && !p.is("Action", "Challenge")),
            "nothing may be sent to a peer whose certificate is not the pinned one: {received:?}"
        );
        assert!(!chain.client.state().borrow().is_connected(), "and it never counts as connected");
        let connected_after = chain
            .log
            .lock()
            .expect("log")
            .iter()
            .filter(|s| matches!(s, Seen::Update(LiveUpdate::Connected(_))))
            .count();
        assert_eq!(connected_after, 1, "only the first, pinned session was ever up");
        assert!(since.elapsed() < Duration::from_secs(60), "the refusal came promptly");
        chain.stop().await;
        second.shutdown().await;
    })
    .await
    .expect("the changed-pin row must finish, not hang");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_setting_against_a_plain_port_never_sends_the_login_in_the_clear() {
    tokio::time::timeout(Duration::from_secs(60), async {
        let sim = PbxSim::start(SimConfig::default())
            .await
            .expect("plain pbxsim starts");
        let (_, fp) = self_signed();
        let trust = TlsTrust::pinned(&fp.to_string()).expect("fingerprint parses");
        let chain = Chain::start(config_for(sim.addr()).tls(trust), &["1001"]).await;
        let state = chain
            .wait_state("Unreachable", |s| {
                matches!(s, ConnectionState::Unreachable { .. })
            })
            .await;
        let message = state.message().unwrap_or_default().to_owned();
        assert!(
            message.contains("plain text"),
            "the user must be told the port speaks plain text: {message}"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        let received = sim.received();
        assert!(
            received
                .iter()
                .all(|p| !p.is("Action", "Login") && !p.is("Action", "Challenge")),
            "a TLS setting must never fall back to a plain-text login: {received:?}"
        );
        assert!(
            received
                .iter()
                .flat_map(|p| p.fields())
                .all(|(k, v)| !k.contains("ringside-secret") && !v.contains("ringside-secret")),
            "the secret never crosses the wire in the clear"
        );
        chain.stop().await;
        sim.shutdown().await;
    })
    .await
    .expect("the TLS-vs-plain row must finish, not hang");
}
