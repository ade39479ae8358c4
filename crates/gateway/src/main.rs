//! `ringside-gateway`: office mode's gateway (issue 17). It holds the
//! office's one AMI session and fans each desk's calls out through an MQTT
//! 5 broker (docs/office-mode.md). Arguments and output only; the work is
//! in the library.
//!
//! ```text
//! ringside-gateway --config /etc/ringside/gateway.toml [--credentials FILE]
//! ringside-gateway --config FILE --check      # both hops, step by step
//! ringside-gateway --config FILE --print-acl  # the broker's ACL file
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ringside_calls::clock::now_ms;
use ringside_gateway::runtime::{broker_login, start_ami, Gateway};
use ringside_gateway::session::{self, SessionEvent};
use ringside_gateway::{Credentials, GatewayConfig};

/// Office mode's gateway: one AMI session for the whole office, fanned out
/// to the desks through an MQTT 5 broker.
#[derive(Debug, Parser)]
#[command(name = "ringside-gateway", version, about)]
struct Args {
    /// The configuration file (TOML; no secret in it).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// The credentials file (mode 0600), instead of the configuration's
    /// `credentials` or the environment.
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Test both hops (the PBX's AMI login, the broker's) and say which
    /// step failed.
    #[arg(long)]
    check: bool,
    /// Print the Mosquitto ACL file for this configuration and exit.
    #[arg(long)]
    print_acl: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
        .and_then(|rt| rt.block_on(run(args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ringside-gateway: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let config = GatewayConfig::load(&args.config).map_err(|e| e.to_string())?;
    if args.print_acl {
        print!("{}", config.mosquitto_acl());
        return Ok(());
    }
    let file = args
        .credentials
        .as_deref()
        .or(config.credentials.as_deref());
    let creds = Credentials::load(file, |k| std::env::var(k).ok()).map_err(|e| e.to_string())?;
    if args.check {
        return check(&config, &creds).await;
    }
    let ami = start_ami(&config, &creds.ami_secret)?;
    let login = broker_login(&config, &creds.broker_password)?;
    let options = session::gateway_options(&login, &config.topics, now_ms())?;
    let (mqtt, eventloop) = session::start(options);
    let status = config.topics.gateway_status();
    tokio::select! {
        () = Gateway::run(config, ami.clone(), mqtt.clone(), eventloop) => {}
        () = stop_signal() => {
            // Said, not left to the Last Will: the desks see it at once.
            let offline = session::status_payload(false, now_ms());
            let _ = mqtt.publish(status, rumqttc::v5::mqttbytes::QoS::AtLeastOnce, true, offline).await;
            let _ = mqtt.disconnect().await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    ami.shutdown().await;
    Ok(())
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// `--check`: the PBX's steps (as `ringside check` shows them), then the
/// broker's; says which step failed.
async fn check(config: &GatewayConfig, creds: &Credentials) -> Result<(), String> {
    let target = ringside_calls::probe::ProbeTarget {
        host: config.pbx_host.clone(),
        port: config.pbx_port,
        transport: match &config.pbx_tls {
            Some(pin) => ringside_config::Transport::Tls { pin: pin.clone() },
            None => ringside_config::Transport::Plain,
        },
        ca_pem: None,
        user: config.pbx_user.clone(),
    };
    let steps = ringside_calls::probe::probe(&target, Some(creds.ami_secret.expose())).await;
    for s in &steps {
        println!(
            "{} PBX: {}: {}",
            mark(s.ok),
            s.name,
            s.message.escape_debug()
        );
    }
    if let Some(failed) = steps.iter().find(|s| !s.ok) {
        return Err(format!("PBX: {} failed", failed.name));
    }
    let login = broker_login(config, &creds.broker_password)?;
    let broker = login.broker.clone();
    let (mqtt, eventloop) = session::start(session::options(&login)?);
    let mut outcome = None;
    let waited = tokio::time::timeout(
        Duration::from_secs(15),
        session::drive(eventloop, &broker, |e| {
            outcome = match e {
                SessionEvent::Up => Some(Ok(())),
                SessionEvent::Down(why) => Some(Err(why)),
                _ => None,
            };
            outcome.is_none()
        }),
    )
    .await;
    let _ = mqtt.disconnect().await;
    let result = match (waited, outcome) {
        (Ok(()), Some(r)) => r,
        _ => Err(format!(
            "Broker unreachable: {broker} did not answer within 15 s"
        )),
    };
    match &result {
        Ok(()) => println!(
            "{} Broker: log in as {} on {broker}",
            mark(true),
            config.broker_user
        ),
        Err(why) => println!("{} Broker: log in: {why}", mark(false)),
    }
    result.map_err(|_| "Broker: log in failed".to_owned())
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "ok  "
    } else {
        "FAIL"
    }
}
