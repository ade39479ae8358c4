//! Scripted calls in both dialects, checked against the real captures: the
//! call-shaping events (channels, states, dials, bridges, hangups, Cdr)
//! come in the same order with the same channels and states as on the real
//! PBX. Time is paused, so ring and talk times cost nothing.

mod common;

use std::time::Duration;

use common::{connect, decode_file, logged_in, RawClient};
use ringside_ami::Packet;
use ringside_pbxsim::{Dialect, Party, PickupStyle, Scenario, SimHandle, TransferStyle};
use tokio::net::TcpStream;

use common::signature;

fn capture_signature(name: &str) -> Vec<String> {
    signature(&decode_file(name))
}

/// Plays a scenario and collects events until `n` call-shaping ones came.
async fn play_and_collect(
    sim: &SimHandle,
    c: &mut RawClient<TcpStream>,
    s: Scenario,
    n: usize,
) -> Vec<Packet> {
    let playing = sim.play(s);
    let mut events = Vec::new();
    while signature(&events).len() < n {
        events.push(c.next().await.expect("the scripted call's events arrive"));
    }
    playing.finished().await;
    events
}

fn acme() -> Party {
    Party::new("+15551234567", "ACME Corp")
}

fn is_channel_name(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|s| s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[tokio::test(start_paused = true)]
async fn modern_incoming_answered_matches_the_capture() {
    let (sim, mut c) = logged_in(Dialect::Modern).await;
    let expected = capture_signature("ami/incoming-answered.ami");
    let events = play_and_collect(
        &sim,
        &mut c,
        Scenario::incoming(acme(), "5550100", "1001"),
        expected.len(),
    )
    .await;
    assert_eq!(
        signature(&events),
        expected,
        "same call-shaping sequence as the real Asterisk 23"
    );
    let dial = events
        .iter()
        .find(|e| e.is("Event", "DialBegin"))
        .expect("a DialBegin");
    let dest = dial.get("DestChannel").unwrap_or_default();
    assert!(
        is_channel_name(dest, "PJSIP/1001-"),
        "DestChannel like PJSIP/1001-00000003, got {dest}"
    );
    assert_eq!(
        dial.get("CallerIDName"),
        Some("ACME Corp"),
        "caller name on the dialling side"
    );
    assert_eq!(
        dial.get("DestConnectedLineNum"),
        Some("+15551234567"),
        "the phone sees who calls"
    );
    assert_eq!(
        dial.get("DestLinkedid"),
        dial.get("Uniqueid"),
        "the phone's leg is linked to the caller's"
    );
    let uid = dial.get("Uniqueid").unwrap_or_default();
    assert!(
        uid.split_once('.')
            .is_some_and(|(s, n)| s.len() == 10 && n.parse::<u64>().is_ok()),
        "uniqueid like 1795444649.2: {uid}"
    );
    let mut events = events;
    events.extend(
        c.events_until(|e| e.is("Event", "ExtensionStatus") && e.is("Status", "0"))
            .await,
    );
    let states: Vec<_> = events
        .iter()
        .filter(|e| e.is("Event", "ExtensionStatus") && e.is("Exten", "1001"))
        .filter_map(|e| e.get("Status"))
        .collect();
    assert_eq!(
        states,
        vec!["8", "1", "0"],
        "1001 rings, is in use, then idle"
    );
    let cdr = events.iter().find(|e| e.is("Event", "Cdr")).expect("a Cdr");
    assert_eq!(
        cdr.get("Disposition"),
        Some("ANSWERED"),
        "the Cdr says answered"
    );
    assert_eq!(
        cdr.get("CallerID"),
        Some("\"ACME Corp\" <+15551234567>"),
        "Cdr caller id as Asterisk writes it"
    );
    assert!(
        sim.channels().is_empty(),
        "every channel is gone after the call"
    );
}

#[tokio::test(start_paused = true)]
async fn modern_incoming_missed_matches_the_capture() {
    let (sim, mut c) = logged_in(Dialect::Modern).await;
    let expected = capture_signature("ami/incoming-missed.ami");
    let s = Scenario::incoming_missed(Party::new("0207946000", "Globex Inc"), "5550100", "1001");
    let events = play_and_collect(&sim, &mut c, s, expected.len()).await;
    assert_eq!(
        signature(&events),
        expected,
        "same sequence as the real missed call"
    );
    let cdr = events.iter().find(|e| e.is("Event", "Cdr")).expect("a Cdr");
    assert_eq!(
        cdr.get("Disposition"),
        Some("NO ANSWER"),
        "a missed call's Cdr"
    );
}

#[tokio::test(start_paused = true)]
async fn ami11_incoming_answered_and_missed_match_the_capture() {
    let (sim, mut c) = logged_in(Dialect::Ami11).await;
    let expected = capture_signature("ami-1.3/incoming-answered.ami");
    let events = play_and_collect(
        &sim,
        &mut c,
        Scenario::incoming(acme(), "5550100", "1001"),
        expected.len(),
    )
    .await;
    assert_eq!(
        signature(&events),
        expected,
        "same sequence as the real Asterisk 11 with chan_sip"
    );
    let dial = events
        .iter()
        .find(|e| e.is("Event", "Dial"))
        .expect("an Event: Dial");
    assert_eq!(
        dial.get("SubEvent"),
        Some("Begin"),
        "1.8 dials with SubEvent Begin"
    );
    assert!(
        is_channel_name(dial.get("Destination").unwrap_or_default(), "SIP/1001-"),
        "Destination: SIP/1001-…"
    );
    assert!(
        dial.get("DestUniqueID").is_some(),
        "1.8 names the dialled uniqueid DestUniqueID"
    );
    assert!(
        events.iter().all(|e| e.get("Linkedid").is_none()),
        "1.8 has no Linkedid"
    );
    let expected = capture_signature("ami-1.3/incoming-missed.ami");
    let s = Scenario::incoming_missed(Party::new("0207946000", "Globex Inc"), "5550100", "1001");
    let events = play_and_collect(&sim, &mut c, s, expected.len()).await;
    assert_eq!(
        signature(&events),
        expected,
        "same missed-call sequence as the real Asterisk 11"
    );
}

/// The ringing and answering part: everything up to the first bridge.
fn up_to_bridge(sig: Vec<String>) -> Vec<String> {
    let end = sig
        .iter()
        .position(|s| s.starts_with("BridgeEnter") || s.starts_with("Bridge("))
        .unwrap_or(sig.len());
    sig[..end].to_vec()
}

#[tokio::test(start_paused = true)]
async fn ring_groups_ring_like_the_captures_in_both_dialects() {
    for (dialect, capture) in [
        (Dialect::Modern, "ami/ringgroup-answered.ami"),
        (Dialect::Ami11, "ami-1.3/ringgroup-answered.ami"),
    ] {
        let (sim, mut c) = logged_in(dialect).await;
        let expected = up_to_bridge(capture_signature(capture));
        let s = Scenario::ring_group(
            Party::new("+442071234567", "Initech"),
            "5550600",
            "600",
            &["1001", "1002", "1003"],
            Some("1002"),
        );
        let events = play_and_collect(&sim, &mut c, s, expected.len() + 1).await;
        // Asterisk rings group members in parallel, so the order among them
        // varies from call to call; compare as multisets.
        let (mut got, mut want) = (up_to_bridge(signature(&events)), expected);
        got.sort();
        want.sort();
        assert_eq!(
            got, want,
            "{dialect:?}: ring group rings and answers as recorded"
        );
        let hangups: Vec<_> = events
            .iter()
            .filter(|e| e.is("Event", "Hangup"))
            .filter_map(|e| e.get("Cause"))
            .collect();
        assert_eq!(
            hangups,
            vec!["26", "26"],
            "{dialect:?}: the other two phones are 'Answered elsewhere'"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn internal_and_outbound_calls_ring_like_the_captures() {
    let (sim, mut c) = logged_in(Dialect::Modern).await;
    let expected = up_to_bridge(capture_signature("ami/internal-call.ami"));
    let events = play_and_collect(
        &sim,
        &mut c,
        Scenario::internal("1004", "1001"),
        expected.len() + 1,
    )
    .await;
    assert_eq!(
        up_to_bridge(signature(&events)),
        expected,
        "internal call as recorded"
    );
    let dial = events
        .iter()
        .find(|e| e.is("Event", "DialBegin"))
        .expect("a DialBegin");
    assert_eq!(
        dial.get("CallerIDName"),
        Some("Dave Accounts"),
        "the caller is extension 1004 by name"
    );
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let (sim, mut c) = logged_in(dialect).await;
        let capture = if dialect == Dialect::Modern {
            "ami/outbound-trunk.ami"
        } else {
            "ami-1.3/outbound-trunk.ami"
        };
        let expected = up_to_bridge(capture_signature(capture));
        let events = play_and_collect(
            &sim,
            &mut c,
            Scenario::outbound("1001", "5559876543"),
            expected.len() + 1,
        )
        .await;
        assert_eq!(
            up_to_bridge(signature(&events)),
            expected,
            "{dialect:?}: outbound call as recorded"
        );
    }
    drop(sim);
}

#[tokio::test(start_paused = true)]
async fn queue_calls_go_through_local_channels() {
    let (sim, mut c) = logged_in(Dialect::Modern).await;
    let s = Scenario::queue(
        Party::new("+4930123456", "Umbrella GmbH"),
        "5550700",
        "support",
        &["1002", "1003"],
        Some("1003"),
    );
    let playing = sim.play(s);
    let events = c.events_until(|e| e.is("Event", "Cdr")).await;
    playing.finished().await;
    let names = common::names(&events);
    for ev in [
        "QueueCallerJoin",
        "AgentCalled",
        "AgentConnect",
        "QueueCallerLeave",
    ] {
        assert!(
            names.contains(&ev),
            "a FreePBX queue call has {ev}: {names:?}"
        );
    }
    let called: Vec<_> = events
        .iter()
        .filter(|e| e.is("Event", "AgentCalled"))
        .collect();
    assert_eq!(called.len(), 2, "both agents are called");
    let local = called[0].get("DestChannel").unwrap_or_default();
    assert!(
        local.starts_with("Local/1002@from-queue-") && local.ends_with(";1"),
        "agents are rung via Local/…;1: {local}"
    );
    let phone_dial = events
        .iter()
        .find(|e| {
            e.is("Event", "DialBegin") && e.get("Channel").is_some_and(|ch| ch.ends_with(";2"))
        })
        .expect("the ;2 half dials the phone");
    assert!(
        phone_dial
            .get("DestChannel")
            .is_some_and(|d| d.starts_with("PJSIP/1002-")),
        "the ;2 half dials PJSIP/1002"
    );
    let connect = events
        .iter()
        .find(|e| e.is("Event", "AgentConnect"))
        .expect("an agent connects");
    assert!(
        connect
            .get("DestChannel")
            .is_some_and(|d| d.starts_with("Local/1003@from-queue-")),
        "1003 answered"
    );
    assert!(
        sim.channels().is_empty(),
        "Local halves and phones are all hung up at the end"
    );

    let s = Scenario::queue(
        Party::new("+4930123456", "Umbrella GmbH"),
        "5550700",
        "support",
        &["1002"],
        None,
    );
    let playing = sim.play(s);
    let events = c.events_until(|e| e.is("Event", "Cdr")).await;
    playing.finished().await;
    assert!(
        common::names(&events).contains(&"QueueCallerAbandon"),
        "nobody answers: the caller abandons"
    );
}

#[tokio::test(start_paused = true)]
async fn ami11_queue_uses_old_event_names() {
    let (sim, mut c) = logged_in(Dialect::Ami11).await;
    let s = Scenario::queue(
        Party::new("+4930123456", "Umbrella GmbH"),
        "5550700",
        "support",
        &["1002"],
        Some("1002"),
    );
    let playing = sim.play(s);
    let events = c.events_until(|e| e.is("Event", "Cdr")).await;
    playing.finished().await;
    let names = common::names(&events);
    for ev in ["Join", "AgentCalled", "AgentConnect", "Leave"] {
        assert!(
            names.contains(&ev),
            "Asterisk 1.8 queue events include {ev}: {names:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn scripted_transfers_move_the_call() {
    for style in [
        TransferStyle::Redirect,
        TransferStyle::Blind,
        TransferStyle::Attended,
    ] {
        let (sim, mut c) = logged_in(Dialect::Modern).await;
        let playing = sim.play(Scenario::transfer(acme(), "5550100", "1001", "1002", style));
        let events = c.events_until(|e| e.is("Event", "Cdr")).await;
        playing.finished().await;
        let dialled: Vec<_> = events
            .iter()
            .filter(|e| e.is("Event", "DialBegin"))
            .filter_map(|e| e.get("DestChannel").and_then(|d| d.split('-').next()))
            .collect();
        assert_eq!(
            dialled,
            vec!["PJSIP/1001", "PJSIP/1002"],
            "{style:?}: 1001 rings first, then 1002"
        );
        let answered = events
            .iter()
            .filter(|e| e.is("Event", "DialEnd") && e.is("DialStatus", "ANSWER"))
            .count();
        // The Atxfer action's Local pair reports its own answer too
        // (DialEnd without a dialling channel, as in atxfer-1003.ami).
        let want = if style == TransferStyle::Attended {
            3
        } else {
            2
        };
        assert_eq!(answered, want, "{style:?}: both legs were answered");
        let names = common::names(&events);
        match style {
            TransferStyle::Blind => {
                assert!(names.contains(&"BlindTransfer"), "a BlindTransfer event")
            }
            TransferStyle::Attended => assert!(
                names.contains(&"AttendedTransfer"),
                "an AttendedTransfer event"
            ),
            TransferStyle::Redirect => assert!(
                !names.contains(&"BlindTransfer"),
                "Redirect makes no transfer event"
            ),
            TransferStyle::AttendedDeclined | TransferStyle::PhoneAttended => {
                unreachable!("not in this loop")
            }
        }
        let cdr = events.iter().find(|e| e.is("Event", "Cdr")).expect("a Cdr");
        assert_eq!(
            cdr.get("Destination"),
            Some("1002"),
            "{style:?}: the call ended at 1002"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(
            sim.channels().is_empty(),
            "{style:?}: nothing left over: {:?}",
            sim.channels()
        );
    }
}

#[test]
fn hostile_names_cannot_break_packets() {
    let p = Party::new(
        "+1\r\nAction: Originate",
        "<img src=x onerror=alert(1)>\n\u{202e}evil\0",
    );
    assert!(
        !p.number.contains(['\r', '\n']),
        "no line break survives in the number"
    );
    assert!(!p.name.contains(['\r', '\n', '\0']), "nor in the name");
    assert!(
        p.name.contains("<img src=x onerror=alert(1)>") && p.name.contains('\u{202e}'),
        "the rest is kept as is"
    );
}

#[tokio::test(start_paused = true)]
async fn every_logged_in_session_sees_the_call_but_not_before_login() {
    let (sim, mut a) = logged_in(Dialect::Modern).await;
    let mut b = connect(sim.addr()).await;
    b.login_plain("ringside", "ringside-secret").await;
    let mut not_logged_in = connect(sim.addr()).await;
    assert!(
        sim.wait_logged_in(2, Duration::from_secs(5)).await,
        "two sessions logged in"
    );
    let playing = sim.play(Scenario::incoming(acme(), "5550100", "1001"));
    for c in [&mut a, &mut b] {
        let events = c.events_until(|e| e.is("Event", "Cdr")).await;
        assert!(
            events.iter().any(|e| e.is("Event", "DialBegin")),
            "each logged-in session gets the call"
        );
    }
    playing.finished().await;
    let r = not_logged_in
        .ask(ringside_ami::Packet::action("Ping"), "p")
        .await;
    assert_eq!(
        r.get("Message"),
        Some("Permission denied"),
        "still not logged in"
    );
    assert!(
        not_logged_in.events.is_empty(),
        "a session that has not logged in gets no events"
    );
}

/// Signatures without `Cdr` (where the captures' PBX wrote them depends on
/// its cdr settings, not on the call).
fn without_cdr(sig: Vec<String>) -> Vec<String> {
    sig.into_iter().filter(|s| !s.starts_with("Cdr")).collect()
}

#[tokio::test(start_paused = true)]
async fn pickups_by_feature_code_ring_and_answer_like_the_captures() {
    for (dialect, capture) in [
        (Dialect::Modern, "ami/pickup-feature-code.ami"),
        (Dialect::Ami11, "ami-1.3/pickup-feature-code.ami"),
    ] {
        let (sim, mut c) = logged_in(dialect).await;
        let expected = up_to_bridge(capture_signature(capture));
        let s = Scenario::pickup(
            Party::new("+17185550177", "Initrode"),
            "5550102",
            "1002",
            "1003",
            PickupStyle::FeatureCode,
        );
        let events = play_and_collect(&sim, &mut c, s, expected.len() + 1).await;
        assert_eq!(
            up_to_bridge(signature(&events)),
            expected,
            "{dialect:?}: the ringing, the picker's channel and the pickup as recorded"
        );
        let pickup = events
            .iter()
            .find(|e| e.is("Event", "Pickup"))
            .expect("a Pickup event");
        if dialect == Dialect::Modern {
            assert!(
                pickup
                    .get("TargetChannel")
                    .is_some_and(|t| t.starts_with("PJSIP/1002-"))
                    && pickup.get("TargetUniqueid").is_some(),
                "12+ names the ringing channel with the Target prefix: {pickup:?}"
            );
        } else {
            let keys: Vec<&str> = pickup.fields().map(|(k, _)| k).collect();
            assert_eq!(
                keys,
                ["Event", "Privilege", "Channel", "TargetChannel"],
                "11's Pickup has only Channel and TargetChannel"
            );
            let names = common::names(&events);
            let masq = names.iter().position(|n| *n == "Masquerade");
            assert!(
                masq.is_some_and(|m| names[m + 1..m + 4] == ["Rename", "Rename", "Rename"]),
                "11 masquerades the picker into the ringing channel: {names:?}"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn atxfer_action_matches_the_capture() {
    let (sim, mut c) = logged_in(Dialect::Modern).await;
    let expected = without_cdr(capture_signature("ami/atxfer-1003.ami"));
    let playing = sim.play(Scenario::transfer(
        Party::new("+13125550199", "Wayne Enterprises"),
        "5550100",
        "1001",
        "1003",
        TransferStyle::Attended,
    ));
    let mut events = Vec::new();
    while without_cdr(signature(&events)).len() < expected.len() {
        events.push(c.next().await.expect("the transfer's events arrive"));
    }
    playing.finished().await;
    assert_eq!(
        without_cdr(signature(&events)),
        expected,
        "the Atxfer action's Local pair, consultation and merge as recorded"
    );
    let caller = events
        .iter()
        .find(|e| e.is("Event", "Newchannel"))
        .and_then(|e| e.get("Linkedid"))
        .expect("the caller's channel has a Linkedid");
    let consult = events
        .iter()
        .find(|e| {
            e.is("Event", "DialBegin") && e.get("Channel").is_some_and(|ch| ch.ends_with(";2"))
        })
        .expect("the ;2 half dials 1003");
    assert_eq!(
        consult.get("CallerIDNum"),
        Some("1001"),
        "the consultation comes from the transferer"
    );
    assert_eq!(
        consult.get("Linkedid"),
        Some(caller),
        "the Local pair shares the caller's Linkedid"
    );
    let xfer = events
        .iter()
        .find(|e| e.is("Event", "AttendedTransfer"))
        .expect("an AttendedTransfer");
    assert_eq!(
        xfer.get("DestType"),
        Some("Bridge"),
        "the Local half joins the caller's bridge"
    );
    assert_eq!(xfer.get("IsExternal"), Some("No"), "not the phone's REFER");
    assert!(
        xfer.get("TransferTargetChannel").is_none(),
        "the Atxfer's target is behind the Local pair: {xfer:?}"
    );
    assert!(
        names_before(&events, "AttendedTransfer").contains(&"BridgeMerge"),
        "a merge completes it"
    );
}

fn names_before<'a>(events: &'a [Packet], name: &str) -> Vec<&'a str> {
    let names = common::names(events);
    let end = names.iter().position(|n| *n == name).unwrap_or(names.len());
    names[..end].to_vec()
}
