//! `ringside`: the command-line front end. It parses arguments, connects
//! through `ringside-ami`, and prints what `ringside-calls` decides; it holds
//! no call logic of its own. `watch --replay` feeds a capture through the
//! very same tracker offline. See README.md for the JSON lines.

mod args;
mod console;
mod contacts;
mod directory;
mod office;
mod output;

use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ringside_ami::{Client, ClientConfig, ConnectionState, Packet, Secret};
use ringside_calls::actions::{self, DialRequest};
use ringside_calls::channel::Classifier;
use ringside_calls::clock::now_ms;
use ringside_calls::live::{self, LiveUpdate};
use ringside_calls::presence::Presence;
use ringside_calls::profile::Profile;
use ringside_calls::recall::{RecallConfig, RecallSetup};
use ringside_calls::replay::{self, Capture, Replayed};
use ringside_calls::tracker::{CallTracker, CardChange, Dialect, TrackerConfig};
use ringside_calls::{Console, ConsoleChange, Queues};

use args::{
    CheckArgs, Cli, Command, DialArgs, LoginArgs, PbxArgs, PresenceArgs, TransferArgs, WatchArgs,
};
use ringside_calls::lines::{self, Link};

// Where the PBX is and where its secret is kept: one reading, the app's too.
use ringside_config::{
    keyring_account, parse_pbx_address, OsKeyring, SecretStore, KEYRING_SERVICE,
};

/// A failure with the exit code and a message a person can act on.
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    /// Bad input: nothing was sent.
    fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }
    /// The PBX, the network or the keyring failed.
    fn runtime(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<actions::ActionError> for Failure {
    /// What the PBX said (a refusal, a failed dial) is a runtime failure;
    /// what was found wrong before anything was sent is bad input.
    fn from(e: actions::ActionError) -> Self {
        use actions::ActionError as E;
        match e {
            E::Pbx(_)
            | E::DialFailed(_)
            | E::CommandsDenied
            | E::SmsFailed(_)
            | E::PermissionDenied { .. }
            | E::NoSuchChannel
            | E::NotQueueMember { .. }
            | E::AlreadyQueueMember { .. }
            | E::NoSuchQueue { .. }
            | E::StaticQueueMember { .. }
            | E::ParkFailed(_)
            | E::TooLate { .. } => Self::runtime(e.to_string()),
            _ => Self::usage(e.to_string()),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Watch(a) if a.replay.is_some() => watch_replay(&a),
        Command::Watch(a) if a.office.broker.is_some() => office_watch(&a),
        Command::Watch(a) => with_runtime(watch_live(a)),
        Command::Dial(a) if a.office.broker.is_some() => {
            let req = ringside_gateway::DeskRequest::Dial {
                from: a.extension.clone(),
                number: a.number.clone(),
            };
            with_runtime(office::ask(&a.office, &req))
        }
        Command::Dial(a) => with_runtime(dial(a)),
        Command::Transfer(a) if a.office.broker.is_some() => {
            let req = ringside_gateway::DeskRequest::Transfer {
                call: a.call.clone(),
                to: a.target.clone(),
                attended: a.attended,
            };
            with_runtime(office::ask(&a.office, &req))
        }
        Command::Transfer(a) => with_runtime(transfer(a)),
        Command::Presence(a) => with_runtime(presence(a)),
        Command::Login(a) => login(&a),
        Command::Check(a) => with_runtime(check(a)),
        Command::Pickup(a) => with_runtime(console::pickup(a)),
        Command::Park(a) => with_runtime(console::park(a)),
        Command::Retrieve(a) => with_runtime(console::retrieve(a)),
        Command::Queue(a) => with_runtime(console::queue(a)),
        Command::Contacts(a) => with_runtime(contacts::run(a)),
        Command::Directory(a) => directory::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("ringside: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// `watch --broker …`: the gateway's console reports every queue and
/// brings no caller back, so `--queue` and `--recall` are refused rather
/// than ignored.
fn office_watch(a: &WatchArgs) -> Result<(), Failure> {
    if !a.queues.is_empty() {
        return Err(Failure::usage(
            "--queue cannot be used with --broker: through the office gateway every queue is reported; leave --queue out",
        ));
    }
    if a.recall.is_some() {
        return Err(Failure::usage(
            "--recall cannot be used with --broker: the office gateway brings transferred callers back itself (its recall_after_secs); leave --recall out",
        ));
    }
    with_runtime(office::watch(&a.office, a.json))
}

fn with_runtime(
    fut: impl std::future::Future<Output = Result<(), Failure>>,
) -> Result<(), Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?
        .block_on(fut)
}

fn tracker_config(a: &WatchArgs) -> TrackerConfig {
    TrackerConfig {
        extensions: a.extensions.clone(),
        groups: a.groups.clone(),
        trunks: a.trunks.clone(),
        known_extensions: Vec::new(),
    }
}

fn print_change(change: &CardChange, json: bool, out: &mut impl Write) -> std::io::Result<()> {
    if json {
        writeln!(out, "{}", lines::card(change))
    } else {
        writeln!(out, "{}", output::text(change))
    }
}

fn print_console(change: &ConsoleChange, json: bool, out: &mut impl Write) -> std::io::Result<()> {
    if !json {
        return writeln!(out, "{}", output::console_text(change));
    }
    match lines::console(change) {
        Some(line) => writeln!(out, "{line}"),
        None => Ok(()),
    }
}

/// The attendant console `watch` reports: the `--queue` queues (all
/// without any), and with `--recall SECS` (live only) the recall of
/// `--extension`'s blind transfers, redirected as `profile` says.
fn console_for(a: &WatchArgs, profile: Option<&Profile>) -> Result<Console, Failure> {
    let console = Console::new().with_queues(Queues::watching(a.queues.clone()));
    let Some(secs) = a.recall else {
        return Ok(console);
    };
    let Some(profile) = profile else {
        return Err(Failure::usage(
            "--recall moves calls on a live PBX; it cannot be used with --replay",
        ));
    };
    if secs == 0 {
        return Err(Failure::usage(
            "give how many seconds a transferred caller may ring before coming back, e.g. --recall 20",
        ));
    }
    if a.extensions.is_empty() {
        return Err(Failure::usage(
            "--recall needs --extension: the extensions whose blind transfers come back",
        ));
    }
    Ok(console.with_recall(RecallSetup {
        config: RecallConfig::after_secs(secs),
        extensions: a.extensions.clone(),
        profile: profile.clone(),
        context: None,
    }))
}

/// Reads a capture, gunzipping it when it is gzip (by magic, not by name).
fn read_capture(path: &Path) -> Result<Vec<u8>, Failure> {
    let raw = std::fs::read(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Failure::usage(format!("{} is not valid gzip: {e}", path.display())))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

fn watch_replay(a: &WatchArgs) -> Result<(), Failure> {
    let path = a.replay.as_deref().expect("checked by the caller");
    let bytes = read_capture(path)?;
    let capture = Capture::decode(&bytes)
        .map_err(|e| Failure::usage(format!("{} is not an AMI capture: {e}", path.display())))?;
    let mut tracker = CallTracker::new(tracker_config(a));
    let mut console = console_for(a, None)?;
    let changes = replay::replay_with_console(&mut tracker, &mut console, &capture);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for c in &changes {
        let printed = match c {
            Replayed::Card(c) => print_change(c, a.json, &mut out),
            Replayed::Console(c) => print_console(c, a.json, &mut out),
        };
        if printed.is_err() {
            return Ok(()); // the reader went away (e.g. `| head`)
        }
    }
    out.flush().ok();
    Ok(())
}

/// Host and port from `HOST` or `HOST:PORT` (`[v6]:PORT` too).
fn host_port(pbx: &PbxArgs, profile: &Profile) -> Result<(String, u16), Failure> {
    let raw = pbx
        .pbx
        .as_deref()
        .ok_or_else(|| Failure::usage("which PBX? give --pbx HOST[:PORT]"))?;
    let default = if pbx.wants_tls() {
        profile.tls_port.unwrap_or(profile.port)
    } else {
        profile.port
    };
    parse_pbx_address(raw, Some(default)).map_err(|e| Failure::usage(e.to_string()))
}

fn profile_of(pbx: &PbxArgs) -> Result<Profile, Failure> {
    Profile::by_name(&pbx.profile).ok_or_else(|| {
        Failure::usage(format!(
            "unknown profile '{}': use one of {}",
            pbx.profile,
            Profile::NAMES.join(", ")
        ))
    })
}

/// The AMI secret: `RINGSIDE_AMI_SECRET` for scripted use, else the one
/// `ringside login` put in the OS keyring.
fn secret_for(user: &str, host: &str) -> Result<Secret, Failure> {
    if let Ok(s) = std::env::var("RINGSIDE_AMI_SECRET") {
        if !s.is_empty() {
            return Ok(Secret::new(s));
        }
    }
    stored_secret(&OsKeyring, user, host)
}

/// The secret `ringside login` stored in `store` for `user@host`.
fn stored_secret(store: &dyn SecretStore, user: &str, host: &str) -> Result<Secret, Failure> {
    let account = keyring_account(user, host);
    match store.get(&account) {
        Ok(Some(secret)) => Ok(Secret::new(secret.expose())),
        Err(e @ ringside_config::Error::NoKeyring { .. }) => Err(Failure::runtime(format!(
            "the OS keyring is not available ({}); set RINGSIDE_AMI_SECRET or run `ringside login`",
            keyring_words(&e)
        ))),
        Ok(None) | Err(_) => Err(Failure::runtime(format!(
            "no AMI secret stored for {account}: run `ringside login --pbx {host} --user {user}` (or set RINGSIDE_AMI_SECRET)"
        ))),
    }
}

/// The keyring library's own words for a failure, as this command has
/// always printed them (the app's sentence around them is for the app).
fn keyring_words(e: &ringside_config::Error) -> String {
    match e {
        ringside_config::Error::NoKeyring { reason }
        | ringside_config::Error::Keyring { reason } => reason.clone(),
        other => other.to_string(),
    }
}

fn login(a: &LoginArgs) -> Result<(), Failure> {
    let profile = profile_of(&a.pbx)?;
    let (host, _) = host_port(&a.pbx, &profile)?;
    let user = a
        .pbx
        .user
        .as_deref()
        .ok_or_else(|| Failure::usage("which AMI user? give --user USER"))?;
    eprintln!("AMI secret for {user}@{host} (one line on standard input):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read the secret: {e}")))?;
    let account = store_secret(&OsKeyring, user, &host, line.trim_end_matches(['\r', '\n']))?;
    eprintln!("stored in the OS keyring as {KEYRING_SERVICE}/{account}");
    Ok(())
}

/// Stores the secret `login` read for `user@host` in `store` (the OS
/// keyring); the account it is stored under.
fn store_secret(
    store: &dyn SecretStore,
    user: &str,
    host: &str,
    secret: &str,
) -> Result<String, Failure> {
    if secret.is_empty() {
        return Err(Failure::usage("the secret is empty; nothing stored"));
    }
    let account = keyring_account(user, host);
    store
        .set(&account, &ringside_config::Secret::new(secret))
        .map_err(|e| {
            Failure::runtime(format!(
                "could not store the secret in the OS keyring: {}",
                keyring_words(&e)
            ))
        })?;
    Ok(account)
}

/// Starts the client and waits (up to 15 s) for the first session.
/// The company CA named by `--ca`, read.
fn ca_pem(pbx: &PbxArgs) -> Result<Option<Vec<u8>>, Failure> {
    let Some(path) = &pbx.ca else { return Ok(None) };
    std::fs::read(path).map(Some).map_err(|e| {
        Failure::usage(format!(
            "cannot read the CA file {}: {e}",
            output::safe(&path.display().to_string())
        ))
    })
}

/// `ringside check`: each step of a connection, and where it stops.
async fn check(a: CheckArgs) -> Result<(), Failure> {
    let profile = profile_of(&a.pbx)?;
    let (host, port) = host_port(&a.pbx, &profile)?;
    let user = a
        .pbx
        .user
        .clone()
        .ok_or_else(|| Failure::usage("which AMI user? give --user USER"))?;
    let target = ringside_calls::probe::ProbeTarget {
        transport: if a.pbx.wants_tls() {
            ringside_config::Transport::Tls {
                pin: a.pbx.tls_pin.clone(),
            }
        } else {
            ringside_config::Transport::Plain
        },
        ca_pem: ca_pem(&a.pbx)?,
        host: host.clone(),
        port,
        user: user.clone(),
    };
    // No secret is a step of its own ("No AMI secret is saved …").
    let secret = secret_for(&user, &host).ok();
    let steps = ringside_calls::probe::probe(&target, secret.as_ref().map(Secret::expose)).await;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for s in &steps {
        let mark = if s.ok { "ok  " } else { "FAIL" };
        let _ = writeln!(out, "{mark} {}: {}", s.name, output::safe(&s.message));
    }
    match steps.last() {
        Some(last) if !last.ok => Err(Failure::runtime(format!("{} failed", last.name))),
        _ => Ok(()),
    }
}

async fn connect(pbx: &PbxArgs, profile: &Profile) -> Result<Client, Failure> {
    let (host, port) = host_port(pbx, profile)?;
    let user = pbx
        .user
        .as_deref()
        .ok_or_else(|| Failure::usage("which AMI user? give --user USER"))?;
    let secret = secret_for(user, &host)?;
    let mut config = ClientConfig::new(host.clone(), port, user, secret);
    if pbx.wants_tls() {
        let pem = ca_pem(pbx)?;
        let trust = ringside_config::tls_trust(pbx.tls_pin.as_deref(), pem.as_deref())
            .map_err(|e| Failure::usage(format!("the TLS settings cannot work: {e}")))?;
        config = config.tls(trust);
    }
    let client = Client::start(config).map_err(|e| Failure::runtime(e.to_string()))?;
    let mut state = client.state();
    let waited = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            match &*state.borrow_and_update() {
                ConnectionState::Connected { .. } => return Ok(()),
                ConnectionState::AuthFailed { message } => return Err(message.clone()),
                _ => {}
            }
            if state.changed().await.is_err() {
                return Err("the connection task stopped".to_owned());
            }
        }
    })
    .await;
    match waited {
        Ok(Ok(())) => Ok(client),
        Ok(Err(m)) => Err(Failure::runtime(m)),
        Err(_) => {
            let why = state
                .borrow()
                .message()
                .map(str::to_owned)
                .unwrap_or_else(|| "no answer".into());
            Err(Failure::runtime(format!(
                "could not connect to {host}:{port} within 15 s: {why}"
            )))
        }
    }
}

fn dialect_of(client: &Client) -> Dialect {
    client
        .banner_version()
        .map_or(Dialect::Unknown, |v| Dialect::from_banner_version(&v))
}

async fn watch_live(a: WatchArgs) -> Result<(), Failure> {
    if a.extensions.is_empty() && a.groups.is_empty() {
        return Err(Failure::usage(
            "which extensions? give --extension EXT (repeatable)",
        ));
    }
    let profile = profile_of(&a.pbx)?;
    let (host, port) = host_port(&a.pbx, &profile)?;
    let console = console_for(&a, Some(&profile))?;
    let client = connect(&a.pbx, &profile).await?;
    let tracker = CallTracker::new(tracker_config(&a));
    let live = tokio::sync::Mutex::new(live::Live::new(tracker).with_console(console));
    let json = a.json;
    let mut report = |u: LiveUpdate| {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let link = |link, message: &str| output::connection(link, message, json);
        let _ = match &u {
            LiveUpdate::Card(c) => print_change(c, json, &mut out),
            LiveUpdate::Console(c) => print_console(c, json, &mut out),
            LiveUpdate::RecallFailed { message, .. } => {
                eprintln!("ringside: {}", output::safe(message));
                Ok(())
            }
            LiveUpdate::Connected(v) => writeln!(
                out,
                "{}",
                link(
                    Link::Connected,
                    &format!("Connected to {host}:{port} (AMI {v})")
                )
            ),
            LiveUpdate::Disconnected(m) => writeln!(out, "{}", link(Link::Disconnected, m)),
            LiveUpdate::Reconnecting(m) => writeln!(out, "{}", link(Link::Reconnecting, m)),
            LiveUpdate::ResyncFailed(m) => {
                eprintln!("ringside: could not rebuild the call list: {m}");
                Ok(())
            }
            _ => Ok(()),
        };
        let _ = out.flush();
    };
    tokio::select! {
        () = live::follow(&client, &live, &mut report) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    client.shutdown().await;
    Ok(())
}

async fn dial(a: DialArgs) -> Result<(), Failure> {
    let profile = profile_of(&a.pbx)?;
    let channel_id = format!("ringside-c2d-{}-{}", std::process::id(), now_ms());
    let request = DialRequest {
        extension: a.extension.clone(),
        number: a.number.clone(),
        caller_name: a.name.clone(),
        channel_id: channel_id.clone(),
        context: a.context.clone(),
    };
    // Validate before connecting: a bad number never reaches the PBX.
    actions::click_to_dial(&profile, profile.dialect, &request)?;
    let client = connect(&a.pbx, &profile).await?;
    let originate = actions::click_to_dial(&profile, dialect_of(&client), &request)?;
    eprintln!("ringing {} first, then calling {}…", a.extension, a.number);
    let result =
        actions::send_click_to_dial(&client, originate, &channel_id, Duration::from_secs(a.wait))
            .await;
    client.shutdown().await;
    result?;
    eprintln!("connected: {} is calling {}", a.extension, a.number);
    Ok(())
}

async fn transfer(a: TransferArgs) -> Result<(), Failure> {
    let profile = profile_of(&a.pbx)?;
    actions::dialable("target", &a.target, &profile)?;
    actions::dialable("extension", &a.extension, &profile)?;
    if let Some(c) = &a.context {
        actions::context_name(c)?;
    }
    let client = connect(&a.pbx, &profile).await?;
    let result = transfer_on(&client, &profile, &a).await;
    client.shutdown().await;
    result
}

async fn transfer_on(client: &Client, profile: &Profile, a: &TransferArgs) -> Result<(), Failure> {
    let list = client
        .send_list(Packet::action("CoreShowChannels"))
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
    // The extension may be named, not numbered: it is a phone all the same.
    let mut classifier = Classifier::new();
    classifier.add_extension(&a.extension);
    let channels = actions::listed_call_channels(&list.events, &a.call, &classifier);
    let mine = [a.extension.clone()];
    let packet = actions::transfer_call(
        profile,
        dialect_of(client),
        &channels,
        &mine,
        &a.target,
        a.attended,
        a.context.as_deref(),
    )?;
    actions::send(client, packet).await?;
    eprintln!(
        "call {} {} to {}",
        a.call,
        if a.attended {
            "consulting"
        } else {
            "transferred"
        },
        a.target
    );
    Ok(())
}

async fn presence(a: PresenceArgs) -> Result<(), Failure> {
    let profile = profile_of(&a.pbx)?;
    let client = connect(&a.pbx, &profile).await?;
    // Every phone the PBX lists (trunks left out), named from its caller ID
    // where it has one; none when the PBX will not list its endpoints.
    let endpoints = live::list_endpoints(&client).await.ok();
    let mut classifier = Classifier::new();
    for p in endpoints.iter().flat_map(|l| &l.events) {
        classifier.learn(p);
    }
    let queries = endpoints
        .as_ref()
        .map(|l| live::name_queries(&l.events, &classifier))
        .unwrap_or_default();
    let listing = live::presence_listing(&client, endpoints).await;
    let names = live::endpoint_names(&client, &queries).await;
    client.shutdown().await;
    let listing = listing.map_err(|e| Failure::runtime(e.to_string()))?;
    let mut p = Presence::new();
    p.set_names(names);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for c in p.resync_listing(&listing, &classifier) {
        let line = if a.json {
            serde_json::to_string(&c).unwrap_or_default()
        } else {
            output::colleague_text(&c)
        };
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ringside_config::FileSecretStore;

    use super::*;

    #[test]
    fn login_stores_the_secret_where_the_commands_find_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = FileSecretStore::new(dir.path());
        let account = store_secret(&store, "ringside", "pbx.local", "hunter2").expect("stored");
        assert_eq!(account, "ringside@pbx.local", "the app's account name too");
        let secret = stored_secret(&store, "ringside", "pbx.local").expect("found");
        assert_eq!(secret.expose(), "hunter2");

        let missing = stored_secret(&store, "ringside", "pbx-b").expect_err("none stored");
        assert_eq!(missing.code, 1);
        assert_eq!(
            missing.message,
            "no AMI secret stored for ringside@pbx-b: run `ringside login --pbx pbx-b --user ringside` (or set RINGSIDE_AMI_SECRET)"
        );
        let empty = store_secret(&store, "ringside", "pbx.local", "").expect_err("empty");
        assert_eq!(
            (empty.code, empty.message.as_str()),
            (2, "the secret is empty; nothing stored")
        );
        assert_eq!(
            stored_secret(&store, "ringside", "pbx.local")
                .expect("kept")
                .expose(),
            "hunter2",
            "an empty secret replaces nothing"
        );
    }
}
