//! Importing the PBX's call detail records: deduplication against calls
//! recorded live from AMI, idempotent re-import, the resumable cursor,
//! batches that survive a failure, and imported calls in the missed-call
//! list and search.

mod common;

use std::sync::{Arc, Mutex};

use common::{inbound, open, outbound, DAY0, HOUR};
use ringside_calls::{CallRecord, Outcome};
use ringside_store::{CallQuery, CallSource, ImportedCall, CDR_BATCH};
use rusqlite::Connection;

/// A CDR row as the connector would hand it over: `call_id` is the linkedid
/// when the PBX gives one, `uniqueid` the row's own.
fn cdr(record: CallRecord, recording: Option<&str>, calldate: &str) -> ImportedCall {
    ImportedCall {
        record,
        recording_file: recording.map(str::to_owned),
        pbx_calldate: calldate.to_owned(),
    }
}

/// "2026-11-23 HH:MM:SS" for the `i`-th second of the day.
fn calldate(i: usize) -> String {
    format!(
        "2026-11-23 {:02}:{:02}:{:02}",
        i / 3600,
        (i / 60) % 60,
        i % 60
    )
}

#[test]
fn rows_matching_live_calls_are_merged_not_duplicated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    // Recorded live: call_id is the Linkedid, uniqueid the first channel's.
    let mut live_a = inbound("1700000000.1", "0207946000", Outcome::Answered, DAY0);
    live_a.uniqueid = "1700000000.1".into();
    let mut live_b = inbound("1700000100.7", "0207946111", Outcome::Missed, DAY0 + HOUR);
    live_b.uniqueid = "1700000100.8".into();
    store
        .record_calls(vec![live_a.clone(), live_b.clone()])
        .wait()
        .expect("record live calls");

    // CDR rows for the same calls: one found by its uniqueid equal to the
    // live call's call_id (no linkedid in the CDR), one by the live call's
    // uniqueid, one by call_id (a second leg of call b), and one new call.
    let mut row_a = live_a.clone();
    row_a.call_id = "1700000000.1".into();
    let mut row_b = live_b.clone();
    row_b.call_id = "1700000100.8".into();
    let mut row_b_leg = live_b.clone();
    row_b_leg.uniqueid = "1700000100.9".into();
    let new_call = inbound(
        "1700000200.3",
        "07700900123",
        Outcome::Missed,
        DAY0 + 2 * HOUR,
    );
    let rows = vec![
        cdr(
            row_a,
            Some("in-1001-20261123-0000.wav"),
            "2026-11-23 00:00:00",
        ),
        cdr(row_b, None, "2026-11-23 01:00:00"),
        cdr(
            row_b_leg,
            Some("q-600-20261123-0100.wav"),
            "2026-11-23 01:00:00",
        ),
        cdr(
            new_call.clone(),
            Some("in-20261123-0200.wav"),
            "2026-11-23 02:00:00",
        ),
    ];
    let report = store
        .import_cdr("pbx.local", rows.clone(), |_| {})
        .wait()
        .expect("import");
    assert_eq!(report.total, 4, "every row was handled");
    assert_eq!(report.inserted, 1, "only the call AMI never saw is added");
    assert_eq!(
        report.merged, 3,
        "rows of calls already recorded live are merged (by call_id, uniqueid, call_id)"
    );
    assert_eq!(
        report.recordings_added, 2,
        "the two merged rows with a recording file gave it to their call"
    );
    assert_eq!(
        store.count_calls().wait().expect("count"),
        3,
        "two live calls plus one imported, no duplicates"
    );

    let a = store
        .get_call("1700000000.1")
        .wait()
        .expect("read")
        .expect("live call a");
    assert_eq!(
        a.source,
        CallSource::Ami,
        "a merged call stays a live-recorded call"
    );
    assert_eq!(
        a.recording_file.as_deref(),
        Some("in-1001-20261123-0000.wav"),
        "the CDR filled in the recording"
    );
    assert_eq!(
        a.record, live_a,
        "merging does not overwrite what AMI recorded"
    );
    let b = store
        .get_call("1700000100.7")
        .wait()
        .expect("read")
        .expect("live call b");
    assert_eq!(
        b.recording_file.as_deref(),
        Some("q-600-20261123-0100.wav"),
        "the second leg's recording is kept"
    );
    let n = store
        .get_call("1700000200.3")
        .wait()
        .expect("read")
        .expect("imported call");
    assert_eq!(
        n.source,
        CallSource::Cdr,
        "an imported call says where it came from"
    );
    assert_eq!(
        n.record, new_call,
        "the imported call is stored as the connector gave it"
    );
    let json = serde_json::to_value(&n).expect("serialize");
    assert_eq!(json["source"], "cdr", "the IPC field is `source`: {json}");
    assert_eq!(
        json["recordingFile"], "in-20261123-0200.wav",
        "the IPC field is `recordingFile`: {json}"
    );

    // The same rows again: nothing changes.
    let again = store
        .import_cdr("pbx.local", rows, |_| {})
        .wait()
        .expect("import again");
    assert_eq!(
        (again.inserted, again.merged, again.recordings_added),
        (0, 4, 0),
        "re-importing is a no-op"
    );
    assert_eq!(
        store.count_calls().wait().expect("count"),
        3,
        "still three calls after importing the same rows twice"
    );
}

#[test]
fn a_merged_row_never_replaces_a_recording_already_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let call = inbound("c1", "0207946000", Outcome::Answered, DAY0);
    store
        .import_cdr(
            "pbx",
            vec![cdr(call.clone(), Some("first.wav"), "2026-11-23 00:00:00")],
            |_| {},
        )
        .wait()
        .expect("i");
    let report = store
        .import_cdr(
            "pbx",
            vec![cdr(call, Some("other.wav"), "2026-11-23 00:00:00")],
            |_| {},
        )
        .wait()
        .expect("i");
    assert_eq!(
        (report.merged, report.recordings_added),
        (1, 0),
        "a call that has a recording keeps it"
    );
    let got = store.get_call("c1").wait().expect("read").expect("stored");
    assert_eq!(
        got.recording_file.as_deref(),
        Some("first.wav"),
        "the first recording file stays"
    );
}

#[test]
fn the_cursor_advances_per_batch_and_survives_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("h.db");
    let store = open(&path);
    assert!(
        store
            .cdr_cursor("pbx.local")
            .wait()
            .expect("cursor")
            .is_none(),
        "no cursor before the first import"
    );
    let total = CDR_BATCH * 2 + 17;
    let rows: Vec<ImportedCall> = (0..total)
        .map(|i| {
            let mut rec = inbound(
                &format!("1700000000.{i}"),
                "0207946000",
                Outcome::Answered,
                DAY0 + i as i64 * 1000,
            );
            rec.uniqueid = rec.call_id.clone();
            cdr(rec, None, &calldate(i))
        })
        .collect();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let report = store
        .import_cdr("pbx.local", rows, move |p| {
            sink.lock().expect("progress lock").push((p.done, p.total))
        })
        .wait()
        .expect("import");
    assert_eq!(report.inserted, total, "every row is new");
    let seen = seen.lock().expect("progress lock").clone();
    assert_eq!(
        seen,
        [(CDR_BATCH, total), (2 * CDR_BATCH, total), (total, total)],
        "progress is reported after each committed batch"
    );
    let cursor = report.cursor.expect("the report carries the cursor");
    assert_eq!(
        cursor.calldate,
        calldate(total - 1),
        "the cursor is at the last row's calldate"
    );
    assert_eq!(
        cursor.uniqueid,
        format!("1700000000.{}", total - 1),
        "and its uniqueid"
    );

    // Rows older than the cursor (an overlapping fetch) do not move it back.
    let old = inbound("1699999999.1", "0207946000", Outcome::Answered, DAY0 - HOUR);
    store
        .import_cdr(
            "pbx.local",
            vec![cdr(old, None, "2026-11-22 23:00:00")],
            |_| {},
        )
        .wait()
        .expect("import old");
    drop(store);

    let store = open(&path);
    let reread = store
        .cdr_cursor("pbx.local")
        .wait()
        .expect("cursor")
        .expect("the cursor is stored");
    assert_eq!(
        (reread.calldate, reread.uniqueid),
        (cursor.calldate, cursor.uniqueid),
        "it survives reopening and never goes back"
    );
    assert!(
        store
            .cdr_cursor("other-pbx")
            .wait()
            .expect("cursor")
            .is_none(),
        "each source has its own cursor"
    );
}

#[test]
fn a_failing_batch_keeps_every_batch_before_it_and_all_history() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("h.db");
    let store = open(&path);
    let live: Vec<CallRecord> = (0..50)
        .map(|i| {
            inbound(
                &format!("live-{i}"),
                "0207946000",
                Outcome::Missed,
                DAY0 - HOUR + i,
            )
        })
        .collect();
    store.record_calls(live).wait().expect("record live calls");
    // The real failure a row can meet in SQLite, injected into row 2 of
    // batch 3 from outside the store (as a full disk or a broken constraint
    // would strike).
    let poison = 2 * CDR_BATCH + 1;
    Connection::open(&path)
        .expect("second connection")
        .execute_batch(&format!(
            "CREATE TRIGGER poison BEFORE INSERT ON calls WHEN new.call_id = 'cdr-{poison}'
             BEGIN SELECT RAISE(ABORT, 'constraint violated by row {poison}'); END;"
        ))
        .expect("install the failing constraint");
    let rows: Vec<ImportedCall> = (0..CDR_BATCH * 4)
        .map(|i| {
            cdr(
                inbound(
                    &format!("cdr-{i}"),
                    "07700900123",
                    Outcome::Answered,
                    DAY0 + i as i64,
                ),
                None,
                &calldate(i),
            )
        })
        .collect();
    let progress = Arc::new(Mutex::new(Vec::new()));
    let sink = progress.clone();
    let err = store
        .import_cdr("pbx", rows, move |p| {
            sink.lock().expect("lock").push(p.done)
        })
        .wait()
        .expect_err("the poisoned row stops the import");
    assert!(
        err.to_string().contains("constraint violated"),
        "the error says what failed: {err}"
    );
    assert_eq!(
        *progress.lock().expect("lock"),
        [CDR_BATCH, 2 * CDR_BATCH],
        "two batches committed before the failure; no progress after it"
    );
    assert_eq!(
        store.count_calls().wait().expect("count"),
        50 + 2 * CDR_BATCH as u64,
        "live history plus both batches"
    );
    assert!(
        store.get_call("cdr-2000").wait().expect("read").is_none(),
        "nothing of the failed batch was written"
    );
    let cursor = store
        .cdr_cursor("pbx")
        .wait()
        .expect("cursor")
        .expect("the committed batches moved the cursor");
    assert_eq!(
        cursor.calldate,
        calldate(2 * CDR_BATCH - 1),
        "the cursor is at the end of the last committed batch"
    );
    assert_eq!(
        store
            .missed_calls(0, true, None, 100)
            .wait()
            .expect("missed")
            .len(),
        50,
        "the live history is intact"
    );

    // Once the cause is gone, the same import resumes without duplicates.
    Connection::open(&path)
        .expect("connection")
        .execute_batch("DROP TRIGGER poison")
        .expect("drop trigger");
    let rows: Vec<ImportedCall> = (0..CDR_BATCH * 4)
        .map(|i| {
            cdr(
                inbound(
                    &format!("cdr-{i}"),
                    "07700900123",
                    Outcome::Answered,
                    DAY0 + i as i64,
                ),
                None,
                &calldate(i),
            )
        })
        .collect();
    let report = store
        .import_cdr("pbx", rows, |_| {})
        .wait()
        .expect("resume");
    assert_eq!(
        (report.merged, report.inserted),
        (2 * CDR_BATCH, 2 * CDR_BATCH),
        "the committed half is recognized"
    );
    assert_eq!(
        store.count_calls().wait().expect("count"),
        50 + 4 * CDR_BATCH as u64,
        "every row exactly once"
    );
}

#[test]
fn imported_calls_appear_in_missed_calls_search_and_the_popup() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let mut missed = inbound("m1", "0207946000", Outcome::Missed, DAY0 + HOUR);
    missed.remote_name = Some("Núñez Plumbing".into());
    let rows = vec![
        cdr(missed, None, "2026-11-23 01:00:00"),
        cdr(
            inbound("a1", "07700900123", Outcome::Answered, DAY0 + 2 * HOUR),
            None,
            "2026-11-23 02:00:00",
        ),
    ];
    store
        .import_cdr("pbx", rows, |_| {})
        .wait()
        .expect("import");
    let list = store
        .missed_calls(DAY0, false, None, 10)
        .wait()
        .expect("missed");
    assert_eq!(
        list.iter()
            .map(|c| c.record.call_id.as_str())
            .collect::<Vec<_>>(),
        ["m1"],
        "an imported missed call is on the list"
    );
    let by_name = store
        .search_calls(CallQuery {
            text: Some("nunez".into()),
            ..Default::default()
        })
        .wait()
        .expect("s");
    assert_eq!(
        by_name.len(),
        1,
        "an imported call is found by name before the indexer ran"
    );
    store.finish_indexing().wait().expect("index");
    let by_number = store
        .search_calls(CallQuery {
            text: Some("7946 000".into()),
            ..Default::default()
        })
        .wait()
        .expect("s");
    assert_eq!(by_number.len(), 1, "and by number once indexed");
    let popup = store
        .lookup_caller("+44 20 7946 000", DAY0, 5)
        .wait()
        .expect("lookup");
    assert_eq!(
        popup.recent_calls.len(),
        1,
        "the popup shows imported calls from the caller"
    );

    // A live answered call back, recorded after the import, clears it.
    store
        .record_call(outbound(
            "o1",
            "020 7946 000",
            Outcome::Answered,
            DAY0 + 3 * HOUR,
        ))
        .wait()
        .expect("record");
    assert!(
        store
            .missed_calls(DAY0, false, None, 10)
            .wait()
            .expect("missed")
            .is_empty(),
        "the imported missed call was called back"
    );
}

#[test]
fn rows_without_a_call_id_are_skipped_and_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let mut blank = inbound("", "0207946000", Outcome::Answered, DAY0);
    blank.uniqueid = String::new();
    let rows = vec![
        cdr(
            inbound("ok-1", "0207946000", Outcome::Answered, DAY0),
            None,
            "2026-11-23 00:00:00",
        ),
        cdr(blank, None, "2026-11-23 00:00:05"),
    ];
    let report = store
        .import_cdr("pbx", rows, |_| {})
        .wait()
        .expect("import");
    assert_eq!(report.inserted, 1, "the good row is imported");
    assert_eq!(
        report.skipped.len(),
        1,
        "the row without an id is skipped, not fatal"
    );
    assert_eq!(
        report.skipped[0].line, 2,
        "the skipped row is named by its position"
    );
    assert_eq!(
        report.cursor.map(|c| c.calldate).as_deref(),
        Some("2026-11-23 00:00:05"),
        "the cursor covers the skipped row, so it is not fetched forever"
    );
    let empty = store
        .import_cdr("pbx", Vec::new(), |_| panic!("no batch, no progress"))
        .wait()
        .expect("empty import");
    assert_eq!(empty.total, 0, "an empty import does nothing");
    assert!(
        empty.cursor.is_some(),
        "and reports the cursor as it stands"
    );
}

#[test]
fn a_live_call_recorded_during_an_import_is_written_between_its_batches() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config =
        ringside_store::StoreConfig::new(common::uk()).with_path(dir.path().join("h.db"));
    config.cdr_batch = 100;
    let store = ringside_store::HistoryStore::open(config).expect("open");
    let rows: Vec<ImportedCall> = (0..1_000)
        .map(|i| {
            cdr(
                inbound(
                    &format!("cdr-{i}"),
                    "07700900123",
                    Outcome::Answered,
                    DAY0 + i as i64,
                ),
                None,
                &calldate(i),
            )
        })
        .collect();
    // The first batch's progress call holds the writer until the live call
    // is queued, so the order of the queue is known.
    let (queued_tx, queued_rx) = std::sync::mpsc::channel::<()>();
    let seen_at_second_batch = Arc::new(Mutex::new(None));
    let seen = seen_at_second_batch.clone();
    let probe = store.clone();
    let import = store.import_cdr("pbx", rows, move |p| {
        if p.done == 100 {
            queued_rx.recv().expect("the test queues the live call");
        } else if p.done == 200 {
            // Runs on the writer; the lookup runs on a reader thread.
            let live = probe.get_call("live-1").wait().expect("read during import");
            *seen.lock().expect("lock") = Some(live.is_some());
        }
    });
    let live = store.record_call(inbound(
        "live-1",
        "0207946000",
        Outcome::Missed,
        DAY0 + HOUR,
    ));
    queued_tx.send(()).expect("release the first batch");
    live.wait()
        .expect("the live call is recorded while the import runs");
    let report = import.wait().expect("import");
    assert_eq!(report.inserted, 1_000, "the import completes");
    assert_eq!(
        *seen_at_second_batch.lock().expect("lock"),
        Some(true),
        "the live call was committed before the import's second batch, not after the whole import"
    );
}
