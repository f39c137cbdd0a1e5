//! The staff side of the chat center: the console (counselors and supervisors, two-factor
//! required) and its WebSocket, canned responses, a chat's transcript with the evidence lock and
//! export, and the supervisors' dashboard.

use sangdam_domain::routing::ChatStatus;
use std::collections::HashMap;

use askama::Template;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use sangdam_app::center::{self, CenterError};
use sangdam_domain::{Role, UserId};

use super::views::{category_name, display_names};
use super::views::{render, see_other, with_status};
use crate::auth::{actor_of, audit};
use crate::chat::{self, staff::StaffEntrant};
use crate::ctx::{Ctx, Viewer, same_origin};
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;
use crate::undo::{Deleted, UndoQuery};

fn staff(ctx: &Ctx) -> Result<&Viewer, AppError> {
    ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])
}

#[derive(Template)]
#[template(path = "chat/console.html")]
struct ConsolePage<'a> {
    ctx: &'a Ctx,
    supervisor: bool,
    /// Shortcut, body: the page fills in {client} and {counselor}.
    canned: String,
    /// Topic id → name in the viewer's language, as JSON.
    topics: String,
    capacity: i64,
    /// Colleagues a chat can be transferred to: id, name.
    colleagues: Vec<(String, String)>,
    /// Recent closed chats: id, nickname, closed, category.
    recent: Vec<(String, String, String, String)>,
    /// Messages clients left while nobody could answer: id, nickname, when.
    left: Vec<(String, String, String)>,
    categories: Vec<(&'static str, String)>,
    accept: String,
}

pub async fn console(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = staff(&ctx)?;
    let canned: Vec<serde_json::Value> = state
        .store
        .canned_responses(&v.user.id)
        .await?
        .into_iter()
        .map(|c| serde_json::json!({ "shortcut": c.shortcut, "body": c.body, "shared": c.owner_id.is_none() }))
        .collect();
    let agents = state.store.agents().await?;
    let capacity = agents.iter().find(|a| a.user_id == v.user.id).map_or(3, |a| a.capacity);
    let ids: Vec<UserId> = agents.iter().map(|a| a.user_id.clone()).filter(|id| *id != v.user.id).collect();
    let names = display_names(&state, ids.clone()).await?;
    let colleagues = ids.iter().map(|id| (id.to_string(), names.get(id).cloned().unwrap_or_default())).collect();
    let counselor = (v.user.role != Role::Supervisor).then_some(&v.user.id);
    let recent = state
        .store
        .recent_chats(counselor, 20)
        .await?
        .into_iter()
        .map(|c| {
            let category = category_name(&ctx, c.close_category.as_deref());
            (c.id, c.nickname, ctx.time_opt(c.closed_at), category)
        })
        .collect();
    let left = state
        .store
        .left_messages(20)
        .await?
        .into_iter()
        .map(|c| (c.id, c.nickname, ctx.time_opt(c.closed_at)))
        .collect();
    let topics: serde_json::Map<String, serde_json::Value> = state
        .store
        .list_specialties()
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), serde_json::Value::String(s.name(ctx.lang()).to_owned())))
        .collect();
    let categories = chat::CLOSE_CATEGORIES.iter().map(|k| (*k, ctx.t(&format!("chat-category-{k}")))).collect();
    render(&ConsolePage {
        ctx: &ctx,
        supervisor: v.user.role == Role::Supervisor,
        canned: serde_json::to_string(&canned).map_err(|e| AppError::Internal(e.into()))?,
        topics: serde_json::to_string(&topics).map_err(|e| AppError::Internal(e.into()))?,
        capacity,
        colleagues,
        recent,
        left,
        categories,
        accept: super::views::accepted_files(),
    })
}

pub async fn socket(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, ws: WebSocketUpgrade) -> AppResult {
    if same_origin(&headers, &state) != Some(true) {
        return Err(AppError::Forbidden);
    }
    let v = staff(&ctx)?;
    let who = StaffEntrant {
        user: v.user.clone(),
        supervisor: v.user.role == Role::Supervisor,
        tr: ctx.tr.clone(),
        address: ctx.address.clone(),
        session: v.token_hash.clone(),
    };
    Ok(ws
        .max_message_size(chat::MAX_MESSAGE_BYTES)
        .max_frame_size(chat::MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| chat::staff::run(state, who, socket))
        .into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CapacityForm {
    capacity: String,
}

/// A counselor's number of concurrent chats (1–10).
pub async fn capacity(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<CapacityForm>) -> AppResult {
    let v = staff(&ctx)?;
    let n = f.capacity.trim().parse::<i64>().map_err(|_| AppError::BadRequest("error-chat-capacity"))?;
    let actor = actor_of(&ctx, Some(&v.user));
    match center::set_capacity(&state.store, &state.keys, &actor, n).await {
        Ok(()) => {}
        Err(CenterError::Invalid(_)) => return Err(AppError::BadRequest("error-chat-capacity")),
        Err(e) => return Err(center_error(e)),
    }
    state.chat.wake.notify_one();
    Ok(see_other("/center"))
}

/// A refusal no form shows in place.
fn center_error(e: CenterError) -> AppError {
    match e {
        CenterError::Forbidden => AppError::Forbidden,
        CenterError::Store(e) => e.into(),
        _ => AppError::NotFound,
    }
}

#[derive(Template)]
#[template(path = "chat/canned.html")]
struct CannedPage<'a> {
    ctx: &'a Ctx,
    supervisor: bool,
    /// Id, shortcut, body, shared, deletable.
    items: Vec<(String, String, String, bool, bool)>,
    shortcut: String,
    body: String,
    errors: Vec<String>,
    notice: Option<String>,
    /// A deletion that can still be undone, and where the undo leads back to.
    undo: Option<String>,
    back: &'static str,
}

async fn canned_page(
    state: &AppState,
    ctx: &Ctx,
    v: &Viewer,
    f: &CannedForm,
    errors: Vec<String>,
    q: &UndoQuery,
) -> AppResult {
    let supervisor = v.user.role == Role::Supervisor;
    let items = state
        .store
        .canned_responses(&v.user.id)
        .await?
        .into_iter()
        .map(|c| {
            let shared = c.owner_id.is_none();
            (c.id, c.shortcut, c.body, shared, !shared || supervisor)
        })
        .collect();
    render(&CannedPage {
        ctx,
        supervisor,
        items,
        shortcut: f.shortcut.clone(),
        body: f.body.clone(),
        errors,
        notice: q.outcome().map(|id| ctx.t(id)),
        undo: q.offer(&state.undos, &v.user.id, ctx.now),
        back: "/center/canned",
    })
}

pub async fn canned(State(state): State<AppState>, ctx: Ctx, Query(q): Query<UndoQuery>) -> AppResult {
    let v = staff(&ctx)?;
    canned_page(&state, &ctx, v, &CannedForm::default(), vec![], &q).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CannedForm {
    shortcut: String,
    body: String,
    shared: String,
}

pub async fn add_canned(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<CannedForm>) -> AppResult {
    let v = staff(&ctx)?;
    let shortcut = f.shortcut.trim().trim_start_matches('/');
    let shared = f.shared == "yes" && v.user.role == Role::Supervisor;
    let actor = actor_of(&ctx, Some(&v.user));
    let errors = match center::add(&state.store, &state.keys, &actor, shortcut, f.body.trim(), shared).await {
        Ok(_) => return Ok(see_other("/center/canned")),
        Err(CenterError::Invalid(ids)) => ids.into_iter().map(|id| ctx.t(id)).collect(),
        Err(CenterError::TooMany) => vec![ctx.t("error-canned-too-many")],
        Err(e) => return Err(center_error(e)),
    };
    let page = canned_page(&state, &ctx, v, &f, errors, &UndoQuery::default()).await;
    with_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// Deletes a canned response; the next page offers to undo it for a while.
pub async fn delete_canned(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = staff(&ctx)?;
    let actor = actor_of(&ctx, Some(&v.user));
    let row = center::delete(&state.store, &state.keys, &actor, &id).await.map_err(center_error)?;
    let token = state.undos.keep(&v.user.id, ctx.now, Deleted::Canned(row));
    Ok(see_other(&format!("/center/canned?undo={token}")))
}

#[derive(Template)]
#[template(path = "chat/transcript.html")]
struct TranscriptPage<'a> {
    ctx: &'a Ctx,
    id: String,
    nickname: String,
    client: Option<String>,
    status: String,
    category: String,
    hash: Option<String>,
    /// Where the client asked for the transcript: the address to answer a left message at.
    reply_to: Option<String>,
    /// Kind, name, time, text, flag.
    lines: Vec<(String, String, String, String, String)>,
    /// What is stored no longer matches the locked hash (or does not open in its place).
    tampered: bool,
}

pub async fn transcript(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let (v, chat) = crate::access::staff_chat(&state, &ctx, &id).await?;
    let mut lines = Vec::new();
    let mut ids = Vec::new();
    let mut after = 0;
    let mut stored = Vec::new();
    loop {
        let batch = state.store.chat_messages_after(&id, after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        ids.extend(batch.iter().filter_map(|m| m.sender_id.clone()));
        stored.extend(batch);
    }
    let names = display_names(&state, ids).await?;
    for m in &stored {
        let name = if m.kind == sangdam_domain::chat::MessageKind::Client {
            chat.nickname.clone()
        } else {
            m.sender_id.as_ref().and_then(|s| names.get(s).cloned()).unwrap_or_default()
        };
        let flag = m.flag.as_deref().map(|f| ctx.t(&format!("chat-flag-{f}"))).unwrap_or_default();
        let text = crate::chat::open_message(&state, &chat.id, m).unwrap_or_else(|_| ctx.t("integrity-unreadable"));
        lines.push((m.kind.as_str().to_owned(), name, ctx.time(m.at), text, flag));
    }
    audit(&state, &ctx, Some(&v.user), "chat.read", Some(format!("chat:{id}")), "ok").await?;
    let tampered = !chat::evidence::still_matches(&state, &chat).await;
    render(&TranscriptPage {
        ctx: &ctx,
        id: chat.id.clone(),
        nickname: chat.nickname.clone(),
        client: chat.client_id.as_ref().map(ToString::to_string),
        status: chat.status.as_str().to_owned(),
        category: category_name(&ctx, chat.close_category.as_deref()),
        hash: chat.evidence_hash.clone(),
        reply_to: match &chat.transcript_to {
            Some(sealed) => Some(super::views::open_text_at(
                &state,
                &sangdam_store::sealed::CHAT_TRANSCRIPT_TO,
                &[&chat.id],
                sealed,
            )?),
            None => None,
        },
        lines,
        tampered,
    })
}

/// Locks a closed chat's transcript as evidence (chats ended because of abuse are locked at once).
pub async fn lock(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let (v, chat) = crate::access::staff_chat(&state, &ctx, &id).await?;
    if chat.status != ChatStatus::Closed {
        return Err(AppError::Conflict("error-chat-open"));
    }
    chat::evidence::lock(&state, &id).await?;
    audit(&state, &ctx, Some(&v.user), "chat.evidence-lock", Some(format!("chat:{id}")), "ok").await?;
    Ok(see_other(&format!("/center/chats/{id}")))
}

/// The transcript file for a complaint or legal action, with its hash: `sha256sum` of the file
/// equals the stored hash of a locked chat.
pub async fn export(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let (v, chat) = crate::access::staff_chat(&state, &ctx, &id).await?;
    // A transcript whose stored messages no longer open in their place cannot be exported as
    // evidence: the page says why.
    let Ok(text) = chat::evidence::transcript(&state, &chat).await else {
        return Err(AppError::Conflict("integrity-chat"));
    };
    audit(&state, &ctx, Some(&v.user), "chat.export", Some(format!("chat:{id}")), "ok").await?;
    let hash = crate::crypto::sha256_hex(text.as_bytes());
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"chat-{id}.txt\"")),
            (header::HeaderName::from_static("x-sangdam-sha256"), hash),
            (header::HeaderName::from_static("x-sangdam-locked-sha256"), chat.evidence_hash.unwrap_or_default()),
        ],
        text,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "chat/dashboard.html")]
struct DashboardPage<'a> {
    ctx: &'a Ctx,
    waiting: usize,
    open: usize,
    /// The queue: nickname, topic, waiting since.
    queue: Vec<(String, String, String)>,
    /// Open chats: nickname, topic, counselor, status.
    chats: Vec<(String, String, String, String)>,
    /// Name, status, active/capacity, seconds per status this week (available, busy, after-work,
    /// break, offline), incidents this week, chats this week, average handling.
    agents: Vec<AgentRow>,
    /// Time, counselor, category, chat id.
    incidents: Vec<(String, String, String, Option<String>)>,
    average: String,
}

struct AgentRow {
    name: String,
    status: String,
    load: String,
    times: Vec<String>,
    incidents: usize,
    chats: i64,
    average: String,
}

fn duration(seconds: i64) -> String {
    format!("{}:{:02}:{:02}", seconds / 3600, (seconds % 3600) / 60, seconds % 60)
}

/// The supervisors' dashboard: the live queue's size, each counselor's status and time in each
/// status over the last seven days, incidents per counselor, and average handling time. The
/// console shows the same queue live.
pub async fn dashboard(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Supervisor])?;
    let week = ctx.now - 7 * 86_400;
    let agents = state.store.agents().await?;
    let names = display_names(&state, agents.iter().map(|a| a.user_id.clone()).collect()).await?;
    let mut seconds: HashMap<(UserId, sangdam_domain::routing::Status), i64> = HashMap::new();
    for (u, s, n) in state.store.status_seconds(week, ctx.now).await? {
        seconds.insert((u, s), n);
    }
    let incidents = state.store.incidents_since(week).await?;
    let handling: HashMap<UserId, (i64, i64)> =
        state.store.handling_times(week).await?.into_iter().map(|(u, n, a)| (u, (n, a))).collect();
    let mut rows = Vec::new();
    for a in &agents {
        let times = sangdam_domain::routing::Status::ALL
            .iter()
            .map(|s| duration(seconds.get(&(a.user_id.clone(), *s)).copied().unwrap_or(0)))
            .collect();
        let (chats, average) = handling.get(&a.user_id).copied().unwrap_or((0, 0));
        rows.push(AgentRow {
            name: names.get(&a.user_id).cloned().unwrap_or_default(),
            status: ctx.t(&format!("chat-status-{}", a.status.as_str())),
            load: format!("{}/{}", a.active, a.capacity),
            times,
            incidents: incidents.iter().filter(|i| i.1 == a.user_id).count(),
            chats,
            average: duration(average),
        });
    }
    let (n, total) = handling.values().fold((0, 0), |(n, t), (k, a)| (n + k, t + k * a));
    let topics: HashMap<String, String> = state
        .store
        .list_specialties()
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s.name(ctx.lang()).to_owned()))
        .collect();
    let topic = |id: &str| topics.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let waiting_chats = state.store.chats_in(&[ChatStatus::Queued], 10_000).await?;
    let open_chats = state.store.chats_in(&[ChatStatus::Offered, ChatStatus::Active], 10_000).await?;
    let (waiting, open) = (waiting_chats.len(), open_chats.len());
    let queue = waiting_chats.iter().map(|c| (c.nickname.clone(), topic(&c.topic), ctx.time(c.queued_at))).collect();
    let chats = open_chats
        .iter()
        .map(|c| {
            let counselor = c.counselor_id.as_ref().and_then(|id| names.get(id).cloned()).unwrap_or_default();
            let status =
                ctx.t(if c.status == ChatStatus::Active { "center-chat-active" } else { "center-chat-offered" });
            (c.nickname.clone(), topic(&c.topic), counselor, status)
        })
        .collect();
    let incident_rows = incidents
        .iter()
        .map(|(_, c, chat, _, category, at)| {
            let name = names.get(c).cloned().unwrap_or_default();
            (ctx.time(at), name, ctx.t(&format!("chat-flag-{category}")), chat.clone())
        })
        .collect();
    audit(&state, &ctx, Some(&v.user), "chat.dashboard", None, "ok").await?;
    render(&DashboardPage {
        ctx: &ctx,
        waiting,
        open,
        queue,
        chats,
        agents: rows,
        incidents: incident_rows,
        average: duration(if n == 0 { 0 } else { total / n }),
    })
}

/// The counselor holding a chat shares a file in it.
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> AppResult {
    let v = staff(&ctx)?;
    let chat = state.store.chat(&id).await?.ok_or(AppError::NotFound)?;
    if chat.counselor_id.as_ref() != Some(&v.user.id) || chat.status != ChatStatus::Active {
        return Err(AppError::BadRequest("error-chat-not-yours"));
    }
    if state.store.chat_file_count(&chat.id).await? >= chat::MAX_FILES_PER_CHAT {
        return Err(AppError::BadRequest("error-chat-files-full"));
    }
    let upload = crate::forms::read_upload(multipart, state.config.room_file_max_bytes).await?;
    let name = v.user.display_name.to_string();
    let m = chat::share_file(
        &state,
        &chat,
        sangdam_domain::chat::MessageKind::Counselor,
        Some((&v.user.id, &name)),
        upload,
    )
    .await
    .map_err(chat::upload_error)?;
    audit(&state, &ctx, Some(&v.user), "chat.file.share", Some(format!("chat:{id}")), "ok").await?;
    Ok(axum::Json(serde_json::json!({ "seq": m.seq, "file": m.file_id })).into_response())
}
