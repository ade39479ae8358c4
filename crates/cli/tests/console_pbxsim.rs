//! `ringside pickup`, `park`, `retrieve` and `queue` against the simulated
//! PBX over real TCP, in both dialects (Asterisk 12+ with the generic
//! profile, 1.x with MyPBX's): the right action reaches the PBX, the
//! result is said in plain words, and each refusal (nothing ringing,
//! nothing parked, a member that is not there, a user without the
//! permission) exits non-zero with words a receptionist can act on.

use std::process::{Command, Output};
use std::time::Duration;

use ringside_ami::{Client, ClientConfig, Packet, Secret};
use ringside_pbxsim::{Dialect, Party, PbxSim, Scenario, SimConfig, SimHandle, SimUser};

/// Each dialect with the profile of a PBX that speaks it.
const DIALECTS: [(Dialect, &str); 2] = [(Dialect::Modern, "generic"), (Dialect::Ami11, "mypbx")];

fn tech(d: Dialect) -> &'static str {
    match d {
        Dialect::Modern => "PJSIP",
        Dialect::Ami11 => "SIP",
    }
}

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

/// `ringside <cmd…> --pbx <sim> --user ringside --profile <profile>`.
fn args(sim: &SimHandle, profile: &str, cmd: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = cmd.iter().map(|s| (*s).to_owned()).collect();
    for s in [
        "--pbx",
        &sim.addr().to_string(),
        "--user",
        "ringside",
        "--profile",
        profile,
    ] {
        a.push(s.to_owned());
    }
    a
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn sim(config: SimConfig) -> SimHandle {
    PbxSim::start(config).await.expect("simulator starts")
}

/// Waits until a channel of the simulator starts with `prefix`.
async fn channel_appears(sim: &SimHandle, prefix: &str) -> String {
    for _ in 0..200 {
        if let Some(c) = sim.channels().into_iter().find(|c| c.starts_with(prefix)) {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no channel {prefix}… appeared: {:?}", sim.channels());
}

/// A call from ACME to 1002 that rings for ten minutes.
fn ringing_at_1002(sim: &SimHandle) {
    drop(
        sim.play(
            Scenario::incoming_missed(Party::new("+15551234567", "ACME Corp"), "5550102", "1002")
                .with_timing(Duration::from_secs(600), Duration::from_secs(600)),
        ),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pickup_takes_a_colleagues_ringing_call() {
    for (d, profile) in DIALECTS {
        let sim = sim(SimConfig::dialect(d)).await;
        ringing_at_1002(&sim);
        channel_appears(&sim, &format!("{}/1002-", tech(d))).await;
        let out = ringside(args(
            &sim,
            profile,
            &["pickup", "1002", "--extension", "1001"],
        ))
        .await;
        assert!(out.status.success(), "{d:?}: picked up: {}", stderr(&out));
        assert!(
            stderr(&out).contains("1001 picked up 1002's call"),
            "{d:?}: says so: {}",
            stderr(&out)
        );
        let originate = sim
            .wait_for_action(Duration::from_secs(5), |p| p.is("Action", "Originate"))
            .await
            .expect("an Originate reached the PBX");
        for (k, v) in [
            ("Channel", format!("{}/1001", tech(d))),
            ("Application", "PickupChan".to_owned()),
            ("Data", format!("{}/1002", tech(d))),
        ] {
            assert_eq!(originate.get(k), Some(v.as_str()), "{d:?}: {k}");
        }
        // 1004 is not ringing: nothing is sent, and she is told why.
        let out = ringside(args(
            &sim,
            profile,
            &["pickup", "1004", "--extension", "1001"],
        ))
        .await;
        assert_eq!(out.status.code(), Some(2), "{d:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("1004's phone is not ringing, so there is no call to pick up"),
            "{d:?}: {}",
            stderr(&out)
        );
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pickup_dials_the_profiles_feature_code() {
    let sim = sim(SimConfig::default()).await;
    ringing_at_1002(&sim);
    channel_appears(&sim, "PJSIP/1002-").await;
    let out = ringside(args(
        &sim,
        "freepbx",
        &["pickup", "1002", "--extension", "1001"],
    ))
    .await;
    assert!(out.status.success(), "picked up by code: {}", stderr(&out));
    let originate = sim
        .wait_for_action(Duration::from_secs(5), |p| p.is("Action", "Originate"))
        .await
        .expect("an Originate reached the PBX");
    assert_eq!(
        (originate.get("Context"), originate.get("Exten")),
        (Some("from-internal"), Some("**1002")),
        "FreePBX's directed pickup code, dialled from her phone"
    );
    sim.shutdown().await;
}

/// Starts an answered call from ACME to 1001 and returns its call id as
/// `watch` prints it (Linkedid; the caller's Uniqueid on 1.x).
async fn answered_call(sim: &SimHandle) -> String {
    drop(
        sim.play(
            Scenario::incoming(Party::new("+15551234567", "ACME Corp"), "5550100", "1001")
                .with_timing(Duration::from_millis(100), Duration::from_secs(600)),
        ),
    );
    let client = Client::start(ClientConfig::new(
        "127.0.0.1",
        sim.addr().port(),
        "ringside",
        Secret::new("ringside-secret"),
    ))
    .expect("client starts");
    let mut call = None;
    for _ in 0..100 {
        if let Ok(list) = client.send_list(Packet::action("CoreShowChannels")).await {
            if list.events.len() == 2 && list.events.iter().all(|p| p.is("ChannelState", "6")) {
                let caller = list
                    .events
                    .iter()
                    .find(|p| p.get("Channel").is_some_and(|c| c.contains("/carrier-")))
                    .expect("the caller's channel");
                call = caller
                    .get("Linkedid")
                    .or(caller.get("Uniqueid"))
                    .map(str::to_owned);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client.shutdown().await;
    call.expect("the call is up between the trunk and 1001")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn park_then_retrieve_a_call() {
    for (d, profile) in DIALECTS {
        let sim = sim(SimConfig::dialect(d)).await;
        let call = answered_call(&sim).await;
        let out = ringside(args(&sim, profile, &["park", &call, "--extension", "1001"])).await;
        assert!(out.status.success(), "{d:?}: parked: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("call {call} parked in space 71")),
            "{d:?}: says where: {}",
            stderr(&out)
        );
        let park = sim
            .wait_for_action(Duration::from_secs(5), |p| p.is("Action", "Park"))
            .await
            .expect("a Park reached the PBX");
        assert!(
            park.get("Channel").is_some_and(|c| c.contains("/carrier-")),
            "{d:?}: the caller is parked, not her phone: {park:?}"
        );
        let back = park.get("TimeoutChannel").or(park.get("Channel2"));
        assert!(
            back.is_some_and(|c| c.starts_with(&format!("{}/1001-", tech(d)))),
            "{d:?}: it comes back to 1001: {park:?}"
        );

        let out = ringside(args(
            &sim,
            profile,
            &["retrieve", "75", "--extension", "1003"],
        ))
        .await;
        assert_eq!(out.status.code(), Some(2), "{d:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("no call is parked in space 75"),
            "{d:?}: {}",
            stderr(&out)
        );
        let out = ringside(args(
            &sim,
            profile,
            &["retrieve", "71", "--extension", "1003"],
        ))
        .await;
        assert!(out.status.success(), "{d:?}: retrieved: {}", stderr(&out));
        assert!(
            stderr(&out).contains("1003 has the call that was parked in space 71"),
            "{d:?}: {}",
            stderr(&out)
        );
        let retrieve = sim
            .wait_for_action(Duration::from_secs(5), |p| {
                p.is("Action", "Originate") && p.is("Exten", "71")
            })
            .await
            .expect("an Originate to the space");
        assert_eq!(
            retrieve.get("Channel"),
            Some(format!("{}/1003", tech(d)).as_str()),
            "{d:?}: her phone rings first"
        );

        let out = ringside(args(&sim, profile, &["park", "1.1", "--extension", "1001"])).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{d:?}: no such call: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("that call is not live any more"),
            "{d:?}: {}",
            stderr(&out)
        );
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_members_are_paused_and_logged_in_and_out() {
    for (d, profile) in DIALECTS {
        let sim = sim(SimConfig::dialect(d)).await;
        let q = |cmd: &[&str]| {
            let mut c = vec!["queue"];
            c.extend_from_slice(cmd);
            ringside(args(&sim, profile, &c))
        };
        let out = q(&["pause", "support", "1003", "--reason", "lunch"]).await;
        assert!(out.status.success(), "{d:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("1003 paused in queue support (lunch)"),
            "{d:?}: {}",
            stderr(&out)
        );
        let pause = sim
            .wait_for_action(Duration::from_secs(5), |p| p.is("Action", "QueuePause"))
            .await
            .expect("QueuePause sent");
        for (k, v) in [
            ("Queue", "support".to_owned()),
            ("Interface", format!("{}/1003", tech(d))),
            ("Paused", "true".to_owned()),
            ("Reason", "lunch".to_owned()),
        ] {
            assert_eq!(pause.get(k), Some(v.as_str()), "{d:?}: {k}");
        }
        let out = q(&["unpause", "support", "1003"]).await;
        assert!(out.status.success(), "{d:?}: {}", stderr(&out));
        let out = q(&["pause", "support", "1005"]).await;
        assert_eq!(out.status.code(), Some(1), "{d:?}: the PBX refused");
        assert!(
            stderr(&out).contains("1005 is not a member of queue support"),
            "{d:?}: {}",
            stderr(&out)
        );

        let out = q(&["add", "sales", "1002", "--name", "Bob Sales"]).await;
        assert!(out.status.success(), "{d:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("1002 logged in to queue sales"),
            "{d:?}"
        );
        let out = q(&["add", "sales", "1002"]).await;
        assert_eq!(out.status.code(), Some(1), "{d:?}");
        assert!(
            stderr(&out).contains("1002 is already logged in to queue sales"),
            "{d:?}: {}",
            stderr(&out)
        );
        let out = q(&["remove", "sales", "1002"]).await;
        assert!(out.status.success(), "{d:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("1002 logged out of queue sales"),
            "{d:?}"
        );
        let out = q(&["remove", "support", "1003"]).await;
        assert_eq!(out.status.code(), Some(1), "{d:?}");
        assert!(
            stderr(&out).contains("1003 is a permanent member of queue support"),
            "{d:?}: {}",
            stderr(&out)
        );
        let out = q(&["add", "nosuchqueue", "1002"]).await;
        assert!(
            stderr(&out).contains("the PBX has no queue called 'nosuchqueue'"),
            "{d:?}: {}",
            stderr(&out)
        );
        let out = q(&[
            "pause",
            "support",
            "1003",
            "--reason",
            "x\r\nAction: Hangup",
        ])
        .await;
        assert_eq!(out.status.code(), Some(2), "{d:?}: refused before sending");
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_the_permission_is_told_what_to_ask_for() {
    for (d, profile) in DIALECTS {
        let sim = sim(SimConfig {
            users: vec![
                SimUser::new("ringside", "ringside-secret").with_write(&["call", "reporting"])
            ],
            ..SimConfig::dialect(d)
        })
        .await;
        let out = ringside(args(&sim, profile, &["queue", "pause", "support", "1003"])).await;
        assert_eq!(out.status.code(), Some(1), "{d:?}");
        assert!(
            stderr(&out).contains(
                "your PBX user may not pause queue members: ask your PBX admin to give the AMI user the 'agent' permission"
            ),
            "{d:?}: {}",
            stderr(&out)
        );
        ringing_at_1002(&sim);
        channel_appears(&sim, &format!("{}/1002-", tech(d))).await;
        let out = ringside(args(
            &sim,
            profile,
            &["pickup", "1002", "--extension", "1001"],
        ))
        .await;
        assert_eq!(out.status.code(), Some(1), "{d:?}");
        assert!(
            stderr(&out).contains("give the AMI user the 'originate' permission"),
            "{d:?}: {}",
            stderr(&out)
        );
        sim.shutdown().await;
    }
}
