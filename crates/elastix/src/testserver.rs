//! A local HTTPS Elastix API server for tests, benches and the app's demo
//! mode (feature `test-server`): a self-signed certificate made at start,
//! the API document's example answers byte for byte, generated CDR rows in
//! any number, generated WAV recordings, and canned answers to simulate a
//! broken PBX. It checks the `Authorization` header like the real API and
//! keeps every request it saw so tests can check what the client sent.
//!
//! It binds `127.0.0.1:0`, so tests need no fixed ports. It is not a
//! product server: it holds everything in memory and trusts its callers.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_DISPOSITION, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ringside_ami::{CertFingerprint, TlsTrust};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::time::{PbxDateTime, UtcOffset};

/// The API document's `cdrreport` example, byte for byte.
pub const SEED_CDRREPORT: &[u8] = include_bytes!("../../../tests/fixtures/elastix/cdrreport.json");
/// The API document's `sippeers` example, byte for byte.
pub const SEED_SIPPEERS: &[u8] = include_bytes!("../../../tests/fixtures/elastix/sippeers.json");
/// The API document's `activecall` example, byte for byte.
pub const SEED_ACTIVECALL: &[u8] =
    include_bytes!("../../../tests/fixtures/elastix/activecall.json");
/// The API document's answer for a missing recording, byte for byte.
pub const SEED_WAV_NOT_FOUND: &[u8] =
    include_bytes!("../../../tests/fixtures/elastix/getwavfile_404.json");
/// The answer to a wrong token. The API document does not show one; this
/// follows the shape of its other status answers.
pub const UNAUTHORIZED_BODY: &[u8] = br#"{"status": "Unauthorized", "code": 401}"#;

/// Which certificate the server presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TestCertificate {
    /// A fresh self-signed certificate for `localhost` and `127.0.0.1`, as Elastix ships.
    #[default]
    SelfSigned,
    /// A certificate that expired in 2020, signed by a fresh CA
    /// ([`TestServer::ca_der`]), to test the "expired" message.
    ExpiredFromCa,
}

/// What `cdrreport` answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CdrSource {
    /// The API document's example, byte for byte, whatever the filters.
    Seed,
    /// `rows` generated rows starting at `first_call` (one call every 7 s),
    /// honouring `start_date`, `end_date` and `limit`.
    Synthetic {
        /// How many rows in all.
        rows: usize,
        /// The first call's time.
        first_call: PbxDateTime,
    },
}

/// A fixed answer for one command, replacing the normal one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// The body, sent as is.
    pub body: Bytes,
}

impl CannedResponse {
    /// A `200` JSON answer with these bytes.
    pub fn json(body: impl Into<Bytes>) -> Self {
        Self {
            status: 200,
            content_type: "application/json".into(),
            body: body.into(),
        }
    }

    /// An answer with any status, type and body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            content_type: content_type.into(),
            body: body.into(),
        }
    }
}

/// A request the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRequest {
    /// `POST`, `GET`, ...
    pub method: String,
    /// The `cmd` query parameter.
    pub command: String,
    /// Whether the `Authorization` header carried the right token.
    pub authorized: bool,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The form parameters of the body, in order.
    pub form: Vec<(String, String)>,
}

/// How to start a [`TestServer`].
#[derive(Debug, Clone)]
pub struct TestServerOptions {
    /// The API token the server accepts.
    pub token: String,
    /// The certificate it presents.
    pub certificate: TestCertificate,
    /// What `cdrreport` answers with.
    pub cdr: CdrSource,
}

impl Default for TestServerOptions {
    fn default() -> Self {
        Self {
            token: "kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj".into(),
            certificate: TestCertificate::SelfSigned,
            cdr: CdrSource::Seed,
        }
    }
}

#[derive(Debug)]
struct State {
    token: String,
    cdr: CdrSource,
    canned: HashMap<String, CannedResponse>,
    recordings: HashMap<String, Bytes>,
    seen: Vec<SeenRequest>,
}

/// A running test server; stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    fingerprint: CertFingerprint,
    ca: Option<CertificateDer<'static>>,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panicking test thread must not hide the state from the others.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl TestServer {
    /// Starts a server on `127.0.0.1:0`.
    pub async fn start(options: TestServerOptions) -> std::io::Result<Self> {
        let (chain, key, ca) = make_identity(options.certificate).map_err(std::io::Error::other)?;
        let fingerprint = CertFingerprint::of(&chain[0]);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(std::io::Error::other)?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            token: options.token,
            cdr: options.cdr,
            canned: HashMap::new(),
            recordings: HashMap::new(),
            seen: Vec::new(),
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let state = shared.clone();
                tokio::spawn(async move {
                    // A refused handshake is what the TLS tests provoke.
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(answer(&state, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            fingerprint,
            ca,
            state,
            task,
        })
    }

    /// `https://127.0.0.1:<port>/api/api.php`.
    pub fn base_url(&self) -> String {
        format!("https://{}/api/api.php", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The SHA-256 fingerprint of the certificate it presents.
    pub fn fingerprint(&self) -> CertFingerprint {
        self.fingerprint
    }

    /// Trust that accepts exactly this server's certificate.
    pub fn pinned_trust(&self) -> TlsTrust {
        TlsTrust::Pinned(self.fingerprint)
    }

    /// The CA that signed the certificate, for [`TestCertificate::ExpiredFromCa`].
    pub fn ca_der(&self) -> Option<CertificateDer<'static>> {
        self.ca.clone()
    }

    /// The token it accepts.
    pub fn token(&self) -> String {
        lock(&self.state).token.clone()
    }

    /// Answers `command` with `response` from now on.
    pub fn respond_with(&self, command: &str, response: CannedResponse) {
        lock(&self.state)
            .canned
            .insert(command.to_owned(), response);
    }

    /// Serves `bytes` as the recording called `name` (`/2015/12/05/x.wav`).
    pub fn add_recording(&self, name: &str, bytes: impl Into<Bytes>) {
        lock(&self.state)
            .recordings
            .insert(name.to_owned(), bytes.into());
    }

    /// Changes what `cdrreport` answers with.
    pub fn set_cdr(&self, cdr: CdrSource) {
        lock(&self.state).cdr = cdr;
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<SeenRequest> {
        lock(&self.state).seen.clone()
    }
}

type Identity = (
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
    Option<CertificateDer<'static>>,
);

fn make_identity(kind: TestCertificate) -> Result<Identity, rcgen::Error> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    match kind {
        TestCertificate::SelfSigned => {
            let ck = rcgen::generate_simple_self_signed(names)?;
            Ok((
                vec![ck.cert.der().clone()],
                PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()).into(),
                None,
            ))
        }
        TestCertificate::ExpiredFromCa => {
            let ca_key = rcgen::KeyPair::generate()?;
            let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
            ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            ca_params
                .distinguished_name
                .push(rcgen::DnType::CommonName, "Ringside Test CA");
            let ca = ca_params.self_signed(&ca_key)?;
            let key = rcgen::KeyPair::generate()?;
            let mut params = rcgen::CertificateParams::new(names)?;
            params.not_before = rcgen::date_time_ymd(2019, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 1, 1);
            let cert = params.signed_by(&key, &ca, &ca_key)?;
            Ok((
                vec![cert.der().clone()],
                PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
                Some(ca.der().clone()),
            ))
        }
    }
}

fn reply(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = content_type.parse() {
        resp.headers_mut().insert(CONTENT_TYPE, v);
    }
    resp
}

fn pairs(s: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(s)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(list: &'a [(String, String)], key: &str) -> Option<&'a str> {
    list.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

async fn answer(state: &Mutex<State>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().to_string();
    let query = pairs(req.uri().query().unwrap_or_default().as_bytes());
    let auth = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let form = pairs(&body);
    let command = param(&query, "cmd").unwrap_or_default().to_owned();

    let (authorized, canned, cdr, recording) = {
        let mut st = lock(state);
        let authorized = auth.as_deref() == Some(st.token.as_str());
        st.seen.push(SeenRequest {
            method,
            command: command.clone(),
            authorized,
            content_type,
            query: query.clone(),
            form: form.clone(),
        });
        let recording = param(&query, "name").and_then(|n| st.recordings.get(n).cloned());
        (
            authorized,
            st.canned.get(&command).cloned(),
            st.cdr.clone(),
            recording,
        )
    };
    if !authorized {
        return reply(401, "application/json", UNAUTHORIZED_BODY);
    }
    if let Some(c) = canned {
        return reply(c.status, &c.content_type, c.body);
    }
    match command.as_str() {
        "cdrreport" => cdrreport_reply(cdr, &form),
        "sippeers" => reply(200, "application/json", SEED_SIPPEERS),
        "activecall" => reply(200, "application/json", SEED_ACTIVECALL),
        "getwavfile" => getwavfile_reply(recording, &query),
        _ => reply(
            400,
            "application/json",
            &br#"{"status": "Unknown command", "code": 400}"#[..],
        ),
    }
}

/// `cdrreport`: the seed as is, or generated rows filtered by the form's
/// `start_date`, `end_date` and `limit`.
fn cdrreport_reply(cdr: CdrSource, form: &[(String, String)]) -> Response<Full<Bytes>> {
    match cdr {
        CdrSource::Seed => reply(200, "application/json", SEED_CDRREPORT),
        CdrSource::Synthetic { rows, first_call } => {
            let from = param(form, "start_date").and_then(|s| s.parse().ok());
            let to = param(form, "end_date").and_then(|s| s.parse().ok());
            let limit = param(form, "limit").and_then(|s| s.parse().ok());
            reply(
                200,
                "application/json",
                synthetic_cdr_json(rows, first_call, from, to, limit),
            )
        }
    }
}

/// `getwavfile`: the recording named in the query as an attachment, or the
/// API document's 404 answer.
fn getwavfile_reply(recording: Option<Bytes>, query: &[(String, String)]) -> Response<Full<Bytes>> {
    match recording {
        Some(wav) => {
            let name = param(query, "name").unwrap_or_default();
            let file = name.rsplit('/').next().unwrap_or_default();
            let mut resp = reply(200, "application/octet-stream", wav);
            if let Ok(v) = format!("attachment; filename={file}").parse() {
                resp.headers_mut().insert(CONTENT_DISPOSITION, v);
            }
            resp
        }
        None => reply(404, "application/json", SEED_WAV_NOT_FOUND),
    }
}

/// A mono 16-bit 8 kHz WAV file of `seconds` seconds of a 400 Hz tone, as
/// Asterisk records (`wav` format): 44 header bytes plus 16,000 per second.
pub fn synthetic_wav(seconds: u32) -> Vec<u8> {
    let samples = 8000 * seconds;
    let data_len = samples * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&8000u32.to_le_bytes());
    out.extend_from_slice(&16000u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..samples {
        // A triangle wave: 400 Hz is 20 samples per period at 8 kHz.
        let phase = (i % 20) as i32;
        let v = if phase < 10 {
            phase * 1600 - 8000
        } else {
            (20 - phase) * 1600 - 8000
        };
        out.extend_from_slice(&(v as i16).to_le_bytes());
    }
    out
}

/// Seconds between two generated calls.
const CALL_SPACING_S: i64 = 7;

/// One generated CDR row in the API document's layout (`\/` escapes and all).
#[allow(clippy::too_many_arguments)]
fn push_row(
    out: &mut String,
    calldate: &str,
    (src, dst, dcontext): (&str, &str, &str),
    (channel, dstchannel): (&str, &str),
    (lastapp, lastdata): (&str, &str),
    (duration, billsec, disposition): (u32, u32, &str),
    uniqueid: &str,
    recordingfile: &str,
    did: &str,
) {
    let esc = |s: &str| s.replace('/', "\\/");
    if out.len() > 1 {
        out.push_str(", ");
    }
    let _ = write!(
        out,
        "{{\n    \"calldate\": \"{calldate}\",\n    \"clid\": \"\\\"{src}\\\" <{src}>\",\n    \"src\": \"{src}\",\n    \"dst\": \"{dst}\",\n    \"dcontext\": \"{dcontext}\",\n    \"channel\": \"{}\",\n    \"dstchannel\": \"{}\",\n    \"lastapp\": \"{lastapp}\",\n    \"lastdata\": \"{}\",\n    \"duration\": \"{duration}\",\n    \"billsec\": \"{billsec}\",\n    \"disposition\": \"{disposition}\",\n    \"amaflags\": \"3\",\n    \"accountcode\": \"\",\n    \"uniqueid\": \"{uniqueid}\",\n    \"userfield\": \"\",\n    \"recordingfile\": \"{recordingfile}\",\n    \"cnum\": \"{src}\",\n    \"cnam\": \"{src}\",\n    \"outbound_cnum\": \"\",\n    \"outbound_cnam\": \"\",\n    \"dst_cnam\": \"\",\n    \"did\": \"{did}\"\n}}",
        esc(channel),
        esc(dstchannel),
        esc(lastdata),
    );
}

/// `rows` generated CDR rows as the API would send them: one call every
/// 7 s from `first_call`, cycling through five kinds of call (inbound
/// answered and recorded, outbound answered and recorded, internal
/// unanswered, inbound through a queue with two rows of one uniqueid, and
/// inbound ending in the IVR). `from`, `to` and `limit` filter like the
/// API's `start_date`, `end_date` and `limit`.
pub fn synthetic_cdr_json(
    rows: usize,
    first_call: PbxDateTime,
    from: Option<PbxDateTime>,
    to: Option<PbxDateTime>,
    limit: Option<usize>,
) -> Vec<u8> {
    let base = first_call.to_unix_ms(UtcOffset::UTC) / 1000;
    let limit = limit.unwrap_or(usize::MAX);
    let mut out = String::with_capacity(rows.min(limit) * 760 + 2);
    out.push('[');
    let (mut made, mut sent, mut call) = (0usize, 0usize, 0i64);
    while made < rows && sent < limit {
        let c = SynthCall::new(base, call);
        let wanted = from.is_none_or(|f| c.when >= f) && to.is_none_or(|e| c.when <= e);
        let mut emit = |out: &mut String, f: &dyn Fn(&mut String)| {
            if made < rows {
                made += 1;
                if wanted && sent < limit {
                    sent += 1;
                    f(out);
                }
            }
        };
        match call % 5 {
            0 => emit(&mut out, &|o| push_inbound_answered(o, &c)),
            1 => emit(&mut out, &|o| push_outbound_answered(o, &c)),
            2 => emit(&mut out, &|o| push_internal_unanswered(o, &c)),
            3 => {
                emit(&mut out, &|o| {
                    push_queue_leg(o, &c, ("104", 1), (15, 0, "NO ANSWER"));
                });
                emit(&mut out, &|o| {
                    push_queue_leg(o, &c, ("105", 2), (75, 60, "ANSWERED"));
                });
            }
            _ => emit(&mut out, &|o| push_ivr(o, &c)),
        }
        call += 1;
    }
    out.push(']');
    out.into_bytes()
}

/// What the rows of generated call number `n` share: its time, uniqueid
/// and outside number.
struct SynthCall {
    /// The call's number, from 0.
    n: i64,
    /// When it started.
    when: PbxDateTime,
    /// `when` as the `calldate` text.
    date: String,
    /// `when` as recording file names write it (`20240101-000000`).
    stamp: String,
    /// The uniqueid: Unix seconds, a dot, the call's number.
    uid: String,
    /// The outside party's number.
    outside: String,
}

impl SynthCall {
    fn new(base: i64, n: i64) -> Self {
        let t = base + n * CALL_SPACING_S;
        let when = PbxDateTime::from_unix_ms(t * 1000, UtcOffset::UTC);
        Self {
            n,
            when,
            date: when.to_string(),
            stamp: format!(
                "{:04}{:02}{:02}-{:02}{:02}{:02}",
                when.year, when.month, when.day, when.hour, when.minute, when.second
            ),
            uid: format!("{t}.{n}"),
            outside: format!("05{:09}", 300_000_000 + n % 700_000_000),
        }
    }

    /// The `k`th channel's sequence suffix, unique across calls.
    fn seq(&self, k: i64) -> String {
        format!("{:08x}", self.n * 2 + k)
    }
}

/// An outside call to 101 through a DID, answered and recorded.
fn push_inbound_answered(o: &mut String, c: &SynthCall) {
    push_row(
        o,
        &c.date,
        (&c.outside, "101", "from-did-direct"),
        (
            &format!("SIP/902422277777-{}", c.seq(0)),
            &format!("SIP/101-{}", c.seq(1)),
        ),
        ("Dial", "SIP/101,,tr"),
        (53, 26, "ANSWERED"),
        &c.uid,
        &format!("exten-101-{}-{}-{}.wav", c.outside, c.stamp, c.uid),
        "902422277777",
    );
}

/// 102 calling out through the trunk, answered and recorded.
fn push_outbound_answered(o: &mut String, c: &SynthCall) {
    push_row(
        o,
        &c.date,
        ("102", &c.outside, "from-internal"),
        (
            &format!("SIP/102-{}", c.seq(0)),
            &format!("SIP/900000000000-{}", c.seq(1)),
        ),
        ("Dial", &format!("SIP/900000000000/{},300,", c.outside)),
        (95, 80, "ANSWERED"),
        &c.uid,
        &format!("out-{}-102-{}-{}.wav", c.outside, c.stamp, c.uid),
        "",
    );
}

/// 101 calling 103, who does not answer.
fn push_internal_unanswered(o: &mut String, c: &SynthCall) {
    push_row(
        o,
        &c.date,
        ("101", "103", "from-internal"),
        (
            &format!("SIP/101-{}", c.seq(0)),
            &format!("SIP/103-{}", c.seq(1)),
        ),
        ("Dial", "SIP/103,,trM(auto-blkvm)"),
        (20, 0, "NO ANSWER"),
        &c.uid,
        "",
        "",
    );
}

/// One row of an outside call through queue 0001: the leg to `agent`,
/// whose channel is the call's `k`th, and how that leg went.
fn push_queue_leg(
    o: &mut String,
    c: &SynthCall,
    (agent, k): (&str, i64),
    (duration, billsec, disposition): (u32, u32, &str),
) {
    push_row(
        o,
        &c.date,
        (&c.outside, "0001", "ext-queues"),
        (
            &format!("SIP/902422277777-{}", c.seq(0)),
            &format!("SIP/{agent}-{}", c.seq(k)),
        ),
        ("Queue", "0001,t,,,,,,,,"),
        (duration, billsec, disposition),
        &c.uid,
        "",
        "902422277777",
    );
}

/// An outside call that ends in the IVR, ringing no phone.
fn push_ivr(o: &mut String, c: &SynthCall) {
    push_row(
        o,
        &c.date,
        (&c.outside, "s", "ivr-4"),
        (&format!("SIP/902422277777-{}", c.seq(0)), ""),
        ("BackGround", "custom/giris_santral"),
        (7, 7, "ANSWERED"),
        &c.uid,
        "",
        "902422277777",
    );
}
