//! The versioned topic tree (`docs/office-mode.md` is its reference).
//!
//! Under a root (`ringside` by default) and the version `v1`:
//! - `office/…`: what every desk may read. `office/gateway` (retained; the
//!   gateway's `online`/`offline`, the latter set by its Last Will),
//!   `office/presence`, `office/calls`, `office/parked`, `office/queues`
//!   and `office/voicemail` (retained snapshots, [`crate::panels`]);
//!   `office/texts` (not retained: each incoming text, once) and
//!   `office/console` (not retained: the console's lines, `parked`,
//!   `queue_join`, …, as `ringside watch --json` prints them).
//! - `view/{extensions}/…`: the cards of one set of extensions (`1001`, or
//!   `1002-1003` for a desk with two), published once for every desk that
//!   watches that set. `view/{…}/cards` carries the card changes (as
//!   `ringside watch --json -e …` prints them) and `view/{…}/live` the
//!   retained live cards (a desk that joins mid-call sees them at once).
//! - `desk/{user}/…`: one desk's own branch, `{user}` being its broker user
//!   name. `desk/{user}/view` (retained) names the desk's view,
//!   `desk/{user}/request` carries the desk's requests, and
//!   `desk/{user}/response` the gateway's answers (MQTT 5 response topic and
//!   correlation data).
//!
//! A desk never reads another desk's calls: the broker's ACL
//! ([`Topics::mosquitto_acl`]) confines each desk to `desk/%u/…` and to the
//! view of its own extensions. A line goes once to the broker, which fans it
//! out to the desks of its view (with one topic per desk, the gateway
//! published it once per desk, and both it and the broker spent their time
//! on copies: `bench/office`).

/// The topic tree's version; a breaking change to a payload bumps it.
pub const VERSION: &str = "v1";

/// The default root of the tree.
pub const DEFAULT_ROOT: &str = "ringside";

/// The topics of one office, under its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    base: String,
}

impl Default for Topics {
    fn default() -> Self {
        Self::new(DEFAULT_ROOT).expect("the default root is valid")
    }
}

impl Topics {
    /// The tree under `root` (`ringside`, or `acme/ringside` for a broker
    /// several sites share). The error says what a root may hold.
    pub fn new(root: &str) -> Result<Self, String> {
        let ok = !root.is_empty()
            && root.len() <= 100
            && root.split('/').all(|level| {
                !level.is_empty()
                    && level
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            });
        if !ok {
            return Err(format!(
                "'{}' is not a topic root: use letters, digits, '-', '_' and '.', with '/' between levels, such as ringside",
                root.escape_debug()
            ));
        }
        Ok(Self {
            base: format!("{root}/{VERSION}"),
        })
    }

    /// `{root}/v1`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The gateway's retained status, `online` or `offline` (its Last Will).
    pub fn gateway_status(&self) -> String {
        format!("{}/office/gateway", self.base)
    }

    /// The retained presence snapshot of the whole board.
    pub fn presence(&self) -> String {
        format!("{}/office/presence", self.base)
    }

    /// The retained list of live calls.
    pub fn calls(&self) -> String {
        format!("{}/office/calls", self.base)
    }

    /// The retained parked calls.
    pub fn parked(&self) -> String {
        format!("{}/office/parked", self.base)
    }

    /// The retained queues.
    pub fn queues(&self) -> String {
        format!("{}/office/queues", self.base)
    }

    /// The retained voicemail counts of every colleague.
    pub fn voicemail(&self) -> String {
        format!("{}/office/voicemail", self.base)
    }

    /// Incoming texts (not retained): each SMS the PBX's GSM gateway
    /// received, once, for every desk.
    pub fn texts(&self) -> String {
        format!("{}/office/texts", self.base)
    }

    /// The console's lines (not retained), for every desk.
    pub fn console(&self) -> String {
        format!("{}/office/console", self.base)
    }

    /// Every office-wide topic, for a desk's subscription.
    pub fn office_filter(&self) -> String {
        format!("{}/office/#", self.base)
    }

    /// The name of the view of `extensions` (a topic level): the
    /// extensions as the desk lists them, joined by `-`. The gateway's
    /// configuration allows only letters and digits in an extension.
    pub fn view_name(extensions: &[String]) -> String {
        extensions.join("-")
    }

    /// A view's card changes.
    pub fn view_cards(&self, view: &str) -> String {
        format!("{}/view/{view}/cards", self.base)
    }

    /// A view's retained live cards.
    pub fn view_live(&self, view: &str) -> String {
        format!("{}/view/{view}/live", self.base)
    }

    /// A desk's retained view: which `view/…` topics carry its cards.
    pub fn desk_view(&self, user: &str) -> String {
        format!("{}/desk/{user}/view", self.base)
    }

    /// Where a desk publishes its requests.
    pub fn desk_request(&self, user: &str) -> String {
        format!("{}/desk/{user}/request", self.base)
    }

    /// Where the gateway answers a desk.
    pub fn desk_response(&self, user: &str) -> String {
        format!("{}/desk/{user}/response", self.base)
    }

    /// The gateway's subscription to every desk's requests.
    pub fn all_requests(&self) -> String {
        format!("{}/desk/+/request", self.base)
    }

    /// The desk user a request topic belongs to: `None` for any other topic
    /// (or one whose user level holds a wildcard).
    pub fn request_user<'a>(&self, topic: &'a str) -> Option<&'a str> {
        let rest = topic
            .strip_prefix(self.base.as_str())?
            .strip_prefix("/desk/")?;
        let user = rest.strip_suffix("/request")?;
        (!user.is_empty() && !user.contains(['/', '+', '#'])).then_some(user)
    }

    /// A Mosquitto ACL file (`acl_file`) for this tree and these desks:
    /// the gateway's broker user may read every request and write
    /// everything else; each desk (`%u`, its broker user) may read the
    /// office topics and its own branch, and write only its own request
    /// topic (`pattern` rules); and each desk may read the view of its own
    /// extensions (a `user` rule each, so the file is written again when
    /// the desks change).
    pub fn mosquitto_acl<'a>(
        &self,
        gateway_user: &str,
        desks: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> String {
        let b = &self.base;
        let mut acl = format!(
            "# Ringside office mode ({VERSION}): generated by ringside-gateway --print-acl.\n\
             # Write it again when the gateway's [[desk]]s change.\n\
             # The gateway.\n\
             user {gateway_user}\n\
             topic read {b}/desk/+/request\n\
             topic write {b}/office/#\n\
             topic write {b}/view/#\n\
             topic write {b}/desk/+/view\n\
             topic write {b}/desk/+/response\n\
             \n\
             # Every desk, by its own broker user name.\n\
             pattern read {b}/office/#\n\
             pattern read {b}/desk/%u/view\n\
             pattern read {b}/desk/%u/response\n\
             pattern write {b}/desk/%u/request\n\
             \n\
             # Each desk's view: the cards of its own extensions.\n"
        );
        for (user, extensions) in desks {
            let view = Self::view_name(extensions);
            acl.push_str(&format!("user {user}\ntopic read {b}/view/{view}/#\n"));
        }
        acl
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_its_request_topics_and_its_acl() {
        let t = Topics::default();
        assert_eq!(
            t.desk_request("reception"),
            "ringside/v1/desk/reception/request"
        );
        assert_eq!(t.gateway_status(), "ringside/v1/office/gateway");
        assert_eq!(
            t.request_user("ringside/v1/desk/reception/request"),
            Some("reception")
        );
        for not_one in [
            "ringside/v1/desk/reception/response",
            "ringside/v1/desk//request",
            "ringside/v1/desk/a/b/request",
            "ringside/v2/desk/reception/request",
            "other/v1/desk/reception/request",
        ] {
            assert_eq!(t.request_user(not_one), None, "{not_one}");
        }
        let site = Topics::new("acme/ringside").expect("two levels");
        assert_eq!(site.presence(), "acme/ringside/v1/office/presence");
        for bad in ["", "a//b", "a/+", "a/#", "/a", "a b", "a\r\nb"] {
            assert!(Topics::new(bad).is_err(), "{bad:?}");
        }
        let desks = [
            ("reception", vec!["1001".to_owned()]),
            ("sales", vec!["1002".to_owned(), "1003".to_owned()]),
        ];
        let acl = t.mosquitto_acl(
            "ringside-gateway",
            desks.iter().map(|(u, e)| (*u, e.as_slice())),
        );
        assert!(acl.contains("pattern write ringside/v1/desk/%u/request\n"));
        assert!(acl.ends_with(
            "user reception\ntopic read ringside/v1/view/1001/#\n\
             user sales\ntopic read ringside/v1/view/1002-1003/#\n"
        ));
        assert_eq!(
            t.view_cards("1002-1003"),
            "ringside/v1/view/1002-1003/cards"
        );
        assert!(
            !acl.lines()
                .any(|l| l.starts_with("pattern") && l.contains("/view/")),
            "no desk reads a view but its own:\n{acl}"
        );
        assert!(
            !acl.lines()
                .any(|l| l.starts_with("pattern write") && !l.ends_with("/request")),
            "a desk writes only its own request topic:\n{acl}"
        );
    }
}
