//! The request context: who is asking (session), in which language, from where, with which CSRF
//! token; built once per request by [`context_layer`], which also checks the CSRF token of every
//! state-changing request and finishes every response (localized error pages, security headers,
//! cookies, metrics, the access log).

use std::time::Instant;

use askama::Template;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sangdam_domain::role::may_see_client_data;
use sangdam_domain::{Language, Role, SecretToken, Timezone};
use sangdam_store::{SessionRecord, SessionState, UserRecord};

use crate::crypto::{self, constant_time_eq};
use crate::error::{AppError, ErrorPage};
use crate::forms::{clear_cookie, cookie, cookie_value, parse_cookies};
use crate::i18n::Tr;
use crate::state::AppState;

/// The client's socket address, as axum's `ConnectInfo` for both plain and TLS listeners (the
/// server fills it in; see `server`).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::SocketAddr);

pub const SESSION_COOKIE: &str = "sangdam_session";
pub const CSRF_COOKIE: &str = "sangdam_csrf";
pub const LANG_COOKIE: &str = "sangdam_lang";
/// How long a password-checked session may wait for its second factor.
pub const PENDING_TWO_FACTOR_SECONDS: i64 = 5 * 60;
/// The largest form body we read: far above any form of ours, far below a memory problem.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// Largest form body for session notes: four sections of 20,000 characters, URL-encoded (a Korean
/// character takes 9 bytes), fit with room to spare, so an overlong section gets the note's own
/// message rather than a bare 413.
pub const MAX_NOTE_FORM_BYTES: usize = 1024 * 1024;

/// The body limit of a form posted to `path`.
pub fn form_limit(path: &str) -> usize {
    if path.starts_with("/notes/") { MAX_NOTE_FORM_BYTES } else { MAX_FORM_BYTES }
}

/// The top menu (see [`Ctx::nav`]).
pub struct Nav {
    pub top: Vec<NavItem>,
    pub more: Vec<NavItem>,
}

impl Nav {
    /// Whether the page the viewer is on is one of the "more" items (the group opens then).
    pub fn in_more(&self) -> bool {
        self.more.iter().any(|i| i.current)
    }
}

pub struct NavItem {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// The signed-in person behind a request.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub user: UserRecord,
    pub token_hash: String,
    pub session: SessionRecord,
}

#[derive(Clone, Debug)]
pub struct Ctx {
    pub tr: Tr,
    /// The session behind the cookie, in whatever state: only [`Ctx::person`] (a completed
    /// sign-in) may act as someone; a session still owing its second factor is for the sign-in
    /// pages alone.
    session: Option<Viewer>,
    /// The token forms of this page must send back.
    pub csrf: String,
    /// The path and query of this request, for the language switcher's way back.
    pub path: String,
    /// The client's network address, for throttling and the audit log.
    pub address: String,
    pub now: i64,
    pub require_staff_two_factor: bool,
    /// A visitor's browser time zone (the `tz` cookie the pages' script sets), used until they
    /// sign in and as the sign-up form's default.
    pub browser_zone: Option<Timezone>,
}

impl Ctx {
    pub fn t(&self, id: &str) -> String {
        self.tr.t(id)
    }

    pub fn ta(&self, id: &str, name: &str, value: impl ToString) -> String {
        self.tr.ta(id, name, value)
    }

    /// A message with several named arguments.
    pub fn t_args(&self, id: &str, args: &fluent_bundle::FluentArgs<'_>) -> String {
        self.tr.i18n().message(self.tr.lang, id, Some(args))
    }

    pub fn tn(&self, id: &str, name: &str, value: impl std::borrow::Borrow<i64>) -> String {
        self.tr.tn(id, name, *value.borrow())
    }

    pub fn lang(&self) -> Language {
        self.tr.lang
    }

    /// The label of a code shown to people (an audit action, a role, a state): the message
    /// `<prefix><code>` with `.` and `_` read as `-`, or the code itself when there is none, so
    /// that a code added later is still shown.
    pub fn label(&self, prefix: &str, code: &str) -> String {
        let id = format!("{prefix}{}", code.replace(['.', '_'], "-"));
        if self.tr.i18n().has(self.tr.lang, &id) { self.t(&id) } else { code.to_owned() }
    }

    /// The person behind the request when their sign-in is complete (two-factor included);
    /// `None` for visitors and for a session still owing its second factor.
    pub fn person(&self) -> Option<&Viewer> {
        self.session.as_ref().filter(|v| v.session.state == SessionState::Active)
    }

    /// A session whose password was checked and whose second factor is still owed.
    pub fn pending_two_factor(&self) -> Option<&Viewer> {
        self.session.as_ref().filter(|v| v.session.state == SessionState::PendingTwoFactor)
    }

    /// The session behind the cookie in any state, for signing out.
    pub fn any_session(&self) -> Option<&Viewer> {
        self.session.as_ref()
    }

    /// The fully signed-in viewer, or the error that sends the request where it must go.
    pub fn signed_in(&self) -> Result<&Viewer, AppError> {
        match &self.session {
            Some(v) if v.session.state == SessionState::Active => Ok(v),
            Some(_) => Err(AppError::TwoFactorPending),
            None => Err(AppError::SignInRequired { next: self.path.clone() }),
        }
    }

    /// A viewer with one of `roles`.
    pub fn with_role(&self, roles: &[Role]) -> Result<&Viewer, AppError> {
        let v = self.signed_in()?;
        if roles.contains(&v.user.role) { Ok(v) } else { Err(AppError::Forbidden) }
    }

    /// A staff viewer who may see client data now: right role, and enrolled in two-factor when the
    /// center requires it.
    pub fn client_data_viewer(&self, roles: &[Role]) -> Result<&Viewer, AppError> {
        let v = self.with_role(roles)?;
        if may_see_client_data(v.user.role, v.user.two_factor_enrolled(), self.require_staff_two_factor) {
            Ok(v)
        } else {
            Err(AppError::TwoFactorRequired)
        }
    }

    // What templates ask.

    /// The top menu for whoever is looking: at most six items, the rest under "more", the page
    /// the viewer is on marked (the item whose address is the longest prefix of this path).
    pub fn nav(&self) -> Nav {
        // Each item: its address and the message id of its label.
        type Links = &'static [(&'static str, &'static str)];
        let (top, more): (Links, Links) = match self.person().map(|v| v.user.role) {
            None => (&[("/counselors", "nav-counselors"), ("/chat", "nav-chat")], &[]),
            Some(sangdam_domain::Role::Client) => (
                &[
                    ("/dashboard", "nav-dashboard"),
                    ("/counselors", "nav-counselors"),
                    ("/appointments", "nav-appointments"),
                    ("/messages", "nav-messages"),
                    ("/portal", "nav-portal"),
                    ("/chat", "nav-chat"),
                ],
                &[],
            ),
            Some(sangdam_domain::Role::Counselor) => (
                &[
                    ("/dashboard", "nav-dashboard"),
                    ("/counselor/calendar", "nav-calendar"),
                    ("/center", "nav-center"),
                    ("/clients", "nav-clients"),
                    ("/messages", "nav-messages"),
                ],
                &[
                    ("/counselor/forms", "nav-forms"),
                    ("/counselor/feedback", "nav-feedback"),
                    ("/recordings", "nav-recordings"),
                    ("/counselors", "nav-counselors"),
                ],
            ),
            Some(sangdam_domain::Role::Supervisor) => (
                &[
                    ("/dashboard", "nav-dashboard"),
                    ("/center", "nav-center"),
                    ("/center/crisis", "nav-crisis"),
                    ("/clients", "nav-clients"),
                    ("/messages", "nav-messages"),
                ],
                &[
                    ("/counselor/feedback", "nav-feedback"),
                    ("/recordings", "nav-recordings"),
                    ("/counselors", "nav-counselors"),
                ],
            ),
            Some(sangdam_domain::Role::Admin) => (
                &[
                    ("/dashboard", "nav-dashboard"),
                    ("/admin/users", "admin-users-title"),
                    ("/admin/audit", "admin-audit-title"),
                    ("/admin/outbox", "admin-outbox-title"),
                ],
                &[
                    ("/admin/invitations", "admin-invitations-title"),
                    ("/admin/jobs", "admin-jobs-title"),
                    ("/admin/specialties", "admin-specialties-title"),
                    ("/admin/retention", "admin-retention-title"),
                    ("/counselors", "nav-counselors"),
                ],
            ),
        };
        let path = self.path.split('?').next().unwrap_or("");
        let matches = |href: &str| path == href || path.starts_with(&format!("{href}/"));
        let best = top.iter().chain(more).filter(|(h, _)| matches(h)).map(|(h, _)| h.len()).max();
        let item = |(href, id): &(&str, &str)| NavItem {
            href: (*href).to_owned(),
            label: self.t(id),
            current: best == Some(href.len()) && matches(href),
        };
        Nav { top: top.iter().map(item).collect(), more: more.iter().map(item).collect() }
    }

    /// This request's context with the viewer's account as it is now (after a change the page
    /// that shows it must already reflect, such as two-factor just turned on).
    pub fn with_viewer(&self, v: Viewer) -> Ctx {
        Ctx { session: Some(v), ..self.clone() }
    }

    /// The same request shown in `zone` to someone not signed in: the holder of a mail link sees
    /// the client's times as the mail gave them, whatever zone the browser is in.
    pub fn in_zone(&self, zone: Timezone) -> Ctx {
        Ctx { browser_zone: Some(zone), ..self.clone() }
    }

    pub fn is_signed_in(&self) -> bool {
        self.person().is_some()
    }

    pub fn is_role(&self, role: &str) -> bool {
        self.person().is_some_and(|v| v.user.role.as_str() == role)
    }

    pub fn is_staff(&self) -> bool {
        self.person().is_some_and(|v| v.user.role.is_staff())
    }

    pub fn display_name(&self) -> String {
        self.person().map(|v| v.user.display_name.to_string()).unwrap_or_default()
    }

    pub fn needs_two_factor_enrollment(&self) -> bool {
        self.person()
            .is_some_and(|v| self.require_staff_two_factor && v.user.role.is_staff() && !v.user.two_factor_enrolled())
    }

    pub fn timezone(&self) -> Timezone {
        match self.person() {
            Some(v) => v.user.timezone.clone(),
            None => self.browser_zone.clone().unwrap_or_else(Timezone::seoul),
        }
    }

    /// A Unix time in the viewer's time zone, with the zone named.
    pub fn time_opt(&self, unix: impl std::borrow::Borrow<Option<i64>>) -> String {
        unix.borrow().map(|t| self.time(t)).unwrap_or_default()
    }

    pub fn time(&self, unix: impl std::borrow::Borrow<i64>) -> String {
        let Ok(ts) = jiff::Timestamp::from_second(*unix.borrow()) else {
            return String::new();
        };
        let now = jiff::Timestamp::from_second(self.now).unwrap_or(ts);
        sangdam_domain::when::moment(ts, &self.timezone().to_jiff(), self.lang(), now)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing: is context_layer installed?")))
    }
}

/// The client's network address: the connection's, or behind a TLS proxy the last hop the proxy
/// added to `X-Forwarded-For`.
pub(crate) fn client_address(req: &Request, state: &AppState) -> String {
    address_of(req.headers(), req.extensions(), state)
}

pub(crate) fn address_of(headers: &HeaderMap, extensions: &axum::http::Extensions, state: &AppState) -> String {
    if state.config.behind_tls_proxy
        && let Some(forwarded) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(last) =
            forwarded.rsplit(',').next().map(str::trim).filter(|s| s.parse::<std::net::IpAddr>().is_ok())
    {
        return last.to_owned();
    }
    extensions
        .get::<ConnectInfo<ClientAddr>>()
        .map(|ConnectInfo(a)| a.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn choose_language(viewer: Option<&Viewer>, cookies: &[(String, String)], headers: &HeaderMap) -> Language {
    viewer
        .map(|v| v.user.language)
        .or_else(|| cookie_value(cookies, LANG_COOKIE).and_then(Language::parse))
        .or_else(|| {
            headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Language::from_accept_language)
        })
        .unwrap_or_default()
}

/// Looks up the session behind the cookie. Returns the viewer, and whether the browser holds a
/// cookie that no longer opens anything (to be cleared).
async fn load_viewer(
    state: &AppState,
    cookies: &[(String, String)],
    now: i64,
) -> Result<(Option<Viewer>, bool), AppError> {
    let Some(raw) = cookie_value(cookies, SESSION_COOKIE) else {
        return Ok((None, false));
    };
    let Some(token) = SecretToken::parse(raw) else {
        return Ok((None, true));
    };
    let hash = token.hash().to_hex();
    let Some(found) = state.store.session_with_user(&hash).await? else {
        return Ok((None, true));
    };
    let s = &found.session;
    let alive = match s.state {
        SessionState::Active => state.config.session.is_alive(s.created_at, s.last_seen_at, now),
        SessionState::PendingTwoFactor => now - s.created_at < PENDING_TWO_FACTOR_SECONDS,
    };
    if !alive || !found.user.active {
        state.store.delete_session(&hash).await?;
        return Ok((None, true));
    }
    if state.config.session.needs_touch(s.last_seen_at, now) {
        state.store.touch_session(&hash, now).await?;
    }
    Ok((Some(Viewer { user: found.user, token_hash: hash, session: found.session }), false))
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request says it comes from one of our own pages: `Origin` (or, failing that,
/// `Referer`) must be our public origin or the origin of the `Host` it was sent to. Browsers set
/// these on cross-site posts and a page cannot forge them; `None` when neither header is present
/// (a non-browser client), which the token check alone then decides.
pub fn same_origin(headers: &HeaderMap, state: &AppState) -> Option<bool> {
    let claimed = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned).or_else(|| {
        let referer = headers.get(header::REFERER)?.to_str().ok()?;
        let after = referer.find("://")? + 3;
        let end = referer[after..].find('/').map_or(referer.len(), |i| after + i);
        Some(referer[..end].to_owned())
    })?;
    let scheme = if state.config.is_https() { "https" } else { "http" };
    let host_origin = headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(|h| format!("{scheme}://{h}"));
    Some(claimed == state.config.origin() || host_origin.as_deref() == Some(claimed.as_str()))
}

/// Checks the CSRF token of a state-changing request, reading it from the `X-CSRF-Token` header or
/// from the `csrf` field of a URL-encoded form (whose body is then handed on unchanged).
async fn check_csrf(state: &AppState, ctx: &Ctx, req: Request) -> Result<Request, AppError> {
    if same_origin(req.headers(), state) == Some(false) {
        return Err(AppError::Csrf);
    }
    let header_token = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    let (req, token) = if let Some(t) = header_token {
        (req, Some(t))
    } else if is_multipart {
        // Uploads are not buffered here; their form names the token in its action's query.
        let token = req.uri().query().and_then(|q| form_field(q.as_bytes(), "csrf"));
        (req, token)
    } else if is_form {
        let (parts, body) = req.into_parts();
        let limit = form_limit(parts.uri.path());
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| AppError::TooLarge)?;
        let token = form_field(&bytes, "csrf");
        (Request::from_parts(parts, Body::from(bytes)), token)
    } else {
        (req, None)
    };
    match token {
        Some(t) if constant_time_eq(&t, &ctx.csrf) => Ok(req),
        _ => Err(AppError::Csrf),
    }
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    ctx: &'a Ctx,
    title: String,
    message: String,
    status: u16,
}

/// The middleware that makes a [`Ctx`] for every request and finishes every response.
pub async fn context_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let now = state.clock.now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "-".to_owned(), |p| p.as_str().to_owned());
    let cookies = parse_cookies(req.headers());
    let secure = state.config.is_https();
    let address = client_address(&req, &state);

    let (viewer, stale_session_cookie) = match load_viewer(&state, &cookies, now).await {
        Ok(v) => v,
        Err(e) => (None, {
            tracing::error!(error = ?e, "session lookup failed");
            false
        }),
    };
    let existing_csrf =
        cookie_value(&cookies, CSRF_COOKIE).filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_alphanumeric()));
    let csrf_cookie =
        existing_csrf.map_or_else(|| sangdam_domain::ids::encode_random(&crypto::random::<20>()), str::to_owned);
    let csrf = match &viewer {
        Some(v) => state.keys.mac_hex("csrf", format!("s:{}", v.token_hash).as_bytes()),
        None => state.keys.mac_hex("csrf", format!("a:{csrf_cookie}").as_bytes()),
    };
    let lang = choose_language(viewer.as_ref(), &cookies, req.headers());
    let path = req.uri().path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let ctx = Ctx {
        tr: Tr::new(state.i18n.clone(), lang),
        session: viewer,
        csrf,
        path,
        address,
        now,
        require_staff_two_factor: state.config.require_staff_two_factor,
        // A zone name (`America/New_York`) needs no escaping in a cookie: the script stores it
        // as it is.
        browser_zone: cookie_value(&cookies, "tz").filter(|z| z.len() <= 64).and_then(|z| Timezone::parse(z).ok()),
    };

    let response = if is_state_changing(&method) {
        match check_csrf(&state, &ctx, req).await {
            Ok(mut req) => {
                req.extensions_mut().insert(ctx.clone());
                next.run(req).await
            }
            Err(e) => {
                if matches!(e, AppError::Csrf) {
                    crate::metrics::Metrics::inc(&state.metrics.csrf_rejected);
                }
                e.into_response()
            }
        }
    } else {
        let mut req = req;
        req.extensions_mut().insert(ctx.clone());
        next.run(req).await
    };

    let mut response = render_error_page(&ctx, response);
    let headers = response.headers_mut();
    if existing_csrf.is_none() {
        headers.append(header::SET_COOKIE, cookie(CSRF_COOKIE, &csrf_cookie, None, secure));
    }
    let sets_session =
        headers.get_all(header::SET_COOKIE).iter().any(|v| v.as_bytes().starts_with(SESSION_COOKIE.as_bytes()));
    if stale_session_cookie && !sets_session {
        headers.append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE, secure));
    }
    security_headers(headers, secure);

    let status = response.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    state.metrics.record_response(status, micros);
    // The access log names the route template, never the path (which can hold tokens) or anything
    // about the person.
    tracing::info!(%method, route, status, micros, "request");
    response
}

fn render_error_page(ctx: &Ctx, response: Response) -> Response {
    let Some(page) = response.extensions().get::<ErrorPage>().copied() else {
        return response;
    };
    let t = ErrorTemplate {
        ctx,
        title: ctx.t(page.title_id),
        message: ctx.t(page.message_id),
        status: page.status.as_u16(),
    };
    match t.render() {
        Ok(html) => {
            let mut r = (page.status, axum::response::Html(html)).into_response();
            r.extensions_mut().insert(page);
            r
        }
        Err(e) => {
            tracing::error!(error = ?e, "error page failed to render");
            response
        }
    }
}

pub(crate) fn security_headers(h: &mut HeaderMap, secure: bool) {
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        if !h.contains_key(k) {
            h.insert(k, HeaderValue::from_static(v));
        }
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; \
         frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    set(h, "permissions-policy", "camera=(self), microphone=(self), geolocation=()");
    // Pages carry personal data: no shared or back-button caches keep them.
    set(h, "cache-control", "no-store");
    if secure {
        set(h, "strict-transport-security", "max-age=31536000");
    }
}
