//! `Idempotency-Key` on POST, with Stripe's semantics: the first request with a key runs and its
//! answer (success or refusal) is stored for 24 hours; the same key with the same request (method,
//! path and body) gets the stored answer again, marked `Idempotent-Replayed: true`; the same key
//! with a different request is refused (422), and while the first is still running a second one
//! is refused (409) rather than run twice. A failure on our side (5xx) stores nothing, so a retry
//! runs again. Keys are per token.
//!
//! A process killed after the operation committed and before its answer was stored leaves the
//! key held; after `IDEMPOTENCY_LEASE_SECONDS` a retry runs again, and the operation itself then
//! answers from the appointment's state (already cancelled: 409), so nothing happens twice.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use sangdam_domain::api::{IDEMPOTENCY_SECONDS, MAX_BODY_BYTES, valid_idempotency_key};
use sangdam_store::Idempotent;
use sha2::{Digest, Sha256};

use super::{Caller, Problem, finish, read_body};
use crate::state::AppState;

/// Runs `req` under its key (`None`: the header was not text).
pub(super) async fn run(state: &AppState, caller: &Caller, key: Option<String>, req: Request, next: Next) -> Response {
    let tr = &caller.ctx.tr;
    let Some(key) = key.filter(|k| valid_idempotency_key(k)) else {
        return Problem::new(StatusCode::BAD_REQUEST, "error-api-idempotency-key").render(tr);
    };
    let (parts, body) = req.into_parts();
    let bytes = match read_body(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(p) => return p.render(tr),
    };
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str().as_bytes());
    hash.update(b" ");
    hash.update(parts.uri.path_and_query().map_or("", |p| p.as_str()).as_bytes());
    hash.update(b"\n");
    hash.update(&bytes);
    let fingerprint = data_encoding::HEXLOWER.encode(&hash.finalize());
    let token = &caller.token.id;
    let now = caller.ctx.now;
    match state.store.begin_idempotent(token, &key, &fingerprint, now, IDEMPOTENCY_SECONDS).await {
        Err(e) => Problem::internal(e).render(tr),
        Ok(Idempotent::Mismatch) => {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "error-api-idempotency-mismatch").render(tr)
        }
        Ok(Idempotent::Running) => Problem::new(StatusCode::CONFLICT, "error-api-idempotency-running").render(tr),
        Ok(Idempotent::Replay { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let kind = if status.is_success() { "application/json" } else { "application/problem+json" };
            let mut r = Response::new(Body::from(body));
            *r.status_mut() = status;
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
            r.headers_mut().insert(HeaderName::from_static("idempotent-replayed"), HeaderValue::from_static("true"));
            r
        }
        Ok(Idempotent::Run) => {
            let r = finish(next.run(Request::from_parts(parts, Body::from(bytes))).await, tr);
            let (parts, body) = r.into_parts();
            // Our own answers are small JSON documents.
            let Ok(body) = axum::body::to_bytes(body, 1024 * 1024).await else {
                let _ = state.store.release_idempotent(token, &key).await;
                return Problem::internal(anyhow::anyhow!("an API answer could not be read")).render(tr);
            };
            let stored = if parts.status.is_server_error() {
                state.store.release_idempotent(token, &key).await
            } else {
                let text = String::from_utf8_lossy(&body);
                state.store.finish_idempotent(token, &key, parts.status.as_u16(), &text).await
            };
            if let Err(e) = stored {
                tracing::error!(error = ?e, "storing an idempotent answer failed");
            }
            Response::from_parts(parts, Body::from(body))
        }
    }
}
