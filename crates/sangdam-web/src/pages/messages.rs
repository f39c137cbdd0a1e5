//! Secure messages between a client and a counselor between sessions. Only a client and a
//! counselor of their care team (`crate::access`) can write to each other. Messages are sealed at
//! rest; the recipient gets an email that a message waits (never its content), once per burst:
//! only when they had no other unread message from that person. Sending is
//! `sangdam_app::messages::send`: the message, its audit entry, its crisis event and the notice
//! commit together.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sangdam_domain::{Role, UserId, aftercare};
use sangdam_store::UserRecord;

use super::views::display_names;
use super::views::{render, see_other, with_status};
use crate::auth::{actor_of, audit};
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
        let text = super::views::open_text_at(state, &sangdam_store::sealed::MESSAGE, &[&m.id], &m.body)?;
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
    // The notice is written now and goes with the message only if it is the first unread one.
    let notice = to.active.then(|| {
        let link = format!("{}/messages/{}", state.config.public_url, v.user.id);
        mail::prepare(&state, &to.email, to.language, Mail::NewMessage { link, from: v.user.display_name.to_string() })
    });
    let out =
        sangdam_app::messages::Outgoing { client: &client, counselor: &counselor, to: &to.id, text: &text, notice };
    let sent = sangdam_app::messages::send(&state.store, &state.keys, &actor_of(&ctx, Some(&v.user)), out).await?;
    if sent.notified {
        state.mail_queued.notify_one();
    }
    // The lines are shown at once on the page the client lands on.
    if let Some((w, raised)) = &sent.crisis {
        crate::crisis::after_raise(&state, w, raised).await;
        return Ok(see_other(&format!("/messages/{other}?care=1")));
    }
    Ok(see_other(&format!("/messages/{other}")))
}
