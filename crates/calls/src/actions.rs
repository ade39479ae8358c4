//! Typed PBX actions: click-to-dial, blind and attended transfer (and its
//! cancel), hangup, park, and the attendant console's pickup, retrieval,
//! queue members and voicemail (`console.rs`). Each builder validates every
//! field and returns a
//! ready [`Packet`], or a typed [`ActionError`] before any byte could be
//! sent: numbers and extensions may hold only `0-9 * # +` (letters only
//! where the [`Profile`] allows), contexts and channel names only their own
//! safe characters, so no `\r\n`, NUL or smuggled `Action:` ever reaches the
//! PBX.
//!
//! The builders are pure. The `send_*` functions at the end are the thin
//! async glue to a [`ringside_ami::Client`] that DESIGN.md allows here.

use std::time::Duration;

use ringside_ami::{Client, Packet, SessionEvent};

use crate::channel::{ChannelName, Classifier, EndpointKind};
use crate::profile::{BlindTransferMethod, Profile};
use crate::rights::ConsoleAction;
use crate::tracker::{CallChannel, Dialect};

mod console;

pub use console::{
    is_pickup_of, is_unpark_of, park_call, parked_at, pickup, queue_add, queue_interface,
    queue_name, queue_pause, queue_remove, refusal, retrieve, send_confirmed, send_console,
    send_park, send_park_call, send_pickup, send_retrieve, send_to_voicemail, voicemail_call,
    OriginateWatch, ParkedAt, PickupRequest, RetrieveRequest,
};

/// Longest number or extension accepted.
pub const MAX_NUMBER_LEN: usize = 40;

/// Why an action was refused or failed. The message is written for the
/// person at the phone; the variant (and, for [`ActionError::Pbx`], the AMI
/// client's own error) is what a program branches on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// A number or extension held something other than dialable characters.
    #[error("{field} '{shown}' is not a number that can be dialled: use only digits, *, # and +")]
    NotDialable {
        /// Which field (`number`, `extension`, `target`).
        field: &'static str,
        /// The value with control characters made visible.
        shown: String,
    },
    /// What was typed, pasted or clicked is not a phone number or extension.
    #[error(
        "“{shown}” is not a phone number or extension. Use digits, and + for international numbers"
    )]
    NotANumber {
        /// What was given, without control characters, at most 40 characters.
        shown: String,
    },
    /// A field was empty.
    #[error("the {field} is empty")]
    Empty {
        /// Which field.
        field: &'static str,
    },
    /// A context, channel, caller-ID name or id held characters it must not.
    #[error("{field} '{shown}' contains characters that are not allowed there")]
    BadField {
        /// Which field.
        field: &'static str,
        /// The value with control characters made visible.
        shown: String,
    },
    /// This PBX profile has no such action.
    #[error("this PBX does not support {action}")]
    Unsupported {
        /// The action people asked for.
        action: &'static str,
    },
    /// The call has no channel left to act on but her own (a transfer, a
    /// park or a send-to-voicemail of a call that ended).
    #[error("that call is not live any more: it has ended")]
    CallGone,
    /// An attended transfer starts from her own answered phone.
    #[error("answer the call first: an attended transfer starts from your own phone")]
    NotAnswered,
    /// The PBX refused the action, did not answer it, or the connection
    /// failed: the AMI client's error, untouched.
    #[error(transparent)]
    Pbx(#[from] ringside_ami::Error),
    /// An SMS without text.
    #[error("type the text message first")]
    NoText,
    /// The gateway will not let this AMI user run commands (`gsm send sms`
    /// is a CLI command).
    #[error("the gateway refused the SMS: this AMI user may not run commands (give it write = command in manager.conf)")]
    CommandsDenied,
    /// The gateway tried to send the SMS and failed; its own words.
    #[error("the gateway could not send the SMS: {0}")]
    SmsFailed(String),
    /// The phone (or the number) did not answer a click-to-dial.
    #[error("click-to-dial failed: {0}")]
    DialFailed(DialFailure),
    /// The PBX said `Permission denied`: the AMI user lacks the class.
    #[error("your PBX user may not {}: ask your PBX admin to give the AMI user the '{}' permission", .action.doing(), .action.class())]
    PermissionDenied {
        /// What was refused.
        action: ConsoleAction,
    },
    /// The PBX has no channel of that name (any more).
    #[error("that call is no longer on the PBX (it may have just ended)")]
    NoSuchChannel,
    /// The queue has no such member (`Interface not found`, `Not there`).
    #[error("{member} is not a member of {}", .queue.as_deref().map_or_else(|| "any queue".to_owned(), |q| format!("queue {q}")))]
    NotQueueMember {
        /// The member, as an extension where it is one.
        member: String,
        /// The queue, `None` when every queue was meant.
        queue: Option<String>,
    },
    /// `QueueAdd` of a member already there.
    #[error("{member} is already logged in to queue {queue}")]
    AlreadyQueueMember {
        /// The member.
        member: String,
        /// The queue.
        queue: String,
    },
    /// The PBX has no queue of that name.
    #[error("the PBX has no queue called '{queue}': check the queue's name")]
    NoSuchQueue {
        /// The name given.
        queue: String,
    },
    /// `QueueRemove` of a member set in the PBX's configuration.
    #[error("{member} is a permanent member of queue {queue} (set in the PBX's configuration), so it cannot be logged out from here: ask your PBX admin")]
    StaticQueueMember {
        /// The member.
        member: String,
        /// The queue.
        queue: String,
    },
    /// Nothing rings at that extension, so there is nothing to pick up.
    #[error("{extension}'s phone is not ringing, so there is no call to pick up")]
    NotRinging {
        /// The extension.
        extension: String,
    },
    /// No call waits in that parking space.
    #[error("no call is parked in space {space}{}", .lot.as_deref().map(|l| format!(" of lot {l}")).unwrap_or_default())]
    NothingParked {
        /// The space.
        space: String,
        /// The lot, when one was named.
        lot: Option<String>,
    },
    /// The PBX accepted the channel but could not park it (`Park failure`,
    /// `Park action failed`): its own words.
    #[error("the PBX could not park the call ({0}): the parking lot may be full")]
    ParkFailed(String),
    /// Her phone answered, but the call was gone by then.
    #[error("your phone answered, but {}", match .action {
        ConsoleAction::Retrieve => "the parked call had already been taken or had hung up",
        _ => "the call had already been answered or had hung up",
    })]
    TooLate {
        /// Pickup or retrieval.
        action: ConsoleAction,
    },
    /// Only an answered call can be parked.
    #[error("only a call in progress can be parked: answer it first")]
    NotInProgress,
    /// The profile has no voicemail extension.
    #[error("Ringside does not know which number reaches a colleague's voicemail on this PBX: ask your PBX admin for it and set it in the PBX profile")]
    NoVoicemailExten,
}

impl ActionError {
    /// A stable, machine-readable word for this error (the AMI client's own
    /// for [`ActionError::Pbx`]), as `ringside_ami::Error::code` gives.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDialable { .. } => "not_dialable",
            Self::NotANumber { .. } => "not_a_number",
            Self::Empty { .. } => "empty",
            Self::BadField { .. } => "bad_field",
            Self::Unsupported { .. } => "unsupported",
            Self::CallGone => "call_gone",
            Self::NotAnswered => "not_answered",
            Self::Pbx(e) => e.code(),
            Self::NoText => "no_text",
            Self::CommandsDenied => "commands_denied",
            Self::SmsFailed(_) => "sms_failed",
            Self::DialFailed(_) => "dial_failed",
            Self::PermissionDenied { .. } => "permission_denied",
            Self::NoSuchChannel => "no_such_channel",
            Self::NotQueueMember { .. } => "not_a_member",
            Self::AlreadyQueueMember { .. } => "already_a_member",
            Self::NoSuchQueue { .. } => "no_such_queue",
            Self::StaticQueueMember { .. } => "static_member",
            Self::NotRinging { .. } => "not_ringing",
            Self::NothingParked { .. } => "nothing_parked",
            Self::ParkFailed(_) => "park_failed",
            Self::TooLate { .. } => "too_late",
            Self::NotInProgress => "not_in_progress",
            Self::NoVoicemailExten => "no_voicemail_exten",
        }
    }
}

/// Why a click-to-dial failed, from OriginateResponse's `Reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DialFailure {
    /// Reason 0: no such extension or number, or the channel could not be made.
    NoSuchExtension,
    /// Reason 1: hung up before answering.
    HungUp,
    /// Reason 3: the phone rang and nobody answered.
    NoAnswer,
    /// Reason 5: busy.
    Busy,
    /// Reason 8: congestion (no free line).
    Congestion,
    /// Another reason code.
    Other(i32),
    /// No OriginateResponse arrived in time.
    NoResult,
}

impl std::fmt::Display for DialFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoSuchExtension => f.write_str("no such extension or number"),
            Self::HungUp => f.write_str("the phone hung up"),
            Self::NoAnswer => f.write_str("your phone did not answer"),
            Self::Busy => f.write_str("the line is busy"),
            Self::Congestion => f.write_str("no free line (congestion)"),
            Self::Other(c) => write!(f, "the PBX gave reason {c}"),
            Self::NoResult => f.write_str("the PBX did not say whether the call started"),
        }
    }
}

impl DialFailure {
    /// From OriginateResponse `Reason`.
    pub fn from_reason(code: i32) -> Self {
        match code {
            0 => Self::NoSuchExtension,
            1 => Self::HungUp,
            3 => Self::NoAnswer,
            5 => Self::Busy,
            8 => Self::Congestion,
            c => Self::Other(c),
        }
    }
}

/// Result of this module.
pub type Result<T> = std::result::Result<T, ActionError>;

/// An error's message as a person reads it on screen: capitalised, ending
/// in a full stop (the crates' messages are lower-case clauses, so they
/// can be embedded in other sentences).
///
/// ```
/// assert_eq!(ringside_calls::actions::sentence("the line is busy"), "The line is busy.");
/// ```
pub fn sentence(s: &str) -> String {
    let mut c = s.trim().chars();
    let mut out: String = match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    };
    if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// Strips the punctuation people paste with numbers (spaces, dashes, dots,
/// brackets, slashes) and checks what is left is dialable: an optional
/// leading `+`, then at most 32 digits, `*` and `#`. The app (dial box,
/// hotkey, `tel:` links, texts) and the CLI clean what a person typed the
/// same way.
///
/// ```
/// use ringside_calls::actions::clean_dial_input;
/// assert_eq!(clean_dial_input(" +1 (555) 123-4567 ").unwrap(), "+15551234567");
/// assert!(clean_dial_input("1001\r\nAction: Originate").is_err());
/// ```
pub fn clean_dial_input(raw: &str) -> Result<String> {
    let trimmed = raw.trim();
    let cleaned: String = trimmed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}'))
        .collect();
    let digits = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    if digits.is_empty()
        || digits.len() > 32
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
    {
        let shown = trimmed
            .chars()
            .filter(|c| !c.is_control())
            .take(40)
            .collect();
        return Err(ActionError::NotANumber { shown });
    }
    Ok(cleaned)
}

/// Shows control characters in a refused value instead of printing them.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(60).flat_map(char::escape_debug).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// Checks a number or extension: `0-9 * # +`, letters only when the
/// profile allows them; a leading `+` only.
pub fn dialable(field: &'static str, value: &str, profile: &Profile) -> Result<String> {
    if value.is_empty() {
        return Err(ActionError::Empty { field });
    }
    let ok = value.len() <= MAX_NUMBER_LEN
        && value.char_indices().all(|(i, c)| {
            c.is_ascii_digit()
                || c == '*'
                || c == '#'
                || (c == '+' && i == 0)
                || (profile.letters_allowed && c.is_ascii_alphabetic())
        })
        && value != "+";
    if ok {
        Ok(value.to_owned())
    } else {
        Err(ActionError::NotDialable {
            field,
            shown: shown(value),
        })
    }
}

/// Checks a dialplan context name (`DLPN_DialPlan1000`, `from-internal`).
pub fn context_name(value: &str) -> Result<String> {
    safe(value, "context", 80, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
    })
}

/// Checks a channel name as the PBX gave it (`PJSIP/carrier-0000000e`).
pub fn channel_name(value: &str) -> Result<String> {
    let v = safe(value, "channel", 120, |c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '/' | '-' | '_' | '.' | '@' | ';' | '+' | '*' | '#')
    })?;
    if ChannelName::parse(&v).is_none() {
        return Err(ActionError::BadField {
            field: "channel",
            shown: shown(value),
        });
    }
    Ok(v)
}

/// Checks a caller-ID name: any text (Unicode welcome) without line breaks,
/// NUL, quotes or angle brackets, which would break `"Name" <num>`.
pub fn caller_name(value: &str) -> Result<String> {
    safe(value, "caller ID name", 80, |c| {
        !c.is_control() && !matches!(c, '"' | '<' | '>')
    })
}

fn id(value: &str, field: &'static str) -> Result<String> {
    safe(value, field, 64, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
    })
}

fn safe(value: &str, field: &'static str, max: usize, ok: impl Fn(char) -> bool) -> Result<String> {
    if value.is_empty() {
        return Err(ActionError::Empty { field });
    }
    if value.chars().count() > max || !value.chars().all(ok) {
        return Err(ActionError::BadField {
            field,
            shown: shown(value),
        });
    }
    Ok(value.to_owned())
}

/// A click-to-dial request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialRequest {
    /// The user's own extension (its phone rings first).
    pub extension: String,
    /// The number to call.
    pub number: String,
    /// The user's name for the CallerID her phone shows.
    pub caller_name: Option<String>,
    /// Preset channel id, so the tracker and the OriginateResponse can be
    /// matched to this click (`ringside-c2d-1`).
    pub channel_id: String,
    /// Override of the profile's originate context.
    pub context: Option<String>,
}

/// Builds the click-to-dial `Originate`, as in the Yeastar guide:
/// the user's phone (`PJSIP/1000`) rings first in context
/// `DLPN_DialPlan1000`, then `Exten` is dialled; `Async: true`; a preset
/// `ChannelId` (AMI 2+ only); the user's own CallerID.
///
/// ```
/// use ringside_calls::actions::{click_to_dial, DialRequest};
/// use ringside_calls::profile::{PbxKind, Profile};
/// use ringside_calls::tracker::Dialect;
/// let req = DialRequest { extension: "1000".into(), number: "1002".into(), caller_name: None,
///     channel_id: "ringside-c2d-1".into(), context: None };
/// let p = click_to_dial(&Profile::of(PbxKind::YeastarS), Dialect::Ami2, &req).unwrap();
/// assert_eq!(p.get("Context"), Some("DLPN_DialPlan1000"));
/// assert!(click_to_dial(&Profile::of(PbxKind::YeastarS), Dialect::Ami2,
///     &DialRequest { number: "1002\r\nAction: Hangup".into(), ..req }).is_err());
/// ```
pub fn click_to_dial(profile: &Profile, dialect: Dialect, req: &DialRequest) -> Result<Packet> {
    let ext = dialable("extension", &req.extension, profile)?;
    let number = dialable("number", &req.number, profile)?;
    let context = match &req.context {
        Some(c) => context_name(c)?,
        None => context_name(&profile.originate_context_for(&ext))?,
    };
    let channel_id = id(&req.channel_id, "channel id")?;
    let caller_id = match &req.caller_name {
        Some(n) if !n.is_empty() => format!("\"{}\" <{ext}>", caller_name(n)?),
        _ => ext.clone(),
    };
    let mut p = Packet::action("Originate")
        .with("Channel", profile.device_for(&ext))
        .with("Context", context)
        .with("Exten", number)
        .with("Priority", "1")
        .with("Timeout", "30000")
        .with("CallerID", caller_id)
        .with("Async", "true");
    if dialect != Dialect::Ami1 {
        p = p
            .with("ChannelId", channel_id.clone())
            .with("OtherChannelId", format!("{channel_id}b"));
    }
    Ok(p)
}

/// A blind transfer: send the far party to `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlindTransferRequest {
    /// The user's own channel in the call (for the `BlindTransfer` action).
    pub own_channel: String,
    /// The far party's channel (the caller), which `Redirect` moves.
    pub far_channel: String,
    /// The user's extension (for `{ext}` contexts).
    pub extension: String,
    /// Where to.
    pub target: String,
    /// Override of the profile's transfer context.
    pub context: Option<String>,
}

/// Builds a blind transfer: `BlindTransfer` of the user's own channel where
/// the PBX has it (AMI 2+), otherwise `Redirect` of the far party's channel
/// (never the receptionist's own, which would move her instead).
pub fn blind_transfer(
    profile: &Profile,
    dialect: Dialect,
    req: &BlindTransferRequest,
) -> Result<Packet> {
    let ext = dialable("extension", &req.extension, profile)?;
    let target = dialable("target", &req.target, profile)?;
    let context = match &req.context {
        Some(c) => context_name(c)?,
        None => context_name(&profile.transfer_context_for(&ext))?,
    };
    let use_action = profile.blind_transfer == BlindTransferMethod::Auto
        && (dialect == Dialect::Ami2
            || (dialect == Dialect::Unknown && profile.dialect == Dialect::Ami2));
    if use_action {
        Ok(Packet::action("BlindTransfer")
            .with("Channel", channel_name(&req.own_channel)?)
            .with("Context", context)
            .with("Exten", target))
    } else {
        Ok(Packet::action("Redirect")
            .with("Channel", channel_name(&req.far_channel)?)
            .with("Context", context)
            .with("Exten", target)
            .with("Priority", "1"))
    }
}

/// Builds an attended transfer (`Atxfer`) of the user's own channel to `target`.
pub fn attended_transfer(
    profile: &Profile,
    own_channel: &str,
    extension: &str,
    target: &str,
    context: Option<&str>,
) -> Result<Packet> {
    if !profile.attended_transfer {
        return Err(ActionError::Unsupported {
            action: "attended transfer",
        });
    }
    let ext = dialable("extension", extension, profile)?;
    let target = dialable("target", target, profile)?;
    let context = match context {
        Some(c) => context_name(c)?,
        None => context_name(&profile.transfer_context_for(&ext))?,
    };
    Ok(Packet::action("Atxfer")
        .with("Channel", channel_name(own_channel)?)
        .with("Exten", target)
        .with("Context", context))
}

/// Builds the transfer of a live call from its channels, for the app and
/// the CLI alike, so the same request moves the same channel wherever it
/// comes from. `mine` are the user's extensions. Her own channel (the one of
/// hers that is up, else one still ringing) is what `BlindTransfer` and
/// `Atxfer` act on; the far party is the caller's channel (else any other
/// that is not a Local half), which a `Redirect` moves. While the call still
/// rings at her phone there is no channel of hers to transfer from, so the
/// caller's channel itself is redirected.
pub fn transfer_call(
    profile: &Profile,
    dialect: Dialect,
    channels: &[CallChannel],
    mine: &[String],
    target: &str,
    attended: bool,
    context: Option<&str>,
) -> Result<Packet> {
    let is_mine =
        |c: &&CallChannel| c.kind == EndpointKind::Extension && mine.contains(&c.endpoint);
    let own = channels.iter().filter(is_mine).max_by_key(|c| c.up);
    let far = far_party(channels, mine).ok_or(ActionError::CallGone)?;
    let extension = own
        .map(|c| c.endpoint.clone())
        .or_else(|| mine.first().cloned())
        .unwrap_or_default();
    if attended {
        let own = own.filter(|c| c.up).ok_or(ActionError::NotAnswered)?;
        return attended_transfer(profile, &own.name, &extension, target, context);
    }
    let mut profile = profile.clone();
    if !own.is_some_and(|c| c.up) {
        profile.blind_transfer = BlindTransferMethod::Redirect;
    }
    let req = BlindTransferRequest {
        own_channel: own.map_or_else(|| far.name.clone(), |c| c.name.clone()),
        far_channel: far.name.clone(),
        extension,
        target: target.to_owned(),
        context: context.map(str::to_owned),
    };
    blind_transfer(&profile, dialect, &req)
}

/// The far party of a call: the caller's channel when it is not hers,
/// else any other channel that is neither hers nor a Local half.
fn far_party<'a>(channels: &'a [CallChannel], mine: &[String]) -> Option<&'a CallChannel> {
    let is_mine =
        |c: &&CallChannel| c.kind == EndpointKind::Extension && mine.contains(&c.endpoint);
    channels
        .iter()
        .find(|c| c.origin && !is_mine(c))
        .or_else(|| {
            channels
                .iter()
                .find(|c| !is_mine(c) && c.kind != EndpointKind::Local)
        })
}

/// The channels of call `call` in a fresh `CoreShowChannels` listing (those
/// whose Linkedid or Uniqueid is the call's id, and on AMI 1.x, which has
/// no Linkedid, those bridged to them by `BridgedUniqueID`), as
/// [`transfer_call`] and [`park_call`] take them: for a tool that keeps no
/// tracker, such as the CLI.
pub fn listed_call_channels(
    listing: &[Packet],
    call: &str,
    classifier: &Classifier,
) -> Vec<CallChannel> {
    let of_call = |p: &&Packet| {
        p.get("Linkedid").or(p.get("Uniqueid")) == Some(call) || p.get("Uniqueid") == Some(call)
    };
    let ids: Vec<&str> = listing
        .iter()
        .filter(of_call)
        .flat_map(|p| [p.get("Uniqueid"), p.get("BridgedUniqueID")])
        .flatten()
        .filter(|u| !u.is_empty())
        .collect();
    let mut out: Vec<CallChannel> = listing
        .iter()
        .filter(|p| {
            of_call(p)
                || p.get("Uniqueid").is_some_and(|u| ids.contains(&u))
                || p.get("BridgedUniqueID").is_some_and(|u| ids.contains(&u))
        })
        .filter_map(|p| {
            let raw = p.get("Channel")?;
            let name = ChannelName::parse(raw)?;
            let state = p.get("ChannelState").unwrap_or("");
            Some(CallChannel {
                name: raw.to_owned(),
                endpoint: name.endpoint.to_owned(),
                kind: classifier.classify(&name),
                up: state == "6",
                ringing: state == "5",
                origin: p.get("Uniqueid") == Some(call),
            })
        })
        .collect();
    out.sort_by(|a, b| b.origin.cmp(&a.origin).then_with(|| a.name.cmp(&b.name)));
    out
}

/// Builds the cancel of an attended transfer: `CancelAtxfer` on AMI 2+,
/// or hanging up the consultation leg on older PBXes.
pub fn cancel_attended_transfer(
    dialect: Dialect,
    own_channel: &str,
    consult_channel: Option<&str>,
) -> Result<Packet> {
    match (dialect, consult_channel) {
        (Dialect::Ami1, Some(c)) => hangup(c),
        (Dialect::Ami1, None) => Err(ActionError::Empty {
            field: "consultation channel",
        }),
        _ => Ok(Packet::action("CancelAtxfer").with("Channel", channel_name(own_channel)?)),
    }
}

/// Builds a `Hangup` of one channel.
pub fn hangup(channel: &str) -> Result<Packet> {
    Ok(Packet::action("Hangup").with("Channel", channel_name(channel)?))
}

/// Builds a `Park` of the far party into the profile's lot; when the
/// parking times out the call comes back to the user's own channel.
/// Asterisk 12+ (res_parking) names that channel `TimeoutChannel`; 1.x
/// (features.c) requires it as `Channel2` and hangs it up once the call is
/// parked. Both take `Parkinglot`.
pub fn park(
    profile: &Profile,
    dialect: Dialect,
    far_channel: &str,
    own_channel: &str,
) -> Result<Packet> {
    if !profile.park {
        return Err(ActionError::Unsupported { action: "park" });
    }
    let far = channel_name(far_channel)?;
    let own = channel_name(own_channel)?;
    let mut p = if dialect == Dialect::Ami1 {
        Packet::action("Park")
            .with("Channel", far)
            .with("Channel2", own)
    } else {
        Packet::action("Park")
            .with("Channel", far)
            .with("TimeoutChannel", own)
    };
    if let Some(lot) = &profile.parking_lot {
        p.push("Parkinglot", id(lot, "parking lot")?);
    }
    Ok(p)
}

/// Sends a click-to-dial and waits up to `wait` for its outcome: the
/// OriginateResponse (matched by the preset channel id or the ActionID), or,
/// as PBXes and clients do not always deliver that event, the user's own
/// leg (whose Uniqueid is the preset channel id) answering or hanging up.
pub async fn send_click_to_dial(
    client: &Client,
    originate: Packet,
    channel_id: &str,
    wait: Duration,
) -> Result<()> {
    let mut events = client.events();
    let queued = client.send(originate).await?;
    let action_id = queued.action_id().map(str::to_owned);
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let ev = match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(ev)) => ev,
            Ok(None) => return Err(ActionError::Pbx(ringside_ami::Error::Closed)),
            Err(_) => return Err(ActionError::DialFailed(DialFailure::NoResult)),
        };
        let SessionEvent::Event(ev) = ev else {
            continue;
        };
        if let Some(outcome) = click_to_dial_outcome(&ev.packet, channel_id, action_id.as_deref()) {
            return outcome;
        }
    }
}

/// What one event says about a click-to-dial, if anything.
pub fn click_to_dial_outcome(
    p: &Packet,
    channel_id: &str,
    action_id: Option<&str>,
) -> Option<Result<()>> {
    let event = p.event()?;
    if event.eq_ignore_ascii_case("OriginateResponse") {
        let ours = p.get("Uniqueid") == Some(channel_id)
            || (action_id.is_some() && p.action_id() == action_id);
        if !ours {
            return None;
        }
        if p.is("Response", "Success") {
            return Some(Ok(()));
        }
        let reason = p
            .get("Reason")
            .and_then(|r| r.trim().parse().ok())
            .unwrap_or(-1);
        return Some(Err(ActionError::DialFailed(DialFailure::from_reason(
            reason,
        ))));
    }
    if p.get("Uniqueid") != Some(channel_id) {
        return None;
    }
    if event.eq_ignore_ascii_case("Newstate") && p.get("ChannelState") == Some("6") {
        return Some(Ok(()));
    }
    if event.eq_ignore_ascii_case("Hangup") {
        let failure = match p.get("Cause").and_then(|c| c.trim().parse::<i32>().ok()) {
            Some(17) => DialFailure::Busy,
            Some(18 | 19 | 21) => DialFailure::NoAnswer,
            Some(1 | 3 | 20 | 27) => DialFailure::NoSuchExtension,
            Some(34 | 38 | 42) => DialFailure::Congestion,
            _ => DialFailure::HungUp,
        };
        return Some(Err(ActionError::DialFailed(failure)));
    }
    None
}

/// Sends any action built here and returns the PBX's answer.
pub async fn send(client: &Client, action: Packet) -> Result<Packet> {
    Ok(client.send(action).await?)
}

#[cfg(test)]
mod tests;
