//! Slowing down password guessing: failed logins per account within a window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use domain::Timestamp;

/// The most accounts tracked at once; beyond it, entries with no recent failure go first.
const MAX_TRACKED: usize = 100_000;

/// Counts failed logins per account (by normalised e-mail address) in a sliding window.
/// After `max_failures` failures within `window_seconds`, further attempts on that
/// account are refused until the oldest failure leaves the window; a successful login
/// clears the count. Kept in memory: each API process counts on its own.
#[derive(Debug)]
pub struct LoginThrottle {
    max_failures: usize,
    window_seconds: i64,
    failures: Mutex<HashMap<String, VecDeque<Timestamp>>>,
}

impl LoginThrottle {
    /// A throttle allowing `max_failures` failed logins per account per `window_seconds`.
    pub fn new(max_failures: usize, window_seconds: i64) -> Self {
        Self {
            max_failures: max_failures.max(1),
            window_seconds: window_seconds.max(1),
            failures: Mutex::default(),
        }
    }

    /// `Err(seconds)` when the account must wait that long before trying again.
    pub fn check(&self, account: &str, now: Timestamp) -> Result<(), i64> {
        let Ok(mut map) = self.failures.lock() else {
            return Ok(());
        };
        let Some(times) = map.get_mut(account) else {
            return Ok(());
        };
        self.forget_old(times, now);
        if times.len() < self.max_failures {
            return Ok(());
        }
        let oldest = times.front().copied().unwrap_or(now);
        let wait = oldest.plus_seconds(self.window_seconds).unix_seconds() - now.unix_seconds();
        Err(wait.max(1))
    }

    /// Records a failed login.
    pub fn failed(&self, account: &str, now: Timestamp) {
        let Ok(mut map) = self.failures.lock() else { return };
        if map.len() >= MAX_TRACKED && !map.contains_key(account) {
            let horizon = now.plus_seconds(-self.window_seconds);
            map.retain(|_, times| times.back().is_some_and(|t| *t > horizon));
            if map.len() >= MAX_TRACKED {
                return;
            }
        }
        let times = map.entry(account.to_owned()).or_default();
        self.forget_old(times, now);
        times.push_back(now);
        while times.len() > self.max_failures {
            times.pop_front();
        }
    }

    /// Clears the account's failures after a successful login.
    pub fn succeeded(&self, account: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(account);
        }
    }

    fn forget_old(&self, times: &mut VecDeque<Timestamp>, now: Timestamp) {
        let horizon = now.plus_seconds(-self.window_seconds);
        while times.front().is_some_and(|t| *t <= horizon) {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_000_000 + s)
    }

    #[test]
    fn refuses_after_the_limit_until_the_oldest_failure_expires() {
        let t = LoginThrottle::new(3, 60);
        for s in 0..3 {
            assert_eq!(t.check("a", at(s)), Ok(()));
            t.failed("a", at(s));
        }
        assert_eq!(
            t.check("a", at(10)),
            Err(50),
            "the first failure leaves the window at 60 s"
        );
        assert_eq!(t.check("b", at(10)), Ok(()), "other accounts are not affected");
        assert_eq!(t.check("a", at(60)), Ok(()));
    }

    #[test]
    fn success_clears_the_count() {
        let t = LoginThrottle::new(2, 60);
        t.failed("a", at(0));
        t.failed("a", at(1));
        assert!(t.check("a", at(2)).is_err());
        t.succeeded("a");
        assert_eq!(t.check("a", at(2)), Ok(()));
    }
}
