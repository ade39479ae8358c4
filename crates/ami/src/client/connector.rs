//! Transports: how the client gets a byte stream to the PBX.
//!
//! The client only needs something that reads and writes bytes, so the
//! transport is a [`Connector`] trait: plain TCP ([`TcpConnector`]), TLS over
//! TCP ([`TlsConnector`]), or, in tests, an in-memory `tokio::io::duplex`
//! pipe or a listener on `127.0.0.1:0`. Each failure is classified
//! ([`ConnectError`]) so the connection state can say what to do about it.
//! Timeouts are the caller's business (the connection task wraps `connect`
//! in one).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use futures::future::BoxFuture;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::tls::{self, SeenCert, TlsFailure, TlsTrust};
use crate::error::{Error, Result};

/// A bidirectional byte stream the client can run an AMI session over.
pub trait AmiStream: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> AmiStream for T {}

/// A boxed [`AmiStream`], as returned by [`Connector::connect`].
pub type BoxedStream = Box<dyn AmiStream>;

/// Opens a fresh transport to the PBX, once per connection attempt.
///
/// Implement this to run the client over anything that moves bytes; tests
/// use it to plug in a fake AMI server without fixed ports.
pub trait Connector: Send + Sync + fmt::Debug + 'static {
    /// Opens one connection. Called again for every reconnect, never twice
    /// at once.
    fn connect(&self) -> BoxFuture<'_, Result<BoxedStream, ConnectError>>;
}

/// Why a transport could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The host name does not resolve.
    #[error("could not resolve {host}: {source}")]
    Dns {
        /// The name that was looked up.
        host: String,
        /// The resolver's error.
        source: io::Error,
    },
    /// Something answered at the address but refused the port (ECONNREFUSED).
    #[error("connection refused")]
    Refused,
    /// The network or host cannot be reached (no route, network down).
    #[error("host unreachable: {0}")]
    Unreachable(io::Error),
    /// Any other transport error.
    #[error("{0}")]
    Io(io::Error),
    /// The TLS handshake failed.
    #[error("TLS handshake failed: {}", .0.detail)]
    Tls(TlsFailure),
}

/// Plain TCP to `host:port`, trying each resolved address in turn.
#[derive(Debug, Clone)]
pub struct TcpConnector {
    host: String,
    port: u16,
}

impl TcpConnector {
    /// A connector for `host:port`.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
        }
    }

    async fn connect_tcp(&self) -> Result<TcpStream, ConnectError> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((self.host.as_str(), self.port))
            .await
            .map_err(|source| ConnectError::Dns {
                host: self.host.clone(),
                source,
            })?
            .collect();
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(stream) => {
                    // AMI packets are small and latency matters more than
                    // packing them: send each action at once.
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(match last {
            None => ConnectError::Dns {
                host: self.host.clone(),
                source: io::Error::new(io::ErrorKind::NotFound, "no addresses"),
            },
            Some(e) => classify_io(e),
        })
    }
}

fn classify_io(e: io::Error) -> ConnectError {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => ConnectError::Refused,
        io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::NetworkDown => ConnectError::Unreachable(e),
        _ => ConnectError::Io(e),
    }
}

impl Connector for TcpConnector {
    fn connect(&self) -> BoxFuture<'_, Result<BoxedStream, ConnectError>> {
        Box::pin(async move { Ok(Box::new(self.connect_tcp().await?) as BoxedStream) })
    }
}

/// TLS over TCP with the given [`TlsTrust`]. Verification failures are
/// reported with the presented certificate's fingerprint; there is never a
/// fall-back to plain text.
pub struct TlsConnector {
    tcp: TcpConnector,
    server_name: ServerName<'static>,
    trust: TlsTrust,
    config: Arc<rustls::ClientConfig>,
    seen: SeenCert,
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector")
            .field("tcp", &self.tcp)
            .field("server_name", &self.server_name)
            .field("trust", &self.trust)
            .finish_non_exhaustive()
    }
}

impl TlsConnector {
    /// TLS to `host:port`, checking the certificate against `trust` and the
    /// name `host` (an IP address works too).
    pub fn new(host: impl Into<String>, port: u16, trust: TlsTrust) -> Result<Self> {
        let host = host.into();
        let name = host.clone();
        Self::with_server_name(host, port, &name, trust)
    }

    /// As [`TlsConnector::new`], but checking the certificate for
    /// `server_name` instead of the host connected to.
    pub fn with_server_name(
        host: impl Into<String>,
        port: u16,
        server_name: &str,
        trust: TlsTrust,
    ) -> Result<Self> {
        let server_name = ServerName::try_from(server_name.to_owned()).map_err(|_| {
            Error::Config(format!("'{server_name}' is not a valid TLS server name"))
        })?;
        let (config, seen) = tls::client_config(&trust)?;
        Ok(Self {
            tcp: TcpConnector::new(host, port),
            server_name,
            trust,
            config,
            seen,
        })
    }
}

impl Connector for TlsConnector {
    fn connect(&self) -> BoxFuture<'_, Result<BoxedStream, ConnectError>> {
        Box::pin(async move {
            let tcp = self.tcp.connect_tcp().await?;
            if let Ok(mut seen) = self.seen.lock() {
                *seen = None;
            }
            let connector = tokio_rustls::TlsConnector::from(self.config.clone());
            match connector.connect(self.server_name.clone(), tcp).await {
                Ok(stream) => Ok(Box::new(stream) as BoxedStream),
                Err(e) => {
                    let presented = self.seen.lock().ok().and_then(|s| *s);
                    Err(ConnectError::Tls(tls::classify(&e, &self.trust, presented)))
                }
            }
        })
    }
}
