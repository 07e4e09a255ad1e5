//! Sliding-window limits: at most `max` events per key inside a window. Sign-in counts failures
//! per account ("acct:ana@x.io") or client address ("ip:1.2.3.4"); the widget counts messages per
//! visitor and new visitors per address. Time is passed in.

use std::collections::{HashMap, VecDeque};

/// A limiter's wait (ms) in whole seconds, rounded up: what a person or a `Retry-After` is told.
pub fn secs_ceil(ms: i64) -> i64 {
    (ms + 999) / 1000
}

/// [`secs_ceil`] of a wait, never more than the window: a wait measured against an attempt that a
/// concurrent request stamped a moment later than this one's clock would otherwise exceed it.
pub fn retry_after_secs(wait_ms: i64, window_ms: i64) -> i64 {
    secs_ceil(wait_ms.clamp(0, window_ms))
}

#[derive(Debug)]
pub struct AttemptLimiter {
    max: usize,
    window_ms: i64,
    failures: HashMap<String, VecDeque<i64>>,
}

impl AttemptLimiter {
    pub fn new(max: usize, window_ms: i64) -> Self {
        Self {
            max,
            window_ms,
            failures: HashMap::new(),
        }
    }

    fn prune(&mut self, key: &str, now: i64) {
        if let Some(q) = self.failures.get_mut(key) {
            while q.front().is_some_and(|t| *t <= now - self.window_ms) {
                q.pop_front();
            }
            if q.is_empty() {
                self.failures.remove(key);
            }
        }
    }

    /// `Err(ms)` when the key is locked, with how long until the oldest failure leaves the window.
    pub fn check(&mut self, key: &str, now: i64) -> Result<(), i64> {
        self.prune(key, now);
        match self.failures.get(key) {
            Some(q) if q.len() >= self.max => Err(q[0] + self.window_ms - now),
            _ => Ok(()),
        }
    }

    pub fn record_failure(&mut self, key: &str, now: i64) {
        self.prune(key, now);
        self.failures
            .entry(key.to_string())
            .or_default()
            .push_back(now);
        // Bound memory under a flood of distinct keys: forget keys whose window has passed.
        if self.failures.len() > 100_000 {
            let horizon = now - self.window_ms;
            self.failures
                .retain(|_, q| q.back().is_some_and(|t| *t > horizon));
        }
    }

    /// Counts one event for `key` if it is under its limit (check and record in one step, so
    /// concurrent callers can never both pass the last free slot); `Err(ms)` as [`Self::check`].
    pub fn hit(&mut self, key: &str, now: i64) -> Result<(), i64> {
        self.check(key, now)?;
        self.record_failure(key, now);
        Ok(())
    }

    /// Takes back one event [`Self::hit`] counted at `at` (an attempt that turned out fine).
    pub fn undo(&mut self, key: &str, at: i64) {
        if let Some(q) = self.failures.get_mut(key) {
            if let Some(i) = q.iter().rposition(|t| *t == at) {
                q.remove(i);
            }
            if q.is_empty() {
                self.failures.remove(key);
            }
        }
    }

    pub fn reset(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_is_whole_seconds_and_never_past_the_window() {
        let window = 15 * 60 * 1000;
        assert_eq!(retry_after_secs(1, window), 1);
        assert_eq!(retry_after_secs(899_001, window), 900);
        // Found by the concurrent sign-in test: 901 s was once asked for.
        assert_eq!(retry_after_secs(900_400, window), 900);
        assert_eq!(retry_after_secs(-5, window), 0);
    }

    #[test]
    fn a_key_is_locked_after_max_failures_and_unlocks_when_the_window_passes() {
        let mut l = AttemptLimiter::new(3, 1_000);
        for t in [0, 10, 20] {
            assert!(l.check("acct:a", t).is_ok());
            l.record_failure("acct:a", t);
        }
        assert_eq!(l.check("acct:a", 500), Err(500));
        assert!(l.check("acct:a", 1_000).is_ok());
    }

    #[test]
    fn hit_counts_and_refuses_past_the_limit() {
        let mut l = AttemptLimiter::new(2, 1_000);
        assert!(l.hit("v", 0).is_ok());
        assert!(l.hit("v", 1).is_ok());
        assert_eq!(l.hit("v", 2), Err(998));
        assert!(l.hit("w", 2).is_ok());
        assert!(l.hit("v", 1_000).is_ok());
    }

    #[test]
    fn undo_takes_back_one_counted_event() {
        let mut l = AttemptLimiter::new(2, 1_000);
        assert!(l.hit("v", 5).is_ok());
        assert!(l.hit("v", 6).is_ok());
        l.undo("v", 6);
        assert!(l.hit("v", 7).is_ok());
        assert!(l.hit("v", 8).is_err());
    }

    #[test]
    fn keys_are_independent_and_success_resets() {
        let mut l = AttemptLimiter::new(1, 1_000);
        l.record_failure("acct:a", 0);
        assert!(l.check("acct:a", 1).is_err());
        assert!(l.check("acct:b", 1).is_ok());
        l.reset("acct:a");
        assert!(l.check("acct:a", 2).is_ok());
    }
}
