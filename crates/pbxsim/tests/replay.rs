//! Replaying real captures: after a fresh login the client gets exactly the
//! capture's unsolicited events, fast or paced, and its own actions are
//! answered meanwhile.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use common::{connect, decode_file, fixture};
use ringside_ami::Packet;
use ringside_pbxsim::{Capture, Pace, PbxSim, Replay, SentLog, SimConfig};

/// Event name → count, for the capture's events nobody asked for.
fn capture_counts(name: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for p in decode_file(name) {
        if let (Some(e), None) = (p.event(), p.action_id()) {
            *counts.entry(e.to_owned()).or_default() += 1;
        }
    }
    counts
}

fn counts(events: &[Packet]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for e in events.iter().filter_map(Packet::event) {
        *counts.entry(e.to_owned()).or_default() += 1;
    }
    counts
}

async fn start(name: &str, pace: Pace) -> (ringside_pbxsim::SimHandle, usize) {
    let capture = Arc::new(Capture::load(fixture(name)).expect("capture loads"));
    let n = capture.packet_count();
    let replay = Replay {
        pace,
        ..Replay::new(capture)
    };
    let sim = PbxSim::start(SimConfig {
        replay: Some(replay),
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    (sim, n)
}

#[tokio::test]
async fn incoming_answered_replays_exactly_the_post_login_events() {
    let (sim, n) = start("ami/incoming-answered.ami", Pace::AsFastAsPossible).await;
    let expected = capture_counts("ami/incoming-answered.ami");
    assert_eq!(
        n,
        expected.values().sum::<usize>(),
        "the replay holds every unsolicited event and nothing else"
    );
    let mut c = connect(sim.addr()).await;
    assert_eq!(
        c.banner.as_ref().map(|b| b.raw.as_str()),
        Some("Asterisk Call Manager/12.0.0"),
        "capture's banner"
    );
    let r = c.login_md5("ringside", "ringside-secret").await;
    assert_eq!(
        r.response(),
        Some("Success"),
        "the real client's login is answered freshly"
    );
    let mut events = std::mem::take(&mut c.events);
    while events.len() < n {
        events.push(
            c.next()
                .await
                .expect("the replay is complete before anything else happens"),
        );
    }
    assert_eq!(
        counts(&events),
        expected,
        "same events, same number of each, as in the capture"
    );
    assert!(
        events.iter().all(|e| e.response().is_none()),
        "no recorded response leaks into the replay"
    );
    let popup = events
        .iter()
        .find(|e| e.is("Event", "DialBegin"))
        .expect("the capture rings 1001");
    assert_eq!(
        popup.get("CallerIDName"),
        Some("ACME Corp"),
        "bytes are replayed as recorded"
    );
    let ping = c.ask(Packet::action("Ping"), "after").await;
    assert_eq!(
        ping.get("Ping"),
        Some("Pong"),
        "the session lives on after the replay"
    );
}

#[tokio::test]
async fn busy_hour_gz_streams_every_event() {
    let (sim, n) = start("ami/busy-hour.ami.gz", Pace::AsFastAsPossible).await;
    assert_eq!(
        n, 31_814,
        "the busy hour's documented event count (the peer benchmark checks it)"
    );
    let mut c = connect(sim.addr()).await;
    c.login_md5("ringside", "ringside-secret").await;
    let mut seen = c.events.len();
    while seen < n {
        c.next().await.expect("all events arrive");
        seen += 1;
    }
    let ping = c.ask(Packet::action("Ping"), "end").await;
    assert_eq!(
        ping.get("Ping"),
        Some("Pong"),
        "nothing beyond the capture's events came before the Ping answer"
    );
    assert!(
        c.events.is_empty(),
        "exactly the capture's events, none extra: {:?}",
        c.events.first()
    );
}

#[tokio::test(start_paused = true)]
async fn paced_replay_takes_its_time_and_answers_ping_meanwhile() {
    let delay = Duration::from_millis(500);
    let (sim, n) = start("ami/incoming-missed.ami", Pace::Delay(delay)).await;
    let started = tokio::time::Instant::now();
    let mut c = connect(sim.addr()).await;
    c.login_md5("ringside", "ringside-secret").await;
    let first = c.next().await.expect("a first event");
    assert!(first.event().is_some(), "replay sends events");
    let ping = c.ask(Packet::action("Ping"), "mid").await;
    assert_eq!(
        ping.get("Ping"),
        Some("Pong"),
        "actions are answered during a replay"
    );
    let before_ping = c.events.len() + 1;
    assert!(
        before_ping < n,
        "the Ping was answered before the replay ended ({before_ping} of {n})"
    );
    let mut seen = before_ping;
    while seen < n {
        c.next().await.expect("the rest of the replay");
        seen += 1;
    }
    let took = started.elapsed();
    assert!(
        took >= delay * n as u32,
        "{n} packets at {delay:?} each cannot take only {took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn rate_and_start_delay_pace_the_replay() {
    let capture =
        Arc::new(Capture::load(fixture("ami-1.3/incoming-missed.ami")).expect("capture loads"));
    let n = capture.packet_count();
    let replay = Replay {
        pace: Pace::PerSecond(4.0),
        start_delay: Duration::from_secs(3),
        ..Replay::new(capture)
    };
    let sim = PbxSim::start(SimConfig {
        replay: Some(replay),
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let mut c = connect(sim.addr()).await;
    assert_eq!(
        c.banner.as_ref().map(|b| b.raw.as_str()),
        Some("Asterisk Call Manager/1.3"),
        "capture's banner"
    );
    c.login_md5("ringside", "ringside-secret").await;
    let logged_in = tokio::time::Instant::now();
    c.next().await.expect("a first event");
    assert!(
        logged_in.elapsed() >= Duration::from_secs(3),
        "nothing before the start delay"
    );
    for _ in 1..n {
        c.next().await.expect("the rest");
    }
    let took = logged_in.elapsed();
    let pace = Duration::from_millis(250) * (n as u32 - 1);
    assert!(
        took >= Duration::from_secs(3) + pace,
        "{n} packets at 4/s after 3 s took only {took:?}"
    );
}

/// What `list` says about one phone: `field` of the item whose `key` is `value`.
async fn listed(
    c: &mut common::RawClient<tokio::net::TcpStream>,
    action: &str,
    id: &str,
    (key, value): (&str, &str),
    field: &str,
) -> String {
    let (_, items, _) = c.list(Packet::action(action), id).await;
    items
        .iter()
        .find(|p| p.is(key, value))
        .and_then(|p| p.get(field))
        .unwrap_or_else(|| panic!("{action} lists {value}"))
        .to_owned()
}

#[tokio::test]
async fn presence_listed_mid_replay_agrees_with_the_replayed_events() {
    // A client that resynchronises while a replay has 1001 ringing must be
    // told "ringing", as a real PBX would, not the idle phone of an empty
    // simulated world.
    let (sim, _) = start(
        "ami/incoming-answered.ami",
        Pace::Delay(Duration::from_millis(2)),
    )
    .await;
    let mut c = connect(sim.addr()).await;
    c.login_md5("ringside", "ringside-secret").await;
    // (the replayed device state to wait for, or none; then the listed
    // ExtensionStatus code and device state)
    let steps = [
        (None, "0", "NOT_INUSE", "idle before the call"),
        (Some("RINGING"), "8", "RINGING", "ringing, as just replayed"),
        (Some("INUSE"), "1", "INUSE", "in use once answered"),
        (Some("NOT_INUSE"), "0", "NOT_INUSE", "idle after the hangup"),
    ];
    for (i, (wait_for, status, state, why)) in steps.into_iter().enumerate() {
        if let Some(wait_for) = wait_for {
            c.events_until(|p| {
                p.is("Event", "DeviceStateChange")
                    && p.is("Device", "PJSIP/1001")
                    && p.is("State", wait_for)
            })
            .await;
        }
        let listed_status = listed(
            &mut c,
            "ExtensionStateList",
            &format!("e{i}"),
            ("Exten", "1001"),
            "Status",
        )
        .await;
        let listed_state = listed(
            &mut c,
            "DeviceStateList",
            &format!("d{i}"),
            ("Device", "PJSIP/1001"),
            "State",
        )
        .await;
        assert_eq!(
            (listed_status.as_str(), listed_state.as_str()),
            (status, state),
            "{why}"
        );
    }
}

#[tokio::test]
async fn the_sent_log_notes_each_packet_of_the_first_session_once_in_order() {
    let capture = Arc::new(Capture::load(fixture("ami/incoming-answered.ami")).expect("loads"));
    let n = capture.packet_count();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sent.log");
    let replay = Replay {
        pace: Pace::PerSecond(2000.0),
        sent_log: Some(SentLog::new(&path)),
        ..Replay::new(capture)
    };
    let sim = PbxSim::start(SimConfig {
        replay: Some(replay),
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_micros();
    let mut first = connect(sim.addr()).await;
    first.login_md5("ringside", "ringside-secret").await;
    // A second session gets the replay too, but does not write the log.
    let mut second = connect(sim.addr()).await;
    second.login_md5("ringside", "ringside-secret").await;
    for _ in 0..n {
        first.next().await.expect("an event");
        second.next().await.expect("an event");
    }
    // The log is written when the replay ends, just after its last packet.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.lines().count() >= n || std::time::Instant::now() > deadline {
            break text.lines().map(str::to_owned).collect::<Vec<_>>();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(lines.len(), n, "one line per packet, one session only");
    let mut last = before;
    for (i, line) in lines.iter().enumerate() {
        let (index, at) = line.split_once(' ').expect("index and time");
        assert_eq!(index, i.to_string(), "in capture order");
        let at: u128 = at.parse().expect("microseconds");
        assert!(at >= last, "times never go back: {line}");
        last = at;
    }
}
