//! Schema migrations and refusing files the store must not touch.

mod common;

use std::fs;

use common::{open, uk, DAY0};
use ringside_calls::Outcome;
use ringside_store::schema::{create_at_version, file_version};
use ringside_store::{
    CallSource, HistoryStore, ImportedCall, SmsDirection, SmsRecord, SmsStatus, StoreConfig,
    StoreError, LATEST_VERSION,
};
use rusqlite::Connection;

#[test]
fn empty_and_zero_byte_files_get_the_latest_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh = dir.path().join("nested/dir/history.db");
    drop(open(&fresh));
    assert_eq!(
        file_version(&fresh).ok(),
        Some(LATEST_VERSION),
        "a new file must be created at the latest schema"
    );

    let zero = dir.path().join("zero.db");
    fs::write(&zero, b"").expect("write empty file");
    drop(open(&zero));
    assert_eq!(
        file_version(&zero).ok(),
        Some(LATEST_VERSION),
        "an empty file is a new database, not a corrupt one"
    );
}

#[test]
fn every_earlier_schema_upgrades_in_place_keeping_data() {
    for from in 0..LATEST_VERSION {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("history.db");
        create_at_version(&path, from).expect("an older schema can be built");
        assert_eq!(
            file_version(&path).ok(),
            Some(from),
            "the file must really be at schema {from}"
        );
        if from >= 1 {
            // Data in the older schema's tables (for schema 1, without the
            // search index that schema 2 backfills).
            let conn = Connection::open(&path).expect("open old file");
            // Schema 2's triggers call the function the store registers.
            conn.create_scalar_function(
                "ringside_fold",
                1,
                rusqlite::functions::FunctionFlags::SQLITE_UTF8,
                |ctx| {
                    Ok(ctx
                        .get::<Option<String>>(0)?
                        .map(|s| ringside_store::text::fold(&s)))
                },
            )
            .expect("register fold");
            conn.execute_batch(
                "INSERT INTO calls (call_id, uniqueid, direction, remote_num, remote_norm, remote_name, rang,
                                    transfers, outcome, started_at_ms, ended_at_ms)
                 VALUES ('old-1', 'u1', 'inbound', '0207946000', '+44207946000', 'José Núñez', '[\"1001\"]', '[]',
                         'missed', 1795392000000, 1795392060000),
                        ('old-2', 'u2', 'outbound', '020 7946 000', '+44207946000', NULL, '[]', '[]',
                         'answered', 1795395600000, 1795395660000);
                 INSERT INTO contacts (id, name, company, created_at_ms, updated_at_ms)
                 VALUES (7, 'Zoë Müller', 'Ångström Ltd', 1, 1);
                 INSERT INTO contact_numbers (contact_id, position, label, number, norm)
                 VALUES (7, 0, 'Work', '+44 20 7946 000', '+44207946000');
                 INSERT INTO notes (call_id, body, created_at_ms) VALUES ('old-1', 'wants a quote for the boiler', 5);",
            )
            .expect("schema-1 data inserts");
            if from >= 2 {
                // What schema 2's store wrote when the call back was recorded.
                conn.execute_batch(
                    "UPDATE calls SET called_back_at_ms = 1795395600000, called_back_by = 'old-2' WHERE call_id = 'old-1';
                     INSERT INTO contacts_fts (rowid, num, name) VALUES (7, '^44207946000', 'zoe muller angstrom ltd');",
                )
                .expect("schema-2 called-back mark and contact index row");
            }
        }
        let store = open(&path);
        assert_eq!(
            file_version(&path).ok(),
            Some(LATEST_VERSION),
            "schema {from} must be upgraded to the latest"
        );
        if from >= 1 {
            let call = store
                .get_call("old-1")
                .wait()
                .expect("read")
                .expect("old call survives the upgrade");
            assert_eq!(
                call.record.remote_name.as_deref(),
                Some("José Núñez"),
                "old call data survives intact"
            );
            assert_eq!(
                call.notes.len(),
                1,
                "the old note is still attached to its call"
            );
            let back = call
                .called_back
                .expect("the upgrade marks a missed call that was called back later");
            assert_eq!(
                back.by_call_id, "old-2",
                "called back by the later answered outbound call"
            );
            let hits = store.search_calls(ringside_store::CallQuery {
                text: Some("jose".into()),
                ..Default::default()
            });
            let hits = hits.wait().expect("search");
            assert_eq!(
                hits.len(),
                1,
                "old rows are backfilled into the search index (accent-insensitive)"
            );
            let by_note = store.search_calls(ringside_store::CallQuery {
                text: Some("BOILER".into()),
                ..Default::default()
            });
            assert_eq!(
                by_note.wait().expect("search").len(),
                1,
                "old notes are searchable after the upgrade"
            );
            let contacts = store
                .search_contacts("angstrom", 10)
                .wait()
                .expect("search contacts");
            assert_eq!(
                contacts.first().map(|c| c.id),
                Some(7),
                "old contacts are searchable by company"
            );
            let popup = store
                .lookup_caller("0207946000", DAY0, 5)
                .wait()
                .expect("lookup");
            assert_eq!(
                popup.contact.map(|c| c.id),
                Some(7),
                "old contact numbers still match callers"
            );
            assert_eq!(
                popup.recent_calls.len(),
                2,
                "both old calls show in the popup"
            );
            assert_eq!(
                popup.recent_calls[0].record.outcome,
                Outcome::Answered,
                "newest first"
            );
            assert!(
                popup
                    .recent_calls
                    .iter()
                    .all(|c| c.source == CallSource::Ami && c.recording_file.is_none()),
                "calls from before schema 4 were all recorded live and have no recording file"
            );
            assert!(
                popup.recent_sms.is_empty(),
                "an upgraded file has no texts yet"
            );
        }
    }
}

#[test]
fn schema_3_upgrades_to_4_and_its_calls_take_part_in_cdr_import() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.db");
    create_at_version(&path, 3).expect("a schema-3 file can be built");
    let conn = Connection::open(&path).expect("open old file");
    conn.execute_batch(
        "INSERT INTO calls (call_id, uniqueid, direction, remote_num, remote_norm, remote_name, rang, transfers,
                            outcome, started_at_ms, ended_at_ms)
         VALUES ('1795392000.5', '1795392000.6', 'inbound', '0207946000', '+44207946000', 'Old Caller', '[]', '[]',
                 'missed', 1795392000000, 1795392060000);",
    )
    .expect("schema-3 call inserts");
    drop(conn);

    let store = open(&path);
    assert_eq!(
        file_version(&path).ok(),
        Some(LATEST_VERSION),
        "schema 3 is upgraded through 4 to the latest"
    );
    let old = store
        .get_call("1795392000.5")
        .wait()
        .expect("read")
        .expect("the old call survives");
    assert_eq!(
        old.record.remote_name.as_deref(),
        Some("Old Caller"),
        "its data is intact"
    );
    assert_eq!(
        old.source,
        CallSource::Ami,
        "an old row counts as recorded live"
    );
    assert_eq!(
        old.record.queue, None,
        "a call recorded before schema 5 has no queue wait"
    );
    assert!(
        store.cdr_cursor("pbx").wait().expect("cursor").is_none(),
        "no import has run on the old file"
    );

    // The PBX's record of the same call, found by the old row's uniqueid.
    let mut record = old.record.clone();
    record.call_id = "1795392000.6".into();
    let row = ImportedCall {
        record,
        recording_file: Some("in-0207946000.wav".into()),
        pbx_calldate: "2026-11-23 00:00:00".into(),
    };
    let report = store
        .import_cdr("pbx", vec![row], |_| {})
        .wait()
        .expect("import");
    assert_eq!(
        (report.inserted, report.merged),
        (0, 1),
        "the pre-upgrade call is matched by its uniqueid"
    );
    let merged = store
        .get_call("1795392000.5")
        .wait()
        .expect("read")
        .expect("still there");
    assert_eq!(
        merged.recording_file.as_deref(),
        Some("in-0207946000.wav"),
        "the old call gains its recording"
    );

    store
        .record_sms(SmsRecord {
            id: "gw-1".into(),
            direction: SmsDirection::Incoming,
            number: "0207946000".into(),
            span: Some(1),
            text: "called you earlier".into(),
            raw: None,
            at_ms: 1_795_392_100_000,
            status: SmsStatus::Received,
            error: None,
        })
        .wait()
        .expect("the new sms table takes texts");
    let popup = store
        .lookup_caller("+44 20 7946 000", DAY0, 5)
        .wait()
        .expect("lookup");
    assert_eq!(
        popup.recent_sms.len(),
        1,
        "the popup shows the text beside the old call"
    );
}

fn assert_untouched(path: &std::path::Path, before: &[u8], what: &str) {
    let after = fs::read(path).expect("file still there");
    assert!(
        after == before,
        "{what}: the file must be left byte-identical"
    );
    let wal = path.with_extension("db-wal");
    assert!(
        !wal.exists() || fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) == 0,
        "{what}: no WAL content written"
    );
}

#[test]
fn newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.db");
    drop(open(&path));
    let conn = Connection::open(&path).expect("open");
    conn.pragma_update(None, "user_version", 7)
        .expect("bump version");
    conn.pragma_update(None, "journal_mode", "DELETE")
        .expect("leave WAL so the header is current");
    drop(conn);
    let before = fs::read(&path).expect("read file");

    let err = HistoryStore::open(StoreConfig::new(uk()).with_path(&path))
        .expect_err("a newer schema must be refused");
    assert!(
        matches!(err, StoreError::NewerSchema { found: 7, .. }),
        "the error says which schema: {err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&path.display().to_string())
            && msg.contains(&format!(
                "schema 7, this version understands {LATEST_VERSION}"
            )),
        "the message names the file and both versions: {msg}"
    );
    assert_untouched(&path, &before, "newer schema");
}

#[test]
fn newer_schema_in_wal_mode_is_refused_before_any_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.db");
    drop(open(&path));
    let conn = Connection::open(&path).expect("open");
    conn.pragma_update(None, "user_version", 9)
        .expect("bump version");
    drop(conn); // checkpointed on close; file stays in WAL mode
    let before = fs::read(&path).expect("read file");
    let err = HistoryStore::open(StoreConfig::new(uk()).with_path(&path)).expect_err("refused");
    assert_eq!(
        err.code(),
        "newer_schema",
        "a WAL-mode newer file is refused too: {err}"
    );
    assert_untouched(&path, &before, "newer schema in WAL mode");
}

#[test]
fn garbage_file_is_reported_corrupt_and_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.db");
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(&path, &garbage).expect("write garbage");
    let err = HistoryStore::open(StoreConfig::new(uk()).with_path(&path))
        .expect_err("garbage must be refused");
    assert_eq!(
        err.code(),
        "corrupt",
        "garbage reads as a damaged file: {err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{} is not a valid Ringside history database (file is damaged). Move it aside to start a new history.",
            path.display()
        ),
        "the message names the file"
    );
    assert_untouched(&path, &garbage, "corrupt file");
}

#[test]
fn damaged_pages_after_a_valid_header_are_reported_corrupt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.db");
    drop(open(&path));
    let conn = Connection::open(&path).expect("open");
    conn.pragma_update(None, "journal_mode", "DELETE")
        .expect("fold WAL into the file");
    drop(conn);
    let mut bytes = fs::read(&path).expect("read");
    let page = 4096;
    assert!(bytes.len() > page * 2, "the schema spans several pages");
    for b in &mut bytes[page..] {
        *b = 0xA5; // every page but the header page is smashed
    }
    fs::write(&path, &bytes).expect("write damaged file");
    let err = HistoryStore::open(StoreConfig::new(uk()).with_path(&path))
        .expect_err("damaged pages must be refused");
    assert_eq!(
        err.code(),
        "corrupt",
        "damaged pages read as a damaged file: {err:?}"
    );
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "the message names the file: {err}"
    );
}

#[test]
fn read_only_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.db");
    drop(open(&path));
    // The read-only flag rather than Unix mode bits: the same test runs on Windows.
    let writable = fs::metadata(&path).expect("metadata").permissions();
    let mut read_only = writable.clone();
    read_only.set_readonly(true);
    fs::set_permissions(&path, read_only).expect("make the file read-only");
    let before = fs::read(&path).expect("read");
    let err = HistoryStore::open(StoreConfig::new(uk()).with_path(&path))
        .expect_err("read-only must be refused");
    assert_eq!(err.code(), "read_only", "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("{} is read-only", path.display())),
        "the message names the file: {err}"
    );
    assert_untouched(&path, &before, "read-only file");
    // Windows refuses to delete a read-only file: the temp dir is given back as it was.
    fs::set_permissions(&path, writable).expect("make the file writable again");
}
