//! `ringside dial` and `ringside presence` against the simulated PBX over
//! real TCP: the right Originate reaches the PBX and its result is reported;
//! presence lists the extensions.

use std::process::{Command, Output};
use std::time::Duration;

use ringside_ami::CertFingerprint;
use ringside_pbxsim::{Hints, PbxSim, SimConfig, SimTls};

async fn ringside(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_ringside"))
            .args(&args)
            .env("RINGSIDE_AMI_SECRET", "ringside-secret")
            .output()
            .expect("ringside runs")
    })
    .await
    .expect("joined")
}

fn args(s: &[&str]) -> Vec<String> {
    s.iter().map(|a| (*a).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dial_sends_the_click_to_dial_originate_and_reports_the_result() {
    let sim = PbxSim::start(SimConfig::default())
        .await
        .expect("simulator starts");
    let addr = sim.addr().to_string();
    let out = ringside(args(&[
        "dial",
        "1002",
        "--extension",
        "1000",
        "--profile",
        "yeastar-s",
        "--pbx",
        &addr,
        "--user",
        "ringside",
    ]))
    .await;
    assert!(
        out.status.success(),
        "the phone answered and the call started: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let originate = sim
        .wait_for_action(Duration::from_secs(5), |p| p.is("Action", "Originate"))
        .await
        .expect("an Originate reached the PBX");
    for (k, v) in [
        ("Channel", "PJSIP/1000"),
        ("Context", "DLPN_DialPlan1000"),
        ("Exten", "1002"),
        ("CallerID", "1000"),
        ("Async", "true"),
    ] {
        assert_eq!(
            originate.get(k),
            Some(v),
            "Originate {k}, as in the Yeastar guide"
        );
    }
    assert!(
        originate
            .get("ChannelId")
            .is_some_and(|c| c.starts_with("ringside-c2d-")),
        "a preset ChannelId to match the result"
    );

    // An extension the PBX does not have: the OriginateResponse failure is a clear error.
    let out = ringside(args(&[
        "dial",
        "1002",
        "--extension",
        "9999",
        "--profile",
        "yeastar-s",
        "--wait",
        "5",
        "--pbx",
        &addr,
        "--user",
        "ringside",
    ]))
    .await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "the PBX refused: a runtime failure, not bad input"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("click-to-dial failed"),
        "says what failed: {err}"
    );
    sim.shutdown().await;
}

/// Every phone, also when the dialplan's one pattern hint makes
/// `ExtensionStateList` list none of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_lists_every_extension() {
    for hints in [Hints::PerExtension, Hints::Pattern] {
        let sim = PbxSim::start(SimConfig {
            hints,
            ..SimConfig::default()
        })
        .await
        .expect("simulator starts");
        sim.set_unavailable("1004", true);
        let addr = sim.addr().to_string();
        let out = ringside(args(&[
            "presence", "--json", "--pbx", &addr, "--user", "ringside",
        ]))
        .await;
        assert!(
            out.status.success(),
            "{hints:?}: presence works: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
            .expect("utf-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect();
        let listed: Vec<&str> = lines
            .iter()
            .filter_map(|l| l["extension"].as_str())
            .collect();
        assert_eq!(
            listed,
            ["1000", "1001", "1002", "1003", "1004", "1005"],
            "{hints:?}: each phone once, no trunk: {lines:?}"
        );
        for c in &lines {
            let unavailable = c["extension"] == "1004";
            assert_eq!(
                c["label"],
                if unavailable { "unavailable" } else { "idle" },
                "{hints:?}: the phone's state: {c}"
            );
        }
        let bob = lines
            .iter()
            .find(|l| l["extension"] == "1002")
            .expect("1002 listed");
        assert_eq!(
            bob["name"], "Bob Sales",
            "{hints:?}: named from the phone's caller ID"
        );
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_moves_the_far_party_with_the_profiles_method() {
    use ringside_ami::{Client, ClientConfig, Packet, Secret};
    use ringside_pbxsim::{Party, Scenario};

    let sim = PbxSim::start(SimConfig::default())
        .await
        .expect("simulator starts");
    let addr = sim.addr().to_string();
    let _call = sim.play(
        Scenario::incoming(Party::new("+15551234567", "ACME Corp"), "5550100", "1001")
            .with_timing(Duration::from_millis(100), Duration::from_secs(30)),
    );
    let client = Client::start(ClientConfig::new(
        "127.0.0.1",
        sim.addr().port(),
        "ringside",
        Secret::new("ringside-secret"),
    ))
    .expect("client starts");
    // Wait until the caller and 1001 are both up, and learn the call id.
    let mut listing = Vec::new();
    for _ in 0..50 {
        if let Ok(list) = client.send_list(Packet::action("CoreShowChannels")).await {
            if list.events.len() == 2 && list.events.iter().all(|p| p.is("ChannelState", "6")) {
                listing = list.events;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        listing.len(),
        2,
        "the call is up between the trunk and 1001"
    );
    let call = listing[0].get("Linkedid").expect("Linkedid").to_owned();
    let carrier = listing
        .iter()
        .find_map(|p| p.get("Channel").filter(|c| c.starts_with("PJSIP/carrier")))
        .expect("trunk leg")
        .to_owned();
    let phone = listing
        .iter()
        .find_map(|p| p.get("Channel").filter(|c| c.starts_with("PJSIP/1001")))
        .expect("1001 leg")
        .to_owned();
    client.shutdown().await;

    // Yeastar: Redirect of the far party (the caller), never the receptionist.
    let out = ringside(args(&[
        "transfer",
        &call,
        "1002",
        "--extension",
        "1001",
        "--profile",
        "yeastar-s",
        "--context",
        "internal",
        "--pbx",
        &addr,
        "--user",
        "ringside",
    ]))
    .await;
    assert!(
        out.status.success(),
        "transfer accepted: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let redirect = sim
        .wait_for_action(Duration::from_secs(5), |p| p.is("Action", "Redirect"))
        .await
        .expect("a Redirect was sent");
    assert_eq!(
        redirect.get("Channel"),
        Some(carrier.as_str()),
        "Redirect moves the caller's channel"
    );
    assert_eq!(redirect.get("Exten"), Some("1002"), "to 1002");
    assert_ne!(
        redirect.get("Channel"),
        Some(phone.as_str()),
        "not the receptionist's own channel"
    );
    sim.shutdown().await;
}

/// A self-signed PBX (a Grandstream UCM) is reached by pinning its
/// certificate, as in the app's Settings: `--tls-pin`, or `--ca` with the
/// certificate as the CA; plain `--tls` refuses it and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_pbx_is_reached_by_its_pin_or_its_ca() {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("test certificate");
    let pem = ck.cert.pem();
    let tls = SimTls::Pem {
        cert_chain: pem.clone().into_bytes(),
        key: ck.key_pair.serialize_pem().into_bytes(),
    };
    let sim = PbxSim::start(SimConfig {
        tls: Some(tls),
        ..SimConfig::default()
    })
    .await
    .expect("starts with TLS");
    let addr = format!("localhost:{}", sim.addr().port());
    let pin = CertFingerprint::of(ck.cert.der()).to_string();
    let presence = |extra: &[&str]| {
        let mut a = args(&["presence", "--json", "--pbx", &addr, "--user", "ringside"]);
        a.extend(extra.iter().map(|s| (*s).to_owned()));
        ringside(a)
    };

    let out = presence(&["--tls-pin", &pin]).await;
    assert!(
        out.status.success(),
        "the pinned certificate is accepted: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"extension\":\"1001\""),
        "and presence is listed"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("pbx-ca.pem");
    std::fs::write(&ca, &pem).expect("write the CA");
    let out = presence(&["--ca", ca.to_str().expect("utf-8 path")]).await;
    assert!(
        out.status.success(),
        "the certificate as a CA is accepted: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = presence(&["--tls"]).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "the system's CAs do not trust a self-signed PBX"
    );
    let wrong = "00".repeat(32);
    let out = presence(&["--tls-pin", &wrong]).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "another certificate's pin is refused"
    );
    let out = presence(&["--tls-pin", "not-a-fingerprint"]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "a pin that is no fingerprint is bad input"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("TLS settings"),
        "and says which setting: {err}"
    );
    sim.shutdown().await;
}

/// `ringside check` walks the connection step by step against the
/// simulated PBX: plain and pinned TLS pass every step; a wrong secret,
/// a wrong pin and a closed port each stop at their own step, said in
/// words an admin can act on, with exit code 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_says_which_step_of_the_connection_fails() {
    let sim = PbxSim::start(SimConfig::default())
        .await
        .expect("simulator starts");
    let addr = sim.addr().to_string();
    let out = ringside(args(&["check", "--pbx", &addr, "--user", "ringside"])).await;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "every step passes: {text}");
    for step in ["Reach the PBX", "AMI banner", "Log in", "Permissions"] {
        assert!(
            text.contains(&format!("ok   {step}:")),
            "{step} passed: {text}"
        );
    }

    let out = tokio::task::spawn_blocking({
        let addr = addr.clone();
        move || {
            Command::new(env!("CARGO_BIN_EXE_ringside"))
                .args(["check", "--pbx", &addr, "--user", "ringside"])
                .env("RINGSIDE_AMI_SECRET", "not-the-secret")
                .output()
                .expect("ringside runs")
        }
    })
    .await
    .expect("joined");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "a wrong secret fails: {text}");
    assert!(
        text.contains("ok   AMI banner") && text.contains("FAIL Log in"),
        "the PBX was reached; the login is what failed: {text}"
    );
    assert!(
        !text.contains("not-the-secret"),
        "the secret is never shown"
    );
    sim.shutdown().await;

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = closed.local_addr().expect("its address").port();
    drop(closed);
    let out = ringside(args(&[
        "check",
        "--pbx",
        &format!("127.0.0.1:{port}"),
        "--user",
        "ringside",
    ]))
    .await;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains("FAIL Reach the PBX") && text.contains("refused the connection"),
        "a closed port stops at the first step: {text}"
    );

    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("test certificate");
    let sim = PbxSim::start(SimConfig {
        tls: Some(SimTls::Pem {
            cert_chain: ck.cert.pem().into_bytes(),
            key: ck.key_pair.serialize_pem().into_bytes(),
        }),
        ..SimConfig::default()
    })
    .await
    .expect("starts with TLS");
    let addr = format!("localhost:{}", sim.addr().port());
    let pin = CertFingerprint::of(ck.cert.der()).to_string();
    let check = |pin: String| {
        ringside(args(&[
            "check",
            "--pbx",
            &addr,
            "--user",
            "ringside",
            "--tls-pin",
            &pin,
        ]))
    };
    let out = check(pin).await;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "the pinned PBX passes: {text}");
    assert!(
        text.contains("ok   TLS:"),
        "TLS is a step of its own: {text}"
    );
    let out = check("00".repeat(32)).await;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains("ok   Reach the PBX") && text.contains("FAIL TLS:"),
        "another certificate stops at TLS: {text}"
    );
    sim.shutdown().await;
}
