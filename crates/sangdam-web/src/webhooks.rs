//! Sending webhooks. An event is raised by the durable job that follows a change (so it is
//! raised if and only if the change committed, and once however often the job runs); each
//! endpoint that wants it gets a delivery, which this module's worker sends per the Standard
//! Webhooks specification: signed with every secret the endpoint has in use, 15 s to answer, only
//! a 2xx counts, 410 turns the endpoint off, `Retry-After` is honored, and failures are retried on
//! the specification's schedule with jitter. Every attempt is in the delivery log.
//!
//! A webhook never reaches a private or loopback address unless an admin allowed it for that
//! endpoint: the host is resolved here, every address checked, and the request pinned to the
//! checked address (a second DNS answer cannot point it elsewhere); redirects are not followed.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sangdam_app::Actor;
use sangdam_domain::webhooks::{TIMEOUT_SECONDS, is_private, message_id, next_attempt, secret_key, signature};
use sangdam_store::{WebhookAttempt, WebhookDelivery, WebhookEndpoint};
use tokio::sync::watch;

use crate::crypto::random;
use crate::state::AppState;
use crate::worker::Worker;

/// Raises `event_type` for every endpoint that wants it; `key` names what raised it (a job's id),
/// so raising again adds nothing. The body is thin: `{type, timestamp, data}` with ids and types.
pub async fn raise(state: &AppState, event_type: &str, key: &str, data: serde_json::Value) -> anyhow::Result<()> {
    let now = state.clock.now();
    let timestamp = jiff::Timestamp::from_second(now).map(|t| t.to_string()).unwrap_or_default();
    let body = serde_json::json!({ "type": event_type, "timestamp": timestamp, "data": data }).to_string();
    let raised = state.store.raise_webhook(key, event_type, &body, now, || message_id(random::<16>())).await?;
    if raised > 0 {
        state.webhooks_queued.notify_one();
    }
    Ok(())
}

// The event job itself is the service layer's, so that any write there can carry one.
pub use sangdam_app::webhooks::{WEBHOOK_EVENT, event_job};

/// Runs a [`event_job`]: raises its event under the job's id.
pub(crate) async fn run_event(state: &AppState, job: &sangdam_store::JobRecord) -> anyhow::Result<()> {
    let v: serde_json::Value = serde_json::from_str(&job.payload)?;
    let event_type = v["type"].as_str().ok_or_else(|| anyhow::anyhow!("a webhook event job without a type"))?;
    raise(state, event_type, &job.id, v["data"].clone()).await
}

/// The worker: sends due deliveries, four at a time, until shutdown.
pub async fn run_sender(state: AppState, shutdown: watch::Receiver<bool>) {
    let worker = Worker { wake: &state.webhooks_queued, poll: Duration::from_secs(1), parallel: 4 };
    let claim = || async {
        let now = state.clock.now();
        // A lease outlives the longest attempt (15 s) with room to spare.
        match state.store.claim_due_webhook(now, now + 60).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = ?e, "claiming a webhook delivery failed");
                None
            }
        }
    };
    let work = |d: WebhookDelivery| {
        let state = state.clone();
        async move {
            if let Err(e) = deliver(&state, &d).await {
                tracing::error!(error = ?e, "a webhook delivery failed on our side");
                let _ =
                    state.store.fail_webhook(&d.id, "internal", Some(state.clock.now() + 60), state.clock.now()).await;
            }
        }
    };
    worker.run(shutdown, claim, work).await;
}

/// How one attempt went.
struct Outcome {
    status: Option<u16>,
    error: Option<&'static str>,
    retry_after: Option<i64>,
}

/// One attempt of a claimed delivery, and what follows from its answer.
async fn deliver(state: &AppState, d: &WebhookDelivery) -> anyhow::Result<()> {
    let now = state.clock.now();
    let Some(endpoint) = state.store.webhook_endpoint(&d.endpoint_id).await? else { return Ok(()) };
    if endpoint.disabled_at.is_some() {
        state.store.fail_webhook(&d.id, "endpoint-disabled", None, now).await?;
        return Ok(());
    }
    let mut keys = Vec::new();
    for s in state.store.webhook_secrets(&endpoint.id, now).await? {
        let opened = state.keys.open_at(&sangdam_store::sealed::WEBHOOK_SECRET, &[&s.id], &s.secret)?;
        keys.extend(secret_key(&String::from_utf8_lossy(&opened)));
    }
    let started = Instant::now();
    let outcome = attempt(&endpoint, d, &keys, now).await;
    let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let log = WebhookAttempt {
        attempt: d.attempts,
        at: now,
        status: outcome.status.map(i64::from),
        error: outcome.error.map(str::to_owned),
        millis,
    };
    state.store.record_webhook_attempt(&d.id, &log).await?;
    let done = state.clock.now();
    match outcome.status {
        Some(s) if (200..300).contains(&s) => state.store.finish_webhook(&d.id, done).await?,
        Some(410) => {
            // The receiver says the endpoint is gone for good: it is turned off, and the admins
            // see why.
            let effects = sangdam_app::audit::audited(
                &state.keys,
                &Actor::the_product(done),
                "webhook.gone",
                Some(format!("webhook:{}", endpoint.id)),
                "disabled",
            );
            state.store.set_webhook_disabled(&endpoint.id, Some("gone"), done, &effects).await?;
            state.store.fail_webhook(&d.id, "http-410", None, done).await?;
        }
        _ => {
            let jitter = f64::from(u32::from_le_bytes(random::<4>())) / (f64::from(u32::MAX) + 1.0);
            let retry_at = next_attempt(d.attempts_this_round(), done, jitter, outcome.retry_after);
            let error = match outcome.status {
                Some(s) => format!("http-{s}"),
                None => outcome.error.unwrap_or("failed").to_owned(),
            };
            state.store.fail_webhook(&d.id, &error, retry_at, done).await?;
        }
    }
    Ok(())
}

/// Sends the delivery once to the endpoint's address, pinned to an address that was checked.
async fn attempt(endpoint: &WebhookEndpoint, d: &WebhookDelivery, keys: &[Vec<u8>], now: i64) -> Outcome {
    let failed = |error| Outcome { status: None, error: Some(error), retry_after: None };
    let Ok(url) = reqwest::Url::parse(&endpoint.url) else { return failed("url") };
    let (Some(host), Some(port)) = (url.host_str().map(str::to_owned), url.port_or_known_default()) else {
        return failed("url");
    };
    let lookup = tokio::time::timeout(Duration::from_secs(5), tokio::net::lookup_host((host.as_str(), port))).await;
    let addresses: Vec<SocketAddr> = match lookup {
        Ok(Ok(found)) => found.collect(),
        _ => return failed("dns"),
    };
    // Every address the name has must be allowed, or none is used.
    if addresses.is_empty() || (!endpoint.allow_private && addresses.iter().any(|a| is_private(a.ip()))) {
        return failed("private-address");
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(TIMEOUT_SECONDS))
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, addresses[0])
        .user_agent("Sangdam-Webhooks/1")
        .build();
    let Ok(client) = client else { return failed("client") };
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature(keys, &d.id, now, &d.payload))
        .body(d.payload.clone())
        .send()
        .await;
    match sent {
        Ok(r) => Outcome {
            status: Some(r.status().as_u16()),
            error: None,
            retry_after: r
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok()),
        },
        Err(e) if e.is_timeout() => failed("timeout"),
        Err(e) if e.is_connect() => failed("connect"),
        Err(_) => failed("request"),
    }
}
