//! Starting a live chat: a signed-in client, or a guest known only by a nickname who accepts the
//! privacy notice, asks for a topic in a language. The chat is queued with its audit entry and
//! the centers' `chat.started` webhook (its id, topic and language, never who) in one
//! transaction. A guest gets a random token, of which only the hash is stored: it is what lets
//! their browser back into the chat.

use sangdam_domain::{Language, Role};
use sangdam_store::{NewChat, NewJob, Store, StoreError};

use crate::audit::{Actor, audited};
use crate::crypto::{Keys, random, sha256_hex};

/// What the person filled in on the start form.
pub struct Request<'a> {
    pub nickname: &'a str,
    /// A specialty's id.
    pub topic: &'a str,
    /// `ko` or `en`.
    pub language: &'a str,
    /// A guest accepted the privacy notice (a signed-in client did when signing up).
    pub consent: bool,
    /// The hash of the browser's long-lived cookie, which bans hold on to.
    pub device: &'a str,
}

/// Why no chat was started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Staff do not start chats with the center.
    #[error("only clients and guests start chats")]
    NotAClient,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A chat queued.
pub struct Started {
    pub id: String,
    /// A guest's token (the cookie's value), shown to this browser once; `None` for a client.
    pub guest_token: Option<String>,
    /// The jobs committed with it (the webhook), for the caller to run at once.
    pub jobs: Vec<NewJob>,
}

/// A request [`check`] found nothing wrong with; only it can make one, so [`start`] does not check
/// again.
pub struct Checked<'a>(&'a Request<'a>);

/// The request, checked: its mistakes, each a message id, in the order of the form.
pub async fn check<'a>(
    store: &Store,
    actor: &Actor,
    r: &'a Request<'a>,
) -> Result<Result<Checked<'a>, Vec<&'static str>>, StoreError> {
    let mut errors = Vec::new();
    let nickname = r.nickname.trim();
    if nickname.is_empty()
        || nickname.chars().count() > sangdam_domain::limits::MAX_NICKNAME_CHARS
        || nickname.chars().any(char::is_control)
    {
        errors.push("error-chat-nickname");
    }
    if !store.list_specialties().await?.iter().any(|t| t.id == r.topic) {
        errors.push("error-chat-topic");
    }
    if Language::parse(r.language).is_none() {
        errors.push("error-chat-language");
    }
    if actor.user.is_none() && !r.consent {
        errors.push("error-chat-consent");
    }
    Ok(if errors.is_empty() { Ok(Checked(r)) } else { Err(errors) })
}

/// Queues a chat for `actor`: a client, or someone not signed in (a guest).
pub async fn start(store: &Store, keys: &Keys, actor: &Actor, checked: Checked<'_>) -> Result<Started, StartError> {
    let r = checked.0;
    let client = match &actor.user {
        Some((id, Role::Client)) => Some(id),
        Some(_) => return Err(StartError::NotAClient),
        None => None,
    };
    let language = Language::parse(r.language).unwrap_or(Language::Ko);
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let token = client.is_none().then(|| sangdam_domain::ids::encode_random(&random::<24>()));
    let token_hash = token.as_ref().map(|t| sha256_hex(t.as_bytes()).into_bytes());
    let event = serde_json::json!({ "id": id, "topic": r.topic, "language": language.code() });
    let effects = audited(keys, actor, "chat.start", Some(format!("chat:{id}")), "ok")
        .with_job(crate::webhooks::event_job("chat.started", event, actor.at));
    let chat = NewChat {
        id: &id,
        client_id: client,
        nickname: r.nickname.trim(),
        guest_token: token_hash.as_deref(),
        device: r.device,
        topic: r.topic,
        language,
    };
    store.create_chat(&chat, actor.at, &effects).await?;
    Ok(Started { id, guest_token: token, jobs: effects.jobs })
}

/// A message one side of a chat writes (or the product, as `System`).
pub struct Message<'a> {
    pub chat: &'a str,
    pub kind: sangdam_domain::chat::MessageKind,
    /// The writer's account: a signed-in client or the counselor; none for a guest or the product.
    pub sender: Option<&'a sangdam_domain::UserId>,
    /// The browser's id for the message, which makes a resend harmless.
    pub client_msg_id: &'a str,
    pub text: &'a str,
    /// The abuse check's category for a client's message.
    pub flag: Option<&'a str>,
    /// The crisis event a client's message raises, written with it.
    pub crisis: Option<&'a sangdam_store::CrisisWrite>,
}

/// Seals a message (bound to its chat, kind and id) and stores it with its crisis event in one
/// transaction. A counselor's message is stored only while they hold the chat (the store answers
/// `NotFound` otherwise); a resend returns the stored message with `new` false. The caller holds
/// the chat's lock across this and the handing out of the stored message, so every side sees the
/// messages in the order they were stored.
pub async fn post(store: &Store, keys: &Keys, now: i64, m: Message<'_>) -> Result<sangdam_store::Posted, StoreError> {
    let row = [m.chat, m.kind.as_str(), m.client_msg_id];
    let sealed = keys.seal_at(&sangdam_store::sealed::CHAT_MESSAGE, &row, m.text.as_bytes());
    let holder = if m.kind == sangdam_domain::chat::MessageKind::Counselor { m.sender } else { None };
    store.post_chat_message(m.chat, m.kind, m.sender, m.client_msg_id, &sealed, m.flag, holder, now, m.crisis).await
}
