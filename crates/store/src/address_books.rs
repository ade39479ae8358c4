//! Contacts synced from CardDAV address books: what the store remembers of
//! each book (its sync token, each card's href and ETag) and one sync's
//! changes written in one transaction, so a process killed mid-write leaves
//! the book as it was before the sync, whole.
//!
//! The protocol (discovery, REPORT, PROPFIND) is the directory crate's; it
//! hands over [`BookChanges`] and reads [`BookState`].

use std::collections::HashMap;
use std::path::Path;

use ringside_calls::NumberPlan;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::contacts::{refresh_contact_fts, write_numbers};
use crate::error::{Result, SqlContext};
use crate::vcard::Card;

/// One card of an address book, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedCard {
    /// Its path on the server, as the server wrote it in the listing.
    pub href: String,
    /// Its ETag, to tell later whether it changed.
    pub etag: Option<String>,
    /// What it says.
    pub card: Card,
}

/// What one sync found changed in one address book.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BookChanges {
    /// The collection's URL: the book's identity in the store.
    pub url: String,
    /// Its display name, for the card and for messages.
    pub name: String,
    /// `changed` lists every card of the book: stored cards not in it (nor
    /// in `unchanged`) were deleted on the server. Set for a first sync and
    /// whenever the server made the client start over.
    pub complete: bool,
    /// Cards added or changed on the server.
    pub changed: Vec<SyncedCard>,
    /// With `complete`, the hrefs whose stored copy is still current.
    pub unchanged: Vec<String>,
    /// Hrefs deleted on the server.
    pub removed: Vec<String>,
    /// The server's new sync token, or `None` when it has none.
    pub sync_token: Option<String>,
}

/// What the store knows of a book: where the last sync ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BookState {
    /// The token of the last sync, when the server gave one.
    pub sync_token: Option<String>,
    /// Each stored card's ETag, by href.
    pub etags: HashMap<String, Option<String>>,
}

/// What writing one sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookSyncApplied {
    /// Contacts new to the store.
    pub added: usize,
    /// Contacts whose card changed.
    pub updated: usize,
    /// Contacts removed because the server deleted their card.
    pub removed: usize,
}

/// The stored state of the book at `url` (empty before its first sync).
pub(crate) fn book_state(conn: &Connection, path: &Path, url: &str) -> Result<BookState> {
    let token: Option<Option<String>> = conn
        .prepare_cached("SELECT sync_token FROM address_books WHERE url = ?1")
        .at(path)?
        .query_row([url], |r| r.get(0))
        .optional()
        .at(path)?;
    let etags = conn
        .prepare_cached(
            "SELECT c.href, c.etag FROM contacts c JOIN address_books b ON b.id = c.book_id
             WHERE b.url = ?1",
        )
        .at(path)?
        .query_map([url], |r| Ok((r.get(0)?, r.get(1)?)))
        .at(path)?
        .collect::<rusqlite::Result<_>>()
        .at(path)?;
    Ok(BookState {
        sync_token: token.flatten(),
        etags,
    })
}

/// Writes one sync of one book in one IMMEDIATE transaction.
pub(crate) fn apply_changes(
    conn: &mut Connection,
    path: &Path,
    plan: &NumberPlan,
    changes: &BookChanges,
    now_ms: i64,
) -> Result<BookSyncApplied> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let applied = write_changes(&tx, plan, changes, now_ms).at(path)?;
    tx.commit().at(path)?;
    Ok(applied)
}

fn write_changes(
    tx: &Connection,
    plan: &NumberPlan,
    changes: &BookChanges,
    now_ms: i64,
) -> rusqlite::Result<BookSyncApplied> {
    let book: i64 = tx.query_row(
        "INSERT INTO address_books (url, name, sync_token, synced_at_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (url) DO UPDATE
         SET name = excluded.name, sync_token = excluded.sync_token, synced_at_ms = excluded.synced_at_ms
         RETURNING id",
        params![changes.url, changes.name, changes.sync_token, now_ms],
        |r| r.get(0),
    )?;
    let mut stored: HashMap<String, i64> = tx
        .prepare_cached("SELECT href, id FROM contacts WHERE book_id = ?1")?
        .query_map([book], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut applied = BookSyncApplied::default();
    for synced in &changes.changed {
        match stored.remove(&synced.href) {
            Some(id) => {
                update_card(tx, plan, id, synced, now_ms)?;
                applied.updated += 1;
            }
            None => {
                insert_card(tx, plan, book, synced, now_ms)?;
                applied.added += 1;
            }
        }
    }
    let gone: Vec<i64> = if changes.complete {
        for href in &changes.unchanged {
            stored.remove(href);
        }
        stored.into_values().collect()
    } else {
        changes
            .removed
            .iter()
            .filter_map(|href| stored.get(href).copied())
            .collect()
    };
    // Numbers go with the contact (ON DELETE CASCADE) and the search row
    // with a trigger; notes on the numbers are the number's and stay.
    let mut delete = tx.prepare_cached("DELETE FROM contacts WHERE id = ?1")?;
    for id in gone {
        applied.removed += delete.execute([id])?;
    }
    Ok(applied)
}

fn insert_card(
    tx: &Connection,
    plan: &NumberPlan,
    book: i64,
    synced: &SyncedCard,
    now_ms: i64,
) -> rusqlite::Result<()> {
    let f = &synced.card.fields;
    tx.prepare_cached(
        "INSERT INTO contacts (name, company, email, notes, crm_url, created_at_ms, updated_at_ms,
                               book_id, href, etag, title)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        f.name,
        f.company,
        f.email,
        f.notes,
        f.crm_url,
        now_ms,
        book,
        synced.href,
        synced.etag,
        synced.card.title
    ])?;
    let id = tx.last_insert_rowid();
    write_numbers(tx, plan, id, &f.numbers)?;
    refresh_contact_fts(tx, id)
}

fn update_card(
    tx: &Connection,
    plan: &NumberPlan,
    id: i64,
    synced: &SyncedCard,
    now_ms: i64,
) -> rusqlite::Result<()> {
    let f = &synced.card.fields;
    tx.prepare_cached(
        "UPDATE contacts SET name = ?2, company = ?3, email = ?4, notes = ?5, crm_url = ?6,
                             updated_at_ms = ?7, etag = ?8, title = ?9
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        f.name,
        f.company,
        f.email,
        f.notes,
        f.crm_url,
        now_ms,
        synced.etag,
        synced.card.title
    ])?;
    write_numbers(tx, plan, id, &f.numbers)?;
    refresh_contact_fts(tx, id)
}
