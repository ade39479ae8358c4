//! `ringside watch --pbx` end to end: the built binary connects over real
//! TCP to the simulated PBX (`ringside-pbxsim`), which plays scripted calls
//! in both dialects; the JSON lines must show the right popups and outcomes.
//! The simulator is written independently of the tracker, so this checks
//! the tracker against a second reading of the Asterisk documentation.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ringside_pbxsim::{
    Dialect, Party, PbxSim, PickupStyle, Scenario, SimConfig, SimHandle, TransferStyle,
};
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
        Self::start_with(sim, extensions, &[]).await
    }

    /// `watch` with `extra` arguments too.
    async fn start_with(sim: &SimHandle, extensions: &[&str], extra: &[&str]) -> Self {
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
        args.extend(extra.iter().map(|a| (*a).to_owned()));
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
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("JSON line ({e}): {line}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        // The watcher has subscribed once its start-up resync asked for presence.
        let ready = sim
            .wait_for_action(Duration::from_secs(20), |p| {
                p.is("Action", "ExtensionStateList")
            })
            .await;
        assert!(ready.is_some(), "ringside watch logged in and resynced");
        Self { child, lines }
    }

    /// The next line of type `t` (others are skipped), or panics after 20 s.
    fn next_of_type(&self, t: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {t} line within 20 s"));
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
            let v = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no call_end within 20 s; got {out:#?}"));
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
    PbxSim::start(SimConfig::dialect(dialect))
        .await
        .expect("simulator starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ring_group_in_both_dialects() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let sim = sim(dialect).await;
        let watch = Watch::start(&sim, &["1001", "1002", "1003"]).await;
        sim.play(fast(Scenario::ring_group(
            Party::new("+442071234567", "Initech"),
            "5550600",
            "600",
            &["1001", "1002", "1003"],
            Some("1002"),
        )))
        .finished()
        .await;
        let lines = watch.until_call_end();
        let mut popped: Vec<&str> = of_type(&lines, "popup")
            .iter()
            .filter_map(|p| p["extension"].as_str())
            .collect();
        popped.sort_unstable();
        assert_eq!(
            popped,
            ["1001", "1002", "1003"],
            "{dialect:?}: one popup per ringing phone: {lines:#?}"
        );
        for p in of_type(&lines, "popup") {
            assert_eq!(
                p["caller_num"], "+442071234567",
                "{dialect:?}: the outside caller"
            );
            assert_eq!(p["direction"], "inbound", "{dialect:?}: from the trunk");
        }
        let end = of_type(&lines, "call_end")[0];
        assert_eq!(end["answered_by"], "1002", "{dialect:?}: 1002 answered");
        let mut elsewhere: Vec<&str> = end["answered_elsewhere_for"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        elsewhere.sort_unstable();
        assert_eq!(
            elsewhere,
            ["1001", "1003"],
            "{dialect:?}: the others saw it answered elsewhere"
        );
        drop(watch);
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_with_local_agents() {
    let sim = sim(Dialect::Modern).await;
    let watch = Watch::start(&sim, &["1001", "1002"]).await;
    sim.play(fast(Scenario::queue(
        Party::new("+15551234567", "ACME Corp"),
        "5550400",
        "support",
        &["1001", "1002"],
        Some("1001"),
    )))
    .finished()
    .await;
    let lines = watch.until_call_end();
    let popups = of_type(&lines, "popup");
    assert_eq!(
        popups.len(),
        2,
        "one popup per agent phone, none for Local channels: {lines:#?}"
    );
    for p in &popups {
        assert_eq!(
            p["caller_name"], "ACME Corp",
            "the real caller through the queue's Local channels"
        );
    }
    assert_eq!(
        of_type(&lines, "call_end")[0]["answered_by"],
        "1001",
        "1001 took the call"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_pop_at_the_new_extension() {
    for style in [TransferStyle::Redirect, TransferStyle::Blind] {
        let sim = sim(Dialect::Modern).await;
        let watch = Watch::start(&sim, &["1001", "1002"]).await;
        sim.play(fast(Scenario::transfer(
            Party::new("+15551234567", "ACME Corp"),
            "5550100",
            "1001",
            "1002",
            style,
        )))
        .finished()
        .await;
        let lines = watch.until_call_end();
        let to_1002: Vec<&Value> = of_type(&lines, "popup")
            .into_iter()
            .filter(|p| p["extension"] == "1002" && p["caller_num"] == "+15551234567")
            .collect();
        assert_eq!(
            to_1002.len(),
            1,
            "{style:?}: the caller pops at 1002 once: {lines:#?}"
        );
        assert_eq!(
            to_1002[0]["transferred_by"], "1001",
            "{style:?}: transferred by 1001"
        );
        let end = of_type(&lines, "call_end")[0];
        assert_eq!(
            end["record"]["direction"], "inbound",
            "{style:?}: the one call_end is the caller's: {lines:#?}"
        );
        assert_eq!(
            end["answered_by"], "1002",
            "{style:?}: the caller ends up with 1002"
        );
        drop(watch);
        sim.shutdown().await;
    }
    // An attended transfer (the Atxfer action) pops a consultation.
    let sim = sim(Dialect::Modern).await;
    let watch = Watch::start(&sim, &["1001", "1002"]).await;
    let caller = Party::new("+15551234567", "ACME Corp");
    sim.play(fast(Scenario::transfer(
        caller,
        "5550100",
        "1001",
        "1002",
        TransferStyle::Attended,
    )))
    .finished()
    .await;
    let lines = watch.until_call_end();
    assert_handed_over(&lines, "1001", "1002", "+15551234567", "Modern Atxfer");
    drop(watch);
    sim.shutdown().await;
}

const CALLER: (&str, &str) = ("+15551234567", "ACME Corp");

fn acme() -> Party {
    Party::new(CALLER.0, CALLER.1)
}

/// Plays one scenario against `ringside watch` and returns its lines up
/// to the first `call_end`.
async fn watch_play(dialect: Dialect, extensions: &[&str], s: Scenario) -> Vec<Value> {
    let sim = sim(dialect).await;
    let watch = Watch::start(&sim, extensions).await;
    sim.play(fast(s)).finished().await;
    let lines = watch.until_call_end();
    drop(watch);
    sim.shutdown().await;
    lines
}

fn popups_at<'a>(lines: &'a [Value], ext: &str) -> Vec<&'a Value> {
    of_type(lines, "popup")
        .into_iter()
        .filter(|p| p["extension"] == ext)
        .collect()
}

/// The consultation pops at `to` as an internal call from `by` on behalf
/// of the caller, the completed transfer is an update (no popup of its
/// own), and the caller's call ends once, answered by `to`.
fn assert_handed_over(lines: &[Value], by: &str, to: &str, caller: &str, what: &str) {
    let at_to = popups_at(lines, to);
    assert_eq!(
        at_to.len(),
        1,
        "{what}: one popup at {to}, the consultation: {lines:#?}"
    );
    let consult = at_to[0];
    assert_eq!(
        consult["consultation"], true,
        "{what}: it is a consultation: {consult}"
    );
    assert_eq!(
        consult["caller_num"], by,
        "{what}: from the transferring extension: {consult}"
    );
    assert_eq!(
        consult["direction"], "internal",
        "{what}: an internal call: {consult}"
    );
    assert_eq!(
        consult["consulting_for"]["caller_num"], caller,
        "{what}: on behalf of the waiting caller: {consult}"
    );
    let first = popups_at(lines, by);
    assert_eq!(
        first.len(),
        1,
        "{what}: {by} got the caller once: {lines:#?}"
    );
    assert_eq!(
        consult["call"], first[0]["call"],
        "{what}: the consultation is part of the caller's call"
    );
    let handed = of_type(lines, "update")
        .into_iter()
        .find(|u| u["card"]["connected_to"] == to);
    let handed = handed
        .unwrap_or_else(|| panic!("{what}: an update connects the caller to {to}: {lines:#?}"));
    let transfers = handed["card"]["transfers"].as_array().expect("a list");
    assert!(
        transfers
            .iter()
            .any(|t| t["by"] == by && t["to"] == to && t["kind"] == "attended"),
        "{what}: an attended transfer by {by} to {to}: {handed}"
    );
    let ends = of_type(lines, "call_end");
    assert_eq!(
        ends[0]["call"], first[0]["call"],
        "{what}: the first call_end is the caller's (the consultation has none): {lines:#?}"
    );
    assert_eq!(
        ends[0]["answered_by"], to,
        "{what}: the caller ends up with {to}: {lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attended_transfers_in_both_dialects() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        for style in [TransferStyle::Attended, TransferStyle::PhoneAttended] {
            let s = Scenario::transfer(acme(), "5550100", "1001", "1003", style);
            let lines = watch_play(dialect, &["1001", "1003"], s).await;
            assert_handed_over(
                &lines,
                "1001",
                "1003",
                CALLER.0,
                &format!("{dialect:?} {style:?}"),
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_consultation_leaves_the_caller_with_the_transferer() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let s = Scenario::transfer(
            acme(),
            "5550100",
            "1001",
            "1003",
            TransferStyle::AttendedDeclined,
        );
        let lines = watch_play(dialect, &["1001", "1003"], s).await;
        let consult = popups_at(&lines, "1003");
        assert_eq!(
            consult.len(),
            1,
            "{dialect:?}: the consultation pops at 1003: {lines:#?}"
        );
        assert_eq!(
            consult[0]["consultation"], true,
            "{dialect:?}: as a consultation: {lines:#?}"
        );
        let close = of_type(&lines, "close")
            .into_iter()
            .find(|c| c["extension"] == "1003");
        let close = close.unwrap_or_else(|| panic!("{dialect:?}: 1003's popup closes: {lines:#?}"));
        assert_eq!(
            close["reason"], "consultation_ended",
            "{dialect:?}: the consultation ended: {close}"
        );
        let ends = of_type(&lines, "call_end");
        assert_eq!(
            ends[0]["call"], consult[0]["call"],
            "{dialect:?}: one call, no call_end of the consultation's own: {lines:#?}"
        );
        assert_eq!(
            ends[0]["answered_by"], "1001",
            "{dialect:?}: the caller stayed with 1001: {lines:#?}"
        );
        assert!(
            ends[0]["record"]["transfers"]
                .as_array()
                .is_none_or(Vec::is_empty),
            "{dialect:?}: nothing was transferred: {}",
            ends[0]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pickups_in_both_dialects() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        for style in [
            PickupStyle::Group,
            PickupStyle::FeatureCode,
            PickupStyle::Originate,
        ] {
            let what = format!("{dialect:?} {style:?}");
            let s = Scenario::pickup(acme(), "5550100", "1002", "1003", style);
            let lines = watch_play(dialect, &["1002", "1003"], s).await;
            assert_eq!(
                popups_at(&lines, "1002").len(),
                1,
                "{what}: the ringing phone pops: {lines:#?}"
            );
            assert!(
                popups_at(&lines, "1003").is_empty(),
                "{what}: the picker's own channel never pops: {lines:#?}"
            );
            let close = of_type(&lines, "close")
                .into_iter()
                .find(|c| c["extension"] == "1002");
            let close = close.unwrap_or_else(|| panic!("{what}: 1002's popup closes: {lines:#?}"));
            assert_eq!(close["reason"], "answered_elsewhere", "{what}: {close}");
            assert_eq!(
                close["answered_by"], "1003",
                "{what}: by the picker: {close}"
            );
            let ends = of_type(&lines, "call_end");
            assert_eq!(
                ends[0]["call"],
                popups_at(&lines, "1002")[0]["call"],
                "{what}: the first call_end is the caller's, none for the picker: {lines:#?}"
            );
            assert_eq!(ends[0]["answered_by"], "1003", "{what}: {}", ends[0]);
            assert_eq!(ends[0]["missed"], false, "{what}: {}", ends[0]);
            assert_eq!(ends[0]["picked_up_by"], "1003", "{what}: {}", ends[0]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_queue_with_a_direct_and_a_local_member() {
    for dialect in [Dialect::Ami11, Dialect::Modern] {
        let s = Scenario::plain_queue(
            acme(),
            "5550700",
            "support",
            &["1003"],
            &["1002"],
            Some("1003"),
        );
        let lines = watch_play(dialect, &["1002", "1003"], s).await;
        for ext in ["1002", "1003"] {
            let p = popups_at(&lines, ext);
            assert_eq!(p.len(), 1, "{dialect:?}: {ext} rings once: {lines:#?}");
            assert_eq!(
                p[0]["queue"], "support",
                "{dialect:?}: a queue call at {ext}: {}",
                p[0]
            );
            assert_eq!(p[0]["direction"], "inbound", "{dialect:?}: {}", p[0]);
            assert_eq!(
                p[0]["caller_num"], CALLER.0,
                "{dialect:?}: the queue's caller at {ext}: {}",
                p[0]
            );
        }
        let close = of_type(&lines, "close")
            .into_iter()
            .find(|c| c["extension"] == "1002");
        let close = close.unwrap_or_else(|| panic!("{dialect:?}: 1002 stops ringing: {lines:#?}"));
        assert_eq!(
            close["reason"], "answered_elsewhere",
            "{dialect:?}: {close}"
        );
        let end = of_type(&lines, "call_end")[0];
        assert_eq!(end["answered_by"], "1003", "{dialect:?}: {end}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_queue_caller_who_abandons() {
    for dialect in [Dialect::Ami11, Dialect::Modern] {
        let s = Scenario::plain_queue(acme(), "5550700", "support", &["1003"], &["1002"], None);
        let lines = watch_play(dialect, &["1002", "1003"], s).await;
        assert_eq!(
            of_type(&lines, "popup").len(),
            2,
            "{dialect:?}: both members ring: {lines:#?}"
        );
        let end = of_type(&lines, "call_end")[0];
        assert_eq!(
            end["missed"], true,
            "{dialect:?}: the caller gave up: {end}"
        );
        assert!(
            end["answered_by"].is_null(),
            "{dialect:?}: nobody answered: {end}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_call_times_out_back_to_its_parker() {
    for (dialect, space) in [(Dialect::Modern, "71"), (Dialect::Ami11, "701")] {
        let s = Scenario::park_timeout(acme(), "5550100", "1001", space);
        let lines = watch_play(dialect, &["1001"], s).await;
        let at = popups_at(&lines, "1001");
        assert_eq!(
            at.len(),
            2,
            "{dialect:?}: the call, then its return: {lines:#?}"
        );
        assert_eq!(
            at[0]["park_return"], false,
            "{dialect:?}: the first is the call: {}",
            at[0]
        );
        assert_eq!(
            at[1]["park_return"], true,
            "{dialect:?}: the second is the park return: {}",
            at[1]
        );
        assert_eq!(at[1]["park_slot"], space, "{dialect:?}: {}", at[1]);
        assert_eq!(at[1]["parked_by"], "1001", "{dialect:?}: {}", at[1]);
        assert_eq!(
            at[1]["caller_num"], CALLER.0,
            "{dialect:?}: still the caller: {}",
            at[1]
        );
        let end = of_type(&lines, "call_end")[0];
        assert_eq!(end["answered_by"], "1001", "{dialect:?}: {end}");
    }
}

/// `watch --recall 1` brings back a caller that `ringside transfer`, another
/// process, blind-transferred to a colleague who does not answer: the
/// transfer is seen on the card, whatever made it, and the caller is
/// redirected back once, with one `recall` line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_recall_brings_back_a_transfer_made_by_another_process() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let sim = sim(dialect).await;
        let watch = Watch::start_with(&sim, &["1001"], &["--recall", "1"]).await;
        // 1002 would answer after 4 s, long after the 1 s recall.
        drop(
            sim.play(
                Scenario::incoming(acme(), "5550100", "1001")
                    .with_timing(Duration::from_secs(4), Duration::from_secs(60)),
            ),
        );
        let answered = loop {
            let u = watch.next_of_type("update");
            if u["card"]["connected_to"] == "1001" {
                break u;
            }
        };
        let call = answered["call"].as_str().expect("a call id").to_owned();
        let (pbx, id) = (sim.addr().to_string(), call.clone());
        let transfer = tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_ringside"))
                .args(["transfer", &id, "1002", "--pbx", &pbx, "--user", "ringside"])
                .args(["--extension", "1001"])
                .env("RINGSIDE_AMI_SECRET", "ringside-secret")
                .output()
                .expect("ringside transfer runs")
        })
        .await
        .expect("joined");
        assert!(
            transfer.status.success(),
            "{dialect:?}: {}",
            String::from_utf8_lossy(&transfer.stderr)
        );
        let back = watch.next_of_type("recall");
        assert_eq!(
            back,
            serde_json::json!({"type": "recall", "call": call, "from": "1002", "to": "1001"}),
            "{dialect:?}: the documented line"
        );
        let redirects = sim
            .received()
            .iter()
            .filter(|p| p.is("Action", "Redirect") && p.get("Exten") == Some("1001"))
            .count();
        assert_eq!(redirects, 1, "{dialect:?}: sent back once");
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
    assert!(
        up["message"]
            .as_str()
            .is_some_and(|m| m.contains(&addr.to_string())),
        "it names the PBX: {up}"
    );

    first.shutdown().await;
    let down = watch.next_of_type("connection");
    assert_eq!(down["state"], "disconnected", "the PBX went away: {down}");
    let port = addr.port().to_string();
    assert!(
        down["message"].as_str().is_some_and(|m| m.contains(&port)),
        "the message names the PBX: {down}"
    );
    let retry = watch.next_of_type("connection");
    assert_eq!(
        retry["state"], "reconnecting",
        "an attempt to get back failed: {retry}"
    );
    assert!(
        retry["message"]
            .as_str()
            .is_some_and(|m| m.contains(&port) && m.contains("refused")),
        "it says the PBX refused the connection, and which: {retry}"
    );

    // The PBX is back on the same address.
    let second = PbxSim::start(SimConfig {
        listen: addr,
        ..SimConfig::dialect(Dialect::Modern)
    })
    .await
    .expect("the PBX restarts");
    let back = loop {
        let line = watch.next_of_type("connection");
        if line["state"] != "reconnecting" {
            break line;
        }
    };
    assert_eq!(
        back["state"], "connected",
        "the watcher is back without being restarted: {back}"
    );
    drop(watch);
    second.shutdown().await;
}
