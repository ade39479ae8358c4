//! AMI over TLS with a certificate and key handed to the simulator, as
//! `tlsenable=yes` in manager.conf.

mod common;

use std::sync::Arc;

use common::RawClient;
use ringside_ami::Packet;
use ringside_pbxsim::{PbxSim, SimConfig, SimTls};
use rustls_pki_types::ServerName;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

#[tokio::test]
async fn login_and_ping_over_tls() {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("test certificate");
    let tls = SimTls::Pem {
        cert_chain: ck.cert.pem().into_bytes(),
        key: ck.key_pair.serialize_pem().into_bytes(),
    };
    let sim = PbxSim::start(SimConfig {
        tls: Some(tls),
        ..SimConfig::default()
    })
    .await
    .expect("starts with TLS");

    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(ck.cert.der().clone())
        .expect("trust the test certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(sim.addr()).await.expect("connects");
    let name = ServerName::try_from("localhost").expect("a valid name");
    let stream = connector
        .connect(name, tcp)
        .await
        .expect("handshake with the trusted certificate");
    let mut c = RawClient::over(stream).await;
    assert_eq!(
        c.banner.as_ref().map(|b| b.version.as_str()),
        Some("12.0.0"),
        "the banner comes over TLS"
    );
    let r = c.login_md5("ringside", "ringside-secret").await;
    assert_eq!(r.response(), Some("Success"), "login over TLS");
    let r = c.ask(Packet::action("Ping"), "tls-ping").await;
    assert_eq!(
        r.get("Ping"),
        Some("Pong"),
        "answers are flushed through TLS"
    );

    // A plain-text client on the TLS port gets no banner.
    let mut plain = TcpStream::connect(sim.addr()).await.expect("connects");
    let mut buf = [0u8; 64];
    let got =
        tokio::time::timeout(std::time::Duration::from_millis(300), plain.read(&mut buf)).await;
    assert!(
        !matches!(got, Ok(Ok(n)) if n > 0),
        "no plain-text banner on a TLS port"
    );
}

#[test]
fn unusable_pem_is_a_clear_error() {
    let tls = SimTls::Pem {
        cert_chain: b"not a certificate".to_vec(),
        key: b"nor a key".to_vec(),
    };
    let err = tls
        .server_config()
        .expect_err("garbage PEM must be refused");
    assert!(
        err.to_string().contains("TLS certificate or key unusable"),
        "says what is wrong: {err}"
    );
}
