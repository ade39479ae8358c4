//! The AMI decoder on arbitrary bytes cut at arbitrary points.
//!
//! Checks, beyond "never panics": (1) the frames do not depend on how the
//! stream was split into reads (decoding all at once gives the same frames);
//! (2) the buffer stays within the caps plus one read, whatever the input;
//! (3) every decoded packet that can be encoded decodes back to itself.
//! Small caps are used so the oversized-line/packet paths are reached.
#![no_main]

use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use ringside_ami::{AmiCodec, Frame};
use tokio_util::codec::Decoder;

#[derive(Debug, Arbitrary)]
struct Input {
    banner: bool,
    max_line: u8,
    max_packet: u16,
    cuts: Vec<u8>,
    data: Vec<u8>,
}

fn codec(i: &Input) -> AmiCodec {
    let c = if i.banner { AmiCodec::client() } else { AmiCodec::server() };
    c.with_limits(usize::from(i.max_line) + 16, usize::from(i.max_packet % 4096) + 64)
}

/// Decodes everything in `buf`, then at EOF; collects frames. Returns None on an I/O error.
fn drain(c: &mut AmiCodec, buf: &mut BytesMut, out: &mut Vec<Frame>, eof: bool) -> bool {
    loop {
        let r = if eof { c.decode_eof(buf) } else { c.decode(buf) };
        match r {
            Ok(Some(f)) => out.push(f),
            Ok(None) => return true,
            Err(_) => return false,
        }
    }
}

fuzz_target!(|i: Input| {
    let max_line = usize::from(i.max_line) + 16;
    let max_packet = usize::from(i.max_packet % 4096) + 64;

    // All at once.
    let mut whole = Vec::new();
    let mut c = codec(&i);
    let mut buf = BytesMut::from(&i.data[..]);
    let ok_whole = drain(&mut c, &mut buf, &mut whole, false) && drain(&mut c, &mut buf, &mut whole, true);

    // Cut into reads at the fuzzer's points.
    let mut split = Vec::new();
    let mut c = codec(&i);
    let mut buf = BytesMut::new();
    let mut rest = &i.data[..];
    let mut cuts = i.cuts.iter().cycle();
    let mut ok_split = true;
    while !rest.is_empty() && ok_split {
        let n = if i.cuts.is_empty() { 1 } else { usize::from(*cuts.next().unwrap_or(&1)) + 1 }.min(rest.len());
        buf.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        ok_split = drain(&mut c, &mut buf, &mut split, false);
        assert!(
            buf.len() <= max_line + max_packet + n + 64,
            "buffer must stay within the caps plus one read: {} bytes held (line cap {max_line}, packet cap {max_packet}, read {n})",
            buf.len()
        );
    }
    if ok_split {
        ok_split = drain(&mut c, &mut buf, &mut split, true);
    }
    assert_eq!(ok_whole, ok_split, "an I/O error must not depend on how the input was split");
    if ok_whole {
        assert_eq!(whole, split, "frames must not depend on how the input was split into reads");
    }

    // Round trip: what decodes and can be encoded again decodes to the same packet.
    for f in &whole {
        let Frame::Packet(p) = f else { continue };
        if p.is("Response", "Follows") {
            continue; // raw command output has a wire form of its own
        }
        let Ok(bytes) = p.to_bytes() else { continue };
        let mut c = AmiCodec::server();
        let mut b = BytesMut::from(&bytes[..]);
        let mut again = Vec::new();
        assert!(drain(&mut c, &mut b, &mut again, false) && drain(&mut c, &mut b, &mut again, true), "re-encoded packet must decode");
        let packets: Vec<_> = again.iter().filter_map(|f| if let Frame::Packet(q) = f { Some(q) } else { None }).collect();
        if p.is_empty() {
            continue;
        }
        assert_eq!(packets, vec![p], "an encoded packet must decode back to itself");
    }
});
