//! The attendant console's commands: `pickup`, `park`, `retrieve` and
//! `queue pause|unpause|add|remove`. Like `dial` and `transfer`, each
//! checks its input before connecting, asks `ringside_calls::actions` for
//! the packet (the app's buttons send the same), and says in plain words
//! what happened or why not. What is found out before anything is sent (no
//! phone ringing, nothing parked in that space, a call that is gone) exits
//! 2; what the PBX refused exits 1.

use std::io::Write;
use std::time::Duration;

use ringside_ami::{Client, Packet};
use ringside_calls::actions::{self, ActionError, ParkedAt, PickupRequest, RetrieveRequest};
use ringside_calls::channel::{ChannelName, Classifier};
use ringside_calls::clock::now_ms;
use ringside_calls::profile::Profile;
use ringside_calls::rights::ConsoleAction;

use super::args::{ParkArgs, PickupArgs, QueueArgs, QueueVerb, RetrieveArgs};
use super::{connect, dialect_of, output, profile_of, Failure};

/// How long `park` waits for the PBX to say which space the call went to.
const PARK_WAIT: Duration = Duration::from_secs(5);

/// A preset channel id for her leg, unique per run.
fn channel_id(what: &str) -> String {
    format!("ringside-{what}-{}-{}", std::process::id(), now_ms())
}

/// Prints one result line (standard error, as `dial` and `transfer` do).
fn say(line: &str) {
    let stderr = std::io::stderr();
    let _ = writeln!(stderr.lock(), "{}", output::safe(line));
}

/// `ringside pickup EXT`.
pub(super) async fn pickup(a: PickupArgs) -> Result<(), Failure> {
    let profile = profile_of(&a.pbx)?;
    let mut req = PickupRequest {
        extension: a.extension.clone(),
        ringing: a.ringing.clone(),
        caller_name: a.name.clone(),
        channel_id: channel_id("pickup"),
    };
    // Validate before connecting: a bad extension never reaches the PBX.
    actions::pickup(&profile, profile.dialect, &req)?;
    let client = connect(&a.pbx, &profile).await?;
    let result = pickup_on(&client, profile, &mut req, Duration::from_secs(a.wait)).await;
    client.shutdown().await;
    result?;
    say(&format!("{} picked up {}'s call", a.extension, a.ringing));
    Ok(())
}

async fn pickup_on(
    client: &Client,
    mut profile: Profile,
    req: &mut PickupRequest,
    wait: Duration,
) -> Result<(), Failure> {
    // The ringing phone's channel, when the PBX lets this user list them:
    // nothing ringing is said before her phone rings for nothing.
    if let Ok(list) = client.send_list(Packet::action("CoreShowChannels")).await {
        let ringing = list.events.iter().find_map(|p| {
            let name = ChannelName::parse(p.get("Channel")?)?;
            (name.endpoint == req.ringing && p.is("ChannelState", "5"))
                .then(|| name.tech.to_owned())
        });
        let Some(tech) = ringing else {
            return Err(ActionError::NotRinging {
                extension: req.ringing.clone(),
            }
            .into());
        };
        // The phones' technology as the PBX names them (SIP on 1.x).
        profile.tech = tech;
    }
    let packet = actions::pickup(&profile, dialect_of(client), req)?;
    say(&format!(
        "ringing {} first, then taking {}'s call…",
        req.extension, req.ringing
    ));
    actions::send_pickup(client, &profile, req, packet, wait).await?;
    Ok(())
}

/// `ringside park CALL`.
pub(super) async fn park(a: ParkArgs) -> Result<(), Failure> {
    let profile = profile_of(&a.pbx)?;
    actions::dialable("extension", &a.extension, &profile)?;
    let client = connect(&a.pbx, &profile).await?;
    let result = park_on(&client, &profile, &a).await;
    client.shutdown().await;
    let at = result?;
    say(&match at {
        Some(ParkedAt { space, lot }) => format!(
            "call {} parked in space {space}{}",
            a.call,
            lot.map(|l| format!(" (lot {l})")).unwrap_or_default()
        ),
        None => format!("call {} parked", a.call),
    });
    Ok(())
}

async fn park_on(
    client: &Client,
    profile: &Profile,
    a: &ParkArgs,
) -> Result<Option<ParkedAt>, Failure> {
    let list = client
        .send_list(Packet::action("CoreShowChannels"))
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let mut classifier = Classifier::new();
    classifier.add_extension(&a.extension);
    let channels = actions::listed_call_channels(&list.events, &a.call, &classifier);
    let packet = actions::park_call(
        profile,
        dialect_of(client),
        &channels,
        std::slice::from_ref(&a.extension),
    )?;
    Ok(actions::send_park_call(client, packet, PARK_WAIT).await?)
}

/// `ringside retrieve SPACE`.
pub(super) async fn retrieve(a: RetrieveArgs) -> Result<(), Failure> {
    let profile = profile_of(&a.pbx)?;
    let req = RetrieveRequest {
        extension: a.extension.clone(),
        space: a.space.clone(),
        caller_name: a.name.clone(),
        channel_id: channel_id("retrieve"),
        context: a.context.clone(),
    };
    actions::retrieve(&profile, profile.dialect, &req)?;
    let client = connect(&a.pbx, &profile).await?;
    let result = retrieve_on(&client, &profile, &req, &a).await;
    client.shutdown().await;
    result?;
    say(&format!(
        "{} has the call that was parked in space {}",
        a.extension, a.space
    ));
    Ok(())
}

async fn retrieve_on(
    client: &Client,
    profile: &Profile,
    req: &RetrieveRequest,
    a: &RetrieveArgs,
) -> Result<(), Failure> {
    // Nothing parked there is said before her phone rings for nothing
    // (when the PBX lets this user list parked calls).
    // Asterisk 11's listing ends with ParkedCallsComplete and no EventList.
    let listing = client
        .send_list_until(Packet::action("ParkedCalls"), "ParkedCallsComplete")
        .await;
    if let Ok(list) = listing {
        let parked = list.events.iter().any(|p| {
            actions::parked_at(
                p,
                p.get("ParkeeChannel")
                    .or(p.get("Channel"))
                    .unwrap_or_default(),
            )
            .is_some_and(|at| {
                at.space == a.space
                    && a.lot
                        .as_deref()
                        .is_none_or(|l| at.lot.as_deref().is_none_or(|x| x == l))
            })
        });
        if !parked {
            return Err(ActionError::NothingParked {
                space: a.space.clone(),
                lot: a.lot.clone(),
            }
            .into());
        }
    }
    let packet = actions::retrieve(profile, dialect_of(client), req)?;
    say(&format!(
        "ringing {} first, then taking the call in space {}…",
        a.extension, a.space
    ));
    let wait = Duration::from_secs(a.wait);
    actions::send_retrieve(client, req, a.lot.as_deref(), packet, wait).await?;
    Ok(())
}

/// `ringside queue pause|unpause|add|remove QUEUE MEMBER`.
pub(super) async fn queue(a: QueueArgs) -> Result<(), Failure> {
    let (verb, m) = a.action.split();
    let profile = profile_of(&m.pbx)?;
    let (action, packet) = match verb {
        QueueVerb::Pause | QueueVerb::Unpause => (
            ConsoleAction::QueuePause,
            actions::queue_pause(
                &profile,
                Some(&m.queue),
                &m.member,
                verb == QueueVerb::Pause,
                m.reason.as_deref(),
            )?,
        ),
        QueueVerb::Add => (
            ConsoleAction::QueueMembers,
            actions::queue_add(&profile, &m.queue, &m.member, m.name.as_deref(), false)?,
        ),
        QueueVerb::Remove => (
            ConsoleAction::QueueMembers,
            actions::queue_remove(&profile, &m.queue, &m.member)?,
        ),
    };
    let client = connect(&m.pbx, &profile).await?;
    let result = actions::send_console(&client, action, packet).await;
    client.shutdown().await;
    result?;
    let done = match verb {
        QueueVerb::Pause => "paused in",
        QueueVerb::Unpause => "unpaused in",
        QueueVerb::Add => "logged in to",
        QueueVerb::Remove => "logged out of",
    };
    let why = m
        .reason
        .as_deref()
        .filter(|r| verb == QueueVerb::Pause && !r.is_empty())
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    say(&format!("{} {done} queue {}{why}", m.member, m.queue));
    Ok(())
}
