//! Appointments: read them (a counselor their own, supervisors and service tokens all of them,
//! as `sangdam_app::access` decides), and a counselor's changes (approve, cancel, outcome)
//! through the same service operations as the calendar page. Every read of an appointment and
//! every refusal is in the audit log.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sangdam_app::access::{AppointmentList, appointment_list, may_read_appointment};
use sangdam_app::appointments as ops;
use sangdam_domain::Role;
use sangdam_domain::api::{Scope, TokenKind};
use sangdam_store::AppointmentRecord;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiResult, Caller, Problem, body, ok, page_size, time};
use crate::state::AppState;

/// An appointment as the API shows it: times, people, state and price; never the client's
/// reason for the visit nor the reason given for cancelling (counseling content).
fn view(a: &AppointmentRecord) -> Value {
    json!({
        "id": a.id,
        "counselor_id": a.counselor_id.as_str(),
        "client_id": a.client_id.as_str(),
        "kind": a.kind.as_str(),
        "status": a.status.as_str(),
        "starts_at": time(a.starts_at),
        "ends_at": time(a.ends_at),
        "price": { "amount": a.price.minor(), "currency": a.price.currency().code() },
        "first_time": a.first_time,
        "series_id": a.series_id,
        "cancelled_by": a.cancelled_by,
        "sequence": a.sequence,
        "created_at": time(a.created_at),
        "updated_at": time(a.updated_at),
    })
}

fn cursor_of(a: &AppointmentRecord) -> String {
    data_encoding::BASE64URL_NOPAD.encode(format!("{}.{}", a.starts_at, a.id).as_bytes())
}

fn parse_cursor(text: &str) -> Option<(i64, String)> {
    let raw = data_encoding::BASE64URL_NOPAD.decode(text.as_bytes()).ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (at, id) = raw.split_once('.')?;
    let id_ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric());
    id_ok.then_some(())?;
    Some((at.parse().ok()?, id.to_owned()))
}

/// `GET /api/v1/appointments?limit=…&cursor=…`: in order of start; `next_cursor` continues.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    caller.require(Scope::AppointmentsRead)?;
    let limit = page_size(q.get("limit").map(String::as_str))?;
    let after = match q.get("cursor").map(String::as_str) {
        None | Some("") => None,
        Some(c) => Some(parse_cursor(c).ok_or_else(|| Problem::invalid("cursor", "error-api-cursor"))?),
    };
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
    let next = if more { page.last().map(cursor_of) } else { None };
    Ok(ok(StatusCode::OK, json!({ "data": page.iter().map(view).collect::<Vec<_>>(), "next_cursor": next })))
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

/// `GET /api/v1/appointments/{id}`.
pub async fn one(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult {
    caller.require(Scope::AppointmentsRead)?;
    let a = readable(&state, &caller, &id, "api.appointment.read").await?;
    let target = Some(format!("appointment:{}", a.id));
    sangdam_app::audit::audit(&state.store, &state.keys, &caller.actor(), "api.appointment.read", target, "ok").await?;
    Ok(ok(StatusCode::OK, json!({ "data": view(&a) })))
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
    Ok(ok(StatusCode::OK, json!({ "data": view(&after) })))
}

/// `POST /api/v1/appointments/{id}/approve`: a requested appointment is confirmed.
pub async fn approve(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult {
    let (store, keys) = (&state.store, &state.keys);
    counselor_op(&state, &caller, &id, |actor, a| async move { ops::approve(store, keys, &actor, &a).await }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelBody {
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/appointments/{id}/cancel` with `{"reason": "…"}` (told to the client).
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeBody {
    #[serde(default)]
    outcome: String,
}

/// `POST /api/v1/appointments/{id}/outcome` with `{"outcome": "completed" | "no_show"}`.
pub async fn outcome(State(state): State<AppState>, caller: Caller, Path(id): Path<String>, raw: Bytes) -> ApiResult {
    let b: OutcomeBody = body(&raw)?;
    let (store, keys) = (&state.store, &state.keys);
    counselor_op(&state, &caller, &id, |actor, a| async move {
        ops::record_outcome(store, keys, &actor, &a, &b.outcome).await
    })
    .await
    .map_err(|p| if p.code == "error-form-invalid" { Problem::invalid("outcome", "error-api-outcome") } else { p })
}
