use super::*;

#[test]
fn dial_input_is_cleaned_or_refused_with_an_actionable_message() {
    assert_eq!(
        clean_dial_input(" +1 (555) 123-4567 ").expect("pasted punctuation is cleaned"),
        "+15551234567"
    );
    assert_eq!(clean_dial_input("*97").expect("a feature code"), "*97");
    for bad in [
        "",
        "12a4",
        "1001\r\nAction: Originate",
        "++1",
        "1".repeat(40).as_str(),
    ] {
        let e = clean_dial_input(bad).expect_err(bad);
        assert!(matches!(e, ActionError::NotANumber { .. }), "{bad:?}");
        assert!(
            !e.to_string().contains('\n'),
            "the message must not echo control characters"
        );
    }
}
use crate::profile::PbxKind;

const HOSTILE: &[&str] = &[
    "1002\r\nAction: Hangup\r\nChannel: PJSIP/1001-00000001",
    "1002\nAction: Originate",
    "1002\0",
    "Action: Hangup",
    "\r\n\r\n",
    "10 02",
    "1002;",
    "<1002>",
    "",
];

/// The bytes that would go on the wire.
fn wire(p: &Packet) -> String {
    String::from_utf8(p.to_bytes().expect("encodes")).expect("utf-8")
}

fn wire_of(fields: &[(&str, &str)]) -> String {
    wire(
        &fields
            .iter()
            .fold(Packet::new(), |p, (k, v)| p.with(*k, *v)),
    )
}

fn dial_req() -> DialRequest {
    DialRequest {
        extension: "1000".into(),
        number: "1002".into(),
        caller_name: None,
        channel_id: "ringside-c2d-1".into(),
        context: None,
    }
}

fn xfer_req() -> BlindTransferRequest {
    BlindTransferRequest {
        own_channel: "PJSIP/1001-0000000f".into(),
        far_channel: "PJSIP/carrier-0000000e".into(),
        extension: "1001".into(),
        target: "1002".into(),
        context: Some("internal".into()),
    }
}

/// The fields of `click-to-dial.sent`, in order, ActionID aside (the
/// client assigns it).
#[test]
fn click_to_dial_has_the_real_capture_shape() {
    let p =
        click_to_dial(&Profile::of(PbxKind::YeastarS), Dialect::Ami2, &dial_req()).expect("valid");
    let want = [
        ("Action", "Originate"),
        ("Channel", "PJSIP/1000"),
        ("Context", "DLPN_DialPlan1000"),
        ("Exten", "1002"),
        ("Priority", "1"),
        ("Timeout", "30000"),
        ("CallerID", "1000"),
        ("Async", "true"),
        ("ChannelId", "ringside-c2d-1"),
        ("OtherChannelId", "ringside-c2d-1b"),
    ];
    assert_eq!(
        wire(&p),
        wire_of(&want),
        "same fields and order as the Originate that worked on the real PBX"
    );
    let named = click_to_dial(
        &Profile::of(PbxKind::FreePbx),
        Dialect::Ami2,
        &DialRequest {
            caller_name: Some("Réception".into()),
            ..dial_req()
        },
    )
    .expect("valid");
    assert_eq!(
        named.get("CallerID"),
        Some("\"Réception\" <1000>"),
        "the user's own name and number, Unicode kept"
    );
    assert_eq!(
        named.get("Context"),
        Some("from-internal"),
        "FreePBX context"
    );
    let old = click_to_dial(
        &Profile::of(PbxKind::YeastarMyPbx),
        Dialect::Ami1,
        &dial_req(),
    )
    .expect("valid");
    assert_eq!(
        old.get("Channel"),
        Some("SIP/1000"),
        "MyPBX phones are SIP/"
    );
    assert_eq!(old.get("ChannelId"), None, "Asterisk 1.8 has no ChannelId");
}

#[test]
fn blind_transfer_picks_the_method_and_the_right_channel() {
    let y =
        blind_transfer(&Profile::of(PbxKind::YeastarS), Dialect::Ami2, &xfer_req()).expect("valid");
    assert_eq!(
        wire(&y),
        wire_of(&[("Action", "Redirect"), ("Channel", "PJSIP/carrier-0000000e"), ("Context", "internal"), ("Exten", "1002"), ("Priority", "1")]),
        "the redirect-transfer.sent shape: Redirect moves the far party (the caller), not the receptionist"
    );
    let f =
        blind_transfer(&Profile::of(PbxKind::FreePbx), Dialect::Ami2, &xfer_req()).expect("valid");
    assert_eq!(
        f.action_name(),
        Some("BlindTransfer"),
        "AMI 2 PBX has BlindTransfer"
    );
    assert_eq!(
        f.get("Channel"),
        Some("PJSIP/1001-0000000f"),
        "BlindTransfer takes the transferer's channel"
    );
    let old =
        blind_transfer(&Profile::of(PbxKind::FreePbx), Dialect::Ami1, &xfer_req()).expect("valid");
    assert_eq!(
        old.action_name(),
        Some("Redirect"),
        "Asterisk 1.8 has no BlindTransfer"
    );
    let ctx = blind_transfer(
        &Profile::of(PbxKind::YeastarS),
        Dialect::Ami2,
        &BlindTransferRequest {
            context: None,
            ..xfer_req()
        },
    )
    .expect("valid");
    assert_eq!(
        ctx.get("Context"),
        Some("DLPN_DialPlan1001"),
        "Yeastar: the source extension's dial plan"
    );
}

#[test]
fn other_actions() {
    let p = Profile::of(PbxKind::FreePbx);
    let a = attended_transfer(&p, "PJSIP/1001-0000000f", "1001", "1002", None).expect("valid");
    assert_eq!(
        (a.action_name(), a.get("Exten")),
        (Some("Atxfer"), Some("1002")),
        "Atxfer to 1002"
    );
    let c = cancel_attended_transfer(Dialect::Ami2, "PJSIP/1001-0000000f", None).expect("valid");
    assert_eq!(c.action_name(), Some("CancelAtxfer"), "AMI 2 cancel");
    let c = cancel_attended_transfer(
        Dialect::Ami1,
        "SIP/1001-0000000f",
        Some("SIP/1002-00000010"),
    )
    .expect("valid");
    assert_eq!(
        (c.action_name(), c.get("Channel")),
        (Some("Hangup"), Some("SIP/1002-00000010")),
        "old PBX: hang up the consult leg"
    );
    let k = park(
        &p,
        Dialect::Ami2,
        "PJSIP/carrier-0000000e",
        "PJSIP/1001-0000000f",
    )
    .expect("valid");
    assert_eq!(
        k.get("TimeoutChannel"),
        Some("PJSIP/1001-0000000f"),
        "comes back to the user"
    );
    assert!(
        matches!(
            park(
                &Profile::of(PbxKind::OpenVox),
                Dialect::Ami1,
                "SIP/a-1234",
                "SIP/b-1234"
            ),
            Err(ActionError::Unsupported { .. })
        ),
        "OpenVox has no park"
    );
    assert_eq!(
        hangup("PJSIP/1000-0000000c").expect("valid").get("Channel"),
        Some("PJSIP/1000-0000000c"),
        "hangup one channel"
    );
}

#[test]
fn every_field_refuses_injection_before_anything_is_built() {
    let y = Profile::of(PbxKind::YeastarS);
    for bad in HOSTILE {
        let cases: Vec<(&str, Result<Packet>)> = vec![
            (
                "number",
                click_to_dial(
                    &y,
                    Dialect::Ami2,
                    &DialRequest {
                        number: (*bad).into(),
                        ..dial_req()
                    },
                ),
            ),
            (
                "extension",
                click_to_dial(
                    &y,
                    Dialect::Ami2,
                    &DialRequest {
                        extension: (*bad).into(),
                        ..dial_req()
                    },
                ),
            ),
            (
                "context",
                click_to_dial(
                    &y,
                    Dialect::Ami2,
                    &DialRequest {
                        context: Some((*bad).into()),
                        ..dial_req()
                    },
                ),
            ),
            (
                "channel id",
                click_to_dial(
                    &y,
                    Dialect::Ami2,
                    &DialRequest {
                        channel_id: (*bad).into(),
                        ..dial_req()
                    },
                ),
            ),
            (
                "target",
                blind_transfer(
                    &y,
                    Dialect::Ami2,
                    &BlindTransferRequest {
                        target: (*bad).into(),
                        ..xfer_req()
                    },
                ),
            ),
            (
                "far channel",
                blind_transfer(
                    &y,
                    Dialect::Ami2,
                    &BlindTransferRequest {
                        far_channel: (*bad).into(),
                        ..xfer_req()
                    },
                ),
            ),
            (
                "transfer context",
                blind_transfer(
                    &y,
                    Dialect::Ami2,
                    &BlindTransferRequest {
                        context: Some((*bad).into()),
                        ..xfer_req()
                    },
                ),
            ),
            (
                "atxfer target",
                attended_transfer(&y, "PJSIP/1001-0000000f", "1001", bad, None),
            ),
            (
                "atxfer channel",
                attended_transfer(&y, bad, "1001", "1002", None),
            ),
            ("hangup channel", hangup(bad)),
            (
                "park channel",
                park(&y, Dialect::Ami2, bad, "PJSIP/1001-0000000f"),
            ),
        ];
        for (field, r) in cases {
            assert!(
                r.is_err(),
                "{field} = {bad:?} must be refused before sending"
            );
        }
    }
    // The caller-ID name may be any text, but not a line break, NUL or quote.
    for bad in ["Eve\r\nAction: Hangup", "Eve\0", "Eve\" <999>", "Eve\n"] {
        let r = click_to_dial(
            &y,
            Dialect::Ami2,
            &DialRequest {
                caller_name: Some(bad.into()),
                ..dial_req()
            },
        );
        assert!(
            matches!(r, Err(ActionError::BadField { .. })),
            "caller ID name {bad:?} refused"
        );
    }
    let e = dialable("number", "1002\r\nAction: Hangup", &y).expect_err("refused");
    assert_eq!(
        e.to_string(),
        "number '1002\\r\\nAction: Hangup' is not a number that can be dialled: use only digits, *, # and +",
        "a message a person can act on, control characters shown, not sent"
    );
}

#[test]
fn click_to_dial_outcomes() {
    let ev = |pairs: &[(&str, &str)]| pairs.iter().fold(Packet::new(), |p, (k, v)| p.with(*k, *v));
    let id = "ringside-c2d-1";
    let ok = ev(&[
        ("Event", "OriginateResponse"),
        ("Response", "Success"),
        ("Uniqueid", id),
        ("Reason", "4"),
    ]);
    assert!(
        matches!(click_to_dial_outcome(&ok, id, None), Some(Ok(()))),
        "OriginateResponse Success"
    );
    let busy = ev(&[
        ("Event", "OriginateResponse"),
        ("Response", "Failure"),
        ("ActionID", "a1"),
        ("Uniqueid", "<null>"),
        ("Reason", "5"),
    ]);
    assert!(
        matches!(
            click_to_dial_outcome(&busy, id, Some("a1")),
            Some(Err(ActionError::DialFailed(DialFailure::Busy)))
        ),
        "failure matched by ActionID, reason 5 is busy"
    );
    let up = ev(&[
        ("Event", "Newstate"),
        ("Uniqueid", id),
        ("ChannelState", "6"),
    ]);
    assert!(
        matches!(click_to_dial_outcome(&up, id, None), Some(Ok(()))),
        "the user's own leg answered"
    );
    let gone = ev(&[("Event", "Hangup"), ("Uniqueid", id), ("Cause", "19")]);
    assert!(
        matches!(
            click_to_dial_outcome(&gone, id, None),
            Some(Err(ActionError::DialFailed(DialFailure::NoAnswer)))
        ),
        "the phone did not answer"
    );
    let other = ev(&[
        ("Event", "Newstate"),
        ("Uniqueid", "1795444722.13"),
        ("ChannelState", "6"),
    ]);
    assert!(
        click_to_dial_outcome(&other, id, None).is_none(),
        "someone else's channel says nothing"
    );
}

#[test]
fn dialable_characters() {
    let p = Profile::of(PbxKind::Generic);
    for ok in ["1002", "+15551234567", "*97", "#31#", "0207946000"] {
        assert!(dialable("number", ok, &p).is_ok(), "{ok} is dialable");
    }
    for bad in ["+", "1+2", "abc", "1-800", "1 2"] {
        assert!(
            dialable("number", bad, &p).is_err(),
            "{bad} is not dialable"
        );
    }
    let letters = Profile {
        letters_allowed: true,
        ..p
    };
    assert!(
        dialable("number", "alice", &letters).is_ok(),
        "letters where the profile allows them"
    );
    assert!(
        dialable("number", "al ice", &letters).is_err(),
        "still no spaces"
    );
}

fn chan(name: &str, endpoint: &str, kind: EndpointKind, up: bool, origin: bool) -> CallChannel {
    CallChannel {
        name: name.into(),
        endpoint: endpoint.into(),
        kind,
        up,
        ringing: !up,
        origin,
    }
}

/// The app (from the tracker) and the CLI (from a listing) build their
/// transfer with the one rule: the same call moves the same channel.
#[test]
fn a_transfer_moves_the_same_channel_wherever_it_is_asked_from() {
    let p = Profile::of(PbxKind::FreePbx);
    let mine = ["1001".to_owned()];
    let caller = chan(
        "PJSIP/carrier-00000002",
        "carrier",
        EndpointKind::Trunk,
        true,
        true,
    );
    let local = chan(
        "Local/1001@from-queue-00000001;2",
        "1001@from-queue",
        EndpointKind::Local,
        true,
        false,
    );
    let answered = [
        caller.clone(),
        local.clone(),
        chan(
            "PJSIP/1001-00000003",
            "1001",
            EndpointKind::Extension,
            true,
            false,
        ),
    ];
    let blind =
        transfer_call(&p, Dialect::Ami2, &answered, &mine, "1002", false, None).expect("valid");
    assert_eq!(
        blind.action_name(),
        Some("BlindTransfer"),
        "answered here: her own channel is transferred"
    );
    assert_eq!(blind.get("Channel"), Some("PJSIP/1001-00000003"));
    let atx =
        transfer_call(&p, Dialect::Ami2, &answered, &mine, "1002", true, None).expect("valid");
    assert_eq!(
        (atx.action_name(), atx.get("Channel")),
        (Some("Atxfer"), Some("PJSIP/1001-00000003"))
    );

    let ringing = [
        caller.clone(),
        chan(
            "PJSIP/1001-00000003",
            "1001",
            EndpointKind::Extension,
            false,
            false,
        ),
    ];
    let moved =
        transfer_call(&p, Dialect::Ami2, &ringing, &mine, "1002", false, None).expect("valid");
    assert_eq!(
        moved.action_name(),
        Some("Redirect"),
        "still ringing here: the caller's channel is moved"
    );
    assert_eq!(moved.get("Channel"), Some("PJSIP/carrier-00000002"));
    assert!(
        matches!(
            transfer_call(&p, Dialect::Ami2, &ringing, &mine, "1002", true, None),
            Err(ActionError::NotAnswered)
        ),
        "an attended transfer needs her own answered phone"
    );
    let only_mine = [
        chan(
            "PJSIP/1001-00000003",
            "1001",
            EndpointKind::Extension,
            true,
            false,
        ),
        local,
    ];
    assert!(matches!(
        transfer_call(&p, Dialect::Ami2, &only_mine, &mine, "1002", false, None),
        Err(ActionError::CallGone)
    ));
    assert!(matches!(
        transfer_call(&p, Dialect::Ami2, &answered, &mine, "10\r\n02", false, None),
        Err(ActionError::NotDialable { .. })
    ));

    // The CLI's view of the same call, from CoreShowChannels.
    let row = |name: &str, uid: &str, linkedid: &str| {
        Packet::new()
            .with("Event", "CoreShowChannel")
            .with("Channel", name)
            .with("Uniqueid", uid)
            .with("Linkedid", linkedid)
            .with("ChannelState", "6")
    };
    let listing = [
        row("PJSIP/1001-00000003", "1795444730.15", "1795444730.14"),
        row("PJSIP/carrier-00000002", "1795444730.14", "1795444730.14"),
        row("PJSIP/1004-00000009", "1795444799.40", "1795444799.40"),
    ];
    let mut classifier = Classifier::new();
    classifier.add_trunk("carrier");
    let listed = listed_call_channels(&listing, "1795444730.14", &classifier);
    assert_eq!(listed.len(), 2, "only the call's own channels: {listed:?}");
    assert!(
        listed[0].origin && listed[0].name == "PJSIP/carrier-00000002",
        "the caller's channel first"
    );
    let from_cli =
        transfer_call(&p, Dialect::Ami2, &listed, &mine, "1002", false, None).expect("valid");
    assert_eq!(from_cli, blind, "the CLI sends what the app sends");
}
