//! Booking rules: when a counselor can be booked (availability and free slots, across time zones
//! and daylight-saving changes), what an appointment's states are, what the cancel policy says,
//! and how recurring series are laid out. All pure: the caller passes the time.

pub mod appointment;
pub mod availability;
pub mod recurrence;
pub mod slots;
pub mod waitlist;

use serde::{Deserialize, Serialize};

/// How a session is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SessionKind {
    Video,
    Voice,
    Chat,
}

impl SessionKind {
    pub const ALL: [SessionKind; 3] = [SessionKind::Video, SessionKind::Voice, SessionKind::Chat];

    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Video => "video",
            SessionKind::Voice => "voice",
            SessionKind::Chat => "chat",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        SessionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn message_id(self) -> &'static str {
        match self {
            SessionKind::Video => "kind-video",
            SessionKind::Voice => "kind-voice",
            SessionKind::Chat => "kind-chat",
        }
    }
}

pub use appointment::{AppointmentStatus, CancelOutcome};
pub use availability::{Availability, BookingRules, DateException, ExceptionKind, Interval, WeeklyHours};
pub use slots::{Busy, Slot, SlotQuery, free_slots, is_free_slot};
pub use waitlist::WaitlistStatus;
