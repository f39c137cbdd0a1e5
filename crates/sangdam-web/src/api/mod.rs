//! The public API, `/api/v1`: JSON over the same service layer the pages use, for a center's
//! CRM, partner portals and its own website.
//!
//! Every request passes [`api_layer`], which does for the API what `ctx::context_layer` does for
//! the pages, in this order:
//! 1. the language of error messages: `Accept-Language`, else Korean;
//! 2. the token: `Authorization: Bearer sgd_…`, found by its hash, open (not revoked, not
//!    expired), its owner active; its scopes narrowed to what the owner's role may hold now;
//! 3. the token's rate limit ([`REQUESTS_PER_MINUTE`]), with `RateLimit-Policy` and `RateLimit`
//!    headers on every answer, and 429 with `Retry-After` past it;
//! 4. for a POST with an `Idempotency-Key`, the stored answer of the same request, or a refusal of
//!    a different request under the same key (see [`idempotency`]);
//! 5. errors as RFC 9457 problem details (`application/problem+json`) with the Fluent message in
//!    the request's language; security headers, metrics and the access log (route template only).
//!
//! Handlers then ask the service layer with the token's [`Caller`]: its owner as the audit actor
//! (the address noting the token), and `sangdam_app::access` for who may see what.

mod appointments;
mod chats;
mod clients;
mod counselors;
mod idempotency;
pub mod schema;
mod webhooks;

use std::time::Instant;

use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use sangdam_app::Actor;
use sangdam_app::access::Reader;
use sangdam_domain::api::{MAX_PAGE, REQUESTS_PER_MINUTE, Scope, Scopes, TokenKind};
use sangdam_domain::{Language, role::may_see_client_data};
use sangdam_store::{ApiTokenRecord, StoreError, UserRecord};
use serde_json::json;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::schema::{Me, OwnerInfo, ProblemDoc, TokenInfo};

use crate::i18n::Tr;
use crate::state::{AppState, Window};

/// Where the OpenAPI document is served (no token needed).
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// The API's routes, registered together with their OpenAPI description (so none is missing
/// from it), and the document itself at [`OPENAPI_PATH`]; [`api_layer`] goes around them.
pub fn router() -> Router<AppState> {
    let (router, doc) = documented().split_for_parts();
    let json = std::sync::Arc::new(openapi_json(&doc));
    router
        .route(
            OPENAPI_PATH,
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], (*json).clone()) }),
        )
        .route("/api/v1/{*rest}", any(not_found))
}

/// Every documented route, each with its description.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(schema::ApiDoc::openapi())
        .routes(routes!(me))
        .routes(routes!(counselors::list))
        .routes(routes!(counselors::free_times))
        .routes(routes!(appointments::list, appointments::book))
        .routes(routes!(appointments::one))
        .routes(routes!(appointments::approve))
        .routes(routes!(appointments::cancel))
        .routes(routes!(appointments::outcome))
        .routes(routes!(appointments::move_to))
        .routes(routes!(chats::list))
        .routes(routes!(clients::list, clients::create))
        .routes(routes!(clients::one, clients::update))
        .routes(routes!(clients::scores))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::delete))
}

/// The OpenAPI document as served (3.1).
pub fn openapi_json(doc: &utoipa::openapi::OpenApi) -> String {
    doc.to_pretty_json().unwrap_or_else(|e| {
        tracing::error!(error = ?e, "the OpenAPI document could not be written");
        "{}".to_owned()
    })
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "error-api-not-found")
}

/// What every API request knows before its handler runs.
#[derive(Debug, Clone)]
pub struct ApiCtx {
    pub tr: Tr,
    pub address: String,
    pub now: i64,
}

/// The token behind a request and the person it acts as (for a service token, the admin who
/// made it, named in the audit log).
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: ApiTokenRecord,
    pub owner: UserRecord,
    /// The token's scopes that the owner's role may still hold.
    pub scopes: Scopes,
    /// The owner must enroll in two-factor sign-in before the token reaches client data.
    pub needs_two_factor: bool,
    pub ctx: ApiCtx,
}

impl Caller {
    /// The audit actor: the owner, from the caller's address, the token named beside it.
    pub fn actor(&self) -> Actor {
        let address = format!("{} token:{}", self.ctx.address, self.token.id);
        Actor::person(&self.owner.id, self.owner.role, Some(&address), self.ctx.now)
    }

    /// The refusal for a caller whose role reads none of what was asked.
    pub fn require_role(&self) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "error-api-role")
    }

    /// Who reads, for `sangdam_app::access`.
    pub fn reader(&self) -> Reader<'_> {
        match self.token.kind {
            TokenKind::Personal => Reader::Person(&self.owner),
            TokenKind::Service => Reader::Center,
        }
    }

    /// Refuses a request the token's scopes do not cover.
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if self.scopes.contains(scope) {
            return Ok(());
        }
        if self.needs_two_factor && self.token.scopes.contains(scope) {
            return Err(Problem::new(StatusCode::FORBIDDEN, "error-api-two-factor"));
        }
        let challenge = format!("Bearer error=\"insufficient_scope\", scope=\"{}\"", scope.as_str());
        Err(Problem::new(StatusCode::FORBIDDEN, "error-api-scope")
            .arg("scope", scope.as_str())
            .header(header::WWW_AUTHENTICATE, &challenge))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| Problem::internal(anyhow::anyhow!("API caller missing: is api_layer installed?")))
    }
}

/// An RFC 9457 problem: the status, the message id (its Fluent message is the `detail`, in the
/// request's language; the id itself is the `code` a program can match), and which fields were
/// wrong. The API layer renders it, because it knows the language.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    args: Vec<(&'static str, String)>,
    /// `(field, message id)` for each field that was wrong.
    errors: Vec<(&'static str, &'static str)>,
    headers: Vec<(HeaderName, String)>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        Self { status, code, args: vec![], errors: vec![], headers: vec![] }
    }

    /// A failure on our side: logged whole, answered without its cause.
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        let e = e.into();
        tracing::error!(error = ?e, "API request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "error-500-body")
    }

    /// Refused input: 422 with the field and its message.
    pub fn invalid(field: &'static str, code: &'static str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "error-api-invalid").field(field, code)
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn field(mut self, field: &'static str, code: &'static str) -> Self {
        self.errors.push((field, code));
        self
    }

    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn render(&self, tr: &Tr) -> Response {
        let mut args = fluent_bundle::FluentArgs::new();
        for (k, v) in &self.args {
            args.set(*k, v.clone());
        }
        let title_id = format!("error-{}-title", self.status.as_u16());
        let title = if tr.i18n().has(tr.lang, &title_id) {
            tr.t(&title_id)
        } else {
            self.status.canonical_reason().unwrap_or("Error").to_owned()
        };
        let mut body = json!({
            "type": format!("urn:sangdam:problem:{}", self.code),
            "title": title,
            "status": self.status.as_u16(),
            "detail": tr.i18n().message(tr.lang, self.code, Some(&args)),
            "code": self.code,
        });
        if !self.errors.is_empty() {
            body["errors"] = self
                .errors
                .iter()
                .map(|(field, code)| {
                    json!({ "field": field, "code": code, "detail": tr.i18n().message(tr.lang, code, Some(&args)) })
                })
                .collect();
        }
        let mut r = (self.status, Json(body)).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        for (k, v) in &self.headers {
            if let Ok(v) = HeaderValue::from_str(v) {
                r.headers_mut().insert(k.clone(), v);
            }
        }
        r
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut r = self.status.into_response();
        r.extensions_mut().insert(self);
        r
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Problem::new(StatusCode::NOT_FOUND, "error-api-not-found"),
            other => Problem::internal(other),
        }
    }
}

impl From<anyhow::Error> for Problem {
    fn from(e: anyhow::Error) -> Self {
        Problem::internal(e)
    }
}

impl From<sangdam_app::appointments::OpError> for Problem {
    fn from(e: sangdam_app::appointments::OpError) -> Self {
        use sangdam_app::appointments::OpError;
        match e {
            OpError::NotFound => Problem::new(StatusCode::NOT_FOUND, "error-api-not-found"),
            OpError::Invalid(code) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code),
            OpError::Conflict(code) => Problem::new(StatusCode::CONFLICT, code),
            OpError::Store(e) => e.into(),
        }
    }
}

pub type ApiResult<T = Response> = Result<T, Problem>;

/// A JSON answer.
pub fn ok(status: StatusCode, value: &impl serde::Serialize) -> Response {
    (status, Json(value)).into_response()
}

/// A moment as the API writes it: RFC 3339 in UTC.
pub fn time(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map_or_else(|_| unix.to_string(), |t| t.to_string())
}

/// A moment as the API reads it: RFC 3339 with an offset (`2027-03-01T09:30:00+09:00`).
pub fn parse_time(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// A list's page size: 1 to [`MAX_PAGE`], by default [`sangdam_domain::api::DEFAULT_PAGE`].
pub fn page_size(limit: Option<&str>) -> Result<u32, Problem> {
    match limit {
        None | Some("") => Ok(sangdam_domain::api::DEFAULT_PAGE),
        Some(t) => t
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| Problem::invalid("limit", "error-api-limit").arg("max", MAX_PAGE)),
    }
}

/// A list's cursor: the last item's time and id, opaque to the caller (URL-safe base64).
pub fn cursor(at: i64, id: &str) -> String {
    data_encoding::BASE64URL_NOPAD.encode(format!("{at}.{id}").as_bytes())
}

/// Reads a `cursor` parameter given out by [`cursor`]; absent or empty is the first page, and
/// anything else is refused (422).
pub fn parse_cursor(text: Option<&str>) -> Result<Option<(i64, String)>, Problem> {
    let Some(text) = text.filter(|t| !t.is_empty()) else { return Ok(None) };
    let read = || {
        let raw = String::from_utf8(data_encoding::BASE64URL_NOPAD.decode(text.as_bytes()).ok()?).ok()?;
        let (at, id) = raw.split_once('.')?;
        let id_ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric());
        id_ok.then_some(())?;
        Some((at.parse().ok()?, id.to_owned()))
    };
    read().map(Some).ok_or_else(|| Problem::invalid("cursor", "error-api-cursor"))
}

/// A JSON request body of type `T`; an absent body reads as `{}`.
pub fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { bytes };
    serde_json::from_slice(bytes).map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "error-api-body"))
}

/// The token (what it may do now, until when) and the person it acts as.
#[utoipa::path(get, path = "/api/v1/me", operation_id = "me", tag = "token",
    responses(
        (status = 200, description = "Done", body = Me),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Over the rate limit: see Retry-After", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = [])))]
async fn me(caller: Caller) -> Response {
    let t = &caller.token;
    let me = Me {
        token: TokenInfo {
            id: t.id.clone(),
            name: t.name.clone(),
            kind: t.kind.as_str().to_owned(),
            scopes: caller.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            created_at: time(t.created_at),
            expires_at: time(t.expires_at),
        },
        owner: OwnerInfo {
            id: caller.owner.id.to_string(),
            role: caller.owner.role.as_str().to_owned(),
            display_name: caller.owner.display_name.as_str().to_owned(),
        },
    };
    ok(StatusCode::OK, &me)
}

/// Requests with a missing or wrong token one address may make per minute. Each refusal is
/// counted and checked in one step, so of a burst exactly this many are answered 401 and the
/// rest 429; once reached, the address gets 429 without a look at the database until the minute
/// has passed.
pub const BAD_TOKENS_PER_MINUTE: usize = 100;

/// The token behind the request, checked; the rate-limit window it used.
async fn authenticate(state: &AppState, ctx: &ApiCtx, headers: &HeaderMap) -> Result<(Caller, Window), Problem> {
    let cut_off =
        || Problem::new(StatusCode::TOO_MANY_REQUESTS, "error-api-rate-limited").header(header::RETRY_AFTER, "60");
    if state.limiter.exceeded("api-bad-token", &ctx.address, ctx.now, BAD_TOKENS_PER_MINUTE, 60) {
        return Err(cut_off());
    }
    match check_token(state, ctx, headers).await {
        Err(p) if p.status == StatusCode::UNAUTHORIZED => {
            if state.limiter.allow("api-bad-token", &ctx.address, ctx.now, BAD_TOKENS_PER_MINUTE, 60) {
                Err(p)
            } else {
                Err(cut_off())
            }
        }
        other => other,
    }
}

async fn check_token(state: &AppState, ctx: &ApiCtx, headers: &HeaderMap) -> Result<(Caller, Window), Problem> {
    let unauthorized = |code| {
        Problem::new(StatusCode::UNAUTHORIZED, code).header(header::WWW_AUTHENTICATE, "Bearer realm=\"sangdam\"")
    };
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(unauthorized("error-api-token-missing"));
    };
    let presented = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => return Err(unauthorized("error-api-token-missing")),
    };
    let Some(secret) = sangdam_domain::api::parse_token(presented) else {
        return Err(unauthorized("error-api-token-invalid"));
    };
    let Some((token, owner)) = state.store.api_token_by_hash(&secret.hash().to_hex()).await? else {
        return Err(unauthorized("error-api-token-invalid"));
    };
    if token.revoked_at.is_some() {
        return Err(unauthorized("error-api-token-revoked"));
    }
    if token.expires_at <= ctx.now {
        return Err(unauthorized("error-api-token-expired"));
    }
    if !owner.active {
        return Err(unauthorized("error-api-token-invalid"));
    }
    let window = state.limiter.allow_counted("api", &token.id, ctx.now, REQUESTS_PER_MINUTE as usize, 60);
    if !window.allowed {
        return Err(limit_headers(Problem::new(StatusCode::TOO_MANY_REQUESTS, "error-api-rate-limited"), window)
            .header(header::RETRY_AFTER, &window.reset.to_string()));
    }
    state.store.touch_api_token(&token.id, ctx.now).await?;
    let mut scopes = token.scopes.allowed(token.kind, owner.role);
    // Staff who must enroll in two-factor sign-in before seeing client data cannot reach it with
    // a personal token either.
    let enrolled = owner.two_factor_enrolled();
    let needs_two_factor = token.kind == TokenKind::Personal
        && !may_see_client_data(owner.role, enrolled, state.config.require_staff_two_factor);
    if needs_two_factor {
        scopes = Scopes::default();
    }
    Ok((Caller { token, owner, scopes, needs_two_factor, ctx: ctx.clone() }, window))
}

fn limit_headers(p: Problem, w: Window) -> Problem {
    let (policy, now) = rate_limit_values(w);
    p.header(HeaderName::from_static("ratelimit-policy"), &policy).header(HeaderName::from_static("ratelimit"), &now)
}

/// `RateLimit-Policy` and `RateLimit` (IETF httpapi rate-limit headers draft).
fn rate_limit_values(w: Window) -> (String, String) {
    (format!("\"token\";q={REQUESTS_PER_MINUTE};w=60"), format!("\"token\";r={};t={}", w.remaining, w.reset))
}

/// The middleware around every API route (see the module's description).
pub async fn api_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let now = state.clock.now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "-".to_owned(), |p| p.as_str().to_owned());
    let lang = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Language::from_accept_language)
        .unwrap_or_default();
    let ctx = ApiCtx {
        tr: Tr::new(state.i18n.clone(), lang),
        address: crate::ctx::address_of(req.headers(), req.extensions(), &state),
        now,
    };
    let public = req.uri().path() == OPENAPI_PATH;
    let mut response = if public {
        finish(next.run(req).await, &ctx.tr)
    } else {
        match authenticate(&state, &ctx, req.headers()).await {
            Err(p) => p.render(&ctx.tr),
            Ok((caller, window)) => {
                req.extensions_mut().insert(caller.clone());
                let key = req.headers().get("idempotency-key").map(|v| v.to_str().map(str::to_owned));
                let mut r = match (method == Method::POST, key) {
                    (true, Some(key)) => idempotency::run(&state, &caller, key.ok(), req, next).await,
                    _ => finish(next.run(req).await, &ctx.tr),
                };
                let (policy, left) = rate_limit_values(window);
                for (k, v) in [("ratelimit-policy", policy), ("ratelimit", left)] {
                    if let Ok(v) = HeaderValue::from_str(&v) {
                        r.headers_mut().insert(HeaderName::from_static(k), v);
                    }
                }
                r
            }
        }
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff"));
    if state.config.is_https() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    let status = response.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    state.metrics.record_response(status, micros);
    tracing::info!(%method, route, status, micros, "api request");
    response
}

/// Renders a handler's [`Problem`] (and axum's own rejections, as problems) in the request's
/// language.
fn finish(r: Response, tr: &Tr) -> Response {
    if let Some(p) = r.extensions().get::<Problem>() {
        return p.render(tr);
    }
    let is_json = |r: &Response| {
        r.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"))
    };
    match r.status() {
        // axum's rejections (a path that is not a route, a method not allowed, a body too large)
        // come as plain text: answer them as problems too.
        s if (s.is_client_error() || s.is_server_error()) && !is_json(&r) => {
            let code = match s {
                StatusCode::NOT_FOUND => "error-api-not-found",
                StatusCode::METHOD_NOT_ALLOWED => "error-api-method",
                StatusCode::PAYLOAD_TOO_LARGE => "error-413-body-api",
                _ => "error-api-body",
            };
            Problem::new(s, code).render(tr)
        }
        _ => r,
    }
}

/// Reads a request's whole body, at most `limit` bytes.
async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, Problem> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "error-413-body-api"))
}
