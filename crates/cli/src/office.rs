//! Office mode for the CLI: `watch`, `dial` and `transfer` through the
//! office gateway's MQTT broker (`--broker`) instead of the PBX. The lines
//! a desk prints are the gateway's (the calls crate's JSON lines, as a
//! direct watch prints them); the session, the TLS trust, when a password
//! may travel and the de-duplication of the retained snapshot are the
//! gateway crate's. Arguments and output only.

use std::io::Write;
use std::time::Duration;

use ringside_calls::lines::Link;
use ringside_calls::tracker::CardChange;
use ringside_config::{OsKeyring, SecretStore};
use ringside_gateway::desk::{Desk, DeskEvent, GatewayStatus, OfficeTopic};
use ringside_gateway::session::Login;
use ringside_gateway::{BrokerUrl, DeskRequest, Topics};

use crate::args::BrokerArgs;
use crate::{output, Failure};

/// How long `dial` and `transfer` wait for the gateway's answer (a dial
/// waits for the desk's phone to answer first).
const ANSWER_WAIT: Duration = Duration::from_secs(75);

/// The broker login `--broker …` describes, with the password from
/// `RINGSIDE_BROKER_PASSWORD` or the OS keyring (`mqtt:USER@HOST`).
fn login(a: &BrokerArgs) -> Result<(Login, Topics), Failure> {
    let raw = a.broker.as_deref().unwrap_or_default();
    let broker = BrokerUrl::parse(raw).map_err(Failure::usage)?;
    broker.password_allowed().map_err(Failure::usage)?;
    let user = a
        .broker_user
        .clone()
        .ok_or_else(|| Failure::usage("which broker user is this desk? give --broker-user USER"))?;
    let password = match std::env::var("RINGSIDE_BROKER_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let account = ringside_gateway::broker::keyring_account(&user, &broker.host);
            match OsKeyring.get(&account) {
                Ok(Some(s)) => s.expose().to_owned(),
                _ => {
                    return Err(Failure::runtime(format!(
                        "no broker password for {account}: set RINGSIDE_BROKER_PASSWORD or store it in the OS keyring under {account}"
                    )))
                }
            }
        }
    };
    let trust = if broker.tls {
        let pem = match &a.broker_ca {
            Some(p) => Some(std::fs::read(p).map_err(|e| {
                Failure::usage(format!(
                    "cannot read the broker's CA file {}: {e}",
                    output::safe(&p.display().to_string())
                ))
            })?),
            None => None,
        };
        Some(
            ringside_config::tls_trust(a.broker_pin.as_deref(), pem.as_deref()).map_err(|e| {
                Failure::usage(format!("the broker's TLS settings cannot work: {e}"))
            })?,
        )
    } else {
        None
    };
    let topics = Topics::new(
        a.broker_root
            .as_deref()
            .unwrap_or(ringside_gateway::topics::DEFAULT_ROOT),
    )
    .map_err(Failure::usage)?;
    let login = Login {
        broker,
        user,
        password: ringside_ami::Secret::new(password),
        trust,
        client_id: format!(
            "ringside-desk-{}-{}",
            std::process::id(),
            ringside_calls::clock::now_ms()
        ),
    };
    Ok((login, topics))
}

/// Prints one line the gateway sent: as it is with `--json`, else a card
/// as text.
fn print_line(line: &str, json: bool) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        writeln!(out, "{line}")?;
    } else if let Ok(c) = serde_json::from_str::<CardChange>(line) {
        writeln!(out, "{}", output::text(&c))?;
    } else {
        // The console's changes travel as JSON only; shown as they came.
        writeln!(out, "{}", output::safe(line))?;
    }
    out.flush()
}

/// `ringside watch --broker …`: the desk's lines, the retained live calls
/// first when it joins mid-call, and the gateway's status as connection
/// lines ("Office gateway offline since 10:02").
pub async fn watch(a: &BrokerArgs, json: bool) -> Result<(), Failure> {
    let (login, topics) = login(a)?;
    let (desk, mut events) = Desk::connect(&login, topics).map_err(Failure::usage)?;
    let printing = async {
        while let Some(e) = events.recv().await {
            let printed = match e {
                DeskEvent::Line(line) => print_line(&line, json),
                DeskEvent::Office(OfficeTopic::Gateway, payload) => print_status(&payload, json),
                DeskEvent::BrokerDown(why) => print_link(Link::Reconnecting, &why, json),
                DeskEvent::NoView(why) => print_link(Link::Disconnected, &why, json),
                DeskEvent::BrokerUp | DeskEvent::Office(..) => Ok(()),
            };
            if printed.is_err() {
                return; // the reader went away (e.g. `| head`)
            }
        }
    };
    tokio::select! {
        () = printing => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    desk.close().await;
    Ok(())
}

fn print_link(link: Link, message: &str, json: bool) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{}", output::connection(link, message, json))?;
    out.flush()
}

/// The gateway's retained status as a connection line.
fn print_status(payload: &str, json: bool) -> std::io::Result<()> {
    let Some(status) = GatewayStatus::parse(payload) else {
        return Ok(());
    };
    let words = status.words(|ms| {
        let secs = ms.div_euclid(1000).rem_euclid(86_400);
        format!("{:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
    });
    let link = if status.online {
        Link::Connected
    } else {
        Link::Disconnected
    };
    print_link(link, &words, json)
}

/// Sends one request and waits for the gateway's answer.
pub async fn ask(a: &BrokerArgs, req: &DeskRequest) -> Result<(), Failure> {
    let (login, topics) = login(a)?;
    let (desk, _events) = Desk::connect(&login, topics).map_err(Failure::usage)?;
    let answer = desk.ask(req, ANSWER_WAIT).await;
    desk.close().await;
    answer.map_err(|e| Failure::runtime(e.to_string()))
}
