//! `ringside watch --pbx` end to end: the built binary connects over real
//! TCP to the simulated PBX (`ringside-pbxsim`), which plays scripted calls
//! in both dialects; the JSON lines must show the right popups and outcomes.
//! The simulator is written independently of the tracker, so this checks
//! the tracker against a second reading of the Asterisk documentation.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ringside_pbxsim::{Dialect, Party, PbxSim, Scenario, SimConfig, SimHandle, TransferStyle};
use serde_json::Value;

/// The running `ringside watch`, killed when dropped.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<Value>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Watch {
    async fn start(sim: &SimHandle, extensions: &[&str]) -> Self {
        let mut args = vec![
            "watch".to_owned(),
            "--pbx".to_owned(),
            sim.addr().to_string(),
            "--user".to_owned(),
            "ringside".to_owned(),
            "--json".to_owned(),
        ];
        for e in extensions {
            args.push("--extension".to_owned());
            args.push((*e).to_owned());
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_ringside"))
            .args(&args)
            .env("RINGSIDE_AMI_SECRET", "ringside-secret")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("ringside starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("JSON line ({e}): {line}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        // The watcher has subscribed once its start-up resync asked for presence.
        let ready = sim.wait_for_action(Duration::from_secs(20), |p| p.is("Action", "ExtensionStateList")).await;
        assert!(ready.is_some(), "ringside watch logged in and resynced");
        Self { child, lines }
    }

    /// The next line of type `t` (others are skipped), or panics after 20 s.
    fn next_of_type(&self, t: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("no {t} line within 20 s"));
            if v["type"] == t {
                return v;
            }
        }
    }

    /// Lines until the first `call_end` (inclusive), or panics after 20 s.
    fn until_call_end(&self) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut out = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("no call_end within 20 s; got {out:#?}"));
            let end = v["type"] == "call_end";
            out.push(v);
            if end {
                return out;
            }
        }
    }
}

fn of_type<'a>(lines: &'a [Value], t: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["type"] == t).collect()
}

fn fast(s: Scenario) -> Scenario {
    s.with_timing(Duration::from_millis(150), Duration::from_millis(150))
}

async fn sim(dialect: Dialect) -> SimHandle {
    PbxSim::start(SimConfig::dialect(dialect)).await.expect("simulator starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ring_group_in_both_dialects() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let sim = sim(dialect).await;
        let watch = Watch::start(&sim, &["1001", "1002", "1003"]).await;
        sim.play(fast(Scenario::ring_group(Party::new("+442071234567", "Initech"), "5550600", "600", &["1001", "1002", "1003"], Some("1002"))))
            .finished()
            .await;
        let lines = watch.until_call_end();
        let mut popped: Vec<&str> = of_type(&lines, "popup").iter().filter_map(|p| p["extension"].as_str()).collect();
        popped.sort_unstable();
        assert_eq!(popped, ["1001", "1002", "1003"], "{dialect:?}: one popup per ringing phone: {lines:#?}");
        for p in of_type(&lines, "popup") {
            assert_eq!(p["caller_num"], "+442071234567", "{dialect:?}: the outside caller");
            assert_eq!(p["direction"], "inbound", "{dialect:?}: from the trunk");
        }
        let end = of_type(&lines, "call_end")[0];
        assert_eq!(end["answered_by"], "1002", "{dialect:?}: 1002 answered");
        let mut elsewhere: Vec<&str> = end["answered_elsewhere_for"].as_array().expect("list").iter().filter_map(Value::as_str).collect();
        elsewhere.sort_unstable();
        assert_eq!(elsewhere, ["1001", "1003"], "{dialect:?}: the others saw it answered elsewhere");
        drop(watch);
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_with_local_agents() {
    let sim = sim(Dialect::Modern).await;
    let watch = Watch::start(&sim, &["1001", "1002"]).await;
    sim.play(fast(Scenario::queue(Party::new("+15551234567", "ACME Corp"), "5550400", "support", &["1001", "1002"], Some("1001"))))
        .finished()
        .await;
    let lines = watch.until_call_end();
    let popups = of_type(&lines, "popup");
    assert_eq!(popups.len(), 2, "one popup per agent phone, none for Local channels: {lines:#?}");
    for p in &popups {
        assert_eq!(p["caller_name"], "ACME Corp", "the real caller through the queue's Local channels");
    }
    assert_eq!(of_type(&lines, "call_end")[0]["answered_by"], "1001", "1001 took the call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_pop_at_the_new_extension() {
    for style in [TransferStyle::Redirect, TransferStyle::Blind, TransferStyle::Attended] {
        let sim = sim(Dialect::Modern).await;
        let watch = Watch::start(&sim, &["1001", "1002"]).await;
        sim.play(fast(Scenario::transfer(Party::new("+15551234567", "ACME Corp"), "5550100", "1001", "1002", style)))
            .finished()
            .await;
        let mut lines = watch.until_call_end();
        // An attended transfer ends the consultation call first; read on to
        // the caller's call.
        if style == TransferStyle::Attended && of_type(&lines, "call_end")[0]["record"]["direction"] != "inbound" {
            lines.extend(watch.until_call_end());
        }
        let to_1002: Vec<&Value> = of_type(&lines, "popup").into_iter().filter(|p| p["extension"] == "1002" && p["caller_num"] == "+15551234567").collect();
        assert_eq!(to_1002.len(), 1, "{style:?}: the caller pops at 1002 once: {lines:#?}");
        assert_eq!(to_1002[0]["transferred_by"], "1001", "{style:?}: transferred by 1001");
        let end = of_type(&lines, "call_end").into_iter().find(|e| e["record"]["direction"] == "inbound").expect("the caller's call ends");
        assert_eq!(end["answered_by"], "1002", "{style:?}: the caller ends up with 1002");
        drop(watch);
        sim.shutdown().await;
    }
}

/// A script watching `watch --json` sees the PBX go away and come back: a
/// `connection` line when the session is up, when it ends, for each failed
/// attempt to get it back (each saying why, naming the PBX), and when it is
/// up again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_lines_show_an_outage() {
    let first = sim(Dialect::Modern).await;
    let addr = first.addr();
    let watch = Watch::start(&first, &["1001"]).await;
    let up = watch.next_of_type("connection");
    assert_eq!(up["state"], "connected", "the session is up: {up}");
    assert!(up["message"].as_str().is_some_and(|m| m.contains(&addr.to_string())), "it names the PBX: {up}");

    first.shutdown().await;
    let down = watch.next_of_type("connection");
    assert_eq!(down["state"], "disconnected", "the PBX went away: {down}");
    let port = addr.port().to_string();
    assert!(down["message"].as_str().is_some_and(|m| m.contains(&port)), "the message names the PBX: {down}");
    let retry = watch.next_of_type("connection");
    assert_eq!(retry["state"], "reconnecting", "an attempt to get back failed: {retry}");
    assert!(
        retry["message"].as_str().is_some_and(|m| m.contains(&port) && m.contains("refused")),
        "it says the PBX refused the connection, and which: {retry}"
    );

    // The PBX is back on the same address.
    let second = PbxSim::start(SimConfig { listen: addr, ..SimConfig::dialect(Dialect::Modern) }).await.expect("the PBX restarts");
    let back = loop {
        let line = watch.next_of_type("connection");
        if line["state"] != "reconnecting" {
            break line;
        }
    };
    assert_eq!(back["state"], "connected", "the watcher is back without being restarted: {back}");
    drop(watch);
    second.shutdown().await;
}
