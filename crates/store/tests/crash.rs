//! The kill -9 test, for real: a child process records calls in a loop and
//! prints each call id after `record_call` returned Ok; we SIGKILL it at
//! random moments, many times, then check that the file opens cleanly and
//! holds every call that was reported as recorded. The kill moments follow the
//! helper's measured start-up, so the same test means the same under Wine,
//! where a process takes far longer to start.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rand::Rng;
use rusqlite::Connection;

const ROUNDS: usize = 30;

/// One run of the helper: the process, the thread reading the ids it reports,
/// and when its first id arrived (the end of its start-up).
struct Helper {
    child: Child,
    ids: JoinHandle<Vec<String>>,
    first_id: Receiver<Instant>,
}

fn start_helper(path: &Path, round: usize) -> Helper {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ringside-store-crashtest"))
        .arg(path)
        .arg(round.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the crash-test helper starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (first_tx, first_id) = mpsc::channel();
    let ids = std::thread::spawn(move || {
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
                if ids.is_empty() {
                    let _ = first_tx.send(Instant::now());
                }
                ids.push(String::from_utf8_lossy(&line[..line.len() - 1]).into_owned());
            }
            line.clear();
        }
        ids
    });
    Helper {
        child,
        ids,
        first_id,
    }
}

/// When to kill, counted from the start: a quarter of the kills land during
/// start-up (open and migrations), the rest up to 250 ms into the write loop.
/// Start-up is measured, not assumed: a few ms natively, far longer under Wine.
fn kill_delay(rng: &mut impl Rng, startup: Duration) -> Duration {
    if rng.gen_bool(0.25) {
        let startup_ms = startup.as_millis().max(6) as u64;
        Duration::from_millis(rng.gen_range(5..startup_ms))
    } else {
        startup + Duration::from_millis(rng.gen_range(0..250))
    }
}

#[test]
fn kill_9_during_writes_loses_no_reported_call() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.db");
    let mut rng = rand::thread_rng();
    let mut reported: Vec<String> = Vec::new();
    let mut killed_mid_stream = 0;
    // Round 0 measures start-up: it is killed only once the first call is reported.
    let mut startup = Duration::ZERO;
    for round in 0..ROUNDS {
        let started = Instant::now();
        let mut helper = start_helper(&path, round);
        if round == 0 {
            let first = helper
                .first_id
                .recv_timeout(Duration::from_secs(60))
                .expect("the helper reports its first call within a minute");
            startup = first.saturating_duration_since(started);
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..250)));
        } else {
            std::thread::sleep(kill_delay(&mut rng, startup).saturating_sub(started.elapsed()));
        }
        if let Ok(Some(status)) = helper.child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = helper.child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("the helper exited on its own ({status}) in round {round}: {err}");
        }
        // Child::kill is SIGKILL on Unix and TerminateProcess on Windows.
        helper.child.kill().expect("kill the helper");
        helper.child.wait().expect("reap the helper");
        let ids = helper.ids.join().expect("reader thread");
        if let Ok(first) = helper.first_id.try_recv() {
            startup = startup.max(first.saturating_duration_since(started));
            killed_mid_stream += 1;
        }
        eprintln!(
            "round {round}: killed after {:?}, {} calls reported",
            started.elapsed(),
            ids.len()
        );
        reported.extend(ids);
        assert_sound_and_complete(&path, &reported, round);
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

/// After every kill the file must be sound and hold every call reported so far.
fn assert_sound_and_complete(path: &Path, reported: &[String], round: usize) {
    let conn = Connection::open(path).expect("the file opens after kill -9");
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
    drop(common::open(path));
    let conn = Connection::open(path).expect("the file opens after the store did");
    let stored: HashSet<String> = conn
        .prepare("SELECT call_id FROM calls")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("read call ids");
    let lost: Vec<&String> = reported.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "round {round}: calls reported as recorded were lost: {lost:?}"
    );
}
