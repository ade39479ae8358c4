//! The one wall clock of Ringside's crates and its app. The tracker never
//! reads it: an event's time is stamped where the event is received and
//! passed in, so a replay gives the same changes every time. What reads it
//! stamps bookkeeping (a resync, a note, a text, an import's cursor).

/// Unix milliseconds now (0 if the system clock is before 1970).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_is_after_this_code_was_written() {
        // 2026-12-01T00:00:00Z
        assert!(super::now_ms() > 1_796_083_200_000);
    }
}
