//! What the AMI user may do, and so which console buttons can be offered.
//!
//! Asterisk's `ListCommands` lists only the actions the session may use
//! (manager.c `action_listcommands`, in 1.8/11 and 12+ alike: an action is
//! listed when the user's `write=` classes meet its authority, or it needs
//! none), each as `Name: Synopsis (Priv: class,…,all)`. [`Rights`] is that
//! answer, read once per session; [`availability`] combines it with the
//! [`Profile`] and says, for each [`ConsoleAction`], whether it can be
//! offered and, when not, why, in a sentence the receptionist can act on.
//! The app shows that sentence on the disabled button.
//!
//! Pure: no I/O. The caller sends `ListCommands` and hands the answer here.

use std::collections::BTreeMap;

use ringside_ami::Packet;
use serde::{Deserialize, Serialize};

use crate::actions::sentence;
use crate::profile::{BlindTransferMethod, Profile};
use crate::tracker::Dialect;

/// What the receptionist can do from the console, each one button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConsoleAction {
    /// Click-to-dial.
    Dial,
    /// Pick up a colleague's ringing call to her own phone.
    Pickup,
    /// Park a call in the PBX's lot.
    Park,
    /// Retrieve a parked call to her own phone.
    Retrieve,
    /// Pause or unpause a queue member.
    QueuePause,
    /// Log a member in to a queue or out of it.
    QueueMembers,
    /// Send a caller to a colleague's voicemail.
    SendToVoicemail,
    /// Blind transfer.
    Transfer,
    /// Attended transfer.
    AttendedTransfer,
}

impl ConsoleAction {
    /// Every console action, in the order the app lists them.
    pub const ALL: [ConsoleAction; 9] = [
        ConsoleAction::Dial,
        ConsoleAction::Pickup,
        ConsoleAction::Park,
        ConsoleAction::Retrieve,
        ConsoleAction::QueuePause,
        ConsoleAction::QueueMembers,
        ConsoleAction::SendToVoicemail,
        ConsoleAction::Transfer,
        ConsoleAction::AttendedTransfer,
    ];

    /// What she would be doing, after "may not" (`pause queue members`).
    pub fn doing(self) -> &'static str {
        match self {
            Self::Dial => "place calls from Ringside",
            Self::Pickup => "pick up colleagues' calls",
            Self::Park => "park calls",
            Self::Retrieve => "retrieve parked calls",
            Self::QueuePause => "pause queue members",
            Self::QueueMembers => "log members in to queues or out of them",
            Self::SendToVoicemail => "send callers to voicemail",
            Self::Transfer => "transfer calls",
            Self::AttendedTransfer => "make attended transfers",
        }
    }

    /// The AMI permission class its actions need (Asterisk's registration
    /// of `Originate`, `Park`, `QueuePause`… in manager.c, res_parking,
    /// features.c and app_queue.c).
    pub fn class(self) -> &'static str {
        match self {
            Self::Dial | Self::Pickup | Self::Retrieve => "originate",
            Self::QueuePause | Self::QueueMembers => "agent",
            Self::Park | Self::SendToVoicemail | Self::Transfer | Self::AttendedTransfer => "call",
        }
    }

    /// The AMI actions it sends with this profile and dialect.
    pub fn ami_actions(self, profile: &Profile, dialect: Dialect) -> &'static [&'static str] {
        match self {
            Self::Dial | Self::Pickup | Self::Retrieve => &["Originate"],
            Self::Park => &["Park"],
            Self::QueuePause => &["QueuePause"],
            Self::QueueMembers => &["QueueAdd", "QueueRemove"],
            Self::SendToVoicemail => &["Redirect"],
            Self::AttendedTransfer => &["Atxfer"],
            Self::Transfer => {
                let blind = profile.blind_transfer == BlindTransferMethod::Auto
                    && (dialect == Dialect::Ami2
                        || (dialect == Dialect::Unknown && profile.dialect == Dialect::Ami2));
                if blind {
                    &["BlindTransfer"]
                } else {
                    &["Redirect"]
                }
            }
        }
    }

    /// What the PBX lacks when the action is missing although the user has
    /// its class: the feature, as "This PBX has no …".
    fn feature(self) -> &'static str {
        match self {
            Self::QueuePause | Self::QueueMembers => "queues",
            Self::Park => "call parking",
            Self::AttendedTransfer => "attended transfer",
            _ => "such action",
        }
    }
}

/// The AMI user's rights as `ListCommands` gave them: each action the
/// session may use, with the permission classes it needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rights {
    /// Lower-cased action name → its classes (without `all`); `None` when
    /// the PBX's answer was not read, so nothing is known.
    actions: Option<BTreeMap<String, Vec<String>>>,
}

impl Rights {
    /// Rights not known (no `ListCommands` answer): every action is
    /// offered, and a refusal is reported when it happens.
    pub fn unknown() -> Self {
        Self::default()
    }

    /// Reads a `ListCommands` answer (`Response: Success`, then one
    /// `Name: Synopsis (Priv: …)` line per permitted action). Any other
    /// answer gives [`Rights::unknown`].
    ///
    /// ```
    /// use ringside_ami::Packet;
    /// use ringside_calls::rights::Rights;
    /// let answer = Packet::new().with("Response", "Success")
    ///     .with("Originate", "Originate a call. (Priv: originate,all)")
    ///     .with("Ping", "Keepalive command. (Priv: <none>)");
    /// let rights = Rights::from_list_commands(&answer);
    /// assert!(rights.allows("Originate") && rights.allows("ping"));
    /// assert!(!rights.allows("QueuePause"));
    /// ```
    pub fn from_list_commands(answer: &Packet) -> Self {
        if !answer.is("Response", "Success") {
            return Self::unknown();
        }
        let actions = answer
            .fields()
            .filter(|(k, _)| {
                !["Response", "ActionID", "Message", "Privilege"]
                    .iter()
                    .any(|h| k.eq_ignore_ascii_case(h))
            })
            .map(|(name, line)| (name.trim().to_ascii_lowercase(), classes_of(line)))
            .collect();
        Self {
            actions: Some(actions),
        }
    }

    /// Whether the answer was read.
    pub fn is_known(&self) -> bool {
        self.actions.is_some()
    }

    /// Whether the session may send `action` (true when not known).
    pub fn allows(&self, action: &str) -> bool {
        self.actions
            .as_ref()
            .is_none_or(|a| a.contains_key(&action.to_ascii_lowercase()))
    }

    /// Whether the user certainly holds `class`: some listed action needs
    /// that class and no other (an action listed for `system,call` may be
    /// there for either).
    fn holds_class(&self, class: &str) -> bool {
        self.actions.as_ref().is_some_and(|a| {
            a.values()
                .any(|c| c.len() == 1 && c[0].eq_ignore_ascii_case(class))
        })
    }
}

/// `Synopsis. (Priv: call,reporting,all)` → `["call", "reporting"]`;
/// `(Priv: <none>)` → `[]`.
fn classes_of(line: &str) -> Vec<String> {
    let Some(start) = line.rfind("(Priv:") else {
        return Vec::new();
    };
    line[start + "(Priv:".len()..]
        .trim_end_matches(')')
        .split(',')
        .map(|c| c.trim().trim_end_matches(')').to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "all" && c != "<none>")
        .collect()
}

/// Whether one console action can be offered, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Availability {
    /// Which action.
    pub action: ConsoleAction,
    /// It can be offered.
    pub allowed: bool,
    /// When not: why, as a sentence the receptionist can act on (shown on
    /// the disabled button).
    pub reason: Option<String>,
}

impl Availability {
    fn yes(action: ConsoleAction) -> Self {
        Self {
            action,
            allowed: true,
            reason: None,
        }
    }

    fn no(action: ConsoleAction, why: String) -> Self {
        Self {
            action,
            allowed: false,
            reason: Some(sentence(&why)),
        }
    }
}

/// Whether `action` can be offered with this profile, dialect and rights:
/// the profile first (the PBX has no such feature, or Ringside does not
/// know how to reach it), then the AMI user's rights.
///
/// ```
/// use ringside_ami::Packet;
/// use ringside_calls::profile::{PbxKind, Profile};
/// use ringside_calls::rights::{availability, ConsoleAction, Rights};
/// use ringside_calls::tracker::Dialect;
/// let rights = Rights::from_list_commands(&Packet::new().with("Response", "Success")
///     .with("Originate", "Originate a call. (Priv: originate,all)"));
/// let a = availability(&Profile::of(PbxKind::FreePbx), Dialect::Ami2, &rights,
///     ConsoleAction::QueuePause);
/// assert!(!a.allowed);
/// assert_eq!(a.reason.as_deref(), Some("Your PBX user may not pause queue members: \
///     ask your PBX admin to give the AMI user the 'agent' permission."));
/// ```
pub fn availability(
    profile: &Profile,
    dialect: Dialect,
    rights: &Rights,
    action: ConsoleAction,
) -> Availability {
    if let Some(why) = profile_refusal(profile, action) {
        return Availability::no(action, why);
    }
    let missing = action
        .ami_actions(profile, dialect)
        .iter()
        .find(|a| !rights.allows(a));
    let Some(missing) = missing else {
        return Availability::yes(action);
    };
    let class = action.class();
    let why = if rights.holds_class(class) {
        format!(
            "this PBX has no {} (its AMI has no {missing} action): ask your PBX admin whether it can be turned on",
            action.feature()
        )
    } else if !profile.grants_class(class) {
        format!(
            "this PBX does not let AMI users have the '{class}' permission, so Ringside cannot {} here",
            action.doing()
        )
    } else {
        format!(
            "your PBX user may not {}: ask your PBX admin to give the AMI user the '{class}' permission",
            action.doing()
        )
    };
    Availability::no(action, why)
}

/// What the profile alone rules out.
fn profile_refusal(profile: &Profile, action: ConsoleAction) -> Option<String> {
    match action {
        ConsoleAction::Park | ConsoleAction::Retrieve if !profile.park => {
            Some("this PBX has no call parking".into())
        }
        ConsoleAction::AttendedTransfer if !profile.attended_transfer => {
            Some("this PBX has no attended transfer: use a blind transfer".into())
        }
        ConsoleAction::SendToVoicemail if profile.voicemail_exten.is_none() => Some(
            "Ringside does not know which number reaches a colleague's voicemail on this PBX: ask your PBX admin for it and set it in the PBX profile"
                .into(),
        ),
        _ => None,
    }
}

/// [`availability`] of every console action, in [`ConsoleAction::ALL`]
/// order: what the app asks once per session, after `ListCommands`.
pub fn console_availability(
    profile: &Profile,
    dialect: Dialect,
    rights: &Rights,
) -> Vec<Availability> {
    ConsoleAction::ALL
        .iter()
        .map(|a| availability(profile, dialect, rights, *a))
        .collect()
}

#[cfg(test)]
mod tests;
