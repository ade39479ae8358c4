//! Decoding throughput of [`AmiCodec`] on the real busy-hour capture
//! (`tests/fixtures/ami/busy-hour.ami.gz`, about 14 MB decompressed).
//! Target (issue 2): at least 300 MB/s on one core.
//!
//! Run with `cargo bench -p ringside-ami --bench decode`.
//!
//! Two groups: `decode busy-hour` times by the wall clock, which on a shared
//! machine also counts time the benchmark thread spent waiting for a core;
//! `decode busy-hour (thread CPU time)` times by the CPU time of the
//! benchmark thread alone (Linux `/proc/thread-self/schedstat`), which is the
//! "one core" figure the target is about.

use std::io::Read;
use std::path::Path;

use bytes::BytesMut;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ringside_ami::{AmiCodec, Frame};
use tokio_util::codec::Decoder;

fn busy_hour() -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ami/busy-hour.ami.gz");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut out)
        .expect("busy-hour.ami.gz is a valid gzip file");
    out
}

/// Decodes `input` fed in reads of `chunk` bytes, as a socket would deliver
/// it; returns the packet count so the work cannot be optimised away.
fn decode(input: &[u8], chunk: usize) -> usize {
    let mut codec = AmiCodec::client();
    let mut buf = BytesMut::with_capacity(chunk.max(8 * 1024));
    let mut packets = 0;
    for piece in input.chunks(chunk) {
        buf.extend_from_slice(piece);
        while let Some(frame) = codec.decode(&mut buf).expect("the capture decodes") {
            if let Frame::Packet(p) = frame {
                packets += 1;
                std::hint::black_box(p);
            }
        }
    }
    packets
}

/// CPU time of the calling thread, in nanoseconds, from
/// `/proc/thread-self/schedstat` (its first field). The kernel updates it at
/// least every scheduler tick, so each reading may lag by one tick; samples
/// here run for tens of milliseconds, which keeps that error small.
#[derive(Debug)]
struct ThreadCpuTime;

fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")
        .expect("Linux /proc/thread-self/schedstat");
    stat.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("schedstat starts with nanoseconds on CPU")
}

static WALL: WallTime = WallTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, ns: &u64) -> f64 {
        *ns as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Nanoseconds, like the wall clock, so its formatting fits.
        WALL.formatter()
    }
}

fn bench_decode_cpu(c: &mut Criterion<ThreadCpuTime>) {
    let input = busy_hour();
    let mut group = c.benchmark_group("decode busy-hour (thread CPU time)");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(20);
    group.bench_function("one buffer", |b| b.iter(|| decode(&input, input.len())));
    group.bench_function("16 KiB reads", |b| b.iter(|| decode(&input, 16 * 1024)));
    group.finish();
}

fn bench_decode(c: &mut Criterion) {
    let input = busy_hour();
    assert_eq!(
        decode(&input, 16 * 1024),
        31_817,
        "the bench decodes every packet of the capture"
    );
    let mut group = c.benchmark_group("decode busy-hour");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(20);
    // The whole capture in one buffer, and in 16 KiB reads (a typical socket
    // read size in tokio-util's FramedRead).
    group.bench_function("one buffer", |b| b.iter(|| decode(&input, input.len())));
    group.bench_function("16 KiB reads", |b| b.iter(|| decode(&input, 16 * 1024)));
    group.finish();
}

criterion_group!(benches, bench_decode);
criterion_group! {
    name = cpu_benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = bench_decode_cpu
}
criterion_main!(benches, cpu_benches);
