//! The IPC types built from the headless crates' values: a stored call,
//! contact, note or text becomes the row the UI shows; a history query is
//! bounded; a profile name becomes the calls crate's profile.

use super::*;

impl From<ringside_store::Note> for Note {
    fn from(n: ringside_store::Note) -> Self {
        Self {
            id: n.id,
            call_id: n.call_id,
            number: n.number,
            text: n.body,
            created_at_ms: n.created_at_ms,
        }
    }
}

impl From<ringside_store::Contact> for Contact {
    fn from(c: ringside_store::Contact) -> Self {
        Self {
            id: c.id,
            name: c.fields.name,
            company: c.fields.company,
            numbers: c.fields.numbers.into_iter().map(|n| n.number).collect(),
            email: c.fields.email,
            origin: match c.origin {
                ringside_store::ContactOrigin::Local => ContactOrigin::Local,
                ringside_store::ContactOrigin::AddressBook => ContactOrigin::AddressBook,
            },
            address_book: c.address_book,
        }
    }
}

impl From<ringside_store::StoredCall> for CallRow {
    fn from(c: ringside_store::StoredCall) -> Self {
        let talk_seconds = c.record.talk_seconds();
        let r = c.record;
        Self {
            call_id: r.call_id,
            direction: r.direction,
            remote_num: r.remote_num,
            remote_name: r.remote_name,
            contact_name: None,
            did: r.did,
            answered_by: r.answered_by,
            outcome: r.outcome,
            started_at_ms: r.started_at_ms,
            talk_seconds,
            called_back: c.called_back.is_some(),
            recording_file: c.recording_file,
            source: c.source.as_str().to_owned(),
            queue: r.queue,
            notes: c.notes.into_iter().map(Note::from).collect(),
        }
    }
}

impl From<ringside_store::CallerContext> for CallerContext {
    fn from(c: ringside_store::CallerContext) -> Self {
        let contact_name = c.contact.as_ref().map(|k| k.fields.name.clone());
        Self {
            contact: c.contact.map(Contact::from),
            recent_calls: c
                .recent_calls
                .into_iter()
                .map(|s| CallRow {
                    contact_name: contact_name.clone(),
                    ..CallRow::from(s)
                })
                .collect(),
            calls_today: c.calls_today,
            recent_sms: c.recent_sms.into_iter().map(SmsRow::from).collect(),
        }
    }
}

impl From<ringside_store::StoredSms> for SmsRow {
    fn from(s: ringside_store::StoredSms) -> Self {
        let r = s.record;
        Self {
            id: r.id,
            direction: match r.direction {
                ringside_store::SmsDirection::Incoming => SmsDirection::Incoming,
                ringside_store::SmsDirection::Outgoing => SmsDirection::Outgoing,
            },
            number: r.number,
            span: r.span,
            text: r.text,
            at_ms: r.at_ms,
            status: match r.status {
                ringside_store::SmsStatus::Received => SmsStatus::Received,
                ringside_store::SmsStatus::Sending => SmsStatus::Sending,
                ringside_store::SmsStatus::Sent => SmsStatus::Sent,
                ringside_store::SmsStatus::Failed => SmsStatus::Failed,
            },
            error: r.error,
        }
    }
}

impl From<ringside_store::SmsRecord> for SmsRow {
    fn from(record: ringside_store::SmsRecord) -> Self {
        ringside_store::StoredSms {
            record,
            number_normalized: None,
        }
        .into()
    }
}

impl From<ringside_store::ImportReport> for ImportReport {
    fn from(r: ringside_store::ImportReport) -> Self {
        Self {
            imported: u32::try_from(r.imported).unwrap_or(u32::MAX),
            skipped: r
                .skipped
                .into_iter()
                .map(|s| SkippedLine {
                    line: u32::try_from(s.line).unwrap_or(u32::MAX),
                    reason: s.reason,
                })
                .collect(),
        }
    }
}

impl HistoryQuery {
    /// The store's query for this search (at most 500 rows).
    pub fn to_store(&self) -> ringside_store::model::CallQuery {
        ringside_store::model::CallQuery {
            text: self.text.clone().filter(|t| !t.trim().is_empty()),
            from_ms: self.from_ms,
            until_ms: self.to_ms,
            outcomes: self.outcome.map(|o| vec![o]).unwrap_or_default(),
            limit: self.limit.unwrap_or(200).clamp(1, 500),
        }
    }
}

impl PbxProfile {
    /// The calls crate's profile of this PBX family.
    pub fn profile(self) -> ringside_calls::profile::Profile {
        use ringside_calls::profile::{PbxKind, Profile};
        Profile::of(match self {
            Self::YeastarS => PbxKind::YeastarS,
            Self::YeastarMyPbx => PbxKind::YeastarMyPbx,
            Self::GrandstreamUcm => PbxKind::GrandstreamUcm,
            Self::FreePbx => PbxKind::FreePbx,
            Self::OpenVox => PbxKind::OpenVox,
            Self::GenericAsterisk => PbxKind::Generic,
        })
    }
}
