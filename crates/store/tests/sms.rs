//! Text messages: round trip, idempotent upsert, threads by normalized
//! number, status updates, search and the popup's last texts.

mod common;

use common::{open, DAY0};
use ringside_store::{SmsDirection, SmsRecord, SmsStatus};

fn incoming(id: &str, number: &str, text: &str, at_ms: i64) -> SmsRecord {
    SmsRecord {
        id: id.to_owned(),
        direction: SmsDirection::Incoming,
        number: number.to_owned(),
        span: Some(2),
        text: text.to_owned(),
        raw: Some(format!(
            "Event: ReceivedSMS\r\nSender: {number}\r\nContent: {text}\r\n"
        )),
        at_ms,
        status: SmsStatus::Received,
        error: None,
    }
}

fn outgoing(id: &str, number: &str, text: &str, at_ms: i64) -> SmsRecord {
    SmsRecord {
        direction: SmsDirection::Outgoing,
        status: SmsStatus::Sending,
        raw: None,
        span: None,
        ..incoming(id, number, text, at_ms)
    }
}

#[test]
fn a_text_round_trips_with_every_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let rec = incoming("gw-1", "+44 20 7946 000", "Café at 10? «ok» 👍", DAY0);
    store.record_sms(rec.clone()).wait().expect("record");
    let got = store
        .get_sms("gw-1")
        .wait()
        .expect("read")
        .expect("the text was stored");
    assert_eq!(
        got.record, rec,
        "every field of the SmsRecord, raw event text included, comes back unchanged"
    );
    assert_eq!(
        got.number_normalized.as_deref(),
        Some("+44207946000"),
        "the number is normalized with the plan"
    );
    assert!(
        store.get_sms("gw-2").wait().expect("read").is_none(),
        "an unknown id finds nothing"
    );
}

#[test]
fn recording_the_same_id_again_updates_instead_of_adding() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let rec = incoming("gw-1", "0207946000", "first report", DAY0);
    store.record_sms(rec.clone()).wait().expect("record");
    store
        .record_sms(rec.clone())
        .wait()
        .expect("record the same event again");
    assert_eq!(
        store.count_sms().wait().expect("count"),
        1,
        "a gateway event seen twice is one text"
    );

    // A later report of the same message without the raw text or span.
    let later = SmsRecord {
        raw: None,
        span: None,
        text: "corrected text".into(),
        ..rec.clone()
    };
    store.record_sms(later).wait().expect("record update");
    let got = store.get_sms("gw-1").wait().expect("read").expect("stored");
    assert_eq!(got.record.text, "corrected text", "the later report wins");
    assert_eq!(
        got.record.raw, rec.raw,
        "a report without raw text keeps the raw text already stored"
    );
    assert_eq!(
        got.record.span,
        Some(2),
        "a report without a span keeps the span already stored"
    );
    assert_eq!(
        store.count_sms().wait().expect("count"),
        1,
        "still one text"
    );
    let hits = store.search_sms("corrected", 10).wait().expect("search");
    assert_eq!(
        hits.len(),
        1,
        "the search index follows the update without duplicating the text"
    );
    assert!(
        store
            .search_sms("first report", 10)
            .wait()
            .expect("search")
            .is_empty(),
        "the old text left the index"
    );
}

#[test]
fn a_thread_gathers_every_format_of_the_number_newest_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    store
        .record_sms(incoming("a", "0207946000", "hello", DAY0))
        .wait()
        .expect("record");
    store
        .record_sms(outgoing(
            "b",
            "+44 20 7946 000",
            "hi, how can we help?",
            DAY0 + 60_000,
        ))
        .wait()
        .expect("record");
    store
        .record_sms(incoming(
            "c",
            "0044207946000",
            "boiler broken",
            DAY0 + 120_000,
        ))
        .wait()
        .expect("record");
    store
        .record_sms(incoming(
            "other",
            "07700900123",
            "wrong thread",
            DAY0 + 180_000,
        ))
        .wait()
        .expect("record");
    store
        .record_sms(incoming(
            "name",
            "VODAFONE",
            "Your bill is ready",
            DAY0 + 240_000,
        ))
        .wait()
        .expect("record");

    let thread = store.sms_thread("020 7946 000", 10).wait().expect("thread");
    let ids: Vec<&str> = thread.iter().map(|s| s.record.id.as_str()).collect();
    assert_eq!(
        ids,
        ["c", "b", "a"],
        "0207946000, +44 20 7946 000 and 0044... are one thread, newest first"
    );
    let limited = store.sms_thread("+44207946000", 2).wait().expect("thread");
    assert_eq!(limited.len(), 2, "at most `limit` texts");
    let named = store.sms_thread("VODAFONE", 10).wait().expect("thread");
    assert_eq!(
        named.len(),
        1,
        "a sender name has a thread of its own, matched exactly"
    );
    assert!(
        named[0].number_normalized.is_none(),
        "a sender name is not a number"
    );

    let recent = store.recent_sms(3).wait().expect("recent");
    let ids: Vec<&str> = recent.iter().map(|s| s.record.id.as_str()).collect();
    assert_eq!(
        ids,
        ["name", "other", "c"],
        "recent texts across all numbers, newest first"
    );
}

#[test]
fn status_updates_reach_the_stored_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    store
        .record_sms(outgoing("out-1", "07700900123", "on our way", DAY0))
        .wait()
        .expect("record");
    let failed = store.set_sms_status("out-1", SmsStatus::Failed, Some("SIM has no credit".into()));
    assert!(
        failed.wait().expect("update"),
        "a stored text's status can change"
    );
    let got = store
        .get_sms("out-1")
        .wait()
        .expect("read")
        .expect("stored");
    assert_eq!(
        got.record.status,
        SmsStatus::Failed,
        "the new status is stored"
    );
    assert_eq!(
        got.record.error.as_deref(),
        Some("SIM has no credit"),
        "the failure message is kept"
    );

    assert!(
        store
            .set_sms_status("out-1", SmsStatus::Sent, None)
            .wait()
            .expect("update"),
        "a retry can succeed"
    );
    let got = store
        .get_sms("out-1")
        .wait()
        .expect("read")
        .expect("stored");
    assert_eq!(
        (got.record.status, got.record.error),
        (SmsStatus::Sent, None),
        "success clears the failure message"
    );
    assert!(
        !store
            .set_sms_status("nope", SmsStatus::Sent, None)
            .wait()
            .expect("update"),
        "an unknown id reports false instead of creating a text"
    );
}

#[test]
fn texts_are_found_by_number_fragment_and_by_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    store
        .record_sms(incoming(
            "a",
            "0207946000",
            "The BOILER in Flat 3 is leaking",
            DAY0,
        ))
        .wait()
        .expect("record");
    store
        .record_sms(incoming("b", "07700900123", "Zoë says thanks", DAY0 + 1))
        .wait()
        .expect("record");
    store
        .record_sms(incoming("c", "VODAFONE", "Your bill is ready", DAY0 + 2))
        .wait()
        .expect("record");

    let by_word = store.search_sms("boiler", 10).wait().expect("search");
    assert_eq!(
        by_word
            .iter()
            .map(|s| s.record.id.as_str())
            .collect::<Vec<_>>(),
        ["a"],
        "case-insensitive word match"
    );
    let by_accent = store.search_sms("zoe", 10).wait().expect("search");
    assert_eq!(by_accent.len(), 1, "accent-insensitive: zoe finds Zoë");
    let by_national = store.search_sms("020 7946", 10).wait().expect("search");
    assert_eq!(
        by_national.len(),
        1,
        "a number typed in national form finds the text stored under +44"
    );
    let by_fragment = store.search_sms("900123", 10).wait().expect("search");
    assert_eq!(
        by_fragment
            .iter()
            .map(|s| s.record.id.as_str())
            .collect::<Vec<_>>(),
        ["b"],
        "a digit fragment anywhere"
    );
    let by_sender = store.search_sms("vodaf", 10).wait().expect("search");
    assert_eq!(by_sender.len(), 1, "a sender name is searchable");
    assert!(
        store
            .search_sms("plumber", 10)
            .wait()
            .expect("search")
            .is_empty(),
        "no match, no result"
    );
}

#[test]
fn the_popup_carries_the_last_texts_with_the_caller() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    for i in 0..4 {
        store
            .record_sms(incoming(
                &format!("t{i}"),
                "0207946000",
                &format!("text {i}"),
                DAY0 + i,
            ))
            .wait()
            .expect("record");
    }
    store
        .record_sms(incoming("x", "07700900123", "someone else", DAY0 + 10))
        .wait()
        .expect("record");
    let ctx = store
        .lookup_caller("+44 20 7946 000", DAY0, 3)
        .wait()
        .expect("lookup");
    let ids: Vec<&str> = ctx
        .recent_sms
        .iter()
        .map(|s| s.record.id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["t3", "t2", "t1"],
        "the caller's last texts, newest first, as many as recent calls asked for"
    );
    let json = serde_json::to_value(&ctx).expect("serialize");
    assert!(
        json.get("recentSms").is_some_and(|v| v.is_array()),
        "the IPC name is recentSms: {json}"
    );
    let mut older = json.clone();
    older.as_object_mut().expect("object").remove("recentSms");
    let parsed: ringside_store::CallerContext =
        serde_json::from_value(older).expect("an older payload still parses");
    assert!(
        parsed.recent_sms.is_empty(),
        "a payload without recentSms reads as no texts"
    );
}

#[test]
fn retention_removes_texts_by_age_but_not_by_call_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let day = 24 * 3_600_000;
    store
        .record_sms(incoming("old", "0207946000", "last month", DAY0 - 40 * day))
        .wait()
        .expect("record");
    store
        .record_sms(incoming("new", "0207946000", "yesterday", DAY0 - day))
        .wait()
        .expect("record");

    store.set_retention(ringside_store::Retention {
        max_age_ms: None,
        max_calls: Some(1),
    });
    assert_eq!(
        store.purge_blocking(DAY0).expect("purge"),
        0,
        "a limit on calls says nothing about texts"
    );
    assert_eq!(
        store.count_sms().wait().expect("count"),
        2,
        "both texts are kept"
    );

    store.set_retention(ringside_store::Retention {
        max_age_ms: Some(30 * day),
        max_calls: None,
    });
    assert_eq!(
        store.purge_blocking(DAY0).expect("purge"),
        1,
        "the text older than 30 days goes"
    );
    let left: Vec<String> = store
        .sms_thread("0207946000", 10)
        .wait()
        .expect("thread")
        .into_iter()
        .map(|s| s.record.id)
        .collect();
    assert_eq!(left, ["new"], "the recent text stays");
    assert!(
        store
            .search_sms("last month", 10)
            .wait()
            .expect("search")
            .is_empty(),
        "a purged text leaves the index"
    );
}
