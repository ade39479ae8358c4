use super::*;
use crate::profile::PbxKind;

const HOSTILE: &[&str] = &[
    "1002\r\nAction: Hangup\r\nChannel: PJSIP/1001-00000001",
    "1002\nAction: Originate",
    "1002\0",
    "\r\n\r\n",
    "",
];

fn pickup_req() -> PickupRequest {
    PickupRequest {
        extension: "1001".into(),
        ringing: "1002".into(),
        caller_name: Some("Alice".into()),
        channel_id: "ringside-pickup-1".into(),
    }
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

/// The caller on the trunk, answered by 1001.
fn talking() -> Vec<CallChannel> {
    vec![
        chan(
            "PJSIP/carrier-00000003",
            "carrier",
            EndpointKind::Trunk,
            true,
            true,
        ),
        chan(
            "PJSIP/1001-00000004",
            "1001",
            EndpointKind::Extension,
            true,
            false,
        ),
    ]
}

fn failed(message: &str) -> ringside_ami::Error {
    ringside_ami::Error::ActionFailed {
        action: "X".into(),
        message: message.into(),
    }
}

#[test]
fn pickup_originates_her_phone_to_pickupchan_or_dials_the_feature_code() {
    let generic = Profile::of(PbxKind::Generic);
    let p = pickup(&generic, Dialect::Ami2, &pickup_req()).expect("valid");
    for (k, v) in [
        ("Action", "Originate"),
        ("Channel", "PJSIP/1001"),
        ("Application", "PickupChan"),
        ("Data", "PJSIP/1002"),
        ("CallerID", "\"Alice\" <1001>"),
        ("Async", "true"),
        ("ChannelId", "ringside-pickup-1"),
    ] {
        assert_eq!(p.get(k), Some(v), "AMI 2 pickup {k}");
    }
    assert_eq!(
        p.get("Exten"),
        None,
        "an application, not a dialplan extension"
    );
    let old = pickup(
        &Profile::of(PbxKind::YeastarMyPbx),
        Dialect::Ami1,
        &pickup_req(),
    )
    .expect("valid");
    assert_eq!(
        (old.get("Channel"), old.get("Data"), old.get("ChannelId")),
        (Some("SIP/1001"), Some("SIP/1002"), None),
        "1.8 has PickupChan too, with SIP devices and no preset channel id"
    );
    let code = pickup(&Profile::of(PbxKind::FreePbx), Dialect::Ami2, &pickup_req()).expect("valid");
    for (k, v) in [
        ("Channel", "PJSIP/1001"),
        ("Context", "from-internal"),
        ("Exten", "**1002"),
        ("Priority", "1"),
    ] {
        assert_eq!(
            code.get(k),
            Some(v),
            "FreePBX dials **<ext> from her phone: {k}"
        );
    }
    for bad in HOSTILE {
        for req in [
            PickupRequest {
                ringing: (*bad).into(),
                ..pickup_req()
            },
            PickupRequest {
                extension: (*bad).into(),
                ..pickup_req()
            },
            PickupRequest {
                channel_id: (*bad).into(),
                ..pickup_req()
            },
        ] {
            assert!(
                pickup(&generic, Dialect::Ami2, &req).is_err(),
                "{req:?} must be refused"
            );
        }
    }
    assert!(
        pickup(
            &generic,
            Dialect::Ami2,
            &PickupRequest {
                caller_name: Some("Eve\r\nAction: Hangup".into()),
                ..pickup_req()
            }
        )
        .is_err(),
        "her name may not break the line either"
    );
}

#[test]
fn retrieve_dials_the_space_in_the_lots_context() {
    let req = RetrieveRequest {
        extension: "1001".into(),
        space: "71".into(),
        caller_name: None,
        channel_id: "ringside-retrieve-1".into(),
        context: None,
    };
    for (kind, dialect, context) in [
        (PbxKind::Generic, Dialect::Ami2, "parkedcalls"),
        (PbxKind::FreePbx, Dialect::Ami2, "from-internal"),
        (PbxKind::YeastarS, Dialect::Ami2, "DLPN_DialPlan1001"),
        (PbxKind::YeastarMyPbx, Dialect::Ami1, "DLPN_DialPlan1001"),
    ] {
        let p = retrieve(&Profile::of(kind), dialect, &req).expect("valid");
        assert_eq!(
            (p.get("Context"), p.get("Exten"), p.get("Priority")),
            (Some(context), Some("71"), Some("1")),
            "{kind:?}: the space in its lot's context"
        );
        assert_eq!(
            p.get("ChannelId").is_some(),
            dialect == Dialect::Ami2,
            "{kind:?}: a preset channel id only where the PBX knows it"
        );
    }
    let p = retrieve(
        &Profile::of(PbxKind::Generic),
        Dialect::Ami2,
        &RetrieveRequest {
            context: Some("parkedcalls-sales".into()),
            ..req.clone()
        },
    )
    .expect("valid");
    assert_eq!(
        p.get("Context"),
        Some("parkedcalls-sales"),
        "an override wins"
    );
    assert!(matches!(
        retrieve(&Profile::of(PbxKind::OpenVox), Dialect::Ami1, &req),
        Err(ActionError::Unsupported { .. })
    ));
    for bad in HOSTILE {
        for r in [
            RetrieveRequest {
                space: (*bad).into(),
                ..req.clone()
            },
            RetrieveRequest {
                context: Some((*bad).into()),
                ..req.clone()
            },
        ] {
            assert!(
                retrieve(&Profile::of(PbxKind::Generic), Dialect::Ami2, &r).is_err(),
                "{r:?}"
            );
        }
    }
}

#[test]
fn park_names_the_lot_and_the_parker_in_each_dialect() {
    let generic = Profile::of(PbxKind::Generic);
    let p = park_call(&generic, Dialect::Ami2, &talking(), &["1001".into()]).expect("valid");
    for (k, v) in [
        ("Action", "Park"),
        ("Channel", "PJSIP/carrier-00000003"),
        ("TimeoutChannel", "PJSIP/1001-00000004"),
        ("Parkinglot", "default"),
    ] {
        assert_eq!(p.get(k), Some(v), "12+ Park as in park-retrieve.sent: {k}");
    }
    let mut old_call = talking();
    old_call[0].name = "SIP/carrier-00000003".into();
    old_call[1].name = "SIP/1001-00000004".into();
    let old = park_call(
        &Profile::of(PbxKind::YeastarMyPbx),
        Dialect::Ami1,
        &old_call,
        &["1001".into()],
    )
    .expect("valid");
    assert_eq!(
        (
            old.get("Channel"),
            old.get("Channel2"),
            old.get("TimeoutChannel")
        ),
        (
            Some("SIP/carrier-00000003"),
            Some("SIP/1001-00000004"),
            None
        ),
        "Asterisk 11's manager Park: Channel and Channel2"
    );
    assert_eq!(old.get("Parkinglot"), None, "MyPBX's profile names no lot");
    // Parking a colleague's call: the call comes back to the colleague.
    let p = park_call(&generic, Dialect::Ami2, &talking(), &["1005".into()]).expect("valid");
    assert_eq!(p.get("TimeoutChannel"), Some("PJSIP/1001-00000004"));
    let mut ringing = talking();
    ringing[0].up = false;
    ringing[1].up = false;
    assert!(matches!(
        park_call(&generic, Dialect::Ami2, &ringing, &["1001".into()]),
        Err(ActionError::NotInProgress)
    ));
    assert!(matches!(
        park_call(&generic, Dialect::Ami2, &[], &["1001".into()]),
        Err(ActionError::CallGone)
    ));
}

#[test]
fn queue_actions_name_the_member_as_the_queue_does() {
    let generic = Profile::of(PbxKind::Generic);
    let p =
        queue_pause(&generic, Some("support"), "1003", true, Some("lunch break")).expect("valid");
    for (k, v) in [
        ("Action", "QueuePause"),
        ("Queue", "support"),
        ("Interface", "PJSIP/1003"),
        ("Paused", "true"),
        ("Reason", "lunch break"),
    ] {
        assert_eq!(p.get(k), Some(v), "QueuePause {k}");
    }
    let all = queue_pause(&generic, None, "SIP/1003", false, None).expect("valid");
    assert_eq!(
        (
            all.get("Queue"),
            all.get("Interface"),
            all.get("Paused"),
            all.get("Reason")
        ),
        (None, Some("SIP/1003"), Some("false"), None),
        "no queue: every queue; an interface given whole is kept"
    );
    let freepbx = Profile::of(PbxKind::FreePbx);
    let add = queue_add(&freepbx, "sales", "1002", Some("Bob Sales"), false).expect("valid");
    for (k, v) in [
        ("Action", "QueueAdd"),
        ("Queue", "sales"),
        ("Interface", "Local/1002@from-queue/n"),
        ("MemberName", "Bob Sales"),
        ("StateInterface", "hint:1002@ext-local"),
        ("Paused", "false"),
    ] {
        assert_eq!(add.get(k), Some(v), "FreePBX QueueAdd {k}");
    }
    let remove = queue_remove(&freepbx, "sales", "1002").expect("valid");
    assert_eq!(
        (remove.get("Queue"), remove.get("Interface")),
        (Some("sales"), Some("Local/1002@from-queue/n"))
    );
    for bad in HOSTILE {
        assert!(
            queue_pause(&generic, Some(bad), "1003", true, None).is_err(),
            "queue {bad:?}"
        );
        assert!(
            queue_pause(&generic, Some("support"), bad, true, None).is_err(),
            "member {bad:?}"
        );
        assert!(
            queue_add(&generic, "support", bad, None, false).is_err(),
            "add member {bad:?}"
        );
        assert!(
            queue_remove(&generic, bad, "1003").is_err(),
            "remove queue {bad:?}"
        );
    }
    for bad in ["lunch\r\nAction: Hangup", "lunch\0", "lunch\n"] {
        assert!(
            queue_pause(&generic, Some("support"), "1003", true, Some(bad)).is_err(),
            "reason {bad:?}"
        );
        assert!(
            queue_add(&generic, "support", "1003", Some(bad), false).is_err(),
            "name {bad:?}"
        );
    }
    assert!(
        queue_add(
            &generic,
            "support",
            "PJSIP/1003\r\nAction: Hangup",
            None,
            false
        )
        .is_err(),
        "a whole interface is checked too"
    );
}

#[test]
fn send_to_voicemail_redirects_the_caller_to_the_profiles_extension() {
    let freepbx = Profile::of(PbxKind::FreePbx);
    let p = voicemail_call(&freepbx, &talking(), &["1001".into()], "1002").expect("valid");
    for (k, v) in [
        ("Action", "Redirect"),
        ("Channel", "PJSIP/carrier-00000003"),
        ("Context", "from-internal"),
        ("Exten", "*1002"),
        ("Priority", "1"),
    ] {
        assert_eq!(p.get(k), Some(v), "the caller, never her own channel: {k}");
    }
    assert!(matches!(
        voicemail_call(
            &Profile::of(PbxKind::Generic),
            &talking(),
            &["1001".into()],
            "1002"
        ),
        Err(ActionError::NoVoicemailExten)
    ));
    for bad in HOSTILE {
        assert!(
            send_to_voicemail(&freepbx, "PJSIP/carrier-00000003", "1001", bad).is_err(),
            "{bad:?}"
        );
        assert!(
            send_to_voicemail(&freepbx, bad, "1001", "1002").is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn pbx_refusals_become_plain_words() {
    let pause = Packet::action("QueuePause")
        .with("Queue", "support")
        .with("Interface", "Local/1002@from-queue/n");
    let cases: Vec<(ConsoleAction, &Packet, &str, &str, &str)> = vec![
        (
            ConsoleAction::QueuePause,
            &pause,
            "Permission denied",
            "permission_denied",
            "your PBX user may not pause queue members: ask your PBX admin to give the AMI user the 'agent' permission",
        ),
        (
            ConsoleAction::QueuePause,
            &pause,
            "Interface not found",
            "not_a_member",
            "1002 is not a member of queue support",
        ),
        (
            ConsoleAction::QueueMembers,
            &pause,
            "Unable to add interface: Already there",
            "already_a_member",
            "1002 is already logged in to queue support",
        ),
        (
            ConsoleAction::QueueMembers,
            &pause,
            "Unable to remove interface: Not there",
            "not_a_member",
            "1002 is not a member of queue support",
        ),
        (
            ConsoleAction::QueueMembers,
            &pause,
            "Unable to add interface to queue: No such queue",
            "no_such_queue",
            "the PBX has no queue called 'support': check the queue's name",
        ),
        (
            ConsoleAction::QueueMembers,
            &pause,
            "Member not dynamic",
            "static_member",
            "1002 is a permanent member of queue support (set in the PBX's configuration), so it cannot be logged out from here: ask your PBX admin",
        ),
        (
            ConsoleAction::Park,
            &pause,
            "Channel does not exist: PJSIP/carrier-00000003",
            "no_such_channel",
            "that call is no longer on the PBX (it may have just ended)",
        ),
        (
            ConsoleAction::Park,
            &pause,
            "Park action failed\n",
            "park_failed",
            "the PBX could not park the call (Park action failed): the parking lot may be full",
        ),
        (
            ConsoleAction::Pickup,
            &pause,
            "Permission denied",
            "permission_denied",
            "your PBX user may not pick up colleagues' calls: ask your PBX admin to give the AMI user the 'originate' permission",
        ),
    ];
    for (action, sent, pbx, code, words) in cases {
        let e = refusal(action, sent, failed(pbx));
        assert_eq!(e.code(), code, "{pbx:?}");
        assert_eq!(e.to_string(), words, "{pbx:?}");
    }
    let everywhere = Packet::action("QueuePause").with("Interface", "PJSIP/1003");
    assert_eq!(
        refusal(
            ConsoleAction::QueuePause,
            &everywhere,
            failed("Interface not found")
        )
        .to_string(),
        "1003 is not a member of any queue"
    );
    let other = refusal(ConsoleAction::Park, &pause, failed("Something new"));
    assert!(
        matches!(other, ActionError::Pbx(_)),
        "an unknown refusal keeps the PBX's words: {other}"
    );
    assert!(matches!(
        refusal(
            ConsoleAction::Park,
            &pause,
            ringside_ami::Error::NotConnected
        ),
        ActionError::Pbx(ringside_ami::Error::NotConnected)
    ));
}

fn ev(fields: &[(&str, &str)]) -> Packet {
    fields
        .iter()
        .fold(Packet::new(), |p, (k, v)| p.with(*k, *v))
}

#[test]
fn an_originate_is_done_only_when_its_event_confirms_it() {
    let id = "ringside-pickup-1";
    let newstate_up = ev(&[
        ("Event", "Newstate"),
        ("ChannelState", "6"),
        ("Uniqueid", id),
    ]);
    let hangup = ev(&[("Event", "Hangup"), ("Uniqueid", id), ("Cause", "16")]);
    let pickup_ev = ev(&[
        ("Event", "Pickup"),
        ("Channel", "PJSIP/1001-00000011"),
        ("TargetChannel", "PJSIP/1002-0000000f"),
    ]);
    // Her phone answers, then the Pickup arrives: done.
    let mut w = OriginateWatch::new(ConsoleAction::Pickup, id, Some("9"));
    assert!(
        w.step(&newstate_up, false).is_none(),
        "answered is not done"
    );
    assert!(matches!(
        w.step(&pickup_ev, is_pickup_of(&pickup_ev, "PJSIP/1002")),
        Some(Ok(()))
    ));
    // Her phone answers, then hangs up: the call was gone.
    let mut w = OriginateWatch::new(ConsoleAction::Pickup, id, Some("9"));
    w.step(&newstate_up, false);
    assert!(matches!(
        w.step(&hangup, false),
        Some(Err(ActionError::TooLate {
            action: ConsoleAction::Pickup
        }))
    ));
    // Her phone never answers: the dial failed, with the cause.
    let mut w = OriginateWatch::new(ConsoleAction::Retrieve, id, Some("9"));
    let busy = ev(&[("Event", "Hangup"), ("Uniqueid", id), ("Cause", "17")]);
    assert!(matches!(
        w.step(&busy, false),
        Some(Err(ActionError::DialFailed(DialFailure::Busy)))
    ));
    assert!(matches!(
        w.timed_out(),
        ActionError::DialFailed(DialFailure::NoResult)
    ));
    // AMI 1.x: no preset id; the OriginateResponse (by ActionID) names her leg.
    let mut w = OriginateWatch::new(ConsoleAction::Retrieve, id, Some("9"));
    let response = ev(&[
        ("Event", "OriginateResponse"),
        ("ActionID", "9"),
        ("Response", "Success"),
        ("Channel", "SIP/1001-0000000c"),
        ("Uniqueid", "1700000000.12"),
    ]);
    assert!(w.step(&response, false).is_none());
    let other = ev(&[("Event", "Hangup"), ("Uniqueid", "1700000000.99")]);
    assert!(w.step(&other, false).is_none(), "another channel's hangup");
    assert!(
        matches!(w.timed_out(), ActionError::TooLate { .. }),
        "answered, unconfirmed"
    );
    let gone = ev(&[("Event", "Hangup"), ("Uniqueid", "1700000000.12")]);
    assert!(matches!(
        w.step(&gone, false),
        Some(Err(ActionError::TooLate {
            action: ConsoleAction::Retrieve
        }))
    ));
    let mut w = OriginateWatch::new(ConsoleAction::Pickup, id, Some("9"));
    let failure = ev(&[
        ("Event", "OriginateResponse"),
        ("ActionID", "9"),
        ("Response", "Failure"),
        ("Reason", "5"),
    ]);
    assert!(matches!(
        w.step(&failure, false),
        Some(Err(ActionError::DialFailed(DialFailure::Busy)))
    ));
}

#[test]
fn confirmation_events_are_read_in_both_dialects() {
    let old_pickup = ev(&[
        ("Event", "Pickup"),
        ("Channel", "SIP/1003-0000000c"),
        ("TargetChannel", "SIP/1002-0000000b"),
    ]);
    assert!(is_pickup_of(&old_pickup, "SIP/1002"));
    assert!(
        !is_pickup_of(&old_pickup, "SIP/100"),
        "not a prefix of another device"
    );
    assert!(
        !is_pickup_of(&old_pickup, "SIP/1003"),
        "the target, not the picker"
    );
    let modern_unpark = ev(&[
        ("Event", "UnParkedCall"),
        ("ParkeeChannel", "PJSIP/carrier-00000003"),
        ("Parkinglot", "default"),
        ("ParkingSpace", "71"),
    ]);
    assert!(is_unpark_of(&modern_unpark, "71", Some("default")));
    assert!(!is_unpark_of(&modern_unpark, "72", None));
    assert!(!is_unpark_of(&modern_unpark, "71", Some("sales")));
    let old_unpark = ev(&[
        ("Event", "UnParkedCall"),
        ("Exten", "71"),
        ("Channel", "SIP/carrier-00000003"),
        ("Parkinglot", "default"),
    ]);
    assert!(is_unpark_of(&old_unpark, "71", None));
    let modern_park = ev(&[
        ("Event", "ParkedCall"),
        ("ParkeeChannel", "PJSIP/carrier-00000003"),
        ("Parkinglot", "default"),
        ("ParkingSpace", "71"),
    ]);
    assert_eq!(
        parked_at(&modern_park, "PJSIP/carrier-00000003"),
        Some(ParkedAt {
            space: "71".into(),
            lot: Some("default".into())
        })
    );
    assert_eq!(parked_at(&modern_park, "PJSIP/carrier-00000009"), None);
    let old_park = ev(&[
        ("Event", "ParkedCall"),
        ("Exten", "701"),
        ("Channel", "SIP/carrier-00000003"),
        ("Parkinglot", "default"),
        ("From", "SIP/1001-00000004"),
    ]);
    assert_eq!(
        parked_at(&old_park, "SIP/carrier-00000003").map(|p| p.space),
        Some("701".into())
    );
}

#[test]
fn an_old_listing_finds_her_channel_through_its_bridge() {
    // Asterisk 11's CoreShowChannel has no Linkedid: the call's id is the
    // caller's Uniqueid, and her channel is the one bridged to it.
    let item = |chan: &str, uid: &str, peer: &str, peer_uid: &str| {
        ev(&[
            ("Event", "CoreShowChannel"),
            ("Channel", chan),
            ("UniqueID", uid),
            ("ChannelState", "6"),
            ("BridgedChannel", peer),
            ("BridgedUniqueID", peer_uid),
        ])
    };
    let listing = vec![
        item(
            "SIP/carrier-00000003",
            "1700000000.3",
            "SIP/1001-00000004",
            "1700000000.4",
        ),
        item(
            "SIP/1001-00000004",
            "1700000000.4",
            "SIP/carrier-00000003",
            "1700000000.3",
        ),
        item(
            "SIP/1004-00000009",
            "1700000000.9",
            "SIP/1005-0000000a",
            "1700000000.10",
        ),
        item(
            "SIP/1005-0000000a",
            "1700000000.10",
            "SIP/1004-00000009",
            "1700000000.9",
        ),
    ];
    let mut classifier = crate::channel::Classifier::new();
    classifier.add_extension("1001");
    let listed = super::super::listed_call_channels(&listing, "1700000000.3", &classifier);
    let names: Vec<&str> = listed.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["SIP/carrier-00000003", "SIP/1001-00000004"],
        "the caller first, then her bridged channel, and no other call's"
    );
    let p = park_call(
        &Profile::of(PbxKind::YeastarMyPbx),
        Dialect::Ami1,
        &listed,
        &["1001".into()],
    )
    .expect("parkable");
    assert_eq!(
        (p.get("Channel"), p.get("Channel2")),
        (Some("SIP/carrier-00000003"), Some("SIP/1001-00000004"))
    );
}
