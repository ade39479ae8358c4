//! An LDAP or Active Directory server as a [`Directory`]: who a number
//! belongs to, the board's colleagues, and the "Test directory" steps.
//!
//! ## Behavior
//! - Numbers in a directory are free text (`+49 30 1234-567`,
//!   `030 1234567`). A lookup searches with a pattern of the number's
//!   significant trailing digits with `*` between them (see
//!   [`number_pattern`]), then normalizes every number that comes back with
//!   the office's [`NumberPlan`] and keeps only exact matches.
//! - Everything that goes into a filter is escaped per RFC 4515 or checked
//!   to be an attribute name; every value that comes back is one line of
//!   plain text (markup stays characters; the UI shows text).
//! - At most `size_limit` entries are read per search (the server is asked
//!   for no more, and the rest is abandoned if it sends more anyway).
//! - One connection is kept and shared by concurrent lookups; when it
//!   drops, the next lookup opens and signs in again (one retry when a
//!   kept connection turns out dead).
//! - TLS (`ldaps://` or StartTLS) trusts what a [`TlsTrust`] says: the
//!   system's CAs, a CA file, or one certificate pinned by its SHA-256
//!   fingerprint, exactly as the PBX connection does. rustls, never
//!   OpenSSL.

use std::sync::Arc;
use std::time::Duration;

use ldap3::{Ldap, Scope, SearchEntry, SearchOptions};
use ringside_ami::{Secret, TlsTrust};
use ringside_calls::NumberPlan;
use serde::Serialize;
use tokio::sync::Mutex;

use crate::{Directory, Error, Person};

mod check;
mod conn;
mod entry;
mod filter;

pub use check::{CheckFailed, Checked, Step};
pub use conn::DEFAULT_TIMEOUT;
pub use filter::{escape, number_pattern, PLACEHOLDER};

/// The number attributes searched unless the settings say otherwise: what
/// Active Directory and OpenLDAP keep phone numbers in.
pub const DEFAULT_ATTRIBUTES: &[&str] = &[
    "telephoneNumber",
    "mobile",
    "homePhone",
    "ipPhone",
    "otherTelephone",
];

/// The filter unless the settings say otherwise: people (AD users and
/// contacts, OpenLDAP's inetOrgPerson) with the number.
pub const DEFAULT_FILTER: &str = "(&(objectClass=person){number})";

/// The most entries one lookup reads.
pub const DEFAULT_SIZE_LIMIT: usize = 50;

/// The most colleagues read for the board.
pub const DEFAULT_COLLEAGUE_LIMIT: usize = 2000;

/// How to reach and search a directory.
#[derive(Debug, Clone)]
pub struct LdapConfig {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS.
    pub starttls: bool,
    /// Which certificates TLS accepts.
    pub trust: TlsTrust,
    /// The user to sign in as; empty for an anonymous search.
    pub bind_dn: String,
    /// Its password (the app keeps it in the OS keyring).
    pub password: Secret,
    /// Where to search (`ou=People,dc=example,dc=com`).
    pub base_dn: String,
    /// The filter, with [`PLACEHOLDER`] where the number's match goes.
    pub filter: String,
    /// The attributes that hold numbers.
    pub attributes: Vec<String>,
    /// The most entries one lookup reads.
    pub size_limit: usize,
    /// The most colleagues read for the board.
    pub colleague_limit: usize,
    /// The longest one connect or one request may take.
    pub timeout: Duration,
}

impl LdapConfig {
    /// Settings for `url` and `base_dn`, with the defaults for the rest:
    /// anonymous, system CAs, the default filter and attributes.
    pub fn new(url: impl Into<String>, base_dn: impl Into<String>) -> LdapConfig {
        LdapConfig {
            url: url.into(),
            starttls: false,
            trust: TlsTrust::system(),
            bind_dn: String::new(),
            password: Secret::new(""),
            base_dn: base_dn.into(),
            filter: DEFAULT_FILTER.into(),
            attributes: DEFAULT_ATTRIBUTES.iter().map(|a| (*a).to_owned()).collect(),
            size_limit: DEFAULT_SIZE_LIMIT,
            colleague_limit: DEFAULT_COLLEAGUE_LIMIT,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Whether the connection is encrypted (`ldaps://` or StartTLS).
    pub fn uses_tls(&self) -> bool {
        self.starttls || self.url.trim().to_ascii_lowercase().starts_with("ldaps://")
    }

    /// The settings checked before anything goes on the wire.
    pub fn validate(&self) -> Result<(), SettingsError> {
        server_address(&self.url)?;
        if !self.filter.contains(PLACEHOLDER) {
            return Err(SettingsError(format!(
                "the filter must contain {PLACEHOLDER} where the number goes, such as {DEFAULT_FILTER}"
            )));
        }
        if ldap3::parse_filter(filter::fill(&self.filter, "(cn=x)")).is_err() {
            return Err(SettingsError(format!(
                "the filter '{}' is not a valid LDAP filter; the default is {DEFAULT_FILTER}",
                self.filter
            )));
        }
        if self.attributes.is_empty() {
            return Err(SettingsError(
                "name at least one attribute that holds numbers, such as telephoneNumber".into(),
            ));
        }
        if let Some(bad) = self
            .attributes
            .iter()
            .find(|a| !filter::is_attribute_name(a))
        {
            return Err(SettingsError(format!(
                "'{bad}' is not an attribute name (letters, digits and '-', such as telephoneNumber)"
            )));
        }
        if self.size_limit == 0 || self.colleague_limit == 0 {
            return Err(SettingsError("the result limits must be at least 1".into()));
        }
        Ok(())
    }
}

/// Settings that cannot work, in words that say what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The directory settings need a change: {0}.")]
pub struct SettingsError(pub String);

/// The host and port of an `ldap://` or `ldaps://` URL (389 and 636 when
/// it names none).
pub fn server_address(url: &str) -> Result<(String, u16), SettingsError> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let (rest, port) = if lower.starts_with("ldap://") {
        (&url[7..], 389)
    } else if lower.starts_with("ldaps://") {
        (&url[8..], 636)
    } else {
        return Err(SettingsError(format!(
            "the server address '{url}' must start with ldap:// or ldaps://, such as ldaps://dc1.example.com"
        )));
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let bad_port = |p: &str| {
        SettingsError(format!(
            "'{p}' is not a port number: use one from 1 to 65535, such as 636"
        ))
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, tail) = v6
            .split_once(']')
            .ok_or_else(|| SettingsError(format!("'{authority}' opens '[' without closing it")))?;
        match tail.strip_prefix(':') {
            Some(p) => (h, p.parse().map_err(|_| bad_port(p))?),
            None => (h, port),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| bad_port(p))?),
            None => (authority, port),
        }
    };
    if host.is_empty() || port == 0 {
        return Err(SettingsError(format!(
            "the server address '{url}' names no server, such as ldaps://dc1.example.com"
        )));
    }
    Ok((host.to_owned(), port))
}

/// The OS keyring account of a directory's password:
/// `ldap:<bind DN>@<host>`, beside the AMI secrets and broker passwords.
///
/// ```
/// let a = ringside_directory::ldap::keyring_account("cn=reader,dc=example,dc=com", "dc1.example.com");
/// assert_eq!(a, "ldap:cn=reader,dc=example,dc=com@dc1.example.com");
/// ```
pub fn keyring_account(bind_dn: &str, host: &str) -> String {
    format!("ldap:{}@{}", bind_dn.trim(), host.trim())
}

/// A colleague the board can name: an extension and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Colleague {
    pub extension: String,
    pub name: String,
}

/// An LDAP or Active Directory server that answers who a number is.
#[derive(Debug, Clone)]
pub struct LdapDirectory {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: LdapConfig,
    plan: NumberPlan,
    /// The connection kept between lookups.
    conn: Mutex<Option<Ldap>>,
}

impl LdapDirectory {
    /// A directory with these settings, numbers read under `plan`. Nothing
    /// connects until the first lookup.
    pub fn new(config: LdapConfig, plan: NumberPlan) -> Result<LdapDirectory, SettingsError> {
        config.validate()?;
        Ok(LdapDirectory {
            inner: Arc::new(Inner {
                config,
                plan,
                conn: Mutex::new(None),
            }),
        })
    }

    /// The settings.
    pub fn config(&self) -> &LdapConfig {
        &self.inner.config
    }

    /// The person whose number `number` is; see [`Directory::find`].
    pub async fn find_person(&self, number: &str) -> Result<Option<Person>, Error> {
        let plan = &self.inner.plan;
        let Some(number) = plan.normalize(number) else {
            return Ok(None);
        };
        let config = &self.inner.config;
        let pattern = number_pattern(plan, &number);
        let search = filter::fill(
            &config.filter,
            &filter::any_of(&config.attributes, &pattern),
        );
        let entries = self.search(&search, config.size_limit).await?;
        Ok(entries
            .iter()
            .filter(|e| e.has_number(plan, &config.attributes, &number))
            .find_map(|e| e.person(plan)))
    }

    /// The colleagues the directory knows, sorted by extension: entries
    /// with an `ipPhone`; or, in a directory that has none, entries whose
    /// `telephoneNumber` is an extension (not written with `+`, `(` or the
    /// trunk or international prefix in front). At most `colleague_limit`
    /// entries are read.
    pub async fn colleagues(&self) -> Result<Vec<Colleague>, Error> {
        let plan = &self.inner.plan;
        let config = &self.inner.config;
        let mut entries = self
            .search(
                &filter::fill(&config.filter, "(ipPhone=*)"),
                config.colleague_limit,
            )
            .await?;
        if entries.is_empty() {
            let mut short = String::from(
                "(&(telephoneNumber=*)(!(telephoneNumber=+*))(!(telephoneNumber=\\28*))",
            );
            for prefix in [&plan.trunk_prefix, &plan.international_prefix] {
                if !prefix.is_empty() {
                    short.push_str(&format!("(!(telephoneNumber={}*))", escape(prefix)));
                }
            }
            short.push(')');
            let search = filter::fill(&config.filter, &short);
            entries = self.search(&search, config.colleague_limit).await?;
        }
        let mut out: Vec<Colleague> = entries
            .iter()
            .filter_map(|e| {
                let person = e.person(plan)?;
                Some(Colleague {
                    extension: person.extension?,
                    name: person.name,
                })
            })
            .collect();
        out.sort_by(|a, b| a.extension.cmp(&b.extension));
        out.dedup_by(|a, b| a.extension == b.extension);
        Ok(out)
    }

    /// One search on the kept connection (opened if needed), retried once
    /// on a fresh connection when the kept one turns out dead.
    async fn search(&self, filter: &str, cap: usize) -> Result<Vec<entry::Entry>, Error> {
        let (mut ldap, reused) = self.connection().await?;
        match run_search(&self.inner.config, &mut ldap, filter, cap).await {
            Err(Error::Dropped(_)) if reused => {
                self.forget().await;
                let (mut ldap, _) = self.connection().await?;
                let result = run_search(&self.inner.config, &mut ldap, filter, cap).await;
                self.forget_if_dropped(&result).await;
                result
            }
            result => {
                self.forget_if_dropped(&result).await;
                result
            }
        }
    }

    /// The kept connection, or a new one; and whether it was kept.
    async fn connection(&self) -> Result<(Ldap, bool), Error> {
        let mut slot = self.inner.conn.lock().await;
        if let Some(ldap) = slot.as_mut() {
            if !ldap.is_closed() {
                return Ok((ldap.clone(), true));
            }
        }
        *slot = None;
        let ldap = conn::open(&self.inner.config).await?;
        *slot = Some(ldap.clone());
        Ok((ldap, false))
    }

    async fn forget(&self) {
        *self.inner.conn.lock().await = None;
    }

    async fn forget_if_dropped<T>(&self, result: &Result<T, Error>) {
        if matches!(result, Err(Error::Dropped(_))) {
            self.forget().await;
        }
    }

    /// The "Test directory" steps in order: reach the server, TLS, sign in,
    /// one search. Says which step failed and why; on success, what the
    /// search found. Uses a connection of its own.
    pub async fn check(&self) -> Result<Checked, CheckFailed> {
        check::run(&self.inner.config).await
    }
}

impl Directory for LdapDirectory {
    async fn find(&self, number: &str) -> Result<Option<Person>, Error> {
        self.find_person(number).await
    }
}

/// Every attribute a search asks for: the numbers and the person's.
fn requested(config: &LdapConfig) -> Vec<String> {
    let mut attrs = config.attributes.clone();
    for a in entry::PERSON_ATTRIBUTES {
        if !attrs.iter().any(|x| x.eq_ignore_ascii_case(a)) {
            attrs.push((*a).to_owned());
        }
    }
    attrs
}

/// One subtree search under the base, reading at most `cap` entries.
async fn run_search(
    config: &LdapConfig,
    ldap: &mut Ldap,
    filter: &str,
    cap: usize,
) -> Result<Vec<entry::Entry>, Error> {
    let attrs = requested(config);
    let limit = i32::try_from(cap).unwrap_or(i32::MAX);
    ldap.with_timeout(config.timeout)
        .with_search_options(SearchOptions::new().sizelimit(limit));
    let mut stream = ldap
        .streaming_search(&config.base_dn, Scope::Subtree, filter, attrs)
        .await
        .map_err(|e| conn::dropped(config, &e))?;
    let mut out = Vec::new();
    while let Some(item) = stream.next().await.map_err(|e| conn::dropped(config, &e))? {
        if item.is_ref() || item.is_intermediate() {
            continue;
        }
        out.push(entry::Entry::from(SearchEntry::construct(item)));
        if out.len() >= cap {
            // Enough: forget the rest here, ask the server to stop, and
            // read no more.
            let id = stream.ldap_handle().last_id();
            let _ = stream.finish().await;
            let _ = stream.ldap_handle().abandon(id).await;
            return Ok(out);
        }
    }
    let result = stream.finish().await;
    match result.rc {
        // success, timeLimitExceeded and sizeLimitExceeded (what came is kept)
        0 | 3 | 4 => Ok(out),
        32 => Err(Error::Search(format!(
            "the base '{}' does not exist on the server",
            config.base_dn
        ))),
        50 => Err(Error::Search(format!(
            "the user may not search under '{}'",
            config.base_dn
        ))),
        // The connection ended before the search did.
        80 | 81 => Err(Error::Dropped(format!(
            "the connection to {} was lost during the search",
            config.url
        ))),
        _ => Err(Error::Search(conn::server_said(&result))),
    }
}
