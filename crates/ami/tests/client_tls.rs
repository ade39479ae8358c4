//! TLS against a fake AMI server on 127.0.0.1:0 with certificates made by
//! rcgen at test time: what is trusted passes, everything else fails with a
//! message that says which problem it is, and nothing falls back to plain text.

mod client_common;

use std::sync::Arc;
use std::time::Duration;

use client_common::*;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use ringside_ami::{
    CertFingerprint, Client, ClientConfig, ConnectionState, Packet, Secret, TlsFailureKind,
    TlsTrust,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

const NAME: &str = "pbx.test";

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn new_ca() -> Ca {
    let key = KeyPair::generate().expect("key generation");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Ringside Test CA");
    Ca {
        cert: params.self_signed(&key).expect("CA cert"),
        key,
    }
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn leaf(ca: &Ca, name: &str, expired: bool) -> Identity {
    let key = KeyPair::generate().expect("key generation");
    let mut params = CertificateParams::new(vec![name.to_owned()]).expect("params");
    if expired {
        params.not_before = rcgen::date_time_ymd(2019, 1, 1);
        params.not_after = rcgen::date_time_ymd(2020, 1, 1);
    }
    let cert = params
        .signed_by(&key, &ca.cert, &ca.key)
        .expect("leaf cert");
    (
        vec![cert.der().clone()],
        PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    )
}

fn self_signed(name: &str) -> Identity {
    let ck = rcgen::generate_simple_self_signed(vec![name.to_owned()]).expect("self-signed cert");
    (
        vec![ck.cert.der().clone()],
        PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()).into(),
    )
}

/// Plays a PBX on an accepted stream: banner, login, Pings, Logoff.
async fn serve_ami(io: impl ringside_ami::AmiStream + 'static) {
    let mut peer = Peer::new(io);
    peer.accept_login().await;
    while let Some(action) = peer.read_action().await {
        let id = action.action_id().unwrap_or_default().to_owned();
        if action.is("Action", "Logoff") {
            peer.send(
                &Packet::new()
                    .with("Response", "Goodbye")
                    .with("ActionID", id),
            )
            .await;
            return;
        }
        peer.send(&pong(&id)).await;
    }
}

/// An AMI server over TLS with `identity`; returns its port.
async fn tls_server(identity: Identity) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(identity.0, identity.1)
        .expect("server identity");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind an ephemeral port");
    let port = listener.local_addr().expect("bound").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that rejects the certificate aborts the handshake; that is the point.
                if let Ok(tls) = acceptor.accept(tcp).await {
                    serve_ami(tls).await;
                }
            });
        }
    });
    port
}

/// A plain-text AMI server (it greets at once, as Asterisk does).
async fn plain_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind an ephemeral port");
    let port = listener.local_addr().expect("bound").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(serve_ami(tcp));
        }
    });
    port
}

fn tls_config(port: u16, trust: TlsTrust) -> ClientConfig {
    ClientConfig::new(
        "127.0.0.1",
        port,
        "ringside",
        Secret::new("ringside-secret"),
    )
    .tls(trust)
    .tls_server_name(NAME)
    .connect_timeout(Duration::from_secs(20))
}

/// Starts a client and returns its first settled state: connected or not.
async fn first_outcome(config: ClientConfig) -> (Client, ConnectionState) {
    let client = Client::start(config).expect("valid TLS settings");
    let state = tokio::time::timeout(
        Duration::from_secs(60),
        client.state().wait_for(|s| {
            matches!(
                s,
                ConnectionState::Connected { .. } | ConnectionState::Unreachable { .. }
            )
        }),
    )
    .await
    .expect("the TLS attempt settles")
    .expect("state channel open")
    .clone();
    (client, state)
}

#[tokio::test]
async fn certificate_from_a_trusted_ca_passes() {
    let ca = new_ca();
    let port = tls_server(leaf(&ca, NAME, false)).await;
    let trust = TlsTrust::system_and_pem(ca.cert.pem().as_bytes()).expect("the CA PEM parses");
    let (client, state) = first_outcome(tls_config(port, trust)).await;
    assert!(
        state.is_connected(),
        "a certificate chaining to a trusted CA is accepted: {state:?}"
    );
    assert!(
        client.send(Packet::action("Ping")).await.is_ok(),
        "and AMI works over the TLS session"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn unknown_self_signed_certificate_fails_and_shows_its_fingerprint() {
    let identity = self_signed(NAME);
    let fingerprint = CertFingerprint::of(&identity.0[0]);
    let port = tls_server(identity).await;
    let unrelated = new_ca();
    let (client, state) = first_outcome(tls_config(
        port,
        TlsTrust::only_roots(vec![unrelated.cert.der().clone()]),
    ))
    .await;
    let message = state.message().unwrap_or_default();
    assert!(
        matches!(state, ConnectionState::Unreachable { .. }),
        "an untrusted certificate never connects"
    );
    assert!(
        message.contains("no trusted authority signed")
            && message.contains(&format!("127.0.0.1:{port}")),
        "the message says the certificate is not trusted, for which PBX: {message}"
    );
    assert!(
        message.contains(&fingerprint.to_string()),
        "it shows the fingerprint to pin ({fingerprint}): {message}"
    );
    let failure = client
        .last_tls_failure()
        .expect("the TLS failure is kept for the UI");
    assert_eq!(
        failure.kind,
        TlsFailureKind::UntrustedCertificate,
        "classified as untrusted"
    );
    assert_eq!(
        failure.presented,
        Some(fingerprint),
        "with the presented certificate's fingerprint, ready to pin"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn pinned_fingerprint_passes() {
    let identity = self_signed("ucm6300.local");
    let pin = CertFingerprint::of(&identity.0[0])
        .to_string()
        .to_lowercase();
    let port = tls_server(identity).await;
    // Pinning ignores names and issuers: the certificate is for another name here.
    let (client, state) =
        first_outcome(tls_config(port, TlsTrust::pinned(&pin).expect("valid pin"))).await;
    assert!(
        state.is_connected(),
        "the pinned self-signed certificate is accepted: {state:?}"
    );
    assert_eq!(
        client.last_tls_failure(),
        None,
        "no TLS failure is reported once connected"
    );
    assert!(
        client.send(Packet::action("Ping")).await.is_ok(),
        "and the session works"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn wrong_pin_fails_and_names_both_fingerprints() {
    let identity = self_signed(NAME);
    let presented = CertFingerprint::of(&identity.0[0]);
    let port = tls_server(identity).await;
    let other = CertFingerprint::of(b"some other certificate");
    let (client, state) = first_outcome(tls_config(port, TlsTrust::Pinned(other))).await;
    let message = state.message().unwrap_or_default();
    assert!(
        matches!(state, ConnectionState::Unreachable { .. }),
        "a different certificate never connects"
    );
    assert!(
        message.contains(&presented.to_string())
            && message.contains(&format!("not the pinned {other}")),
        "the message shows what was presented and what was pinned: {message}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn tls_against_a_plain_text_port_fails_clearly_without_fallback() {
    let port = plain_server().await;
    let ca = new_ca();
    let (client, state) = first_outcome(tls_config(
        port,
        TlsTrust::only_roots(vec![ca.cert.der().clone()]),
    ))
    .await;
    let message = state.message().unwrap_or_default();
    assert!(
        matches!(state, ConnectionState::Unreachable { .. }),
        "TLS never falls back to plain text: {state:?}"
    );
    assert!(
        message.contains("answered in plain text") && message.contains("5039 on Grandstream"),
        "the message says the port speaks plain text and where TLS usually is: {message}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn certificate_for_another_name_fails_as_wrong_host_name() {
    let ca = new_ca();
    let port = tls_server(leaf(&ca, "other.example", false)).await;
    let (client, state) = first_outcome(tls_config(
        port,
        TlsTrust::only_roots(vec![ca.cert.der().clone()]),
    ))
    .await;
    let message = state.message().unwrap_or_default();
    assert!(
        message.contains("different host name"),
        "a name mismatch is named as such: {message}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn expired_certificate_fails_as_expired() {
    let ca = new_ca();
    let port = tls_server(leaf(&ca, NAME, true)).await;
    let (client, state) = first_outcome(tls_config(
        port,
        TlsTrust::only_roots(vec![ca.cert.der().clone()]),
    ))
    .await;
    let message = state.message().unwrap_or_default();
    assert!(
        message.contains("has expired"),
        "an expired certificate is named as such: {message}"
    );
    client.shutdown().await;
}
