//! "Test connection" in Settings: the headless step-by-step check
//! (`ringside_calls::probe`, which `ringside check` runs too) on the
//! settings being edited, reported as the UI's steps.

use ringside_calls::probe::{probe, ProbeTarget};
use ringside_config::Transport;

use crate::ipc::{Settings, TestReport, TestStep};
use crate::settings::Secret;

/// Runs the steps against `settings` with `secret`; stops at the first failure.
pub async fn test_connection(settings: &Settings, secret: Option<Secret>) -> TestReport {
    let target = ProbeTarget {
        host: settings.host.trim().to_owned(),
        port: settings.port,
        transport: Transport::from_settings(settings.tls, settings.pinned_fingerprint.as_deref()),
        user: settings.ami_user.clone(),
        ca_pem: None,
    };
    let steps = probe(&target, secret.as_ref().map(Secret::expose)).await;
    TestReport {
        steps: steps
            .into_iter()
            .map(|s| TestStep {
                name: s.name.to_owned(),
                ok: s.ok,
                message: s.message,
            })
            .collect(),
    }
}
