//! The CSV contact importer on arbitrary bytes: never panics, every skipped
//! row says why, and what it imports survives an export and a re-import
//! (same contacts, same names, same numbers): a user who exports their
//! address book and imports it again must not lose anyone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_store::import::{contacts_to_csv, parse_csv};
use ringside_store::{Contact, NumberPlan};

fuzz_target!(|data: &[u8]| {
    let plan = NumberPlan::new("44", "0", "00");
    let Ok(parsed) = parse_csv(&plan, data) else { return };
    for s in &parsed.skipped {
        assert!(!s.reason.is_empty(), "a skipped row must say why");
    }
    let contacts: Vec<Contact> = parsed
        .contacts
        .iter()
        .enumerate()
        .map(|(i, (_, f))| Contact { id: i as i64 + 1, fields: f.clone(), created_at_ms: 0, updated_at_ms: 0 })
        .collect();
    if contacts.is_empty() {
        return;
    }
    let csv = contacts_to_csv(&contacts).expect("imported contacts must export");
    let again = parse_csv(&plan, &csv).expect("an exported file must import");
    assert_eq!(again.contacts.len(), contacts.len(), "export then import must keep every contact: skipped {:?}", again.skipped);
    for ((_, a), b) in again.contacts.iter().zip(&contacts) {
        assert_eq!(a.name, b.fields.name, "a contact's name must survive export and import");
        let na: Vec<&str> = a.numbers.iter().map(|n| n.number.as_str()).collect();
        let nb: Vec<&str> = b.fields.numbers.iter().map(|n| n.number.as_str()).collect();
        assert_eq!(na, nb, "a contact's numbers must survive export and import");
    }
});
