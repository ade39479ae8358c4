//! Each injected fault does what it promises on the wire, and the session
//! carries on wherever the protocol allows.

mod common;

use std::time::Duration;

use common::{connect, RawClient};
use futures::StreamExt;
use ringside_ami::{Frame, Packet};
use ringside_pbxsim::{Fault, Party, PbxSim, Scenario, SimConfig, SimHandle};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

async fn logged_in() -> (SimHandle, RawClient<TcpStream>) {
    let sim = PbxSim::start(SimConfig::default()).await.expect("starts");
    let mut c = connect(sim.addr()).await;
    let r = c.login_md5("ringside", "ringside-secret").await;
    assert_eq!(r.response(), Some("Success"), "login works");
    // FullyBooted.
    c.next().await.expect("FullyBooted");
    c.events.clear();
    (sim, c)
}

#[tokio::test]
async fn disconnect_mid_packet_cuts_an_event_in_half() {
    let (sim, c) = logged_in().await;
    sim.inject(Fault::DisconnectMidPacket);
    let parts = c.framed.into_parts();
    let mut rest = parts.read_buf.to_vec();
    let mut io = parts.io;
    tokio::time::timeout(common::WAIT, io.read_to_end(&mut rest))
        .await
        .expect("the simulator closes the socket")
        .expect("a clean close after the half packet");
    assert!(
        rest.starts_with(b"Event: "),
        "half of an event was written: {:?}",
        String::from_utf8_lossy(&rest)
    );
    assert!(!rest.ends_with(b"\r\n\r\n"), "and it was not finished");
}

#[tokio::test(start_paused = true)]
async fn drip_writes_one_byte_at_a_time() {
    let (sim, mut c) = logged_in().await;
    let delay = Duration::from_millis(10);
    sim.inject(Fault::Drip { delay });
    // Let the writer take the fault before the Ping's answer.
    tokio::task::yield_now().await;
    let started = tokio::time::Instant::now();
    let r = c.ask(Packet::action("Ping"), "drip").await;
    assert_eq!(
        r.get("Ping"),
        Some("Pong"),
        "a dripped answer still decodes"
    );
    let bytes = r.to_bytes().expect("encodable").len() as u32;
    // A pause follows each byte, so the client sees all but the last pause.
    assert!(
        started.elapsed() >= delay * (bytes - 1),
        "{bytes} bytes at {delay:?} each took only {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn garbage_between_packets_does_not_end_the_session() {
    let (sim, mut c) = logged_in().await;
    sim.inject(Fault::Garbage { len: 500 });
    let r = c.ask(Packet::action("Ping"), "after-garbage").await;
    assert_eq!(
        r.get("Ping"),
        Some("Pong"),
        "the next valid packet is answered"
    );
    assert_eq!(sim.logged_in(), 1, "the session lives on");
}

#[tokio::test]
async fn endless_line_is_streamed_then_ended() {
    let (sim, mut c) = logged_in().await;
    let len = 2 * 1024 * 1024;
    sim.inject(Fault::EndlessLine { bytes: len });
    let skipped = match c.frame().await.expect("the session stays open") {
        Frame::Oversized { bytes } => bytes,
        other => panic!("the endless line comes first, got {other:?}"),
    };
    assert!(
        skipped as u64 >= len,
        "the whole line was skipped by the client codec ({skipped} bytes)"
    );
    let r = c.ask(Packet::action("Ping"), "after-line").await;
    assert_eq!(
        r.get("Ping"),
        Some("Pong"),
        "the session carries on after the line ends"
    );
}

#[tokio::test(start_paused = true)]
async fn stop_answering_keeps_the_socket_open_but_silent() {
    let (sim, mut c) = logged_in().await;
    sim.inject(Fault::StopAnswering);
    tokio::task::yield_now().await;
    c.send(Packet::action("Ping").with("ActionID", "unanswered"))
        .await;
    let waited = tokio::time::timeout(Duration::from_secs(60), c.framed.next()).await;
    assert!(
        waited.is_err(),
        "no answer and no close (half-open): {waited:?}"
    );
    assert!(
        sim.wait_for_action(Duration::from_secs(1), |a| a.is("ActionID", "unanswered"))
            .await
            .is_some(),
        "the simulator still reads and records the Ping"
    );
    drop(sim.play(Scenario::incoming(Party::new("1", "x"), "5550100", "1001")));
    let waited = tokio::time::timeout(Duration::from_secs(60), c.framed.next()).await;
    assert!(waited.is_err(), "not even events are written");
}

#[tokio::test]
async fn flood_sends_exactly_n_events_in_one_burst() {
    let (sim, mut c) = logged_in().await;
    let n = 100_000;
    sim.inject(Fault::Flood { events: n });
    let r = c.ask(Packet::action("Ping"), "after-flood").await;
    assert_eq!(r.get("Ping"), Some("Pong"), "answered after the burst");
    let flood = c
        .events
        .iter()
        .filter(|e| e.is("Variable", "FLOOD"))
        .count();
    assert_eq!(
        flood, n,
        "every flooded event arrived, and the burst came before the answer"
    );
}

#[tokio::test]
async fn restart_drops_sessions_refuses_then_accepts_again() {
    let (sim, mut c) = logged_in().await;
    drop(
        sim.play(
            Scenario::incoming(Party::new("+15551234567", "ACME Corp"), "5550100", "1001")
                .with_timing(Duration::from_secs(60), Duration::from_secs(60)),
        ),
    );
    c.events_until(|e| e.is("Event", "DialBegin")).await;
    assert!(
        !sim.channels().is_empty(),
        "a call is ringing before the restart"
    );
    let down_for = Duration::from_millis(300);
    let restarted = std::time::Instant::now();
    sim.inject(Fault::Restart { down_for });
    while c.next().await.is_some() {}
    assert!(
        TcpStream::connect(sim.addr()).await.is_err(),
        "while down the port refuses connections"
    );
    let mut c = loop {
        if let Ok(tcp) = TcpStream::connect(sim.addr()).await {
            break RawClient::over(tcp).await;
        }
        assert!(restarted.elapsed() < common::WAIT, "the PBX comes back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        restarted.elapsed() >= down_for,
        "it stayed down for {down_for:?}"
    );
    let r = c.login_md5("ringside", "ringside-secret").await;
    assert_eq!(
        r.response(),
        Some("Success"),
        "logins work after the restart"
    );
    assert!(sim.channels().is_empty(), "calls do not survive a restart");
}
