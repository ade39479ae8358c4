//! Finding the address books behind a server address: RFC 6764's
//! `/.well-known/carddav`, then RFC 6352's chain (the user's principal, its
//! `addressbook-home-set`, the address book collections in it). An address
//! that already is an address book is taken as it is.

use hyper::StatusCode;

use super::error::{Error, Result};
use super::http::{DavHttp, Origin};
use super::xml::{
    parse_multistatus, DavResponse, Multistatus, PROPFIND_COLLECTIONS, PROPFIND_PRINCIPAL,
};
use super::AddressBook;

/// Redirects followed per request, at most.
const MAX_REDIRECTS: usize = 5;

/// A PROPFIND that follows redirects on the same server; returns the path
/// it ended at with the answer, or `None` for a 404/405/501 (nothing there
/// that speaks WebDAV).
pub(crate) async fn propfind(
    http: &DavHttp,
    path: &str,
    depth: &str,
    body: &str,
) -> Result<Option<(String, Multistatus)>> {
    let mut path = path.to_owned();
    for _ in 0..=MAX_REDIRECTS {
        let answer = http.send("PROPFIND", &path, Some(depth), body).await?;
        match answer.status {
            StatusCode::MULTI_STATUS => {
                let ms = parse_multistatus(&answer.body).map_err(|e| http.protocol(e))?;
                return Ok(Some((path, ms)));
            }
            s if s.is_redirection() => {
                let to = answer.location.ok_or_else(|| {
                    http.protocol(format!("a redirect from {path} with no Location"))
                })?;
                path = path_on(http.origin(), &path, &to).ok_or_else(|| {
                    http.protocol(format!("{path} redirects to another server ({to})"))
                })?;
            }
            StatusCode::NOT_FOUND
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::NOT_IMPLEMENTED => return Ok(None),
            s => return Err(http.protocol(format!("PROPFIND {path} answered {s}"))),
        }
    }
    Err(http.protocol(format!("more than {MAX_REDIRECTS} redirects from {path}")))
}

/// The path `href` (absolute URL, absolute path, or relative to `base`)
/// names on `origin`; `None` when it is on another server.
pub(crate) fn path_on(origin: &Origin, base: &str, href: &str) -> Option<String> {
    if href.contains("://") {
        let (other, path) = Origin::parse(href).ok()?;
        return (other.host.eq_ignore_ascii_case(&origin.host) && other.port == origin.port)
            .then_some(path);
    }
    if href.starts_with('/') {
        return Some(href.to_owned());
    }
    let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
    Some(format!("{dir}{href}"))
}

/// The same collection path with or without its trailing slash.
pub(crate) fn same_collection(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// The address books at or under `start` (a path on the server).
pub(crate) async fn address_books(http: &DavHttp, start: &str) -> Result<Vec<AddressBook>> {
    let context = context_path(http, start).await?;
    let Some((context, ms)) = context else {
        return Err(no_book(http, start));
    };
    let first = ms
        .responses
        .first()
        .map(|r| r.props.clone())
        .unwrap_or_default();
    if first.is_address_book {
        return Ok(vec![book(http, &context, first.display_name)]);
    }
    // RFC 6352 §7.1: the principal names the home set; some servers put
    // the home set on the context path already.
    let mut home = first.home_set.clone();
    if let Some(principal) = first
        .principal
        .as_deref()
        .and_then(|p| path_on(http.origin(), &context, p))
    {
        if let Some((_, ms)) = propfind(http, &principal, "0", PROPFIND_PRINCIPAL).await? {
            home = ms
                .responses
                .into_iter()
                .find_map(|r| r.props.home_set)
                .or(home);
        }
    }
    let home = home
        .and_then(|h| path_on(http.origin(), &context, &h))
        .unwrap_or(context);
    let Some((home, listing)) = propfind(http, &home, "1", PROPFIND_COLLECTIONS).await? else {
        return Err(no_book(http, start));
    };
    let books: Vec<AddressBook> = listing
        .responses
        .into_iter()
        .filter(|r| r.props.is_address_book)
        .filter_map(|r: DavResponse| {
            let path = path_on(http.origin(), &home, &r.href)?;
            Some(book(http, &path, r.props.display_name))
        })
        .collect();
    if books.is_empty() {
        return Err(no_book(http, start));
    }
    Ok(books)
}

/// Where discovery starts: the address given, or for a bare server
/// address the well-known one (RFC 6764 §5), whichever answers.
async fn context_path(http: &DavHttp, start: &str) -> Result<Option<(String, Multistatus)>> {
    if start == "/" || start.is_empty() {
        if let Some(found) = propfind(http, "/.well-known/carddav", "0", PROPFIND_PRINCIPAL).await?
        {
            return Ok(Some(found));
        }
    }
    propfind(http, start, "0", PROPFIND_PRINCIPAL).await
}

fn book(http: &DavHttp, path: &str, name: Option<String>) -> AddressBook {
    let fallback = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    AddressBook {
        url: http.origin().url(path),
        path: path.to_owned(),
        name: name.filter(|n| !n.trim().is_empty()).unwrap_or(fallback),
    }
}

fn no_book(http: &DavHttp, start: &str) -> Error {
    Error::NoAddressBook {
        url: http.origin().url(start),
        user: http.user().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_resolve_against_the_server_and_the_base() {
        let (origin, _) = Origin::parse("https://dav.example.com/").expect("valid");
        let cases = [
            ("/a/b/", "/x/y/", Some("/x/y/")),
            ("/a/b/", "c.vcf", Some("/a/b/c.vcf")),
            ("/a/b/", "https://dav.example.com/z/", Some("/z/")),
            ("/a/b/", "https://elsewhere.example.com/z/", None),
        ];
        for (base, href, want) in cases {
            assert_eq!(
                path_on(&origin, base, href).as_deref(),
                want,
                "{href} from {base}"
            );
        }
    }
}
