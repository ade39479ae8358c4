use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A directory whose answer takes `delay` (forever if `None`) and that
/// counts the questions it was asked.
#[derive(Debug)]
struct Slow {
    delay: Option<Duration>,
    fail: bool,
    asked: Arc<AtomicUsize>,
}

impl Directory for Slow {
    async fn find(&self, number: &str) -> Result<Option<Person>, Error> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        match self.delay {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending::<()>().await,
        }
        if self.fail {
            return Err(Error::Dropped("connection reset".into()));
        }
        Ok((number != "nobody").then(|| Person {
            name: format!("Owner of {number}"),
            ..Person::default()
        }))
    }
}

fn slow(delay: Option<Duration>, fail: bool) -> (Lookup<Slow>, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let dir = Slow {
        delay,
        fail,
        asked: Arc::clone(&asked),
    };
    (Lookup::new(dir, Limits::default()), asked)
}

fn found(number: &str) -> Answer {
    Answer::Found {
        person: Person {
            name: format!("Owner of {number}"),
            ..Person::default()
        },
    }
}

#[tokio::test(start_paused = true)]
async fn a_directory_that_never_answers_costs_the_deadline_and_no_more() {
    let (lookup, asked) = slow(None, false);
    let start = Instant::now();
    assert_eq!(lookup.lookup("+4930123").await, Answer::TimedOut);
    assert_eq!(start.elapsed(), Limits::default().deadline);
    // Asking again while the first question hangs waits on that one.
    assert_eq!(lookup.lookup("+4930123").await, Answer::TimedOut);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    // After giving up, the failure is cached for a while, then asked again.
    tokio::time::sleep(Limits::default().deadline * GIVE_UP_AFTER).await;
    let answer = lookup.lookup("+4930123").await;
    assert!(matches!(answer, Answer::Failed { .. }), "{answer:?}");
    tokio::time::sleep(FAILURE_TTL).await;
    assert_eq!(lookup.lookup("+4930123").await, Answer::TimedOut);
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_late_answer_is_kept_for_the_next_ring() {
    let (lookup, asked) = slow(Some(Duration::from_secs(3)), false);
    assert_eq!(lookup.lookup("+4930123").await, Answer::TimedOut);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let start = Instant::now();
    assert_eq!(lookup.lookup("+4930123").await, found("+4930123"));
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(lookup.lookup("nobody").await, Answer::TimedOut);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(lookup.lookup("nobody").await, Answer::NotFound);
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn cards_asking_at_once_share_one_question_and_its_answer() {
    let (lookup, asked) = slow(Some(Duration::from_millis(200)), false);
    let (a, b, c) = tokio::join!(
        lookup.lookup("+4930123"),
        lookup.lookup("+4930123"),
        lookup.lookup("+4930123")
    );
    assert_eq!(
        [a, b, c],
        [found("+4930123"), found("+4930123"), found("+4930123")]
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn answers_expire_after_the_ttl_and_failures_sooner() {
    let (lookup, asked) = slow(Some(Duration::from_millis(10)), false);
    lookup.lookup("+4930123").await;
    tokio::time::sleep(Limits::default().ttl - Duration::from_secs(1)).await;
    lookup.lookup("+4930123").await;
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    lookup.lookup("+4930123").await;
    assert_eq!(asked.load(Ordering::SeqCst), 2);

    let (failing, asked) = slow(Some(Duration::from_millis(10)), true);
    let answer = failing.lookup("+4930123").await;
    assert!(
        matches!(&answer, Answer::Failed { reason } if reason.contains("stopped answering")),
        "{answer:?}"
    );
    tokio::time::sleep(FAILURE_TTL + Duration::from_secs(1)).await;
    failing.lookup("+4930123").await;
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn the_cache_keeps_at_most_its_capacity_dropping_the_oldest() {
    let asked = Arc::new(AtomicUsize::new(0));
    let dir = Slow {
        delay: Some(Duration::ZERO),
        fail: false,
        asked: Arc::clone(&asked),
    };
    let lookup = Lookup::new(
        dir,
        Limits {
            capacity: 3,
            ..Limits::default()
        },
    );
    for n in ["1", "2", "3", "4"] {
        lookup.lookup(n).await;
    }
    assert_eq!(lookup.cached(), 3);
    lookup.lookup("4").await;
    assert_eq!(
        asked.load(Ordering::SeqCst),
        4,
        "the newest is still cached"
    );
    lookup.lookup("1").await;
    assert_eq!(asked.load(Ordering::SeqCst), 5, "the oldest was dropped");
}
