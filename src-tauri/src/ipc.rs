//! The IPC contract between the Rust shell and the web UI, in one place:
//! event names, the payload structs of events and commands, and the one
//! error type every command returns. `docs/ipc-contract.md` is its human
//! summary; the TypeScript types in `ui/src/bindings/` are generated from
//! these types by `ts-rs` (`cargo test -p ringside`, test
//! `export_typescript_bindings`), never written by hand.
//!
//! This module holds no behaviour beyond conversions; it must not touch
//! windows, the PBX or the store. The call cards themselves
//! (`CardChange`, `CallCard`, and `Direction`/`Outcome`) are defined once in
//! `ringside-calls` and sent as the same JSON the CLI prints; their
//! TypeScript comes from that crate's `ts` feature, exported here too.

pub use ringside_calls::console::{Mailbox, ParkedCall, Queue};
pub use ringside_calls::recall::RecallOutput;
pub use ringside_directory::precedence::NameSource;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Tracker changes for the popup's cards, to the popup window: a
/// `ringside_calls::CardChange` (a new card, or a change to one it shows).
pub const EVENT_CARD: &str = "ringside://card";
/// The calls in flight changed, to the main window at most once a second:
/// `ringside_calls::CallCard[]`, the whole list (as `list_live_calls`).
pub const EVENT_LIVE_CALLS: &str = "ringside://live-calls";
/// History context for a caller, sent right after a popup: [`CallerContextEvent`].
pub const EVENT_CALLER_CONTEXT: &str = "ringside://caller-context";
/// Who a card's caller is and where the name came from: [`CallerIdentityEvent`].
/// Sent right after the history lookup, and again when the company directory
/// answers (within its deadline; never, if it does not).
pub const EVENT_CALLER_IDENTITY: &str = "ringside://caller-identity";
/// Every change of the PBX connection: [`ConnectionStatus`].
pub const EVENT_CONNECTION: &str = "ringside://connection";
/// Presence of the colleagues changed: `Colleague[]`.
pub const EVENT_PRESENCE: &str = "ringside://presence";
/// A call or note was recorded: [`HistoryChanged`].
pub const EVENT_HISTORY_CHANGED: &str = "ringside://history-changed";
/// The user must confirm a dial that did not come from a click in the app
/// (the clipboard hotkey, a `tel:`/`sip:` link): [`ConfirmDial`]. Sent to
/// the main window, which shows a confirmation and then calls `dial`.
pub const EVENT_CONFIRM_DIAL: &str = "ringside://confirm-dial";
/// The tray's "Quick dial…" was picked: [`HistoryChanged`]-like empty payload;
/// the main window focuses its dial box.
pub const EVENT_FOCUS_DIALER: &str = "ringside://focus-dialer";
/// A text message reached the GSM gateway: [`IncomingSmsEvent`]. The popup
/// shows a card for it (keyed `sms:<id>`); what history knows about the
/// sender follows as `ringside://caller-context` with that key as `call`.
pub const EVENT_SMS: &str = "ringside://sms";
/// A CDR import from the Elastix API committed a batch: [`ImportProgress`],
/// to the main window.
pub const EVENT_CDR_IMPORT: &str = "ringside://cdr-import";
/// The parked calls changed: every [`ParkedCall`] (coalesced).
pub const EVENT_PARKED: &str = "ringside://parked";
/// The watched queues changed: every [`Queue`] (coalesced).
pub const EVENT_QUEUES: &str = "ringside://queues";
/// A colleague's voicemail counts changed: every [`Mailbox`] (coalesced).
pub const EVENT_VOICEMAIL: &str = "ringside://voicemail";
/// The recall of a blind transfer decided something: a [`RecallOutput`],
/// to both windows (`recall`: "Back from 1002: not answered").
pub const EVENT_RECALL: &str = "ringside://recall";
/// What the console may offer changed (a new session, new rights): every
/// [`Offer`].
pub const EVENT_CONSOLE: &str = "ringside://console";

/// A stable, machine-readable error code; the UI may branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// A dial string or extension the PBX cannot dial.
    InvalidNumber,
    /// A command argument that is not acceptable (empty note, unknown call...).
    InvalidInput,
    /// No live AMI session.
    NotConnected,
    /// The PBX rejected the AMI user or secret.
    AuthFailed,
    /// The PBX answered an action with an error.
    PbxRefused,
    /// The PBX did not answer in time.
    Timeout,
    /// The call history database could not be used.
    StoreUnavailable,
    /// A setting failed validation; the message names the field.
    InvalidSetting,
    /// The OS keyring (Secret Service) could not be used.
    KeyringUnavailable,
    /// The call this command names is not live any more.
    UnknownCall,
    /// A file could not be read or written.
    Io,
    /// The PBX has no such thing: a recording that was deleted or never made,
    /// a parking space with no call, a phone with nothing ringing to pick up,
    /// a queue or queue member it does not know.
    NotFound,
}

/// The error every command returns: `{ code, message }`, where `message` is
/// a sentence a receptionist can act on (never a Rust debug dump).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    /// Stable code.
    pub code: ErrorCode,
    /// The failing crate's own finer word for it (`ringside_ami::Error::code`,
    /// `StoreError::code`, …: `action_failed`, `disk_full`), when a crate failed.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Plain-language explanation and what to do about it.
    pub message: String,
}

impl IpcError {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            reason: None,
            message: message.into(),
        }
    }

    /// The same error, naming the crate's own word for it.
    pub fn because(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }
}

/// What a command returns.
pub type IpcResult<T> = Result<T, IpcError>;

/// The connection states the UI distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionState {
    /// Connecting or logging in (also between reconnect attempts).
    Connecting,
    /// Logged in and receiving events.
    Connected,
    /// The PBX refused the AMI user or secret; no retry until settings change.
    AuthFailed,
    /// The PBX could not be reached (DNS, refused, timeout, TLS).
    Unreachable,
    /// The session ended (PBX went away, logoff, no PBX configured).
    Disconnected,
}

/// `ringside://connection` and `Status.connection`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionStatus {
    /// The state.
    pub state: ConnectionState,
    /// A plain sentence for the status line ("Connected to pbx.local:5038").
    pub message: String,
    /// The AMI version from the PBX banner, once connected.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// What `get_status` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The current connection.
    pub connection: ConnectionStatus,
    /// True when connected to the built-in demo PBX: the UI shows a banner.
    pub demo: bool,
    /// The extensions whose calls pop up.
    pub extensions: Vec<String>,
}

/// A colleague's presence as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PresenceState {
    /// Free.
    Idle,
    /// The phone rings.
    Ringing,
    /// On a call.
    InUse,
    /// Busy (DND or all lines busy).
    Busy,
    /// Has a call on hold.
    OnHold,
    /// Phone not registered.
    Unavailable,
    /// The PBX does not know this extension's hint.
    NotFound,
    /// On a call while another one rings.
    InUseRinging,
}

/// One entry of `ringside://presence` and `get_presence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Colleague {
    /// The extension number.
    pub extension: String,
    /// The name shown on the board (text, never HTML): the caller-ID name
    /// the PBX has for the phone, else the extension number.
    pub name: String,
    /// Presence.
    pub state: PresenceState,
    /// Who they are talking to, when known.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talking_to: Option<String>,
}

/// A note on a call or a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// The call it belongs to.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// The number it belongs to.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The text (shown as text).
    pub text: String,
    /// When it was written, Unix milliseconds.
    #[ts(type = "number")]
    pub created_at_ms: i64,
}

/// A contact of the local address book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Company, if any.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Phone numbers, normalized where possible.
    pub numbers: Vec<String>,
    /// E-mail, if any.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Saved in Ringside, or synced from a CardDAV address book (then
    /// read-only: it is changed in the address book).
    #[serde(default)]
    pub origin: ContactOrigin,
    /// For a synced contact, the address book's name: the card names it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_book: Option<String>,
}

/// Where a contact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ContactOrigin {
    /// Saved (typed or imported) in Ringside.
    #[default]
    Local,
    /// Synced from a CardDAV address book.
    AddressBook,
}

pub use ringside_calls::{Direction, Outcome};

/// One row of the call history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallRow {
    /// The PBX's call id (Linkedid).
    pub call_id: String,
    /// Which way it went.
    pub direction: Direction,
    /// The other party's number.
    pub remote_num: String,
    /// The other party's name as the PBX sent it (text, never HTML).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_name: Option<String>,
    /// The matching contact's name, if any.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    /// The DID, queue or ring group it came in on.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did: Option<String>,
    /// Who answered.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// When it started, Unix milliseconds.
    #[ts(type = "number")]
    pub started_at_ms: i64,
    /// Talk time, when answered.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talk_seconds: Option<i64>,
    /// True once a missed call was called back.
    pub called_back: bool,
    /// The PBX's recording of this call (from its CDR), if any.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_file: Option<String>,
    /// Where the row came from: "ami" (seen live) or "cdr" (imported).
    pub source: String,
    /// The caller's wait in a queue, when the call went through one: the
    /// missed list says "Gave up in queue sales after 1:10".
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<ringside_calls::QueueWait>,
    /// Notes on this call.
    pub notes: Vec<Note>,
}

/// What history knows about a caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallerContext {
    /// The matching contact.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// The last calls with this number, newest first.
    pub recent_calls: Vec<CallRow>,
    /// How many calls with this number today ("called 3 times today").
    pub calls_today: u32,
    /// The last text messages with this number, newest first.
    pub recent_sms: Vec<SmsRow>,
}

/// Which way a text message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SmsDirection {
    /// Received through the gateway.
    Incoming,
    /// Sent from Ringside through the gateway.
    Outgoing,
}

/// Where a text message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SmsStatus {
    /// An incoming text.
    Received,
    /// Handed to the gateway, no answer yet.
    Sending,
    /// The gateway took it.
    Sent,
    /// The gateway could not send it (`error` says why).
    Failed,
}

/// One text message, as the windows show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SmsRow {
    /// Stable id (the popup card's key is `sms:<id>`).
    pub id: String,
    /// Which way it went.
    pub direction: SmsDirection,
    /// The other party's number (or sender name) as the gateway gave it
    /// (text, never HTML).
    pub number: String,
    /// The GSM span (SIM) it went through.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<u32>,
    /// The message (text, never HTML).
    pub text: String,
    /// When it was received or sent, Unix ms.
    #[ts(type = "number")]
    pub at_ms: i64,
    /// Where it stands.
    pub status: SmsStatus,
    /// Why sending failed, in plain words.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `ringside://sms`: an incoming text message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IncomingSmsEvent {
    /// The popup card's key (`sms:<id>`), also the `call` of the caller
    /// context that follows and what `dismiss_popup` takes.
    pub key: String,
    /// The message.
    pub sms: SmsRow,
}

/// `ringside://caller-context`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallerContextEvent {
    /// The card's call id.
    pub call: String,
    /// What history knows.
    pub caller_context: CallerContext,
}

/// `ringside://caller-identity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdentityEvent {
    /// The card's call id.
    pub call: String,
    pub identity: CallerIdentity,
}

/// What a card shows about who is calling, decided by
/// `ringside_directory::precedence::identify`. Every field is text to show
/// as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdentity {
    /// The name to show, `None` for the number alone.
    pub name: Option<String>,
    /// Where the name came from; the card says so.
    pub source: Option<NameSource>,
    pub company: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    /// The directory's photo as a `data:image/…;base64,` URL.
    pub photo: Option<String>,
    /// Whether the directory is still being asked: the card may change once more.
    pub pending: bool,
}

/// `ringside://history-changed` and `ringside://focus-dialer` (no payload).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HistoryChanged {}

/// Where a dial that needs confirmation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DialSource {
    /// The global hotkey, with the clipboard's number.
    Hotkey,
    /// A `tel:` or `sip:` link.
    Link,
    /// "Recent calls" in the tray.
    Tray,
}

/// `ringside://confirm-dial`: ask the user before dialling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmDial {
    /// The number, already validated; pass it to `dial` unchanged.
    pub number: String,
    /// Where it came from.
    pub source: DialSource,
}

/// A page of the missed-call list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MissedPage {
    /// At most [`MISSED_PAGE_ROWS`] calls.
    pub rows: Vec<CallRow>,
    /// Whether older missed calls follow: ask again with the last row's
    /// `startedAtMs` and `callId`.
    pub older: bool,
}

/// Rows in a page of the missed-call list. The list is read a page at a
/// time so the window stays the same size however many calls were missed.
pub const MISSED_PAGE_ROWS: u32 = 100;

/// `search_history`'s query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct HistoryQuery {
    /// Free text: number, name, contact or note.
    #[ts(optional)]
    pub text: Option<String>,
    /// Only calls with this outcome.
    #[ts(optional)]
    pub outcome: Option<Outcome>,
    /// Calls started at or after, Unix ms.
    #[ts(optional, type = "number")]
    pub from_ms: Option<i64>,
    /// Calls started before, Unix ms.
    #[ts(optional, type = "number")]
    pub to_ms: Option<i64>,
    /// At most this many rows (default 200).
    #[ts(optional)]
    pub limit: Option<u32>,
}

/// A CSV line that `import_contacts` skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SkippedLine {
    /// 1-based line number in the file.
    pub line: u32,
    /// Why, in plain words.
    pub reason: String,
}

/// What `import_contacts` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Contacts added or updated.
    pub imported: u32,
    /// Lines not imported, with the reason.
    pub skipped: Vec<SkippedLine>,
}

/// The PBX families Ringside has profiles for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PbxProfile {
    /// Yeastar S-Series (`DLPN_DialPlan<ext>` context).
    YeastarS,
    /// Yeastar MyPBX (Asterisk 1.8, AMI 1.1).
    YeastarMyPbx,
    /// Grandstream UCM6xxx.
    GrandstreamUcm,
    /// FreePBX / Elastix (`from-internal`).
    FreePbx,
    /// OpenVox gateways.
    OpenVox,
    /// Plain Asterisk.
    GenericAsterisk,
}

/// Screen corner of the caller popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PopupPosition {
    /// Top left.
    TopLeft,
    /// Top right.
    TopRight,
    /// Bottom left.
    BottomLeft,
    /// Bottom right.
    BottomRight,
}

/// The user's settings. The AMI secret is never part of it: `set_secret`
/// puts it in the OS keyring and `hasSecret` only says whether one is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// PBX family (dial context, dialect quirks).
    pub profile: PbxProfile,
    /// PBX host name or IP; empty = no PBX configured (demo mode).
    pub host: String,
    /// AMI port (5038; Grandstream 7777).
    pub port: u16,
    /// AMI over TLS.
    pub tls: bool,
    /// SHA-256 fingerprint of the PBX's TLS certificate (hex, colons allowed),
    /// for self-signed PBX certificates.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_fingerprint: Option<String>,
    /// AMI user name.
    pub ami_user: String,
    /// True when the keyring holds a secret for this user and host (read only).
    #[serde(default)]
    pub has_secret: bool,
    /// My extension(s): their calls pop up and `dial` places calls from the first.
    pub extensions: Vec<String>,
    /// Ring groups and queues whose calls also pop up.
    pub watched_groups: Vec<String>,
    /// Country calling code without `+` ("1", "44").
    pub country_code: String,
    /// National trunk prefix ("0", "1" or empty).
    pub trunk_prefix: String,
    /// CRM search URL with `{number}`, http or https only; empty = none.
    pub crm_url_template: String,
    /// Screen corner of the popup.
    pub popup_position: PopupPosition,
    /// Seconds the popup stays after the call stops ringing; 0 = closes with it.
    pub popup_duration_secs: u32,
    /// Native desktop notification for a call or text, sent only when the
    /// popup is not on screen to say it (see `notifyWithPopup`).
    pub notifications: bool,
    /// Also send the desktop notification while the popup is on screen. Off
    /// by default: the two said the same thing and the notification covered
    /// the popup's caller number. Files saved before it existed read as off.
    #[serde(default)]
    pub notify_with_popup: bool,
    /// Start with the OS session.
    pub start_with_os: bool,
    /// The GSM span (SIM slot) texts are sent from on an OpenVox gateway.
    #[serde(default = "default_gsm_span")]
    pub gsm_span: u32,
    /// The Elastix / FreePBX HTTP API's address (`https://pbx/api/api.php`);
    /// empty = not used.
    #[serde(default)]
    pub elastix_url: String,
    /// SHA-256 fingerprint of the API's self-signed certificate, pinned.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elastix_fingerprint: Option<String>,
    /// True when the keyring holds an API token for `elastixUrl` (read only).
    #[serde(default)]
    pub has_api_token: bool,
    /// Seconds a caller she blind-transferred may ring a colleague before
    /// Ringside brings the call back to her phone; 0 = never.
    #[serde(default = "default_recall_after_secs")]
    pub recall_after_secs: u32,
    /// The queues the Queues panel shows; empty = every queue.
    #[serde(default)]
    pub watched_queues: Vec<String>,
    /// The company directory (LDAP / Active Directory) callers are looked up in.
    #[serde(default)]
    pub directory: DirectorySettings,
    /// True when the keyring holds the directory's bind password (read only).
    #[serde(default)]
    pub has_directory_password: bool,
    /// The CardDAV address book synced into the contacts.
    #[serde(default)]
    pub address_book: AddressBookSettings,
    /// True when the keyring holds the address book's password (read only).
    #[serde(default)]
    pub has_address_book_password: bool,
    /// Office mode: connect through the office gateway's broker instead of
    /// to the PBX.
    #[serde(default)]
    pub office: OfficeSettings,
    /// True when the keyring holds this desk's broker password (read only).
    #[serde(default)]
    pub has_broker_password: bool,
}

/// "Connect through the office gateway": the broker and this desk's user
/// on it. The password is never part of it: `set_broker_password` puts it
/// in the OS keyring.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct OfficeSettings {
    /// `mqtts://broker.office.lan:8883` (or `mqtt://` to a broker on this
    /// computer); empty = connect to the PBX directly.
    pub broker: String,
    /// This desk's broker user, as the gateway's configuration lists it.
    pub user: String,
    /// SHA-256 fingerprint of the broker's certificate, pinned (self-signed).
    pub fingerprint: Option<String>,
    /// A PEM file of the CA the broker's certificate must chain to; empty =
    /// the system's CAs.
    pub ca_file: String,
}

/// Where the company directory is and how to search it. The bind password
/// is never part of it: `set_directory_password` puts it in the OS keyring.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct DirectorySettings {
    /// `ldaps://host` or `ldap://host`; empty = no directory.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS.
    pub start_tls: bool,
    /// SHA-256 fingerprint of the server's certificate, pinned (self-signed).
    pub fingerprint: Option<String>,
    /// A PEM file of the CA the server's certificate must chain to; empty =
    /// the system's CAs.
    pub ca_file: String,
    /// The user to sign in as (a DN, or `user@domain` on Active Directory);
    /// empty = anonymous.
    pub bind_dn: String,
    /// Where to search, such as `ou=People,dc=example,dc=com`.
    pub base_dn: String,
    /// The search filter with `{number}` where the number's match goes;
    /// empty = the default for people.
    pub filter: String,
    /// The attributes that hold numbers; empty = `telephoneNumber`,
    /// `mobile`, `homePhone`, `ipPhone`, `otherTelephone`.
    pub attributes: Vec<String>,
}

/// Where the CardDAV address book is. The password is never part of it:
/// `set_address_book_password` puts it in the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct AddressBookSettings {
    /// The server (`https://cloud.example.com`), or the address book's own
    /// URL; empty = none.
    pub url: String,
    /// The user to sign in as.
    pub user: String,
    /// SHA-256 fingerprint of the server's certificate, pinned (self-signed).
    pub fingerprint: Option<String>,
    /// A PEM file of the CA the server's certificate must chain to; empty =
    /// the system's CAs.
    pub ca_file: String,
    /// Minutes between syncs (5 to 1440).
    pub sync_minutes: u32,
}

impl Default for AddressBookSettings {
    fn default() -> AddressBookSettings {
        AddressBookSettings {
            url: String::new(),
            user: String::new(),
            fingerprint: None,
            ca_file: String::new(),
            sync_minutes: 15,
        }
    }
}

fn default_recall_after_secs() -> u32 {
    20
}

/// What `test_directory` returns: every step passed, or the one that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryTestResult {
    /// Whether every step passed.
    pub ok: bool,
    /// The step that failed.
    pub step: Option<DirectoryStep>,
    /// Whether the connection is encrypted (`ldaps://` or StartTLS): a
    /// plain one sends the password in clear.
    pub encrypted: bool,
    /// Why the step failed, in plain words; empty when it passed.
    pub message: String,
}

/// The steps of "Test directory", in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DirectoryStep {
    /// Reach the server (its address and port).
    Reach,
    /// The secure connection (the certificate is checked).
    Tls,
    /// Sign in as the bind user.
    SignIn,
    /// One search under the base with the filter.
    Search,
}

/// What `sync_address_book` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AddressBookSyncResult {
    /// Whether the sync went through.
    pub ok: bool,
    /// Contacts added, changed and removed by this sync.
    pub added: u32,
    pub updated: u32,
    pub removed: u32,
    /// vCards the server sent that could not be read (skipped).
    pub skipped: u32,
    /// Why it failed, in plain words; empty when it went through.
    pub message: String,
}

/// What `test_api_connection` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ApiTestResult {
    /// Whether the API answered with the token.
    pub ok: bool,
    /// What happened, in plain words.
    pub message: String,
}

/// `ringside://cdr-import`: rows of the running import committed so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    /// Rows handled.
    pub done: u32,
    /// Rows in the whole import.
    pub total: u32,
}

/// What `import_cdr` returns: "imported N, merged M".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CdrImportSummary {
    /// Calls added to history.
    pub imported: u32,
    /// Calls history already had (recorded live or imported before).
    pub merged: u32,
    /// Of those, how many gained their recording.
    pub recordings_added: u32,
    /// Rows that could not be read.
    pub skipped: u32,
}

/// One live channel on the PBX, from the API's `activecall`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PbxChannel {
    /// Channel name (text).
    pub channel: String,
    /// `Up`, `Ring`, ...
    pub state: String,
    /// Caller ID number on the channel (text).
    pub caller_id: String,
    /// The extension it is at.
    pub extension: String,
    /// The running application.
    pub application: String,
    /// Seconds since it started.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u32>,
    /// The channel it is bridged to.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridged_to: Option<String>,
}

fn default_gsm_span() -> u32 {
    1
}

/// One step of `test_connection`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TestStep {
    /// "Reach the PBX", "TLS", "AMI banner", "Log in", "Permissions".
    pub name: String,
    /// Whether it worked.
    pub ok: bool,
    /// What happened, in plain words.
    pub message: String,
}

/// What `test_connection` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TestReport {
    /// The steps tried, in order; the first failing one is the last.
    pub steps: Vec<TestStep>,
}

/// An attendant-console action the UI offers as a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OfferAction {
    /// Pick up a colleague's ringing call.
    Pickup,
    /// Park a call.
    Park,
    /// Take a parked call back.
    Retrieve,
    /// Pause or unpause a queue member.
    QueuePause,
    /// Log a member in to or out of a queue.
    QueueMember,
    /// Send a caller to a colleague's voicemail.
    Voicemail,
}

impl OfferAction {
    /// The calls crate's name of the same action, whose rules decide it.
    pub fn console_action(self) -> ringside_calls::rights::ConsoleAction {
        use ringside_calls::rights::ConsoleAction as A;
        match self {
            Self::Pickup => A::Pickup,
            Self::Park => A::Park,
            Self::Retrieve => A::Retrieve,
            Self::QueuePause => A::QueuePause,
            Self::QueueMember => A::QueueMembers,
            Self::Voicemail => A::SendToVoicemail,
        }
    }

    /// Every action, in the order the UI lists them.
    pub const ALL: [OfferAction; 6] = [
        Self::Pickup,
        Self::Park,
        Self::Retrieve,
        Self::QueuePause,
        Self::QueueMember,
        Self::Voicemail,
    ];
}

/// Whether the console may offer an action, as the PBX profile and the AMI
/// user's rights say (`ringside_calls::rights::availability`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Offer {
    /// The action.
    pub action: OfferAction,
    /// True when the button works.
    pub allowed: bool,
    /// When it does not: why, in a sentence she can act on.
    pub why: Option<String>,
}

/// `get_console`: the attendant console as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConsoleState {
    /// The parked calls.
    pub parked: Vec<ParkedCall>,
    /// The watched queues.
    pub queues: Vec<Queue>,
    /// The colleagues' voicemail counts.
    pub voicemail: Vec<Mailbox>,
    /// What may be offered.
    pub offers: Vec<Offer>,
}

mod convert;

#[cfg(test)]
mod tests;
