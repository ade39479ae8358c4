//! [`CallRecord`]: one finished real call, the single record type shared by
//! the tracker (which emits it in `CardChange::Ended`), the store (which
//! upserts it by [`CallRecord::call_id`]), the CLI and the app.

use serde::{Deserialize, Serialize};

/// Which way a call went, seen from the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From an outside caller through a trunk.
    Inbound,
    /// Between two extensions of the same PBX.
    Internal,
    /// From an extension out through a trunk.
    Outbound,
}

impl Direction {
    /// The stable text form used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Internal => "internal",
            Self::Outbound => "outbound",
        }
    }

    /// Parses [`Direction::as_str`] back.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "inbound" => Self::Inbound,
            "internal" => Self::Internal,
            "outbound" => Self::Outbound,
            _ => return None,
        })
    }
}

/// How a call ended, from the point of view of the watched extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A watched extension answered it (or, for outbound calls, the far end answered).
    Answered,
    /// It rang at a watched extension and nobody answered.
    Missed,
    /// It rang at a watched extension and another extension answered.
    AnsweredElsewhere,
    /// The caller hung up while waiting in a queue.
    Abandoned,
    /// It went to voicemail.
    Voicemail,
    /// It ended without ringing any watched extension and without an answer
    /// (for example an outbound call nobody picked up).
    Unanswered,
}

impl Outcome {
    /// The stable text form used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::Missed => "missed",
            Self::AnsweredElsewhere => "answered_elsewhere",
            Self::Abandoned => "abandoned",
            Self::Voicemail => "voicemail",
            Self::Unanswered => "unanswered",
        }
    }

    /// Parses [`Outcome::as_str`] back.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "answered" => Self::Answered,
            "missed" => Self::Missed,
            "answered_elsewhere" => Self::AnsweredElsewhere,
            "abandoned" => Self::Abandoned,
            "voicemail" => Self::Voicemail,
            "unanswered" => Self::Unanswered,
            _ => return None,
        })
    }
}

/// How a transfer was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// Blind: `Redirect`, `BlindTransfer`, or a blind transfer on the phone.
    Blind,
    /// Attended: `Atxfer`, `AttendedTransfer`, or a consultative transfer on the phone.
    Attended,
}

/// One hop in a call's transfer history: "transferred by 1001 to 1002".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Transfer {
    /// The extension that did the transfer, when known.
    pub by: Option<String>,
    /// The extension (or number) the call went to.
    pub to: String,
    /// Blind or attended.
    pub kind: TransferKind,
    /// When it happened, Unix milliseconds.
    pub at_ms: i64,
}

/// How a wait ended: in a queue, or in a parking space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum WaitEnd {
    /// A queue member answered.
    Answered,
    /// The caller hung up while waiting in the queue.
    Abandoned,
    /// The queue let the caller go unanswered (its timeout, an exit key, or
    /// nobody left to ring), or the parking time ran out.
    Timeout,
    /// Someone dialled the parking space.
    Retrieved,
    /// The caller hung up while parked.
    Hangup,
}

/// A caller's wait in a queue, reported with the call's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueWait {
    /// The queue's name.
    pub queue: String,
    /// The caller's position on joining.
    pub position: Option<u32>,
    /// How the wait ended: `answered`, `abandoned` or `timeout`.
    pub end: WaitEnd,
    /// How long the caller waited, ms.
    pub waited_ms: i64,
}

/// One finished real call. A ring-group or queue call is one record.
///
/// Written once per call from `CardChange::Ended`; the store upserts on
/// [`CallRecord::call_id`], so writing the same call again after a resync
/// updates the row instead of adding a second one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CallRecord {
    /// The PBX's id for the whole call: the Linkedid (AMI 2+), or the first
    /// channel's Uniqueid on AMI 1.1, which has no Linkedid.
    pub call_id: String,
    /// The Uniqueid of the call's first channel.
    pub uniqueid: String,
    /// Which way the call went.
    pub direction: Direction,
    /// The other party's number as the PBX gave it: the caller for inbound
    /// and internal calls, the dialled number for outbound calls.
    pub remote_num: String,
    /// The other party's name as the PBX sent it (any bytes, shown as text).
    pub remote_name: Option<String>,
    /// The extension that placed an internal or outbound call.
    pub from_extension: Option<String>,
    /// The trunk endpoint the call used, when it used one.
    pub trunk: Option<String>,
    /// The DID (number dialled on the trunk) of an inbound call, or the queue/ring group.
    pub did: Option<String>,
    /// Every extension the call rang, in the order they started ringing.
    pub rang: Vec<String>,
    /// The extension that answered, if any (for outbound calls, the caller's extension once answered).
    pub answered_by: Option<String>,
    /// Transfers in the order they happened.
    pub transfers: Vec<Transfer>,
    /// How it ended for the watched extensions.
    pub outcome: Outcome,
    /// When the call started, Unix milliseconds.
    pub started_at_ms: i64,
    /// When it was answered, Unix milliseconds.
    pub answered_at_ms: Option<i64>,
    /// When it ended, Unix milliseconds.
    pub ended_at_ms: i64,
    /// True when the call ended while Ringside was disconnected and its end
    /// was only learned at resync.
    pub ended_offline: bool,
    /// The caller's wait in a queue, when the call went through one: the
    /// missed list says "gave up in queue sales after 1:10". Left out of the
    /// JSON when the call went through no queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub queue: Option<QueueWait>,
}

impl CallRecord {
    /// Talk time in seconds, when answered.
    pub fn talk_seconds(&self) -> Option<i64> {
        self.answered_at_ms
            .map(|a| (self.ended_at_ms - a).max(0) / 1000)
    }
}
