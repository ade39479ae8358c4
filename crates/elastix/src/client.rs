//! [`ElastixClient`]: one HTTPS request per API command to one Elastix PBX.
//!
//! The TCP/TLS connection comes from the AMI client's
//! [`ringside_ami::TlsConnector`], so the Elastix API and AMI trust
//! certificates the same way (system CAs, extra CAs, or a pinned SHA-256
//! fingerprint) and describe a refused certificate the same way. HTTP/1.1
//! runs over it with hyper's connection-level API, one connection per
//! command: the API is asked a few times a minute at most, and a fresh
//! connection never inherits a half-read answer. This module moves bytes;
//! what they mean is in `cdr`, `peers`, `channels` and `response`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ringside_ami::{ConnectError, Connector, Secret, TlsConnector, TlsFailure, TlsFailureKind};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::cdr::{CdrQuery, CdrRow};
use crate::channels::ActiveCalls;
use crate::config::{ElastixConfig, Endpoint};
use crate::error::{Error, Result};
use crate::peers::SipPeer;
use crate::recording::RecordingName;
use crate::response::{self, api_status, looks_like_html, page_title};

/// Bodies larger than this are parsed on a blocking thread, so a 100,000-row
/// CDR report does not hold up the runtime's other tasks.
const PARSE_INLINE_LIMIT: usize = 256 * 1024;

/// How much of an error answer is read to find out what it says.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// A client for one Elastix PBX's API. Cheap to clone; clones share settings.
///
/// ```no_run
/// # use ringside_elastix::*;
/// # async fn demo(client: ElastixClient) -> Result<()> {
/// for peer in client.sip_peers().await? {
///     println!("{} {:?} {:?}", peer.name, peer.kind, peer.presence());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ElastixClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    endpoint: Endpoint,
    host_port: String,
    token: HeaderValue,
    connector: TlsConnector,
    timeout: Duration,
    max_response_bytes: u64,
}

impl ElastixClient {
    /// A client for the PBX in `config`. Checks the settings (URL, token,
    /// trust) but does not connect.
    pub fn new(config: ElastixConfig) -> Result<Self> {
        let endpoint = Endpoint::parse(&config.base_url)?;
        let token = token_header(&config.token)?;
        let connector =
            TlsConnector::new(endpoint.host.clone(), endpoint.port, config.trust.clone())?;
        Ok(Self {
            inner: Arc::new(Inner {
                host_port: endpoint.host_port(),
                endpoint,
                token,
                connector,
                timeout: config.timeout,
                max_response_bytes: config.max_response_bytes,
            }),
        })
    }

    /// `host:port` of the PBX, as messages name it.
    pub fn host_port(&self) -> &str {
        &self.inner.host_port
    }

    /// The call history (`cmd=cdrreport`), filtered by `query`, in the PBX's order.
    pub async fn cdr_report(&self, query: &CdrQuery) -> Result<Vec<CdrRow>> {
        let body = self.fetch_json("cdrreport", &query.form()).await?;
        let host_port = self.inner.host_port.clone();
        parse_off_thread(body, move |b| {
            response::decode_json("cdrreport", &host_port, b)
        })
        .await
    }

    /// Every SIP peer with its reachability (`cmd=sippeers`).
    pub async fn sip_peers(&self) -> Result<Vec<SipPeer>> {
        let body = self.fetch_json("sippeers", &[]).await?;
        crate::peers::parse_with_host(&body, &self.inner.host_port)
    }

    /// The live channels and the PBX's call counters (`cmd=activecall`).
    pub async fn active_calls(&self) -> Result<ActiveCalls> {
        let body = self.fetch_json("activecall", &[]).await?;
        crate::channels::parse_with_host(&body, &self.inner.host_port)
    }

    /// Streams a call recording (`cmd=getwavfile`) into `out` as it
    /// arrives, never holding the whole file; returns the bytes written.
    ///
    /// A recording the PBX does not have is [`Error::RecordingNotFound`].
    /// On any error `out` may hold part of the file: use
    /// [`ElastixClient::recording_to_file`] to get all or nothing.
    pub async fn recording_to_writer<W>(&self, name: &RecordingName, out: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let command = "getwavfile";
        let resp = self
            .exchange(command, &[("name", name.as_str())], &[])
            .await?;
        let status = resp.status();
        let content_type = header_text(&resp, CONTENT_TYPE).to_ascii_lowercase();
        if status == StatusCode::NOT_FOUND {
            return Err(Error::RecordingNotFound {
                name: name.to_string(),
            });
        }
        if !status.is_success() {
            return Err(self.status_failure(command, resp).await);
        }
        if content_type.starts_with("application/json") || content_type.starts_with("text/") {
            // A success status with a JSON or HTML body is the API
            // reporting a problem the PHP did not turn into a status code.
            let body = self
                .read_body(command, resp.into_body(), ERROR_BODY_LIMIT, None)
                .await?;
            return Err(match api_status(&body) {
                Some(st) if st.code == 404 => Error::RecordingNotFound {
                    name: name.to_string(),
                },
                Some(st) => response::status_error(command, &self.inner.host_port, st),
                None if looks_like_html(&body) => Error::NotJson {
                    host_port: self.inner.host_port.clone(),
                    command: command.into(),
                    title: page_title(&body),
                },
                None => Error::UnexpectedResponse {
                    command: command.into(),
                    detail: format!("a {content_type} answer instead of a sound file"),
                },
            });
        }
        let mut body = resp.into_body();
        let mut written = 0u64;
        while let Some(frame) = self.next_frame(command, &mut body, written).await? {
            if let Ok(data) = frame.into_data() {
                out.write_all(&data).await.map_err(|source| Error::Write {
                    name: name.to_string(),
                    source,
                })?;
                written += data.len() as u64;
            }
        }
        out.flush().await.map_err(|source| Error::Write {
            name: name.to_string(),
            source,
        })?;
        Ok(written)
    }

    /// Downloads a call recording to `path`: streamed into `path` plus
    /// `.part`, then renamed, so `path` either holds the whole recording or
    /// does not exist. Returns the bytes written.
    pub async fn recording_to_file(&self, name: &RecordingName, path: &Path) -> Result<u64> {
        let mut part = path.as_os_str().to_owned();
        part.push(".part");
        let part = std::path::PathBuf::from(part);
        let write_err = |source| Error::Write {
            name: name.to_string(),
            source,
        };
        let mut file = tokio::fs::File::create(&part).await.map_err(write_err)?;
        let result = self.recording_to_writer(name, &mut file).await;
        let result = match result {
            Ok(n) => match file.sync_all().await {
                Ok(()) => Ok(n),
                Err(e) => Err(write_err(e)),
            },
            Err(e) => Err(e),
        };
        drop(file);
        match result {
            Ok(n) => {
                tokio::fs::rename(&part, path).await.map_err(write_err)?;
                Ok(n)
            }
            Err(e) => {
                // Best effort: the error being returned matters more than a
                // leftover part file.
                let _ = tokio::fs::remove_file(&part).await;
                Err(e)
            }
        }
    }

    /// Sends a command and returns its body, capped, once the status says data follows.
    async fn fetch_json(&self, command: &str, form: &[(&'static str, String)]) -> Result<Vec<u8>> {
        let resp = self.exchange(command, &[], form).await?;
        if !resp.status().is_success() {
            return Err(self.status_failure(command, resp).await);
        }
        let declared = header_text(&resp, CONTENT_LENGTH).parse::<u64>().ok();
        if declared.is_some_and(|len| len > self.inner.max_response_bytes) {
            return Err(Error::TooLarge {
                command: command.into(),
                limit: self.inner.max_response_bytes,
            });
        }
        self.read_body(
            command,
            resp.into_body(),
            self.inner.max_response_bytes,
            declared,
        )
        .await
    }

    /// The error for a non-success status, after reading what the body says.
    async fn status_failure(&self, command: &str, resp: Response<Incoming>) -> Error {
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Error::BadToken {
                host_port: self.inner.host_port.clone(),
            };
        }
        let body = self
            .read_body(command, resp.into_body(), ERROR_BODY_LIMIT, None)
            .await
            .unwrap_or_default();
        let detail = match api_status(&body) {
            Some(st) if st.code == 401 || st.code == 403 => {
                return Error::BadToken {
                    host_port: self.inner.host_port.clone(),
                }
            }
            Some(st) if !st.status.is_empty() => Some(st.status),
            _ if looks_like_html(&body) => Some(page_title(&body)),
            _ => None,
        };
        Error::Http {
            host_port: self.inner.host_port.clone(),
            command: command.into(),
            status: status.as_u16(),
            detail,
        }
    }

    /// Connects, sends `POST <path>?cmd=<command>&<query>` with `form` as
    /// the body, and returns the response head (the body is read by the caller).
    async fn exchange(
        &self,
        command: &str,
        query: &[(&str, &str)],
        form: &[(&'static str, String)],
    ) -> Result<Response<Incoming>> {
        let inner = &*self.inner;
        let timeout = |e: tokio::time::error::Elapsed| {
            let _ = e;
            Error::Timeout {
                host_port: inner.host_port.clone(),
                command: command.into(),
                secs: inner.timeout.as_secs().max(1),
            }
        };
        let stream = tokio::time::timeout(inner.timeout, inner.connector.connect())
            .await
            .map_err(timeout)?
            .map_err(|e| self.connect_failure(e))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.connection_failure(command, &e))?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "Elastix API connection ended with an error");
            }
        });

        // The serializers hold a non-Sync encoder: built in blocks so none
        // lives across an await, and the request future stays Send (the app
        // runs it on a multi-threaded runtime).
        let uri = {
            let mut target = form_urlencoded::Serializer::new(String::new());
            target.append_pair("cmd", command);
            for (k, v) in query {
                target.append_pair(k, v);
            }
            format!("{}?{}", inner.endpoint.path, target.finish())
        };
        let body = {
            let mut body = form_urlencoded::Serializer::new(String::new());
            for (k, v) in form {
                body.append_pair(k, v);
            }
            body.finish()
        };
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(HOST, inner.endpoint.authority.as_str())
            .header(AUTHORIZATION, inner.token.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(USER_AGENT, concat!("Ringside/", env!("CARGO_PKG_VERSION")))
            .header(CONTENT_LENGTH, body.len())
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| {
                Error::Config(format!(
                    "the request to the Elastix API cannot be built: {e}"
                ))
            })?;
        tracing::debug!(command, host = %inner.host_port, "Elastix API request");
        tokio::time::timeout(inner.timeout, sender.send_request(req))
            .await
            .map_err(timeout)?
            .map_err(|e| self.connection_failure(command, &e))
    }

    /// Reads a whole body, refusing more than `cap` bytes. `declared` is the
    /// Content-Length, already checked against the cap.
    async fn read_body(
        &self,
        command: &str,
        mut body: Incoming,
        cap: u64,
        declared: Option<u64>,
    ) -> Result<Vec<u8>> {
        // Reserving the declared size once spares a 100,000-row answer the
        // dozen copies of growing from empty.
        let mut out = Vec::with_capacity(declared.map_or(0, |d| d.min(cap) as usize));
        while let Some(frame) = self
            .next_frame(command, &mut body, out.len() as u64)
            .await?
        {
            if let Ok(data) = frame.into_data() {
                if out.len() as u64 + data.len() as u64 > cap {
                    return Err(Error::TooLarge {
                        command: command.into(),
                        limit: cap,
                    });
                }
                out.extend_from_slice(&data);
            }
        }
        Ok(out)
    }

    /// The next piece of a body, within the timeout.
    async fn next_frame(
        &self,
        command: &str,
        body: &mut Incoming,
        so_far: u64,
    ) -> Result<Option<hyper::body::Frame<Bytes>>> {
        let inner = &*self.inner;
        match tokio::time::timeout(inner.timeout, body.frame()).await {
            Err(_) => Err(Error::Timeout {
                host_port: inner.host_port.clone(),
                command: command.into(),
                secs: inner.timeout.as_secs().max(1),
            }),
            Ok(None) => Ok(None),
            Ok(Some(Ok(frame))) => Ok(Some(frame)),
            Ok(Some(Err(e))) if e.is_incomplete_message() => Err(Error::Truncated {
                command: command.into(),
                detail: format!("the connection closed after {so_far} bytes"),
            }),
            Ok(Some(Err(e))) => Err(self.connection_failure(command, &e)),
        }
    }

    fn connection_failure(&self, command: &str, e: &hyper::Error) -> Error {
        Error::Connection {
            host_port: self.inner.host_port.clone(),
            command: command.into(),
            detail: e.to_string(),
        }
    }

    fn connect_failure(&self, e: ConnectError) -> Error {
        let host_port = self.inner.host_port.clone();
        match e {
            ConnectError::Tls(failure) => {
                let message = tls_message(&failure, &host_port);
                Error::Tls { failure, message }
            }
            ConnectError::Dns { host, source } => Error::Unreachable {
                host_port,
                detail: format!("the name {host} cannot be found ({source})"),
            },
            ConnectError::Refused => Error::Unreachable {
                host_port,
                detail: "nothing accepts connections on that port (connection refused)".into(),
            },
            ConnectError::Unreachable(e) | ConnectError::Io(e) => Error::Unreachable {
                host_port,
                detail: e.to_string(),
            },
            other => Error::Unreachable {
                host_port,
                detail: other.to_string(),
            },
        }
    }
}

/// The AMI wording, except where it speaks of AMI ports.
fn tls_message(failure: &TlsFailure, host_port: &str) -> String {
    match failure.kind {
        TlsFailureKind::PlainTextPeer => format!(
            "The PBX at {host_port} answered in plain HTTP, not HTTPS: check the port in the Elastix address \
             (HTTPS is usually 443)"
        ),
        TlsFailureKind::ClosedDuringHandshake => format!(
            "The PBX at {host_port} closed the connection during the TLS handshake: is this the PBX's HTTPS \
             port (usually 443)?"
        ),
        _ => failure.message(host_port),
    }
}

fn token_header(token: &Secret) -> Result<HeaderValue> {
    let t = token.expose().trim();
    if t.is_empty() {
        return Err(Error::Config(
            "the Elastix API token is empty: copy it from /var/www/html/api/api.php on the PBX"
                .into(),
        ));
    }
    let mut v = HeaderValue::from_str(t).map_err(|_| {
        Error::Config("the Elastix API token contains characters that cannot be sent (line breaks or control characters)".into())
    })?;
    // Keeps the token out of hyper's own debug output and HPACK tables.
    v.set_sensitive(true);
    Ok(v)
}

fn header_text<B>(resp: &Response<B>, name: hyper::header::HeaderName) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Runs a parser on a blocking thread when the body is large.
async fn parse_off_thread<T, F>(body: Vec<u8>, parse: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&[u8]) -> Result<T> + Send + 'static,
{
    if body.len() <= PARSE_INLINE_LIMIT {
        return parse(&body);
    }
    tokio::task::spawn_blocking(move || parse(&body))
        .await
        .map_err(|e| Error::UnexpectedResponse {
            command: "cdrreport".into(),
            detail: format!("the parser stopped: {e}"),
        })?
}
