//! `ChannelName::parse` and everything derived from a parsed name, on
//! arbitrary text: never panics, and what it extracts is part of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_calls::channel::{ChannelName, Classifier};

fuzz_target!(|raw: &str| {
    let Some(ch) = ChannelName::parse(raw) else { return };
    let _ = ch.is_local();
    let _ = ch.is_dahdi();
    if let Some((exten, context)) = ch.local_target() {
        assert!(raw.contains(exten) && raw.contains(context), "a Local target must come from the name itself");
    }
    if let Some(trunk) = ch.yeastar_trunk() {
        assert!(raw.contains(trunk), "a trunk name must come from the channel name itself");
    }
    let device = ch.device();
    assert!(device.len() <= raw.len() + 16, "a device name must not be longer than its channel name");
    let classifier = Classifier::new();
    let _ = classifier.classify(&ch);
});
