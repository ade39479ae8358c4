use super::*;

fn ev(pairs: &[(&str, &str)]) -> Packet {
    pairs.iter().fold(Packet::new(), |p, (k, v)| p.with(*k, *v))
}

/// A 12+ queue event about caller `n` (`+1201555011n`, Uniqueid `100.n`,
/// Linkedid `1.n`).
fn modern(event: &str, n: u32, queue: &str, position: u32) -> Packet {
    ev(&[
        ("Event", event),
        ("Channel", &format!("PJSIP/carrier-0000000{n}")),
        ("CallerIDNum", &format!("+1201555011{n}")),
        ("CallerIDName", &format!("Caller {n}")),
        ("ConnectedLineNum", "<unknown>"),
        ("Uniqueid", &format!("100.{n}")),
        ("Linkedid", &format!("1.{n}")),
        ("Queue", queue),
        ("Position", &position.to_string()),
    ])
}

/// A 1.x `Join` (app_queue 1.8/11) of caller `n`.
fn old_join(n: u32, position: u32) -> Packet {
    ev(&[
        ("Event", "Join"),
        ("Channel", &format!("SIP/carrier-0000001{n}")),
        ("CallerIDNum", &format!("+1310555010{n}")),
        ("CallerIDName", "unknown"),
        ("ConnectedLineNum", "unknown"),
        ("ConnectedLineName", "unknown"),
        ("Queue", "support"),
        ("Position", &position.to_string()),
        ("Count", &position.to_string()),
        ("Uniqueid", &format!("200.{n}")),
    ])
}

fn old_leave(n: u32) -> Packet {
    ev(&[
        ("Event", "Leave"),
        ("Channel", &format!("SIP/carrier-0000001{n}")),
        ("Queue", "support"),
        ("Count", "0"),
        ("Position", "1"),
        ("Uniqueid", &format!("200.{n}")),
    ])
}

fn feed(q: &mut Queues, events: &[(Packet, i64)]) -> Vec<QueueChange> {
    events.iter().flat_map(|(e, at)| q.apply(e, *at)).collect()
}

fn positions(q: &Queues, queue: &str) -> Vec<(String, u32)> {
    q.get(queue)
        .map(|q| {
            q.callers
                .iter()
                .map(|c| (c.call.clone(), c.position))
                .collect()
        })
        .unwrap_or_default()
}

/// The `(call, end, answered_by, waited_ms)` of the one leave in `changes`.
fn leave(changes: &[QueueChange]) -> (&str, QueueOutcome, Option<&str>, i64) {
    let leaves: Vec<_> = changes
        .iter()
        .filter_map(|c| match c {
            QueueChange::QueueLeave {
                call,
                end,
                answered_by,
                waited_ms,
                ..
            } => Some((call.as_str(), *end, answered_by.as_deref(), *waited_ms)),
            QueueChange::QueueJoin { .. } => None,
        })
        .collect();
    match leaves.as_slice() {
        [one] => *one,
        other => panic!("one queue_leave expected, got {other:?} in {changes:?}"),
    }
}

#[test]
fn callers_join_with_their_position_and_move_up_when_one_before_leaves() {
    let mut q = Queues::new();
    let joins = feed(
        &mut q,
        &[
            (modern("QueueCallerJoin", 1, "sales", 1), 0),
            (modern("QueueCallerJoin", 2, "sales", 2), 1_000),
            (modern("QueueCallerJoin", 3, "sales", 3), 2_000),
        ],
    );
    assert_eq!(joins.len(), 3);
    assert_eq!(
        serde_json::to_string(&joins[1]).expect("serializes"),
        r#"{"type":"queue_join","queue":"sales","call":"1.2","caller_num":"+12015550112","caller_name":"Caller 2","position":2}"#,
        "the Linkedid is the call id"
    );
    let out = feed(
        &mut q,
        &[
            (modern("QueueCallerAbandon", 1, "sales", 1), 5_000),
            (modern("QueueCallerLeave", 1, "sales", 1), 5_000),
        ],
    );
    assert_eq!(leave(&out), ("1.1", QueueOutcome::Abandoned, None, 5_000));
    assert_eq!(
        serde_json::to_string(&out[0]).expect("serializes"),
        r#"{"type":"queue_leave","queue":"sales","call":"1.1","caller_num":"+12015550111","end":"abandoned","answered_by":null,"waited_ms":5000}"#
    );
    assert_eq!(
        positions(&q, "sales"),
        vec![("1.2".into(), 1), ("1.3".into(), 2)],
        "everyone behind moves up"
    );
    let longest = q.get("sales").and_then(Queue::longest_wait);
    assert_eq!(longest.map(|c| c.call.as_str()), Some("1.2"));
}

#[test]
fn a_caller_with_priority_joins_ahead_and_pushes_the_others_back() {
    let mut q = Queues::new();
    feed(
        &mut q,
        &[
            (modern("QueueCallerJoin", 1, "sales", 1), 0),
            (modern("QueueCallerJoin", 2, "sales", 2), 0),
        ],
    );
    let vip = q.apply(&modern("QueueCallerJoin", 3, "sales", 1), 0);
    assert!(matches!(
        vip.as_slice(),
        [QueueChange::QueueJoin { position: 1, .. }]
    ));
    assert_eq!(
        positions(&q, "sales"),
        vec![("1.3".into(), 1), ("1.1".into(), 2), ("1.2".into(), 3)]
    );
}

#[test]
fn a_modern_leave_is_answered_by_the_member_that_agent_connect_names() {
    for (member, by) in [
        ("PJSIP/1003-00000011", "1003"),
        ("Local/1002@internal-00000001;1", "1002"),
    ] {
        let mut q = Queues::new();
        let connect = ev(&[
            ("Event", "AgentConnect"),
            ("Channel", "PJSIP/carrier-00000001"),
            ("Uniqueid", "100.1"),
            ("Linkedid", "1.1"),
            ("DestChannel", member),
            ("DestUniqueid", "100.7"),
            ("Queue", "sales"),
            ("Interface", "PJSIP/9999"),
            ("HoldTime", "3"),
        ]);
        let out = feed(
            &mut q,
            &[
                (modern("QueueCallerJoin", 1, "sales", 1), 1_000),
                (modern("QueueCallerLeave", 1, "sales", 1), 4_000),
                (connect, 4_010),
            ],
        );
        assert_eq!(
            leave(&out),
            ("1.1", QueueOutcome::Answered, Some(by), 3_000),
            "{member}: waited until the leave"
        );
        assert!(positions(&q, "sales").is_empty());
    }
}

#[test]
fn a_leave_followed_by_the_callers_own_next_step_is_a_timeout() {
    let next_step = ev(&[
        ("Event", "Newexten"),
        ("Channel", "PJSIP/carrier-00000001"),
        ("Uniqueid", "100.1"),
        ("Application", "VoiceMail"),
    ]);
    let hangup = ev(&[("Event", "Hangup"), ("Uniqueid", "100.1"), ("Cause", "16")]);
    for then in [next_step, hangup] {
        let mut q = Queues::new();
        let out = feed(
            &mut q,
            &[
                (modern("QueueCallerJoin", 1, "sales", 1), 0),
                (modern("QueueCallerLeave", 1, "sales", 1), 30_000),
            ],
        );
        assert!(out
            .iter()
            .all(|c| matches!(c, QueueChange::QueueJoin { .. })));
        let out = q.apply(&then, 30_005);
        assert_eq!(leave(&out), ("1.1", QueueOutcome::Timeout, None, 30_000));
        assert!(q.apply(&then, 30_006).is_empty(), "settled once: {then:?}");
    }
}

#[test]
fn someone_elses_events_between_leave_and_connect_settle_nothing() {
    let mut q = Queues::new();
    let other = ev(&[("Event", "Hangup"), ("Uniqueid", "100.9"), ("Cause", "26")]);
    let out = feed(
        &mut q,
        &[
            (modern("QueueCallerJoin", 1, "sales", 1), 0),
            (modern("QueueCallerLeave", 1, "sales", 1), 10),
            (other, 11),
        ],
    );
    assert_eq!(out.len(), 1, "the join only: {out:?}");
}

/// `tests/fixtures/ami-1.3/queue-direct-answers.ami`: without
/// `eventwhencalled` the only sign of the answer is the `Bridge` after the
/// `Leave`.
#[test]
fn an_old_leave_is_answered_by_the_member_the_caller_is_bridged_with() {
    let mut q = Queues::new();
    let bridge = ev(&[
        ("Event", "Bridge"),
        ("Bridgestate", "Link"),
        ("Bridgetype", "core"),
        ("Channel1", "SIP/carrier-00000010"),
        ("Channel2", "SIP/1003-00000011"),
        ("Uniqueid1", "200.0"),
        ("Uniqueid2", "1796395731.20"),
    ]);
    let join = q.apply(&old_join(0, 1), 0);
    assert_eq!(
        join,
        vec![QueueChange::QueueJoin {
            queue: "support".into(),
            call: "200.0".into(),
            caller_num: "+13105550100".into(),
            caller_name: None,
            position: 1,
        }],
        "the Uniqueid is the call id; app_queue's `unknown` is no name"
    );
    let out = feed(&mut q, &[(old_leave(0), 2_500), (bridge, 2_600)]);
    assert_eq!(
        leave(&out),
        ("200.0", QueueOutcome::Answered, Some("1003"), 2_500)
    );
}

#[test]
fn an_old_agent_connect_names_the_member_channel_in_channel() {
    let mut q = Queues::new();
    let connect = ev(&[
        ("Event", "AgentConnect"),
        ("Queue", "support"),
        ("Uniqueid", "200.0"),
        ("Channel", "SIP/1003-00000011"),
        ("Member", "SIP/1003"),
        ("MemberName", "Carol"),
        ("HoldTime", "2"),
        ("BridgedChannel", "1796395731.20"),
        ("RingTime", "2"),
    ]);
    let out = feed(
        &mut q,
        &[(old_join(0, 1), 0), (old_leave(0), 2_000), (connect, 2_001)],
    );
    assert_eq!(
        leave(&out),
        ("200.0", QueueOutcome::Answered, Some("1003"), 2_000)
    );
}

#[test]
fn an_old_abandon_ends_the_wait_once() {
    let mut q = Queues::new();
    let abandon = ev(&[
        ("Event", "QueueCallerAbandon"),
        ("Queue", "support"),
        ("Uniqueid", "200.1"),
        ("Position", "2"),
        ("OriginalPosition", "2"),
        ("HoldTime", "4"),
    ]);
    let out = feed(
        &mut q,
        &[
            (old_join(0, 1), 0),
            (old_join(1, 2), 0),
            (abandon, 4_000),
            (old_leave(1), 4_000),
        ],
    );
    assert_eq!(leave(&out), ("200.1", QueueOutcome::Abandoned, None, 4_000));
    assert_eq!(positions(&q, "support"), vec![("200.0".into(), 1)]);
}

#[test]
fn unwatched_queues_stay_off_the_panel() {
    let mut q = Queues::watching(["sales"]);
    let out = feed(
        &mut q,
        &[
            (modern("QueueCallerJoin", 1, "support", 1), 0),
            (modern("QueueCallerLeave", 1, "support", 1), 1),
            (
                ev(&[("Event", "Hangup"), ("Uniqueid", "100.1"), ("Cause", "16")]),
                2,
            ),
        ],
    );
    assert!(out.is_empty(), "{out:?}");
    assert!(q.get("support").is_none());
    assert!(q.is_watched("sales") && !q.is_watched("support"));
}

#[test]
fn members_follow_their_status_pause_and_removal_in_both_dialects() {
    let mut q = Queues::new();
    q.apply(
        &ev(&[
            ("Event", "QueueMemberStatus"),
            ("Queue", "sales"),
            ("MemberName", "Carol"),
            ("Interface", "PJSIP/1003"),
            ("StateInterface", "PJSIP/1003"),
            ("CallsTaken", "4"),
            ("InCall", "1"),
            ("Status", "2"),
            ("Paused", "1"),
            ("PausedReason", "lunch"),
        ]),
        0,
    );
    // 1.x: `Location`, no reason in the status; `QueueMemberPaused` has it.
    q.apply(
        &ev(&[
            ("Event", "QueueMemberStatus"),
            ("Queue", "sales"),
            ("Location", "Local/1002@internal/n"),
            ("MemberName", "Local/1002@internal/n"),
            ("Status", "1"),
            ("Paused", "0"),
        ]),
        0,
    );
    q.apply(
        &ev(&[
            ("Event", "QueueMemberPaused"),
            ("Queue", "sales"),
            ("Location", "Local/1002@internal/n"),
            ("MemberName", "Local/1002@internal/n"),
            ("Paused", "1"),
            ("Reason", "meeting"),
        ]),
        0,
    );
    let sales = q.get("sales").expect("the queue");
    let got: Vec<_> = sales
        .members
        .iter()
        .map(|m| {
            (
                m.extension.as_deref(),
                m.state,
                m.paused,
                m.paused_reason.as_deref(),
                m.in_call,
                m.calls_taken,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                Some("1003"),
                MemberState::InUse,
                true,
                Some("lunch"),
                true,
                4
            ),
            (
                Some("1002"),
                MemberState::NotInUse,
                true,
                Some("meeting"),
                false,
                0
            ),
        ]
    );
    q.apply(
        &ev(&[
            ("Event", "QueueMemberPause"),
            ("Queue", "sales"),
            ("Interface", "PJSIP/1003"),
            ("Status", "1"),
            ("Paused", "0"),
            ("PausedReason", ""),
        ]),
        0,
    );
    q.apply(
        &ev(&[
            ("Event", "QueueMemberRemoved"),
            ("Queue", "sales"),
            ("Location", "Local/1002@internal/n"),
        ]),
        0,
    );
    let sales = q.get("sales").expect("the queue");
    assert_eq!(sales.members.len(), 1);
    let carol = &sales.members[0];
    assert!(carol.available(), "unpaused and idle: {carol:?}");
    assert_eq!(carol.paused_reason, None, "no reason once unpaused");
}

#[test]
fn member_states_follow_asterisks_device_state_codes() {
    let all: Vec<MemberState> = (0..=9).map(MemberState::from_code).collect();
    assert_eq!(
        all,
        vec![
            MemberState::Unknown,
            MemberState::NotInUse,
            MemberState::InUse,
            MemberState::Busy,
            MemberState::Invalid,
            MemberState::Unavailable,
            MemberState::Ringing,
            MemberState::RingInUse,
            MemberState::OnHold,
            MemberState::Unknown,
        ]
    );
}

/// A `QueueStatus` answer as Asterisk 12+ (and, without `Priority`, 1.x)
/// sends it.
fn status_listing(entries: &[(u32, &str, u32)]) -> Vec<Packet> {
    let mut v = vec![
        ev(&[("Response", "Success"), ("EventList", "start")]),
        ev(&[
            ("Event", "QueueParams"),
            ("Queue", "sales"),
            ("Strategy", "ringall"),
        ]),
        ev(&[
            ("Event", "QueueMember"),
            ("Queue", "sales"),
            ("Name", "Carol"),
            ("Location", "PJSIP/1003"),
            ("StateInterface", "PJSIP/1003"),
            ("Status", "1"),
            ("Paused", "0"),
            ("PausedReason", ""),
        ]),
    ];
    for (n, wait, position) in entries {
        v.push(ev(&[
            ("Event", "QueueEntry"),
            ("Queue", "sales"),
            ("Position", &position.to_string()),
            ("Channel", &format!("PJSIP/carrier-0000000{n}")),
            ("Uniqueid", &format!("100.{n}")),
            ("CallerIDNum", &format!("+1201555011{n}")),
            ("CallerIDName", "unknown"),
            ("Wait", wait),
        ]));
    }
    v.push(ev(&[("Event", "QueueStatusComplete"), ("ListItems", "4")]));
    v
}

#[test]
fn a_listing_rebuilds_callers_and_members() {
    let mut q = Queues::new();
    feed(
        &mut q,
        &[
            (modern("QueueCallerJoin", 1, "sales", 1), 10_000),
            (modern("QueueCallerJoin", 2, "sales", 2), 20_000),
            (modern("QueueCallerJoin", 3, "support", 1), 20_000),
        ],
    );
    // 2 left while away; 4 joined.
    let out = q.resync(&status_listing(&[(4, "30", 2), (1, "50", 1)]), 60_000);
    assert_eq!(
        out,
        vec![QueueChange::QueueJoin {
            queue: "sales".into(),
            call: "100.4".into(),
            caller_num: "+12015550114".into(),
            caller_name: None,
            position: 2,
        }],
        "only the new caller, named by its Uniqueid (QueueEntry has no Linkedid)"
    );
    let sales = q.get("sales").expect("listed");
    let callers: Vec<_> = sales
        .callers
        .iter()
        .map(|c| (c.call.as_str(), c.position, c.joined_ms))
        .collect();
    assert_eq!(
        callers,
        vec![("1.1", 1, 10_000), ("100.4", 2, 30_000)],
        "a known caller keeps its id and time; a new one waits since its Wait"
    );
    assert_eq!(sales.members.len(), 1);
    assert_eq!(sales.members[0].name.as_deref(), Some("Carol"));
    assert!(q.get("support").is_none(), "not listed any more");
}

#[test]
fn a_summary_gives_totals_without_touching_the_callers() {
    let mut q = Queues::new();
    q.apply(&modern("QueueCallerJoin", 1, "sales", 1), 0);
    let out = q.resync(
        &[ev(&[
            ("Event", "QueueSummary"),
            ("Queue", "sales"),
            ("LoggedIn", "2"),
            ("Available", "1"),
            ("Callers", "1"),
            ("HoldTime", "0"),
            ("TalkTime", "0"),
            ("LongestHoldTime", "42"),
        ])],
        42_000,
    );
    assert!(out.is_empty());
    let sales = q.get("sales").expect("known");
    assert_eq!(sales.callers.len(), 1);
    assert_eq!(
        sales.summary,
        Some(QueueSummary {
            logged_in: 2,
            available: 1,
            callers: 1,
            longest_hold_s: 42,
        })
    );
}

#[test]
fn a_leave_waiting_to_be_settled_is_forgotten_at_resync() {
    let mut q = Queues::new();
    feed(
        &mut q,
        &[
            (modern("QueueCallerJoin", 1, "sales", 1), 0),
            (modern("QueueCallerLeave", 1, "sales", 1), 1),
        ],
    );
    q.resync(&status_listing(&[]), 2);
    let hangup = ev(&[("Event", "Hangup"), ("Uniqueid", "100.1"), ("Cause", "16")]);
    assert!(q.apply(&hangup, 3).is_empty());
}
