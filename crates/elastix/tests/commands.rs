//! Every API command against the test server over HTTPS, answering with the
//! API document's example bytes: what the client sends (POST, form body,
//! raw token header, `cmd` in the query) and what it makes of the answers.

mod common;

use std::time::Duration;

use common::*;
use ringside_elastix::testserver::{synthetic_wav, SEED_CDRREPORT};
use ringside_elastix::{
    CdrField, CdrQuery, CdrStatus, Disposition, Error, PeerKind, PeerPresence, PeerStatus,
    RecordingFilter, RecordingName,
};

#[tokio::test]
async fn cdrreport_returns_every_row_of_the_seed_with_every_field() {
    let server = seed_server().await;
    let client = pinned_client(&server);
    let rows = client
        .cdr_report(&CdrQuery::default())
        .await
        .expect("the seed answer parses");
    assert_eq!(rows.len(), 4, "the API document's example has four rows");

    let r = &rows[1];
    assert_eq!(
        r.calldate.to_string(),
        "2015-12-05 15:26:49",
        "calldate keeps the PBX's text"
    );
    assert_eq!(
        r.clid, "\"05396666666\" <05396666666>",
        "escaped quotes in clid are decoded"
    );
    assert_eq!(
        (r.src.as_str(), r.dst.as_str()),
        ("05396666666", "101"),
        "src and dst as sent"
    );
    assert_eq!(r.dcontext, "from-did-direct", "dcontext as sent");
    assert_eq!(
        r.channel, "SIP/902422277777-00000032",
        "PHP's \\/ escapes become /"
    );
    assert_eq!(r.dstchannel, "SIP/101-00000033", "dstchannel as sent");
    assert_eq!(
        (r.lastapp.as_str(), r.lastdata.as_str()),
        ("Dial", "SIP/101,,tr"),
        "last application and data"
    );
    assert_eq!(
        (r.duration, r.billsec),
        (53, 26),
        "numbers given as strings are read as numbers"
    );
    assert_eq!(r.disposition, Disposition::Answered, "ANSWERED");
    assert_eq!(r.amaflags, 3, "amaflags as a number");
    assert_eq!(r.uniqueid, "1449322009.66", "uniqueid as sent");
    assert_eq!(
        r.recordingfile, "exten-101-05396666666-20151205-152659-1449322009.66.wav",
        "recording file name"
    );
    assert_eq!(
        (r.cnum.as_str(), r.cnam.as_str()),
        ("05396666666", "05396666666"),
        "FreePBX caller fields"
    );
    assert!(
        r.accountcode.is_empty() && r.userfield.is_empty() && r.outbound_cnum.is_empty(),
        "empty columns stay empty"
    );
    assert!(
        r.outbound_cnam.is_empty() && r.dst_cnam.is_empty(),
        "empty columns stay empty"
    );
    assert_eq!(r.did, "902422277777", "did as sent");
    assert_eq!(
        rows[3].disposition,
        Disposition::NoAnswer,
        "NO ANSWER has a space and is still recognized"
    );
    assert_eq!(
        rows[3].channel, "Local/100@from-queue-00000008;2",
        "Local channel names survive intact"
    );

    let shown = format!("{client:?}");
    assert!(
        !shown.contains(&server.token()),
        "the client's Debug output must not show the token: {shown}"
    );

    let seen = server.requests();
    let req = seen.last().expect("the server saw the request");
    assert_eq!(req.method, "POST", "the API document asks for POST");
    assert_eq!(req.command, "cdrreport", "cmd travels in the query string");
    assert!(
        req.authorized,
        "the raw token is sent in the Authorization header"
    );
    assert_eq!(
        req.content_type, "application/x-www-form-urlencoded",
        "the documented content type"
    );
}

#[tokio::test]
async fn cdrreport_filters_travel_as_form_parameters() {
    let server = seed_server().await;
    let client = pinned_client(&server);
    let query = CdrQuery {
        start_date: Some("2017-12-05 00:00:00".parse().expect("valid")),
        end_date: Some("2017-12-07 23:59:59".parse().expect("valid")),
        status: CdrStatus::NoAnswer,
        field: Some((CdrField::Src, "0539%".into())),
        limit: Some(100),
        recordings: RecordingFilter::Only,
    };
    client
        .cdr_report(&query)
        .await
        .expect("the seed answer parses whatever the filters");
    let req = server.requests().pop().expect("one request");
    let form: Vec<(&str, &str)> = req
        .form
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        form,
        vec![
            ("start_date", "2017-12-05 00:00:00"),
            ("end_date", "2017-12-07 23:59:59"),
            ("field_name", "src"),
            ("field_pattern", "0539%"),
            ("status", "NO ANSWER"),
            ("limit", "100"),
            ("recordings", "only"),
        ],
        "every filter reaches the PBX with the parameter names and values the API document lists"
    );
}

#[tokio::test]
async fn sippeers_gives_typed_peers_with_presence_and_kind() {
    let server = seed_server().await;
    let peers = pinned_client(&server)
        .sip_peers()
        .await
        .expect("the seed answer parses");
    assert_eq!(peers.len(), 3, "the example lists three peers");
    let p100 = &peers[0];
    assert_eq!(p100.name, "100", "ObjectName is the peer's name");
    assert_eq!(
        p100.status,
        PeerStatus::Reachable {
            latency_ms: Some(89)
        },
        "OK (89 ms) is reachable in 89 ms"
    );
    assert_eq!(
        p100.presence(),
        PeerPresence::Available,
        "a reachable phone is available"
    );
    assert_eq!(
        p100.kind,
        PeerKind::Extension,
        "a dynamic peer named 100 is a phone"
    );
    assert_eq!(
        (p100.ip_address.as_deref(), p100.ip_port),
        (Some("1.1.1.1"), Some(1025)),
        "its registered address"
    );
    assert!(
        p100.dynamic && p100.acl && !p100.force_rport,
        "yes/no flags are read"
    );
    assert_eq!(
        peers[1].status,
        PeerStatus::Reachable {
            latency_ms: Some(241)
        },
        "the second phone's latency"
    );
    let trunk = &peers[2];
    assert_eq!(
        trunk.kind,
        PeerKind::Trunk,
        "a static peer named by a 12-digit account number is a trunk"
    );
    assert_eq!(
        trunk.presence(),
        PeerPresence::Available,
        "the trunk answers qualify"
    );
}

#[tokio::test]
async fn activecall_gives_channels_and_the_summary_counters() {
    let server = seed_server().await;
    let live = pinned_client(&server)
        .active_calls()
        .await
        .expect("the seed answer parses");
    assert_eq!(
        live.channels.len(),
        8,
        "eight channel objects precede the summary lines"
    );
    assert_eq!(live.active_channels, Some(8), "\"8 active channels\"");
    assert_eq!(live.active_calls, Some(4), "\"4 active calls\"");
    assert_eq!(
        live.calls_processed,
        Some(12164),
        "\"12164 calls processed\""
    );
    assert!(
        live.other_lines.is_empty(),
        "every summary line of the example is understood"
    );
    let c = &live.channels[4];
    assert_eq!(
        c.channel, "SIP/902422277777-000",
        "Asterisk's 20-character cut is kept as sent"
    );
    assert_eq!(
        (c.context.as_str(), c.extension.as_str(), c.priority),
        ("ext-queues", "0001", 40),
        "location"
    );
    assert_eq!(
        c.duration,
        Some(Duration::from_secs(139)),
        "00:02:19 is 139 s"
    );
    assert_eq!(
        c.bridged_to.as_deref(),
        Some("Local/200"),
        "bridged peer as sent"
    );
    assert_eq!(
        live.channels[0].bridged_to, None,
        "(None) means not bridged"
    );
    assert_eq!(live.channels[0].caller_id, "2003", "CallerID");
}

#[tokio::test]
async fn a_recording_streams_to_a_file_under_the_name_built_from_the_cdr_row() {
    let server = seed_server().await;
    let client = pinned_client(&server);
    let rows = ringside_elastix::cdr::parse_cdr_rows(SEED_CDRREPORT).expect("seed parses");
    let name = RecordingName::for_call(&rows[1].calldate, &rows[1].recordingfile)
        .expect("a plain file name");
    assert_eq!(
        name.as_str(),
        "/2015/12/05/exten-101-05396666666-20151205-152659-1449322009.66.wav",
        "the API document's /YYYY/MM/DD/<file> form"
    );
    let wav = synthetic_wav(3);
    server.add_recording(name.as_str(), wav.clone());

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name.file_name());
    let n = client
        .recording_to_file(&name, &path)
        .await
        .expect("the recording downloads");
    assert_eq!(n, wav.len() as u64, "every byte is reported");
    assert_eq!(
        std::fs::read(&path).expect("saved file"),
        wav,
        "the file holds exactly the PBX's bytes"
    );
    assert!(
        !dir.path()
            .join(format!("{}.part", name.file_name()))
            .exists(),
        "the partial file is renamed away, not left behind"
    );
    let req = server.requests().pop().expect("one request");
    assert_eq!(req.command, "getwavfile", "the documented command");
    assert_eq!(
        req.query
            .iter()
            .find(|(k, _)| k == "name")
            .map(|(_, v)| v.as_str()),
        Some(name.as_str()),
        "the name reaches the PBX unchanged after URL encoding"
    );

    let mut buf = Vec::new();
    let n = client
        .recording_to_writer(&name, &mut buf)
        .await
        .expect("streams to any writer");
    assert_eq!(
        (n, buf),
        (wav.len() as u64, wav),
        "the writer receives the same bytes"
    );
}

#[tokio::test]
async fn a_missing_recording_is_a_clear_not_found_and_leaves_no_file() {
    let server = seed_server().await;
    let client = pinned_client(&server);
    let name =
        RecordingName::parse("/2015/12/08/out-05333333333-101-20151208-102449-1449563089.106.wav")
            .expect("plain");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name.file_name());
    let err = client
        .recording_to_file(&name, &path)
        .await
        .expect_err("the server has no such recording");
    assert!(
        matches!(err, Error::RecordingNotFound { .. }),
        "the seed's 404 answer is 'not found', got {err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("no recording for this call on the PBX"),
        "plain words: {err}"
    );
    assert!(!path.exists(), "nothing is saved for a missing recording");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "not even a partial file"
    );
}
