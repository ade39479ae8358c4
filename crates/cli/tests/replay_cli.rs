//! The built `ringside watch --replay --json` over every real capture,
//! checked against each capture's JSON ground truth, plus the CLI's own
//! promises: gzip input, text output that cannot drive a terminal, and
//! refusing a hostile number before connecting.

#[path = "../../calls/tests/support/ground_truth.rs"]
mod ground_truth;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use ground_truth::{captures, check_against_truth, truth_for};
use serde_json::Value;

const ALL: [&str; 6] = ["1000", "1001", "1002", "1003", "1004", "1005"];

fn ringside(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ringside"))
        .args(args)
        .env_remove("RINGSIDE_AMI_SECRET")
        .output()
        .expect("the ringside binary runs")
}

fn replay_json(path: &Path, watched: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "watch",
        "--replay",
        path.to_str().expect("utf-8 path"),
        "--json",
    ];
    // All six of the test PBX's extensions: watch everything, as with no
    // `--extension`, so calls that ring no phone (a queue nobody answers) count too.
    let watched = if watched == ALL { &[][..] } else { watched };
    for e in watched {
        args.push("--extension");
        args.push(e);
    }
    let out = ringside(&args);
    assert!(
        out.status.success(),
        "{}: replay exits 0; stderr: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("every line is one JSON object ({e}): {l}"))
        })
        .collect()
}

#[test]
fn every_capture_through_the_binary_matches_its_ground_truth() {
    for path in captures() {
        let label = format!("ringside watch --replay {}", path.display());
        let lines = replay_json(&path, &ALL);
        check_against_truth(&label, &truth_for(&path), &lines, &ALL);
        for l in lines.iter().filter(|l| l["type"] == "popup") {
            for key in [
                "call",
                "extension",
                "caller_num",
                "caller_name",
                "direction",
                "trunk",
                "transferred_by",
            ] {
                assert!(
                    l.get(key).is_some(),
                    "{label}: popup lines always carry {key}: {l}"
                );
            }
        }
        for l in lines.iter().filter(|l| l["type"] == "call_end") {
            for key in ["call", "answered_by", "missed"] {
                assert!(
                    l.get(key).is_some(),
                    "{label}: call_end lines always carry {key}: {l}"
                );
            }
        }
    }
}

#[test]
fn single_extension_runs_match_too() {
    for path in captures()
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with(".gz"))
    {
        for ext in ALL {
            let label = format!(
                "ringside watch --replay {} --extension {ext}",
                path.display()
            );
            let lines = replay_json(&path, &[ext]);
            check_against_truth(&label, &truth_for(&path), &lines, &[ext]);
        }
    }
}

#[test]
fn busy_hour_gz_gives_450_call_ends() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ami/busy-hour.ami.gz");
    let lines = replay_json(&path, &[]);
    let ends = lines.iter().filter(|l| l["type"] == "call_end").count();
    assert_eq!(
        ends, 450,
        "300 external + 150 internal calls, each ended once"
    );
}

#[test]
fn gzip_is_detected_by_content() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/ami/incoming-answered.ami");
    let dir = tempfile::tempdir().expect("temp dir");
    let gz = dir.path().join("capture.bin");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).expect("create"),
        flate2::Compression::fast(),
    );
    enc.write_all(&std::fs::read(&src).expect("read fixture"))
        .expect("compress");
    enc.finish().expect("finish gzip");
    assert_eq!(
        replay_json(&gz, &ALL),
        replay_json(&src, &ALL),
        "a gzip capture replays exactly like the plain one"
    );
}

#[test]
fn text_output_shows_hostile_names_as_inert_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("esc.ami");
    let capture = concat!(
        "Asterisk Call Manager/12.0.0\r\n",
        "Event: Newchannel\r\nChannel: PJSIP/carrier-00000001\r\nChannelState: 4\r\nCallerIDNum: +15550001111\r\n",
        "CallerIDName: \x1b]0;pwned\x07<b>Eve</b>\r\nContext: from-trunk\r\nExten: 5550100\r\nUniqueid: 1.1\r\nLinkedid: 1.1\r\n\r\n",
        "Event: Newchannel\r\nChannel: PJSIP/1001-00000002\r\nChannelState: 0\r\nCallerIDNum: 1001\r\nCallerIDName: Alice\r\n",
        "Context: internal\r\nExten: s\r\nUniqueid: 1.2\r\nLinkedid: 1.1\r\n\r\n",
        "Event: DialBegin\r\nChannel: PJSIP/carrier-00000001\r\nCallerIDNum: +15550001111\r\nUniqueid: 1.1\r\nLinkedid: 1.1\r\n",
        "DestChannel: PJSIP/1001-00000002\r\nDestUniqueid: 1.2\r\nDestLinkedid: 1.1\r\nDialString: 1001\r\n\r\n",
    );
    std::fs::write(&path, capture).expect("write capture");
    let out = ringside(&[
        "watch",
        "--replay",
        path.to_str().expect("utf-8"),
        "--extension",
        "1001",
    ]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("RINGING   1001"),
        "a readable line for the popup: {text}"
    );
    assert!(text.contains("<b>Eve</b>"), "HTML is just text: {text}");
    assert!(
        !text.contains('\x1b') && !text.contains('\x07'),
        "control characters never reach the terminal: {text:?}"
    );
    assert!(
        text.contains("\\u{1b}"),
        "they are shown escaped instead: {text}"
    );
}

#[test]
fn hostile_numbers_are_refused_before_connecting() {
    // Port 9 on localhost: if the CLI tried to connect it would fail with a
    // connection error (exit 1) instead of the validation error (exit 2).
    // (NUL cannot travel in argv; the library tests cover it in every field.)
    for bad in [
        "1002\r\nAction: Hangup",
        "1002\nAction: Originate",
        "Action: Hangup",
        "1002\u{1b}",
    ] {
        let out = ringside(&[
            "dial",
            bad,
            "--extension",
            "1000",
            "--pbx",
            "127.0.0.1:9",
            "--user",
            "x",
        ]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{bad:?}: refused as bad input, before any connection"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("not a number that can be dialled"),
            "{bad:?}: a clear message: {err}"
        );
        let out = ringside(&[
            "transfer",
            "1795444730.14",
            bad,
            "--extension",
            "1001",
            "--pbx",
            "127.0.0.1:9",
            "--user",
            "x",
        ]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "transfer target {bad:?} refused before connecting"
        );
    }
    let out = ringside(&[
        "dial",
        "1002",
        "--extension",
        "1000\r\nAction: Hangup",
        "--pbx",
        "127.0.0.1:9",
        "--user",
        "x",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a hostile own extension is refused too"
    );
}
