//! The gateway at work: it holds the office's one AMI session and follows
//! it with one calls-crate live loop (`live::follow`, the loop a direct
//! `ringside watch` runs). Each event is taken off the AMI client's queue
//! once and applied to one tracker per distinct set of desk extensions
//! (the loop's views), whose changes are the very lines a direct watch of
//! those extensions prints; each line is made once and fanned out to the
//! desks that watch them. It answers the desks' requests through
//! [`crate::request::authorize`] and the calls crate's typed actions.
//!
//! Everything it publishes goes through one queue to the broker, so a card
//! line always reaches the broker before the retained snapshot that holds
//! it (see [`crate::feed`]). The snapshots follow the lines every
//! [`SNAPSHOT_EVERY`], not one per line; so do the office's panels (the
//! live calls, parked calls, queues and voicemail, [`crate::panels`]),
//! read from the tracker and console that watch every desk's extensions.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::v5::mqttbytes::v5::{Publish, PublishProperties};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::AsyncClient;
use tokio::sync::mpsc;

use ringside_ami::Client;
use ringside_calls::actions::{self, PickupRequest, RetrieveRequest};
use ringside_calls::clock::now_ms;
use ringside_calls::lines;
use ringside_calls::live::{self, Live, LiveModel, LiveParts, LiveUpdate};
use ringside_calls::presence::Colleague;
use ringside_calls::recall::{RecallOutput, RecallSetup};
use ringside_calls::rights::ConsoleAction;
use ringside_calls::tracker::{CardChange, Dialect, TrackerConfig};
use ringside_calls::{CallTracker, Console, ConsoleChange};

use crate::config::{DeskConfig, GatewayConfig};
use crate::desk::AssignedView;
use crate::error::RequestError;
use crate::feed::{line_properties, DeskSnapshots, SNAPSHOT_EVERY};
use crate::panels::{OfficePanels, Panel};
use crate::request::{authorize, retrieve_extension, DeskRequest, DeskResponse, DeskView, Pbx};
use crate::session::{self, SessionEvent};
use crate::topics::Topics;

/// How long a dial, pickup or retrieval waits for the desk's phone to answer.
const ANSWER_WAIT: Duration = Duration::from_secs(60);
/// How many events the gateway's one loop may leave unread before the AMI
/// client drops the oldest (the loop then reads the calls again, and says
/// so): a burst of the whole office's events, at ten times a busy hour's.
const EVENT_QUEUE: usize = 65_536;
/// How long a park waits for the PBX to say where the call went.
const PARK_WAIT: Duration = Duration::from_secs(10);

/// One message for the broker.
#[derive(Debug)]
struct Outgoing {
    topic: String,
    payload: String,
    retain: bool,
    qos: QoS,
    properties: Option<PublishProperties>,
}

/// One desk: its configuration and its view.
#[derive(Debug)]
struct Desk {
    config: DeskConfig,
    /// Its view: the index of the tracker watching its extensions.
    view: usize,
}

/// One view's topics: its desks read its cards there, once for all of
/// them (the broker fans each line out).
#[derive(Debug)]
struct ViewTopics {
    /// The extensions it watches.
    extensions: Vec<String>,
    /// `view/{name}/cards`.
    cards: String,
    /// `view/{name}/live`.
    live: String,
    /// What each of its desks' `desk/{user}/view` holds.
    assigned: String,
}

/// The office's live model, fed by the one loop: a tracker watching every
/// desk's extensions (for the board and the console), and one view per
/// distinct set of desk extensions, whose cards are the desks' lines.
#[derive(Debug)]
struct Office {
    main: Live,
    views: Vec<CallTracker>,
}

impl LiveModel for Office {
    fn parts(&mut self) -> LiveParts<'_> {
        self.main.parts()
    }

    fn views(&mut self) -> &mut [CallTracker] {
        &mut self.views
    }
}

/// What the retained topics hold now, re-published after a reconnect.
#[derive(Debug)]
struct Retained {
    /// Each view's live calls, keyed by the view's index.
    live: DeskSnapshots,
    /// The board, by extension.
    presence: BTreeMap<String, Colleague>,
    /// The office's panels: which are behind, and what the broker holds.
    panels: OfficePanels,
}

/// The running gateway, shared by its tasks.
#[derive(Debug)]
pub struct Gateway {
    config: GatewayConfig,
    ami: Client,
    desks: Vec<Desk>,
    /// The topics of each view.
    views: Vec<ViewTopics>,
    office: tokio::sync::Mutex<Office>,
    out: mpsc::UnboundedSender<Outgoing>,
    retained: Mutex<Retained>,
    /// The calls were read from the PBX at least once: the snapshots say
    /// what this run knows (before, a desk would close live calls).
    synced: AtomicBool,
    since_ms: i64,
    next_id: AtomicU64,
}

/// A tracker watching `extensions`.
fn watching(extensions: Vec<String>) -> CallTracker {
    CallTracker::new(TrackerConfig {
        extensions,
        groups: Vec::new(),
        trunks: Vec::new(),
        known_extensions: Vec::new(),
    })
}

/// Groups the desks by the extensions they watch: the views' extension
/// sets, and each desk's view. Desks that watch the same extensions share
/// one tracker and one view's topics; their lines are the same.
fn views_of(desks: &[DeskConfig]) -> (Vec<Vec<String>>, Vec<usize>) {
    let mut sets: Vec<Vec<String>> = Vec::new();
    let mut of_desk = Vec::with_capacity(desks.len());
    for d in desks {
        let view = match sets.iter().position(|s| *s == d.extensions) {
            Some(v) => v,
            None => {
                sets.push(d.extensions.clone());
                sets.len() - 1
            }
        };
        of_desk.push(view);
    }
    (sets, of_desk)
}

impl Gateway {
    /// Runs the gateway until the AMI client or the broker session ends
    /// (the binary stops it on a signal): `ami` is a started client,
    /// `mqtt` and `eventloop` a started session ([`session::start`] with
    /// [`session::gateway_options`]).
    pub async fn run(
        config: GatewayConfig,
        ami: Client,
        mqtt: AsyncClient,
        eventloop: rumqttc::v5::EventLoop,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        let gw = Arc::new(Self::new(config, ami, tx));
        let publisher = tokio::spawn(publish_all(mqtt.clone(), rx));
        let snapshots = {
            let gw = gw.clone();
            tokio::spawn(async move { gw.publish_snapshots().await })
        };
        let follow = {
            let gw = gw.clone();
            async move {
                let mut out = |u: LiveUpdate| gw.update(u);
                live::follow(&gw.ami, &gw.office, &mut out).await;
            }
        };
        let broker = gw.config.broker.clone();
        let on_session = {
            let gw = gw.clone();
            move |e: SessionEvent| {
                match e {
                    SessionEvent::Up => {
                        eprintln!("ringside-gateway: connected to the broker {broker}");
                        let (gw, mqtt) = (gw.clone(), mqtt.clone());
                        tokio::spawn(async move { gw.came_up(&mqtt).await });
                    }
                    SessionEvent::Message(p) => {
                        let gw = gw.clone();
                        tokio::spawn(async move { gw.answer(p).await });
                    }
                    SessionEvent::Down(why) => eprintln!("ringside-gateway: {why}"),
                    SessionEvent::Other(_) => {}
                }
                true
            }
        };
        let broker = gw.config.broker.clone();
        tokio::select! {
            () = session::drive(eventloop, &broker, on_session) => {}
            () = follow => {}
        }
        publisher.abort();
        snapshots.abort();
    }

    /// The gateway's state before anything connected: one view per
    /// distinct set of desk extensions, and a tracker watching them all.
    fn new(config: GatewayConfig, ami: Client, out: mpsc::UnboundedSender<Outgoing>) -> Self {
        let since_ms = now_ms();
        let (sets, of_desk) = views_of(&config.desks);
        let mut all: Vec<String> = sets.iter().flatten().cloned().collect();
        all.sort();
        all.dedup();
        let views = sets
            .iter()
            .map(|extensions| {
                let name = Topics::view_name(extensions);
                let assigned = AssignedView {
                    view: name.clone(),
                    extensions: extensions.clone(),
                };
                ViewTopics {
                    extensions: extensions.clone(),
                    cards: config.topics.view_cards(&name),
                    live: config.topics.view_live(&name),
                    assigned: serde_json::to_string(&assigned).unwrap_or_default(),
                }
            })
            .collect();
        let mut console = Console::new();
        if let Some(recall) = config.recall {
            console = console.with_recall(RecallSetup {
                config: recall,
                extensions: all.clone(),
                profile: config.profile.clone(),
                context: None,
            });
        }
        let office = Office {
            main: Live::new(watching(all)).with_console(console),
            views: sets.into_iter().map(watching).collect(),
        };
        let desks = config
            .desks
            .iter()
            .zip(of_desk)
            .map(|(d, view)| Desk {
                config: d.clone(),
                view,
            })
            .collect();
        Self {
            config,
            ami,
            desks,
            views,
            office: tokio::sync::Mutex::new(office),
            out,
            retained: Mutex::new(Retained {
                live: DeskSnapshots::new(since_ms),
                presence: BTreeMap::new(),
                panels: OfficePanels::default(),
            }),
            synced: AtomicBool::new(false),
            since_ms,
            next_id: AtomicU64::new(1),
        }
    }

    /// The broker accepted the session: subscribe to the requests, say
    /// online, tell each desk its view, and publish the retained state
    /// again (a broker restarted without persistence lost it).
    async fn came_up(&self, mqtt: &AsyncClient) {
        let topics = &self.config.topics;
        if let Err(e) = mqtt
            .subscribe(topics.all_requests(), QoS::AtLeastOnce)
            .await
        {
            eprintln!("ringside-gateway: could not subscribe to the desks' requests: {e}");
        }
        self.send(
            topics.gateway_status(),
            session::status_payload(true, self.since_ms),
            true,
        );
        for desk in &self.desks {
            self.send(
                topics.desk_view(&desk.config.user),
                self.views[desk.view].assigned.clone(),
                true,
            );
        }
        let retained = self.retained.lock().unwrap_or_else(|e| e.into_inner());
        // Every view's, an empty one too: a snapshot a previous run left
        // retained may list calls that ended while the gateway was away.
        // Not before the calls were read: the first read publishes them.
        let synced = self.synced.load(Ordering::Acquire);
        for (i, view) in self.views.iter().enumerate().filter(|_| synced) {
            self.send(
                view.live.clone(),
                retained.live.snapshot(&i.to_string()),
                true,
            );
        }
        if !retained.presence.is_empty() {
            self.send(topics.presence(), board(&retained.presence), true);
        }
        for (panel, payload) in retained.panels.held() {
            self.send(panel.topic(topics), payload.clone(), true);
        }
    }

    /// Brings the views' retained snapshots up to date every
    /// [`SNAPSHOT_EVERY`], for the views whose calls changed. Queued under
    /// the same lock as the lines, so each leaves after every line it holds.
    async fn publish_snapshots(&self) {
        let mut tick = tokio::time::interval(SNAPSHOT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let behind = {
                let mut retained = self.retained.lock().unwrap_or_else(|e| e.into_inner());
                for (view, snapshot) in retained.live.take_behind() {
                    let Some(view) = view.parse::<usize>().ok().and_then(|v| self.views.get(v))
                    else {
                        continue;
                    };
                    self.send(view.live.clone(), snapshot, true);
                }
                retained.panels.take_behind()
            };
            if !behind.is_empty() {
                self.publish_panels(&behind).await;
            }
        }
    }

    /// Publishes the office's panels that are `behind`, read from the
    /// tracker and console that watch every desk's extensions; a payload
    /// the broker already holds is not sent again.
    async fn publish_panels(&self, behind: &[Panel]) {
        let payloads: Vec<(Panel, String)> = {
            let office = self.office.lock().await;
            behind
                .iter()
                .map(|&p| (p, p.payload(&office.main.tracker, &office.main.console)))
                .collect()
        };
        let mut retained = self.retained.lock().unwrap_or_else(|e| e.into_inner());
        for (panel, payload) in payloads {
            if retained.panels.update(panel, &payload) {
                self.send(panel.topic(&self.config.topics), payload, true);
            }
        }
    }

    /// Marks `panel` behind: published at the next round.
    fn touch(&self, panel: Panel) {
        let mut retained = self.retained.lock().unwrap_or_else(|e| e.into_inner());
        retained.panels.touch(panel);
    }

    /// Queues a message with QoS 1 (the broker acknowledges it): the
    /// retained state, and the texts.
    fn send(&self, topic: String, payload: String, retain: bool) {
        let _ = self.out.send(Outgoing {
            topic,
            payload,
            retain,
            qos: QoS::AtLeastOnce,
            properties: None,
        });
    }

    /// Queues a line for a view's `cards` topic (or the console's). Most
    /// go with QoS 0: the broker delivers each to every desk of the view,
    /// and a line it drops for a desk that fell behind is in the view's
    /// next retained `live` snapshot, which the desk prints from
    /// (`feed::DeskFeed`). A call's `call_end` goes with
    /// QoS 1, as no later snapshot would bring it (an ended call leaves
    /// them), and a missed one would leave her popup open.
    /// A card line carries its place among its call's lines (`place`,
    /// [`crate::feed::LINE_PROPERTY`]), so a desk that missed one holds the
    /// later ones until the snapshot that brings it.
    fn send_line(&self, topic: String, line: String, qos: QoS, place: Option<usize>) {
        let _ = self.out.send(Outgoing {
            topic,
            payload: line,
            retain: false,
            qos,
            properties: place.map(line_properties),
        });
    }

    /// One change of the office's live loop, published.
    fn update(&self, u: LiveUpdate) {
        match u {
            LiveUpdate::ViewCard { view, change } => self.view_card(view, &change),
            LiveUpdate::Console(c) => {
                if let Some(panel) = Panel::of(&c) {
                    self.touch(panel);
                }
                let Some(line) = lines::console(&c) else {
                    return;
                };
                match &c {
                    // The recall brought a caller back to a desk's phone:
                    // the desks that watch it say "Back from 1002" (QoS 1:
                    // no snapshot would bring it again).
                    ConsoleChange::Recall(RecallOutput::Recalled { to, .. }) => {
                        for view in self.views.iter().filter(|v| v.extensions.contains(to)) {
                            self.send_line(
                                view.cards.clone(),
                                line.clone(),
                                QoS::AtLeastOnce,
                                None,
                            );
                        }
                    }
                    // The office's panels: every desk's, one topic (the
                    // retained office/… panels hold what it says).
                    _ => self.send_line(self.config.topics.console(), line, QoS::AtMostOnce, None),
                }
            }
            LiveUpdate::RecallFailed {
                call,
                from,
                message,
                ..
            } => {
                eprintln!(
                    "ringside-gateway: could not bring call {call}, transferred to {from}, back: {message}"
                );
            }
            LiveUpdate::Presence(c) => {
                let mut retained = self.retained.lock().unwrap_or_else(|e| e.into_inner());
                // A phone's state moves with the calls of extensions no
                // desk watches too, which no card change reports.
                retained.panels.touch(Panel::Calls);
                retained.presence.insert(c.extension.clone(), c);
                self.send(
                    self.config.topics.presence(),
                    board(&retained.presence),
                    true,
                );
            }
            LiveUpdate::Connected(v) => {
                eprintln!(
                    "ringside-gateway: connected to the PBX {}:{} (AMI {v})",
                    self.config.pbx_host, self.config.pbx_port
                );
                // The calls were read: every desk's snapshot says so at
                // the next tick, calls or none.
                let mut retained = self.retained.lock().unwrap_or_else(|e| e.into_inner());
                self.synced.store(true, Ordering::Release);
                for view in 0..self.views.len() {
                    retained.live.touch(&view.to_string());
                }
                retained.panels.touch_all();
            }
            LiveUpdate::Disconnected(m) | LiveUpdate::Reconnecting(m) => {
                eprintln!("ringside-gateway: {m}");
            }
            LiveUpdate::Lagged(lost) => {
                eprintln!("{}", lagged_words(lost));
                // The calls are read again: the panels say what was found.
                self.retained
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .panels
                    .touch_all();
            }
            LiveUpdate::ResyncFailed(m) => {
                eprintln!("ringside-gateway: could not rebuild the call list from the PBX: {m}");
            }
            // The main tracker's cards: the views' are the desks', and
            // the office's live calls changed.
            LiveUpdate::Card(_) => self.touch(Panel::Calls),
            // A text the GSM gateway received: every desk's, once (QoS 1,
            // not retained: a desk that joins later finds it in no
            // snapshot; the texts are the office's, not a desk's).
            LiveUpdate::Sms { sms, arrived_at_ms } => {
                let text = crate::desk::OfficeText { sms, arrived_at_ms };
                match serde_json::to_string(&text) {
                    Ok(payload) => self.send(self.config.topics.texts(), payload, false),
                    Err(e) => eprintln!("ringside-gateway: a text could not be written: {e}"),
                }
            }
            _ => {}
        }
    }

    /// A card change of `view`, published once on the view's topic (the
    /// broker gives it to each of its desks), and recorded for its
    /// retained snapshot.
    fn view_card(&self, view: usize, change: &CardChange) {
        let line = lines::card(change);
        let ended = matches!(change, CardChange::Ended { .. });
        // Under the lock, so a snapshot never leaves ahead of a line it
        // holds (see `publish_snapshots`).
        let mut retained = self.retained.lock().unwrap_or_else(|e| e.into_inner());
        let place = retained
            .live
            .record(&view.to_string(), change.call(), &line, ended);
        let qos = if ended {
            QoS::AtLeastOnce
        } else {
            QoS::AtMostOnce
        };
        if let Some(v) = self.views.get(view) {
            self.send_line(v.cards.clone(), line, qos, Some(place));
        }
    }

    /// Answers one request, on the desk's own response topic, with the
    /// request's correlation data. The answer goes to the desk the topic
    /// names, whatever response topic the request asked for: a desk
    /// cannot have the gateway write on another desk's branch.
    async fn answer(&self, p: Publish) {
        let topics = &self.config.topics;
        let topic = String::from_utf8_lossy(&p.topic).into_owned();
        let Some(user) = topics.request_user(&topic) else {
            return;
        };
        let response = match self.run_request(user, &p.payload).await {
            Ok(()) => DeskResponse::done(),
            Err(e) => {
                eprintln!("ringside-gateway: desk {user}: refused: {e}");
                DeskResponse::from(&e)
            }
        };
        let properties = PublishProperties {
            correlation_data: p.properties.and_then(|pp| pp.correlation_data),
            ..PublishProperties::default()
        };
        let _ = self.out.send(Outgoing {
            topic: topics.desk_response(user),
            payload: serde_json::to_string(&response).unwrap_or_default(),
            retain: false,
            qos: QoS::AtLeastOnce,
            properties: Some(properties),
        });
    }

    /// Checks and runs one request; nothing reaches the PBX unless
    /// [`authorize`] allowed it.
    async fn run_request(&self, user: &str, payload: &[u8]) -> Result<(), RequestError> {
        let desk = self
            .desks
            .iter()
            .find(|d| d.config.user == user)
            .ok_or_else(|| RequestError::UnknownDesk(user.to_owned()))?;
        let req = DeskRequest::parse(payload)?;
        let dialect = self
            .ami
            .banner_version()
            .map_or(self.config.profile.dialect, |v| {
                Dialect::from_banner_version(&v)
            });
        let channel_id = format!(
            "ringside-gw-{}-{}",
            std::process::id(),
            self.next_id.fetch_add(1, Ordering::Relaxed)
        );
        let pbx = Pbx {
            profile: &self.config.profile,
            dialect,
        };
        let packet = {
            let office = self.office.lock().await;
            let view = DeskView {
                calls: &office.views[desk.view],
                parked: &office.main.console.parked,
            };
            authorize(&desk.config, &req, pbx, &view, &channel_id)?
        };
        match &req {
            DeskRequest::Dial { .. } => {
                actions::send_click_to_dial(&self.ami, packet, &channel_id, ANSWER_WAIT).await?;
            }
            DeskRequest::Pickup { from, ringing } => {
                let pick = PickupRequest {
                    extension: from.clone(),
                    ringing: ringing.clone(),
                    caller_name: None,
                    channel_id,
                };
                actions::send_pickup(&self.ami, &self.config.profile, &pick, packet, ANSWER_WAIT)
                    .await?;
            }
            DeskRequest::Park { .. } => {
                actions::send_park_call(&self.ami, packet, PARK_WAIT).await?;
            }
            DeskRequest::Retrieve { slot, lot, from } => {
                let retrieve = RetrieveRequest {
                    extension: retrieve_extension(&desk.config, from.as_deref())?,
                    space: slot.clone(),
                    caller_name: None,
                    channel_id,
                    context: None,
                };
                actions::send_retrieve(&self.ami, &retrieve, lot.as_deref(), packet, ANSWER_WAIT)
                    .await?;
            }
            DeskRequest::Voicemail { .. } => {
                actions::send_console(&self.ami, ConsoleAction::SendToVoicemail, packet).await?;
            }
            DeskRequest::QueuePause { .. } => {
                actions::send_console(&self.ami, ConsoleAction::QueuePause, packet).await?;
            }
            DeskRequest::QueueMember { .. } => {
                actions::send_console(&self.ami, ConsoleAction::QueueMembers, packet).await?;
            }
            _ => {
                actions::send(&self.ami, packet).await?;
            }
        }
        Ok(())
    }
}

/// What the gateway says when its loop fell so far behind the PBX that
/// the AMI client dropped events for it (more than [`EVENT_QUEUE`] unread):
/// the calls are read again from the PBX, but the card changes in between
/// are gone.
fn lagged_words(lost: u64) -> String {
    format!(
        "ringside-gateway: fell behind the PBX and missed {lost} events; the calls were read again from the PBX, but card changes in between may not have reached the desks (give the gateway more CPU, or serve fewer desks from it)"
    )
}

/// The board's snapshot: every colleague, by extension.
fn board(presence: &BTreeMap<String, Colleague>) -> String {
    serde_json::to_string(&presence.values().collect::<Vec<_>>()).unwrap_or_default()
}

/// Publishes the queue in order, on one connection, each with its QoS.
async fn publish_all(mqtt: AsyncClient, mut rx: mpsc::UnboundedReceiver<Outgoing>) {
    while let Some(m) = rx.recv().await {
        let sent = match m.properties {
            Some(props) => {
                mqtt.publish_with_properties(m.topic, m.qos, m.retain, m.payload, props)
                    .await
            }
            None => mqtt.publish(m.topic, m.qos, m.retain, m.payload).await,
        };
        if sent.is_err() {
            return; // the session is gone
        }
    }
}

/// Starts the AMI client the configuration names (TLS with its pin when
/// set), with `secret`.
pub fn start_ami(config: &GatewayConfig, secret: &ringside_ami::Secret) -> Result<Client, String> {
    let mut c = ringside_ami::ClientConfig::new(
        config.pbx_host.clone(),
        config.pbx_port,
        config.pbx_user.clone(),
        secret.clone(),
    )
    .event_capacity(EVENT_QUEUE);
    if let Some(pin) = &config.pbx_tls {
        let trust = ringside_config::tls_trust(pin.as_deref(), None)
            .map_err(|e| format!("the PBX's TLS settings cannot work: {e}"))?;
        c = c.tls(trust);
    }
    Client::start(c).map_err(|e| e.to_string())
}

/// The broker login the configuration names, with `password`.
pub fn broker_login(
    config: &GatewayConfig,
    password: &ringside_ami::Secret,
) -> Result<session::Login, String> {
    let trust = if config.broker.tls {
        let pem =
            match &config.broker_ca {
                Some(p) => Some(std::fs::read(p).map_err(|e| {
                    format!("cannot read the broker's CA file {}: {e}", p.display())
                })?),
                None => None,
            };
        Some(
            ringside_config::tls_trust(config.broker_pin.as_deref(), pem.as_deref())
                .map_err(|e| format!("the broker's TLS settings cannot work: {e}"))?,
        )
    } else {
        None
    };
    Ok(session::Login {
        broker: config.broker.clone(),
        user: config.broker_user.clone(),
        password: password.clone(),
        trust,
        client_id: format!("ringside-gateway-{}", std::process::id()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falling_behind_says_what_was_missed() {
        let said = lagged_words(5219);
        assert!(said.contains("missed 5219 events"), "{said}");
        assert!(!said.contains('\n'), "one log line: {said}");
    }
}
