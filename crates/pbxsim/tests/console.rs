//! The attendant console's actions against the simulator, in both
//! dialects: parking (the `Park` action, `ParkedCalls`, retrieval by an
//! Originate to the space, the timeout back to the parker, a caller who
//! gives up), pickup by an Originate to `PickupChan` or a `**<ext>` code,
//! the queues (`QueueStatus`, `QueueSummary`, `QueuePause`, `QueueAdd`,
//! `QueueRemove`), voicemail (`MailboxCount`, `MessageWaiting`) and the
//! AMI user's rights (`ListCommands`, `Permission denied`). The 12+ park is
//! checked against `ami/park-retrieve.ami`. Time is paused.

mod common;

use std::time::Duration;

use common::{connect, decode_file, logged_in, RawClient};
use ringside_ami::Packet;
use ringside_pbxsim::{Dialect, Party, PbxSim, Scenario, SimConfig, SimHandle, SimUser};
use tokio::net::TcpStream;

const BOTH: [Dialect; 2] = [Dialect::Modern, Dialect::Ami11];

fn tech(d: Dialect) -> &'static str {
    match d {
        Dialect::Modern => "PJSIP",
        Dialect::Ami11 => "SIP",
    }
}

fn acme() -> Party {
    Party::new("+15551234567", "ACME Corp")
}

/// A long call from ACME to 1001, answered: the caller's and 1001's
/// channels.
async fn answered_call(sim: &SimHandle, c: &mut RawClient<TcpStream>) -> (String, String) {
    answered_for(sim, c, Duration::from_secs(600)).await
}

/// A call from ACME to 1001 whose talk time is `talk`, answered.
async fn answered_for(
    sim: &SimHandle,
    c: &mut RawClient<TcpStream>,
    talk: Duration,
) -> (String, String) {
    let call =
        Scenario::incoming(acme(), "5550100", "1001").with_timing(Duration::from_secs(2), talk);
    drop(sim.play(call));
    let events = c
        .events_until(|e| {
            (e.is("Event", "BridgeEnter") && e.is("BridgeNumChannels", "2"))
                || e.is("Bridgestate", "Link")
        })
        .await;
    let dial = events
        .iter()
        .find(|e| e.is("Event", "DialBegin") || e.is("SubEvent", "Begin"))
        .expect("the call was dialled");
    let caller = dial.get("Channel").expect("caller channel").to_owned();
    let phone = dial
        .get("DestChannel")
        .or_else(|| dial.get("Destination"))
        .expect("dialled channel")
        .to_owned();
    (caller, phone)
}

/// The `Park` of `caller`, coming back to `phone`, as each dialect names it.
fn park_action(d: Dialect, caller: &str, phone: &str) -> Packet {
    let back = if d == Dialect::Modern {
        "TimeoutChannel"
    } else {
        "Channel2"
    };
    Packet::action("Park")
        .with("Channel", caller)
        .with(back, phone)
        .with("Parkinglot", "default")
}

/// The space of a parking event (12+ `ParkingSpace`, 1.x `Exten`).
fn space_of(p: &Packet) -> Option<&str> {
    p.get("ParkingSpace").or(p.get("Exten"))
}

/// The parked channel of a parking event (12+ `ParkeeChannel`, 1.x `Channel`).
fn parkee_of(p: &Packet) -> Option<&str> {
    p.get("ParkeeChannel").or(p.get("Channel"))
}

async fn parked_calls(c: &mut RawClient<TcpStream>, id: &str) -> (Vec<Packet>, Packet) {
    let (first, items, done) = c.list(Packet::action("ParkedCalls"), id).await;
    assert_eq!(
        (first.response(), first.get("Message")),
        (Some("Success"), Some("Parked calls will follow"))
    );
    assert_eq!(done.event(), Some("ParkedCallsComplete"));
    (items, done)
}

#[tokio::test(start_paused = true)]
async fn a_parked_call_is_listed_and_retrieved_by_an_originate_to_its_space() {
    for d in BOTH {
        let (sim, mut c) = logged_in(d).await;
        let (caller, phone) = answered_call(&sim, &mut c).await;
        let r = c.ask(park_action(d, &caller, &phone), "park-1").await;
        assert_eq!(
            (r.response(), r.get("Message")),
            (Some("Success"), Some("Park successful")),
            "{d:?}"
        );
        let events = c
            .events_until(|e| e.is("Event", "Hangup") && e.get("Channel") == Some(&phone))
            .await;
        let parked = events
            .iter()
            .find(|e| e.is("Event", "ParkedCall"))
            .unwrap_or_else(|| panic!("{d:?}: ParkedCall in {events:?}"));
        assert_eq!(space_of(parked), Some("71"), "{d:?}: the first space");
        assert_eq!(
            parkee_of(parked),
            Some(caller.as_str()),
            "{d:?}: the caller"
        );
        assert_eq!(parked.get("Parkinglot"), Some("default"), "{d:?}");
        match d {
            Dialect::Modern => assert_eq!(
                parked.get("ParkerDialString"),
                Some("PJSIP/1001"),
                "12+: the timeout channel's device"
            ),
            Dialect::Ami11 => assert_eq!(
                parked.get("From"),
                Some(phone.as_str()),
                "1.x: the parker's channel"
            ),
        }
        let (items, done) = parked_calls(&mut c, "list-1").await;
        assert_eq!(items.len(), 1, "{d:?}: one call parked: {items:?}");
        assert_eq!(space_of(&items[0]), Some("71"));
        assert_eq!(parkee_of(&items[0]), Some(caller.as_str()));
        assert_eq!(done.get("Total"), Some("1"), "{d:?}");

        let mut originate = Packet::action("Originate")
            .with("Channel", format!("{}/1003", tech(d)))
            .with("Context", "parkedcalls")
            .with("Exten", "71")
            .with("Priority", "1")
            .with("Async", "true");
        if d == Dialect::Modern {
            originate.push("ChannelId", "ringside-retrieve-1");
        }
        let r = c.ask(originate, "retrieve-1").await;
        assert_eq!(r.response(), Some("Success"), "{d:?}: queued");
        let events = c.events_until(|e| e.is("Event", "UnParkedCall")).await;
        assert!(
            events.iter().any(|e| e.is("Event", "OriginateResponse")
                && e.is("Response", "Success")
                && e.action_id() == Some("retrieve-1")),
            "{d:?}: her phone answered first: {events:?}"
        );
        let unparked = events.last().expect("UnParkedCall");
        assert_eq!(space_of(unparked), Some("71"), "{d:?}");
        let retriever = unparked
            .get("RetrieverChannel")
            .or(unparked.get("From"))
            .unwrap_or_default();
        assert!(
            retriever.starts_with(&format!("{}/1003-", tech(d))),
            "{d:?}: retrieved by 1003's phone: {unparked:?}"
        );
        if d == Dialect::Modern {
            assert_eq!(
                unparked.get("RetrieverUniqueid"),
                Some("ringside-retrieve-1"),
                "12+: the Originate's preset channel id"
            );
        }
        let joined = c
            .events_until(|e| {
                (e.is("Event", "BridgeEnter") && e.is("BridgeNumChannels", "2"))
                    || e.is("Bridgestate", "Link")
            })
            .await;
        let link = joined.last().expect("bridged");
        let names = [
            link.get("Channel"),
            link.get("Channel1"),
            link.get("Channel2"),
        ];
        assert!(
            names.contains(&Some(retriever)) || names.contains(&Some(caller.as_str())),
            "{d:?}: the caller and 1003 talk: {link:?}"
        );
        let (items, done) = parked_calls(&mut c, "list-2").await;
        assert!(items.is_empty(), "{d:?}: the lot is empty again");
        assert_eq!(done.get("Total"), Some("0"));
        sim.shutdown().await;
    }
}

/// `(event, endpoint, bridge type)` of the events a park is made of.
fn park_shape(events: &[Packet]) -> Vec<String> {
    events
        .iter()
        .filter(|e| {
            e.event().is_some_and(|n| {
                [
                    "BridgeCreate",
                    "BridgeEnter",
                    "BridgeLeave",
                    "BridgeDestroy",
                    "ParkedCall",
                    "Hangup",
                ]
                .contains(&n)
            })
        })
        .map(|e| {
            let chan = e
                .get("Channel")
                .or(e.get("ParkeeChannel"))
                .unwrap_or_default();
            let endpoint = chan.rsplit_once('-').map_or(chan, |(ep, _)| ep);
            format!(
                "{}({endpoint},{})",
                e.event().unwrap_or_default(),
                e.get("BridgeType").unwrap_or_default()
            )
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_modern_park_matches_the_capture() {
    let capture = decode_file("ami/park-retrieve.ami");
    let from = capture
        .iter()
        .position(|p| p.action_id() == Some("park-1") && p.event().is_none())
        .expect("the Park's answer");
    let to = capture
        .iter()
        .position(|p| {
            p.is("Event", "Hangup")
                && p.get("Channel")
                    .is_some_and(|c| c.starts_with("PJSIP/1001"))
        })
        .expect("the parker hangs up");
    let want = park_shape(&capture[from..=to]);
    assert!(
        want.len() >= 7 && want.iter().any(|w| w.starts_with("ParkedCall(")),
        "the capture's park is found: {want:?}"
    );

    let (sim, mut c) = logged_in(Dialect::Modern).await;
    let (caller, phone) = answered_call(&sim, &mut c).await;
    c.ask(park_action(Dialect::Modern, &caller, &phone), "park-1")
        .await;
    let events = c
        .events_until(|e| e.is("Event", "Hangup") && e.get("Channel") == Some(&phone))
        .await;
    assert_eq!(
        park_shape(&events),
        want,
        "the park's bridges and events in the real Asterisk 23's order"
    );
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_parked_call_nobody_retrieves_rings_its_parker_again() {
    for d in BOTH {
        let (sim, mut c) = logged_in(d).await;
        let (caller, phone) = answered_call(&sim, &mut c).await;
        let park = park_action(d, &caller, &phone).with("Timeout", "2000");
        let r = c.ask(park, "park-1").await;
        assert_eq!(r.response(), Some("Success"), "{d:?}");
        let events = c.events_until(|e| e.is("Event", "ParkedCallTimeOut")).await;
        let out = events.last().expect("timeout");
        assert_eq!(space_of(out), Some("71"), "{d:?}");
        let rings = c
            .events_until(|e| {
                (e.is("Event", "DialBegin")
                    && e.get("DestChannel")
                        .is_some_and(|x| x.starts_with(&format!("{}/1001-", tech(d)))))
                    || (e.is("SubEvent", "Begin")
                        && e.get("Destination")
                            .is_some_and(|x| x.starts_with(&format!("{}/1001-", tech(d)))))
            })
            .await;
        let dial = rings.last().expect("dialled");
        assert_eq!(
            dial.get("Channel"),
            Some(caller.as_str()),
            "{d:?}: the caller rings its parker, 1001, again"
        );
        let (items, _) = parked_calls(&mut c, "list").await;
        assert!(items.is_empty(), "{d:?}: no longer parked");
        sim.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_parked_caller_who_hangs_up_gives_up() {
    for d in BOTH {
        let (sim, mut c) = logged_in(d).await;
        let (caller, phone) = answered_call(&sim, &mut c).await;
        c.ask(park_action(d, &caller, &phone), "park-1").await;
        c.events_until(|e| e.is("Event", "ParkedCall")).await;
        let r = c
            .ask(Packet::action("Hangup").with("Channel", &caller), "h-1")
            .await;
        assert_eq!(r.response(), Some("Success"), "{d:?}");
        let events = c
            .events_until(|e| e.is("Event", "Hangup") && e.get("Channel") == Some(&caller))
            .await;
        let gave_up = events
            .iter()
            .find(|e| e.is("Event", "ParkedCallGiveUp"))
            .unwrap_or_else(|| panic!("{d:?}: ParkedCallGiveUp in {events:?}"));
        assert_eq!(space_of(gave_up), Some("71"), "{d:?}");
        let (items, _) = parked_calls(&mut c, "list").await;
        assert!(items.is_empty(), "{d:?}");
        sim.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn park_and_retrieve_refusals() {
    for d in BOTH {
        let (sim, mut c) = logged_in(d).await;
        let r = c
            .ask(
                park_action(d, "PJSIP/nobody-00000099", "PJSIP/1001-00000001"),
                "p-1",
            )
            .await;
        assert_eq!(
            (r.response(), r.get("Message")),
            (
                Some("Error"),
                Some("Channel does not exist: PJSIP/nobody-00000099")
            ),
            "{d:?}"
        );
        if d == Dialect::Ami11 {
            let r = c
                .ask(Packet::action("Park").with("Channel", "SIP/x-1"), "p-2")
                .await;
            assert_eq!(r.get("Message"), Some("Channel2 not specified"));
        }
        // A space nobody waits in: her phone rings, answers, hangs up.
        let r = c
            .ask(
                Packet::action("Originate")
                    .with("Channel", format!("{}/1003", tech(d)))
                    .with("Context", "parkedcalls")
                    .with("Exten", "75")
                    .with("Priority", "1")
                    .with("Async", "true"),
                "r-1",
            )
            .await;
        assert_eq!(r.response(), Some("Success"), "{d:?}");
        let events = c
            .events_until(|e| {
                e.is("Event", "Hangup")
                    && e.get("Channel")
                        .is_some_and(|x| x.starts_with(&format!("{}/1003-", tech(d))))
            })
            .await;
        assert!(
            !events.iter().any(|e| e.is("Event", "UnParkedCall")),
            "{d:?}: nothing to retrieve: {events:?}"
        );
        sim.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn an_originate_to_pickupchan_pickup_or_the_code_takes_the_ringing_call() {
    for d in BOTH {
        for way in ["PickupChan", "Pickup", "code"] {
            let what = format!("{d:?} {way}");
            let (sim, mut c) = logged_in(d).await;
            let ringing = Scenario::incoming_missed(acme(), "5550102", "1002")
                .with_timing(Duration::from_secs(600), Duration::from_secs(600));
            drop(sim.play(ringing));
            let prefix = format!("{}/1002-", tech(d));
            let events = c
                .events_until(|e| {
                    e.is("Event", "Newstate")
                        && e.is("ChannelStateDesc", "Ringing")
                        && e.get("Channel").is_some_and(|x| x.starts_with(&prefix))
                })
                .await;
            let target = events
                .last()
                .and_then(|e| e.get("Channel"))
                .expect("ringing")
                .to_owned();
            let mut originate = Packet::action("Originate")
                .with("Channel", format!("{}/1001", tech(d)))
                .with("Async", "true");
            match way {
                "code" => {
                    originate.push("Context", "from-internal");
                    originate.push("Exten", "**1002");
                    originate.push("Priority", "1");
                }
                "Pickup" => {
                    originate.push("Application", "Pickup");
                    originate.push("Data", "1002@internal");
                }
                _ => {
                    originate.push("Application", "PickupChan");
                    originate.push("Data", format!("{}/1002", tech(d)));
                }
            }
            if d == Dialect::Modern {
                originate.push("ChannelId", "ringside-pickup-1");
            }
            let r = c.ask(originate, "pick-1").await;
            assert_eq!(r.response(), Some("Success"), "{what}");
            let events = c.events_until(|e| e.is("Event", "Pickup")).await;
            let pickup = events.last().expect("Pickup");
            assert_eq!(
                pickup.get("TargetChannel"),
                Some(target.as_str()),
                "{what}: the ringing phone's channel is taken"
            );
            assert!(
                pickup
                    .get("Channel")
                    .is_some_and(|x| x.starts_with(&format!("{}/1001-", tech(d)))),
                "{what}: by 1001: {pickup:?}"
            );
            let answered = events
                .iter()
                .find(|e| e.is("Event", "OriginateResponse"))
                .unwrap_or_else(|| panic!("{what}: her phone answered first: {events:?}"));
            assert_eq!(answered.get("Response"), Some("Success"), "{what}");
            if d == Dialect::Modern {
                assert_eq!(
                    answered.get("Uniqueid"),
                    Some("ringside-pickup-1"),
                    "{what}"
                );
            }
            sim.shutdown().await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn pickupchan_with_nothing_ringing_answers_and_hangs_up() {
    for d in BOTH {
        let (sim, mut c) = logged_in(d).await;
        let r = c
            .ask(
                Packet::action("Originate")
                    .with("Channel", format!("{}/1001", tech(d)))
                    .with("Application", "PickupChan")
                    .with("Data", format!("{}/1004", tech(d)))
                    .with("Async", "true"),
                "pick-1",
            )
            .await;
        assert_eq!(r.response(), Some("Success"), "{d:?}");
        let events = c
            .events_until(|e| {
                e.is("Event", "Hangup")
                    && e.get("Channel")
                        .is_some_and(|x| x.starts_with(&format!("{}/1001-", tech(d))))
            })
            .await;
        assert!(
            events
                .iter()
                .any(|e| e.is("Event", "OriginateResponse") && e.is("Response", "Success")),
            "{d:?}: her phone answered: {events:?}"
        );
        assert!(
            !events.iter().any(|e| e.is("Event", "Pickup")),
            "{d:?}: nothing was picked up"
        );
        sim.shutdown().await;
    }
}

async fn ask_ok(c: &mut RawClient<TcpStream>, action: Packet, id: &str) -> Packet {
    let r = c.ask(action, id).await;
    assert_eq!(r.response(), Some("Success"), "{id}: {r:?}");
    r
}

#[tokio::test(start_paused = true)]
async fn queue_members_are_paused_logged_in_and_out() {
    for d in BOTH {
        let (sim, mut c) = logged_in(d).await;
        let t = tech(d);
        let member = format!("{t}/1003");
        let (_, items, _) = c
            .list(
                Packet::action("QueueStatus").with("Queue", "support"),
                "qs-1",
            )
            .await;
        let members: Vec<&str> = items
            .iter()
            .filter(|p| p.is("Event", "QueueMember"))
            .filter_map(|p| p.get("Location"))
            .collect();
        assert_eq!(
            members,
            ["Local/1002@internal/n", member.as_str()],
            "{d:?}: the capture PBX's support members"
        );

        let r = ask_ok(
            &mut c,
            Packet::action("QueuePause")
                .with("Queue", "support")
                .with("Interface", &member)
                .with("Paused", "true")
                .with("Reason", "lunch"),
            "qp-1",
        )
        .await;
        assert_eq!(r.get("Message"), Some("Interface paused successfully"));
        let ev_name = if d == Dialect::Modern {
            "QueueMemberPause"
        } else {
            "QueueMemberPaused"
        };
        let events = c.events_until(|e| e.is("Event", ev_name)).await;
        let ev = events.last().expect("pause event");
        assert_eq!(ev.get("Paused"), Some("1"), "{d:?}");
        assert_eq!(
            ev.get("PausedReason").or(ev.get("Reason")),
            Some("lunch"),
            "{d:?}: the reason, as each dialect names it"
        );
        assert_eq!(
            ev.get("Interface").or(ev.get("Location")),
            Some(member.as_str()),
            "{d:?}"
        );
        let (_, items, _) = c
            .list(
                Packet::action("QueueStatus").with("Queue", "support"),
                "qs-2",
            )
            .await;
        let listed = items
            .iter()
            .find(|p| p.is("Location", &member))
            .expect("listed");
        assert_eq!(
            listed.get("Paused"),
            Some("1"),
            "{d:?}: the listing shows it"
        );

        let r = ask_ok(
            &mut c,
            Packet::action("QueuePause")
                .with("Interface", &member)
                .with("Paused", "false"),
            "qp-2",
        )
        .await;
        assert_eq!(r.get("Message"), Some("Interface unpaused successfully"));
        let r = c
            .ask(
                Packet::action("QueuePause")
                    .with("Queue", "support")
                    .with("Interface", format!("{t}/1005"))
                    .with("Paused", "true"),
                "qp-3",
            )
            .await;
        assert_eq!(r.get("Message"), Some("Interface not found"), "{d:?}");

        let add = Packet::action("QueueAdd")
            .with("Queue", "sales")
            .with("Interface", format!("{t}/1002"))
            .with("MemberName", "Bob Sales");
        let r = ask_ok(&mut c, add.clone(), "qa-1").await;
        assert_eq!(r.get("Message"), Some("Added interface to queue"));
        let events = c.events_until(|e| e.is("Event", "QueueMemberAdded")).await;
        let added = events.last().expect("added");
        assert_eq!(
            (
                added.get("Queue"),
                added.get("MemberName"),
                added.get("Membership")
            ),
            (Some("sales"), Some("Bob Sales"), Some("dynamic")),
            "{d:?}"
        );
        let r = c.ask(add, "qa-2").await;
        assert_eq!(
            r.get("Message"),
            Some("Unable to add interface: Already there"),
            "{d:?}"
        );
        let remove = |queue: &str, iface: String| {
            Packet::action("QueueRemove")
                .with("Queue", queue)
                .with("Interface", iface)
        };
        let r = ask_ok(&mut c, remove("sales", format!("{t}/1002")), "qr-1").await;
        assert_eq!(r.get("Message"), Some("Removed interface from queue"));
        c.events_until(|e| e.is("Event", "QueueMemberRemoved"))
            .await;
        let r = c.ask(remove("sales", format!("{t}/1002")), "qr-2").await;
        assert_eq!(
            r.get("Message"),
            Some("Unable to remove interface: Not there"),
            "{d:?}"
        );
        let r = c.ask(remove("support", member.clone()), "qr-3").await;
        assert_eq!(r.get("Message"), Some("Member not dynamic"), "{d:?}");
        let r = c.ask(remove("nosuch", member.clone()), "qr-4").await;
        assert_eq!(
            r.get("Message"),
            Some("Unable to remove interface from queue: No such queue"),
            "{d:?}"
        );
        sim.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn waiting_callers_are_listed_in_order() {
    for d in BOTH {
        let (sim, mut c) = logged_in(d).await;
        for (num, name) in [
            ("+13125550199", "Wayne Enterprises"),
            ("+12125550142", "Stark"),
        ] {
            let s = Scenario::queue(Party::new(num, name), "5550800", "sales", &[], None)
                .with_timing(Duration::from_secs(600), Duration::ZERO);
            drop(sim.play(s));
            let join = if d == Dialect::Modern {
                "QueueCallerJoin"
            } else {
                "Join"
            };
            let events = c
                .events_until(|e| e.is("Event", join) && e.is("CallerIDNum", num))
                .await;
            let j = events.last().expect("joined");
            let want = if num == "+13125550199" { "1" } else { "2" };
            assert_eq!(
                j.get("Position"),
                Some(want),
                "{d:?}: {num} joins at {want}"
            );
        }
        let (_, items, _) = c
            .list(Packet::action("QueueStatus").with("Queue", "sales"), "qs")
            .await;
        let params = items
            .iter()
            .find(|p| p.is("Event", "QueueParams"))
            .expect("params");
        assert_eq!(params.get("Calls"), Some("2"), "{d:?}");
        let entries: Vec<(&str, &str)> = items
            .iter()
            .filter(|p| p.is("Event", "QueueEntry"))
            .map(|p| {
                (
                    p.get("Position").unwrap_or_default(),
                    p.get("CallerIDNum").unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            entries,
            [("1", "+13125550199"), ("2", "+12125550142")],
            "{d:?}: the callers in order"
        );
        let (_, items, done) = c
            .list(Packet::action("QueueSummary").with("Queue", "sales"), "sum")
            .await;
        assert_eq!(done.event(), Some("QueueSummaryComplete"));
        assert_eq!(items.len(), 1, "{d:?}: {items:?}");
        assert_eq!(items[0].get("Callers"), Some("2"), "{d:?}");
        sim.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_paused_member_is_not_rung() {
    for d in BOTH {
        let (sim, mut c) = logged_in(d).await;
        let member = format!("{}/1003", tech(d));
        ask_ok(
            &mut c,
            Packet::action("QueuePause")
                .with("Queue", "support")
                .with("Interface", &member)
                .with("Paused", "true"),
            "qp",
        )
        .await;
        let s = Scenario::plain_queue(acme(), "5550700", "support", &["1003"], &[], None)
            .with_timing(Duration::from_secs(5), Duration::ZERO);
        sim.play(s).finished().await;
        let events = c
            .events_until(|e| e.is("Event", "QueueCallerAbandon"))
            .await;
        assert!(
            !events.iter().any(|e| e.is("Event", "Newchannel")
                && e.get("Channel")
                    .is_some_and(|x| x.starts_with(&format!("{member}-")))),
            "{d:?}: 1003 is paused, so its phone never rings: {events:?}"
        );
        sim.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_caller_sent_to_voicemail_leaves_a_message() {
    for d in BOTH {
        let (sim, mut c) = logged_in(d).await;
        let count = |id: &'static str| {
            Packet::action("MailboxCount")
                .with("Mailbox", "1002@default")
                .with("ActionID", id)
        };
        c.send(count("mc-1")).await;
        let r = c.response("mc-1").await;
        assert_eq!(
            (r.get("Message"), r.get("NewMessages"), r.get("OldMessages")),
            (Some("Mailbox Message Count"), Some("0"), Some("0")),
            "{d:?}"
        );
        // The message lasts the call's talk time (10 s).
        let (caller, _) = answered_for(&sim, &mut c, Duration::from_secs(10)).await;
        let r = c
            .ask(
                Packet::action("Redirect")
                    .with("Channel", &caller)
                    .with("Context", "from-internal")
                    .with("Exten", "*1002")
                    .with("Priority", "1"),
                "vm-1",
            )
            .await;
        assert_eq!(r.response(), Some("Success"), "{d:?}");
        let events = c.events_until(|e| e.is("Event", "MessageWaiting")).await;
        assert!(
            events
                .iter()
                .any(|e| e.is("Event", "Newexten") && e.is("Application", "VoiceMail")),
            "{d:?}: the caller reached VoiceMail: {events:?}"
        );
        let mwi = events.last().expect("MessageWaiting");
        assert_eq!(
            (mwi.get("Mailbox"), mwi.get("Waiting"), mwi.get("New")),
            (Some("1002@default"), Some("1"), Some("1")),
            "{d:?}"
        );
        c.send(count("mc-2")).await;
        let r = c.response("mc-2").await;
        assert_eq!(r.get("NewMessages"), Some("1"), "{d:?}");
        sim.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn rights_follow_the_users_write_classes() {
    for d in BOTH {
        let sim = PbxSim::start(SimConfig {
            users: vec![SimUser::new("ringside", "ringside-secret").with_write(&[
                "call",
                "originate",
                "reporting",
            ])],
            ..SimConfig::dialect(d)
        })
        .await
        .expect("starts");
        let mut c = connect(sim.addr()).await;
        c.login_md5("ringside", "ringside-secret").await;
        let listed = c.ask(Packet::action("ListCommands"), "lc").await;
        assert_eq!(listed.response(), Some("Success"));
        for present in ["Originate", "Park", "Redirect", "Ping", "QueueStatus"] {
            assert!(
                listed.get(present).is_some_and(|v| v.contains("(Priv: ")),
                "{d:?}: {present} is listed: {listed:?}"
            );
        }
        for absent in ["QueuePause", "QueueAdd", "QueueRemove", "Command"] {
            assert!(
                listed.get(absent).is_none(),
                "{d:?}: {absent} is not listed"
            );
        }
        assert_eq!(
            listed.get("Park"),
            Some("Park a channel. (Priv: call,all)"),
            "as manager.c prints it"
        );
        let r = c
            .ask(
                Packet::action("QueuePause")
                    .with("Interface", "PJSIP/1003")
                    .with("Paused", "true"),
                "qp",
            )
            .await;
        assert_eq!(
            (r.response(), r.get("Message")),
            (Some("Error"), Some("Permission denied")),
            "{d:?}"
        );
        let full = c
            .ask(
                Packet::action("Park")
                    .with("Channel", "PJSIP/x-1")
                    .with("Channel2", "PJSIP/y-1"),
                "pk",
            )
            .await;
        assert_eq!(
            full.get("Message"),
            Some("Channel does not exist: PJSIP/x-1"),
            "{d:?}: Park itself is allowed"
        );
        sim.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn the_demo_parks_a_call_and_queues_callers_within_a_minute() {
    let sim = PbxSim::start(SimConfig {
        demo_every: Some(Duration::from_secs(8)),
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let started = tokio::time::Instant::now();
    let mut c = connect(sim.addr()).await;
    c.login_md5("ringside", "ringside-secret").await;
    let (mut parked, mut joined) = (false, 0);
    while !parked || joined < 2 {
        let e = c.next().await.expect("the demo's events arrive");
        parked |= e.is("Event", "ParkedCall");
        if e.is("Event", "QueueCallerJoin") && e.is("Queue", "sales") {
            joined += 1;
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "a parked call and two callers waiting in queue sales within a minute, after {:?}",
        started.elapsed()
    );
    let (_, items, _) = c
        .list(Packet::action("QueueStatus").with("Queue", "sales"), "qs")
        .await;
    assert_eq!(
        items.iter().filter(|p| p.is("Event", "QueueEntry")).count(),
        2,
        "both still wait: {items:?}"
    );
    let (_, parked, _) = c.list(Packet::action("ParkedCalls"), "pc").await;
    assert_eq!(parked.len(), 1, "the parked call still waits: {parked:?}");
    sim.shutdown().await;
}
