//! The one place the web layer reads the time. Tests move it forward to cross idle timeouts,
//! lock windows and link expiry without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    /// Unix seconds, UTC.
    pub fn now(&self) -> i64 {
        jiff::Timestamp::now().as_second() + self.offset_seconds.load(Ordering::Relaxed)
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::Relaxed);
    }
}
