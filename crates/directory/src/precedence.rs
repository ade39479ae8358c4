//! Which name a card shows, and where it came from. The order is the
//! office's: what the receptionist saved herself beats the company
//! directory, which beats a synced address book, which beats whatever
//! caller name the PBX or the carrier sent.

use serde::{Deserialize, Serialize};

use crate::{Person, Photo};

/// Where the name on a card came from; the card says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum NameSource {
    /// A contact saved in Ringside itself.
    Contact,
    /// The LDAP / Active Directory server.
    Directory,
    /// A contact synced from a CardDAV address book.
    AddressBook,
    /// The caller name the PBX sent.
    Pbx,
}

/// The names each source has for one number, any of them missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Candidates<'a> {
    pub contact: Option<&'a str>,
    pub directory: Option<&'a str>,
    pub address_book: Option<&'a str>,
    pub pbx: Option<&'a str>,
}

/// The name to show and its source: the first source in precedence order
/// with a real name. A blank name, and a PBX "name" that is only the number
/// again or Asterisk's `<unknown>`, are not names.
pub fn shown_name<'a>(number: &str, c: &Candidates<'a>) -> Option<(&'a str, NameSource)> {
    [
        (c.contact, NameSource::Contact),
        (c.directory, NameSource::Directory),
        (c.address_book, NameSource::AddressBook),
        (c.pbx, NameSource::Pbx),
    ]
    .into_iter()
    .find_map(|(name, source)| {
        let name = name?.trim();
        is_a_name(number, name, source).then_some((name, source))
    })
}

/// A contact from the store that has this number: saved in Ringside, or
/// synced from an address book.
#[derive(Debug, Clone, Copy)]
pub struct StoredContact<'a> {
    pub name: &'a str,
    pub company: Option<&'a str>,
    pub from_address_book: bool,
}

/// What a card shows about who is calling, every part from the source
/// that wins it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    /// The name and where it came from; `None` shows the number alone.
    pub name: Option<(String, NameSource)>,
    pub company: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    pub photo: Option<Photo>,
}

/// Decides what the card shows from everything known about `number`: the
/// name by [`shown_name`]; the company from the contact if it has one, else
/// the directory; department, title and photo from the directory.
pub fn identify(
    number: &str,
    contact: Option<StoredContact<'_>>,
    directory: Option<&Person>,
    pbx: Option<&str>,
) -> Shown {
    let pick = |address_book: bool| contact.filter(|c| c.from_address_book == address_book);
    let candidates = Candidates {
        contact: pick(false).map(|c| c.name),
        directory: directory.map(|p| p.name.as_str()),
        address_book: pick(true).map(|c| c.name),
        pbx,
    };
    let text = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Shown {
        name: shown_name(number, &candidates).map(|(n, s)| (n.to_owned(), s)),
        company: text(contact.and_then(|c| c.company))
            .or_else(|| text(directory.and_then(|p| p.company.as_deref()))),
        department: text(directory.and_then(|p| p.department.as_deref())),
        title: text(directory.and_then(|p| p.title.as_deref())),
        photo: directory.and_then(|p| p.photo.clone()),
    }
}

fn is_a_name(number: &str, name: &str, source: NameSource) -> bool {
    if name.is_empty() {
        return false;
    }
    if source != NameSource::Pbx {
        return true;
    }
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    !(name.eq_ignore_ascii_case("<unknown>")
        || name.eq_ignore_ascii_case("unknown")
        || (!digits(name).is_empty() && digits(name) == digits(number)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_wins_over_those_after_it() {
        let all = Candidates {
            contact: Some("Ann (saved)"),
            directory: Some("Ann Example"),
            address_book: Some("Ann E."),
            pbx: Some("ANN EXAMPLE"),
        };
        let cases = [
            (all, Some(("Ann (saved)", NameSource::Contact))),
            (
                Candidates {
                    contact: None,
                    ..all
                },
                Some(("Ann Example", NameSource::Directory)),
            ),
            (
                Candidates {
                    contact: None,
                    directory: None,
                    ..all
                },
                Some(("Ann E.", NameSource::AddressBook)),
            ),
            (
                Candidates {
                    pbx: Some("ANN EXAMPLE"),
                    ..Default::default()
                },
                Some(("ANN EXAMPLE", NameSource::Pbx)),
            ),
            (Candidates::default(), None),
        ];
        for (candidates, want) in cases {
            assert_eq!(shown_name("+4930123", &candidates), want, "{candidates:?}");
        }
    }

    #[test]
    fn the_card_takes_each_part_from_the_source_that_wins_it() {
        let person = Person {
            name: "Ann Example".into(),
            company: Some("ACME".into()),
            department: Some("Sales".into()),
            title: Some(" ".into()),
            extension: None,
            photo: Photo::sniff(vec![0xFF, 0xD8, 0xFF, 0xE0]),
        };
        let synced = StoredContact {
            name: "Ann E.",
            company: None,
            from_address_book: true,
        };
        let shown = identify("+4930123", Some(synced), Some(&person), Some("ANN"));
        assert_eq!(
            shown.name,
            Some(("Ann Example".into(), NameSource::Directory))
        );
        assert_eq!(shown.company.as_deref(), Some("ACME"));
        assert_eq!(shown.department.as_deref(), Some("Sales"));
        assert_eq!(shown.title, None, "a blank attribute is not shown");
        assert_eq!(shown.photo.map(|p| p.mime), Some("image/jpeg"));

        let saved = StoredContact {
            name: "Ann (saved)",
            company: Some("Her own Co"),
            from_address_book: false,
        };
        let shown = identify("+4930123", Some(saved), Some(&person), None);
        assert_eq!(
            shown.name,
            Some(("Ann (saved)".into(), NameSource::Contact))
        );
        assert_eq!(shown.company.as_deref(), Some("Her own Co"));

        let shown = identify("+4930123", Some(synced), None, Some("ANN"));
        assert_eq!(shown.name, Some(("Ann E.".into(), NameSource::AddressBook)));
        assert_eq!(identify("+4930123", None, None, None), Shown::default());
    }

    #[test]
    fn blanks_and_the_number_again_are_not_names() {
        let cases = [
            Candidates {
                contact: Some("  "),
                pbx: Some("Front door"),
                ..Default::default()
            },
            Candidates {
                pbx: Some("+49 30 123"),
                ..Default::default()
            },
            Candidates {
                pbx: Some("<unknown>"),
                ..Default::default()
            },
        ];
        let want = [Some(("Front door", NameSource::Pbx)), None, None];
        for (candidates, want) in cases.iter().zip(want) {
            assert_eq!(shown_name("+4930123", candidates), want, "{candidates:?}");
        }
    }
}
