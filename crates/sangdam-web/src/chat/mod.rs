//! The live chat center: the queue and its routing loop, who is connected, posting a
//! message and handing it to everyone who should see it, closing, and the protection of
//! counselors (graded warnings, ending because of abuse, the evidence lock, bans, recovery
//! breaks, supervisors' alerts).
//!
//! Each chat has one async lock. Storing a message and handing it to the connections happen under
//! it, so every page receives a chat's messages in their stored order, each once; a page that
//! (re)connects catches up from the number of the last message it has. Connections are
//! registered in one short-held `std` mutex and written to with `try_send`, never awaited.
//!
//! The two WebSockets are in `client` and `staff`; the connections in `hub`; the routing loop in
//! `routing`; the graded response and ending because of abuse in `protection`; the transcript
//! and its hash in `evidence`.

use std::time::Duration;

use sangdam_domain::abuse::Category;
use sangdam_domain::chat::MessageKind;
use sangdam_domain::routing::{ChatStatus, Status};
use sangdam_domain::{Language, UserId};
use sangdam_store::{ChatMessage, ChatRecord, Posted};

pub mod client;
pub use sangdam_realtime::chat::{hub, protocol};
mod crisis;
pub mod evidence;
mod protection;
mod routing;
pub mod staff;

pub use hub::ChatHub;
pub(crate) use protection::{category_str, end_for_abuse, respond_to_abuse};
pub use protocol::{AgentInfo, ChatInfo, ClientIn, ClientOut, Line, StaffIn, StaffOut};
pub(crate) use routing::hours;
pub use routing::{route, run};

use crate::counselor_status::set_status;
use crate::crypto::random;
use crate::i18n::Tr;
use crate::mail::{self, Mail};
use crate::state::AppState;

/// Largest WebSocket message accepted.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;
pub use sangdam_domain::limits::{MAX_CHAT_CHARS as MAX_CHARS, MAX_NICKNAME_CHARS};
/// Messages queued for one slow connection before it is dropped (it reconnects and catches up).
const QUEUE: usize = 1024;
/// A connection must say hello within this time.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Messages a client's page may send: a burst of 20, refilled at 10 a second. A console carries
/// several chats at once and gets three times that. Past `realtime::MAX_REFUSALS` refusals the
/// connection is closed.
pub(crate) const CLIENT_RATE: (f64, f64) = (20.0, 10.0);
pub(crate) const STAFF_RATE: (f64, f64) = (60.0, 30.0);

/// Categories a counselor or supervisor may close a chat with (`abuse` only by ending for abuse).
pub const CLOSE_CATEGORIES: &[&str] = &["resolved", "referred", "booked", "unanswered", "other"];

pub(crate) use crate::realtime::valid_message_id;

/// A chat message's text, trimmed and checked: `None` when empty, too long or with control
/// characters.
pub(crate) fn clean_text(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty() && text.chars().count() <= MAX_CHARS && !text.chars().any(|c| c.is_control() && c != '\n'))
        .then_some(text)
}

fn tr(state: &AppState, lang: Language) -> Tr {
    Tr::new(state.i18n.clone(), lang)
}

/// A chat as consoles list it.
pub(crate) async fn info(state: &AppState, chat: &ChatRecord) -> anyhow::Result<ChatInfo> {
    let counselor = match &chat.counselor_id {
        Some(id) => state.store.user_by_id(id).await?.map(|u| u.display_name.to_string()),
        None => None,
    };
    Ok(ChatInfo {
        id: chat.id.clone(),
        nickname: chat.nickname.clone(),
        topic: chat.topic.clone(),
        language: chat.language.code(),
        status: chat.status.as_str().to_owned(),
        counselor,
        counselor_id: chat.counselor_id.as_ref().map(ToString::to_string),
        queued_at: chat.queued_at,
        client: chat.client_id.as_ref().map(ToString::to_string),
        flagged: chat.flagged,
        risk: sangdam_domain::crisis::Level::from_rank(chat.risk).map(sangdam_domain::crisis::Level::as_str),
        crisis_event: if chat.risk > 0 {
            crate::crisis::open_event_at(state, crate::crisis::Source::Chat, &chat.id).await?
        } else {
            None
        },
    })
}

/// A chat message's text, opened in its place.
pub(crate) fn open_message(state: &AppState, chat: &str, m: &ChatMessage) -> Result<String, crate::crypto::OpenError> {
    let row = [chat, m.kind.as_str(), m.client_msg_id.as_str()];
    Ok(String::from_utf8_lossy(&state.keys.open_at(&sangdam_store::sealed::CHAT_MESSAGE, &row, &m.body)?).into_owned())
}

/// A stored message as a page shows it.
pub(crate) fn line(state: &AppState, chat: &ChatRecord, m: &ChatMessage, name: &str) -> Line {
    let text = open_message(state, &chat.id, m).unwrap_or_default();
    let name = if m.kind == MessageKind::Client { chat.nickname.clone() } else { name.to_owned() };
    let crisis = if m.kind == MessageKind::Client {
        sangdam_domain::crisis::check(&text).map(sangdam_domain::crisis::Level::as_str)
    } else {
        None
    };
    Line {
        chat: chat.id.clone(),
        seq: m.seq,
        id: m.client_msg_id.clone(),
        kind: m.kind.as_str().to_owned(),
        name,
        text,
        flag: m.flag.clone(),
        at: m.at,
        file: m.file_id.clone(),
        crisis,
    }
}

/// What the checks found in a client's message: the abuse flag, and the crisis event to write
/// with it.
#[derive(Default, Clone, Copy)]
pub(crate) struct Marks<'a> {
    pub flag: Option<Category>,
    pub crisis: Option<&'a sangdam_store::CrisisWrite>,
}

/// Stores a message (`sangdam_app::chats::post`) and hands it to everyone who should see it,
/// under the chat's lock. The
/// counselor's console receives it when the chat is `active` with them at that moment (not while
/// merely offered); a counselor's own message is stored only while they hold the chat. Returns
/// what was stored (a resend returns the stored message, `new` false).
pub(crate) async fn post(
    state: &AppState,
    chat: &ChatRecord,
    kind: MessageKind,
    sender: Option<(&UserId, &str)>,
    client_msg_id: &str,
    text: &str,
    marks: Marks<'_>,
) -> anyhow::Result<Posted> {
    let Marks { flag, crisis } = marks;
    let lock = state.chat.lock_of(&chat.id);
    let _held = lock.lock().await;
    let message = sangdam_app::chats::Message {
        chat: &chat.id,
        kind,
        sender: sender.map(|s| s.0),
        client_msg_id,
        text,
        flag: flag.map(category_str),
        crisis,
    };
    let posted = sangdam_app::chats::post(&state.store, &state.keys, state.clock.now(), message).await?;
    if posted.new {
        let mut l = line(state, chat, &posted.message, sender.map_or("", |s| s.1));
        l.text = text.to_owned();
        deliver(state, chat, &posted, l, kind.is_conversation());
    }
    Ok(posted)
}

/// Hands a stored message to the holder's consoles (when active), the supervisors watching,
/// and (`to_client`) the client's pages without the abuse flag.
fn deliver(state: &AppState, chat: &ChatRecord, posted: &Posted, mut l: Line, to_client: bool) {
    let counselor = posted.counselor.as_ref().filter(|_| posted.status == Some(ChatStatus::Active));
    state.chat.to_staff(&chat.id, counselor, &StaffOut::Message(l.clone()));
    if to_client {
        l.flag = None;
        l.crisis = None;
        state.chat.to_client(&chat.id, &ClientOut::Message(l));
    }
}

/// Files one chat may hold.
pub use sangdam_domain::files::MAX_FILES_PER_CHAT;

/// Shares a file in a chat (already checked by `forms::read_upload`): sealed off the executor,
/// stored with the message that announces it, and handed to both sides under the chat's lock. A
/// counselor's file is stored only while they hold the chat.
pub(crate) async fn share_file(
    state: &AppState,
    chat: &ChatRecord,
    kind: MessageKind,
    sender: Option<(&UserId, &str)>,
    upload: crate::forms::Upload,
) -> anyhow::Result<ChatMessage> {
    let file = sangdam_store::ChatFile {
        id: sangdam_domain::ids::encode_random(&random::<16>()),
        name: upload.name,
        content_type: upload.content_type.to_owned(),
        size: i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX),
        at: state.clock.now(),
    };
    let keys = state.keys.clone();
    let bytes = upload.bytes;
    let file_id = file.id.clone();
    let sealed =
        tokio::task::spawn_blocking(move || keys.seal_at(&sangdam_store::sealed::CHAT_FILE, &[&file_id], &bytes))
            .await?;
    let message_id = format!("file-{}", file.id);
    let row = [chat.id.as_str(), kind.as_str(), message_id.as_str()];
    let sealed_name = state.keys.seal_at(&sangdam_store::sealed::CHAT_MESSAGE, &row, file.name.as_bytes());
    let holder = if kind == MessageKind::Counselor { sender.map(|s| s.0) } else { None };
    let lock = state.chat.lock_of(&chat.id);
    let _held = lock.lock().await;
    let posted =
        state.store.post_chat_file(&chat.id, kind, sender.map(|s| s.0), holder, &file, &sealed, &sealed_name).await?;
    let mut l = line(state, chat, &posted.message, sender.map_or("", |s| s.1));
    l.text.clone_from(&file.name);
    deliver(state, chat, &posted, l, true);
    Ok(posted.message)
}

/// A file that lost a race (the chat closed, or was transferred away, while it uploaded) is
/// refused with the reason; anything else is a failure.
pub(crate) fn upload_error(e: anyhow::Error) -> crate::error::AppError {
    use sangdam_store::StoreError;
    match e.downcast_ref::<StoreError>() {
        Some(StoreError::Locked) => crate::error::AppError::BadRequest("error-chat-closed"),
        Some(StoreError::NotFound) => crate::error::AppError::BadRequest("error-chat-not-yours"),
        Some(StoreError::LimitReached) => crate::error::AppError::BadRequest("error-chat-files-full"),
        _ => crate::error::AppError::Internal(e),
    }
}

/// A message from the product, in the chat's language, seen by both sides.
pub(crate) async fn system(state: &AppState, chat: &ChatRecord, message_id: &str) -> anyhow::Result<()> {
    let text = tr(state, chat.language).t(message_id);
    let id = sangdam_domain::ids::encode_random(&random::<12>());
    post(state, chat, MessageKind::System, None, &id, &text, Marks::default()).await?;
    Ok(())
}

/// Closes a chat: tells both sides, mails the transcript link when the client asked for it, and
/// puts the counselor in after-work when it was their last chat. Who held the chat and where the
/// transcript goes are read by the close itself, so a transfer just before cannot mislead it.
/// `None` when it was closed already.
pub(crate) async fn close(
    state: &AppState,
    chat: &ChatRecord,
    category: &str,
) -> anyhow::Result<Option<sangdam_store::Closed>> {
    let now = state.clock.now();
    // The centers' webhook commits with the close: ids and how it ended, never a word of it.
    let event = serde_json::json!({ "id": chat.id, "category": category });
    let effects = sangdam_store::Effects::default().with_job(crate::webhooks::event_job("chat.closed", event, now));
    let closed = {
        let lock = state.chat.lock_of(&chat.id);
        let _held = lock.lock().await;
        let Some(closed) = state.store.close_chat(&chat.id, category, now, &effects).await? else { return Ok(None) };
        // A chat ended because of abuse is locked as evidence before anyone is told it ended.
        let evidence = if category == "abuse" { evidence::lock(state, &chat.id).await? } else { None };
        state.chat.to_client(&chat.id, &ClientOut::Ended { category: category.to_owned() });
        state.chat.to_staff(
            &chat.id,
            closed.counselor.as_ref(),
            &StaffOut::Closed { chat: chat.id.clone(), category: category.to_owned(), evidence },
        );
        // Closed while only offered: the offer goes away from that counselor's console.
        if closed.counselor.is_none()
            && let Some(offered) = &chat.counselor_id
        {
            state.chat.to_user(offered, &StaffOut::Gone { chat: chat.id.clone() });
        }
        closed
    };
    state.chat.forget(&chat.id);
    crate::jobs::run_now(state, &effects.jobs).await;
    if let Some(sealed) = &closed.transcript_to
        && let Ok(address) = state.keys.open_at(&sangdam_store::sealed::CHAT_TRANSCRIPT_TO, &[&chat.id], sealed)
        && let Ok(to) = sangdam_domain::Email::parse(&String::from_utf8_lossy(&address))
    {
        mail_transcript(state, &chat.id, &to, chat.language).await?;
    }
    if let Some(counselor) = &closed.counselor
        && category != "abuse"
    {
        state.store.set_agent_idle_since(counselor, now).await?;
        let agent = state.store.agent(counselor).await?;
        let after = i64::from(state.config.chat.after_work_seconds);
        if let Some(a) = agent
            && a.active == 0
            && a.status == Status::Available
            && after > 0
        {
            set_status(state, counselor, Status::AfterWork, Some(now + after), "").await?;
        }
    }
    state.chat.wake.notify_one();
    Ok(Some(closed))
}

/// Mails the client a link to the transcript (never the content itself), once per chat.
pub(crate) async fn mail_transcript(
    state: &AppState,
    chat: &str,
    to: &sangdam_domain::Email,
    lang: Language,
) -> anyhow::Result<()> {
    let until = state.clock.now() + evidence::LINK_DAYS * 86_400;
    let key = evidence::link_key(state, chat, until);
    let link = state.config.link(&format!("/chat/{chat}/transcript?until={until}&key={key}"));
    let mail = Mail::ChatTranscript { link, days: evidence::LINK_DAYS };
    mail::send_once(state, to, lang, mail, &format!("chat-transcript:{chat}")).await
}
