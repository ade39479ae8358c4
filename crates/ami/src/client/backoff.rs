//! How long to wait before the next connection attempt: exponential
//! backoff with jitter and a cap. Pure arithmetic plus a random number; the
//! connection task does the waiting.

use std::time::Duration;

use rand::Rng;

/// Exponential backoff settings: the first delay, doubling per failed
/// attempt up to `max`. Each actual delay is drawn at random from the upper
/// quarter below the nominal value (75 %–100 %), so many clients restarted
/// together do not all reconnect in the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// Nominal delay after the first failure.
    pub initial: Duration,
    /// Largest nominal delay.
    pub max: Duration,
}

impl BackoffPolicy {
    /// After a lost or unreachable connection: 0.5 s doubling to 30 s.
    pub const CONNECT: BackoffPolicy = BackoffPolicy {
        initial: Duration::from_millis(500),
        max: Duration::from_secs(30),
    };

    /// After a refused login: 30 s doubling to 5 min. A wrong password does
    /// not fix itself, and a tight loop of failed logins can get this
    /// computer's IP banned by the PBX (fail2ban and friends).
    pub const AUTH: BackoffPolicy = BackoffPolicy {
        initial: Duration::from_secs(30),
        max: Duration::from_secs(300),
    };
}

/// The running state of one backoff sequence.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    policy: BackoffPolicy,
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(policy: BackoffPolicy) -> Self {
        Self {
            policy,
            failures: 0,
        }
    }

    /// The nominal (un-jittered) delay for the next failure.
    fn nominal(&self) -> Duration {
        let factor = 1u32.checked_shl(self.failures.min(20)).unwrap_or(u32::MAX);
        self.policy
            .initial
            .saturating_mul(factor)
            .min(self.policy.max)
    }

    /// Records a failure and returns how long to wait before retrying.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let nominal = self.nominal();
        self.failures = self.failures.saturating_add(1);
        nominal.mul_f64(rand::thread_rng().gen_range(0.75..=1.0))
    }

    /// Starts over from the initial delay (after a connection that held).
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_stay_jittered_and_capped() {
        let mut b = Backoff::new(BackoffPolicy::CONNECT);
        let mut nominal = Duration::from_millis(500);
        for _ in 0..20 {
            let d = b.next_delay();
            assert!(
                d <= nominal,
                "a delay never exceeds its nominal value ({d:?} > {nominal:?})"
            );
            assert!(
                d >= nominal.mul_f64(0.75),
                "jitter stays within the upper quarter ({d:?})"
            );
            nominal = (nominal * 2).min(Duration::from_secs(30));
        }
        assert!(
            b.next_delay() <= Duration::from_secs(30),
            "the cap holds however many failures"
        );
        b.reset();
        assert!(
            b.next_delay() <= Duration::from_millis(500),
            "reset starts over from the initial delay"
        );
    }

    #[test]
    fn auth_failures_never_retry_quickly() {
        let mut b = Backoff::new(BackoffPolicy::AUTH);
        assert!(
            b.next_delay() >= Duration::from_millis(22_500),
            "a refused login waits tens of seconds, never a tight loop"
        );
    }
}
