//! How `ringside` prints card changes, the attendant console's changes, the
//! connection's state and presence: JSON lines (the serialized
//! `CardChange` and `ConsoleChange`, documented in README.md) or readable
//! text.

use ringside_calls::console::{wait_clock, ConsoleChange, ParkChange, ParkOutcome};
use ringside_calls::console::{QueueChange, QueueOutcome, VoicemailChange};
use ringside_calls::lines::{self, Link};
use ringside_calls::presence::Colleague;
use ringside_calls::tracker::{CallCard, CardChange, CloseReason, Party};
use ringside_calls::RecallOutput;
use ringside_calls::{CallRecord, Direction, Transfer};

/// Makes PBX-supplied text safe for a terminal: control characters (an
/// escape sequence in a caller name) are shown, not obeyed.
pub fn safe(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_debug().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn who(num: &str, name: Option<&str>) -> String {
    match name {
        Some(n) if !n.is_empty() => format!("{} <{}>", safe(n), safe(num)),
        _ => safe(num),
    }
}

/// One readable line: a popup's, an update's, a closed popup's or a
/// finished call's.
pub fn text(change: &CardChange) -> String {
    match change {
        CardChange::Popup {
            call,
            extension,
            caller_num,
            caller_name,
            direction,
            trunk,
            did,
            queue,
            transferred_by,
            consulting_for,
            park_return,
            park_slot,
            parked_by,
            ..
        } => format!(
            "RINGING   {} <- {} ({}){}{}{}  [call {}]",
            safe(extension),
            who(caller_num, caller_name.as_deref()),
            if *direction == Direction::Inbound {
                "outside call"
            } else {
                "internal"
            },
            consulting_note(consulting_for.as_ref()),
            park_return_note(*park_return, park_slot.as_deref(), parked_by.as_deref()),
            route_note(
                trunk.as_deref(),
                did.as_deref(),
                queue.as_deref(),
                transferred_by.as_deref()
            ),
            safe(call)
        ),
        CardChange::Update { call, card, .. } => update_text(call, card),
        CardChange::Close {
            call,
            extension,
            reason,
            answered_by,
            ..
        } => format!(
            "CLOSED    {}: {}  [call {}]",
            safe(extension),
            close_reason(*reason, answered_by.as_deref()),
            safe(call)
        ),
        CardChange::Ended {
            call,
            answered_by,
            missed,
            ended_offline,
            record,
            picked_up_by,
            ..
        } => call_end_text(
            call,
            record,
            answered_by.as_deref(),
            picked_up_by.as_deref(),
            *missed,
            *ended_offline,
        ),
    }
}

/// A consultation popup's note: who waits to be handed over.
fn consulting_note(consulting_for: Option<&Party>) -> String {
    match consulting_for {
        Some(w) => format!(
            ", consulting before handing over {}",
            who(&w.caller_num, w.caller_name.as_deref())
        ),
        None => String::new(),
    }
}

/// A parked call's return note: the space it waited in and who parked it.
fn park_return_note(park_return: bool, slot: Option<&str>, parked_by: Option<&str>) -> String {
    if !park_return {
        return String::new();
    }
    let mut s = format!(
        ", came back from parking space {}",
        safe(slot.unwrap_or("?"))
    );
    if let Some(b) = parked_by {
        s.push_str(&format!(" (parked by {})", safe(b)));
    }
    s
}

/// How a popup's call got here: trunk, DID, queue, transferring extension.
fn route_note(
    trunk: Option<&str>,
    did: Option<&str>,
    queue: Option<&str>,
    transferred_by: Option<&str>,
) -> String {
    let mut s = String::new();
    if let Some(t) = trunk {
        s.push_str(&format!(" via {}", safe(t)));
    }
    if let Some(d) = did {
        s.push_str(&format!(", dialled {}", safe(d)));
    }
    if let Some(q) = queue {
        s.push_str(&format!(", queue {}", safe(q)));
    }
    if let Some(b) = transferred_by {
        s.push_str(&format!(", transferred by {}", safe(b)));
    }
    s
}

/// Each transfer of a call, in order: `, transferred by A to B`.
fn transfers_note(transfers: &[Transfer]) -> String {
    transfers
        .iter()
        .map(|t| {
            format!(
                ", transferred by {} to {}",
                safe(t.by.as_deref().unwrap_or("?")),
                safe(&t.to)
            )
        })
        .collect()
}

/// An `UPDATE` line: the card's state and who is on it now.
fn update_text(call: &str, card: &CallCard) -> String {
    let state = format!("{:?}", card.state).to_lowercase();
    let mut s = format!("UPDATE    call {} is {state}", safe(call));
    if let Some(a) = &card.connected_to {
        s.push_str(&format!(", talking to {}", safe(a)));
    }
    if let Some(p) = &card.picked_up_by {
        s.push_str(&format!(", picked up by {}", safe(p)));
    }
    if let Some(p) = &card.parked {
        s.push_str(&format!(", parked in {}", safe(&p.slot)));
    }
    if let Some(c) = &card.consulting {
        s.push_str(&format!(", {} consulting {}", safe(&c.by), safe(&c.to)));
    }
    s.push_str(&transfers_note(&card.transfers));
    s
}

/// Why a popup closed, as a `CLOSED` line says it.
fn close_reason(reason: CloseReason, answered_by: Option<&str>) -> String {
    match reason {
        CloseReason::Answered => "answered here".to_owned(),
        CloseReason::AnsweredElsewhere => {
            format!(
                "answered by {}",
                safe(answered_by.unwrap_or("someone else"))
            )
        }
        CloseReason::Missed => "missed".to_owned(),
        CloseReason::Ended => "call ended".to_owned(),
        CloseReason::Transferred => "transferred away".to_owned(),
        CloseReason::ConsultationEnded => "consultation ended, not transferred".to_owned(),
    }
}

/// A `CALL END` line: the stored record's direction, far end and outcome,
/// then who answered, transfers and talk time.
fn call_end_text(
    call: &str,
    record: &CallRecord,
    answered_by: Option<&str>,
    picked_up_by: Option<&str>,
    missed: bool,
    ended_offline: bool,
) -> String {
    let mut s = format!(
        "CALL END  {} {} {}: {}",
        record.direction.as_str(),
        if record.direction == Direction::Outbound {
            "to"
        } else {
            "from"
        },
        who(&record.remote_num, record.remote_name.as_deref()),
        record.outcome.as_str()
    );
    if let Some(a) = answered_by {
        s.push_str(&format!(", answered by {}", safe(a)));
    }
    if picked_up_by.is_some() {
        s.push_str(" (picked up)");
    }
    if missed {
        s.push_str(", MISSED");
    }
    s.push_str(&transfers_note(&record.transfers));
    if ended_offline {
        s.push_str(" (ended while offline)");
    }
    if let Some(secs) = record.talk_seconds() {
        s.push_str(&format!(", talked {secs} s"));
    }
    s.push_str(&format!("  [call {}]", safe(call)));
    s
}

/// One readable line of a console change.
pub fn console_text(change: &ConsoleChange) -> String {
    match change {
        ConsoleChange::Park(p) => park_text(p),
        ConsoleChange::Queue(q) => queue_text(q),
        ConsoleChange::Voicemail(VoicemailChange::Voicemail {
            extension,
            new,
            old,
        }) => format!("VOICEMAIL {}: {new} new, {old} old", safe(extension)),
        ConsoleChange::Recall(r) => recall_text(r),
    }
}

/// `space 71 (lot default)`.
fn space(slot: &str, lot: Option<&str>) -> String {
    match lot {
        Some(l) => format!("space {} (lot {})", safe(slot), safe(l)),
        None => format!("space {}", safe(slot)),
    }
}

fn park_text(p: &ParkChange) -> String {
    match p {
        ParkChange::Parked {
            call,
            slot,
            lot,
            caller_num,
            caller_name,
            parked_by,
        } => format!(
            "PARKED    {}: {}{}  [call {}]",
            space(slot, lot.as_deref()),
            who(caller_num, caller_name.as_deref()),
            parked_by
                .as_deref()
                .map(|b| format!(", parked by {}", safe(b)))
                .unwrap_or_default(),
            safe(call)
        ),
        ParkChange::ParkEnd {
            call,
            slot,
            lot,
            end,
            retrieved_by,
            returned_to,
        } => {
            let how = match (end, retrieved_by, returned_to) {
                (ParkOutcome::Retrieved, Some(by), _) => format!("retrieved by {}", safe(by)),
                (ParkOutcome::Retrieved, None, _) => "retrieved".to_owned(),
                (ParkOutcome::Timeout, _, Some(to)) => {
                    format!("nobody retrieved it, ringing {} again", safe(to))
                }
                (ParkOutcome::Timeout, _, None) => "nobody retrieved it in time".to_owned(),
                (ParkOutcome::Hangup, _, _) => "the caller hung up".to_owned(),
            };
            format!(
                "UNPARKED  {}: {how}  [call {}]",
                space(slot, lot.as_deref()),
                safe(call)
            )
        }
    }
}

fn queue_text(q: &QueueChange) -> String {
    match q {
        QueueChange::QueueJoin {
            queue,
            call,
            caller_num,
            caller_name,
            position,
        } => format!(
            "QUEUE     {}: {} waiting, position {position}  [call {}]",
            safe(queue),
            who(caller_num, caller_name.as_deref()),
            safe(call)
        ),
        QueueChange::QueueLeave {
            queue,
            call,
            caller_num,
            end,
            answered_by,
            waited_ms,
        } => {
            let waited = wait_clock(*waited_ms);
            let how = match (end, answered_by) {
                (QueueOutcome::Answered, Some(by)) => {
                    format!("answered by {} after {waited}", safe(by))
                }
                (QueueOutcome::Answered, None) => format!("answered after {waited}"),
                (QueueOutcome::Abandoned, _) => format!("gave up after {waited}"),
                (QueueOutcome::Timeout, _) => format!("left the queue unanswered after {waited}"),
            };
            format!(
                "QUEUE     {}: {} {how}  [call {}]",
                safe(queue),
                safe(caller_num),
                safe(call)
            )
        }
    }
}

fn recall_text(r: &RecallOutput) -> String {
    let (call, line) = match r {
        RecallOutput::Redirect { call, from, to } => (
            call,
            format!(
                "{} did not answer: sending the caller back to {}",
                safe(from),
                safe(to)
            ),
        ),
        RecallOutput::Recalled { call, from, to } => (
            call,
            format!(
                "back from {}: not answered, ringing {} again",
                safe(from),
                safe(to)
            ),
        ),
        RecallOutput::Answered { call, by, .. } => (
            call,
            format!("answered by {} after all: the caller stays", safe(by)),
        ),
        RecallOutput::GaveUp { call, from, to } => (
            call,
            format!(
                "could not send the caller back from {} to {}: the caller stays with {}",
                safe(from),
                safe(to),
                safe(from)
            ),
        ),
    };
    format!("RECALL    {line}  [call {}]", safe(call))
}

/// One `connection` line: the JSON line ([`lines::connection`]) with
/// `json`, else `CONNECTED  <message>` and the like.
pub fn connection(link: Link, message: &str, json: bool) -> String {
    if json {
        lines::connection(link, message)
    } else {
        format!("{:<12} {}", link.name().to_uppercase(), safe(message))
    }
}

/// One colleague, as text.
pub fn colleague_text(c: &Colleague) -> String {
    let mut s = match &c.name {
        Some(name) => format!("{:<8} {} · {}", safe(&c.extension), safe(name), c.label),
        None => format!("{:<8} {}", safe(&c.extension), c.label),
    };
    if let Some(p) = c.talking_to_now() {
        s.push_str(&format!(" with {}", who(&p.num, p.name.as_deref())));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_lines() {
        assert_eq!(
            connection(
                Link::Disconnected,
                "The PBX at pbx.local:5038 closed\u{1b}[2J",
                false
            ),
            "DISCONNECTED The PBX at pbx.local:5038 closed\\u{1b}[2J",
            "readable text, with control characters shown rather than obeyed"
        );
        assert_eq!(
            connection(Link::Connected, "up", true),
            lines::connection(Link::Connected, "up"),
            "the JSON line is the calls crate's"
        );
    }
}
