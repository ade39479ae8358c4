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
        Self { label: None, number: number.to_owned(), normalized: None }
    }

    /// A number with a label.
    pub fn labeled(label: &str, number: &str) -> Self {
        Self { label: Some(label.to_owned()), number: number.to_owned(), normalized: None }
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
        Self { text: None, from_ms: None, until_ms: None, outcomes: Vec::new(), limit: 100 }
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
