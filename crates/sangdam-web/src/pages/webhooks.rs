//! The admin pages of outgoing webhooks: add an endpoint (its secret shown once), see its
//! deliveries and every attempt, send one again, replace the secret (the old one keeps signing
//! for a day), turn the endpoint off and on, delete it. Every change is audited with it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sangdam_app::webhooks::{NewEndpoint, WebhookError};
use sangdam_domain::Role;
use sangdam_domain::webhooks::{EVENTS, MAX_DESCRIPTION_CHARS, MAX_ENDPOINTS, MAX_URL_CHARS};
use sangdam_store::{UserRecord, WebhookEndpoint};

use super::views::{render, see_other, with_status};
use crate::auth::audited;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;

/// Deliveries the endpoint's page lists, newest first.
const LISTED: i64 = 50;

fn admin(ctx: &Ctx) -> Result<&UserRecord, AppError> {
    Ok(&ctx.client_data_viewer(&[Role::Admin])?.user)
}

pub struct EndpointView {
    pub id: String,
    pub url: String,
    /// The address's host, which the list shows (a whole address does not fit a phone's row).
    pub host: String,
    pub description: String,
    pub events: String,
    pub state: String,
    pub enabled: bool,
    pub created: String,
}

fn endpoint_view(ctx: &Ctx, e: &WebhookEndpoint) -> EndpointView {
    let state = match e.disabled_reason.as_deref() {
        None => "webhooks-state-on",
        Some("gone") => "webhooks-state-gone",
        Some(_) => "webhooks-state-off",
    };
    EndpointView {
        id: e.id.clone(),
        url: e.url.clone(),
        host: reqwest::Url::parse(&e.url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default(),
        description: e.description.clone(),
        events: e.events.join(", "),
        state: ctx.t(state),
        enabled: e.disabled_at.is_none(),
        created: ctx.time(e.created_at),
    }
}

pub struct EventChoice {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    endpoints: Vec<EndpointView>,
    url: String,
    description: String,
    events: Vec<EventChoice>,
    allow_private: bool,
    errors: Vec<String>,
    max_url: usize,
    max_description: usize,
}

struct Form {
    url: String,
    description: String,
    events: Vec<String>,
    allow_private: bool,
}

async fn list_page(state: &AppState, ctx: &Ctx, f: Form, errors: Vec<String>) -> AppResult {
    let endpoints = state.store.webhook_endpoints().await?;
    render(&ListPage {
        ctx,
        endpoints: endpoints.iter().map(|e| endpoint_view(ctx, e)).collect(),
        url: f.url,
        description: f.description,
        events: EVENTS
            .iter()
            .map(|e| EventChoice {
                value: e,
                label: ctx.label("webhooks-event-", e),
                checked: f.events.iter().any(|x| x == e),
            })
            .collect(),
        allow_private: f.allow_private,
        errors,
        max_url: MAX_URL_CHARS,
        max_description: MAX_DESCRIPTION_CHARS,
    })
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    admin(&ctx)?;
    let blank = Form { url: String::new(), description: String::new(), events: vec![], allow_private: false };
    list_page(&state, &ctx, blank, vec![]).await
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    FormData(fields): FormData<Vec<(String, String)>>,
) -> AppResult {
    let me = admin(&ctx)?;
    let field =
        |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let f = Form {
        url: field("url"),
        description: field("description"),
        events: fields.iter().filter(|(k, _)| k == "event").map(|(_, v)| v.clone()).take(32).collect(),
        allow_private: field("allow_private") == "on",
    };
    let new = NewEndpoint {
        url: f.url.clone(),
        description: f.description.clone(),
        events: f.events.clone(),
        allow_private: f.allow_private,
    };
    let actor = crate::auth::actor_of(&ctx, Some(me));
    match sangdam_app::webhooks::create_endpoint(&state.store, &state.keys, &actor, new).await {
        Ok((endpoint, secret)) => {
            with_status(StatusCode::CREATED, detail_page(&state, &ctx, &endpoint, Some(secret)).await)
        }
        Err(WebhookError::Invalid(errors)) => {
            let errors = errors
                .iter()
                .map(|(_, code)| match *code {
                    "error-webhook-description" => ctx.tn(code, "max", MAX_DESCRIPTION_CHARS as i64),
                    _ => ctx.t(code),
                })
                .collect();
            with_status(StatusCode::UNPROCESSABLE_ENTITY, list_page(&state, &ctx, f, errors).await)
        }
        Err(WebhookError::TooMany) => {
            let errors = vec![ctx.tn("error-webhook-too-many", "max", MAX_ENDPOINTS as i64)];
            with_status(StatusCode::CONFLICT, list_page(&state, &ctx, f, errors).await)
        }
        Err(WebhookError::NotFound) => Err(AppError::NotFound),
        Err(WebhookError::Store(e)) => Err(e.into()),
    }
}

pub struct DeliveryView {
    pub id: String,
    pub event: String,
    pub created: String,
    pub status: String,
    pub attempts: i64,
    pub next: String,
    pub last: String,
    pub replayable: bool,
    pub log: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
struct DetailPage<'a> {
    ctx: &'a Ctx,
    e: EndpointView,
    secrets: Vec<(String, String)>,
    deliveries: Vec<DeliveryView>,
    /// A new secret, shown this once.
    secret: Option<String>,
}

async fn detail_page(state: &AppState, ctx: &Ctx, e: &WebhookEndpoint, secret: Option<String>) -> AppResult {
    let secrets = state
        .store
        .webhook_secrets(&e.id, ctx.now)
        .await?
        .iter()
        .map(|s| {
            (ctx.time(s.created_at), s.expires_at.map_or_else(|| ctx.t("webhooks-secret-current"), |t| ctx.time(t)))
        })
        .collect();
    let mut deliveries = Vec::new();
    for d in state.store.webhook_deliveries(&e.id, LISTED).await? {
        let attempts = state.store.webhook_attempts(&d.id).await?;
        let log = attempts
            .iter()
            .map(|a| {
                let what = match (a.status, a.error.as_deref()) {
                    (Some(s), _) => format!("HTTP {s}"),
                    (None, Some(e)) => error_label(ctx, e),
                    (None, None) => "—".to_owned(),
                };
                format!("#{} {} · {} · {} ms", a.attempt, ctx.time(a.at), what, a.millis)
            })
            .collect();
        let waiting =
            matches!(d.status, sangdam_store::DeliveryStatus::Pending | sangdam_store::DeliveryStatus::Sending);
        deliveries.push(DeliveryView {
            id: d.id.clone(),
            event: d.event_type.clone(),
            created: ctx.time(d.created_at),
            status: ctx.t(&format!("webhooks-delivery-{}", d.status.as_str())),
            attempts: d.attempts,
            next: if waiting { ctx.time(d.next_attempt_at) } else { "—".to_owned() },
            last: d.last_error.as_deref().map_or_else(String::new, |e| error_label(ctx, e)),
            replayable: !waiting,
            log,
        });
    }
    render(&DetailPage { ctx, e: endpoint_view(ctx, e), secrets, deliveries, secret })
}

/// What went wrong with an attempt, for the admin: `HTTP 503`, or the reason in words.
fn error_label(ctx: &Ctx, code: &str) -> String {
    match code.strip_prefix("http-") {
        Some(status) => format!("HTTP {status}"),
        None => ctx.label("webhooks-error-", code),
    }
}

async fn endpoint(state: &AppState, id: &str) -> Result<WebhookEndpoint, AppError> {
    state.store.webhook_endpoint(id).await?.ok_or(AppError::NotFound)
}

pub async fn detail(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    admin(&ctx)?;
    let e = endpoint(&state, &id).await?;
    detail_page(&state, &ctx, &e, None).await
}

pub async fn rotate(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let me = admin(&ctx)?;
    let e = endpoint(&state, &id).await?;
    let actor = crate::auth::actor_of(&ctx, Some(me));
    let text = sangdam_app::webhooks::rotate_secret(&state.store, &state.keys, &actor, &id)
        .await
        .map_err(|_| AppError::NotFound)?;
    detail_page(&state, &ctx, &e, Some(text)).await
}

async fn switch(state: &AppState, ctx: &Ctx, id: &str, off: bool) -> AppResult {
    let me = admin(ctx)?;
    endpoint(state, id).await?;
    let action = if off { "webhook.disable" } else { "webhook.enable" };
    let effects = audited(state, ctx, Some(me), action, Some(format!("webhook:{id}")), "ok");
    state.store.set_webhook_disabled(id, off.then_some("admin"), ctx.now, &effects).await?;
    Ok(see_other(&format!("/admin/webhooks/{id}")))
}

pub async fn disable(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    switch(&state, &ctx, &id, true).await
}

pub async fn enable(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    switch(&state, &ctx, &id, false).await
}

pub async fn delete(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let me = admin(&ctx)?;
    let actor = crate::auth::actor_of(&ctx, Some(me));
    match sangdam_app::webhooks::delete_endpoint(&state.store, &state.keys, &actor, &id).await {
        Ok(()) => Ok(see_other("/admin/webhooks")),
        Err(WebhookError::Store(e)) => Err(e.into()),
        Err(_) => Err(AppError::NotFound),
    }
}

pub async fn replay(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, delivery)): Path<(String, String)>,
) -> AppResult {
    let me = admin(&ctx)?;
    let effects = audited(&state, &ctx, Some(me), "webhook.replay", Some(format!("webhook:{id}")), "ok");
    if !state.store.replay_webhook(&id, &delivery, ctx.now, &effects).await? {
        return Err(AppError::Conflict("error-webhook-replay"));
    }
    state.webhooks_queued.notify_one();
    Ok(see_other(&format!("/admin/webhooks/{id}")))
}
