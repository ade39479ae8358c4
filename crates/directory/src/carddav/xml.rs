//! The XML of WebDAV: the request bodies a sync sends, and the one reader
//! of `multistatus` answers (PROPFIND, `sync-collection`,
//! `addressbook-multiget`). Elements are matched by local name: the names
//! read here are distinct across the `DAV:` and CardDAV namespaces, and
//! servers differ in the prefixes they pick. Pure text in, values out.

use quick_xml::events::Event;
use quick_xml::Reader;

/// The properties discovery asks of a context path or a principal.
pub(crate) const PROPFIND_PRINCIPAL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
  <d:prop><d:current-user-principal/><card:addressbook-home-set/><d:resourcetype/><d:displayname/></d:prop>
</d:propfind>"#;

/// What a listing of the home set's collections asks. No `getetag`: a
/// collection's ETag can cost the server a pass over all its cards
/// (Radicale: 200 ms for 5,000), and discovery runs on every sync.
pub(crate) const PROPFIND_COLLECTIONS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:">
  <d:prop><d:resourcetype/><d:displayname/></d:prop>
</d:propfind>"#;

/// What a listing of a collection's cards asks (the ETag way).
pub(crate) const PROPFIND_LISTING: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:">
  <d:prop><d:resourcetype/><d:displayname/><d:getetag/></d:prop>
</d:propfind>"#;

/// A `sync-collection` REPORT from `token` (empty: from the start).
pub(crate) fn sync_collection(token: Option<&str>) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
  <d:sync-token>{}</d:sync-token>
  <d:sync-level>1</d:sync-level>
  <d:prop><d:getetag/><card:address-data/></d:prop>
</d:sync-collection>"#,
        escape(token.unwrap_or_default())
    )
}

/// An `addressbook-multiget` REPORT for `hrefs`.
pub(crate) fn multiget(hrefs: &[&str]) -> String {
    let mut body = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?>
<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
  <d:prop><d:getetag/><card:address-data/></d:prop>
"#,
    );
    for href in hrefs {
        body.push_str("  <d:href>");
        body.push_str(&escape(href));
        body.push_str("</d:href>\n");
    }
    body.push_str("</card:addressbook-multiget>");
    body
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The properties read from one `response`'s successful `propstat`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Props {
    pub etag: Option<String>,
    pub address_data: Option<String>,
    pub display_name: Option<String>,
    pub is_address_book: bool,
    pub principal: Option<String>,
    pub home_set: Option<String>,
}

/// One `response` of a multistatus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DavResponse {
    pub href: String,
    /// The response's own status (a `sync-collection` deletion is a 404).
    pub status: Option<u16>,
    pub props: Props,
}

/// A whole multistatus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Multistatus {
    pub responses: Vec<DavResponse>,
    /// The new token of a `sync-collection` answer.
    pub sync_token: Option<String>,
}

/// The status code in `HTTP/1.1 404 Not Found`.
fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Where the reader is: the element names from the root down.
#[derive(Debug, Default)]
struct Walk {
    path: Vec<String>,
    text: String,
    current: DavResponse,
    /// Props of the propstat being read; kept only if its status is 2xx.
    pending: Props,
    pending_status: Option<u16>,
    out: Multistatus,
}

impl Walk {
    fn parent(&self) -> Option<&str> {
        self.path.iter().rev().nth(1).map(String::as_str)
    }

    fn open(&mut self, name: &str) {
        match name {
            "response" => self.current = DavResponse::default(),
            "propstat" => {
                self.pending = Props::default();
                self.pending_status = None;
            }
            "addressbook" if self.parent() == Some("resourcetype") => {
                self.pending.is_address_book = true
            }
            _ => {}
        }
        self.text.clear();
    }

    fn close(&mut self, name: &str) {
        let text = std::mem::take(&mut self.text);
        let trimmed = text.trim();
        let parent = self.parent().unwrap_or_default().to_owned();
        match (name, parent.as_str()) {
            ("href", "response") => self.current.href = trimmed.to_owned(),
            ("href", "current-user-principal") => self.pending.principal = Some(trimmed.to_owned()),
            ("href", "addressbook-home-set") => {
                self.pending
                    .home_set
                    .get_or_insert_with(|| trimmed.to_owned());
            }
            ("status", "response") => self.current.status = status_code(trimmed),
            ("status", "propstat") => self.pending_status = status_code(trimmed),
            ("getetag", _) => self.pending.etag = Some(trimmed.to_owned()),
            ("displayname", _) => self.pending.display_name = Some(trimmed.to_owned()),
            // The card keeps its own line ends; only the XML around it is trimmed.
            ("address-data", _) => self.pending.address_data = Some(text),
            ("sync-token", "multistatus") => self.out.sync_token = Some(trimmed.to_owned()),
            ("propstat", _) if self.pending_status.is_none_or(|s| (200..300).contains(&s)) => {
                merge(&mut self.current.props, std::mem::take(&mut self.pending));
            }
            ("response", _) => self.out.responses.push(std::mem::take(&mut self.current)),
            _ => {}
        }
    }
}

fn merge(into: &mut Props, from: Props) {
    into.etag = into.etag.take().or(from.etag);
    into.address_data = into.address_data.take().or(from.address_data);
    into.display_name = into.display_name.take().or(from.display_name);
    into.is_address_book |= from.is_address_book;
    into.principal = into.principal.take().or(from.principal);
    into.home_set = into.home_set.take().or(from.home_set);
}

/// Reads a multistatus body; `Err` says what was wrong with it.
pub(crate) fn parse_multistatus(body: &[u8]) -> Result<Multistatus, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the answer is not UTF-8 text".to_owned())?;
    let mut reader = Reader::from_str(text);
    let mut walk = Walk::default();
    loop {
        match reader.read_event() {
            Err(e) => return Err(format!("malformed XML: {e}")),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_owned();
                walk.path.push(name.clone());
                walk.open(&name);
            }
            Ok(Event::Empty(e)) => {
                let name = e.local_name().as_ref().to_owned();
                walk.path.push(name.clone());
                walk.open(&name);
                walk.close(&name);
                walk.path.pop();
            }
            Ok(Event::End(_)) => {
                let name = walk.path.last().cloned().unwrap_or_default();
                walk.close(&name);
                walk.path.pop();
            }
            Ok(Event::Text(t)) => walk.text.push_str(&t.xml10_content()),
            Ok(Event::CData(c)) => walk.text.push_str(&c),
            Ok(Event::GeneralRef(r)) => match r.resolve_char_ref() {
                Ok(Some(c)) => walk.text.push(c),
                _ => walk.text.push_str(match &*r {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => return Err(format!("unknown entity &{other};")),
                }),
            },
            Ok(_) => {}
        }
    }
    if walk.path.is_empty() {
        Ok(walk.out)
    } else {
        Err("the XML ends in the middle of an element".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sync_answer_gives_cards_deletions_and_the_token() {
        let body = br#"<?xml version="1.0"?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
 <response><href>/u/book/a.vcf</href>
  <propstat><prop><getetag>"1"</getetag><C:address-data>BEGIN:VCARD&#13;
FN:A &amp; B &lt;b&gt;&#13;
END:VCARD&#13;
</C:address-data></prop><status>HTTP/1.1 200 OK</status></propstat>
  <propstat><prop><displayname/></prop><status>HTTP/1.1 404 Not Found</status></propstat>
 </response>
 <response><href>/u/book/gone.vcf</href><status>HTTP/1.1 404 Not Found</status></response>
 <sync-token>http://radicale.org/ns/sync/abc</sync-token>
</multistatus>"#;
        let ms = parse_multistatus(body).expect("well-formed");
        assert_eq!(
            ms.sync_token.as_deref(),
            Some("http://radicale.org/ns/sync/abc")
        );
        assert_eq!(ms.responses.len(), 2);
        let a = &ms.responses[0];
        assert_eq!(
            (a.href.as_str(), a.props.etag.as_deref()),
            ("/u/book/a.vcf", Some("\"1\""))
        );
        assert_eq!(
            a.props.address_data.as_deref(),
            Some("BEGIN:VCARD\r\nFN:A & B <b>\r\nEND:VCARD\r\n"),
            "entities and character references are decoded, line ends kept"
        );
        assert_eq!(
            a.props.display_name, None,
            "a 404 propstat's props are not taken"
        );
        assert_eq!(
            ms.responses[1].status,
            Some(404),
            "a deletion is the response's own 404"
        );
    }

    #[test]
    fn discovery_properties_are_read_under_any_prefix() {
        let body = br#"<D:multistatus xmlns:D="DAV:" xmlns:X="urn:ietf:params:xml:ns:carddav">
<D:response><D:href>/dav/</D:href><D:propstat><D:prop>
<D:current-user-principal><D:href>/dav/principals/anna/</D:href></D:current-user-principal>
<X:addressbook-home-set><D:href>/dav/addressbooks/anna/</D:href></X:addressbook-home-set>
<D:resourcetype><D:collection/><X:addressbook/></D:resourcetype>
</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>"#;
        let props = &parse_multistatus(body).expect("well-formed").responses[0].props;
        assert_eq!(props.principal.as_deref(), Some("/dav/principals/anna/"));
        assert_eq!(props.home_set.as_deref(), Some("/dav/addressbooks/anna/"));
        assert!(props.is_address_book, "resourcetype names an address book");
    }

    #[test]
    fn broken_xml_is_an_error_not_a_panic() {
        for body in [
            &b"<multistatus><response>"[..],
            b"<a>&bogus;</a>",
            b"\xff\xfe",
        ] {
            assert!(parse_multistatus(body).is_err(), "{body:?}");
        }
    }
}
