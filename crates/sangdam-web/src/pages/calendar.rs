//! A counselor's calendar (day and week), where they approve, decline, cancel with a reason, and
//! record a session as completed or a no-show.

use askama::Template;
use axum::extract::{Path, Query, State};
use jiff::civil::Date;
use sangdam_domain::Role;
use serde::Deserialize;

use super::views::WEEKDAYS;
use super::views::appointments::{op_error, own};
use super::views::{render, see_other};
use crate::auth::audit;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;

pub struct CalendarItem {
    pub id: String,
    pub time: String,
    pub client: String,
    pub kind: String,
    pub status: &'static str,
    pub status_label: String,
    pub client_id: String,
    pub first_time: bool,
    pub reason: Option<String>,
    pub cancel_reason: Option<String>,
    pub open: bool,
    pub past: bool,
    pub can_join: bool,
}

pub struct CalendarDay {
    /// The day it is now where the counselor is: marked.
    pub today: bool,
    pub label: String,
    pub items: Vec<CalendarItem>,
}

#[derive(Template)]
#[template(path = "counselor/calendar.html")]
struct CalendarPage<'a> {
    ctx: &'a Ctx,
    view: &'static str,
    date: String,
    prev: String,
    next: String,
    days: Vec<CalendarDay>,
    timezone: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CalendarQuery {
    view: String,
    date: String,
}

pub async fn calendar(State(state): State<AppState>, ctx: Ctx, Query(q): Query<CalendarQuery>) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Counselor])?;
    let tz = v.user.timezone.to_jiff();
    let today = jiff::Timestamp::from_second(ctx.now).unwrap_or_default().to_zoned(tz.clone()).date();
    let date = match q.date.as_str() {
        "" => today,
        d => d.parse::<Date>().map_err(|_| AppError::BadRequest("error-date-invalid"))?,
    };
    // The week view is the seven days from the chosen date (today by default), not the calendar
    // week around it: on a Sunday a Monday-to-Sunday week would hide everything from tomorrow on.
    let week = q.view != "day";
    let (first, count) = if week { (date, 7) } else { (date, 1) };
    let day_start = |d: Date| d.to_zoned(tz.clone()).map(|z| z.timestamp().as_second()).unwrap_or(0);
    let last = first.checked_add(jiff::Span::new().days(count)).unwrap_or(first);
    let list = state.store.counselor_appointments(&v.user.id, day_start(first), day_start(last), false).await?;
    let mut days: Vec<CalendarDay> = (0..count)
        .filter_map(|i| first.checked_add(jiff::Span::new().days(i)).ok())
        .map(|d| CalendarDay {
            today: d == today,
            label: match ctx.lang() {
                sangdam_domain::Language::Ko => format!(
                    "{}월 {}일 ({})",
                    d.month(),
                    d.day(),
                    ctx.t(WEEKDAYS[d.weekday().to_monday_zero_offset() as usize].2)
                ),
                sangdam_domain::Language::En => format!(
                    "{} {}/{}",
                    ctx.t(WEEKDAYS[d.weekday().to_monday_zero_offset() as usize].2),
                    d.month(),
                    d.day()
                ),
            },
            items: vec![],
        })
        .collect();
    // The reason for a visit is client data: shown for what is still ahead (a request to decide, a
    // session to prepare) and otherwise only while the client is in this counselor's care.
    let mut in_care: std::collections::HashMap<sangdam_domain::UserId, bool> = std::collections::HashMap::new();
    for a in &list {
        let local = jiff::Timestamp::from_second(a.starts_at).unwrap_or_default().to_zoned(tz.clone());
        let index = (local.date() - first).get_days();
        let Some(day) = usize::try_from(index).ok().and_then(|i| days.get_mut(i)) else { continue };
        let client =
            state.store.user_by_id(&a.client_id).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
        let may_read = a.status.holds_time() || {
            if !in_care.contains_key(&a.client_id) {
                let ok = crate::access::may_see_client(&state, &v.user, &a.client_id).await?;
                in_care.insert(a.client_id.clone(), ok);
            }
            in_care.get(&a.client_id).copied().unwrap_or(false)
        };
        let reason = a
            .reason
            .as_deref()
            .filter(|_| may_read)
            .and_then(|r| state.keys.open_at(&sangdam_store::sealed::APPOINTMENT_REASON, &[&a.id], r).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        day.items.push(CalendarItem {
            id: a.id.clone(),
            time: format!(
                "{}–{}",
                local.strftime("%H:%M"),
                jiff::Timestamp::from_second(a.ends_at).unwrap_or_default().to_zoned(tz.clone()).strftime("%H:%M")
            ),
            client,
            kind: ctx.t(a.kind.message_id()),
            status: a.status.as_str(),
            status_label: ctx.t(a.status.message_id()),
            client_id: a.client_id.to_string(),
            first_time: a.first_time,
            reason,
            cancel_reason: a.cancel_reason.clone().filter(|r| !r.is_empty()),
            open: a.status.holds_time(),
            past: a.starts_at <= ctx.now,
            can_join: super::views::room_open(&state, a, ctx.now),
        });
    }
    // Reading clients' appointments (and their reasons for the visit) is access to client data.
    audit(&state, &ctx, Some(&v.user), "appointments.read", Some(format!("calendar:{first}")), "ok").await?;
    let step = jiff::Span::new().days(count);
    render(&CalendarPage {
        ctx: &ctx,
        view: if week { "week" } else { "day" },
        date: date.to_string(),
        prev: first.checked_sub(step).unwrap_or(first).to_string(),
        next: last.to_string(),
        days,
        timezone: v.user.timezone.as_str().to_owned(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    reason: String,
}

/// Runs a counselor's operation on their appointment `id`, then what follows it at once, and
/// goes back to the calendar.
async fn counselor_op<F, Fut>(state: &AppState, ctx: &Ctx, id: &str, op: F) -> AppResult
where
    F: FnOnce(sangdam_app::Actor, sangdam_store::AppointmentRecord) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<sangdam_store::NewJob>, sangdam_app::appointments::OpError>>,
{
    let (a, me) = own(state, ctx, id).await?;
    let jobs = op(crate::auth::actor_of(ctx, Some(&me)), a).await.map_err(op_error)?;
    crate::jobs::run_now(state, &jobs).await;
    Ok(see_other("/counselor/calendar"))
}

pub async fn approve(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let (store, keys) = (&state.store, &state.keys);
    counselor_op(&state, &ctx, &id, |actor, a| async move {
        sangdam_app::appointments::approve(store, keys, &actor, &a).await
    })
    .await
}

/// Declining a request or cancelling a session: any time, with a reason the client is told.
pub async fn counselor_cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<ActionForm>,
) -> AppResult {
    let (store, keys) = (&state.store, &state.keys);
    counselor_op(&state, &ctx, &id, |actor, a| async move {
        sangdam_app::appointments::cancel_by_counselor(store, keys, &actor, &a, &f.reason).await
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OutcomeForm {
    outcome: String,
}

/// After the start: the session took place, or the client did not come.
pub async fn record_outcome(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<OutcomeForm>,
) -> AppResult {
    let (store, keys) = (&state.store, &state.keys);
    counselor_op(&state, &ctx, &id, |actor, a| async move {
        sangdam_app::appointments::record_outcome(store, keys, &actor, &a, &f.outcome).await
    })
    .await
}
