//! The ground truth: what a direct watch of one extension prints for the
//! stream, with the packet that caused each line.
//!
//! The capture's packets, exactly as the simulated PBX replays them, go
//! through the calls crate's tracker (the one a direct `ringside watch` and
//! each of the gateway's desks run) watching the extension, as
//! `ringside watch --replay` does. Each card line it prints is kept without
//! its times (`*_ms`: when it was received, which differs between a replay
//! and a live run), with the index of the packet whose arrival produced it.
//! A desk's k-th line about a call is matched with the k-th line the truth
//! has about that call.

use std::collections::HashMap;

use ringside_calls::lines;
use ringside_calls::replay::Capture as Decoded;
use ringside_calls::tracker::TrackerConfig;
use ringside_calls::CallTracker;
use ringside_pbxsim::Capture;
use serde_json::Value;

/// One line a direct watch prints.
#[derive(Debug)]
pub struct Line {
    /// The line without its times.
    pub value: Value,
    /// The replayed packet that produced it.
    pub packet: usize,
    /// Whether it is a popup (a card appearing).
    pub popup: bool,
}

/// Everything a direct watch of one extension prints, in order.
#[derive(Debug, Default)]
pub struct Truth {
    /// The lines.
    pub lines: Vec<Line>,
    /// (call id, how many lines about that call came before) → line.
    pub by_call: HashMap<(String, usize), usize>,
}

/// The capture's packets, decoded one by one as the replay sends them.
pub fn decode_packets(capture: &Capture) -> Vec<ringside_ami::Packet> {
    (0..capture.packet_count())
        .map(|i| {
            let bytes = capture.packet(i);
            Decoded::decode(&bytes)
                .ok()
                .and_then(|d| d.packets.into_iter().next())
                .unwrap_or_else(|| panic!("packet {i} of the capture does not decode"))
        })
        .collect()
}

/// What a direct watch of `extension` prints for `packets`.
pub fn truth(capture: &Capture, packets: &[ringside_ami::Packet], extension: &str) -> Truth {
    let mut tracker = CallTracker::new(TrackerConfig {
        extensions: vec![extension.to_owned()],
        groups: Vec::new(),
        trunks: Vec::new(),
        known_extensions: Vec::new(),
    });
    if let Some(version) = capture.banner().and_then(|b| b.rsplit('/').next()) {
        tracker.observe_banner(version.trim());
    }
    let mut out = Truth::default();
    let mut per_call: HashMap<String, usize> = HashMap::new();
    let mut changes = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        if p.event().is_none() {
            continue;
        }
        tracker.apply_into(p, i as i64, &mut changes);
        for c in changes.drain(..) {
            let k = per_call.entry(c.call().to_owned()).or_default();
            out.by_call
                .insert((c.call().to_owned(), *k), out.lines.len());
            *k += 1;
            let value = timeless(&lines::card(&c));
            let popup = value["type"] == "popup";
            out.lines.push(Line {
                value,
                packet: i,
                popup,
            });
        }
    }
    out
}

/// A line as a value with its times (`*_ms` numbers) set to 0 (Null when
/// it is not JSON, which matches no line of the truth).
pub fn timeless(line: &str) -> Value {
    lines::timeless(line).unwrap_or(Value::Null)
}

/// The busy hour's own length in seconds: from the first call's start to
/// the last call's end, as its CDR records say (whole seconds), so 1× plays
/// its packets over that time.
pub fn recorded_seconds(packets: &[ringside_ami::Packet]) -> f64 {
    let secs = |t: &str| -> Option<f64> {
        let clock = t.split_whitespace().nth(1)?;
        let mut parts = clock.split(':').map(|x| x.parse::<f64>().ok());
        Some(parts.next()?? * 3600.0 + parts.next()?? * 60.0 + parts.next()??)
    };
    let mut first = f64::MAX;
    let mut last = f64::MIN;
    for p in packets.iter().filter(|p| p.is("Event", "Cdr")) {
        if let Some(s) = p.get("StartTime").and_then(secs) {
            first = first.min(s);
        }
        if let Some(e) = p.get("EndTime").and_then(secs) {
            last = last.max(e);
        }
    }
    if last > first {
        last - first
    } else {
        60.0
    }
}
