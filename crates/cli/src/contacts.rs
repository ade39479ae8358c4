//! `ringside contacts sync`: one sync of a CardDAV address book into the
//! local contacts, printing what changed. The work is the directory
//! crate's (`carddav::sync`); this file reads arguments and prints.
//!
//! Exit codes as the other commands: bad arguments 2; the server, the
//! network, the keyring or the store 1.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use ringside_ami::Secret;
use ringside_config::{tls_trust, OsKeyring, SecretStore};
use ringside_directory::carddav::{self, CardDavConfig};
use ringside_store::{HistoryStore, NumberPlan, StoreConfig};

use super::Failure;

/// `ringside contacts …`.
#[derive(Debug, Args)]
pub struct ContactsArgs {
    #[command(subcommand)]
    pub command: ContactsCommand,
}

/// What to do with the contacts.
#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Sync the CardDAV address books at URL into the local contacts once
    /// (read-only there) and print what changed.
    Sync(SyncArgs),
}

/// `ringside contacts sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The CardDAV server (`https://dav.example.com/`), a path on it, or
    /// one address book's address.
    #[arg(long, env = "RINGSIDE_CARDDAV_URL")]
    pub url: String,
    /// The user to sign in as.
    #[arg(long, env = "RINGSIDE_CARDDAV_USER")]
    pub user: String,
    /// The country code numbers are normalized with (49 for Germany).
    #[arg(long, env = "RINGSIDE_COUNTRY_CODE")]
    pub country: String,
    /// The national trunk prefix.
    #[arg(long, default_value = "0")]
    pub trunk_prefix: String,
    /// The international prefix.
    #[arg(long, default_value = "00")]
    pub intl_prefix: String,
    /// Accept exactly the server certificate with this SHA-256 fingerprint.
    #[arg(long, value_name = "SHA256")]
    pub tls_pin: Option<String>,
    /// Also trust the CA certificate(s) in this PEM file.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// The history database (default: the app's).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ringside contacts …`.
pub async fn run(a: ContactsArgs) -> Result<(), Failure> {
    match a.command {
        ContactsCommand::Sync(a) => sync(a).await,
    }
}

async fn sync(a: SyncArgs) -> Result<(), Failure> {
    let pem = match &a.ca {
        Some(path) => Some(std::fs::read(path).map_err(|e| {
            Failure::usage(format!("cannot read the CA file {}: {e}", path.display()))
        })?),
        None => None,
    };
    let trust = tls_trust(a.tls_pin.as_deref(), pem.as_deref())
        .map_err(|e| Failure::usage(e.to_string()))?;
    let password = password_for(&a.user, &a.url)?;
    let plan = NumberPlan::new(&a.country, &a.trunk_prefix, &a.intl_prefix);
    let mut config = StoreConfig::new(plan);
    config.path = a.db.clone();
    let store = HistoryStore::open_async(config)
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let dav = CardDavConfig::new(a.url.clone(), a.user.clone(), password, trust);
    let report = carddav::sync(&dav, &store)
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
    if a.json {
        let json = serde_json::to_string(&report).map_err(|e| Failure::runtime(e.to_string()))?;
        println!("{json}");
        return Ok(());
    }
    for b in &report.books {
        let how = if b.full {
            "whole book read"
        } else {
            "changes since the last sync"
        };
        println!(
            "{}: {} added, {} changed, {} removed ({how})",
            b.name, b.added, b.updated, b.removed
        );
        for s in &b.skipped {
            println!("  skipped {}: {}", s.href, s.reason);
        }
    }
    Ok(())
}

/// `RINGSIDE_CARDDAV_PASSWORD`, else the OS keyring's `carddav:USER@HOST`
/// (what the app's Settings store).
fn password_for(user: &str, url: &str) -> Result<Secret, Failure> {
    if let Ok(p) = std::env::var("RINGSIDE_CARDDAV_PASSWORD") {
        if !p.is_empty() {
            return Ok(Secret::new(p));
        }
    }
    let account = ringside_directory::carddav_keyring_account(user, url);
    match OsKeyring.get(&account) {
        Ok(Some(secret)) => Ok(Secret::new(secret.expose())),
        _ => Err(Failure::runtime(format!(
            "no password for {account}: set RINGSIDE_CARDDAV_PASSWORD, or save it in \
             Ringside's Settings (Address book)"
        ))),
    }
}
