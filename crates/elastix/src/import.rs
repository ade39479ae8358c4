//! The incremental CDR import: ask the PBX for the call records since the
//! store's cursor for this PBX, convert them, and hand them to the store,
//! which deduplicates them and moves the cursor. Glue only: fetching is the
//! client's, conversion is `convert`'s, storage and dedupe are the store's.

use ringside_store::{CdrImportProgress, CdrImportReport, HistoryStore};

use crate::cdr::CdrQuery;
use crate::client::ElastixClient;
use crate::convert::calls_from_cdr;
use crate::error::{Error, Result};
use crate::time::{PbxDateTime, UtcOffset};

/// Imports this PBX's calls that the store has not seen yet.
///
/// `source` names the PBX for the store's cursor (use the same text every
/// time, e.g. [`ElastixClient::host_port`]); `utc_offset` is the PBX's
/// offset from UTC, which its zone-less `calldate` needs; `progress` is
/// called on the store's writer thread after each committed batch and must
/// return at once (forward the value to a channel).
///
/// ## Behavior
/// - The first import asks for the whole history; later ones ask from the
///   cursor's `calldate` on, inclusive, so calls at that second are fetched
///   again and recognized by the store (by uniqueid) instead of being lost
///   or doubled.
/// - The whole answer is fetched in one request without `limit`: the API
///   does not say how it orders rows, so a limit could skip calls. The
///   client's answer cap ([`crate::ElastixConfig::max_response_bytes`])
///   bounds memory.
/// - When the store fails part-way, the batches before stay committed and
///   the cursor says how far it got; running the import again resumes.
pub async fn import_cdr_since_cursor(
    client: &ElastixClient,
    store: &HistoryStore,
    source: &str,
    utc_offset: UtcOffset,
    progress: impl FnMut(CdrImportProgress) + Send + 'static,
) -> Result<CdrImportReport> {
    let cursor = store.cdr_cursor(source).await?;
    let start_date = match cursor {
        None => None,
        Some(c) => Some(c.calldate.parse::<PbxDateTime>().map_err(|_| Error::BadCdrRow {
            uniqueid: c.uniqueid.clone(),
            reason: format!(
                "the import position saved for {source} ({:?}) is not a PBX date; the history store may be damaged",
                c.calldate
            ),
        })?),
    };
    let query = CdrQuery {
        start_date,
        ..CdrQuery::default()
    };
    let rows = client.cdr_report(&query).await?;
    tracing::info!(source, rows = rows.len(), from = ?start_date, "fetched Elastix call records");
    let calls = tokio::task::spawn_blocking(move || calls_from_cdr(&rows, utc_offset))
        .await
        .map_err(|e| Error::UnexpectedResponse {
            command: "cdrreport".into(),
            detail: format!("the conversion stopped: {e}"),
        })?;
    Ok(store.import_cdr(source, calls, progress).await?)
}
