//! The chat center's WebSocket messages, as JSON objects tagged by `type` (ARCHITECTURE.md
//! documents each). Clients (signed in or guests) speak `ClientIn`/`ClientOut` on
//! `/chat/{id}/ws`; counselors and supervisors speak `StaffIn`/`StaffOut` on `/center/ws`, one
//! connection for all their chats.

use serde::{Deserialize, Serialize};

/// What a client's page sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientIn {
    /// First message: the number of the last message the page has.
    Hello {
        last_seq: i64,
    },
    /// `id` is the page's own id for the message: sending it again is harmless.
    Say {
        id: String,
        text: String,
    },
    Typing {
        on: bool,
    },
    /// The client has read up to `seq`.
    Read {
        seq: i64,
    },
    /// Mail a link to the transcript when the chat closes (a guest gives an address).
    Transcript {
        #[serde(default)]
        email: Option<String>,
    },
    /// The client leaves: the chat closes.
    Leave,
    Ping,
}

/// What a client's page receives.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientOut {
    /// Where the chat stands: `queued` with the position (1 = next) and the estimated wait in
    /// seconds, `active` with the counselor's name, or `closed`.
    State {
        status: &'static str,
        position: Option<u32>,
        wait_seconds: Option<u32>,
        counselor: Option<String>,
        /// Nobody can answer now: the center's hours, for leaving or booking instead.
        nobody: Option<String>,
    },
    Message(Line),
    Ack {
        id: String,
        seq: i64,
    },
    Typing {
        on: bool,
    },
    /// The counselor has read up to `seq`.
    Read {
        seq: i64,
    },
    /// The chat ended; `abuse` when it was ended because of abusive messages.
    Ended {
        category: String,
    },
    /// The transcript will be mailed when the chat closes.
    TranscriptRequested,
    /// The client's message spoke of suicide or self-harm: a caring message and the crisis lines,
    /// at once (and again on every reconnect while the chat is open).
    Care(crate::care_notice::CareNotice),
    Error {
        code: &'static str,
        message: String,
    },
    Pong,
}

/// One message of a chat as a page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub chat: String,
    pub seq: i64,
    pub id: String,
    /// `client`, `counselor`, `system`, `note` or `whisper` (the last two only to staff).
    pub kind: String,
    pub name: String,
    pub text: String,
    /// The abuse check's category, for staff: the page blurs the message until they choose to see it.
    pub flag: Option<String>,
    pub at: i64,
    /// A shared file (the text is its name): download it from `/chat/{chat}/files/{file}`.
    pub file: Option<String>,
    /// The crisis check's level of a client's message (`high`, `concern`), for staff: the page
    /// highlights it.
    pub crisis: Option<&'static str>,
}

/// What a counselor's or supervisor's console sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum StaffIn {
    Hello,
    /// `available`, `busy`, `break` or `offline` (after-work is set by the product).
    Status {
        status: String,
    },
    /// Ask for more recovery time (another break of the configured length).
    MoreBreak,
    Accept {
        chat: String,
    },
    /// Give an offered or open chat back to the queue, or to a colleague, with a note for them.
    Transfer {
        chat: String,
        #[serde(default)]
        to: Option<String>,
        #[serde(default)]
        note: String,
    },
    Say {
        chat: String,
        id: String,
        text: String,
    },
    /// An internal note: staff see it, the client never does.
    Note {
        chat: String,
        id: String,
        text: String,
    },
    Typing {
        chat: String,
        on: bool,
    },
    Read {
        chat: String,
        seq: i64,
    },
    Close {
        chat: String,
        category: String,
    },
    /// End at once because of abuse (one click, at any step).
    EndAbuse {
        chat: String,
    },
    /// Supervisors: assign a waiting chat by hand.
    Assign {
        chat: String,
        to: String,
    },
    /// Supervisors: end a counselor's recovery break early.
    EndBreak {
        user: String,
    },
    /// Supervisors: follow a live chat silently.
    Watch {
        chat: String,
    },
    Unwatch {
        chat: String,
    },
    /// Supervisors: a private message to the chat's counselor.
    Whisper {
        chat: String,
        id: String,
        text: String,
    },
    /// The language assistant's advice on a draft (nothing is sent).
    Advise {
        text: String,
    },
    /// Take a waiting high-risk chat at once, whoever it was offered to (counselors).
    TakeCrisis {
        chat: String,
    },
    Ping,
}

/// A chat as the console lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ChatInfo {
    pub id: String,
    pub nickname: String,
    pub topic: String,
    pub language: &'static str,
    pub status: String,
    pub counselor: Option<String>,
    pub counselor_id: Option<String>,
    pub queued_at: i64,
    /// The client's record, when the client is signed in.
    pub client: Option<String>,
    pub flagged: i64,
    /// The crisis level of the client's messages while the chat is open (`high`, `concern`).
    pub risk: Option<&'static str>,
    /// The open crisis event of this chat: its risk check is filled in at
    /// `/center/crisis/{event}`.
    pub crisis_event: Option<String>,
}

/// A counselor as supervisors see them.
#[derive(Debug, Clone, Serialize)]
pub struct AgentInfo {
    pub id: String,
    pub name: String,
    pub status: String,
    pub until: Option<i64>,
    pub active: i64,
    pub capacity: i64,
}

/// What a console receives.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StaffOut {
    Welcome {
        you: String,
        supervisor: bool,
        status: String,
        until: Option<i64>,
        chats: Vec<ChatInfo>,
    },
    /// This counselor's status changed (by them, or by the product: after-work, a recovery break).
    Status {
        status: String,
        until: Option<i64>,
    },
    /// A chat was offered to this counselor: accept it or let it go back.
    Offer {
        chat: ChatInfo,
    },
    /// A chat this console follows changed (accepted, transferred, assigned).
    Chat {
        chat: ChatInfo,
    },
    /// A chat left this console (taken back, transferred away).
    Gone {
        chat: String,
    },
    Message(Line),
    Ack {
        chat: String,
        id: String,
        seq: i64,
    },
    Typing {
        chat: String,
        on: bool,
    },
    /// The client has read up to `seq`.
    Read {
        chat: String,
        seq: i64,
    },
    /// A client's message was flagged: what the product did (`warning`, `final_warning`, `end`)
    /// and whether the counselor is offered to end at once.
    Flagged {
        chat: String,
        seq: i64,
        category: String,
        step: &'static str,
        end_now: bool,
    },
    Closed {
        chat: String,
        category: String,
        evidence: Option<String>,
    },
    /// Supervisors: the live queue and every counselor, whenever they change.
    Queue {
        waiting: Vec<ChatInfo>,
        active: Vec<ChatInfo>,
        agents: Vec<AgentInfo>,
    },
    /// Supervisors: a chat or a room was ended because of abuse.
    Alert {
        chat: Option<String>,
        counselor: String,
        category: String,
    },
    Advice {
        items: Vec<String>,
    },
    /// A client's message spoke of suicide or self-harm (to the chat's counselor and every
    /// supervisor): the badge, the highlighted message, and the risk check to fill in.
    Crisis {
        chat: ChatInfo,
        seq: i64,
        level: &'static str,
        event: String,
    },
    /// A high-risk chat was not taken within the offer time: every console is alerted (a sound
    /// and a banner) and any counselor may take it.
    CrisisAlert {
        chat: ChatInfo,
    },
    Error {
        code: &'static str,
        message: String,
    },
    Pong,
}
