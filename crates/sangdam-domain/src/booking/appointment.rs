//! An appointment's states and the cancel policy.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AppointmentStatus {
    /// Waiting for the counselor's approval; the time is held.
    Requested,
    Confirmed,
    Completed,
    NoShow,
    Cancelled,
    /// Cancelled by the client inside the policy window; shown to the counselor.
    LateCancelled,
}

impl AppointmentStatus {
    pub const ALL: [AppointmentStatus; 6] = [
        AppointmentStatus::Requested,
        AppointmentStatus::Confirmed,
        AppointmentStatus::Completed,
        AppointmentStatus::NoShow,
        AppointmentStatus::Cancelled,
        AppointmentStatus::LateCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Requested => "requested",
            AppointmentStatus::Confirmed => "confirmed",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::NoShow => "no_show",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::LateCancelled => "late_cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        AppointmentStatus::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether the appointment holds its time (no one else may book it).
    pub fn holds_time(self) -> bool {
        matches!(self, AppointmentStatus::Requested | AppointmentStatus::Confirmed)
    }

    pub fn message_id(self) -> &'static str {
        match self {
            AppointmentStatus::Requested => "status-requested",
            AppointmentStatus::Confirmed => "status-confirmed",
            AppointmentStatus::Completed => "status-completed",
            AppointmentStatus::NoShow => "status-no-show",
            AppointmentStatus::Cancelled => "status-cancelled",
            AppointmentStatus::LateCancelled => "status-late-cancelled",
        }
    }
}

/// What a client's cancellation becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    Cancelled,
    LateCancelled,
}

/// Whether `now` is still before the window that closes `window_hours` before `start`.
pub fn before_window(start: Timestamp, now: Timestamp, window_hours: u32) -> bool {
    start.checked_sub(SignedDuration::from_hours(i64::from(window_hours))).is_ok_and(|closes| now < closes)
}

/// A client cancelling: free before the window, recorded as late inside it.
pub fn client_cancellation(start: Timestamp, now: Timestamp, window_hours: u32) -> CancelOutcome {
    if before_window(start, now, window_hours) { CancelOutcome::Cancelled } else { CancelOutcome::LateCancelled }
}

/// Clients may move an appointment only before the window; afterwards they may only cancel late.
pub fn client_may_reschedule(start: Timestamp, now: Timestamp, window_hours: u32) -> bool {
    before_window(start, now, window_hours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_decides() {
        let start = Timestamp::from_second(1_800_000_000).unwrap();
        let h = |hours: i64| start.checked_sub(SignedDuration::from_hours(hours)).unwrap();
        assert_eq!(client_cancellation(start, h(25), 24), CancelOutcome::Cancelled);
        assert_eq!(
            client_cancellation(start, h(24), 24),
            CancelOutcome::LateCancelled,
            "the window includes its first instant"
        );
        assert_eq!(client_cancellation(start, h(1), 24), CancelOutcome::LateCancelled);
        assert!(client_may_reschedule(start, h(30), 24));
        assert!(!client_may_reschedule(start, h(2), 24));
        assert_eq!(client_cancellation(start, h(1), 0), CancelOutcome::Cancelled);
        for s in AppointmentStatus::ALL {
            assert_eq!(AppointmentStatus::parse(s.as_str()), Some(s));
        }
    }
}
