//! The text-message part of the synchronous repository: recording texts
//! sent and received through the GSM gateway, status updates, a number's
//! thread and search. Runs only on the store's threads, like `calls.rs`; knows
//! nothing about the gateway or its protocol.
//!
//! A thread is keyed by the normalized number (the same [`NumberPlan`] as
//! calls), so "0207946000" and "+44 20 7946 000" are one conversation. A
//! sender that is not a number ("VODAFONE") has no normalized form; its
//! texts form a thread by the sender text exactly.

use std::path::Path;

use ringside_calls::NumberPlan;
use rusqlite::{params, Connection, Row, TransactionBehavior};

use crate::error::{Result, SqlContext};
use crate::model::{SmsDirection, SmsRecord, SmsStatus, StoredSms};
use crate::sql::{escape_like, number_match};
use crate::text::{fold, fts_phrase, is_number_like, trigram_usable};

/// Columns of `sms` in the order [`sms_from_row`] reads them.
const SMS_COLS: &str = "s.sms_id, s.direction, s.number, s.span, s.body, s.raw, s.at_ms, s.status, s.error, s.number_norm";

fn sms_from_row(row: &Row<'_>) -> rusqlite::Result<StoredSms> {
    let bad = |col: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            format!("unknown {what}").into(),
        )
    };
    let direction: String = row.get(1)?;
    let status: String = row.get(7)?;
    Ok(StoredSms {
        record: SmsRecord {
            id: row.get(0)?,
            direction: SmsDirection::parse(&direction).ok_or_else(|| bad(1, "SMS direction"))?,
            number: row.get(2)?,
            span: row.get(3)?,
            text: row.get(4)?,
            raw: row.get(5)?,
            at_ms: row.get(6)?,
            status: SmsStatus::parse(&status).ok_or_else(|| bad(7, "SMS status"))?,
            error: row.get(8)?,
        },
        number_normalized: row.get(9)?,
    })
}

fn collect(
    conn: &Connection,
    path: &Path,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<StoredSms>> {
    conn.prepare_cached(sql)
        .at(path)?
        .query_map(args, sms_from_row)
        .at(path)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .at(path)
}

/// Upserts one text by its id; see `HistoryStore::record_sms`.
pub(crate) fn record_sms(
    conn: &mut Connection,
    path: &Path,
    plan: &NumberPlan,
    rec: &SmsRecord,
    now_ms: i64,
) -> Result<()> {
    let norm = plan.normalize(&rec.number);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    // A later report of the same message wins, except that it cannot erase
    // the raw event text or the span an earlier report gave: the gateway's
    // status reports often carry neither.
    tx.prepare_cached(
        "INSERT INTO sms (sms_id, direction, number, number_norm, span, body, raw, at_ms, status, error, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (sms_id) DO UPDATE SET
             direction = excluded.direction, number = excluded.number, number_norm = excluded.number_norm,
             span = coalesce(excluded.span, span), body = excluded.body, raw = coalesce(excluded.raw, raw),
             at_ms = excluded.at_ms, status = excluded.status, error = excluded.error,
             updated_at_ms = excluded.updated_at_ms",
    )
    .at(path)?
    .execute(params![
        rec.id,
        rec.direction.as_str(),
        rec.number,
        norm,
        rec.span,
        rec.text,
        rec.raw,
        rec.at_ms,
        rec.status.as_str(),
        rec.error,
        now_ms,
    ])
    .at(path)?;
    tx.commit().at(path)
}

/// Changes a text's status; false when no text has this id.
pub(crate) fn set_sms_status(
    conn: &Connection,
    path: &Path,
    id: &str,
    status: SmsStatus,
    error: Option<&str>,
    now_ms: i64,
) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE sms SET status = ?2, error = ?3, updated_at_ms = ?4 WHERE sms_id = ?1",
        )
        .at(path)?
        .execute(params![id, status.as_str(), error, now_ms])
        .at(path)?;
    Ok(n > 0)
}

/// One text by id.
pub(crate) fn get_sms(conn: &Connection, path: &Path, id: &str) -> Result<Option<StoredSms>> {
    let sql = format!("SELECT {SMS_COLS} FROM sms s WHERE s.sms_id = ?1");
    Ok(collect(conn, path, &sql, [id])?.pop())
}

/// The last `limit` texts with a normalized number, newest first.
pub(crate) fn thread_by_norm(
    conn: &Connection,
    path: &Path,
    norm: &str,
    limit: u32,
) -> Result<Vec<StoredSms>> {
    let sql = format!("SELECT {SMS_COLS} FROM sms s WHERE s.number_norm = ?1 ORDER BY s.at_ms DESC, s.id DESC LIMIT ?2");
    collect(conn, path, &sql, params![norm, limit])
}

/// A number's thread, newest first; see `HistoryStore::sms_thread`.
pub(crate) fn sms_thread(
    conn: &Connection,
    path: &Path,
    plan: &NumberPlan,
    number: &str,
    limit: u32,
) -> Result<Vec<StoredSms>> {
    match plan.normalize(number) {
        Some(norm) => thread_by_norm(conn, path, &norm, limit),
        None => {
            let sql = format!(
                "SELECT {SMS_COLS} FROM sms s WHERE s.number_norm IS NULL AND s.number = ?1
                 ORDER BY s.at_ms DESC, s.id DESC LIMIT ?2"
            );
            collect(conn, path, &sql, params![number.trim(), limit])
        }
    }
}

/// The latest texts with anyone, newest first.
pub(crate) fn recent_sms(conn: &Connection, path: &Path, limit: u32) -> Result<Vec<StoredSms>> {
    let sql = format!("SELECT {SMS_COLS} FROM sms s ORDER BY s.at_ms DESC, s.id DESC LIMIT ?1");
    collect(conn, path, &sql, [limit])
}

/// Texts whose number contains a number fragment, or whose text or sender
/// name contains a text fragment (case- and accent-insensitive); newest
/// first.
pub(crate) fn search_sms(
    conn: &Connection,
    path: &Path,
    plan: &NumberPlan,
    text: &str,
    limit: u32,
) -> Result<Vec<StoredSms>> {
    let text = text.trim();
    let limit = i64::from(limit.max(1));
    if text.is_empty() {
        return recent_sms(conn, path, limit as u32);
    }
    let mut found = if is_number_like(text) {
        match number_match(plan, text) {
            Some(m) => {
                let sql = format!(
                    "SELECT {SMS_COLS} FROM sms_fts f JOIN sms s ON s.id = f.rowid WHERE sms_fts MATCH ?1
                     ORDER BY s.at_ms DESC LIMIT ?2"
                );
                collect(conn, path, &sql, params![m, limit])?
            }
            None => {
                // One or two digits: too short for the trigram index.
                let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                let sql = format!(
                    "SELECT {SMS_COLS} FROM sms s WHERE instr(coalesce(s.number_norm, s.number), ?1) > 0
                     ORDER BY s.at_ms DESC LIMIT ?2"
                );
                collect(conn, path, &sql, params![digits, limit])?
            }
        }
    } else {
        let folded = fold(text);
        // The num column holds a sender name folded, so "vodaf" finds
        // texts from "VODAFONE" as well as texts mentioning it.
        let (sql, arg) = if trigram_usable(&folded) {
            (
                format!(
                    "SELECT {SMS_COLS} FROM sms_fts f JOIN sms s ON s.id = f.rowid WHERE sms_fts MATCH ?1
                     ORDER BY s.at_ms DESC LIMIT ?2"
                ),
                format!("{{num body}} : {}", fts_phrase(&folded)),
            )
        } else {
            (
                format!(
                    "SELECT {SMS_COLS} FROM sms_fts f JOIN sms s ON s.id = f.rowid
                     WHERE f.body LIKE '%' || ?1 || '%' OR f.num LIKE '%' || ?1 || '%'
                     ORDER BY s.at_ms DESC LIMIT ?2"
                ),
                escape_like(&folded),
            )
        };
        collect(conn, path, &sql, params![arg, limit])?
    };
    found.truncate(limit as usize);
    Ok(found)
}

/// How many texts are stored.
pub(crate) fn count_sms(conn: &Connection, path: &Path) -> Result<u64> {
    conn.query_row("SELECT count(*) FROM sms", [], |r| r.get(0))
        .at(path)
}
