//! The values the store hands out and takes in, besides the shared
//! [`CallRecord`]. All are plain data, serializable for the IPC layer.

use ringside_calls::{CallRecord, NumberPlan, Outcome};
use serde::{Deserialize, Serialize};

/// Outcomes that put a call on the missed-call list.
pub const MISSED_OUTCOMES: [Outcome; 3] = [Outcome::Missed, Outcome::Abandoned, Outcome::Voicemail];

/// The SQL list of [`MISSED_OUTCOMES`]; it must match the partial index
/// `calls_missed` in migration 0002 word for word so SQLite uses it.
pub(crate) const MISSED_SQL: &str = "('missed', 'abandoned', 'voicemail')";

/// One phone number of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactNumber {
    /// "Mobile", "Work"...: free text, as imported or typed.
    pub label: Option<String>,
    /// The number as the user typed it.
    pub number: String,
    /// [`NumberPlan::normalize`] of `number`, filled in by the store; ignored
    /// when writing.
    #[serde(default)]
    pub normalized: Option<String>,
}

impl ContactNumber {
    /// A number without a label.
    pub fn new(number: &str) -> Self {
        Self {
            label: None,
            number: number.to_owned(),
            normalized: None,
        }
    }

    /// A number with a label.
    pub fn labeled(label: &str, number: &str) -> Self {
        Self {
            label: Some(label.to_owned()),
            number: number.to_owned(),
            normalized: None,
        }
    }
}

/// The editable part of a contact: what the user types or imports.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactFields {
    /// Display name; must not be empty.
    pub name: String,
    /// Company or organization.
    pub company: Option<String>,
    /// Phone numbers, in the user's order.
    pub numbers: Vec<ContactNumber>,
    /// E-mail address.
    pub email: Option<String>,
    /// Free-text notes about the contact.
    pub notes: Option<String>,
    /// A link to the contact in a CRM, opened from the popup.
    pub crm_url: Option<String>,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// The store's id.
    pub id: i64,
    /// Name, company, numbers...
    #[serde(flatten)]
    pub fields: ContactFields,
    /// When created, Unix milliseconds.
    pub created_at_ms: i64,
    /// When last changed, Unix milliseconds.
    pub updated_at_ms: i64,
    /// Saved in Ringside, or synced from an address book (then read-only).
    #[serde(default)]
    pub origin: ContactOrigin,
    /// For a synced contact, the address book's name, so the card can say
    /// where the name came from.
    #[serde(default)]
    pub address_book: Option<String>,
    /// The job title, from a synced vCard's `TITLE`.
    #[serde(default)]
    pub title: Option<String>,
}

/// Where a contact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContactOrigin {
    /// Saved (typed or imported) in Ringside; editable.
    #[default]
    Local,
    /// Synced from a CardDAV address book; changed only there.
    AddressBook,
}

/// What a note is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "value")]
pub enum NoteTarget {
    /// A call, by its `call_id`; the call may still be live (no record yet).
    Call(String),
    /// A phone number in any format; stored normalized.
    Number(String),
}

/// A timestamped note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// The store's id.
    pub id: i64,
    /// The call it is about, for a call note.
    pub call_id: Option<String>,
    /// The normalized number it is about, for a number note.
    pub number: Option<String>,
    /// The text, as written.
    pub body: String,
    /// When written, Unix milliseconds.
    pub created_at_ms: i64,
}

/// Set on a missed call once an answered outbound call reached its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalledBack {
    /// When the call back started, Unix milliseconds.
    pub at_ms: i64,
    /// The `call_id` of the outbound call.
    pub by_call_id: String,
}

/// Where a page of missed calls goes on from: the last call of the page
/// before (the list is newest first, the call id breaking ties).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MissedCursor {
    /// The `started_at_ms` of that call.
    pub started_at_ms: i64,
    /// Its `call_id`.
    pub call_id: String,
}

impl MissedCursor {
    /// The cursor after `call`, the last of a page.
    pub fn after(call: &StoredCall) -> Self {
        Self {
            started_at_ms: call.record.started_at_ms,
            call_id: call.record.call_id.clone(),
        }
    }
}

/// A call as read back from the store, with what the store adds to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredCall {
    /// The call exactly as recorded.
    pub record: CallRecord,
    /// [`NumberPlan::normalize`] of the remote number.
    pub remote_normalized: Option<String>,
    /// For a missed call: whether and when it was called back.
    pub called_back: Option<CalledBack>,
    /// Notes on this call, oldest first (filled by lookups; empty in search results).
    pub notes: Vec<Note>,
    /// The PBX's recording file name, when a CDR import supplied one.
    #[serde(default)]
    pub recording_file: Option<String>,
    /// Where the row came from: the live call tracker or a CDR import.
    #[serde(default)]
    pub source: CallSource,
}

/// Where a stored call came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallSource {
    /// Recorded live from AMI by the call tracker (every call before schema 4).
    #[default]
    Ami,
    /// Imported from the PBX's call detail records; Ringside did not see it live.
    Cdr,
}

impl CallSource {
    /// The value stored in `calls.source`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ami => "ami",
            Self::Cdr => "cdr",
        }
    }

    /// The inverse of [`CallSource::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ami" => Some(Self::Ami),
            "cdr" => Some(Self::Cdr),
            _ => None,
        }
    }
}

/// What the popup shows about a caller. See `HistoryStore::lookup_caller`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerContext {
    /// The number, normalized; `None` for an anonymous or non-numeric caller.
    pub number: Option<String>,
    /// The first contact with this number.
    pub contact: Option<Contact>,
    /// The last calls with this number, newest first, with their notes.
    pub recent_calls: Vec<StoredCall>,
    /// Calls with this number that started at or after the given start of today.
    pub calls_today: u32,
    /// Notes written on the number itself, newest first.
    pub number_notes: Vec<Note>,
    /// The last text messages with this number, newest first (at most as
    /// many as recent calls were asked for).
    #[serde(default)]
    pub recent_sms: Vec<StoredSms>,
}

/// A search over call history. Every field narrows the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallQuery {
    /// A number fragment in any format ("7946 000", "020 7946"), or a
    /// fragment of the caller name or of a note on the call (case- and
    /// accent-insensitive). Text made only of digits and phone punctuation
    /// is taken as a number; one that starts like a full number (`+`, the
    /// international or trunk prefix) with at least four digits matches at
    /// the start of numbers only.
    pub text: Option<String>,
    /// Calls that started at or after this time, Unix milliseconds.
    pub from_ms: Option<i64>,
    /// Calls that started before this time, Unix milliseconds.
    pub until_ms: Option<i64>,
    /// Only these outcomes (empty: any).
    pub outcomes: Vec<Outcome>,
    /// At most this many calls, the most recently recorded first.
    pub limit: u32,
}

impl Default for CallQuery {
    fn default() -> Self {
        Self {
            text: None,
            from_ms: None,
            until_ms: None,
            outcomes: Vec::new(),
            limit: 100,
        }
    }
}

/// Which calls to keep. The default keeps everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Retention {
    /// Delete calls that started longer ago than this, in milliseconds.
    pub max_age_ms: Option<i64>,
    /// Keep at most this many calls (the newest).
    pub max_calls: Option<u64>,
}

/// One row of an import that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedRow {
    /// The 1-based line in the file where the row (or vCard) starts.
    pub line: u64,
    /// Why it was skipped, in words.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Contacts added.
    pub imported: usize,
    /// Rows left out, with reasons.
    pub skipped: Vec<SkippedRow>,
}

/// Normalizes each number of a contact with `plan`.
pub(crate) fn normalize_numbers(plan: &NumberPlan, fields: &mut ContactFields) {
    for n in &mut fields.numbers {
        n.normalized = plan.normalize(&n.number);
    }
}

// ---- text messages ----------------------------------------------------------

/// Which way a text message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsDirection {
    /// Received by the gateway from `number`.
    Incoming,
    /// Sent through the gateway to `number`.
    Outgoing,
}

impl SmsDirection {
    /// The value stored in `sms.direction`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incoming => "incoming",
            Self::Outgoing => "outgoing",
        }
    }

    /// The inverse of [`SmsDirection::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "incoming" => Some(Self::Incoming),
            "outgoing" => Some(Self::Outgoing),
            _ => None,
        }
    }
}

/// Where a text message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsStatus {
    /// An incoming text, received.
    Received,
    /// An outgoing text handed to the gateway, not yet confirmed.
    Sending,
    /// The gateway confirmed sending it.
    Sent,
    /// The gateway could not send it; see [`SmsRecord::error`].
    Failed,
}

impl SmsStatus {
    /// The value stored in `sms.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    /// The inverse of [`SmsStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "received" => Some(Self::Received),
            "sending" => Some(Self::Sending),
            "sent" => Some(Self::Sent),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One text message, as the gateway connector hands it to the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsRecord {
    /// A stable id for this message (derived from the gateway's event, or
    /// chosen by Ringside when sending); recording the same id again
    /// updates the message instead of adding one.
    pub id: String,
    /// Which way it went.
    pub direction: SmsDirection,
    /// The other party's number (or sender name) as the gateway gave it.
    pub number: String,
    /// The gateway's GSM span (port) it went through, when known.
    pub span: Option<u32>,
    /// The message text.
    pub text: String,
    /// The gateway's raw event text, kept so that nothing it said is lost.
    pub raw: Option<String>,
    /// When it was received or handed to the gateway, Unix milliseconds.
    pub at_ms: i64,
    /// Where it stands.
    pub status: SmsStatus,
    /// Why sending failed, in the gateway's words.
    pub error: Option<String>,
}

/// A text message as read back from the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSms {
    /// The message as last recorded (with any later status update).
    pub record: SmsRecord,
    /// [`NumberPlan::normalize`] of the number; `None` for a sender name.
    pub number_normalized: Option<String>,
}

// ---- CDR import -------------------------------------------------------------

/// One call from the PBX's call detail records, converted by the connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedCall {
    /// The call. `call_id` should be the CDR's linkedid when it has one
    /// (that is what AMI recorded the call under), else its uniqueid.
    pub record: CallRecord,
    /// The recording file name the CDR gives, if any.
    pub recording_file: Option<String>,
    /// The CDR's `calldate` exactly as the PBX wrote it
    /// ("2026-11-23 09:15:02"); the import cursor keeps the latest.
    pub pbx_calldate: String,
}

/// How far one source's call records have been imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CdrCursor {
    /// The latest `calldate` imported, as the PBX wrote it. Ask the PBX for
    /// rows from this calldate on (inclusive: rows already imported are
    /// recognized and left alone).
    pub calldate: String,
    /// The uniqueid of the latest row imported at that calldate.
    pub uniqueid: String,
    /// When the cursor last moved, Unix milliseconds.
    pub updated_at_ms: i64,
}

/// Sent after each committed batch of a CDR import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CdrImportProgress {
    /// Rows handled and committed so far.
    pub done: usize,
    /// Rows in the whole import.
    pub total: usize,
}

/// What a CDR import did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CdrImportReport {
    /// Rows handled (`inserted + merged + skipped.len()`).
    pub total: usize,
    /// Calls that were not in the store, added with source `cdr`.
    pub inserted: usize,
    /// Rows matching a call already stored (recorded live, or imported
    /// before); they were not added again.
    pub merged: usize,
    /// Of the merged rows, how many gave a stored call the recording file
    /// it lacked.
    pub recordings_added: usize,
    /// Rows left out, with reasons (`line` is the row's 1-based position in
    /// the list handed to the import).
    pub skipped: Vec<SkippedRow>,
    /// The cursor after the import (`None` when nothing was imported ever).
    pub cursor: Option<CdrCursor>,
}
