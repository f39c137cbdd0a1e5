//! Sign-in throttling: how long a next attempt must wait after failures, and when an account
//! locks. Failures are counted per email address typed, whether or not an account has it, so
//! that the answers never reveal which addresses exist.

/// The numbers of the policy (defaults from the foundation issue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures that cost nothing.
    pub free_failures: usize,
    /// Failures within the window that lock the account.
    pub lock_after: usize,
    pub window_seconds: i64,
    pub lock_seconds: i64,
    /// The longest wait between tries before the lock.
    pub max_delay_seconds: i64,
    /// Failed sign-ins one network address may make within the window, across all accounts.
    pub address_failures: usize,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            free_failures: 5,
            lock_after: 10,
            window_seconds: 15 * 60,
            lock_seconds: 15 * 60,
            max_delay_seconds: 60,
            address_failures: 30,
        }
    }
}

/// What to do with a sign-in attempt that is about to be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigninGate {
    Open,
    /// Too soon after the last failure: try again in `seconds`.
    Wait {
        seconds: i64,
    },
    /// The account is locked until this Unix time.
    Locked {
        until: i64,
    },
}

impl ThrottlePolicy {
    /// Decides from the failures recorded for this email within the window (Unix seconds, any
    /// order) and the current lock, at `now`.
    pub fn gate(&self, failures: &[i64], locked_until: Option<i64>, now: i64) -> SigninGate {
        if let Some(until) = locked_until.filter(|&u| u > now) {
            return SigninGate::Locked { until };
        }
        let recent: Vec<i64> = failures.iter().copied().filter(|&t| t > now - self.window_seconds).collect();
        if recent.len() <= self.free_failures {
            return SigninGate::Open;
        }
        let last = recent.iter().copied().max().unwrap_or(now);
        let ready_at = last + self.delay_after(recent.len());
        if ready_at > now { SigninGate::Wait { seconds: ready_at - now } } else { SigninGate::Open }
    }

    /// The wait after `n` failures: nothing up to the free ones, then 1, 2, 4, ... seconds.
    pub fn delay_after(&self, n: usize) -> i64 {
        if n <= self.free_failures {
            return 0;
        }
        let exponent = (n - self.free_failures - 1).min(16) as u32;
        (1i64 << exponent).min(self.max_delay_seconds)
    }

    /// Whether recording a failure that brings the count in the window to `failures_in_window`
    /// locks the account; returns the lock's end.
    pub fn lock_on_failure(&self, failures_in_window: usize, now: i64) -> Option<i64> {
        (failures_in_window >= self.lock_after).then_some(now + self.lock_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_free_failures_then_growing_waits_then_lock() {
        let p = ThrottlePolicy::default();
        let now = 10_000;
        let fails = |n: usize| vec![now - 1; n];
        assert_eq!(p.gate(&fails(5), None, now), SigninGate::Open);
        assert_eq!(p.gate(&fails(6), None, now), SigninGate::Open, "a 1 s wait has passed");
        assert_eq!(p.gate(&fails(7), None, now), SigninGate::Wait { seconds: 1 });
        assert_eq!(p.gate(&fails(9), None, now), SigninGate::Wait { seconds: 7 });
        assert_eq!(p.delay_after(6), 1);
        assert_eq!(p.delay_after(9), 8);
        assert_eq!(p.delay_after(40), 60);
        assert_eq!(p.lock_on_failure(9, now), None);
        assert_eq!(p.lock_on_failure(10, now), Some(now + 900));
        assert_eq!(p.gate(&fails(10), Some(now + 900), now), SigninGate::Locked { until: now + 900 });
    }

    #[test]
    fn old_failures_and_ended_locks_do_not_count() {
        let p = ThrottlePolicy::default();
        let now = 100_000;
        let old = vec![now - 901; 12];
        assert_eq!(p.gate(&old, Some(now - 1), now), SigninGate::Open);
    }
}
