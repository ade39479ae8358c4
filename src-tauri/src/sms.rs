//! Text messages through an OpenVox GSM gateway, as the shell sees them: an
//! incoming SMS (read by `ringside_calls::sms`) becomes a stored message, a
//! `ringside://sms` card in the popup and a desktop notification; an
//! outgoing one is checked by the calls crate's `gsm send sms` action,
//! recorded as sending, sent, and marked sent or failed with the gateway's
//! words.
//!
//! It must not parse gateway events or build CLI commands itself: the calls
//! crate does both, and the store keeps the messages.

use std::time::Instant;

use ringside_calls::sms::{IncomingSms, SmsRequest};
use ringside_store::texts::{incoming_record, send_recorded};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::ipc::{
    CallerContextEvent, IncomingSmsEvent, IpcResult, SmsRow, EVENT_CALLER_CONTEXT, EVENT_SMS,
};
use crate::notify::SmsNotice;
use crate::shell::Shell;

/// The popup card's key for a text.
pub fn card_key(id: &str) -> String {
    format!("sms:{id}")
}

/// Shows an incoming text at once (card, notification), then stores it and
/// sends what history knows about the sender. `arrived` is when the event
/// reached the session task: the time until the card's event went out is
/// logged, as for call popups.
pub fn incoming<R: Runtime>(
    app: &AppHandle<R>,
    sms: IncomingSms,
    received_at_ms: i64,
    arrived: Instant,
) {
    let record = incoming_record(&sms, received_at_ms);
    let key = card_key(&record.id);
    let event = IncomingSmsEvent {
        key: key.clone(),
        sms: SmsRow::from(record.clone()),
    };
    if let Err(e) = app.emit(EVENT_SMS, &event) {
        tracing::warn!("could not send a text message to the windows: {e}");
    }
    tracing::info!(
        id = %record.id,
        to_emit_us = arrived.elapsed().as_micros() as u64,
        behind_ms = ringside_calls::clock::now_ms() - received_at_ms,
        "incoming text shown"
    );
    let Some(shell) = app.try_state::<Shell>() else {
        return;
    };
    shell.popup_opened(
        app,
        &key,
        SmsNotice {
            sender: record.number.clone(),
            text: record.text.clone(),
        },
    );
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(shell) = app.try_state::<Shell>() else {
            return;
        };
        let Ok(store) = shell.store() else { return };
        let number = record.number.clone();
        let id = record.id.clone();
        match store.record_sms(record).await {
            Ok(()) => {
                tracing::info!(%id, "text message saved to history");
                crate::feeds::history_changed(&app);
            }
            Err(e) => tracing::error!("could not save a text message to history: {e}"),
        }
        match store
            .lookup_caller(&number, crate::clock::today_start_ms(), 5)
            .await
        {
            Ok(ctx) => {
                let _ = app.emit(
                    EVENT_CALLER_CONTEXT,
                    CallerContextEvent {
                        call: key,
                        caller_context: ctx.into(),
                    },
                );
            }
            Err(e) => tracing::warn!("could not look up the sender in history: {e}"),
        }
    });
}

/// The checked request for `send_sms`: the number cleaned of the
/// punctuation people paste with it, the span given or the settings' one,
/// and the calls crate's `gsm send sms` action built (so a line break, a
/// NUL or an injection attempt is refused with its message before anything
/// is stored or sent).
pub fn outgoing_request(
    number: &str,
    text: &str,
    span: Option<u32>,
    default_span: u32,
    id: String,
) -> IpcResult<SmsRequest> {
    let destination = ringside_calls::actions::clean_dial_input(number)?;
    let span = span.unwrap_or(default_span);
    let mut req = SmsRequest::new(span.to_string(), destination, text);
    req.id = Some(id);
    ringside_calls::sms::send_sms_action(&req)?;
    Ok(req)
}

/// Sends a checked text through the gateway, recorded in history around
/// the send (`ringside_store::texts::send_recorded`); the gateway's refusal
/// is also the command's error, in the same words history keeps.
pub async fn send(
    store: &ringside_store::HistoryStore,
    client: &ringside_ami::Client,
    req: &SmsRequest,
    at_ms: i64,
) -> IpcResult<SmsRow> {
    let send = ringside_calls::sms::send_sms(client, req);
    let record = send_recorded(store, req, at_ms, send).await?;
    Ok(SmsRow::from(record))
}

/// Office mode's [`send`]: the office gateway sends the text for this desk
/// (the same check, record and words; the gateway's refusal is the
/// failure history keeps).
pub async fn send_through_office(
    store: &ringside_store::HistoryStore,
    desk: &ringside_gateway::desk::Desk,
    req: &SmsRequest,
    at_ms: i64,
) -> IpcResult<SmsRow> {
    let ask = ringside_gateway::DeskRequest::Sms {
        number: req.destination.clone(),
        text: req.text.clone(),
        span: req.span.parse().ok(),
    };
    let send = async {
        desk.ask(&ask, crate::commands::GATEWAY_WAIT)
            .await
            .map_err(|e| ringside_calls::actions::ActionError::SmsFailed(e.to_string()))
    };
    let record = send_recorded(store, req, at_ms, send).await?;
    Ok(SmsRow::from(record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc::ErrorCode;
    use ringside_store::texts::{incoming_id, outgoing_record, UNKNOWN_SENDER};
    use ringside_store::{SmsDirection, SmsStatus};

    fn incoming_sms(uniqueid: Option<&str>, text: &str) -> IncomingSms {
        IncomingSms {
            span: Some(2),
            sender: Some("13632919026".into()),
            received_at: Some("2015-03-27 09:44:02".into()),
            received_at_ms: Some(1_427_449_442_000),
            text: text.into(),
            raw: format!("process_sms,2,13632919026,2015-03-27 09:44:02,{text}"),
            channel: "EXTRA-SMS/2-1".into(),
            context: "gsm-2".into(),
            uniqueid: uniqueid.map(Into::into),
        }
    }

    /// A temp history store and an AMI client logged in to a simulated
    /// gateway (or a plain PBX without `gsm send sms`).
    async fn gateway(
        openvox: bool,
    ) -> (
        tempfile::TempDir,
        ringside_store::HistoryStore,
        ringside_pbxsim::SimHandle,
        ringside_ami::Client,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = ringside_store::HistoryStore::open(
            ringside_store::StoreConfig::new(ringside_calls::NumberPlan::new("1", "1", "011"))
                .with_path(dir.path().join("h.db")),
        )
        .unwrap();
        let config = ringside_pbxsim::SimConfig {
            openvox: openvox.then(ringside_pbxsim::OpenVox::default),
            ..ringside_pbxsim::SimConfig::default()
        };
        let sim = ringside_pbxsim::PbxSim::start(config).await.unwrap();
        let client = ringside_ami::Client::start(ringside_ami::ClientConfig::new(
            "127.0.0.1",
            sim.addr().port(),
            "ringside",
            ringside_ami::Secret::new("ringside-secret"),
        ))
        .unwrap();
        let mut state = client.state();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            state.wait_for(|s| s.is_connected()),
        )
        .await
        .expect("logs in to the simulated PBX")
        .unwrap();
        (dir, store, sim, client)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sent_text_reaches_the_gateway_exactly_and_is_stored_as_sent() {
        let (_dir, store, sim, client) = gateway(true).await;
        let text = r#"Grüße "Chef" \ 👋 <b>"#;
        let req = outgoing_request("+1 555 123 4567", text, Some(2), 1, "out-t1".into()).unwrap();
        let row = send(&store, &client, &req, 1_000).await.unwrap();
        assert_eq!(
            row.status,
            crate::ipc::SmsStatus::Sent,
            "the gateway took it"
        );
        let sent = sim.sent_sms();
        assert_eq!(sent.len(), 1, "one command, one text");
        assert_eq!(
            sent[0].text, text,
            "the gateway's CLI reads back exactly what was typed"
        );
        assert_eq!(
            (sent[0].span, sent[0].destination.as_str()),
            (2, "+15551234567")
        );
        let stored = store
            .get_sms("out-t1")
            .await
            .unwrap()
            .expect("the text is in history");
        assert_eq!(
            stored.record.status,
            SmsStatus::Sent,
            "history says sent, not sending"
        );
        assert_eq!(stored.record.text, text);
        client.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_refused_text_is_stored_as_failed_with_the_gateways_words() {
        let (_dir, store, sim, client) = gateway(true).await;
        let req = outgoing_request("15551234567", "hello", Some(9), 1, "out-t2".into()).unwrap();
        let e = send(&store, &client, &req, 1_000).await.unwrap_err();
        assert!(
            sim.sent_sms().is_empty(),
            "span 9 does not exist on a four-span gateway"
        );
        assert!(
            e.message.starts_with("The gateway could not send the SMS"),
            "plain words: {}",
            e.message
        );
        let stored = store
            .get_sms("out-t2")
            .await
            .unwrap()
            .expect("a failed text stays in history");
        assert_eq!(stored.record.status, SmsStatus::Failed);
        assert_eq!(
            stored.record.error.as_deref(),
            Some(e.message.as_str()),
            "history keeps why, in the same words"
        );
        client.shutdown().await;

        let (_dir, store, _sim, client) = gateway(false).await;
        let req = outgoing_request("15551234567", "hello", None, 1, "out-t3".into()).unwrap();
        let e = send(&store, &client, &req, 1_000).await.unwrap_err();
        assert!(
            e.message.contains("not an OpenVox GSM gateway"),
            "a PBX without GSM says so: {}",
            e.message
        );
        client.shutdown().await;
    }

    #[test]
    fn incoming_ids_are_stable_and_tell_messages_apart() {
        assert_eq!(
            incoming_id(&incoming_sms(Some("1427449442.7"), "hi")),
            "in-1427449442.7",
            "the gateway's id wins"
        );
        let a = incoming_id(&incoming_sms(None, "hello"));
        assert_eq!(
            a,
            incoming_id(&incoming_sms(None, "hello")),
            "the same message seen twice gets the same id"
        );
        assert_eq!(
            a, "in-h445edfdfb6370dfa",
            "ids live in the database: the hash must never change between builds"
        );
        assert_ne!(
            a,
            incoming_id(&incoming_sms(None, "hello!")),
            "another text is another message"
        );
        let mut other_span = incoming_sms(None, "hello");
        other_span.span = Some(3);
        assert_ne!(
            a,
            incoming_id(&other_span),
            "the same text on another SIM is another message"
        );
        assert!(
            card_key(&a).len() <= 128,
            "the card key must fit dismiss_popup's limit"
        );
    }

    #[test]
    fn an_incoming_text_is_stored_as_received_with_everything_it_said() {
        let sms = incoming_sms(None, "<script>alert(1)</script>");
        let r = incoming_record(&sms, 99);
        assert_eq!(r.direction, SmsDirection::Incoming);
        assert_eq!(
            r.status,
            SmsStatus::Received,
            "an incoming text is received, never sending"
        );
        assert_eq!(r.number, "13632919026");
        assert_eq!(r.span, Some(2));
        assert_eq!(
            r.text, "<script>alert(1)</script>",
            "the text is stored as sent, not escaped or stripped"
        );
        assert_eq!(
            r.raw.as_deref(),
            Some(sms.raw.as_str()),
            "the raw AppData is kept so nothing is lost"
        );
        assert_eq!(
            r.at_ms, 1_427_449_442_000,
            "the gateway's receive time wins over the arrival time"
        );
        let mut anon = incoming_sms(None, "x");
        anon.sender = None;
        anon.received_at_ms = None;
        let r = incoming_record(&anon, 99);
        assert_eq!(
            r.number, UNKNOWN_SENDER,
            "a text without a sender still gets a thread to live in"
        );
        assert_eq!(
            r.at_ms, 99,
            "without a gateway time, the arrival time is used"
        );
        let row = SmsRow::from(r);
        assert_eq!(
            serde_json::to_value(&row).unwrap()["status"],
            "received",
            "the UI reads camelCase statuses"
        );
    }

    #[test]
    fn sending_refuses_what_the_gateway_cannot_send_with_a_clear_message() {
        let e =
            outgoing_request("+1 555 123-4567", "two\nlines", None, 1, "out-1".into()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(
            e.message.contains("write it on one line"),
            "a line break gets the calls crate's advice: {}",
            e.message
        );
        assert!(
            !e.message.contains('\n'),
            "the message shows the break escaped, never raw: {}",
            e.message
        );
        let e = outgoing_request("1555", "a\u{0}b", None, 1, "out-1".into()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "NUL: {}", e.message);
        let e = outgoing_request("1555\r\nAction: Originate", "hi", None, 1, "out-1".into())
            .unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::InvalidNumber,
            "an injected AMI line in the number is refused: {}",
            e.message
        );
        let e = outgoing_request("*97", "hi", None, 1, "out-1".into()).unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::InvalidInput,
            "a feature code cannot receive texts: {}",
            e.message
        );
        let e = outgoing_request("1555", "   ", None, 1, "out-1".into()).unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::InvalidInput,
            "an empty text is no number problem: {}",
            e.message
        );
        assert_eq!(e.message, "Type the text message first.");
    }

    #[test]
    fn a_good_text_keeps_every_character_and_uses_the_default_span() {
        let text = r#"Grüße "quoted" \o/ 👋"#;
        let req = outgoing_request("+1 (555) 123-4567", text, None, 3, "out-7".into()).unwrap();
        assert_eq!(
            req.destination, "+15551234567",
            "punctuation people paste is removed"
        );
        assert_eq!(req.span, "3", "no span given: the settings' span");
        assert_eq!(
            req.text, text,
            "the text is sent exactly as typed; quoting is the action's job"
        );
        let req = outgoing_request("1555", "hi", Some(2), 3, "out-8".into()).unwrap();
        assert_eq!(req.span, "2", "an explicit span wins");
        let r = outgoing_record(&req, 5);
        assert_eq!(
            (r.direction, r.status, r.span),
            (SmsDirection::Outgoing, SmsStatus::Sending, Some(2))
        );
        assert_eq!(r.id, "out-8");
        let e = outgoing_request("1555", "hi", Some(0), 3, "out-9".into()).unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::InvalidInput,
            "span 0 does not exist: {}",
            e.message
        );
    }
}
