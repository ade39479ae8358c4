//! Contacts: CRUD, normalization-aware matching, CSV and vCard import with
//! skip reports, CSV export.

mod common;

use common::{open, DAY0};
use ringside_store::{ContactFields, ContactNumber, StoreError};

fn names(contacts: &[ringside_store::Contact]) -> Vec<&str> {
    contacts.iter().map(|c| c.fields.name.as_str()).collect()
}

#[test]
fn contact_crud_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let fields = ContactFields {
        name: "Zoë Ångström".into(),
        company: Some("Nordic Tiles".into()),
        numbers: vec![
            ContactNumber::labeled("Mobile", "07700 900123"),
            ContactNumber::new("+44 20 7946 000"),
        ],
        email: Some("zoe@example.com".into()),
        notes: Some("Deliveries before 10am".into()),
        crm_url: Some("https://crm.example/c/42".into()),
    };
    let created = store
        .create_contact(fields.clone(), DAY0)
        .wait()
        .expect("create");
    let got = store
        .get_contact(created.id)
        .wait()
        .expect("get")
        .expect("exists");
    assert_eq!(got, created, "what create returns is what is stored");
    assert_eq!(got.fields.name, fields.name, "name round-trips");
    assert_eq!(
        got.fields
            .numbers
            .iter()
            .map(|n| n.normalized.as_deref())
            .collect::<Vec<_>>(),
        [Some("+447700900123"), Some("+44207946000")],
        "numbers keep their order and gain their normalized form"
    );
    assert_eq!(
        got.fields.numbers[0].number, "07700 900123",
        "the number as typed is kept for display"
    );

    let mut changed = fields.clone();
    changed.numbers = vec![ContactNumber::new("0161 496 0000")];
    let updated = store
        .update_contact(created.id, changed, DAY0 + 1)
        .wait()
        .expect("update");
    assert_eq!(
        updated.updated_at_ms,
        DAY0 + 1,
        "the update time is recorded"
    );
    assert!(
        store
            .lookup_caller("+44 20 7946 000", DAY0, 5)
            .wait()
            .expect("lookup")
            .contact
            .is_none(),
        "a removed number no longer matches"
    );
    assert_eq!(
        store
            .lookup_caller("01614960000", DAY0, 5)
            .wait()
            .expect("lookup")
            .contact
            .map(|c| c.id),
        Some(created.id),
        "the new number matches"
    );
    store.delete_contact(created.id).wait().expect("delete");
    assert!(
        store.get_contact(created.id).wait().expect("get").is_none(),
        "deleted"
    );
    assert!(
        store
            .search_contacts("nordic", 10)
            .wait()
            .expect("search")
            .is_empty(),
        "deleted contacts leave the index"
    );
    let err = store
        .delete_contact(created.id)
        .wait()
        .expect_err("deleting twice fails");
    assert!(
        matches!(err, StoreError::NoSuchContact(_)),
        "a clear error for a missing contact: {err:?}"
    );
    let empty = store
        .create_contact(ContactFields::default(), DAY0)
        .wait()
        .expect_err("no name");
    assert_eq!(empty.code(), "invalid", "a contact needs a name");
}

#[test]
fn search_contacts_by_number_name_company_and_notes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let mk = |name: &str, company: &str, num: &str, notes: &str| ContactFields {
        name: name.into(),
        company: Some(company.into()),
        numbers: vec![ContactNumber::new(num)],
        notes: Some(notes.into()),
        ..Default::default()
    };
    store
        .create_contacts(
            vec![
                mk("José García", "Acme", "+44 20 7946 000", "gate code 1234"),
                mk("Jane Smith", "Société Générale", "0161 496 0000", ""),
                mk("Bob Jones", "Builders", "1005", ""),
            ],
            DAY0,
        )
        .wait()
        .expect("create");
    let s = |t: &str| store.search_contacts(t, 20).wait().expect("search");
    assert_eq!(
        names(&s("0207946000")),
        ["José García"],
        "0207946000 finds the contact saved as +44 20 7946 000"
    );
    assert_eq!(
        names(&s("7946 000")),
        ["José García"],
        "a spaced fragment matches"
    );
    assert_eq!(
        names(&s("0161")),
        ["Jane Smith"],
        "a national area code matches"
    );
    assert_eq!(
        names(&s("jose")),
        ["José García"],
        "accent-insensitive name"
    );
    assert_eq!(
        names(&s("GARC")),
        ["José García"],
        "case-insensitive fragment"
    );
    assert_eq!(
        names(&s("societe")),
        ["Jane Smith"],
        "company fragment, accents folded"
    );
    assert_eq!(
        names(&s("gate code")),
        ["José García"],
        "notes are searched"
    );
    assert_eq!(
        names(&s("1005")),
        ["Bob Jones"],
        "extensions are numbers too"
    );
    assert_eq!(names(&s("")).len(), 3, "empty text lists contacts");
}

const GOOGLE_CSV: &str = "\u{feff}Name,Given Name,Family Name,Organization Name,Notes,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value\r\n\
\"García, José\",José,García,\"Acme, Ltd\",\"Line one\nline two, with comma\",jose@example.com,Mobile,07700 900123 ::: +44 20 7946 000,Work,0161 496 0000\r\n\
,Jane,Smith,,,,Home,+33 1 23 45 67 89,,\r\n\
Broken Row,only,three\r\n\
Bad Number,,,,,,Mobile,call reception,,\r\n\
,,,,,,,,,\r\n\
,,,,just a note,,,,,\r\n";

#[test]
fn csv_import_google_export_with_bom_quotes_and_newlines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let report = store
        .import_csv(GOOGLE_CSV.as_bytes().to_vec(), DAY0)
        .wait()
        .expect("import");
    assert_eq!(report.imported, 2, "two good rows import: {report:?}");
    let skipped: Vec<(u64, &str)> = report
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (5, "has 3 fields, the header has 10"),
            (6, "Mobile \"call reception\" is not a phone number"),
            (8, "no name or company"),
        ],
        "malformed rows are skipped with their line (the quoted newline counts) and reason"
    );
    let jose = store.search_contacts("jose", 5).wait().expect("search");
    let jose = jose.first().expect("José imported");
    assert_eq!(
        jose.fields.name, "García, José",
        "a quoted field keeps its comma"
    );
    assert_eq!(
        jose.fields.company.as_deref(),
        Some("Acme, Ltd"),
        "company from Organization Name"
    );
    assert_eq!(
        jose.fields.notes.as_deref(),
        Some("Line one\nline two, with comma"),
        "a quoted newline stays in the field"
    );
    assert_eq!(
        jose.fields.email.as_deref(),
        Some("jose@example.com"),
        "e-mail from E-mail 1 - Value"
    );
    let nums: Vec<(Option<&str>, &str)> = jose
        .fields
        .numbers
        .iter()
        .map(|n| (n.label.as_deref(), n.number.as_str()))
        .collect();
    assert_eq!(
        nums,
        [
            (Some("Mobile"), "07700 900123"),
            (Some("Mobile"), "+44 20 7946 000"),
            (Some("Work"), "0161 496 0000")
        ],
        "Google's ' ::: ' joined numbers split, each with its Type column's label"
    );
    let jane = store
        .lookup_caller("0033123456789", DAY0, 1)
        .wait()
        .expect("lookup")
        .contact
        .expect("Jane matches");
    assert_eq!(
        jane.fields.name, "Jane Smith",
        "the name is built from given and family names"
    );
}

#[test]
fn csv_import_outlook_with_semicolons() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let csv = "First Name;Middle Name;Last Name;Company;E-mail Address;E-mail Display Name;Business Phone;Mobile Phone;Web Page\n\
               Ana;María;Pérez;\"Talleres; Hijos\";ana@example.es;Ana (ana@example.es);+34 91 123 45 67;;https://crm.example/ana\n\
               ;;;Only Company Ltd;;;020 7946 0001;;\n";
    let report = store
        .import_csv(csv.as_bytes().to_vec(), DAY0)
        .wait()
        .expect("import");
    assert_eq!(
        (report.imported, report.skipped.len()),
        (2, 0),
        "both rows import: {report:?}"
    );
    let ana = store.search_contacts("perez", 5).wait().expect("search");
    let ana = ana.first().expect("Ana imported");
    assert_eq!(
        ana.fields.name, "Ana María Pérez",
        "first, middle and last names are joined"
    );
    assert_eq!(
        ana.fields.company.as_deref(),
        Some("Talleres; Hijos"),
        "a quoted semicolon stays in the field"
    );
    assert_eq!(
        ana.fields.crm_url.as_deref(),
        Some("https://crm.example/ana"),
        "Web Page becomes the CRM link"
    );
    assert_eq!(
        ana.fields.numbers[0].label.as_deref(),
        Some("Business Phone"),
        "the header is the label"
    );
    let co = store
        .search_contacts("only company", 5)
        .wait()
        .expect("search");
    assert_eq!(
        names(&co),
        ["Only Company Ltd"],
        "a row with only a company is named after it"
    );
}

#[test]
fn csv_without_a_header_is_refused_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let err = store
        .import_csv(b"foo,bar\n1,2\n".to_vec(), DAY0)
        .wait()
        .expect_err("no usable header");
    assert_eq!(
        err.code(),
        "import",
        "a file without a name column is a clear import error: {err}"
    );
    let err = store
        .import_csv(Vec::new(), DAY0)
        .wait()
        .expect_err("empty file");
    assert_eq!(
        err.code(),
        "import",
        "an empty file is a clear import error: {err}"
    );
}

const VCARDS: &str = "BEGIN:VCARD\r\n\
VERSION:3.0\r\n\
N:Núñez;José;;Dr.;\r\n\
FN:Dr. José Núñez\r\n\
ORG:Acme\\, Ltd;Sales\r\n\
TEL;TYPE=WORK,VOICE:+44 20 7946 000\r\n\
TEL;TYPE=CELL:07700 900123\r\n\
EMAIL;TYPE=INTERNET:jose@example.com\r\n\
NOTE:Prefers mornings\\nAsk for the\r\n  warehouse\\; gate B\r\n\
END:VCARD\r\n\
BEGIN:VCARD\r\n\
VERSION:4.0\r\n\
FN:Jane Smith\r\n\
TEL;VALUE=uri;TYPE=\"voice,home\":tel:+33-1-23-45-67-89\r\n\
TEL;TYPE=work:tel:+44-161-496-0000;ext=12\r\n\
URL:https://crm.example/jane\r\n\
END:VCARD\r\n\
BEGIN:VCARD\r\n\
VERSION:3.0\r\n\
FN:No End\r\n\
BEGIN:VCARD\r\n\
VERSION:3.0\r\n\
this line has no colon\r\n\
FN:Broken\r\n\
END:VCARD\r\n\
BEGIN:VCARD\r\n\
VERSION:3.0\r\n\
TEL:0207946555\r\n\
END:VCARD\r\n\
BEGIN:VCARD\r\n\
VERSION:3.0\r\n\
N:Doe;John;;;\r\n\
TEL;CELL:020 7946 0002\r\n\
END:VCARD\r\n";

#[test]
fn vcard_import_with_folded_lines_several_tels_and_skips() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let report = store
        .import_vcard(VCARDS.to_owned(), DAY0)
        .wait()
        .expect("import");
    assert_eq!(report.imported, 3, "José, Jane and John import: {report:?}");
    let skipped: Vec<(u64, &str)> = report
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (19, "card has no END:VCARD"),
            (22, "line 24: \"this line has no colon\" has no ':'"),
            (27, "no name or company"),
        ],
        "each malformed card is skipped with the line it starts on"
    );
    let jose = store
        .lookup_caller("0207946000", DAY0, 1)
        .wait()
        .expect("lookup")
        .contact
        .expect("José by work number");
    assert_eq!(jose.fields.name, "Dr. José Núñez", "FN is the display name");
    assert_eq!(
        jose.fields.company.as_deref(),
        Some("Acme, Ltd"),
        "ORG's first component, unescaped"
    );
    assert_eq!(
        jose.fields.notes.as_deref(),
        Some("Prefers mornings\nAsk for the warehouse; gate B"),
        "a folded NOTE is unfolded and unescaped"
    );
    let labels: Vec<Option<&str>> = jose
        .fields
        .numbers
        .iter()
        .map(|n| n.label.as_deref())
        .collect();
    assert_eq!(
        labels,
        [Some("Work"), Some("Cell")],
        "several TEL entries, each with its type"
    );
    let jane = store
        .lookup_caller("+44 161 496 0000", DAY0, 1)
        .wait()
        .expect("lookup")
        .contact
        .expect("Jane");
    assert_eq!(jane.fields.numbers.len(), 2, "vCard 4.0 tel: URIs are read");
    assert_eq!(
        jane.fields.crm_url.as_deref(),
        Some("https://crm.example/jane"),
        "URL is the CRM link"
    );
    let john = store.search_contacts("john doe", 5).wait().expect("search");
    assert_eq!(
        names(&john),
        ["John Doe"],
        "without FN the name comes from N"
    );
}

#[test]
fn csv_export_reimports_to_the_same_contacts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("a.db"));
    store
        .import_vcard(VCARDS.to_owned(), DAY0)
        .wait()
        .expect("import");
    let csv = store.export_csv().wait().expect("export");
    let text = String::from_utf8(csv.clone()).expect("UTF-8");
    assert!(
        text.ends_with("\r\n") && text.matches("\r\n").count() == 1 + 3,
        "the header and each of the 3 records end in CRLF (RFC 4180), on every system; \
         a line break inside a quoted note stays as it was: {text:?}"
    );
    let copy = open(&dir.path().join("b.db"));
    let report = copy.import_csv(csv, DAY0).wait().expect("re-import");
    assert_eq!(
        (report.imported, report.skipped.len()),
        (3, 0),
        "every exported contact re-imports: {report:?}"
    );
    let strip = |mut v: Vec<ringside_store::Contact>| {
        v.iter_mut().for_each(|c| c.id = 0);
        v
    };
    let a = strip(store.search_contacts("", 10).wait().expect("list"));
    let b = strip(copy.search_contacts("", 10).wait().expect("list"));
    assert_eq!(
        a, b,
        "export then import keeps names, companies, notes, links and labelled numbers"
    );
}

#[test]
fn contact_names_for_colleague_extensions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("h.db"));
    let bob = |name: &str, numbers: Vec<ContactNumber>| ContactFields {
        name: name.into(),
        numbers,
        ..Default::default()
    };
    store
        .create_contact(
            bob(
                "Bob (sales desk)",
                vec![
                    ContactNumber::labeled("Desk", "1002"),
                    ContactNumber::new("07700 900123"),
                ],
            ),
            DAY0,
        )
        .wait()
        .expect("create");
    store
        .create_contact(bob("Bob again", vec![ContactNumber::new("1002")]), DAY0 + 1)
        .wait()
        .expect("create");
    store
        .create_contact(bob("Carol", vec![ContactNumber::new("10-03")]), DAY0)
        .wait()
        .expect("create");
    let got = store
        .contact_names(vec![
            "1002".into(),
            "1003".into(),
            "1004".into(),
            "anonymous".into(),
            "+447700900123".into(),
        ])
        .wait()
        .expect("names");
    assert_eq!(
        got.into_iter().collect::<Vec<_>>(),
        [
            ("+447700900123".to_owned(), "Bob (sales desk)".to_owned()),
            ("1002".into(), "Bob (sales desk)".into()),
            ("1003".into(), "Carol".into()),
        ],
        "each number keyed as asked, matched in any format, the oldest contact first; unknown and non-numbers left out"
    );
}
