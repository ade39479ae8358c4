//! The `actions` capture replayed through the client: a fake PBX streams
//! every captured packet in order, holding back each answer until the client
//! has sent the matching action (matched by position in `actions.sent`) and
//! rewriting its ActionID to the client's own. The capture's answers are
//! the ground truth for what each call must return.

mod client_common;

use std::collections::HashMap;
use std::time::Duration;

use client_common::*;
use ringside_ami::{AuthMode, Client, ConnectionState, Error, Packet, SessionEvent};

/// Streams `NAME.ami` to the client, answering `NAME.sent`'s actions in order.
async fn replay(mut peer: Peer, name: &str) {
    let (banner, packets) = pbx_packets(&format!("{name}.ami"));
    let captured: Vec<Packet> = sent_packets_raw(&format!("{name}.sent"))
        .iter()
        .map(|r| parse_action(r))
        .collect();
    let index_of: HashMap<String, usize> = captured
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.action_id().map(|id| (id.to_owned(), i)))
        .collect();
    let mut client_ids: Vec<String> = Vec::new();
    peer.write(format!("{banner}\r\n").as_bytes()).await;
    for p in packets {
        let mut p = p;
        if let Some(&idx) = p.action_id().and_then(|id| index_of.get(id)) {
            while client_ids.len() <= idx {
                let Some(action) = peer.read_action().await else {
                    return;
                };
                let expected = &captured[client_ids.len()];
                assert!(
                    action.is("Action", expected.action_name().unwrap_or_default()),
                    "the client sent {action:?} where the capture has {expected:?}"
                );
                client_ids.push(
                    action
                        .action_id()
                        .expect("every client action has an ActionID")
                        .to_owned(),
                );
            }
            p = rewrite_id(&p, &client_ids[idx]);
        }
        peer.send(&p).await;
    }
    while peer.read_raw().await.is_some() {}
}

#[tokio::test]
async fn actions_capture_every_action_answered_lists_complete_errors_typed() {
    let (_, packets) = pbx_packets("actions.ami");
    let captured: Vec<Packet> = sent_packets_raw("actions.sent")
        .iter()
        .map(|r| parse_action(r))
        .collect();
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    tokio::spawn(async move {
        let io = servers.recv().await.expect("the client connects");
        replay(Peer::new(io), "actions").await;
    });
    let client = Client::start(
        config(connector)
            .auth_mode(AuthMode::Plain)
            .keepalive(NO_KEEPALIVE, NO_KEEPALIVE)
            .action_timeout(Duration::from_secs(30)),
    )
    .expect("valid settings");
    let mut events = client.events();
    let mut state = client.state();
    tokio::time::timeout(
        Duration::from_secs(30),
        state.wait_for(ConnectionState::is_connected),
    )
    .await
    .expect("the replayed PBX accepts the captured plain login")
    .expect("state channel open");

    assert!(
        captured[0].is("Action", "Login") && captured.last().is_some_and(|a| a.is("Action", "Logoff")),
        "the capture's first and last actions are the client's own Login and Logoff, not replayed by the test"
    );
    let mut list_ids = Vec::new();
    let mut failures: HashMap<String, String> = HashMap::new();
    let mut successes: HashMap<String, Packet> = HashMap::new();
    for action in &captured[1..captured.len() - 1] {
        let captured_id = action
            .action_id()
            .expect("captured actions carry ActionIDs");
        let answer = packets
            .iter()
            .find(|p| p.response().is_some() && p.action_id() == Some(captured_id))
            .expect("the capture answers every action");
        let is_list = answer.is("EventList", "start");
        // The client assigns its own ActionID; send the action without one.
        let mut request = action.clone();
        request.remove("ActionID");
        if is_list {
            list_ids.push(captured_id.to_owned());
            let list = client
                .send_list(request)
                .await
                .unwrap_or_else(|e| panic!("{captured_id} must complete: {e}"));
            let expected_items = packets
                .iter()
                .filter(|p| {
                    p.event().is_some()
                        && p.action_id() == Some(captured_id)
                        && !p.is("EventList", "Complete")
                })
                .count();
            assert_eq!(
                list.events.len(),
                expected_items,
                "{captured_id}: every list item collected"
            );
            let list_items: usize = list
                .complete
                .get("ListItems")
                .and_then(|n| n.parse().ok())
                .expect("ListItems");
            assert_eq!(
                list.events.len(),
                list_items,
                "{captured_id}: as many items as the PBX counted"
            );
            assert!(
                list.complete.is("EventList", "Complete"),
                "{captured_id}: ended by EventList: Complete"
            );
            assert!(
                list.events
                    .iter()
                    .all(|e| e.action_id() == list.response.action_id()),
                "{captured_id}: only this action's events are in its list"
            );
        } else {
            match client.send(request).await {
                Ok(response) => {
                    assert!(
                        !answer.is("Response", "Error"),
                        "{captured_id}: a captured error must not pass as Ok"
                    );
                    let strip = |p: &Packet| {
                        let mut p = p.clone();
                        p.remove("ActionID");
                        p
                    };
                    assert_eq!(
                        strip(&response),
                        strip(answer),
                        "{captured_id}: the response arrives unchanged"
                    );
                    successes.insert(captured_id.to_owned(), response);
                }
                Err(Error::ActionFailed {
                    action: name,
                    message,
                }) => {
                    assert!(
                        answer.is("Response", "Error"),
                        "{captured_id}: only Response: Error fails ({message})"
                    );
                    assert!(
                        action.is("Action", &name),
                        "{captured_id}: the error names the action"
                    );
                    failures.insert(captured_id.to_owned(), message);
                }
                Err(other) => panic!("{captured_id}: every action must be answered, got {other}"),
            }
        }
    }

    assert_eq!(
        list_ids.len(),
        6,
        "six event lists in the capture: {list_ids:?}"
    );
    let version = &successes["a-cmd-version"];
    assert!(
        version
            .get_all("Output")
            .any(|l| l.contains("Asterisk 23.4.1")),
        "a successful Command returns its output lines"
    );
    assert!(
        successes["a-cmd-channels"]
            .get_all("Output")
            .any(|l| l == "2 active channels"),
        "multi-line Command output is kept line by line"
    );
    assert!(
        failures["a-cmd-bogus"].starts_with("No such command 'no such cli command'"),
        "a failing Command surfaces its output, not 'Command output follows': {}",
        failures["a-cmd-bogus"]
    );
    assert!(
        failures["a-bogus"].starts_with("Invalid/unknown command: NoSuchAction"),
        "unknown actions are typed errors"
    );
    assert_eq!(
        failures["a-redirect-bad"], "Channel does not exist: PJSIP/9999-00000000",
        "Redirect error kept"
    );
    assert_eq!(
        failures["a-originate-bad"], "Originate failed",
        "Originate error kept"
    );
    assert_eq!(
        failures["a-hangup-bad"], "No such channel",
        "Hangup error kept"
    );
    assert_eq!(
        failures.len(),
        5,
        "exactly the capture's five errors: {failures:?}"
    );

    client.shutdown().await;
    // Everything that was not an answer reached the event stream, in order,
    // and no list item leaked into it.
    let expected: Vec<&Packet> = packets
        .iter()
        .filter(|p| {
            p.event().is_some()
                && p.action_id()
                    .is_none_or(|id| !list_ids.iter().any(|l| l == id))
        })
        .collect();
    let mut got = Vec::new();
    while let Some(item) = events.recv().await {
        match item {
            SessionEvent::Event(ev) => got.push(ev.packet.clone()),
            SessionEvent::Lagged(n) => panic!("{n} events lost with room for 4096"),
            _ => {}
        }
    }
    assert_eq!(
        got.len(),
        expected.len(),
        "every unsolicited event is delivered exactly once"
    );
    assert!(
        got.iter().zip(&expected).all(|(a, b)| a == *b),
        "events keep the PBX's order"
    );
}

#[tokio::test(start_paused = true)]
async fn injection_is_refused_before_any_byte_is_sent() {
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client =
        Client::start(config(connector).keepalive(NO_KEEPALIVE, NO_KEEPALIVE)).expect("valid");
    let mut peer = Peer::new(servers.recv().await.expect("connects"));
    peer.accept_login().await;
    let mut state = client.state();
    state
        .wait_for(ConnectionState::is_connected)
        .await
        .expect("connected");
    let evil =
        Packet::action("Originate").with("Exten", "1002\r\nAction: Hangup\r\nChannel: PJSIP/1001");
    assert!(
        matches!(client.send(evil).await, Err(Error::Encode(_))),
        "a dial string with a line break is refused with a typed error"
    );
    let ping = tokio::spawn({
        let client = client.clone();
        async move { client.send(Packet::action("Ping")).await }
    });
    let next = peer.read_action().await.expect("the next action");
    assert!(
        next.is("Action", "Ping"),
        "nothing of the refused action reached the PBX: {next:?}"
    );
    peer.send(&pong(next.action_id().unwrap_or_default())).await;
    assert!(
        ping.await.expect("joined").is_ok(),
        "the session is unharmed"
    );
}

#[tokio::test(start_paused = true)]
async fn unanswered_action_times_out_and_its_late_answer_is_dropped() {
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client =
        Client::start(config(connector).keepalive(NO_KEEPALIVE, NO_KEEPALIVE)).expect("valid");
    let mut events = client.events();
    let mut peer = Peer::new(servers.recv().await.expect("connects"));
    peer.accept_login().await;
    client
        .state()
        .wait_for(ConnectionState::is_connected)
        .await
        .expect("connected");
    let started = tokio::time::Instant::now();
    let slow = client.send_list(Packet::action("CoreShowChannels")).await;
    assert!(
        matches!(&slow, Err(Error::Timeout { action, .. }) if action == "CoreShowChannels"),
        "no answer within the default 10 s is a Timeout naming the action: {slow:?}"
    );
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(10),
        "the default action timeout is 10 s"
    );
    let late = peer.read_action().await.expect("the action was sent");
    let id = late.action_id().unwrap_or_default().to_owned();
    peer.send(
        &Packet::new()
            .with("Response", "Success")
            .with("ActionID", id.as_str())
            .with("EventList", "start"),
    )
    .await;
    peer.send(
        &Packet::new()
            .with("Event", "CoreShowChannel")
            .with("ActionID", id.as_str()),
    )
    .await;
    peer.send(
        &Packet::new()
            .with("Event", "Hangup")
            .with("Channel", "PJSIP/1001-1"),
    )
    .await;
    assert_eq!(
        events.recv().await,
        Some(SessionEvent::Connected {
            version: "12.0.0".into()
        }),
        "marker first"
    );
    let Some(SessionEvent::Event(ev)) = events.recv().await else {
        panic!("an event follows")
    };
    assert!(
        ev.packet.is("Event", "Hangup"),
        "the late list item was dropped, not published: {:?}",
        ev.packet
    );
}

/// A connected client and the PBX end of its connection.
async fn connected() -> (Client, Peer) {
    let (connector, mut servers) = TestConnector::new(Mode::Pipe);
    let client =
        Client::start(config(connector).keepalive(NO_KEEPALIVE, NO_KEEPALIVE)).expect("valid");
    let mut peer = Peer::new(servers.recv().await.expect("connects"));
    peer.accept_login().await;
    client
        .state()
        .wait_for(ConnectionState::is_connected)
        .await
        .expect("connected");
    (client, peer)
}

#[tokio::test(start_paused = true)]
async fn old_status_list_ends_only_at_the_event_the_caller_names() {
    let (client, mut peer) = connected().await;
    // Asterisk 1.4/1.8 Status: no EventList header anywhere.
    let answer_old_status = |id: String| {
        vec![
            Packet::new()
                .with("Response", "Success")
                .with("ActionID", id.as_str())
                .with("Message", "Channel status will follow"),
            Packet::new()
                .with("Event", "Status")
                .with("Channel", "SIP/1001-00000001")
                .with("ActionID", id.as_str()),
            Packet::new()
                .with("Event", "StatusComplete")
                .with("ActionID", id.as_str())
                .with("Items", "1"),
        ]
    };
    let guessing = tokio::spawn({
        let client = client.clone();
        async move { client.send_list(Packet::action("Status")).await }
    });
    let action = peer.read_action().await.expect("Status sent");
    for p in answer_old_status(action.action_id().unwrap_or_default().to_owned()) {
        peer.send(&p).await;
    }
    assert!(
        matches!(guessing.await.expect("joined"), Err(Error::Timeout { .. })),
        "without EventList: Complete, send_list does not guess that StatusComplete ends the list"
    );

    let named = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .send_list_until(Packet::action("Status"), "StatusComplete")
                .await
        }
    });
    let action = peer.read_action().await.expect("Status sent again");
    for p in answer_old_status(action.action_id().unwrap_or_default().to_owned()) {
        peer.send(&p).await;
    }
    let list = named
        .await
        .expect("joined")
        .expect("the caller-named end event completes the list");
    assert_eq!(list.events.len(), 1, "the one Status item was collected");
    assert!(
        list.complete.is("Event", "StatusComplete"),
        "and the named event ended it"
    );
}

#[tokio::test(start_paused = true)]
async fn cancelled_and_refused_lists_are_typed_errors() {
    let (client, mut peer) = connected().await;
    let cancelled = tokio::spawn({
        let client = client.clone();
        async move { client.send_list(Packet::action("QueueStatus")).await }
    });
    let id = peer
        .read_action()
        .await
        .expect("sent")
        .action_id()
        .unwrap_or_default()
        .to_owned();
    peer.send(
        &Packet::new()
            .with("Response", "Success")
            .with("ActionID", id.as_str())
            .with("EventList", "start"),
    )
    .await;
    peer.send(
        &Packet::new()
            .with("Event", "QueueStatusComplete")
            .with("ActionID", id.as_str())
            .with("EventList", "Cancelled"),
    )
    .await;
    assert!(
        matches!(cancelled.await.expect("joined"), Err(Error::ListCancelled { action }) if action == "QueueStatus"),
        "EventList: Cancelled ends the list with a typed error"
    );

    let refused = tokio::spawn({
        let client = client.clone();
        async move { client.send_list(Packet::action("PJSIPShowEndpoints")).await }
    });
    let id = peer
        .read_action()
        .await
        .expect("sent")
        .action_id()
        .unwrap_or_default()
        .to_owned();
    peer.send(
        &Packet::new()
            .with("Response", "Error")
            .with("ActionID", id.as_str())
            .with("Message", "Invalid/unknown command: PJSIPShowEndpoints."),
    )
    .await;
    let result = tokio::time::timeout(Duration::from_secs(1), refused)
        .await
        .expect("an error response completes a list at once, not at the timeout")
        .expect("joined");
    assert!(
        matches!(&result, Err(Error::ActionFailed { message, .. }) if message.starts_with("Invalid/unknown command")),
        "with the PBX's message: {result:?}"
    );
}
