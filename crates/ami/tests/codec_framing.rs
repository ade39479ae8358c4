//! Framing edge cases of [`AmiCodec`] that the real captures do not contain:
//! bare LF and mixed line ends, stray blank lines, Asterisk ≤ 13
//! `Response: Follows` command output (built from the Yeastar seed), invalid
//! UTF-8, oversized packets and endless lines with bounded memory, arbitrary
//! bytes without panics, and the encoder refusing injected line breaks.

use bytes::BytesMut;
use proptest::prelude::*;
use ringside_ami::{AmiCodec, CodecError, EncodeError, Frame, Packet};
use tokio_util::codec::{Decoder, Encoder};

/// Decodes `input` as one read followed by EOF.
fn decode_all(mut codec: AmiCodec, input: &[u8]) -> Vec<Frame> {
    let mut buf = BytesMut::from(input);
    let mut frames = Vec::new();
    while let Some(f) = codec
        .decode_eof(&mut buf)
        .expect("well-formed input decodes")
    {
        frames.push(f);
    }
    frames
}

/// Decodes `input` one byte per read, which must give the same frames.
fn decode_bytewise(mut codec: AmiCodec, input: &[u8]) -> Vec<Frame> {
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for &b in input {
        buf.extend_from_slice(&[b]);
        while let Some(f) = codec.decode(&mut buf).expect("well-formed input decodes") {
            frames.push(f);
        }
    }
    while let Some(f) = codec
        .decode_eof(&mut buf)
        .expect("well-formed input decodes")
    {
        frames.push(f);
    }
    frames
}

/// Decodes both ways, checks they agree and returns the packets.
fn packets(codec: AmiCodec, input: &[u8]) -> Vec<Packet> {
    let whole = decode_all(codec.clone(), input);
    assert_eq!(
        decode_bytewise(codec, input),
        whole,
        "byte-at-a-time reads must give the same frames"
    );
    whole
        .into_iter()
        .map(|f| match f {
            Frame::Packet(p) => p,
            other => panic!("only packets expected here, got {other:?}"),
        })
        .collect()
}

fn fields(p: &Packet) -> Vec<(&str, &str)> {
    p.fields().collect()
}

#[test]
fn bare_lf_mixed_line_ends_and_stray_blank_lines() {
    let input = b"\r\n\nEvent: A\nX: 1\r\n\n\r\n\r\n\nEvent: B\r\nY: 2\n\r\n\n";
    let got = packets(AmiCodec::server(), input);
    assert_eq!(
        got.len(),
        2,
        "stray blank lines never make empty packets: {got:?}"
    );
    assert_eq!(
        fields(&got[0]),
        [("Event", "A"), ("X", "1")],
        "bare LF and CRLF lines in one packet"
    );
    assert_eq!(
        fields(&got[1]),
        [("Event", "B"), ("Y", "2")],
        "a CRLF packet ended by a bare LF blank line"
    );
}

#[test]
fn keys_keep_order_repeats_and_values_keep_all_but_one_space() {
    let input = b"Event: VarSet\r\nVariable: A=1\r\nvariable:B=2\r\nValue:  two spaces \r\nColon: a: b\r\nNoColon\r\nEmpty:\r\n\r\n";
    let got = packets(AmiCodec::server(), input);
    assert_eq!(
        fields(&got[0]),
        [
            ("Event", "VarSet"),
            ("Variable", "A=1"),
            ("variable", "B=2"),
            ("Value", " two spaces "),
            ("Colon", "a: b"),
            ("NoColon", ""),
            ("Empty", "")
        ],
        "split at the first colon, drop one leading space, keep order and repeats"
    );
    assert_eq!(
        got[0].get_all("VARIABLE").collect::<Vec<_>>(),
        ["A=1", "B=2"],
        "repeats read case-insensitively"
    );
}

#[test]
fn client_mode_reads_the_banner_and_survives_a_missing_one() {
    let frames = decode_all(
        AmiCodec::client(),
        b"Asterisk Call Manager/2.10.4\r\nResponse: Success\r\n\r\n",
    );
    let Some(Frame::Banner(b)) = frames.first() else {
        panic!("banner first: {frames:?}")
    };
    assert_eq!(
        (b.raw.as_str(), b.product.as_str(), b.version.as_str()),
        (
            "Asterisk Call Manager/2.10.4",
            "Asterisk Call Manager",
            "2.10.4"
        ),
        "the banner is split at its last slash"
    );
    assert!(
        matches!(&frames[1..], [Frame::Packet(p)] if p.is("Response", "Success")),
        "then the packet: {frames:?}"
    );

    let mut codec = AmiCodec::client();
    let mut buf = BytesMut::from(&b"Response: Success\r\nMessage: hi\r\n\r\n"[..]);
    let frame = codec.decode(&mut buf).expect("no banner is not an error");
    assert!(
        matches!(&frame, Some(Frame::Packet(p)) if p.get("Message") == Some("hi") && p.len() == 2),
        "without a banner the first line is a field: {frame:?}"
    );
    assert!(codec.banner().is_none(), "no banner was seen");
}

#[test]
fn server_mode_never_takes_the_first_line_for_a_banner() {
    let got = packets(
        AmiCodec::server(),
        b"Action: Login\r\nUsername: u\r\nSecret: s\r\n\r\n",
    );
    assert_eq!(
        got[0].action_name(),
        Some("Login"),
        "actions have no banner before them"
    );
}

/// The first example in `seeds/000_*.txt` (Yeastar S-Series AMI guide), byte
/// for byte as it spells out the line ends: output lines end in bare `\n`.
#[test]
fn follows_output_from_the_yeastar_seed() {
    let input = b"Response: Follows\r\n\
Channel Location State Application(Data)\n\
PJSIP/x7065551212b-1af (None) Ringing AppDial((Outgoing Line))\n\
PJSIP/x7065551212c-2aa 29@default:2 Ring Dial(PJSIP/x7065551212b)\n\
2 active channels\n\
1 active call\r\n\
--END COMMAND--\r\n\
\r\n\
Event: FullyBooted\r\n\r\n";
    let got = packets(AmiCodec::server(), input);
    assert_eq!(
        got.len(),
        2,
        "the Follows packet ends at END COMMAND's blank line, then the next packet: {got:?}"
    );
    assert!(got[0].is("Response", "Follows"), "the header is a field");
    assert_eq!(
        got[0].get_all("Output").collect::<Vec<_>>(),
        [
            "Channel Location State Application(Data)",
            "PJSIP/x7065551212b-1af (None) Ringing AppDial((Outgoing Line))",
            "PJSIP/x7065551212c-2aa 29@default:2 Ring Dial(PJSIP/x7065551212b)",
            "2 active channels",
            "1 active call",
        ],
        "each raw line is one Output field, as Asterisk 14+ sends them"
    );
    assert_eq!(
        got[1].event(),
        Some("FullyBooted"),
        "the stream stays in sync after the output"
    );
}

/// The seed's `core show version` example (Asterisk 13.7.0): `Privilege` and
/// `ActionID` headers, then one output line.
#[test]
fn follows_headers_from_the_yeastar_seed() {
    let input = b"Response: Follows\r\nPrivilege: Command\r\nActionID: #10001\r\n\
Asterisk 13.7.0 built by root @ kyo6057 on a i686 running Linux on 2016-10-29 02:36:01 UTC\n\
--END COMMAND--\r\n\r\n";
    let got = packets(AmiCodec::server(), input);
    assert_eq!(
        got[0].action_id(),
        Some("#10001"),
        "headers before the output stay fields"
    );
    assert_eq!(
        got[0].get("Privilege"),
        Some("Command"),
        "headers before the output stay fields"
    );
    assert_eq!(
        got[0].get_all("Output").collect::<Vec<_>>(),
        ["Asterisk 13.7.0 built by root @ kyo6057 on a i686 running Linux on 2016-10-29 02:36:01 UTC"],
        "a line with colons in it is output, not a field"
    );
}

#[test]
fn follows_output_keeps_empty_lines_colon_lines_and_a_glued_end_marker() {
    let input = b"Response: Follows\r\nPrivilege: Command\r\nActionID: 9\r\n\
Name/username: Host\n\
\n\
Key: Value\n\
\n\
last line--END COMMAND--\r\n\r\n\
Response: Success\r\nActionID: 10\r\n\r\n";
    let got = packets(AmiCodec::server(), input);
    assert_eq!(
        got.len(),
        2,
        "blank lines inside output do not end the packet: {got:?}"
    );
    assert_eq!(
        got[0].get_all("Output").collect::<Vec<_>>(),
        ["Name/username: Host", "", "Key: Value", "", "last line"],
        "empty and Key: Value-looking output lines are output; the glued marker is cut off"
    );
    assert_eq!(got[0].get("Key"), None, "output never turns into fields");
    assert_eq!(got[1].action_id(), Some("10"), "the next packet is intact");
}

#[test]
fn follows_in_bare_lf_and_with_no_output_at_all() {
    let got = packets(
        AmiCodec::server(),
        b"Response: Follows\nPrivilege: Command\nActionID: 3\nok\n--END COMMAND--\n\n",
    );
    assert_eq!(
        fields(&got[0]),
        [
            ("Response", "Follows"),
            ("Privilege", "Command"),
            ("ActionID", "3"),
            ("Output", "ok"),
        ],
        "bare-LF streams keep the known headers as fields"
    );
    let got = packets(
        AmiCodec::server(),
        b"Response: Follows\r\nActionID: 4\r\n--END COMMAND--\r\n\r\n",
    );
    assert_eq!(
        got[0].get_all("Output").count(),
        0,
        "a command with no output has no Output fields"
    );
}

#[test]
fn native_output_lines_read_the_same_way() {
    let got = packets(
        AmiCodec::server(),
        b"Response: Success\r\nMessage: Command output follows\r\nOutput: a: b\r\nOutput: \r\n\r\n",
    );
    assert_eq!(
        got[0].get_all("Output").collect::<Vec<_>>(),
        ["a: b", ""],
        "Asterisk 14+ Output lines"
    );
}

#[test]
fn invalid_utf8_is_replaced_per_field_and_never_moves_a_boundary() {
    let input = b"Event: Newchannel\r\nCallerIDName: Caf\xe9 \xff\xfe\r\nExten: 1001\r\n\r\nEvent: \xc3\r\n\r\n";
    let got = packets(AmiCodec::server(), input);
    assert_eq!(got.len(), 2, "invalid bytes never break framing");
    assert_eq!(
        got[0].get("CallerIDName"),
        Some("Caf\u{fffd} \u{fffd}\u{fffd}"),
        "lossy per field"
    );
    assert_eq!(
        got[0].get("Exten"),
        Some("1001"),
        "the field after the bad one is untouched"
    );
    assert_eq!(
        got[1].event(),
        Some("\u{fffd}"),
        "a truncated sequence is one replacement character"
    );
}

#[test]
fn an_oversized_packet_is_skipped_and_the_next_one_comes_out() {
    let mut big = b"Event: Big\r\n".to_vec();
    for i in 0..200 {
        big.extend_from_slice(
            format!("Variable: v{i}=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n").as_bytes(),
        );
    }
    big.extend_from_slice(b"\r\n");
    let big_len = big.len();
    let mut input = big;
    input.extend_from_slice(b"Event: Small\r\n\r\n");
    let codec = AmiCodec::server().with_limits(1024, 4096);
    for frames in [
        decode_all(codec.clone(), &input),
        decode_bytewise(codec, &input),
    ] {
        assert!(
            matches!(frames.as_slice(), [Frame::Oversized { bytes }, Frame::Packet(p)] if *bytes == big_len && p.event() == Some("Small")),
            "the oversized packet is reported with its size, then decoding goes on: {frames:?}"
        );
    }
}

#[test]
fn an_oversized_line_is_skipped_to_its_packet_end() {
    let mut input = b"Event: Long\r\nCallerIDName: ".to_vec();
    input.extend(std::iter::repeat_n(b'x', 5000));
    input.extend_from_slice(b"\r\nMore: 1\r\n\r\n");
    let long_len = input.len();
    input.extend_from_slice(b"Event: After\r\n\r\n");
    let frames = decode_all(AmiCodec::server().with_limits(100, 1 << 20), &input);
    assert!(
        matches!(frames.as_slice(), [Frame::Oversized { bytes }, Frame::Packet(p)] if *bytes == long_len && p.event() == Some("After")),
        "one line over the line cap discards its whole packet only: {frames:?}"
    );
}

#[test]
fn an_oversized_follows_packet_is_skipped_past_its_blank_output_lines() {
    let mut input = b"Response: Follows\r\nPrivilege: Command\r\n".to_vec();
    for _ in 0..100 {
        input.extend_from_slice(b"some output line\n\n");
    }
    input.extend_from_slice(b"--END COMMAND--\r\n\r\nEvent: After\r\n\r\n");
    let frames = decode_all(AmiCodec::server().with_limits(1024, 512), &input);
    assert!(
        matches!(frames.as_slice(), [Frame::Oversized { .. }, Frame::Packet(p)] if p.event() == Some("After")),
        "blank output lines do not end a skipped Follows packet early: {frames:?}"
    );
}

#[test]
fn a_line_with_no_end_is_discarded_with_bounded_memory() {
    let mut codec = AmiCodec::server();
    let mut buf = BytesMut::with_capacity(64 * 1024);
    buf.extend_from_slice(b"Event: Flood\r\nData: ");
    let chunk = vec![b'A'; 64 * 1024];
    let mut max_capacity = 0;
    // 10 MiB with no newline, in socket-sized reads.
    for _ in 0..160 {
        buf.extend_from_slice(&chunk);
        let frame = codec
            .decode(&mut buf)
            .expect("an endless line is not an error");
        assert!(frame.is_none(), "nothing is complete yet: {frame:?}");
        max_capacity = max_capacity.max(buf.capacity());
    }
    // The default caps are 64 KiB per line and 1 MiB per packet: the buffer
    // may hold one cap plus one read, never the 10 MiB fed.
    assert!(
        max_capacity <= 3 * 1024 * 1024,
        "buffer capacity stayed bounded, got {max_capacity}"
    );
    buf.extend_from_slice(b"\r\n\r\nEvent: Next\r\n\r\n");
    let frame = codec.decode(&mut buf).expect("the flood ends cleanly");
    let fed = 14 + 6 + 160 * 64 * 1024 + 4;
    assert!(
        matches!(frame, Some(Frame::Oversized { bytes }) if bytes == fed),
        "the whole flooded packet is reported once it ends: {frame:?}"
    );
    let frame = codec.decode(&mut buf).expect("decoding goes on");
    assert!(
        matches!(&frame, Some(Frame::Packet(p)) if p.event() == Some("Next")),
        "{frame:?}"
    );
}

#[test]
fn a_hundred_mib_packet_streams_through_bounded() {
    let mut codec = AmiCodec::server();
    let mut buf = BytesMut::new();
    buf.extend_from_slice(b"Event: Huge\r\n");
    let line = b"Variable: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let chunk: Vec<u8> = line
        .iter()
        .copied()
        .cycle()
        .take(line.len() * 1000)
        .collect();
    let mut fed = 13;
    let mut max_capacity = 0;
    while fed < 100 << 20 {
        buf.extend_from_slice(&chunk);
        fed += chunk.len();
        assert!(
            codec
                .decode(&mut buf)
                .expect("no error while skipping")
                .is_none(),
            "no frame until the end"
        );
        max_capacity = max_capacity.max(buf.capacity());
    }
    assert!(
        max_capacity <= 3 * 1024 * 1024,
        "memory stays bounded under a 100 MiB packet, got {max_capacity}"
    );
    buf.extend_from_slice(b"\r\nEvent: Next\r\n\r\n");
    let frame = codec.decode(&mut buf).expect("the end of the huge packet");
    assert!(
        matches!(frame, Some(Frame::Oversized { bytes }) if bytes == fed + 2),
        "{frame:?}"
    );
    let frame = codec.decode(&mut buf).expect("decoding goes on");
    assert!(
        matches!(&frame, Some(Frame::Packet(p)) if p.event() == Some("Next")),
        "{frame:?}"
    );
}

#[test]
fn byte_at_a_time_megabyte_is_linear() {
    let one = b"Event: Newstate\r\nPrivilege: call,all\r\nChannel: PJSIP/1001-00000012\r\nChannelState: 5\r\n\r\n";
    let input: Vec<u8> = one
        .iter()
        .copied()
        .cycle()
        .take((1 << 20) / one.len() * one.len())
        .collect();
    let started = std::time::Instant::now();
    let n = decode_bytewise(AmiCodec::server(), &input).len();
    assert_eq!(n, input.len() / one.len(), "every packet decodes");
    // Quadratic rescanning would take minutes here; linear takes well under a
    // second even unoptimised. The bound is loose for a busy CI machine.
    assert!(
        started.elapsed().as_secs() < 20,
        "byte-at-a-time decoding took {:?}",
        started.elapsed()
    );
}

#[test]
fn eof_in_the_middle_of_a_packet_is_an_io_error() {
    let mut codec = AmiCodec::server();
    let mut buf = BytesMut::from(&b"Event: Cut\r\nChannel: PJSIP/10"[..]);
    let err = codec
        .decode_eof(&mut buf)
        .expect_err("a cut packet must not pass silently");
    assert!(
        matches!(err, CodecError::Io(ref e) if e.kind() == std::io::ErrorKind::UnexpectedEof),
        "{err:?}"
    );
}

#[test]
fn encoder_refuses_an_injected_action_and_writes_nothing() {
    let mut codec = AmiCodec::server();
    let mut dst = BytesMut::from(&b"earlier"[..]);
    let p = Packet::action("Originate")
        .with("Channel", "PJSIP/1000")
        .with("Exten", "1002\r\nAction: Originate");
    let err = codec
        .encode(&p, &mut dst)
        .expect_err("a CRLF in a value must be refused");
    assert!(
        matches!(err, CodecError::Encode(EncodeError::ForbiddenCharacter { ref field }) if field == "Exten"),
        "typed error naming the field: {err:?}"
    );
    assert_eq!(
        &dst[..],
        b"earlier",
        "nothing of the refused packet reaches the buffer"
    );
    let err = codec
        .encode(Packet::action("Ping").with("ActionID", "1\0"), &mut dst)
        .expect_err("NUL is refused");
    assert!(matches!(err, CodecError::Encode(_)), "{err:?}");
    assert_eq!(&dst[..], b"earlier", "nothing written for NUL either");
}

#[test]
fn encoder_output_decodes_back_to_the_same_packet() {
    let mut codec = AmiCodec::server();
    let mut dst = BytesMut::new();
    let p = Packet::action("Originate")
        .with("Channel", "PJSIP/1000")
        .with("Variable", "A=1")
        .with("Variable", "B=: 2");
    codec.encode(&p, &mut dst).expect("a clean packet encodes");
    codec
        .encode(p.clone(), &mut dst)
        .expect("the owned form encodes too");
    assert_eq!(
        &dst[..dst.len() / 2],
        &p.to_bytes().expect("valid")[..],
        "same bytes as Packet::to_bytes"
    );
    let frames = decode_all(AmiCodec::server(), &dst);
    assert_eq!(
        frames,
        [Frame::Packet(p.clone()), Frame::Packet(p)],
        "encode then decode is the identity"
    );
}

proptest! {
    /// Arbitrary bytes, arbitrarily split, with tiny caps so the oversize
    /// paths run too: never a panic, and the buffer never grows past the caps.
    #[test]
    fn arbitrary_bytes_never_panic(
        data in prop::collection::vec(prop_oneof![any::<u8>(), Just(b'\n'), Just(b'\r'), Just(b':')], 0..2048),
        cuts in prop::collection::vec(1usize..64, 0..40),
        banner in any::<bool>(),
        tiny in any::<bool>(),
    ) {
        let mut codec = if banner { AmiCodec::client() } else { AmiCodec::server() };
        if tiny { codec = codec.with_limits(16, 64); }
        let mut buf = BytesMut::new();
        let mut rest = &data[..];
        for c in cuts.iter().copied().chain(std::iter::repeat(64)) {
            if rest.is_empty() { break; }
            let (now, later) = rest.split_at(c.min(rest.len()));
            rest = later;
            buf.extend_from_slice(now);
            while let Some(_frame) = codec.decode(&mut buf).expect("decode never errors before EOF") {}
            if tiny {
                prop_assert!(buf.len() <= 64 + 64, "caps bound the buffer: {} bytes held", buf.len());
            }
        }
        // At EOF: frames or an UnexpectedEof, never a panic.
        loop {
            match codec.decode_eof(&mut buf) {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(CodecError::Io(e)) => { prop_assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof); break; }
                Err(e) => prop_assert!(false, "only EOF errors come out of decoding: {e}"),
            }
        }
    }

    /// Any clean packet survives encode → decode, split anywhere.
    #[test]
    fn clean_packets_round_trip(
        fields in prop::collection::vec(("[A-Za-z][A-Za-z0-9_-]{0,12}", "[^\r\n\0]{0,40}"), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let p: Packet = fields.into_iter()
            .filter(|(k, v)| !(k.eq_ignore_ascii_case("Response") && v.eq_ignore_ascii_case("Follows")))
            .collect();
        prop_assume!(!p.is_empty());
        let bytes = p.to_bytes().expect("generated fields are clean");
        let at = cut.index(bytes.len());
        let mut codec = AmiCodec::server();
        let mut buf = BytesMut::from(&bytes[..at]);
        let first = codec.decode(&mut buf).expect("no error");
        buf.extend_from_slice(&bytes[at..]);
        let frame = match first { Some(f) => Some(f), None => codec.decode(&mut buf).expect("no error") };
        prop_assert_eq!(frame, Some(Frame::Packet(p)), "split at {}", at);
    }
}

/// The codec inside tokio-util's `FramedRead`, as the client uses it: a
/// stream of frames that ends cleanly at EOF after the last packet, and with
/// an `UnexpectedEof` error when the peer hangs up mid-packet.
#[tokio::test]
async fn framed_read_ends_cleanly_or_reports_a_cut_packet() {
    use futures::StreamExt;
    let input: &[u8] =
        b"Asterisk Call Manager/1.3\r\nResponse: Success\r\n\r\nEvent: A\r\n\r\n\r\n";
    let frames: Vec<_> = tokio_util::codec::FramedRead::new(input, AmiCodec::client())
        .collect()
        .await;
    assert_eq!(
        frames.len(),
        3,
        "banner and two packets, trailing blank line ignored: {frames:?}"
    );
    assert!(
        frames.iter().all(Result::is_ok),
        "a clean stream has no errors: {frames:?}"
    );

    let cut: &[u8] = b"Event: A\r\n\r\nEvent: B\r\nChan";
    let frames: Vec<_> = tokio_util::codec::FramedRead::new(cut, AmiCodec::server())
        .collect()
        .await;
    assert!(
        matches!(frames.first(), Some(Ok(Frame::Packet(p))) if p.event() == Some("A")),
        "{frames:?}"
    );
    assert!(
        matches!(frames.get(1), Some(Err(CodecError::Io(e))) if e.kind() == std::io::ErrorKind::UnexpectedEof),
        "the cut packet surfaces as an EOF error: {frames:?}"
    );
}

/// `channelvars` in both dialects: Asterisk 12+ sends `ChanVariable: N=V`,
/// Asterisk ≤ 11 `ChanVariable(<channel>): N=V`; repeats stay in order and a
/// colon inside an IAX2 channel name does not split the key.
#[test]
fn chan_variables_in_both_dialects_keep_order() {
    let input = b"Event: Newchannel\r\nChannel: IAX2/10.0.0.5:4569-123\r\n\
ChanVariable(IAX2/10.0.0.5:4569-123): CRM_ID=42\r\n\
ChanVariable(IAX2/10.0.0.5:4569-123): URL=http://x/\r\n\r\n\
Event: Newchannel\r\nChannel: PJSIP/1001-00000001\r\nChanVariable: CRM_ID=42\r\nChanVariable: URL=http://x/\r\n\r\n";
    let got = packets(AmiCodec::server(), input);
    assert_eq!(
        fields(&got[0])[2..],
        [
            ("ChanVariable(IAX2/10.0.0.5:4569-123)", "CRM_ID=42"),
            ("ChanVariable(IAX2/10.0.0.5:4569-123)", "URL=http://x/")
        ],
        "the old form keeps the channel in the key, in wire order"
    );
    assert_eq!(
        got[1].get_all("chanvariable").collect::<Vec<_>>(),
        ["CRM_ID=42", "URL=http://x/"],
        "the new form reads with get_all"
    );
}
