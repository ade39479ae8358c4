//! The WebDAV exchanges a sync needs (PROPFIND, REPORT, GET of the
//! well-known address), over hyper's HTTP/1.1 on the AMI crate's TCP or TLS
//! connectors, so an address book trusts certificates exactly as the PBX
//! connection does (system roots, a CA file, or a SHA-256 pin). One
//! connection per request: a sync makes a handful. This module moves bytes;
//! what they mean is in `xml`, `discover` and `sync`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, LOCATION};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use ringside_ami::{Connector, TcpConnector, TlsConnector};

use super::error::{Error, Result};
use super::CardDavConfig;

/// The scheme, host and port every request goes to; paths vary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    /// `host[:port]` as written, for the `Host` header.
    pub authority: String,
}

impl Origin {
    /// Splits `http(s)://host[:port]/path` into the origin and the path.
    pub(crate) fn parse(url: &str) -> Result<(Origin, String)> {
        let url = url.trim();
        let (tls, rest) = match url.split_once("://") {
            Some((s, rest)) if s.eq_ignore_ascii_case("https") => (true, rest),
            Some((s, rest)) if s.eq_ignore_ascii_case("http") => (false, rest),
            _ => {
                return Err(Error::Config(format!(
                    "\"{url}\" is not an http:// or https:// address"
                )))
            }
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let bad = || Error::Config(format!("\"{url}\" has no usable server name or port"));
        let default_port = if tls { 443 } else { 80 };
        let port_of = |p: &str| p.parse::<u16>().map_err(|_| bad());
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => match v6.split_once(']') {
                Some((h, "")) => (h, default_port),
                Some((h, after)) => match after.strip_prefix(':') {
                    Some(p) => (h, port_of(p)?),
                    None => return Err(bad()),
                },
                None => return Err(bad()),
            },
            None => match authority.split_once(':') {
                Some((h, p)) => (h, port_of(p)?),
                None => (authority, default_port),
            },
        };
        if host.is_empty() || authority.contains('@') {
            return Err(bad());
        }
        Ok((
            Origin {
                tls,
                host: host.to_owned(),
                port,
                authority: authority.to_owned(),
            },
            path.to_owned(),
        ))
    }

    /// `host:port`, as messages name the server.
    pub(crate) fn server(&self) -> String {
        format!("{}:{}", self.authority_host(), self.port)
    }

    fn authority_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// The absolute URL of `path` on this origin.
    pub(crate) fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.authority)
    }
}

/// One answer, read whole (capped).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// Sends WebDAV requests to one server, signed in with Basic auth.
#[derive(Debug, Clone)]
pub(crate) struct DavHttp {
    origin: Origin,
    connector: Arc<dyn Connector>,
    auth: HeaderValue,
    user: String,
    timeout: Duration,
    max_body: u64,
}

impl DavHttp {
    pub(crate) fn new(origin: Origin, config: &CardDavConfig) -> Result<DavHttp> {
        if config.user.trim().is_empty() {
            return Err(Error::Config("the user name is empty".into()));
        }
        let connector: Arc<dyn Connector> = if origin.tls {
            let tls = TlsConnector::new(origin.host.clone(), origin.port, config.trust.clone())
                .map_err(|e| Error::Config(format!("the TLS trust cannot be used: {e}")))?;
            Arc::new(tls)
        } else {
            Arc::new(TcpConnector::new(origin.host.clone(), origin.port))
        };
        let credentials = format!("{}:{}", config.user, config.password.expose());
        let mut auth = HeaderValue::from_str(&format!("Basic {}", base64(credentials.as_bytes())))
            .map_err(|_| Error::Config("the user name or password holds a line break".into()))?;
        auth.set_sensitive(true);
        Ok(DavHttp {
            origin,
            connector,
            auth,
            user: config.user.clone(),
            timeout: config.timeout,
            max_body: config.max_response_bytes,
        })
    }

    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    pub(crate) fn user(&self) -> &str {
        &self.user
    }

    /// Sends `method path` with `depth` and an XML `body`; a 401 or 403 is
    /// [`Error::Refused`], anything else is the caller's to judge.
    pub(crate) async fn send(
        &self,
        method: &str,
        path: &str,
        depth: Option<&str>,
        body: &str,
    ) -> Result<Answer> {
        let answer = tokio::time::timeout(self.timeout, self.exchange(method, path, depth, body))
            .await
            .map_err(|_| self.dropped(format!("no answer in {} s", self.timeout.as_secs())))??;
        if answer.status == StatusCode::UNAUTHORIZED || answer.status == StatusCode::FORBIDDEN {
            // A 403 on a sync-collection REPORT can mean an expired token;
            // the caller sees that one by its body before this check.
            if !(answer.status == StatusCode::FORBIDDEN && method == "REPORT") {
                return Err(self.refused());
            }
        }
        Ok(answer)
    }

    pub(crate) fn refused(&self) -> Error {
        Error::Refused {
            server: self.origin.server(),
            user: self.user.clone(),
        }
    }

    pub(crate) fn dropped(&self, detail: String) -> Error {
        Error::Dropped {
            server: self.origin.server(),
            detail,
        }
    }

    pub(crate) fn protocol(&self, detail: impl Into<String>) -> Error {
        Error::Protocol {
            server: self.origin.server(),
            detail: detail.into(),
        }
    }

    async fn exchange(
        &self,
        method: &str,
        path: &str,
        depth: Option<&str>,
        body: &str,
    ) -> Result<Answer> {
        let stream = self
            .connector
            .connect()
            .await
            .map_err(|e| Error::connect(&self.origin.server(), e))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.dropped(e.to_string()))?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "address book connection ended with an error");
            }
        });
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| self.protocol(format!("the method {method} is not valid")))?;
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, self.origin.authority.as_str())
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, "application/xml; charset=utf-8")
            .header(CONTENT_LENGTH, body.len())
            .header(
                "User-Agent",
                concat!("Ringside/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(depth) = depth {
            req = req.header("Depth", depth);
        }
        let req = req
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|e| self.protocol(format!("the path {path} cannot be requested: {e}")))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| self.dropped(e.to_string()))?;
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut incoming = resp.into_body();
        let mut body = Vec::new();
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|e| self.dropped(e.to_string()))?;
            if let Ok(data) = frame.into_data() {
                if (body.len() + data.len()) as u64 > self.max_body {
                    return Err(self.protocol(format!(
                        "an answer larger than {} MB",
                        self.max_body / 1_000_000
                    )));
                }
                body.extend_from_slice(&data);
            }
        }
        Ok(Answer {
            status,
            location,
            body,
        })
    }
}

/// Standard base64 with padding (RFC 4648), for the Basic credentials.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
        ];
        for (plain, want) in cases {
            assert_eq!(base64(plain.as_bytes()), want, "{plain:?}");
        }
    }

    #[test]
    fn urls_split_into_origin_and_path() {
        let (o, p) = Origin::parse("https://dav.example.com/remote.php/dav/").expect("valid");
        assert_eq!(
            (o.tls, o.host.as_str(), o.port, p.as_str()),
            (true, "dav.example.com", 443, "/remote.php/dav/")
        );
        let (o, p) = Origin::parse("http://127.0.0.1:5232").expect("valid");
        assert_eq!(
            (o.tls, o.port, p.as_str(), o.server()),
            (false, 5232, "/", "127.0.0.1:5232".to_owned())
        );
        let (o, _) = Origin::parse("https://[::1]:8443/").expect("valid");
        assert_eq!((o.host.as_str(), o.port), ("::1", 8443));
        for bad in [
            "ftp://x/",
            "dav.example.com",
            "https://user@host/",
            "https://host:99999/",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad} must be refused");
        }
    }
}
