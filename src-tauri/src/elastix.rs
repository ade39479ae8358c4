//! The optional Elastix / FreePBX HTTP API connector, as the shell uses it:
//! a client built from the settings and the API token in the OS keyring,
//! the incremental CDR import into history (progress forwarded to the main
//! window), the PBX's live calls, SIP-peer presence when AMI has none, and
//! recordings fetched into the app's cache for the system player.
//!
//! It must not speak HTTP or read CDR rows itself: `ringside-elastix` does,
//! and the store deduplicates and keeps the import's cursor.

use std::path::{Path, PathBuf};

use ringside_elastix::{ElastixClient, ElastixConfig, PbxDateTime, RecordingName, UtcOffset};
use ringside_store::HistoryStore;

use crate::ipc::{
    ApiTestResult, CdrImportSummary, Colleague, ErrorCode, ImportProgress, IpcError, IpcResult,
    PbxChannel, PresenceState, Settings,
};
use crate::settings::{Secret, SecretStore};

/// The user part of the API token's keyring account.
pub const TOKEN_USER: &str = "elastix-api";

/// The keyring account of the API token for a base URL.
pub fn token_account(base_url: &str) -> String {
    crate::settings::keyring_account(TOKEN_USER, base_url)
}

/// Whether the keyring holds a token for the settings' API URL.
pub fn has_token(secrets: &dyn SecretStore, s: &Settings) -> bool {
    !s.elastix_url.trim().is_empty()
        && matches!(secrets.get(&token_account(&s.elastix_url)), Ok(Some(_)))
}

/// Puts the API token in the keyring for the saved API URL.
pub fn store_token(secrets: &dyn SecretStore, s: &Settings, token: &Secret) -> IpcResult<()> {
    if s.elastix_url.trim().is_empty() {
        return Err(IpcError::new(
            ErrorCode::InvalidSetting,
            "Elastix API URL: save the API address first, then type the token.",
        ));
    }
    let t = token.expose().trim();
    if t.is_empty() || t.len() > 512 || t.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(IpcError::new(
            ErrorCode::InvalidSetting,
            "API token: paste the token from the PBX's api.php, without spaces or line breaks.",
        ));
    }
    Ok(secrets.set(&token_account(&s.elastix_url), &Secret::new(t))?)
}

/// The PBX's offset from UTC: Elastix writes `calldate` in its local time
/// without a zone, and the PBX sits in the office, with this computer.
pub fn local_offset() -> UtcOffset {
    use chrono::Offset;
    UtcOffset::from_minutes(chrono::Local::now().offset().fix().local_minus_utc() / 60)
}

/// A client for the settings' API, with the token from the keyring.
pub fn client(secrets: &dyn SecretStore, s: &Settings) -> IpcResult<ElastixClient> {
    let url = s.elastix_url.trim();
    if url.is_empty() {
        return Err(IpcError::new(
            ErrorCode::InvalidSetting,
            "Elastix API URL: enter the PBX's API address in Settings, such as https://pbx.local/api/api.php.",
        ));
    }
    let token = secrets.get(&token_account(url))?.ok_or_else(|| {
        IpcError::new(
            ErrorCode::AuthFailed,
            "No Elastix API token is saved for this address. Type it in Settings.",
        )
    })?;
    client_with(url, s.elastix_fingerprint.as_deref(), token)
}

/// A client for `url` trusting the pinned certificate, or the system's CAs.
pub fn client_with(
    url: &str,
    fingerprint: Option<&str>,
    token: Secret,
) -> IpcResult<ElastixClient> {
    let trust = ringside_config::tls_trust(fingerprint, None).map_err(|e| {
        IpcError::new(
            ErrorCode::InvalidSetting,
            format!("Elastix pinned certificate: {e}."),
        )
    })?;
    ElastixClient::new(ElastixConfig::new(
        url,
        ringside_elastix::Secret::new(token.expose()),
        trust,
    ))
    .map_err(IpcError::from)
}

/// "Test API connection": asks the PBX for its SIP peers, the cheapest
/// command that needs the token.
pub async fn test(client: &ElastixClient) -> ApiTestResult {
    match client.sip_peers().await {
        Ok(peers) => ApiTestResult {
            ok: true,
            message: format!(
                "The Elastix API at {} answered: {} SIP peers.",
                client.host_port(),
                peers.len()
            ),
        },
        Err(e) => ApiTestResult {
            ok: false,
            message: IpcError::from(e).message,
        },
    }
}

/// Imports the calls the store has not seen since its cursor for this
/// PBX; `progress` gets each committed batch (from the store's writer
/// thread: it must only forward).
pub async fn import(
    client: &ElastixClient,
    store: &HistoryStore,
    progress: impl FnMut(ImportProgress) + Send + 'static,
) -> IpcResult<CdrImportSummary> {
    let mut progress = progress;
    let source = client.host_port().to_owned();
    let report = ringside_elastix::import_cdr_since_cursor(
        client,
        store,
        &source,
        local_offset(),
        move |p| {
            progress(ImportProgress {
                done: clamp(p.done),
                total: clamp(p.total),
            });
        },
    )
    .await
    .map_err(IpcError::from)?;
    tracing::info!(
        source,
        inserted = report.inserted,
        merged = report.merged,
        skipped = report.skipped.len(),
        "CDR import done"
    );
    Ok(CdrImportSummary {
        imported: clamp(report.inserted),
        merged: clamp(report.merged),
        recordings_added: clamp(report.recordings_added),
        skipped: clamp(report.skipped.len()),
    })
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The PBX's live channels, as the main window lists them.
pub fn channels(calls: ringside_elastix::ActiveCalls) -> Vec<PbxChannel> {
    calls
        .channels
        .into_iter()
        .map(|c| PbxChannel {
            channel: c.channel,
            state: c.state,
            caller_id: c.caller_id,
            extension: c.extension,
            application: c.application,
            seconds: c.duration.map(|d| clamp(d.as_secs() as usize)),
            bridged_to: c.bridged_to,
        })
        .collect()
}

/// Presence from SIP peers, for a PBX whose AMI gives none: only phones,
/// and only whether they are online (the API says nothing of calls).
pub fn presence_from_peers(peers: &[ringside_elastix::SipPeer]) -> Vec<Colleague> {
    use ringside_elastix::{PeerKind, PeerPresence};
    peers
        .iter()
        .filter(|p| p.kind == PeerKind::Extension)
        .map(|p| Colleague {
            extension: p.name.clone(),
            name: if p.description.trim().is_empty() {
                p.name.clone()
            } else {
                p.description.clone()
            },
            state: match p.presence() {
                PeerPresence::Available | PeerPresence::Degraded => PresenceState::Idle,
                PeerPresence::Offline => PresenceState::Unavailable,
                _ => PresenceState::NotFound,
            },
            talking_to: None,
        })
        .collect()
}

/// Fetches the recording of a stored call into `dir` (the app's cache) and
/// returns the file. A recording file given with its day folder
/// (`/2015/12/08/x.wav`) is used as is; a bare name goes under the day the
/// call started, in the PBX's time.
pub async fn fetch_recording(
    client: &ElastixClient,
    store: &HistoryStore,
    call_id: &str,
    dir: &Path,
) -> IpcResult<PathBuf> {
    let call = store
        .get_call(call_id)
        .await?
        .ok_or_else(|| IpcError::new(ErrorCode::UnknownCall, "That call is not in the history."))?;
    let file = call
        .recording_file
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| {
            IpcError::new(
                ErrorCode::NotFound,
                "This call has no recording on the PBX.",
            )
        })?;
    let name = if file.starts_with('/') {
        RecordingName::parse(&file)
    } else {
        RecordingName::for_call(
            &PbxDateTime::from_unix_ms(call.record.started_at_ms, local_offset()),
            &file,
        )
    }
    .map_err(IpcError::from)?;
    std::fs::create_dir_all(dir).map_err(|e| {
        IpcError::new(
            ErrorCode::Io,
            format!(
                "Ringside could not make its recordings folder {}: {e}.",
                dir.display()
            ),
        )
    })?;
    let path = dir.join(name.file_name());
    let bytes = client
        .recording_to_file(&name, &path)
        .await
        .map_err(IpcError::from)?;
    tracing::info!(call = call_id, bytes, "recording fetched");
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::FileSecretStore;
    use ringside_elastix::testserver::{synthetic_wav, TestServer, TestServerOptions};

    struct Fixture {
        _dir: tempfile::TempDir,
        server: TestServer,
        secrets: FileSecretStore,
        settings: Settings,
        store: HistoryStore,
        cache: PathBuf,
    }

    /// The seed-answering HTTPS server, its URL and pinned certificate in
    /// the settings, its token in a file-backed keyring, and a temp store.
    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start(TestServerOptions::default())
            .await
            .expect("the test server starts");
        let secrets = FileSecretStore::new(dir.path().join("keys"));
        let settings = Settings {
            elastix_url: server.base_url(),
            elastix_fingerprint: Some(server.fingerprint().to_string()),
            ..crate::settings::default_settings()
        };
        crate::settings::validate(&settings)
            .expect("the test server's URL and fingerprint are valid settings");
        store_token(&secrets, &settings, &Secret::new(server.token())).unwrap();
        let store = HistoryStore::open(
            ringside_store::StoreConfig::new(ringside_calls::NumberPlan::new("1", "1", "011"))
                .with_path(dir.path().join("h.db")),
        )
        .unwrap();
        let cache = dir.path().join("cache");
        Fixture {
            _dir: dir,
            server,
            secrets,
            settings,
            store,
            cache,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn test_connection_says_ok_or_names_the_token_problem() {
        let f = fixture().await;
        assert!(
            has_token(&f.secrets, &f.settings),
            "the token is in the keyring for this URL"
        );
        let ok = test(&client(&f.secrets, &f.settings).unwrap()).await;
        assert!(
            ok.ok,
            "the right token and pinned certificate work: {}",
            ok.message
        );
        assert!(
            ok.message.contains("3 SIP peers"),
            "the seed has three peers: {}",
            ok.message
        );

        store_token(&f.secrets, &f.settings, &Secret::new("wrong-token")).unwrap();
        let bad = test(&client(&f.secrets, &f.settings).unwrap()).await;
        assert!(!bad.ok);
        assert!(
            bad.message.contains("refused the API token"),
            "a receptionist learns the token is wrong: {}",
            bad.message
        );
        assert!(
            !bad.message.contains("wrong-token"),
            "the token itself is never echoed: {}",
            bad.message
        );

        let other = Settings {
            elastix_url: format!("{}x", f.settings.elastix_url),
            ..f.settings.clone()
        };
        let e = client(&f.secrets, &other).unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::AuthFailed,
            "no token saved for that address: {}",
            e.message
        );
        let e = store_token(&f.secrets, &f.settings, &Secret::new("two\nlines")).unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::InvalidSetting,
            "a pasted line break is refused: {}",
            e.message
        );

        let unpinned = Settings {
            elastix_fingerprint: None,
            ..f.settings.clone()
        };
        store_token(&f.secrets, &unpinned, &Secret::new(f.server.token())).unwrap();
        let tls = test(&client(&f.secrets, &unpinned).unwrap()).await;
        assert!(
            !tls.ok,
            "a self-signed certificate is not trusted without the pin"
        );
        assert!(
            tls.message.contains(&f.server.fingerprint().to_string()),
            "the message gives the fingerprint to pin: {}",
            tls.message
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_reports_progress_then_a_summary_and_a_second_run_adds_nothing() {
        let f = fixture().await;
        let c = client(&f.secrets, &f.settings).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let first = import(&c, &f.store, move |p| {
            let _ = tx.send(p);
        })
        .await
        .unwrap();
        assert_eq!(
            (first.imported, first.merged),
            (4, 0),
            "the seed's four calls are new: {first:?}"
        );
        let seen: Vec<ImportProgress> = rx.try_iter().collect();
        assert_eq!(
            seen.last(),
            Some(&ImportProgress { done: 4, total: 4 }),
            "progress ends at the whole import: {seen:?}"
        );
        let again = import(&c, &f.store, |_| {}).await.unwrap();
        assert_eq!(
            again.imported, 0,
            "the cursor makes a second import add nothing: {again:?}"
        );
        assert!(
            again.merged >= 1,
            "rows at the cursor's second are fetched again and recognized: {again:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_recording_is_fetched_into_the_cache_and_a_missing_one_says_so() {
        let f = fixture().await;
        let c = client(&f.secrets, &f.settings).unwrap();
        import(&c, &f.store, |_| {}).await.unwrap();
        let calls = f
            .store
            .search_calls(ringside_store::CallQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let recorded = calls
            .iter()
            .find(|c| c.recording_file.is_some())
            .expect("the seed has one recorded call");
        let unrecorded = calls
            .iter()
            .find(|c| c.recording_file.is_none())
            .expect("and calls without a recording");
        let call_id = recorded.record.call_id.clone();

        let e = fetch_recording(&c, &f.store, &call_id, &f.cache)
            .await
            .unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::NotFound,
            "the PBX has no such file yet: {}",
            e.message
        );
        assert!(
            e.message
                .starts_with("No recording for this call on the PBX"),
            "the 404 in plain words: {}",
            e.message
        );

        let wav = synthetic_wav(1);
        f.server.add_recording(
            "/2015/12/05/exten-101-05396666666-20151205-152659-1449322009.66.wav",
            wav.clone(),
        );
        let path = fetch_recording(&c, &f.store, &call_id, &f.cache)
            .await
            .unwrap();
        assert!(
            path.starts_with(&f.cache),
            "the file lands in the app's cache: {}",
            path.display()
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            wav,
            "the recording is saved byte for byte"
        );

        let e = fetch_recording(&c, &f.store, &unrecorded.record.call_id, &f.cache)
            .await
            .unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::NotFound,
            "a call without a recording says so before asking the PBX"
        );
        let e = fetch_recording(&c, &f.store, "no-such-call", &f.cache)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownCall);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn live_calls_and_peer_presence_come_from_the_seed() {
        let f = fixture().await;
        let c = client(&f.secrets, &f.settings).unwrap();
        let channels = channels(c.active_calls().await.unwrap());
        assert!(
            channels.iter().any(|ch| ch.channel == "SIP/2003-0000115b"),
            "the seed's channels are listed: {channels:?}"
        );
        let board = presence_from_peers(&c.sip_peers().await.unwrap());
        let first = board
            .iter()
            .find(|p| p.extension == "100")
            .expect("phone 100 is on the board");
        assert_eq!(
            first.state,
            PresenceState::Idle,
            "a reachable phone is available"
        );
        assert!(
            board.iter().all(|p| p.talking_to.is_none()),
            "the API says nothing about calls"
        );
    }

    #[test]
    fn the_token_flag_is_never_written_to_the_settings_file() {
        let s = Settings {
            elastix_url: "https://pbx.local/api/api.php".into(),
            has_api_token: true,
            ..crate::settings::default_settings()
        };
        let file = crate::settings::diff_from_defaults(&s);
        assert!(
            file.contains_key("elastixUrl"),
            "the address is a setting: {file:?}"
        );
        assert!(
            !file.contains_key("hasApiToken"),
            "whether a token exists is read from the keyring, never stored: {file:?}"
        );
    }

    #[test]
    fn settings_refuse_a_non_https_api_address() {
        for bad in [
            "http://pbx/api/api.php",
            "pbx.local",
            "https://pbx/ api",
            "javascript:alert(1)",
        ] {
            let s = Settings {
                elastix_url: bad.into(),
                ..crate::settings::default_settings()
            };
            let e = crate::settings::validate(&s).expect_err(bad);
            assert!(
                e.message.starts_with("Elastix API URL"),
                "the message names the field: {}",
                e.message
            );
        }
    }
}
