//! The live PBX session: picks the PBX (the command line, the saved
//! settings, or the built-in demo PBX), starts the AMI client, feeds the
//! call tracker from its event stream on one task, and fans the tracker's
//! `CardChange`s out: `ringside://card` to the popup for the calls it
//! shows, the popup window and the desktop notification, the caller's
//! history, the store for ended calls, and (coalesced) the live calls to the
//! main window.
//!
//! It must not interpret AMI itself: `ringside-ami` owns the socket and
//! `ringside-calls` decides what a call is.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use ringside_ami::{Client, ClientConfig, ConnectionState as AmiState};
use ringside_calls::clock::now_ms;
use ringside_calls::console::{Console, ConsoleChange};
use ringside_calls::live::{LiveParts, LiveUpdate};
use ringside_calls::presence::Presence;
use ringside_calls::{CallCard, CallTracker, CardChange, CloseReason, TrackerConfig};
use ringside_config::Transport;
use ringside_gateway::desk::Desk;
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::Mutex;

use crate::feeds::Coalesce;
use crate::ipc::{
    Colleague, ConnectionState, ConnectionStatus, ConsoleState, Offer, PresenceState, EVENT_CARD,
    EVENT_CONSOLE, EVENT_LIVE_CALLS, EVENT_PARKED, EVENT_PRESENCE, EVENT_QUEUES, EVENT_RECALL,
    EVENT_VOICEMAIL,
};
use crate::notify::CallerNotice;
use crate::popup::{MAIN_WINDOW, POPUP_WINDOW};
use crate::settings::{self, Secret};
use crate::shell::{LiveInfo, Shell};
use crate::sync::LockExt;

/// Where this run connects and as whom.
#[derive(Debug, Clone)]
pub struct Target {
    /// PBX host.
    pub host: String,
    /// AMI port.
    pub port: u16,
    /// AMI user.
    pub user: String,
    /// Plain TCP or TLS.
    pub transport: Transport,
    /// The user's extensions.
    pub extensions: Vec<String>,
    /// Watched ring groups and queues.
    pub groups: Vec<String>,
    /// True for the built-in demo PBX.
    pub demo: bool,
}

/// Why there is no session to start.
#[derive(Debug, Clone)]
pub struct NoTarget(pub ConnectionStatus);

/// What the session task keeps up to date from the PBX's events: the call
/// tracker, the colleagues' presence and the attendant console (parked
/// calls, queues, voicemail). Commands lock it briefly to read.
#[derive(Debug)]
pub struct LiveState {
    /// The calls in flight.
    pub tracker: CallTracker,
    /// The colleagues' presence.
    pub presence: Presence,
    /// The parked calls, queues and voicemail counts, and the recall of
    /// her unanswered blind transfers (`console::console_for`).
    pub console: Console,
    /// What the console's buttons may do, from the PBX profile and the
    /// AMI user's rights (asked once per session).
    pub offers: Vec<Offer>,
    /// Names she gave colleagues in Contacts (a contact holding the
    /// extension's number), by extension: they win over the PBX's names.
    pub contact_names: BTreeMap<String, String>,
    /// Office mode: the office's live calls as the gateway publishes them
    /// (`office/calls`), once it has.
    pub office_calls: Option<Vec<CallCard>>,
    /// Office mode: this desk's own calls, from its card lines, until the
    /// gateway publishes the office's.
    pub desk_cards: BTreeMap<String, CallCard>,
    /// Office mode: the office's parked calls, queues and voicemail counts
    /// as the gateway publishes them (its console, not ours).
    pub office_panels: Option<OfficePanels>,
}

/// The attendant panels of the office, as the office gateway publishes them
/// (`office/parked`, `office/queues`, `office/voicemail`).
#[derive(Debug, Clone, Default)]
pub struct OfficePanels {
    /// The parked calls.
    pub parked: Vec<ringside_calls::console::ParkedCall>,
    /// Every queue the gateway follows.
    pub queues: Vec<ringside_calls::console::Queue>,
    /// Each colleague's voicemail counts.
    pub voicemail: Vec<ringside_calls::console::Mailbox>,
}

impl LiveState {
    /// The parked calls for the Parked calls panel, from the PBX or the
    /// office gateway.
    pub fn parked_calls(&self) -> Vec<ringside_calls::console::ParkedCall> {
        match &self.office_panels {
            Some(p) => p.parked.clone(),
            None => self.console.parked.calls().cloned().collect(),
        }
    }

    /// The queues the Queues panel shows: her watched ones (Settings'
    /// "Queues to show"), from the PBX or the office gateway.
    pub fn queues_shown(&self) -> Vec<ringside_calls::console::Queue> {
        match &self.office_panels {
            Some(p) => p
                .queues
                .iter()
                .filter(|q| self.console.queues.is_watched(&q.name))
                .cloned()
                .collect(),
            None => self.console.watched_queues(),
        }
    }

    /// The colleagues' voicemail counts.
    pub fn mailboxes(&self) -> Vec<ringside_calls::console::Mailbox> {
        match &self.office_panels {
            Some(p) => p.voicemail.clone(),
            None => self.console.voicemail.mailboxes().cloned().collect(),
        }
    }

    /// The calls in flight for the main window: the tracker's, or in office
    /// mode the gateway's (else the desk's own cards).
    pub fn live_calls(&self) -> Vec<CallCard> {
        match &self.office_calls {
            Some(calls) => calls.clone(),
            None if !self.desk_cards.is_empty() => self.desk_cards.values().cloned().collect(),
            None => self.tracker.cards(),
        }
    }
}

impl ringside_calls::live::LiveModel for LiveState {
    fn parts(&mut self) -> LiveParts<'_> {
        LiveParts {
            tracker: &mut self.tracker,
            presence: &mut self.presence,
            console: &mut self.console,
        }
    }
}

/// How a session reaches the PBX.
#[derive(Debug, Clone)]
pub enum Link {
    /// Its own AMI session.
    Ami(Client),
    /// Through the office gateway's broker (office mode): the gateway holds
    /// the only AMI session and runs the desk's requests.
    Office(Desk),
}

/// One running session: the AMI client (or the desk's connection to the
/// office gateway), the live state, their tasks, and the demo PBX when
/// there is one.
#[derive(Debug)]
pub struct Session {
    /// How it reaches the PBX.
    pub link: Link,
    /// Tracker and presence, fed by the session task.
    pub live: Arc<Mutex<LiveState>>,
    /// Where it connects.
    pub target: Target,
    tasks: Vec<JoinHandle<()>>,
    demo: Option<crate::demo::DemoPbx>,
}

impl Session {
    async fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        match &self.link {
            Link::Ami(client) => client.shutdown().await,
            Link::Office(desk) => desk.close().await,
        }
        if let Some(d) = self.demo {
            d.stop().await;
        }
    }
}

/// The slot holding the running session, managed by Tauri.
#[derive(Debug, Default)]
pub struct SessionSlot(pub tokio::sync::Mutex<Option<Session>>);

impl SessionSlot {
    /// The AMI client, live state and target of the running session, if
    /// it has its own AMI session (not in office mode).
    pub async fn current(&self) -> Option<(Client, Arc<Mutex<LiveState>>, Target)> {
        match self.link().await? {
            (Link::Ami(client), live, target) => Some((client, live, target)),
            (Link::Office(_), ..) => None,
        }
    }

    /// How the running session reaches the PBX, its live state and target.
    pub async fn link(&self) -> Option<(Link, Arc<Mutex<LiveState>>, Target)> {
        self.0
            .lock()
            .await
            .as_ref()
            .map(|s| (s.link.clone(), s.live.clone(), s.target.clone()))
    }

    /// The running session's live state, whichever way it reaches the PBX.
    pub async fn live(&self) -> Option<Arc<Mutex<LiveState>>> {
        self.0.lock().await.as_ref().map(|s| s.live.clone())
    }
}

/// The AMI secret for a target: `--secret-env VAR` / `RINGSIDE_AMI_SECRET`
/// for command-line runs, else the OS keyring.
fn secret_for(shell: &Shell, target: &Target) -> Result<Option<Secret>, ConnectionStatus> {
    let var = shell
        .args
        .secret_env
        .clone()
        .unwrap_or_else(|| "RINGSIDE_AMI_SECRET".into());
    if let Ok(s) = std::env::var(&var) {
        if !s.is_empty() {
            return Ok(Some(Secret::new(s)));
        }
    }
    shell
        .secrets
        .get(&settings::keyring_account(&target.user, &target.host))
        .map_err(|e| ConnectionStatus {
            state: ConnectionState::Disconnected,
            message: crate::ipc::IpcError::from(e).message,
            version: None,
        })
}

/// Decides what to connect to: `--demo`, `--pbx`, the saved PBX, or the
/// demo PBX when nothing is configured.
pub fn resolve_target(shell: &Shell) -> Result<Target, NoTarget> {
    let saved = shell.saved_settings();
    let args = &shell.args;
    let extensions = if args.extensions.is_empty() {
        saved.extensions.clone()
    } else {
        args.extensions.clone()
    };
    if let Some(pbx) = &args.pbx {
        let (host, port) = crate::cli::parse_host_port(pbx).map_err(|m| {
            NoTarget(ConnectionStatus {
                state: ConnectionState::Disconnected,
                message: m,
                version: None,
            })
        })?;
        let user = args.user.clone().unwrap_or_else(|| saved.ami_user.clone());
        return Ok(Target {
            host,
            port,
            user,
            transport: if args.tls {
                Transport::Tls { pin: None }
            } else {
                Transport::Plain
            },
            extensions,
            groups: saved.watched_groups.clone(),
            demo: false,
        });
    }
    if args.demo || saved.host.trim().is_empty() {
        return Ok(Target {
            host: "127.0.0.1".into(),
            port: 0,
            user: crate::demo::DEMO_USER.into(),
            transport: Transport::Plain,
            extensions: if args.extensions.is_empty() {
                vec![crate::demo::DEMO_EXTENSION.into()]
            } else {
                extensions
            },
            groups: vec![crate::demo::DEMO_RING_GROUP.into()],
            demo: true,
        });
    }
    Ok(Target {
        host: saved.host.trim().to_string(),
        port: saved.port,
        user: saved.ami_user.clone(),
        transport: Transport::from_settings(saved.tls, saved.pinned_fingerprint.as_deref()),
        extensions,
        groups: saved.watched_groups.clone(),
        demo: false,
    })
}

/// Office mode's target, when the settings choose the office gateway and
/// the command line names no PBX (`--demo`, `--pbx` win): her extensions
/// and groups; the broker's address is filled in from the login.
fn office_target(shell: &Shell) -> Option<Target> {
    let saved = shell.saved_settings();
    let args = &shell.args;
    if args.demo || args.pbx.is_some() || !crate::office::enabled(&saved) {
        return None;
    }
    Some(Target {
        host: String::new(),
        port: 0,
        user: String::new(),
        transport: Transport::Plain,
        extensions: if args.extensions.is_empty() {
            saved.extensions.clone()
        } else {
            args.extensions.clone()
        },
        groups: saved.watched_groups.clone(),
        demo: false,
    })
}

/// Maps the client's state to the UI's.
pub fn connection_status(
    state: &AmiState,
    target: &Target,
    version: Option<String>,
) -> ConnectionStatus {
    let place = if target.demo {
        "the demo PBX".to_string()
    } else {
        format!("{}:{}", target.host, target.port)
    };
    let (state, message) = match state {
        AmiState::Connecting { attempt } if *attempt <= 1 => (
            ConnectionState::Connecting,
            format!("Connecting to {place}…"),
        ),
        AmiState::Connecting { attempt } => (
            ConnectionState::Connecting,
            format!("Connecting to {place} (attempt {attempt})…"),
        ),
        AmiState::Connected { version } => {
            return ConnectionStatus {
                state: ConnectionState::Connected,
                message: format!("Connected to {place}"),
                version: Some(version.clone()),
            }
        }
        AmiState::AuthFailed { message } => (ConnectionState::AuthFailed, message.clone()),
        AmiState::Unreachable { message } => (ConnectionState::Unreachable, message.clone()),
        AmiState::Disconnected { message, .. } => (ConnectionState::Disconnected, message.clone()),
        other => (
            ConnectionState::Disconnected,
            other.message().unwrap_or("Disconnected").to_string(),
        ),
    };
    ConnectionStatus {
        state,
        message,
        version,
    }
}

/// (Re)starts the session from the current settings and command line, on
/// Tauri's runtime. The previous session (and demo PBX) is stopped first.
pub fn restart<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(slot) = app.try_state::<SessionSlot>() else {
            return;
        };
        let mut guard = slot.0.lock().await;
        if let Some(old) = guard.take() {
            old.stop().await;
        }
        let shell = app.state::<Shell>();
        match start(&app, &shell).await {
            Ok(session) => *guard = Some(session),
            Err(NoTarget(status)) => shell.set_connection(&app, status),
        }
    });
}

async fn start<R: Runtime>(app: &AppHandle<R>, shell: &Shell) -> Result<Session, NoTarget> {
    let started = Instant::now();
    if let Some(target) = office_target(shell) {
        return office::start(app, shell, target);
    }
    let mut target = resolve_target(shell)?;
    let (demo, secret) = demo_or_secret(shell, &mut target).await?;
    if target.user.trim().is_empty() {
        return Err(NoTarget(ConnectionStatus {
            state: ConnectionState::AuthFailed,
            message: "No AMI user is set. Enter it in Settings.".into(),
            version: None,
        }));
    }
    let mut config = ClientConfig::new(
        target.host.clone(),
        target.port,
        target.user.clone(),
        ringside_ami::Secret::new(secret.expose()),
    );
    if let Transport::Tls { pin } = &target.transport {
        let trust = ringside_config::tls_trust(pin.as_deref(), None);
        config = config.tls(trust.map_err(|e| bad_config(&e))?);
    }
    let client = Client::start(config).map_err(|e| bad_config(&e))?;
    shell.set_live(LiveInfo {
        demo: target.demo,
        extensions: target.extensions.clone(),
    });

    let saved = shell.saved_settings();
    let profile = saved.profile.profile();
    let live = Arc::new(Mutex::new(live_state(&saved, &target, &profile)));
    let state_task = tauri::async_runtime::spawn(follow_state(
        app.clone(),
        client.clone(),
        target.clone(),
        started,
    ));
    let event_task = tauri::async_runtime::spawn(follow_events(
        app.clone(),
        client.clone(),
        live.clone(),
        profile,
    ));
    tracing::info!(demo = target.demo, host = %target.host, port = target.port, user = %target.user, "session started");
    Ok(Session {
        link: Link::Ami(client),
        live,
        target,
        tasks: vec![state_task, event_task],
        demo,
    })
}

/// The demo PBX started on a free port (and its secret) when the target is
/// the demo; otherwise the saved secret of the target's AMI user.
async fn demo_or_secret(
    shell: &Shell,
    target: &mut Target,
) -> Result<(Option<crate::demo::DemoPbx>, Secret), NoTarget> {
    if target.demo {
        let demo = crate::demo::DemoPbx::start().await.map_err(|m| {
            NoTarget(ConnectionStatus {
                state: ConnectionState::Disconnected,
                message: m,
                version: None,
            })
        })?;
        target.port = demo.port();
        let secret = demo.secret();
        return Ok((Some(demo), secret));
    }
    let secret = secret_for(shell, target)
        .map_err(NoTarget)?
        .ok_or_else(|| {
            NoTarget(ConnectionStatus {
                state: ConnectionState::AuthFailed,
                message: format!(
                    "No AMI secret is saved for user '{}' on {}:{}. Type it in Settings.",
                    target.user, target.host, target.port
                ),
                version: None,
            })
        })?;
    Ok((None, secret))
}

/// A new session's model: the tracker for her extensions and groups, the
/// board, the console built from Settings, and offers that wait for the
/// user's rights.
fn live_state(
    saved: &crate::ipc::Settings,
    target: &Target,
    profile: &ringside_calls::profile::Profile,
) -> LiveState {
    LiveState {
        tracker: CallTracker::new(TrackerConfig {
            extensions: target.extensions.clone(),
            groups: target.groups.clone(),
            ..TrackerConfig::default()
        }),
        presence: Presence::new(),
        console: crate::console::console_for(saved, &target.extensions, profile),
        offers: crate::console::offers(
            profile,
            profile.dialect,
            &ringside_calls::rights::Rights::unknown(),
        ),
        contact_names: BTreeMap::new(),
        office_calls: None,
        desk_cards: BTreeMap::new(),
        office_panels: None,
    }
}

fn bad_config(e: &ringside_ami::Error) -> NoTarget {
    NoTarget(ConnectionStatus {
        state: ConnectionState::Disconnected,
        message: format!("The connection settings cannot work: {e}. Check them in Settings."),
        version: None,
    })
}

async fn follow_state<R: Runtime>(
    app: AppHandle<R>,
    client: Client,
    target: Target,
    started: Instant,
) {
    let mut rx = client.state();
    let mut reported_connect_time = false;
    loop {
        let state = rx.borrow_and_update().clone();
        if state.is_connected() && !reported_connect_time {
            reported_connect_time = true;
            tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "connected to the PBX"
            );
        }
        let status = connection_status(&state, &target, client.banner_version());
        if let Some(shell) = app.try_state::<Shell>() {
            shell.set_connection(&app, status);
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// Follows the session with the one live loop the CLI uses too
/// (`ringside_calls::live::follow`, which locks the live state only per
/// event and per resync, so commands can read between them) and fans its
/// updates out to the windows, the tray, the history and the texts.
async fn follow_events<R: Runtime>(
    app: AppHandle<R>,
    client: Client,
    live: Arc<Mutex<LiveState>>,
    profile: ringside_calls::profile::Profile,
) {
    let windows = MainWindowFeeds::spawn(&app, &live);
    let mut out = |update: LiveUpdate| match update {
        LiveUpdate::Card(change) => {
            windows.live_calls.poke();
            dispatch(&app, change);
        }
        LiveUpdate::Presence(_) => windows.presence.poke(),
        LiveUpdate::Sms { sms, arrived_at_ms } => {
            crate::sms::incoming(&app, sms, arrived_at_ms, Instant::now());
        }
        LiveUpdate::Console(change) => windows.console.changed(&app, change),
        LiveUpdate::RecallFailed {
            call,
            from,
            message,
            ..
        } => {
            tracing::warn!(%call, %from, "could not bring a transferred caller back: {message}");
        }
        LiveUpdate::Connected(_) => {
            windows.presence.poke();
            windows.live_calls.poke();
            windows.console.poke_all();
            let (app_o, client_o, live_o, profile_o) =
                (app.clone(), client.clone(), live.clone(), profile.clone());
            tauri::async_runtime::spawn(async move {
                refresh_offers(&app_o, &client_o, &live_o, &profile_o).await;
            });
            // Contacts name colleagues too; looked up once per session.
            let (app, live) = (app.clone(), live.clone());
            tauri::async_runtime::spawn(async move { names_from_contacts(&app, &live).await });
        }
        LiveUpdate::Lagged(lost) => {
            tracing::warn!(lost, "fell behind the PBX's events; resynchronising");
        }
        LiveUpdate::ResyncFailed(e) => {
            tracing::warn!("could not list the PBX's calls to resynchronise: {e}");
        }
        // The connection's ups and downs reach the status line from the
        // client's state (follow_state), with the target they concern.
        _ => {}
    };
    ringside_calls::live::follow(&client, &live, &mut out).await;
}

/// How often presence is sent to the windows at most.
const PRESENCE_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// How often the main window gets the list of live calls at most. The list
/// is every call in the office, rebuilt in the page each time: sent every
/// 250 ms during the busy-hour replay it doubled the popup's median latency
/// (scripts/measure-app.sh, bench/RESULTS.md).
const LIVE_CALLS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// What the main window is kept up to date with, each coalesced.
#[derive(Debug)]
struct MainWindowFeeds {
    presence: Coalesce,
    live_calls: Coalesce,
    console: ConsoleFeeds,
}

impl MainWindowFeeds {
    /// Presence and the list of live calls change in bursts (every device
    /// state, every call of a busy office): the main window gets each at
    /// most every PRESENCE_EVERY / LIVE_CALLS_EVERY, so a busy PBX cannot
    /// flood the windows and delay the popups.
    fn spawn<R: Runtime>(app: &AppHandle<R>, live: &Arc<Mutex<LiveState>>) -> Self {
        let (app_p, live_p, app_c, live_c) = (app.clone(), live.clone(), app.clone(), live.clone());
        MainWindowFeeds {
            presence: Coalesce::spawn(PRESENCE_EVERY, move || {
                let (app, live) = (app_p.clone(), live_p.clone());
                async move { emit_presence(&app, &live).await }
            }),
            live_calls: Coalesce::spawn(LIVE_CALLS_EVERY, move || {
                let (app, live) = (app_c.clone(), live_c.clone());
                async move { emit_live_calls(&app, &live).await }
            }),
            console: ConsoleFeeds::spawn(app, live),
        }
    }
}

/// How often each console panel is sent to the windows at most: a queue
/// with 200 waiting callers changes many times a second, and the page
/// paints the newest snapshot once per frame anyway.
const CONSOLE_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// The console's panels, each sent as a whole snapshot, coalesced.
#[derive(Debug)]
struct ConsoleFeeds {
    parked: Coalesce,
    queues: Coalesce,
    voicemail: Coalesce,
}

impl ConsoleFeeds {
    fn spawn<R: Runtime>(app: &AppHandle<R>, live: &Arc<Mutex<LiveState>>) -> Self {
        fn feed<R: Runtime, T: serde::Serialize + Send + 'static>(
            app: &AppHandle<R>,
            live: &Arc<Mutex<LiveState>>,
            event: &'static str,
            read: fn(&LiveState) -> T,
        ) -> Coalesce {
            let (app, live) = (app.clone(), live.clone());
            Coalesce::spawn(CONSOLE_EVERY, move || {
                let (app, live) = (app.clone(), live.clone());
                async move {
                    let snapshot = read(&*live.lock().await);
                    if let Err(e) = app.emit(event, &snapshot) {
                        tracing::warn!("could not send {event} to the windows: {e}");
                    }
                }
            })
        }
        Self {
            parked: feed(app, live, EVENT_PARKED, LiveState::parked_calls),
            queues: feed(app, live, EVENT_QUEUES, LiveState::queues_shown),
            voicemail: feed(app, live, EVENT_VOICEMAIL, LiveState::mailboxes),
        }
    }

    /// One console change: its panel is sent again, and a recall's
    /// outcome goes to both windows at once (the popup says "Back from
    /// 1002: not answered").
    fn changed<R: Runtime>(&self, app: &AppHandle<R>, change: ConsoleChange) {
        match change {
            ConsoleChange::Park(_) => self.parked.poke(),
            ConsoleChange::Queue(_) => self.queues.poke(),
            ConsoleChange::Voicemail(_) => self.voicemail.poke(),
            ConsoleChange::Recall(out) => {
                if let Err(e) = app.emit(EVENT_RECALL, &out) {
                    tracing::warn!("could not send the recall to the windows: {e}");
                }
            }
        }
    }

    fn poke_all(&self) {
        self.parked.poke();
        self.queues.poke();
        self.voicemail.poke();
    }
}

/// Asks the PBX what this AMI user may do and tells the windows what the
/// console's buttons may offer.
async fn refresh_offers<R: Runtime>(
    app: &AppHandle<R>,
    client: &Client,
    live: &Arc<Mutex<LiveState>>,
    profile: &ringside_calls::profile::Profile,
) {
    let rights = crate::console::fetch_rights(client).await;
    let offers = {
        let mut l = live.lock().await;
        l.offers = crate::console::offers(profile, l.tracker.dialect(), &rights);
        l.offers.clone()
    };
    if let Err(e) = app.emit(EVENT_CONSOLE, &offers) {
        tracing::warn!("could not send the console's offers to the windows: {e}");
    }
}

/// `get_console`'s answer.
pub fn console_state(live: &LiveState) -> ConsoleState {
    ConsoleState {
        parked: live.parked_calls(),
        queues: live.queues_shown(),
        voicemail: live.mailboxes(),
        offers: live.offers.clone(),
    }
}

/// Looks the colleagues' extensions up in Contacts, then the company
/// directory for those Contacts does not name (after a resync, and after
/// contacts are imported), and sends presence again if a name changed.
pub async fn names_from_contacts<R: Runtime>(app: &AppHandle<R>, live: &Arc<Mutex<LiveState>>) {
    let Some(shell) = app.try_state::<Shell>() else {
        return;
    };
    let Ok(store) = shell.store() else { return };
    let extensions: Vec<String> = live
        .lock()
        .await
        .presence
        .colleagues()
        .map(|c| c.extension.clone())
        .collect();
    let from_directory = crate::directory::colleague_names(&shell).await;
    match store.contact_names(extensions.clone()).await {
        Ok(mut names) => {
            for ext in extensions {
                if let Some(name) = from_directory.get(&ext) {
                    names.entry(ext).or_insert_with(|| name.clone());
                }
            }
            let changed = {
                let mut l = live.lock().await;
                let changed = l.contact_names != names;
                l.contact_names = names;
                changed
            };
            if changed {
                emit_presence(app, live).await;
            }
        }
        Err(e) => tracing::warn!("could not look the colleagues up in Contacts: {e}"),
    }
}

/// The UI's view of a colleague's presence; `contact_name` is the name
/// she gave the extension in Contacts, else the company directory's, which
/// wins over the PBX's.
pub fn colleague(
    c: &ringside_calls::presence::Colleague,
    contact_name: Option<&String>,
) -> Colleague {
    let s = c.state;
    let state = if s.not_found() {
        PresenceState::NotFound
    } else if s.unavailable() {
        PresenceState::Unavailable
    } else if s.ringing() && s.in_use() {
        PresenceState::InUseRinging
    } else if s.ringing() {
        PresenceState::Ringing
    } else if s.on_hold() {
        PresenceState::OnHold
    } else if s.busy() {
        PresenceState::Busy
    } else if s.in_use() {
        PresenceState::InUse
    } else {
        PresenceState::Idle
    };
    let talking_to =
        c.talking_to_now().map(
            |p| match p.name.as_deref().filter(|n| !n.trim().is_empty()) {
                Some(name) => format!("{name} ({})", p.num),
                None => p.num.clone(),
            },
        );
    let name = contact_name
        .or(c.name.as_ref())
        .unwrap_or(&c.extension)
        .clone();
    Colleague {
        extension: c.extension.clone(),
        name,
        state,
        talking_to,
    }
}

/// Every colleague's presence, by extension.
pub async fn presence_list(live: &Arc<Mutex<LiveState>>) -> Vec<Colleague> {
    let l = live.lock().await;
    l.presence
        .colleagues()
        .map(|c| colleague(c, l.contact_names.get(&c.extension)))
        .collect()
}

async fn emit_presence<R: Runtime>(app: &AppHandle<R>, live: &Arc<Mutex<LiveState>>) {
    let list = presence_list(live).await;
    if let Err(e) = app.emit(EVENT_PRESENCE, &list) {
        tracing::warn!("could not send presence to the windows: {e}");
    }
}

async fn emit_live_calls<R: Runtime>(app: &AppHandle<R>, live: &Arc<Mutex<LiveState>>) {
    let cards = live.lock().await.live_calls();
    if let Err(e) = app.emit_to(MAIN_WINDOW, EVENT_LIVE_CALLS, &cards) {
        tracing::warn!("could not send the live calls to the main window: {e}");
    }
}

/// Sends one tracker change everywhere it matters. The popup hears only
/// about its own cards: a new one (unless do-not-disturb) and changes to
/// the ones it shows. The rest of a busy office's calls would only queue
/// in front of the next popup.
pub fn dispatch<R: Runtime>(app: &AppHandle<R>, change: CardChange) {
    if let CardChange::Popup { call, at_ms, .. } = &change {
        tracing::debug!(%call, behind_ms = now_ms() - at_ms, "popup");
    }
    let Some(shell) = app.try_state::<Shell>() else {
        return;
    };
    if popup_wants(&shell.popup.lock_or_recover(), &change) {
        if let Err(e) = app.emit_to(POPUP_WINDOW, EVENT_CARD, &change) {
            tracing::warn!("could not send a card to the popup: {e}");
        }
    }
    match change {
        CardChange::Popup {
            call,
            extension,
            caller_num,
            caller_name,
            did,
            queue,
            ..
        } => {
            let notice = CallerNotice {
                caller_num: caller_num.clone(),
                caller_name: caller_name.clone(),
                line: queue.or(did),
                extension,
            };
            shell.popup_opened(app, &call, notice);
            crate::caller::send_context(app, call, caller_num, caller_name);
        }
        CardChange::Close { call, reason, .. } => {
            // Answered here: the card stays, it is where she transfers from.
            if reason != CloseReason::Answered {
                shell.popup_closed(app, &call, true);
            }
        }
        CardChange::Ended { call, record, .. } => {
            shell.popup_closed(app, &call, true);
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let Some(shell) = app.try_state::<Shell>() else {
                    return;
                };
                let Ok(store) = shell.store() else { return };
                match store.record_call(record).await {
                    Ok(()) => {
                        // After the commit: the crash test holds the app to
                        // every call this line names surviving a kill -9.
                        tracing::info!(%call, "call saved to history");
                        crate::feeds::history_changed(&app);
                    }
                    Err(e) => tracing::error!("could not save a call to history: {e}"),
                }
            });
        }
        CardChange::Update { .. } => {}
    }
}

/// Whether the popup window needs this change: a new card unless
/// do-not-disturb is on, else only changes to a card it shows.
fn popup_wants(popup: &crate::popup::PopupState, change: &CardChange) -> bool {
    match change {
        CardChange::Popup { .. } => !popup.do_not_disturb,
        other => popup.is_shown(other.call()),
    }
}

mod office;
#[cfg(test)]
mod tests;
