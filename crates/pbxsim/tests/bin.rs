//! The `ringside-pbxsim` program: its first stdout line names the address,
//! and it serves what its flags say.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{connect, fixture};

/// Kills the child even when an assertion fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn prints_its_address_and_replays_a_capture() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_ringside-pbxsim"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--dialect",
                "modern",
                "--user",
                "u1",
                "--secret",
                "s1",
            ])
            .arg("--replay")
            .arg(fixture("ami/incoming-answered.ami"))
            .arg("--as-fast-as-possible")
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
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("first line is 'listening on ADDR'");
    let addr: std::net::SocketAddr = addr.parse().expect("a socket address");
    let mut c = connect(addr).await;
    let r = c.login_md5("u1", "s1").await;
    assert_eq!(
        r.response(),
        Some("Success"),
        "--user/--secret configure the account"
    );
    let events = c.events_until(|e| e.is("Event", "DialBegin")).await;
    assert!(
        events.iter().any(|e| e.is("CallerIDName", "ACME Corp")),
        "--replay streams the capture"
    );
}

/// Starts the program with `args` (and the default user) and reads its
/// `listening on` line.
async fn spawn_with(args: &[&str], stdin: Stdio) -> (Child, std::net::SocketAddr) {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_ringside-pbxsim"))
            .args(["--listen", "127.0.0.1:0", "--user", "u1", "--secret", "s1"])
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
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
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("first line is 'listening on ADDR'")
        .parse()
        .expect("a socket address");
    (child, addr)
}

/// The first DialBegin after login, with a bound so a missing call fails
/// the test instead of hanging it.
async fn first_dial(c: &mut common::RawClient<tokio::net::TcpStream>) -> ringside_ami::Packet {
    let events = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        c.events_until(|e| e.is("Event", "DialBegin")),
    )
    .await
    .expect("a scripted call rings within a minute");
    events
        .into_iter()
        .last()
        .expect("events_until returns its match")
}

#[tokio::test]
async fn a_call_on_the_command_line_rings_once_a_client_is_logged_in() {
    let (_child, addr) = spawn_with(
        &[
            "--call",
            "from=+15551234567,name=ACME Corp,did=5550100,to=1001,ring=1,talk=1",
        ],
        Stdio::null(),
    )
    .await;
    let mut c = connect(addr).await;
    assert_eq!(c.login_md5("u1", "s1").await.response(), Some("Success"));
    let dial = first_dial(&mut c).await;
    assert_eq!(
        (
            dial.get("CallerIDNum"),
            dial.get("CallerIDName"),
            dial.get("DestChannel")
                .map(|d| d.starts_with("PJSIP/1001-"))
        ),
        (Some("+15551234567"), Some("ACME Corp"), Some(true)),
        "the spec's caller rings the spec's extension: {dial:?}"
    );
}

#[tokio::test]
async fn calls_and_texts_typed_on_stdin_play_and_a_bad_line_is_skipped() {
    use std::io::Write as _;
    let (mut child, addr) = spawn_with(&["--calls-from-stdin"], Stdio::piped()).await;
    let mut c = connect(addr).await;
    assert_eq!(c.login_md5("u1", "s1").await.response(), Some("Success"));
    let mut stdin = child.0.stdin.take().expect("piped stdin");
    writeln!(stdin, "from=+1555,to=1001,colour=red").expect("the program reads its stdin");
    writeln!(
        stdin,
        "from=+442071234567,name=Initech,to=1002,ring=1,talk=1"
    )
    .expect("the program reads its stdin");
    stdin.flush().expect("the program reads its stdin");
    let dial = first_dial(&mut c).await;
    assert_eq!(
        (
            dial.get("CallerIDName"),
            dial.get("DestChannel")
                .map(|d| d.starts_with("PJSIP/1002-"))
        ),
        (Some("Initech"), Some(true)),
        "the good line after the bad one rings: {dial:?}"
    );
    writeln!(stdin, "text 9 +4917612345678 no such span").expect("stdin");
    writeln!(stdin, "text 2 +4917612345678 Back at 3, call me").expect("stdin");
    stdin.flush().expect("the program reads its stdin");
    let events = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        c.events_until(|e| e.is("Event", "Newexten") && e.is("Exten", "sms")),
    )
    .await
    .expect("the text is announced within 20 s");
    let sms = events.last().expect("events_until returns its match");
    let app_data = sms.get("AppData").unwrap_or_default();
    assert!(
        sms.get("Channel")
            .is_some_and(|c| c.starts_with("EXTRA-SMS/2-"))
            && app_data.contains("+4917612345678")
            && app_data.contains("Back"),
        "an OpenVox gateway's incoming text on span 2: {sms:?}"
    );
    drop(stdin);
    let stderr = child.0.stderr.take().expect("piped stderr");
    let _ = child.0.kill();
    let mut said = String::new();
    std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut said).expect("stderr is text");
    assert!(
        said.contains("skipped the line 'from=+1555,to=1001,colour=red': unknown key 'colour'"),
        "the bad line is reported with why: {said}"
    );
    assert!(
        said.contains(
            "skipped the line 'text 9 +4917612345678 no such span': the span '9' is not 1 to 4"
        ),
        "a bad text line too: {said}"
    );
}

#[test]
fn a_demo_speed_that_is_no_speed_is_refused_in_plain_words() {
    for bad in ["0", "-8", "fast", "NaN", "1e9"] {
        let out = Command::new(env!("CARGO_BIN_EXE_ringside-pbxsim"))
            .args(["--listen", "127.0.0.1:0", "--demo"])
            .arg(format!("--demo-speed={bad}"))
            .stdin(Stdio::null())
            .output()
            .expect("the binary runs");
        assert!(!out.status.success(), "{bad} is refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("give a number from 0.01 to 1000"),
            "{bad}: says what to give: {err}"
        );
    }
}
