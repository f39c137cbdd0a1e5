//! Pages anyone can see, the language switch, probes and static assets.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sangdam_domain::Language;
use serde::Deserialize;

use super::views::{render, see_other};
use crate::ctx::{Ctx, LANG_COOKIE};
use crate::error::{AppError, AppResult};
use crate::forms::{FormData, cookie, safe_next};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing<'a> {
    ctx: &'a Ctx,
}

pub async fn landing(ctx: Ctx) -> AppResult {
    render(&Landing { ctx: &ctx })
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct Privacy<'a> {
    ctx: &'a Ctx,
    version: &'static str,
}

pub async fn privacy(ctx: Ctx) -> AppResult {
    render(&Privacy { ctx: &ctx, version: sangdam_domain::PRIVACY_NOTICE_VERSION })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LanguageForm {
    lang: String,
    next: String,
}

/// Switches the language: a year-long cookie for everyone, and the account setting when signed in.
pub async fn set_language(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<LanguageForm>) -> AppResult {
    let lang = Language::parse(&f.lang).ok_or(AppError::BadRequest("error-form-invalid"))?;
    if let Ok(v) = ctx.signed_in() {
        state.store.set_language(&v.user.id, lang, ctx.now).await?;
    }
    let next = safe_next(Some(&f.next));
    let mut r = see_other(&next);
    r.headers_mut()
        .append(header::SET_COOKIE, cookie(LANG_COOKIE, lang.code(), Some(365 * 24 * 3600), state.config.is_https()));
    Ok(r)
}

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = ?e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// Prometheus metrics, for the configured address ranges (loopback by default) or a bearer
/// token; anyone else gets "not found".
pub async fn metrics(State(state): State<AppState>, ctx: Ctx, headers: axum::http::HeaderMap) -> Response {
    let from_allowed = ctx
        .address
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| state.config.metrics_allow.iter().any(|r| r.contains(ip)));
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let with_token = state
        .config
        .metrics_token
        .as_ref()
        .is_some_and(|t| !t.expose().is_empty() && crate::crypto::constant_time_eq(bearer, t.expose()));
    if !from_allowed && !with_token {
        return crate::error::AppError::NotFound.into_response();
    }
    let uptime = state.clock.now() - state.started_at;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render(uptime)).into_response()
}

const CSS: &str = include_str!("../../static/app.css");
const ICON: &str = include_str!("../../static/icon.svg");
/// The interface's icons, from Lucide (see `static/icons.LICENSE`).
const ICONS: &str = include_str!("../../static/icons.svg");
const ROOM_JS: &str = include_str!("../../static/room.js");
const MEDIA_JS: &str = include_str!("../../static/media.js");
const CHECK_JS: &str = include_str!("../../static/check.js");
const NOTES_JS: &str = include_str!("../../static/notes.js");
const CHAT_JS: &str = include_str!("../../static/chat.js");
const CENTER_JS: &str = include_str!("../../static/center.js");
const SITE_JS: &str = include_str!("../../static/site.js");
const PLAYER_JS: &str = include_str!("../../static/player.js");
const MANIFEST: &str = include_str!("../../static/manifest.webmanifest");
// Swagger UI for the API documentation, vendored from npm (see static/swagger-ui/VERSION).
const SWAGGER_JS: &str = include_str!("../../static/swagger-ui/swagger-ui-bundle.js");
const SWAGGER_CSS: &str = include_str!("../../static/swagger-ui/swagger-ui.css");
const API_DOCS_JS: &str = include_str!("../../static/api-docs.js");
const API_DOCS_CSS: &str = include_str!("../../static/api-docs.css");

/// Every asset is compiled into the binary: no CDN, nothing to deploy beside it.
pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "icon.svg" => (ICON, "image/svg+xml"),
        "icons.svg" => (ICONS, "image/svg+xml"),
        "room.js" => (ROOM_JS, "text/javascript; charset=utf-8"),
        "media.js" => (MEDIA_JS, "text/javascript; charset=utf-8"),
        "check.js" => (CHECK_JS, "text/javascript; charset=utf-8"),
        "notes.js" => (NOTES_JS, "text/javascript; charset=utf-8"),
        "chat.js" => (CHAT_JS, "text/javascript; charset=utf-8"),
        "center.js" => (CENTER_JS, "text/javascript; charset=utf-8"),
        "site.js" => (SITE_JS, "text/javascript; charset=utf-8"),
        "player.js" => (PLAYER_JS, "text/javascript; charset=utf-8"),
        "manifest.webmanifest" => (MANIFEST, "application/manifest+json"),
        "swagger-ui-bundle.js" => (SWAGGER_JS, "text/javascript; charset=utf-8"),
        "swagger-ui.css" => (SWAGGER_CSS, "text/css; charset=utf-8"),
        "api-docs.js" => (API_DOCS_JS, "text/javascript; charset=utf-8"),
        "api-docs.css" => (API_DOCS_CSS, "text/css; charset=utf-8"),
        _ => return AppError::NotFound.into_response(),
    };
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocsPage<'a> {
    ctx: &'a Ctx,
    spec: &'static str,
}

/// The API documentation, open to everyone (it describes the API; the data needs a token).
pub async fn api_docs(ctx: Ctx) -> AppResult {
    super::views::render(&ApiDocsPage { ctx: &ctx, spec: crate::api::OPENAPI_PATH })
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage<'a> {
    ctx: &'a Ctx,
}

/// The device check, open to everyone at any time (it never leaves the browser).
pub async fn device_check(ctx: Ctx) -> AppResult {
    super::views::render(&CheckPage { ctx: &ctx })
}

/// Largest offer the device check accepts.
const MAX_CHECK_OFFER: usize = 32 * 1024;

/// The device check's network test: the browser's offer (send-receive audio and video) joins the
/// SFU as an echo, so the page can see its own media come back through the server and read the
/// round trip. Open to everyone, like the check page, but throttled per address; the connection
/// ends after a minute.
pub async fn media_check(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> AppResult {
    let refuse = |status: StatusCode, id: &str| {
        Ok((status, axum::Json(serde_json::json!({ "error": ctx.t(id) }))).into_response())
    };
    if !state.limiter.allow("media-check", &ctx.address, ctx.now, 20, 10 * 60) {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "error-too-many-requests");
    }
    #[derive(serde::Deserialize)]
    struct Offer {
        sdp: String,
    }
    let offer = match serde_json::from_slice::<Offer>(&body) {
        Ok(o) if o.sdp.len() <= MAX_CHECK_OFFER => o,
        _ => return refuse(StatusCode::BAD_REQUEST, "error-media-refused"),
    };
    match state.media.check(sangdam_media::PeerId(state.hub.next_id()), offer.sdp).await {
        Ok(sdp) => Ok(axum::Json(serde_json::json!({ "sdp": sdp })).into_response()),
        Err(e) => {
            tracing::debug!(error = %e, "a device check offer was refused");
            refuse(StatusCode::BAD_REQUEST, "error-media-refused")
        }
    }
}
