//! Replays the real captures through the tracker and the attendant
//! console's panels together, as the CLI will, and checks the panels' JSON
//! lines against each capture's ground truth (`parks`, `queue`), and their
//! call ids against the tracker's own.

mod support;

use std::path::{Path, PathBuf};

use ringside_ami::Packet;
use ringside_calls::console::{ParkedCalls, Queues};
use ringside_calls::replay::{event_time_ms, Capture};
use ringside_calls::{CallTracker, CardChange, TrackerConfig};
use serde::Serialize;
use serde_json::Value;
use support::ground_truth::{fixture_dirs, truth_for};

fn fixture(dir: usize, name: &str) -> PathBuf {
    fixture_dirs()[dir].join(name)
}

fn load(path: &Path) -> Capture {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    Capture::decode(&raw).expect("captures decode")
}

/// Feeds every event to the tracker first, then to `panel` with the
/// tracker naming the calls; returns the panel's lines as JSON and the ids
/// of the calls the tracker ended.
fn replay<C: Serialize>(
    path: &Path,
    mut panel: impl FnMut(&Packet, i64, &CallTracker) -> Vec<C>,
) -> (Vec<Value>, Vec<String>) {
    let cap = load(path);
    let mut t = CallTracker::new(TrackerConfig::default());
    if let Some(b) = &cap.banner {
        t.observe_banner(&b.version);
    }
    let (mut lines, mut ended) = (Vec::new(), Vec::new());
    for (i, p) in cap.packets.iter().enumerate() {
        if p.event().is_none() {
            continue;
        }
        let at = event_time_ms(p, i, 0);
        for c in t.apply(p, at) {
            if let CardChange::Ended { call, .. } = c {
                ended.push(call);
            }
        }
        for c in panel(p, at, &t) {
            lines.push(serde_json::to_value(c).expect("serializes"));
        }
    }
    (lines, ended)
}

fn of_type<'a>(lines: &'a [Value], ty: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["type"] == ty).collect()
}

#[test]
fn park_retrieve_parks_and_retrieves_as_the_ground_truth_says() {
    let path = fixture(0, "park-retrieve.ami");
    let truth = truth_for(&path);
    let mut parked = ParkedCalls::new();
    let (lines, ended) = replay(&path, |p, at, t| parked.apply_with(p, at, t));
    let want = truth["parks"].as_array().expect("parks in the truth");
    let parks = of_type(&lines, "parked");
    let ends = of_type(&lines, "park_end");
    assert_eq!(parks.len(), want.len(), "{lines:?}");
    assert_eq!(ends.len(), want.len(), "{lines:?}");
    for ((w, p), e) in want.iter().zip(parks).zip(ends) {
        for key in ["slot", "lot", "caller_num", "parked_by"] {
            assert_eq!(p[key], w[key], "parked {key}: {p}");
        }
        for key in ["slot", "lot", "end", "retrieved_by"] {
            assert_eq!(e[key], w[key], "park_end {key}: {e}");
        }
        assert_eq!(e["returned_to"], Value::Null, "retrieved, not returned");
        let call = p["call"].as_str().expect("a call id");
        assert_eq!(e["call"], call);
        assert!(
            ended.iter().any(|c| c == call),
            "the tracker's call {ended:?} is the parked call {call}"
        );
    }
    assert_eq!(parked.calls().count(), 0, "nothing left parked");
}

/// Checks the queue lines of a replay against the truth's `queue`: one
/// join and one leave per caller, in the truth's order of joining.
fn check_queue_lines(path: &Path) -> Vec<Value> {
    let truth = truth_for(path);
    let mut queues = Queues::new();
    let (lines, ended) = replay(path, |p, at, t| queues.apply_with(p, at, t));
    let want = truth["queue"].as_array().expect("queue in the truth");
    let joins = of_type(&lines, "queue_join");
    assert_eq!(joins.len(), want.len(), "{lines:?}");
    for (w, j) in want.iter().zip(&joins) {
        for key in ["queue", "position", "caller_num", "caller_name"] {
            assert_eq!(j[key], w[key], "queue_join {key}: {j}");
        }
        let call = j["call"].as_str().expect("a call id");
        assert!(
            ended.iter().any(|c| c == call),
            "the tracker's calls {ended:?} include the queued call {call}"
        );
        let leaves: Vec<&Value> = of_type(&lines, "queue_leave")
            .into_iter()
            .filter(|l| l["call"] == call)
            .collect();
        match leaves.as_slice() {
            [l] => {
                for key in ["queue", "caller_num", "end"] {
                    assert_eq!(l[key], w[key], "queue_leave {key}: {l}");
                }
                assert!(l["waited_ms"].as_i64().is_some_and(|w| w > 0), "{l}");
            }
            other => panic!("one queue_leave for {call}, got {other:?}"),
        }
    }
    assert!(
        queues.queues().all(|q| q.callers.is_empty()),
        "nobody left waiting"
    );
    lines
}

#[test]
fn queue_abandon_has_both_callers_join_and_abandon_as_the_ground_truth_says() {
    let lines = check_queue_lines(&fixture(0, "queue-abandon.ami"));
    for l in of_type(&lines, "queue_leave") {
        assert_eq!(l["answered_by"], Value::Null, "{l}");
    }
}

#[test]
fn an_old_queue_call_answered_by_a_direct_member_leaves_answered_by_it() {
    let lines = check_queue_lines(&fixture(1, "queue-direct-answers.ami"));
    let leaves = of_type(&lines, "queue_leave");
    assert_eq!(leaves[0]["answered_by"], "1003", "{leaves:?}");
}
