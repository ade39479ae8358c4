//! Actions against the simulator's live calls, using the recorded actions
//! of click-to-dial.sent and redirect-transfer.sent where they exist, and
//! checking the answers' shapes against actions.ami.

mod common;

use std::time::Duration;

use common::{
    connect, decode_actions, decode_file, logged_in, signature, signature_of, RawClient, SHAPING,
};
use ringside_ami::Packet;
use ringside_pbxsim::{Dialect, Hints, Party, PbxSim, Scenario, SimConfig, SimHandle};
use tokio::net::TcpStream;

/// Starts a long call from ACME to 1001 and waits until it is answered.
/// Returns the events so far, the caller's and 1001's channel names.
async fn answered_call(
    sim: &SimHandle,
    c: &mut RawClient<TcpStream>,
) -> (Vec<Packet>, String, String) {
    let call = Scenario::incoming(Party::new("+15551234567", "ACME Corp"), "5550100", "1001")
        .with_timing(Duration::from_secs(2), Duration::from_secs(600));
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
    (events, caller, phone)
}

fn without_cdr(sig: Vec<String>) -> Vec<String> {
    sig.into_iter().filter(|s| !s.starts_with("Cdr")).collect()
}

#[tokio::test(start_paused = true)]
async fn redirect_moves_a_live_call_as_in_the_capture() {
    let (sim, mut c) = logged_in(Dialect::Modern).await;
    let (mut events, caller, _) = answered_call(&sim, &mut c).await;
    let mut redirect = decode_actions("ami/redirect-transfer.sent")
        .into_iter()
        .find(|a| a.is("Action", "Redirect"))
        .expect("the recorded Redirect");
    redirect.set("Channel", caller.clone());
    c.send(redirect).await;
    let r = c.response("xfer-1").await;
    assert_eq!(
        (r.response(), r.get("Message")),
        (Some("Success"), Some("Redirect successful")),
        "as recorded"
    );
    let got = sim
        .wait_for_action(Duration::from_secs(1), |a| a.is("Action", "Redirect"))
        .await
        .expect("the Redirect is recorded");
    assert_eq!(
        (got.get("Channel"), got.get("Exten")),
        (Some(caller.as_str()), Some("1002")),
        "recorded as sent"
    );
    events.extend(
        c.events_until(|e| {
            e.is("Event", "BridgeEnter") && e.get("Channel") == Some(caller.as_str())
        })
        .await,
    );
    // The recorded caller hung up in the end; so does ours.
    let r = c
        .ask(
            Packet::action("Hangup").with("Channel", caller.clone()),
            "bye",
        )
        .await;
    assert_eq!(
        r.get("Message"),
        Some("Channel Hungup"),
        "Hangup of a live channel"
    );
    let last_hangup = |e: &Packet| {
        e.is("Event", "Hangup")
            && e.get("Channel")
                .is_some_and(|ch| ch.starts_with("PJSIP/1002-"))
    };
    events.extend(c.events_until(last_hangup).await);
    assert_eq!(
        without_cdr(signature(&events)),
        without_cdr(signature(&decode_file("ami/redirect-transfer.ami"))),
        "the redirected call goes through the same states as the recorded one"
    );
    assert!(
        sim.channels().is_empty(),
        "the call ended: {:?}",
        sim.channels()
    );
    let r = c
        .ask(
            Packet::action("Redirect")
                .with("Channel", "PJSIP/9999-00000000")
                .with("Exten", "1002"),
            "bad",
        )
        .await;
    assert_eq!(
        r.get("Message"),
        Some("Channel does not exist: PJSIP/9999-00000000"),
        "worded as in actions.ami"
    );
}

#[tokio::test(start_paused = true)]
async fn click_to_dial_originate_rings_both_phones_as_in_the_capture() {
    let (_sim, mut c) = logged_in(Dialect::Modern).await;
    let sent = decode_actions("ami/click-to-dial.sent");
    let originate = sent
        .iter()
        .find(|a| a.is("Action", "Originate"))
        .expect("recorded Originate")
        .clone();
    let hangup = sent
        .iter()
        .find(|a| a.is("Action", "Hangup"))
        .expect("recorded Hangup")
        .clone();
    c.send(originate).await;
    let r = c.response("c2d-1").await;
    assert_eq!(
        r.get("Message"),
        Some("Originate successfully queued"),
        "Async Originate is queued at once"
    );
    let mut events = c
        .events_until(|e| {
            e.is("Event", "BridgeEnter")
                && e.get("Channel")
                    .is_some_and(|ch| ch.starts_with("PJSIP/1000-"))
        })
        .await;
    let resp = events
        .iter()
        .find(|e| e.is("Event", "OriginateResponse"))
        .expect("an OriginateResponse");
    assert_eq!(
        (resp.action_id(), resp.get("Response")),
        (Some("c2d-1"), Some("Success")),
        "carries the ActionID"
    );
    assert_eq!(
        resp.get("Uniqueid"),
        Some("ringside-c2d-1"),
        "the preset ChannelId becomes the Uniqueid"
    );
    let first = events
        .iter()
        .find(|e| e.is("Event", "DialBegin"))
        .expect("a first DialBegin");
    assert!(
        first.get("Channel").is_none(),
        "the user's own phone is rung with no caller channel"
    );
    c.send(hangup).await;
    let (head, items, done) = 'answer: loop {
        let p = c.next().await.expect("the Hangup is answered");
        if p.action_id() == Some("hup-1") && p.response().is_some() {
            let mut items = Vec::new();
            loop {
                let q = c.next().await.expect("the list completes");
                if q.action_id() != Some("hup-1") {
                    events.push(q);
                } else if q.is("EventList", "Complete") {
                    break 'answer (p, items, q);
                } else {
                    items.push(q);
                }
            }
        }
        events.push(p);
    };
    assert_eq!(
        head.get("Message"),
        Some("Channels hung up will follow"),
        "regex Hangup answers with a list"
    );
    assert_eq!(items.len(), 1, "one channel matched the regex");
    assert!(
        items[0]
            .get("Channel")
            .is_some_and(|ch| ch.starts_with("PJSIP/1000-")),
        "1000's channel was hung up"
    );
    assert_eq!(done.get("ListItems"), Some("1"), "the list says how many");
    events.extend(
        c.events_until(|e| {
            e.is("Event", "Hangup")
                && e.get("Channel")
                    .is_some_and(|ch| ch.starts_with("PJSIP/1002-"))
        })
        .await,
    );
    let set: Vec<&str> = SHAPING
        .iter()
        .copied()
        .chain(["OriginateResponse"])
        .collect();
    assert_eq!(
        without_cdr(signature_of(&events, &set)),
        without_cdr(signature_of(&decode_file("ami/click-to-dial.ami"), &set)),
        "same sequence as the recorded click-to-dial"
    );
}

#[tokio::test(start_paused = true)]
async fn originate_errors_are_worded_like_asterisk() {
    let (_sim, mut c) = logged_in(Dialect::Modern).await;
    let bad = decode_actions("ami/actions.sent")
        .into_iter()
        .find(|a| a.is("Action", "Originate"))
        .expect("recorded");
    c.send(bad).await;
    let r = c.response("a-originate-bad").await;
    assert_eq!(
        (r.response(), r.get("Message")),
        (Some("Error"), Some("Originate failed")),
        "as in actions.ami"
    );
    let r = c
        .ask(
            Packet::action("Hangup").with("Channel", "PJSIP/9999-00000000"),
            "h",
        )
        .await;
    assert_eq!(
        r.get("Message"),
        Some("No such channel"),
        "as in actions.ami"
    );
    let r = c.ask(Packet::action("NoSuchAction"), "u").await;
    assert_eq!(
        r.get("Message"),
        Some("Invalid/unknown command: NoSuchAction. Use Action: ListCommands to show available commands."),
        "as in actions.ami"
    );
}

#[tokio::test(start_paused = true)]
async fn event_lists_reflect_the_live_call() {
    let (sim, mut c) = logged_in(Dialect::Modern).await;
    let (_, caller, phone) = answered_call(&sim, &mut c).await;
    let (head, items, done) = c.list(Packet::action("CoreShowChannels"), "ch").await;
    assert_eq!(
        head.get("EventList"),
        Some("start"),
        "lists start with EventList: start"
    );
    let names: Vec<_> = items.iter().filter_map(|p| p.get("Channel")).collect();
    assert_eq!(
        names,
        vec![caller.as_str(), phone.as_str()],
        "both legs of the live call"
    );
    assert_eq!(
        (done.get("EventList"), done.get("ListItems")),
        (Some("Complete"), Some("2")),
        "complete, counted"
    );
    assert!(
        items
            .iter()
            .all(|i| i.get("BridgeId").is_some_and(|b| !b.is_empty())),
        "both are bridged"
    );

    let (_, items, done) = c.list(Packet::action("Status"), "st").await;
    assert_eq!(items.len(), 2, "Status lists both channels");
    assert_eq!(
        (done.event(), done.get("Items")),
        (Some("StatusComplete"), Some("2")),
        "Status complete with Items"
    );

    let (_, items, done) = c.list(Packet::action("ExtensionStateList"), "ext").await;
    assert_eq!(
        done.event(),
        Some("ExtensionStateListComplete"),
        "ends with its Complete event"
    );
    let state = |e: &str| {
        items
            .iter()
            .find(|i| i.is("Exten", e))
            .and_then(|i| i.get("Status"))
            .map(str::to_owned)
    };
    assert_eq!(state("1001").as_deref(), Some("1"), "1001 is in use");
    assert_eq!(state("1002").as_deref(), Some("0"), "1002 is idle");
    assert_eq!(items.len(), 6, "every extension is listed");

    let (_, items, _) = c.list(Packet::action("DeviceStateList"), "dev").await;
    let dev = items
        .iter()
        .find(|i| i.is("Device", "PJSIP/1001"))
        .expect("1001's device");
    assert_eq!(
        dev.get("State"),
        Some("INUSE"),
        "device state follows the call"
    );

    let r = c
        .ask(
            Packet::action("ExtensionState")
                .with("Exten", "1001")
                .with("Context", "internal"),
            "es",
        )
        .await;
    assert_eq!(
        (r.get("Status"), r.get("StatusText")),
        (Some("1"), Some("InUse")),
        "as in actions.ami"
    );

    let r = c
        .ask(
            Packet::action("Command").with("Command", "core show channels"),
            "cmd",
        )
        .await;
    let out: Vec<_> = r.get_all("Output").collect();
    assert!(
        out.iter().any(|l| l.starts_with(&caller)),
        "CLI output lists the caller's channel: {out:?}"
    );
    assert!(out.contains(&"2 active channels"), "and counts channels");
    let r = c
        .ask(
            Packet::action("Command").with("Command", "no such cli command"),
            "bogus",
        )
        .await;
    assert_eq!(
        r.response(),
        Some("Error"),
        "a bad CLI command is an error on 12+"
    );
    assert!(
        r.get("Output")
            .is_some_and(|o| o.starts_with("No such command 'no such cli command'")),
        "worded as recorded"
    );
}

#[tokio::test(start_paused = true)]
async fn blind_and_attended_transfer_actions() {
    let (sim, mut c) = logged_in(Dialect::Modern).await;
    let (_, _, phone) = answered_call(&sim, &mut c).await;
    let r = c
        .ask(
            Packet::action("BlindTransfer")
                .with("Channel", phone.clone())
                .with("Exten", "1003")
                .with("Context", "internal"),
            "bt",
        )
        .await;
    assert_eq!(
        r.get("Message"),
        Some("Transfer succeeded"),
        "BlindTransfer accepted"
    );
    let events = c
        .events_until(|e| {
            e.is("Event", "DialBegin")
                && e.get("DestChannel")
                    .is_some_and(|d| d.starts_with("PJSIP/1003-"))
        })
        .await;
    let bt = events
        .iter()
        .find(|e| e.is("Event", "BlindTransfer"))
        .expect("a BlindTransfer event");
    assert_eq!(
        (bt.get("TransfererChannel"), bt.get("Extension")),
        (Some(phone.as_str()), Some("1003")),
        "who and where"
    );

    let (sim, mut c) = logged_in(Dialect::Modern).await;
    let (_, _, phone) = answered_call(&sim, &mut c).await;
    let r = c
        .ask(
            Packet::action("Atxfer")
                .with("Channel", phone.clone())
                .with("Exten", "1003")
                .with("Context", "internal"),
            "at",
        )
        .await;
    assert_eq!(
        r.get("Message"),
        Some("Atxfer successfully queued"),
        "Atxfer accepted"
    );
    // 1003 answers the Local pair's ;2 half; then, as in atxfer-1003.ami,
    // hanging up the transferer completes the transfer.
    let mut events = c
        .events_until(|e| {
            e.is("Event", "DialEnd")
                && e.is("DialStatus", "ANSWER")
                && e.get("Channel").is_some_and(|ch| ch.ends_with(";2"))
        })
        .await;
    assert!(
        events
            .iter()
            .any(|e| e.is("Event", "Hold") && e.is("Channel", &phone)),
        "1001's channel is held while it consults, as the capture shows"
    );
    let r = c
        .ask(
            Packet::action("Hangup").with("Channel", phone.clone()),
            "hup",
        )
        .await;
    assert_eq!(
        r.response(),
        Some("Success"),
        "the transferer hangs up: {r:?}"
    );
    events.extend(c.events_until(|e| e.is("Event", "AttendedTransfer")).await);
    let xfer = events.last().expect("the AttendedTransfer");
    assert_eq!(
        xfer.get("DestType"),
        Some("Bridge"),
        "the caller's bridge takes the Local half"
    );
    assert_eq!(
        xfer.get("IsExternal"),
        Some("No"),
        "the Atxfer action is not the phone's REFER"
    );
    assert!(
        sim.received()
            .iter()
            .any(|a| a.is("Action", "Atxfer") && a.is("Exten", "1003")),
        "Atxfer recorded"
    );
}

#[tokio::test(start_paused = true)]
async fn ami11_answers_like_asterisk_1_8() {
    let (sim, mut c) = logged_in(Dialect::Ami11).await;
    let (_, caller, _) = answered_call(&sim, &mut c).await;
    assert!(caller.starts_with("SIP/carrier-"), "chan_sip channel names");
    let r = c
        .ask(
            Packet::action("Command").with("Command", "core show channels"),
            "cmd",
        )
        .await;
    assert_eq!(
        r.response(),
        Some("Follows"),
        "1.8 answers Command with Response: Follows"
    );
    let out: Vec<_> = r.get_all("Output").collect();
    assert!(
        out.iter().any(|l| l.starts_with(&caller)),
        "raw output lines arrive as Output: {out:?}"
    );
    assert!(
        !out.iter().any(|l| l.contains("--END COMMAND--")),
        "the end marker is framing, not output"
    );
    let r = c.ask(Packet::action("ExtensionStateList"), "esl").await;
    assert!(
        r.get("Message")
            .is_some_and(|m| m.starts_with("Invalid/unknown command")),
        "1.8 has no ExtensionStateList"
    );
    let r = c
        .ask(
            Packet::action("BlindTransfer")
                .with("Channel", caller.clone())
                .with("Exten", "1002"),
            "bt",
        )
        .await;
    assert!(
        r.get("Message")
            .is_some_and(|m| m.starts_with("Invalid/unknown command")),
        "1.8 has no BlindTransfer"
    );
    let (head, items, done) = c.list(Packet::action("Status"), "st").await;
    assert!(
        head.get("EventList").is_none(),
        "1.8 Status has no EventList header"
    );
    assert_eq!(
        (items.len(), done.get("Items")),
        (2, Some("2")),
        "StatusComplete counts Items"
    );
    let (_, items, done) = c.list(Packet::action("CoreShowChannels"), "csc").await;
    assert_eq!(
        done.get("ListItems"),
        Some("2"),
        "CoreShowChannels completes with ListItems"
    );
    assert!(
        items
            .iter()
            .any(|i| i.get("BridgedChannel").is_some_and(|b| !b.is_empty())),
        "1.8 names the bridged peer"
    );
    let r = c
        .ask(Packet::action("Events").with("EventMask", "off"), "ev")
        .await;
    assert_eq!(
        (r.response(), r.get("Events")),
        (Some("Success"), Some("Off")),
        "1.8's Events answer"
    );
}

#[tokio::test(start_paused = true)]
async fn events_off_and_logoff() {
    let (sim, mut c) = logged_in(Dialect::Modern).await;
    let r = c
        .ask(Packet::action("Events").with("EventMask", "off"), "ev")
        .await;
    assert_eq!(r.get("Events"), Some("Off"), "events switched off");
    // FullyBooted came before the switch.
    c.events.clear();
    sim.play(
        Scenario::internal("1004", "1001")
            .with_timing(Duration::from_millis(10), Duration::from_millis(10)),
    )
    .finished()
    .await;
    let r = c.ask(Packet::action("Ping"), "p").await;
    assert_eq!(r.get("Ping"), Some("Pong"), "still answering");
    assert!(
        c.events.is_empty(),
        "no events while they are off: {:?}",
        c.events.first()
    );
    let r = c.ask(Packet::action("Logoff"), "99").await;
    assert_eq!(
        (r.response(), r.get("Message")),
        (Some("Goodbye"), Some("Thanks for all the fish.")),
        "as recorded"
    );
    assert!(c.next().await.is_none(), "the session closes after Goodbye");
}

#[tokio::test(start_paused = true)]
async fn ami11_redirect_of_the_ringing_phone_as_in_the_mypbx_guide() {
    let (sim, mut c) = logged_in(Dialect::Ami11).await;
    // Each wait stays below the helper's 20 s per-read limit.
    let call = Scenario::incoming_missed(Party::new("303", "303"), "5550100", "1001")
        .with_timing(Duration::from_secs(15), Duration::from_secs(5));
    let playing = sim.play(call);
    let events = c
        .events_until(|e| e.is("Event", "Dial") && e.is("SubEvent", "Begin"))
        .await;
    let ringing = events
        .iter()
        .find_map(|e| e.get("Destination"))
        .expect("the dialled phone's channel")
        .to_owned();
    // The guide's example, with our channel: Action: redirect, lower case.
    let redirect = Packet::new()
        .with("Action", "redirect")
        .with("ActionID", "#10001")
        .with("Channel", ringing.clone())
        .with("Context", "DLPN_DialPlan1002")
        .with("Exten", "1002")
        .with("Priority", "1");
    c.send(redirect).await;
    let r = c.response("#10001").await;
    assert_eq!(
        r.get("Message"),
        Some("Redirect successful"),
        "the ringing phone's channel can be redirected"
    );
    let events = c
        .events_until(|e| {
            e.is("SubEvent", "Begin")
                && e.get("Destination")
                    .is_some_and(|d| d.starts_with("SIP/1002-"))
        })
        .await;
    assert!(
        events
            .iter()
            .any(|e| e.is("Event", "Hangup") && e.get("Channel") == Some(ringing.as_str())),
        "1001 stops ringing"
    );
    let end = c.events_until(|e| e.is("Event", "Cdr")).await;
    playing.finished().await;
    let cdr = end.iter().find(|e| e.is("Event", "Cdr")).expect("a Cdr");
    assert_eq!(
        cdr.get("Destination"),
        Some("1002"),
        "the call ended up at 1002"
    );
}

#[tokio::test(start_paused = true)]
async fn ami11_originate_then_hangup() {
    let (sim, mut c) = logged_in(Dialect::Ami11).await;
    // The MyPBX guide's Originate, with our extensions.
    let originate = Packet::new()
        .with("Action", "originate")
        .with("Context", "DLPN_DialPlan1000")
        .with("Channel", "SIP/1000")
        .with("Exten", "1002")
        .with("Priority", "1")
        .with("Timeout", "30000")
        .with("CallerID", "1000")
        .with("ActionID", "1");
    c.send(originate).await;
    // Not Async: answered once 1000 picks up.
    let r = c.response("1").await;
    assert_eq!(
        r.get("Message"),
        Some("Originate successfully queued"),
        "synchronous Originate succeeds: {r:?}"
    );
    let events = c.events_until(|e| e.is("Bridgestate", "Link")).await;
    assert!(
        !events.iter().any(|e| e.is("Event", "OriginateResponse")),
        "a synchronous Originate reports through its response only"
    );
    let dial = events
        .iter()
        .find(|e| e.is("SubEvent", "Begin"))
        .expect("1000 dials 1002");
    let a = dial.get("Channel").unwrap_or_default().to_owned();
    assert!(
        a.starts_with("SIP/1000-"),
        "the originated phone dials: {a}"
    );
    assert!(
        dial.get("Destination")
            .is_some_and(|d| d.starts_with("SIP/1002-")),
        "1002 rings"
    );
    let r = c
        .ask(Packet::action("Hangup").with("Channel", a), "h")
        .await;
    assert_eq!(r.get("Message"), Some("Channel Hungup"), "hangup accepted");
    c.events_until(|e| e.is("Event", "Cdr")).await;
    tokio::task::yield_now().await;
    assert!(
        sim.channels().is_empty(),
        "the call ended: {:?}",
        sim.channels()
    );
}

#[tokio::test(start_paused = true)]
async fn unavailable_phones_and_hostile_callers() {
    let (sim, mut c) = logged_in(Dialect::Modern).await;
    sim.set_unavailable("1005", true);
    let ev = c
        .events_until(|e| e.is("Event", "ExtensionStatus") && e.is("Exten", "1005"))
        .await;
    assert_eq!(
        ev.last().and_then(|e| e.get("Status")),
        Some("4"),
        "an unregistered phone is 4 (unavailable)"
    );
    let (_, items, _) = c.list(Packet::action("ExtensionStateList"), "esl").await;
    assert!(
        items
            .iter()
            .any(|i| i.is("Exten", "1005") && i.is("Status", "4")),
        "the list agrees"
    );
    assert!(
        sim.extension_states().contains(&("1005".to_owned(), 4)),
        "and so does the handle"
    );

    let hostile = "<img src=x onerror=alert(document.domain)>";
    sim.play(Scenario::incoming(
        Party::new("+15550000000", hostile),
        "5550100",
        "1001",
    ))
    .finished()
    .await;
    let events = c.events_until(|e| e.is("Event", "DialBegin")).await;
    let dial = events
        .iter()
        .find(|e| e.is("Event", "DialBegin"))
        .expect("a DialBegin");
    assert_eq!(
        dial.get("CallerIDName"),
        Some(hostile),
        "the caller name arrives verbatim, as hostile-callerid.ami"
    );
}

/// A dialplan with one pattern hint (`_10XX,hint,PJSIP/${EXTEN}`): Asterisk
/// lists and reports an extension's hint only once something watches it,
/// while device states and the endpoint list still cover every phone.
#[tokio::test(start_paused = true)]
async fn pattern_hints_are_listed_only_once_watched() {
    let sim = PbxSim::start(SimConfig {
        hints: Hints::Pattern,
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let mut c = connect(sim.addr()).await;
    c.login_md5("ringside", "ringside-secret").await;
    let (_, items, _) = c.list(Packet::action("ExtensionStateList"), "esl-1").await;
    assert!(
        items.is_empty(),
        "no hint exists before anything watches one: {items:?}"
    );
    let (_, devices, _) = c.list(Packet::action("DeviceStateList"), "dsl").await;
    assert_eq!(
        devices.len(),
        6,
        "every phone has a device state: {devices:?}"
    );
    let (_, endpoints, _) = c.list(Packet::action("PJSIPShowEndpoints"), "eps").await;
    assert_eq!(endpoints.len(), 7, "six phones and the trunk");

    sim.watch_hint("1001");
    let (_, items, _) = c.list(Packet::action("ExtensionStateList"), "esl-2").await;
    let listed: Vec<&str> = items.iter().filter_map(|i| i.get("Exten")).collect();
    assert_eq!(listed, ["1001"], "the watched extension's hint now exists");

    c.events.clear();
    sim.set_unavailable("1002", true);
    sim.set_unavailable("1001", true);
    let events = c.events_until(|e| e.is("Event", "ExtensionStatus")).await;
    assert!(
        events.iter().any(|e| e.is("Event", "DeviceStateChange")
            && e.is("Device", "PJSIP/1002")
            && e.is("State", "UNAVAILABLE")),
        "an unwatched phone's device state is still announced: {events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| e.is("Event", "ExtensionStatus") && e.is("Exten", "1002")),
        "but no ExtensionStatus for a hint that does not exist: {events:?}"
    );
    assert!(
        events.last().is_some_and(|e| e.is("Exten", "1001")),
        "the watched one is reported: {events:?}"
    );
}

/// Every action of actions.sent, sent during a live call, gets the same kind
/// of answer as the real Asterisk 23 gave: the same Response, and for lists
/// the same completion event.
#[tokio::test(start_paused = true)]
async fn every_recorded_action_is_answered_like_the_capture() {
    let (sim, mut c) = logged_in(Dialect::Modern).await;
    answered_call(&sim, &mut c).await;
    let recorded = decode_file("ami/actions.ami");
    let sent = decode_actions("ami/actions.sent");
    let mut checked = 0;
    for action in sent
        .iter()
        .filter(|a| !a.is("Action", "Login") && !a.is("Action", "Logoff"))
    {
        let id = action
            .action_id()
            .expect("every recorded action has an ActionID");
        let real = recorded
            .iter()
            .find(|p| p.event().is_none() && p.action_id() == Some(id))
            .expect("the capture answers every action");
        let real_done = recorded
            .iter()
            .find(|p| p.action_id() == Some(id) && p.is("EventList", "Complete"));
        c.send(action.clone()).await;
        let ours = c.response(id).await;
        assert_eq!(
            ours.response(),
            real.response(),
            "{id}: same Response as the real PBX ({ours:?})"
        );
        if real.response() == Some("Error") {
            let m = ours.get("Message").unwrap_or_default();
            assert_eq!(
                m,
                real.get("Message").unwrap_or_default(),
                "{id}: same error message"
            );
        }
        if let Some(done) = real_done {
            let ours_done = loop {
                let p = c.next().await.expect("the list completes");
                if p.action_id() == Some(id) && p.is("EventList", "Complete") {
                    break p;
                }
            };
            assert_eq!(
                ours_done.event(),
                done.event(),
                "{id}: the list ends with the same event"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 17, "all 17 recorded actions were tried");
}
