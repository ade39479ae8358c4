//! The thin async glue that feeds the pure [`CallTracker`] (and
//! [`Presence`]) from a live [`ringside_ami::Client`]: apply each event in
//! order, and rebuild state from `CoreShowChannels` (`Status` on old PBXes)
//! and, for presence, the endpoint listing, `ExtensionStateList` and
//! `DeviceStateList` whenever a session starts or events were lost.
//!
//! Incoming SMS from an OpenVox GSM gateway ride the same stream: each
//! event also goes through an [`SmsDetector`], which reports every message
//! once.
//!
//! No call logic lives here: every decision is the tracker's. Wall-clock
//! time enters only as the event's receive time (or the PBX's own
//! `Timestamp`), stamped before the tracker sees it.

use ringside_ami::{Client, ConnectionState, EventList, Packet, SessionEvent};

use crate::channel::Classifier;
use crate::clock::now_ms;
use crate::number::callerid_name;
use crate::presence::{Colleague, Presence, PresenceListing};
use crate::sms::{IncomingSms, SmsDetector};
use crate::tracker::{CallTracker, CardChange};

/// What the live feed reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Cards are nearly every update; boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum LiveUpdate {
    /// A card changed.
    Card(CardChange),
    /// A colleague's presence changed.
    Presence(Colleague),
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

/// Rebuilds the tracker and presence from fresh listings
/// ([`fetch_listings`], then [`Listings::apply`]). Also teaches the tracker
/// which endpoints are trunks (PJSIPShowEndpoints, else SIPpeers), and
/// returns the phones of that listing to ask for names
/// ([`name_colleagues`]), which the resync itself does not wait for.
pub async fn resync(
    client: &Client,
    tracker: &mut CallTracker,
    presence: &mut Presence,
    at_ms: i64,
    out: &mut dyn FnMut(LiveUpdate),
) -> Result<Vec<NameQuery>, ringside_ami::Error> {
    fetch_listings(client)
        .await
        .apply(tracker, presence, at_ms, out)
}

/// What a resync rebuilds from, read from the PBX before any state is
/// touched, so whoever shares the tracker is not held up by the PBX.
#[derive(Debug)]
pub struct Listings {
    banner: Option<String>,
    endpoints: Option<EventList>,
    channels: Result<Vec<Packet>, ringside_ami::Error>,
    board: Result<PresenceListing, ringside_ami::Error>,
}

/// Reads the listings a resync needs: the endpoints, the calls
/// (`CoreShowChannels`, `Status` on Asterisk 1.4) and the board's hints and
/// device states. A listing the PBX refuses is kept as its error.
pub async fn fetch_listings(client: &Client) -> Listings {
    let endpoints = list_endpoints(client).await.ok();
    let channels = match client.send_list(Packet::action("CoreShowChannels")).await {
        Ok(list) => Ok(list.events),
        // Asterisk 1.4 has no CoreShowChannels; its Status list never says Complete.
        Err(_) => client
            .send_list_until(Packet::action("Status"), "StatusComplete")
            .await
            .map(|l| l.events),
    };
    let board = presence_listing(client, endpoints.clone()).await;
    Listings {
        banner: client.banner_version(),
        endpoints,
        channels,
        board,
    }
}

impl Listings {
    /// Rebuilds `tracker` and `presence` from these listings, reporting each
    /// change to `out`; returns the phones to ask for names. Presence is
    /// rebuilt even when the calls could not be listed; that failure is
    /// then the error, after the rest was applied.
    pub fn apply(
        self,
        tracker: &mut CallTracker,
        presence: &mut Presence,
        at_ms: i64,
        out: &mut dyn FnMut(LiveUpdate),
    ) -> Result<Vec<NameQuery>, ringside_ami::Error> {
        if let Some(v) = &self.banner {
            tracker.observe_banner(v);
        }
        let mut phones = Vec::new();
        if let Some(list) = &self.endpoints {
            for p in &list.events {
                tracker.classifier_mut().learn(p);
            }
            phones = name_queries(&list.events, tracker.classifier());
        }
        if let Ok(channels) = &self.channels {
            for change in tracker.resync(channels, at_ms) {
                out(LiveUpdate::Card(change));
            }
        }
        if let Ok(listing) = &self.board {
            for c in presence.resync_listing(listing, tracker.classifier()) {
                out(LiveUpdate::Presence(c));
            }
        }
        self.channels.map(|_| phones)
    }
}

/// Reads what [`Presence::resync_listing`] rebuilds the board from: the
/// hints (`ExtensionStateList`), the device states (`DeviceStateList`,
/// Asterisk 12+) and `endpoints`, the listing a resync already read with
/// [`list_endpoints`] (`None` when the PBX would not give it). Fails, with
/// `ExtensionStateList`'s error, only when there are neither hints nor
/// endpoints: presence then stays as it was.
pub async fn presence_listing(
    client: &Client,
    endpoints: Option<EventList>,
) -> Result<PresenceListing, ringside_ami::Error> {
    let hints = client.send_list(Packet::action("ExtensionStateList")).await;
    let Some(endpoints) = endpoints else {
        return hints.map(|h| PresenceListing {
            hints: h.events,
            ..PresenceListing::default()
        });
    };
    let devices = match client.send_list(Packet::action("DeviceStateList")).await {
        Ok(list) => list.events,
        // Asterisk 1.8 has none: a phone's state is then its peer status.
        Err(_) => Vec::new(),
    };
    Ok(PresenceListing {
        hints: hints.map(|h| h.events).unwrap_or_default(),
        devices,
        endpoints: endpoints.events,
    })
}

/// Names the colleagues from the caller IDs their phones are configured
/// with ([`endpoint_names`]; `phones` as [`resync`] returns them) and
/// reports those whose name changed. Run once a new session has been
/// announced: it costs a round trip per phone (a few in flight at once),
/// and nothing else should wait for it.
pub async fn name_colleagues(
    client: &Client,
    phones: &[NameQuery],
    presence: &mut Presence,
    out: &mut dyn FnMut(LiveUpdate),
) {
    for c in presence.set_names(endpoint_names(client, phones).await) {
        out(LiveUpdate::Presence(c));
    }
}

/// The PBX's phones and trunks: `PJSIPShowEndpoints` (Asterisk 12+), else
/// `SIPpeers` (chan_sip).
pub async fn list_endpoints(client: &Client) -> Result<EventList, ringside_ami::Error> {
    match client.send_list(Packet::action("PJSIPShowEndpoints")).await {
        Ok(list) => Ok(list),
        Err(_) => client.send_list(Packet::action("SIPpeers")).await,
    }
}

/// At most this many phones are asked for their names, one action each.
pub const MAX_NAMED_PHONES: usize = 500;

/// How to ask the PBX how one phone is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameQuery {
    /// `PJSIPShowEndpoint` (Asterisk 12+), for an `EndpointList` item.
    Pjsip(String),
    /// `SIPshowpeer` (chan_sip), for a `PeerEntry` item.
    Sip(String),
}

/// The phones of a `PJSIPShowEndpoints` / `SIPpeers` listing worth asking
/// for a name: the endpoints `classifier` takes for extensions (trunks have
/// no colleague behind them), at most [`MAX_NAMED_PHONES`].
pub fn name_queries(endpoints: &[Packet], classifier: &Classifier) -> Vec<NameQuery> {
    endpoints
        .iter()
        .filter_map(|p| {
            let name = classifier.listed_phone(p)?.to_owned();
            match p.event() {
                Some(e) if e.eq_ignore_ascii_case("EndpointList") => Some(NameQuery::Pjsip(name)),
                Some(e) if e.eq_ignore_ascii_case("PeerEntry") => Some(NameQuery::Sip(name)),
                _ => None,
            }
        })
        .take(MAX_NAMED_PHONES)
        .collect()
}

/// The names the PBX gives its phones: the caller ID each is configured
/// with (`callerid=Bob Sales <1002>`), read with one action per phone.
/// A phone the PBX will not show, or whose caller ID has no name, stays
/// unnamed. Returns extension → name, for [`Presence::set_names`].
pub async fn endpoint_names(client: &Client, queries: &[NameQuery]) -> Vec<(String, String)> {
    let mut names = Vec::new();
    let mut asking = tokio::task::JoinSet::new();
    let mut pending = queries.iter().cloned();
    loop {
        while asking.len() < NAMES_IN_FLIGHT {
            let Some(q) = pending.next() else { break };
            let client = client.clone();
            asking.spawn(async move { endpoint_name(&client, q).await });
        }
        match asking.join_next().await {
            Some(Ok(Some(named))) => names.push(named),
            Some(_) => {}
            None => break,
        }
    }
    names
}

/// How many name questions are in flight at once: on a PBX across a WAN a
/// round trip each, one after the other, would take seconds.
const NAMES_IN_FLIGHT: usize = 8;

async fn endpoint_name(client: &Client, q: NameQuery) -> Option<(String, String)> {
    let (ext, clid) = match q {
        NameQuery::Pjsip(ext) => {
            let list = client
                .send_list(Packet::action("PJSIPShowEndpoint").with("Endpoint", ext.as_str()))
                .await
                .ok()?;
            let detail = list.events.iter().find(|p| {
                p.event()
                    .is_some_and(|e| e.eq_ignore_ascii_case("EndpointDetail"))
            });
            let clid = detail.and_then(|p| p.get("Callerid")).map(str::to_owned);
            (ext, clid)
        }
        NameQuery::Sip(ext) => {
            let p = client
                .send(Packet::action("SIPshowpeer").with("Peer", ext.as_str()))
                .await
                .ok()?;
            let clid = p.get("Callerid").map(str::to_owned);
            (ext, clid)
        }
    };
    let name = callerid_name(&clid?, &ext)?;
    Some((ext, name))
}

/// What a live feed keeps up to date. The feed locks it once per event and
/// once per resync, so others (the app's commands) can read between them;
/// it may hold more than the tracker and presence (the app keeps the names
/// from Contacts beside them).
pub trait LiveModel: Send {
    /// The call tracker and the colleagues' presence, borrowed together.
    fn parts(&mut self) -> (&mut CallTracker, &mut Presence);
}

/// The plain [`LiveModel`]: a tracker and presence, nothing else.
#[derive(Debug)]
pub struct Live {
    /// The calls in flight.
    pub tracker: CallTracker,
    /// The colleagues' presence.
    pub presence: Presence,
}

impl Live {
    /// A model watching what `tracker` watches, with an empty board.
    pub fn new(tracker: CallTracker) -> Self {
        Self {
            tracker,
            presence: Presence::new(),
        }
    }
}

impl LiveModel for Live {
    fn parts(&mut self) -> (&mut CallTracker, &mut Presence) {
        (&mut self.tracker, &mut self.presence)
    }
}

/// Follows the client's session forever (until the client shuts down):
/// applies each event to `live`, resyncs on every new session and after
/// lost events, names the colleagues once per session (on a task of its
/// own, which no event waits for), and hands every change to `out`, with
/// the connection's ups and downs ([`LiveUpdate::Connected`],
/// [`LiveUpdate::Disconnected`], [`LiveUpdate::Reconnecting`]) in order.
///
/// `out` is never called with `live` locked. The CLI, the tests and the
/// app all follow a PBX through this one loop.
pub async fn follow<M: LiveModel>(
    client: &Client,
    live: &tokio::sync::Mutex<M>,
    out: &mut (dyn FnMut(LiveUpdate) + Send),
) {
    let mut feed = Feed {
        client,
        live,
        naming: tokio::task::JoinSet::new(),
        updates: Vec::new(),
    };
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
        let item = tokio::select! {
            // Events first: a session's end is reported before the failed
            // attempts that follow it.
            biased;
            item = events.recv() => match item {
                Some(item) => item,
                None => break,
            },
            Some(Ok(names)) = feed.naming.join_next(), if !feed.naming.is_empty() => {
                feed.name(names, out).await;
                continue;
            }
            changed = state.changed(), if state_open => {
                state_open = changed.is_ok();
                let failed = match &*state.borrow_and_update() {
                    ConnectionState::Unreachable { message } | ConnectionState::AuthFailed { message } => Some(message.clone()),
                    _ => None,
                };
                if let Some(message) = failed {
                    out(LiveUpdate::Reconnecting(message));
                }
                continue;
            }
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

/// The state [`follow`] carries between events.
struct Feed<'a, M> {
    client: &'a Client,
    live: &'a tokio::sync::Mutex<M>,
    /// The naming round of the current session, if one is running.
    naming: tokio::task::JoinSet<Vec<(String, String)>>,
    /// Changes made under the lock, handed out once it is released.
    updates: Vec<LiveUpdate>,
}

impl<M: LiveModel> Feed<'_, M> {
    /// A session began (`version` from its banner): resync, announce it,
    /// and start naming its colleagues (a previous round is dropped).
    async fn session_started(&mut self, version: String, out: &mut (dyn FnMut(LiveUpdate) + Send)) {
        self.live.lock().await.parts().0.observe_banner(&version);
        let phones = self.resync(out).await;
        out(LiveUpdate::Connected(version));
        self.naming.abort_all();
        if !phones.is_empty() {
            let client = self.client.clone();
            self.naming
                .spawn(async move { endpoint_names(&client, &phones).await });
        }
    }

    /// Rebuilds the state from fresh listings, read before it is locked;
    /// a failure is reported as [`LiveUpdate::ResyncFailed`]. Returns the
    /// phones to name (none when it failed).
    async fn resync(&mut self, out: &mut (dyn FnMut(LiveUpdate) + Send)) -> Vec<NameQuery> {
        let listings = fetch_listings(self.client).await;
        let result = {
            let mut live = self.live.lock().await;
            let (tracker, presence) = live.parts();
            let updates = &mut self.updates;
            listings.apply(tracker, presence, now_ms(), &mut |u| updates.push(u))
        };
        self.flush(out);
        result.unwrap_or_else(|e| {
            out(LiveUpdate::ResyncFailed(e.to_string()));
            Vec::new()
        })
    }

    /// Applies one event to the tracker and presence.
    async fn apply(
        &mut self,
        packet: &Packet,
        at_ms: i64,
        out: &mut (dyn FnMut(LiveUpdate) + Send),
    ) {
        let mut changes = Vec::new();
        {
            let mut live = self.live.lock().await;
            let (tracker, presence) = live.parts();
            tracker.apply_into(packet, at_ms, &mut changes);
            self.updates.extend(changes.drain(..).map(LiveUpdate::Card));
            self.updates
                .extend(presence.apply(packet).into_iter().map(LiveUpdate::Presence));
        }
        self.flush(out);
    }

    /// The names a naming round found.
    async fn name(
        &mut self,
        names: Vec<(String, String)>,
        out: &mut (dyn FnMut(LiveUpdate) + Send),
    ) {
        let named = self.live.lock().await.parts().1.set_names(names);
        for c in named {
            out(LiveUpdate::Presence(c));
        }
    }

    fn flush(&mut self, out: &mut (dyn FnMut(LiveUpdate) + Send)) {
        for u in self.updates.drain(..) {
            out(u);
        }
    }
}
