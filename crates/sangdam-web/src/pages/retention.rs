//! Admins set the center's retention rules: how many years signed session notes are kept after a
//! client deletes their account, and how many days recordings are kept. Changes are audited.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use sangdam_domain::Role;

use super::views::{render, see_other, with_status};
use crate::auth::audit;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::forms::FormData;
use crate::retention::{RECORDING_DAYS, SIGNED_NOTE_YEARS, recording_days, signed_note_years};
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
    let y = sangdam_domain::retention::parse_note_years(&years);
    let d = sangdam_domain::retention::parse_recording_days(&days);
    let mut errors = Vec::new();
    if y.is_none() {
        errors.push(ctx.t("error-retention-years"));
    }
    if d.is_none() {
        errors.push(ctx.t("error-retention-days"));
    }
    let (Some(y), Some(d)) = (y, d) else {
        return with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&Page { ctx: &ctx, years, days, saved: false, errors }),
        );
    };
    state.store.set_center_setting(SIGNED_NOTE_YEARS, y, &v.user.id, ctx.now).await?;
    state.store.set_center_setting(RECORDING_DAYS, d, &v.user.id, ctx.now).await?;
    audit(&state, &ctx, Some(&v.user), "admin.retention", Some(format!("notes:{y}y,recordings:{d}d")), "ok").await?;
    Ok(see_other("/admin/retention?saved=1"))
}
