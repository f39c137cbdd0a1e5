//! A client's appointments: upcoming and past, cancel (late inside the counselor's window), move
//! to another free time, and the waitlist for a counselor's day.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sangdam_domain::booking::AppointmentStatus;
use sangdam_domain::booking::appointment::{CancelOutcome, client_cancellation, client_may_reschedule};
use sangdam_domain::{Role, UserId};
use sangdam_store::{AppointmentRecord, StoreError};
use serde::Deserialize;

use super::views::appointments::{AppointmentView, view};
use super::views::booking::client_viewer;
use super::views::{render, see_other, with_status};
use crate::auth::audited;
use crate::booking::{self, Change, Counselor, FollowOn};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;

/// The same pages reached from the link in a mail, without signing in.
pub(super) mod manage;

pub struct WaitView {
    pub id: String,
    pub counselor: String,
    pub day: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "booking/mine.html")]
struct MinePage<'a> {
    ctx: &'a Ctx,
    upcoming: Vec<AppointmentView>,
    past: Vec<AppointmentView>,
    waiting: Vec<WaitView>,
    notice: Option<String>,
    /// After a booking whose reason spoke of suicide or self-harm: the crisis lines.
    care: Option<crate::crisis::CareNotice>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MineQuery {
    booked: Option<String>,
    cancelled: Option<String>,
    moved: Option<String>,
    care: Option<String>,
}

pub async fn mine(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MineQuery>) -> AppResult {
    let v = ctx.signed_in()?;
    if v.user.role == Role::Counselor {
        return Ok(see_other("/counselor/calendar"));
    }
    let mut upcoming = Vec::new();
    for a in state.store.client_appointments(&v.user.id, ctx.now, true).await? {
        upcoming.push(view(&state, &ctx, &a).await?);
    }
    let mut past = Vec::new();
    for a in state.store.client_appointments(&v.user.id, ctx.now, false).await? {
        past.push(view(&state, &ctx, &a).await?);
    }
    let mut waiting = Vec::new();
    for w in state.store.client_waitlist(&v.user.id).await? {
        let name =
            state.store.user_by_id(&w.counselor_id).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
        waiting.push(WaitView { id: w.id, counselor: name, day: w.day, status: ctx.t(w.status.message_id()) });
    }
    let notice = if q.booked.is_some() {
        Some(ctx.t("notice-booked"))
    } else if q.cancelled.is_some() {
        Some(ctx.t("notice-cancelled"))
    } else if q.moved.is_some() {
        Some(ctx.t("notice-moved"))
    } else {
        None
    };
    let care = q.care.is_some().then(|| crate::crisis::care_notice_later(&state, ctx.lang()));
    render(&MinePage { ctx: &ctx, upcoming, past, waiting, notice, care })
}

/// The client's own appointment, or 404: another client's id looks exactly like one that does
/// not exist.
async fn own_appointment(state: &AppState, client: &UserId, id: &str) -> Result<AppointmentRecord, AppError> {
    match state.store.appointment(id).await? {
        Some(a) if a.client_id == *client => Ok(a),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Template)]
#[template(path = "booking/cancel.html")]
struct CancelPage<'a> {
    ctx: &'a Ctx,
    a: AppointmentView,
    reason: String,
    errors: Vec<String>,
    post_to: String,
    keep: String,
}

/// Where a client acts on one of their appointments: signed in, or through the link in a mail
/// (`pages::manage`). Both run the same cancel and move below.
pub(crate) struct At {
    /// The paths' prefix: `/appointments/{id}` or `/m/{token}`.
    pub(crate) base: String,
    /// Where "keep it" and "back" lead.
    pub(crate) back: String,
    /// Through a mail link: the appointment's `sequence` the link was made for. The change must
    /// find it unchanged (`SequenceGuard`), so a link works once.
    pub(crate) link: Option<i64>,
}

impl At {
    fn signed_in(id: &str) -> At {
        At { base: format!("/appointments/{id}"), back: "/appointments".to_owned(), link: None }
    }

    fn guard(&self, a: &AppointmentRecord) -> Option<sangdam_store::SequenceGuard> {
        self.link.map(|sequence| sangdam_store::SequenceGuard { appointment: a.id.clone(), sequence: sequence + 1 })
    }

    fn done(&self, what: &str) -> String {
        if self.link.is_some() { format!("/m/done?{what}=1") } else { format!("/appointments?{what}=1") }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    /// `yes` once the client has read the confirmation page.
    pub(crate) confirm: String,
    pub(crate) reason: String,
}

/// The confirmation before a client cancels: what, whether it is late, and a reason if they wish.
pub(crate) async fn cancel_page(
    state: &AppState,
    ctx: &Ctx,
    a: &AppointmentRecord,
    reason: String,
    errors: Vec<String>,
    at: &At,
) -> AppResult {
    if !a.status.holds_time() || a.starts_at <= ctx.now {
        return Err(AppError::BadRequest("error-appointment-closed"));
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = CancelPage {
        ctx,
        a: view(state, ctx, a).await?,
        reason,
        errors,
        post_to: format!("{}/cancel", at.base),
        keep: at.back.clone(),
    };
    with_status(status, render(&page))
}

pub async fn cancel_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = client_viewer(&ctx)?;
    let a = own_appointment(&state, &v.user.id, &id).await?;
    cancel_page(&state, &ctx, &a, String::new(), vec![], &At::signed_in(&a.id)).await
}

pub async fn client_cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<CancelForm>,
) -> AppResult {
    let v = client_viewer(&ctx)?;
    let a = own_appointment(&state, &v.user.id, &id).await?;
    cancel_as(&state, &ctx, &v.user, &a, f, &At::signed_in(&a.id)).await
}

/// A client cancels their appointment `a` (late inside the counselor's window), once they have
/// answered the confirmation page; the change, its audit entry and its mails commit together.
pub(crate) async fn cancel_as(
    state: &AppState,
    ctx: &Ctx,
    client: &sangdam_store::UserRecord,
    a: &AppointmentRecord,
    f: CancelForm,
    at: &At,
) -> AppResult {
    if !a.status.holds_time() || a.starts_at <= ctx.now {
        return Err(AppError::BadRequest("error-appointment-closed"));
    }
    // Nothing is cancelled without the confirmation page's answer.
    let reason = f.reason.trim().replace("\r\n", "\n");
    if reason.chars().count() > sangdam_domain::limits::MAX_CANCEL_REASON_CHARS {
        return cancel_page(state, ctx, a, reason, vec![ctx.t("error-cancel-reason-too-long")], at).await;
    }
    if f.confirm != "yes" {
        return cancel_page(state, ctx, a, reason, vec![], at).await;
    }
    let window = state.store.counselor_profile(&a.counselor_id).await?.map_or(24, |p| p.rules.cancel_window_hours);
    let outcome = client_cancellation(
        jiff::Timestamp::from_second(a.starts_at).unwrap_or_default(),
        jiff::Timestamp::from_second(ctx.now).unwrap_or_default(),
        window,
    );
    let to = match outcome {
        CancelOutcome::Cancelled => AppointmentStatus::Cancelled,
        CancelOutcome::LateCancelled => AppointmentStatus::LateCancelled,
    };
    let target = Some(format!("appointment:{}", a.id));
    let follow =
        FollowOn { change: Some(Change::Cancelled), freed: Some((a.starts_at, a.ends_at)), ..FollowOn::default() };
    let action = if at.link.is_some() { "appointment.link.cancel" } else { "appointment.cancel" };
    let mut effects = audited(state, ctx, Some(client), action, target, to.as_str())
        .with_job(booking::change_job(&a.id, follow, ctx.now));
    effects.guard = at.guard(a);
    let done = state
        .store
        .set_appointment_status(
            &a.id,
            &[AppointmentStatus::Requested, AppointmentStatus::Confirmed],
            to,
            Some((reason.as_str(), "client")),
            ctx.now,
            &effects,
        )
        .await;
    match done {
        Ok(true) => {}
        Ok(false) => return Err(AppError::BadRequest("error-appointment-closed")),
        Err(StoreError::Conflict) if at.link.is_some() => return Err(AppError::BadRequest("error-link-used")),
        Err(e) => return Err(e.into()),
    }
    crate::jobs::run_now(state, &effects.jobs).await;
    Ok(see_other(&at.done("cancelled")))
}

#[derive(Template)]
#[template(path = "booking/reschedule.html")]
struct ReschedulePage<'a> {
    ctx: &'a Ctx,
    current: String,
    with: String,
    errors: Vec<String>,
    /// The month calendar (the appointment's own month first), its times posted to the
    /// confirmation step.
    m: crate::pages::views::month::MonthView,
    base: String,
    book_base: String,
    post_to: Option<String>,
    back: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    pub(crate) month: String,
    pub(crate) day: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RescheduleForm {
    pub(crate) start: String,
    /// `yes` once the client has confirmed the new time.
    pub(crate) confirm: String,
}

#[derive(Template)]
#[template(path = "booking/move.html")]
struct MovePage<'a> {
    ctx: &'a Ctx,
    with: String,
    from: String,
    to: String,
    start: i64,
    post_to: String,
    other: String,
}

async fn reschedule_page(
    state: &AppState,
    ctx: &Ctx,
    a: &AppointmentRecord,
    c: &Counselor,
    errors: Vec<String>,
    at: &At,
) -> AppResult {
    reschedule_month(state, ctx, a, c, errors, &MonthQuery::default(), at).await
}

/// The month calendar to move appointment `a` to another of the counselor's free times.
pub(crate) async fn reschedule_month(
    state: &AppState,
    ctx: &Ctx,
    a: &AppointmentRecord,
    c: &Counselor,
    errors: Vec<String>,
    q: &MonthQuery,
    at: &At,
) -> AppResult {
    let (today, last) = crate::pages::views::booking::horizon(ctx, c);
    // The appointment's own month unless another is asked for.
    let own = jiff::Timestamp::from_second(a.starts_at).unwrap_or_default().to_zoned(ctx.timezone().to_jiff()).date();
    let asked = if q.month.is_empty() { own.strftime("%Y-%m").to_string() } else { q.month.clone() };
    let month = crate::pages::views::month::chosen_month(&asked, today, last);
    let mut slots = crate::pages::views::booking::month_slots(state, ctx, c, a.kind, month, Some(&a.client_id)).await?;
    // The appointment's own time is not a time to move to.
    slots.retain(|s| s.start.as_second() != a.starts_at);
    let day = q.day.trim().parse::<jiff::civil::Date>().ok();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::CONFLICT };
    with_status(
        status,
        render(&ReschedulePage {
            ctx,
            current: ctx.time(a.starts_at),
            with: c.user.display_name.to_string(),
            errors,
            m: crate::pages::views::month::view(ctx, month, today, last, &slots, day),
            base: format!("{}/reschedule?", at.base),
            book_base: String::new(),
            post_to: Some(format!("{}/reschedule", at.base)),
            back: at.back.clone(),
        }),
    )
}

/// The counselor of appointment `a`, if the client may still move it (inside the counselor's
/// change window it can only be cancelled).
pub(crate) async fn reschedulable(state: &AppState, ctx: &Ctx, a: &AppointmentRecord) -> Result<Counselor, AppError> {
    let c = booking::counselor(state, &a.counselor_id).await?.ok_or(AppError::NotFound)?;
    let start = jiff::Timestamp::from_second(a.starts_at).unwrap_or_default();
    let now = jiff::Timestamp::from_second(ctx.now).unwrap_or_default();
    if !a.status.holds_time() || !client_may_reschedule(start, now, c.profile.rules.cancel_window_hours) {
        return Err(AppError::BadRequest("error-reschedule-window"));
    }
    Ok(c)
}

pub async fn reschedule_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<MonthQuery>,
) -> AppResult {
    let v = client_viewer(&ctx)?;
    let a = own_appointment(&state, &v.user.id, &id).await?;
    let c = reschedulable(&state, &ctx, &a).await?;
    reschedule_month(&state, &ctx, &a, &c, vec![], &q, &At::signed_in(&a.id)).await
}

pub async fn reschedule_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<RescheduleForm>,
) -> AppResult {
    let v = client_viewer(&ctx)?;
    let a = own_appointment(&state, &v.user.id, &id).await?;
    let c = reschedulable(&state, &ctx, &a).await?;
    reschedule_as(&state, &ctx, &v.user, &a, &c, f, &At::signed_in(&a.id)).await
}

/// A client moves their appointment `a` to a free time of its counselor `c`, once they have
/// confirmed the new time; the move, its audit entry and its mails commit together.
pub(crate) async fn reschedule_as(
    state: &AppState,
    ctx: &Ctx,
    client: &sangdam_store::UserRecord,
    a: &AppointmentRecord,
    c: &Counselor,
    f: RescheduleForm,
    at: &At,
) -> AppResult {
    let Some(start) = f.start.trim().parse::<i64>().ok().filter(|s| jiff::Timestamp::from_second(*s).is_ok()) else {
        return reschedule_page(state, ctx, a, c, vec![ctx.t("error-slot-invalid")], at).await;
    };
    // A time that is not free is refused before the confirmation page, and again when moving.
    let minutes = u32::try_from((a.ends_at - a.starts_at) / 60).unwrap_or(0);
    if c.profile.offering(a.kind).is_none()
        || !booking::slot_is_free(state, c, minutes, start, &client.id, Some(a), ctx.now).await?
    {
        return reschedule_page(state, ctx, a, c, vec![ctx.t("error-slot-unavailable")], at).await;
    }
    // A chosen time is confirmed on its own page before anything moves.
    if f.confirm != "yes" {
        return render(&MovePage {
            ctx,
            with: c.user.display_name.to_string(),
            from: ctx.time(a.starts_at),
            to: ctx.time(start),
            start,
            post_to: format!("{}/reschedule", at.base),
            other: format!("{}/reschedule", at.base),
        });
    }
    let action = if at.link.is_some() { "appointment.link.reschedule" } else { "appointment.reschedule" };
    let actor = crate::auth::actor_of(ctx, Some(client));
    match booking::move_appointment(state, &actor, a, c, start, action, at.guard(a)).await {
        Ok(()) => {}
        Err(booking::MoveError::Closed) => return Err(AppError::BadRequest("error-appointment-closed")),
        Err(booking::MoveError::LinkUsed) if at.link.is_some() => return Err(AppError::BadRequest("error-link-used")),
        Err(booking::MoveError::Taken) => {
            return reschedule_page(state, ctx, a, c, vec![ctx.t("error-slot-unavailable")], at).await;
        }
        Err(booking::MoveError::ClientBusy) => {
            return reschedule_page(state, ctx, a, c, vec![ctx.t("error-client-busy")], at).await;
        }
        Err(booking::MoveError::LinkUsed) => return Err(AppError::Conflict("error-appointment-closed")),
        Err(booking::MoveError::Internal(e)) => return Err(e.into()),
    }
    Ok(see_other(&at.done("moved")))
}

pub async fn leave_waitlist(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = client_viewer(&ctx)?;
    let Some(freed) = state.store.leave_waitlist(&v.user.id, &id).await? else {
        return Err(AppError::NotFound);
    };
    // A slot held for this client goes to the next one waiting.
    if let Some((counselor, starts_at, ends_at)) = freed {
        booking::offer_freed_slot(&state, &counselor, starts_at, ends_at, None).await?;
    }
    Ok(see_other("/appointments"))
}
