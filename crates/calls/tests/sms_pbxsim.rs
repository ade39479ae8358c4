//! SMS end to end over real TCP: the `ringside-ami` client against the
//! simulated OpenVox gateway. An SMS sent arrives byte-exact; an incoming
//! multi-line Unicode SMS is read back as exactly what was injected, once;
//! a PBX without GSM and a text with a line break fail with clear messages.

use ringside_ami::{Client, SessionEvent};
use ringside_calls::actions::ActionError;
use ringside_calls::sms::{send_sms, IncomingSms, SmsDetector, SmsRequest};
use ringside_pbxsim::{Dialect, OpenVox, SentSms, SimConfig, SimHandle};

mod support;
use support::pbx::WAIT;

async fn sim_and_client(dialect: Dialect, openvox: bool) -> (SimHandle, Client) {
    support::pbx::sim_and_client(SimConfig {
        openvox: openvox.then(OpenVox::default),
        ..SimConfig::dialect(dialect)
    })
    .await
}

/// Reads events through a detector until it reports an SMS.
async fn next_sms(
    events: &mut ringside_ami::EventStream,
    detector: &mut SmsDetector,
) -> IncomingSms {
    let wait = async {
        loop {
            match events.recv().await {
                Some(SessionEvent::Event(ev)) => {
                    if let Some(sms) = detector.observe(&ev.packet) {
                        return sms;
                    }
                }
                Some(_) => {}
                None => panic!("the event stream ended before the SMS"),
            }
        }
    };
    tokio::time::timeout(WAIT, wait)
        .await
        .expect("the SMS arrives in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_and_receive_through_the_simulated_gateway() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let (sim, client) = sim_and_client(dialect, true).await;

        let text = r#"Ihr Termin: Di 14:00 "Raum 2" \ Grüße 👋"#;
        let req = SmsRequest {
            id: Some("rs-1".into()),
            ..SmsRequest::new("2", "+4915112345678", text)
        };
        send_sms(&client, &req)
            .await
            .unwrap_or_else(|e| panic!("{dialect:?}: the gateway takes the SMS: {e}"));
        assert_eq!(
            sim.sent_sms(),
            vec![SentSms {
                span: 2,
                destination: "+4915112345678".into(),
                text: text.into(),
                timeout_s: 20,
                id: Some("rs-1".into())
            }],
            "{dialect:?}: the gateway's CLI read the text byte-exact"
        );

        let err = send_sms(&client, &SmsRequest::new("9", "+4915112345678", "hi"))
            .await
            .expect_err("no span 9");
        assert!(
            err.to_string().contains("span 9"),
            "{dialect:?}: an unknown span is reported in the gateway's words: {err}"
        );

        let mut events = client.events();
        let mut detector = SmsDetector::new();
        let incoming = "Grüße aus München 👋\nBitte um Rückruf unter 030 1234";
        let uniqueid = sim.inject_sms(3, "13632919026", incoming);
        let sms = next_sms(&mut events, &mut detector).await;
        assert_eq!(
            sms.text, incoming,
            "{dialect:?}: two lines, umlauts and the emoji come back exactly"
        );
        assert_eq!(sms.span, Some(3), "{dialect:?}: the injected span");
        assert_eq!(
            sms.sender.as_deref(),
            Some("13632919026"),
            "{dialect:?}: the injected sender"
        );
        assert_eq!(
            (sms.channel.as_str(), sms.context.as_str()),
            ("EXTRA-SMS/3-1", "gsm-3"),
            "{dialect:?}: gateway channel and context"
        );
        assert_eq!(
            sms.uniqueid.as_deref(),
            Some(uniqueid.as_str()),
            "{dialect:?}: the dialplan run's id"
        );
        let ms = sms.received_at_ms.expect("the gateway's time is readable");
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis() as i64;
        assert!(
            (now_ms - ms).abs() < 120_000,
            "{dialect:?}: receive time is the simulator's now (UTC): {:?}",
            sms.received_at
        );

        // The Hangup step of the same run is no second SMS; the next message is.
        sim.inject_sms(1, "+4930123456", "Zweite Nachricht");
        let second = next_sms(&mut events, &mut detector).await;
        assert_eq!(
            (second.text.as_str(), second.sender.as_deref(), second.span),
            ("Zweite Nachricht", Some("+4930123456"), Some(1)),
            "{dialect:?}: the next SMS, not a repeat of the first (a sender with a leading + is off the C offsets)"
        );
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pbx_without_gsm_and_a_multi_line_text_fail_clearly() {
    let (sim, client) = sim_and_client(Dialect::Modern, false).await;
    let err = send_sms(&client, &SmsRequest::new("1", "13632919026", "hi"))
        .await
        .expect_err("no gateway");
    assert!(
        matches!(err, ActionError::Unsupported { .. }),
        "No such command means not an OpenVox gateway: {err}"
    );
    assert!(
        err.to_string().contains("not an OpenVox GSM gateway"),
        "a message the receptionist can pass on: {err}"
    );

    let before = sim.received().len();
    let err = send_sms(&client, &SmsRequest::new("1", "13632919026", "two\nlines"))
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("one line"),
        "says to write it on one line: {err}"
    );
    // A Ping round trip proves anything sent before it has been read.
    client
        .send(ringside_ami::Packet::action("Ping"))
        .await
        .expect("ping");
    let after: Vec<_> = sim.received().into_iter().skip(before).collect();
    assert!(
        after.iter().all(|p| !p.is("Action", "Command")),
        "nothing of the refused SMS reached the socket: {after:?}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_feed_reports_each_incoming_sms_once() {
    use ringside_calls::live::{follow, Live, LiveUpdate};
    use ringside_calls::{CallTracker, TrackerConfig};

    let (sim, client) = sim_and_client(Dialect::Ami11, true).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let live = tokio::sync::Mutex::new(Live::new(CallTracker::new(TrackerConfig::watching([
        "1001",
    ]))));
    let mut send = |u| drop(tx.send(u));
    let feed = follow(&client, &live, &mut send);
    let watch = async {
        // The feed reports Connected once its resync is done; inject after that.
        while let Some(u) = rx.recv().await {
            if matches!(u, LiveUpdate::Connected(_)) {
                break;
            }
        }
        sim.inject_sms(2, "13632919026", "Bitte zurückrufen");
        sim.inject_sms(2, "13632919026", "Zweite");
        let mut seen = Vec::new();
        while let Some(u) = rx.recv().await {
            if let LiveUpdate::Sms { sms: s, .. } = &u {
                seen.push(s.text.clone());
            }
            if let LiveUpdate::Card(_) = u {
                panic!("an SMS dialplan run is no call: no card for EXTRA-SMS channels");
            }
            if seen.len() == 2 {
                return seen;
            }
        }
        seen
    };
    let texts = tokio::select! {
        () = feed => panic!("the feed only ends with the client"),
        r = tokio::time::timeout(WAIT, watch) => r.expect("both SMS arrive in time"),
    };
    assert_eq!(
        texts,
        ["Bitte zurückrufen", "Zweite"],
        "each message once, in order, though each run has two Newexten steps"
    );
    sim.shutdown().await;
}
