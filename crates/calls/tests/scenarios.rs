//! Constructed event sequences for what the real captures lack: the AMI 1.1
//! examples of the MyPBX seed, FreePBX queues and ring groups through Local
//! channels, BlindTransfer / AttendedTransfer, voicemail, queue abandon, and
//! reconnects (resync) in the middle of a call. Field names and event order
//! follow the captures in `tests/fixtures` and the Asterisk AMI references.

use ringside_ami::Packet;
use ringside_calls::tracker::{CallTracker, CardChange, CloseReason, TrackerConfig};
use ringside_calls::{Direction, Outcome, TransferKind};

/// One channel's snapshot fields.
#[derive(Clone, Copy)]
struct Ch {
    name: &'static str,
    uid: &'static str,
    /// Empty on AMI 1.x.
    linked: &'static str,
    num: &'static str,
    cname: &'static str,
    ctx: &'static str,
    exten: &'static str,
}

fn snapshot(p: Packet, prefix: &str, c: &Ch) -> Packet {
    let k = |s: &str| format!("{prefix}{s}");
    let mut p = p
        .with(k("Channel"), c.name)
        .with(k("CallerIDNum"), c.num)
        .with(k("CallerIDName"), c.cname)
        .with(k("Context"), c.ctx)
        .with(k("Exten"), c.exten)
        .with(k("Uniqueid"), c.uid);
    if !c.linked.is_empty() {
        p = p.with(k("Linkedid"), c.linked);
    }
    p
}

fn event(name: &str) -> Packet {
    Packet::new()
        .with("Event", name)
        .with("Privilege", "call,all")
}

fn newchannel(c: &Ch) -> Packet {
    snapshot(event("Newchannel"), "", c)
        .with("ChannelState", "0")
        .with("ChannelStateDesc", "Down")
}

fn newstate(c: &Ch, state: &str, desc: &str) -> Packet {
    snapshot(event("Newstate"), "", c)
        .with("ChannelState", state)
        .with("ChannelStateDesc", desc)
}

fn ringing(c: &Ch) -> Packet {
    newstate(c, "5", "Ringing")
}

fn up(c: &Ch) -> Packet {
    newstate(c, "6", "Up")
}

fn dial_begin(caller: Option<&Ch>, dest: &Ch, dialstring: &str) -> Packet {
    let mut p = event("DialBegin");
    if let Some(c) = caller {
        p = snapshot(p, "", c);
    }
    snapshot(p, "Dest", dest).with("DialString", dialstring)
}

fn dial_end(caller: &Ch, dest: &Ch, status: &str) -> Packet {
    snapshot(snapshot(event("DialEnd"), "", caller), "Dest", dest).with("DialStatus", status)
}

fn bridge_enter(c: &Ch, bridge: &str) -> Packet {
    event("BridgeEnter")
        .with("BridgeUniqueid", bridge)
        .with("BridgeType", "basic")
        .then_snapshot(c)
}

fn bridge_leave(c: &Ch, bridge: &str) -> Packet {
    event("BridgeLeave")
        .with("BridgeUniqueid", bridge)
        .then_snapshot(c)
}

fn hangup(c: &Ch, cause: &str) -> Packet {
    snapshot(event("Hangup"), "", c).with("Cause", cause)
}

fn newexten(c: &Ch, app: &str, data: &str) -> Packet {
    snapshot(event("Newexten"), "", c)
        .with("Application", app)
        .with("AppData", data)
}

trait Then {
    fn then_snapshot(self, c: &Ch) -> Packet;
}
impl Then for Packet {
    fn then_snapshot(self, c: &Ch) -> Packet {
        snapshot(self, "", c)
    }
}

/// AMI 1.1 `Event: Dial` with `SubEvent: Begin`, as in the MyPBX seed.
fn dial1(caller: &Ch, dest: &Ch, dialstring: &str) -> Packet {
    event("Dial")
        .with("SubEvent", "Begin")
        .with("Channel", caller.name)
        .with("Destination", dest.name)
        .with("CallerIDNum", caller.num)
        .with("CallerIDName", caller.cname)
        .with("UniqueID", caller.uid)
        .with("DestUniqueID", dest.uid)
        .with("Dialstring", dialstring)
}

fn dial1_end(caller: &Ch, status: &str) -> Packet {
    event("Dial")
        .with("SubEvent", "End")
        .with("Channel", caller.name)
        .with("UniqueID", caller.uid)
        .with("DialStatus", status)
}

fn link1(a: &Ch, b: &Ch) -> Packet {
    event("Bridge")
        .with("Bridgestate", "Link")
        .with("Bridgetype", "core")
        .with("Channel1", a.name)
        .with("Channel2", b.name)
        .with("Uniqueid1", a.uid)
        .with("Uniqueid2", b.uid)
}

fn feed(t: &mut CallTracker, evs: &[Packet], start_ms: i64) -> Vec<CardChange> {
    let mut out = Vec::new();
    for (i, e) in evs.iter().enumerate() {
        out.extend(t.apply(e, start_ms + i as i64 * 100));
    }
    out
}

fn popups(ch: &[CardChange]) -> Vec<&CardChange> {
    ch.iter()
        .filter(|c| matches!(c, CardChange::Popup { .. }))
        .collect()
}

fn popup_exts(ch: &[CardChange]) -> Vec<String> {
    ch.iter()
        .filter_map(|c| match c {
            CardChange::Popup { extension, .. } => Some(extension.clone()),
            _ => None,
        })
        .collect()
}

fn closes(ch: &[CardChange]) -> Vec<(String, CloseReason, Option<String>)> {
    ch.iter()
        .filter_map(|c| match c {
            CardChange::Close {
                extension,
                reason,
                answered_by,
                ..
            } => Some((extension.clone(), *reason, answered_by.clone())),
            _ => None,
        })
        .collect()
}

fn ends(ch: &[CardChange]) -> Vec<&CardChange> {
    ch.iter()
        .filter(|c| matches!(c, CardChange::Ended { .. }))
        .collect()
}

fn watching(exts: &[&str]) -> CallTracker {
    CallTracker::new(TrackerConfig::watching(exts.iter().copied()))
}

// ---------------------------------------------------------------- AMI 1.1

const S470: Ch = Ch {
    name: "SIP/470-000079dd",
    uid: "1372066112.31203",
    linked: "",
    num: "470",
    cname: "470",
    ctx: "DLPN_DialPlan470",
    exten: "474",
};
const S474: Ch = Ch {
    name: "SIP/474-000079de",
    uid: "1372066112.31204",
    linked: "",
    num: "474",
    cname: "474",
    ctx: "DLPN_DialPlan474",
    exten: "",
};

#[test]
fn mypbx_seed_dial_to_an_extension_pops_internal() {
    let mut t = watching(&["474"]);
    let ch = feed(
        &mut t,
        &[
            newchannel(&S470),
            newchannel(&S474),
            dial1(&S470, &S474, "474"),
            ringing(&S474),
        ],
        0,
    );
    match popups(&ch).as_slice() {
        [CardChange::Popup {
            extension,
            caller_num,
            direction,
            trunk,
            ..
        }] => {
            assert_eq!(
                extension, "474",
                "the seed: Destination SIP/474-… means extension 474 rings"
            );
            assert_eq!(
                caller_num, "470",
                "the seed: the caller ID is in CallerIDNum"
            );
            assert_eq!(
                *direction,
                Direction::Internal,
                "an extension called another extension"
            );
            assert_eq!(*trunk, None, "no trunk on an internal call");
        }
        other => panic!("exactly one popup for 474 expected, got {other:?}"),
    }
    let ch = feed(
        &mut t,
        &[
            hangup(&S474, "16"),
            dial1_end(&S470, "NOANSWER"),
            hangup(&S470, "16"),
        ],
        1000,
    );
    assert_eq!(
        closes(&ch),
        vec![("474".into(), CloseReason::Missed, None)],
        "nobody answered 474"
    );
    assert_eq!(ends(&ch).len(), 1, "the call ends once");
    assert_eq!(
        t.live_calls() + t.live_channels(),
        0,
        "nothing left after the hangups"
    );
}

#[test]
fn mypbx_seed_trunk_destinations_do_not_pop() {
    for dest_name in [
        "SIP/trunk-sps-test3/111222-0000802c",
        "SIP/trunk-test1/1112233-0000802c",
        "IAX2/trunk-test2/1112233-0000802c",
    ] {
        let mut t = CallTracker::new(TrackerConfig::default()); // watches everything
        let trunk = Ch {
            name: dest_name,
            uid: "1372066112.40",
            linked: "",
            num: "",
            cname: "",
            ctx: "",
            exten: "",
        };
        let caller = Ch {
            exten: "111222",
            ..S470
        };
        let ch = feed(
            &mut t,
            &[
                newchannel(&caller),
                newchannel(&trunk),
                dial1(&caller, &trunk, "trunk-sps-test3/111222"),
                ringing(&trunk),
                up(&trunk),
                link1(&caller, &trunk),
            ],
            0,
        );
        assert!(
            popups(&ch).is_empty(),
            "{dest_name}: dialling out via a trunk is not an incoming call"
        );
        let ch = feed(
            &mut t,
            &[
                hangup(&trunk, "16"),
                dial1_end(&caller, "ANSWER"),
                hangup(&caller, "16"),
            ],
            1000,
        );
        match ends(&ch).as_slice() {
            [CardChange::Ended {
                answered_by,
                missed,
                record,
                ..
            }] => {
                let name = dest_name
                    .split('/')
                    .nth(1)
                    .and_then(|s| s.strip_prefix("trunk-"))
                    .expect("yeastar trunk");
                assert_eq!(
                    answered_by.as_deref(),
                    Some(format!("trunk {name}").as_str()),
                    "the far end on the trunk answered"
                );
                assert!(!missed, "an outbound call is never missed");
                assert_eq!(
                    record.direction,
                    Direction::Outbound,
                    "extension to trunk is outbound"
                );
                assert_eq!(
                    record.from_extension.as_deref(),
                    Some("470"),
                    "470 placed it"
                );
            }
            other => panic!("{dest_name}: one call_end expected, got {other:?}"),
        }
    }
}

#[test]
fn analog_port_of_unknown_kind_does_not_pop_until_declared() {
    let port = Ch {
        name: "DAHDI/65-0000801c",
        uid: "1372066112.50",
        linked: "",
        num: "",
        cname: "",
        ctx: "",
        exten: "",
    };
    let run = |t: &mut CallTracker| {
        feed(
            t,
            &[
                newchannel(&S470),
                newchannel(&port),
                dial1(&S470, &port, "65"),
            ],
            0,
        )
    };
    let mut t = CallTracker::new(TrackerConfig::default());
    assert!(
        popups(&run(&mut t)).is_empty(),
        "DAHDI/65 may be an analog trunk: the name alone must not pop"
    );
    let mut cfg = TrackerConfig::default();
    cfg.known_extensions.push("65".into());
    let mut t = CallTracker::new(cfg);
    assert_eq!(
        popup_exts(&run(&mut t)),
        vec!["65"],
        "once the user says port 65 is a phone, it pops"
    );
}

const C1: Ch = Ch {
    name: "SIP/carrier-00000010",
    uid: "1795447900.16",
    linked: "",
    num: "+15551234567",
    cname: "ACME Corp",
    ctx: "from-trunk",
    exten: "5550600",
};

#[test]
fn ami1_ring_group_through_local_channels() {
    // FreePBX ring group on Asterisk 11: Dial(Local/1001@from-internal&Local/1003@from-internal).
    let l1a = Ch {
        name: "Local/1001@from-internal-00000001;1",
        uid: "1795447900.17",
        linked: "",
        num: "600",
        cname: "Ring Group 600",
        ctx: "from-internal",
        exten: "1001",
    };
    let l1b = Ch {
        name: "Local/1001@from-internal-00000001;2",
        uid: "1795447900.18",
        ..l1a
    };
    let l3a = Ch {
        name: "Local/1003@from-internal-00000002;1",
        uid: "1795447900.19",
        exten: "1003",
        ..l1a
    };
    let l3b = Ch {
        name: "Local/1003@from-internal-00000002;2",
        uid: "1795447900.20",
        exten: "1003",
        ..l1a
    };
    let p1 = Ch {
        name: "SIP/1001-00000011",
        uid: "1795447900.21",
        linked: "",
        num: "1001",
        cname: "Alice Front Desk",
        ctx: "from-internal",
        exten: "",
    };
    let p3 = Ch {
        name: "SIP/1003-00000012",
        uid: "1795447900.22",
        num: "1003",
        cname: "Carol Support",
        ..p1
    };
    let mut t = watching(&["1001", "1003"]);
    let ch = feed(
        &mut t,
        &[
            newchannel(&C1),
            newexten(
                &C1,
                "Dial",
                "Local/1001@from-internal&Local/1003@from-internal,25",
            ),
            newchannel(&l1a),
            newchannel(&l1b),
            newchannel(&l3a),
            newchannel(&l3b),
            dial1(&C1, &l1a, "1001@from-internal"),
            dial1(&C1, &l3a, "1003@from-internal"),
            newchannel(&p1),
            dial1(&l1b, &p1, "1001"),
            newchannel(&p3),
            dial1(&l3b, &p3, "1003"),
            ringing(&p1),
            ringing(&p3),
        ],
        0,
    );
    assert_eq!(
        popup_exts(&ch),
        vec!["1001", "1003"],
        "one popup per real phone, none for the Local halves"
    );
    for p in popups(&ch) {
        let CardChange::Popup {
            caller_num,
            caller_name,
            direction,
            call,
            trunk,
            ..
        } = p
        else {
            unreachable!()
        };
        assert_eq!(
            caller_num, "+15551234567",
            "the real outside caller, not the Local channel's 600"
        );
        assert_eq!(
            caller_name.as_deref(),
            Some("ACME Corp"),
            "the outside caller's name"
        );
        assert_eq!(*direction, Direction::Inbound, "came in on the trunk");
        assert_eq!(
            call, C1.uid,
            "AMI 1.1 call id is the first channel's Uniqueid: one call"
        );
        assert_eq!(
            trunk.as_deref(),
            Some("carrier"),
            "found from the from-trunk context"
        );
    }
    let ch = feed(
        &mut t,
        &[
            up(&p1),
            up(&l1b),
            hangup(&p3, "26"),
            hangup(&l3b, "26"),
            hangup(&l3a, "26"),
            link1(&C1, &l1a),
            hangup(&C1, "16"),
            hangup(&l1a, "16"),
            hangup(&l1b, "16"),
            hangup(&p1, "16"),
        ],
        2000,
    );
    assert_eq!(
        closes(&ch),
        vec![
            ("1001".into(), CloseReason::Answered, Some("1001".into())),
            (
                "1003".into(),
                CloseReason::AnsweredElsewhere,
                Some("1001".into())
            )
        ],
        "1001 answered; 1003's popup closes as answered by 1001"
    );
    match ends(&ch).as_slice() {
        [CardChange::Ended {
            answered_by,
            answered_elsewhere_for,
            ..
        }] => {
            assert_eq!(answered_by.as_deref(), Some("1001"), "1001 answered");
            assert_eq!(
                answered_elsewhere_for,
                &vec!["1003".to_string()],
                "1003 saw it answered elsewhere"
            );
        }
        other => panic!("one call_end for the whole ring group call, got {other:?}"),
    }
    assert_eq!(
        t.live_calls() + t.live_channels(),
        0,
        "Local halves and phones all gone"
    );
}

// ---------------------------------------------------------------- AMI 2+

const TRUNK: Ch = Ch {
    name: "PJSIP/carrier-00000020",
    uid: "1795445000.30",
    linked: "1795445000.30",
    num: "+15551234567",
    cname: "ACME Corp",
    ctx: "from-pstn",
    exten: "5550400",
};

fn phone(ext: &'static str, uid: &'static str, seq: &'static str, linked: &'static str) -> Ch {
    let name: &'static str = Box::leak(format!("PJSIP/{ext}-{seq}").into_boxed_str());
    Ch {
        name,
        uid,
        linked,
        num: ext,
        cname: ext,
        ctx: "from-internal",
        exten: "s",
    }
}

#[test]
fn freepbx_queue_with_local_members() {
    let lk = TRUNK.linked;
    let q = |name: &'static str, uid: &'static str, exten: &'static str| Ch {
        name,
        uid,
        linked: lk,
        // FreePBX rewrites the member leg's caller name; it must not leak into the popup.
        num: "400",
        cname: "Q:Sales",
        ctx: "from-queue",
        exten,
    };
    let l1a = q("Local/1001@from-queue-00000001;1", "1795445000.31", "1001");
    let l1b = q("Local/1001@from-queue-00000001;2", "1795445000.32", "1001");
    let l2a = q("Local/1002@from-queue-00000002;1", "1795445000.33", "1002");
    let l2b = q("Local/1002@from-queue-00000002;2", "1795445000.34", "1002");
    let p1 = phone("1001", "1795445000.35", "00000021", lk);
    let p2 = phone("1002", "1795445000.36", "00000022", lk);
    let start = [
        newchannel(&TRUNK),
        newexten(&TRUNK, "Queue", "400,t,,,300"),
        event("QueueCallerJoin")
            .then_snapshot(&TRUNK)
            .with("Queue", "400")
            .with("Position", "1"),
        newchannel(&l1a),
        newchannel(&l1b),
        newchannel(&l2a),
        newchannel(&l2b),
        dial_begin(Some(&TRUNK), &l1a, "Local/1001@from-queue/n"),
        dial_begin(Some(&TRUNK), &l2a, "Local/1002@from-queue/n"),
        newchannel(&p1),
        dial_begin(Some(&l1b), &p1, "1001"),
        newchannel(&p2),
        dial_begin(Some(&l2b), &p2, "1002"),
        ringing(&p1),
        ringing(&p2),
    ];
    let mut t = watching(&["1001", "1002", "1003"]);
    let ch = feed(&mut t, &start, 0);
    assert_eq!(
        popup_exts(&ch),
        vec!["1001", "1002"],
        "one popup per real phone; Local members never pop"
    );
    for p in popups(&ch) {
        let CardChange::Popup {
            caller_num,
            caller_name,
            queue,
            direction,
            ..
        } = p
        else {
            unreachable!()
        };
        assert_eq!(
            caller_num, "+15551234567",
            "the real caller, not the Local leg's 400"
        );
        assert_eq!(
            caller_name.as_deref(),
            Some("ACME Corp"),
            "not the queue's rewritten name"
        );
        assert_eq!(queue.as_deref(), Some("400"), "the queue it came through");
        assert_eq!(*direction, Direction::Inbound, "from the trunk");
    }
    let answer = [
        up(&p2),
        dial_end(&l1b, &p1, "CANCEL"),
        dial_end(&l2b, &p2, "ANSWER"),
        dial_end(&TRUNK, &l1a, "CANCEL"),
        dial_end(&TRUNK, &l2a, "ANSWER"),
        hangup(&p1, "26"),
        hangup(&l1b, "26"),
        hangup(&l1a, "26"),
        bridge_enter(&TRUNK, "b1"),
        bridge_enter(&l2a, "b1"),
        bridge_enter(&l2b, "b2"),
        bridge_enter(&p2, "b2"),
        event("LocalOptimizationBegin")
            .with("LocalOneUniqueid", l2a.uid)
            .with("LocalTwoUniqueid", l2b.uid),
        event("LocalOptimizationEnd")
            .with("LocalOneUniqueid", l2a.uid)
            .with("LocalTwoUniqueid", l2b.uid)
            .with("Success", "Yes"),
        hangup(&l2a, "16"),
        hangup(&l2b, "16"),
        hangup(&TRUNK, "16"),
        hangup(&p2, "16"),
    ];
    let ch = feed(&mut t, &answer, 5000);
    assert!(popups(&ch).is_empty(), "answering pops nothing new");
    assert_eq!(
        closes(&ch),
        vec![
            (
                "1001".into(),
                CloseReason::AnsweredElsewhere,
                Some("1002".into())
            ),
            ("1002".into(), CloseReason::Answered, Some("1002".into()))
        ],
        "1002 answered; 1001 closes as answered elsewhere even though its CANCEL arrived first"
    );
    match ends(&ch).as_slice() {
        [CardChange::Ended {
            answered_by,
            missed,
            record,
            ..
        }] => {
            assert_eq!(answered_by.as_deref(), Some("1002"), "1002 answered");
            assert!(!missed, "answered by a colleague is not missed");
            assert_eq!(
                record.did.as_deref(),
                Some("5550400"),
                "the DID it came in on"
            );
            assert_eq!(
                record.rang,
                vec!["1001".to_string(), "1002".to_string()],
                "rang both members"
            );
        }
        other => panic!("one call_end, got {other:?}"),
    }
    assert_eq!(
        t.live_calls() + t.live_channels(),
        0,
        "queue call fully cleaned up"
    );

    // Watching the queue itself pops once for the queue, before any phone rings.
    let mut cfg = TrackerConfig::watching(["1005"]);
    cfg.groups.push("400".into());
    let mut t = CallTracker::new(cfg);
    let ch = feed(&mut t, &start, 0);
    assert_eq!(
        popup_exts(&ch),
        vec!["400"],
        "a watched queue pops once; unwatched member phones do not"
    );
}

#[test]
fn queue_caller_abandons() {
    let lk = TRUNK.linked;
    let l1a = Ch {
        name: "Local/1001@from-queue-00000003;1",
        uid: "1795445000.41",
        linked: lk,
        num: "400",
        cname: "Q",
        ctx: "from-queue",
        exten: "1001",
    };
    let l1b = Ch {
        name: "Local/1001@from-queue-00000003;2",
        uid: "1795445000.42",
        ..l1a
    };
    let p1 = phone("1001", "1795445000.43", "00000031", lk);
    let mut t = watching(&["1001"]);
    let ch = feed(
        &mut t,
        &[
            newchannel(&TRUNK),
            newexten(&TRUNK, "Queue", "400,t"),
            newchannel(&l1a),
            newchannel(&l1b),
            dial_begin(Some(&TRUNK), &l1a, "Local/1001@from-queue/n"),
            newchannel(&p1),
            dial_begin(Some(&l1b), &p1, "1001"),
            ringing(&p1),
            dial_end(&l1b, &p1, "NOANSWER"),
            hangup(&p1, "19"),
            event("QueueCallerAbandon")
                .then_snapshot(&TRUNK)
                .with("Queue", "400")
                .with("Position", "1"),
            hangup(&l1b, "16"),
            hangup(&l1a, "16"),
            hangup(&TRUNK, "16"),
        ],
        0,
    );
    assert_eq!(popup_exts(&ch), vec!["1001"], "1001 rang");
    assert_eq!(
        closes(&ch),
        vec![("1001".into(), CloseReason::Missed, None)],
        "the caller gave up: missed at 1001"
    );
    match ends(&ch).as_slice() {
        [CardChange::Ended { missed, record, .. }] => {
            assert!(*missed, "it rang here and nobody answered");
            assert_eq!(
                record.outcome,
                Outcome::Abandoned,
                "QueueCallerAbandon: abandoned in the queue"
            );
        }
        other => panic!("one call_end, got {other:?}"),
    }
}

#[test]
fn unanswered_call_goes_to_voicemail() {
    let p1 = phone("1001", "1795445000.51", "00000041", TRUNK.linked);
    let mut t = watching(&["1001"]);
    let ch = feed(
        &mut t,
        &[
            newchannel(&TRUNK),
            newchannel(&p1),
            dial_begin(Some(&TRUNK), &p1, "1001"),
            ringing(&p1),
            dial_end(&TRUNK, &p1, "NOANSWER"),
            hangup(&p1, "19"),
            newexten(&TRUNK, "VoiceMail", "1001@default,u"),
            up(&TRUNK),
            hangup(&TRUNK, "16"),
        ],
        0,
    );
    assert_eq!(
        closes(&ch),
        vec![("1001".into(), CloseReason::Missed, None)],
        "the phone stopped ringing unanswered"
    );
    match ends(&ch).as_slice() {
        [CardChange::Ended {
            answered_by,
            record,
            ..
        }] => {
            assert_eq!(*answered_by, None, "voicemail is not a person answering");
            assert_eq!(
                record.outcome,
                Outcome::Voicemail,
                "the call entered VoiceMail"
            );
        }
        other => panic!("one call_end, got {other:?}"),
    }
}

/// ACME on the trunk, answered by 1001 and bridged.
fn answered_by_1001(t: &mut CallTracker, p1: &Ch) -> Vec<CardChange> {
    feed(t, &answered_evs(p1), 0)
}

/// The outside caller rings `p1`, which answers and talks in bridge `b1`.
fn answered_evs(p1: &Ch) -> [Packet; 9] {
    [
        newchannel(&TRUNK),
        newchannel(p1),
        dial_begin(Some(&TRUNK), p1, "1001"),
        ringing(p1),
        up(p1),
        dial_end(&TRUNK, p1, "ANSWER"),
        up(&TRUNK),
        bridge_enter(p1, "b1"),
        bridge_enter(&TRUNK, "b1"),
    ]
}

/// Asterisk 12+ `BlindTransfer`: `by`'s phone sends the outside caller to `exten`.
fn blind_transfer(by: &Ch, exten: &str) -> Packet {
    event("BlindTransfer")
        .with("Result", "Success")
        .with("TransfererChannel", by.name)
        .with("TransfererUniqueid", by.uid)
        .with("TransfereeChannel", TRUNK.name)
        .with("TransfereeUniqueid", TRUNK.uid)
        .with("IsExternal", "Yes")
        .with("Context", "from-internal")
        .with("Extension", exten)
}

#[test]
fn blind_transfer_event_pops_at_the_target_with_history() {
    let lk = TRUNK.linked;
    let p1 = phone("1001", "1795445000.61", "00000051", lk);
    let p2 = phone("1002", "1795445000.62", "00000052", lk);
    let mut t = watching(&["1001", "1002"]);
    let first = answered_by_1001(&mut t, &p1);
    assert_eq!(
        popup_exts(&first),
        vec!["1001"],
        "the call first rings 1001"
    );
    let ch = feed(
        &mut t,
        &[
            blind_transfer(&p1, "1002"),
            bridge_leave(&p1, "b1"),
            hangup(&p1, "16"),
            bridge_leave(&TRUNK, "b1"),
            newchannel(&p2),
            dial_begin(Some(&TRUNK), &p2, "1002"),
            ringing(&p2),
            up(&p2),
            dial_end(&TRUNK, &p2, "ANSWER"),
            bridge_enter(&p2, "b3"),
            bridge_enter(&TRUNK, "b3"),
            hangup(&TRUNK, "16"),
            hangup(&p2, "16"),
        ],
        10_000,
    );
    match popups(&ch).as_slice() {
        [CardChange::Popup {
            extension,
            caller_num,
            caller_name,
            transferred_by,
            ..
        }] => {
            assert_eq!(
                extension, "1002",
                "a transferred call pops at its new extension"
            );
            assert_eq!(caller_num, "+15551234567", "still the outside caller");
            assert_eq!(
                caller_name.as_deref(),
                Some("ACME Corp"),
                "still the outside caller's name"
            );
            assert_eq!(
                transferred_by.as_deref(),
                Some("1001"),
                "the BlindTransfer's transferer"
            );
        }
        other => panic!("one popup at 1002 expected, got {other:?}"),
    }
    match ends(&ch).as_slice() {
        [CardChange::Ended {
            answered_by,
            record,
            ..
        }] => {
            assert_eq!(
                answered_by.as_deref(),
                Some("1002"),
                "1002 ends up talking to the caller"
            );
            assert_eq!(
                record.transfers.len(),
                1,
                "one transfer in the history, not two (event + redial)"
            );
            let tr = &record.transfers[0];
            assert_eq!(
                (tr.by.as_deref(), tr.to.as_str(), tr.kind),
                (Some("1001"), "1002", TransferKind::Blind),
                "from ACME, transferred by 1001 to 1002"
            );
        }
        other => panic!("one call_end, got {other:?}"),
    }
    assert_eq!(t.live_calls() + t.live_channels(), 0, "all cleaned up");
}

#[test]
fn attended_transfer_event_moves_the_caller_to_the_target() {
    let lk = TRUNK.linked;
    let p1 = phone("1001", "1795445000.71", "00000061", lk);
    // The consult call is a new call with its own Linkedid.
    let c1 = Ch {
        cname: "Alice Front Desk",
        ..phone("1001", "1795445000.72", "00000062", "1795445000.72")
    };
    let c2 = phone("1002", "1795445000.73", "00000063", "1795445000.72");
    let mut t = watching(&["1001", "1002"]);
    answered_by_1001(&mut t, &p1);
    let consult = feed(
        &mut t,
        &[
            newchannel(&c1),
            newchannel(&c2),
            dial_begin(Some(&c1), &c2, "1002"),
            ringing(&c2),
            up(&c2),
            dial_end(&c1, &c2, "ANSWER"),
            bridge_enter(&c1, "b2"),
            bridge_enter(&c2, "b2"),
        ],
        5000,
    );
    match popups(&consult).as_slice() {
        [CardChange::Popup {
            extension,
            caller_num,
            caller_name,
            direction,
            call,
            consultation,
            consulting_for,
            ..
        }] => {
            assert_eq!(
                (extension.as_str(), caller_num.as_str()),
                ("1002", "1001"),
                "1002's phone shows 1001 calling"
            );
            assert_eq!(
                caller_name.as_deref(),
                Some("Alice Front Desk"),
                "with her name"
            );
            assert_eq!(*direction, Direction::Internal, "consult is internal");
            assert!(
                *consultation,
                "marked as the colleague's side of a transfer"
            );
            let waiting = consulting_for.as_ref().expect("names who waits");
            assert_eq!(
                (waiting.caller_num.as_str(), waiting.caller_name.as_deref()),
                ("+15551234567", Some("ACME Corp")),
                "the held caller"
            );
            assert_eq!(
                call, TRUNK.linked,
                "the phone's consult call belongs to the caller's call"
            );
        }
        other => panic!("one consult popup expected, got {other:?}"),
    }
    assert!(
        ends(&consult).is_empty(),
        "the consultation is not a call of its own"
    );
    let ch = feed(
        &mut t,
        &[
            event("AttendedTransfer")
                .with("Result", "Success")
                .with("OrigTransfererChannel", p1.name)
                .with("OrigTransfererUniqueid", p1.uid)
                .with("SecondTransfererChannel", c1.name)
                .with("SecondTransfererUniqueid", c1.uid)
                .with("TransfereeChannel", TRUNK.name)
                .with("TransfereeUniqueid", TRUNK.uid)
                .with("TransferTargetChannel", c2.name)
                .with("TransferTargetUniqueid", c2.uid)
                .with("DestType", "Bridge")
                .with("DestBridgeUniqueid", "b1"),
            bridge_leave(&p1, "b1"),
            bridge_leave(&c1, "b2"),
            bridge_leave(&c2, "b2"),
            bridge_enter(&c2, "b1"),
            hangup(&p1, "16"),
            hangup(&c1, "16"),
        ],
        8000,
    );
    assert!(
        popups(&ch).is_empty(),
        "no second popup: 1002's card becomes the caller's card"
    );
    let card = ch
        .iter()
        .find_map(|c| match c {
            CardChange::Update { card, .. } if card.connected_to.as_deref() == Some("1002") => {
                Some(card.clone())
            }
            _ => None,
        })
        .expect("the card says the caller now talks to 1002");
    assert_eq!(
        card.caller_num, "+15551234567",
        "the card shows the real caller, not 1001"
    );
    assert_eq!(
        card.transfers
            .last()
            .map(|t| (t.by.as_deref(), t.to.as_str())),
        Some((Some("1001"), "1002")),
        "transferred by 1001"
    );
    assert!(card.consulting.is_none(), "the consultation is over");
    assert!(
        ends(&ch).is_empty(),
        "1001's hang-ups end no call: the caller talks to 1002"
    );
    let ch = feed(&mut t, &[hangup(&TRUNK, "16"), hangup(&c2, "16")], 20_000);
    assert_eq!(
        closes(&ch),
        vec![("1002".into(), CloseReason::Ended, Some("1002".into()))],
        "the transferred popup closes when the call ends"
    );
    match ends(&ch).as_slice() {
        [CardChange::Ended {
            call,
            answered_by,
            record,
            ..
        }] => {
            assert_eq!(call, TRUNK.linked, "the caller's call");
            assert_eq!(
                answered_by.as_deref(),
                Some("1002"),
                "the caller ended up with 1002"
            );
            assert_eq!(record.transfers.len(), 1, "one attended transfer");
            assert_eq!(record.transfers[0].kind, TransferKind::Attended, "attended");
            assert_eq!(record.transfers[0].by.as_deref(), Some("1001"), "by 1001");
        }
        other => panic!("the caller's call ends once, got {other:?}"),
    }
    assert_eq!(t.live_calls() + t.live_channels(), 0, "all cleaned up");
}

// ---------------------------------------------------------------- resync

/// `CoreShowChannel` list item for a channel in `state` (5 ringing, 6 up).
fn listed(c: &Ch, state: &str, app: &str) -> Packet {
    snapshot(
        Packet::new()
            .with("Event", "CoreShowChannel")
            .with("ActionID", "resync"),
        "",
        c,
    )
    .with("ChannelState", state)
    .with("Application", app)
}

#[test]
fn reconnect_while_ringing_then_answered_offline_gives_no_duplicate_popup() {
    let p1 = phone("1001", "1795445000.81", "00000071", TRUNK.linked);
    let mut t = watching(&["1001"]);
    let ch = feed(
        &mut t,
        &[
            newchannel(&TRUNK),
            newchannel(&p1),
            dial_begin(Some(&TRUNK), &p1, "1001"),
            ringing(&p1),
        ],
        0,
    );
    assert_eq!(popup_exts(&ch), vec!["1001"], "rings before the disconnect");

    // Still ringing at the first resync: nothing new to say.
    let again = t.resync(
        &[listed(&TRUNK, "4", "Dial"), listed(&p1, "5", "AppDial")],
        1000,
    );
    assert!(
        again.is_empty(),
        "a call already shown is not shown again: {again:?}"
    );

    // Answered while we were away: the second resync closes the popup as answered.
    let ch = t.resync(
        &[listed(&TRUNK, "6", "Dial"), listed(&p1, "6", "AppDial")],
        2000,
    );
    assert!(popups(&ch).is_empty(), "no duplicate popup");
    assert_eq!(
        closes(&ch),
        vec![("1001".into(), CloseReason::Answered, Some("1001".into()))],
        "learned the answer at resync"
    );

    let ch = feed(&mut t, &[hangup(&TRUNK, "16"), hangup(&p1, "16")], 3000);
    assert_eq!(ends(&ch).len(), 1, "the end is recorded once");
    assert_eq!(t.live_calls() + t.live_channels(), 0, "all cleaned up");
}

#[test]
fn call_that_ended_while_offline_is_reported_once() {
    let p1 = phone("1001", "1795445000.91", "00000081", TRUNK.linked);
    let mut t = watching(&["1001"]);
    feed(
        &mut t,
        &[
            newchannel(&TRUNK),
            newchannel(&p1),
            dial_begin(Some(&TRUNK), &p1, "1001"),
            ringing(&p1),
        ],
        0,
    );
    let ch = t.resync(&[], 60_000);
    assert_eq!(
        closes(&ch),
        vec![("1001".into(), CloseReason::Missed, None)],
        "the popup goes away"
    );
    match ends(&ch).as_slice() {
        [CardChange::Ended {
            ended_offline,
            missed,
            record,
            ..
        }] => {
            assert!(*ended_offline, "we only learned of the end at resync");
            assert!(record.ended_offline, "the record says so too");
            assert!(*missed, "nobody was seen answering it");
        }
        other => panic!("exactly one call_end, got {other:?}"),
    }
    assert_eq!(
        t.live_calls() + t.live_channels(),
        0,
        "lost Hangups are garbage-collected at resync"
    );
    assert!(
        t.resync(&[], 61_000).is_empty(),
        "a second resync reports nothing again"
    );
    assert!(
        feed(&mut t, &[hangup(&p1, "16"), hangup(&TRUNK, "16")], 62_000).is_empty(),
        "late hangups of a collected call say nothing"
    );
}

#[test]
fn call_first_seen_at_resync_pops_once() {
    let p2 = phone("1002", "1795445001.02", "00000091", TRUNK.linked);
    let mut t = watching(&["1002"]);
    let list = [listed(&TRUNK, "4", "Dial"), listed(&p2, "5", "AppDial")];
    let ch = t.resync(&list, 0);
    match popups(&ch).as_slice() {
        [CardChange::Popup {
            extension,
            caller_num,
            direction,
            ..
        }] => {
            assert_eq!(extension, "1002", "1002 is ringing");
            assert_eq!(
                caller_num, "+15551234567",
                "the caller comes from the listed origin channel"
            );
            assert_eq!(
                *direction,
                Direction::Inbound,
                "the origin is a trunk (from-pstn context)"
            );
        }
        other => panic!("one popup expected, got {other:?}"),
    }
    assert!(
        t.resync(&list, 1000).is_empty(),
        "listing the same ringing call again does not pop again"
    );
}

#[test]
fn freepbx_trunks_named_with_digits_are_still_trunks() {
    // Elastix seed: trunk peers named after their numbers.
    let inbound = Ch {
        name: "SIP/902422277777-00000031",
        uid: "1600000000.31",
        linked: "",
        num: "02166311616",
        cname: "",
        ctx: "from-trunk-sip-900000000000",
        exten: "902422277777",
    };
    let p2003 = Ch {
        name: "SIP/2003-0000115b",
        uid: "1600000000.32",
        linked: "",
        num: "2003",
        cname: "2003",
        ctx: "from-internal",
        exten: "",
    };
    let mut t = CallTracker::new(TrackerConfig::default());
    let ch = feed(
        &mut t,
        &[
            newchannel(&inbound),
            newchannel(&p2003),
            dial1(&inbound, &p2003, "2003"),
            ringing(&p2003),
        ],
        0,
    );
    match popups(&ch).as_slice() {
        [CardChange::Popup {
            extension,
            direction,
            trunk,
            caller_num,
            ..
        }] => {
            assert_eq!(extension, "2003", "the phone rings");
            assert_eq!(
                *direction,
                Direction::Inbound,
                "a from-trunk context means a trunk, digits or not"
            );
            assert_eq!(trunk.as_deref(), Some("902422277777"), "the trunk peer");
            assert_eq!(caller_num, "02166311616", "the outside caller");
        }
        other => panic!("one popup, got {other:?}"),
    }

    let p5000 = Ch {
        name: "SIP/5000-00001186",
        uid: "1600000000.40",
        linked: "",
        num: "5000",
        cname: "5000",
        ctx: "from-internal",
        exten: "05346782695",
    };
    let out = Ch {
        name: "SIP/908500000000-00001187",
        uid: "1600000000.41",
        linked: "",
        num: "",
        cname: "",
        ctx: "from-trunk",
        exten: "",
    };
    let mut t = CallTracker::new(TrackerConfig::default());
    let ch = feed(
        &mut t,
        &[
            newchannel(&p5000),
            newchannel(&out),
            dial1(&p5000, &out, "SIP/908500000000/05346782695"),
            ringing(&out),
        ],
        0,
    );
    assert!(
        popups(&ch).is_empty(),
        "dialling out through a digit-named trunk is not an incoming call"
    );
}

#[test]
fn asterisk_1_4_dial_without_subevent_names_the_source() {
    let mut t = watching(&["474"]);
    let dial14 = event("Dial")
        .with("Source", S470.name)
        .with("Destination", S474.name)
        .with("CallerID", "470")
        .with("CallerIDName", "Front")
        .with("SrcUniqueID", S470.uid)
        .with("DestUniqueID", S474.uid);
    let ch = feed(
        &mut t,
        &[newchannel(&S470), newchannel(&S474), dial14, ringing(&S474)],
        0,
    );
    match popups(&ch).as_slice() {
        [CardChange::Popup {
            extension,
            caller_num,
            ..
        }] => {
            assert_eq!(
                (extension.as_str(), caller_num.as_str()),
                ("474", "470"),
                "1.4 Source/SrcUniqueID is the caller, not an Originate leg"
            );
        }
        other => panic!("one popup expected, got {other:?}"),
    }
    let ch = feed(
        &mut t,
        &[event("Link")
            .with("Channel1", S470.name)
            .with("Channel2", S474.name)
            .with("Uniqueid1", S470.uid)
            .with("Uniqueid2", S474.uid)],
        500,
    );
    assert_eq!(
        closes(&ch),
        vec![("474".into(), CloseReason::Answered, Some("474".into()))],
        "1.4 Link means answered"
    );
}

#[test]
fn yeastar_seed_redirect_of_a_ringing_call_moves_the_popup() {
    // S-Series guide: 1000 calls 1001; 1001 does not answer; the caller's
    // channel is redirected to 1002.
    let lk = "1480404007.15";
    let x1000 = Ch {
        name: "PJSIP/1000-00000008",
        uid: lk,
        linked: lk,
        num: "1000",
        cname: "1000",
        ctx: "macro-realstexten",
        exten: "s",
    };
    let x1001 = Ch {
        name: "PJSIP/1001-00000009",
        uid: "1480404007.16",
        linked: lk,
        num: "1001",
        cname: "1001",
        ctx: "DLPN_DialPlan1001",
        exten: "1001",
    };
    let x1002 = Ch {
        name: "PJSIP/1002-0000000a",
        uid: "1480404007.17",
        linked: lk,
        num: "1002",
        cname: "1002",
        ctx: "DLPN_DialPlan1002",
        exten: "1002",
    };
    let mut t = watching(&["1001", "1002"]);
    let ch = feed(
        &mut t,
        &[
            newchannel(&x1000),
            newchannel(&x1001),
            dial_begin(
                Some(&x1000),
                &x1001,
                "1001/sip:1001@192.168.9.11:64292;rinstance=ebcb18cbc5ef1744",
            ),
            ringing(&x1001),
            dial_end(&x1000, &x1001, "CANCEL"),
            hangup(&x1001, "16"),
            newchannel(&x1002),
            dial_begin(Some(&x1000), &x1002, "1002"),
            ringing(&x1002),
        ],
        0,
    );
    assert_eq!(
        popup_exts(&ch),
        vec!["1001", "1002"],
        "the call pops at its new extension"
    );
    assert_eq!(
        closes(&ch),
        vec![("1001".into(), CloseReason::Transferred, None)],
        "1001's popup goes: the call moved on"
    );
    let ch = feed(
        &mut t,
        &[up(&x1002), hangup(&x1000, "16"), hangup(&x1002, "16")],
        5000,
    );
    match ends(&ch).as_slice() {
        [CardChange::Ended {
            answered_by,
            missed,
            record,
            ..
        }] => {
            assert_eq!(
                answered_by.as_deref(),
                Some("1002"),
                "answered after the move"
            );
            assert!(!missed, "someone answered");
            assert_eq!(record.transfers.len(), 1, "the move is in the history");
            assert_eq!(record.transfers[0].to, "1002", "to 1002");
        }
        other => panic!("one call_end, got {other:?}"),
    }
}

// ------------------------------------------- issue 14: consultations, pickups,
// parked calls and AMI 1.x queues, in the sequences Asterisk really sends
// (Asterisk 11's features.c / chan_sip.c / app_queue.c, 12+'s res_parking
// and pickup.c); the 12+ ones the captures lack.

/// An AMI 1.x channel (no Linkedid).
fn sip(
    name: &'static str,
    uid: &'static str,
    num: &'static str,
    cname: &'static str,
    ctx: &'static str,
) -> Ch {
    Ch {
        name,
        uid,
        linked: "",
        num,
        cname,
        ctx,
        exten: "",
    }
}

const A11: Ch = Ch {
    name: "SIP/carrier-00000010",
    uid: "1796395800.20",
    linked: "",
    num: "+13125550199",
    cname: "Wayne Enterprises",
    ctx: "from-trunk",
    exten: "5550100",
};

fn masquerade(clone: &Ch, original: &Ch) -> Packet {
    event("Masquerade")
        .with("Clone", clone.name)
        .with("CloneState", "Up")
        .with("Original", original.name)
        .with("OriginalState", "Down")
}

fn rename(uid: &str, old: &str, new: &str) -> Packet {
    event("Rename")
        .with("Channel", old)
        .with("Newname", new)
        .with("Uniqueid", uid)
}

/// 1.x: the caller A11 talks to 1001.
fn ami11_answered_by_1001(t: &mut CallTracker, b1: &Ch) -> Vec<CardChange> {
    feed(
        t,
        &[
            newchannel(&A11),
            newchannel(b1),
            dial1(&A11, b1, "1001"),
            ringing(b1),
            up(b1),
            link1(&A11, b1),
        ],
        0,
    )
}

/// The one consultation popup's call, caller number and name, consultation
/// mark, waiting party (number, name) and direction.
type ConsultPopup = (
    String,
    String,
    Option<String>,
    bool,
    Option<(String, Option<String>)>,
    Direction,
);

fn consult_popup(ch: &[CardChange]) -> ConsultPopup {
    match popups(ch).as_slice() {
        [CardChange::Popup {
            call,
            caller_num,
            caller_name,
            consultation,
            consulting_for,
            direction,
            ..
        }] => (
            call.clone(),
            caller_num.clone(),
            caller_name.clone(),
            *consultation,
            consulting_for
                .as_ref()
                .map(|p| (p.caller_num.clone(), p.caller_name.clone())),
            *direction,
        ),
        other => panic!("one consultation popup expected, got {other:?}"),
    }
}

#[test]
fn ami11_feature_atxfer_consults_then_hands_the_caller_over() {
    let b1 = sip(
        "SIP/1001-00000011",
        "1796395800.21",
        "1001",
        "Alice Front Desk",
        "DLPN_DialPlan1001",
    );
    let l1 = sip(
        "Local/1003@internal-00000002;1",
        "1796395803.22",
        "",
        "",
        "internal",
    );
    let l2 = sip(
        "Local/1003@internal-00000002;2",
        "1796395803.23",
        "",
        "",
        "internal",
    );
    // builtin_atxfer: ;2 carries the transferer's caller ID into its Dial.
    let l2_dialing = Ch {
        num: "1001",
        cname: "Alice Front Desk",
        ..l2
    };
    let c1 = sip(
        "SIP/1003-00000012",
        "1796395803.24",
        "1003",
        "Carol Support",
        "DLPN_DialPlan1003",
    );
    let xfer = sip(
        "Transfered/SIP/carrier-00000010",
        "1796395806.25",
        "",
        "",
        "",
    );
    let mut t = watching(&["1001", "1003"]);
    ami11_answered_by_1001(&mut t, &b1);
    let consult = feed(
        &mut t,
        &[
            event("Bridge")
                .with("Bridgestate", "Unlink")
                .with("Channel1", A11.name)
                .with("Channel2", b1.name),
            newchannel(&l1),
            newchannel(&l2),
            event("LocalBridge")
                .with("Channel1", l1.name)
                .with("Channel2", l2.name)
                .with("Uniqueid1", l1.uid)
                .with("Uniqueid2", l2.uid),
            newchannel(&c1),
            dial1(&l2_dialing, &c1, "1003"),
            ringing(&c1),
        ],
        1000,
    );
    let (call, num, name, marked, waiting, direction) = consult_popup(&consult);
    assert_eq!(
        call, A11.uid,
        "the consultation belongs to the caller's call"
    );
    assert_eq!(
        (num.as_str(), name.as_deref()),
        ("1001", Some("Alice Front Desk")),
        "1003's phone shows the receptionist"
    );
    assert!(marked, "marked as a consultation");
    assert_eq!(
        waiting,
        Some(("+13125550199".into(), Some("Wayne Enterprises".into()))),
        "naming who waits"
    );
    assert_eq!(direction, Direction::Internal);

    let talk = feed(
        &mut t,
        &[up(&c1), up(&l1), link1(&b1, &l1), link1(&l2, &c1)],
        2000,
    );
    assert!(
        closes(&talk).is_empty(),
        "1003 taking the consultation answers nobody's call: {talk:?}"
    );
    // The receptionist hangs up: the caller is masqueraded into Transfered/… and bridged to ;1.
    let done = feed(
        &mut t,
        &[
            event("Bridge")
                .with("Bridgestate", "Unlink")
                .with("Channel1", b1.name)
                .with("Channel2", l1.name),
            newchannel(&xfer),
            masquerade(&A11, &xfer),
            rename(A11.uid, A11.name, "SIP/carrier-00000010<MASQ>"),
            rename(xfer.uid, xfer.name, A11.name),
            rename(
                A11.uid,
                "SIP/carrier-00000010<MASQ>",
                "SIP/carrier-00000010<ZOMBIE>",
            ),
            link1(
                &Ch {
                    name: A11.name,
                    ..xfer
                },
                &l1,
            ),
            hangup(
                &Ch {
                    name: "SIP/carrier-00000010<ZOMBIE>",
                    ..A11
                },
                "16",
            ),
            hangup(&b1, "16"),
        ],
        3000,
    );
    assert!(
        ends(&done).is_empty(),
        "the caller is still there, now with 1003: {done:?}"
    );
    assert!(popups(&done).is_empty(), "no second popup at 1003");
    let card = done
        .iter()
        .rev()
        .find_map(|c| match c {
            CardChange::Update { card, .. } => Some(card.clone()),
            _ => None,
        })
        .expect("the card changed");
    assert_eq!(
        card.connected_to.as_deref(),
        Some("1003"),
        "the caller talks to 1003 now"
    );
    assert_eq!(card.caller_num, "+13125550199", "still the caller's card");
    let end = feed(
        &mut t,
        &[
            hangup(
                &Ch {
                    name: A11.name,
                    ..xfer
                },
                "16",
            ),
            hangup(&l1, "16"),
            hangup(&l2, "16"),
            hangup(&c1, "16"),
        ],
        4000,
    );
    match ends(&end).as_slice() {
        [CardChange::Ended {
            call,
            answered_by,
            missed,
            record,
            ..
        }] => {
            assert_eq!(call, A11.uid, "one record: the caller's call");
            assert_eq!(answered_by.as_deref(), Some("1003"));
            assert!(!missed);
            let tr: Vec<_> = record
                .transfers
                .iter()
                .map(|t| (t.by.as_deref(), t.to.as_str(), t.kind))
                .collect();
            assert_eq!(
                tr,
                vec![(Some("1001"), "1003", TransferKind::Attended)],
                "transferred by 1001 to 1003"
            );
        }
        other => panic!("one call_end expected, got {other:?}"),
    }
    assert_eq!(t.live_calls() + t.live_channels(), 0, "all cleaned up");
}

#[test]
fn ami11_phone_transfer_key_consult_then_refer_hands_the_caller_over() {
    let b1 = sip(
        "SIP/1001-00000011",
        "1796395800.21",
        "1001",
        "Alice Front Desk",
        "DLPN_DialPlan1001",
    );
    let b2 = Ch {
        exten: "1003",
        ..sip(
            "SIP/1001-00000013",
            "1796395804.26",
            "1001",
            "Alice Front Desk",
            "DLPN_DialPlan1001",
        )
    };
    let c1 = sip(
        "SIP/1003-00000014",
        "1796395804.27",
        "1003",
        "Carol Support",
        "DLPN_DialPlan1003",
    );
    let mut t = watching(&["1001", "1003"]);
    ami11_answered_by_1001(&mut t, &b1);
    // The phone puts the caller on hold and places a call of its own to 1003.
    let consult = feed(
        &mut t,
        &[
            newchannel(&b2),
            newchannel(&c1),
            dial1(&b2, &c1, "1003"),
            ringing(&c1),
        ],
        1000,
    );
    let (call, num, _, marked, waiting, _) = consult_popup(&consult);
    assert_eq!(
        (call.as_str(), num.as_str(), marked),
        (A11.uid, "1001", true),
        "the consult call is the caller's call"
    );
    assert_eq!(waiting.map(|w| w.0), Some("+13125550199".into()));
    feed(&mut t, &[up(&c1), link1(&b2, &c1)], 2000);
    // REFER with Replaces: chan_sip's Transfer, then A is masqueraded into B2.
    let done = feed(
        &mut t,
        &[
            event("Transfer")
                .with("TransferMethod", "SIP")
                .with("TransferType", "Attended")
                .with("Channel", b1.name)
                .with("Uniqueid", b1.uid)
                .with("TargetChannel", b2.name)
                .with("TargetUniqueid", b2.uid),
            masquerade(&A11, &b2),
            rename(A11.uid, A11.name, "SIP/carrier-00000010<MASQ>"),
            rename(b2.uid, b2.name, A11.name),
            rename(
                A11.uid,
                "SIP/carrier-00000010<MASQ>",
                "SIP/carrier-00000010<ZOMBIE>",
            ),
            hangup(
                &Ch {
                    name: "SIP/carrier-00000010<ZOMBIE>",
                    ..A11
                },
                "16",
            ),
            hangup(&b1, "16"),
        ],
        3000,
    );
    assert!(
        ends(&done).is_empty(),
        "no call ends while the caller talks to 1003: {done:?}"
    );
    assert!(popups(&done).is_empty());
    let end = feed(
        &mut t,
        &[
            hangup(&c1, "16"),
            hangup(
                &Ch {
                    name: A11.name,
                    ..b2
                },
                "16",
            ),
        ],
        4000,
    );
    match ends(&end).as_slice() {
        [CardChange::Ended {
            call,
            answered_by,
            record,
            ..
        }] => {
            assert_eq!(call, A11.uid);
            assert_eq!(
                answered_by.as_deref(),
                Some("1003"),
                "the caller ended up with 1003"
            );
            assert_eq!(record.transfers.len(), 1, "one attended transfer");
            assert_eq!(record.transfers[0].kind, TransferKind::Attended);
        }
        other => panic!("one call_end expected, got {other:?}"),
    }
    assert_eq!(t.live_calls() + t.live_channels(), 0, "all cleaned up");
}

#[test]
fn a_declined_consultation_leaves_the_caller_with_her_and_is_missed_by_nobody() {
    let lk = TRUNK.linked;
    let p1 = phone("1001", "1795445000.71", "00000061", lk);
    let l1 = Ch {
        name: "Local/1003@internal-00000000;1",
        uid: "1795445000.72",
        linked: lk,
        num: "",
        cname: "",
        ctx: "internal",
        exten: "1003",
    };
    let l2 = Ch {
        name: "Local/1003@internal-00000000;2",
        uid: "1795445000.73",
        num: "1001",
        cname: "Alice Front Desk",
        ..l1
    };
    let p3 = phone("1003", "1795445000.74", "00000063", lk);
    let mut t = watching(&["1001", "1003"]);
    answered_by_1001(&mut t, &p1);
    let ch = feed(
        &mut t,
        &[
            newchannel(&l1),
            newchannel(&l2),
            newchannel(&p3),
            dial_begin(Some(&l2), &p3, "1003"),
            ringing(&p3),
        ],
        5000,
    );
    assert_eq!(popup_exts(&ch), vec!["1003".to_owned()]);
    let declined = feed(
        &mut t,
        &[
            hangup(&p3, "17"),
            dial_end(&l2, &p3, "BUSY"),
            hangup(&l2, "16"),
            hangup(&l1, "16"),
        ],
        6000,
    );
    assert_eq!(
        closes(&declined),
        vec![("1003".into(), CloseReason::ConsultationEnded, None)],
        "1003's popup closes as a consultation that ended, not as a missed call"
    );
    let card = declined
        .iter()
        .find_map(|c| match c {
            CardChange::Update { card, .. } => Some(card.clone()),
            _ => None,
        })
        .expect("the caller's card changes back");
    assert!(card.consulting.is_none());
    assert_eq!(
        card.connected_to.as_deref(),
        Some("1001"),
        "the caller's card is hers again"
    );
    let end = feed(&mut t, &[hangup(&TRUNK, "16"), hangup(&p1, "16")], 7000);
    match ends(&end).as_slice() {
        [CardChange::Ended {
            answered_by,
            missed,
            answered_elsewhere_for,
            record,
            ..
        }] => {
            assert_eq!(answered_by.as_deref(), Some("1001"));
            assert!(!missed, "nobody missed anything");
            assert!(answered_elsewhere_for.is_empty());
            assert!(record.transfers.is_empty(), "no transfer happened");
            assert_eq!(record.outcome, Outcome::Answered);
        }
        other => panic!("one call_end expected, got {other:?}"),
    }
}

#[test]
fn a_pickup_through_an_originate_is_part_of_the_call_it_takes() {
    let lk = TRUNK.linked;
    let p2 = phone("1002", "1795445000.81", "00000071", lk);
    // Ringside's pickup: Originate from 1001's phone to PickupChan(PJSIP/1002).
    let p1 = phone("1001", "1795445002.82", "00000072", "1795445002.82");
    let mut t = watching(&["1001", "1002"]);
    let ring = feed(
        &mut t,
        &[
            newchannel(&TRUNK),
            newchannel(&p2),
            dial_begin(Some(&TRUNK), &p2, "1002"),
            ringing(&p2),
        ],
        0,
    );
    assert_eq!(popup_exts(&ring), vec!["1002".to_owned()]);
    let took = feed(
        &mut t,
        &[
            newchannel(&p1),
            dial_begin(None, &p1, "1001"),
            ringing(&p1),
            up(&p1),
            snapshot(snapshot(event("Pickup"), "", &p1), "Target", &p2),
            hangup(&p2, "26"),
            dial_end(&TRUNK, &p1, "ANSWER"),
            up(&TRUNK),
            bridge_enter(&p1, "b9"),
            bridge_enter(&TRUNK, "b9"),
        ],
        1000,
    );
    assert!(
        popups(&took).is_empty(),
        "the picker's own leg never pops: {took:?}"
    );
    assert_eq!(
        closes(&took),
        vec![(
            "1002".into(),
            CloseReason::AnsweredElsewhere,
            Some("1001".into())
        )]
    );
    assert!(
        ends(&took).is_empty(),
        "the picker's originate is no call of its own"
    );
    let end = feed(&mut t, &[hangup(&p1, "16"), hangup(&TRUNK, "16")], 2000);
    match ends(&end).as_slice() {
        [CardChange::Ended {
            call,
            answered_by,
            missed,
            picked_up_by,
            answered_elsewhere_for,
            ..
        }] => {
            assert_eq!(call, lk);
            assert_eq!(answered_by.as_deref(), Some("1001"));
            assert_eq!(picked_up_by.as_deref(), Some("1001"));
            assert!(!missed, "the caller was served");
            assert_eq!(answered_elsewhere_for, &vec!["1002".to_owned()]);
        }
        other => panic!("one call_end for the one call, got {other:?}"),
    }
    assert_eq!(t.live_calls() + t.live_channels(), 0, "all cleaned up");
}

#[test]
fn a_parked_call_that_times_out_rings_its_parker_as_a_park_return() {
    let lk = TRUNK.linked;
    let p1 = phone("1001", "1795445000.91", "00000081", lk);
    let back = Ch {
        ctx: "park-dial",
        exten: "PJSIP_1001",
        ..TRUNK
    };
    let p1b = phone("1001", "1795445010.92", "00000082", lk);
    let mut t = watching(&["1001"]);
    answered_by_1001(&mut t, &p1);
    let parked = feed(
        &mut t,
        &[
            snapshot(event("ParkedCall"), "Parkee", &TRUNK)
                .with("ParkerDialString", "PJSIP/1001")
                .with("Parkinglot", "default")
                .with("ParkingSpace", "71")
                .with("ParkingTimeout", "45"),
            bridge_leave(&p1, "b1"),
            hangup(&p1, "16"),
        ],
        1000,
    );
    let card = parked
        .iter()
        .find_map(|c| match c {
            CardChange::Update { card, .. } => Some(card.clone()),
            _ => None,
        })
        .expect("the card shows the parked call");
    assert_eq!(
        card.parked
            .as_ref()
            .map(|p| (p.slot.as_str(), p.parked_by.as_deref())),
        Some(("71", Some("1001")))
    );
    assert_eq!(card.connected_to, None, "nobody talks to a parked caller");
    let ring = feed(
        &mut t,
        &[
            snapshot(event("ParkedCallTimeOut"), "Parkee", &TRUNK)
                .with("ParkingSpace", "71")
                .with("ParkerDialString", "PJSIP/1001"),
            newchannel(&p1b),
            dial_begin(Some(&back), &p1b, "1001"),
            ringing(&p1b),
        ],
        2000,
    );
    match popups(&ring).as_slice() {
        [CardChange::Popup {
            extension,
            caller_num,
            park_return,
            park_slot,
            parked_by,
            transferred_by,
            ..
        }] => {
            assert_eq!(
                (extension.as_str(), caller_num.as_str()),
                ("1001", "+15551234567"),
                "the caller rings 1001 again"
            );
            assert!(*park_return, "marked as coming back from parking");
            assert_eq!(
                (park_slot.as_deref(), parked_by.as_deref()),
                (Some("71"), Some("1001"))
            );
            assert_eq!(*transferred_by, None, "a park return is no transfer");
        }
        other => panic!("one park-return popup expected, got {other:?}"),
    }
    let end = feed(
        &mut t,
        &[
            up(&p1b),
            dial_end(&back, &p1b, "ANSWER"),
            hangup(&p1b, "16"),
            hangup(&TRUNK, "16"),
        ],
        3000,
    );
    assert_eq!(ends(&end).len(), 1, "still one call");
}

#[test]
fn ami11_a_queue_caller_who_gives_up_is_missed() {
    let mut t = watching(&["1001"]);
    let ch = feed(
        &mut t,
        &[
            newchannel(&A11),
            up(&A11),
            event("Join")
                .with("Channel", A11.name)
                .with("CallerIDNum", A11.num)
                .with("CallerIDName", A11.cname)
                .with("ConnectedLineNum", "unknown")
                .with("Queue", "support")
                .with("Position", "1")
                .with("Count", "1")
                .with("Uniqueid", A11.uid),
            // 11's QueueCallerAbandon has no Channel header.
            event("QueueCallerAbandon")
                .with("Queue", "support")
                .with("Uniqueid", A11.uid)
                .with("Position", "1")
                .with("OriginalPosition", "1")
                .with("HoldTime", "70"),
            event("Leave")
                .with("Channel", A11.name)
                .with("Queue", "support")
                .with("Count", "0")
                .with("Position", "1")
                .with("Uniqueid", A11.uid),
            hangup(&A11, "16"),
        ],
        0,
    );
    assert!(popups(&ch).is_empty(), "nobody's phone rang");
    // A desk watching the queue's callers (watch everything) hears of it.
    let mut all = CallTracker::new(TrackerConfig::default());
    let ch = feed(
        &mut all,
        &[
            newchannel(&A11),
            up(&A11),
            event("Join")
                .with("Channel", A11.name)
                .with("Queue", "support")
                .with("Position", "1")
                .with("Uniqueid", A11.uid),
            event("QueueCallerAbandon")
                .with("Queue", "support")
                .with("Uniqueid", A11.uid)
                .with("Position", "1"),
            event("Leave")
                .with("Channel", A11.name)
                .with("Queue", "support")
                .with("Uniqueid", A11.uid),
            hangup(&A11, "16"),
        ],
        0,
    );
    match ends(&ch).as_slice() {
        [CardChange::Ended {
            answered_by,
            missed,
            record,
            ..
        }] => {
            assert_eq!(*answered_by, None);
            assert!(*missed, "a caller who gave up in a queue is a missed call");
            assert_eq!(record.outcome, Outcome::Abandoned);
            assert_eq!(record.did.as_deref(), Some("5550100"));
        }
        other => panic!("one call_end expected, got {other:?}"),
    }
}

#[test]
fn ami11_agentcalled_names_the_member_channel_a_queue_rings() {
    let m = sip(
        "SIP/1003-00000015",
        "1796395800.30",
        "1003",
        "Carol Support",
        "DLPN_DialPlan1003",
    );
    let mut t = watching(&["1003"]);
    let ch = feed(
        &mut t,
        &[
            newchannel(&A11),
            up(&A11),
            event("Join")
                .with("Channel", A11.name)
                .with("CallerIDNum", A11.num)
                .with("Queue", "support")
                .with("Position", "1")
                .with("Uniqueid", A11.uid),
            newchannel(&m),
            event("AgentCalled")
                .with("Queue", "support")
                .with("AgentCalled", "SIP/1003")
                .with("ChannelCalling", A11.name)
                .with("DestinationChannel", m.name)
                .with("CallerIDNum", A11.num)
                .with("Uniqueid", A11.uid),
            newstate(&Ch { num: "1003", ..m }, "5", "Ringing").with("ConnectedLineNum", A11.num),
        ],
        0,
    );
    match popups(&ch).as_slice() {
        [CardChange::Popup {
            extension,
            caller_num,
            queue,
            direction,
            call,
            ..
        }] => {
            assert_eq!(
                (extension.as_str(), caller_num.as_str()),
                ("1003", "+13125550199")
            );
            assert_eq!(queue.as_deref(), Some("support"));
            assert_eq!(*direction, Direction::Inbound);
            assert_eq!(call, A11.uid, "the member's channel joined the queued call");
        }
        other => panic!("exactly one popup at the member, got {other:?}"),
    }
}

/// Events queued behind a resync after lost events are older than what the
/// resync's listing showed: her phone's `DialBegin` arriving after the call
/// was already answered must not pop the call up a second time (the memory
/// row's burst caught it: popup, resync showing it answered, the old
/// `DialBegin`, a second popup).
#[test]
fn a_dial_of_a_leg_already_answered_does_not_pop_up_again() {
    let mut t = watching(&["1001"]);
    let p1 = phone("1001", "1795445000.91", "00000091", TRUNK.linked);
    let rung = feed(
        &mut t,
        &[
            newchannel(&TRUNK),
            newchannel(&p1),
            dial_begin(Some(&TRUNK), &p1, "1001"),
            ringing(&p1),
            up(&p1),
            dial_end(&TRUNK, &p1, "ANSWER"),
            bridge_enter(&TRUNK, "b1"),
            bridge_enter(&p1, "b1"),
        ],
        0,
    );
    assert_eq!(popup_exts(&rung), ["1001"], "one popup while it rang");
    let stale = feed(&mut t, &[dial_begin(Some(&TRUNK), &p1, "1001")], 5_000);
    assert!(
        popups(&stale).is_empty(),
        "an old dial of an answered leg is not a new ring: {stale:?}"
    );
    let ended = feed(&mut t, &[hangup(&p1, "16"), hangup(&TRUNK, "16")], 6_000);
    assert_eq!(ends(&ended).len(), 1, "the call still ends once");
}

/// Her blind transfer seen, then the session dropped before her phone's
/// hang-up and the colleague's ring arrived: the resync's listing shows the
/// caller dialling 1002, and the recall's deadline still brings the caller
/// back (the watch keeps its deadline through the resync).
#[test]
fn a_recall_watch_outlives_a_resync_that_lost_the_transferers_hangup() {
    use ringside_calls::profile::{PbxKind, Profile};
    use ringside_calls::recall::{LiveRecall, RecallConfig, RecallOutput, RecallSetup};
    let lk = TRUNK.linked;
    let p1 = phone("1001", "1795445000.61", "00000051", lk);
    let p2 = phone("1002", "1795445000.62", "00000052", lk);
    let mut t = watching(&["1001"]);
    let mut recall = LiveRecall::new(RecallSetup {
        config: RecallConfig { after_ms: 1000 },
        extensions: vec!["1001".into()],
        profile: Profile::of(PbxKind::Generic),
        context: None,
    });
    let mut said = Vec::new();
    for c in answered_by_1001(&mut t, &p1) {
        said.extend(recall.observe(&c));
    }
    let transfer = blind_transfer(&p1, "1002");
    for c in feed(&mut t, &[transfer], 10_000) {
        said.extend(recall.observe(&c));
    }
    assert_eq!(
        recall.next_deadline(),
        Some(11_000),
        "watched from the transfer"
    );
    let listing = [listed(&TRUNK, "6", "Dial"), listed(&p2, "5", "AppDial")];
    for c in t.resync(&listing, 10_500) {
        said.extend(recall.observe(&c));
    }
    said.extend(recall.resynced(&t));
    assert!(
        said.is_empty(),
        "nothing decided before the deadline: {said:?}"
    );
    assert_eq!(recall.next_deadline(), Some(11_000), "the deadline is kept");
    let card = t.cards().into_iter().find(|c| c.call == lk);
    let card = card.expect("the caller's call is still live");
    assert_eq!(card.ringing, ["1002"], "the listing shows 1002 ringing");
    assert_eq!(card.connected_to, None, "her phone hung up while away");
    assert_eq!(
        recall.tick(&t, 11_000),
        [RecallOutput::Redirect {
            call: lk.into(),
            from: "1002".into(),
            to: "1001".into(),
        }],
        "nobody answered 1002 in time: the caller comes back"
    );
}

/// The cards of the updates in `ch`, in order.
fn updated_cards(ch: &[CardChange]) -> Vec<&ringside_calls::tracker::CallCard> {
    ch.iter()
        .filter_map(|c| match c {
            CardChange::Update { card, .. } => Some(card),
            _ => None,
        })
        .collect()
}

/// Her blind transfer to 1002, who does not answer in time, brought back to
/// her by the recall, in the order pbxsim sends it on Asterisk 12+ (her
/// `BlindTransfer`, her phone's hang-up, 1002 ringing; the recall's
/// `Redirect` of the caller: 1002's `DialEnd` CANCEL and hang-up, then her
/// phone ringing and answering). Every step says on the card who rings and
/// who the caller talks to: nobody from her transfer until she answers again,
/// and never 1002 and her ringing at once.
#[test]
fn a_blind_transfer_brought_back_by_the_recall_shows_who_rings_at_each_step() {
    use ringside_calls::profile::{PbxKind, Profile};
    use ringside_calls::recall::{LiveRecall, RecallConfig, RecallOutput, RecallSetup};
    let lk = TRUNK.linked;
    let p1 = phone("1001", "1795445000.61", "00000051", lk);
    let p2 = phone("1002", "1795445000.62", "00000052", lk);
    let again = phone("1001", "1795445000.63", "00000053", lk);
    let mut t = watching(&["1001"]);
    let mut recall = LiveRecall::new(RecallSetup {
        config: RecallConfig { after_ms: 20_000 },
        extensions: vec!["1001".into()],
        profile: Profile::of(PbxKind::Generic),
        context: None,
    });
    let mut every: Vec<CardChange> = Vec::new();
    // Feeds `evs` from `at`: the tracker's changes, and what the recall said of them.
    let mut step = |t: &mut CallTracker, recall: &mut LiveRecall, evs: &[Packet], at: i64| {
        let ch = feed(t, evs, at);
        let said: Vec<RecallOutput> = ch.iter().flat_map(|c| recall.observe(c)).collect();
        every.extend(ch.iter().cloned());
        (ch, said)
    };
    let ringing_and_talking = |ch: &[CardChange]| -> Vec<(Vec<String>, Option<String>)> {
        updated_cards(ch)
            .into_iter()
            .map(|c| (c.ringing.clone(), c.connected_to.clone()))
            .collect()
    };
    let talking = |to: &str| Some(to.to_owned());

    let (ch, _) = step(&mut t, &mut recall, &answered_evs(&p1), 0);
    assert_eq!(ringing_and_talking(&ch), [(vec![], talking("1001"))]);

    // Her transfer: the caller has left her, and 1002 does not ring yet.
    let (ch, said) = step(&mut t, &mut recall, &[blind_transfer(&p1, "1002")], 10_000);
    assert_eq!(said, []);
    let cards = updated_cards(&ch);
    let [card] = cards.as_slice() else {
        panic!("one update at her transfer: {ch:?}");
    };
    assert_eq!(card.transfers.len(), 1, "her transfer is on the card");
    assert_eq!(
        (card.ringing.as_slice(), card.connected_to.as_deref()),
        (&[][..], None),
        "blind-transferred away, the caller talks to her no more: {card:?}"
    );

    // Her phone hangs up; 1002 rings.
    let (ch, said) = step(
        &mut t,
        &mut recall,
        &[
            bridge_leave(&TRUNK, "b1"),
            bridge_leave(&p1, "b1"),
            hangup(&p1, "16"),
            newchannel(&p2),
            dial_begin(Some(&TRUNK), &p2, "1002"),
            ringing(&p2),
        ],
        10_100,
    );
    assert_eq!(said, []);
    assert_eq!(
        ringing_and_talking(&ch),
        [(vec!["1002".to_owned()], None)],
        "1002 rings, nobody talks to the caller"
    );
    assert_eq!(
        recall.next_deadline(),
        Some(30_000),
        "watched from her transfer"
    );

    // Nobody answered 1002 in time: the caller is sent back to her.
    assert_eq!(
        recall.tick(&t, 30_000),
        [RecallOutput::Redirect {
            call: lk.into(),
            from: "1002".into(),
            to: "1001".into(),
        }]
    );
    // The Redirect takes the caller out of the Dial to 1002: 1002 stops ringing.
    let (ch, said) = step(
        &mut t,
        &mut recall,
        &[dial_end(&TRUNK, &p2, "CANCEL"), hangup(&p2, "127")],
        30_100,
    );
    assert_eq!(said, []);
    assert_eq!(
        ringing_and_talking(&ch),
        [(vec![], None)],
        "the card says 1002 stopped ringing: {ch:?}"
    );

    // Her phone rings with the caller again: only hers.
    let (ch, said) = step(
        &mut t,
        &mut recall,
        &[
            newchannel(&again),
            dial_begin(Some(&TRUNK), &again, "1001"),
            ringing(&again),
        ],
        30_300,
    );
    assert_eq!(popup_exts(&ch), ["1001"], "the call rings her again");
    assert_eq!(
        ringing_and_talking(&ch),
        [(vec!["1001".to_owned()], None)],
        "only her phone rings"
    );
    assert_eq!(
        said,
        [RecallOutput::Recalled {
            call: lk.into(),
            from: "1002".into(),
            to: "1001".into(),
        }]
    );

    // She answers: she talks to the caller again.
    let (ch, said) = step(
        &mut t,
        &mut recall,
        &[
            up(&again),
            dial_end(&TRUNK, &again, "ANSWER"),
            bridge_enter(&again, "b2"),
            bridge_enter(&TRUNK, "b2"),
        ],
        31_000,
    );
    assert_eq!(said, []);
    assert_eq!(
        closes(&ch),
        [("1001".to_owned(), CloseReason::Answered, talking("1001"))]
    );
    assert_eq!(ringing_and_talking(&ch), [(vec![], talking("1001"))]);

    let (ch, _) = step(
        &mut t,
        &mut recall,
        &[hangup(&again, "16"), hangup(&TRUNK, "16")],
        40_000,
    );
    assert!(
        matches!(ends(&ch).as_slice(), [CardChange::Ended { answered_by, .. }] if answered_by.as_deref() == Some("1001")),
        "she had the caller last: {ch:?}"
    );
    for card in updated_cards(&every) {
        assert!(
            !(card.ringing.iter().any(|e| e == "1002") && card.ringing.iter().any(|e| e == "1001")),
            "1002 and her phone never ring at once: {card:?}"
        );
    }
}

/// Her phone's hang-up may come after the caller already rings 1002 (a
/// phone that hangs up once told the transfer worked; a `Redirect` of the
/// caller, which sends no transfer event): while 1002 rings, the card never
/// says the caller still talks to her.
#[test]
fn a_transferred_caller_ringing_1002_talks_to_nobody_whenever_her_phone_hangs_up() {
    let lk = TRUNK.linked;
    let p1 = phone("1001", "1795445000.61", "00000051", lk);
    let p2 = phone("1002", "1795445000.62", "00000052", lk);
    for (how, transfer_event) in [("BlindTransfer", true), ("Redirect", false)] {
        let mut t = watching(&["1001"]);
        answered_by_1001(&mut t, &p1);
        let mut evs = Vec::new();
        if transfer_event {
            evs.push(blind_transfer(&p1, "1002"));
        }
        evs.extend([
            bridge_leave(&TRUNK, "b1"),
            bridge_leave(&p1, "b1"),
            newchannel(&p2),
            dial_begin(Some(&TRUNK), &p2, "1002"),
            ringing(&p2),
        ]);
        let ch = feed(&mut t, &evs, 10_000);
        let cards = updated_cards(&ch);
        let rings = cards
            .iter()
            .find(|c| c.ringing == ["1002"])
            .unwrap_or_else(|| panic!("{how}: an update says 1002 rings: {ch:?}"));
        assert_eq!(
            rings
                .transfers
                .iter()
                .map(|t| (t.by.as_deref(), t.to.as_str()))
                .collect::<Vec<_>>(),
            [(Some("1001"), "1002")],
            "{how}: her transfer"
        );
        for card in cards.iter().filter(|c| !c.transfers.is_empty()) {
            assert_eq!(
                card.connected_to, None,
                "{how}: transferred away, the caller talks to her no more: {card:?}"
            );
        }
        let ch = feed(&mut t, &[hangup(&p1, "16")], 10_600);
        assert!(
            updated_cards(&ch).iter().all(|c| c.connected_to.is_none()),
            "{how}: her late hang-up changes nothing: {ch:?}"
        );
        let card = t.cards().into_iter().find(|c| c.call == lk);
        let card = card.expect("the caller still rings 1002");
        assert_eq!(
            (card.ringing, card.connected_to),
            (vec!["1002".to_owned()], None)
        );
    }
}

/// What the call's `call_end` says: `answered_by`, `missed`,
/// `answered_elsewhere_for` and the record's outcome.
fn end_of(ch: &[CardChange]) -> (Option<String>, bool, Vec<String>, Outcome) {
    match ends(ch).as_slice() {
        [CardChange::Ended {
            answered_by,
            missed,
            answered_elsewhere_for,
            record,
            ..
        }] => (
            answered_by.clone(),
            *missed,
            answered_elsewhere_for.clone(),
            record.outcome,
        ),
        other => panic!("one call_end: {other:?}"),
    }
}

/// `p1` (1001, answered in bridge `b1`) blind-transfers the caller to
/// 1002, hangs up, and 1002's phone `p2` rings.
fn blind_transfer_ringing_1002(p1: &Ch, p2: &Ch) -> [Packet; 7] {
    [
        blind_transfer(p1, "1002"),
        bridge_leave(&TRUNK, "b1"),
        bridge_leave(p1, "b1"),
        hangup(p1, "16"),
        newchannel(p2),
        dial_begin(Some(&TRUNK), p2, "1002"),
        ringing(p2),
    ]
}

/// Her blind transfer to 1002, seen by a desk that watches 1002 (alone, or
/// with her 1001): the caller rings 1002 after 1001 answered, so 1001's
/// answer is not an answer of 1002's ringing. When the recall's `Redirect`
/// takes the caller back to her while 1002 rings, 1002's popup closes as
/// `transferred` (the call moved away from 1002 while it rang, as any
/// `Redirect` of a ringing call does), never as answered elsewhere by the
/// 1001 that answered before 1002 rang; 1002 is not in
/// `answered_elsewhere_for`.
#[test]
fn a_caller_the_recall_takes_back_from_ringing_1002_closes_1002_as_transferred() {
    let lk = TRUNK.linked;
    let p1 = phone("1001", "1795445000.61", "00000051", lk);
    let p2 = phone("1002", "1795445000.62", "00000052", lk);
    let again = phone("1001", "1795445000.63", "00000053", lk);
    for desk in [&["1002"][..], &["1001", "1002"][..]] {
        let mut t = watching(desk);
        answered_by_1001(&mut t, &p1);
        let ch = feed(&mut t, &blind_transfer_ringing_1002(&p1, &p2), 10_000);
        assert_eq!(popup_exts(&ch), ["1002"], "{desk:?}: 1002 rings");
        assert_eq!(closes(&ch), [], "{desk:?}: nothing closes yet");
        // The recall's Redirect: 1002 stops ringing, her phone rings.
        let ch = feed(
            &mut t,
            &[
                dial_end(&TRUNK, &p2, "CANCEL"),
                hangup(&p2, "127"),
                newchannel(&again),
                dial_begin(Some(&TRUNK), &again, "1001"),
                ringing(&again),
            ],
            30_000,
        );
        assert_eq!(
            closes(&ch),
            [("1002".to_owned(), CloseReason::Transferred, None)],
            "{desk:?}: taken away from 1002 while it rang: {ch:?}"
        );
        let ch = feed(
            &mut t,
            &[
                up(&again),
                dial_end(&TRUNK, &again, "ANSWER"),
                bridge_enter(&again, "b2"),
                bridge_enter(&TRUNK, "b2"),
                hangup(&again, "16"),
                hangup(&TRUNK, "16"),
            ],
            31_000,
        );
        let her = desk.contains(&"1001");
        let (answered_by, missed, elsewhere, outcome) = end_of(&ch);
        assert_eq!(
            answered_by.as_deref(),
            Some("1001"),
            "{desk:?}: she had it last"
        );
        assert!(!missed, "{desk:?}: she took the caller back");
        assert_eq!(elsewhere, Vec::<String>::new(), "{desk:?}: {ch:?}");
        assert_eq!(
            outcome,
            if her {
                Outcome::Answered
            } else {
                Outcome::AnsweredElsewhere
            },
            "{desk:?}"
        );
        let mut every_close = closes(&ch);
        every_close.retain(|(e, _, _)| e == "1002");
        assert_eq!(every_close, [], "{desk:?}: 1002's popup closed once");
    }
}

/// Her blind transfer to 1002, and the caller hangs up while 1002 rings: a
/// desk watching 1002 missed the call. 1001's answer came before 1002 rang,
/// so it is no answer of 1002's ringing: 1002's popup closes `missed`, the
/// `call_end` says `missed` and leaves 1002 out of `answered_elsewhere_for`,
/// and 1002's history records a missed call; `answered_by` still names
/// 1001, who picked up last (the recall reads it).
#[test]
fn a_transferred_caller_who_hangs_up_while_1002_rings_is_missed_at_1002() {
    let lk = TRUNK.linked;
    let p1 = phone("1001", "1795445000.61", "00000051", lk);
    let p2 = phone("1002", "1795445000.62", "00000052", lk);
    for desk in [&["1002"][..], &["1001", "1002"][..]] {
        for (how, gone) in [
            (
                "DialEnd CANCEL",
                vec![
                    dial_end(&TRUNK, &p2, "CANCEL"),
                    hangup(&p2, "16"),
                    hangup(&TRUNK, "16"),
                ],
            ),
            (
                "caller's hang-up first",
                vec![hangup(&TRUNK, "16"), hangup(&p2, "26")],
            ),
        ] {
            let mut t = watching(desk);
            answered_by_1001(&mut t, &p1);
            let ch = feed(&mut t, &blind_transfer_ringing_1002(&p1, &p2), 10_000);
            assert_eq!(popup_exts(&ch), ["1002"], "{desk:?} {how}: 1002 rings");
            let ch = feed(&mut t, &gone, 20_000);
            assert_eq!(
                closes(&ch),
                [("1002".to_owned(), CloseReason::Missed, None)],
                "{desk:?} {how}: nobody answered 1002: {ch:?}"
            );
            let (answered_by, missed, elsewhere, outcome) = end_of(&ch);
            assert_eq!(
                answered_by.as_deref(),
                Some("1001"),
                "{desk:?} {how}: 1001 picked up last"
            );
            assert!(missed, "{desk:?} {how}: 1002 missed it: {ch:?}");
            assert_eq!(elsewhere, Vec::<String>::new(), "{desk:?} {how}");
            assert_eq!(
                outcome,
                if desk.contains(&"1001") {
                    Outcome::Answered
                } else {
                    Outcome::Missed
                },
                "{desk:?} {how}"
            );
        }
    }
}

/// The recall rings her phone again and the caller hangs up before she
/// answers: her popup closes as missed, and the call is a missed call of
/// hers (she should call back), though she answered it once before her
/// transfer.
#[test]
fn a_recalled_caller_who_hangs_up_while_her_phone_rings_again_is_missed() {
    let lk = TRUNK.linked;
    let p1 = phone("1001", "1795445000.61", "00000051", lk);
    let p2 = phone("1002", "1795445000.62", "00000052", lk);
    let again = phone("1001", "1795445000.63", "00000053", lk);
    let mut t = watching(&["1001"]);
    answered_by_1001(&mut t, &p1);
    feed(&mut t, &blind_transfer_ringing_1002(&p1, &p2), 10_000);
    feed(
        &mut t,
        &[dial_end(&TRUNK, &p2, "CANCEL"), hangup(&p2, "127")],
        30_100,
    );
    let ch = feed(
        &mut t,
        &[
            newchannel(&again),
            dial_begin(Some(&TRUNK), &again, "1001"),
            ringing(&again),
        ],
        30_300,
    );
    assert_eq!(popup_exts(&ch), ["1001"], "the call rings her again");
    let ch = feed(
        &mut t,
        &[
            dial_end(&TRUNK, &again, "CANCEL"),
            hangup(&again, "127"),
            hangup(&TRUNK, "16"),
        ],
        35_000,
    );
    assert_eq!(
        closes(&ch),
        [("1001".to_owned(), CloseReason::Missed, None)],
        "{ch:?}"
    );
    let (answered_by, missed, _, outcome) = end_of(&ch);
    assert!(missed, "a missed call of hers: {ch:?}");
    assert_eq!(
        (answered_by.as_deref(), outcome),
        (Some("1001"), Outcome::Missed),
        "in her missed list, though she had answered it before"
    );
}
