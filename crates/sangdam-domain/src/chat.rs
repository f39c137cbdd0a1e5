//! The live chat center's vocabulary: where a chat stands and who a message is from. The store
//! keeps both as text under a database CHECK; everything else uses these.

/// Where a chat stands, from the queue to its close. A chat moves `Queued` → `Offered` (to one
/// counselor, for the offer time) → `Active` (accepted) → `Closed`; an offer that lapses or a
/// transfer puts it back to `Queued`, and any open chat may close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatStatus {
    Queued,
    Offered,
    Active,
    Closed,
}

impl ChatStatus {
    pub const ALL: [ChatStatus; 4] = [ChatStatus::Queued, ChatStatus::Offered, ChatStatus::Active, ChatStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            ChatStatus::Queued => "queued",
            ChatStatus::Offered => "offered",
            ChatStatus::Active => "active",
            ChatStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Still open: waiting, offered or with a counselor.
    pub fn is_open(self) -> bool {
        self != ChatStatus::Closed
    }
}

/// Who a chat message is from, and so who sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// The client (a guest or a signed-in client).
    Client,
    /// The counselor holding the chat.
    Counselor,
    /// The product (a join, a transfer, a warning).
    System,
    /// A staff note beside the chat, never shown to the client.
    Note,
    /// A supervisor to the counselor only.
    Whisper,
}

impl MessageKind {
    pub const ALL: [MessageKind; 5] =
        [MessageKind::Client, MessageKind::Counselor, MessageKind::System, MessageKind::Note, MessageKind::Whisper];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Client => "client",
            MessageKind::Counselor => "counselor",
            MessageKind::System => "system",
            MessageKind::Note => "note",
            MessageKind::Whisper => "whisper",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Part of the conversation itself, which the client sees and the transcript keeps; notes and
    /// whispers are staff's only.
    pub fn is_conversation(self) -> bool {
        matches!(self, MessageKind::Client | MessageKind::Counselor | MessageKind::System)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in MessageKind::ALL {
            assert_eq!(MessageKind::parse(k.as_str()), Some(k));
        }
        for s in ChatStatus::ALL {
            assert_eq!(ChatStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(MessageKind::parse("admin"), None);
        assert!(!MessageKind::Whisper.is_conversation());
    }
}
