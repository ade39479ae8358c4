//! Reading incoming SMS out of OpenVox gateway `Newexten` events: the
//! seed's shapes, `key=value` and positional forms, encodings, events that
//! are not SMS, garbage (never a panic), and reporting each message once.

use proptest::prelude::*;
use ringside_ami::Packet;
use ringside_calls::sms::{
    decode_sms_text, parse_app_data, parse_incoming_sms, SmsDetector, SmsFields,
};

/// A `Newexten` of the gateway's sms extension, shaped like the seed's.
fn newexten(
    channel: &str,
    context: &str,
    priority: &str,
    app_data: &str,
    uniqueid: &str,
) -> Packet {
    Packet::new()
        .with("Event", "Newexten")
        .with("Privilege", "dialplan,all")
        .with("Channel", channel)
        .with("Context", context)
        .with("Extension", "sms")
        .with("Priority", priority)
        .with("Application", "NoOp")
        .with("AppData", app_data)
        .with("Uniqueid", uniqueid)
}

fn fields(span: Option<u32>, sender: Option<&str>, time: Option<&str>, text: &str) -> SmsFields {
    SmsFields {
        span,
        sender: sender.map(Into::into),
        received_at: time.map(Into::into),
        text: text.into(),
    }
}

#[test]
fn the_seeds_plain_event_is_an_sms_whose_appdata_is_the_message() {
    let ev = newexten(
        "EXTRA-SMS/3-1",
        "gsm-2",
        "1",
        "This is a short message from my mobile phone",
        "1427420642.7",
    );
    let sms = parse_incoming_sms(&ev).expect("Newexten of extension sms is an SMS");
    assert_eq!(
        sms.text, "This is a short message from my mobile phone",
        "without process_sms, AppData is the message"
    );
    assert_eq!(
        sms.span,
        Some(3),
        "the span comes from the channel EXTRA-SMS/3-1 before the context"
    );
    assert_eq!(sms.sender, None, "the seed's plain event names no sender");
    assert_eq!(
        (sms.channel.as_str(), sms.context.as_str()),
        ("EXTRA-SMS/3-1", "gsm-2"),
        "the event's own fields are kept"
    );
    assert_eq!(
        sms.uniqueid.as_deref(),
        Some("1427420642.7"),
        "the Uniqueid identifies the message"
    );
    assert_eq!(
        sms.raw, "This is a short message from my mobile phone",
        "raw AppData kept verbatim"
    );

    let ctx_only = newexten("EXTRA-SMS/x", "gsm-2", "1", "hi", "1.1");
    assert_eq!(
        parse_incoming_sms(&ctx_only).map(|s| s.span),
        Some(Some(2)),
        "span from context gsm-2 when the channel has none"
    );
}

#[test]
fn app_data_table() {
    let table: &[(&str, SmsFields, &str)] = &[
        (
            "process_sms: 3 from 13632919026 @ 2015-03-27 09:44:02 : hello word",
            fields(Some(3), Some("13632919026"), Some("2015-03-27 09:44:02"), "hello word"),
            "the simulated gateway's layout, at the C example's fixed offsets",
        ),
        (
            "/my_tools/process_sms \"3\" \"\" \"13632919026\" \"2015-03-27 09:44:02\" \"hello, word\"",
            fields(Some(3), Some("13632919026"), Some("2015-03-27 09:44:02"), "hello, word"),
            "C offsets with quoted fields: the closing quote of the message is dropped too",
        ),
        (
            "process_sms: 3 from 13632919026 @ 2015-03-27 09:44:02 : :-) see you",
            fields(Some(3), Some("13632919026"), Some("2015-03-27 09:44:02"), ":-) see you"),
            "a message starting with punctuation keeps it",
        ),
        (
            "process_sms span=2 sender=+4915112345678 time=2024-05-01 10:00:00 message=Hello, see you at 5",
            fields(Some(2), Some("+4915112345678"), Some("2024-05-01 10:00:00"), "Hello, see you at 5"),
            "key=value, an unquoted message runs to the end",
        ),
        (
            "process_sms text=\"Hello, from the front desk\" phonenumber=+4915112345678 port=4",
            fields(Some(4), Some("+4915112345678"), None, "Hello, from the front desk"),
            "key=value, a quoted message may hold a comma and the word from",
        ),
        (
            "process_sms,src=0044207946000,msg=Ok",
            fields(None, Some("0044207946000"), None, "Ok"),
            "key=value with comma separators and other key names",
        ),
        (
            "process_sms,\"2\",\"+4915112345678\",\"2024/05/01 10:00:00\",\"Hallo, Welt\"",
            fields(Some(2), Some("+4915112345678"), Some("2024/05/01 10:00:00"), "Hallo, Welt"),
            "positional, quoted and comma separated, slashes in the date",
        ),
        (
            "process_sms 4 +15551234567 Call me back",
            fields(Some(4), Some("+15551234567"), None, "Call me back"),
            "positional without a time: the message follows the sender",
        ),
        (
            "process_sms: 12 from +4915112345678 @ 2024-05-01 10:00:00 : Hi",
            fields(Some(12), Some("+4915112345678"), Some("2024-05-01 10:00:00"), "Hi"),
            "the simulated layout with a two-digit span and a long sender, off the C offsets",
        ),
        (
            "process_sms: 1 from 15551234567 @ 2024-05-01 10:00:00 : Gr%C3%BC%C3%9Fe %F0%9F%91%8B%0AZeile 2",
            fields(Some(1), Some("15551234567"), Some("2024-05-01 10:00:00"), "Grüße 👋\nZeile 2"),
            "a URIENCODEd multi-line message is decoded",
        ),
        (
            "process_sms: 1 from 15551234567 @ 2024-05-01 10:00:00 : line one\\nline two",
            fields(Some(1), Some("15551234567"), Some("2024-05-01 10:00:00"), "line one\nline two"),
            "literal \\n escapes become line breaks",
        ),
        (
            "process_sms: 1 from 15551234567 @ 2024-05-01 10:00:00 : 50% off today",
            fields(Some(1), Some("15551234567"), Some("2024-05-01 10:00:00"), "50% off today"),
            "a percent sign that is no escape is left alone",
        ),
        ("process_sms", fields(None, None, None, ""), "process_sms with nothing after it: an empty message, no guesses"),
        ("Just a message", fields(None, None, None, "Just a message"), "no process_sms: all of it is the message"),
    ];
    for (app_data, want, why) in table {
        assert_eq!(&parse_app_data(app_data), want, "{why}: {app_data:?}");
    }
}

#[test]
fn the_received_time_becomes_unix_ms() {
    let ev = newexten(
        "EXTRA-SMS/1-1",
        "gsm-1",
        "1",
        "process_sms: 1 from 13632919026 @ 2015-03-27 09:44:02 : x",
        "1.2",
    );
    let sms = parse_incoming_sms(&ev).expect("an SMS");
    assert_eq!(
        sms.received_at.as_deref(),
        Some("2015-03-27 09:44:02"),
        "the time as the gateway wrote it"
    );
    assert_eq!(
        sms.received_at_ms,
        Some(1_427_449_442_000),
        "read as UTC, the gateway sends no zone"
    );
    let bad = newexten(
        "EXTRA-SMS/1-1",
        "gsm-1",
        "1",
        "process_sms: 1 from 13632919026 @ 2015-19-27 09:44:02 : x",
        "1.3",
    );
    let sms = parse_incoming_sms(&bad).expect("still an SMS");
    assert_eq!(
        (sms.received_at.is_some(), sms.received_at_ms),
        (true, None),
        "month 19: text kept, no timestamp invented"
    );
}

#[test]
fn events_that_are_not_sms() {
    let call_only = Packet::new()
        .with("Event", "Newexten")
        .with("Channel", "PJSIP/1001-00000001")
        .with("Context", "from-internal")
        .with("Extension", "1002")
        .with("Priority", "1")
        .with("Application", "Dial")
        .with("AppData", "PJSIP/1002")
        .with("Uniqueid", "1.1");
    assert_eq!(
        parse_incoming_sms(&call_only),
        None,
        "a call's dialplan step is no SMS"
    );
    let hangup_step = newexten("EXTRA-SMS/3-1", "gsm-3", "2", "", "1.1");
    assert_eq!(
        parse_incoming_sms(&hangup_step),
        None,
        "the sms extension's Hangup() priority (empty AppData) is no message"
    );
    let other_event = Packet::new()
        .with("Event", "VarSet")
        .with("Extension", "sms")
        .with("AppData", "x");
    assert_eq!(
        parse_incoming_sms(&other_event),
        None,
        "only Newexten announces an SMS"
    );
    assert_eq!(
        parse_incoming_sms(&Packet::new()),
        None,
        "an empty packet is nothing"
    );
    let mut with_program = call_only.clone();
    with_program.set(
        "AppData",
        "process_sms: 1 from 15551234567 @ 2024-05-01 10:00:00 : hi",
    );
    assert!(
        parse_incoming_sms(&with_program).is_some(),
        "process_sms marks an SMS whatever the extension is called"
    );
}

#[test]
fn the_detector_reports_each_message_once() {
    let mut d = SmsDetector::new();
    let first = newexten(
        "EXTRA-SMS/3-1",
        "gsm-3",
        "1",
        "process_sms: 3 from 13632919026 @ 2015-03-27 09:44:02 : hi",
        "9.1",
    );
    let second = newexten("EXTRA-SMS/3-1", "gsm-3", "2", "hi again", "9.1");
    assert!(
        d.observe(&first).is_some(),
        "the first step of a message reports it"
    );
    assert_eq!(
        d.observe(&second),
        None,
        "a later step of the same dialplan run (same Uniqueid) does not report it again"
    );
    assert_eq!(
        d.observe(&first),
        None,
        "nor does a repeat of the same event"
    );
    let other = newexten("EXTRA-SMS/3-1", "gsm-3", "1", "another", "9.2");
    assert!(
        d.observe(&other).is_some(),
        "a new Uniqueid is a new message"
    );

    let mut small = SmsDetector::with_memory(2);
    for id in ["a", "b", "c"] {
        assert!(
            small
                .observe(&newexten("EXTRA-SMS/1-1", "gsm-1", "1", "x", id))
                .is_some(),
            "{id} is new"
        );
    }
    assert!(
        small
            .observe(&newexten("EXTRA-SMS/1-1", "gsm-1", "1", "x", "a"))
            .is_some(),
        "memory is bounded: the oldest id was forgotten after two newer ones"
    );
}

#[test]
fn decoding_leaves_plain_text_alone() {
    for plain in ["50% off", "100%", "%zz", "C:\\temp", "Grüße 👋", ""] {
        assert_eq!(
            decode_sms_text(plain),
            plain,
            "{plain:?} is not encoded and must come through unchanged"
        );
    }
    assert_eq!(
        decode_sms_text("%E2%82"),
        "%E2%82",
        "escapes that are not UTF-8 are left as they came"
    );
    assert_eq!(
        decode_sms_text("a\\r\\nb"),
        "a\nb",
        "an escaped CRLF is one line break"
    );
}

proptest! {
    #[test]
    fn any_app_data_parses_without_panic_and_keeps_the_raw_text(
        prefix in ".{0,20}",
        body in ".{0,120}",
        channel in ".{0,20}",
        context in ".{0,12}",
        with_program in any::<bool>(),
    ) {
        let app_data = if with_program { format!("{prefix}process_sms{body}") } else { format!("{prefix}{body}") };
        let ev = newexten(&channel, &context, "1", &app_data, "1.1");
        if let Some(sms) = parse_incoming_sms(&ev) {
            prop_assert_eq!(&sms.raw, &app_data, "raw AppData is never altered");
        }
        let _ = parse_app_data(&app_data);
        let _ = decode_sms_text(&body);
    }

    #[test]
    fn shaped_garbage_after_process_sms_never_panics(
        parts in proptest::collection::vec(prop_oneof![
            Just("=".to_owned()), Just("\"".to_owned()), Just("span".to_owned()), Just("text=".to_owned()),
            Just("2015-03-27 09:44:02".to_owned()), Just("%".to_owned()), Just("\\".to_owned()), Just("ü".to_owned()),
            "[0-9+]{1,14}", "[ ,;:|]{1,3}", ".{1,4}",
        ], 0..20)
    ) {
        let app_data = format!("process_sms{}", parts.concat());
        let f = parse_app_data(&app_data);
        if let Some(s) = f.span {
            prop_assert!((1..=255).contains(&s), "a span is always a small positive number");
        }
    }
}
