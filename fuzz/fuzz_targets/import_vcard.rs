//! The vCard importer on arbitrary text: never panics and every skipped
//! card says why.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_store::import::parse_vcard;
use ringside_store::NumberPlan;

fuzz_target!(|text: &str| {
    let plan = NumberPlan::new("44", "0", "00");
    let parsed = parse_vcard(&plan, text);
    for s in &parsed.skipped {
        assert!(!s.reason.is_empty(), "a skipped card must say why");
    }
    for (_, c) in &parsed.contacts {
        assert!(!c.name.trim().is_empty(), "an imported contact must have a name (or its company as one)");
    }
});
