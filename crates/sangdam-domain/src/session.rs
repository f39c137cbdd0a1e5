//! How long a signed-in session lives.

/// Idle and absolute lifetimes of a session, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_seconds: i64,
    pub absolute_seconds: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle_seconds: 30 * 60, absolute_seconds: 12 * 60 * 60 }
    }
}

impl SessionPolicy {
    /// A session is alive while it has been used within the idle time and is younger than the
    /// absolute lifetime.
    pub fn is_alive(&self, created_at: i64, last_seen_at: i64, now: i64) -> bool {
        now - last_seen_at < self.idle_seconds && now - created_at < self.absolute_seconds
    }

    /// Recording every request's time would write to the database on every page; a minute's
    /// precision is plenty for a 30-minute idle limit.
    pub fn needs_touch(&self, last_seen_at: i64, now: i64) -> bool {
        now - last_seen_at >= 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_absolute_limits() {
        let p = SessionPolicy::default();
        assert!(p.is_alive(0, 0, 29 * 60));
        assert!(!p.is_alive(0, 0, 30 * 60));
        assert!(p.is_alive(0, 11 * 3600 + 1800, 11 * 3600 + 1900));
        assert!(!p.is_alive(0, 12 * 3600 - 10, 12 * 3600));
    }
}
