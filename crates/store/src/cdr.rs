//! The CDR-import part of the synchronous repository: one batch of calls
//! from the PBX's call detail records, deduplicated against the calls
//! already stored, written in one transaction together with the import
//! cursor that covers it. Runs only on the writer thread; how batches are
//! scheduled between other writes is `store.rs`'s business, and fetching
//! and converting CDR rows is the connector's.
//!
//! ## Matching
//! A CDR row is the call already stored when its uniqueid equals a stored
//! call's `uniqueid` or `call_id`, or its `call_id` equals a stored call's
//! `call_id`. A match is never inserted again: it only gives the stored call
//! the recording file it lacks. So re-importing rows changes nothing, and
//! several CDR rows of one call (one per leg, all with the same linkedid)
//! end up as one call.

use std::cmp::Ordering;
use std::path::Path;

use ringside_calls::NumberPlan;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::calls::{upsert_call, CallOrigin};
use crate::error::{Result, SqlContext};
use crate::model::{CallSource, CdrCursor, CdrImportReport, ImportedCall, SkippedRow};

/// Orders two CDR positions `(calldate, uniqueid)`: calldate as text (the
/// PBX writes "YYYY-MM-DD HH:MM:SS", which sorts as text), then uniqueid by
/// its numeric parts ("1700000000.10" after "1700000000.9"), as text when it
/// is not of that form.
fn compare_position(a: (&str, &str), b: (&str, &str)) -> Ordering {
    a.0.cmp(b.0).then_with(|| {
        let parts = |u: &str| {
            u.split('.')
                .map(|p| p.parse::<u64>().ok())
                .collect::<Option<Vec<u64>>>()
        };
        match (parts(a.1), parts(b.1)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => a.1.cmp(b.1),
        }
    })
}

/// The cursor of one source.
pub(crate) fn cursor(conn: &Connection, path: &Path, source: &str) -> Result<Option<CdrCursor>> {
    conn.prepare_cached(
        "SELECT last_calldate, last_uniqueid, updated_at_ms FROM cdr_cursors WHERE source = ?1",
    )
    .at(path)?
    .query_row([source], |r| {
        Ok(CdrCursor {
            calldate: r.get(0)?,
            uniqueid: r.get(1)?,
            updated_at_ms: r.get(2)?,
        })
    })
    .optional()
    .at(path)
}

/// Why a row cannot be imported, if it cannot.
fn refusal(row: &ImportedCall) -> Option<&'static str> {
    if row.record.call_id.trim().is_empty() {
        Some("the call record has no call id (linkedid or uniqueid)")
    } else {
        None
    }
}

/// One batch of an import.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CdrBatch<'a> {
    /// Whose cursor the batch moves (one PBX).
    pub source: &'a str,
    /// The rows of this batch.
    pub rows: &'a [ImportedCall],
    /// How many rows of the whole import came before this batch.
    pub first_line: usize,
    /// Stamped on the cursor.
    pub now_ms: i64,
}

/// Imports one batch in one transaction, moving its source's cursor past
/// the rows in the same transaction. Adds its counts to `report`; on error
/// nothing of this batch is written.
pub(crate) fn import_batch(
    conn: &mut Connection,
    path: &Path,
    plan: &NumberPlan,
    batch: CdrBatch<'_>,
    report: &mut CdrImportReport,
) -> Result<()> {
    let CdrBatch {
        source,
        rows,
        first_line,
        now_ms,
    } = batch;
    let mut counts = CdrImportReport::default();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let old = cursor(&tx, path, source)?;
    let mut newest: Option<(&str, &str)> = old
        .as_ref()
        .map(|c| (c.calldate.as_str(), c.uniqueid.as_str()));
    let mut moved = false;
    for (i, row) in rows.iter().enumerate() {
        let position = (row.pbx_calldate.as_str(), row.record.uniqueid.as_str());
        if !position.0.is_empty()
            && newest.is_none_or(|n| compare_position(position, n) == Ordering::Greater)
        {
            newest = Some(position);
            moved = true;
        }
        if let Some(reason) = refusal(row) {
            counts.skipped.push(SkippedRow {
                line: (first_line + i + 1) as u64,
                reason: reason.to_owned(),
            });
            continue;
        }
        write_row(&tx, path, plan, row, &mut counts)?;
    }
    if let (true, Some((calldate, uniqueid))) = (moved, newest) {
        tx.prepare_cached(
            "INSERT INTO cdr_cursors (source, last_calldate, last_uniqueid, updated_at_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (source) DO UPDATE SET last_calldate = excluded.last_calldate,
                 last_uniqueid = excluded.last_uniqueid, updated_at_ms = excluded.updated_at_ms",
        )
        .at(path)?
        .execute(params![source, calldate, uniqueid, now_ms])
        .at(path)?;
    }
    tx.commit().at(path)?;
    report.total += rows.len();
    report.inserted += counts.inserted;
    report.merged += counts.merged;
    report.recordings_added += counts.recordings_added;
    report.skipped.append(&mut counts.skipped);
    Ok(())
}

/// Writes one importable row: merged into the stored call it matches (see
/// the module docs), which only gains the recording file it lacks, or else
/// inserted as a call from the CDR. Counts it in `counts`.
fn write_row(
    tx: &Transaction<'_>,
    path: &Path,
    plan: &NumberPlan,
    row: &ImportedCall,
    counts: &mut CdrImportReport,
) -> Result<()> {
    let rec = &row.record;
    // NULL rather than '' so an empty uniqueid matches nothing.
    let uniqueid = Some(rec.uniqueid.as_str()).filter(|u| !u.is_empty());
    let recording = row
        .recording_file
        .as_deref()
        .filter(|f| !f.trim().is_empty());
    let existing: Option<(i64, Option<String>)> = tx
        .prepare_cached("SELECT id, recording_file FROM calls WHERE call_id = ?1 OR call_id = ?2 OR uniqueid = ?2 LIMIT 1")
        .at(path)?
        .query_row(params![rec.call_id, uniqueid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .at(path)?;
    match existing {
        Some((id, stored_file)) => {
            counts.merged += 1;
            if let (None, Some(file)) = (stored_file, recording) {
                tx.prepare_cached("UPDATE calls SET recording_file = ?2 WHERE id = ?1")
                    .at(path)?
                    .execute(params![id, file])
                    .at(path)?;
                counts.recordings_added += 1;
            }
        }
        None => {
            upsert_call(
                tx,
                plan,
                rec,
                CallOrigin {
                    source: CallSource::Cdr,
                    recording_file: recording,
                },
            )
            .at(path)?;
            counts.inserted += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_order_by_calldate_then_numeric_uniqueid() {
        let cmp = |a, b| compare_position(a, b);
        assert_eq!(
            cmp(
                ("2026-11-23 09:00:01", "1.1"),
                ("2026-11-23 09:00:00", "9.9")
            ),
            Ordering::Greater,
            "a later calldate wins whatever the uniqueid"
        );
        assert_eq!(
            cmp(
                ("2026-11-23 09:00:00", "1700000000.10"),
                ("2026-11-23 09:00:00", "1700000000.9")
            ),
            Ordering::Greater,
            "uniqueid sequence numbers compare as numbers, not text"
        );
        assert_eq!(
            cmp(
                ("2026-11-23 09:00:00", "b-leg"),
                ("2026-11-23 09:00:00", "a-leg")
            ),
            Ordering::Greater,
            "a uniqueid that is not numeric compares as text"
        );
        assert_eq!(
            cmp(("d", "1.2"), ("d", "1.2")),
            Ordering::Equal,
            "the same row is not newer than itself"
        );
    }
}
