//! A missed call marked as called back by hand (the app's "Called back"
//! button) leaves the missed list of calls still to call back, once.
#![allow(clippy::unwrap_used)]

mod common;

use ringside_calls::Outcome;

#[test]
fn a_missed_call_marked_by_hand_is_called_back_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::open(&dir.path().join("history.db"));
    store
        .record_call(common::inbound(
            "m1",
            "020 7946 0000",
            Outcome::Missed,
            1_000,
        ))
        .wait()
        .unwrap();
    assert_eq!(
        store.missed_calls(0, false, None, 10).wait().unwrap().len(),
        1,
        "not called back yet"
    );

    assert!(
        store.mark_called_back("m1", 5_000).wait().unwrap(),
        "first mark applies"
    );
    assert!(
        !store.mark_called_back("m1", 6_000).wait().unwrap(),
        "a second mark changes nothing"
    );
    assert!(
        !store.mark_called_back("nope", 6_000).wait().unwrap(),
        "an unknown call is reported, not created"
    );

    assert!(
        store
            .missed_calls(0, false, None, 10)
            .wait()
            .unwrap()
            .is_empty(),
        "off the to-call-back list"
    );
    let all = store.missed_calls(0, true, None, 10).wait().unwrap();
    let back = all[0].called_back.as_ref().expect("marked");
    assert_eq!((back.at_ms, back.by_call_id.as_str()), (5_000, "manual"));
}
