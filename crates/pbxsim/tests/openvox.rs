//! The OpenVox GSM gateway mode over real TCP, seen by a raw AMI client:
//! `gsm send sms` read with the CLI's quoting rules and recorded; unknown
//! spans and non-gateway PBXes answered as the gateway and Asterisk do; and
//! incoming SMS laid out so OpenVox's own C example reads them.

mod common;

use common::{connect, RawClient};
use ringside_ami::Packet;
use ringside_pbxsim::{Dialect, OpenVox, PbxSim, SentSms, SimConfig, SimHandle};
use tokio::net::TcpStream;

async fn gateway(dialect: Dialect, openvox: bool) -> (SimHandle, RawClient<TcpStream>) {
    let config = SimConfig {
        openvox: openvox.then(OpenVox::default),
        ..SimConfig::dialect(dialect)
    };
    let sim = PbxSim::start(config).await.expect("starts");
    let mut c = connect(sim.addr()).await;
    let r = c.login_md5("ringside", "ringside-secret").await;
    assert_eq!(r.response(), Some("Success"), "login works");
    c.events.clear();
    (sim, c)
}

fn command(line: &str) -> Packet {
    Packet::action("Command").with("Command", line)
}

/// What OpenVox's `readsms_fun` prints, computed the way it does: find
/// `process_sms`, then span (1 byte) at +13, sender (11) at +20, time (19)
/// at +34 and the message from +56. The C program copies the message to the
/// end of its read buffer; here the buffer ends with the AppData value.
fn c_program_reads(app_data: &str) -> (String, String, String, String) {
    let b = app_data.as_bytes();
    let at = app_data
        .find("process_sms")
        .expect("strstr finds process_sms");
    let take = |from: usize, n: usize| {
        String::from_utf8_lossy(&b[at + from..(at + from + n).min(b.len())]).into_owned()
    };
    (
        take(13, 1),
        take(20, 11),
        take(34, 19),
        String::from_utf8_lossy(&b[at + 56..]).into_owned(),
    )
}

#[tokio::test]
async fn send_sms_is_read_with_cli_quoting_and_recorded() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let (sim, mut c) = gateway(dialect, true).await;
        let r = c
            .ask(
                command(r#"gsm send sms 2 +4915112345678 "Grüße, \"Chef\" \\ 👋" 30 ringside-1"#),
                "10",
            )
            .await;
        let ok = if dialect == Dialect::Modern {
            "Success"
        } else {
            "Follows"
        };
        assert_eq!(
            r.response(),
            Some(ok),
            "{dialect:?}: the command ran, as on the gateway"
        );
        assert_eq!(
            sim.sent_sms(),
            vec![SentSms {
                span: 2,
                destination: "+4915112345678".into(),
                text: "Grüße, \"Chef\" \\ 👋".into(),
                timeout_s: 30,
                id: Some("ringside-1".into()),
            }],
            "{dialect:?}: quotes grouped the words and backslashes escaped exactly one character each"
        );

        let r = c
            .ask(command(r#"gsm send sms 9 123456 "hi" 30"#), "11")
            .await;
        let out: Vec<&str> = r.get_all("Output").collect();
        assert!(
            out.iter()
                .any(|l| l.contains("span 9") && l.contains("unable to send")),
            "{dialect:?}: an unknown span is refused in the output: {out:?}"
        );
        let r = c.ask(command("gsm send sms 1 123456 hi"), "12").await;
        assert!(
            r.get_all("Output")
                .any(|l| l.starts_with("Usage: gsm send sms")),
            "{dialect:?}: a missing timeout prints the usage"
        );
        assert_eq!(
            sim.sent_sms().len(),
            1,
            "{dialect:?}: nothing refused was recorded as sent"
        );
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_pbx_without_gsm_has_no_such_command() {
    let (sim, mut c) = gateway(Dialect::Modern, false).await;
    let r = c
        .ask(command(r#"gsm send sms 1 123456 "hi" 30"#), "10")
        .await;
    assert_eq!(
        r.response(),
        Some("Error"),
        "Asterisk 12+ answers an unknown CLI command with Error"
    );
    assert!(
        r.get_all("Output")
            .any(|l| l.starts_with("No such command 'gsm send sms")),
        "the same words as Asterisk, which the client turns into 'not an OpenVox gateway'"
    );
    assert!(sim.sent_sms().is_empty(), "no SMS went anywhere");
    sim.shutdown().await;
}

#[tokio::test]
async fn incoming_sms_is_laid_out_for_the_c_example_in_both_dialects() {
    for dialect in [Dialect::Modern, Dialect::Ami11] {
        let (sim, mut c) = gateway(dialect, true).await;
        let uniqueid = sim.inject_sms(
            3,
            "13632919026",
            "This is a short message from my mobile phone",
        );
        let evs = c
            .events_until(|p| p.is("Event", "Newexten") && p.is("Application", "Hangup"))
            .await;
        let sms: Vec<&Packet> = evs.iter().filter(|p| p.is("Event", "Newexten")).collect();
        assert_eq!(
            sms.len(),
            2,
            "{dialect:?}: the process_sms priority, then the dialplan's Hangup"
        );
        let first = sms[0];
        for (k, v) in [
            ("Channel", "EXTRA-SMS/3-1"),
            ("Context", "gsm-3"),
            ("Extension", "sms"),
            ("Priority", "1"),
        ] {
            assert_eq!(
                first.get(k),
                Some(v),
                "{dialect:?}: {k} as in the seed's event"
            );
        }
        assert_eq!(
            first.get("Uniqueid"),
            Some(uniqueid.as_str()),
            "{dialect:?}: the id inject_sms returned"
        );
        assert_eq!(
            sms[1].get("Uniqueid"),
            Some(uniqueid.as_str()),
            "{dialect:?}: both priorities are one dialplan run"
        );
        let app_data = first.get("AppData").expect("AppData");
        let (span, sender, time, message) = c_program_reads(app_data);
        assert_eq!(span, "3", "{dialect:?}: the C program's span offset");
        assert_eq!(
            sender, "13632919026",
            "{dialect:?}: the C program's sender offset"
        );
        assert!(
            time.len() == 19 && time.as_bytes()[4] == b'-' && time.as_bytes()[13] == b':',
            "{dialect:?}: the C program's time offset holds YYYY-MM-DD HH:MM:SS: {time:?}"
        );
        assert_eq!(
            message, "This is a short message from my mobile phone",
            "{dialect:?}: the C program's message offset"
        );
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_multi_line_unicode_sms_keeps_the_c_offsets_and_travels_encoded() {
    let (sim, mut c) = gateway(Dialect::Ami11, true).await;
    let text = "Grüße aus München 👋\nBitte um Rückruf";
    sim.inject_sms(1, "15551234567", text);
    let evs = c
        .events_until(|p| p.is("Event", "Newexten") && p.is("Priority", "1"))
        .await;
    let app_data = evs
        .last()
        .and_then(|p| p.get("AppData"))
        .expect("AppData")
        .to_owned();
    let (span, sender, _, message) = c_program_reads(&app_data);
    assert_eq!(
        (span.as_str(), sender.as_str()),
        ("1", "15551234567"),
        "fields before the message stay at their offsets"
    );
    assert!(
        !message.contains('\n'),
        "a line break never reaches the AMI line"
    );
    assert_eq!(
        message,
        ringside_pbxsim::openvox::uri_encode(text),
        "the message travels as Asterisk's URIENCODE writes it"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_demo_gateway_receives_sms_between_calls() {
    let config = SimConfig {
        openvox: Some(OpenVox::default()),
        demo_every: Some(std::time::Duration::from_millis(200)),
        ..SimConfig::default()
    };
    let sim = PbxSim::start(config).await.expect("starts");
    let mut c = connect(sim.addr()).await;
    assert_eq!(
        c.login_md5("ringside", "ringside-secret").await.response(),
        Some("Success"),
        "login works"
    );
    let evs = c
        .events_until(|p| p.is("Event", "Newexten") && p.is("Extension", "sms"))
        .await;
    let sms = evs.last().expect("an event");
    assert!(
        sms.get("AppData")
            .is_some_and(|d| d.starts_with("process_sms: 1 from 13632919026 @ ")),
        "the first demo SMS is the seed's plain message on span 1: {sms:?}"
    );
    sim.shutdown().await;
}

/// Kills the child even when an assertion fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_program_is_a_gateway_with_openvox() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_ringside-pbxsim"))
            .args(["--listen", "127.0.0.1:0", "--openvox"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary runs"),
    );
    let stdout = child.0.stdout.take().expect("piped stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("reader thread")
    .expect("a first line");
    let addr: std::net::SocketAddr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("first line is 'listening on ADDR'")
        .parse()
        .expect("a socket address");
    let mut c = connect(addr).await;
    assert_eq!(
        c.login_md5("ringside", "ringside-secret").await.response(),
        Some("Success"),
        "default credentials"
    );
    let r = c
        .ask(
            command(r#"gsm send sms 4 13632919026 "hello word" 20"#),
            "10",
        )
        .await;
    assert_eq!(
        r.response(),
        Some("Success"),
        "--openvox makes gsm send sms a known command on span 4"
    );
}
