//! The 500 desks: each its own MQTT 5 connection and broker user,
//! subscribed as `ringside watch --broker` is (its cards, its retained live
//! calls, the gateway's status, its answers), printing each card line once
//! through the same de-duplication (`DeskFeed`). Each printed line is
//! stamped when the desk got it and matched with the truth of its
//! extension as it arrives.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ringside_gateway::desk::{GatewayStatus, ViewFollower, ViewTopic};
use ringside_gateway::feed::DeskFeed;
use ringside_gateway::session::{self, Login, SessionEvent};
use ringside_gateway::{BrokerUrl, Topics};
use rumqttc::v5::mqttbytes::v5::Packet;
use rumqttc::v5::mqttbytes::QoS;

use crate::truth::{timeless, Truth};

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// What all desks share: readiness and progress counters.
#[derive(Debug, Default)]
pub struct Board {
    /// Subscriptions the broker acknowledged (four per desk).
    pub subscribed: AtomicUsize,
    /// Desks that saw the gateway `online`.
    pub online: AtomicUsize,
    /// Card lines printed, over all desks.
    pub cards: AtomicU64,
    /// When the first card line reached any desk (µs), 0 before.
    pub first_card_us: AtomicU64,
    /// When the last card line reached a desk (µs).
    pub last_card_us: AtomicU64,
}

/// One desk's record of what it printed. While the stream runs a desk only
/// stamps and keeps its lines (so the measuring costs the desks' process
/// as little as possible); [`DeskRecord::matched`] compares them after.
#[derive(Debug, Default)]
pub struct DeskRecord {
    /// The truth it is compared with.
    pub truth: Arc<Truth>,
    /// Each line printed (as `ringside watch --broker` prints it) and
    /// when (µs).
    pub printed: Vec<(u64, String)>,
    /// Bytes of the cards topic's messages.
    pub cards_bytes: u64,
    /// Bytes of the retained live snapshots received.
    pub live_bytes: u64,
    /// Live snapshots received.
    pub snapshots: u64,
    online: bool,
}

/// A desk's lines compared with its truth.
#[derive(Debug, Default)]
pub struct Matched {
    /// For each line of the truth: when this desk printed it (µs), 0 if not.
    pub got_us: Vec<u64>,
    /// Lines printed twice.
    pub duplicates: u64,
    /// Card lines printed that the truth does not have (or different).
    pub unexpected: u64,
    /// The first of those, to show.
    pub first_unexpected: Option<String>,
    /// Other lines on the cards topic (console changes).
    pub other_lines: u64,
}

/// Whether a line is a card's (cheaply: the lines start with their type).
fn is_card(line: &str) -> bool {
    ["popup", "update", "close", "call_end"].iter().any(|t| {
        line.strip_prefix("{\"type\":\"")
            .is_some_and(|r| r.starts_with(t) && r[t.len()..].starts_with('"'))
    })
}

impl DeskRecord {
    fn new(truth: Arc<Truth>) -> Self {
        Self {
            truth,
            ..Self::default()
        }
    }

    fn keep(&mut self, line: String, at_us: u64, board: &Board) {
        if is_card(&line) {
            board.cards.fetch_add(1, Ordering::Relaxed);
            let _ = board.first_card_us.compare_exchange(
                0,
                at_us,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
            board.last_card_us.fetch_max(at_us, Ordering::Relaxed);
        }
        self.printed.push((at_us, line));
    }

    /// The printed lines matched with the truth: a desk's k-th line about
    /// a call is the truth's k-th line about it, the same but for times.
    pub fn matched(&self) -> Matched {
        let mut m = Matched {
            got_us: vec![0; self.truth.lines.len()],
            ..Matched::default()
        };
        let mut per_call: HashMap<String, usize> = HashMap::new();
        for (at_us, line) in &self.printed {
            if !is_card(line) {
                m.other_lines += 1;
                continue;
            }
            let value = timeless(line);
            let call = value["call"].as_str().unwrap_or("").to_owned();
            let k = per_call.entry(call.clone()).or_default();
            let at = self.truth.by_call.get(&(call, *k)).copied();
            *k += 1;
            match at {
                Some(i) if self.truth.lines[i].value == value => {
                    if m.got_us[i] == 0 {
                        m.got_us[i] = *at_us;
                    } else {
                        m.duplicates += 1;
                    }
                }
                _ => {
                    m.unexpected += 1;
                    if m.first_unexpected.is_none() {
                        m.first_unexpected = Some(line.chars().take(400).collect());
                    }
                }
            }
        }
        m
    }
}

/// A desk connected to the broker; its record fills as lines arrive.
#[derive(Debug)]
pub struct Desk {
    /// What it printed.
    pub record: Arc<Mutex<DeskRecord>>,
    task: tokio::task::JoinHandle<()>,
}

impl Desk {
    /// Connects desk `user` (password `password`), whose extension's
    /// lines are `truth`.
    pub fn join(
        port: u16,
        user: String,
        password: String,
        truth: Arc<Truth>,
        board: Arc<Board>,
    ) -> Self {
        let login = Login {
            broker: BrokerUrl::parse(&format!("mqtt://127.0.0.1:{port}")).expect("url"),
            user: user.clone(),
            password: ringside_ami::Secret::new(password),
            trust: None,
            client_id: format!("bench-{user}"),
        };
        let url = login.broker.clone();
        let (mqtt, eventloop) = session::start(session::options(&login).expect("options"));
        let record = Arc::new(Mutex::new(DeskRecord::new(truth)));
        let (rec, sub) = (record.clone(), mqtt.clone());
        let task = tokio::spawn(async move {
            let t = Topics::default();
            let (assigned, status) = (t.desk_view(&user), t.gateway_status());
            // The view the gateway named, followed as the desk does.
            let mut view = ViewFollower::default();
            let mut feed = DeskFeed::default();
            session::drive(eventloop, &url, move |e| {
                match e {
                    SessionEvent::Up => {
                        view.forget();
                        let topics = [assigned.clone(), status.clone(), t.desk_response(&user)];
                        let sub = sub.clone();
                        tokio::spawn(async move {
                            for topic in topics {
                                let _ = sub.subscribe(topic, QoS::AtLeastOnce).await;
                            }
                        });
                    }
                    SessionEvent::Message(p) => {
                        let at = now_us();
                        let mut r = rec.lock().unwrap_or_else(|e| e.into_inner());
                        if let Some(on) = view.route(&p.topic) {
                            if on == ViewTopic::Cards {
                                r.cards_bytes += p.payload.len() as u64;
                            } else {
                                r.live_bytes += p.payload.len() as u64;
                                r.snapshots += 1;
                            }
                            for l in on.feed(&mut feed, &p.payload, p.properties.as_ref()) {
                                r.keep(l, at, &board);
                            }
                        } else if p.topic == assigned.as_bytes() {
                            if let Some(change) = view.on_assigned(&p.payload, &t) {
                                let sub = sub.clone();
                                tokio::spawn(async move { change.apply(&sub).await });
                            }
                        } else if p.topic == status.as_bytes() {
                            let said = GatewayStatus::parse(&String::from_utf8_lossy(&p.payload));
                            if let Some(GatewayStatus {
                                online: true,
                                since_ms,
                            }) = said
                            {
                                if let Some(run) = since_ms {
                                    feed.on_gateway(run);
                                }
                                if !r.online {
                                    r.online = true;
                                    board.online.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                    }
                    SessionEvent::Other(Packet::SubAck(_)) => {
                        board.subscribed.fetch_add(1, Ordering::Relaxed);
                    }
                    SessionEvent::Down(why) => eprintln!("office bench: desk {user}: {why}"),
                    SessionEvent::Other(_) => {}
                }
                true
            })
            .await;
        });
        Self { record, task }
    }

    /// Stops the desk (its connection closes with its task).
    pub fn leave(&self) {
        self.task.abort();
    }
}
