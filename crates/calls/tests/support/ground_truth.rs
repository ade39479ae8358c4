//! Compares the JSON lines of a replay (library `CardChange`s serialized, or
//! `ringside watch --replay --json` output) with a capture's ground truth
//! JSON. Shared by the library and the CLI tests so both hold the same bar.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The repository's capture directories.
pub fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    vec![root.join("ami"), root.join("ami-1.3")]
}

/// Every capture (`.ami` or `.ami.gz`) in the repository, sorted.
pub fn captures() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in fixture_dirs() {
        for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("fixture dir {dir:?}: {e}")) {
            let p = e.expect("dir entry").path();
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if n.ends_with(".ami") || n.ends_with(".ami.gz") {
                v.push(p);
            }
        }
    }
    v.sort();
    assert!(
        v.len() >= 21,
        "expected every capture of both dialects, found {}",
        v.len()
    );
    v
}

/// The ground truth next to a capture (`x.ami` / `x.ami.gz` → `x.json`).
pub fn truth_for(capture: &Path) -> Value {
    let name = capture
        .file_name()
        .and_then(|n| n.to_str())
        .expect("utf-8 name");
    let stem = name.trim_end_matches(".gz").trim_end_matches(".ami");
    let path = capture.with_file_name(format!("{stem}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("ground truth is JSON")
}

/// The attendant console's line types (`ringside watch` prints them beside
/// the cards'); the card checks here leave them out.
pub const CONSOLE_LINES: [&str; 6] = [
    "parked",
    "park_end",
    "queue_join",
    "queue_leave",
    "voicemail",
    "recall",
];

/// Is this one of the console's lines?
pub fn is_console_line(l: &Value) -> bool {
    l["type"]
        .as_str()
        .is_some_and(|t| CONSOLE_LINES.contains(&t))
}

/// Invariants every replay must keep, whatever the scenario: each popup is
/// for a watched extension and closes exactly once, and each call ends once.
pub fn check_invariants(label: &str, lines: &[Value], watched: &[&str]) {
    let mut open: HashMap<(String, String), usize> = HashMap::new();
    let mut ended: HashMap<String, usize> = HashMap::new();
    for l in lines.iter().filter(|l| !is_console_line(l)) {
        let call = l["call"]
            .as_str()
            .unwrap_or_else(|| panic!("{label}: every line has a call id: {l}"))
            .to_owned();
        match l["type"].as_str() {
            Some("popup") => {
                let ext = l["extension"].as_str().expect("popup extension").to_owned();
                assert!(
                    watched.contains(&ext.as_str()),
                    "{label}: popup for unwatched extension {ext}"
                );
                let n = open.entry((call, ext.clone())).or_default();
                assert_eq!(
                    *n, 0,
                    "{label}: a second popup for {ext} while the first is still shown"
                );
                *n += 1;
            }
            Some("close") => {
                let ext = l["extension"].as_str().expect("close extension").to_owned();
                let n = open.entry((call, ext.clone())).or_default();
                assert_eq!(
                    *n, 1,
                    "{label}: close for {ext} without exactly one open popup"
                );
                *n -= 1;
            }
            Some("call_end") => {
                *ended.entry(call.clone()).or_default() += 1;
                assert_eq!(ended[&call], 1, "{label}: call {call} ended twice");
                assert!(
                    !open.iter().any(|((c, _), n)| *c == call && *n > 0),
                    "{label}: call {call} ended with a popup still open"
                );
            }
            Some("update") => {}
            other => panic!("{label}: unknown line type {other:?}"),
        }
    }
    assert!(
        open.values().all(|n| *n == 0),
        "{label}: popups left open at the end: {open:?}"
    );
}

fn sort_key(v: &Value) -> (String, String) {
    (
        v["extension"].as_str().unwrap_or("").to_owned(),
        v["transferred_by"].as_str().unwrap_or("").to_owned(),
    )
}

/// Checks popups and outcome against the ground truth. `watched` is the
/// set of extensions the run watched; the truth is filtered to it.
pub fn check_against_truth(label: &str, truth: &Value, lines: &[Value], watched: &[&str]) {
    check_invariants(label, lines, watched);
    let popups: Vec<&Value> = lines.iter().filter(|l| l["type"] == "popup").collect();
    if let Some(expected) = truth.get("popups").and_then(Value::as_array) {
        let mut want: Vec<&Value> = expected
            .iter()
            .filter(|p| watched.contains(&p["extension"].as_str().unwrap_or("")))
            .collect();
        let mut got = popups.clone();
        want.sort_by_key(|v| sort_key(v));
        got.sort_by_key(|v| sort_key(v));
        assert_eq!(
            got.len(),
            want.len(),
            "{label}: popups emitted {got:?}, ground truth {want:?} (nothing extra, nothing missing)"
        );
        for (g, w) in got.iter().zip(&want) {
            for (k, v) in w.as_object().expect("popup object") {
                assert_eq!(
                    &g[k.as_str()],
                    v,
                    "{label}: popup key {k} for {}: got {g}",
                    w["extension"]
                );
            }
            // A mark the truth does not give must not be claimed: an ordinary
            // call is no consultation and no parked call coming back.
            for mark in ["consultation", "park_return"] {
                if w.get(mark).is_none() {
                    assert!(
                        g[mark].is_null() || g[mark] == false,
                        "{label}: popup for {} is not marked {mark}: got {g}",
                        w["extension"]
                    );
                }
            }
        }
    }
    if let Some(not) = truth.get("popups_not_expected").and_then(Value::as_array) {
        for n in not {
            let ext = n["extension"].as_str().expect("extension");
            assert!(
                !popups.iter().any(|p| p["extension"] == ext),
                "{label}: no popup for {ext}: {}",
                n["why"]
            );
        }
    }
    let ends: Vec<&Value> = lines.iter().filter(|l| l["type"] == "call_end").collect();
    let Some(outcome) = truth.get("outcome") else {
        return;
    };
    if outcome.get("answered_by").is_none() {
        return;
    }
    let all_watched = ["1000", "1001", "1002", "1003", "1004", "1005"]
        .iter()
        .all(|e| watched.contains(e));
    // Each caller listed in `queue` is a call of its own (`queue-abandon`:
    // two callers give up); the outcome then holds for each of them.
    let calls = truth
        .get("queue")
        .and_then(Value::as_array)
        .map_or(1, |q| q.len().max(1));
    if all_watched {
        assert_eq!(
            ends.len(),
            calls,
            "{label}: {calls} real call(s), so as many call_end lines: {ends:?}"
        );
    } else if popups.is_empty() {
        // A single-extension run the call never reached may say nothing.
        assert!(
            ends.len() <= calls,
            "{label}: at most {calls} call_end line(s)"
        );
    } else {
        assert_eq!(
            ends.len(),
            calls,
            "{label}: the call rang here, so it ends once: {ends:?}"
        );
    }
    for end in &ends {
        assert_eq!(
            end["answered_by"], outcome["answered_by"],
            "{label}: answered_by of {end}"
        );
        if let Some(m) = outcome.get("missed") {
            if !popups.is_empty() || all_watched {
                assert_eq!(&end["missed"], m, "{label}: missed flag of {end}");
            }
        }
        // `picked_up_by` only where someone took a ringing call from another phone.
        let picked = outcome.get("picked_up_by").cloned().unwrap_or(Value::Null);
        assert_eq!(
            end["picked_up_by"], picked,
            "{label}: picked_up_by of {end}"
        );
    }
    if let Some(fc) = outcome.get("final_connected") {
        if all_watched {
            let call = ends
                .first()
                .map(|e| e["call"].clone())
                .unwrap_or(Value::Null);
            let last = lines
                .iter()
                .rfind(|l| l["type"] == "update" && l["call"] == call)
                .unwrap_or_else(|| panic!("{label}: the call's card was updated at least once"));
            let card = &last["card"];
            assert_eq!(
                card["connected_to"], fc["extension"],
                "{label}: who the caller talked to last: {card}"
            );
            for key in ["caller_num", "caller_name"] {
                if let Some(v) = fc.get(key) {
                    assert_eq!(
                        &card[key], v,
                        "{label}: the caller on the final card: {card}"
                    );
                }
            }
        }
    }
    if all_watched {
        check_waits(label, truth, &ends);
    }
    let Some(end) = ends.first() else { return };
    if let Some(list) = outcome
        .get("answered_elsewhere_for")
        .and_then(Value::as_array)
    {
        let mut want: Vec<&str> = list
            .iter()
            .filter_map(Value::as_str)
            .filter(|e| watched.contains(e))
            .collect();
        let mut got: Vec<&str> = end["answered_elsewhere_for"]
            .as_array()
            .expect("answered_elsewhere_for list")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "{label}: answered elsewhere for");
        for ext in &want {
            assert!(
                lines.iter().any(|l| l["type"] == "close"
                    && l["extension"] == *ext
                    && l["reason"] == "answered_elsewhere"
                    && l["answered_by"] == outcome["answered_by"]),
                "{label}: {ext}'s popup closes as answered elsewhere by {}",
                outcome["answered_by"]
            );
        }
    }
}

/// The truth's `queue` (each caller's wait in a queue) and `parks` (each
/// parked call) against the `queue` and `parks` of the calls' `call_end`.
fn check_waits(label: &str, truth: &Value, ends: &[&Value]) {
    let caller_of = |e: &Value| e["record"]["remote_num"].as_str().unwrap_or("").to_owned();
    for want in truth
        .get("queue")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let num = want["caller_num"].as_str().unwrap_or("");
        let end = ends
            .iter()
            .find(|e| caller_of(e) == num)
            .unwrap_or_else(|| panic!("{label}: a call_end for queue caller {num}: {ends:?}"));
        let got = &end["queue"];
        for key in ["queue", "position", "end"] {
            assert_eq!(
                &got[key], &want[key],
                "{label}: queue wait {key} of {num}: got {got}"
            );
        }
    }
    let want_parks: Vec<&Value> = truth
        .get("parks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let got_parks: Vec<&Value> = ends
        .iter()
        .flat_map(|e| e["parks"].as_array().into_iter().flatten())
        .collect();
    assert_eq!(
        got_parks.len(),
        want_parks.len(),
        "{label}: parked calls {got_parks:?}, truth {want_parks:?}"
    );
    for (got, want) in got_parks.iter().zip(&want_parks) {
        for key in [
            "slot",
            "lot",
            "parked_by",
            "end",
            "retrieved_by",
            "returned_to",
        ] {
            if let Some(v) = want.get(key) {
                assert_eq!(&got[key], v, "{label}: park {key}: got {got}");
            }
        }
        let num = want["caller_num"].as_str().unwrap_or("");
        assert!(
            ends.iter()
                .any(|e| caller_of(e) == num
                    && e["parks"].as_array().is_some_and(|p| p.contains(got))),
            "{label}: the parked caller is {num}"
        );
    }
}
