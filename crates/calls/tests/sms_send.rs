//! Building `gsm send sms`: quoting that Asterisk's CLI reads back exactly
//! (checked against the simulated gateway's copy of `parse_args`),
//! injection refused before anything could be sent, and the gateway's
//! answers turned into messages a receptionist can act on.

use proptest::prelude::*;
use ringside_ami::Packet;
use ringside_calls::actions::ActionError;
use ringside_calls::sms::{
    quote_cli_arg, send_sms_action, sms_send_outcome, SmsRequest, MAX_COMMAND_BYTES,
};
use ringside_pbxsim::openvox::parse_cli_args;

fn args_of(p: &Packet) -> Vec<String> {
    parse_cli_args(p.get("Command").expect("a Command field"))
}

#[test]
fn the_command_has_the_seed_syntax() {
    let p = send_sms_action(&SmsRequest::new("1", "13632919026", "hello word")).expect("valid");
    assert_eq!(
        p.action_name(),
        Some("Command"),
        "sent as Action: Command, as in the seed"
    );
    assert_eq!(
        args_of(&p),
        ["gsm", "send", "sms", "1", "13632919026", "hello word", "20"],
        "gsm send sms <span> <destination> <message> <timeout>, the message one argument"
    );
    let with_id = SmsRequest {
        timeout_s: Some(60),
        id: Some("ringside-7".into()),
        ..SmsRequest::new("4", "+4915112345678", "x")
    };
    assert_eq!(
        args_of(&send_sms_action(&with_id).expect("valid"))[3..],
        ["4", "+4915112345678", "x", "60", "ringside-7"],
        "timeout and the optional id follow the message"
    );
}

#[test]
fn awkward_texts_survive_the_cli() {
    for text in [
        r#"say "hi""#,
        r"back\slash",
        r"trailing\",
        "  spaced  out  ",
        "Grüße 👋 € ñ 中文",
        r#"\"#,
        r#"""#,
    ] {
        let p = send_sms_action(&SmsRequest::new("1", "123456", text));
        match p {
            Ok(p) => assert_eq!(
                args_of(&p)[5],
                text,
                "the CLI reads {text:?} back unchanged"
            ),
            Err(e) => panic!("{text:?} should be sendable: {e}"),
        }
    }
}

const HOSTILE: &[&str] = &[
    "1\r\nAction: Hangup",
    "1\nAction: Originate",
    "1\0",
    "Action: Hangup",
    "\r\n\r\n",
    "1 2",
    "",
];

#[test]
fn injection_is_refused_before_anything_is_built() {
    let ok = SmsRequest::new("1", "13632919026", "hi");
    for bad in HOSTILE {
        let cases = [
            (
                "span",
                SmsRequest {
                    span: (*bad).into(),
                    ..ok.clone()
                },
            ),
            (
                "destination",
                SmsRequest {
                    destination: (*bad).into(),
                    ..ok.clone()
                },
            ),
            (
                "id",
                SmsRequest {
                    id: Some((*bad).into()),
                    ..ok.clone()
                },
            ),
        ];
        for (field, req) in cases {
            assert!(
                send_sms_action(&req).is_err(),
                "{field} = {bad:?} must be refused before sending"
            );
        }
    }
    for bad in [
        "hi\r\nAction: Hangup",
        "hi\nthere",
        "hi\rthere",
        "hi\0",
        "tab\there",
        "\u{1b}[2J",
        "   ",
    ] {
        let r = send_sms_action(&SmsRequest {
            text: bad.into(),
            ..ok.clone()
        });
        assert!(r.is_err(), "text {bad:?} must be refused before sending");
    }
    // `Action:` inside a one-line text is just words inside one quoted argument.
    let p = send_sms_action(&SmsRequest {
        text: "Action: Hangup".into(),
        ..ok.clone()
    })
    .expect("one line is fine");
    assert_eq!(
        args_of(&p)[5],
        "Action: Hangup",
        "stays the message, cannot become a field or an action"
    );
    assert_eq!(p.len(), 2, "still exactly Action and Command");

    let e = send_sms_action(&SmsRequest {
        text: "Hello\nsee you".into(),
        ..ok.clone()
    })
    .expect_err("line break refused");
    assert_eq!(
        e.to_string(),
        "SMS text (write it on one line: the gateway cannot send a line break) 'Hello\\nsee you' contains characters that are not allowed there",
        "says what to do, with the line break shown rather than sent"
    );
    let e = send_sms_action(&SmsRequest {
        destination: "0049 151".into(),
        ..ok.clone()
    })
    .expect_err("space refused");
    assert!(
        e.to_string().contains("digits, with an optional leading +"),
        "says what a destination may hold: {e}"
    );
    let e = send_sms_action(&SmsRequest {
        span: "0".into(),
        ..ok.clone()
    })
    .expect_err("span 0 refused");
    assert!(
        e.to_string().contains("GSM span number"),
        "says what a span is: {e}"
    );
    let long = "x".repeat(MAX_COMMAND_BYTES);
    let e = send_sms_action(&SmsRequest {
        text: long,
        ..ok.clone()
    })
    .expect_err("too long for one AMI line");
    assert!(
        e.to_string().contains("shorten it"),
        "says how to fix it: {e}"
    );

    // Second line of defence: the AMI packet layer refuses line breaks itself.
    let smuggled =
        Packet::action("Command").with("Command", "gsm send sms 1 123 \"hi\r\nAction: Hangup\" 20");
    assert!(
        smuggled.to_bytes().is_err(),
        "ringside-ami refuses CR/LF in any value"
    );
}

fn reply(fields: &[(&str, &str)]) -> Packet {
    fields
        .iter()
        .fold(Packet::new(), |p, (k, v)| p.with(*k, *v))
}

#[test]
fn gateway_answers_become_actionable_outcomes() {
    let sent = sms_send_outcome(&reply(&[
        ("Response", "Success"),
        ("Message", "Command output follows"),
    ]));
    assert!(
        sent.is_ok(),
        "a command that ran and printed no failure sent the SMS"
    );
    let follows = sms_send_outcome(&reply(&[("Response", "Follows"), ("Privilege", "Command")]));
    assert!(
        follows.is_ok(),
        "Asterisk 1.8's Response: Follows is the seed's success"
    );

    let not_gateway = sms_send_outcome(&reply(&[
        ("Response", "Error"),
        ("Message", "Command output follows"),
        ("Output", "No such command 'gsm send sms 1 123 \"hi\" 20' (type 'core show help gsm send' for other possible commands)"),
    ]));
    match not_gateway {
        Err(e @ ActionError::Unsupported { .. }) => {
            assert!(
                e.to_string().contains("not an OpenVox GSM gateway"),
                "says why: {e}"
            )
        }
        other => panic!("No such command means this PBX is no gateway, got {other:?}"),
    }
    let old_not_gateway = sms_send_outcome(&reply(&[
        ("Response", "Follows"),
        ("Output", "No such command 'gsm send sms'"),
    ]));
    assert!(
        matches!(old_not_gateway, Err(ActionError::Unsupported { .. })),
        "Asterisk 1.8 says it inside Follows output"
    );

    let denied = sms_send_outcome(&reply(&[
        ("Response", "Error"),
        ("Message", "Permission denied"),
    ]))
    .expect_err("refused");
    assert!(
        denied.to_string().contains("manager.conf"),
        "tells the admin what to change: {denied}"
    );

    let bad_span = sms_send_outcome(&reply(&[
        ("Response", "Success"),
        (
            "Output",
            "ERROR: span 9 does not exist or is not a GSM span, unable to send SMS",
        ),
    ]))
    .expect_err("failure in the output");
    assert!(
        bad_span.to_string().contains("span 9"),
        "passes on the gateway's own words: {bad_span}"
    );
    let usage = sms_send_outcome(&reply(&[
        ("Response", "Success"),
        (
            "Output",
            "Usage: gsm send sms <span> <destination> <message> <timeout> [id]",
        ),
    ]));
    assert!(
        usage.is_err(),
        "a usage text means the command was not understood"
    );
}

proptest! {
    #[test]
    fn any_text_without_line_breaks_survives_quote_and_cli_parse(text in "[^\r\n]{0,200}") {
        prop_assert_eq!(parse_cli_args(&quote_cli_arg(&text)), vec![text.clone()], "one argument, byte for byte");
    }

    #[test]
    fn any_sendable_text_is_the_fifth_cli_argument(text in "[^\\p{Cc}]{1,120}") {
        prop_assume!(!text.trim().is_empty());
        let p = send_sms_action(&SmsRequest::new("2", "+4915112345678", text.clone())).expect("one-line text is sendable");
        prop_assert!(p.to_bytes().is_ok(), "the packet encodes");
        prop_assert_eq!(&args_of(&p)[5], &text, "the gateway reads exactly what was typed");
    }
}
