//! Search arguments shared by the repository modules: the FTS5 match
//! expression for a number fragment, and the LIKE pattern for a text too
//! short for the trigram index. Calls, contacts and texts are searched the
//! same way, so they build these here rather than from each other. Pure
//! functions; no SQL runs here.

use ringside_calls::NumberPlan;

use crate::text::{fts_phrase, trigram_usable};

/// Builds the FTS5 match expression for a number fragment, or `None` when
/// the fragment is too short for the trigram index.
pub(crate) fn number_match(plan: &NumberPlan, text: &str) -> Option<String> {
    let frag = plan.digits_fragment(text)?;
    let mut terms = Vec::new();
    if trigram_usable(&frag.anywhere) {
        terms.push(fts_phrase(&frag.anywhere));
    }
    if let Some(leading) = frag.leading.filter(|l| !l.is_empty()) {
        // '^' + at least two digits makes a trigram.
        if leading.len() >= 2 {
            terms.push(fts_phrase(&format!("^{leading}")));
        }
    }
    if terms.is_empty() {
        None
    } else {
        Some(format!("num : ({})", terms.join(" OR ")))
    }
}

/// LIKE treats `%` and `_` as wildcards; the trigram fallback has no ESCAPE,
/// so drop them (they cannot occur in folded names that matter).
pub(crate) fn escape_like(s: &str) -> String {
    s.chars().filter(|c| *c != '%' && *c != '_').collect()
}
