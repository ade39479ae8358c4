//! Live state is O(live calls): replaying the busy hour 100 times into one
//! tracker leaves the heap exactly where it was before the first replay, and
//! the tracker allocates well under one block per event. Measured with a
//! counting global allocator (this test binary only).

use std::alloc::System;
use std::io::Read;
use std::path::Path;

use ringside_ami::Packet;
use ringside_calls::replay::Capture;
use ringside_calls::{CallTracker, TrackerConfig};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn live_bytes() -> i128 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i128 - s.bytes_deallocated as i128 + s.bytes_reallocated as i128
}

fn busy_hour() -> Vec<Packet> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ami/busy-hour.ami.gz");
    let raw = std::fs::read(&path).expect("busy-hour capture");
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(&raw[..])
        .read_to_end(&mut bytes)
        .expect("gunzip");
    Capture::decode(&bytes)
        .expect("decodes")
        .packets
        .into_iter()
        .filter(|p| p.event().is_some())
        .collect()
}

/// One test only: the counting allocator is global to this binary, and a
/// second test running in parallel would be counted too.
#[test]
fn heap_stays_bounded_and_allocations_light() {
    busy_hour_100_times_leaves_the_heap_where_it_started();
    tracking_itself_allocates_little();
}

fn busy_hour_100_times_leaves_the_heap_where_it_started() {
    let events = busy_hour();
    let mut tracker = CallTracker::new(TrackerConfig::watching([
        "1000", "1001", "1002", "1003", "1004", "1005",
    ]));
    let mut out = Vec::with_capacity(64);
    let start = live_bytes();
    let region = Region::new(GLOBAL);
    let mut ended = 0usize;
    for round in 0..100 {
        for (i, p) in events.iter().enumerate() {
            tracker.apply_into(p, (round * events.len() + i) as i64, &mut out);
            ended += out
                .iter()
                .filter(|c| matches!(c, ringside_calls::CardChange::Ended { .. }))
                .count();
            out.clear();
        }
        assert_eq!(
            (tracker.live_calls(), tracker.live_channels()),
            (0, 0),
            "round {round}: nothing left in flight"
        );
    }
    let change = region.change();
    let end = live_bytes();
    let per_event = change.allocations as f64 / (100 * events.len()) as f64;
    println!(
        "busy hour x100: {} events, heap before {start} B, after {end} B, {} allocations ({per_event:.3} per event)",
        100 * events.len(),
        change.allocations
    );
    assert_eq!(
        ended,
        100 * 450,
        "every call of every round ended exactly once"
    );
    assert_eq!(
        end, start,
        "live state is O(live calls): the heap is back where it started"
    );
    assert!(
        per_event < 1.0,
        "allocation-light: {per_event:.3} allocations per event"
    );
}

fn tracking_itself_allocates_little() {
    // Watching an extension the busy hour never rings: no card changes are
    // built, so this counts the tracker's own allocations per event.
    let events = busy_hour();
    let mut tracker = CallTracker::new(TrackerConfig::watching(["9999"]));
    let mut out = Vec::new();
    let region = Region::new(GLOBAL);
    for (i, p) in events.iter().enumerate() {
        tracker.apply_into(p, i as i64, &mut out);
    }
    let change = region.change();
    let per_event = change.allocations as f64 / events.len() as f64;
    println!(
        "tracking only: {} allocations for {} events ({per_event:.3} per event)",
        change.allocations,
        events.len()
    );
    assert!(out.is_empty(), "nothing concerns extension 9999");
    assert!(
        per_event < 0.5,
        "the tracker's own state allocates per channel, not per event: {per_event:.3}"
    );
}
