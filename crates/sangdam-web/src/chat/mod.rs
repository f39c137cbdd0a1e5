//! The live chat center (issue 6): the queue and its routing loop, who is connected, posting a
//! message and handing it to everyone who should see it, closing, and the protection of
//! counselors (graded warnings, ending because of abuse, the evidence lock, bans, recovery
//! breaks, supervisors' alerts).
//!
//! Each chat has one async lock. Storing a message and handing it to the connections happen under
//! it, so every page receives a chat's messages in their stored order, each once; a page that
//! (re)connects catches up from the number of the last message it has. Connections are
//! registered in one short-held `std` mutex and written to with `try_send`, never awaited.
//!
//! The two WebSockets are in `client` and `staff`; the transcript and its hash in `evidence`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sangdam_domain::abuse::Category;
use sangdam_domain::courtesy::{self, Step};
use sangdam_domain::routing::{self, Status};
use sangdam_domain::{Language, UserId};
use sangdam_store::{ChatMessage, ChatRecord, Posted};
use tokio::sync::{Notify, mpsc, oneshot, watch};

pub mod client;
pub mod evidence;
pub mod protocol;
pub mod staff;

pub use protocol::{AgentInfo, ChatInfo, ClientIn, ClientOut, Line, StaffIn, StaffOut};

use crate::crypto::random;
use crate::i18n::Tr;
use crate::mail::{self, Mail};
use crate::state::AppState;

/// Largest WebSocket message accepted.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// Longest chat message, in characters (as in the session room).
pub const MAX_CHARS: usize = crate::room::MAX_CHAT_CHARS;
/// Longest nickname, in characters.
pub const MAX_NICKNAME_CHARS: usize = 40;
/// Messages queued for one slow connection before it is dropped (it reconnects and catches up).
const QUEUE: usize = 1024;
/// A connection must say hello within this time.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Messages a client's page may send: a burst of 20, refilled at 10 a second. A console carries
/// several chats at once and gets three times that. Past `MAX_REFUSALS` refusals the connection
/// is closed.
pub(crate) const CLIENT_RATE: (f64, f64) = (20.0, 10.0);
pub(crate) const STAFF_RATE: (f64, f64) = (60.0, 30.0);
const MAX_REFUSALS: u32 = 50;

/// One connection's allowance of messages.
pub(crate) struct Bucket {
    burst: f64,
    per_second: f64,
    tokens: f64,
    at: std::time::Instant,
    refusals: u32,
}

impl Bucket {
    pub(crate) fn new((burst, per_second): (f64, f64)) -> Self {
        Self { burst, per_second, tokens: burst, at: std::time::Instant::now(), refusals: 0 }
    }

    /// `Err(close)` when the message is refused; `close` when the connection should end.
    pub(crate) fn take(&mut self) -> Result<(), bool> {
        let now = std::time::Instant::now();
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
/// How often the routing loop runs when nothing wakes it.
const TICK: Duration = Duration::from_secs(1);
/// The average handling time assumed until the center has a week of its own.
const DEFAULT_HANDLING_SECONDS: u32 = 600;
/// Categories a counselor or supervisor may close a chat with (`abuse` only by ending for abuse).
pub const CLOSE_CATEGORIES: &[&str] = &["resolved", "referred", "booked", "unanswered", "other"];

/// A registered connection's end of its close signal: dropping it (when the hub drops a
/// connection that cannot keep up) tells the connection's task to close, so the page reconnects
/// and catches up instead of silently missing messages.
type Closer = oneshot::Sender<()>;

struct ClientConn {
    chat: String,
    tx: mpsc::Sender<ClientOut>,
    _close: Closer,
}

struct StaffConn {
    user: UserId,
    supervisor: bool,
    tx: mpsc::Sender<StaffOut>,
    watching: HashSet<String>,
    _close: Closer,
}

#[derive(Default)]
struct Conns {
    clients: HashMap<u64, ClientConn>,
    staff: HashMap<u64, StaffConn>,
    /// The last state each queued client was told, so the loop only sends changes.
    told: HashMap<String, String>,
    /// Since when an open chat has had no page of its client connected (absent: never seen by
    /// this process).
    absent_since: HashMap<String, i64>,
    /// The last queue snapshot supervisors were sent.
    snapshot: String,
}

/// Every chat connection of this process.
#[derive(Default)]
pub struct ChatHub {
    conns: Mutex<Conns>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    next: AtomicU64,
    /// Wakes the routing loop (a chat queued, a status changed, a chat closed).
    pub wake: Notify,
}

impl std::fmt::Debug for ChatHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("ChatHub").field("clients", &c.clients.len()).field("staff", &c.staff.len()).finish()
    }
}

impl ChatHub {
    fn conns(&self) -> std::sync::MutexGuard<'_, Conns> {
        self.conns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_of(&self, chat: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        if locks.len() > 10_000 {
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry(chat.to_owned()).or_default().clone()
    }

    fn add_client(&self, chat: &str, tx: mpsc::Sender<ClientOut>) -> (u64, oneshot::Receiver<()>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (close, closed) = oneshot::channel();
        let mut c = self.conns();
        c.clients.insert(id, ClientConn { chat: chat.to_owned(), tx, _close: close });
        c.told.remove(chat);
        c.absent_since.remove(chat);
        (id, closed)
    }

    fn add_staff(&self, user: &UserId, supervisor: bool, tx: mpsc::Sender<StaffOut>) -> (u64, oneshot::Receiver<()>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (close, closed) = oneshot::channel();
        let mut c = self.conns();
        c.staff.insert(id, StaffConn { user: user.clone(), supervisor, tx, watching: HashSet::new(), _close: close });
        if supervisor {
            c.snapshot.clear();
        }
        (id, closed)
    }

    fn remove(&self, id: u64, now: i64) {
        let mut c = self.conns();
        if let Some(k) = c.clients.remove(&id) {
            Self::note_absence(&mut c, &k.chat, now);
        }
        c.staff.remove(&id);
    }

    fn note_absence(c: &mut Conns, chat: &str, now: i64) {
        if !c.clients.values().any(|k| k.chat == chat) {
            c.absent_since.insert(chat.to_owned(), now);
        }
    }

    /// Whether this staff member has a console open.
    pub fn online(&self, user: &UserId) -> bool {
        self.conns().staff.values().any(|s| s.user == *user)
    }

    /// Whether a page of this chat's client is connected; if not, since when (`None`: not seen
    /// since this process started).
    fn client_presence(&self, chat: &str) -> Result<(), Option<i64>> {
        let c = self.conns();
        if c.clients.values().any(|k| k.chat == chat) { Ok(()) } else { Err(c.absent_since.get(chat).copied()) }
    }

    fn forget(&self, chat: &str) {
        let mut c = self.conns();
        c.absent_since.remove(chat);
        c.told.remove(chat);
    }

    fn watch(&self, conn: u64, chat: &str, on: bool) {
        if let Some(s) = self.conns().staff.get_mut(&conn) {
            if on {
                s.watching.insert(chat.to_owned());
            } else {
                s.watching.remove(chat);
            }
        }
    }

    /// Sends to every page of a chat's client. A page that cannot keep up is dropped (and told
    /// to close). A state sent from outside the routing loop makes the loop tell the next one.
    fn to_client(&self, chat: &str, msg: &ClientOut) {
        let mut c = self.conns();
        if matches!(msg, ClientOut::State { .. }) {
            c.told.remove(chat);
        }
        Self::send_clients(&mut c, chat, msg);
    }

    fn send_clients(c: &mut Conns, chat: &str, msg: &ClientOut) {
        let slow: Vec<u64> = c
            .clients
            .iter()
            .filter(|(_, k)| k.chat == chat && k.tx.try_send(msg.clone()).is_err())
            .map(|(id, _)| *id)
            .collect();
        for id in slow {
            c.clients.remove(&id);
        }
    }

    /// Sends to the consoles of the chat's counselor (when given) and of the supervisors
    /// watching it.
    fn to_staff(&self, chat: &str, counselor: Option<&UserId>, msg: &StaffOut) {
        self.send_staff(|s| Some(&s.user) == counselor || s.watching.contains(chat), msg);
    }

    /// Sends to every console of one staff member.
    fn to_user(&self, user: &UserId, msg: &StaffOut) {
        self.send_staff(|s| s.user == *user, msg);
    }

    fn to_supervisors(&self, msg: &StaffOut) {
        self.send_staff(|s| s.supervisor, msg);
    }

    /// Sends to the consoles `to` picks; one that cannot keep up is dropped (and told to close).
    fn send_staff(&self, to: impl Fn(&StaffConn) -> bool, msg: &StaffOut) {
        let mut c = self.conns();
        let slow: Vec<u64> =
            c.staff.iter().filter(|(_, s)| to(s) && s.tx.try_send(msg.clone()).is_err()).map(|(id, _)| *id).collect();
        for id in slow {
            c.staff.remove(&id);
        }
    }

    fn has_supervisors(&self) -> bool {
        self.conns().staff.values().any(|s| s.supervisor)
    }
}

pub(crate) fn valid_message_id(id: &str) -> bool {
    crate::room::valid_message_id(id)
}

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
        status: chat.status.clone(),
        counselor,
        counselor_id: chat.counselor_id.as_ref().map(ToString::to_string),
        queued_at: chat.queued_at,
        client: chat.client_id.as_ref().map(ToString::to_string),
        flagged: chat.flagged,
    })
}

/// A stored message as a page shows it.
pub(crate) fn line(state: &AppState, chat: &ChatRecord, m: &ChatMessage, name: &str) -> Line {
    let text =
        state.keys.open("chat.message", &m.body).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let name = if m.kind == "client" { chat.nickname.clone() } else { name.to_owned() };
    Line {
        chat: chat.id.clone(),
        seq: m.seq,
        id: m.client_msg_id.clone(),
        kind: m.kind.clone(),
        name,
        text,
        flag: m.flag.clone(),
        at: m.at,
        file: m.file_id.clone(),
    }
}

pub(crate) fn client_sees(kind: &str) -> bool {
    matches!(kind, "client" | "counselor" | "system")
}

/// Stores a message and hands it to everyone who should see it, under the chat's lock. The
/// counselor's console receives it when the chat is `active` with them at that moment (not while
/// merely offered); a counselor's own message is stored only while they hold the chat. Returns
/// what was stored (a resend returns the stored message, `new` false).
pub(crate) async fn post(
    state: &AppState,
    chat: &ChatRecord,
    kind: &str,
    sender: Option<(&UserId, &str)>,
    client_msg_id: &str,
    text: &str,
    flag: Option<Category>,
) -> anyhow::Result<Posted> {
    let lock = state.chat.lock_of(&chat.id);
    let _held = lock.lock().await;
    let sealed = state.keys.seal("chat.message", text.as_bytes());
    let flag = flag.map(category_str);
    let holder = if kind == "counselor" { sender.map(|s| s.0) } else { None };
    let posted = state
        .store
        .post_chat_message(&chat.id, kind, sender.map(|s| s.0), client_msg_id, &sealed, flag, holder, state.clock.now())
        .await?;
    if posted.new {
        let mut l = line(state, chat, &posted.message, sender.map_or("", |s| s.1));
        l.text = text.to_owned();
        deliver(state, chat, &posted, l, client_sees(kind));
    }
    Ok(posted)
}

/// Hands a stored message to the holder's consoles (when active), the supervisors watching,
/// and (`to_client`) the client's pages without the abuse flag.
fn deliver(state: &AppState, chat: &ChatRecord, posted: &Posted, mut l: Line, to_client: bool) {
    let counselor = posted.counselor.as_ref().filter(|_| posted.status == "active");
    state.chat.to_staff(&chat.id, counselor, &StaffOut::Message(l.clone()));
    if to_client {
        l.flag = None;
        state.chat.to_client(&chat.id, &ClientOut::Message(l));
    }
}

/// Files one chat may hold.
pub const MAX_FILES_PER_CHAT: i64 = 20;

/// Shares a file in a chat (already checked by `forms::read_upload`): sealed off the executor,
/// stored with the message that announces it, and handed to both sides under the chat's lock. A
/// counselor's file is stored only while they hold the chat.
pub(crate) async fn share_file(
    state: &AppState,
    chat: &ChatRecord,
    kind: &str,
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
    let sealed = tokio::task::spawn_blocking(move || keys.seal("chat.file", &bytes)).await?;
    let sealed_name = state.keys.seal("chat.message", file.name.as_bytes());
    let holder = if kind == "counselor" { sender.map(|s| s.0) } else { None };
    let lock = state.chat.lock_of(&chat.id);
    let _held = lock.lock().await;
    let posted =
        state.store.post_chat_file(&chat.id, kind, sender.map(|s| s.0), holder, &file, &sealed, &sealed_name).await?;
    let mut l = line(state, chat, &posted.message, sender.map_or("", |s| s.1));
    l.text.clone_from(&file.name);
    deliver(state, chat, &posted, l, true);
    Ok(posted.message)
}

/// A message from the product, in the chat's language, seen by both sides.
pub(crate) async fn system(state: &AppState, chat: &ChatRecord, message_id: &str) -> anyhow::Result<()> {
    let text = tr(state, chat.language).t(message_id);
    let id = sangdam_domain::ids::encode_random(&random::<12>());
    post(state, chat, "system", None, &id, &text, None).await?;
    Ok(())
}

pub(crate) fn category_str(c: Category) -> &'static str {
    match c {
        Category::Insult => "insult",
        Category::Sexual => "sexual",
        Category::Threat => "threat",
    }
}

/// After a client's message was flagged: the graded response. `previous` is how many of their
/// messages were flagged before this one.
pub(crate) async fn respond_to_abuse(
    state: &AppState,
    chat: &ChatRecord,
    posted: &Posted,
    category: Category,
) -> anyhow::Result<()> {
    // The count the store returned includes this message: the ones before it decide the step.
    let previous = posted.flagged.saturating_sub(1);
    let step = courtesy::step(u32::try_from(previous).unwrap_or(u32::MAX), category);
    let seq = posted.message.seq;
    let step_name = match step {
        Step::Warning => "warning",
        Step::FinalWarning => "final_warning",
        Step::End => "end",
    };
    state.chat.to_staff(
        &chat.id,
        posted.counselor.as_ref().filter(|_| posted.status == "active"),
        &StaffOut::Flagged {
            chat: chat.id.clone(),
            seq,
            category: category_str(category).to_owned(),
            step: step_name,
            end_now: courtesy::ends_at_once(category),
        },
    );
    match step {
        Step::Warning => system(state, chat, "chat-warning").await,
        Step::FinalWarning => system(state, chat, "chat-final-warning").await,
        Step::End => end_for_abuse(state, &chat.id, category_str(category)).await.map(|_| ()),
    }
}

/// Ends a chat because of abuse, by the product or with the counselor's one click: the chat closes
/// with the category `abuse`, its transcript is locked with its hash, the client cannot start a
/// chat for the configured days, the counselor gets a protected recovery break, and supervisors
/// are alerted. Returns the hash, or `None` when the chat was already closed.
pub(crate) async fn end_for_abuse(state: &AppState, chat_id: &str, category: &str) -> anyhow::Result<Option<String>> {
    let Some(chat) = state.store.chat(chat_id).await? else { return Ok(None) };
    if chat.status == "closed" {
        return Ok(None);
    }
    system(state, &chat, "chat-ended-abuse").await?;
    let Some(closed) = close(state, &chat, "abuse").await? else { return Ok(None) };
    let hash = state.store.chat(chat_id).await?.and_then(|c| c.evidence_hash);
    let now = state.clock.now();
    let days = i64::from(state.config.chat.ban_days.max(1));
    state.store.add_chat_ban(chat_id, chat.client_id.as_ref(), &chat.device, now + days * 86_400, now).await?;
    // Whoever held the chat when it closed met the abuse.
    if let Some(counselor) = &closed.counselor {
        let incident = sangdam_domain::ids::encode_random(&random::<16>());
        let category = if matches!(category, "insult" | "sexual" | "threat") { category } else { "other" };
        state.store.add_incident(&incident, counselor, Some(chat_id), None, category, now).await?;
        alert(state, Some(chat_id), counselor, category).await?;
        recovery_break(state, counselor).await?;
    }
    Ok(hash)
}

/// A protected break of the configured length (counted as break time; nothing is routed).
pub(crate) async fn recovery_break(state: &AppState, counselor: &UserId) -> anyhow::Result<()> {
    let now = state.clock.now();
    let minutes = i64::from(state.config.chat.recovery_break_minutes.max(1));
    set_status(state, counselor, Status::Break, Some(now + minutes * 60), "recovery").await
}

/// Tells supervisors (their consoles now, and by mail without any content).
pub(crate) async fn alert(
    state: &AppState,
    chat: Option<&str>,
    counselor: &UserId,
    category: &str,
) -> anyhow::Result<()> {
    let name = state.store.user_by_id(counselor).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
    state.chat.to_supervisors(&StaffOut::Alert {
        chat: chat.map(str::to_owned),
        counselor: name,
        category: category.to_owned(),
    });
    let link = state.config.link("/center/dashboard");
    let key_base =
        chat.map_or_else(|| format!("room-abuse:{counselor}:{}", state.clock.now()), |c| format!("chat-abuse:{c}"));
    let search =
        sangdam_store::UserSearch { text: None, role: Some(sangdam_domain::Role::Supervisor), limit: 500, offset: 0 };
    for s in state.store.search_users(&search).await?.0.into_iter().filter(|u| u.active) {
        let key = format!("{key_base}:{}", s.id);
        mail::send_once(state, &s.email, s.language, Mail::AbuseAlert { link: link.clone() }, &key).await?;
    }
    Ok(())
}

/// Sets a counselor's status and tells their consoles; wakes the routing loop.
pub(crate) async fn set_status(
    state: &AppState,
    user: &UserId,
    status: Status,
    until: Option<i64>,
    reason: &str,
) -> anyhow::Result<()> {
    state.store.set_agent_status(user, status.as_str(), until, reason, state.clock.now()).await?;
    state.chat.to_user(user, &StaffOut::Status { status: status.as_str().to_owned(), until });
    state.chat.wake.notify_one();
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
    let closed = {
        let lock = state.chat.lock_of(&chat.id);
        let _held = lock.lock().await;
        let Some(closed) = state.store.close_chat(&chat.id, category, now).await? else { return Ok(None) };
        // A chat ended because of abuse is locked as evidence before anyone is told it ended.
        let evidence = if category == "abuse" { evidence::lock(state, &chat.id).await? } else { None };
        state.chat.to_client(&chat.id, &ClientOut::Ended { category: category.to_owned() });
        state.chat.to_staff(
            &chat.id,
            closed.counselor.as_ref(),
            &StaffOut::Closed { chat: chat.id.clone(), category: category.to_owned(), evidence },
        );
        closed
    };
    state.chat.forget(&chat.id);
    if let Some(sealed) = &closed.transcript_to
        && let Ok(address) = state.keys.open("chat.transcript-to", sealed)
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
            && a.status == Status::Available.as_str()
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
    let link = state.config.link(&format!("/chat/{chat}/transcript?key={}", evidence::link_key(state, chat)));
    mail::send_once(state, to, lang, Mail::ChatTranscript { link }, &format!("chat-transcript:{chat}")).await
}

/// Runs the routing loop until `shutdown`: ends timed statuses, takes back offers not accepted in
/// time, offers waiting chats (see `sangdam_domain::routing`), and tells waiting clients their
/// place and supervisors the queue.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = route(&state).await {
            tracing::error!(error = ?e, "routing chats failed");
        }
        tokio::select! {
            () = state.chat.wake.notified() => {}
            () = tokio::time::sleep(TICK) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// One pass of the routing loop.
pub async fn route(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now();
    for a in state.store.agents().await? {
        if a.status_until.is_some_and(|u| u <= now) {
            set_status(state, &a.user_id, Status::Available, None, "").await?;
        }
    }
    let offer_seconds = i64::from(state.config.chat.offer_seconds.max(5));
    for (chat, counselor) in state.store.expire_offers(now - offer_seconds).await? {
        state.chat.to_user(&counselor, &StaffOut::Gone { chat });
        state.store.set_agent_idle_since(&counselor, now).await?;
    }
    close_abandoned(state, now).await?;
    let queue = state.store.chats_in(&["queued"], 10_000).await?;
    let agents = state.store.agents().await?;
    let counselors: Vec<routing::Counselor> = agents
        .iter()
        .filter(|a| state.chat.online(&a.user_id))
        .map(|a| routing::Counselor {
            id: a.user_id.to_string(),
            status: Status::parse(&a.status).unwrap_or(Status::Offline),
            topics: a.topics.clone(),
            languages: a.languages.clone(),
            active: u32::try_from(a.active).unwrap_or(u32::MAX),
            capacity: u32::try_from(a.capacity).unwrap_or(1),
            idle_since: a.idle_since,
        })
        .collect();
    let waiting: Vec<routing::WaitingChat> = queue
        .iter()
        .map(|c| routing::WaitingChat {
            id: c.id.clone(),
            topic: c.topic.clone(),
            language: c.language,
            queued_at: c.queued_at,
        })
        .collect();
    let mut offered = HashSet::new();
    for (chat, counselor) in routing::assign(&waiting, &counselors, now) {
        let Some(counselor) = UserId::parse(&counselor) else { continue };
        if state.store.move_chat(&chat, &["queued"], None, "offered", Some(&counselor), now).await? {
            state.store.set_agent_idle_since(&counselor, now).await?;
            if let Some(c) = state.store.chat(&chat).await? {
                state.chat.to_user(&counselor, &StaffOut::Offer { chat: info(state, &c).await? });
            }
            offered.insert(chat);
        }
    }
    tell_waiting(state, &queue, &offered, &counselors, now).await?;
    if state.chat.has_supervisors() {
        let snapshot = queue_snapshot(state).await?;
        let text = serde_json::to_string(&snapshot)?;
        let changed = {
            let mut c = state.chat.conns();
            if c.snapshot == text {
                false
            } else {
                c.snapshot = text;
                true
            }
        };
        if changed {
            state.chat.to_supervisors(&snapshot);
        }
    }
    Ok(())
}

/// The center's chat hours as clients read them.
pub(crate) fn hours(state: &AppState, lang: Language) -> String {
    let own = state.config.chat.hours.trim();
    if own.is_empty() { tr(state, lang).t("chat-hours-default") } else { own.to_owned() }
}

/// Closes open chats whose client has had no page connected for `abandon_seconds` (a closed
/// tab, a lost phone): they hold no counselor's capacity and no place in the queue. A chat never
/// seen by this process counts from when it started or from the process's start.
async fn close_abandoned(state: &AppState, now: i64) -> anyhow::Result<()> {
    let limit = i64::from(state.config.chat.abandon_seconds);
    for chat in state.store.chats_in(&["queued", "offered", "active"], 10_000).await? {
        let Err(since) = state.chat.client_presence(&chat.id) else { continue };
        let since = since.unwrap_or_else(|| chat.queued_at.max(state.started_at));
        if now - since > limit {
            close(state, &chat, "left").await?;
        }
    }
    Ok(())
}

/// Each waiting client's place among the chats that need the same topic and language, and the
/// estimated wait; when nobody can answer (nobody online for it, or a wait past the configured
/// limit), the center's hours so they can leave a message or book instead.
async fn tell_waiting(
    state: &AppState,
    queue: &[ChatRecord],
    offered: &HashSet<String>,
    counselors: &[routing::Counselor],
    now: i64,
) -> anyhow::Result<()> {
    // Forget what was told to chats that are no longer waiting.
    {
        let waiting: HashSet<&str> = queue.iter().map(|c| c.id.as_str()).collect();
        state.chat.conns().told.retain(|id, _| waiting.contains(id.as_str()));
    }
    let handling = average_handling(state, now).await?;
    let mut ahead: HashMap<(String, Language), u32> = HashMap::new();
    let limit = i64::from(state.config.chat.nobody_after_seconds);
    for chat in queue {
        let key = (chat.topic.clone(), chat.language);
        let (status, position, wait, nobody) = if offered.contains(&chat.id) {
            ("offered", None, None, None)
        } else {
            let n = ahead.entry(key).or_insert(0);
            let serving = u32::try_from(
                counselors
                    .iter()
                    .filter(|c| {
                        matches!(c.status, Status::Available | Status::AfterWork)
                            && c.topics.contains(&chat.topic)
                            && c.languages.contains(&chat.language)
                    })
                    .count(),
            )
            .unwrap_or(u32::MAX);
            let wait = routing::estimated_wait(*n, serving, handling);
            let position = *n + 1;
            *n += 1;
            let nobody = (serving == 0 || now - chat.queued_at > limit).then(|| hours(state, chat.language));
            ("queued", Some(position), Some(wait), nobody)
        };
        let msg = ClientOut::State { status, position, wait_seconds: wait, counselor: None, nobody };
        let text = serde_json::to_string(&msg)?;
        let changed = {
            let mut c = state.chat.conns();
            if c.told.get(&chat.id) == Some(&text) {
                false
            } else {
                c.told.insert(chat.id.clone(), text);
                true
            }
        };
        if changed {
            ChatHub::send_clients(&mut state.chat.conns(), &chat.id, &msg);
        }
    }
    Ok(())
}

/// The center's average handling time over the last week, or the default.
async fn average_handling(state: &AppState, now: i64) -> anyhow::Result<u32> {
    let times = state.store.handling_times(now - 7 * 86_400).await?;
    let (n, total) = times.iter().fold((0i64, 0i64), |(n, t), (_, k, avg)| (n + k, t + k * avg));
    Ok(if n == 0 { DEFAULT_HANDLING_SECONDS } else { u32::try_from((total / n).max(1)).unwrap_or(u32::MAX) })
}

/// What supervisors see live: waiting chats, open chats, and every counselor.
pub(crate) async fn queue_snapshot(state: &AppState) -> anyhow::Result<StaffOut> {
    let mut waiting = Vec::new();
    let mut active = Vec::new();
    for c in state.store.chats_in(&["queued", "offered", "active"], 10_000).await? {
        let i = info(state, &c).await?;
        if c.status == "queued" { waiting.push(i) } else { active.push(i) }
    }
    let mut agents = Vec::new();
    for a in state.store.agents().await? {
        let name = state.store.user_by_id(&a.user_id).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
        agents.push(AgentInfo {
            id: a.user_id.to_string(),
            name,
            status: a.status,
            until: a.status_until,
            active: a.active,
            capacity: a.capacity,
        });
    }
    Ok(StaffOut::Queue { waiting, active, agents })
}
