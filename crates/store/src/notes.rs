//! Notes in the synchronous repository: timestamped notes on a call or on a
//! number (stored normalized, so any format of the number finds them).

use std::path::Path;

use ringside_calls::NumberPlan;
use rusqlite::{params, Connection, Row};

use crate::error::{Result, SqlContext, StoreError};
use crate::model::{Note, NoteTarget};

fn note_from_row(row: &Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        id: row.get(0)?,
        call_id: row.get(1)?,
        number: row.get(2)?,
        body: row.get(3)?,
        created_at_ms: row.get(4)?,
    })
}

/// Notes on one call, oldest first.
pub(crate) fn notes_for_call(conn: &Connection, call_id: &str) -> rusqlite::Result<Vec<Note>> {
    conn.prepare_cached(
        "SELECT id, call_id, number_norm, body, created_at_ms FROM notes WHERE call_id = ?1 ORDER BY created_at_ms, id",
    )?
    .query_map([call_id], note_from_row)?
    .collect()
}

/// Adds a note; see `HistoryStore::add_note`.
pub(crate) fn add_note(
    conn: &Connection,
    path: &Path,
    plan: &NumberPlan,
    target: &NoteTarget,
    body: &str,
    at_ms: i64,
) -> Result<Note> {
    if body.trim().is_empty() {
        return Err(StoreError::Invalid("A note cannot be empty.".into()));
    }
    let (call_id, number) = match target {
        NoteTarget::Call(id) => (Some(id.clone()), None),
        NoteTarget::Number(raw) => match plan.normalize(raw) {
            Some(n) => (None, Some(n)),
            None => {
                return Err(StoreError::Invalid(format!(
                    "\"{raw}\" is not a phone number."
                )))
            }
        },
    };
    conn.prepare_cached(
        "INSERT INTO notes (call_id, number_norm, body, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
    )
    .at(path)?
    .execute(params![call_id, number, body, at_ms])
    .at(path)?;
    Ok(Note {
        id: conn.last_insert_rowid(),
        call_id,
        number,
        body: body.to_owned(),
        created_at_ms: at_ms,
    })
}

/// Notes on a number (any format), newest first.
pub(crate) fn notes_for_number(conn: &Connection, path: &Path, norm: &str) -> Result<Vec<Note>> {
    conn.prepare_cached(
        "SELECT id, call_id, number_norm, body, created_at_ms FROM notes WHERE number_norm = ?1
         ORDER BY created_at_ms DESC, id DESC",
    )
    .at(path)?
    .query_map([norm], note_from_row)
    .at(path)?
    .collect::<rusqlite::Result<_>>()
    .at(path)
}

/// Deletes a note. Returns whether it existed.
pub(crate) fn delete_note(conn: &Connection, path: &Path, id: i64) -> Result<bool> {
    Ok(conn
        .execute("DELETE FROM notes WHERE id = ?1", [id])
        .at(path)?
        > 0)
}
