//! Webhook endpoints as a center manages them, written once for the admin pages and the API:
//! add one (its secret made here and shown once), replace its secret, delete it. Each change
//! commits with its audit entry.

use sangdam_domain::webhooks::{MAX_ENDPOINTS, ROTATION_OVERLAP_SECONDS, check_endpoint, new_secret};
use sangdam_store::{Store, StoreError, WebhookEndpoint, WebhookSecret};

use crate::audit::{Actor, audited};
use crate::crypto::{Keys, random};

pub const WEBHOOK_EVENT: &str = "webhook-event";

/// A write's webhook event, as a job that commits with the write (`Effects::with_job`): the event
/// is raised if and only if the write committed, once however often the job runs.
pub fn event_job(event_type: &str, data: serde_json::Value, now: i64) -> sangdam_store::NewJob {
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    sangdam_store::NewJob {
        key: format!("webhook:{id}"),
        id,
        kind: WEBHOOK_EVENT.to_owned(),
        payload: serde_json::json!({ "type": event_type, "data": data }).to_string(),
        run_at: now,
    }
}

/// An endpoint as asked for.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub allow_private: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// `(field, message id)` for each thing wrong.
    #[error("invalid endpoint")]
    Invalid(Vec<(&'static str, &'static str)>),
    /// The center has [`MAX_ENDPOINTS`] already.
    #[error("too many endpoints")]
    TooMany,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new secret: its text (to show once) and the row that keeps it sealed.
fn secret(keys: &Keys, now: i64) -> (String, WebhookSecret) {
    let text = new_secret(random::<32>());
    let id = sangdam_domain::ids::encode_random(&random::<10>());
    let sealed = keys.seal_at(&sangdam_store::sealed::WEBHOOK_SECRET, &[&id], text.as_bytes());
    (text, WebhookSecret { id, secret: sealed, created_at: now, expires_at: None })
}

/// Adds an endpoint for `actor` (an admin); the endpoint and its secret, to show once.
pub async fn create_endpoint(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    new: NewEndpoint,
) -> Result<(WebhookEndpoint, String), WebhookError> {
    let url = new.url.trim().to_owned();
    let description = new.description.trim().to_owned();
    let errors = check_endpoint(&url, &description, &new.events, new.allow_private);
    if !errors.is_empty() {
        return Err(WebhookError::Invalid(errors));
    }
    let Some((by, _)) = &actor.user else { return Err(WebhookError::NotFound) };
    let mut events = new.events;
    events.sort();
    events.dedup();
    let id = sangdam_domain::ids::encode_random(&random::<10>());
    let endpoint = WebhookEndpoint {
        id: id.clone(),
        url,
        description,
        events,
        allow_private: new.allow_private,
        created_by: by.clone(),
        created_at: actor.at,
        disabled_at: None,
        disabled_reason: None,
    };
    let (text, row) = secret(keys, actor.at);
    let effects = audited(keys, actor, "webhook.create", Some(format!("webhook:{id}")), "ok");
    if !store.create_webhook_endpoint(&endpoint, &row, MAX_ENDPOINTS, &effects).await? {
        return Err(WebhookError::TooMany);
    }
    Ok((endpoint, text))
}

/// Replaces an endpoint's secret; the ones in use keep signing beside it for a day. The new
/// secret, to show once.
pub async fn rotate_secret(store: &Store, keys: &Keys, actor: &Actor, id: &str) -> Result<String, WebhookError> {
    let (text, row) = secret(keys, actor.at);
    let effects = audited(keys, actor, "webhook.rotate", Some(format!("webhook:{id}")), "ok");
    if !store.rotate_webhook_secret(id, &row, actor.at + ROTATION_OVERLAP_SECONDS, &effects).await? {
        return Err(WebhookError::NotFound);
    }
    Ok(text)
}

/// Deletes an endpoint with its secrets and delivery log.
pub async fn delete_endpoint(store: &Store, keys: &Keys, actor: &Actor, id: &str) -> Result<(), WebhookError> {
    let effects = audited(keys, actor, "webhook.delete", Some(format!("webhook:{id}")), "ok");
    if !store.delete_webhook_endpoint(id, actor.at, &effects).await? {
        return Err(WebhookError::NotFound);
    }
    Ok(())
}
