//! Starting a live chat from the landing page (signed in, or a guest with a nickname who accepts
//! the privacy notice), the client's chat page and its WebSocket, and the transcript link mailed
//! on request. A guest is known by a random chat cookie (its hash is stored); bans hold on to the
//! account and to a long-lived browser cookie, never the network address, which a whole school or
//! office may share.

use sangdam_domain::routing::ChatStatus;
use std::collections::HashMap;

use askama::Template;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use sangdam_domain::{Language, Role};
use sangdam_store::ChatRecord;

use super::views::{render, see_other, with_status};
use crate::chat::{self, client::ClientEntrant};
use crate::crypto::{random, sha256_hex};
use crate::ctx::{Ctx, same_origin};
use crate::error::{AppError, AppResult};
use crate::forms::{FormData, cookie, cookie_value, parse_cookies};
use crate::state::AppState;

const GUEST_COOKIE: &str = "sangdam_chat";
const DEVICE_COOKIE: &str = "sangdam_device";
/// The browser cookie a ban holds on to lives a year.
const DEVICE_MAX_AGE: i64 = 365 * 86_400;

#[derive(Template)]
#[template(path = "chat/start.html")]
struct StartPage<'a> {
    ctx: &'a Ctx,
    notice: String,
    topics: Vec<(String, String)>,
    nickname: String,
    topic: String,
    language: String,
    guest: bool,
    errors: Vec<String>,
}

/// The notice shown before a chat starts: the center's own, or the built-in one.
fn notice(state: &AppState, ctx: &Ctx) -> String {
    let own = match ctx.lang() {
        Language::Ko => &state.config.chat.notice_ko,
        Language::En => &state.config.chat.notice_en,
    };
    if own.trim().is_empty() { ctx.t("chat-notice-default") } else { own.clone() }
}

async fn start_page(state: &AppState, ctx: &Ctx, form: &StartForm, errors: Vec<String>) -> AppResult {
    let topics = state
        .store
        .list_specialties()
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s.name(ctx.lang()).to_owned()))
        .collect();
    let nickname = if form.nickname.is_empty() {
        ctx.person().map(|v| v.user.display_name.to_string()).unwrap_or_default()
    } else {
        form.nickname.clone()
    };
    let language = if form.language.is_empty() { ctx.lang().code().to_owned() } else { form.language.clone() };
    render(&StartPage {
        ctx,
        notice: notice(state, ctx),
        topics,
        nickname,
        topic: form.topic.clone(),
        language,
        guest: ctx.person().is_none(),
        errors,
    })
}

fn device_of(headers: &HeaderMap) -> Option<String> {
    let cookies = parse_cookies(headers);
    cookie_value(&cookies, DEVICE_COOKIE)
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_owned)
}

/// The refusal page (403, with the date the ban ends) when this account or browser is banned
/// after a chat ended because of abuse.
async fn ban_page(state: &AppState, ctx: &Ctx, headers: &HeaderMap) -> Result<Option<Response>, AppError> {
    let client = ctx.person().map(|v| &v.user.id);
    let device = device_of(headers).map(|d| sha256_hex(d.as_bytes())).unwrap_or_default();
    let Some(until) = state.store.chat_banned_until(client, &device, ctx.now).await? else { return Ok(None) };
    let page = super::views::MessagePage {
        ctx,
        title: ctx.t("chat-banned-title"),
        message: ctx.ta("chat-banned", "until", ctx.time(until)),
        link: Some(("/counselors".to_owned(), ctx.t("nav-counselors"))),
    };
    Ok(Some(with_status(axum::http::StatusCode::FORBIDDEN, render(&page))?))
}

pub async fn start_form(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> AppResult {
    if let Some(refusal) = ban_page(&state, &ctx, &headers).await? {
        return Ok(refusal);
    }
    start_page(&state, &ctx, &StartForm::default(), vec![]).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    nickname: String,
    topic: String,
    language: String,
    consent: String,
}

pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    FormData(f): FormData<StartForm>,
) -> AppResult {
    if ctx.person().is_some_and(|v| v.user.role != Role::Client) {
        return Err(AppError::BadRequest("error-chat-clients-only"));
    }
    if let Some(refusal) = ban_page(&state, &ctx, &headers).await? {
        return Ok(refusal);
    }
    let known_device = device_of(&headers);
    let device_cookie =
        known_device.unwrap_or_else(|| sangdam_domain::ids::encode_random(&random::<20>())[..32].to_owned());
    let device = sha256_hex(device_cookie.as_bytes());
    let actor = crate::auth::actor_of(&ctx, ctx.person().map(|v| &v.user));
    let request = sangdam_app::chats::Request {
        nickname: &f.nickname,
        topic: &f.topic,
        language: &f.language,
        consent: f.consent == "yes",
        device: &device,
    };
    let checked = match sangdam_app::chats::check(&state.store, &actor, &request).await? {
        Ok(checked) => checked,
        Err(errors) => {
            let errors = errors.into_iter().map(|m| ctx.t(m)).collect();
            let page = start_page(&state, &ctx, &f, errors).await;
            return with_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, page);
        }
    };
    // Back to this browser's open chat, when it is still this browser's (the same account, or
    // the guest cookie that started it); an abandoned one closes by itself.
    if let Some(open) = state.store.open_chat_of_device(&device).await?
        && own_chat(&state, &ctx, &headers, &open).await.is_ok()
    {
        return Ok(see_other(&format!("/chat/{open}")));
    }
    if !state.limiter.allow("chat.start", &ctx.address, ctx.now, state.config.chat.starts_per_hour as usize, 3600) {
        return Err(AppError::BadRequest("error-too-many-requests"));
    }
    let started = match sangdam_app::chats::start(&state.store, &state.keys, &actor, checked).await {
        Ok(s) => s,
        Err(sangdam_app::chats::StartError::NotAClient) => return Err(AppError::BadRequest("error-chat-clients-only")),
        Err(sangdam_app::chats::StartError::Store(e)) => return Err(e.into()),
    };
    state.chat.wake.notify_one();
    crate::jobs::run_now(&state, &started.jobs).await;
    let secure = state.config.is_https();
    let id = started.id;
    let mut r = see_other(&format!("/chat/{id}"));
    r.headers_mut().append(header::SET_COOKIE, cookie(DEVICE_COOKIE, &device_cookie, Some(DEVICE_MAX_AGE), secure));
    if let Some(token) = started.guest_token {
        r.headers_mut().append(header::SET_COOKIE, cookie(GUEST_COOKIE, &format!("{id}.{token}"), None, secure));
    }
    Ok(r)
}

/// The chat when this browser may see it: the signed-in client's own, or the guest's (by cookie).
async fn own_chat(state: &AppState, ctx: &Ctx, headers: &HeaderMap, id: &str) -> Result<ChatRecord, AppError> {
    let chat = state.store.chat(id).await?.ok_or(AppError::NotFound)?;
    let mine = match (&chat.client_id, &chat.guest_token) {
        (Some(client), _) => ctx.person().is_some_and(|v| v.user.id == *client),
        (None, Some(hash)) => {
            let cookies = parse_cookies(headers);
            cookie_value(&cookies, GUEST_COOKIE).and_then(|v| v.split_once('.')).is_some_and(|(cid, token)| {
                cid == id
                    && crate::crypto::constant_time_eq(&sha256_hex(token.as_bytes()), &String::from_utf8_lossy(hash))
            })
        }
        (None, None) => false,
    };
    if mine { Ok(chat) } else { Err(AppError::NotFound) }
}

#[derive(Template)]
#[template(path = "chat/client.html")]
struct ChatPage<'a> {
    ctx: &'a Ctx,
    id: String,
    guest: bool,
    hours: String,
    /// The crisis lines, shown with "no counselor can answer now".
    lines: Vec<String>,
    /// File kinds the file picker offers, and the size limit in MB.
    accept: String,
    max_mb: i64,
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, Path(id): Path<String>) -> AppResult {
    let chat = own_chat(&state, &ctx, &headers, &id).await?;
    render(&ChatPage {
        ctx: &ctx,
        id: chat.id,
        guest: chat.client_id.is_none(),
        hours: chat::hours(&state, ctx.lang()),
        lines: crate::crisis::lines(&state, &crate::i18n::Tr::new(state.i18n.clone(), ctx.lang())),
        accept: super::views::accepted_files(),
        max_mb: i64::try_from(state.config.room_file_max_bytes / (1024 * 1024)).unwrap_or(0),
    })
}

pub async fn socket(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    ws: WebSocketUpgrade,
) -> AppResult {
    if same_origin(&headers, &state) != Some(true) {
        return Err(AppError::Forbidden);
    }
    let chat = own_chat(&state, &ctx, &headers, &id).await?;
    let user = ctx.person().map(|v| (v.user.id.clone(), v.user.email.clone()));
    let session = ctx.person().map(|v| (v.token_hash.clone(), v.user.role));
    let who = ClientEntrant { chat: chat.id, user, session, tr: ctx.tr.clone() };
    Ok(ws
        .max_message_size(chat::MAX_MESSAGE_BYTES)
        .max_frame_size(chat::MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| chat::client::run(state, who, socket))
        .into_response())
}

/// The transcript, from the link mailed to the client: its key is made by this server only and
/// names its expiry ([`chat::evidence::LINK_DAYS`] after it was mailed). Every use, and every
/// refusal, is audited (the actor is whoever holds the link).
pub async fn transcript(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult {
    let key = q.get("key").map(String::as_str).unwrap_or_default();
    let until: i64 = q.get("until").and_then(|u| u.parse().ok()).unwrap_or(0);
    let target = Some(format!("chat:{id}"));
    let actor = ctx.person().map(|v| &v.user);
    if !crate::crypto::constant_time_eq(key, &chat::evidence::link_key(&state, &id, until)) {
        crate::auth::audit(&state, &ctx, actor, "chat.transcript.link", target, "denied").await?;
        return Err(AppError::NotFound);
    }
    if until < ctx.now {
        crate::auth::audit(&state, &ctx, actor, "chat.transcript.link", target, "expired").await?;
        return Err(AppError::Gone("error-link-expired"));
    }
    let chat = state.store.chat(&id).await?.ok_or(AppError::NotFound)?;
    crate::auth::audit(&state, &ctx, actor, "chat.transcript.link", target, "ok").await?;
    let text = chat::evidence::transcript(&state, &chat).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"chat-{id}.txt\"")),
        ],
        text,
    )
        .into_response())
}

/// The client shares a file in their chat (the limits of the session room's files).
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> AppResult {
    let chat = own_chat(&state, &ctx, &headers, &id).await?;
    // Files go to a counselor, so only once one has taken the chat; a chat holds a bounded number.
    if chat.status != ChatStatus::Active {
        return Err(AppError::BadRequest("error-chat-file-not-yet"));
    }
    if state.store.chat_file_count(&chat.id).await? >= chat::MAX_FILES_PER_CHAT {
        return Err(AppError::BadRequest("error-chat-files-full"));
    }
    let upload = crate::forms::read_upload(multipart, state.config.room_file_max_bytes).await?;
    let sender = ctx.person().map(|v| (&v.user.id, chat.nickname.as_str()));
    let m = chat::share_file(&state, &chat, sangdam_domain::chat::MessageKind::Client, sender, upload)
        .await
        .map_err(chat::upload_error)?;
    Ok(axum::Json(serde_json::json!({ "seq": m.seq, "file": m.file_id })).into_response())
}

/// Downloads a chat's file: its client (account or guest cookie), or staff who may read the chat.
/// Always an attachment, never rendered; staff downloads are audited.
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((id, file_id)): Path<(String, String)>,
) -> AppResult {
    if own_chat(&state, &ctx, &headers, &id).await.is_err() {
        crate::access::staff_chat(&state, &ctx, &id).await?;
        let v = ctx.signed_in()?;
        crate::auth::audit(&state, &ctx, Some(&v.user), "chat.file.read", Some(format!("chat-file:{file_id}")), "ok")
            .await?;
    }
    let (file, sealed) = state.store.chat_file(&id, &file_id).await?.ok_or(AppError::NotFound)?;
    let keys = state.keys.clone();
    let file_row = file.id.clone();
    let body =
        tokio::task::spawn_blocking(move || keys.open_at(&sangdam_store::sealed::CHAT_FILE, &[&file_row], &sealed))
            .await
            .map_err(|e| AppError::Internal(e.into()))??;
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (header::CONTENT_DISPOSITION, crate::forms::attachment(&file.name)),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
