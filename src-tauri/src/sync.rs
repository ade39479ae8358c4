//! Locks that cannot panic the app. A panic while a lock is held (in a
//! command, a window callback) poisons it, and every later
//! `lock().expect(…)` would panic in turn: the popup, the tray and every
//! command behind that lock would be gone until she restarts the app. The
//! data behind the shell's locks (settings, window and tray state, the
//! connection line) is whole after every statement, so the guard is taken
//! back and the poisoning is logged once per lock taken.

use std::sync::{Mutex, MutexGuard};

/// [`Mutex::lock`] that survives an earlier panic.
pub trait LockExt<T> {
    /// The guard, also when a panic poisoned the lock (logged as a warning).
    fn lock_or_recover(&self) -> MutexGuard<'_, T>;
}

impl<T> LockExt<T> for Mutex<T> {
    fn lock_or_recover(&self) -> MutexGuard<'_, T> {
        self.lock().unwrap_or_else(|poisoned| {
            tracing::warn!(
                "a lock was left poisoned by an earlier panic; carrying on with its data"
            );
            poisoned.into_inner()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_lock_poisoned_by_a_panic_still_gives_its_data() {
        let m = Arc::new(Mutex::new(41));
        let m2 = m.clone();
        let died = std::thread::spawn(move || {
            let mut g = m2.lock().expect("not yet poisoned");
            *g += 1;
            panic!("a command panics while holding the lock");
        })
        .join();
        assert!(died.is_err(), "the thread panicked");
        assert!(m.lock().is_err(), "the lock is poisoned now");
        assert_eq!(
            *m.lock_or_recover(),
            42,
            "the data written before the panic is there"
        );
        *m.lock_or_recover() += 1;
        assert_eq!(*m.lock_or_recover(), 43, "and it can be used on");
    }
}
