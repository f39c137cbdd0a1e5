//! Reminders on or off, and the personal calendar feed (an iCalendar address with a secret token
//! that its owner can replace).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use sangdam_domain::{Role, UserId};
use serde::Deserialize;

use super::views::{render, see_other};
use crate::booking;
use crate::crypto::{random, sha256_hex};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account/notifications.html")]
struct NotificationsPage<'a> {
    ctx: &'a Ctx,
    reminders: bool,
    has_feed: bool,
    feed_url: Option<String>,
    offsets: String,
}

/// How long before a session a reminder goes: "1일 전", "2 hours before", "30분 전".
fn before(ctx: &Ctx, minutes: u32) -> String {
    let m = i64::from(minutes);
    match m {
        m if m > 0 && m % 1440 == 0 => ctx.tn("before-days", "count", m / 1440),
        m if m > 0 && m % 60 == 0 => ctx.tn("before-hours", "count", m / 60),
        m => ctx.tn("before-minutes", "count", m),
    }
}

/// The reminders and calendar page; `feed_url` is the new feed address, shown only right after it
/// was made.
async fn notifications_page(state: &AppState, ctx: &Ctx, user: &UserId, feed_url: Option<String>) -> AppResult {
    let offsets = state.config.reminder_minutes.iter().map(|m| before(ctx, *m)).collect::<Vec<_>>().join(", ");
    render(&NotificationsPage {
        ctx,
        reminders: state.store.reminders_enabled(user).await?,
        has_feed: state.store.has_calendar_feed(user).await?,
        feed_url,
        offsets,
    })
}

pub async fn notifications(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.signed_in()?;
    notifications_page(&state, &ctx, &v.user.id, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemindersForm {
    reminders: String,
}

pub async fn set_reminders(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<RemindersForm>) -> AppResult {
    let v = ctx.signed_in()?;
    state.store.set_reminders(&v.user.id, f.reminders == "on").await?;
    Ok(see_other("/account/notifications"))
}

/// Creates or replaces the feed token and shows the new address once; only its hash is kept.
pub async fn reset_feed(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.signed_in()?;
    // A counselor's feed names clients: the same two-factor rule as the calendar page.
    if v.user.role.is_staff() {
        ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor, Role::Admin])?;
    }
    let token = data_encoding::BASE32_NOPAD.encode(&random::<20>()).to_lowercase();
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    sangdam_app::account::reset_calendar_feed(&state.store, &state.keys, &actor, &sha256_hex(token.as_bytes())).await?;
    notifications_page(&state, &ctx, &v.user.id, Some(format!("{}/calendar/{token}.ics", state.config.public_url)))
        .await
}

/// The iCalendar feed behind a secret token: the owner's appointments from 30 days ago on. No
/// cookie is needed (calendar apps have none); the token is the credential.
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> AppResult {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    if token.is_empty() || token.len() > 64 {
        return Err(AppError::NotFound);
    }
    let owner = state.store.calendar_feed_owner(&sha256_hex(token.as_bytes())).await?.ok_or(AppError::NotFound)?;
    let user = state.store.user_by_id(&owner).await?.filter(|u| u.active).ok_or(AppError::NotFound)?;
    // Checked again on every fetch: the center may have required two-factor since.
    if user.role.is_staff()
        && !sangdam_domain::role::may_see_client_data(
            user.role,
            user.two_factor_enrolled(),
            state.config.require_staff_two_factor,
        )
    {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    let tr = crate::i18n::Tr::new(state.i18n.clone(), user.language);
    let mut events = Vec::new();
    for a in state.store.user_appointments_since(&owner, now - 30 * 86_400).await? {
        let Some(counselor) = state.store.user_by_id(&a.counselor_id).await? else { continue };
        // In a feed (no METHOD) DTSTAMP says when the event last changed, so that calendars
        // polling it see a change only when there is one.
        let mut event = booking::event(&state, &a, &tr, &counselor, None, a.updated_at);
        // A counselor's feed tells the sessions apart by their client (by initials unless the
        // center chose full names).
        if user.id == a.counselor_id
            && let Some(client) = state.store.user_by_id(&a.client_id).await?
        {
            let name = client.display_name.to_string();
            let name = if state.config.feed_full_names { name } else { sangdam_domain::names::initials(&name) };
            let mut args = fluent_bundle::FluentArgs::new();
            args.set("client", name);
            args.set("kind", tr.t(a.kind.message_id()));
            event.summary = tr.i18n().message(tr.lang, "ics-summary-counselor", Some(&args));
        }
        events.push(event);
    }
    let body = sangdam_domain::ics::calendar(None, Some(&tr.t("ics-feed-name")), &events);
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=300")],
        body,
    )
        .into_response())
}
