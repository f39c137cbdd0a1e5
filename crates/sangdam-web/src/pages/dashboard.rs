//! The home of each role after sign-in, with its real navigation.

use askama::Template;
use axum::extract::{Query, State};
use sangdam_domain::Role;
use sangdam_domain::routing::{ChatStatus, Status};
use serde::Deserialize;

use super::views::render;
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
    crises: Vec<super::views::crisis::Row>,
    /// A client's next session (with its join button when the room is open), unread messages
    /// and questionnaires or forms waiting for answers.
    next: Option<super::views::appointments::AppointmentView>,
    unread: i64,
    open_forms: usize,
    room_opens_minutes: u32,
    /// A counselor's sessions today, in their time zone: when, client, kind, appointment id,
    /// whether the room is open.
    today: Vec<(String, String, String, String, bool)>,
    /// A supervisor's center at a glance: chats waiting (and how many at high risk), chats open,
    /// counselors available and on a break.
    center: Option<CenterGlance>,
}

struct CenterGlance {
    waiting: usize,
    waiting_high: usize,
    open: usize,
    available: usize,
    on_break: usize,
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
            .map(|(r, n)| (super::views::role_message_id(r), n))
            .collect();
        let (_, total) = state.store.list_mail(1, 0).await?;
        (counts, total)
    } else {
        (vec![], 0)
    };
    let may_see_alerts = matches!(v.user.role, Role::Counselor | Role::Supervisor)
        && ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor]).is_ok();
    let alerts =
        if may_see_alerts { super::views::questionnaires::alerts_for(&state, &ctx, &v.user).await? } else { vec![] };
    let crises = if may_see_alerts { super::views::crisis::open_for(&state, &ctx, &v.user).await? } else { vec![] };
    if !crises.is_empty() {
        crate::auth::audit(&state, &ctx, Some(&v.user), "crisis.list", None, "ok").await?;
    }
    let (mut next, mut unread, mut open_forms, mut today) = (None, 0, 0, Vec::new());
    let mut center = None;
    if v.user.role == Role::Supervisor && may_see_alerts {
        let waiting = state.store.chats_in(&[ChatStatus::Queued, ChatStatus::Offered], 10_000).await?;
        let open = state.store.chats_in(&[ChatStatus::Active], 10_000).await?.len();
        let agents = state.store.agents().await?;
        center = Some(CenterGlance {
            waiting: waiting.len(),
            waiting_high: waiting.iter().filter(|c| c.risk >= 2).count(),
            open,
            available: agents.iter().filter(|a| a.status == Status::Available).count(),
            on_break: agents.iter().filter(|a| a.status == Status::Break).count(),
        });
    }
    if v.user.role == Role::Client {
        let upcoming = state.store.client_appointments(&v.user.id, ctx.now, true).await?;
        if let Some(a) = upcoming.iter().find(|a| a.status.holds_time()) {
            next = Some(super::views::appointments::view(&state, &ctx, a).await?);
        }
        unread = state.store.threads_of(&v.user.id).await?.iter().map(|(_, n, _)| n).sum();
        open_forms = state.store.open_form_requests(&v.user.id).await?.len();
    } else if v.user.role == Role::Counselor && ctx.client_data_viewer(&[Role::Counselor]).is_ok() {
        // Today from midnight to midnight where the counselor is.
        let zone = jiff::tz::TimeZone::get(v.user.timezone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC);
        let day = jiff::Timestamp::from_second(ctx.now).unwrap_or_default().to_zoned(zone.clone()).date();
        let bound = |d: jiff::civil::Date| d.to_zoned(zone.clone()).map_or(ctx.now, |z| z.timestamp().as_second());
        let (from, to) = (bound(day), bound(day.tomorrow().unwrap_or(day)));
        for a in state.store.counselor_appointments(&v.user.id, from, to, true).await? {
            let client = state.store.user_by_id(&a.client_id).await?;
            today.push((
                ctx.time(a.starts_at),
                client.map(|c| c.display_name.to_string()).unwrap_or_default(),
                ctx.t(a.kind.message_id()),
                a.id.clone(),
                super::views::room_open(&state, &a, ctx.now),
            ));
        }
        if !today.is_empty() {
            crate::auth::audit(&state, &ctx, Some(&v.user), "appointments.read", None, "ok").await?;
        }
    }
    render(&DashboardPage {
        ctx: &ctx,
        role: v.user.role.as_str(),
        role_message_id: super::views::role_message_id(v.user.role),
        welcome: q.welcome.is_some(),
        two_factor: v.user.two_factor_enrolled(),
        sessions,
        counts,
        held_mail,
        alerts,
        crises,
        next,
        unread,
        open_forms,
        room_opens_minutes: state.config.room_opens_minutes,
        today,
        center,
    })
}
