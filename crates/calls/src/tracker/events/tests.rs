use super::*;

fn packet(pairs: &[(&str, &str)]) -> Packet {
    pairs.iter().fold(Packet::new(), |p, (k, v)| p.with(*k, *v))
}

#[test]
fn events_the_tracker_does_not_act_on_decode_to_nothing() {
    for skipped in [
        packet(&[("Event", "VarSet"), ("Uniqueid", "1.1")]),
        packet(&[
            ("Event", "Unlink"),
            ("Uniqueid1", "1.1"),
            ("Uniqueid2", "1.2"),
        ]),
        packet(&[("Event", "Bridge"), ("Bridgestate", "Unlink")]),
        packet(&[
            ("Event", "Newstate"),
            ("Uniqueid", "1.1"),
            ("ChannelState", "0"),
        ]),
        packet(&[
            ("Event", "Newexten"),
            ("Uniqueid", "1.1"),
            ("Application", "Set"),
        ]),
        packet(&[("Event", "BlindTransfer"), ("Result", "Fail")]),
        packet(&[("Response", "Success")]),
    ] {
        assert!(CallEvent::decode(&skipped).is_none(), "{skipped:?}");
    }
}

#[test]
fn event_names_and_fields_are_matched_without_case() {
    let p = packet(&[
        ("Event", "newchannel"),
        ("channel", "SIP/1001-00000001"),
        ("UNIQUEID", "1.1"),
        ("CallerIDNum", "<unknown>"),
        ("CallerIDName", "Alice"),
        ("Exten", "s"),
    ]);
    let Some(CallEvent::Newchannel(chan)) = CallEvent::decode(&p) else {
        panic!("a Newchannel");
    };
    assert_eq!(chan.channel, Some("SIP/1001-00000001"));
    assert_eq!(chan.uniqueid, Some("1.1"));
    assert_eq!(chan.caller.num, None, "<unknown> is no caller ID");
    assert_eq!(chan.caller.name, Some("Alice"));
    assert_eq!(chan.linkedid, None, "AMI 1.x: no Linkedid");
}

#[test]
fn asterisk_1_4_dial_names_its_caller_source() {
    let p = packet(&[
        ("Event", "Dial"),
        ("Source", "SIP/1001-0a"),
        ("Destination", "SIP/1002-0b"),
        ("CallerID", "1001"),
        ("CallerIDName", "Alice"),
        ("SrcUniqueID", "1.1"),
        ("DestUniqueID", "1.2"),
    ]);
    let Some(CallEvent::DialBegin(dial)) = CallEvent::decode(&p) else {
        panic!("a 1.4 Dial begins a dial");
    };
    assert_eq!(dial.dialect, Dialect::Ami1);
    assert_eq!(
        (dial.caller.channel, dial.caller.uniqueid),
        (Some("SIP/1001-0a"), Some("1.1"))
    );
    assert_eq!(dial.caller.caller.num, Some("1001"));
    assert_eq!(
        dial.ring.caller.num, None,
        "the ringing leg reads `CallerIDNum`"
    );
    assert_eq!(
        (dial.dest.channel, dial.dest.uniqueid),
        (Some("SIP/1002-0b"), Some("1.2"))
    );
}

#[test]
fn dial_sub_events_and_dial_end_status() {
    let end = packet(&[
        ("Event", "Dial"),
        ("SubEvent", "End"),
        ("UniqueID", "1.1"),
        ("DialStatus", "CANCEL"),
    ]);
    let Some(CallEvent::DialEnd(end)) = CallEvent::decode(&end) else {
        panic!("a 1.x Dial End ends a dial");
    };
    assert_eq!(end.dialect, Some(Dialect::Ami1));
    assert_eq!((end.dest, end.caller), (None, Some("1.1")));
    assert_eq!(end.status, DialStatus::Cancel);

    let other = packet(&[("Event", "Dial"), ("SubEvent", "Progress")]);
    let other = CallEvent::decode(&other).expect("still a 1.x Dial");
    assert!(matches!(other, CallEvent::OtherDial));
    assert_eq!(other.dialect(), Some(Dialect::Ami1));

    let begin = packet(&[
        ("Event", "DialBegin"),
        ("Channel", "PJSIP/1001-01"),
        ("Uniqueid", "1.1"),
        ("DestChannel", "PJSIP/1002-02"),
        ("DestUniqueid", "1.2"),
        ("DialString", "1002"),
    ]);
    let begin = CallEvent::decode(&begin).expect("a dial");
    assert_eq!(begin.dialect(), Some(Dialect::Ami2));
    let CallEvent::DialBegin(dial) = begin else {
        panic!("DialBegin begins a dial");
    };
    assert_eq!(dial.dest.uniqueid, Some("1.2"));
    assert_eq!(dial.dialstring, "1002");
}

#[test]
fn hangup_cause_is_a_number() {
    let p = packet(&[("Event", "Hangup"), ("Uniqueid", "1.1"), ("Cause", "26")]);
    assert!(matches!(
        CallEvent::decode(&p),
        Some(CallEvent::Hangup {
            uniqueid: "1.1",
            cause: Some(26)
        })
    ));
}

#[test]
fn only_listed_channels_with_a_uniqueid_are_decoded() {
    let listed = packet(&[
        ("Event", "CoreShowChannel"),
        ("Channel", "PJSIP/1002-02"),
        ("Uniqueid", "1.2"),
        ("ChannelState", "5"),
        ("Application", "AppDial"),
        ("ConnectedLineNum", "1001"),
    ]);
    let ch = ListedChannel::decode(&listed).expect("a listed channel");
    assert!(ch.ringing && ch.dialed && !ch.snap.up);
    assert_eq!(ch.connected.num, Some("1001"));
    let no_uid = packet(&[("Event", "CoreShowChannel"), ("Uniqueid", "")]);
    assert!(ListedChannel::decode(&no_uid).is_none());
    let done = packet(&[("Event", "CoreShowChannelsComplete")]);
    assert!(ListedChannel::decode(&done).is_none());
}
