//! One address book brought up to date: `sync-collection` (RFC 6578) from
//! the stored token, or, where the server has no such REPORT, the ETags of
//! a depth-1 PROPFIND compared with the stored ones and the changed cards
//! fetched with `addressbook-multiget` (RFC 6352 §8.7). Everything found is
//! handed to the store in one [`BookChanges`], written in one transaction.
//!
//! A card that does not parse is skipped and reported with its href; a
//! stored copy of it stays as it was. It never stops the sync.

use hyper::StatusCode;
use ringside_store::vcard::parse_card;
use ringside_store::{BookChanges, BookState, HistoryStore, SyncedCard};
use serde::Serialize;

use super::discover::{path_on, propfind, same_collection};
use super::error::{Error, Result};
use super::http::DavHttp;
use super::xml::{multiget, parse_multistatus, sync_collection, Multistatus, PROPFIND_LISTING};
use super::AddressBook;

/// Cards asked per `addressbook-multiget`.
const MULTIGET_BATCH: usize = 500;
/// `sync-collection` rounds per sync when the server truncates its answers.
const MAX_ROUNDS: usize = 50;

/// How a book was synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncMethod {
    /// `sync-collection` from the stored token (or from the start).
    SyncCollection,
    /// ETags compared (the server has no `sync-collection`).
    Etags,
}

/// A card left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedCard {
    /// Its path on the server.
    pub href: String,
    /// What was wrong with it.
    pub reason: String,
}

/// What one sync of one book changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BookReport {
    /// The book's URL and name.
    pub url: String,
    pub name: String,
    pub method: SyncMethod,
    /// Whether the whole book was read (first sync, or the server made the
    /// client start over), rather than only what changed.
    pub full: bool,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    /// Cards that could not be read.
    pub skipped: Vec<SkippedCard>,
}

/// What a sync-collection run found, before the cards are parsed.
#[derive(Debug, Default)]
struct Found {
    /// href, etag, the card's text if the answer held it.
    cards: Vec<(String, Option<String>, Option<String>)>,
    removed: Vec<String>,
    /// With ETags: cards whose stored copy is current.
    unchanged: Vec<String>,
    token: Option<String>,
    full: bool,
}

/// Brings `book` up to date in `store`.
pub(crate) async fn sync_book(
    http: &DavHttp,
    store: &HistoryStore,
    book: &AddressBook,
) -> Result<BookReport> {
    let state = store
        .address_book_state(&book.url)
        .await
        .map_err(|e| Error::Store(e.to_string()))?;
    let (method, found) = match sync_collection_run(http, book, state.sync_token.as_deref()).await?
    {
        Some(found) => (SyncMethod::SyncCollection, found),
        None => (SyncMethod::Etags, etag_run(http, book, &state).await?),
    };
    let mut changes = BookChanges {
        url: book.url.clone(),
        name: book.name.clone(),
        complete: found.full,
        removed: found.removed,
        unchanged: found.unchanged,
        sync_token: found.token,
        ..BookChanges::default()
    };
    let mut skipped = Vec::new();
    let (mut with_data, without): (Vec<_>, Vec<_>) = found
        .cards
        .into_iter()
        .partition(|(_, _, data)| data.is_some());
    with_data.extend(fetch_cards(http, book, without).await?);
    for (href, etag, data) in with_data {
        match data.as_deref().map(parse_card) {
            Some(Ok(card)) => changes.changed.push(SyncedCard { href, etag, card }),
            Some(Err(reason)) => {
                // A stored copy of a card that broke stays as it was.
                changes.unchanged.push(href.clone());
                skipped.push(SkippedCard { href, reason });
            }
            None => {
                changes.unchanged.push(href.clone());
                skipped.push(SkippedCard {
                    href,
                    reason: "the server listed it but did not send it".into(),
                });
            }
        }
    }
    let applied = store
        .apply_address_book_sync(changes)
        .await
        .map_err(|e| Error::Store(e.to_string()))?;
    Ok(BookReport {
        url: book.url.clone(),
        name: book.name.clone(),
        method,
        full: found.full,
        added: applied.added,
        updated: applied.updated,
        removed: applied.removed,
        skipped,
    })
}

/// `sync-collection` rounds until the server's answer is whole; `None`
/// when the server does not offer the REPORT.
async fn sync_collection_run(
    http: &DavHttp,
    book: &AddressBook,
    token: Option<&str>,
) -> Result<Option<Found>> {
    let mut found = Found {
        full: token.is_none(),
        ..Found::default()
    };
    let mut token = token.map(str::to_owned);
    for _ in 0..MAX_ROUNDS {
        let answer = http
            .send(
                "REPORT",
                &book.path,
                Some("0"),
                &sync_collection(token.as_deref()),
            )
            .await?;
        if answer.status != StatusCode::MULTI_STATUS {
            if token.is_some() && !found.full {
                // The token expired or the server forgot it (RFC 6578
                // §3.2, valid-sync-token): start over from the beginning.
                tracing::info!(book = %book.url, status = %answer.status, "sync token refused; reading the whole address book");
                return Box::pin(sync_collection_run(http, book, None)).await;
            }
            if answer.status == StatusCode::FORBIDDEN {
                return Err(http.refused());
            }
            return Ok(None);
        }
        let ms = parse_off_thread(http, answer.body).await?;
        let truncated = take_round(http, book, ms, &mut found);
        token = found.token.clone();
        if !truncated {
            return Ok(Some(found));
        }
    }
    Err(http.protocol(format!(
        "the address book {} never finished listing its changes",
        book.name
    )))
}

/// Adds one answer to `found`; true when the server said it truncated it.
fn take_round(http: &DavHttp, book: &AddressBook, ms: Multistatus, found: &mut Found) -> bool {
    let mut truncated = false;
    for r in ms.responses {
        let Some(path) = path_on(http.origin(), &book.path, &r.href) else {
            continue;
        };
        if same_collection(&path, &book.path) {
            truncated |= r.status == Some(507);
            continue;
        }
        if r.status == Some(404) {
            found.removed.push(path);
        } else if r.props.etag.is_some() || r.props.address_data.is_some() {
            found.cards.push((path, r.props.etag, r.props.address_data));
        }
    }
    found.token = ms.sync_token.or(found.token.take());
    truncated
}

/// The ETag way: list the book's cards with their ETags and keep those
/// that differ from the stored ones.
async fn etag_run(http: &DavHttp, book: &AddressBook, state: &BookState) -> Result<Found> {
    let Some((_, listing)) = propfind(http, &book.path, "1", PROPFIND_LISTING).await? else {
        return Err(http.protocol(format!("the address book {} cannot be listed", book.name)));
    };
    let mut found = Found {
        full: true,
        ..Found::default()
    };
    for r in listing.responses {
        let Some(path) = path_on(http.origin(), &book.path, &r.href) else {
            continue;
        };
        if same_collection(&path, &book.path) || r.props.etag.is_none() {
            continue;
        }
        // The listing names every card: one whose ETag matches is current,
        // and stored cards it does not name were deleted (`full`).
        if state.etags.get(&path) == Some(&r.props.etag) {
            found.unchanged.push(path);
        } else {
            found.cards.push((path, r.props.etag, None));
        }
    }
    Ok(found)
}

/// The cards the answer listed without their text, by `addressbook-multiget`.
async fn fetch_cards(
    http: &DavHttp,
    book: &AddressBook,
    wanted: Vec<(String, Option<String>, Option<String>)>,
) -> Result<Vec<(String, Option<String>, Option<String>)>> {
    let mut out = Vec::with_capacity(wanted.len());
    for chunk in wanted.chunks(MULTIGET_BATCH) {
        let hrefs: Vec<&str> = chunk.iter().map(|(h, _, _)| h.as_str()).collect();
        let answer = http
            .send("REPORT", &book.path, Some("1"), &multiget(&hrefs))
            .await?;
        if answer.status != StatusCode::MULTI_STATUS {
            return Err(http.protocol(format!("addressbook-multiget answered {}", answer.status)));
        }
        let ms = parse_off_thread(http, answer.body).await?;
        let mut got: std::collections::HashMap<String, (Option<String>, Option<String>)> = ms
            .responses
            .into_iter()
            .filter_map(|r| {
                let path = path_on(http.origin(), &book.path, &r.href)?;
                Some((path, (r.props.etag, r.props.address_data)))
            })
            .collect();
        for (href, etag, _) in chunk {
            let (new_etag, data) = got.remove(href).unwrap_or((None, None));
            out.push((href.clone(), new_etag.or_else(|| etag.clone()), data));
        }
    }
    Ok(out)
}

/// Parses a multistatus on a blocking thread: a first sync's answer holds
/// every card of the book (megabytes).
async fn parse_off_thread(http: &DavHttp, body: Vec<u8>) -> Result<Multistatus> {
    tokio::task::spawn_blocking(move || parse_multistatus(&body))
        .await
        .map_err(|e| http.protocol(format!("the answer could not be read: {e}")))?
        .map_err(|e| http.protocol(e))
}
