//! The thin async glue that feeds the pure [`CallTracker`], [`Presence`]
//! and attendant [`Console`] from a live [`ringside_ami::Client`]: apply
//! each event in order (the tracker first, then the console with the
//! tracker's changes), and rebuild state from fresh listings
//! ([`fetch_listings`]) whenever a session starts or events were lost.
//!
//! Incoming SMS from an OpenVox GSM gateway ride the same stream: each
//! event also goes through an [`SmsDetector`], which reports every message
//! once.
//!
//! No call logic lives here: every decision is the tracker's, the panels'
//! or the recall's. Wall-clock time enters only as the event's receive time
//! (or the PBX's own `Timestamp`), stamped before the tracker sees it, and
//! as the time the recall is ticked at its deadlines. The loop sends only
//! the recall's `Redirect`s, and asks the PBX only for its listings, the
//! colleagues' names and their voicemail counts.

use std::time::Duration;

use ringside_ami::{Client, ConnectionState, EventStream, Packet, SessionEvent};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::actions::{self, ActionError};
use crate::clock::now_ms;
use crate::console::{Console, ConsoleChange};
use crate::presence::{Colleague, Presence};
use crate::recall::{LiveRecall, RecallOutput};
use crate::sms::{IncomingSms, SmsDetector};
use crate::tracker::{CallTracker, CardChange};

mod listings;

pub use listings::{
    endpoint_names, fetch_listings, list_endpoints, mailbox_counts, name_colleagues, name_queries,
    presence_listing, resync, Listings, NameQuery, MAX_MAILBOXES, MAX_NAMED_PHONES,
};

/// What the live feed reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Cards are nearly every update; boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum LiveUpdate {
    /// A card changed.
    Card(CardChange),
    /// A card of one of the model's [`LiveModel::views`] changed: `view`
    /// is its index, `change` what a loop of its own would have reported.
    ViewCard {
        /// The view's index in [`LiveModel::views`].
        view: usize,
        /// The change.
        change: CardChange,
    },
    /// A colleague's presence changed.
    Presence(Colleague),
    /// The attendant console changed: a parked call, a queue's caller, a
    /// colleague's voicemail count, or the recall. Of the recall's outputs,
    /// a [`RecallOutput::Redirect`] is reported as the loop sends the
    /// `Redirect` (the caller is being sent back to her; a
    /// [`LiveUpdate::RecallFailed`] follows if it could not be);
    /// [`RecallOutput::Recalled`] once her phone rings with the caller.
    Console(ConsoleChange),
    /// The recall's `Redirect` of `call` could not be sent (or built): the
    /// caller is still with `from`. It is tried once more at the next tick
    /// (once the session is up again); a second failure gives up
    /// ([`RecallOutput::GaveUp`] follows).
    RecallFailed {
        /// The call id.
        call: String,
        /// The transfer's target, which did not answer.
        from: String,
        /// Her extension, which the caller was to come back to.
        to: String,
        /// Why, in words she can act on (the PBX's refusal included).
        message: String,
    },
    /// An SMS reached the OpenVox GSM gateway (reported once per message),
    /// in the event that arrived at `arrived_at_ms`.
    Sms {
        /// The message.
        sms: IncomingSms,
        /// When its event arrived (Unix ms), for a gateway that gave no time.
        arrived_at_ms: i64,
    },
    /// This many events were lost (the reader fell behind); a resync follows.
    Lagged(u64),
    /// A session started (version from the banner); state was rebuilt.
    Connected(String),
    /// The session ended; a `Connected` follows when it is back. The
    /// message, from the AMI client, names the PBX and says why ("The PBX
    /// at pbx.local:5038 stopped answering …; reconnecting").
    Disconnected(String),
    /// An attempt to get the session back failed and the client will try
    /// again (with backoff); the message names the PBX and says why, in
    /// words a person can act on ("PBX refused the connection on
    /// pbx.local:5038 …", "Wrong AMI password for user 'ringside' …").
    Reconnecting(String),
    /// Rebuilding state after a (re)connect or overflow failed; the message
    /// says why. Events are still applied.
    ResyncFailed(String),
}

/// The time an event happened: the PBX's `Timestamp` when it sends one
/// (`timestampevents = yes`), else when it was received.
pub fn event_time(p: &Packet, received_at_ms: i64) -> i64 {
    p.get("Timestamp")
        .and_then(|t| t.trim().parse::<f64>().ok())
        .map_or(received_at_ms, |s| (s * 1000.0) as i64)
}

/// The parts of a [`LiveModel`] the feed keeps up to date, borrowed
/// together.
#[derive(Debug)]
pub struct LiveParts<'a> {
    /// The calls in flight.
    pub tracker: &'a mut CallTracker,
    /// The colleagues' presence.
    pub presence: &'a mut Presence,
    /// The attendant console: parked calls, queues, voicemail, recall.
    pub console: &'a mut Console,
}

/// What a live feed keeps up to date. The feed locks it once per event and
/// once per resync, so others (the app's commands) can read between them;
/// it may hold more than its [`LiveParts`] (the app keeps the names from
/// Contacts beside them).
pub trait LiveModel: Send {
    /// The tracker, presence and console, borrowed together.
    fn parts(&mut self) -> LiveParts<'_>;

    /// More trackers, each watching extensions of its own, fed the same
    /// events and listings as [`LiveParts::tracker`] right after it: one
    /// loop (one AMI subscriber, one resync) serves several watchers, as
    /// the office gateway serves its desks. Their changes come as
    /// [`LiveUpdate::ViewCard`], the very changes a loop of their own
    /// would report. None by default.
    fn views(&mut self) -> &mut [CallTracker] {
        &mut []
    }
}

/// The plain [`LiveModel`]: a tracker, presence and console, nothing else.
#[derive(Debug)]
pub struct Live {
    /// The calls in flight.
    pub tracker: CallTracker,
    /// The colleagues' presence.
    pub presence: Presence,
    /// The attendant console.
    pub console: Console,
}

impl Live {
    /// A model watching what `tracker` watches, with an empty board and a
    /// console watching every queue, without the recall.
    pub fn new(tracker: CallTracker) -> Self {
        Self {
            tracker,
            presence: Presence::new(),
            console: Console::new(),
        }
    }

    /// The same model with this console (its queues, its recall).
    #[must_use]
    pub fn with_console(mut self, console: Console) -> Self {
        self.console = console;
        self
    }
}

impl LiveModel for Live {
    fn parts(&mut self) -> LiveParts<'_> {
        LiveParts {
            tracker: &mut self.tracker,
            presence: &mut self.presence,
            console: &mut self.console,
        }
    }
}

/// Follows the client's session forever (until the client shuts down):
/// applies each event to `live`, resyncs on every new session and after
/// lost events, names the colleagues once per session and counts their
/// voicemail after each resync (on tasks of their own, which no event
/// waits for), ticks the console's recall at its deadlines while the
/// session is up (sending the `Redirect`s it asks for, on tasks of their
/// own too), and hands every change to `out`, with the connection's ups
/// and downs ([`LiveUpdate::Connected`], [`LiveUpdate::Disconnected`],
/// [`LiveUpdate::Reconnecting`]) in order.
///
/// `out` is never called with `live` locked. The CLI, the tests and the
/// app all follow a PBX through this one loop.
pub async fn follow<M: LiveModel>(
    client: &Client,
    live: &tokio::sync::Mutex<M>,
    out: &mut (dyn FnMut(LiveUpdate) + Send),
) {
    let mut feed = Feed::new(client, live);
    let mut events = client.events();
    // Failed reconnect attempts show only in the connection state, which
    // keeps each for the backoff delay, so none is missed here.
    let mut state = client.state();
    state.borrow_and_update();
    let mut state_open = true;
    // A subscriber joining a live session gets no Connected marker, but one
    // may still be queued for it if the session came up while subscribing:
    // that one is skipped, since this resync already covers it (a second
    // listing taken mid-call, ahead of the queued events, would be stale).
    let mut synced_this_session = false;
    if client.state().borrow().is_connected() {
        let version = client.banner_version().unwrap_or_default();
        feed.session_started(version, out).await;
        synced_this_session = true;
    }
    let mut sms = SmsDetector::new();
    loop {
        let item = match feed.next(&mut events, &mut state, &mut state_open).await {
            Wake::Session(item) => item,
            Wake::Closed => break,
            Wake::Named(names) => {
                feed.name(names, out).await;
                continue;
            }
            Wake::Counted(answers) => {
                feed.counted(&answers, out).await;
                continue;
            }
            Wake::Redirected(asked, sent) => {
                feed.redirected(asked, sent, out).await;
                continue;
            }
            Wake::RecallDue => {
                feed.tick(out).await;
                continue;
            }
            Wake::AttemptFailed(message) => {
                out(LiveUpdate::Reconnecting(message));
                continue;
            }
            Wake::StateChanged => continue,
        };
        match item {
            SessionEvent::Connected { .. } if synced_this_session => synced_this_session = false,
            SessionEvent::Connected { version } => feed.session_started(version, out).await,
            SessionEvent::Event(ev) => {
                let at = event_time(&ev.packet, ev.received_at_ms);
                feed.apply(&ev.packet, at, out).await;
                if let Some(sms) = sms.observe(&ev.packet) {
                    out(LiveUpdate::Sms {
                        sms,
                        arrived_at_ms: ev.received_at_ms,
                    });
                }
            }
            // Names do not change with lost events: no new naming round.
            SessionEvent::Lagged(lost) => {
                out(LiveUpdate::Lagged(lost));
                feed.resync(out).await;
            }
            SessionEvent::Disconnected => {
                synced_this_session = false;
                feed.online = false;
                out(LiveUpdate::Disconnected(disconnect_message(client)));
            }
            _ => {}
        }
    }
}

/// Why the session ended, as the connection state says.
fn disconnect_message(client: &Client) -> String {
    match &*client.state().borrow() {
        ConnectionState::Disconnected { message, .. } => message.clone(),
        // Already trying again: the state no longer says why.
        _ => "The connection to the PBX was lost; reconnecting".to_owned(),
    }
}

/// What woke [`follow`] up.
enum Wake {
    /// Something on the session's stream.
    Session(SessionEvent),
    /// The stream is over: the client shut down.
    Closed,
    /// A naming round finished.
    Named(Vec<(String, String)>),
    /// A voicemail count round finished.
    Counted(Vec<Packet>),
    /// The recall's `Redirect` was sent, or failed.
    Redirected(RecallOutput, Result<Packet, ActionError>),
    /// The recall's next deadline came.
    RecallDue,
    /// An attempt to reconnect failed; why.
    AttemptFailed(String),
    /// The connection state changed otherwise.
    StateChanged,
}

/// A recall sent a `Redirect`, and what came of it.
type Redirecting = (RecallOutput, Result<Packet, ActionError>);

/// The state [`follow`] carries between events.
struct Feed<'a, M> {
    client: &'a Client,
    live: &'a tokio::sync::Mutex<M>,
    /// The naming round of the current session, if one is running.
    naming: JoinSet<Vec<(String, String)>>,
    /// The voicemail count round of the latest resync, if one is running.
    counting: JoinSet<Vec<Packet>>,
    /// The recall's `Redirect`s being sent.
    redirects: JoinSet<Redirecting>,
    /// When the recall is next due (Unix ms), as last read.
    recall_due: Option<i64>,
    /// A session is up (and was resynced): the recall may act.
    online: bool,
    /// Changes made under the lock, handed out once it is released.
    updates: Vec<LiveUpdate>,
    /// `Redirect`s asked for under the lock, sent once it is released.
    sends: Vec<(RecallOutput, Packet)>,
}

impl<'a, M: LiveModel> Feed<'a, M> {
    fn new(client: &'a Client, live: &'a tokio::sync::Mutex<M>) -> Self {
        Self {
            client,
            live,
            naming: JoinSet::new(),
            counting: JoinSet::new(),
            redirects: JoinSet::new(),
            recall_due: None,
            online: false,
            updates: Vec::new(),
            sends: Vec::new(),
        }
    }

    /// Waits for the next thing to do. Events come first: a session's end
    /// is reported before the failed attempts that follow it.
    async fn next(
        &mut self,
        events: &mut EventStream,
        state: &mut watch::Receiver<ConnectionState>,
        state_open: &mut bool,
    ) -> Wake {
        let due = self.recall_due.filter(|_| self.online).map(instant_of);
        tokio::select! {
            biased;
            item = events.recv() => item.map_or(Wake::Closed, Wake::Session),
            Some(Ok(names)) = self.naming.join_next(), if !self.naming.is_empty() => Wake::Named(names),
            Some(Ok(answers)) = self.counting.join_next(), if !self.counting.is_empty() => Wake::Counted(answers),
            Some(Ok((asked, sent))) = self.redirects.join_next(), if !self.redirects.is_empty() => {
                Wake::Redirected(asked, sent)
            }
            () = tokio::time::sleep_until(due.unwrap_or_else(tokio::time::Instant::now)), if due.is_some() => {
                Wake::RecallDue
            }
            changed = state.changed(), if *state_open => {
                *state_open = changed.is_ok();
                match &*state.borrow_and_update() {
                    ConnectionState::Unreachable { message } | ConnectionState::AuthFailed { message } => {
                        Wake::AttemptFailed(message.clone())
                    }
                    _ => Wake::StateChanged,
                }
            }
        }
    }

    /// A session began (`version` from its banner): resync, announce it,
    /// and start naming its colleagues (a previous round is dropped).
    async fn session_started(&mut self, version: String, out: &mut (dyn FnMut(LiveUpdate) + Send)) {
        {
            let mut live = self.live.lock().await;
            live.parts().tracker.observe_banner(&version);
            for view in live.views() {
                view.observe_banner(&version);
            }
        }
        let phones = self.resync(out).await;
        self.online = true;
        out(LiveUpdate::Connected(version));
        self.naming.abort_all();
        if !phones.is_empty() {
            let client = self.client.clone();
            self.naming
                .spawn(async move { endpoint_names(&client, &phones).await });
        }
    }

    /// Rebuilds the state from fresh listings, read before it is locked;
    /// a failure is reported as [`LiveUpdate::ResyncFailed`]. Then counts
    /// the voicemail of the colleagues on the rebuilt board (a previous
    /// round is dropped). Returns the phones to name (none when it failed).
    async fn resync(&mut self, out: &mut (dyn FnMut(LiveUpdate) + Send)) -> Vec<NameQuery> {
        let listings = fetch_listings(self.client).await;
        let live = self.live;
        let (result, board) = {
            let mut live = live.lock().await;
            let mut updates = Vec::new();
            let at_ms = now_ms();
            listings.apply_views(live.views(), at_ms, &mut |u| updates.push(u));
            let result = listings.apply(live.parts(), at_ms, &mut |u| updates.push(u));
            let LiveParts {
                tracker,
                presence,
                console,
            } = live.parts();
            self.take(updates, tracker, console);
            let board: Vec<String> = presence.colleagues().map(|c| c.extension.clone()).collect();
            (result, board)
        };
        self.flush(out);
        self.counting.abort_all();
        if !board.is_empty() {
            let client = self.client.clone();
            self.counting
                .spawn(async move { mailbox_counts(&client, &board).await });
        }
        result.unwrap_or_else(|e| {
            out(LiveUpdate::ResyncFailed(e.to_string()));
            Vec::new()
        })
    }

    /// Applies one event to the tracker, presence and console.
    async fn apply(
        &mut self,
        packet: &Packet,
        at_ms: i64,
        out: &mut (dyn FnMut(LiveUpdate) + Send),
    ) {
        let live = self.live;
        {
            let mut live = live.lock().await;
            let LiveParts {
                tracker,
                presence,
                console,
            } = live.parts();
            let mut cards = Vec::new();
            tracker.apply_into(packet, at_ms, &mut cards);
            let changes = console.apply(packet, at_ms, tracker, &cards);
            self.updates.extend(cards.into_iter().map(LiveUpdate::Card));
            let presence = presence.apply(packet);
            let changes: Vec<_> = changes.into_iter().map(LiveUpdate::Console).collect();
            // The views' cards next, as a loop of their own would report
            // them: before the presence and console changes of the event.
            let mut cards = Vec::new();
            for (view, t) in live.views().iter_mut().enumerate() {
                t.apply_into(packet, at_ms, &mut cards);
                self.updates.extend(
                    cards
                        .drain(..)
                        .map(|change| LiveUpdate::ViewCard { view, change }),
                );
            }
            self.updates
                .extend(presence.into_iter().map(LiveUpdate::Presence));
            let LiveParts {
                tracker, console, ..
            } = live.parts();
            self.take(changes, tracker, console);
        }
        self.flush(out);
    }

    /// The recall's deadline came: decide on the current cards.
    async fn tick(&mut self, out: &mut (dyn FnMut(LiveUpdate) + Send)) {
        let live = self.live;
        {
            let mut live = live.lock().await;
            let LiveParts {
                tracker, console, ..
            } = live.parts();
            let decided = match console.recall.as_mut() {
                Some(recall) => recall.tick(tracker, now_ms()),
                None => Vec::new(),
            };
            self.take(recalled(decided), tracker, console);
        }
        self.flush(out);
    }

    /// A `Redirect` the recall asked for was sent, or failed: reported,
    /// and told to the recall, which tries once more.
    async fn redirected(
        &mut self,
        asked: RecallOutput,
        sent: Result<Packet, ActionError>,
        out: &mut (dyn FnMut(LiveUpdate) + Send),
    ) {
        let Err(e) = sent else { return };
        let RecallOutput::Redirect { call, from, to } = &asked else {
            return;
        };
        out(recall_failed(call, from, to, &e));
        let live = self.live;
        {
            let mut live = live.lock().await;
            let LiveParts {
                tracker, console, ..
            } = live.parts();
            let decided = match console.recall.as_mut() {
                Some(recall) => recall.redirect_failed(call, now_ms()),
                None => Vec::new(),
            };
            self.take(recalled(decided), tracker, console);
        }
        self.flush(out);
    }

    /// The names a naming round found.
    async fn name(
        &mut self,
        names: Vec<(String, String)>,
        out: &mut (dyn FnMut(LiveUpdate) + Send),
    ) {
        let named = self.live.lock().await.parts().presence.set_names(names);
        for c in named {
            out(LiveUpdate::Presence(c));
        }
    }

    /// The answers a voicemail count round got.
    async fn counted(&mut self, answers: &[Packet], out: &mut (dyn FnMut(LiveUpdate) + Send)) {
        let changes = self
            .live
            .lock()
            .await
            .parts()
            .console
            .mailbox_counts(answers, now_ms());
        for c in changes {
            out(LiveUpdate::Console(c));
        }
    }

    /// Takes changes made under the lock: the recall's `Redirect`s are
    /// built from the tracker's channels of the call, to be sent once the
    /// lock is released; the rest is reported as it is.
    fn take(
        &mut self,
        updates: impl IntoIterator<Item = LiveUpdate>,
        tracker: &CallTracker,
        console: &mut Console,
    ) {
        for u in updates {
            let LiveUpdate::Console(ConsoleChange::Recall(asked @ RecallOutput::Redirect { .. })) =
                u
            else {
                self.updates.push(u);
                continue;
            };
            if let Some(recall) = console.recall.as_mut() {
                self.order_redirect(asked, tracker, recall);
            }
        }
        self.recall_due = console.recall.as_ref().and_then(LiveRecall::next_deadline);
    }

    /// Builds the `Redirect` `asked` is (reported now, sent after the
    /// lock, so the report comes before anything the PBX does with it);
    /// one that cannot be built (the call has no channel left) failed at
    /// once.
    fn order_redirect(
        &mut self,
        asked: RecallOutput,
        tracker: &CallTracker,
        recall: &mut LiveRecall,
    ) {
        let RecallOutput::Redirect { call, from, to } = &asked else {
            return;
        };
        match recall.redirect(tracker, call, to) {
            Ok(packet) => {
                self.updates
                    .push(LiveUpdate::Console(ConsoleChange::Recall(asked.clone())));
                self.sends.push((asked, packet));
            }
            Err(e) => {
                self.updates.push(recall_failed(call, from, to, &e));
                let decided = recall.redirect_failed(call, now_ms());
                self.updates.extend(recalled(decided));
            }
        }
    }

    /// Hands out the changes made under the lock, and starts sending the
    /// `Redirect`s asked for.
    fn flush(&mut self, out: &mut (dyn FnMut(LiveUpdate) + Send)) {
        for u in self.updates.drain(..) {
            out(u);
        }
        for (asked, packet) in self.sends.drain(..) {
            let client = self.client.clone();
            self.redirects.spawn(async move {
                let sent = actions::send(&client, packet).await;
                (asked, sent)
            });
        }
    }
}

/// The recall's outputs as updates.
fn recalled(outputs: Vec<RecallOutput>) -> impl Iterator<Item = LiveUpdate> {
    outputs
        .into_iter()
        .map(|o| LiveUpdate::Console(ConsoleChange::Recall(o)))
}

/// A recall's `Redirect` of `call` from `from` back to `to` failed with `e`.
fn recall_failed(call: &str, from: &str, to: &str, e: &ActionError) -> LiveUpdate {
    use ringside_ami::Error::{ConnectionLost, Timeout};
    // Without the PBX's answer, whether the caller moved is not known: the
    // next tick looks at the call again (her phone ringing is a recall).
    let message = match e {
        ActionError::Pbx(ConnectionLost { .. } | Timeout { .. }) => {
            format!("Sending the caller back from {from} to {to} may not have worked: {e}")
        }
        _ => format!("The caller could not be sent back from {from} to {to}: {e}"),
    };
    LiveUpdate::RecallFailed {
        call: call.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        message,
    }
}

/// The tokio instant of a Unix-ms time (now, if it has passed).
fn instant_of(at_ms: i64) -> tokio::time::Instant {
    let wait = u64::try_from(at_ms.saturating_sub(now_ms())).unwrap_or(0);
    tokio::time::Instant::now() + Duration::from_millis(wait)
}
