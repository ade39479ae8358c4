//! LDAP lookup latency against a real OpenLDAP `slapd` with 10,000 people
//! (issue 19's target: p99 < 50 ms), through `LdapDirectory::find` on its
//! kept connection: the time the popup's directory answer takes.
//!
//! - `sequential`: one lookup after another, found and not found mixed
//!   (one in five is a number nobody has);
//! - `concurrent`: 8 lookups at a time on the one shared connection, as
//!   when several lines ring at once.
//!
//! Run: `cargo bench -p ringside-directory --bench ldap` (needs Debian's
//! slapd: scripts/setup-debian.sh). Prints p50, p99 and the maximum.

#[cfg(unix)]
#[path = "../tests/support/slapd.rs"]
mod slapd;

#[cfg(unix)]
fn main() {
    bench::run();
}

#[cfg(not(unix))]
fn main() {
    println!("the LDAP bench runs slapd and needs a Unix machine");
}

#[cfg(unix)]
mod bench {
    use std::time::{Duration, Instant};

    use ringside_ami::Secret;
    use ringside_calls::NumberPlan;
    use ringside_directory::ldap::{LdapConfig, LdapDirectory};

    use crate::slapd::{self, Slapd};

    const PEOPLE: usize = 10_000;
    const LOOKUPS: usize = 2_000;
    const CONCURRENT: usize = 8;

    /// The number of lookup `k`: a generated person, or every fifth time
    /// a number nobody has. A fixed stride, so every run asks the same.
    fn number(k: usize) -> String {
        if k % 5 == 4 {
            format!("+4989{}", 7_000_000 + k)
        } else {
            slapd::generated_normalized((k * 7_919) % PEOPLE)
        }
    }

    fn percentile(sorted: &[Duration], p: f64) -> Duration {
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[i.min(sorted.len() - 1)]
    }

    fn report(name: &str, mut times: Vec<Duration>) {
        times.sort();
        println!(
            "ldap/{name}: {} lookups, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            times.len(),
            percentile(&times, 0.50).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
    }

    pub fn run() {
        let server = Slapd::start(PEOPLE, false);
        let mut config = LdapConfig::new(server.url(), slapd::PEOPLE);
        config.bind_dn = slapd::READER_DN.into();
        config.password = Secret::new(slapd::READER_PASSWORD);
        let plan = NumberPlan::new("49", "0", "00");
        let dir = LdapDirectory::new(config, plan).expect("valid settings");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            // Warm up: the connection, slapd's caches.
            for k in 0..100 {
                let _ = dir.find_person(&number(k)).await;
            }
            let mut times = Vec::with_capacity(LOOKUPS);
            let mut found = 0;
            for k in 0..LOOKUPS {
                let start = Instant::now();
                let p = dir.find_person(&number(k)).await.expect("lookup");
                times.push(start.elapsed());
                found += usize::from(p.is_some());
            }
            assert_eq!(
                found,
                LOOKUPS - LOOKUPS / 5,
                "every generated person is found"
            );
            report("sequential", times);

            let mut times = Vec::with_capacity(LOOKUPS);
            for round in 0..LOOKUPS / CONCURRENT {
                let tasks: Vec<_> = (0..CONCURRENT)
                    .map(|j| {
                        let dir = dir.clone();
                        let n = number(round * CONCURRENT + j);
                        tokio::spawn(async move {
                            let start = Instant::now();
                            dir.find_person(&n).await.expect("lookup");
                            start.elapsed()
                        })
                    })
                    .collect();
                for t in tasks {
                    times.push(t.await.expect("task"));
                }
            }
            report(&format!("concurrent_{CONCURRENT}"), times);
        });
    }
}
