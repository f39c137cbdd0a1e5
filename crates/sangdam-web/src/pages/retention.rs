//! Admins set the center's retention rules: how many years signed session notes are kept after a
//! client deletes their account, and how many days recordings are kept. Changes are audited.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use sangdam_app::settings::{self, SettingsError};
use sangdam_domain::Role;

use super::views::{render, see_other, with_status};
use crate::auth::actor_of;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::retention::{recording_days, signed_note_years};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/retention.html")]
struct Page<'a> {
    ctx: &'a Ctx,
    years: String,
    days: String,
    saved: bool,
    errors: Vec<String>,
}

pub async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> AppResult {
    ctx.client_data_viewer(&[Role::Admin])?;
    let (years, days) = (signed_note_years(&state).await?, recording_days(&state).await?);
    render(&Page {
        ctx: &ctx,
        years: years.to_string(),
        days: days.to_string(),
        saved: q.contains_key("saved"),
        errors: vec![],
    })
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Admin])?;
    let field = |k: &str| f.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let (years, days) = (field("years"), field("days"));
    // Not a whole number: out of range, so the service names the same message.
    let y = sangdam_domain::retention::parse_note_years(&years).unwrap_or(0);
    let d = sangdam_domain::retention::parse_recording_days(&days).unwrap_or(0);
    let actor = actor_of(&ctx, Some(&v.user));
    let errors = match settings::set_retention(&state.store, &state.keys, &actor, y, d).await {
        Ok(()) => return Ok(see_other("/admin/retention?saved=1")),
        Err(SettingsError::Invalid(ids)) => ids.into_iter().map(|id| ctx.t(id)).collect(),
        Err(SettingsError::Store(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::Forbidden),
    };
    with_status(StatusCode::UNPROCESSABLE_ENTITY, render(&Page { ctx: &ctx, years, days, saved: false, errors }))
}
