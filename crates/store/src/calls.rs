//! The call history in the synchronous repository: writing calls (from the
//! live tracker and from CDR imports) and reading them back, with the
//! called-back marks of missed calls kept up to date on every write. Runs
//! only on the store's own threads (see `store.rs`); knows nothing about
//! channels or async. Searching calls is `search.rs`'s.

use std::path::Path;

use ringside_calls::{CallRecord, Direction, NumberPlan, Outcome, QueueWait, Transfer};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

use crate::error::{Result, SqlContext};
use crate::model::{CallSource, CalledBack, MissedCursor, StoredCall, MISSED_OUTCOMES, MISSED_SQL};
use crate::notes::notes_for_call;

/// Columns of `calls` in the order [`call_from_row`] reads them.
pub(crate) const CALL_COLS: &str = "c.call_id, c.uniqueid, c.direction, c.remote_num, c.remote_name, c.from_extension, \
     c.trunk, c.did, c.rang, c.answered_by, c.transfers, c.outcome, c.started_at_ms, c.answered_at_ms, \
     c.ended_at_ms, c.ended_offline, c.remote_norm, c.called_back_at_ms, c.called_back_by, c.source, \
     c.recording_file, c.queue_wait";

fn json_err(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

pub(crate) fn call_from_row(row: &Row<'_>) -> rusqlite::Result<StoredCall> {
    let direction: String = row.get(2)?;
    let outcome: String = row.get(11)?;
    let rang: String = row.get(8)?;
    let transfers: String = row.get(10)?;
    let bad = |col: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            format!("unknown {what}").into(),
        )
    };
    let record = CallRecord {
        call_id: row.get(0)?,
        uniqueid: row.get(1)?,
        direction: Direction::parse(&direction).ok_or_else(|| bad(2, "direction"))?,
        remote_num: row.get(3)?,
        remote_name: row.get(4)?,
        from_extension: row.get(5)?,
        trunk: row.get(6)?,
        did: row.get(7)?,
        rang: serde_json::from_str::<Vec<String>>(&rang).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, e.into())
        })?,
        answered_by: row.get(9)?,
        transfers: serde_json::from_str::<Vec<Transfer>>(&transfers).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(10, rusqlite::types::Type::Text, e.into())
        })?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| bad(11, "outcome"))?,
        started_at_ms: row.get(12)?,
        answered_at_ms: row.get(13)?,
        ended_at_ms: row.get(14)?,
        ended_offline: row.get(15)?,
        queue: row
            .get::<_, Option<String>>(21)?
            .map(|q| serde_json::from_str::<QueueWait>(&q))
            .transpose()
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(21, rusqlite::types::Type::Text, e.into())
            })?,
    };
    let called_back = match (
        row.get::<_, Option<i64>>(17)?,
        row.get::<_, Option<String>>(18)?,
    ) {
        (Some(at_ms), Some(by_call_id)) => Some(CalledBack { at_ms, by_call_id }),
        _ => None,
    };
    let source: String = row.get(19)?;
    Ok(StoredCall {
        record,
        remote_normalized: row.get(16)?,
        called_back,
        notes: Vec::new(),
        recording_file: row.get(20)?,
        source: CallSource::parse(&source).ok_or_else(|| bad(19, "source"))?,
    })
}

/// Runs a query selecting [`CALL_COLS`] and reads every row.
pub(crate) fn collect_calls(
    conn: &Connection,
    path: &Path,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<StoredCall>> {
    conn.prepare_cached(sql)
        .at(path)?
        .query_map(args, call_from_row)
        .at(path)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .at(path)
}

fn is_missed(outcome: Outcome) -> bool {
    MISSED_OUTCOMES.contains(&outcome)
}

/// Upserts calls in one transaction; see `HistoryStore::record_calls`.
pub(crate) fn record_calls(
    conn: &mut Connection,
    path: &Path,
    plan: &NumberPlan,
    records: &[CallRecord],
) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    for rec in records {
        upsert_call(&tx, plan, rec, CallOrigin::AMI).at(path)?;
    }
    tx.commit().at(path)
}

/// Where a call being written comes from, and what only that origin knows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallOrigin<'a> {
    /// Stored in `calls.source` when the row is created; an update keeps
    /// the row's first source.
    pub source: CallSource,
    /// Stored when the row is created; an update keeps the stored one.
    pub recording_file: Option<&'a str>,
}

impl CallOrigin<'_> {
    /// A call from the live tracker.
    pub const AMI: CallOrigin<'static> = CallOrigin {
        source: CallSource::Ami,
        recording_file: None,
    };
}

/// Inserts a call, or updates the one with its `call_id`, and maintains the
/// called-back marks of missed calls from the same number.
pub(crate) fn upsert_call(
    tx: &Transaction<'_>,
    plan: &NumberPlan,
    rec: &CallRecord,
    origin: CallOrigin<'_>,
) -> rusqlite::Result<()> {
    let norm = plan.normalize(&rec.remote_num);
    let rang = serde_json::to_string(&rec.rang).map_err(json_err)?;
    let transfers = serde_json::to_string(&rec.transfers).map_err(json_err)?;
    let queue_wait = rec
        .queue
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(json_err)?;
    tx.prepare_cached(
        "INSERT INTO calls (call_id, uniqueid, direction, remote_num, remote_norm, remote_name, from_extension, \
             trunk, did, rang, answered_by, transfers, outcome, started_at_ms, answered_at_ms, ended_at_ms, ended_offline, \
             source, recording_file, queue_wait)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
         ON CONFLICT (call_id) DO UPDATE SET
             uniqueid = excluded.uniqueid, direction = excluded.direction, remote_num = excluded.remote_num,
             remote_norm = excluded.remote_norm, remote_name = excluded.remote_name,
             from_extension = excluded.from_extension, trunk = excluded.trunk, did = excluded.did,
             rang = excluded.rang, answered_by = excluded.answered_by, transfers = excluded.transfers,
             outcome = excluded.outcome, started_at_ms = excluded.started_at_ms,
             answered_at_ms = excluded.answered_at_ms, ended_at_ms = excluded.ended_at_ms,
             ended_offline = excluded.ended_offline,
             queue_wait = COALESCE(excluded.queue_wait, calls.queue_wait)",
    )?
    .execute(params![
        rec.call_id,
        rec.uniqueid,
        rec.direction.as_str(),
        rec.remote_num,
        norm,
        rec.remote_name,
        rec.from_extension,
        rec.trunk,
        rec.did,
        rang,
        rec.answered_by,
        transfers,
        rec.outcome.as_str(),
        rec.started_at_ms,
        rec.answered_at_ms,
        rec.ended_at_ms,
        rec.ended_offline,
        origin.source.as_str(),
        origin.recording_file,
        queue_wait,
    ])?;
    match norm {
        Some(norm) => update_called_back(tx, &norm, rec),
        None => Ok(()),
    }
}

/// Keeps the called-back marks right after `rec` (with number `norm`) was
/// written: an answered outbound call marks the earlier missed calls from
/// its number, and a missed call recorded late is marked by a call back
/// already stored.
fn update_called_back(tx: &Transaction<'_>, norm: &str, rec: &CallRecord) -> rusqlite::Result<()> {
    if rec.direction == Direction::Outbound && rec.outcome == Outcome::Answered {
        // This call reached the number: every earlier missed call from it is
        // now called back.
        tx.prepare_cached(&format!(
            "UPDATE calls SET called_back_at_ms = ?2, called_back_by = ?3
             WHERE remote_norm = ?1 AND outcome IN {MISSED_SQL} AND called_back_at_ms IS NULL
               AND started_at_ms <= ?2"
        ))?
        .execute(params![norm, rec.started_at_ms, rec.call_id])?;
    } else if is_missed(rec.outcome) {
        // Recorded late (after a resync): the call back may already be here.
        // Look first; rewriting the row only when one exists keeps the
        // common case (no call back yet) to one index probe.
        let back: Option<(i64, String)> = tx
            .prepare_cached(
                "SELECT o.started_at_ms, o.call_id FROM calls o INDEXED BY calls_by_number
                 WHERE o.remote_norm = ?1 AND o.started_at_ms >= ?2
                   AND o.direction = 'outbound' AND o.outcome = 'answered'
                 ORDER BY o.started_at_ms LIMIT 1",
            )?
            .query_row(params![norm, rec.started_at_ms], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((at, by)) = back {
            tx.prepare_cached(
                "UPDATE calls SET called_back_at_ms = ?2, called_back_by = ?3
                 WHERE call_id = ?1 AND called_back_at_ms IS NULL",
            )?
            .execute(params![rec.call_id, at, by])?;
        }
    }
    Ok(())
}

/// Marks one call as called back by hand; false when unknown or already marked.
pub(crate) fn mark_called_back(
    conn: &mut Connection,
    path: &Path,
    call_id: &str,
    at_ms: i64,
) -> Result<bool> {
    let n = conn
        .execute(
            "UPDATE calls SET called_back_at_ms = ?2, called_back_by = 'manual'
             WHERE call_id = ?1 AND called_back_at_ms IS NULL",
            params![call_id, at_ms],
        )
        .at(path)?;
    Ok(n > 0)
}

/// One call by id, with its notes.
pub(crate) fn get_call(
    conn: &Connection,
    path: &Path,
    call_id: &str,
) -> Result<Option<StoredCall>> {
    let call = conn
        .prepare_cached(&format!(
            "SELECT {CALL_COLS} FROM calls c WHERE c.call_id = ?1"
        ))
        .at(path)?
        .query_row([call_id], call_from_row)
        .optional()
        .at(path)?;
    match call {
        Some(mut call) => {
            call.notes = notes_for_call(conn, &call.record.call_id).at(path)?;
            Ok(Some(call))
        }
        None => Ok(None),
    }
}

/// Missed calls, newest first; see `HistoryStore::missed_calls`.
pub(crate) fn missed_calls(
    conn: &Connection,
    path: &Path,
    since_ms: i64,
    include_called_back: bool,
    before: Option<&MissedCursor>,
    limit: u32,
) -> Result<Vec<StoredCall>> {
    let filter = if include_called_back {
        ""
    } else {
        "AND c.called_back_at_ms IS NULL"
    };
    // Newest first with the call id breaking ties, so a page that ends
    // between two calls of the same millisecond goes on from the right one.
    let (cursor_ms, cursor_id) = before.map_or((i64::MAX, ""), |b| (b.started_at_ms, &*b.call_id));
    conn.prepare_cached(&format!(
        "SELECT {CALL_COLS} FROM calls c WHERE c.outcome IN {MISSED_SQL} AND c.started_at_ms >= ?1 {filter}
         AND (c.started_at_ms < ?3 OR (c.started_at_ms = ?3 AND c.call_id < ?4) OR ?5)
         ORDER BY c.started_at_ms DESC, c.call_id DESC LIMIT ?2"
    ))
    .at(path)?
    .query_map(
        params![since_ms, limit, cursor_ms, cursor_id, before.is_none()],
        call_from_row,
    )
    .at(path)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .at(path)
}

/// Counts calls (for tests, diagnostics and the settings page).
pub(crate) fn count_calls(conn: &Connection, path: &Path) -> Result<u64> {
    conn.query_row("SELECT count(*) FROM calls", [], |r| r.get(0))
        .at(path)
}
