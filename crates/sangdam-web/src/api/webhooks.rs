//! Webhook endpoints through the API (scope `webhooks:manage`, held by admins' tokens): the same
//! service operations as the admin pages.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sangdam_app::webhooks::{NewEndpoint, WebhookError};
use sangdam_domain::api::Scope;
use sangdam_domain::webhooks::MAX_ENDPOINTS;
use sangdam_store::WebhookEndpoint;

use super::schema::{NewWebhookBody, ProblemDoc, WebhookCreated, WebhookEndpointDoc, WebhookList};
use super::{ApiResult, Caller, Problem, body, ok, time};
use crate::state::AppState;

fn view(e: &WebhookEndpoint) -> WebhookEndpointDoc {
    WebhookEndpointDoc {
        id: e.id.clone(),
        url: e.url.clone(),
        description: e.description.clone(),
        events: e.events.clone(),
        allow_private: e.allow_private,
        enabled: e.disabled_at.is_none(),
        disabled_reason: e.disabled_reason.clone(),
        created_at: time(e.created_at),
    }
}

impl From<WebhookError> for Problem {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::Invalid(errors) => errors
                .into_iter()
                .fold(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "error-api-invalid"), |p, (f, c)| {
                    p.field(f, c).arg("max", sangdam_domain::webhooks::MAX_DESCRIPTION_CHARS)
                }),
            WebhookError::TooMany => {
                Problem::new(StatusCode::CONFLICT, "error-webhook-too-many").arg("max", MAX_ENDPOINTS)
            }
            WebhookError::NotFound => Problem::new(StatusCode::NOT_FOUND, "error-api-not-found"),
            WebhookError::Store(e) => e.into(),
        }
    }
}

/// Every endpoint of the center.
#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "list_webhooks", tag = "webhooks",
    responses(
        (status = 200, description = "Done", body = WebhookList),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["webhooks:manage"])))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult {
    caller.require(Scope::WebhooksManage)?;
    let all = state.store.webhook_endpoints().await?;
    Ok(ok(StatusCode::OK, &WebhookList { data: all.iter().map(view).collect() }))
}

/// Adds an endpoint; the answer holds its signing secret, this once.
#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "create_webhook", tag = "webhooks", request_body = NewWebhookBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters")),
    responses(
        (status = 201, description = "Added", body = WebhookCreated),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The center has the most endpoints it may have", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["webhooks:manage"])))]
pub async fn create(State(state): State<AppState>, caller: Caller, raw: Bytes) -> ApiResult {
    caller.require(Scope::WebhooksManage)?;
    let b: NewWebhookBody = body(&raw)?;
    let new = NewEndpoint { url: b.url, description: b.description, events: b.events, allow_private: b.allow_private };
    let (endpoint, secret) =
        sangdam_app::webhooks::create_endpoint(&state.store, &state.keys, &caller.actor(), new).await?;
    Ok(ok(StatusCode::CREATED, &WebhookCreated { data: view(&endpoint), secret }))
}

/// Deletes an endpoint with its delivery log.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", operation_id = "delete_webhook", tag = "webhooks",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to this token", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["webhooks:manage"])))]
pub async fn delete(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.require(Scope::WebhooksManage)?;
    sangdam_app::webhooks::delete_endpoint(&state.store, &state.keys, &caller.actor(), &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
