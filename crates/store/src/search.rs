//! Searching the call history, and the search index it uses: new calls
//! enter the FTS5 index in chunks after they are recorded (the writer
//! thread calls [`index_calls_step`] when idle), and every search also scans
//! the not-yet-indexed tail, so a call is findable as soon as it is stored.

use std::path::Path;

use ringside_calls::NumberPlan;
use rusqlite::{params, Connection, TransactionBehavior};

use crate::calls::{collect_calls, CALL_COLS};
use crate::error::{Result, SqlContext};
use crate::model::{CallQuery, StoredCall};
use crate::sql::escape_like;
use crate::text::{fold, fts_phrase, is_number_like, trigram_usable};

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

/// What every query of one call search shares: the outcome and time
/// filters as SQL (binding `?2` and `?3`), their bounds, and the limit
/// (`?4`). Each query binds its own argument as `?1`.
struct Filters {
    sql: String,
    from: i64,
    until: i64,
    limit: i64,
}

impl Filters {
    fn new(q: &CallQuery) -> Self {
        let mut sql = String::new();
        if !q.outcomes.is_empty() {
            let list: Vec<String> = q
                .outcomes
                .iter()
                .map(|o| format!("'{}'", o.as_str()))
                .collect();
            sql.push_str(&format!(" AND c.outcome IN ({})", list.join(", ")));
        }
        sql.push_str(" AND c.started_at_ms >= ?2 AND c.started_at_ms < ?3");
        Self {
            sql,
            from: q.from_ms.unwrap_or(i64::MIN),
            until: q.until_ms.unwrap_or(i64::MAX),
            limit: i64::from(q.limit.max(1)),
        }
    }
}

/// Searches calls; see `HistoryStore::search_calls`.
pub(crate) fn search_calls(
    conn: &Connection,
    path: &Path,
    plan: &NumberPlan,
    q: &CallQuery,
) -> Result<Vec<StoredCall>> {
    let f = Filters::new(q);
    let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let Some(text) = text else {
        let filters = &f.sql;
        let sql = format!(
            "SELECT {CALL_COLS} FROM calls c WHERE ?1 IS NULL {filters} ORDER BY c.started_at_ms DESC LIMIT ?4"
        );
        return collect_calls(
            conn,
            path,
            &sql,
            params![Option::<String>::None, f.from, f.until, f.limit],
        );
    };
    let mut found = if is_number_like(text) {
        calls_by_number(conn, path, plan, text, &f)?
    } else {
        calls_by_name_or_note(conn, path, text, &f)?
    };
    found.sort_by(|a, b| {
        b.record
            .started_at_ms
            .cmp(&a.record.started_at_ms)
            .then_with(|| a.record.call_id.cmp(&b.record.call_id))
    });
    found.dedup_by(|a, b| a.record.call_id == b.record.call_id);
    found.truncate(f.limit as usize);
    Ok(found)
}

/// Calls whose number matches a number fragment, unsorted and possibly
/// with duplicates (from the index, the unindexed tail and the prefix
/// range).
fn calls_by_number(
    conn: &Connection,
    path: &Path,
    plan: &NumberPlan,
    text: &str,
    f: &Filters,
) -> Result<Vec<StoredCall>> {
    let (filters, from, until, limit) = (&f.sql, f.from, f.until, f.limit);
    let mut found = Vec::new();
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
        found.extend(calls_with_prefix(conn, path, &leading, f)?);
    }
    Ok(found)
}

/// Calls whose remote name, or a note on them, contains a text fragment
/// (case- and accent-insensitive), unsorted and possibly with duplicates.
fn calls_by_name_or_note(
    conn: &Connection,
    path: &Path,
    text: &str,
    f: &Filters,
) -> Result<Vec<StoredCall>> {
    let (filters, from, until, limit) = (&f.sql, f.from, f.until, f.limit);
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
    let mut found = collect_calls(conn, path, &name_sql, params![arg, from, until, limit])?;
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
    f: &Filters,
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
    let filters = &f.sql;
    let sql = format!(
        "SELECT {CALL_COLS} FROM calls c INDEXED BY {index}
         WHERE c.remote_norm >= ?1 AND c.remote_norm < ?5 {filters}
         ORDER BY c.started_at_ms DESC LIMIT ?4"
    );
    collect_calls(conn, path, &sql, params![lo, f.from, f.until, f.limit, hi])
}
