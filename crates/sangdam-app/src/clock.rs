//! The one place the server reads the time. Tests move it forward to cross idle timeouts,
//! lock windows and link expiry without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
    /// When set (tests only), the Unix second the clock stands still at, before the offset.
    frozen_at: Arc<AtomicI64>,
}

impl Clock {
    /// Unix seconds, UTC.
    pub fn now(&self) -> i64 {
        let frozen = self.frozen_at.load(Ordering::Relaxed);
        let base = if frozen > 0 { frozen } else { jiff::Timestamp::now().as_second() };
        base + self.offset_seconds.load(Ordering::Relaxed)
    }

    /// Stops this clock (and every clone) at the current second; only `advance` moves it then.
    /// For tests whose steps must not depend on how fast a busy machine answers.
    pub fn freeze(&self) {
        self.frozen_at.store(jiff::Timestamp::now().as_second(), Ordering::Relaxed);
    }

    /// Stops this clock (and every clone) at `unix`; only `advance` moves it then. For tests
    /// whose outcome depends on the day of the week or the hour.
    pub fn freeze_at(&self, unix: i64) {
        self.frozen_at.store(unix, Ordering::Relaxed);
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::Relaxed);
    }
}
