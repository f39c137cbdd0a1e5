//! A recording's vocabulary: where it stands and what each of its files holds. The store keeps
//! both as text under a database CHECK; everything else uses these.

/// Where a recording stands. A host proposes it; it records once everyone present agreed, or is
/// declined; a recording stops (kept until its retention passes) or fails; past its retention,
/// or when a client in it deletes their account, it is deleted (its key destroyed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordingState {
    Proposed,
    Declined,
    Recording,
    Stopped,
    Failed,
    Deleted,
}

impl RecordingState {
    pub const ALL: [RecordingState; 6] = [
        RecordingState::Proposed,
        RecordingState::Declined,
        RecordingState::Recording,
        RecordingState::Stopped,
        RecordingState::Failed,
        RecordingState::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordingState::Proposed => "proposed",
            RecordingState::Declined => "declined",
            RecordingState::Recording => "recording",
            RecordingState::Stopped => "stopped",
            RecordingState::Failed => "failed",
            RecordingState::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// How a proposal or a recording may end: declined, stopped or failed.
    pub fn is_end(self) -> bool {
        matches!(self, RecordingState::Declined | RecordingState::Stopped | RecordingState::Failed)
    }
}

/// What one file of a recording holds: a participant's camera and microphone, or a shared
/// screen (video only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartKind {
    Person,
    Screen,
}

impl PartKind {
    pub const ALL: [PartKind; 2] = [PartKind::Person, PartKind::Screen];

    pub fn as_str(self) -> &'static str {
        match self {
            PartKind::Person => "person",
            PartKind::Screen => "screen",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::{PartKind, RecordingState};

    #[test]
    fn each_state_and_kind_reads_back_as_written() {
        for s in RecordingState::ALL {
            assert_eq!(RecordingState::parse(s.as_str()), Some(s));
        }
        for k in PartKind::ALL {
            assert_eq!(PartKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(RecordingState::parse("Stopped"), None);
        assert_eq!(PartKind::parse(""), None);
    }
}
