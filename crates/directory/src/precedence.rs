//! Which name a card shows, and where it came from. The order is the
//! office's: what the receptionist saved herself beats the company
//! directory, which beats a synced address book, which beats whatever
//! caller name the PBX or the carrier sent.

use serde::Serialize;

/// Where the name on a card came from; the card says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
