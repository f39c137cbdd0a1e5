//! The home of each role after sign-in, with its real navigation.

use askama::Template;
use axum::extract::{Query, State};
use sangdam_domain::Role;
use serde::Deserialize;

use super::render;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DashboardQuery {
    welcome: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    ctx: &'a Ctx,
    role: &'static str,
    role_message_id: &'static str,
    welcome: bool,
    two_factor: bool,
    sessions: i64,
    /// Admin figures: active users per role, mail waiting in the outbox.
    counts: Vec<(&'static str, i64)>,
    held_mail: i64,
    /// Open risk alerts (counselors: their clients'; supervisors: all): id, client, when.
    alerts: Vec<(String, String, String)>,
    /// Open crisis events the viewer may see, most urgent first.
    crises: Vec<super::crisis::Row>,
}

pub async fn dashboard(State(state): State<AppState>, ctx: Ctx, Query(q): Query<DashboardQuery>) -> AppResult {
    let v = ctx.signed_in()?;
    let sessions = state.store.list_user_sessions(&v.user.id).await?.len() as i64;
    let (counts, held_mail) = if v.user.role == Role::Admin && !ctx.needs_two_factor_enrollment() {
        let counts = state
            .store
            .count_users_by_role()
            .await?
            .into_iter()
            .map(|(r, n)| (super::signup::role_message_id(r), n))
            .collect();
        let (_, total) = state.store.list_mail(1, 0).await?;
        (counts, total)
    } else {
        (vec![], 0)
    };
    let may_see_alerts = matches!(v.user.role, Role::Counselor | Role::Supervisor)
        && ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor]).is_ok();
    let alerts = if may_see_alerts { super::questionnaires::alerts_for(&state, &ctx, &v.user).await? } else { vec![] };
    let crises = if may_see_alerts { super::crisis::open_for(&state, &ctx, &v.user).await? } else { vec![] };
    if !crises.is_empty() {
        crate::auth::audit(&state, &ctx, Some(&v.user), "crisis.list", None, "ok").await?;
    }
    render(&DashboardPage {
        ctx: &ctx,
        role: v.user.role.as_str(),
        role_message_id: super::signup::role_message_id(v.user.role),
        welcome: q.welcome.is_some(),
        two_factor: v.user.two_factor_enrolled(),
        sessions,
        counts,
        held_mail,
        alerts,
        crises,
    })
}
