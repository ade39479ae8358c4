//! The popup lookup: everything shown when a number rings, gathered in one
//! read from the contacts, the call history, the notes and the texts. It is
//! the one query that spans all of them, so it sits above them rather than
//! in any one of them.

use std::path::Path;

use ringside_calls::NumberPlan;
use rusqlite::{params, Connection, OptionalExtension};

use crate::calls::{call_from_row, CALL_COLS};
use crate::contacts::get_contact;
use crate::error::{Result, SqlContext};
use crate::model::CallerContext;
use crate::notes::{notes_for_call, notes_for_number};
use crate::sms::thread_by_norm;

/// The popup lookup; see `HistoryStore::lookup_caller`.
pub(crate) fn lookup_caller(
    conn: &Connection,
    path: &Path,
    plan: &NumberPlan,
    number: &str,
    today_start_ms: i64,
    recent: u32,
) -> Result<CallerContext> {
    let Some(norm) = plan.normalize(number) else {
        return Ok(CallerContext::default());
    };
    let contact_id: Option<i64> = conn
        .prepare_cached(
            // A contact saved in Ringside wins over one synced from an
            // address book (the card's precedence); then the oldest.
            "SELECT n.contact_id FROM contact_numbers n JOIN contacts c ON c.id = n.contact_id
             WHERE n.norm = ?1 ORDER BY c.book_id IS NOT NULL, n.contact_id LIMIT 1",
        )
        .at(path)?
        .query_row([&norm], |r| r.get(0))
        .optional()
        .at(path)?;
    let contact = match contact_id {
        Some(id) => get_contact(conn, path, id)?,
        None => None,
    };
    let mut recent_calls = conn
        .prepare_cached(&format!(
            "SELECT {CALL_COLS} FROM calls c WHERE c.remote_norm = ?1 ORDER BY c.started_at_ms DESC LIMIT ?2"
        ))
        .at(path)?
        .query_map(params![norm, recent], call_from_row)
        .at(path)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .at(path)?;
    for call in &mut recent_calls {
        call.notes = notes_for_call(conn, &call.record.call_id).at(path)?;
    }
    let calls_today: u32 = conn
        .prepare_cached("SELECT count(*) FROM calls WHERE remote_norm = ?1 AND started_at_ms >= ?2")
        .at(path)?
        .query_row(params![norm, today_start_ms], |r| r.get(0))
        .at(path)?;
    let number_notes = notes_for_number(conn, path, &norm)?;
    let recent_sms = thread_by_norm(conn, path, &norm, recent)?;
    Ok(CallerContext {
        number: Some(norm),
        contact,
        recent_calls,
        calls_today,
        number_notes,
        recent_sms,
    })
}
