//! Time from an incoming-SMS `Newexten`'s bytes to a parsed
//! [`IncomingSms`]: the `ringside-ami` codec decodes the packet, then
//! [`SmsDetector::observe`] reads it. The product target is 5 ms p99 from
//! event bytes to the UI event, so this part should take microseconds.
//!
//! Run: `cargo bench -p ringside-calls --bench sms`. Three shapes: the
//! gateway layout at the C example's offsets (the fast path), a
//! percent-encoded multi-line message, and a `key=value` form.

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ringside_ami::{AmiCodec, Frame, Packet};
use ringside_calls::sms::SmsDetector;
use tokio_util::codec::Decoder;

/// The wire bytes of an Asterisk 1.8-style gateway `Newexten`.
fn newexten_bytes(app_data: &str, uniqueid: &str) -> Vec<u8> {
    Packet::new()
        .with("Event", "Newexten")
        .with("Privilege", "dialplan,all")
        .with("Channel", "EXTRA-SMS/3-1")
        .with("Context", "gsm-3")
        .with("Extension", "sms")
        .with("Priority", "1")
        .with("Application", "NoOp")
        .with("AppData", app_data)
        .with("Uniqueid", uniqueid)
        .to_bytes()
        .expect("encodes")
}

fn bytes_to_sms(c: &mut Criterion) {
    let shapes = [
        ("seed_layout", "process_sms: 3 from 13632919026 @ 2015-03-27 09:44:02 : This is a short message from my mobile phone"),
        (
            "uriencoded_multiline",
            "process_sms: 3 from 13632919026 @ 2015-03-27 09:44:02 : Gr%C3%BC%C3%9Fe%20aus%20M%C3%BCnchen%20%F0%9F%91%8B%0ABitte%20um%20R%C3%BCckruf",
        ),
        ("key_value", "process_sms span=2 sender=+4915112345678 time=2024-05-01 10:00:00 message=Hello, see you at 5"),
    ];
    let mut group = c.benchmark_group("sms");
    group.throughput(Throughput::Elements(1));
    for (name, app_data) in shapes {
        // Distinct Uniqueids, so the detector reports every one rather than
        // short-cutting on a remembered id.
        let wires: Vec<Vec<u8>> = (0..1024)
            .map(|i| newexten_bytes(app_data, &format!("1427420642.{i}")))
            .collect();
        print_percentiles(name, &wires);
        group.bench_function(name, |b| {
            let mut codec = AmiCodec::client();
            let mut detector = SmsDetector::new();
            let mut i = 0usize;
            b.iter(|| {
                let mut buf = BytesMut::from(&wires[i % wires.len()][..]);
                i += 1;
                let Ok(Some(Frame::Packet(p))) = codec.decode(&mut buf) else {
                    panic!("one packet decodes")
                };
                let sms = detector.observe(&p).expect("an SMS every time");
                assert!(!sms.text.is_empty(), "a message was read");
                sms
            });
        });
    }
    group.finish();
}

/// Criterion reports means; the product target is a p99, so time each of
/// 100,000 events on its own and print p50, p99 and the maximum.
fn print_percentiles(name: &str, wires: &[Vec<u8>]) {
    let mut codec = AmiCodec::client();
    let mut detector = SmsDetector::new();
    let mut times: Vec<u128> = (0..100_000)
        .map(|i| {
            let start = std::time::Instant::now();
            let mut buf = BytesMut::from(&wires[i % wires.len()][..]);
            let Ok(Some(Frame::Packet(p))) = codec.decode(&mut buf) else {
                panic!("one packet decodes")
            };
            let sms = detector.observe(&p).expect("an SMS every time");
            std::hint::black_box(sms);
            start.elapsed().as_nanos()
        })
        .collect();
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "sms/{name}: p50 {} ns, p99 {} ns, max {} ns over {} events",
        at(0.5),
        at(0.99),
        at(1.0),
        times.len()
    );
}

criterion_group!(benches, bytes_to_sms);
criterion_main!(benches);
