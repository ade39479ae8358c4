//! Office mode end to end with a real Mosquitto (Debian's `mosquitto`),
//! started by the test on a free loopback port with TLS (a CA and a
//! server certificate made here), a password file (`mosquitto_passwd`)
//! and the ACL file the gateway writes: the simulated PBX → the
//! `ringside-gateway` binary → Mosquitto → desks, and the broker and the
//! gateway each refusing what a desk may not do.
//!
//! Under Wine (scripts/test-windows.sh) each test is skipped by name: the
//! broker is a Linux program a Windows test process cannot start. The
//! gateway runs on the office's Linux server; the desks' side of office
//! mode is the CLI's and the app's, whose own tests run there.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ringside_calls::lines;
use ringside_calls::live::{self, Live, LiveUpdate};
use ringside_calls::tracker::TrackerConfig;
use ringside_calls::CallTracker;
use ringside_gateway::desk::{AssignedView, OfficeText, ViewFollower, VIEW_WAIT};
use ringside_gateway::feed::{DeskFeed, SNAPSHOT_EVERY};
use ringside_gateway::session::{self, Login, SessionEvent};
use ringside_gateway::{BrokerUrl, Topics};
use ringside_pbxsim::{Dialect, Party, PbxSim, Scenario, SimConfig, SimHandle};
use rumqttc::v5::mqttbytes::v5::{Packet, PubAckReason, PublishProperties, SubscribeReasonCode};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::AsyncClient;
use serde_json::Value;

const DESKS: [(&str, &str); 3] = [
    ("reception", "1001"),
    ("sales", "1002"),
    ("support", "1003"),
];

/// Each desk with its extensions, for the broker's ACL.
fn desk_extensions() -> Vec<(&'static str, Vec<String>)> {
    DESKS
        .iter()
        .map(|(u, e)| (*u, vec![(*e).to_owned()]))
        .collect()
}

/// A process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Mosquitto with TLS, passwords and the gateway's ACL, in a temp dir.
struct Broker {
    /// The running broker (killed when dropped).
    proc: Option<Proc>,
    dir: tempfile::TempDir,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn write_certs(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).expect("ca cert");
    let key = KeyPair::generate().expect("server key");
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("server params")
        .signed_by(&key, &ca_cert, &ca_key)
        .expect("server cert");
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).expect("ca.pem");
    std::fs::write(dir.join("server.pem"), server.pem()).expect("server.pem");
    std::fs::write(dir.join("server.key"), key.serialize_pem()).expect("server.key");
}

impl Broker {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        write_certs(d);
        let passwd = d.join("passwd");
        // "visitor" may log in to the broker but is no desk of the gateway's.
        for (i, user) in [
            "ringside-gateway",
            "reception",
            "sales",
            "support",
            "visitor",
        ]
        .iter()
        .enumerate()
        {
            let mut cmd = Command::new("mosquitto_passwd");
            if i == 0 {
                cmd.arg("-c");
            }
            let ok = cmd
                .args([
                    "-b",
                    passwd.to_str().expect("utf-8"),
                    user,
                    &format!("{user}-pw"),
                ])
                .status()
                .expect("mosquitto_passwd runs (Debian's mosquitto package)");
            assert!(ok.success(), "password for {user}");
        }
        std::fs::write(
            d.join("acl"),
            Topics::default().mosquitto_acl(
                "ringside-gateway",
                desk_extensions().iter().map(|(u, e)| (*u, e.as_slice())),
            ),
        )
        .expect("acl");
        let port = free_port();
        let conf = format!(
            "listener {port} 127.0.0.1\nallow_anonymous false\npersistence false\nset_tcp_nodelay true\n\
             cafile {0}/ca.pem\ncertfile {0}/server.pem\nkeyfile {0}/server.key\n\
             password_file {0}/passwd\nacl_file {0}/acl\nlog_dest stderr\nlog_type error\n",
            d.display()
        );
        std::fs::write(d.join("mosquitto.conf"), conf).expect("conf");
        let proc = Self::spawn(d, port);
        Self {
            proc: Some(proc),
            dir,
            port,
        }
    }

    /// Mosquitto on `port` with the configuration in `dir`, listening.
    fn spawn(dir: &Path, port: u16) -> Proc {
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(dir.join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("mosquitto starts");
        let proc = Proc(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "mosquitto listens within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        proc
    }

    /// Stops the broker (its retained messages are lost: no persistence)
    /// and starts it again on the same port.
    fn restart(&mut self) {
        self.proc = None;
        std::thread::sleep(Duration::from_millis(300));
        self.proc = Some(Self::spawn(self.dir.path(), self.port));
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn url(&self) -> String {
        format!("mqtts://127.0.0.1:{}", self.port)
    }

    fn login(&self, user: &str) -> Login {
        let pem = std::fs::read(self.ca()).expect("ca");
        Login {
            broker: BrokerUrl::parse(&self.url()).expect("url"),
            user: user.into(),
            password: ringside_ami::Secret::new(format!("{user}-pw")),
            trust: Some(ringside_config::tls_trust(None, Some(&pem)).expect("trust")),
            client_id: format!("test-{user}-{}", rand_id()),
        }
    }
}

fn rand_id() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// The gateway binary, configured for the three desks.
fn start_gateway(broker: &Broker, sim: &SimHandle) -> Proc {
    start_gateway_with(broker, sim, "")
}

/// The same, with `top` (top-level keys) at the head of its configuration.
fn start_gateway_with(broker: &Broker, sim: &SimHandle, top: &str) -> Proc {
    let path = write_gateway_config(broker, sim, top);
    let child = gateway_command(&path, "ringside-gateway-pw")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("ringside-gateway starts");
    Proc(child)
}

/// The gateway's configuration for the three desks, written beside the
/// broker's.
fn write_gateway_config(broker: &Broker, sim: &SimHandle, top: &str) -> PathBuf {
    let mut desks = String::new();
    for (user, ext) in DESKS {
        desks.push_str(&format!(
            "[[desk]]\nuser = \"{user}\"\nextensions = [\"{ext}\"]\n\n"
        ));
    }
    let conf = format!(
        "{top}[pbx]\naddress = \"{}\"\nuser = \"ringside\"\n\n[broker]\nurl = \"{}\"\nuser = \"ringside-gateway\"\nca = \"{}\"\n\n{desks}",
        sim.addr(),
        broker.url(),
        broker.ca().display()
    );
    let path = broker.dir.path().join("gateway.toml");
    std::fs::write(&path, conf).expect("gateway.toml");
    path
}

/// `ringside-gateway --config PATH` with the AMI secret and this broker
/// password in its environment.
fn gateway_command(path: &Path, broker_password: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ringside-gateway"));
    cmd.arg("--config")
        .arg(path)
        .env("RINGSIDE_AMI_SECRET", "ringside-secret")
        .env("RINGSIDE_BROKER_PASSWORD", broker_password);
    cmd
}

/// The `ringside` binary cargo built beside this test (the CLI is another
/// package, so its path is found in the target directory, not by `env!`).
fn ringside_cli() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let cli = dir.join(format!("ringside{}", std::env::consts::EXE_SUFFIX));
    assert!(
        cli.exists(),
        "{} is missing: build the CLI first (cargo build -p ringside-cli), as cargo test --workspace does",
        cli.display()
    );
    cli
}

/// `ringside ARGS --broker … --broker-user USER --broker-ca …`.
fn cli_office(broker: &Broker, user: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(ringside_cli());
    cmd.args(args)
        .arg("--broker")
        .arg(broker.url())
        .arg("--broker-user")
        .arg(user)
        .arg("--broker-ca")
        .arg(broker.ca())
        .env("RINGSIDE_BROKER_PASSWORD", format!("{user}-pw"));
    cmd
}

/// Starts `cmd` (a `ringside` CLI command): the process, killed when
/// dropped, and its stdout's lines as they come.
fn cli_lines(mut cmd: Command) -> (Proc, mpsc::Receiver<String>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .expect("the ringside CLI starts");
    let out = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    (Proc(child), lines)
}

/// What a desk hears: its printed lines, the gateway's status, answers and
/// acknowledgements.
#[derive(Debug)]
enum Heard {
    Line(String),
    Status(Value),
    Answer(Value, Option<Vec<u8>>),
    PubAck(PubAckReason),
    SubAck(Vec<SubscribeReasonCode>),
    /// A message on any other topic (such as another desk's request).
    Elsewhere(String),
}

/// A desk on the broker, as `ringside watch --broker` is.
struct Desk {
    mqtt: AsyncClient,
    heard: mpsc::Receiver<Heard>,
}

impl Desk {
    fn join(broker: &Broker, user: &'static str) -> Self {
        let login = broker.login(user);
        let url = login.broker.clone();
        let (mqtt, eventloop) = session::start(session::options(&login).expect("options"));
        let (tx, heard) = mpsc::channel();
        let t = Topics::default();
        let sub = mqtt.clone();
        tokio::spawn(async move {
            let mut feed = DeskFeed::default();
            // The view the gateway named, followed as the desk does.
            let mut view = ViewFollower::default();
            session::drive(eventloop, &url, move |e| {
                let send = |h| tx.send(h).is_ok();
                match e {
                    SessionEvent::Up => {
                        view.forget();
                        let sub = sub.clone();
                        let t = t.clone();
                        tokio::spawn(async move {
                            for topic in [
                                t.desk_view(user),
                                t.gateway_status(),
                                t.console(),
                                t.desk_response(user),
                            ] {
                                let _ = sub.subscribe(topic, QoS::AtLeastOnce).await;
                            }
                        });
                        true
                    }
                    SessionEvent::Message(p) => {
                        let topic = String::from_utf8_lossy(&p.topic).into_owned();
                        let text = String::from_utf8_lossy(&p.payload).into_owned();
                        if topic == t.desk_view(user) {
                            let assigned = AssignedView::parse(&p.payload)
                                .expect("the gateway names the desk's view");
                            if let Some(change) = view.follow(&assigned, &t) {
                                let sub = sub.clone();
                                tokio::spawn(async move { change.apply(&sub).await });
                            }
                            true
                        } else if let Some(on) = view.route(&p.topic) {
                            on.feed(&mut feed, &p.payload, p.properties.as_ref())
                                .into_iter()
                                .all(|l| send(Heard::Line(l)))
                        } else if topic == t.console() {
                            send(Heard::Line(text))
                        } else if topic == t.gateway_status() {
                            let status: Value = serde_json::from_str(&text).expect("status JSON");
                            if status["state"] == "online" {
                                if let Some(run) = status["since_ms"].as_i64() {
                                    feed.on_gateway(run);
                                }
                            }
                            send(Heard::Status(status))
                        } else if topic == t.desk_response(user) {
                            let corr = p
                                .properties
                                .and_then(|pp| pp.correlation_data)
                                .map(|b| b.to_vec());
                            send(Heard::Answer(
                                serde_json::from_str(&text).expect("answer JSON"),
                                corr,
                            ))
                        } else {
                            send(Heard::Elsewhere(topic))
                        }
                    }
                    SessionEvent::Other(Packet::PubAck(a)) => send(Heard::PubAck(a.reason)),
                    SessionEvent::Other(Packet::SubAck(a)) => send(Heard::SubAck(a.return_codes)),
                    _ => true,
                }
            })
            .await;
        });
        Self { mqtt, heard }
    }

    /// The next thing heard that `pick` takes, within `secs`.
    fn wait<T>(&self, secs: u64, what: &str, mut pick: impl FnMut(Heard) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let h = self
                .heard
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {what} within {secs} s"));
            if let Some(t) = pick(h) {
                return t;
            }
        }
    }

    fn wait_online(&self) {
        self.wait(20, "gateway online", |h| match h {
            Heard::Status(v) if v["state"] == "online" => Some(()),
            _ => None,
        });
    }

    /// Card lines until the first `call_end`.
    fn until_call_end(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.wait(20, "call_end", |h| match h {
            Heard::Line(l) if is_card_line(&l) => {
                let end = l.contains("\"type\":\"call_end\"");
                out.push(l);
                end.then_some(())
            }
            _ => None,
        });
        out
    }

    /// The next popup line, within `secs`.
    fn popup(&self, secs: u64, what: &str) -> String {
        self.wait(secs, what, |h| match h {
            Heard::Line(l) if l.contains("\"type\":\"popup\"") => Some(l),
            _ => None,
        })
    }

    /// Sends `body` on `user`'s request topic and waits `secs` for the
    /// answer, which must carry `corr`: the answer, and the card lines
    /// heard while waiting for it.
    async fn ask(&self, user: &str, body: &str, corr: &str, secs: u64) -> (Value, Vec<String>) {
        self.request(Topics::default().desk_request(user), body, corr.as_bytes())
            .await;
        let mut lines = Vec::new();
        let (answer, got) = self.wait(secs, "answer", |h| match h {
            Heard::Answer(v, c) => Some((v, c)),
            Heard::Line(l) => {
                lines.push(l);
                None
            }
            _ => None,
        });
        assert_eq!(
            got.as_deref(),
            Some(corr.as_bytes()),
            "the answer carries the correlation data: {body:.80}"
        );
        (answer, lines)
    }

    async fn request(&self, topic: String, body: &str, corr: &[u8]) {
        let props = PublishProperties {
            // Asks for reception's topic whoever asks: the gateway answers
            // on the asking desk's own.
            response_topic: Some(Topics::default().desk_response("reception")),
            correlation_data: Some(corr.to_vec().into()),
            ..PublishProperties::default()
        };
        self.mqtt
            .publish_with_properties(topic, QoS::AtLeastOnce, false, body.to_owned(), props)
            .await
            .expect("queued");
    }
}

/// The same lines as values, with the times (when each watcher received
/// the events, a few ms apart) left out.
fn timeless(printed: &[String]) -> Vec<Value> {
    printed
        .iter()
        .map(|l| lines::timeless(l).expect("JSON line"))
        .collect()
}

/// A direct watch of `ext` (what `ringside watch --pbx … -e EXT --json`
/// runs), its card lines sent to the returned channel, and with `console`
/// the console's lines too (parked calls, queues, voicemail).
async fn direct_watch(
    sim: &SimHandle,
    ext: &str,
    console: bool,
) -> (ringside_ami::Client, mpsc::Receiver<String>) {
    let config = ringside_ami::ClientConfig::new(
        sim.addr().ip().to_string(),
        sim.addr().port(),
        "ringside",
        ringside_ami::Secret::new("ringside-secret"),
    );
    let client = ringside_ami::Client::start(config).expect("client");
    let (tx, rx) = mpsc::channel();
    let c = client.clone();
    let ext = ext.to_owned();
    tokio::spawn(async move {
        let tracker = CallTracker::new(TrackerConfig {
            extensions: vec![ext],
            groups: Vec::new(),
            trunks: Vec::new(),
            known_extensions: Vec::new(),
        });
        let live = tokio::sync::Mutex::new(Live::new(tracker));
        let mut out = |u: LiveUpdate| {
            let line = match u {
                LiveUpdate::Card(c) => Some(lines::card(&c)),
                LiveUpdate::Console(c) if console => lines::console(&c),
                _ => None,
            };
            if let Some(line) = line {
                let _ = tx.send(line);
            }
        };
        live::follow(&c, &live, &mut out).await;
    });
    (client, rx)
}

fn fast(s: Scenario) -> Scenario {
    s.with_timing(Duration::from_millis(300), Duration::from_millis(300))
}

/// The call id of a card line.
fn call_of(line: &str) -> String {
    serde_json::from_str::<Value>(line).expect("JSON")["call"]
        .as_str()
        .expect("call id")
        .to_owned()
}

async fn sim() -> SimHandle {
    PbxSim::start(SimConfig::dialect(Dialect::Modern))
        .await
        .expect("simulator starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    windows,
    ignore = "runs Debian's mosquitto and mosquitto_passwd, Linux programs a test under Wine cannot start"
)]
async fn three_desks_print_what_a_direct_watch_prints() {
    let broker = Broker::start();
    let sim = sim().await;
    let _gw = start_gateway(&broker, &sim);
    let desks: Vec<Desk> = DESKS.iter().map(|(u, _)| Desk::join(&broker, u)).collect();
    for d in &desks {
        d.wait_online();
    }
    // The support desk through the CLI too, as a receptionist runs it.
    let (_cli, cli_lines) = cli_lines(cli_office(
        &broker,
        "support",
        &["watch", "--json", "-e", "1003"],
    ));
    let online = cli_lines
        .recv_timeout(Duration::from_secs(20))
        .expect("a first line");
    assert!(
        online.contains("\"state\":\"connected\"") && online.contains("Office gateway online"),
        "{online}"
    );
    let mut direct = Vec::new();
    for (_, ext) in DESKS {
        direct.push(direct_watch(&sim, ext, false).await);
    }
    // The gateway (one session) and the three direct watches are logged in.
    assert!(
        sim.wait_logged_in(4, Duration::from_secs(20)).await,
        "all logged in"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    sim.play(fast(Scenario::ring_group(
        Party::new("+442071234567", "Initech"),
        "5550600",
        "600",
        &["1001", "1002", "1003"],
        Some("1002"),
    )))
    .finished()
    .await;
    for (i, d) in desks.iter().enumerate() {
        let through_broker = d.until_call_end();
        let mut own = Vec::new();
        loop {
            let l = direct[i]
                .1
                .recv_timeout(Duration::from_secs(20))
                .expect("direct line");
            let end = l.contains("\"type\":\"call_end\"");
            own.push(l);
            if end {
                break;
            }
        }
        assert_eq!(
            timeless(&through_broker),
            timeless(&own),
            "desk {} prints what a direct watch of {} prints",
            DESKS[i].0,
            DESKS[i].1
        );
        assert!(
            through_broker
                .iter()
                .any(|l| l.contains("\"type\":\"popup\"")),
            "a popup reached desk {}",
            DESKS[i].0
        );
    }
    for (c, _) in &direct {
        c.shutdown().await;
    }
}

/// The names of the actions the PBX received that change a call.
fn moves(sim: &SimHandle) -> Vec<String> {
    sim.received()
        .iter()
        .filter_map(|p| p.get("Action").map(str::to_owned))
        .filter(|a| {
            [
                "originate",
                "redirect",
                "atxfer",
                "blindtransfer",
                "hangup",
                "park",
                "command",
            ]
            .contains(&a.to_ascii_lowercase().as_str())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    windows,
    ignore = "runs Debian's mosquitto and mosquitto_passwd, Linux programs a test under Wine cannot start"
)]
async fn the_broker_and_the_gateway_refuse_what_a_desk_may_not_do() {
    let broker = Broker::start();
    let sim = sim().await;
    let _gw = start_gateway(&broker, &sim);
    let sales = Desk::join(&broker, "sales");
    let reception = Desk::join(&broker, "reception");
    sales.wait_online();
    reception.wait_online();
    let t = Topics::default();
    // The broker: another desk's request topic, and the gateway's.
    reception
        .request(
            t.desk_request("sales"),
            r#"{"action":"hangup","call":"x"}"#,
            b"0",
        )
        .await;
    let refused = reception.wait(10, "puback", |h| match h {
        Heard::PubAck(r) => Some(r),
        _ => None,
    });
    assert_eq!(
        refused,
        PubAckReason::NotAuthorized,
        "the broker refuses a publish on sales' topic"
    );
    reception
        .mqtt
        .subscribe(t.all_requests(), QoS::AtLeastOnce)
        .await
        .expect("queued");
    let codes = reception.wait(10, "suback", |h| match h {
        Heard::SubAck(c) => Some(c),
        _ => None,
    });
    // Mosquitto 2.0 grants the subscription and then delivers nothing the
    // ACL does not let this desk read: sales' request reaches the gateway
    // (which answers sales), never reception.
    sales
        .request(
            t.desk_request("sales"),
            r#"{"action":"hangup","call":"gone"}"#,
            b"s1",
        )
        .await;
    let (answer, _) = sales.wait(10, "sales' answer", |h| match h {
        Heard::Answer(v, c) => Some((v, c)),
        _ => None,
    });
    assert_eq!(answer["ok"], false, "no such call: {answer}");
    std::thread::sleep(Duration::from_millis(300));
    let leaked: Vec<String> = reception
        .heard
        .try_iter()
        .filter_map(|h| match h {
            Heard::Elsewhere(topic) => Some(topic),
            _ => None,
        })
        .collect();
    assert!(
        leaked.is_empty(),
        "reception read requests it may not ({codes:?}): {leaked:?}"
    );
    // A call at sales' phone, ringing long enough to be asked about.
    sim.play(
        Scenario::incoming(Party::new("+15551234567", "ACME"), "5550102", "1002")
            .with_timing(Duration::from_secs(4), Duration::from_millis(300)),
    );
    let call = call_of(&sales.popup(20, "popup at sales"));
    // Nor may a desk read another desk's view: sales' popup went to sales
    // alone, however reception subscribes.
    reception
        .mqtt
        .subscribe(format!("{}/view/1002/#", t.base()), QoS::AtLeastOnce)
        .await
        .expect("queued");
    reception
        .mqtt
        .subscribe(format!("{}/view/#", t.base()), QoS::AtLeastOnce)
        .await
        .expect("queued");
    std::thread::sleep(Duration::from_millis(500));
    let read: Vec<String> = reception
        .heard
        .try_iter()
        .filter_map(|h| match h {
            Heard::Elsewhere(topic) => Some(topic),
            Heard::Line(l) if l.contains(&call) => Some(l),
            _ => None,
        })
        .collect();
    assert!(
        read.is_empty(),
        "reception read sales' cards (its retained live snapshot): {read:?}"
    );
    let before = moves(&sim);
    let big = format!(
        r#"{{"action":"dial","from":"1001","number":"{}"}}"#,
        "1".repeat(5000)
    );
    let cases = [
        (
            r#"{"action":"dial","from":"1002","number":"100"}"#.to_owned(),
            "not_your_extension",
        ),
        (
            format!(r#"{{"action":"transfer","call":"{call}","to":"1001"}}"#),
            "not_your_call",
        ),
        (
            format!(r#"{{"action":"hangup","call":"{call}"}}"#),
            "not_your_call",
        ),
        (
            r#"{"action":"dial","from":"1001","number":"100\r\nAction: Command"}"#.to_owned(),
            "",
        ),
        (big, "too_large"),
        (
            r#"{"action":"Originate","Channel":"PJSIP/1002"}"#.to_owned(),
            "malformed",
        ),
    ];
    for (i, (body, code)) in cases.iter().enumerate() {
        let (answer, _) = reception
            .ask("reception", body, &format!("req-{i}"), 10)
            .await;
        assert_eq!(answer["ok"], false, "refused: {body:.80}");
        if !code.is_empty() {
            assert_eq!(answer["code"], *code, "{answer}");
        }
        let message = answer["message"].as_str().expect("words");
        assert!(
            !message.contains('\r') && !message.contains('\n'),
            "{message:?}"
        );
    }
    assert_eq!(
        moves(&sim),
        before,
        "nothing that moves a call reached the PBX"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    windows,
    ignore = "runs Debian's mosquitto and mosquitto_passwd, Linux programs a test under Wine cannot start"
)]
async fn a_late_desk_sees_the_live_card_and_a_killed_gateway_goes_offline() {
    let broker = Broker::start();
    let sim = sim().await;
    let mut gw = start_gateway(&broker, &sim);
    let early = Desk::join(&broker, "reception");
    early.wait_online();
    sim.play(
        Scenario::incoming(Party::new("+15551234567", "ACME"), "5550100", "1001")
            .with_timing(Duration::from_secs(6), Duration::from_millis(300)),
    );
    let popup = early.popup(20, "popup");
    // Joins mid-call: the retained snapshot brings the popup at once.
    let late = Desk::join(&broker, "reception");
    let seen = late.popup(10, "the live card");
    assert_eq!(seen, popup, "the same line as the desk that was there");
    let started = Instant::now();
    gw.0.kill().expect("kill -9");
    let state = late.wait(20, "offline", |h| match h {
        Heard::Status(v) if v["state"] == "offline" => Some(v),
        _ => None,
    });
    assert_eq!(state["state"], "offline");
    assert!(
        started.elapsed() < session::KEEP_ALIVE * 2,
        "offline within the keepalive: {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    windows,
    ignore = "runs Debian's mosquitto and mosquitto_passwd, Linux programs a test under Wine cannot start"
)]
async fn a_call_that_ends_while_the_gateway_is_killed_is_closed_when_it_returns() {
    let broker = Broker::start();
    let sim = sim().await;
    let mut gw = start_gateway(&broker, &sim);
    let desk = Desk::join(&broker, "reception");
    desk.wait_online();
    let call = sim.play(
        Scenario::incoming(Party::new("+15551234567", "ACME"), "5550100", "1001")
            .with_timing(Duration::from_millis(300), Duration::from_secs(4)),
    );
    let id = Value::from(call_of(&desk.popup(20, "popup")));
    gw.0.kill().expect("kill -9");
    let _ = gw.0.wait();
    desk.wait(20, "offline", |h| match h {
        Heard::Status(v) if v["state"] == "offline" => Some(()),
        _ => None,
    });
    // The caller hangs up while no gateway runs.
    call.finished().await;
    let _gw = start_gateway(&broker, &sim);
    // The new run's first snapshot may reach the broker before its online
    // status (it is queued as soon as the gateway has read the calls, the
    // status once the broker accepts it): the closing line is the first
    // card line heard after the restart, whichever came first.
    let mut online = false;
    let closed = desk.wait(20, "the closing line", |h| match h {
        Heard::Status(v) => {
            online |= v["state"] == "online";
            None
        }
        Heard::Line(l) if is_card_line(&l) => Some(l),
        _ => None,
    });
    if !online {
        desk.wait_online();
    }
    let closed: Value = serde_json::from_str(&closed).expect("JSON");
    assert_eq!(closed["type"], "ended_offline", "{closed}");
    assert_eq!(closed["call"], id, "the call the desk showed");
    // Closed once: the next snapshots of the new run bring nothing more.
    let deadline = Instant::now() + Duration::from_secs(2);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match desk.heard.recv_timeout(left) {
            Ok(Heard::Line(l)) if is_card_line(&l) => {
                panic!("a line after the closing one: {l}")
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    windows,
    ignore = "runs Debian's mosquitto and mosquitto_passwd, Linux programs a test under Wine cannot start"
)]
async fn after_a_broker_restart_gateway_and_desk_come_back() {
    let mut broker = Broker::start();
    let sim = sim().await;
    let _gw = start_gateway(&broker, &sim);
    let desk = Desk::join(&broker, "reception");
    desk.wait_online();
    let started = Instant::now();
    broker.restart();
    // The broker kept nothing: the status the desk sees again is the one
    // the gateway re-published once it was back.
    desk.wait_online();
    let back = started.elapsed();
    sim.play(fast(Scenario::incoming(
        Party::new("+15551234567", "ACME"),
        "5550100",
        "1001",
    )));
    let lines = desk.until_call_end();
    assert!(
        lines.iter().any(|l| l.contains("\"type\":\"popup\"")),
        "a call after the restart pops up: {lines:?}"
    );
    assert!(
        back < Duration::from_secs(15),
        "back within the backoff: {back:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    windows,
    ignore = "runs Debian's mosquitto and mosquitto_passwd, Linux programs a test under Wine cannot start"
)]
async fn check_tests_both_hops_and_names_the_one_that_fails() {
    let broker = Broker::start();
    let sim = sim().await;
    let path = write_gateway_config(&broker, &sim, "");
    let run = |password: &str| {
        let out = gateway_command(&path, password)
            .arg("--check")
            .output()
            .expect("--check runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, said) = run("ringside-gateway-pw");
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("ok   PBX: Log in") && said.contains("ok   Broker"),
        "{said}"
    );
    let (code, said) = run("wrong");
    assert_eq!(code, Some(1), "{said}");
    assert!(!said.contains("FAIL PBX"), "the PBX hop is fine: {said}");
    assert!(
        said.contains("FAIL Broker: log in: The broker mqtts://127.0.0.1:")
            && said.contains("refused the user name or password"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    windows,
    ignore = "runs Debian's mosquitto and mosquitto_passwd, Linux programs a test under Wine cannot start"
)]
async fn a_broker_user_the_gateway_has_no_desk_for_is_told_what_the_admin_must_do() {
    let broker = Broker::start();
    let sim = sim().await;
    let _gw = start_gateway(&broker, &sim);
    let (_visitor, visitor) = cli_lines(cli_office(&broker, "visitor", &["watch", "--json"]));
    let (_reception, reception) = cli_lines(cli_office(&broker, "reception", &["watch", "--json"]));
    // The broker lets "visitor" in and the gateway is online, but no view
    // is ever named for it: instead of silence, the desk says why.
    let deadline = Instant::now() + VIEW_WAIT + Duration::from_secs(20);
    let mut before = Vec::new();
    let told: Value = loop {
        let wait = deadline.saturating_duration_since(Instant::now());
        let line = visitor
            .recv_timeout(wait)
            .unwrap_or_else(|_| panic!("visitor was told nothing; it printed {before:?}"));
        if line.contains("has no desk") {
            break serde_json::from_str(&line).expect("a JSON line");
        }
        before.push(line);
    };
    assert_eq!(told["type"], "connection", "{told}");
    assert_eq!(told["state"], "disconnected", "{told}");
    let words = told["message"].as_str().expect("message");
    assert!(
        words.contains(r#"broker user "visitor""#)
            && words.contains(r#"[[desk]] with user = "visitor""#)
            && words.contains("--print-acl"),
        "{words}"
    );
    assert!(
        before.iter().any(|l| l.contains("Office gateway online")),
        "the gateway's status came first: {before:?}"
    );
    // A desk the gateway knows, up as long, is never told so and gets its call.
    sim.play(fast(Scenario::incoming(
        Party::new("+15551234567", "ACME"),
        "5550100",
        "1001",
    )));
    let mut seen = Vec::new();
    lines_until(
        &mut seen,
        || {
            reception
                .recv_timeout(Duration::from_secs(20))
                .expect("reception's lines")
        },
        |lines| has(lines, "popup"),
    );
    assert!(
        !seen.iter().any(|l| l.contains("has no desk")),
        "reception is a desk: {seen:?}"
    );
}

/// A client reading the office's retained topics, as any desk may: each
/// message with its topic and whether the broker held it (retained).
fn read_office(
    broker: &Broker,
    user: &str,
) -> (AsyncClient, mpsc::Receiver<(String, bool, Value)>) {
    let login = broker.login(user);
    let url = login.broker.clone();
    let (mqtt, eventloop) = session::start(session::options(&login).expect("options"));
    let (tx, heard) = mpsc::channel();
    let sub = mqtt.clone();
    tokio::spawn(async move {
        session::drive(eventloop, &url, move |e| match e {
            SessionEvent::Up => {
                let sub = sub.clone();
                tokio::spawn(async move {
                    let _ = sub
                        .subscribe(Topics::default().office_filter(), QoS::AtLeastOnce)
                        .await;
                });
                true
            }
            SessionEvent::Message(p) => {
                let topic = String::from_utf8_lossy(&p.topic).into_owned();
                let v = serde_json::from_slice(&p.payload).unwrap_or(Value::Null);
                tx.send((topic, p.retain, v)).is_ok()
            }
            _ => true,
        })
        .await;
    });
    (mqtt, heard)
}

/// The first message on each of `topics`, with whether it was retained.
fn first_on_each(
    heard: &mpsc::Receiver<(String, bool, Value)>,
    topics: &[String],
) -> std::collections::BTreeMap<String, (bool, Value)> {
    let mut first = std::collections::BTreeMap::new();
    while first.len() < topics.len() {
        let (t, retained, v) = heard
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("only {first:?} within 10 s"));
        if topics.contains(&t) {
            first.entry(t).or_insert((retained, v));
        }
    }
    first
}

/// The next message on `topic` within `secs` that `pick` takes.
fn office_wait<T>(
    heard: &mpsc::Receiver<(String, bool, Value)>,
    topic: &str,
    secs: u64,
    mut pick: impl FnMut(bool, &Value) -> Option<T>,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let (t, retained, v) = heard
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("nothing on {topic} within {secs} s"));
        if t == topic {
            if let Some(out) = pick(retained, &v) {
                return out;
            }
        }
    }
}

/// Lines from `next` into `out` until `done` holds for what is in it.
fn lines_until(
    out: &mut Vec<String>,
    mut next: impl FnMut() -> String,
    done: impl Fn(&[String]) -> bool,
) {
    while !done(out) {
        out.push(next());
    }
}

/// Whether `line` is a card's (not the console's, such as the voicemail
/// counts the gateway reads whenever it connects to the PBX).
fn is_card_line(line: &str) -> bool {
    ["popup", "update", "close", "call_end", "ended_offline"]
        .iter()
        .any(|t| line.contains(&format!("\"type\":\"{t}\"")))
}

/// Whether `lines` hold a line of this `type`.
fn has(lines: &[String], kind: &str) -> bool {
    lines
        .iter()
        .any(|l| l.contains(&format!("\"type\":\"{kind}\"")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    windows,
    ignore = "runs Debian's mosquitto and mosquitto_passwd, Linux programs a test under Wine cannot start"
)]
async fn parked_calls_and_queues_are_retained_and_their_lines_and_texts_reach_the_desks() {
    let broker = Broker::start();
    let sim = sim().await;
    let _gw = start_gateway(&broker, &sim);
    let desk = Desk::join(&broker, "reception");
    desk.wait_online();
    let direct = direct_watch(&sim, "1001", true).await;
    assert!(
        sim.wait_logged_in(2, Duration::from_secs(20)).await,
        "the gateway and the direct watch are logged in"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    // 1001 answers ACME and parks it; 1002 takes it back after 3 s. Meanwhile
    // Initech waits in queue sales, which nobody answers, and gives up.
    let park = sim.play(
        Scenario::park(
            Party::new("+15551234567", "ACME"),
            "5550100",
            "1001",
            Some("1002"),
        )
        .with_timing(Duration::from_secs(3), Duration::from_millis(300)),
    );
    let desk_line = || {
        desk.wait(20, "a line", |h| match h {
            Heard::Line(l) => Some(l),
            _ => None,
        })
    };
    let mut through_broker = Vec::new();
    lines_until(&mut through_broker, desk_line, |ls| has(ls, "parked"));
    let parked = through_broker
        .iter()
        .find(|l| l.contains("\"type\":\"parked\""))
        .expect("parked");
    let parked: Value = serde_json::from_str(parked).expect("JSON");
    let queue = sim.play(
        Scenario::queue(
            Party::new("+442071234567", "Initech"),
            "5550800",
            "sales",
            &[],
            None,
        )
        .with_timing(Duration::from_secs(2), Duration::from_millis(300)),
    );
    lines_until(&mut through_broker, desk_line, |ls| has(ls, "queue_join"));
    // Past the next snapshot round: a desk that subscribes now gets the
    // parked call and the waiting caller from what the broker retained.
    tokio::time::sleep(SNAPSHOT_EVERY * 3).await;
    let (late, heard) = read_office(&broker, "sales");
    let t = Topics::default();
    let first = first_on_each(&heard, &[t.parked(), t.queues(), t.calls(), t.voicemail()]);
    for (topic, (retained, _)) in &first {
        assert!(retained, "{topic} is retained");
    }
    let list = first[&t.parked()]
        .1
        .as_array()
        .expect("an array of parked calls");
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["call"], parked["call"]);
    assert_eq!(list[0]["slot"], parked["slot"]);
    assert_eq!(list[0]["parked_by"], "1001");
    let queues = &first[&t.queues()].1;
    let sales = queues
        .as_array()
        .and_then(|qs| qs.iter().find(|q| q["name"] == "sales"))
        .unwrap_or_else(|| panic!("queue sales: {queues}"));
    assert_eq!(
        sales["callers"][0]["caller_num"], "+442071234567",
        "{sales}"
    );
    let calls = first[&t.calls()].1.as_array().expect("an array of calls");
    assert!(
        calls.iter().any(|c| c["call"] == parked["call"]),
        "the parked call is live: {calls:?}"
    );
    assert!(first[&t.voicemail()].1.is_array(), "{first:?}");
    // Once the park and the wait end, the panels say so.
    park.finished().await;
    queue.finished().await;
    office_wait(&heard, &t.parked(), 10, |_, v| {
        (v == &Value::Array(Vec::new())).then_some(())
    });
    // A text the GSM gateway receives reaches every desk once, on
    // office/texts, as a direct session reads it; it is not retained.
    sim.inject_sms(2, "+4917612345678", "Back at 3, call me");
    let (retained, text) = office_wait(&heard, &t.texts(), 10, |r, v| Some((r, v.clone())));
    assert!(!retained, "a text is not retained: {text}");
    let text: OfficeText = serde_json::from_value(text).expect("a desk reads the text");
    assert_eq!(text.sms.sender.as_deref(), Some("+4917612345678"));
    assert_eq!(text.sms.text, "Back at 3, call me");
    assert_eq!(text.sms.span, Some(2));
    assert!(text.arrived_at_ms > 0);
    // The desk printed what the direct watch of 1001 printed, the console's
    // lines included (its `voicemail` lines come at each watcher's own
    // connect, so they are left out).
    let ended = |ls: &[String]| has(ls, "park_end") && has(ls, "queue_leave");
    lines_until(&mut through_broker, desk_line, ended);
    let mut own = Vec::new();
    lines_until(
        &mut own,
        || {
            direct
                .1
                .recv_timeout(Duration::from_secs(20))
                .expect("direct line")
        },
        ended,
    );
    let no_voicemail = |ls: &[String]| -> Vec<String> {
        ls.iter()
            .filter(|l| !l.contains("\"type\":\"voicemail\""))
            .cloned()
            .collect()
    };
    assert_eq!(
        timeless(&no_voicemail(&through_broker)),
        timeless(&no_voicemail(&own))
    );
    for kind in ["popup", "parked", "park_end", "queue_join", "queue_leave"] {
        assert!(
            through_broker
                .iter()
                .any(|l| l.contains(&format!("\"type\":\"{kind}\""))),
            "a {kind} line reached the desk: {through_broker:?}"
        );
    }
    let _ = late.disconnect().await;
    direct.0.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    windows,
    ignore = "runs Debian's mosquitto and mosquitto_passwd, Linux programs a test under Wine cannot start"
)]
async fn a_desk_parks_and_retrieves_a_call_through_the_gateway() {
    let broker = Broker::start();
    let sim = sim().await;
    let _gw = start_gateway(&broker, &sim);
    let reception = Desk::join(&broker, "reception");
    let sales = Desk::join(&broker, "sales");
    reception.wait_online();
    sales.wait_online();
    // ACME talks to 1001 (reception) for as long as the test needs.
    drop(
        sim.play(
            Scenario::incoming(Party::new("+15551234567", "ACME"), "5550100", "1001")
                .with_timing(Duration::from_millis(100), Duration::from_secs(600)),
        ),
    );
    let call = call_of(&reception.popup(20, "popup at reception"));
    // Asks as `desk` (reception or sales); the answer, and the lines heard
    // while waiting for it.
    let ask = |desk: &'static str, body: String, corr: String| {
        let who = if desk == "reception" {
            &reception
        } else {
            &sales
        };
        async move { who.ask(desk, &body, &corr, 30).await }
    };
    // Parked from reception's desk, once the call is answered.
    let mut heard = None;
    for i in 0..40 {
        let (answer, lines) = ask(
            "reception",
            format!(r#"{{"action":"park","call":"{call}"}}"#),
            format!("park-{i}"),
        )
        .await;
        if answer["ok"] == true {
            heard = Some(lines);
            break;
        }
        assert_eq!(answer["code"], "not_in_progress", "{answer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let heard = heard.expect("the gateway parked the call");
    let line = match heard
        .into_iter()
        .find(|l| l.contains("\"type\":\"parked\""))
    {
        Some(l) => l,
        None => reception.wait(20, "parked line", |h| match h {
            Heard::Line(l) if l.contains("\"type\":\"parked\"") => Some(l),
            _ => None,
        }),
    };
    let slot = serde_json::from_str::<Value>(&line).expect("JSON")["slot"]
        .as_str()
        .expect("slot")
        .to_owned();
    // Sales may not take it to reception's phone, nor pause reception;
    // nobody can retrieve an empty space. Nothing of these reaches the PBX.
    let before = moves(&sim);
    let refused = [
        (
            "sales",
            format!(r#"{{"action":"retrieve","slot":"{slot}","from":"1001"}}"#),
            "not_your_extension",
        ),
        (
            "sales",
            r#"{"action":"queue_pause","member":"PJSIP/1001","paused":true}"#.to_owned(),
            "not_your_extension",
        ),
        (
            "reception",
            r#"{"action":"retrieve","slot":"75"}"#.to_owned(),
            "nothing_parked",
        ),
    ];
    for (i, (desk, body, code)) in refused.into_iter().enumerate() {
        let (answer, _) = ask(desk, body, format!("no-{i}")).await;
        assert_eq!(answer["ok"], false, "{answer}");
        assert_eq!(answer["code"], code, "{answer}");
    }
    assert_eq!(moves(&sim), before, "no refused request reached the PBX");
    assert!(
        !sim.received().iter().any(|p| p.is("Action", "QueuePause")),
        "no QueuePause reached the PBX"
    );
    // Reception takes it back to her own phone (her first extension).
    let (answer, lines) = ask(
        "reception",
        format!(r#"{{"action":"retrieve","slot":"{slot}","lot":null}}"#),
        "retrieve".to_owned(),
    )
    .await;
    assert_eq!(answer, serde_json::json!({"ok": true}));
    let retrieve = sim
        .wait_for_action(Duration::from_secs(5), |p| {
            p.is("Action", "Originate") && p.is("Exten", &slot)
        })
        .await
        .expect("an Originate to the space");
    assert_eq!(
        retrieve.get("Channel"),
        Some("PJSIP/1001"),
        "her phone rings first"
    );
    if !has(&lines, "park_end") {
        reception.wait(20, "park_end line", |h| match h {
            Heard::Line(l) if l.contains("\"type\":\"park_end\"") => Some(()),
            _ => None,
        });
    }
}

/// The gateway brings back a caller a desk blind-transferred to a colleague
/// who did not answer within `recall_after_secs`: one `Redirect` to the
/// desk's phone, and the `recall` line on that desk's cards (the app's
/// "Back from 1002: not answered"), not on the colleague's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    windows,
    ignore = "runs Debian's mosquitto and mosquitto_passwd, Linux programs a test under Wine cannot start"
)]
async fn the_gateway_brings_a_transferred_caller_back_to_the_desk() {
    let broker = Broker::start();
    let sim = sim().await;
    let _gw = start_gateway_with(&broker, &sim, "recall_after_secs = 5\n");
    let reception = Desk::join(&broker, "reception");
    let sales = Desk::join(&broker, "sales");
    reception.wait_online();
    sales.wait_online();
    // Each phone answers after 8 s: 1001 does, 1002 would, long after the
    // 5 s recall.
    drop(
        sim.play(
            Scenario::incoming(Party::new("+15551234567", "ACME"), "5550100", "1001")
                .with_timing(Duration::from_secs(8), Duration::from_secs(120)),
        ),
    );
    let call = call_of(&reception.popup(20, "popup at reception"));
    reception.wait(30, "1001 answered", |h| match h {
        Heard::Line(l) if l.contains("\"connected_to\":\"1001\"") => Some(()),
        _ => None,
    });
    let (answer, _) = reception
        .ask(
            "reception",
            &format!(r#"{{"action":"transfer","call":"{call}","to":"1002","attended":false}}"#),
            "transfer",
            10,
        )
        .await;
    assert_eq!(answer["ok"], true, "{answer}");
    let back = reception.wait(30, "the recall line", |h| match h {
        Heard::Line(l) if l.contains("\"type\":\"recall\"") => Some(l),
        _ => None,
    });
    assert_eq!(
        serde_json::from_str::<Value>(&back).expect("JSON"),
        serde_json::json!({"type": "recall", "call": call, "from": "1002", "to": "1001"}),
        "the documented line"
    );
    let redirects = sim
        .received()
        .iter()
        .filter(|p| p.is("Action", "Redirect") && p.get("Exten") == Some("1001"))
        .count();
    assert_eq!(redirects, 1, "sent back once");
    std::thread::sleep(Duration::from_millis(500));
    let at_sales: Vec<String> = sales
        .heard
        .try_iter()
        .filter_map(|h| match h {
            Heard::Line(l) if l.contains("\"type\":\"recall\"") => Some(l),
            _ => None,
        })
        .collect();
    assert!(
        at_sales.is_empty(),
        "the recall is reception's: {at_sales:?}"
    );
}
