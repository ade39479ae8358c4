//! The attendant console at volume (issue 16's queue panel target: 200
//! waiting callers and 50 agents, under 5,000 events/s).
//!
//! - `console/apply_*`: events per second through [`Console::apply`], from
//!   panels rebuilt from a listing of 200 waiting callers, 50 agents and 50
//!   parked calls, over a stream that keeps them at that size: a caller
//!   answered (`QueueCallerLeave`, `AgentConnect`) and a new one joining
//!   last, an agent's device state, a parked call retrieved and another
//!   parked in its space. `panels` is the console alone (the tracker only
//!   names calls); `tracker_then_panels` is what the live loop does per
//!   event, the tracker first.
//! - `console/listings_at_connect`: a whole resync's listings (the calls,
//!   the board, `ParkedCalls`, `QueueStatus`, `QueueSummary`) read over an
//!   in-memory AMI session from a peer holding 50 parked calls and 200
//!   waiting callers, and applied: the time from a session being up to the
//!   panels being whole.
//!
//! Run: `cargo bench -p ringside-calls --bench console`. The `_cpu_time`
//! variants time this thread's CPU, meaningful on a shared machine.

#[path = "../tests/support/listing_pbx.rs"]
#[allow(dead_code)]
mod listing_pbx;

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ringside_ami::Packet;
use ringside_calls::console::ConsoleListing;
use ringside_calls::live::{fetch_listings, LiveParts};
use ringside_calls::presence::Presence;
use ringside_calls::{CallTracker, Console, TrackerConfig};

const WAITING: usize = 200;
const AGENTS: usize = 50;
const PARKED: usize = 50;
/// Rounds of the stream (six events each).
const ROUNDS: usize = 2_000;

fn ev(pairs: &[(&str, &str)]) -> Packet {
    pairs.iter().fold(Packet::new(), |p, (k, v)| p.with(*k, *v))
}

fn caller(event: &str, n: usize, position: usize) -> Packet {
    ev(&[
        ("Event", event),
        ("Channel", &format!("PJSIP/carrier-{n:08x}")),
        ("CallerIDNum", &format!("+1201555{n:04}")),
        ("CallerIDName", &format!("Caller {n}")),
        ("Uniqueid", &format!("600.{n}")),
        ("Linkedid", &format!("600.{n}")),
        ("Queue", "sales"),
        ("Position", &position.to_string()),
    ])
}

fn parked(event: &str, n: usize, space: usize) -> Packet {
    ev(&[
        ("Event", event),
        ("ParkeeChannel", &format!("PJSIP/carrier-5{n:07x}")),
        ("ParkeeCallerIDNum", &format!("+1555000{n:04}")),
        ("ParkeeCallerIDName", &format!("Parked {n}")),
        ("ParkeeUniqueid", &format!("500.{n}")),
        ("ParkeeLinkedid", &format!("500.{n}")),
        ("ParkerDialString", "PJSIP/1001"),
        ("Parkinglot", "default"),
        ("ParkingSpace", &(701 + space).to_string()),
        ("ParkingDuration", "30"),
    ])
}

fn member(i: usize, status: &str) -> Packet {
    ev(&[
        ("Event", "QueueMemberStatus"),
        ("Queue", "sales"),
        ("MemberName", &format!("Agent {i}")),
        ("Interface", &format!("PJSIP/2{i:03}")),
        ("Status", status),
        ("Paused", "0"),
        ("InCall", if status == "2" { "1" } else { "0" }),
        ("CallsTaken", "0"),
    ])
}

/// The listings a resync reads: `ParkedCalls` items, then `QueueStatus`
/// items with its final event.
fn listing() -> (Vec<Packet>, Vec<Packet>) {
    let parks = (0..PARKED).map(|n| parked("ParkedCall", n, n)).collect();
    let mut queues = vec![ev(&[("Event", "QueueParams"), ("Queue", "sales")])];
    for i in 0..AGENTS {
        queues.push(ev(&[
            ("Event", "QueueMember"),
            ("Queue", "sales"),
            ("Name", &format!("Agent {i}")),
            ("Location", &format!("PJSIP/2{i:03}")),
            ("Status", "1"),
            ("Paused", "0"),
        ]));
    }
    for n in 0..WAITING {
        queues.push(ev(&[
            ("Event", "QueueEntry"),
            ("Queue", "sales"),
            ("Position", &(n + 1).to_string()),
            ("Channel", &format!("PJSIP/carrier-{n:08x}")),
            ("Uniqueid", &format!("600.{n}")),
            ("CallerIDNum", &format!("+1201555{n:04}")),
            ("CallerIDName", &format!("Caller {n}")),
            ("Wait", "60"),
        ]));
    }
    queues.push(ev(&[("Event", "QueueStatusComplete")]));
    (parks, queues)
}

/// The stream: each round answers the first caller and queues a new one
/// last, changes an agent's state, and re-parks a space.
fn stream() -> Vec<Packet> {
    let mut out = Vec::with_capacity(ROUNDS * 6);
    for k in 0..ROUNDS {
        let agent = k % AGENTS;
        out.push(caller("QueueCallerLeave", k, 1));
        out.push(ev(&[
            ("Event", "AgentConnect"),
            ("Uniqueid", &format!("600.{k}")),
            ("Queue", "sales"),
            ("DestChannel", &format!("PJSIP/2{agent:03}-{k:08x}")),
            ("Interface", &format!("PJSIP/2{agent:03}")),
        ]));
        out.push(caller("QueueCallerJoin", WAITING + k, WAITING));
        out.push(member(agent, if k % 2 == 0 { "2" } else { "1" }));
        let space = k % PARKED;
        // Space `k % 50` holds call `k`: listed there, or parked `PARKED`
        // rounds ago.
        out.push(parked("UnParkedCall", k, space));
        out.push(parked("ParkedCall", PARKED + k, space));
    }
    out
}

/// A console rebuilt from the listing, and the tracker that names calls.
fn fresh() -> (Console, CallTracker) {
    let tracker = CallTracker::new(TrackerConfig::watching(["1001"]));
    let mut console = Console::new();
    let (parks, queues) = listing();
    let listing = ConsoleListing {
        parked: Some(&parks),
        queues: Some(&queues),
    };
    let listed = console.resync(listing, 0, &tracker, &[]);
    assert_eq!(listed.len(), PARKED + WAITING, "everyone reported once");
    (console, tracker)
}

fn run(console: &mut Console, tracker: &mut CallTracker, events: &[Packet], with_tracker: bool) {
    let mut cards = Vec::new();
    for (i, p) in events.iter().enumerate() {
        if with_tracker {
            tracker.apply_into(p, i as i64, &mut cards);
        }
        criterion::black_box(console.apply(p, i as i64, tracker, &cards));
        cards.clear();
    }
}

fn check_steady(console: &Console) {
    let sales = console.queues.get("sales").expect("sales");
    assert_eq!(sales.callers.len(), WAITING, "still 200 waiting");
    assert_eq!(sales.members.len(), AGENTS);
    assert_eq!(console.parked.calls().count(), PARKED, "still 50 parked");
}

fn apply_at_volume(c: &mut Criterion) {
    let events = stream();
    {
        let (mut console, mut tracker) = fresh();
        run(&mut console, &mut tracker, &events, true);
        check_steady(&console);
    }
    let mut group = c.benchmark_group("console");
    group.throughput(Throughput::Elements(events.len() as u64));
    for (name, with_tracker) in [("panels", false), ("tracker_then_panels", true)] {
        group.bench_function(format!("apply_{name}"), |b| {
            b.iter_batched(
                fresh,
                |(mut console, mut tracker)| {
                    run(&mut console, &mut tracker, &events, with_tracker);
                    console
                },
                BatchSize::LargeInput,
            );
        });
        group.bench_function(format!("apply_{name}_cpu_time"), |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let (mut console, mut tracker) = fresh();
                    let start = cpu_time::ThreadTime::now();
                    run(&mut console, &mut tracker, &events, with_tracker);
                    spent += start.elapsed();
                    criterion::black_box(&console);
                }
                spent
            });
        });
    }
    group.finish();
}

fn listings_at_connect(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (parks, mut queues) = listing();
    queues.pop(); // the peer sends its own QueueStatusComplete
    let book = listing_pbx::Book {
        phones: (1000..1010).map(|e: u32| e.to_string()).collect(),
        parked: parks,
        queue_status: queues,
        ..listing_pbx::Book::default()
    };
    let peer = rt.block_on(listing_pbx::ListingPbx::start(book));
    let mut group = c.benchmark_group("console");
    group.bench_function("listings_at_connect", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let mut tracker = CallTracker::new(TrackerConfig::watching(["1001"]));
                    let (mut presence, mut console) = (Presence::new(), Console::new());
                    let start = Instant::now();
                    let listings = fetch_listings(&peer.client).await;
                    let parts = LiveParts {
                        tracker: &mut tracker,
                        presence: &mut presence,
                        console: &mut console,
                    };
                    listings.apply(parts, 0, &mut |_| {}).expect("listed");
                    spent += start.elapsed();
                    assert_eq!(console.parked.calls().count(), PARKED);
                    let waiting = console.queues.get("sales").map(|q| q.callers.len());
                    assert_eq!(waiting, Some(WAITING));
                }
                spent
            })
        });
    });
    group.finish();
    rt.block_on(peer.client.shutdown());
}

criterion_group!(benches, apply_at_volume, listings_at_connect);
criterion_main!(benches);
