//! Appointments: read them (a counselor their own, supervisors and service tokens all of them,
//! as `sangdam_app::access` decides), and a counselor's changes (approve, cancel, outcome)
//! through the same service operations as the calendar page. Every read of an appointment and
//! every refusal is in the audit log.

use std::collections::HashMap;

use super::schema::{
    Appointment, AppointmentOne, AppointmentPage, CancelBody, MoveBody, NewAppointmentBody, OutcomeBody, Price,
    ProblemDoc,
};
use super::{ApiResult, Caller, Problem, body, cursor, ok, page_size, parse_cursor, time};
use crate::booking::BookError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sangdam_app::access::{AppointmentList, appointment_list, may_read_appointment};
use sangdam_app::appointments as ops;
use sangdam_domain::api::{Scope, TokenKind};
use sangdam_domain::booking::SessionKind;
use sangdam_domain::limits::MAX_REASON_CHARS;
use sangdam_domain::{Role, UserId};
use sangdam_store::AppointmentRecord;

/// An appointment as the API shows it ([`Appointment`]).
fn view(a: &AppointmentRecord) -> Appointment {
    Appointment {
        id: a.id.clone(),
        counselor_id: a.counselor_id.to_string(),
        client_id: a.client_id.to_string(),
        kind: a.kind.as_str().to_owned(),
        status: a.status.as_str().to_owned(),
        starts_at: time(a.starts_at),
        ends_at: time(a.ends_at),
        price: Price { amount: a.price.minor(), currency: a.price.currency().code().to_owned() },
        first_time: a.first_time,
        series_id: a.series_id.clone(),
        cancelled_by: a.cancelled_by.clone(),
        sequence: a.sequence,
        created_at: time(a.created_at),
        updated_at: time(a.updated_at),
    }
}

/// Appointments in order of start: a counselor's own; every counselor's for supervisors and
/// service tokens. `next_cursor` continues.
#[utoipa::path(get, path = "/api/v1/appointments", operation_id = "list_appointments", tag = "appointments",
    params(
        ("limit" = Option<u32>, Query, description = "1 to 100, default 25"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")
    ),
    responses(
        (status = 200, description = "Done", body = AppointmentPage),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Over the rate limit: see Retry-After", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["appointments:read"])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    caller.require(Scope::AppointmentsRead)?;
    let limit = page_size(q.get("limit").map(String::as_str))?;
    let after = parse_cursor(q.get("cursor").map(String::as_str))?;
    let counselor = match appointment_list(caller.reader()) {
        AppointmentList::All => None,
        AppointmentList::OfCounselor(c) => Some(c),
        AppointmentList::Nothing => return Err(caller.require_role()),
    };
    let after_ref = after.as_ref().map(|(at, id)| (*at, id.as_str()));
    let mut page = state.store.appointments_page(counselor.as_ref(), after_ref, i64::from(limit) + 1).await?;
    let more = page.len() > limit as usize;
    page.truncate(limit as usize);
    let target = counselor.map(|c| format!("counselor:{c}"));
    sangdam_app::audit::audit(&state.store, &state.keys, &caller.actor(), "api.appointments.list", target, "ok")
        .await?;
    let next = if more { page.last().map(|a| cursor(a.starts_at, &a.id)) } else { None };
    Ok(ok(StatusCode::OK, &AppointmentPage { data: page.iter().map(view).collect(), next_cursor: next }))
}

/// The appointment `id` if the caller may read it; a refusal is audited and answered as "not
/// found", so that nobody learns which ids exist.
async fn readable(state: &AppState, caller: &Caller, id: &str, action: &str) -> ApiResult<AppointmentRecord> {
    let found = if id.len() <= 64 { state.store.appointment(id).await? } else { None };
    match found {
        Some(a) if may_read_appointment(caller.reader(), &a) => Ok(a),
        _ => {
            let target = format!("appointment:{}", id.chars().take(64).collect::<String>());
            sangdam_app::access::refuse(&state.store, &state.keys, &caller.actor(), action, target).await?;
            Err(Problem::new(StatusCode::NOT_FOUND, "error-api-not-found"))
        }
    }
}

/// One appointment. Another counselor's answers 404, as one that does not exist.
#[utoipa::path(get, path = "/api/v1/appointments/{id}", operation_id = "get_appointment", tag = "appointments",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "Done", body = AppointmentOne),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to this token", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["appointments:read"])))]
pub async fn one(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult {
    caller.require(Scope::AppointmentsRead)?;
    let a = readable(&state, &caller, &id, "api.appointment.read").await?;
    let target = Some(format!("appointment:{}", a.id));
    sangdam_app::audit::audit(&state.store, &state.keys, &caller.actor(), "api.appointment.read", target, "ok").await?;
    Ok(ok(StatusCode::OK, &AppointmentOne { data: view(&a) }))
}

/// A counselor's change to their own appointment, through the service layer; the appointment
/// as it is afterwards.
async fn counselor_op<F, Fut>(state: &AppState, caller: &Caller, id: &str, op: F) -> ApiResult
where
    F: FnOnce(sangdam_app::Actor, AppointmentRecord) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<sangdam_store::NewJob>, ops::OpError>>,
{
    caller.require(Scope::AppointmentsWrite)?;
    if caller.token.kind != TokenKind::Personal || caller.owner.role != Role::Counselor {
        return Err(Problem::new(StatusCode::FORBIDDEN, "error-api-counselor-only"));
    }
    let a = readable(state, caller, id, "api.appointment.change").await?;
    let a = ops::counselors_appointment(&state.store, &caller.owner.id, &a.id).await?;
    let jobs = op(caller.actor(), a.clone()).await?;
    crate::jobs::run_now(state, &jobs).await;
    let after =
        state.store.appointment(&a.id).await?.ok_or(Problem::new(StatusCode::NOT_FOUND, "error-api-not-found"))?;
    Ok(ok(StatusCode::OK, &AppointmentOne { data: view(&after) }))
}

/// The counselor approves a requested appointment (their personal token).
#[utoipa::path(post, path = "/api/v1/appointments/{id}/approve", operation_id = "approve_appointment", tag = "appointments",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters")),
    responses(
        (status = 200, description = "Done", body = AppointmentOne),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to this token", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The appointment's state does not allow it, or a request with the same Idempotency-Key is still running", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["appointments:write"])))]
pub async fn approve(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult {
    let (store, keys) = (&state.store, &state.keys);
    counselor_op(&state, &caller, &id, |actor, a| async move { ops::approve(store, keys, &actor, &a).await }).await
}

/// The counselor declines a request or cancels a session, with a reason the client is told by
/// mail (their personal token).
#[utoipa::path(post, path = "/api/v1/appointments/{id}/cancel", operation_id = "cancel_appointment", tag = "appointments", request_body = CancelBody,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters")),
    responses(
        (status = 200, description = "Done", body = AppointmentOne),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to this token", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The appointment's state does not allow it, or a request with the same Idempotency-Key is still running", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["appointments:write"])))]
pub async fn cancel(State(state): State<AppState>, caller: Caller, Path(id): Path<String>, raw: Bytes) -> ApiResult {
    let b: CancelBody = body(&raw)?;
    let (store, keys) = (&state.store, &state.keys);
    counselor_op(&state, &caller, &id, |actor, a| async move {
        ops::cancel_by_counselor(store, keys, &actor, &a, &b.reason).await
    })
    .await
    .map_err(|p| match p.code {
        "error-cancel-reason-required" | "error-cancel-reason-too-long" => Problem::invalid("reason", p.code),
        _ => p,
    })
}

/// After the start, the counselor records that the session took place or that the client did
/// not come (their personal token).
#[utoipa::path(post, path = "/api/v1/appointments/{id}/outcome", operation_id = "record_outcome", tag = "appointments", request_body = OutcomeBody,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters")),
    responses(
        (status = 200, description = "Done", body = AppointmentOne),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to this token", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The appointment's state does not allow it, or a request with the same Idempotency-Key is still running", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["appointments:write"])))]
pub async fn outcome(State(state): State<AppState>, caller: Caller, Path(id): Path<String>, raw: Bytes) -> ApiResult {
    let b: OutcomeBody = body(&raw)?;
    let (store, keys) = (&state.store, &state.keys);
    counselor_op(&state, &caller, &id, |actor, a| async move {
        ops::record_outcome(store, keys, &actor, &a, &b.outcome).await
    })
    .await
    .map_err(|p| if p.code == "error-form-invalid" { Problem::invalid("outcome", "error-api-outcome") } else { p })
}

/// Books one session of a counselor for a client: the center's systems (a service token) for any
/// client, a counselor (their personal token) for a client in their care. The same operation as
/// the booking page: the counselor's rules, no overlap, the mails, reminders and webhooks.
#[utoipa::path(post, path = "/api/v1/appointments", operation_id = "book_appointment", tag = "appointments",
    request_body = NewAppointmentBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters")),
    responses(
        (status = 201, description = "Booked (or requested, when the counselor approves bookings)", body = AppointmentOne),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to this token", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The time is no longer free, or the client has another session then", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["appointments:write"])))]
pub async fn book(State(state): State<AppState>, caller: Caller, raw: Bytes) -> ApiResult {
    caller.require(Scope::AppointmentsWrite)?;
    let b: NewAppointmentBody = body(&raw)?;
    let not_found = || Problem::new(StatusCode::NOT_FOUND, "error-api-not-found");
    let counselor_id = UserId::parse(&b.counselor_id).ok_or_else(not_found)?;
    let client_id = UserId::parse(&b.client_id).ok_or_else(not_found)?;
    if !sangdam_app::access::may_book(&state.store, caller.reader(), &counselor_id, &client_id).await? {
        let target = format!("user:{client_id}");
        sangdam_app::access::refuse(&state.store, &state.keys, &caller.actor(), "appointment.book", target).await?;
        return Err(not_found());
    }
    let c = crate::booking::counselor(&state, &counselor_id)
        .await?
        .filter(|c| c.profile.published)
        .ok_or_else(not_found)?;
    let client = state.store.user_by_id(&client_id).await?.filter(|u| u.role == Role::Client && u.active);
    let client = client.ok_or_else(not_found)?;
    let mut refused = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "error-api-invalid");
    let kind = SessionKind::parse(&b.kind);
    let offering = kind.and_then(|k| c.profile.offering(k));
    if offering.is_none() {
        refused = refused.field("kind", "error-kind-unknown");
    }
    let start = super::parse_time(&b.start);
    if start.is_none() {
        refused = refused.field("start", "error-api-time");
    }
    let reason = b.reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        refused = refused.field("reason", "error-reason-too-long").arg("max", MAX_REASON_CHARS);
    }
    let (Some(kind), Some(offering), Some(start), false) =
        (kind, offering, start, reason.chars().count() > MAX_REASON_CHARS)
    else {
        return Err(refused);
    };
    let starts = [start];
    let asked = crate::booking::Booking {
        counselor: &c,
        client: &client.id,
        kind,
        offering,
        starts: &starts,
        reason,
        first_time: b.first_time,
        series: false,
    };
    let done = match crate::booking::book(&state, &caller.actor(), asked).await {
        Ok(done) => done,
        Err(BookError::Taken | BookError::TakenMeanwhile) => {
            return Err(Problem::new(StatusCode::CONFLICT, "error-slot-unavailable"));
        }
        Err(BookError::ClientBusy) => return Err(Problem::new(StatusCode::CONFLICT, "error-client-busy")),
        Err(BookError::Internal(e)) => return Err(Problem::internal(e)),
    };
    let id = done.ids.first().ok_or_else(not_found)?;
    let a = state.store.appointment(id).await?.ok_or_else(not_found)?;
    Ok(ok(StatusCode::CREATED, &AppointmentOne { data: view(&a) }))
}

/// Moves an appointment to another free time of its counselor, keeping its length: the
/// counselor (their personal token) any time before it starts; the center's systems for the
/// client, within the counselor's window for changes, as the client could. Both sides are told.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/move", operation_id = "move_appointment", tag = "appointments",
    request_body = MoveBody,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters")),
    responses(
        (status = 200, description = "Moved", body = AppointmentOne),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to this token", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The time is not free, the client has another session then, or the appointment can no longer move", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["appointments:write"])))]
pub async fn move_to(State(state): State<AppState>, caller: Caller, Path(id): Path<String>, raw: Bytes) -> ApiResult {
    caller.require(Scope::AppointmentsWrite)?;
    let b: MoveBody = body(&raw)?;
    let center = caller.token.kind == TokenKind::Service;
    if !center && caller.owner.role != Role::Counselor {
        return Err(Problem::new(StatusCode::FORBIDDEN, "error-api-counselor-only"));
    }
    let a = readable(&state, &caller, &id, "api.appointment.change").await?;
    if !center && a.counselor_id != caller.owner.id {
        return Err(Problem::new(StatusCode::FORBIDDEN, "error-api-counselor-only"));
    }
    let start = super::parse_time(&b.start).ok_or_else(|| Problem::invalid("start", "error-api-time"))?;
    let not_found = || Problem::new(StatusCode::NOT_FOUND, "error-api-not-found");
    let c = crate::booking::counselor(&state, &a.counselor_id).await?.ok_or_else(not_found)?;
    let now = caller.ctx.now;
    let window_open = sangdam_domain::booking::appointment::client_may_reschedule(
        jiff::Timestamp::from_second(a.starts_at).unwrap_or_default(),
        jiff::Timestamp::from_second(now).unwrap_or_default(),
        c.profile.rules.cancel_window_hours,
    );
    if !a.status.holds_time() || a.starts_at <= now {
        return Err(Problem::new(StatusCode::CONFLICT, "error-appointment-closed"));
    }
    if center && !window_open {
        return Err(Problem::new(StatusCode::CONFLICT, "error-reschedule-window"));
    }
    use crate::booking::MoveError;
    match crate::booking::move_appointment(&state, &caller.actor(), &a, &c, start, "appointment.reschedule", None).await
    {
        Ok(()) => {}
        Err(MoveError::Taken) => return Err(Problem::new(StatusCode::CONFLICT, "error-slot-unavailable")),
        Err(MoveError::ClientBusy) => return Err(Problem::new(StatusCode::CONFLICT, "error-client-busy")),
        Err(MoveError::Closed | MoveError::LinkUsed) => {
            return Err(Problem::new(StatusCode::CONFLICT, "error-appointment-closed"));
        }
        Err(MoveError::Internal(e)) => return Err(Problem::internal(e)),
    }
    let after = state.store.appointment(&a.id).await?.ok_or_else(not_found)?;
    Ok(ok(StatusCode::OK, &AppointmentOne { data: view(&after) }))
}
