//! Ringside's contender in the peer benchmark (`bench/peers`): connects with
//! the real [`Client`], counts every `SessionEvent::Event` until it has seen
//! EXPECTED of them (or none came for IDLE_S seconds), and prints one JSON
//! line in the same shape as the peers' consumers.
//!
//! `ringside_count client|tracker HOST PORT EXPECTED IDLE_S [RUNTIME]`.
//! `tracker` also applies each event to a [`CallTracker`] (watching every
//! extension) and counts `CardChange::Ended`. RUNTIME is `multi-thread` (the
//! default, what `#[tokio::main]` gives, as in every Rust peer's consumer and
//! in the `ringside` CLI) or `current-thread` (one thread for the socket task
//! and the consumer). Lost events are never hidden: `SessionEvent::Lagged(n)`
//! is reported.

use std::time::{Duration, Instant};

use ringside_ami::{Client, ClientConfig, Secret, SessionEvent};
use ringside_calls::{CallTracker, CardChange, TrackerConfig};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 6 || !matches!(a[1].as_str(), "client" | "tracker") {
        eprintln!("usage: ringside_count client|tracker HOST PORT EXPECTED IDLE_S [multi-thread|current-thread]");
        std::process::exit(2);
    }
    let runtime = match a.get(6).map(String::as_str) {
        None | Some("multi-thread") => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
        Some("current-thread") => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        Some(other) => {
            eprintln!("unknown runtime {other:?}");
            std::process::exit(2);
        }
    }
    .expect("a tokio runtime starts");
    let report = runtime.block_on(count(&a));
    println!("{report}");
    // Exit at once, like the other consumers: a Logoff round trip is not
    // part of what is measured.
    std::process::exit(0);
}

async fn count(a: &[String]) -> serde_json::Value {
    let with_tracker = a[1] == "tracker";
    let (host, port) = (a[2].clone(), a[3].parse::<u16>().expect("PORT is a number"));
    let expected: u64 = a[4].parse().expect("EXPECTED is a number");
    let idle = Duration::from_secs_f64(a[5].parse().expect("IDLE_S is a number"));

    let config = ClientConfig::new(host, port, "ringside", Secret::new("ringside-secret"));
    let client = Client::start(config).expect("the benchmark's client settings are valid");
    let mut events = client.events();
    let mut tracker = CallTracker::new(TrackerConfig::default());
    let mut changes = Vec::new();
    let (mut n, mut lagged, mut ended) = (0u64, 0u64, 0u64);
    let (mut t0, mut t1) = (None::<Instant>, None::<Instant>);
    let end = loop {
        match tokio::time::timeout(idle, events.recv()).await {
            Ok(Some(SessionEvent::Event(ev))) => {
                let now = Instant::now();
                t0.get_or_insert(now);
                t1 = Some(now);
                n += 1;
                if with_tracker {
                    tracker.apply_into(&ev.packet, ev.received_at_ms, &mut changes);
                    ended += changes.iter().filter(|c| matches!(c, CardChange::Ended { .. })).count() as u64;
                    changes.clear();
                }
                if n >= expected {
                    break "all events";
                }
            }
            Ok(Some(SessionEvent::Connected { version })) => tracker.observe_banner(&version),
            Ok(Some(SessionEvent::Lagged(k))) => lagged += k,
            Ok(Some(SessionEvent::Disconnected)) => break "disconnected",
            Ok(Some(_)) => {}
            Ok(None) => break "stream closed",
            Err(_) => break "idle timeout",
        }
    };
    let span = match (t0, t1) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => 0.0,
    };
    let mut report = serde_json::json!({
        "events": n, "lagged": lagged, "first_to_last_s": span, "end": end,
    });
    if with_tracker {
        report["calls_ended"] = ended.into();
        report["live_calls_after"] = tracker.live_calls().into();
    }
    report
}
