//! Moving or cancelling an appointment from the link in a mail, without signing in.
//!
//! The link (`/m/{token}`, made by `booking::manage_link`) names the appointment, the `sequence` it was at when the mail was
//! written, and a MAC over both and the client keyed by the server's master key: it cannot be
//! made for another appointment, and it works while the appointment is as the mail described it.
//! Any change (a move, an approval, a cancellation, through the link or not) raises the sequence,
//! so a link works once: the cancel or move it makes must find the sequence unchanged in the same
//! transaction (`SequenceGuard`), whatever requests run at the same time. A link also ends when
//! its appointment starts. Opening one and everything done through it is audited under the
//! client's name (`appointment.link.*`). The pages and the writes are the signed-in client's own
//! (`pages::appointments`), shown in the client's own time zone as the mail was, so the rules (the late-cancellation window, the change window, a free
//! time of the counselor's) are the same.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sangdam_store::{AppointmentRecord, UserRecord};
use serde::Deserialize;

use super::{
    At, CancelForm, MonthQuery, RescheduleForm, cancel_as, cancel_page, reschedulable, reschedule_as, reschedule_month,
};
use crate::auth::audit;
use crate::crypto::constant_time_eq;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::pages::views::appointments::view;
use crate::pages::views::{render, with_status};
use crate::state::AppState;

/// A longer token is not one of ours.
const MAX_TOKEN_CHARS: usize = 120;

/// What a working link stands for: its appointment and client, the request shown in the
/// client's time zone, and where its pages lead.
struct Link {
    a: AppointmentRecord,
    client: UserRecord,
    ctx: Ctx,
    at: At,
}

/// The link `token`, if it still works.
async fn open(state: &AppState, ctx: &Ctx, token: &str) -> Result<Option<Link>, AppError> {
    if token.len() > MAX_TOKEN_CHARS {
        return Ok(None);
    }
    let Some((id, sequence, mac)) = crate::booking::manage_token_parts(token) else { return Ok(None) };
    let Some(a) = state.store.appointment(id).await? else { return Ok(None) };
    if !constant_time_eq(mac, &crate::booking::manage_mac(state, &a.id, &a.client_id, sequence)) {
        return Ok(None);
    }
    // Changed since the mail, no longer holding its time, or started: the link has done its work.
    if a.sequence != sequence || !a.status.holds_time() || a.starts_at <= ctx.now {
        return Ok(None);
    }
    let Some(client) = state.store.user_by_id(&a.client_id).await?.filter(|u| u.active) else { return Ok(None) };
    let base = format!("/m/{token}");
    let at = At { base: base.clone(), back: base, link: Some(sequence) };
    Ok(Some(Link { ctx: ctx.in_zone(client.timezone.clone()), a, client, at }))
}

#[derive(Template)]
#[template(path = "booking/manage.html")]
struct ManagePage<'a> {
    ctx: &'a Ctx,
    a: crate::pages::views::appointments::AppointmentView,
    base: String,
}

#[derive(Template)]
#[template(path = "booking/manage_note.html")]
struct NotePage<'a> {
    ctx: &'a Ctx,
    title: String,
    body: String,
    danger: bool,
}

/// What someone with a link that no longer works sees: why, and where to go.
fn gone(ctx: &Ctx) -> AppResult {
    let page = NotePage { ctx, title: ctx.t("manage-gone-title"), body: ctx.t("manage-gone-body"), danger: true };
    with_status(StatusCode::GONE, render(&page))
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> AppResult {
    let Some(Link { a, client, ctx, at }) = open(&state, &ctx, &token).await? else { return gone(&ctx) };
    audit(&state, &ctx, Some(&client), "appointment.link.open", Some(format!("appointment:{}", a.id)), "ok").await?;
    render(&ManagePage { ctx: &ctx, a: view(&state, &ctx, &a).await?, base: at.base })
}

pub async fn cancel_form(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> AppResult {
    let Some(Link { a, ctx, at, .. }) = open(&state, &ctx, &token).await? else { return gone(&ctx) };
    cancel_page(&state, &ctx, &a, String::new(), vec![], &at).await
}

pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    FormData(f): FormData<CancelForm>,
) -> AppResult {
    let Some(Link { a, client, ctx, at }) = open(&state, &ctx, &token).await? else { return gone(&ctx) };
    cancel_as(&state, &ctx, &client, &a, f, &at).await
}

pub async fn reschedule_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Query(q): Query<MonthQuery>,
) -> AppResult {
    let Some(Link { a, ctx, at, .. }) = open(&state, &ctx, &token).await? else { return gone(&ctx) };
    let c = reschedulable(&state, &ctx, &a).await?;
    reschedule_month(&state, &ctx, &a, &c, vec![], &q, &at).await
}

pub async fn reschedule(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    FormData(f): FormData<RescheduleForm>,
) -> AppResult {
    let Some(Link { a, client, ctx, at }) = open(&state, &ctx, &token).await? else { return gone(&ctx) };
    let c = reschedulable(&state, &ctx, &a).await?;
    reschedule_as(&state, &ctx, &client, &a, &c, f, &at).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    cancelled: Option<String>,
    moved: Option<String>,
}

/// After a change through a link (whose token no longer works): what happened.
pub async fn done(ctx: Ctx, Query(q): Query<DoneQuery>) -> AppResult {
    let body = if q.cancelled.is_some() {
        ctx.t("notice-cancelled")
    } else if q.moved.is_some() {
        ctx.t("manage-moved")
    } else {
        return Err(AppError::NotFound);
    };
    render(&NotePage { ctx: &ctx, title: ctx.t("manage-title"), body, danger: false })
}
