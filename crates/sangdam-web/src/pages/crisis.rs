//! Crisis events for staff: the list (supervisors: every open event; counselors: those they may
//! see, see `access::may_see_crisis`), one event with its place, the structured risk check, and
//! closing it with an outcome. Every list, view, check and close is audited; a refusal answers
//! "not found".

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sangdam_domain::Role;
use sangdam_domain::crisis::RiskCheck;
use sangdam_store::{CrisisRecord, UserRecord};

use super::views::crisis::{Row, open_check, open_for, row};
use super::views::{render, see_other, with_status};
use crate::auth::{audit, audited};
use crate::crisis::{Place, Source, place_of};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "crisis/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    events: Vec<Row>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?;
    let events = open_for(&state, &ctx, &v.user).await?;
    audit(&state, &ctx, Some(&v.user), "crisis.list", None, "ok").await?;
    render(&ListPage { ctx: &ctx, events })
}

#[derive(Template)]
#[template(path = "crisis/event.html")]
struct EventPage<'a> {
    ctx: &'a Ctx,
    ev: Row,
    check: Option<RiskCheck>,
    checked_by: Option<String>,
    closed: Option<String>,
    /// The form as sent, when it came back with an error.
    form: HashMap<String, String>,
    actions: Vec<String>,
    errors: Vec<String>,
    saved: bool,
    outcomes: &'static [&'static str],
    /// Whether this viewer may close the event (see `access::may_close_crisis`).
    may_close: bool,
}

impl EventPage<'_> {
    fn chosen(&self, field: &str, value: &str) -> bool {
        match self.form.get(field) {
            Some(v) => v == value,
            None => self.check.as_ref().is_some_and(|c| {
                let have = match field {
                    "ideation" => &c.ideation,
                    "plan" => &c.plan,
                    "means" => &c.means,
                    "attempts" => &c.attempts,
                    "timing" => &c.timing,
                    _ => return false,
                };
                have == value
            }),
        }
    }
    fn acted(&self, action: &str) -> bool {
        if self.form.is_empty() {
            self.check.as_ref().is_some_and(|c| c.actions.iter().any(|a| a == action))
        } else {
            self.actions.iter().any(|a| a == action)
        }
    }
    fn protective(&self) -> String {
        self.form
            .get("protective")
            .cloned()
            .or_else(|| self.check.as_ref().map(|c| c.protective.clone()))
            .unwrap_or_default()
    }
}

/// The event, when the viewer may see it; a refusal is audited and answered "not found".
async fn event_for(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    action: &str,
) -> Result<(UserRecord, CrisisRecord, Place), AppError> {
    let v = ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?;
    let Some(e) = state.store.crisis_event(id).await? else { return Err(AppError::NotFound) };
    let place = place_of(state, &e)?;
    if !crate::access::may_see_crisis(state, &v.user, &place).await? {
        audit(state, ctx, Some(&v.user), action, Some(format!("crisis:{id}")), "denied").await?;
        return Err(AppError::NotFound);
    }
    Ok((v.user.clone(), e, place))
}

/// The risk check as sent, when it comes back with an error: its choices and its actions.
#[derive(Default)]
struct Sent {
    form: HashMap<String, String>,
    actions: Vec<String>,
}

async fn event_page(
    state: &AppState,
    ctx: &Ctx,
    e: &CrisisRecord,
    place: &Place,
    sent: Sent,
    errors: Vec<String>,
    saved: bool,
) -> AppResult {
    let Sent { form, actions } = sent;
    let viewer = &ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?.user;
    let may_close = crate::access::may_close_crisis(state, viewer, place).await?;
    let check = open_check(state, e)?;
    let checked_by = match e.assessed_at {
        Some(at) => {
            let name = match &e.assessed_by {
                Some(id) => state.store.user_by_id(id).await?.map(|u| u.display_name.to_string()).unwrap_or_default(),
                None => String::new(),
            };
            let mut args = fluent_bundle::FluentArgs::new();
            args.set("name", name);
            args.set("at", ctx.time(at));
            Some(ctx.t_args("crisis-check-by", &args))
        }
        None => None,
    };
    let closed = match (e.closed_at, &e.outcome) {
        (Some(at), Some(o)) => {
            let mut args = fluent_bundle::FluentArgs::new();
            args.set("outcome", ctx.t(&format!("crisis-outcome-{o}")));
            args.set("at", ctx.time(at));
            Some(ctx.t_args("crisis-closed", &args))
        }
        _ => None,
    };
    let page = EventPage {
        ctx,
        ev: row(state, ctx, viewer, e, place).await?,
        check,
        checked_by,
        closed,
        form,
        actions,
        errors: errors.iter().map(|id| ctx.t(id)).collect(),
        saved,
        outcomes: sangdam_store::CRISIS_OUTCOMES,
        may_close,
    };
    if errors.is_empty() { render(&page) } else { with_status(StatusCode::UNPROCESSABLE_ENTITY, render(&page)) }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Saved>,
) -> AppResult {
    let (user, e, place) = event_for(&state, &ctx, &id, "crisis.read").await?;
    audit(&state, &ctx, Some(&user), "crisis.read", Some(format!("crisis:{id}")), "ok").await?;
    event_page(&state, &ctx, &e, &place, Sent::default(), vec![], q.saved.is_some()).await
}

/// Saves the risk check (sealed), with its audit entry in the same transaction.
pub async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> AppResult {
    let (user, e, place) = event_for(&state, &ctx, &id, "crisis.assess").await?;
    let mut form = HashMap::new();
    let mut actions = Vec::new();
    for (k, v) in pairs {
        if k == "action" {
            if actions.len() < 8 {
                actions.push(v);
            }
        } else if let std::collections::hash_map::Entry::Vacant(slot) = form.entry(k) {
            // A line break from a browser is `\r\n`; a field far over any limit is cut and refused
            // below as too long, never saved empty.
            let v = v.replace("\r\n", "\n");
            let v = if v.len() > 16 * 1024 {
                v.chars().take(sangdam_domain::crisis::MAX_PROTECTIVE_CHARS + 1).collect()
            } else {
                v
            };
            slot.insert(v);
        }
    }
    let get = |k: &str| form.get(k).map_or("", String::as_str);
    let checked = RiskCheck::new(
        get("ideation"),
        get("plan"),
        get("means"),
        get("attempts"),
        get("timing"),
        get("protective"),
        &actions,
    );
    let c = match checked {
        Ok(c) => c,
        Err(message) => {
            return event_page(&state, &ctx, &e, &place, Sent { form, actions }, vec![message.to_owned()], false).await;
        }
    };
    let sealed = state.keys.seal_at(
        &sangdam_store::sealed::CRISIS_ASSESSMENT,
        &[&id],
        &serde_json::to_vec(&c).map_err(|e| AppError::Internal(e.into()))?,
    );
    let effects = audited(&state, &ctx, Some(&user), "crisis.assess", Some(format!("crisis:{id}")), "ok");
    if !state.store.assess_crisis(&id, &sealed, &user.id, ctx.now, &effects).await? {
        return event_page(
            &state,
            &ctx,
            &e,
            &place,
            Sent { form, actions },
            vec!["error-crisis-closed".to_owned()],
            false,
        )
        .await;
    }
    Ok(see_other(&format!("/center/crisis/{id}?saved=1")))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CloseForm {
    outcome: String,
}

/// Closes the event with an outcome; it leaves the dashboards.
pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    crate::forms::FormData(f): crate::forms::FormData<CloseForm>,
) -> AppResult {
    let (user, e, place) = event_for(&state, &ctx, &id, "crisis.close").await?;
    if !crate::access::may_close_crisis(&state, &user, &place).await? {
        audit(&state, &ctx, Some(&user), "crisis.close", Some(format!("crisis:{id}")), "denied").await?;
        return Err(AppError::Forbidden);
    }
    if !sangdam_store::CRISIS_OUTCOMES.contains(&f.outcome.as_str()) {
        return event_page(&state, &ctx, &e, &place, Sent::default(), vec!["error-crisis-outcome".to_owned()], false)
            .await;
    }
    let effects = audited(&state, &ctx, Some(&user), "crisis.close", Some(format!("crisis:{id}")), &f.outcome);
    let chat = (place.source == Source::Chat).then_some(place.id.as_str());
    if !state.store.close_crisis(&id, &f.outcome, &user.id, ctx.now, chat, &effects).await? {
        return event_page(&state, &ctx, &e, &place, Sent::default(), vec!["error-crisis-closed".to_owned()], false)
            .await;
    }
    Ok(see_other("/center/crisis"))
}
