//! Replays the real AMI captures in `tests/fixtures/ami` (Asterisk 23, AMI
//! 12.0.0) and `tests/fixtures/ami-1.3` (Asterisk 11, AMI 1.3) through
//! [`AmiCodec`], split into reads in every way we can afford, and checks the
//! packets against the capture bytes counted by simpler, independent means.

use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::BytesMut;
use proptest::prelude::*;
use ringside_ami::{AmiCodec, Frame, Packet};
use tokio_util::codec::Decoder;

fn fixtures_dir(dialect: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(dialect)
}

/// Every `.ami` capture of both dialects, with its file name.
fn captures() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dialect in ["ami", "ami-1.3"] {
        let dir = fixtures_dir(dialect);
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("readable fixtures dir").path())
            .filter(|p| p.extension().is_some_and(|x| x == "ami"))
            .collect();
        paths.sort();
        for p in paths {
            let name = format!(
                "{dialect}/{}",
                p.file_name().expect("a file name").to_string_lossy()
            );
            out.push((name, std::fs::read(&p).expect("readable capture")));
        }
    }
    assert!(
        out.len() >= 14,
        "all 10 + 4 captures must be found, got {}",
        out.len()
    );
    out
}

fn busy_hour() -> Vec<u8> {
    let path = fixtures_dir("ami").join("busy-hour.ami.gz");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("busy-hour.ami.gz exists"))
        .read_to_end(&mut out)
        .expect("busy-hour.ami.gz is valid gzip");
    out
}

/// Feeds `input` in reads ending at each of `cuts`, then EOF, collecting every frame.
fn decode_split(input: &[u8], cuts: &[usize]) -> Vec<Frame> {
    let mut codec = AmiCodec::client();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut from = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        buf.extend_from_slice(&input[from..cut]);
        from = cut;
        while let Some(f) = codec.decode(&mut buf).expect("captures are well formed") {
            frames.push(f);
        }
    }
    while let Some(f) = codec
        .decode_eof(&mut buf)
        .expect("captures end on a packet boundary")
    {
        frames.push(f);
    }
    frames
}

/// Independent count: every packet in these captures ends with an empty
/// CRLF line, and no field holds an empty line, so packets = "\r\n\r\n" count.
fn count_terminators(input: &[u8]) -> usize {
    input.windows(4).filter(|w| w == b"\r\n\r\n").count()
}

/// Independent count of lines starting with `prefix`.
fn count_lines_starting(input: &[u8], prefix: &[u8]) -> usize {
    input
        .split(|&b| b == b'\n')
        .filter(|l| l.starts_with(prefix))
        .count()
}

fn packets(frames: &[Frame]) -> Vec<&Packet> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::Packet(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// Checks one decoded capture against the bytes: banner, packet count,
/// per-kind counts, and that re-encoding reproduces the capture exactly.
fn check_against_capture(name: &str, input: &[u8], frames: &[Frame]) {
    let Some(Frame::Banner(banner)) = frames.first() else {
        panic!(
            "{name}: the first frame must be the banner, got {:?}",
            frames.first()
        );
    };
    let want_version = if name.starts_with("ami-1.3/") {
        "1.3"
    } else {
        "12.0.0"
    };
    assert_eq!(
        banner.version, want_version,
        "{name}: banner version as on the wire"
    );
    assert_eq!(
        banner.product, "Asterisk Call Manager",
        "{name}: banner product"
    );
    let pk = packets(frames);
    assert_eq!(
        pk.len() + 1,
        frames.len(),
        "{name}: nothing but one banner and packets: {frames:?}"
    );
    assert_eq!(
        pk.len(),
        count_terminators(input),
        "{name}: one packet per blank-line terminator"
    );
    for (key, wire) in [
        ("Event", &b"Event: "[..]),
        ("Response", b"Response: "),
        ("ActionID", b"ActionID: "),
    ] {
        let decoded: usize = pk.iter().map(|p| p.get_all(key).count()).sum();
        assert_eq!(
            decoded,
            count_lines_starting(input, wire),
            "{name}: every {key} line becomes a field"
        );
    }
    // The strongest check: the fields, re-encoded, give back the capture byte
    // for byte (every line in these captures is `Key: Value\r\n`), except
    // where Asterisk itself broke the framing: 23.4.1 answers the `Park`
    // action with `Message: Park successful\n\r\n\r\n` (a bare LF ending the
    // line, then a stray blank line), which the codec reads as the line end
    // it is meant to be. Only those two quirks are normalised away.
    let mut again = format!("{}\r\n", banner.raw).into_bytes();
    for p in &pk {
        p.encode_into(&mut again)
            .unwrap_or_else(|e| panic!("{name}: decoded fields re-encode: {e}"));
    }
    assert!(
        again == without_framing_quirks(input),
        "{name}: decoding then encoding must reproduce the capture exactly"
    );
}

/// The capture with each bare LF line end made CRLF and each run of blank
/// lines after a packet made the one blank line that ends it.
fn without_framing_quirks(input: &[u8]) -> Vec<u8> {
    let mut crlf = Vec::with_capacity(input.len());
    for (i, &b) in input.iter().enumerate() {
        if b == b'\n' && (i == 0 || input[i - 1] != b'\r') {
            crlf.push(b'\r');
        }
        crlf.push(b);
    }
    let mut out = Vec::with_capacity(crlf.len());
    for &b in &crlf {
        out.push(b);
        while out.ends_with(b"\r\n\r\n\r\n") {
            out.truncate(out.len() - 2);
        }
    }
    out
}

#[test]
fn every_capture_decodes_whole_and_matches_its_bytes() {
    for (name, input) in captures() {
        let frames = decode_split(&input, &[]);
        check_against_capture(&name, &input, &frames);
    }
}

#[test]
fn every_capture_decodes_the_same_byte_at_a_time() {
    for (name, input) in captures() {
        let whole = decode_split(&input, &[]);
        let cuts: Vec<usize> = (1..input.len()).collect();
        assert!(
            decode_split(&input, &cuts) == whole,
            "{name}: one-byte reads must not change the packets"
        );
    }
}

/// Every two-read split of every capture. Splitting the whole stream at each
/// of n points costs n² work, too slow for 60 KB files in a debug build, so
/// for each packet the decoder is cloned in the exact state it had when that
/// packet began in the unsplit run, and that packet's bytes are fed in two
/// reads at each point inside it. Bytes before and after a packet do not
/// reach it, so this covers every split point of the stream; the full-stream
/// splits below (small files, three-way samples, byte-at-a-time) check that
/// the state at a packet boundary does not depend on earlier splits.
#[test]
fn every_split_point_of_every_capture_gives_the_same_packets() {
    for (name, input) in captures() {
        let mut codec = AmiCodec::client();
        let mut buf = BytesMut::from(&input[..]);
        let mut start = 0;
        loop {
            let before = codec.clone();
            let Some(frame) = codec.decode(&mut buf).expect("captures are well formed") else {
                break;
            };
            let end = input.len() - buf.len();
            let segment = &input[start..end];
            for cut in 1..segment.len() {
                let mut c = before.clone();
                let mut b = BytesMut::from(&segment[..cut]);
                let mut got = Vec::new();
                while let Some(f) = c.decode(&mut b).expect("a prefix never errors") {
                    got.push(f);
                }
                b.extend_from_slice(&segment[cut..]);
                while let Some(f) = c.decode(&mut b).expect("a packet never errors") {
                    got.push(f);
                }
                assert!(
                    got.len() == 1 && got[0] == frame && b.is_empty(),
                    "{name}: split at byte {} gave {got:?}, want {frame:?}",
                    start + cut
                );
            }
            start = end;
        }
        assert_eq!(start, input.len(), "{name}: the whole capture was consumed");
    }
}

#[test]
fn every_split_point_of_the_whole_stream_for_the_smallest_captures() {
    for (name, input) in captures().into_iter().filter(|(_, i)| i.len() <= 5_000) {
        let whole = decode_split(&input, &[]);
        for cut in 1..input.len() {
            assert!(
                decode_split(&input, &[cut]) == whole,
                "{name}: split at {cut} changed the packets"
            );
        }
    }
}

#[test]
fn three_way_splits_on_a_sample_of_points() {
    for (name, input) in captures() {
        let whole = decode_split(&input, &[]);
        let n = input.len();
        // A fixed, spread-out sample of cut pairs (no RNG, so failures replay).
        for i in 1..40usize {
            let a = (i * 7919) % n;
            let b = (a + (i * 104_729) % (n - a).max(1)).min(n);
            assert!(
                decode_split(&input, &[a, b]) == whole,
                "{name}: cuts at {a} and {b} changed the packets"
            );
        }
    }
}

#[test]
fn busy_hour_has_the_events_of_the_capture() {
    let input = busy_hour();
    let frames = decode_split(&input, &[]);
    check_against_capture("ami/busy-hour", &input, &frames);
    let pk = packets(&frames);
    let events = pk.iter().filter(|p| p.event().is_some()).count();
    // 31,814 is `zgrep -c '^Event: '` on the capture (busy-hour.json gives call
    // counts, not an event count).
    assert_eq!(events, 31_814, "every event of the busy hour decodes");
    for ev in ["DialBegin", "DialEnd", "Newchannel", "Hangup", "Cdr"] {
        let wire = count_lines_starting(&input, format!("Event: {ev}\r").as_bytes());
        let decoded = pk.iter().filter(|p| p.event() == Some(ev)).count();
        assert_eq!(decoded, wire, "{ev}: one packet per 'Event: {ev}' line");
        assert!(wire > 0, "{ev} occurs in a busy hour of real calls");
    }
    // 300 external + 150 internal calls, each dials exactly one phone.
    assert_eq!(
        pk.iter().filter(|p| p.event() == Some("DialBegin")).count(),
        450,
        "one DialBegin per call"
    );
}

/// The busy-hour capture, decoded once and shared by the proptest cases.
fn busy_hour_reference() -> &'static (Vec<u8>, Vec<Frame>) {
    static REF: std::sync::OnceLock<(Vec<u8>, Vec<Frame>)> = std::sync::OnceLock::new();
    REF.get_or_init(|| {
        let input = busy_hour();
        let frames = decode_split(&input, &[]);
        (input, frames)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Random read sizes over the 14 MB busy hour, from tiny to large.
    #[test]
    fn busy_hour_decodes_the_same_under_random_reads(seed in any::<u64>(), max_read in prop_oneof![1usize..64, 64usize..70_000]) {
        let (input, whole) = busy_hour_reference();
        let mut cuts = Vec::new();
        let mut state = seed | 1;
        let mut at = 0usize;
        loop {
            // xorshift: cheap reproducible read sizes from the seed.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            at += 1 + (state as usize) % max_read;
            if at >= input.len() { break; }
            cuts.push(at);
        }
        let got = decode_split(input, &cuts);
        prop_assert!(got == *whole, "random reads (max {}) changed the packets", max_read);
    }

    /// Random split points over each small capture.
    #[test]
    fn small_captures_decode_the_same_under_random_splits(cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12)) {
        for (name, input) in captures() {
            let whole = decode_split(&input, &[]);
            let mut at: Vec<usize> = cuts.iter().map(|i| i.index(input.len())).collect();
            at.sort_unstable();
            at.dedup();
            prop_assert!(decode_split(&input, &at) == whole, "{}: cuts {:?} changed the packets", name, at);
        }
    }
}
