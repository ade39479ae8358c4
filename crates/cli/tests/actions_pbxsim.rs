//! `ringside dial` and `ringside presence` against the simulated PBX over
//! real TCP: the right Originate reaches the PBX and its result is reported;
//! presence lists the extensions.

use std::process::{Command, Output};
use std::time::Duration;

use ringside_pbxsim::{PbxSim, SimConfig};

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
    let sim = PbxSim::start(SimConfig::default()).await.expect("simulator starts");
    let addr = sim.addr().to_string();
    let out = ringside(args(&["dial", "1002", "--extension", "1000", "--profile", "yeastar-s", "--pbx", &addr, "--user", "ringside"])).await;
    assert!(out.status.success(), "the phone answered and the call started: {}", String::from_utf8_lossy(&out.stderr));
    let originate = sim
        .wait_for_action(Duration::from_secs(5), |p| p.is("Action", "Originate"))
        .await
        .expect("an Originate reached the PBX");
    for (k, v) in [("Channel", "PJSIP/1000"), ("Context", "DLPN_DialPlan1000"), ("Exten", "1002"), ("CallerID", "1000"), ("Async", "true")] {
        assert_eq!(originate.get(k), Some(v), "Originate {k}, as in the Yeastar guide");
    }
    assert!(originate.get("ChannelId").is_some_and(|c| c.starts_with("ringside-c2d-")), "a preset ChannelId to match the result");

    // An extension the PBX does not have: the OriginateResponse failure is a clear error.
    let out = ringside(args(&["dial", "1002", "--extension", "9999", "--profile", "yeastar-s", "--wait", "5", "--pbx", &addr, "--user", "ringside"])).await;
    assert_eq!(out.status.code(), Some(1), "the PBX refused: a runtime failure, not bad input");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("click-to-dial failed"), "says what failed: {err}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_lists_every_extension() {
    let sim = PbxSim::start(SimConfig::default()).await.expect("simulator starts");
    let addr = sim.addr().to_string();
    let out = ringside(args(&["presence", "--json", "--pbx", &addr, "--user", "ringside"])).await;
    assert!(out.status.success(), "presence works: {}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    for ext in ["1000", "1001", "1002", "1003", "1004", "1005"] {
        let c = lines.iter().find(|l| l["extension"] == ext).unwrap_or_else(|| panic!("{ext} listed: {lines:?}"));
        assert!(c["state"]["code"].is_i64(), "{ext} has a state code");
        assert!(c["label"].is_string(), "{ext} has a readable state");
    }
    sim.shutdown().await;
}
