//! CardDAV sync against a real Radicale on loopback (see support/radicale.rs):
//! the first sync of 5,000 cards, an incremental sync after edits and
//! deletions on the server, a wrong password, a malformed card, a hostile
//! value, and notes that outlive a deleted card.

#[path = "support/radicale.rs"]
mod radicale_support;

use radicale::{Radicale, BOOK_NAME, PASSWORD, USER};
use radicale_support as radicale;
use ringside_ami::{Secret, TlsTrust};
use ringside_directory::carddav::{self, CardDavConfig, Error, SyncMethod};
use ringside_store::{
    ContactFields, ContactNumber, ContactOrigin, HistoryStore, NoteTarget, NumberPlan, StoreConfig,
    StoreError,
};

/// Radicale itself drops a card it cannot parse (a line without ':', no
/// FN at all), so the malformed card that reaches a client is one its
/// parser accepts: here, a blank name and nothing to name it by.
const MALFORMED: &str =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:broken\r\nFN:\r\nTEL:+49 30 999\r\nEND:VCARD\r\n";
const HOSTILE: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:hostile\r\n\
    FN:<script>alert(1)</script>\\nX-Evil: 1\r\nORG:<b>Bold & Co</b>\r\n\
    TEL:+49 89 5550 1234\r\nNOTE:line one\\nline two <img src=x>\r\nEND:VCARD\r\n";

fn store(dir: &tempfile::TempDir) -> HistoryStore {
    HistoryStore::open(
        StoreConfig::new(NumberPlan::new("49", "0", "00")).with_path(dir.path().join("history.db")),
    )
    .expect("store opens")
}

fn config(server: &Radicale, password: &str) -> CardDavConfig {
    CardDavConfig::new(
        server.url(),
        USER,
        Secret::new(password),
        TlsTrust::system(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(windows, ignore = "Radicale (a Python server) is not run under Wine")]
async fn first_sync_then_edits_and_deletions_on_the_server() {
    let server = Radicale::start(
        5_000,
        &[("broken.vcf", MALFORMED), ("hostile.vcf", HOSTILE)],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let store = store(&dir);
    let config = config(&server, PASSWORD);

    // Radicale parses every card on its first read; timed apart from ours.
    eprintln!("Radicale's first read: {:?}", server.warm());
    let started = std::time::Instant::now();
    let report = carddav::sync(&config, &store).await.expect("first sync");
    eprintln!("first sync of 5,002 cards: {:?}", started.elapsed());
    assert_eq!(
        report.books.len(),
        1,
        "one address book discovered: {report:?}"
    );
    let book = &report.books[0];
    assert_eq!(book.name, BOOK_NAME, "the book's display name");
    assert_eq!(
        book.method,
        SyncMethod::SyncCollection,
        "Radicale has sync-collection"
    );
    assert!(book.full, "a first sync reads the whole book");
    assert_eq!(
        (book.added, book.updated, book.removed),
        (5_001, 0, 0),
        "5,000 + the hostile card"
    );
    assert_eq!(
        book.skipped.len(),
        1,
        "the malformed card is skipped: {:?}",
        book.skipped
    );
    assert!(
        book.skipped[0].href.ends_with("/broken.vcf") && book.skipped[0].reason.contains("no name"),
        "the skip names the card and why: {:?}",
        book.skipped[0]
    );

    // Numbers are normalized: the card's "030 1000042" answers "+49 30 1000042".
    let popup = store
        .lookup_caller("+49 30 1000042", 0, 5)
        .await
        .expect("lookup");
    let contact = popup
        .contact
        .expect("the synced contact is found by any format");
    assert_eq!(contact.fields.name, "Person 42");
    assert_eq!(
        contact.origin,
        ContactOrigin::AddressBook,
        "the card says it came from the book"
    );
    assert_eq!(contact.address_book.as_deref(), Some(BOOK_NAME));
    assert_eq!(contact.title.as_deref(), Some("Buyer"), "TITLE is kept");

    check_hostile_card_is_text(&store).await;
    check_synced_contacts_are_read_only(&store, contact.id).await;
    check_local_contact_wins(&store).await;

    // Notes on a number whose card is then deleted on the server.
    store
        .add_note(
            NoteTarget::Number("0170 0000007".into()),
            "Wants the invoice in English",
            1,
        )
        .await
        .expect("note");
    for i in [5, 6, 7] {
        server.put(
            &radicale::href(i),
            &radicale::person(i).replace("Buyer", "Head buyer"),
        );
    }
    server.delete(&radicale::href(7));
    server.delete(&radicale::href(8));
    server.put(&radicale::href(9_999), &radicale::person(9_999));

    let started = std::time::Instant::now();
    let report = carddav::sync(&config, &store).await.expect("second sync");
    eprintln!("incremental sync: {:?}", started.elapsed());
    let book = &report.books[0];
    assert!(!book.full, "the second sync starts from the stored token");
    assert_eq!(
        (book.added, book.updated, book.removed),
        (1, 2, 2),
        "person 9999 new; 5 and 6 changed (7 changed, then went); 7 and 8 deleted"
    );
    let p5 = store
        .lookup_caller("+491700000005", 0, 1)
        .await
        .expect("lookup");
    assert_eq!(
        p5.contact.and_then(|c| c.title).as_deref(),
        Some("Head buyer"),
        "the edit arrived"
    );
    let p7 = store
        .lookup_caller("+491700000007", 0, 1)
        .await
        .expect("lookup");
    assert!(
        p7.contact.is_none(),
        "a card deleted on the server is gone from the contacts"
    );
    assert_eq!(
        p7.number_notes
            .iter()
            .map(|n| n.body.as_str())
            .collect::<Vec<_>>(),
        ["Wants the invoice in English"],
        "the note on its number stays"
    );

    let again = carddav::sync(&config, &store).await.expect("third sync");
    let book = &again.books[0];
    assert_eq!(
        (book.added, book.updated, book.removed),
        (0, 0, 0),
        "nothing changed: {book:?}"
    );
}

async fn check_hostile_card_is_text(store: &HistoryStore) {
    let popup = store
        .lookup_caller("089 55501234", 0, 1)
        .await
        .expect("lookup");
    let c = popup.contact.expect("the hostile card is stored, as text");
    assert_eq!(
        c.fields.name, "<script>alert(1)</script> X-Evil: 1",
        "markup kept verbatim, the smuggled line break is a space, no property was injected"
    );
    assert_eq!(c.fields.company.as_deref(), Some("<b>Bold & Co</b>"));
    assert_eq!(
        c.fields.notes.as_deref(),
        Some("line one\nline two <img src=x>")
    );
}

async fn check_synced_contacts_are_read_only(store: &HistoryStore, id: i64) {
    let edit = ContactFields {
        name: "Renamed".into(),
        ..ContactFields::default()
    };
    let err = store
        .update_contact(id, edit, 2)
        .await
        .expect_err("read-only");
    assert!(matches!(err, StoreError::SyncedContact { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("This contact comes from the address book {BOOK_NAME}; change it there.")
    );
    let err = store.delete_contact(id).await.expect_err("read-only");
    assert!(matches!(err, StoreError::SyncedContact { .. }), "{err:?}");
}

async fn check_local_contact_wins(store: &HistoryStore) {
    let local = ContactFields {
        name: "Frau Zwölf (saved)".into(),
        numbers: vec![ContactNumber::new("+49 170 0000012")],
        ..ContactFields::default()
    };
    store.create_contact(local, 3).await.expect("local contact");
    let popup = store
        .lookup_caller("01700000012", 0, 1)
        .await
        .expect("lookup");
    let c = popup.contact.expect("a contact");
    assert_eq!(
        (c.fields.name.as_str(), c.origin),
        ("Frau Zwölf (saved)", ContactOrigin::Local),
        "a contact saved in Ringside wins over the address book's"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(windows, ignore = "Radicale (a Python server) is not run under Wine")]
async fn a_wrong_password_says_so_and_changes_nothing() {
    let server = Radicale::start(3, &[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = store(&dir);
    let err = carddav::sync(&config(&server, "wrong"), &store)
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::Refused { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(USER)
            && msg.contains("password")
            && msg.contains(&format!("127.0.0.1:{}", server.port)),
        "the message names the user, the server and what to check: {msg}"
    );
    assert!(!msg.contains("wrong"), "the password is never shown: {msg}");
    let all = store.search_contacts("", 10).await.expect("search");
    assert!(all.is_empty(), "nothing was synced");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(windows, ignore = "Radicale (a Python server) is not run under Wine")]
async fn a_server_that_is_not_there_is_unreachable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = store(&dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let config = CardDavConfig::new(
        format!("http://127.0.0.1:{port}/"),
        USER,
        Secret::new(PASSWORD),
        TlsTrust::system(),
    );
    let err = carddav::sync(&config, &store)
        .await
        .expect_err("nobody listens");
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
}
