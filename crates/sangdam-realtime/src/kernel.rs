//! What the two realtime sockets (the chat center's and the session room's) share, written once:
//! each connection's allowance of messages and the form of the ids a page gives its messages.

use std::time::Instant;

/// A connection that keeps sending past its allowance this many times is closed.
pub const MAX_REFUSALS: u32 = 50;

/// One connection's allowance of messages: a burst, refilled at a steady rate.
#[derive(Debug)]
pub struct Bucket {
    burst: f64,
    per_second: f64,
    tokens: f64,
    at: Instant,
    refusals: u32,
}

impl Bucket {
    /// A full bucket of `burst` messages, refilled at `per_second`.
    pub fn new((burst, per_second): (f64, f64)) -> Self {
        Self { burst, per_second, tokens: burst, at: Instant::now(), refusals: 0 }
    }

    /// Takes one message's allowance: `Err(close)` when the message is refused, with `close` true
    /// once the connection has been refused more than [`MAX_REFUSALS`] times.
    pub fn take(&mut self) -> Result<(), bool> {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * self.per_second).min(self.burst);
        self.at = now;
        if self.tokens < 1.0 {
            self.refusals += 1;
            return Err(self.refusals > MAX_REFUSALS);
        }
        self.tokens -= 1.0;
        Ok(())
    }
}

/// The id a page gives a message, so a message sent twice (a reconnect, a retry) is stored once:
/// 1 to 64 letters, digits, `-` and `_`.
pub fn valid_message_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals_then_the_close() {
        let mut b = Bucket::new((3.0, 0.0));
        assert_eq!((b.take(), b.take(), b.take()), (Ok(()), Ok(()), Ok(())));
        for _ in 0..MAX_REFUSALS {
            assert_eq!(b.take(), Err(false));
        }
        assert_eq!(b.take(), Err(true));
    }

    #[test]
    fn message_ids() {
        assert!(valid_message_id("m-1_a"));
        assert!(!valid_message_id(""));
        assert!(!valid_message_id(&"a".repeat(65)));
        assert!(!valid_message_id("a b"));
    }
}
