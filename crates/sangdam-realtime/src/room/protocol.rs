//! The room's messages, as JSON objects tagged by `type` (ARCHITECTURE.md documents each).

use serde::{Deserialize, Serialize};

use super::board::BoardItem;

/// What a browser sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// First message of every connection: the number of the last chat message it has.
    Hello {
        last_seq: i64,
    },
    /// `id` is the browser's own id for the message: sending it again is harmless.
    Chat {
        id: String,
        text: String,
    },
    Admit {
        user: String,
    },
    Decline {
        user: String,
    },
    /// A whiteboard change: a freehand stroke or a text, or (hosts) clearing the board.
    Board {
        item: BoardItem,
    },
    BoardClear,
    /// A host ends the session for everyone.
    End,
    /// A host ends the session because of abuse: as `End`, and the incident is recorded, the
    /// host gets a protected recovery break and supervisors are alerted.
    EndAbuse,
    Ping,
    /// Joins the media (or joins again after a network change, which restarts ICE): the browser's
    /// offer with its microphone, camera and screen transceivers, in that order.
    RtcOffer {
        sdp: String,
    },
    /// The browser's answer to a `rtc_offer` from the server.
    RtcAnswer {
        sdp: String,
    },
    /// What this participant sends now, for everyone's participant list.
    Media {
        audio: bool,
        video: bool,
        screen: bool,
    },
    /// How this participant's connection is doing, as their page measures it (loss, round trip,
    /// the send estimate, whether anything arrives); sent when it changes.
    Quality {
        level: Quality,
    },
    /// Voice-only mode: no video is sent to this participant while it is on.
    VoiceOnly {
        on: bool,
    },
    /// What a page once said about its own speaking; accepted and ignored, since the SFU reads it
    /// from the microphone packets' audio levels.
    Speaking {
        on: bool,
    },
    /// A host proposes recording the session.
    RecordPropose,
    /// The answer to a proposal, naming it (the id from `recording_asked`).
    RecordConsent {
        agree: bool,
        #[serde(default)]
        id: Option<String>,
    },
    /// Withdraws consent: stops the recording (or the proposal).
    RecordStop,
    /// A host's chat draft, for the language assistant's advice (nothing is sent to anyone).
    Advise {
        text: String,
    },
}

/// A connection's quality, as the participant's page measures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    Good,
    Weak,
    Poor,
}

/// What a participant sends, and how their connection is, as the participant list shows it.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct MediaState {
    pub audio: bool,
    pub video: bool,
    pub screen: bool,
    /// Unknown until their page has measured it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub user: String,
    pub name: String,
    pub host: bool,
    pub media: MediaState,
}

/// A shared file as the room lists it.
#[derive(Debug, Clone, Serialize)]
pub struct FileInfo {
    pub id: String,
    pub name: String,
    pub size: i64,
    pub from: String,
}

/// What the server sends.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// A guest waits for a host to admit them.
    Waiting,
    Admitted,
    Declined,
    /// The connection is in the room: who is there, and the booked times when there are any.
    Welcome {
        you: String,
        host: bool,
        participants: Vec<Person>,
        starts_at: Option<i64>,
        ends_at: Option<i64>,
        files: Vec<FileInfo>,
        board: Vec<BoardItem>,
    },
    /// A file was shared; download it from `/rooms/{room}/files/{id}`.
    File {
        file: FileInfo,
    },
    /// Someone drew on the whiteboard (also in `welcome.board` for those who come later).
    Board {
        item: BoardItem,
        from: String,
    },
    BoardCleared,
    /// To hosts: someone is waiting.
    Knock {
        user: String,
        name: String,
    },
    Joined {
        person: Person,
    },
    Left {
        user: String,
    },
    Chat {
        seq: i64,
        id: String,
        from: String,
        name: String,
        text: String,
        at: i64,
        /// To hosts: the crisis check's level of a guest's message (`high`, `concern`); the page
        /// highlights it.
        #[serde(skip_serializing_if = "Option::is_none")]
        crisis: Option<&'static str>,
    },
    /// To the guest whose message spoke of suicide or self-harm: a caring message and the crisis
    /// lines.
    Care(crate::care_notice::CareNotice),
    /// To the sender: the message is stored under `seq`.
    Ack {
        id: String,
        seq: i64,
    },
    Ended,
    /// The server's answer to the browser's `rtc_offer`.
    RtcAnswer {
        sdp: String,
    },
    /// Tracks were added or removed: the browser answers with `rtc_answer`.
    RtcOffer {
        sdp: String,
    },
    /// The media connection died; the page joins the media again.
    RtcClosed,
    Media {
        user: String,
        media: MediaState,
    },
    Speaking {
        user: String,
        on: bool,
    },
    /// Something the browser sent was refused; `message` is in the user's language.
    /// Recording was proposed: everyone is asked to agree or refuse.
    RecordingAsked {
        id: String,
    },
    /// Recording runs (`on`), or stopped, with why: `declined`, `withdrawn`, `joined`, `ended`,
    /// `failed`.
    Recording {
        on: bool,
        reason: Option<&'static str>,
    },
    /// The language assistant's advice on a host's draft, in the host's language; empty when
    /// nothing to say. It never stops a message from being sent.
    Advice {
        items: Vec<String>,
    },
    Error {
        code: &'static str,
        message: String,
    },
    Pong,
}
