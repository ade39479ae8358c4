use super::*;
use crate::tracker::{CallTracker, TrackerConfig};

fn ev(pairs: &[(&str, &str)]) -> Packet {
    pairs.iter().fold(Packet::new(), |p, (k, v)| p.with(*k, *v))
}

/// A 12+ parking event about the caller of `park-retrieve.ami`, in space 71.
fn modern(event: &str, extra: &[(&str, &str)]) -> Packet {
    let mut p = ev(&[
        ("Event", event),
        ("ParkeeChannel", "PJSIP/carrier-00000003"),
        ("ParkeeCallerIDNum", "+14155550199"),
        ("ParkeeCallerIDName", "Hooli"),
        ("ParkeeConnectedLineNum", "1001"),
        ("ParkeeUniqueid", "1796392630.3"),
        ("ParkeeLinkedid", "1796392630.1"),
        ("ParkerDialString", "PJSIP/1001"),
        ("Parkinglot", "default"),
        ("ParkingSpace", "71"),
        ("ParkingTimeout", "8"),
    ]);
    for (k, v) in extra {
        p.push(*k, *v);
    }
    p
}

/// A 1.x (`features.c`) parking event: space 701, the parked channel
/// `SIP/carrier-0000000a` with Uniqueid `uid`. `ParkedCall` and
/// `UnParkedCall` spell it `Uniqueid`, the others `UniqueID`.
fn old(event: &str, uid: &str, extra: &[(&str, &str)]) -> Packet {
    let key = if event.starts_with("ParkedCallTimeOut") || event.starts_with("ParkedCallGiveUp") {
        "UniqueID"
    } else {
        "Uniqueid"
    };
    let mut p = ev(&[
        ("Event", event),
        ("Exten", "701"),
        ("Channel", "SIP/carrier-0000000a"),
        ("Parkinglot", "default"),
    ]);
    for (k, v) in extra {
        p.push(*k, *v);
    }
    for (k, v) in [
        ("CallerIDNum", "+13105550100"),
        ("CallerIDName", "Cyberdyne Systems"),
        ("ConnectedLineNum", "<unknown>"),
        ("ConnectedLineName", "<unknown>"),
        (key, uid),
    ] {
        p.push(k, v);
    }
    p
}

fn end_of(c: &[ParkChange]) -> (&str, ParkOutcome, Option<&str>, Option<&str>) {
    match c {
        [ParkChange::ParkEnd {
            call,
            end,
            retrieved_by,
            returned_to,
            ..
        }] => (
            call.as_str(),
            *end,
            retrieved_by.as_deref(),
            returned_to.as_deref(),
        ),
        other => panic!("one park_end expected, got {other:?}"),
    }
}

#[test]
fn a_modern_park_is_listed_with_its_space_caller_and_parker() {
    let mut p = ParkedCalls::new();
    let got = p.apply(&modern("ParkedCall", &[("ParkingDuration", "0")]), 5_000);
    assert_eq!(
        got,
        vec![ParkChange::Parked {
            call: "1796392630.1".into(),
            slot: "71".into(),
            lot: Some("default".into()),
            caller_num: "+14155550199".into(),
            caller_name: Some("Hooli".into()),
            parked_by: Some("1001".into()),
        }],
        "the Linkedid is the call id"
    );
    let c = p.get(Some("default"), "71").expect("listed");
    assert_eq!(c.since_ms, 5_000);
    assert_eq!(c.channel.as_deref(), Some("PJSIP/carrier-00000003"));
    assert_eq!(
        serde_json::to_string(&got[0]).expect("serializes"),
        r#"{"type":"parked","call":"1796392630.1","slot":"71","lot":"default","caller_num":"+14155550199","caller_name":"Hooli","parked_by":"1001"}"#
    );
}

#[test]
fn modern_park_ends_retrieved_timeout_and_hangup() {
    let retrieved = [
        ("RetrieverChannel", "PJSIP/1003-00000005"),
        ("RetrieverCallerIDNum", "1003"),
        ("RetrieverUniqueid", "1796392634.5"),
    ];
    let cases: [(Packet, ParkOutcome, Option<&str>, Option<&str>); 3] = [
        (
            modern("UnParkedCall", &retrieved),
            ParkOutcome::Retrieved,
            Some("1003"),
            None,
        ),
        (
            modern("ParkedCallTimeOut", &[]),
            ParkOutcome::Timeout,
            None,
            Some("1001"),
        ),
        (
            modern("ParkedCallGiveUp", &[]),
            ParkOutcome::Hangup,
            None,
            None,
        ),
    ];
    for (event, end, by, back) in cases {
        let mut p = ParkedCalls::new();
        p.apply(&modern("ParkedCall", &[]), 0);
        let got = p.apply(&event, 3_000);
        assert_eq!(end_of(&got), ("1796392630.1", end, by, back), "{end:?}");
        assert_eq!(p.calls().count(), 0, "{end:?}: the space is free");
        assert!(
            p.apply(&event, 3_001).is_empty(),
            "{end:?}: an end told twice reports once"
        );
    }
}

#[test]
fn a_lot_that_does_not_come_back_to_origin_returns_to_nobody() {
    let mut p = ParkedCalls::new().comeback_to_origin(false);
    p.apply(&modern("ParkedCall", &[]), 0);
    let got = p.apply(&modern("ParkedCallTimeOut", &[]), 8_000);
    assert_eq!(
        end_of(&got),
        ("1796392630.1", ParkOutcome::Timeout, None, None)
    );
}

#[test]
fn without_a_parker_the_caller_was_parked_by_whom_it_talked_to() {
    let mut p = ParkedCalls::new();
    let mut park = modern("ParkedCall", &[]);
    park.remove("ParkerDialString");
    match p.apply(&park, 0).as_slice() {
        [ParkChange::Parked { parked_by, .. }] => assert_eq!(parked_by.as_deref(), Some("1001")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_old_park_reads_exten_from_and_the_bare_channel() {
    let mut p = ParkedCalls::new();
    let got = p.apply(
        &old(
            "ParkedCall",
            "1796395731.19",
            &[("From", "SIP/1001-0000000c"), ("Timeout", "45")],
        ),
        1_000,
    );
    assert_eq!(
        got,
        vec![ParkChange::Parked {
            call: "1796395731.19".into(),
            slot: "701".into(),
            lot: Some("default".into()),
            caller_num: "+13105550100".into(),
            caller_name: Some("Cyberdyne Systems".into()),
            parked_by: Some("1001".into()),
        }],
        "no Linkedid on 1.x: the Uniqueid"
    );
    let got = p.apply(
        &old(
            "UnParkedCall",
            "1796395731.19",
            &[("From", "SIP/1003-00000012")],
        ),
        4_000,
    );
    assert_eq!(
        end_of(&got),
        ("1796395731.19", ParkOutcome::Retrieved, Some("1003"), None),
        "1.x names the retriever's channel in From"
    );
}

#[test]
fn old_park_timeouts_and_give_ups_spell_their_uniqueid_differently() {
    for (event, end, back) in [
        ("ParkedCallTimeOut", ParkOutcome::Timeout, Some("1001")),
        ("ParkedCallGiveUp", ParkOutcome::Hangup, None),
    ] {
        let mut p = ParkedCalls::new();
        p.apply(
            &old("ParkedCall", "1.19", &[("From", "SIP/1001-0000000c")]),
            0,
        );
        let got = p.apply(&old(event, "1.19", &[]), 45_000);
        assert_eq!(end_of(&got), ("1.19", end, None, back), "{event}");
    }
}

#[test]
fn an_end_without_its_space_finds_the_call_by_its_channel() {
    let mut p = ParkedCalls::new();
    p.apply(&old("ParkedCall", "1.19", &[("From", "SIP/1001-0")]), 0);
    let mut give_up = old("ParkedCallGiveUp", "1.19", &[]);
    give_up.remove("Exten");
    assert_eq!(
        end_of(&p.apply(&give_up, 1)),
        ("1.19", ParkOutcome::Hangup, None, None)
    );
}

/// 1.x parks a call transferred to the parking extension by masquerading
/// it into a new `Parked/…` channel: the event's Uniqueid is that
/// channel's, and only the tracker knows it carries on the caller's call.
#[test]
fn an_old_park_by_transfer_takes_the_call_id_from_the_tracker() {
    let mut t = CallTracker::new(TrackerConfig::default());
    let mut p = ParkedCalls::new();
    let trunk = "SIP/carrier-0000000a";
    let phone = "SIP/1001-0000000c";
    let parked = "Parked/SIP/carrier-0000000a";
    let caller = "1796395731.19";
    let stream = [
        ev(&[
            ("Event", "Newchannel"),
            ("Channel", trunk),
            ("CallerIDNum", "+13105550100"),
            ("Uniqueid", caller),
            ("Context", "from-trunk"),
        ]),
        ev(&[
            ("Event", "Newchannel"),
            ("Channel", phone),
            ("CallerIDNum", "1001"),
            ("Uniqueid", "1796395731.20"),
        ]),
        ev(&[
            ("Event", "Dial"),
            ("SubEvent", "Begin"),
            ("Channel", trunk),
            ("Destination", phone),
            ("UniqueID", caller),
            ("DestUniqueID", "1796395731.20"),
            ("Dialstring", "1001"),
        ]),
        ev(&[
            ("Event", "Bridge"),
            ("Bridgestate", "Link"),
            ("Channel1", trunk),
            ("Channel2", phone),
            ("Uniqueid1", caller),
            ("Uniqueid2", "1796395731.20"),
        ]),
        ev(&[
            ("Event", "Newchannel"),
            ("Channel", parked),
            ("Uniqueid", "1796395740.21"),
        ]),
        ev(&[
            ("Event", "Masquerade"),
            ("Clone", trunk),
            ("Original", parked),
        ]),
        ev(&[
            ("Event", "Rename"),
            ("Channel", trunk),
            ("Newname", "SIP/carrier-0000000a<MASQ>"),
            ("Uniqueid", caller),
        ]),
        ev(&[
            ("Event", "Rename"),
            ("Channel", parked),
            ("Newname", trunk),
            ("Uniqueid", "1796395740.21"),
        ]),
        old("ParkedCall", "1796395740.21", &[("From", phone)]),
    ];
    let mut got = Vec::new();
    for (i, e) in stream.iter().enumerate() {
        t.apply(e, i as i64);
        got.extend(p.apply_with(e, i as i64, &t));
    }
    match got.as_slice() {
        [ParkChange::Parked { call, .. }] => assert_eq!(call, caller, "the caller's call"),
        other => panic!("{other:?}"),
    }
    let alone = ParkedCalls::new().apply(stream.last().expect("the park"), 0);
    assert!(
        matches!(alone.as_slice(), [ParkChange::Parked { call, .. }] if call == "1796395740.21"),
        "without the tracker, the event's own Uniqueid: {alone:?}"
    );
}

#[test]
fn a_modern_listing_rebuilds_the_panel() {
    let mut p = ParkedCalls::new();
    p.apply(&modern("ParkedCall", &[]), 1_000);
    let stale = ev(&[
        ("Event", "ParkedCall"),
        ("ParkeeChannel", "PJSIP/carrier-00000009"),
        ("ParkeeUniqueid", "9.9"),
        ("ParkeeLinkedid", "9.9"),
        ("ParkerDialString", "PJSIP/1002"),
        ("Parkinglot", "default"),
        ("ParkingSpace", "72"),
    ]);
    p.apply(&stale, 1_000);
    let listing = [
        ev(&[("Response", "Success"), ("EventList", "start")]),
        modern("ParkedCall", &[("ParkingDuration", "30")]),
        ev(&[
            ("Event", "ParkedCall"),
            ("ParkeeChannel", "PJSIP/carrier-0000000b"),
            ("ParkeeCallerIDNum", "+12015550111"),
            ("ParkeeUniqueid", "7.7"),
            ("ParkeeLinkedid", "7.7"),
            ("ParkerDialString", "PJSIP/1004"),
            ("Parkinglot", "default"),
            ("ParkingSpace", "73"),
            ("ParkingDuration", "12"),
        ]),
        ev(&[("Event", "ParkedCallsComplete"), ("Total", "2")]),
    ];
    let got = p.resync(&listing, 40_000);
    assert_eq!(
        got,
        vec![ParkChange::Parked {
            call: "7.7".into(),
            slot: "73".into(),
            lot: Some("default".into()),
            caller_num: "+12015550111".into(),
            caller_name: None,
            parked_by: Some("1004".into()),
        }],
        "only the call not seen before is reported"
    );
    let spaces: Vec<(&str, i64)> = p.calls().map(|c| (c.slot.as_str(), c.since_ms)).collect();
    assert_eq!(
        spaces,
        vec![("71", 1_000), ("73", 28_000)],
        "72 left while away; 71 keeps its time, 73 waits since its duration"
    );
}

#[test]
fn an_old_listing_names_no_uniqueid_so_known_calls_keep_theirs() {
    let mut p = ParkedCalls::new();
    p.apply(&old("ParkedCall", "1.19", &[("From", "SIP/1001-0")]), 0);
    let item = |channel: &str, exten: &str| {
        ev(&[
            ("Event", "ParkedCall"),
            ("Parkinglot", "default"),
            ("Exten", exten),
            ("Channel", channel),
            ("From", "SIP/1001-0"),
            ("Timeout", "30"),
            ("Duration", "15"),
            ("CallerIDNum", "+13105550100"),
            ("CallerIDName", ""),
            ("ConnectedLineNum", ""),
            ("ConnectedLineName", ""),
        ])
    };
    let listing = [
        item("SIP/carrier-0000000a", "701"),
        item("SIP/carrier-0000000f", "702"),
    ];
    let got = p.resync(&listing, 15_000);
    match got.as_slice() {
        [ParkChange::Parked { call, slot, .. }] => {
            assert_eq!(
                (call.as_str(), slot.as_str()),
                ("", "702"),
                "nothing names it"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.get(Some("default"), "701").expect("701").call, "1.19");
    assert_eq!(p.get(Some("default"), "702").expect("702").since_ms, 0);
}
