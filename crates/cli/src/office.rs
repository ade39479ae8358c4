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
use ringside_gateway::feed::DeskFeed;
use ringside_gateway::session::{self, Login, SessionEvent};
use ringside_gateway::{BrokerUrl, DeskRequest, DeskResponse, Topics};
use rumqttc::v5::mqttbytes::v5::PublishProperties;
use rumqttc::v5::mqttbytes::QoS;

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
    let user = login.user.clone();
    let broker = login.broker.clone();
    let (mqtt, eventloop) = session::start(session::options(&login).map_err(Failure::usage)?);
    let mut feed = DeskFeed::default();
    let (cards, live, status) = (
        topics.desk_cards(&user),
        topics.desk_live(&user),
        topics.gateway_status(),
    );
    let on = |e: SessionEvent| {
        let printed = match e {
            SessionEvent::Up => {
                let (mqtt, subs) = (mqtt.clone(), [cards.clone(), live.clone(), status.clone()]);
                tokio::spawn(async move {
                    for t in subs {
                        let _ = mqtt.subscribe(t, QoS::AtLeastOnce).await;
                    }
                });
                Ok(())
            }
            SessionEvent::Message(p) => {
                let topic = String::from_utf8_lossy(&p.topic);
                let text = String::from_utf8_lossy(&p.payload);
                if topic == cards {
                    feed.on_line(&text);
                    print_line(&text, json)
                } else if topic == live {
                    feed.on_snapshot(&p.payload)
                        .iter()
                        .try_for_each(|l| print_line(l, json))
                } else {
                    print_status(&text, json)
                }
            }
            SessionEvent::Down(why) => print_link(Link::Reconnecting, &why, json),
            SessionEvent::Other(_) => Ok(()),
        };
        printed.is_ok() // the reader went away (e.g. `| head`)
    };
    tokio::select! {
        () = session::drive(eventloop, &broker, on) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    let _ = mqtt.disconnect().await;
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
    let v: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    let since = v["since_ms"]
        .as_i64()
        .map(|ms| {
            let secs = ms.div_euclid(1000).rem_euclid(86_400);
            format!("{:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
        })
        .unwrap_or_default();
    if v["state"] == "online" {
        print_link(
            Link::Connected,
            &format!("Office gateway online since {since}"),
            json,
        )
    } else {
        print_link(
            Link::Disconnected,
            &format!("Office gateway offline since {since}"),
            json,
        )
    }
}

/// Sends one request and waits for the gateway's answer.
pub async fn ask(a: &BrokerArgs, req: &DeskRequest) -> Result<(), Failure> {
    let (login, topics) = login(a)?;
    let user = login.user.clone();
    let broker = login.broker.clone();
    let (mqtt, eventloop) = session::start(session::options(&login).map_err(Failure::usage)?);
    let body = serde_json::to_string(req).map_err(|e| Failure::usage(e.to_string()))?;
    let corr = format!("{}-{}", std::process::id(), ringside_calls::clock::now_ms());
    let (request, response) = (topics.desk_request(&user), topics.desk_response(&user));
    let mut answer: Option<Result<DeskResponse, String>> = None;
    let on = |e: SessionEvent| {
        match e {
            SessionEvent::Up => {
                let (mqtt, request, response, body, corr) = (
                    mqtt.clone(),
                    request.clone(),
                    response.clone(),
                    body.clone(),
                    corr.clone(),
                );
                tokio::spawn(async move {
                    let _ = mqtt.subscribe(response.clone(), QoS::AtLeastOnce).await;
                    let props = PublishProperties {
                        response_topic: Some(response),
                        correlation_data: Some(corr.into_bytes().into()),
                        ..PublishProperties::default()
                    };
                    let _ = mqtt
                        .publish_with_properties(request, QoS::AtLeastOnce, false, body, props)
                        .await;
                });
            }
            SessionEvent::Message(p) => {
                let ours = p
                    .properties
                    .as_ref()
                    .and_then(|pp| pp.correlation_data.as_deref())
                    == Some(corr.as_bytes());
                if ours {
                    answer = Some(serde_json::from_slice(&p.payload).map_err(|e| e.to_string()));
                }
            }
            SessionEvent::Down(why) => answer = Some(Err(why)),
            SessionEvent::Other(_) => {}
        }
        answer.is_none()
    };
    let waited = tokio::time::timeout(ANSWER_WAIT, session::drive(eventloop, &broker, on)).await;
    let _ = mqtt.disconnect().await;
    match (waited, answer) {
        (_, Some(Ok(r))) if r.ok => Ok(()),
        (_, Some(Ok(r))) => Err(Failure::runtime(r.message.unwrap_or_else(|| "the office gateway refused the request".into()))),
        (_, Some(Err(why))) => Err(Failure::runtime(why)),
        _ => Err(Failure::runtime(format!(
            "the office gateway did not answer within {} s: is it running (ringside-gateway) and connected to {broker}?",
            ANSWER_WAIT.as_secs()
        ))),
    }
}
