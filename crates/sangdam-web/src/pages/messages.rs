//! Secure messages between a client and a counselor between sessions. Only a client and a
//! counselor of their care team (`crate::access`) can write to each other. Messages are sealed at
//! rest; the recipient gets an email that a message waits (never its content), once per burst:
//! only when they had no other unread message from that person.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sangdam_domain::{Role, UserId, aftercare};
use sangdam_store::{MessageRecord, UserRecord};

use super::shared::display_names;
use super::{render, see_other, with_status};
use crate::auth::audit;
use crate::crypto::random;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::mail::{self, Mail};
use crate::state::AppState;

/// Messages one person may send in ten minutes.
const MAX_PER_TEN_MINUTES: usize = 30;

/// The thread's (client, counselor) when `me` may write with `other` (or, for `write` false,
/// read: a client keeps reading their own messages after the care ended).
async fn pair(
    state: &AppState,
    me: &UserRecord,
    other: &str,
    write: bool,
) -> Result<(UserId, UserId, UserRecord), AppError> {
    let other = UserId::parse(other).ok_or(AppError::NotFound)?;
    let allowed = crate::access::message_contacts(state, me).await?.contains(&other)
        || (!write && me.role == Role::Client && state.store.threads_of(&me.id).await?.iter().any(|t| t.0 == other));
    if !allowed {
        return Err(AppError::NotFound);
    }
    let other = state.store.user_by_id(&other).await?.ok_or(AppError::NotFound)?;
    Ok(if me.role == Role::Client {
        (me.id.clone(), other.id.clone(), other)
    } else {
        (other.id.clone(), me.id.clone(), other)
    })
}

fn viewer(ctx: &Ctx) -> Result<&crate::ctx::Viewer, AppError> {
    let v = ctx.signed_in()?;
    match v.user.role {
        Role::Client => Ok(v),
        _ => ctx.client_data_viewer(&[Role::Counselor]),
    }
}

#[derive(Template)]
#[template(path = "messages/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    /// Person id, name, unread count.
    threads: Vec<(String, String, i64)>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = viewer(&ctx)?;
    let mut unread: HashMap<UserId, i64> = HashMap::new();
    let mut order = Vec::new();
    for (other, n, _) in state.store.threads_of(&v.user.id).await? {
        unread.insert(other.clone(), n);
        order.push(other);
    }
    for c in crate::access::message_contacts(&state, &v.user).await? {
        if !order.contains(&c) {
            order.push(c);
        }
    }
    let names = display_names(&state, order.clone()).await?;
    let threads = order
        .into_iter()
        .map(|id| {
            let n = unread.get(&id).copied().unwrap_or(0);
            (id.to_string(), names.get(&id).cloned().unwrap_or_default(), n)
        })
        .collect();
    render(&ListPage { ctx: &ctx, threads })
}

#[derive(Template)]
#[template(path = "messages/thread.html")]
struct ThreadPage<'a> {
    ctx: &'a Ctx,
    other_id: String,
    other_name: String,
    /// Mine?, when, text, and (for staff) the crisis level of a client's message.
    messages: Vec<(bool, String, String, Option<&'static str>)>,
    draft: String,
    errors: Vec<String>,
    /// After the client's own message spoke of suicide or self-harm: the crisis lines.
    care: Option<crate::crisis::CareNotice>,
}

async fn thread_page(
    state: &AppState,
    ctx: &Ctx,
    me: &UserRecord,
    other: &str,
    draft: String,
    errors: Vec<String>,
    care: bool,
) -> AppResult {
    let (client, counselor, other) = pair(state, me, other, false).await?;
    let stored = state.store.thread(&client, &counselor, 200).await?;
    let mut messages = Vec::with_capacity(stored.len());
    for m in &stored {
        let text = super::open_text_at(state, &sangdam_store::sealed::MESSAGE, &[&m.id], &m.body)?;
        let crisis = (me.role != Role::Client && m.sender_id == client)
            .then(|| sangdam_domain::crisis::check(&text).map(sangdam_domain::crisis::Level::as_str))
            .flatten();
        messages.push((m.sender_id == me.id, ctx.time(m.created_at), text, crisis));
    }
    state.store.mark_thread_read(&client, &counselor, &me.id, ctx.now).await?;
    audit(state, ctx, Some(me), "messages.read", Some(format!("user:{}", other.id)), "ok").await?;
    render(&ThreadPage {
        ctx,
        other_id: other.id.to_string(),
        other_name: other.display_name.to_string(),
        messages,
        draft,
        errors,
        care: (care && me.role == Role::Client).then(|| crate::crisis::care_notice_later(state, ctx.lang())),
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ThreadQuery {
    care: Option<String>,
}

pub async fn thread(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(other): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ThreadQuery>,
) -> AppResult {
    let v = viewer(&ctx)?;
    thread_page(&state, &ctx, &v.user, &other, String::new(), vec![], q.care.is_some()).await
}

pub async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(other): Path<String>,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let v = viewer(&ctx)?;
    let (client, counselor, to) = pair(&state, &v.user, &other, true).await?;
    let raw = f.get("text").cloned().unwrap_or_default();
    let text = match aftercare::message(&raw) {
        Ok(t) => t,
        Err(e) => {
            // Refused but read: a client in crisis still sees the lines.
            let care = sangdam_domain::crisis::check(&raw).is_some();
            let page = thread_page(&state, &ctx, &v.user, &other, raw, vec![ctx.t(e.message_id())], care).await;
            return with_status(StatusCode::UNPROCESSABLE_ENTITY, page);
        }
    };
    if !state.limiter.allow("message", v.user.id.as_str(), ctx.now, MAX_PER_TEN_MINUTES, 600) {
        let care = sangdam_domain::crisis::check(&raw).is_some();
        let page = thread_page(&state, &ctx, &v.user, &other, raw, vec![ctx.t("error-message-rate")], care).await;
        return with_status(StatusCode::TOO_MANY_REQUESTS, page);
    }
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let body = state.keys.seal_at(&sangdam_store::sealed::MESSAGE, &[&id], text.as_bytes());
    let m = MessageRecord {
        id,
        client_id: client,
        counselor_id: counselor,
        sender_id: v.user.id.clone(),
        body,
        created_at: ctx.now,
        read_at: None,
    };
    // A client's message that speaks of suicide or self-harm raises the thread's crisis event in
    // the same transaction.
    let write = if v.user.role == Role::Client {
        let place = format!("{}:{}", m.client_id, m.counselor_id);
        let (client, counselor) = (Some(&m.client_id), Some(&m.counselor_id));
        sangdam_domain::crisis::check(&text).map(|level| {
            crate::crisis::write_for(&state, crate::crisis::Source::Message, &place, client, counselor, level)
        })
    } else {
        None
    };
    let (first_unread, raised) = state.store.add_message(&m, write.as_ref()).await?;
    audit(&state, &ctx, Some(&v.user), "message.send", Some(format!("user:{}", to.id)), "ok").await?;
    if first_unread && to.active {
        let link = format!("{}/messages/{}", state.config.public_url, v.user.id);
        let mail = Mail::NewMessage { link, from: v.user.display_name.to_string() };
        if let Err(e) = mail::send_once(&state, &to.email, to.language, mail, &format!("message:{}", m.id)).await {
            // The message is stored and shown; a notice that cannot be queued is logged.
            tracing::error!(error = ?e, "queuing a message notice failed");
        }
    }
    // The lines are shown at once on the page the client lands on.
    if let (Some(w), Some(raised)) = (&write, &raised) {
        crate::crisis::after_raise(&state, w, raised).await;
        return Ok(see_other(&format!("/messages/{other}?care=1")));
    }
    Ok(see_other(&format!("/messages/{other}")))
}
