//! Who speaks, from the RFC 6464 audio level browsers write into every microphone packet: loud
//! for a moment starts it, quiet (or no packets at all) for longer ends it.

use std::time::{Duration, Instant};

/// A microphone louder than this (dBov, from the RFC 6464 header) counts as speaking.
const SPEAKING_DBOV: i16 = -50;
/// Loud this long before "speaking" is told, and quiet (or silent) this long before it ends.
const SPEAKING_AFTER: Duration = Duration::from_millis(150);
const QUIET_AFTER: Duration = Duration::from_millis(800);

/// Whether a microphone is speaking, with a little hysteresis so a breath does not flicker it.
#[derive(Debug, Default)]
pub(super) struct Voice {
    speaking: bool,
    loud_since: Option<Instant>,
    quiet_since: Option<Instant>,
    last_loud: Option<Instant>,
}

impl Voice {
    /// One packet's level (dBov, 0 loudest, -127 silence) at `at`; `Some(on)` when it changes.
    pub(super) fn heard(&mut self, level: i16, at: Instant) -> Option<bool> {
        if level > SPEAKING_DBOV {
            self.quiet_since = None;
            self.loud_since.get_or_insert(at);
            self.last_loud = Some(at);
        } else {
            self.loud_since = None;
            self.quiet_since.get_or_insert(at);
        }
        let next = if self.speaking {
            self.quiet_since.is_none_or(|q| at.saturating_duration_since(q) < QUIET_AFTER)
        } else {
            self.loud_since.is_some_and(|l| at.saturating_duration_since(l) >= SPEAKING_AFTER)
        };
        (next != self.speaking).then(|| {
            self.speaking = next;
            next
        })
    }

    /// A microphone that stopped sending (muted, gone) stops speaking too.
    pub(super) fn silent(&mut self, now: Instant) -> bool {
        if self.speaking && self.last_loud.is_none_or(|l| now.saturating_duration_since(l) >= QUIET_AFTER) {
            *self = Voice::default();
            return true;
        }
        false
    }
}
