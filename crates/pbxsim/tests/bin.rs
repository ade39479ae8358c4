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
