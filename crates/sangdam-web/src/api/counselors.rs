//! Counselors and their free times: what the directory and the booking calendar show anyone,
//! so any open token may read it.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use sangdam_domain::UserId;
use sangdam_domain::booking::SessionKind;
use sangdam_store::DirectoryFilter;

use super::schema::{Counselor, CounselorList, FreeTime, FreeTimes, Offering, Price, ProblemDoc};
use super::{ApiResult, Caller, Problem, ok, page_size, parse_time, time};
use crate::booking::{self, SlotSearch};
use crate::state::AppState;

fn offering(o: &sangdam_store::Offering) -> Offering {
    Offering {
        kind: o.kind.as_str().to_owned(),
        duration_minutes: o.duration_minutes,
        price: Price { amount: o.price.minor(), currency: o.price.currency().code().to_owned() },
    }
}

/// The published directory: languages, specialties, session types with length and price.
#[utoipa::path(get, path = "/api/v1/counselors", operation_id = "list_counselors", tag = "counselors",
    responses(
        (status = 200, description = "Done", body = CounselorList),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = [])))]
pub async fn list(State(state): State<AppState>, _caller: Caller) -> ApiResult {
    let found = state.store.directory(&DirectoryFilter::default()).await?;
    let data = found
        .iter()
        .map(|(u, p)| Counselor {
            id: u.id.to_string(),
            display_name: u.display_name.as_str().to_owned(),
            timezone: u.timezone.as_str().to_owned(),
            languages: p.languages.iter().map(|l| l.code().to_owned()).collect(),
            specialties: p.specialties.clone(),
            requires_approval: p.requires_approval,
            offerings: p.offerings.iter().map(offering).collect(),
        })
        .collect();
    Ok(ok(StatusCode::OK, &CounselorList { data }))
}

/// The next free times of a published counselor for a session of `kind`, from `from` (now by
/// default), as the booking page shows them.
#[utoipa::path(get, path = "/api/v1/counselors/{id}/free-times", operation_id = "free_times", tag = "counselors",
    params(
        ("id" = String, Path),
        ("kind" = String, Query, description = "`video`, `voice` or `chat`: one the counselor offers"),
        ("from" = Option<String>, Query, description = "RFC 3339, for example 2027-03-01T09:30:00+09:00"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 25")
    ),
    responses(
        (status = 200, description = "Done", body = FreeTimes),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to this token", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = [])))]
pub async fn free_times(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let not_found = || Problem::new(StatusCode::NOT_FOUND, "error-api-not-found");
    let id = UserId::parse(&id).ok_or_else(not_found)?;
    let c = booking::counselor(&state, &id).await?.filter(|c| c.profile.published).ok_or_else(not_found)?;
    let kind = q
        .get("kind")
        .and_then(|k| SessionKind::parse(k))
        .filter(|k| c.profile.offering(*k).is_some())
        .ok_or_else(|| Problem::invalid("kind", "error-kind-unknown"))?;
    let from = match q.get("from").map(String::as_str) {
        None | Some("") => caller.ctx.now,
        Some(t) => parse_time(t).ok_or_else(|| Problem::invalid("from", "error-api-time"))?,
    };
    let limit = page_size(q.get("limit").map(String::as_str))?;
    let search = SlotSearch { kind, from: from.max(caller.ctx.now), until: None, limit: limit as usize };
    let slots = booking::next_slots(&state, &c, &search, None, caller.ctx.now).await?;
    let data =
        slots.iter().map(|s| FreeTime { start: time(s.start.as_second()), end: time(s.end.as_second()) }).collect();
    Ok(ok(StatusCode::OK, &FreeTimes { data }))
}
