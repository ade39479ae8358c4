//! The attendant console's lines through the built binary: `ringside watch
//! --replay FILE --json` over the real captures, checked against each
//! capture's ground truth (`parks`, `queue`, `outcome.picked_up_by`), with
//! `--queue` choosing the queues and `--extension` filtering none of them;
//! the text output's readable lines; and `--recall` refused where it cannot
//! work.

#[path = "../../calls/tests/support/ground_truth.rs"]
#[allow(dead_code)]
mod ground_truth;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ground_truth::{captures, fixture_dirs, is_console_line, truth_for};
use serde_json::Value;

fn ringside(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ringside"))
        .args(args)
        .env_remove("RINGSIDE_AMI_SECRET")
        .output()
        .expect("the ringside binary runs")
}

fn capture(dir: usize, name: &str) -> PathBuf {
    fixture_dirs()[dir].join(name)
}

/// `ringside watch --replay PATH --json` with `extra` arguments: its lines.
fn replay_json(path: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "watch",
        "--replay",
        path.to_str().expect("utf-8 path"),
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = ringside(&args);
    assert!(
        out.status.success(),
        "{}: exits 0; stderr: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("one JSON object ({e}): {l}")))
        .collect()
}

fn of_type<'a>(lines: &'a [Value], ty: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["type"] == ty).collect()
}

/// The `call_end` line of the call whose caller is `num`.
fn end_of<'a>(lines: &'a [Value], num: &str) -> &'a Value {
    of_type(lines, "call_end")
        .into_iter()
        .find(|e| e["record"]["remote_num"] == num)
        .unwrap_or_else(|| panic!("a call_end for {num}: {lines:#?}"))
}

/// The truth's `parks` against the `parked`/`park_end` lines, in order.
fn check_parks(label: &str, truth: &Value, lines: &[Value]) {
    let want: Vec<&Value> = truth["parks"].as_array().into_iter().flatten().collect();
    let (parks, ends) = (of_type(lines, "parked"), of_type(lines, "park_end"));
    assert_eq!(parks.len(), want.len(), "{label}: one parked line per park");
    assert_eq!(ends.len(), want.len(), "{label}: one park_end per park");
    for ((w, p), e) in want.iter().zip(parks).zip(ends) {
        for key in ["slot", "lot", "caller_num", "parked_by"] {
            assert_eq!(p[key], w[key], "{label}: parked {key}: {p}");
        }
        for key in ["slot", "lot", "end", "retrieved_by"] {
            assert_eq!(e[key], w[key], "{label}: park_end {key}: {e}");
        }
        let returned = w.get("returned_to").cloned().unwrap_or(Value::Null);
        assert_eq!(e["returned_to"], returned, "{label}: {e}");
        assert_eq!(e["call"], p["call"], "{label}: the same call ends its park");
        let num = w["caller_num"].as_str().expect("a caller");
        assert_eq!(
            end_of(lines, num)["call"],
            p["call"],
            "{label}: the parked call is the card's call"
        );
    }
}

/// The truth's `queue` against the `queue_join`/`queue_leave` lines.
fn check_queue(label: &str, truth: &Value, lines: &[Value]) {
    let want: Vec<&Value> = truth["queue"].as_array().into_iter().flatten().collect();
    let joins = of_type(lines, "queue_join");
    assert_eq!(joins.len(), want.len(), "{label}: one join per caller");
    assert_eq!(
        of_type(lines, "queue_leave").len(),
        want.len(),
        "{label}: one leave per caller"
    );
    for (w, j) in want.iter().zip(joins) {
        for key in ["queue", "position", "caller_num", "caller_name"] {
            assert_eq!(j[key], w[key], "{label}: queue_join {key}: {j}");
        }
        let leave = of_type(lines, "queue_leave")
            .into_iter()
            .find(|l| l["call"] == j["call"])
            .unwrap_or_else(|| panic!("{label}: the leave of {j}"));
        for key in ["queue", "caller_num", "end"] {
            assert_eq!(leave[key], w[key], "{label}: queue_leave {key}: {leave}");
        }
        let by = &leave["answered_by"];
        if w["end"] == "answered" {
            let end = end_of(lines, w["caller_num"].as_str().expect("a caller"));
            assert_eq!(
                by, &end["answered_by"],
                "{label}: answered by the card's answerer"
            );
        } else {
            assert_eq!(by, &Value::Null, "{label}: {leave}");
        }
        assert!(
            leave["waited_ms"].as_i64().is_some_and(|ms| ms > 0),
            "{label}: it waited: {leave}"
        );
        let end = end_of(lines, w["caller_num"].as_str().expect("a caller"));
        assert_eq!(
            end["call"], j["call"],
            "{label}: the queued call is the card's call"
        );
        // The history record keeps the wait, for the missed list's "gave up
        // in queue sales after 0:46".
        assert_eq!(
            end["record"]["queue"], end["queue"],
            "{label}: the record keeps the card's queue wait: {end}"
        );
        for key in ["queue", "end"] {
            assert_eq!(
                end["record"]["queue"][key], leave[key],
                "{label}: the record's queue wait {key}: {end}"
            );
        }
    }
}

#[test]
fn every_capture_prints_the_console_lines_its_ground_truth_has_and_no_others() {
    for path in captures() {
        let label = format!("ringside watch --replay {} --json", path.display());
        let truth = truth_for(&path);
        let lines = replay_json(&path, &[]);
        check_parks(&label, &truth, &lines);
        check_queue(&label, &truth, &lines);
        for l in lines.iter().filter(|l| is_console_line(l)) {
            assert!(
                ["parked", "park_end", "queue_join", "queue_leave"]
                    .contains(&l["type"].as_str().unwrap_or("")),
                "{label}: a capture with no voicemail or recall prints none: {l}"
            );
        }
    }
}

#[test]
fn park_retrieve_queue_abandon_and_pickups_through_the_binary() {
    let park = capture(0, "park-retrieve.ami");
    let lines = replay_json(&park, &[]);
    check_parks("park-retrieve", &truth_for(&park), &lines);
    assert_eq!(of_type(&lines, "parked").len(), 1, "the capture parks once");

    let queue = capture(0, "queue-abandon.ami");
    let lines = replay_json(&queue, &[]);
    check_queue("queue-abandon", &truth_for(&queue), &lines);
    assert_eq!(of_type(&lines, "queue_join").len(), 2, "two callers wait");
    // A replay runs faster than the capture, so the waits are the PBX's own
    // HoldTime (Kramerica about 2.5 s, Vandelay about 6.5 s, whole seconds).
    let waits: Vec<(String, i64)> = of_type(&lines, "queue_leave")
        .iter()
        .map(|l| {
            let who = l["caller_num"].as_str().unwrap_or_default().to_owned();
            (who, l["waited_ms"].as_i64().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        waits,
        [
            ("+12015550222".to_owned(), 2_000),
            ("+12015550111".to_owned(), 6_000)
        ],
        "waited as long as the PBX says"
    );

    for dir in [0, 1] {
        let path = capture(dir, "pickup-feature-code.ami");
        let truth = truth_for(&path);
        let lines = replay_json(&path, &[]);
        let ends = of_type(&lines, "call_end");
        assert_eq!(ends.len(), 1, "{}: one call", path.display());
        let want = &truth["outcome"];
        assert_eq!(
            ends[0]["picked_up_by"],
            want["picked_up_by"],
            "{}",
            path.display()
        );
        assert_eq!(
            ends[0]["answered_by"],
            want["answered_by"],
            "{}",
            path.display()
        );
        assert!(
            !lines.iter().any(is_console_line),
            "{}: a pickup parks nothing and queues nobody",
            path.display()
        );
    }
}

#[test]
fn extension_filters_no_console_line_and_queue_chooses_the_queues() {
    let park = capture(0, "park-retrieve.ami");
    let console =
        |lines: Vec<Value>| -> Vec<Value> { lines.into_iter().filter(is_console_line).collect() };
    let all = console(replay_json(&park, &[]));
    assert_eq!(all.len(), 2, "parked, then park_end: {all:?}");
    assert_eq!(
        console(replay_json(&park, &["--extension", "1005"])),
        all,
        "parked calls concern the whole desk: --extension does not filter them"
    );

    let queue = capture(0, "queue-abandon.ami");
    let every = console(replay_json(&queue, &[]));
    assert_eq!(every.len(), 4, "two joins, two leaves: {every:?}");
    assert_eq!(console(replay_json(&queue, &["--queue", "sales"])), every);
    assert_eq!(
        console(replay_json(
            &queue,
            &["--queue", "support", "--queue", "sales"]
        )),
        every,
        "--queue is repeatable"
    );
    assert_eq!(
        console(replay_json(&queue, &["--queue", "support"])),
        Vec::<Value>::new(),
        "a queue not chosen is not reported"
    );
    assert_eq!(
        console(replay_json(&queue, &["--extension", "1001"])),
        every,
        "--extension does not filter queue lines"
    );
}

#[test]
fn text_output_has_a_readable_line_for_each() {
    let text = |path: PathBuf| {
        let out = ringside(&["watch", "--replay", path.to_str().expect("utf-8")]);
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let park = text(capture(0, "park-retrieve.ami"));
    assert!(
        park.contains("PARKED    space 71 (lot default): Hooli <+14155550199>, parked by 1001"),
        "{park}"
    );
    assert!(
        park.contains("UNPARKED  space 71 (lot default): retrieved by 1003"),
        "{park}"
    );
    let queue = text(capture(0, "queue-abandon.ami"));
    assert!(
        queue.contains("QUEUE     sales: Vandelay Industries <+12015550111> waiting, position 1"),
        "{queue}"
    );
    assert!(
        queue.contains("QUEUE     sales: +12015550222 gave up after"),
        "{queue}"
    );
    let answered = text(capture(1, "queue-direct-answers.ami"));
    assert!(
        answered.contains("QUEUE     support: +13105550100 answered by 1003 after"),
        "{answered}"
    );
}

#[test]
fn recall_is_refused_where_it_cannot_work() {
    let park = capture(0, "park-retrieve.ami");
    let path = park.to_str().expect("utf-8");
    let replay = ringside(&["watch", "--replay", path, "--recall", "20", "-e", "1001"]);
    assert_eq!(replay.status.code(), Some(2), "a replay moves no call");
    let err = String::from_utf8_lossy(&replay.stderr);
    assert!(err.contains("cannot be used with --replay"), "{err}");
    // Refused before connecting: port 9 would fail with exit 1.
    let live = |extra: &[&str]| {
        let mut args = vec![
            "watch",
            "--pbx",
            "127.0.0.1:9",
            "--user",
            "x",
            "--group",
            "600",
        ];
        args.extend_from_slice(extra);
        ringside(&args)
    };
    let nobody = live(&["--recall", "20"]);
    assert_eq!(nobody.status.code(), Some(2), "whose transfers?");
    assert!(
        String::from_utf8_lossy(&nobody.stderr).contains("--recall needs --extension"),
        "{}",
        String::from_utf8_lossy(&nobody.stderr)
    );
    let zero = live(&["--recall", "0", "-e", "1001"]);
    assert_eq!(zero.status.code(), Some(2), "no wait at all is refused");
}

#[test]
fn queue_and_recall_are_refused_through_the_office_gateway() {
    // Refused before connecting: nothing listens on port 9.
    for (extra, word) in [
        (["--queue", "sales"], "--queue"),
        (["--recall", "20"], "--recall"),
    ] {
        let mut args = vec![
            "watch",
            "--broker",
            "mqtt://127.0.0.1:9",
            "--broker-user",
            "reception",
            "-e",
            "1001",
        ];
        args.extend_from_slice(&extra);
        let out = ringside(&args);
        assert_eq!(out.status.code(), Some(2), "{word}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{word} cannot be used with --broker")),
            "{err}"
        );
    }
}
