//! Contacts in the synchronous repository: create, update, delete, read,
//! search and bulk import, each contact with its numbers (normalized for
//! matching) and its row in the contacts search index, kept in step in the
//! same transaction.

use std::collections::BTreeMap;
use std::path::Path;

use ringside_calls::NumberPlan;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use crate::error::{Result, SqlContext, StoreError};
use crate::import::Parsed;
use crate::model::{
    normalize_numbers, Contact, ContactFields, ContactNumber, ContactOrigin, ImportReport,
};
use crate::sql::{escape_like, number_match};
use crate::text::{fold, fts_phrase, is_number_like, trigram_usable};

fn validate(fields: &ContactFields) -> Result<()> {
    if fields.name.trim().is_empty() {
        return Err(StoreError::Invalid("A contact needs a name.".into()));
    }
    Ok(())
}

pub(crate) fn write_numbers(
    tx: &Connection,
    plan: &NumberPlan,
    id: i64,
    numbers: &[ContactNumber],
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM contact_numbers WHERE contact_id = ?1")?
        .execute([id])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO contact_numbers (contact_id, position, label, number, norm) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (pos, n) in numbers.iter().enumerate() {
        insert.execute(params![
            id,
            pos as i64,
            n.label,
            n.number,
            plan.normalize(&n.number)
        ])?;
    }
    Ok(())
}

pub(crate) fn refresh_contact_fts(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM contacts_fts WHERE rowid = ?1")?
        .execute([id])?;
    conn.prepare_cached(
        "INSERT INTO contacts_fts (rowid, num, name, email, notes)
         SELECT c.id,
                (SELECT group_concat('^' || ltrim(n.norm, '+'), ' ') FROM contact_numbers n
                  WHERE n.contact_id = c.id AND n.norm IS NOT NULL),
                ringside_fold(c.name || ' ' || coalesce(c.company, '')),
                ringside_fold(c.email),
                ringside_fold(c.notes)
         FROM contacts c WHERE c.id = ?1",
    )?
    .execute([id])?;
    Ok(())
}

fn insert_contact(
    tx: &Connection,
    plan: &NumberPlan,
    fields: &ContactFields,
    now_ms: i64,
) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO contacts (name, company, email, notes, crm_url, created_at_ms, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        fields.name,
        fields.company,
        fields.email,
        fields.notes,
        fields.crm_url,
        now_ms
    ])?;
    let id = tx.last_insert_rowid();
    write_numbers(tx, plan, id, &fields.numbers)?;
    refresh_contact_fts(tx, id)?;
    Ok(id)
}

/// Adds contacts in one transaction; returns their ids.
pub(crate) fn create_contacts(
    conn: &mut Connection,
    path: &Path,
    plan: &NumberPlan,
    all: &[ContactFields],
    now_ms: i64,
) -> Result<Vec<i64>> {
    for fields in all {
        validate(fields)?;
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let mut ids = Vec::with_capacity(all.len());
    for fields in all {
        ids.push(insert_contact(&tx, plan, fields, now_ms).at(path)?);
    }
    tx.commit().at(path)?;
    Ok(ids)
}

/// Replaces a contact's fields.
pub(crate) fn update_contact(
    conn: &mut Connection,
    path: &Path,
    plan: &NumberPlan,
    id: i64,
    fields: &ContactFields,
    now_ms: i64,
) -> Result<Contact> {
    validate(fields)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    refuse_synced(&tx, path, id)?;
    let changed = tx
        .execute(
            "UPDATE contacts SET name = ?2, company = ?3, email = ?4, notes = ?5, crm_url = ?6, updated_at_ms = ?7
             WHERE id = ?1",
            params![id, fields.name, fields.company, fields.email, fields.notes, fields.crm_url, now_ms],
        )
        .at(path)?;
    if changed == 0 {
        return Err(StoreError::NoSuchContact(id));
    }
    write_numbers(&tx, plan, id, &fields.numbers).at(path)?;
    refresh_contact_fts(&tx, id).at(path)?;
    tx.commit().at(path)?;
    get_contact(conn, path, id)?.ok_or(StoreError::NoSuchContact(id))
}

/// Refuses to change a contact synced from an address book: the server
/// holds it, and the next sync would undo the change anyway.
fn refuse_synced(conn: &Connection, path: &Path, id: i64) -> Result<()> {
    let book: Option<String> = conn
        .prepare_cached(
            "SELECT b.name FROM contacts c JOIN address_books b ON b.id = c.book_id WHERE c.id = ?1",
        )
        .at(path)?
        .query_row([id], |r| r.get(0))
        .optional()
        .at(path)?;
    match book {
        Some(book) => Err(StoreError::SyncedContact { book }),
        None => Ok(()),
    }
}

/// Deletes a contact (its numbers go with it). Notes on its numbers are
/// kept: they belong to the number, not to the contact.
pub(crate) fn delete_contact(conn: &Connection, path: &Path, id: i64) -> Result<()> {
    refuse_synced(conn, path, id)?;
    if conn
        .execute("DELETE FROM contacts WHERE id = ?1", [id])
        .at(path)?
        == 0
    {
        return Err(StoreError::NoSuchContact(id));
    }
    Ok(())
}

/// One contact with its numbers.
pub(crate) fn get_contact(conn: &Connection, path: &Path, id: i64) -> Result<Option<Contact>> {
    let contact = conn
        .prepare_cached(
            "SELECT c.id, c.name, c.company, c.email, c.notes, c.crm_url, c.created_at_ms, c.updated_at_ms,
                    b.name, c.title
             FROM contacts c LEFT JOIN address_books b ON b.id = c.book_id WHERE c.id = ?1",
        )
        .at(path)?
        .query_row([id], contact_from_row)
        .optional()
        .at(path)?;
    let Some(mut contact) = contact else {
        return Ok(None);
    };
    contact.fields.numbers = conn
        .prepare_cached("SELECT label, number, norm FROM contact_numbers WHERE contact_id = ?1 ORDER BY position")
        .at(path)?
        .query_map([id], |r| Ok(ContactNumber { label: r.get(0)?, number: r.get(1)?, normalized: r.get(2)? }))
        .at(path)?
        .collect::<rusqlite::Result<_>>()
        .at(path)?;
    Ok(Some(contact))
}

fn contact_from_row(r: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: r.get(0)?,
        fields: ContactFields {
            name: r.get(1)?,
            company: r.get(2)?,
            numbers: Vec::new(),
            email: r.get(3)?,
            notes: r.get(4)?,
            crm_url: r.get(5)?,
        },
        created_at_ms: r.get(6)?,
        updated_at_ms: r.get(7)?,
        origin: match r.get::<_, Option<String>>(8)? {
            Some(_) => ContactOrigin::AddressBook,
            None => ContactOrigin::Local,
        },
        address_book: r.get(8)?,
        title: r.get(9)?,
    })
}

fn contacts_by_ids(conn: &Connection, path: &Path, ids: &[i64]) -> Result<Vec<Contact>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(c) = get_contact(conn, path, *id)? {
            out.push(c);
        }
    }
    Ok(out)
}

/// Every contact, by name.
pub(crate) fn all_contacts(conn: &Connection, path: &Path) -> Result<Vec<Contact>> {
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM contacts ORDER BY name COLLATE NOCASE, id")
        .at(path)?
        .query_map([], |r| r.get(0))
        .at(path)?
        .collect::<rusqlite::Result<_>>()
        .at(path)?;
    contacts_by_ids(conn, path, &ids)
}

/// Searches contacts by number fragment, or by name, company, e-mail or
/// notes fragment; sorted by name.
pub(crate) fn search_contacts(
    conn: &Connection,
    path: &Path,
    plan: &NumberPlan,
    text: &str,
    limit: u32,
) -> Result<Vec<Contact>> {
    let text = text.trim();
    let limit = i64::from(limit.max(1));
    let ids: Vec<i64> = if text.is_empty() {
        conn.prepare_cached("SELECT id FROM contacts ORDER BY name COLLATE NOCASE LIMIT ?1")
            .at(path)?
            .query_map([limit], |r| r.get(0))
            .at(path)?
            .collect::<rusqlite::Result<_>>()
            .at(path)?
    } else if is_number_like(text) {
        match number_match(plan, text) {
            Some(m) => fts_ids(conn, path, "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?1 ORDER BY rowid LIMIT ?2", &m, limit)?,
            None => {
                let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                fts_ids(
                    conn,
                    path,
                    "SELECT DISTINCT contact_id FROM contact_numbers WHERE instr(norm, ?1) > 0 ORDER BY contact_id LIMIT ?2",
                    &digits,
                    limit,
                )?
            }
        }
    } else {
        let folded = fold(text);
        if trigram_usable(&folded) {
            let m = format!("{{name email notes}} : {}", fts_phrase(&folded));
            fts_ids(conn, path, "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?1 ORDER BY rowid LIMIT ?2", &m, limit)?
        } else {
            fts_ids(
                conn,
                path,
                "SELECT rowid FROM contacts_fts WHERE name LIKE '%' || ?1 || '%' ORDER BY rowid LIMIT ?2",
                &escape_like(&folded),
                limit,
            )?
        }
    };
    let mut contacts = contacts_by_ids(conn, path, &ids)?;
    contacts.sort_by_cached_key(|c| (fold(&c.fields.name), c.id));
    Ok(contacts)
}

fn fts_ids(conn: &Connection, path: &Path, sql: &str, arg: &str, limit: i64) -> Result<Vec<i64>> {
    conn.prepare_cached(sql)
        .at(path)?
        .query_map(params![arg, limit], |r| r.get(0))
        .at(path)?
        .collect::<rusqlite::Result<_>>()
        .at(path)
}

/// Imports parsed contacts in one transaction and completes the report.
pub(crate) fn import_contacts(
    conn: &mut Connection,
    path: &Path,
    plan: &NumberPlan,
    parsed: Parsed,
    now_ms: i64,
) -> Result<ImportReport> {
    let mut contacts = parsed.contacts;
    for (_, c) in &mut contacts {
        normalize_numbers(plan, c);
    }
    let all: Vec<ContactFields> = contacts.into_iter().map(|(_, c)| c).collect();
    let ids = create_contacts(conn, path, plan, &all, now_ms)?;
    Ok(ImportReport {
        imported: ids.len(),
        skipped: parsed.skipped,
    })
}

/// The contact name for each of `numbers` that a contact has, keyed by the
/// number as given; see `HistoryStore::contact_names`.
pub(crate) fn contact_names(
    conn: &Connection,
    path: &Path,
    plan: &NumberPlan,
    numbers: &[String],
) -> Result<BTreeMap<String, String>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT c.name FROM contact_numbers n JOIN contacts c ON c.id = n.contact_id
             WHERE n.norm = ?1 ORDER BY c.book_id IS NOT NULL, n.contact_id LIMIT 1",
        )
        .at(path)?;
    let mut out = BTreeMap::new();
    for raw in numbers {
        let Some(norm) = plan.normalize(raw) else {
            continue;
        };
        if let Some(name) = stmt
            .query_row([&norm], |r| r.get::<_, String>(0))
            .optional()
            .at(path)?
        {
            out.insert(raw.clone(), name);
        }
    }
    Ok(out)
}
