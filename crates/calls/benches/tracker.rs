//! Throughput of [`CallTracker::apply`] over the real busy-hour capture
//! (about 450 overlapping calls, 31,800 events), packets decoded beforehand
//! so only the tracker is measured.
//!
//! Run: `cargo bench -p ringside-calls --bench tracker`. `apply_busy_hour`
//! is wall-clock time; `apply_busy_hour_cpu_time` is the thread's CPU time,
//! which stays meaningful on a machine shared with other builds.

use std::io::Read;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ringside_ami::Packet;
use ringside_calls::replay::Capture;
use ringside_calls::{CallTracker, TrackerConfig};

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

fn apply_busy_hour(c: &mut Criterion) {
    let events = busy_hour();
    let config = TrackerConfig::watching(["1000", "1001", "1002", "1003", "1004", "1005"]);
    let mut group = c.benchmark_group("tracker");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("apply_busy_hour", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut t = CallTracker::new(config.clone());
            for (i, p) in events.iter().enumerate() {
                t.apply_into(p, i as i64, &mut out);
                out.clear();
            }
            assert_eq!(t.live_calls(), 0, "every busy-hour call ends");
            t
        });
    });
    // The same work timed in this thread's CPU time, so the figure means
    // "events per second on one core" even on a busy machine.
    group.bench_function("apply_busy_hour_cpu_time", |b| {
        let mut out = Vec::new();
        b.iter_custom(|iters| {
            let start = cpu_time::ThreadTime::now();
            for _ in 0..iters {
                let mut t = CallTracker::new(config.clone());
                for (i, p) in events.iter().enumerate() {
                    t.apply_into(p, i as i64, &mut out);
                    out.clear();
                }
                criterion::black_box(&t);
            }
            start.elapsed()
        });
    });
    group.finish();
}

criterion_group!(benches, apply_busy_hour);
criterion_main!(benches);
