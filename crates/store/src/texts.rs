//! The history side of a text message's life, shared by every front end:
//! what the store keeps of a text the gateway received, and an outgoing
//! text recorded around its send (sending first, so a crash mid-send still
//! shows it; then sent, or failed with the gateway's words). The gateway
//! protocol itself is `ringside_calls::sms`'s; this module only records.

use std::future::Future;

use ringside_calls::actions::{sentence, ActionError};
use ringside_calls::sms::{IncomingSms, SmsRequest};

use crate::error::StoreError;
use crate::model::{SmsDirection, SmsRecord, SmsStatus};
use crate::store::HistoryStore;

/// The number shown for a text whose event named no sender.
pub const UNKNOWN_SENDER: &str = "Unknown sender";

/// A stable id for an incoming text: the gateway event's `Uniqueid` when
/// it has one, else a hash of span, sender, receive time and text, so the
/// same message seen twice (a reconnect replays it) is stored once. FNV-1a
/// rather than std's hasher, whose output may change between Rust releases
/// while the ids stay in the database.
pub fn incoming_id(sms: &IncomingSms) -> String {
    if let Some(u) = sms
        .uniqueid
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        return format!("in-{u}");
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let span = sms.span.map(|s| s.to_string()).unwrap_or_default();
    let parts = [
        span.as_str(),
        sms.sender.as_deref().unwrap_or(""),
        sms.received_at.as_deref().unwrap_or(""),
        &sms.text,
    ];
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0x1f)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("in-h{h:016x}")
}

/// The stored form of an incoming text: received at the gateway's time when
/// it gave one, else when the event arrived.
pub fn incoming_record(sms: &IncomingSms, received_at_ms: i64) -> SmsRecord {
    SmsRecord {
        id: incoming_id(sms),
        direction: SmsDirection::Incoming,
        number: sms
            .sender
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| UNKNOWN_SENDER.into()),
        span: sms.span,
        text: sms.text.clone(),
        raw: Some(sms.raw.clone()),
        at_ms: sms.received_at_ms.unwrap_or(received_at_ms),
        status: SmsStatus::Received,
        error: None,
    }
}

/// The stored form of a text about to be handed to the gateway.
pub fn outgoing_record(req: &SmsRequest, at_ms: i64) -> SmsRecord {
    SmsRecord {
        id: req.id.clone().unwrap_or_default(),
        direction: SmsDirection::Outgoing,
        number: req.destination.clone(),
        span: req.span.parse().ok(),
        text: req.text.clone(),
        raw: None,
        at_ms,
        status: SmsStatus::Sending,
        error: None,
    }
}

/// Why a recorded send failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The gateway (or the connection to it) refused the text; it is in
    /// history as failed, with these words.
    #[error(transparent)]
    Gateway(ActionError),
    /// History could not record the text (the send was then not tried, or
    /// its outcome could not be kept).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records `req` as sending, awaits `send` (the gateway's answer, e.g.
/// `ringside_calls::sms::send_sms`), then marks it sent, or failed with the
/// gateway's words as a sentence; returns the record as it now stands.
pub async fn send_recorded<T>(
    store: &HistoryStore,
    req: &SmsRequest,
    at_ms: i64,
    send: impl Future<Output = Result<T, ActionError>>,
) -> Result<SmsRecord, SendError> {
    let mut record = outgoing_record(req, at_ms);
    store.record_sms(record.clone()).await?;
    tracing::info!(id = %record.id, span = %req.span, "sending a text message");
    let outcome = send.await;
    (record.status, record.error) = match &outcome {
        Ok(_) => (SmsStatus::Sent, None),
        Err(e) => (SmsStatus::Failed, Some(sentence(&e.to_string()))),
    };
    store
        .set_sms_status(&record.id, record.status, record.error.clone())
        .await?;
    tracing::info!(id = %record.id, status = record.status.as_str(), "text message handed to the gateway");
    match outcome {
        Ok(_) => Ok(record),
        Err(e) => Err(SendError::Gateway(e)),
    }
}
