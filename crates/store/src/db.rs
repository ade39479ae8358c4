//! The synchronous repository: every query and write, as functions over a
//! `rusqlite::Connection`. Runs only on the store's own threads (see
//! `store.rs`); knows nothing about channels or async.

use std::collections::BTreeMap;
use std::path::Path;

use ringside_calls::{CallRecord, Direction, NumberPlan, Outcome, Transfer};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

use crate::error::{Result, SqlContext, StoreError};
use crate::model::{
    normalize_numbers, CallQuery, CallSource, CalledBack, CallerContext, Contact, ContactFields,
    ContactNumber, ImportReport, Note, NoteTarget, Retention, StoredCall, MISSED_OUTCOMES,
    MISSED_SQL,
};
use crate::sql::{escape_like, number_match};
use crate::text::{fold, fts_phrase, is_number_like, trigram_usable};

/// Columns of `calls` in the order [`call_from_row`] reads them.
const CALL_COLS: &str = "c.call_id, c.uniqueid, c.direction, c.remote_num, c.remote_name, c.from_extension, \
     c.trunk, c.did, c.rang, c.answered_by, c.transfers, c.outcome, c.started_at_ms, c.answered_at_ms, \
     c.ended_at_ms, c.ended_offline, c.remote_norm, c.called_back_at_ms, c.called_back_by, c.source, \
     c.recording_file";

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
    tx.prepare_cached(
        "INSERT INTO calls (call_id, uniqueid, direction, remote_num, remote_norm, remote_name, from_extension, \
             trunk, did, rang, answered_by, transfers, outcome, started_at_ms, answered_at_ms, ended_at_ms, ended_offline, \
             source, recording_file)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
         ON CONFLICT (call_id) DO UPDATE SET
             uniqueid = excluded.uniqueid, direction = excluded.direction, remote_num = excluded.remote_num,
             remote_norm = excluded.remote_norm, remote_name = excluded.remote_name,
             from_extension = excluded.from_extension, trunk = excluded.trunk, did = excluded.did,
             rang = excluded.rang, answered_by = excluded.answered_by, transfers = excluded.transfers,
             outcome = excluded.outcome, started_at_ms = excluded.started_at_ms,
             answered_at_ms = excluded.answered_at_ms, ended_at_ms = excluded.ended_at_ms,
             ended_offline = excluded.ended_offline",
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
    ])?;
    let Some(norm) = norm else { return Ok(()) };
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

/// Adds up to `chunk` not-yet-indexed calls to the search index in one
/// transaction. Returns how many were indexed (0: the index is complete).
pub(crate) fn index_calls_step(conn: &mut Connection, path: &Path, chunk: u32) -> Result<usize> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let upto: i64 = tx
        .query_row("SELECT calls_indexed_upto FROM search_state", [], |r| {
            r.get(0)
        })
        .at(path)?;
    let last: Option<i64> = tx
        .query_row(
            "SELECT max(id) FROM (SELECT id FROM calls WHERE id > ?1 ORDER BY id LIMIT ?2)",
            params![upto, chunk],
            |r| r.get(0),
        )
        .at(path)?;
    let Some(last) = last else { return Ok(0) };
    let n = tx
        .prepare_cached(
            "INSERT INTO calls_fts (rowid, num, name)
             SELECT id, '^' || ltrim(coalesce(remote_norm, ''), '+'), ringside_fold(remote_name)
             FROM calls WHERE id > ?1 AND id <= ?2",
        )
        .at(path)?
        .execute(params![upto, last])
        .at(path)?;
    tx.execute("UPDATE search_state SET calls_indexed_upto = ?1", [last])
        .at(path)?;
    tx.commit().at(path)?;
    Ok(n)
}

/// The id up to which calls are in the search index. Read separately and
/// bound as a value: as a subquery, the planner walked `calls_by_start`
/// instead of the rowid range and scanned every call.
fn indexed_upto(conn: &Connection, path: &Path) -> Result<i64> {
    conn.prepare_cached("SELECT calls_indexed_upto FROM search_state")
        .at(path)?
        .query_row([], |r| r.get(0))
        .at(path)
}

/// An upper bound of the unindexed calls, in O(1): max(rowid) is one
/// b-tree descent.
pub(crate) fn unindexed_tail(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT coalesce((SELECT max(id) FROM calls), 0) - (SELECT calls_indexed_upto FROM search_state)",
    )?
    .query_row([], |r| r.get(0))
}

/// How many calls are not in the search index yet.
pub(crate) fn unindexed_calls(conn: &Connection, path: &Path) -> Result<u64> {
    conn.prepare_cached(
        "SELECT count(*) FROM calls WHERE id > (SELECT calls_indexed_upto FROM search_state)",
    )
    .at(path)?
    .query_row([], |r| r.get(0))
    .at(path)
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

fn note_from_row(row: &Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        id: row.get(0)?,
        call_id: row.get(1)?,
        number: row.get(2)?,
        body: row.get(3)?,
        created_at_ms: row.get(4)?,
    })
}

fn notes_for_call(conn: &Connection, call_id: &str) -> rusqlite::Result<Vec<Note>> {
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
            "SELECT contact_id FROM contact_numbers WHERE norm = ?1 ORDER BY contact_id LIMIT 1",
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
    let recent_sms = crate::sms::thread_by_norm(conn, path, &norm, recent)?;
    Ok(CallerContext {
        number: Some(norm),
        contact,
        recent_calls,
        calls_today,
        number_notes,
        recent_sms,
    })
}

/// The contact name for each of `numbers` that a contact has, keyed by the
/// number as given; see `HistoryStore::contact_names`.
pub(crate) fn contact_names(
    conn: &Connection,
    path: &Path,
    plan: &NumberPlan,
    numbers: &[String],
) -> Result<BTreeMap<String, String>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT c.name FROM contact_numbers n JOIN contacts c ON c.id = n.contact_id
             WHERE n.norm = ?1 ORDER BY n.contact_id LIMIT 1",
        )
        .at(path)?;
    let mut out = BTreeMap::new();
    for raw in numbers {
        let Some(norm) = plan.normalize(raw) else {
            continue;
        };
        if let Some(name) = stmt
            .query_row([&norm], |r| r.get::<_, String>(0))
            .optional()
            .at(path)?
        {
            out.insert(raw.clone(), name);
        }
    }
    Ok(out)
}

/// Missed calls, newest first; see `HistoryStore::missed_calls`.
pub(crate) fn missed_calls(
    conn: &Connection,
    path: &Path,
    since_ms: i64,
    include_called_back: bool,
    limit: u32,
) -> Result<Vec<StoredCall>> {
    let filter = if include_called_back {
        ""
    } else {
        "AND c.called_back_at_ms IS NULL"
    };
    conn.prepare_cached(&format!(
        "SELECT {CALL_COLS} FROM calls c WHERE c.outcome IN {MISSED_SQL} AND c.started_at_ms >= ?1 {filter}
         ORDER BY c.started_at_ms DESC LIMIT ?2"
    ))
    .at(path)?
    .query_map(params![since_ms, limit], call_from_row)
    .at(path)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .at(path)
}

/// Searches calls; see `HistoryStore::search_calls`.
pub(crate) fn search_calls(
    conn: &Connection,
    path: &Path,
    plan: &NumberPlan,
    q: &CallQuery,
) -> Result<Vec<StoredCall>> {
    let mut filters = String::new();
    if !q.outcomes.is_empty() {
        let list: Vec<String> = q
            .outcomes
            .iter()
            .map(|o| format!("'{}'", o.as_str()))
            .collect();
        filters.push_str(&format!(" AND c.outcome IN ({})", list.join(", ")));
    }
    let from = q.from_ms.unwrap_or(i64::MIN);
    let until = q.until_ms.unwrap_or(i64::MAX);
    filters.push_str(" AND c.started_at_ms >= ?2 AND c.started_at_ms < ?3");
    let limit = i64::from(q.limit.max(1));
    let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let Some(text) = text else {
        let sql = format!(
            "SELECT {CALL_COLS} FROM calls c WHERE ?1 IS NULL {filters} ORDER BY c.started_at_ms DESC LIMIT ?4"
        );
        return collect_calls(
            conn,
            path,
            &sql,
            params![Option::<String>::None, from, until, limit],
        );
    };
    let mut found;
    if is_number_like(text) {
        found = Vec::new();
        let Some(frag) = plan.digits_fragment(text) else {
            return Ok(found);
        };
        // A fragment typed like the start of a number ("020 7946", "+44 20")
        // means the start: matching it anywhere as well would only add
        // accidental hits, at the price of a trigram scan over the digits
        // that every number shares.
        let anchored = frag.leading.is_some() && frag.anywhere.len() >= 4;
        if trigram_usable(&frag.anywhere) && !anchored {
            let sql = format!(
                "SELECT {CALL_COLS} FROM calls_fts f JOIN calls c ON c.id = f.rowid
                 WHERE calls_fts MATCH ?1 {filters} ORDER BY f.rowid DESC LIMIT ?4"
            );
            let m = format!("num : {}", fts_phrase(&frag.anywhere));
            found.extend(collect_calls(
                conn,
                path,
                &sql,
                params![m, from, until, limit],
            )?);
            let tail = format!(
                "SELECT {CALL_COLS} FROM calls c NOT INDEXED WHERE c.id > ?5
                 AND instr(c.remote_norm, ?1) > 0 {filters} ORDER BY c.id DESC LIMIT ?4"
            );
            let upto = indexed_upto(conn, path)?;
            found.extend(collect_calls(
                conn,
                path,
                &tail,
                params![frag.anywhere, from, until, limit, upto],
            )?);
        } else if frag.leading.is_none() {
            // One or two digits: too short for the index, scan.
            let sql = format!(
                "SELECT {CALL_COLS} FROM calls c WHERE instr(c.remote_norm, ?1) > 0 {filters}
                 ORDER BY c.id DESC LIMIT ?4"
            );
            found.extend(collect_calls(
                conn,
                path,
                &sql,
                params![frag.anywhere, from, until, limit],
            )?);
        }
        if let Some(leading) = frag.leading.filter(|l| !l.is_empty()) {
            found.extend(calls_with_prefix(
                conn, path, &leading, &filters, from, until, limit,
            )?);
        }
    } else {
        let folded = fold(text);
        let (name_sql, note_sql) = if trigram_usable(&folded) {
            (
                format!(
                    "SELECT {CALL_COLS} FROM calls_fts f JOIN calls c ON c.id = f.rowid
                     WHERE calls_fts MATCH 'name : ' || ?1 {filters} ORDER BY f.rowid DESC LIMIT ?4"
                ),
                format!(
                    "SELECT {CALL_COLS} FROM notes_fts nf JOIN notes n ON n.id = nf.rowid JOIN calls c ON c.call_id = n.call_id
                     WHERE notes_fts MATCH ?1 {filters} ORDER BY nf.rowid DESC LIMIT ?4"
                ),
            )
        } else {
            (
                format!(
                    "SELECT {CALL_COLS} FROM calls_fts f JOIN calls c ON c.id = f.rowid
                     WHERE f.name LIKE '%' || ?1 || '%' {filters} ORDER BY f.rowid DESC LIMIT ?4"
                ),
                format!(
                    "SELECT {CALL_COLS} FROM notes_fts nf JOIN notes n ON n.id = nf.rowid JOIN calls c ON c.call_id = n.call_id
                     WHERE nf.body LIKE '%' || ?1 || '%' {filters} ORDER BY nf.rowid DESC LIMIT ?4"
                ),
            )
        };
        let arg = if trigram_usable(&folded) {
            fts_phrase(&folded)
        } else {
            escape_like(&folded)
        };
        found = collect_calls(conn, path, &name_sql, params![arg, from, until, limit])?;
        let tail = format!(
            "SELECT {CALL_COLS} FROM calls c NOT INDEXED WHERE c.id > ?5
             AND instr(ringside_fold(c.remote_name), ?1) > 0 {filters} ORDER BY c.id DESC LIMIT ?4"
        );
        let upto = indexed_upto(conn, path)?;
        found.extend(collect_calls(
            conn,
            path,
            &tail,
            params![folded, from, until, limit, upto],
        )?);
        found.extend(collect_calls(
            conn,
            path,
            &note_sql,
            params![arg, from, until, limit],
        )?);
    }
    found.sort_by(|a, b| {
        b.record
            .started_at_ms
            .cmp(&a.record.started_at_ms)
            .then_with(|| a.record.call_id.cmp(&b.record.call_id))
    });
    found.dedup_by(|a, b| a.record.call_id == b.record.call_id);
    found.truncate(limit as usize);
    Ok(found)
}

/// Calls whose normalized number starts with `+leading` (a fragment typed
/// in national or international form). A range on `calls_by_number` is
/// exact but costs one row per match; a walk down `calls_by_start` costs
/// `limit / selectivity` rows. A bounded count picks the cheaper one, so
/// neither "020 7946 0" nor "020" scans a million rows.
fn calls_with_prefix(
    conn: &Connection,
    path: &Path,
    leading: &str,
    filters: &str,
    from: i64,
    until: i64,
    limit: i64,
) -> Result<Vec<StoredCall>> {
    const RANGE_MAX: i64 = 2_000;
    let lo = format!("+{leading}");
    let hi = format!("+{leading}:"); // ':' sorts right after '9'
    let in_range: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM calls INDEXED BY calls_by_number
             WHERE remote_norm >= ?1 AND remote_norm < ?2 LIMIT ?3)",
        )
        .at(path)?
        .query_row(params![lo, hi, RANGE_MAX], |r| r.get(0))
        .at(path)?;
    let index = if in_range < RANGE_MAX {
        "calls_by_number"
    } else {
        "calls_by_start"
    };
    let sql = format!(
        "SELECT {CALL_COLS} FROM calls c INDEXED BY {index}
         WHERE c.remote_norm >= ?1 AND c.remote_norm < ?5 {filters}
         ORDER BY c.started_at_ms DESC LIMIT ?4"
    );
    collect_calls(conn, path, &sql, params![lo, from, until, limit, hi])
}

fn collect_calls(
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

// ---- contacts ------------------------------------------------------------

fn validate(fields: &ContactFields) -> Result<()> {
    if fields.name.trim().is_empty() {
        return Err(StoreError::Invalid("A contact needs a name.".into()));
    }
    Ok(())
}

fn write_numbers(
    tx: &Connection,
    plan: &NumberPlan,
    id: i64,
    numbers: &[ContactNumber],
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM contact_numbers WHERE contact_id = ?1")?
        .execute([id])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO contact_numbers (contact_id, position, label, number, norm) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (pos, n) in numbers.iter().enumerate() {
        insert.execute(params![
            id,
            pos as i64,
            n.label,
            n.number,
            plan.normalize(&n.number)
        ])?;
    }
    Ok(())
}

fn refresh_contact_fts(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM contacts_fts WHERE rowid = ?1")?
        .execute([id])?;
    conn.prepare_cached(
        "INSERT INTO contacts_fts (rowid, num, name, email, notes)
         SELECT c.id,
                (SELECT group_concat('^' || ltrim(n.norm, '+'), ' ') FROM contact_numbers n
                  WHERE n.contact_id = c.id AND n.norm IS NOT NULL),
                ringside_fold(c.name || ' ' || coalesce(c.company, '')),
                ringside_fold(c.email),
                ringside_fold(c.notes)
         FROM contacts c WHERE c.id = ?1",
    )?
    .execute([id])?;
    Ok(())
}

fn insert_contact(
    tx: &Connection,
    plan: &NumberPlan,
    fields: &ContactFields,
    now_ms: i64,
) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO contacts (name, company, email, notes, crm_url, created_at_ms, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        fields.name,
        fields.company,
        fields.email,
        fields.notes,
        fields.crm_url,
        now_ms
    ])?;
    let id = tx.last_insert_rowid();
    write_numbers(tx, plan, id, &fields.numbers)?;
    refresh_contact_fts(tx, id)?;
    Ok(id)
}

/// Adds contacts in one transaction; returns their ids.
pub(crate) fn create_contacts(
    conn: &mut Connection,
    path: &Path,
    plan: &NumberPlan,
    all: &[ContactFields],
    now_ms: i64,
) -> Result<Vec<i64>> {
    for fields in all {
        validate(fields)?;
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let mut ids = Vec::with_capacity(all.len());
    for fields in all {
        ids.push(insert_contact(&tx, plan, fields, now_ms).at(path)?);
    }
    tx.commit().at(path)?;
    Ok(ids)
}

/// Replaces a contact's fields.
pub(crate) fn update_contact(
    conn: &mut Connection,
    path: &Path,
    plan: &NumberPlan,
    id: i64,
    fields: &ContactFields,
    now_ms: i64,
) -> Result<Contact> {
    validate(fields)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let changed = tx
        .execute(
            "UPDATE contacts SET name = ?2, company = ?3, email = ?4, notes = ?5, crm_url = ?6, updated_at_ms = ?7
             WHERE id = ?1",
            params![id, fields.name, fields.company, fields.email, fields.notes, fields.crm_url, now_ms],
        )
        .at(path)?;
    if changed == 0 {
        return Err(StoreError::NoSuchContact(id));
    }
    write_numbers(&tx, plan, id, &fields.numbers).at(path)?;
    refresh_contact_fts(&tx, id).at(path)?;
    tx.commit().at(path)?;
    get_contact(conn, path, id)?.ok_or(StoreError::NoSuchContact(id))
}

/// Deletes a contact (its numbers go with it).
pub(crate) fn delete_contact(conn: &Connection, path: &Path, id: i64) -> Result<()> {
    if conn
        .execute("DELETE FROM contacts WHERE id = ?1", [id])
        .at(path)?
        == 0
    {
        return Err(StoreError::NoSuchContact(id));
    }
    Ok(())
}

/// One contact with its numbers.
pub(crate) fn get_contact(conn: &Connection, path: &Path, id: i64) -> Result<Option<Contact>> {
    let contact = conn
        .prepare_cached(
            "SELECT id, name, company, email, notes, crm_url, created_at_ms, updated_at_ms FROM contacts WHERE id = ?1",
        )
        .at(path)?
        .query_row([id], contact_from_row)
        .optional()
        .at(path)?;
    let Some(mut contact) = contact else {
        return Ok(None);
    };
    contact.fields.numbers = conn
        .prepare_cached("SELECT label, number, norm FROM contact_numbers WHERE contact_id = ?1 ORDER BY position")
        .at(path)?
        .query_map([id], |r| Ok(ContactNumber { label: r.get(0)?, number: r.get(1)?, normalized: r.get(2)? }))
        .at(path)?
        .collect::<rusqlite::Result<_>>()
        .at(path)?;
    Ok(Some(contact))
}

fn contact_from_row(r: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: r.get(0)?,
        fields: ContactFields {
            name: r.get(1)?,
            company: r.get(2)?,
            numbers: Vec::new(),
            email: r.get(3)?,
            notes: r.get(4)?,
            crm_url: r.get(5)?,
        },
        created_at_ms: r.get(6)?,
        updated_at_ms: r.get(7)?,
    })
}

fn contacts_by_ids(conn: &Connection, path: &Path, ids: &[i64]) -> Result<Vec<Contact>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(c) = get_contact(conn, path, *id)? {
            out.push(c);
        }
    }
    Ok(out)
}

/// Every contact, by name.
pub(crate) fn all_contacts(conn: &Connection, path: &Path) -> Result<Vec<Contact>> {
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM contacts ORDER BY name COLLATE NOCASE, id")
        .at(path)?
        .query_map([], |r| r.get(0))
        .at(path)?
        .collect::<rusqlite::Result<_>>()
        .at(path)?;
    contacts_by_ids(conn, path, &ids)
}

/// Searches contacts by number fragment, or by name, company, e-mail or
/// notes fragment; sorted by name.
pub(crate) fn search_contacts(
    conn: &Connection,
    path: &Path,
    plan: &NumberPlan,
    text: &str,
    limit: u32,
) -> Result<Vec<Contact>> {
    let text = text.trim();
    let limit = i64::from(limit.max(1));
    let ids: Vec<i64> = if text.is_empty() {
        conn.prepare_cached("SELECT id FROM contacts ORDER BY name COLLATE NOCASE LIMIT ?1")
            .at(path)?
            .query_map([limit], |r| r.get(0))
            .at(path)?
            .collect::<rusqlite::Result<_>>()
            .at(path)?
    } else if is_number_like(text) {
        match number_match(plan, text) {
            Some(m) => fts_ids(conn, path, "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?1 ORDER BY rowid LIMIT ?2", &m, limit)?,
            None => {
                let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                fts_ids(
                    conn,
                    path,
                    "SELECT DISTINCT contact_id FROM contact_numbers WHERE instr(norm, ?1) > 0 ORDER BY contact_id LIMIT ?2",
                    &digits,
                    limit,
                )?
            }
        }
    } else {
        let folded = fold(text);
        if trigram_usable(&folded) {
            let m = format!("{{name email notes}} : {}", fts_phrase(&folded));
            fts_ids(conn, path, "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?1 ORDER BY rowid LIMIT ?2", &m, limit)?
        } else {
            fts_ids(
                conn,
                path,
                "SELECT rowid FROM contacts_fts WHERE name LIKE '%' || ?1 || '%' ORDER BY rowid LIMIT ?2",
                &escape_like(&folded),
                limit,
            )?
        }
    };
    let mut contacts = contacts_by_ids(conn, path, &ids)?;
    contacts.sort_by_cached_key(|c| (fold(&c.fields.name), c.id));
    Ok(contacts)
}

fn fts_ids(conn: &Connection, path: &Path, sql: &str, arg: &str, limit: i64) -> Result<Vec<i64>> {
    conn.prepare_cached(sql)
        .at(path)?
        .query_map(params![arg, limit], |r| r.get(0))
        .at(path)?
        .collect::<rusqlite::Result<_>>()
        .at(path)
}

/// Imports parsed contacts in one transaction and completes the report.
pub(crate) fn import_contacts(
    conn: &mut Connection,
    path: &Path,
    plan: &NumberPlan,
    parsed: crate::import::Parsed,
    now_ms: i64,
) -> Result<ImportReport> {
    let mut contacts = parsed.contacts;
    for (_, c) in &mut contacts {
        normalize_numbers(plan, c);
    }
    let all: Vec<ContactFields> = contacts.into_iter().map(|(_, c)| c).collect();
    let ids = create_contacts(conn, path, plan, &all, now_ms)?;
    Ok(ImportReport {
        imported: ids.len(),
        skipped: parsed.skipped,
    })
}

// ---- retention -----------------------------------------------------------

/// Deletes at most `batch` calls outside the retention policy (oldest first)
/// with their notes, and at most `batch` texts older than its maximum age
/// (a limit on the number of calls does not apply to texts). Returns how
/// many calls and texts were deleted; 0 means done.
pub(crate) fn purge_batch(
    conn: &mut Connection,
    path: &Path,
    retention: Retention,
    now_ms: i64,
    batch: u32,
) -> Result<usize> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let mut cutoff = i64::MIN;
    if let Some(age) = retention.max_age_ms {
        cutoff = cutoff.max(now_ms.saturating_sub(age));
    }
    if let Some(max) = retention.max_calls {
        // Calls older than the newest `max` go.
        let nth: Option<i64> = tx
            .query_row(
                "SELECT started_at_ms FROM calls ORDER BY started_at_ms DESC LIMIT 1 OFFSET ?1",
                [max.saturating_sub(1) as i64],
                |r| r.get(0),
            )
            .optional()
            .at(path)?;
        if let Some(nth) = nth {
            cutoff = cutoff.max(nth);
        }
    }
    if cutoff == i64::MIN {
        return Ok(0);
    }
    let ids: Vec<(i64, String)> = tx
        .prepare_cached("SELECT id, call_id FROM calls WHERE started_at_ms < ?1 ORDER BY started_at_ms LIMIT ?2")
        .at(path)?
        .query_map(params![cutoff, batch], |r| Ok((r.get(0)?, r.get(1)?)))
        .at(path)?
        .collect::<rusqlite::Result<_>>()
        .at(path)?;
    for (id, call_id) in &ids {
        tx.prepare_cached("DELETE FROM notes WHERE call_id = ?1")
            .at(path)?
            .execute([call_id])
            .at(path)?;
        tx.prepare_cached("DELETE FROM calls WHERE id = ?1")
            .at(path)?
            .execute([id])
            .at(path)?;
    }
    let texts = match retention.max_age_ms {
        Some(age) => tx
            .prepare_cached("DELETE FROM sms WHERE id IN (SELECT id FROM sms WHERE at_ms < ?1 ORDER BY at_ms LIMIT ?2)")
            .at(path)?
            .execute(params![now_ms.saturating_sub(age), batch])
            .at(path)?,
        None => 0,
    };
    tx.commit().at(path)?;
    Ok(ids.len() + texts)
}

/// Counts calls (for tests, diagnostics and the settings page).
pub(crate) fn count_calls(conn: &Connection, path: &Path) -> Result<u64> {
    conn.query_row("SELECT count(*) FROM calls", [], |r| r.get(0))
        .at(path)
}
