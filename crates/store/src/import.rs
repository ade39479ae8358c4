//! Contact import (CSV, vCard 3.0/4.0) and export (CSV). Pure parsing: the
//! parsers turn a file's bytes into contacts plus a line-numbered list of
//! what was skipped; writing them is the store's job.
//!
//! A malformed row or card is skipped with its reason; the rest imports.
//! Only a file that cannot be read at all (no header row, ...) is an error.

use std::collections::BTreeMap;

use ringside_calls::NumberPlan;

use crate::error::{Result, StoreError};
use crate::model::{Contact, ContactFields, ContactNumber, SkippedRow};

/// What a parser found: contacts with the line they start on, and skips.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Contacts to import, each with the 1-based line it starts on.
    pub contacts: Vec<(u64, ContactFields)>,
    /// Rows that will not be imported.
    pub skipped: Vec<SkippedRow>,
}

impl Parsed {
    pub(crate) fn skip(&mut self, line: u64, reason: impl Into<String>) {
        self.skipped.push(SkippedRow {
            line,
            reason: reason.into(),
        });
    }

    /// Keeps a contact if it has a name (or company) and its numbers are numbers.
    pub(crate) fn accept(&mut self, plan: &NumberPlan, line: u64, mut c: ContactFields) {
        if c.name.trim().is_empty() {
            match c.company.clone().filter(|s| !s.trim().is_empty()) {
                Some(company) => c.name = company,
                None => return self.skip(line, "no name or company"),
            }
        }
        if let Some(bad) = c
            .numbers
            .iter()
            .find(|n| plan.normalize(&n.number).is_none())
        {
            let what = bad.label.as_deref().unwrap_or("phone");
            return self.skip(
                line,
                format!("{what} \"{}\" is not a phone number", bad.number),
            );
        }
        self.contacts.push((line, c));
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

// ---- CSV ------------------------------------------------------------------

/// What a CSV column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Name,
    First,
    Middle,
    Last,
    Company,
    Email,
    Notes,
    Url,
    /// A phone column; the label is the header ("Mobile Phone"), or comes from
    /// a paired "Phone N - Type" column in Google's format.
    Phone {
        label: Option<String>,
        google_index: Option<u32>,
    },
    /// Google's "Phone N - Type".
    PhoneType(u32),
    Ignored,
}

fn classify(header: &str) -> Column {
    let key: String = header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    // Google: "Phone 1 - Value", "Phone 1 - Type"
    if let Some(rest) = key.strip_prefix("phone") {
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(n) = digits.parse::<u32>() {
            let tail = &rest[digits.len()..];
            return match tail {
                "value" => Column::Phone {
                    label: None,
                    google_index: Some(n),
                },
                "type" | "label" => Column::PhoneType(n),
                _ => Column::Ignored,
            };
        }
    }
    match key.as_str() {
        "name" | "fullname" | "displayname" | "fn" | "contactname" | "contact" => {
            return Column::Name
        }
        "firstname" | "givenname" | "first" => return Column::First,
        "middlename" | "additionalname" | "middle" => return Column::Middle,
        "lastname" | "familyname" | "surname" | "last" => return Column::Last,
        "company" | "companyname" | "organization" | "organisation" | "org"
        | "organizationname" | "organization1name" => return Column::Company,
        "email" | "emailaddress" | "mail" | "email1value" | "emailaddress1" => {
            return Column::Email
        }
        "notes" | "note" | "comments" | "comment" => return Column::Notes,
        "crmurl" | "crm" | "url" | "website" | "webpage" | "website1value" => return Column::Url,
        _ => {}
    }
    let is_label = key.contains("type") || key.contains("label");
    if !is_label
        && (key.contains("phone")
            || key.contains("mobile")
            || key.contains("tel")
            || key == "cell"
            || key == "number")
    {
        return Column::Phone {
            label: Some(header.trim().to_owned()),
            google_index: None,
        };
    }
    Column::Ignored
}

/// Picks `;`, `,` or tab: the one that occurs most in the header line,
/// outside quotes.
fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                for (d, n) in &mut counts {
                    if *d == b {
                        *n += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map_or(b',', |(d, _)| *d)
}

/// Parses a contacts CSV: UTF-8 with or without BOM, `,` `;` or tab
/// separated (sniffed), fields quoted or not (quoted fields may hold the
/// separator and newlines), header names as Google, Outlook and most
/// address books write them.
pub fn parse_csv(plan: &NumberPlan, bytes: &[u8]) -> Result<Parsed> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let delimiter = sniff_delimiter(&head);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(StoreError::Import(format!(
                "the header row cannot be read: {e}"
            )))
        }
        None => return Err(StoreError::Import("the file is empty".into())),
    };
    let columns: Vec<Column> = header
        .iter()
        .map(|h| classify(&String::from_utf8_lossy(h)))
        .collect();
    let useful = |c: &Column| {
        matches!(
            c,
            Column::Name | Column::First | Column::Last | Column::Company
        )
    };
    if !columns.iter().any(useful) {
        return Err(StoreError::Import(
            "the first row must name the columns, with at least a name or company column".into(),
        ));
    }
    let mut out = Parsed::default();
    for rec in records {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(bytes, p.byte()));
                out.skip(line, format!("unreadable row: {e}"));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| line_at(bytes, p.byte()));
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue; // blank line
        }
        if rec.len() != columns.len() {
            out.skip(
                line,
                format!("has {} fields, the header has {}", rec.len(), columns.len()),
            );
            continue;
        }
        let mut fields = Vec::with_capacity(rec.len());
        let mut bad_utf8 = false;
        for f in rec.iter() {
            match std::str::from_utf8(f) {
                Ok(s) => fields.push(s),
                Err(_) => bad_utf8 = true,
            }
        }
        if bad_utf8 {
            out.skip(line, "is not valid UTF-8 (save the file as UTF-8)");
            continue;
        }
        out_row(plan, &mut out, line, &columns, &fields);
    }
    Ok(out)
}

/// The 1-based line where a record starting at `offset` begins. csv's own
/// line counter lags by one after CRLF line ends, and its record offset
/// points at the `\n` of a CRLF, so skip line ends before counting.
fn line_at(bytes: &[u8], offset: u64) -> u64 {
    let mut end = (offset as usize).min(bytes.len());
    while end < bytes.len() && (bytes[end] == b'\r' || bytes[end] == b'\n') {
        end += 1;
    }
    bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

fn out_row(plan: &NumberPlan, out: &mut Parsed, line: u64, columns: &[Column], fields: &[&str]) {
    let mut c = ContactFields::default();
    let (mut first, mut middle, mut last) = (None, None, None);
    let mut google_types: BTreeMap<u32, String> = BTreeMap::new();
    for (col, value) in columns.iter().zip(fields) {
        if let Column::PhoneType(n) = col {
            if let Some(v) = non_empty(value) {
                google_types.insert(*n, v.trim_start_matches("* ").to_owned());
            }
        }
    }
    for (col, value) in columns.iter().zip(fields) {
        let Some(v) = non_empty(value) else { continue };
        match col {
            Column::Name => c.name = v,
            Column::First => first = Some(v),
            Column::Middle => middle = Some(v),
            Column::Last => last = Some(v),
            Column::Company => c.company = c.company.take().or(Some(v)),
            Column::Email => c.email = c.email.take().or(Some(v)),
            Column::Notes => c.notes = Some(v),
            Column::Url => c.crm_url = c.crm_url.take().or(Some(v)),
            Column::Phone {
                label,
                google_index,
            } => {
                let label = google_index
                    .and_then(|n| google_types.get(&n).cloned())
                    .or_else(|| label.clone());
                // Google joins several numbers of one kind with " ::: ".
                for number in v.split(":::").filter_map(non_empty) {
                    c.numbers.push(ContactNumber {
                        label: label.clone(),
                        number,
                        normalized: None,
                    });
                }
            }
            Column::PhoneType(_) | Column::Ignored => {}
        }
    }
    if c.name.is_empty() {
        c.name = [first, middle, last]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
    }
    out.accept(plan, line, c);
}

// ---- vCard ----------------------------------------------------------------

/// Parses vCard 3.0 and 4.0 (and most 2.1): folded lines, several TEL
/// entries, escaped characters, quoted-printable, N/FN/ORG/EMAIL/NOTE/URL
/// (see [`crate::vcard`]). Each card that is malformed (no END, a line
/// without ':', no name) is skipped with the line it starts on.
pub fn parse_vcard(plan: &NumberPlan, text: &str) -> Parsed {
    crate::vcard::parse_file(plan, text)
}

// ---- export ---------------------------------------------------------------

/// Writes contacts as CSV in Google's column layout ("Phone 1 - Type",
/// "Phone 1 - Value", ...), which [`parse_csv`] and most address books read.
/// Records end in CRLF on every system (RFC 4180, and what Outlook and
/// Excel on Windows expect); the file is the same bytes wherever it is made.
pub fn contacts_to_csv(contacts: &[Contact]) -> Result<Vec<u8>> {
    let phones = contacts
        .iter()
        .map(|c| c.fields.numbers.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header = vec![
        "Name".to_owned(),
        "Organization Name".into(),
        "E-mail 1 - Value".into(),
        "Notes".into(),
        "Website 1 - Value".into(),
    ];
    for i in 1..=phones {
        header.push(format!("Phone {i} - Type"));
        header.push(format!("Phone {i} - Value"));
    }
    let err = |e: csv::Error| StoreError::Import(format!("cannot write CSV: {e}"));
    w.write_record(&header).map_err(err)?;
    for c in contacts {
        let f = &c.fields;
        let mut row = vec![
            f.name.clone(),
            f.company.clone().unwrap_or_default(),
            f.email.clone().unwrap_or_default(),
            f.notes.clone().unwrap_or_default(),
            f.crm_url.clone().unwrap_or_default(),
        ];
        for i in 0..phones {
            let n = f.numbers.get(i);
            row.push(n.and_then(|n| n.label.clone()).unwrap_or_default());
            row.push(n.map(|n| n.number.clone()).unwrap_or_default());
        }
        w.write_record(&row).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| StoreError::Import(format!("cannot write CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_variants_are_recognized() {
        let cases = [
            ("Name", Column::Name),
            ("Given Name", Column::First),
            ("First Name", Column::First),
            ("Family Name", Column::Last),
            ("Organization Name", Column::Company),
            ("Company", Column::Company),
            ("E-mail Address", Column::Email),
            ("E-mail 1 - Value", Column::Email),
            (
                "Phone 2 - Value",
                Column::Phone {
                    label: None,
                    google_index: Some(2),
                },
            ),
            ("Phone 2 - Type", Column::PhoneType(2)),
            (
                "Mobile Phone",
                Column::Phone {
                    label: Some("Mobile Phone".into()),
                    google_index: None,
                },
            ),
            ("E-mail Type", Column::Ignored),
            ("Birthday", Column::Ignored),
        ];
        for (h, want) in cases {
            assert_eq!(classify(h), want, "header {h:?}");
        }
    }

    #[test]
    fn delimiter_is_sniffed_outside_quotes() {
        assert_eq!(
            sniff_delimiter("Name;Phone\nA;1"),
            b';',
            "semicolons dominate the header"
        );
        assert_eq!(
            sniff_delimiter("\"a;b;c\",Phone\n"),
            b',',
            "semicolons inside quotes do not count"
        );
        assert_eq!(
            sniff_delimiter("Name\tPhone\n"),
            b'\t',
            "tab-separated files are read too"
        );
    }

    #[test]
    fn skipped_csv_rows_carry_their_real_line_with_lf_or_crlf() {
        let plan = NumberPlan::new("44", "0", "00");
        for eol in ["\n", "\r\n"] {
            let text = ["Name,Phone", "\"A\nB\",1001", "bad", "C,1002", ""].join(eol);
            let parsed = parse_csv(&plan, text.as_bytes()).expect("a header with a name column");
            let lines: Vec<u64> = parsed.skipped.iter().map(|s| s.line).collect();
            assert_eq!(
                lines,
                [4],
                "the short row is on line 4 (after a quoted newline) with {eol:?}"
            );
            assert_eq!(
                parsed.contacts.len(),
                2,
                "the good rows are kept with {eol:?}"
            );
        }
    }
}
