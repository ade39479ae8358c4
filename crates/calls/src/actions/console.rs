//! The attendant console's actions: pick up a colleague's ringing call,
//! park a call and retrieve it, pause and log queue members in and out,
//! send a caller to a colleague's voicemail. Like the rest of
//! [`crate::actions`], each builder checks every field (no CR, LF, NUL or
//! other control character reaches the PBX) and returns a ready packet or
//! an [`ActionError`] before anything is sent; the vendor's facts come
//! from the [`Profile`].
//!
//! The PBX's refusals (`Permission denied`, `Interface not found`,
//! `Channel does not exist`…) become their own [`ActionError`] variants in
//! plain words through [`refusal`], which [`send_console`] applies. The
//! `send_*` glue at the end waits for what shows the action worked: the
//! `Pickup`, `UnParkedCall` or `ParkedCall` event.

use std::time::Duration;

use ringside_ami::{Client, Packet, SessionEvent};

use super::{
    caller_name, channel_name, click_to_dial_outcome, context_name, dialable, id, safe, shown,
    ActionError, DialFailure, DialRequest, Result,
};
use crate::channel::{ChannelName, EndpointKind};
use crate::profile::Profile;
use crate::rights::ConsoleAction;
use crate::tracker::{CallChannel, Dialect};

/// Her phone rings this long before the PBX gives up (as click-to-dial).
const RING_MS: &str = "30000";

/// A directed pickup to her own phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupRequest {
    /// Her extension: its phone rings first.
    pub extension: String,
    /// The colleague whose phone rings.
    pub ringing: String,
    /// Her name for the caller ID her phone shows.
    pub caller_name: Option<String>,
    /// Preset channel id of her leg (AMI 2+), to follow the outcome.
    pub channel_id: String,
}

/// Builds the pickup: her phone rings first, and once she answers it takes
/// the colleague's ringing call. With the profile's feature code
/// (`**1002` on FreePBX) it is a click-to-dial of that code; otherwise an
/// `Originate` of her device to the application `PickupChan` with the
/// colleague's device (`PJSIP/1002`), which picks up that device's ringing
/// channel (app_directed_pickup in 1.8, 11 and 12+ alike).
///
/// ```
/// use ringside_calls::actions::{pickup, PickupRequest};
/// use ringside_calls::profile::{PbxKind, Profile};
/// use ringside_calls::tracker::Dialect;
/// let req = PickupRequest { extension: "1001".into(), ringing: "1002".into(),
///     caller_name: None, channel_id: "ringside-pickup-1".into() };
/// let p = pickup(&Profile::of(PbxKind::Generic), Dialect::Ami2, &req).unwrap();
/// assert_eq!((p.get("Application"), p.get("Data")), (Some("PickupChan"), Some("PJSIP/1002")));
/// let f = pickup(&Profile::of(PbxKind::FreePbx), Dialect::Ami2, &req).unwrap();
/// assert_eq!(f.get("Exten"), Some("**1002"));
/// ```
pub fn pickup(profile: &Profile, dialect: Dialect, req: &PickupRequest) -> Result<Packet> {
    let ringing = dialable("extension to pick up", &req.ringing, profile)?;
    if let Some(code) = &profile.pickup_code {
        let dial = DialRequest {
            extension: req.extension.clone(),
            number: code.replace("{ext}", &ringing),
            caller_name: req.caller_name.clone(),
            channel_id: req.channel_id.clone(),
            context: None,
        };
        return super::click_to_dial(profile, dialect, &dial);
    }
    let from = Originator::new(
        profile,
        &req.extension,
        req.caller_name.as_deref(),
        &req.channel_id,
    )?;
    Ok(from.with_id(
        dialect,
        Packet::action("Originate")
            .with("Channel", profile.device_for(&from.extension))
            .with("Application", "PickupChan")
            .with("Data", profile.device_for(&ringing))
            .with("Timeout", RING_MS)
            .with("CallerID", from.caller_id.clone())
            .with("Async", "true"),
    ))
}

/// The retrieval of a parked call to her own phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrieveRequest {
    /// Her extension: its phone rings first.
    pub extension: String,
    /// The parking space (`71`).
    pub space: String,
    /// Her name for the caller ID her phone shows.
    pub caller_name: Option<String>,
    /// Preset channel id of her leg (AMI 2+).
    pub channel_id: String,
    /// The context the space is dialled in, instead of the profile's.
    pub context: Option<String>,
}

/// Builds the retrieval: her phone rings first, then it dials the space in
/// the lot's context (the profile's `parking_context`, `parkedcalls` on a
/// plain Asterisk), as if she had dialled it herself.
pub fn retrieve(profile: &Profile, dialect: Dialect, req: &RetrieveRequest) -> Result<Packet> {
    if !profile.park {
        return Err(ActionError::Unsupported {
            action: "call parking",
        });
    }
    let space = dialable("parking space", &req.space, profile)?;
    let from = Originator::new(
        profile,
        &req.extension,
        req.caller_name.as_deref(),
        &req.channel_id,
    )?;
    let context = match &req.context {
        Some(c) => context_name(c)?,
        None => context_name(&profile.parking_context_for(&from.extension))?,
    };
    Ok(from.with_id(
        dialect,
        Packet::action("Originate")
            .with("Channel", profile.device_for(&from.extension))
            .with("Context", context)
            .with("Exten", space)
            .with("Priority", "1")
            .with("Timeout", RING_MS)
            .with("CallerID", from.caller_id.clone())
            .with("Async", "true"),
    ))
}

/// Her phone as the first leg of an Originate: extension, caller ID and
/// preset channel id, each checked.
struct Originator {
    extension: String,
    caller_id: String,
    channel_id: String,
}

impl Originator {
    fn new(profile: &Profile, ext: &str, name: Option<&str>, channel_id: &str) -> Result<Self> {
        let extension = dialable("extension", ext, profile)?;
        let caller_id = match name {
            Some(n) if !n.is_empty() => format!("\"{}\" <{extension}>", caller_name(n)?),
            _ => extension.clone(),
        };
        Ok(Self {
            extension,
            caller_id,
            channel_id: id(channel_id, "channel id")?,
        })
    }

    /// The preset `ChannelId`, which AMI 1.x does not know.
    fn with_id(&self, dialect: Dialect, p: Packet) -> Packet {
        if dialect == Dialect::Ami1 {
            p
        } else {
            p.with("ChannelId", self.channel_id.clone())
        }
    }
}

/// Builds the park of a live call from its channels, for the app and the
/// CLI alike (as [`super::transfer_call`]): the caller's channel is parked
/// and comes back, if nobody retrieves it, to whoever parked it: her own
/// answered channel, else the party the caller talks to.
pub fn park_call(
    profile: &Profile,
    dialect: Dialect,
    channels: &[CallChannel],
    mine: &[String],
) -> Result<Packet> {
    let far = super::far_party(channels, mine).ok_or(ActionError::CallGone)?;
    if !far.up {
        return Err(ActionError::NotInProgress);
    }
    let is_mine = |c: &CallChannel| c.kind == EndpointKind::Extension && mine.contains(&c.endpoint);
    let parker = channels
        .iter()
        .filter(|c| c.up && c.name != far.name)
        .find(|c| is_mine(c))
        .or_else(|| {
            channels
                .iter()
                .find(|c| c.up && c.name != far.name && c.kind != EndpointKind::Local)
        })
        .ok_or(ActionError::NotInProgress)?;
    super::park(profile, dialect, &far.name, &parker.name)
}

/// Builds `QueuePause` (or unpause) of a member: in `queue`, or in every
/// queue when `None`, with an optional reason (12+ keeps it as the
/// member's `PausedReason`).
///
/// ```
/// use ringside_calls::actions::queue_pause;
/// use ringside_calls::profile::{PbxKind, Profile};
/// let p = queue_pause(&Profile::of(PbxKind::Generic), Some("support"), "1003", true, Some("lunch")).unwrap();
/// assert_eq!((p.get("Interface"), p.get("Paused")), (Some("PJSIP/1003"), Some("true")));
/// assert!(queue_pause(&Profile::of(PbxKind::Generic), Some("support"), "1003", true,
///     Some("lunch\r\nAction: Hangup")).is_err());
/// ```
pub fn queue_pause(
    profile: &Profile,
    queue: Option<&str>,
    member: &str,
    paused: bool,
    reason: Option<&str>,
) -> Result<Packet> {
    let interface = queue_interface(profile, member)?;
    let mut p = Packet::action("QueuePause");
    if let Some(q) = queue {
        p.push("Queue", queue_name(q)?);
    }
    p.push("Interface", interface);
    p.push("Paused", if paused { "true" } else { "false" });
    if let Some(r) = reason.filter(|r| !r.is_empty()) {
        p.push("Reason", free_text("reason", r)?);
    }
    Ok(p)
}

/// Builds `QueueAdd`: logs `member` in to `queue` (a dynamic member),
/// named `name` when given, paused or not; the profile's state interface
/// (FreePBX `hint:1002@ext-local`) lets the queue see when it is busy.
pub fn queue_add(
    profile: &Profile,
    queue: &str,
    member: &str,
    name: Option<&str>,
    paused: bool,
) -> Result<Packet> {
    let interface = queue_interface(profile, member)?;
    let mut p = Packet::action("QueueAdd")
        .with("Queue", queue_name(queue)?)
        .with("Interface", interface);
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        p.push("MemberName", free_text("member name", n)?);
    }
    if let (Some(state), false) = (&profile.queue_state_interface, member.contains('/')) {
        p.push(
            "StateInterface",
            interface_name(&state.replace("{ext}", member))?,
        );
    }
    p.push("Paused", if paused { "true" } else { "false" });
    Ok(p)
}

/// Builds `QueueRemove`: logs `member` out of `queue`.
pub fn queue_remove(profile: &Profile, queue: &str, member: &str) -> Result<Packet> {
    Ok(Packet::action("QueueRemove")
        .with("Queue", queue_name(queue)?)
        .with("Interface", queue_interface(profile, member)?))
}

/// A queue member as the queue names it: an extension (`1002`) becomes
/// the profile's member interface (`PJSIP/1002`, FreePBX
/// `Local/1002@from-queue/n`); an interface given whole is checked and kept.
pub fn queue_interface(profile: &Profile, member: &str) -> Result<String> {
    if member.contains('/') {
        return interface_name(member);
    }
    let ext = dialable("member", member, profile)?;
    interface_name(&profile.queue_member_for(&ext))
}

/// Checks an interface or dial string (`PJSIP/1002`, `SIP/1003`,
/// `Local/1002@from-queue/n`, `hint:1002@ext-local`).
fn interface_name(value: &str) -> Result<String> {
    let v = safe(value, "member", 120, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '/' | '@' | '-' | '_' | '.' | ':' | '+')
    })?;
    let parses = v.starts_with("hint:") || ChannelName::parse(&v).is_some();
    if !parses {
        return Err(ActionError::BadField {
            field: "member",
            shown: shown(value),
        });
    }
    Ok(v)
}

/// Checks a queue's name as `queues.conf` spells its section: ASCII
/// letters, digits, `-`, `_` and `.`, at most 80 characters. Settings'
/// watched queues are checked by the same rule, so a queue she may watch is
/// one she may act on.
pub fn queue_name(value: &str) -> Result<String> {
    safe(value, "queue", 80, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
    })
}

/// Checks free text (a pause reason, a member's name): any characters but
/// control characters.
fn free_text(field: &'static str, value: &str) -> Result<String> {
    safe(value, field, 80, |c| !c.is_control())
}

/// Builds the `Redirect` that sends the caller's channel to `colleague`'s
/// voicemail: the profile's voicemail extension (FreePBX `*1002`) in the
/// transfer context of her extension `extension`.
pub fn send_to_voicemail(
    profile: &Profile,
    caller_channel: &str,
    extension: &str,
    colleague: &str,
) -> Result<Packet> {
    let Some(pattern) = &profile.voicemail_exten else {
        return Err(ActionError::NoVoicemailExten);
    };
    let ext = dialable("extension", extension, profile)?;
    let colleague = dialable("colleague", colleague, profile)?;
    let target = dialable(
        "voicemail extension",
        &pattern.replace("{ext}", &colleague),
        profile,
    )?;
    Ok(Packet::action("Redirect")
        .with("Channel", channel_name(caller_channel)?)
        .with(
            "Context",
            context_name(&profile.transfer_context_for(&ext))?,
        )
        .with("Exten", target)
        .with("Priority", "1"))
}

/// [`send_to_voicemail`] of a live call from its channels: the caller's
/// channel (as a transfer picks it) goes to `colleague`'s voicemail.
pub fn voicemail_call(
    profile: &Profile,
    channels: &[CallChannel],
    mine: &[String],
    colleague: &str,
) -> Result<Packet> {
    let far = super::far_party(channels, mine).ok_or(ActionError::CallGone)?;
    let extension = mine.first().cloned().unwrap_or_default();
    send_to_voicemail(profile, &far.name, &extension, colleague)
}

/// The extension behind a queue interface (`Local/1002@from-queue/n`,
/// `PJSIP/1002` → `1002`), for messages; the interface itself otherwise.
fn member_words(interface: &str) -> String {
    ChannelName::parse(interface)
        .map(|n| {
            n.local_target()
                .map_or(n.endpoint, |(exten, _)| exten)
                .to_owned()
        })
        .unwrap_or_else(|| interface.to_owned())
}

/// The PBX's refusal of `action` (sent as `sent`) in plain words: the
/// answers Asterisk gives (manager.c, app_queue.c, res_parking) each become
/// their own [`ActionError`]; anything else stays the AMI client's error.
///
/// ```
/// use ringside_ami::Packet;
/// use ringside_calls::actions::{refusal, ActionError};
/// use ringside_calls::rights::ConsoleAction;
/// let sent = Packet::action("QueuePause").with("Queue", "support").with("Interface", "PJSIP/1002");
/// let e = refusal(ConsoleAction::QueuePause, &sent, ringside_ami::Error::ActionFailed {
///     action: "QueuePause".into(), message: "Interface not found".into() });
/// assert_eq!(e.to_string(), "1002 is not a member of queue support");
/// ```
pub fn refusal(action: ConsoleAction, sent: &Packet, e: ringside_ami::Error) -> ActionError {
    let ringside_ami::Error::ActionFailed { message, .. } = &e else {
        return e.into();
    };
    let m = message.trim().trim_end_matches('.').to_ascii_lowercase();
    let member = || member_words(sent.get("Interface").unwrap_or_default());
    let queue = || sent.get("Queue").unwrap_or_default().to_owned();
    if m == "permission denied" {
        ActionError::PermissionDenied { action }
    } else if m.starts_with("channel does not exist")
        || m == "no such channel"
        || m == "channel specified does not exist"
    {
        ActionError::NoSuchChannel
    } else if m == "interface not found" || m.ends_with("not there") {
        ActionError::NotQueueMember {
            member: member(),
            queue: sent.get("Queue").map(str::to_owned),
        }
    } else if m.ends_with("already there") {
        ActionError::AlreadyQueueMember {
            member: member(),
            queue: queue(),
        }
    } else if m.ends_with("no such queue") {
        ActionError::NoSuchQueue { queue: queue() }
    } else if m == "member not dynamic" {
        ActionError::StaticQueueMember {
            member: member(),
            queue: queue(),
        }
    } else if action == ConsoleAction::Park && m.starts_with("park") {
        ActionError::ParkFailed(message.trim().to_owned())
    } else {
        e.into()
    }
}

/// Sends a console action and returns the PBX's answer, its refusal in
/// plain words ([`refusal`]).
pub async fn send_console(
    client: &Client,
    action: ConsoleAction,
    packet: Packet,
) -> Result<Packet> {
    match client.send(packet.clone()).await {
        Ok(answer) => Ok(answer),
        Err(e) => Err(refusal(action, &packet, e)),
    }
}

/// Follows an Originate whose result is an event of its own (the `Pickup`
/// or `UnParkedCall` it leads to): her leg answering is not enough.
#[derive(Debug)]
pub struct OriginateWatch {
    action: ConsoleAction,
    channel_id: String,
    action_id: Option<String>,
    /// Her leg's Uniqueid once the OriginateResponse named it (AMI 1.x has
    /// no preset channel id).
    own: Option<String>,
    answered: bool,
}

impl OriginateWatch {
    /// Watches the Originate of `action` sent with this preset channel id
    /// and ActionID.
    pub fn new(action: ConsoleAction, channel_id: &str, action_id: Option<&str>) -> Self {
        Self {
            action,
            channel_id: channel_id.to_owned(),
            action_id: action_id.map(str::to_owned),
            own: None,
            answered: false,
        }
    }

    fn is_own(&self, uniqueid: Option<&str>) -> bool {
        uniqueid.is_some_and(|u| u == self.channel_id || self.own.as_deref() == Some(u))
    }

    /// What one event says: `Ok` once `confirmed` holds for it; an error
    /// when the Originate failed, or her leg hung up before the
    /// confirmation (answered: too late; not answered: why the dial failed).
    pub fn step(&mut self, p: &Packet, confirmed: bool) -> Option<Result<()>> {
        if confirmed {
            return Some(Ok(()));
        }
        let event = p.event()?;
        if event.eq_ignore_ascii_case("OriginateResponse") {
            let ours = self.is_own(p.get("Uniqueid"))
                || (self.action_id.is_some() && p.action_id() == self.action_id.as_deref());
            if !ours {
                return None;
            }
            if p.is("Response", "Success") {
                self.answered = true;
                self.own = p.get("Uniqueid").map(str::to_owned);
                return None;
            }
            return click_to_dial_outcome(p, &self.channel_id, self.action_id.as_deref());
        }
        if !self.is_own(p.get("Uniqueid")) {
            return None;
        }
        if event.eq_ignore_ascii_case("Newstate") && p.get("ChannelState") == Some("6") {
            self.answered = true;
            return None;
        }
        if event.eq_ignore_ascii_case("Hangup") {
            if self.answered {
                return Some(Err(ActionError::TooLate {
                    action: self.action,
                }));
            }
            return click_to_dial_outcome(p, &self.channel_id, None);
        }
        None
    }

    /// The outcome when no event settled it in time.
    pub fn timed_out(&self) -> ActionError {
        if self.answered {
            ActionError::TooLate {
                action: self.action,
            }
        } else {
            ActionError::DialFailed(DialFailure::NoResult)
        }
    }
}

/// Whether `p` is the `Pickup` of the ringing phone of device
/// `ringing_device` (`PJSIP/1002`): both dialects name the picked channel
/// `TargetChannel`.
pub fn is_pickup_of(p: &Packet, ringing_device: &str) -> bool {
    p.event().is_some_and(|e| e.eq_ignore_ascii_case("Pickup"))
        && p.get("TargetChannel").is_some_and(|t| {
            t.len() > ringing_device.len()
                && t[..ringing_device.len()].eq_ignore_ascii_case(ringing_device)
                && t[ringing_device.len()..].starts_with('-')
        })
}

/// Whether `p` is the `UnParkedCall` of space `space` (12+
/// `ParkingSpace`, 1.x `Exten`), in `lot` when given.
pub fn is_unpark_of(p: &Packet, space: &str, lot: Option<&str>) -> bool {
    p.event()
        .is_some_and(|e| e.eq_ignore_ascii_case("UnParkedCall"))
        && p.get("ParkingSpace").or(p.get("Exten")) == Some(space)
        && lot.is_none_or(|l| p.get("Parkinglot").is_none_or(|x| x == l))
}

/// Sends a pickup or retrieval Originate and waits up to `wait` for
/// `confirm` to see its event (the `Pickup`, the `UnParkedCall`).
pub async fn send_confirmed(
    client: &Client,
    action: ConsoleAction,
    originate: Packet,
    channel_id: &str,
    wait: Duration,
    confirm: impl Fn(&Packet) -> bool,
) -> Result<()> {
    let mut events = client.events();
    let queued = send_console(client, action, originate).await?;
    let mut watch = OriginateWatch::new(action, channel_id, queued.action_id());
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let ev = match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(ev)) => ev,
            Ok(None) => return Err(ActionError::Pbx(ringside_ami::Error::Closed)),
            Err(_) => return Err(watch.timed_out()),
        };
        let SessionEvent::Event(ev) = ev else {
            continue;
        };
        if let Some(outcome) = watch.step(&ev.packet, confirm(&ev.packet)) {
            return outcome;
        }
    }
}

/// Sends a pickup built by [`pickup`] for `req` and waits up to `wait`
/// for the `Pickup` of the colleague's ringing phone: done only then, not
/// when her own phone answers. The app and the CLI both send it this way.
pub async fn send_pickup(
    client: &Client,
    profile: &Profile,
    req: &PickupRequest,
    packet: Packet,
    wait: Duration,
) -> Result<()> {
    let device = profile.device_for(&req.ringing);
    send_confirmed(
        client,
        ConsoleAction::Pickup,
        packet,
        &req.channel_id,
        wait,
        |p| is_pickup_of(p, &device),
    )
    .await
}

/// Sends a retrieval built by [`retrieve`] for `req` and waits up to
/// `wait` for the `UnParkedCall` of its space (in `lot` when given).
pub async fn send_retrieve(
    client: &Client,
    req: &RetrieveRequest,
    lot: Option<&str>,
    packet: Packet,
    wait: Duration,
) -> Result<()> {
    send_confirmed(
        client,
        ConsoleAction::Retrieve,
        packet,
        &req.channel_id,
        wait,
        |p| is_unpark_of(p, &req.space, lot),
    )
    .await
}

/// Sends a park built by [`park_call`] and waits up to `wait` for the
/// space its caller (the packet's `Channel`) waits in.
pub async fn send_park_call(
    client: &Client,
    packet: Packet,
    wait: Duration,
) -> Result<Option<ParkedAt>> {
    let far = packet.get("Channel").unwrap_or_default().to_owned();
    send_park(client, packet, &far, wait).await
}

/// Where a call was parked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedAt {
    /// The space (`71`).
    pub space: String,
    /// The lot, when the PBX names it.
    pub lot: Option<String>,
}

/// The space of a `ParkedCall` event for `channel` (12+ `ParkeeChannel`
/// and `ParkingSpace`, 1.x `Channel` and `Exten`).
pub fn parked_at(p: &Packet, channel: &str) -> Option<ParkedAt> {
    if !p.event()?.eq_ignore_ascii_case("ParkedCall") {
        return None;
    }
    if p.get("ParkeeChannel").or(p.get("Channel")) != Some(channel) {
        return None;
    }
    Some(ParkedAt {
        space: p.get("ParkingSpace").or(p.get("Exten"))?.to_owned(),
        lot: p.get("Parkinglot").map(str::to_owned),
    })
}

/// Sends a `Park` of `channel` and waits up to `wait` for its
/// `ParkedCall` event: the space it waits in, or `None` when the PBX
/// accepted the park but did not say where in time.
pub async fn send_park(
    client: &Client,
    park: Packet,
    channel: &str,
    wait: Duration,
) -> Result<Option<ParkedAt>> {
    let mut events = client.events();
    send_console(client, ConsoleAction::Park, park).await?;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(SessionEvent::Event(ev))) => {
                if let Some(at) = parked_at(&ev.packet, channel) {
                    return Ok(Some(at));
                }
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests;
