//! CDR rows into [`ImportedCall`]s (a [`CallRecord`] plus its recording
//! file and PBX timestamp) for the history store: rows sharing a
//! `uniqueid` become one call; direction comes from the dialplan context and
//! the caller's number, the outcome from `disposition`, `billsec` and the
//! last application; the PBX's zone-less `calldate` becomes Unix time with a
//! [`UtcOffset`] the caller supplies. Pure functions, no I/O.

use std::collections::HashMap;

use ringside_calls::channel::{is_trunk_context, ChannelName};
use ringside_calls::number::callerid_name;
use ringside_calls::{CallRecord, Direction, Outcome};
use ringside_store::ImportedCall;

use crate::cdr::{CdrRow, Disposition};
use crate::time::UtcOffset;

/// The longest number still taken for an extension; longer ones are outside numbers.
const MAX_EXTENSION_DIGITS: usize = 6;

/// True for a number that looks like an office extension: 2 to 6 digits.
fn is_extension(n: &str) -> bool {
    (2..=MAX_EXTENSION_DIGITS).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit())
}

/// Contexts where calls from outside are handled: trunk and DID entry
/// points, IVRs, queues, ring groups and time conditions.
fn is_inbound_context(ctx: &str) -> bool {
    let starts = |p: &str| {
        ctx.len() >= p.len() && ctx.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
    };
    // Prefix checks first: they cover almost every row without allocating.
    starts("from-trunk")
        || starts("from-did")
        || starts("from-pstn")
        || starts("ivr")
        || starts("ext-queues")
        || starts("ext-group")
        || starts("timeconditions")
        || starts("app-announcement")
        || (!starts("from-internal") && is_trunk_context(ctx))
}

/// The extension behind a phone channel (`SIP/101-00000033` → `101`,
/// `Local/100@from-queue-…;2` → `100`), if it is one.
fn extension_of(channel: &str) -> Option<&str> {
    let c = ChannelName::parse(channel)?;
    let ext = match c.local_target() {
        Some((ext, _)) => ext,
        None => c.endpoint,
    };
    is_extension(ext).then_some(ext)
}

/// The trunk behind a channel: a non-Local channel whose endpoint is not an extension.
fn trunk_of(channel: &str) -> Option<String> {
    let c = ChannelName::parse(channel)?;
    (!c.is_local() && !is_extension(c.endpoint)).then(|| c.endpoint.to_owned())
}

fn answered(row: &CdrRow) -> bool {
    row.disposition == Disposition::Answered && row.billsec > 0 && !row.dstchannel.is_empty()
}

fn nonempty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Turns CDR rows into calls for [`ringside_store::HistoryStore::import_cdr`],
/// one per `uniqueid`, in the order each call's first row came. Each keeps
/// the recording's file name (`recordingfile`, no folder) and the first
/// row's `calldate` text, which together rebuild the recording's download
/// name ([`crate::RecordingName::for_call`]) and which the store's import
/// cursor records. `offset` is the PBX's offset from UTC, needed because
/// `calldate` carries no zone.
///
/// Imported calls are marked `ended_offline`: Ringside learned of them from
/// the PBX's history, not by watching them.
///
/// ```
/// use ringside_elastix::{calls_from_cdr, cdr::parse_cdr_rows, UtcOffset};
/// let rows = parse_cdr_rows(br#"[{"calldate":"2015-12-05 15:26:49","src":"05396666666","dst":"101",
///   "dcontext":"from-did-direct","channel":"SIP/902422277777-00000032","dstchannel":"SIP/101-00000033",
///   "duration":"53","billsec":"26","disposition":"ANSWERED","uniqueid":"1449322009.66","did":"902422277777"}]"#)?;
/// let calls = calls_from_cdr(&rows, UtcOffset::from_minutes(120));
/// assert_eq!(calls[0].record.answered_by.as_deref(), Some("101"));
/// # Ok::<(), ringside_elastix::Error>(())
/// ```
pub fn calls_from_cdr(rows: &[CdrRow], offset: UtcOffset) -> Vec<ImportedCall> {
    let mut order: Vec<Vec<&CdrRow>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    for row in rows {
        match index.get(row.uniqueid.as_str()) {
            Some(&i) => order[i].push(row),
            None => {
                index.insert(row.uniqueid.as_str(), order.len());
                order.push(vec![row]);
            }
        }
    }
    order
        .into_iter()
        .map(|group| call_from_rows(&group, offset))
        .collect()
}

/// One call from the rows that share its uniqueid (at least one).
fn call_from_rows(rows: &[&CdrRow], offset: UtcOffset) -> ImportedCall {
    // The earliest row opens the call; the PBX usually sends them in order,
    // but a report sorted by another column must not change the result.
    let first = rows
        .iter()
        .copied()
        .min_by_key(|r| r.calldate)
        .unwrap_or(rows[0]);
    let started_at_ms = first.calldate.to_unix_ms(offset);
    let direction = direction_of(rows, first);
    let rang = rang_extensions(rows, first, direction);

    let answering = rows.iter().copied().find(|r| answered(r));
    let ended_at_ms = rows
        .iter()
        .map(|r| r.calldate.to_unix_ms(offset) + i64::from(r.duration) * 1000)
        .max()
        .unwrap_or(started_at_ms);
    let answered_at_ms = answering.map(|r| {
        r.calldate.to_unix_ms(offset) + i64::from(r.duration.saturating_sub(r.billsec)) * 1000
    });
    let answered_by = answered_by(first, direction, answering);
    let outcome = outcome_of(rows, direction, answered_by.is_some(), !rang.is_empty());
    let (remote_num, from_extension, trunk) = parties(rows, first, direction);

    let record = CallRecord {
        call_id: first.uniqueid.clone(),
        uniqueid: first.uniqueid.clone(),
        direction,
        remote_num,
        remote_name: remote_name(first, direction),
        from_extension,
        trunk,
        did: rows.iter().find_map(|r| nonempty(&r.did)),
        rang,
        answered_by,
        transfers: Vec::new(),
        outcome,
        started_at_ms,
        answered_at_ms,
        ended_at_ms,
        ended_offline: true,
        queue: None,
    };
    ImportedCall {
        record,
        recording_file: rows.iter().find_map(|r| nonempty(&r.recordingfile)),
        pbx_calldate: first.calldate.to_string(),
    }
}

/// Inbound when it entered through an inbound context or came from an
/// outside number; outbound when it left on a trunk or dialled an outside
/// number; else internal.
fn direction_of(rows: &[&CdrRow], first: &CdrRow) -> Direction {
    if is_inbound_context(&first.dcontext) || !is_extension(&first.src) {
        Direction::Inbound
    } else if rows.iter().any(|r| trunk_of(&r.dstchannel).is_some())
        || !is_extension(&first.dst) && first.dst != "s"
    {
        Direction::Outbound
    } else {
        Direction::Internal
    }
}

/// The extensions the call rang, in order, each once; for a call that rang
/// no phone channel but reached an extension, that extension.
fn rang_extensions(rows: &[&CdrRow], first: &CdrRow, direction: Direction) -> Vec<String> {
    let mut rang: Vec<String> = Vec::new();
    for r in rows {
        if let Some(ext) = extension_of(&r.dstchannel) {
            if !rang.iter().any(|e| e == ext) {
                rang.push(ext.to_owned());
            }
        }
    }
    if rang.is_empty()
        && direction != Direction::Outbound
        && is_extension(&first.dst)
        && !first.dstchannel.is_empty()
    {
        rang.push(first.dst.clone());
    }
    rang
}

/// Who answered, given the answered row if any: the caller's extension for
/// an outbound call (the far end answered it), else the answering phone.
fn answered_by(first: &CdrRow, direction: Direction, answering: Option<&CdrRow>) -> Option<String> {
    match (direction, answering) {
        (_, None) => None,
        (Direction::Outbound, Some(_)) => Some(first.src.clone()),
        (_, Some(r)) => extension_of(&r.dstchannel)
            .map(str::to_owned)
            .or_else(|| nonempty(&r.dst)),
    }
}

/// The outcome: answered, else voicemail, else what an unanswered call of
/// this direction counts as (abandoned in a queue, missed when it rang).
fn outcome_of(rows: &[&CdrRow], direction: Direction, answered: bool, rang: bool) -> Outcome {
    let went_to_voicemail = rows
        .iter()
        .any(|r| r.lastapp.eq_ignore_ascii_case("VoiceMail"));
    let queued = rows
        .iter()
        .any(|r| r.lastapp.eq_ignore_ascii_case("Queue") || r.dcontext.starts_with("ext-queues"));
    if answered {
        Outcome::Answered
    } else if went_to_voicemail {
        Outcome::Voicemail
    } else if direction == Direction::Outbound {
        Outcome::Unanswered
    } else if queued {
        Outcome::Abandoned
    } else if rang {
        Outcome::Missed
    } else {
        Outcome::Unanswered
    }
}

/// The far end's number, the office extension the call was made from (not
/// for inbound calls) and the trunk it used.
fn parties(
    rows: &[&CdrRow],
    first: &CdrRow,
    direction: Direction,
) -> (String, Option<String>, Option<String>) {
    match direction {
        Direction::Inbound => (
            first.src.clone(),
            None,
            rows.iter().find_map(|r| trunk_of(&r.channel)),
        ),
        Direction::Outbound => (
            first.dst.clone(),
            Some(first.src.clone()),
            rows.iter().find_map(|r| trunk_of(&r.dstchannel)),
        ),
        Direction::Internal => (first.src.clone(), Some(first.src.clone()), None),
    }
}

/// The far end's name: the dialled number's CNAM for an outbound call,
/// else the caller ID's name (or a CNAM that is not just the number).
fn remote_name(first: &CdrRow, direction: Direction) -> Option<String> {
    match direction {
        Direction::Outbound => nonempty(&first.dst_cnam),
        _ => callerid_name(&first.clid, &first.src)
            .or_else(|| nonempty(&first.cnam).filter(|n| *n != first.src)),
    }
}
