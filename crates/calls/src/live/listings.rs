//! What a resync reads from the PBX, and how it is applied: the calls
//! (`CoreShowChannels`, `Status` on Asterisk 1.4), the board (the endpoint
//! listing, `ExtensionStateList`, `DeviceStateList`), the attendant
//! console's parked calls (`ParkedCalls`) and queues (`QueueStatus`,
//! `QueueSummary`), and, asked apart because they cost a round trip each,
//! the colleagues' names and voicemail counts.
//!
//! Every listing is read before any state is locked, and they are read at
//! once, not one after another: a session's state is complete after the
//! slowest listing, not after their sum.

use ringside_ami::{Client, EventList, Packet};

use super::{LiveParts, LiveUpdate};
use crate::channel::Classifier;
use crate::console::ConsoleListing;
use crate::number::callerid_name;
use crate::presence::{Presence, PresenceListing};
use crate::tracker::CallTracker;

/// Rebuilds the tracker, presence and console from fresh listings
/// ([`fetch_listings`], then [`Listings::apply`]). Also teaches the tracker
/// which endpoints are trunks (PJSIPShowEndpoints, else SIPpeers), and
/// returns the phones of that listing to ask for names
/// ([`name_colleagues`]), which the resync itself does not wait for.
pub async fn resync(
    client: &Client,
    parts: LiveParts<'_>,
    at_ms: i64,
    out: &mut dyn FnMut(LiveUpdate),
) -> Result<Vec<NameQuery>, ringside_ami::Error> {
    fetch_listings(client).await.apply(parts, at_ms, out)
}

/// What a resync rebuilds from, read from the PBX before any state is
/// touched, so whoever shares the tracker is not held up by the PBX.
#[derive(Debug)]
pub struct Listings {
    banner: Option<String>,
    endpoints: Option<EventList>,
    channels: Result<Vec<Packet>, ringside_ami::Error>,
    board: Result<PresenceListing, ringside_ami::Error>,
    parked: Result<Vec<Packet>, ringside_ami::Error>,
    queues: Result<Vec<Packet>, ringside_ami::Error>,
    queue_summary: Result<Vec<Packet>, ringside_ami::Error>,
}

/// Reads the listings a resync needs, all at once: the endpoints, the
/// calls (`CoreShowChannels`, `Status` on Asterisk 1.4), the board's hints
/// and device states, the parked calls (`ParkedCalls`) and the queues
/// (`QueueStatus`, `QueueSummary`). A listing the PBX refuses is kept as
/// its error.
pub async fn fetch_listings(client: &Client) -> Listings {
    let channels = async {
        match client.send_list(Packet::action("CoreShowChannels")).await {
            Ok(list) => Ok(list.events),
            // Asterisk 1.4 has no CoreShowChannels; its Status list never says Complete.
            Err(_) => client
                .send_list_until(Packet::action("Status"), "StatusComplete")
                .await
                .map(|l| l.events),
        }
    };
    let people = async {
        let endpoints = list_endpoints(client).await.ok();
        let board = presence_listing(client, endpoints.clone()).await;
        (endpoints, board)
    };
    // Asterisk 1.x answers these three without `EventList: start`: each
    // ends at its `…Complete` event, in both dialects.
    let (channels, (endpoints, board), parked, queues, queue_summary) = tokio::join!(
        channels,
        people,
        console_list(client, "ParkedCalls", "ParkedCallsComplete"),
        console_list(client, "QueueStatus", "QueueStatusComplete"),
        console_list(client, "QueueSummary", "QueueSummaryComplete"),
    );
    Listings {
        banner: client.banner_version(),
        endpoints,
        channels,
        board,
        parked,
        queues,
        queue_summary,
    }
}

/// One of the console's listings: its items, then its final event (the
/// queues panel reads `QueueStatusComplete` as "this was a whole listing",
/// so a PBX with no queue left empties the panel).
async fn console_list(
    client: &Client,
    action: &str,
    complete: &str,
) -> Result<Vec<Packet>, ringside_ami::Error> {
    let list = client
        .send_list_until(Packet::action(action), complete)
        .await?;
    let mut items = list.events;
    items.push(list.complete);
    Ok(items)
}

impl Listings {
    /// Rebuilds `views` (a [`super::LiveModel`]'s further trackers) from
    /// these listings as [`Self::apply`] rebuilds the main tracker: the
    /// banner, the endpoints, the calls. Their changes go to `out` as
    /// [`LiveUpdate::ViewCard`]. Call it before [`Self::apply`].
    pub fn apply_views(
        &self,
        views: &mut [CallTracker],
        at_ms: i64,
        out: &mut dyn FnMut(LiveUpdate),
    ) {
        for (view, tracker) in views.iter_mut().enumerate() {
            if let Some(v) = &self.banner {
                tracker.observe_banner(v);
            }
            if let Some(list) = &self.endpoints {
                for p in &list.events {
                    tracker.classifier_mut().learn(p);
                }
            }
            if let Ok(channels) = &self.channels {
                for change in tracker.resync(channels, at_ms) {
                    out(LiveUpdate::ViewCard { view, change });
                }
            }
        }
    }

    /// Rebuilds the tracker, presence and console in `parts` from these
    /// listings, reporting each change to `out`; returns the phones to ask
    /// for names. Presence and the console are rebuilt even when the calls
    /// could not be listed; that failure is then the error, after the rest
    /// was applied. A console listing the PBX refused (no parking, no
    /// queues, no rights for them) leaves its panel as it was, silently.
    pub fn apply(
        self,
        parts: LiveParts<'_>,
        at_ms: i64,
        out: &mut dyn FnMut(LiveUpdate),
    ) -> Result<Vec<NameQuery>, ringside_ami::Error> {
        let LiveParts {
            tracker,
            presence,
            console,
        } = parts;
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
        let mut cards = Vec::new();
        if let Ok(channels) = &self.channels {
            cards = tracker.resync(channels, at_ms);
            for c in &cards {
                out(LiveUpdate::Card(c.clone()));
            }
        }
        if let Ok(listing) = &self.board {
            for c in presence.resync_listing(listing, tracker.classifier()) {
                out(LiveUpdate::Presence(c));
            }
        }
        let queues = match (self.queues, self.queue_summary) {
            (Ok(mut status), Ok(summary)) => {
                status.extend(summary);
                Some(status)
            }
            (Ok(items), Err(_)) | (Err(_), Ok(items)) => Some(items),
            (Err(_), Err(_)) => None,
        };
        let listing = ConsoleListing {
            parked: self.parked.as_deref().ok(),
            queues: queues.as_deref(),
        };
        for c in console.resync(listing, at_ms, tracker, &cards) {
            out(LiveUpdate::Console(c));
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

/// At most this many mailboxes are counted, one `MailboxCount` each.
pub const MAX_MAILBOXES: usize = 500;

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
    let asked = queries.iter().cloned().map(|q| {
        let client = client.clone();
        async move { endpoint_name(&client, q).await }
    });
    in_flight(asked).await.into_iter().flatten().collect()
}

/// How many per-phone questions (names, mailboxes) are in flight at once:
/// on a PBX across a WAN a round trip each, one after the other, would take
/// seconds.
const IN_FLIGHT: usize = 8;

/// Runs `tasks`, [`IN_FLIGHT`] at a time; their results, in no set order.
async fn in_flight<T, F>(tasks: impl IntoIterator<Item = F>) -> Vec<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let mut done = Vec::new();
    let mut running = tokio::task::JoinSet::new();
    let mut pending = tasks.into_iter();
    loop {
        while running.len() < IN_FLIGHT {
            let Some(task) = pending.next() else { break };
            running.spawn(task);
        }
        match running.join_next().await {
            Some(Ok(result)) => done.push(result),
            Some(Err(_)) => {}
            None => break,
        }
    }
    done
}

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

/// The voicemail counts of these extensions: one `MailboxCount` each
/// (`Mailbox: 1002`, which Asterisk reads in the `default` voicemail
/// context), at most [`MAX_MAILBOXES`], a few in flight. The answers, for
/// [`crate::console::Console::mailbox_counts`]. The first is asked alone:
/// a PBX that refuses it (no voicemail, or the AMI user may not ask) is not
/// asked again for every phone. Like the names, this is asked after the
/// resync, which it would otherwise hold up.
pub async fn mailbox_counts(client: &Client, extensions: &[String]) -> Vec<Packet> {
    let ask = |ext: String| {
        let client = client.clone();
        async move {
            client
                .send(Packet::action("MailboxCount").with("Mailbox", ext))
                .await
                .ok()
        }
    };
    let mut exts = extensions.iter().take(MAX_MAILBOXES).cloned();
    let Some(first) = exts.next() else {
        return Vec::new();
    };
    let Some(first) = ask(first).await else {
        return Vec::new();
    };
    let mut answers = vec![first];
    answers.extend(in_flight(exts.map(ask)).await.into_iter().flatten());
    answers
}
