//! What the receptionist is told when something is wrong: certificates
//! (pinned, wrong pin, unknown self-signed, expired), the token, the host,
//! and answers that are cut off, of the wrong shape, web pages, too large
//! or too slow.

mod common;

use std::time::Duration;

use common::*;
use ringside_ami::{TlsFailureKind, TlsTrust};
use ringside_elastix::testserver::{
    CannedResponse, TestCertificate, TestServer, TestServerOptions,
};
use ringside_elastix::{CdrQuery, ElastixClient, ElastixConfig, Error, Secret};

#[tokio::test]
async fn the_pinned_certificate_is_accepted_and_another_pin_refused_naming_both() {
    let server = seed_server().await;
    assert!(
        pinned_client(&server).sip_peers().await.is_ok(),
        "the pinned self-signed certificate is trusted"
    );

    let other = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
    let client = client_with(
        &server,
        TlsTrust::pinned(other).expect("valid pin"),
        &server.token(),
    );
    let err = client
        .sip_peers()
        .await
        .expect_err("a different pin must refuse the certificate");
    let Error::Tls { failure, message } = &err else {
        panic!("a TLS error is expected, got {err:?}")
    };
    assert!(
        matches!(failure.kind, TlsFailureKind::PinMismatch { .. }),
        "it is a pin mismatch: {failure:?}"
    );
    assert!(
        message.contains(&server.fingerprint().to_string()),
        "the message names the certificate seen: {message}"
    );
    assert!(message.contains(other), "and the pinned one: {message}");
    assert!(
        server.requests().len() == 1,
        "no request is sent over a refused connection"
    );
}

#[tokio::test]
async fn an_unknown_self_signed_certificate_is_refused_with_the_fingerprint_to_pin() {
    let server = seed_server().await;
    // A real but unrelated CA: the self-signed certificate does not chain to it.
    let unrelated = TestServer::start(TestServerOptions {
        certificate: TestCertificate::ExpiredFromCa,
        ..TestServerOptions::default()
    })
    .await
    .expect("second server");
    let trust = TlsTrust::only_roots(vec![unrelated.ca_der().expect("it has a CA")]);
    let err = client_with(&server, trust, &server.token())
        .cdr_report(&CdrQuery::default())
        .await
        .expect_err("untrusted");
    let Error::Tls { failure, message } = &err else {
        panic!("a TLS error is expected, got {err:?}")
    };
    assert_eq!(
        failure.kind,
        TlsFailureKind::UntrustedCertificate,
        "self-signed is 'untrusted', not another failure"
    );
    assert!(
        message.contains(&server.fingerprint().to_string()),
        "the message gives the fingerprint to pin: {message}"
    );
    assert!(message.contains("pin"), "and says to pin it: {message}");
    assert_eq!(err.code(), "tls", "the IPC code for certificate problems");
    assert!(
        server.requests().is_empty(),
        "the token never travels over an untrusted connection"
    );
}

#[tokio::test]
async fn an_expired_certificate_says_expired() {
    let server = TestServer::start(TestServerOptions {
        certificate: TestCertificate::ExpiredFromCa,
        ..TestServerOptions::default()
    })
    .await
    .expect("server");
    let trust = TlsTrust::only_roots(vec![server.ca_der().expect("CA")]);
    let err = client_with(&server, trust, &server.token())
        .sip_peers()
        .await
        .expect_err("expired");
    let Error::Tls { failure, message } = &err else {
        panic!("a TLS error is expected, got {err:?}")
    };
    assert_eq!(
        failure.kind,
        TlsFailureKind::Expired,
        "a certificate past its date is reported as expired"
    );
    assert!(message.contains("expired"), "in those words: {message}");
}

#[tokio::test]
async fn a_wrong_token_is_reported_as_such() {
    let server = seed_server().await;
    let err = client_with(&server, server.pinned_trust(), "not-the-token")
        .sip_peers()
        .await
        .expect_err("bad token");
    assert!(
        matches!(err, Error::BadToken { .. }),
        "401 means the token, got {err:?}"
    );
    assert!(
        err.to_string().contains("api.php"),
        "the message says where the token is found: {err}"
    );
    assert_eq!(err.code(), "bad_token", "the IPC code");
    assert!(
        !server.requests()[0].authorized,
        "the server did see a wrong token"
    );

    // Some installations answer 200 with the API's own status object.
    server.respond_with(
        "activecall",
        CannedResponse::json(&br#"{"status": "Unauthorized", "code": 401}"#[..]),
    );
    let err = pinned_client(&server)
        .active_calls()
        .await
        .expect_err("status object");
    assert!(
        matches!(err, Error::BadToken { .. }),
        "a code 401 status object is a bad token too, got {err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_host_says_so() {
    // Take a free port and close it again, so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let client = ElastixClient::new(
        ElastixConfig::new(
            format!("https://127.0.0.1:{port}/api/api.php"),
            Secret::new("t"),
            TlsTrust::system(),
        )
        .with_timeout(Duration::from_secs(5)),
    )
    .expect("settings");
    let err = client.sip_peers().await.expect_err("nothing listens");
    assert!(
        matches!(err, Error::Unreachable { .. }),
        "a refused connection is 'unreachable', got {err:?}"
    );
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "the message names the address: {err}"
    );
}

#[tokio::test]
async fn cut_off_json_is_truncated_not_empty() {
    let server = seed_server().await;
    server.respond_with(
        "cdrreport",
        CannedResponse::json(fixture("cdrreport_truncated.json")),
    );
    let err = pinned_client(&server)
        .cdr_report(&CdrQuery::default())
        .await
        .expect_err("truncated");
    assert!(
        matches!(err, Error::Truncated { .. }),
        "JSON that stops early is truncated, got {err:?}"
    );
    assert!(
        err.to_string().contains("try again"),
        "the message says what to do: {err}"
    );
}

#[tokio::test]
async fn a_list_where_a_number_belongs_is_an_unexpected_format() {
    let server = seed_server().await;
    server.respond_with(
        "cdrreport",
        CannedResponse::json(fixture("cdrreport_wrong_type.json")),
    );
    let err = pinned_client(&server)
        .cdr_report(&CdrQuery::default())
        .await
        .expect_err("wrong type");
    assert!(
        matches!(err, Error::UnexpectedResponse { .. }),
        "a wrong type is a format error, got {err:?}"
    );
    assert!(
        err.to_string().contains("field \"duration\""),
        "the message names the bad field: {err}"
    );
    assert!(
        err.to_string().contains("line 11"),
        "and where it is: {err}"
    );

    server.respond_with(
        "sippeers",
        CannedResponse::json(&br#"{"Event": "PeerEntry"}"#[..]),
    );
    let err = pinned_client(&server)
        .sip_peers()
        .await
        .expect_err("object instead of list");
    assert!(
        matches!(err, Error::UnexpectedResponse { .. }),
        "the overall shape is strict, got {err:?}"
    );
}

#[tokio::test]
async fn numbers_nulls_and_missing_fields_are_accepted() {
    let server = seed_server().await;
    server.respond_with(
        "cdrreport",
        CannedResponse::json(fixture("cdrreport_loose.json")),
    );
    let rows = pinned_client(&server)
        .cdr_report(&CdrQuery::default())
        .await
        .expect("loose JSON is accepted");
    let r = &rows[0];
    assert_eq!(r.src, "101", "a number where text belongs becomes its text");
    assert_eq!(
        (r.duration, r.billsec, r.amaflags),
        (95, 80, 3),
        "numbers as JSON numbers"
    );
    assert!(r.lastdata.is_empty() && r.did.is_empty(), "null is empty");
    assert!(
        r.cnum.is_empty() && r.userfield.is_empty(),
        "missing columns are empty"
    );
}

#[tokio::test]
async fn a_web_page_instead_of_json_names_the_page() {
    let server = seed_server().await;
    server.respond_with(
        "sippeers",
        CannedResponse::new(200, "text/html", fixture("error_page.html")),
    );
    let err = pinned_client(&server).sip_peers().await.expect_err("HTML");
    assert!(
        matches!(err, Error::NotJson { .. }),
        "a page is not data, got {err:?}"
    );
    assert!(
        err.to_string().contains("500 Internal Server Error"),
        "the page title is quoted: {err}"
    );
    assert!(
        err.to_string().contains("/api/api.php"),
        "the message says where the API should be: {err}"
    );

    server.respond_with(
        "activecall",
        CannedResponse::new(500, "text/html", fixture("error_page.html")),
    );
    let err = pinned_client(&server)
        .active_calls()
        .await
        .expect_err("HTTP 500");
    assert!(
        matches!(err, Error::Http { status: 500, .. }),
        "an error status is reported with its code, got {err:?}"
    );
    assert!(
        err.to_string().contains("500 Internal Server Error"),
        "with the page title: {err}"
    );
}

#[tokio::test]
async fn an_answer_over_the_cap_is_refused() {
    let server = seed_server().await;
    let client = ElastixClient::new(
        ElastixConfig::new(
            server.base_url(),
            Secret::new(server.token()),
            server.pinned_trust(),
        )
        .with_max_response_bytes(1000),
    )
    .expect("settings");
    let err = client
        .cdr_report(&CdrQuery::default())
        .await
        .expect_err("2.5 kB is over a 1 kB cap");
    assert!(
        matches!(err, Error::TooLarge { limit: 1000, .. }),
        "the cap is enforced, got {err:?}"
    );
}

#[tokio::test]
async fn a_pbx_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // Accept and hold the connection without a TLS handshake.
    let hold = tokio::spawn(async move {
        let conn = listener.accept().await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(conn);
    });
    let client = ElastixClient::new(
        ElastixConfig::new(
            format!("https://127.0.0.1:{port}"),
            Secret::new("t"),
            TlsTrust::system(),
        )
        .with_timeout(Duration::from_millis(300)),
    )
    .expect("settings");
    let err = client.sip_peers().await.expect_err("no answer");
    assert!(
        matches!(err, Error::Timeout { .. }),
        "silence ends in a timeout, got {err:?}"
    );
    hold.abort();
}

#[tokio::test]
async fn unsafe_recording_names_are_refused_before_connecting() {
    for bad in [
        "/2015/12/08/../../../../etc/passwd",
        "/2015/12/08/a\0.wav",
        "2015/12/08/x.wav",
    ] {
        let err = ringside_elastix::RecordingName::parse(bad).expect_err("path tricks are refused");
        assert_eq!(
            err.code(),
            "invalid_input",
            "{bad:?} is refused as input, not sent: {err}"
        );
    }
}
