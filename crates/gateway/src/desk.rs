//! A desk's connection to the office gateway, as the CLI and the app both
//! hold it: one MQTT 5 session on the desk's branch and its view, whose
//! messages become [`DeskEvent`]s in order, and requests answered on the
//! desk's response topic ([`Desk::ask`]).
//!
//! ## Behavior
//! - The desk subscribes to its own branch and the office topics; the
//!   gateway's retained `desk/{user}/view` ([`AssignedView`]) then names the
//!   view whose `cards` and `live` topics carry the desk's cards, and the
//!   desk subscribes to them (again whenever it names another view;
//!   [`ViewFollower`]).
//! - Each card line is delivered once, whether it came live on the
//!   `cards` topic or from the retained `live` snapshot when the desk joined
//!   mid-call ([`crate::feed::DeskFeed`]); a call that ended while the
//!   gateway was away arrives as an `ended_offline` line.
//! - The office's retained state (the gateway's status, the board, and the
//!   live calls, parked calls and queues as the gateway publishes them)
//!   arrives as [`DeskEvent::Office`], each payload whole.
//! - A desk the gateway has no `[[desk]]` for is never named a view, and
//!   would get no cards without a word: once the gateway says it is online
//!   and [`VIEW_WAIT`] passes with no view named, the desk hears
//!   [`DeskEvent::NoView`], what the office admin must do, in words.
//! - The session comes back on its own after a broker restart (backoff in
//!   [`session::drive`]); the desk re-subscribes, and the retained state
//!   arrives again.
//! - A request waits until the desk's subscriptions are in place on the
//!   current connection (the broker keeps one connection's packets in
//!   order, so the answer cannot overtake them), then for the answer with
//!   the same correlation data. No answer in time is an error in words.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::v5::mqttbytes::v5::PublishProperties;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::AsyncClient;
use tokio::sync::{mpsc, oneshot, watch};

use crate::feed::{line_place, DeskFeed};
use crate::session::{self, Login, SessionEvent};
use crate::{BrokerUrl, DeskRequest, DeskResponse, Topics};

/// An `office/texts` payload: a text the PBX's GSM gateway received, as
/// the gateway's AMI session read it, and when its event arrived there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OfficeText {
    /// The text, as a direct session reads it.
    pub sms: ringside_calls::sms::IncomingSms,
    /// When its event reached the gateway (Unix ms), for a GSM gateway
    /// that gave no time.
    pub arrived_at_ms: i64,
}

/// What a desk's retained `desk/{user}/view` holds: the view whose topics
/// carry its cards (`view/{view}/cards` and `view/{view}/live`), and the
/// extensions it watches.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AssignedView {
    /// The view's name, a topic level ([`Topics::view_name`]).
    pub view: String,
    /// The desk's extensions, as the gateway's configuration lists them.
    pub extensions: Vec<String>,
}

impl AssignedView {
    /// Reads a `desk/{user}/view` payload; `None` if it is not one (or
    /// names no single topic level).
    pub fn parse(payload: &[u8]) -> Option<Self> {
        let v: Self = serde_json::from_slice(payload).ok()?;
        let level_ok = !v.view.is_empty() && !v.view.contains(['/', '+', '#', '\0']);
        level_ok.then_some(v)
    }

    /// Its `cards` and `live` topics, in the order a desk subscribes to
    /// them (the lines before the snapshot that holds them).
    pub fn topics(&self, topics: &Topics) -> [String; 2] {
        [topics.view_cards(&self.view), topics.view_live(&self.view)]
    }
}

/// Which of the followed view's topics a message came on
/// ([`ViewFollower::route`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewTopic {
    /// `view/{view}/cards`: a card line, as it happened.
    Cards,
    /// `view/{view}/live`: the retained snapshot of the view's live cards.
    Live,
}

impl ViewTopic {
    /// Hands a message on this topic to the desk's feed: a card line with
    /// its place in its call, or a snapshot; the lines to print, each once
    /// and in its call's order.
    pub fn feed(
        self,
        feed: &mut DeskFeed,
        payload: &[u8],
        properties: Option<&PublishProperties>,
    ) -> Vec<String> {
        match self {
            ViewTopic::Cards => {
                feed.on_line(&String::from_utf8_lossy(payload), line_place(properties))
            }
            ViewTopic::Live => feed.on_snapshot(payload),
        }
    }
}

/// The view a desk follows: the `cards` and `live` topics that the
/// gateway's retained `desk/{user}/view` last named. In one place so that
/// the desk, the Mosquitto test's desks and the office bench's desks follow
/// the gateway's view the same way, and the test and the bench exercise
/// the desk's own code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewFollower {
    /// The view's `cards` and `live` topics, once the gateway named it
    /// and the desk subscribed to them on this connection.
    view: Option<[String; 2]>,
}

/// What following a newly named view takes: leaving the topics of the view
/// named before, then joining the new one's ([`ViewChange::apply`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewChange {
    /// The `cards` and `live` topics of the view named before, if any.
    pub leave: Option<[String; 2]>,
    /// The new view's `cards` and `live` topics, in the order a desk
    /// subscribes to them ([`AssignedView::topics`]): the other way round,
    /// a line published between the two would wait for the next snapshot.
    pub join: [String; 2],
}

impl ViewFollower {
    /// A `desk/{user}/view` payload arrived: what to leave and join, or
    /// `None` if it is not one ([`AssignedView::parse`]) or names the view
    /// followed already (the gateway names it again each time it comes
    /// up, and the desk's subscriptions are still in place).
    pub fn on_assigned(&mut self, payload: &[u8], topics: &Topics) -> Option<ViewChange> {
        self.follow(&AssignedView::parse(payload)?, topics)
    }

    /// As [`ViewFollower::on_assigned`], for a view already read (the
    /// Mosquitto test insists that the gateway's payload is one).
    pub fn follow(&mut self, assigned: &AssignedView, topics: &Topics) -> Option<ViewChange> {
        let join = assigned.topics(topics);
        if self.view.as_ref() == Some(&join) {
            return None;
        }
        let leave = self.view.replace(join.clone());
        Some(ViewChange { leave, join })
    }

    /// The connection was (re)made with a clean session: the view's
    /// subscriptions went with the last one, and its retained name comes
    /// again, to be joined anew.
    pub fn forget(&mut self) {
        self.view = None;
    }

    /// Whether the gateway named a view since the last [`ViewFollower::forget`].
    pub fn is_named(&self) -> bool {
        self.view.is_some()
    }

    /// Whether `topic` (as the publish carries it, so that the bench's
    /// 500 desks need not make a string of each) is the followed view's
    /// `cards` or `live`; `None` for any other, and before a view is named.
    pub fn route(&self, topic: &[u8]) -> Option<ViewTopic> {
        let [cards, live] = self.view.as_ref()?;
        if topic == cards.as_bytes() {
            Some(ViewTopic::Cards)
        } else if topic == live.as_bytes() {
            Some(ViewTopic::Live)
        } else {
            None
        }
    }
}

impl ViewChange {
    /// Leaves the old view's topics, then subscribes to the new one's,
    /// each awaited in turn so that they go out in this order. Failures
    /// are ignored, as with the desk's other subscriptions: a view lost
    /// with the connection is joined again on the next one
    /// ([`ViewFollower::forget`]).
    pub async fn apply(self, mqtt: &AsyncClient) {
        for t in self.leave.into_iter().flatten() {
            let _ = mqtt.unsubscribe(t).await;
        }
        for t in self.join {
            let _ = mqtt.subscribe(t, QoS::AtLeastOnce).await;
        }
    }
}

/// How long a desk waits, after the gateway says it is online, for the
/// gateway to name its view before it reports [`DeskEvent::NoView`]. The
/// gateway names every desk's view right after its status, retained, so a
/// view that has not come by then is not coming.
pub const VIEW_WAIT: Duration = Duration::from_secs(5);

/// Why a desk gets nothing: the gateway is online but has named no view
/// for `user`, so it has no `[[desk]]` of that user.
pub fn no_view_words(user: &str) -> String {
    format!(
        "The office gateway is online but has no desk for the broker user \"{user}\", so no calls \
         will show here. Ask the office admin to add a [[desk]] with user = \"{user}\" and its \
         extensions to the gateway's configuration, restart the gateway, and write the broker's \
         ACL again (ringside-gateway --print-acl)."
    )
}

/// Which office topic a [`DeskEvent::Office`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeTopic {
    /// `office/gateway`: `{"state":"online"|"offline","since_ms":…}`.
    Gateway,
    /// `office/presence`: the board.
    Presence,
    /// `office/calls`: the office's live calls.
    Calls,
    /// `office/parked`: the parked calls.
    Parked,
    /// `office/queues`: the queues.
    Queues,
    /// `office/voicemail`: each colleague's voicemail counts.
    Voicemail,
    /// `office/texts`: an incoming text, [`OfficeText`] (not retained).
    Texts,
    /// Any other `office/…` topic a newer gateway publishes.
    Other,
}

/// What the desk's session reports, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum DeskEvent {
    /// The broker accepted the desk (again).
    BrokerUp,
    /// The broker connection failed or was lost; why, in words. It is
    /// tried again.
    BrokerDown(String),
    /// A card or console line of the desk's (a `ringside watch --json`
    /// line), each once.
    Line(String),
    /// A retained office payload, whole.
    Office(OfficeTopic, String),
    /// The gateway is online but named no view for this desk within
    /// [`VIEW_WAIT`]: what the office admin must do ([`no_view_words`]).
    /// A view named later is followed as ever.
    NoView(String),
}

/// The gateway's status as its retained topic says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayStatus {
    /// Online or not (its Last Will sets offline).
    pub online: bool,
    /// Since when, Unix ms, when it says.
    pub since_ms: Option<i64>,
}

impl GatewayStatus {
    /// Reads an `office/gateway` payload; `None` if it is not one.
    pub fn parse(payload: &str) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_str(payload).ok()?;
        let online = match v.get("state")?.as_str()? {
            "online" => true,
            "offline" => false,
            _ => return None,
        };
        Some(Self {
            online,
            since_ms: v.get("since_ms").and_then(serde_json::Value::as_i64),
        })
    }

    /// "Office gateway online since 10:02" (the time as `clock` writes it).
    pub fn words(&self, clock: impl Fn(i64) -> String) -> String {
        let state = if self.online { "online" } else { "offline" };
        match self.since_ms {
            Some(ms) => format!("Office gateway {state} since {}", clock(ms)),
            None => format!("Office gateway {state}"),
        }
    }
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AskError {
    /// The gateway refused it, or the PBX did: the response's code and words.
    Refused {
        /// A stable word to branch on (`not_your_call`, …).
        code: String,
        /// What the receptionist reads.
        message: String,
    },
    /// Nothing came back in time; what to check, in words.
    NoAnswer(String),
}

impl std::fmt::Display for AskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused { message, .. } | Self::NoAnswer(message) => f.write_str(message),
        }
    }
}

type Waiting = Arc<Mutex<HashMap<Vec<u8>, oneshot::Sender<DeskResponse>>>>;

/// A desk's live connection to the office gateway. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Desk {
    mqtt: AsyncClient,
    topics: Topics,
    user: String,
    broker: BrokerUrl,
    /// True while the desk's subscriptions are in place on the current
    /// connection.
    ready: watch::Receiver<bool>,
    waiting: Waiting,
    task: Arc<tokio::task::JoinHandle<()>>,
}

static NEXT: AtomicU64 = AtomicU64::new(1);

impl Desk {
    /// Connects as `login` (its password only where it may travel) and
    /// starts delivering the desk's events. Must be called on a tokio
    /// runtime; the session runs until [`Desk::close`] or the receiver is
    /// dropped.
    pub fn connect(
        login: &Login,
        topics: Topics,
    ) -> Result<(Self, mpsc::UnboundedReceiver<DeskEvent>), String> {
        let (mqtt, eventloop) = session::start(session::options(login)?);
        let (tx, rx) = mpsc::unbounded_channel();
        let (ready_tx, ready) = watch::channel(false);
        let waiting: Waiting = Arc::default();
        let run = Run {
            mqtt: mqtt.clone(),
            subs: [
                topics.desk_view(&login.user),
                topics.desk_response(&login.user),
                topics.office_filter(),
            ],
            view: ViewFollower::default(),
            user: login.user.clone(),
            gateway_epoch: Arc::default(),
            topics: topics.clone(),
            feed: DeskFeed::default(),
            tx,
            ready: ready_tx,
            waiting: waiting.clone(),
        };
        let broker = login.broker.clone();
        let task = tokio::spawn(run.drive(eventloop, broker.clone()));
        Ok((
            Self {
                mqtt,
                topics,
                user: login.user.clone(),
                broker,
                ready,
                waiting,
                task: Arc::new(task),
            },
            rx,
        ))
    }

    /// The desk's broker user.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Sends `req` and waits up to `wait` for the gateway's answer.
    pub async fn ask(&self, req: &DeskRequest, wait: Duration) -> Result<(), AskError> {
        let no_answer = || {
            AskError::NoAnswer(format!(
                "The office gateway did not answer within {} s: is it running (ringside-gateway) and connected to {}?",
                wait.as_secs(),
                self.broker
            ))
        };
        let body = serde_json::to_string(req).map_err(|e| AskError::NoAnswer(e.to_string()))?;
        let corr = format!(
            "{}-{}-{}",
            std::process::id(),
            ringside_calls::clock::now_ms(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )
        .into_bytes();
        let (answer_tx, answer) = oneshot::channel();
        lock(&self.waiting).insert(corr.clone(), answer_tx);
        let asked = async {
            let mut ready = self.ready.clone();
            ready
                .wait_for(|r| *r)
                .await
                .map_err(|_| AskError::NoAnswer("the desk's session has ended".into()))?;
            let props = PublishProperties {
                response_topic: Some(self.topics.desk_response(&self.user)),
                correlation_data: Some(corr.clone().into()),
                ..PublishProperties::default()
            };
            self.mqtt
                .publish_with_properties(
                    self.topics.desk_request(&self.user),
                    QoS::AtLeastOnce,
                    false,
                    body,
                    props,
                )
                .await
                .map_err(|e| AskError::NoAnswer(format!("the request could not be sent: {e}")))?;
            answer.await.map_err(|_| no_answer())
        };
        let result = tokio::time::timeout(wait, asked).await;
        lock(&self.waiting).remove(&corr);
        match result {
            Ok(Ok(r)) if r.ok => Ok(()),
            Ok(Ok(r)) => Err(AskError::Refused {
                code: r.code.unwrap_or_else(|| "refused".into()),
                message: r
                    .message
                    .unwrap_or_else(|| "The office gateway refused the request.".into()),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(no_answer()),
        }
    }

    /// Says goodbye to the broker and stops the session.
    pub async fn close(&self) {
        let _ = self.mqtt.disconnect().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.task.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The session task's state.
struct Run {
    mqtt: AsyncClient,
    /// The desk's view, its response topic and the office's topics.
    subs: [String; 3],
    /// The view the gateway named.
    view: ViewFollower,
    /// The desk's broker user, for [`no_view_words`].
    user: String,
    /// Counts the gateway's status messages, the views it names and the
    /// connection's ups and downs: a [`VIEW_WAIT`] started before the
    /// latest one is moot.
    gateway_epoch: Arc<AtomicU64>,
    topics: Topics,
    feed: DeskFeed,
    tx: mpsc::UnboundedSender<DeskEvent>,
    ready: watch::Sender<bool>,
    waiting: Waiting,
}

impl Run {
    async fn drive(mut self, eventloop: rumqttc::v5::EventLoop, broker: BrokerUrl) {
        session::drive(eventloop, &broker, |e| self.on(e)).await;
        self.ready.send_replace(false);
    }

    /// One session event; `false` once nobody listens any more.
    fn on(&mut self, e: SessionEvent) -> bool {
        match e {
            SessionEvent::Up => {
                // A clean session: the view's subscriptions went with the
                // last connection; its retained name comes again.
                self.view.forget();
                self.gateway_epoch.fetch_add(1, Ordering::AcqRel);
                self.subscribe();
                self.send(DeskEvent::BrokerUp)
            }
            SessionEvent::Down(why) => {
                self.gateway_epoch.fetch_add(1, Ordering::AcqRel);
                self.ready.send_replace(false);
                self.send(DeskEvent::BrokerDown(why))
            }
            SessionEvent::Message(p) => {
                let topic = String::from_utf8_lossy(&p.topic).into_owned();
                self.message(&topic, &p.payload, p.properties.as_ref())
            }
            SessionEvent::Other(_) => !self.tx.is_closed(),
        }
    }

    /// Subscribes on the current connection, then lets requests through.
    fn subscribe(&self) {
        let (mqtt, subs, ready) = (self.mqtt.clone(), self.subs.clone(), self.ready.clone());
        tokio::spawn(async move {
            for t in subs {
                let _ = mqtt.subscribe(t, QoS::AtLeastOnce).await;
            }
            // Queued behind the subscriptions on this connection.
            ready.send_replace(true);
        });
    }

    /// The gateway named the desk's view: subscribe to its topics, and
    /// leave those of the view it named before, if another.
    fn follow_view(&mut self, payload: &[u8]) {
        let Some(assigned) = AssignedView::parse(payload) else {
            return;
        };
        // Named: a wait for the view is over.
        self.gateway_epoch.fetch_add(1, Ordering::AcqRel);
        if let Some(change) = self.view.follow(&assigned, &self.topics) {
            let mqtt = self.mqtt.clone();
            tokio::spawn(async move { change.apply(&mqtt).await });
        }
    }

    fn message(
        &mut self,
        topic: &str,
        payload: &[u8],
        properties: Option<&PublishProperties>,
    ) -> bool {
        let text = || String::from_utf8_lossy(payload).into_owned();
        if let Some(on) = self.view.route(topic.as_bytes()) {
            let lines = on.feed(&mut self.feed, payload, properties);
            return lines.into_iter().all(|l| self.send(DeskEvent::Line(l)));
        }
        if topic == self.subs[0] {
            self.follow_view(payload);
            return !self.tx.is_closed();
        }
        if topic == self.topics.console() {
            return self.send(DeskEvent::Line(text()));
        }
        if topic == self.subs[1] {
            let corr = properties
                .and_then(|pp| pp.correlation_data.as_ref())
                .map(|c| c.to_vec());
            if let Some(corr) = corr {
                let answer: DeskResponse = serde_json::from_slice(payload).unwrap_or_else(|_| {
                    DeskResponse::refused("malformed", "The office gateway's answer was garbled.")
                });
                if let Some(waiter) = lock(&self.waiting).remove(&corr) {
                    let _ = waiter.send(answer);
                }
            }
            return !self.tx.is_closed();
        }
        let kind = office_topic(&self.topics, topic);
        if kind == OfficeTopic::Gateway {
            let status = GatewayStatus::parse(&text());
            if let Some(GatewayStatus {
                online: true,
                since_ms: Some(run),
            }) = status
            {
                self.feed.on_gateway(run);
            }
            let epoch = self.gateway_epoch.fetch_add(1, Ordering::AcqRel) + 1;
            if status.is_some_and(|s| s.online) {
                self.expect_view(epoch);
            }
        }
        self.send(DeskEvent::Office(kind, text()))
    }

    fn send(&self, e: DeskEvent) -> bool {
        self.tx.send(e).is_ok()
    }

    /// The gateway said it is online (`epoch` counted it): unless a view
    /// is named within [`VIEW_WAIT`], or anything newer is heard of the
    /// gateway or the connection meanwhile, say why nothing will come.
    fn expect_view(&self, epoch: u64) {
        if self.view.is_named() {
            return;
        }
        let (latest, tx) = (self.gateway_epoch.clone(), self.tx.clone());
        let words = no_view_words(&self.user);
        tokio::spawn(async move {
            tokio::time::sleep(VIEW_WAIT).await;
            if latest.load(Ordering::Acquire) == epoch {
                let _ = tx.send(DeskEvent::NoView(words));
            }
        });
    }
}

/// Which office topic `topic` is.
fn office_topic(topics: &Topics, topic: &str) -> OfficeTopic {
    [
        (topics.gateway_status(), OfficeTopic::Gateway),
        (topics.presence(), OfficeTopic::Presence),
        (topics.calls(), OfficeTopic::Calls),
        (topics.parked(), OfficeTopic::Parked),
        (topics.queues(), OfficeTopic::Queues),
        (topics.voicemail(), OfficeTopic::Voicemail),
        (topics.texts(), OfficeTopic::Texts),
    ]
    .into_iter()
    .find(|(t, _)| t == topic)
    .map_or(OfficeTopic::Other, |(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_status_reads_its_retained_payload() {
        let on = GatewayStatus::parse(&session::status_payload(true, 36_120_000)).expect("status");
        assert_eq!(
            on,
            GatewayStatus {
                online: true,
                since_ms: Some(36_120_000)
            }
        );
        let clock = |ms: i64| format!("{:02}:{:02}", ms / 3_600_000, ms / 60_000 % 60);
        assert_eq!(on.words(clock), "Office gateway online since 10:02");
        let off = GatewayStatus::parse(r#"{"state":"offline"}"#).expect("status");
        assert_eq!(off.words(clock), "Office gateway offline");
        assert_eq!(GatewayStatus::parse(r#"{"state":"sleepy"}"#), None);
        assert_eq!(GatewayStatus::parse("garbage"), None);
    }

    #[test]
    fn a_desk_follows_the_view_the_gateway_names() {
        let t = Topics::new("ringside").expect("topics");
        let named = |view: &str| format!(r#"{{"view":"{view}","extensions":["{view}"]}}"#);
        let topics_of = |view: &str| [t.view_cards(view), t.view_live(view)];
        let mut follower = ViewFollower::default();
        assert_eq!(follower.route(t.view_cards("1001").as_bytes()), None);
        assert!(!follower.is_named());
        assert_eq!(
            follower.on_assigned(named("1001").as_bytes(), &t),
            Some(ViewChange {
                leave: None,
                join: topics_of("1001"),
            })
        );
        assert_eq!(follower.on_assigned(named("1001").as_bytes(), &t), None);
        assert!(follower.is_named());
        assert_eq!(follower.on_assigned(b"garbage", &t), None);
        assert_eq!(follower.on_assigned(named("10/01").as_bytes(), &t), None);
        assert_eq!(
            follower.on_assigned(named("1002").as_bytes(), &t),
            Some(ViewChange {
                leave: Some(topics_of("1001")),
                join: topics_of("1002"),
            })
        );
        let route = |topic: String| follower.route(topic.as_bytes());
        assert_eq!(route(t.view_cards("1002")), Some(ViewTopic::Cards));
        assert_eq!(route(t.view_live("1002")), Some(ViewTopic::Live));
        assert_eq!(route(t.view_cards("1001")), None);
        assert_eq!(route(t.desk_view("reception")), None);
        assert_eq!(route(t.presence()), None);
        follower.forget();
        assert!(
            !follower.is_named(),
            "a new connection waits for its view again"
        );
        assert_eq!(follower.route(t.view_cards("1002").as_bytes()), None);
        assert_eq!(
            follower.on_assigned(named("1002").as_bytes(), &t),
            Some(ViewChange {
                leave: None,
                join: topics_of("1002"),
            })
        );
    }

    #[test]
    fn office_topics_are_told_apart() {
        let t = Topics::new("ringside").expect("topics");
        assert_eq!(office_topic(&t, &t.presence()), OfficeTopic::Presence);
        assert_eq!(office_topic(&t, &t.gateway_status()), OfficeTopic::Gateway);
        assert_eq!(office_topic(&t, &t.queues()), OfficeTopic::Queues);
        assert_eq!(office_topic(&t, &t.texts()), OfficeTopic::Texts);
        assert_eq!(
            office_topic(&t, "ringside/v1/office/later"),
            OfficeTopic::Other
        );
    }
}
