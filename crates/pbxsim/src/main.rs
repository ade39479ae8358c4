//! `ringside-pbxsim`: the simulated PBX as a program, for scripts, the peer
//! benchmark and trying Ringside without a PBX. Prints
//! `listening on <addr>` as its first stdout line, then serves until
//! interrupted. Calls can be scripted on the command line (`--call`) or
//! typed on standard input (`--calls-from-stdin`), one spec a line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use ringside_pbxsim::{
    CallSpec, Capture, Dialect, Hints, OpenVox, Pace, PbxSim, Replay, SentLog, SimConfig,
    SimHandle, SimQueue, SimTls, SimUser,
};
use tokio::sync::mpsc;

/// A simulated Asterisk PBX speaking AMI.
#[derive(Debug, Parser)]
#[command(name = "ringside-pbxsim", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:5038")]
    listen: SocketAddr,
    /// Which Asterisk generation to speak.
    #[arg(long, value_enum, default_value_t = DialectArg::Modern)]
    dialect: DialectArg,
    /// AMI user name.
    #[arg(long, default_value = "ringside")]
    user: String,
    /// AMI secret of that user.
    #[arg(
        long,
        default_value = "ringside-secret",
        env = "RINGSIDE_PBXSIM_SECRET",
        hide_env_values = true
    )]
    secret: String,
    /// The user's `write=` permission classes, comma-separated (`call,
    /// originate,reporting`): other actions are answered `Permission
    /// denied` and left out of `ListCommands`.
    #[arg(long, value_delimiter = ',', default_value = "all")]
    write: Vec<String>,
    /// Replay this capture (`.ami` or `.ami.gz`) to every client after login.
    #[arg(long)]
    replay: Option<PathBuf>,
    /// Banner line to send instead of the dialect's.
    #[arg(long)]
    banner: Option<String>,
    /// Close connections that do not log in within this many seconds.
    #[arg(long)]
    login_timeout: Option<u64>,
    /// Replay pace: a pause of this many milliseconds before each packet.
    #[arg(long, requires = "replay", conflicts_with_all = ["rate", "as_fast_as_possible"])]
    delay_ms: Option<u64>,
    /// Replay pace in packets per second.
    #[arg(long, requires = "replay", conflicts_with = "as_fast_as_possible")]
    rate: Option<f64>,
    /// Replay as fast as the client reads (the default for --replay).
    #[arg(long, requires = "replay")]
    as_fast_as_possible: bool,
    /// Wait this many milliseconds after login before replaying.
    #[arg(long, requires = "replay", default_value_t = 0)]
    start_delay_ms: u64,
    /// Start the replay again when it ends.
    #[arg(long = "loop", requires = "replay")]
    repeat: bool,
    /// Write, for the replay to the first client that logs in, one line per
    /// packet to this file: its index and the time (µs since the Unix
    /// epoch) it was sent. Written when that replay ends.
    #[arg(long, requires = "replay", value_name = "FILE")]
    sent_log: Option<PathBuf>,
    /// Play demo calls (external callers, a ring group, a parked call,
    /// callers waiting in a queue, internal calls, a transfer, a voicemail)
    /// for as long as it runs.
    #[arg(long)]
    demo: bool,
    /// Act as an OpenVox GSM gateway (spans 1-4): answer `gsm send sms`
    /// commands and, with --demo, receive an SMS every third demo period.
    #[arg(long)]
    openvox: bool,
    /// Declare the phones' hints with one pattern (`_10XX,hint,PJSIP/${EXTEN}`)
    /// instead of one per extension: `ExtensionStateList` then lists none of
    /// them, as on a hand-written dialplan where no phone watches them.
    #[arg(long)]
    pattern_hints: bool,
    /// Seconds between demo calls.
    #[arg(long, default_value_t = 8)]
    demo_every: u64,
    /// Play this outside call once a client is logged in (repeat for more):
    /// comma-separated key=value pairs, such as
    /// `from=+15551234567,name=ACME Corp,did=5550100,to=1001,ring=3,talk=600,after=5`
    /// (`from` and `to` required; seconds: `ring` before `to` answers,
    /// default 2; `talk` before the caller hangs up, default 3; `after` the
    /// login before it starts, default 0). A colleague it is transferred to
    /// answers after the same ring time. With `queue=NAME` instead of `to`,
    /// the caller waits in that queue for the ring time and gives up.
    #[arg(long = "call", value_name = "SPEC")]
    calls: Vec<CallSpec>,
    /// A queue, in place of the default `support` and `sales` of that name
    /// (repeat for more): `NAME=MEMBERS`, the members comma-separated
    /// extensions, ranges (`2001-2050`) or interfaces
    /// (`Local/1002@internal/n`); member extensions the PBX lacks become
    /// phones named `Agent <ext>`.
    #[arg(long = "queue", value_name = "NAME=MEMBERS")]
    queues: Vec<SimQueue>,
    /// Read more calls from standard input, one spec (as for --call) a line,
    /// each started as soon as it is read (its `after` counts from then);
    /// a line `text SPAN SENDER MESSAGE…` announces an incoming SMS on that
    /// GSM span as an OpenVox gateway does; a line that is neither is
    /// reported on stderr and skipped.
    #[arg(long)]
    calls_from_stdin: bool,
    /// Play the demo this many times faster than real time (e.g. 8): the
    /// time between calls and texts, ringing, talking, queue waits and
    /// the parking time are all divided by it.
    #[arg(long, requires = "demo", default_value_t = 1.0, value_parser = speed)]
    demo_speed: f64,
    /// After the `listening on` line, print every action received as one
    /// JSON object per line (`Secret` and `Key` redacted), for scripts that
    /// check what a client sent (the app's end-to-end test).
    #[arg(long)]
    print_actions: bool,
    /// PEM certificate chain: serve AMI over TLS.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DialectArg {
    /// Asterisk 12+ (PJSIP, DialBegin).
    Modern,
    /// Asterisk 1.8 / AMI 1.1 (SIP, Dial SubEvent).
    Ami11,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match serve(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ringside-pbxsim: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = SimConfig {
        listen: args.listen,
        users: vec![SimUser {
            write: args.write.clone(),
            ..SimUser::new(args.user, args.secret)
        }],
        dialect: match args.dialect {
            DialectArg::Modern => Dialect::Modern,
            DialectArg::Ami11 => Dialect::Ami11,
        },
        ..SimConfig::default()
    };
    if let Some(path) = &args.replay {
        let mut replay = Replay::new(Arc::new(Capture::load(path)?));
        if let Some(rate) = args.rate {
            replay.pace = Pace::PerSecond(rate);
        }
        if let Some(ms) = args.delay_ms {
            replay.pace = Pace::Delay(Duration::from_millis(ms));
        }
        replay.start_delay = Duration::from_millis(args.start_delay_ms);
        replay.repeat = args.repeat;
        replay.sent_log = args.sent_log.as_ref().map(SentLog::new);
        config.replay = Some(replay);
    }
    for q in args.queues {
        config.set_queue(q);
    }
    config.banner = args.banner;
    if args.pattern_hints {
        config.hints = Hints::Pattern;
    }
    if args.openvox {
        config.openvox = Some(OpenVox::default());
    }
    config.login_timeout = args.login_timeout.map(Duration::from_secs);
    if args.demo {
        config.demo_every = Some(Duration::from_secs(args.demo_every.max(1)));
        config.demo_speed = args.demo_speed;
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        config.tls = Some(SimTls::Pem {
            cert_chain: std::fs::read(cert)?,
            key: std::fs::read(key)?,
        });
    }
    let sim = PbxSim::start(config).await?;
    // The first stdout line is the contract with scripts.
    println!("listening on {}", sim.addr());
    use std::io::Write as _;
    std::io::stdout().flush()?;
    let (calls_tx, calls) = mpsc::unbounded_channel();
    for spec in args.calls {
        let _ = calls_tx.send(Play::Call(spec));
    }
    if args.calls_from_stdin {
        // A plain thread: reading stdin would block a runtime thread.
        std::thread::spawn(move || read_calls(&calls_tx));
    }
    run(&sim, calls, args.print_actions).await?;
    sim.shutdown().await;
    Ok(())
}

/// What a line of standard input asks the simulator to play.
#[derive(Debug)]
enum Play {
    /// An outside call.
    Call(CallSpec),
    /// An incoming SMS on a GSM span.
    Text {
        span: u32,
        sender: String,
        text: String,
    },
}

impl std::str::FromStr for Play {
    type Err = String;

    fn from_str(line: &str) -> Result<Self, String> {
        let Some(rest) = line.strip_prefix("text ") else {
            return line
                .parse::<CallSpec>()
                .map(Play::Call)
                .map_err(|e| e.to_string());
        };
        let mut parts = rest.trim().splitn(3, ' ');
        let (Some(span), Some(sender), Some(text)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err("a text needs `text SPAN SENDER MESSAGE`".into());
        };
        let span = span
            .parse::<u32>()
            .ok()
            .filter(|s| (1..=4).contains(s))
            .ok_or_else(|| format!("the span '{span}' is not 1 to 4"))?;
        Ok(Play::Text {
            span,
            sender: sender.to_owned(),
            text: text.to_owned(),
        })
    }
}

/// Serves until interrupted: starts each call that comes in and, with
/// `print_actions`, prints every action received.
async fn run(
    sim: &SimHandle,
    mut calls: mpsc::UnboundedReceiver<Play>,
    print_actions: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write as _;
    let mut printed = 0;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            r = &mut ctrl_c => { r?; return Ok(()); }
            Some(play) = calls.recv() => match play {
                Play::Call(spec) => drop(sim.play_spec(spec)),
                Play::Text { span, sender, text } => drop(sim.inject_sms(span, &sender, &text)),
            },
            () = tokio::time::sleep(Duration::from_millis(100)), if print_actions => {
                let all = sim.received();
                for p in all.iter().skip(printed) {
                    println!("{}", action_json(p));
                }
                printed = all.len();
                std::io::stdout().flush()?;
            }
        }
    }
}

/// Parses each line of standard input as a call spec (or a text) until it
/// closes.
fn read_calls(calls: &mpsc::UnboundedSender<Play>) {
    use std::io::BufRead as _;
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return };
        if line.trim().is_empty() {
            continue;
        }
        match line.parse::<Play>() {
            Ok(play) => {
                if calls.send(play).is_err() {
                    return;
                }
            }
            Err(e) => eprintln!("ringside-pbxsim: skipped the line '{line}': {e}"),
        }
    }
}

/// A demo speed: a number from 0.01 to 1000.
fn speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.01..=1000.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "{s} is not a speed; give a number from 0.01 to 1000 (8 plays the demo eight times as fast)"
        )),
    }
}

/// One received action as a JSON object, credentials redacted.
fn action_json(p: &ringside_ami::Packet) -> String {
    fn esc(s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
    let fields: Vec<String> = p
        .fields()
        .map(|(k, v)| {
            let v = if k.eq_ignore_ascii_case("Secret") || k.eq_ignore_ascii_case("Key") {
                "<redacted>"
            } else {
                v
            };
            format!("{}:{}", esc(k), esc(v))
        })
        .collect();
    format!("{{{}}}", fields.join(","))
}
