//! The `cdrreport` command: the query it takes ([`CdrQuery`]) and the rows
//! it answers with ([`CdrRow`]), parsed from the response bytes in one pass
//! ([`parse_cdr_rows`]). No networking here.
//!
//! Parsing is forgiving about each field (numbers as numbers or strings,
//! `null`, missing fields) and strict about the whole: the answer must be a
//! JSON list of objects, each with a readable `calldate` and a `uniqueid`.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use crate::error::Result;
use crate::loose;
use crate::time::PbxDateTime;

/// Which calls `cdrreport` returns, by how they ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CdrStatus {
    /// Every call.
    #[default]
    All,
    /// Answered calls.
    Answered,
    /// Calls that met a busy line.
    Busy,
    /// Calls that failed.
    Failed,
    /// Calls nobody answered.
    NoAnswer,
}

impl CdrStatus {
    /// The value of the `status` parameter.
    pub fn as_param(self) -> &'static str {
        match self {
            Self::All => "ALL",
            Self::Answered => "ANSWERED",
            Self::Busy => "BUSY",
            Self::Failed => "FAILED",
            Self::NoAnswer => "NO ANSWER",
        }
    }
}

/// Which calls `cdrreport` returns, by whether they were recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RecordingFilter {
    /// Recorded or not.
    #[default]
    All,
    /// Only recorded calls.
    Only,
    /// Only calls without a recording.
    Without,
}

impl RecordingFilter {
    /// The value of the `recordings` parameter.
    pub fn as_param(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Only => "only",
            Self::Without => "without",
        }
    }
}

/// The CDR column `field_pattern` is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CdrField {
    /// The caller's number.
    Src,
    /// The dialled number.
    Dst,
    /// The calling channel.
    Channel,
    /// The called channel.
    DstChannel,
    /// The account code.
    AccountCode,
}

impl CdrField {
    /// The value of the `field_name` parameter.
    pub fn as_param(self) -> &'static str {
        match self {
            Self::Src => "src",
            Self::Dst => "dst",
            Self::Channel => "channel",
            Self::DstChannel => "dstchannel",
            Self::AccountCode => "accountcode",
        }
    }
}

/// The filters of a `cdrreport` request; the default asks for everything.
///
/// ```
/// use ringside_elastix::{CdrQuery, CdrStatus};
/// let q = CdrQuery {
///     start_date: Some("2017-12-05 00:00:00".parse()?),
///     status: CdrStatus::NoAnswer,
///     limit: Some(100),
///     ..CdrQuery::default()
/// };
/// assert!(q.form().contains(&("status", "NO ANSWER".to_owned())));
/// # Ok::<(), ringside_elastix::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CdrQuery {
    /// Calls from this PBX-local time onward (inclusive).
    pub start_date: Option<PbxDateTime>,
    /// Calls up to this PBX-local time (inclusive).
    pub end_date: Option<PbxDateTime>,
    /// Only calls that ended this way.
    pub status: CdrStatus,
    /// Only rows whose column matches the pattern (the PBX's own `LIKE`).
    pub field: Option<(CdrField, String)>,
    /// At most this many rows.
    pub limit: Option<u32>,
    /// Recorded calls, unrecorded calls, or both.
    pub recordings: RecordingFilter,
}

impl CdrQuery {
    /// The form parameters of this query, in the API document's order;
    /// unset filters are left out so the PBX applies its own defaults.
    pub fn form(&self) -> Vec<(&'static str, String)> {
        let mut f = Vec::new();
        if let Some(s) = self.start_date {
            f.push(("start_date", s.to_string()));
        }
        if let Some(e) = self.end_date {
            f.push(("end_date", e.to_string()));
        }
        if let Some((name, pattern)) = &self.field {
            f.push(("field_name", name.as_param().to_owned()));
            f.push(("field_pattern", pattern.clone()));
        }
        f.push(("status", self.status.as_param().to_owned()));
        if let Some(l) = self.limit {
            f.push(("limit", l.to_string()));
        }
        f.push(("recordings", self.recordings.as_param().to_owned()));
        f
    }
}

/// How a CDR row ended, as Asterisk's `disposition` column says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// `ANSWERED`.
    Answered,
    /// `NO ANSWER`.
    NoAnswer,
    /// `BUSY`.
    Busy,
    /// `FAILED`.
    Failed,
    /// `CONGESTION`.
    Congestion,
    /// Anything else, kept as sent.
    Other(String),
}

impl Disposition {
    /// Reads the column's text (case-insensitive).
    pub fn parse(s: &str) -> Self {
        let t = s.trim();
        if t.eq_ignore_ascii_case("ANSWERED") {
            Self::Answered
        } else if t.eq_ignore_ascii_case("NO ANSWER") {
            Self::NoAnswer
        } else if t.eq_ignore_ascii_case("BUSY") {
            Self::Busy
        } else if t.eq_ignore_ascii_case("FAILED") {
            Self::Failed
        } else if t.eq_ignore_ascii_case("CONGESTION") {
            Self::Congestion
        } else {
            Self::Other(t.to_owned())
        }
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Answered => "ANSWERED",
            Self::NoAnswer => "NO ANSWER",
            Self::Busy => "BUSY",
            Self::Failed => "FAILED",
            Self::Congestion => "CONGESTION",
            Self::Other(s) => s,
        })
    }
}

/// One row of Asterisk's CDR table, as `cdrreport` returns it. Every column
/// of the API document's example is here; text columns are empty when the
/// PBX sent nothing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CdrRow {
    /// When the call (this row's channel) started, PBX-local time.
    #[serde(deserialize_with = "calldate")]
    pub calldate: PbxDateTime,
    /// Caller ID as `"Name" <number>`.
    #[serde(default, deserialize_with = "loose::text")]
    pub clid: String,
    /// The caller's number.
    #[serde(default, deserialize_with = "loose::text")]
    pub src: String,
    /// The dialled extension or number (`s` for an IVR or announcement).
    #[serde(default, deserialize_with = "loose::text")]
    pub dst: String,
    /// The dialplan context the call ended up in (`from-internal`, `ivr-4`, `ext-queues`, ...).
    #[serde(default, deserialize_with = "loose::text")]
    pub dcontext: String,
    /// The calling channel (`SIP/902422277777-00000031`).
    #[serde(default, deserialize_with = "loose::text")]
    pub channel: String,
    /// The called channel, empty when nothing was dialled.
    #[serde(default, deserialize_with = "loose::text")]
    pub dstchannel: String,
    /// The last dialplan application (`Dial`, `Queue`, `VoiceMail`, ...).
    #[serde(default, deserialize_with = "loose::text")]
    pub lastapp: String,
    /// That application's arguments.
    #[serde(default, deserialize_with = "loose::text")]
    pub lastdata: String,
    /// Seconds from start to hang-up.
    #[serde(default, deserialize_with = "loose::count")]
    pub duration: u32,
    /// Seconds from answer to hang-up.
    #[serde(default, deserialize_with = "loose::count")]
    pub billsec: u32,
    /// How the row ended.
    #[serde(default = "no_disposition", deserialize_with = "disposition")]
    pub disposition: Disposition,
    /// Asterisk's AMA flags (3 = documentation).
    #[serde(default, deserialize_with = "loose::count")]
    pub amaflags: u32,
    /// The account code.
    #[serde(default, deserialize_with = "loose::text")]
    pub accountcode: String,
    /// The channel's unique id; rows of one call share it.
    #[serde(deserialize_with = "uniqueid")]
    pub uniqueid: String,
    /// Free text set by the dialplan.
    #[serde(default, deserialize_with = "loose::text")]
    pub userfield: String,
    /// The recording's file name (no folder), empty when not recorded.
    #[serde(default, deserialize_with = "loose::text")]
    pub recordingfile: String,
    /// Caller number (FreePBX).
    #[serde(default, deserialize_with = "loose::text")]
    pub cnum: String,
    /// Caller name (FreePBX).
    #[serde(default, deserialize_with = "loose::text")]
    pub cnam: String,
    /// Outbound caller number (FreePBX).
    #[serde(default, deserialize_with = "loose::text")]
    pub outbound_cnum: String,
    /// Outbound caller name (FreePBX).
    #[serde(default, deserialize_with = "loose::text")]
    pub outbound_cnam: String,
    /// Called party's name (FreePBX).
    #[serde(default, deserialize_with = "loose::text")]
    pub dst_cnam: String,
    /// The DID the call came in on.
    #[serde(default, deserialize_with = "loose::text")]
    pub did: String,
}

fn no_disposition() -> Disposition {
    Disposition::Other(String::new())
}

fn calldate<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<PbxDateTime, D::Error> {
    let t = loose::text(d)?;
    PbxDateTime::parse_bytes(t.trim().as_bytes()).ok_or_else(|| {
        de::Error::custom(format!(
            "calldate {t:?} is not a date and time like 2015-12-05 10:07:05"
        ))
    })
}

fn uniqueid<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    let t = loose::text(d)?;
    if t.trim().is_empty() {
        return Err(de::Error::custom("a row has an empty uniqueid"));
    }
    Ok(t)
}

fn disposition<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Disposition, D::Error> {
    Ok(Disposition::parse(&loose::text(d)?))
}

/// Parses a `cdrreport` answer: a JSON list of rows, in the PBX's order.
///
/// Errors say whether the text was cut off ([`Error::Truncated`]), is not
/// JSON at all ([`Error::NotJson`] for a web page) or has the wrong shape
/// ([`Error::UnexpectedResponse`], with the line and column).
pub fn parse_cdr_rows(body: &[u8]) -> Result<Vec<CdrRow>> {
    crate::response::decode_json("cdrreport", crate::response::NO_HOST, body)
}
