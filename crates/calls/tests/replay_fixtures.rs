//! Replays every real capture in `tests/fixtures/ami` and
//! `tests/fixtures/ami-1.3` through the library tracker and checks the
//! popups and outcome against each capture's JSON ground truth.

mod support;

use std::io::Read;
use std::path::Path;

use ringside_calls::replay::{replay, Capture};
use ringside_calls::{CallTracker, TrackerConfig};
use serde_json::Value;
use support::ground_truth::{captures, check_against_truth, truth_for};

const ALL: [&str; 6] = ["1000", "1001", "1002", "1003", "1004", "1005"];

fn load(path: &Path) -> Capture {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .expect("gunzip capture");
        out
    } else {
        raw
    };
    Capture::decode(&bytes).expect("captures decode")
}

/// Replays a capture watching these extensions; all six of the test PBX's
/// means every extension (an empty list, as `ringside watch` with no
/// `--extension`), so calls that ring no phone (a queue nobody answers) count too.
fn run(capture: &Capture, watched: &[&str]) -> (Vec<Value>, CallTracker) {
    let config = if watched == ALL {
        TrackerConfig::default()
    } else {
        TrackerConfig::watching(watched.iter().copied())
    };
    let mut t = CallTracker::new(config);
    let changes = replay(&mut t, capture);
    let lines = changes
        .iter()
        .map(|c| serde_json::to_value(c).expect("serializes"))
        .collect();
    (lines, t)
}

#[test]
fn every_capture_matches_its_ground_truth_watching_all_extensions() {
    for path in captures() {
        let label = path.display().to_string();
        let cap = load(&path);
        let (lines, t) = run(&cap, &ALL);
        if std::env::var("DUMP").is_ok() {
            for l in &lines {
                eprintln!("{label}: {l}");
            }
        }
        check_against_truth(&label, &truth_for(&path), &lines, &ALL);
        assert_eq!(
            t.live_calls(),
            0,
            "{label}: every call in the capture ended"
        );
        assert_eq!(t.live_channels(), 0, "{label}: every channel hung up");
    }
}

#[test]
fn every_capture_matches_its_ground_truth_watching_one_extension() {
    for path in captures() {
        let cap = load(&path);
        for ext in ALL {
            let label = format!("{} watching {ext}", path.display());
            let (lines, _) = run(&cap, &[ext]);
            check_against_truth(&label, &truth_for(&path), &lines, &[ext]);
        }
    }
}

#[test]
fn busy_hour_has_450_calls_all_ended() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ami/busy-hour.ami.gz");
    let cap = load(&path);
    let (lines, t) = run(&cap, &ALL);
    let ends: Vec<&Value> = lines.iter().filter(|l| l["type"] == "call_end").collect();
    let truth = truth_for(&path);
    let external = truth["calls"]["external_to_1001"].as_u64().expect("count") as usize;
    let internal = truth["calls"]["internal_1004_to_1002"]
        .as_u64()
        .expect("count") as usize;
    assert_eq!(
        ends.len(),
        external + internal,
        "one call_end per real call"
    );
    let inbound = ends
        .iter()
        .filter(|e| e["record"]["direction"] == "inbound" && e["answered_by"] == "1001")
        .count();
    let inside = ends
        .iter()
        .filter(|e| {
            e["record"]["direction"] == "internal"
                && e["answered_by"] == "1002"
                && e["record"]["remote_num"] == "1004"
        })
        .count();
    assert_eq!(inbound, external, "external calls were answered by 1001");
    assert_eq!(
        inside, internal,
        "internal calls from 1004 were answered by 1002"
    );
    let popups = lines.iter().filter(|l| l["type"] == "popup").count();
    assert_eq!(
        popups,
        external + internal,
        "one popup per call, at the one phone it rang"
    );
    assert_eq!(
        t.live_calls(),
        0,
        "no call left in flight after the busy hour"
    );
    assert_eq!(t.live_channels(), 0, "no channel left after the busy hour");
}

/// The capture's own order: Asterisk sets the connected line on 1001's new
/// channel while it is still Down, before the phone rings. A client that
/// logs in (or resyncs) just then sees 1001 idle *and* "with ACME Corp";
/// the board must not say "Available with ACME Corp" (what the app's
/// restart screenshot showed), only once the phone rings.
#[test]
fn presence_names_the_caller_only_once_the_phone_rings() {
    use ringside_ami::Packet;
    use ringside_calls::presence::Presence;

    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/ami/incoming-answered.ami");
    let cap = load(&root);
    let mut p = Presence::new();
    let idle = Packet::new()
        .with("Event", "ExtensionStatus")
        .with("Exten", "1001")
        .with("Context", "ext-local")
        .with("Hint", "PJSIP/1001")
        .with("Status", "0");
    p.resync(&[idle]);

    let mut seen = Vec::new();
    for ev in cap.events() {
        p.apply(ev);
        let c = p.get("1001").expect("1001 stays listed");
        let now = c.talking_to_now().and_then(|t| t.name.clone());
        let step = (c.label.clone(), now, c.talking_to.is_some());
        if seen.last() != Some(&step) {
            seen.push(step);
        }
    }
    let acme = Some("ACME Corp".to_owned());
    assert_eq!(
        seen,
        vec![
            ("idle".into(), None, false),
            ("idle".into(), None, true),
            ("ringing".into(), acme.clone(), true),
            ("in use".into(), acme, true),
            ("in use".into(), None, false),
            ("idle".into(), None, false),
        ],
        "1001 through the call: the early connected line is kept but not shown while idle"
    );
}
