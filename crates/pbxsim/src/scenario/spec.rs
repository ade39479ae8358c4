//! A scripted call written as one line of text ([`CallSpec`]), for the
//! program's `--call` option and the calls it reads from standard input,
//! so a script (the app's end-to-end test, someone trying the app) can make
//! a phone ring when it wants: who calls, on which number, which extension
//! rings and answers (or which queue it waits in), how long it rings and
//! talks, and when it starts.

use std::str::FromStr;
use std::time::Duration;

use super::{Party, Scenario};

/// The keys a spec may use, for the error that names an unknown one.
const KEYS: &str = "from, name, did, to, queue, ring, talk, after";

/// An outside call to one extension, which answers after the ring time;
/// the caller hangs up after the talk time. Or, with `queue=` instead of
/// `to=`, a caller who waits in that queue, where nobody answers, for the
/// ring time and then gives up. Written as comma-separated `key=value`
/// pairs (values cannot hold a comma or a control character; spaces
/// around them are dropped):
///
/// | key | meaning | default |
/// | --- | --- | --- |
/// | `from` | the caller's number | required |
/// | `name` | the caller's name | none |
/// | `did` | the number dialled on the trunk | `5550100` |
/// | `to` | the extension that rings and answers | `to` or `queue` |
/// | `queue` | the queue the caller waits in | `to` or `queue` |
/// | `ring` | seconds it rings before the answer (waits in the queue) | 2 |
/// | `talk` | seconds of talk before the caller hangs up | 3 |
/// | `after` | seconds to wait, once a client is logged in, before it starts | 0 |
///
/// A transfer target (a colleague) answers after the same ring time, so a
/// ring time longer than a client's recall wait makes a transfer nobody
/// answers in time.
///
/// ```
/// use std::time::Duration;
/// use ringside_pbxsim::{CallSpec, Party, Scenario};
/// let spec: CallSpec = "from=+15551234567,name=ACME Corp,to=1001,ring=3,talk=600,after=5"
///     .parse()
///     .unwrap();
/// let want = Scenario::incoming(Party::new("+15551234567", "ACME Corp"), "5550100", "1001")
///     .with_timing(Duration::from_secs(3), Duration::from_secs(600));
/// assert_eq!((spec.scenario, spec.after), (want, Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSpec {
    /// The call to play.
    pub scenario: Scenario,
    /// How long to wait, once a client is logged in, before it starts.
    pub after: Duration,
}

impl FromStr for CallSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut fields: Vec<(&str, &str)> = Vec::new();
        for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(format!("'{pair}' is not key=value (keys: {KEYS})"));
            };
            let key = key.trim();
            if !KEYS.split(", ").any(|k| k == key) {
                return Err(format!("unknown key '{key}' (keys: {KEYS})"));
            }
            if fields.iter().any(|(k, _)| *k == key) {
                return Err(format!("'{key}' is given twice"));
            }
            if value.chars().any(char::is_control) {
                return Err(format!("'{key}=' holds a control character"));
            }
            fields.push((key, value.trim()));
        }
        let get = |key: &str| fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let required = |key: &str, what: &str| match get(key) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(format!("'{key}=' ({what}) is required")),
        };
        let seconds = |key: &str, default: u64| match get(key) {
            None => Ok(Duration::from_secs(default)),
            Some(v) => v.parse::<u64>().map(Duration::from_secs).map_err(|_| {
                format!("'{key}={v}': give a whole number of seconds, such as {key}=5")
            }),
        };
        let caller = Party::new(
            required("from", "the caller's number")?,
            get("name").unwrap_or(""),
        );
        let did = get("did").filter(|d| !d.is_empty()).unwrap_or("5550100");
        let scenario = match (get("to"), get("queue")) {
            (Some(_), Some(_)) => {
                return Err("give 'to=' (an extension) or 'queue=' (a queue), not both".into())
            }
            (None, Some(_)) => {
                let queue = required("queue", "the queue the caller waits in")?;
                Scenario::queue(caller, did, queue, &[], None)
            }
            _ => Scenario::incoming(caller, did, required("to", "the extension that rings")?),
        };
        Ok(Self {
            scenario: scenario.with_timing(seconds("ring", 2)?, seconds("talk", 3)?),
            after: seconds("after", 0)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn a_spec_is_an_answered_incoming_call_with_its_timing() {
        let spec: CallSpec =
            " from=+442071234567 , name=Initech Ltd, did=5550600,to=1001,ring=12,talk=900,after=1 "
                .parse()
                .expect("a valid spec");
        let want = Scenario::incoming(
            Party::new("+442071234567", "Initech Ltd"),
            "5550600",
            "1001",
        )
        .with_timing(secs(12), secs(900));
        assert_eq!(spec.scenario, want, "every key lands in the scenario");
        assert_eq!(spec.after, secs(1));
    }

    #[test]
    fn only_the_caller_and_the_extension_are_required() {
        let spec: CallSpec = "to=1002,from=0207946000".parse().expect("a valid spec");
        let want = Scenario::incoming(Party::new("0207946000", ""), "5550100", "1002")
            .with_timing(secs(2), secs(3));
        assert_eq!(
            spec.scenario, want,
            "the defaults: no name, DID 5550100, 2 s ring, 3 s talk"
        );
        assert_eq!(spec.after, Duration::ZERO, "at once");
    }

    #[test]
    fn a_name_keeps_its_spaces_and_an_equals_sign() {
        let spec: CallSpec = "from=1,name=A = B & Co,to=1001"
            .parse()
            .expect("a valid spec");
        assert!(
            matches!(&spec.scenario, Scenario::Incoming { caller, .. } if caller.name == "A = B & Co"),
            "only the first '=' splits: {spec:?}"
        );
    }

    #[test]
    fn a_bad_spec_says_what_to_fix() {
        for (bad, says) in [
            ("", "'from=' (the caller's number) is required"),
            (
                "from=+1555,name=ACME",
                "'to=' (the extension that rings) is required",
            ),
            ("from=+1555", "'to=' (the extension that rings) is required"),
            ("from=,to=1001", "'from=' (the caller's number) is required"),
            (
                "from=1,to=1001,ring=3s",
                "'ring=3s': give a whole number of seconds, such as ring=5",
            ),
            ("from=1,to=1001,after=-1", "'after=-1': give a whole number"),
            (
                "from=1,to=1001,colour=red",
                "unknown key 'colour' (keys: from, name, did, to, queue, ring, talk, after)",
            ),
            ("from=1,to=1001,to=1002", "'to' is given twice"),
            ("from=1,to=1001,ACME", "'ACME' is not key=value"),
        ] {
            let e = bad.parse::<CallSpec>().expect_err(bad);
            assert!(e.starts_with(says), "{bad:?}: {e}");
        }
    }

    #[test]
    fn a_queue_caller_waits_the_ring_time_with_nobody_to_answer() {
        let spec: CallSpec =
            "from=+13125550199,name=Wayne Enterprises,did=5550800,queue=sales,ring=40"
                .parse()
                .expect("a valid spec");
        let want = Scenario::queue(
            Party::new("+13125550199", "Wayne Enterprises"),
            "5550800",
            "sales",
            &[],
            None,
        )
        .with_timing(secs(40), secs(3));
        assert_eq!(spec.scenario, want, "as the demo's waiting callers");
        let e = "from=1,to=1001,queue=sales"
            .parse::<CallSpec>()
            .expect_err("to and queue together");
        assert!(e.contains("not both"), "{e}");
        let e = "from=1,queue="
            .parse::<CallSpec>()
            .expect_err("an empty queue");
        assert!(
            e.starts_with("'queue=' (the queue the caller waits in) is required"),
            "{e}"
        );
    }

    #[test]
    fn control_characters_cannot_reach_the_wire() {
        for bad in [
            "from=1,name=Evil\r\nEvent: Hangup,to=1001",
            "from=1,queue=sales\rx",
            "from=1\0,to=1001",
        ] {
            let e = bad.parse::<CallSpec>().expect_err(bad);
            assert!(e.contains("holds a control character"), "{bad:?}: {e}");
        }
    }
}
