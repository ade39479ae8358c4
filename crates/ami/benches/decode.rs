//! Decoding throughput of [`AmiCodec`] on the real busy-hour capture
//! (`tests/fixtures/ami/busy-hour.ami.gz`, about 14 MB decompressed).
//! Target (issue 2): at least 300 MB/s on one core.
//!
//! Run with `cargo bench -p ringside-ami --bench decode`.

use std::io::Read;
use std::path::Path;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ringside_ami::{AmiCodec, Frame};
use tokio_util::codec::Decoder;

fn busy_hour() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ami/busy-hour.ami.gz");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut out).expect("busy-hour.ami.gz is a valid gzip file");
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

fn bench_decode(c: &mut Criterion) {
    let input = busy_hour();
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
criterion_main!(benches);
