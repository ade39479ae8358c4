//! Calls, notes, the missed-call list, the popup lookup, search and retention.

mod common;

use common::{inbound, open, outbound, DAY0, HOUR};
use ringside_calls::{Outcome, QueueWait, Transfer, TransferKind, WaitEnd};
use ringside_store::{
    CallQuery, ContactFields, ContactNumber, MissedCursor, NoteTarget, Retention,
};

#[test]
fn a_call_round_trips_with_rang_and_transfers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let mut rec = inbound("1700000000.1", "+44 20 7946 000", Outcome::Answered, DAY0);
    rec.remote_name = Some("José \"Pepe\" Núñez <b>".into());
    rec.rang = vec!["1001".into(), "1002".into(), "1003".into()];
    rec.transfers = vec![
        Transfer {
            by: Some("1001".into()),
            to: "1002".into(),
            kind: TransferKind::Attended,
            at_ms: DAY0 + 9_000,
        },
        Transfer {
            by: None,
            to: "+44 7700 900123".into(),
            kind: TransferKind::Blind,
            at_ms: DAY0 + 20_000,
        },
    ];
    rec.ended_offline = true;
    store.record_call(rec.clone()).wait().expect("record");
    let got = store
        .get_call(&rec.call_id)
        .wait()
        .expect("read")
        .expect("the call was stored");
    assert_eq!(
        got.record, rec,
        "every field of the CallRecord must come back unchanged"
    );
    assert_eq!(
        got.remote_normalized.as_deref(),
        Some("+44207946000"),
        "the normalized number is stored alongside"
    );
}

#[test]
fn the_missed_list_is_read_a_page_at_a_time_each_call_once_even_when_two_share_a_millisecond() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    // Seven missed calls, newest last; m3 and m4 start in the same millisecond,
    // and an answered call between them is not on the list.
    let starts = [0, 1_000, 2_000, 3_000, 3_000, 4_000, 5_000];
    for (i, at) in starts.iter().enumerate() {
        let rec = inbound(&format!("m{i}"), "+12015550111", Outcome::Missed, DAY0 + at);
        store.record_call(rec).wait().expect("record");
    }
    store
        .record_call(inbound(
            "a",
            "+12015550122",
            Outcome::Answered,
            DAY0 + 2_500,
        ))
        .wait()
        .expect("record");
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .missed_calls(DAY0, true, before.clone(), 3)
            .wait()
            .expect("page");
        seen.extend(page.iter().map(|c| c.record.call_id.clone()));
        match page.last() {
            Some(last) if page.len() == 3 => before = Some(MissedCursor::after(last)),
            _ => break,
        }
    }
    assert_eq!(
        seen,
        ["m6", "m5", "m4", "m3", "m2", "m1", "m0"],
        "newest first, every missed call once, the tie in its place"
    );
}

#[test]
fn a_caller_who_gave_up_in_a_queue_is_missed_with_the_queue_and_the_wait() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let mut rec = inbound("q1", "+12015550111", Outcome::Abandoned, DAY0);
    rec.did = Some("5550800".into());
    rec.queue = Some(QueueWait {
        queue: "support".into(),
        position: Some(2),
        end: WaitEnd::Abandoned,
        waited_ms: 70_000,
    });
    store.record_call(rec.clone()).wait().expect("record");
    let missed = store
        .missed_calls(DAY0 - HOUR, false, None, 10)
        .wait()
        .expect("missed");
    assert_eq!(missed.len(), 1, "a caller who gave up is a missed call");
    assert_eq!(
        missed[0].record.queue, rec.queue,
        "the missed list knows the queue and how long the caller waited"
    );
    // Writing the call again without its wait (a CDR import of the same
    // call knows no queue) keeps the wait the live tracker saw.
    let mut again = rec.clone();
    again.queue = None;
    store.record_call(again).wait().expect("record again");
    let got = store.get_call("q1").wait().expect("read").expect("stored");
    assert_eq!(got.record.queue, rec.queue, "the queue wait is kept");
}

#[test]
fn writing_the_same_call_twice_updates_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let first = inbound("c1", "0207946000", Outcome::Missed, DAY0);
    store.record_call(first.clone()).wait().expect("record");
    let mut resynced = first.clone();
    resynced.outcome = Outcome::AnsweredElsewhere;
    resynced.answered_by = Some("1005".into());
    store
        .record_calls(vec![resynced.clone(), resynced.clone()])
        .wait()
        .expect("record again");
    assert_eq!(
        store.count_calls().wait().expect("count"),
        1,
        "a resync must update the row, never add one"
    );
    let got = store.get_call("c1").wait().expect("read").expect("stored");
    assert_eq!(got.record, resynced, "the later write wins");
    let hits = store
        .search_calls(CallQuery {
            text: Some("7946".into()),
            ..Default::default()
        })
        .wait()
        .expect("search");
    assert_eq!(
        hits.len(),
        1,
        "the search index holds the call once after an update"
    );
    store.finish_indexing().wait().expect("index");
    resynced.remote_name = Some("Renamed Caller".into());
    store
        .record_call(resynced)
        .wait()
        .expect("record after indexing");
    let by_name = store.search_calls(CallQuery {
        text: Some("renamed".into()),
        ..Default::default()
    });
    assert_eq!(
        by_name.wait().expect("search").len(),
        1,
        "an indexed call is re-indexed when its name changes"
    );
    let hits = store
        .search_calls(CallQuery {
            text: Some("7946".into()),
            ..Default::default()
        })
        .wait()
        .expect("search");
    assert_eq!(hits.len(), 1, "re-indexing does not duplicate the call");
}

#[test]
fn popup_lookup_matches_any_number_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let contact = store
        .create_contact(
            ContactFields {
                name: "Acme Plumbing".into(),
                company: Some("Acme".into()),
                numbers: vec![ContactNumber::labeled("Work", "+44 20 7946 000")],
                crm_url: Some("https://crm.example/acme".into()),
                ..Default::default()
            },
            DAY0,
        )
        .wait()
        .expect("create contact");
    // Yesterday, then three times today, one of them with a live note.
    let calls = vec![
        inbound("y1", "0044 20 7946 000", Outcome::Answered, DAY0 - 5 * HOUR),
        inbound("t1", "0207946000", Outcome::Missed, DAY0 + HOUR),
        inbound("t2", "(020) 7946-000", Outcome::Answered, DAY0 + 2 * HOUR),
        inbound("t3", "+44207946000", Outcome::Voicemail, DAY0 + 3 * HOUR),
        inbound("other", "0207946999", Outcome::Answered, DAY0 + 4 * HOUR),
    ];
    // A note written while t2 was ringing, before its record exists.
    store
        .add_note(
            NoteTarget::Call("t2".into()),
            "asked for a call back on Friday",
            DAY0 + 2 * HOUR + 1,
        )
        .wait()
        .expect("note");
    store
        .add_note(
            NoteTarget::Number("020 7946 000".into()),
            "prefers e-mail",
            DAY0,
        )
        .wait()
        .expect("number note");
    store.record_calls(calls).wait().expect("record");

    let ctx = store
        .lookup_caller("0207946000", DAY0, 5)
        .wait()
        .expect("lookup");
    assert_eq!(
        ctx.number.as_deref(),
        Some("+44207946000"),
        "the number is normalized"
    );
    assert_eq!(
        ctx.contact.map(|c| c.id),
        Some(contact.id),
        "0207946000 finds the contact saved as +44 20 7946 000"
    );
    assert_eq!(
        ctx.calls_today, 3,
        "three calls from this number started today"
    );
    let ids: Vec<&str> = ctx
        .recent_calls
        .iter()
        .map(|c| c.record.call_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["t3", "t2", "t1", "y1"],
        "the number's calls, newest first, not other numbers'"
    );
    assert_eq!(
        ctx.recent_calls[1].notes.len(),
        1,
        "the note written during the live call is attached to it"
    );
    assert_eq!(
        ctx.number_notes.len(),
        1,
        "notes on the number come with the popup"
    );

    let limited = store
        .lookup_caller("+44 20 7946 000", DAY0, 2)
        .wait()
        .expect("lookup");
    assert_eq!(limited.recent_calls.len(), 2, "at most N recent calls");
    let anonymous = store
        .lookup_caller("anonymous", DAY0, 5)
        .wait()
        .expect("lookup");
    assert!(
        anonymous.contact.is_none() && anonymous.recent_calls.is_empty(),
        "an anonymous caller matches nothing"
    );
}

#[test]
fn answered_outbound_call_marks_missed_calls_called_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    store
        .record_calls(vec![
            inbound("m1", "0207946000", Outcome::Missed, DAY0 + HOUR),
            inbound("m2", "+44 20 7946 000", Outcome::Abandoned, DAY0 + 2 * HOUR),
            inbound("m3", "0207946111", Outcome::Missed, DAY0 + 2 * HOUR),
        ])
        .wait()
        .expect("record");
    assert_eq!(
        store
            .missed_calls(DAY0, false, None, 50)
            .wait()
            .expect("missed")
            .len(),
        3,
        "three open missed calls"
    );

    store
        .record_call(outbound(
            "o-unanswered",
            "0207946000",
            Outcome::Unanswered,
            DAY0 + 3 * HOUR,
        ))
        .wait()
        .expect("rec");
    assert_eq!(
        store
            .missed_calls(DAY0, false, None, 50)
            .wait()
            .expect("missed")
            .len(),
        3,
        "an outbound call nobody answered did not reach the caller"
    );
    store
        .record_call(outbound(
            "o1",
            "020 7946 000",
            Outcome::Answered,
            DAY0 + 4 * HOUR,
        ))
        .wait()
        .expect("rec");
    let open_missed = store
        .missed_calls(DAY0, false, None, 50)
        .wait()
        .expect("missed");
    let ids: Vec<&str> = open_missed
        .iter()
        .map(|c| c.record.call_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["m3"],
        "only the other number's missed call is still open"
    );
    let all = store
        .missed_calls(DAY0, true, None, 50)
        .wait()
        .expect("missed");
    let m1 = all
        .iter()
        .find(|c| c.record.call_id == "m1")
        .expect("m1 still listed with called-back calls");
    let back = m1.called_back.as_ref().expect("m1 is marked");
    assert_eq!(
        (back.by_call_id.as_str(), back.at_ms),
        ("o1", DAY0 + 4 * HOUR),
        "marked by the answered call back"
    );

    // A missed call learned late (resync) that was already called back.
    store
        .record_call(inbound(
            "late",
            "0207946000",
            Outcome::Missed,
            DAY0 + 30 * 60_000,
        ))
        .wait()
        .expect("rec");
    let late = store
        .get_call("late")
        .wait()
        .expect("read")
        .expect("stored");
    assert!(
        late.called_back.is_some(),
        "a late-recorded missed call sees the call back that followed it"
    );
    // A missed call after the call back is open.
    store
        .record_call(inbound(
            "after",
            "0207946000",
            Outcome::Missed,
            DAY0 + 5 * HOUR,
        ))
        .wait()
        .expect("rec");
    let after = store
        .get_call("after")
        .wait()
        .expect("read")
        .expect("stored");
    assert!(
        after.called_back.is_none(),
        "a call back before a missed call does not answer it"
    );
}

#[test]
fn search_by_number_name_note_date_and_outcome() {
    let dir = tempfile::tempdir().expect("temp dir");
    // No automatic indexing during the test, so the first pass really
    // searches unindexed calls.
    let config = ringside_store::StoreConfig {
        index_after_idle: std::time::Duration::from_secs(3600),
        ..ringside_store::StoreConfig::new(common::uk()).with_path(dir.path().join("h.db"))
    };
    let store = ringside_store::HistoryStore::open(config).expect("open");
    let mut jose = inbound("c-jose", "0207946000", Outcome::Answered, DAY0 + HOUR);
    jose.remote_name = Some("José Núñez".into());
    let mut muller = inbound(
        "c-muller",
        "+49 30 1234567",
        Outcome::Missed,
        DAY0 + 2 * HOUR,
    );
    muller.remote_name = Some("MÜLLER GmbH".into());
    let old = inbound("c-old", "0207946000", Outcome::Missed, DAY0 - 48 * HOUR);
    let ext = ringside_calls::CallRecord {
        direction: ringside_calls::Direction::Internal,
        ..inbound("c-ext", "1002", Outcome::Answered, DAY0 + 3 * HOUR)
    };
    store
        .record_calls(vec![jose, muller, old, ext])
        .wait()
        .expect("record");
    store
        .add_note(
            NoteTarget::Call("c-muller".into()),
            "Invoice 4471 is overdue",
            DAY0,
        )
        .wait()
        .expect("note");

    // First while the calls are still outside the search index (found by
    // scanning the tail), then once the writer has indexed them.
    for indexed in [false, true] {
        if indexed {
            assert!(
                store.finish_indexing().wait().expect("index") > 0,
                "there were calls to index"
            );
            assert_eq!(
                store.unindexed_calls().wait().expect("count"),
                0,
                "every call is indexed now"
            );
        }
        search_assertions(&store, indexed);
    }
}

fn search_assertions(store: &ringside_store::HistoryStore, indexed: bool) {
    let search = |q: CallQuery| -> Vec<String> {
        let mut ids: Vec<String> = store
            .search_calls(q)
            .wait()
            .expect("search")
            .into_iter()
            .map(|c| c.record.call_id)
            .collect();
        ids.sort();
        ids
    };
    let text = |t: &str| CallQuery {
        text: Some(t.into()),
        ..Default::default()
    };
    assert_eq!(
        search(text("7946 000")),
        ["c-jose", "c-old"],
        "a spaced fragment matches the stored number (indexed: {indexed})"
    );
    assert_eq!(
        search(text("020 7946")),
        ["c-jose", "c-old"],
        "a national-format prefix matches E.164 numbers"
    );
    assert_eq!(
        search(text("+49 30")),
        ["c-muller"],
        "an international prefix matches"
    );
    assert_eq!(
        search(text("0049")),
        ["c-muller"],
        "00 + country code matches"
    );
    assert_eq!(search(text("1002")), ["c-ext"], "extensions are searchable");
    assert_eq!(
        search(text("jose")),
        ["c-jose"],
        "names match without accents (indexed: {indexed})"
    );
    assert_eq!(
        search(text("NÚÑ")),
        ["c-jose"],
        "names match in any case, accents or not"
    );
    assert_eq!(search(text("muller")), ["c-muller"], "umlauts fold");
    assert_eq!(
        search(text("mü")),
        ["c-muller"],
        "short fragments fall back to a scan (indexed: {indexed})"
    );
    assert_eq!(
        search(text("overdue")),
        ["c-muller"],
        "note text finds its call"
    );
    assert_eq!(
        search(text("zebra")),
        Vec::<String>::new(),
        "no false matches"
    );
    let today = CallQuery {
        from_ms: Some(DAY0),
        until_ms: Some(DAY0 + 24 * HOUR),
        ..text("7946")
    };
    assert_eq!(
        search(today),
        ["c-jose"],
        "the date range excludes the old call"
    );
    let missed = CallQuery {
        outcomes: vec![Outcome::Missed],
        ..Default::default()
    };
    assert_eq!(
        search(missed),
        ["c-muller", "c-old"],
        "outcome filter without text"
    );
    let all = store
        .search_calls(CallQuery::default())
        .wait()
        .expect("search");
    let order: Vec<&str> = all.iter().map(|c| c.record.call_id.as_str()).collect();
    assert_eq!(
        order,
        ["c-ext", "c-muller", "c-jose", "c-old"],
        "no text: all calls, newest first"
    );
}

#[test]
fn retention_purges_in_small_batches_by_age_and_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let calls: Vec<_> = (0..1_200)
        .map(|i| {
            inbound(
                &format!("c{i}"),
                "0207946000",
                Outcome::Answered,
                DAY0 + i * 60_000,
            )
        })
        .collect();
    store.record_calls(calls).wait().expect("record");
    store
        .add_note(NoteTarget::Call("c0".into()), "old note", DAY0)
        .wait()
        .expect("note");

    assert_eq!(
        store.purge_blocking(DAY0 + 10 * 24 * HOUR).expect("purge"),
        0,
        "the default keeps everything"
    );

    store.set_retention(Retention {
        max_age_ms: Some(24 * HOUR),
        max_calls: None,
    });
    let first = store
        .purge_step(DAY0 + 24 * HOUR + 100 * 60_000)
        .wait()
        .expect("purge step");
    assert_eq!(
        first, 100,
        "calls older than a day go (the first 100 minutes' worth)"
    );
    store.set_retention(Retention {
        max_age_ms: None,
        max_calls: Some(50),
    });
    let step = store.purge_step(DAY0).wait().expect("purge step");
    assert_eq!(
        step as u32,
        ringside_store::PURGE_BATCH,
        "one step deletes at most one small batch"
    );
    let rest = store.purge_blocking(DAY0).expect("purge");
    assert_eq!(100 + step + rest, 1_150, "all but the newest 50 are gone");
    assert_eq!(
        store.count_calls().wait().expect("count"),
        50,
        "the newest 50 calls are kept"
    );
    assert!(
        store.get_call("c1199").wait().expect("read").is_some(),
        "the newest call is kept"
    );
    let hits = store
        .search_calls(CallQuery {
            text: Some("old note".into()),
            ..Default::default()
        })
        .wait()
        .expect("s");
    assert!(hits.is_empty(), "notes of purged calls go with them");
}

#[tokio::test]
async fn the_async_api_works_from_a_runtime() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = ringside_store::StoreConfig::new(common::uk()).with_path(dir.path().join("h.db"));
    let store = ringside_store::HistoryStore::open_async(config)
        .await
        .expect("open");
    store
        .record_call(inbound("a1", "0207946000", Outcome::Missed, DAY0))
        .await
        .expect("record");
    let ctx = store
        .lookup_caller("+44 20 7946 000", DAY0, 5)
        .await
        .expect("lookup");
    assert_eq!(
        ctx.calls_today, 1,
        "the call recorded through the async API is visible to the popup"
    );
}
