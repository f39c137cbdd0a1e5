//! Where a waitlist entry stands. A client waits for a day; when a time frees up the first one
//! waiting is offered it (held for them for a while); they book it, let the offer pass, or leave.

/// Where one client's wait for one counselor's day stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitlistStatus {
    Waiting,
    Offered,
    Booked,
    Passed,
    Left,
}

impl WaitlistStatus {
    pub const ALL: [WaitlistStatus; 5] = [
        WaitlistStatus::Waiting,
        WaitlistStatus::Offered,
        WaitlistStatus::Booked,
        WaitlistStatus::Passed,
        WaitlistStatus::Left,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WaitlistStatus::Waiting => "waiting",
            WaitlistStatus::Offered => "offered",
            WaitlistStatus::Booked => "booked",
            WaitlistStatus::Passed => "passed",
            WaitlistStatus::Left => "left",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Still waiting or holding an offer: what counts toward the days one client may wait for.
    pub fn is_open(self) -> bool {
        matches!(self, WaitlistStatus::Waiting | WaitlistStatus::Offered)
    }

    /// The message a person reads for it.
    pub fn message_id(self) -> &'static str {
        match self {
            WaitlistStatus::Waiting => "waitlist-status-waiting",
            WaitlistStatus::Offered => "waitlist-status-offered",
            WaitlistStatus::Booked => "waitlist-status-booked",
            WaitlistStatus::Passed => "waitlist-status-passed",
            WaitlistStatus::Left => "waitlist-status-left",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WaitlistStatus;

    #[test]
    fn each_status_reads_back_as_written() {
        for s in WaitlistStatus::ALL {
            assert_eq!(WaitlistStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(WaitlistStatus::parse("Waiting"), None);
        assert_eq!(WaitlistStatus::ALL.iter().filter(|s| s.is_open()).count(), 2);
    }
}
