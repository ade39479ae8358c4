//! Retention: deleting calls (with their notes) and texts outside the
//! retention policy, one small batch per transaction. How batches are
//! spread between other writes is `store.rs`'s business.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::error::{Result, SqlContext};
use crate::model::Retention;

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
