//! The limits the product holds people to, in one place: how long a text may be, how many of a
//! thing one person may keep, how big a room is. Every way in (a page, a WebSocket message, an
//! API) checks against these; the web layer keeps only its transport limits (bytes per request or
//! message, sockets per person).

/// People in one session room, counselors included (group and family sessions).
pub const MAX_PARTICIPANTS: i64 = 8;
/// Longest title of an ad-hoc session room, in characters.
pub const MAX_ROOM_TITLE_CHARS: usize = 100;
/// Longest chat message, in the session room and the chat center, in characters.
pub const MAX_CHAT_CHARS: usize = 4000;
/// Longest nickname a chat client gives, in characters.
pub const MAX_NICKNAME_CHARS: usize = 40;
/// Longest reason for a visit a client writes when booking, in characters.
pub const MAX_REASON_CHARS: usize = 2000;
/// Longest reason given for cancelling, in characters.
pub const MAX_CANCEL_REASON_CHARS: usize = 500;
/// Open waitlist entries one client may have.
pub const MAX_WAITLIST_ENTRIES: i64 = 20;
/// The directory's "free within N days" accepts at most this many days.
pub const MAX_WITHIN_DAYS: i64 = 60;
/// Longest counselor biography, in characters (each language).
pub const MAX_BIO_CHARS: usize = 4000;
/// Spans of working hours on one weekday.
pub const MAX_SPANS_PER_DAY: usize = 6;
/// Date exceptions a counselor keeps (they are read on every slot search).
pub const MAX_EXCEPTIONS: usize = 200;
/// Tags on one client record, and the longest tag in characters.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 30;
/// Canned responses one counselor may keep (shared ones count separately), the longest shortcut
/// and the longest text in characters.
pub const MAX_CANNED: usize = 200;
pub const MAX_CANNED_SHORTCUT_CHARS: usize = 30;
pub const MAX_CANNED_BODY_CHARS: usize = 2000;
/// Specialties a center lists, and the longest identifier and name (in characters).
pub const MAX_SPECIALTIES: usize = 100;
pub const MAX_SPECIALTY_ID_CHARS: usize = 40;
pub const MAX_SPECIALTY_NAME_CHARS: usize = 40;
/// Chats one counselor may take at once.
pub const MAX_CHAT_CAPACITY: i64 = 10;
/// Forms one counselor may keep (each bounded by `form::MAX_QUESTIONS`; their assignments are one
/// per form and mode).
pub const MAX_FORMS: usize = 100;
/// Points in one whiteboard stroke, items on one board, characters in one board text.
pub const MAX_STROKE_POINTS: usize = 600;
pub const MAX_BOARD_ITEMS: usize = 5000;
pub const MAX_BOARD_TEXT_CHARS: usize = 200;
