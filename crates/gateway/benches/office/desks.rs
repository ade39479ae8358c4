//! The 500 desks: each its own MQTT 5 connection and broker user,
//! subscribed as `ringside watch --broker` is (its cards, its retained live
//! calls, the gateway's status, its answers), printing each card line once
//! through the same de-duplication (`DeskFeed`). Each printed line is
//! stamped when the desk got it and matched with the truth of its
//! extension as it arrives.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
    /// Card lines matched with the truth, over all desks.
    pub matched: AtomicU64,
    /// When the first card line reached any desk (µs), 0 before.
    pub first_card_us: AtomicU64,
    /// When the last card line reached a desk (µs).
    pub last_card_us: AtomicU64,
}

/// One desk's record of what it printed.
#[derive(Debug)]
pub struct DeskRecord {
    /// The truth it is compared with.
    pub truth: Arc<Truth>,
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
    per_call: HashMap<String, usize>,
    online: bool,
}

impl DeskRecord {
    fn new(truth: Arc<Truth>) -> Self {
        Self {
            got_us: vec![0; truth.lines.len()],
            truth,
            duplicates: 0,
            unexpected: 0,
            first_unexpected: None,
            other_lines: 0,
            per_call: HashMap::new(),
            online: false,
        }
    }

    /// One line the desk prints, at `at_us`.
    fn printed(&mut self, line: &str, at_us: u64, board: &Board) {
        let value = timeless(line);
        let kind = value["type"].as_str().unwrap_or("");
        if !matches!(kind, "popup" | "update" | "close" | "call_end") {
            self.other_lines += 1;
            return;
        }
        let call = value["call"].as_str().unwrap_or("").to_owned();
        let k = self.per_call.entry(call.clone()).or_default();
        let at = self.truth.by_call.get(&(call, *k)).copied();
        *k += 1;
        match at {
            Some(i) if self.truth.lines[i].value == value => {
                if self.got_us[i] == 0 {
                    self.got_us[i] = at_us;
                    board.matched.fetch_add(1, Ordering::Relaxed);
                    let _ = board.first_card_us.compare_exchange(
                        0,
                        at_us,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    );
                    board.last_card_us.fetch_max(at_us, Ordering::Relaxed);
                } else {
                    self.duplicates += 1;
                }
            }
            _ => {
                self.unexpected += 1;
                if self.first_unexpected.is_none() {
                    self.first_unexpected = Some(line.chars().take(400).collect());
                }
            }
        }
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
            let (cards, live, status) =
                (t.desk_cards(&user), t.desk_live(&user), t.gateway_status());
            let mut feed = DeskFeed::default();
            session::drive(eventloop, &url, move |e| {
                match e {
                    SessionEvent::Up => {
                        let topics = [
                            cards.clone(),
                            live.clone(),
                            status.clone(),
                            t.desk_response(&user),
                        ];
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
                        if p.topic == cards.as_bytes() {
                            let text = String::from_utf8_lossy(&p.payload);
                            feed.on_line(&text);
                            r.printed(&text, at, &board);
                        } else if p.topic == live.as_bytes() {
                            for l in feed.on_snapshot(&p.payload) {
                                r.printed(&l, at, &board);
                            }
                        } else if p.topic == status.as_bytes()
                            && !r.online
                            && String::from_utf8_lossy(&p.payload).contains("\"online\"")
                        {
                            r.online = true;
                            board.online.fetch_add(1, Ordering::Relaxed);
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

impl DeskRecord {
    /// A record of nothing (what is left behind when one is taken out).
    pub fn empty() -> Self {
        Self::new(Arc::new(Truth::default()))
    }
}
