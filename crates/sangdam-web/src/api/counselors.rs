//! Counselors and their free times: what the directory and the booking calendar show anyone,
//! so any open token may read it.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use sangdam_domain::UserId;
use sangdam_domain::booking::SessionKind;
use sangdam_store::{DirectoryFilter, Offering};
use serde_json::{Value, json};

use super::{ApiResult, Caller, Problem, ok, page_size, parse_time, time};
use crate::booking::{self, SlotSearch};
use crate::state::AppState;

fn offering(o: &Offering) -> Value {
    json!({
        "kind": o.kind.as_str(),
        "duration_minutes": o.duration_minutes,
        "price": { "amount": o.price.minor(), "currency": o.price.currency().code() },
    })
}

/// `GET /api/v1/counselors`: the published directory.
pub async fn list(State(state): State<AppState>, _caller: Caller) -> ApiResult {
    let found = state.store.directory(&DirectoryFilter::default()).await?;
    let data: Vec<Value> = found
        .iter()
        .map(|(u, p)| {
            json!({
                "id": u.id.as_str(),
                "display_name": u.display_name.as_str(),
                "timezone": u.timezone.as_str(),
                "languages": p.languages.iter().map(|l| l.code()).collect::<Vec<_>>(),
                "specialties": p.specialties,
                "requires_approval": p.requires_approval,
                "offerings": p.offerings.iter().map(offering).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(ok(StatusCode::OK, json!({ "data": data })))
}

/// `GET /api/v1/counselors/{id}/free-times?kind=video&from=…&limit=…`: the next free times of a
/// published counselor for a session of `kind`, from `from` (RFC 3339; now by default).
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
    let data: Vec<Value> =
        slots.iter().map(|s| json!({ "start": time(s.start.as_second()), "end": time(s.end.as_second()) })).collect();
    Ok(ok(StatusCode::OK, json!({ "data": data })))
}
