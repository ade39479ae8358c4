//! The kill -9 test, for real: a child process records calls in a loop and
//! prints each call id after `record_call` returned Ok; we SIGKILL it at
//! random moments, many times, then check that the file opens cleanly and
//! holds every call that was reported as recorded.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;
use rusqlite::Connection;

const ROUNDS: usize = 30;

#[test]
fn kill_9_during_writes_loses_no_reported_call() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.db");
    let mut rng = rand::thread_rng();
    let mut reported: Vec<String> = Vec::new();
    let mut killed_mid_stream = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ringside-store-crashtest"))
            .arg(&path)
            .arg(round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the crash-test helper starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let reader = std::thread::spawn(move || {
            let mut ids = Vec::new();
            let mut r = BufReader::new(stdout);
            let mut line = Vec::new();
            // Only complete lines count: a half-printed id was never reported.
            while r
                .read_until(b'\n', &mut line)
                .map(|n| n > 0)
                .unwrap_or(false)
            {
                if line.ends_with(b"\n") {
                    ids.push(String::from_utf8_lossy(&line[..line.len() - 1]).into_owned());
                }
                line.clear();
            }
            ids
        });
        // Anywhere from during open/migration to deep into the write loop.
        let delay = Duration::from_millis(rng.gen_range(5..250));
        let started = Instant::now();
        std::thread::sleep(delay);
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            use std::io::Read;
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("the helper exited on its own ({status}) in round {round}: {err}");
        }
        child.kill().expect("SIGKILL the helper"); // Child::kill is SIGKILL on Unix
        child.wait().expect("reap the helper");
        let ids = reader.join().expect("reader thread");
        if !ids.is_empty() {
            killed_mid_stream += 1;
        }
        eprintln!(
            "round {round}: killed after {:?}, {} calls reported",
            started.elapsed(),
            ids.len()
        );
        reported.extend(ids);

        // After every kill the file must be sound and complete.
        let conn = Connection::open(&path).expect("the file opens after kill -9");
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity_check runs");
        assert_eq!(
            check, "ok",
            "round {round}: the database must pass integrity_check after kill -9"
        );
        drop(conn);
        // The kill may land before the first migration committed; the store
        // must still open (and finish it) cleanly.
        drop(common::open(&path));
        let conn = Connection::open(&path).expect("the file opens after the store did");
        let stored: HashSet<String> = conn
            .prepare("SELECT call_id FROM calls")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("read call ids");
        let lost: Vec<&String> = reported.iter().filter(|id| !stored.contains(*id)).collect();
        assert!(
            lost.is_empty(),
            "round {round}: calls reported as recorded were lost: {lost:?}"
        );
        drop(conn);
    }
    assert!(
        killed_mid_stream >= ROUNDS / 2,
        "most kills must land while calls were being written (only {killed_mid_stream} of {ROUNDS} did)"
    );
    let store = common::open(&path);
    let n = store.count_calls().wait().expect("count");
    assert!(
        n as usize >= reported.len(),
        "the store opens cleanly through its own API and holds every reported call"
    );
}
