//! TLS trust for the AMI connection: which server certificates are
//! accepted, and why a handshake failed, in words a receptionist can act on.
//!
//! There are exactly two ways to trust a PBX: a certificate chain to a CA
//! (the system store and/or CA certificates the user supplied), or *one*
//! certificate pinned by its SHA-256 fingerprint, for the self-signed
//! certificates Grandstream and Yeastar ship. There is no "accept anything",
//! and a failed handshake never falls back to plain text.
//!
//! This module only builds rustls configuration and classifies errors; the
//! TCP/TLS connect itself is in the connector module.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The SHA-256 fingerprint of a DER certificate, as shown by browsers and
/// `openssl x509 -fingerprint -sha256`.
///
/// Parses from 64 hex digits, with or without `:`, spaces or dashes between
/// them, in either case. Displays as upper-case pairs joined by `:`.
///
/// ```
/// use ringside_ami::CertFingerprint;
/// let fp: CertFingerprint = "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89".parse()?;
/// assert!(fp.to_string().starts_with("AB:CD:EF:01"));
/// # Ok::<(), ringside_ami::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CertFingerprint([u8; 32]);

impl CertFingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }

    /// The raw 32 digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl FromStr for CertFingerprint {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let digits: String = s
            .chars()
            .filter(|c| !matches!(c, ':' | ' ' | '-'))
            .collect();
        let bytes = hex::decode(&digits).map_err(|_| {
            Error::Config(
                "a certificate fingerprint is made of hexadecimal digits (0-9, A-F)".into(),
            )
        })?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| {
            Error::Config(
                "a SHA-256 certificate fingerprint has exactly 64 hexadecimal digits".into(),
            )
        })?;
        Ok(Self(arr))
    }
}

impl fmt::Display for CertFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for CertFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertFingerprint({self})")
    }
}

/// Which server certificates the TLS connection accepts.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TlsTrust {
    /// A chain to a trusted CA, valid for the host name and not expired.
    Roots {
        /// Also trust the operating system's CA store.
        system_roots: bool,
        /// Extra CA certificates (DER) to trust, e.g. the company's own CA.
        extra_roots: Vec<CertificateDer<'static>>,
    },
    /// Exactly the one certificate with this SHA-256 fingerprint, whatever
    /// its issuer, names or dates. The handshake signature is still checked
    /// against that certificate's key, so only the holder of its private key
    /// can pass.
    Pinned(CertFingerprint),
}

impl TlsTrust {
    /// The operating system's CA store.
    pub fn system() -> Self {
        TlsTrust::Roots {
            system_roots: true,
            extra_roots: Vec::new(),
        }
    }

    /// Only these CA certificates (DER), not the system store.
    pub fn only_roots(roots: Vec<CertificateDer<'static>>) -> Self {
        TlsTrust::Roots {
            system_roots: false,
            extra_roots: roots,
        }
    }

    /// The system store plus every certificate in a PEM file's contents.
    pub fn system_and_pem(pem: &[u8]) -> Result<Self> {
        let roots = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Config(format!("could not read the CA certificate file: {e}")))?;
        if roots.is_empty() {
            return Err(Error::Config(
                "the CA certificate file holds no PEM certificate".into(),
            ));
        }
        Ok(TlsTrust::Roots {
            system_roots: true,
            extra_roots: roots,
        })
    }

    /// Trust one certificate by its SHA-256 fingerprint (hex, colons allowed).
    pub fn pinned(fingerprint: &str) -> Result<Self> {
        Ok(TlsTrust::Pinned(fingerprint.parse()?))
    }

    /// The rustls client configuration that verifies a server as this trust
    /// says (a CA chain and host name, or exactly the pinned certificate),
    /// for another of Ringside's TLS connections to use the same decision:
    /// the office gateway's MQTT broker is trusted the way the PBX is.
    pub fn rustls_client_config(&self) -> Result<Arc<rustls::ClientConfig>> {
        client_config(self).map(|(config, _seen)| config)
    }
}

/// What went wrong in a TLS handshake, as far as the user can act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsFailureKind {
    /// The certificate does not chain to a trusted CA (typically self-signed).
    UntrustedCertificate,
    /// The certificate has expired (or this computer's clock is wrong).
    Expired,
    /// The certificate is not valid yet (or this computer's clock is wrong).
    NotYetValid,
    /// The certificate is for another host name.
    WrongHostName,
    /// The certificate is not the pinned one.
    PinMismatch {
        /// The fingerprint the user pinned.
        expected: CertFingerprint,
    },
    /// The server answered in plain text: this is not a TLS port.
    PlainTextPeer,
    /// The server closed the connection during the handshake.
    ClosedDuringHandshake,
    /// Anything else (protocol versions, ciphers, alerts).
    Other,
}

/// A failed TLS handshake: what kind of failure, the fingerprint of the
/// certificate the server presented (when it got that far, so the UI can
/// offer to pin it), and the underlying error text for logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFailure {
    /// What went wrong.
    pub kind: TlsFailureKind,
    /// The SHA-256 fingerprint of the server's certificate, when one was seen.
    pub presented: Option<CertFingerprint>,
    /// The TLS library's own description.
    pub detail: String,
}

impl TlsFailure {
    /// A message for the user, naming `host_port` (`pbx.local:5039`).
    pub fn message(&self, host_port: &str) -> String {
        let fp = self
            .presented
            .map(|f| f.to_string())
            .unwrap_or_else(|| "(not received)".into());
        match &self.kind {
            TlsFailureKind::UntrustedCertificate => format!(
                "The PBX at {host_port} presented a TLS certificate that no trusted authority signed \
                 (probably a self-signed one). If this is your PBX, trust it by pinning its SHA-256 \
                 fingerprint: {fp}"
            ),
            TlsFailureKind::Expired => format!(
                "The PBX's TLS certificate on {host_port} has expired (or this computer's clock is wrong). \
                 Renew the certificate on the PBX, or pin its fingerprint: {fp}"
            ),
            TlsFailureKind::NotYetValid => {
                format!("The PBX's TLS certificate on {host_port} is not valid yet: check this computer's clock")
            }
            TlsFailureKind::WrongHostName => format!(
                "The PBX's TLS certificate on {host_port} was issued for a different host name: connect \
                 using the name on the certificate, or pin its fingerprint: {fp}"
            ),
            TlsFailureKind::PinMismatch { expected } => format!(
                "The PBX at {host_port} presented a TLS certificate with fingerprint {fp}, not the pinned \
                 {expected}. If the PBX's certificate was replaced, pin the new fingerprint; otherwise \
                 someone may be intercepting the connection"
            ),
            TlsFailureKind::PlainTextPeer => format!(
                "The PBX at {host_port} answered in plain text, not TLS: turn TLS off or use the TLS port \
                 (5039 on Grandstream)"
            ),
            TlsFailureKind::ClosedDuringHandshake => format!(
                "The PBX at {host_port} closed the connection during the TLS handshake: is TLS enabled \
                 for AMI on the PBX, and is this its TLS port?"
            ),
            TlsFailureKind::Other => {
                format!("The TLS handshake with the PBX at {host_port} failed: {}", self.detail)
            }
        }
    }
}

/// The crypto provider for every TLS connection: ring, chosen explicitly so
/// nothing depends on a process-wide default being installed.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The fingerprint of the last certificate the verifier saw, shared with
/// the connector so a failed handshake can still name it.
pub(crate) type SeenCert = Arc<Mutex<Option<CertFingerprint>>>;

/// Wraps the real check (CA chain or pin) and records which certificate the
/// server presented.
#[derive(Debug)]
struct RecordingVerifier {
    check: Check,
    provider: Arc<CryptoProvider>,
    seen: SeenCert,
}

#[derive(Debug)]
enum Check {
    Roots(Arc<WebPkiServerVerifier>),
    Pinned(CertFingerprint),
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = CertFingerprint::of(end_entity);
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(presented);
        }
        match &self.check {
            Check::Roots(webpki) => webpki.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            // Constant-time comparison is not needed: the fingerprint of a
            // certificate the server sends in the clear is not a secret.
            Check::Pinned(pin) if *pin == presented => Ok(ServerCertVerified::assertion()),
            Check::Pinned(_) => Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Builds the rustls client configuration for `trust`, and the slot where
/// the presented certificate's fingerprint lands.
pub(crate) fn client_config(trust: &TlsTrust) -> Result<(Arc<rustls::ClientConfig>, SeenCert)> {
    let provider = provider();
    let check = match trust {
        TlsTrust::Pinned(fp) => Check::Pinned(*fp),
        TlsTrust::Roots {
            system_roots,
            extra_roots,
        } => {
            let mut store = RootCertStore::empty();
            if *system_roots {
                let native = rustls_native_certs::load_native_certs();
                for e in &native.errors {
                    tracing::warn!(error = %e, "could not read part of the system CA store");
                }
                let (added, ignored) = store.add_parsable_certificates(native.certs);
                tracing::debug!(added, ignored, "loaded system CA certificates");
            }
            for der in extra_roots {
                store.add(der.clone()).map_err(|e| {
                    Error::Config(format!("a supplied CA certificate cannot be used: {e}"))
                })?;
            }
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                    .build()
                    .map_err(|e| {
                        Error::Config(format!(
                    "no trusted CA certificates are available ({e}): add the PBX's CA certificate \
                         or pin the PBX certificate's fingerprint"
                ))
                    })?;
            Check::Roots(webpki)
        }
    };
    let seen: SeenCert = Arc::default();
    let verifier = Arc::new(RecordingVerifier {
        check,
        provider: provider.clone(),
        seen: seen.clone(),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS set-up failed: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok((Arc::new(config), seen))
}

/// Turns a handshake error into a [`TlsFailure`].
pub(crate) fn classify(
    err: &std::io::Error,
    trust: &TlsTrust,
    presented: Option<CertFingerprint>,
) -> TlsFailure {
    let detail = err.to_string();
    let rustls_err = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    let kind = match rustls_err {
        Some(rustls::Error::InvalidCertificate(cert)) => match cert {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                TlsFailureKind::UntrustedCertificate
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                TlsFailureKind::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                TlsFailureKind::NotYetValid
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsFailureKind::WrongHostName
            }
            CertificateError::ApplicationVerificationFailure => match trust {
                TlsTrust::Pinned(expected) => TlsFailureKind::PinMismatch {
                    expected: *expected,
                },
                TlsTrust::Roots { .. } => TlsFailureKind::Other,
            },
            _ => TlsFailureKind::Other,
        },
        // A TLS record starts with a content type byte (20-24); a plain-text
        // AMI banner starts with "A", which rustls reports as a corrupt
        // message. Either way the peer is not speaking TLS.
        Some(rustls::Error::InvalidMessage(_)) => TlsFailureKind::PlainTextPeer,
        Some(_) => TlsFailureKind::Other,
        None if err.kind() == std::io::ErrorKind::UnexpectedEof
            || err.kind() == std::io::ErrorKind::ConnectionReset =>
        {
            TlsFailureKind::ClosedDuringHandshake
        }
        None => TlsFailureKind::Other,
    };
    TlsFailure {
        kind,
        presented,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_with_or_without_colons_and_print_with_them() {
        let plain = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
        let a: CertFingerprint = plain.parse().expect("64 hex digits are a fingerprint");
        let b: CertFingerprint = a.to_string().parse().expect("the display form parses back");
        assert_eq!(a, b, "colons are only presentation");
        assert_eq!(
            a.to_string().len(),
            64 + 31,
            "32 upper-case pairs joined by colons"
        );
        assert!(
            plain[..62].parse::<CertFingerprint>().is_err(),
            "a short fingerprint is refused"
        );
        assert!(
            format!("{}zz", &plain[..62])
                .parse::<CertFingerprint>()
                .is_err(),
            "non-hex is refused"
        );
    }
}
