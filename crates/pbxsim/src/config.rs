//! What a simulated PBX is: its AMI users, its dialect, its extensions and
//! trunk, TLS, and what it streams (a capture replay, a demo loop, or only
//! what tests script). Plain data, no I/O except loading TLS material.

use std::fs::File;
use std::io::BufWriter;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::capture::Capture;
use crate::error::{Error, Result};
use crate::fault::Fault;
use crate::openvox::OpenVox;
use crate::scenario::{faster, Scenario};

/// Which Asterisk generation the simulated PBX speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Asterisk 1.8 / AMI 1.1 (Yeastar MyPBX, old Elastix): banner
    /// `Asterisk Call Manager/1.1`, `SIP/` channels, `Event: Dial` with
    /// `SubEvent: Begin|End` and `Destination`, `Event: Bridge` with
    /// `Bridgestate: Link|Unlink`, `Response: Follows` command output.
    /// Actions added after 1.8 (`BlindTransfer`, `ExtensionStateList`,
    /// `DeviceStateList`) are unknown, as on a real 1.8 box.
    Ami11,
    /// Asterisk 12+ (here shaped after Asterisk 23): banner
    /// `Asterisk Call Manager/12.0.0`, `PJSIP/` channels, `DialBegin`/`DialEnd`,
    /// `BridgeEnter`/`BridgeLeave`, `Output:` command lines.
    #[default]
    Modern,
}

impl Dialect {
    /// The banner line (without CRLF) this dialect sends on connect.
    pub fn banner(self) -> &'static str {
        match self {
            Dialect::Ami11 => "Asterisk Call Manager/1.1",
            Dialect::Modern => "Asterisk Call Manager/12.0.0",
        }
    }

    /// The channel technology of phones and the trunk (`SIP` or `PJSIP`).
    pub fn tech(self) -> &'static str {
        match self {
            Dialect::Ami11 => "SIP",
            Dialect::Modern => "PJSIP",
        }
    }
}

/// One AMI account of the simulated PBX (`manager.conf` user).
#[derive(Clone)]
pub struct SimUser {
    /// Login name (`Username`).
    pub name: String,
    /// Password, for plain `Secret` and MD5 `Key` logins.
    pub secret: String,
    /// False when the client's address is outside this user's permit list:
    /// every login as this user then fails with `Authentication failed`,
    /// exactly as Asterisk answers an ACL refusal.
    pub permitted: bool,
    /// The permission classes of the user's `write=` line (`call`,
    /// `originate`, `agent`…; `all` for every one). An action whose
    /// authority has none of them is answered `Permission denied`, and
    /// `ListCommands` does not list it, as manager.c does.
    pub write: Vec<String>,
}

impl SimUser {
    /// A permitted user with `write=all`.
    pub fn new(name: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            secret: secret.into(),
            permitted: true,
            write: vec!["all".into()],
        }
    }

    /// The same user with `write=` these classes only.
    #[must_use]
    pub fn with_write(mut self, classes: &[&str]) -> Self {
        self.write = classes.iter().map(|c| (*c).to_owned()).collect();
        self
    }
}

impl std::fmt::Debug for SimUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimUser")
            .field("name", &self.name)
            .field("secret", &"<redacted>")
            .field("permitted", &self.permitted)
            .field("write", &self.write)
            .finish()
    }
}

/// A phone extension of the simulated PBX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The number, also the endpoint name (`PJSIP/1001`).
    pub number: String,
    /// The caller-ID name of the phone.
    pub name: String,
}

impl Extension {
    /// An extension with its caller-ID name.
    pub fn new(number: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            number: number.into(),
            name: name.into(),
        }
    }
}

/// The extensions of the PBX the captures were recorded on (1000-1005).
pub fn capture_extensions() -> Vec<Extension> {
    [
        ("1000", "Reception"),
        ("1001", "Alice Front Desk"),
        ("1002", "Bob Sales"),
        ("1003", "Carol Support"),
        ("1004", "Dave Accounts"),
        ("1005", "Erin Manager"),
    ]
    .into_iter()
    .map(|(n, name)| Extension::new(n, name))
    .collect()
}

/// A queue of the simulated PBX (`queues.conf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimQueue {
    /// Its name (`support`).
    pub name: String,
    /// Static members (`member => PJSIP/1003`): an extension stands for
    /// its phone's device in the dialect (`PJSIP/1003`, `SIP/1003`); an
    /// interface with a `/` (`Local/1002@internal/n`) is taken as it is.
    pub members: Vec<String>,
}

impl SimQueue {
    /// A queue with these static members.
    pub fn new(name: impl Into<String>, members: &[&str]) -> Self {
        Self {
            name: name.into(),
            members: members.iter().map(|m| (*m).to_owned()).collect(),
        }
    }
}

impl std::str::FromStr for SimQueue {
    type Err = String;

    /// `NAME=MEMBERS`, for the program's `--queue`: the members
    /// comma-separated, each an extension (`1003`), a range of extensions
    /// (`2001-2050`) or an interface (`Local/1002@internal/n`).
    ///
    /// ```
    /// use ringside_pbxsim::SimQueue;
    /// let q: SimQueue = "support=2001-2003,Local/1002@internal/n".parse().unwrap();
    /// assert_eq!(q, SimQueue::new("support", &["2001", "2002", "2003", "Local/1002@internal/n"]));
    /// ```
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (name, list) = s
            .split_once('=')
            .ok_or_else(|| format!("'{s}': give NAME=MEMBERS, such as support=2001-2050"))?;
        let name = name.trim();
        let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if name.is_empty() || !name.chars().all(fine) {
            return Err(format!(
                "'{name}' is not a queue name (letters, digits, '-', '_', '.')"
            ));
        }
        let mut members = Vec::new();
        for m in list.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            if m.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(format!(
                    "member '{}' holds a space or a control character",
                    m.escape_debug()
                ));
            }
            match m.split_once('-').filter(|_| !m.contains('/')) {
                Some((first, last)) => {
                    let range = |n: &str| n.parse::<u32>().ok();
                    let (Some(a), Some(b)) = (range(first), range(last)) else {
                        return Err(format!(
                            "'{m}' is not a range of extensions, such as 2001-2050"
                        ));
                    };
                    if b < a || b - a >= 1000 {
                        return Err(format!(
                            "'{m}': give a range of at most 1000 extensions, the lower first"
                        ));
                    }
                    members.extend((a..=b).map(|n| n.to_string()));
                }
                None => members.push(m.to_owned()),
            }
        }
        Ok(Self {
            name: name.to_owned(),
            members,
        })
    }
}

/// The queues of the PBX the captures were recorded on: `support` with
/// the static members `Local/1002@internal/n` and 1003's phone (the
/// `actions.ami` QueueStatus), and `sales`, which has no members
/// (`queue-abandon`).
pub fn capture_queues() -> Vec<SimQueue> {
    vec![
        SimQueue::new("support", &["Local/1002@internal/n", "1003"]),
        SimQueue::new("sales", &[]),
    ]
}

/// How the dialplan declares the phones' hints: the busy-lamp states that
/// `ExtensionStateList` lists and `ExtensionStatus` events report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hints {
    /// One hint per extension (`exten => 1001,hint,PJSIP/1001`), as FreePBX
    /// and Yeastar write them: every phone is listed and reported from the
    /// start.
    #[default]
    PerExtension,
    /// One pattern hint for them all (`exten => _10XX,hint,PJSIP/${EXTEN}`),
    /// common in hand-written dialplans. Asterisk makes an extension's hint
    /// from the pattern only once something watches it (a phone's BLF
    /// subscription, [`SimHandle::watch_hint`](crate::SimHandle::watch_hint)):
    /// until then `ExtensionStateList` does not list it and no
    /// `ExtensionStatus` reports it. `DeviceStateChange` (12+) and the
    /// endpoint listings still cover every phone.
    Pattern,
}

/// How fast a capture is streamed to each logged-in client.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Write as fast as the client reads: plain `write_all` in a loop, so
    /// TCP back-pressure is the only brake (for benchmarks).
    AsFastAsPossible,
    /// A fixed pause before each packet.
    Delay(Duration),
    /// An even rate of packets per second.
    PerSecond(f64),
}

/// A capture to stream to every client after its login.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The capture, already loaded (share it between servers with `Arc`).
    pub capture: Arc<Capture>,
    /// How fast to stream it.
    pub pace: Pace,
    /// Wait this long after the login before the first packet.
    pub start_delay: Duration,
    /// Start again from the top when the capture ends.
    pub repeat: bool,
    /// Note when each packet of the replay left (for the office benchmark's
    /// latency): see [`SentLog`].
    pub sent_log: Option<Arc<SentLog>>,
}

impl Replay {
    /// Replays `capture` once, as fast as the client reads.
    pub fn new(capture: Arc<Capture>) -> Self {
        Self {
            capture,
            pace: Pace::AsFastAsPossible,
            start_delay: Duration::ZERO,
            repeat: false,
            sent_log: None,
        }
    }
}

/// A file that gets, for the replay to the first session that logs in, one
/// line per packet: its index in the capture and the wall-clock time
/// (microseconds since the Unix epoch) just before its bytes were handed to
/// the socket. Packets written together (an unpaced replay writes chunks)
/// share one time. The lines are buffered and flushed when that replay
/// ends (or its session does), so noting costs no system call per packet.
#[derive(Debug)]
pub struct SentLog {
    path: PathBuf,
    claimed: AtomicBool,
}

impl SentLog {
    /// A log to be written at `path` (created, or emptied, by the session
    /// that claims it).
    pub fn new(path: impl Into<PathBuf>) -> Arc<Self> {
        Arc::new(Self {
            path: path.into(),
            claimed: AtomicBool::new(false),
        })
    }

    /// The file for the first session that asks; `None` for the others,
    /// or when it cannot be created (said on stderr).
    pub(crate) fn claim(&self) -> Option<BufWriter<File>> {
        if self.claimed.swap(true, Ordering::SeqCst) {
            return None;
        }
        match File::create(&self.path) {
            Ok(f) => Some(BufWriter::with_capacity(256 * 1024, f)),
            Err(e) => {
                eprintln!(
                    "ringside-pbxsim: cannot write the sent log {}: {e}",
                    self.path.display()
                );
                None
            }
        }
    }
}

/// TLS for the AMI port (AMI over TLS is `tlsenable=yes` in `manager.conf`).
#[derive(Clone)]
pub enum SimTls {
    /// A ready rustls server configuration.
    Config(Arc<rustls::ServerConfig>),
    /// A PEM certificate chain and PEM private key.
    Pem {
        /// The certificate chain, leaf first.
        cert_chain: Vec<u8>,
        /// The private key (PKCS#8, PKCS#1 or SEC1).
        key: Vec<u8>,
    },
}

impl std::fmt::Debug for SimTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimTls::Config(_) => f.write_str("SimTls::Config(..)"),
            SimTls::Pem { .. } => f.write_str("SimTls::Pem { <redacted> }"),
        }
    }
}

impl SimTls {
    /// Builds the rustls configuration (ring provider, no client auth).
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>> {
        match self {
            SimTls::Config(c) => Ok(c.clone()),
            SimTls::Pem { cert_chain, key } => {
                let certs = CertificateDer::pem_slice_iter(cert_chain)
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| Error::Tls(format!("certificate: {e}")))?;
                if certs.is_empty() {
                    return Err(Error::Tls("no certificate in the PEM data".into()));
                }
                let key = PrivateKeyDer::from_pem_slice(key)
                    .map_err(|e| Error::Tls(format!("private key: {e}")))?;
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let config = rustls::ServerConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| Error::Tls(e.to_string()))?
                    .with_no_client_auth()
                    .with_single_cert(certs, key)
                    .map_err(|e| Error::Tls(e.to_string()))?;
                Ok(Arc::new(config))
            }
        }
    }
}

/// Everything the simulated PBX needs to start.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; `127.0.0.1:0` (the default) picks a free port.
    pub listen: SocketAddr,
    /// AMI accounts.
    pub users: Vec<SimUser>,
    /// Which Asterisk generation to speak.
    pub dialect: Dialect,
    /// Phone extensions (default: the captures' 1000-1005).
    pub extensions: Vec<Extension>,
    /// The SIP trunk endpoint external calls arrive on (default `carrier`).
    pub trunk: String,
    /// How the dialplan declares hints (default: one per extension).
    pub hints: Hints,
    /// TLS on the AMI port, or plain TCP when `None`.
    pub tls: Option<SimTls>,
    /// A capture streamed to each client after its login.
    pub replay: Option<Replay>,
    /// Play the demo loop (a new call every this often) for as long as the
    /// server runs.
    pub demo_every: Option<Duration>,
    /// How many times faster than real time the demo plays, so a soak can
    /// run a working day's calls in minutes: the period between its calls
    /// (and texts), every call's ring and talk times (queue waits
    /// included) and the lot's parking time are divided by it
    /// ([`SimConfig::demo_plan`], [`SimConfig::lot_parking_time`]).
    /// 1 (the default) is real time; a value that is not a positive finite
    /// number counts as 1.
    pub demo_speed: f64,
    /// A fault applied to every session from the start.
    pub fault: Option<Fault>,
    /// A banner line other than the dialect's (without line end), e.g.
    /// Grandstream UCM's `Asterisk Call Manager/2.7.0`. A replayed capture's
    /// own banner wins over both.
    pub banner: Option<String>,
    /// Close a connection that has not logged in within this time, as
    /// Asterisk's `authtimeout` and Grandstream's 30 s idle limit do.
    /// `None` (the default) waits forever.
    pub login_timeout: Option<Duration>,
    /// Act as an OpenVox GSM gateway: answer `gsm send sms`, and (with a
    /// demo loop) receive SMS now and then. `None`: a PBX without GSM.
    pub openvox: Option<OpenVox>,
    /// The queues (default: the captures' `support` and `sales`).
    pub queues: Vec<SimQueue>,
    /// How long a call parked with the `Park` action waits before it
    /// rings its parker again (Asterisk's default `parkingtime`, 45 s).
    /// The lot is `default`, spaces 71–79, as on the capture PBX.
    pub parking_time: Duration,
    /// Voicemail already waiting: `(extension, new, old)` messages.
    pub voicemail: Vec<(String, u32, u32)>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            users: vec![SimUser::new("ringside", "ringside-secret")],
            dialect: Dialect::Modern,
            extensions: capture_extensions(),
            trunk: "carrier".into(),
            hints: Hints::PerExtension,
            tls: None,
            replay: None,
            demo_every: None,
            demo_speed: 1.0,
            fault: None,
            login_timeout: None,
            banner: None,
            openvox: None,
            queues: capture_queues(),
            parking_time: Duration::from_secs(45),
            voicemail: Vec::new(),
        }
    }
}

impl SimConfig {
    /// The default configuration in the given dialect.
    pub fn dialect(dialect: Dialect) -> Self {
        Self {
            dialect,
            ..Self::default()
        }
    }

    /// Sets a queue (in place of one of the same name); the extensions
    /// among its members that the PBX lacks become phones of their own,
    /// named `Agent <ext>`, so their calls change the members' state.
    pub fn set_queue(&mut self, queue: SimQueue) {
        for m in queue.members.iter().filter(|m| !m.contains('/')) {
            if !self.extensions.iter().any(|e| &e.number == m) {
                self.extensions
                    .push(Extension::new(m.clone(), format!("Agent {m}")));
            }
        }
        self.queues.retain(|q| q.name != queue.name);
        self.queues.push(queue);
    }

    /// The demo as it plays, `None` without one: the period between its
    /// calls and the rotating calls ([`Scenario::demo_set`]), both at
    /// [`SimConfig::demo_speed`].
    pub fn demo_plan(&self) -> Option<(Duration, Vec<Scenario>)> {
        let every = faster(self.demo_every?, self.demo_speed);
        let calls = Scenario::demo_set()
            .into_iter()
            .map(|s| s.faster(self.demo_speed))
            .collect();
        Some((every, calls))
    }

    /// How long a parked call waits before it rings its parker again: the
    /// parking time at [`SimConfig::demo_speed`], so the demo's parked
    /// calls come back as often as its calls come in.
    pub fn lot_parking_time(&self) -> Duration {
        faster(self.parking_time, self.demo_speed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_option_lists_extensions_ranges_and_interfaces() {
        let q: SimQueue = " support = 2001-2003 , 1003,Local/1002@from-queue/n,"
            .parse()
            .expect("a valid queue");
        assert_eq!(
            q,
            SimQueue::new(
                "support",
                &["2001", "2002", "2003", "1003", "Local/1002@from-queue/n"]
            ),
            "a range is every extension in it; an interface (with '/') is kept whole"
        );
        let empty: SimQueue = "sales=".parse().expect("a valid queue");
        assert!(empty.members.is_empty(), "a queue may have no members");
        for (bad, says) in [
            ("support", "'support': give NAME=MEMBERS"),
            ("sup port=1001", "'sup port' is not a queue name"),
            (
                "support=2050-2001",
                "'2050-2001': give a range of at most 1000",
            ),
            (
                "support=2001-9999",
                "'2001-9999': give a range of at most 1000",
            ),
            ("support=20a1-2050", "'20a1-2050' is not a range"),
            (
                "support=1001\r\nAction: Logoff",
                "member '1001\\r\\nAction: Logoff' holds",
            ),
        ] {
            let e = bad.parse::<SimQueue>().expect_err(bad);
            assert!(e.starts_with(says), "{bad:?}: {e}");
        }
    }

    #[test]
    fn a_set_queue_replaces_its_namesake_and_adds_its_agents_as_phones() {
        let mut config = SimConfig::default();
        config.set_queue("support=1003,2001-2002".parse().expect("a valid queue"));
        let support: Vec<_> = config
            .queues
            .iter()
            .filter(|q| q.name == "support")
            .collect();
        assert_eq!(support.len(), 1, "the captures' support queue is replaced");
        assert_eq!(support[0].members, ["1003", "2001", "2002"]);
        assert!(
            config.queues.iter().any(|q| q.name == "sales"),
            "other queues stay"
        );
        let names: Vec<_> = config
            .extensions
            .iter()
            .map(|e| (e.number.as_str(), e.name.as_str()))
            .collect();
        assert!(
            names.contains(&("1003", "Carol Support")),
            "a known phone keeps its name"
        );
        assert!(names.contains(&("2001", "Agent 2001")) && names.contains(&("2002", "Agent 2002")));
        assert_eq!(
            names.len(),
            8,
            "the six capture phones and the two agents: {names:?}"
        );
    }

    #[test]
    fn the_demo_plays_at_its_speed_and_real_time_by_default() {
        let every = Duration::from_secs(4);
        let plain = SimConfig {
            demo_every: Some(every),
            ..SimConfig::default()
        };
        assert_eq!(plain.demo_speed, 1.0, "real time unless asked");
        let (period, calls) = plain.demo_plan().expect("a demo");
        assert_eq!(period, every);
        assert_eq!(calls, Scenario::demo_set(), "the calls as they always were");
        assert_eq!(plain.lot_parking_time(), Duration::from_secs(45));
        assert!(SimConfig::default().demo_plan().is_none(), "no demo asked");

        let fast = SimConfig {
            demo_speed: 8.0,
            ..plain
        };
        let (period, calls) = fast.demo_plan().expect("a demo");
        assert_eq!(period, Duration::from_millis(500));
        assert_eq!(calls.len(), Scenario::demo_set().len());
        for (fast, real) in calls.iter().zip(Scenario::demo_set()) {
            let (f, r) = (fast.timing(), real.timing());
            assert_eq!((f.ring, f.talk), (r.ring / 8, r.talk / 8), "{real:?}");
            assert_eq!(
                fast.clone().with_timing(r.ring, r.talk),
                real,
                "only the times change"
            );
        }
        // The callers waiting in queue `sales` give up after 40 s of theirs.
        assert!(calls.iter().any(
            |c| matches!(c, Scenario::Queue { timing, .. } if timing.ring == Duration::from_secs(5))
        ));
        assert_eq!(fast.lot_parking_time(), Duration::from_millis(5625));
        assert_eq!(
            fast.parking_time,
            Duration::from_secs(45),
            "the configured parking time is kept as given"
        );
    }

    #[test]
    fn a_speed_that_is_no_speed_plays_in_real_time() {
        for speed in [0.0, -2.0, f64::NAN, f64::INFINITY] {
            let c = SimConfig {
                demo_every: Some(Duration::from_secs(8)),
                demo_speed: speed,
                ..SimConfig::default()
            };
            let (period, calls) = c.demo_plan().expect("a demo");
            assert_eq!(period, Duration::from_secs(8), "{speed}");
            assert_eq!(calls, Scenario::demo_set(), "{speed}");
            assert_eq!(c.lot_parking_time(), Duration::from_secs(45), "{speed}");
        }
    }
}
