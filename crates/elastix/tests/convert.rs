//! CDR rows to call records: the API document's four example rows, a
//! queue call whose rows share a uniqueid, and outbound and internal calls
//! from generated rows; then the incremental import into a real history
//! store in a temp dir, twice, to show the second run adds nothing.

mod common;

use ringside_calls::{Direction, Outcome};
use ringside_elastix::cdr::parse_cdr_rows;
use ringside_elastix::testserver::{synthetic_cdr_json, CdrSource, SEED_CDRREPORT};
use ringside_elastix::{calls_from_cdr, import_cdr_since_cursor, PbxDateTime, UtcOffset};
use ringside_store::{CallQuery, HistoryStore, NumberPlan, StoreConfig};

/// Turkey was at UTC+2 in December 2015: the seed's uniqueids (Unix
/// seconds at channel creation) match its calldates at that offset.
const TURKEY_2015: UtcOffset = UtcOffset::from_minutes(120);

#[test]
fn the_seed_rows_become_four_inbound_calls_with_the_right_outcomes() {
    let rows = parse_cdr_rows(SEED_CDRREPORT).expect("seed parses");
    let calls = calls_from_cdr(&rows, TURKEY_2015);
    assert_eq!(calls.len(), 4, "four distinct uniqueids are four calls");
    for (c, row) in calls.iter().zip(&rows) {
        let uniqueid_secs: i64 = row
            .uniqueid
            .split('.')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("numeric uniqueid");
        assert_eq!(
            c.record.started_at_ms,
            uniqueid_secs * 1000,
            "calldate at UTC+2 is the uniqueid's epoch second"
        );
        assert_eq!(
            c.pbx_calldate,
            row.calldate.to_string(),
            "the PBX's own calldate text is kept for the cursor"
        );
        assert_eq!(
            c.record.call_id, row.uniqueid,
            "Elastix has no linkedid: the uniqueid is the call id"
        );
        assert!(
            c.record.ended_offline,
            "imported calls were not watched live"
        );
    }

    let ivr = &calls[0].record;
    assert_eq!(
        ivr.direction,
        Direction::Inbound,
        "ivr-4 is where outside calls land"
    );
    assert_eq!(
        ivr.outcome,
        Outcome::Unanswered,
        "answered only by the IVR, no person: unanswered"
    );
    assert_eq!(
        ivr.trunk.as_deref(),
        Some("902422277777"),
        "the trunk is the calling channel's peer"
    );
    assert_eq!(ivr.did.as_deref(), Some("902422277777"), "did as given");
    assert_eq!(
        ivr.ended_at_ms - ivr.started_at_ms,
        41_000,
        "ended after `duration` seconds"
    );

    let direct = &calls[1];
    assert_eq!(
        direct.record.direction,
        Direction::Inbound,
        "from-did-direct is inbound"
    );
    assert_eq!(direct.record.remote_num, "05396666666", "the caller");
    assert_eq!(direct.record.rang, vec!["101".to_owned()], "it rang 101");
    assert_eq!(
        direct.record.answered_by.as_deref(),
        Some("101"),
        "101 answered"
    );
    assert_eq!(
        direct.record.outcome,
        Outcome::Answered,
        "answered with 26 s of talk"
    );
    assert_eq!(
        direct.record.talk_seconds(),
        Some(26),
        "talk time is billsec"
    );
    assert_eq!(
        direct.recording_file.as_deref(),
        Some("exten-101-05396666666-20151205-152659-1449322009.66.wav"),
        "the recording file travels with the call"
    );
    assert_eq!(
        calls[0].recording_file, None,
        "an empty recordingfile is no recording"
    );

    let queue_leg = &calls[3].record;
    assert_eq!(
        queue_leg.direction,
        Direction::Inbound,
        "an outside caller reaching 100 through a queue's Local channel"
    );
    assert_eq!(queue_leg.rang, vec!["100".to_owned()], "100 rang");
    assert_eq!(
        queue_leg.outcome,
        Outcome::Missed,
        "NO ANSWER at a ringing phone is missed"
    );
    assert_eq!(queue_leg.trunk, None, "a Local channel is no trunk");
}

#[test]
fn generated_calls_cover_outbound_internal_and_a_queue_call_split_over_two_rows() {
    let first: PbxDateTime = "2024-03-01 08:00:00".parse().expect("valid");
    let body = synthetic_cdr_json(12, first, None, None, None);
    let rows = parse_cdr_rows(&body).expect("generated rows parse");
    assert_eq!(rows.len(), 12, "exactly the rows asked for");
    let calls = calls_from_cdr(&rows, UtcOffset::UTC);
    assert_eq!(
        calls.len(),
        10,
        "two queue rows share each queue call's uniqueid: 12 rows are 10 calls"
    );

    let out = &calls[1].record;
    assert_eq!(
        out.direction,
        Direction::Outbound,
        "102 dialling out through the trunk"
    );
    assert_eq!(
        out.remote_num.len(),
        11,
        "the remote party is the dialled number"
    );
    assert_eq!(out.from_extension.as_deref(), Some("102"), "placed by 102");
    assert_eq!(
        out.trunk.as_deref(),
        Some("900000000000"),
        "through the SIP trunk"
    );
    assert_eq!(
        (out.outcome, out.answered_by.as_deref()),
        (Outcome::Answered, Some("102")),
        "answered far end"
    );

    let internal = &calls[2].record;
    assert_eq!(internal.direction, Direction::Internal, "101 calling 103");
    assert_eq!(internal.outcome, Outcome::Missed, "103 did not answer");

    let queue = &calls[3].record;
    assert_eq!(
        queue.rang,
        vec!["104".to_owned(), "105".to_owned()],
        "both queue members rang, in row order"
    );
    assert_eq!(queue.answered_by.as_deref(), Some("105"), "105 answered");
    assert_eq!(
        queue.outcome,
        Outcome::Answered,
        "so the queue call was answered"
    );
    assert_eq!(
        queue.ended_at_ms - queue.started_at_ms,
        75_000,
        "ends with its longest row"
    );
    assert_eq!(
        queue.answered_at_ms.map(|a| a - queue.started_at_ms),
        Some(15_000),
        "answered duration - billsec after the start"
    );
}

#[tokio::test]
async fn the_incremental_import_adds_each_call_once_and_resumes_from_the_cursor() {
    let first: PbxDateTime = "2024-03-01 08:00:00".parse().expect("valid");
    let server = ringside_elastix::testserver::TestServer::start(
        ringside_elastix::testserver::TestServerOptions {
            cdr: CdrSource::Synthetic {
                rows: 600,
                first_call: first,
            },
            ..Default::default()
        },
    )
    .await
    .expect("server");
    let client = common::pinned_client(&server);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = HistoryStore::open_async(
        StoreConfig::new(NumberPlan::new("90", "0", "00")).with_path(dir.path().join("h.db")),
    )
    .await
    .expect("store opens");

    let report = import_cdr_since_cursor(&client, &store, "pbx-a", UtcOffset::UTC, |_| {})
        .await
        .expect("first import");
    assert_eq!(
        report.inserted, 500,
        "600 rows are 500 calls (every fifth call has two rows)"
    );
    assert_eq!(report.merged, 0, "nothing was stored before");
    let cursor = store
        .cdr_cursor("pbx-a")
        .await
        .expect("cursor read")
        .expect("the import set a cursor");
    assert_eq!(
        cursor.calldate, "2024-03-01 08:58:13",
        "the cursor is the last call's calldate (call 499 at 7 s apart)"
    );

    server.set_cdr(CdrSource::Synthetic {
        rows: 720,
        first_call: first,
    });
    let report = import_cdr_since_cursor(&client, &store, "pbx-a", UtcOffset::UTC, |_| {})
        .await
        .expect("second import");
    let req = server.requests().pop().expect("request");
    assert!(
        req.form
            .iter()
            .any(|(k, v)| k == "start_date" && v == "2024-03-01 08:58:13"),
        "the second import asks only from the cursor on: {:?}",
        req.form
    );
    assert_eq!(
        report.merged, 1,
        "the call at the cursor's second is fetched again and recognized"
    );
    assert_eq!(report.inserted, 100, "only the 100 new calls are added");
    let all = store
        .search_calls(CallQuery {
            limit: 10_000,
            ..CallQuery::default()
        })
        .await
        .expect("search");
    assert_eq!(all.len(), 600, "each call is stored exactly once");
}
