//! Sign-in with throttling and lockout, the two-factor step, and sign-out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use sangdam_domain::{Email, SecretToken};
use sangdam_store::SessionState;
use serde::Deserialize;

use super::views::{render, see_other, with_status};
use crate::auth::{audit, check_second_factor, email_key, start_session, user_target, verify_password};
use crate::crypto::random;
use crate::ctx::{Ctx, SESSION_COOKIE};
use crate::error::AppResult;
use crate::forms::{FormData, clear_cookie, cookie, safe_next};
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::throttle::{begin_attempt, record_failure};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SigninForm {
    email: String,
    password: String,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage<'a> {
    ctx: &'a Ctx,
    email: String,
    next: String,
    errors: Vec<String>,
    notice: Option<String>,
}

fn notice_message(ctx: &Ctx, notice: Option<&str>) -> Option<String> {
    match notice? {
        "reset" => Some(ctx.t("notice-password-reset")),
        "signed-out" => Some(ctx.t("notice-signed-out")),
        "everywhere" => Some(ctx.t("notice-signed-out-everywhere")),
        _ => None,
    }
}

pub async fn form(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult {
    if ctx.is_signed_in() {
        return Ok(see_other(&safe_next(q.next.as_deref())));
    }
    let notice = notice_message(&ctx, q.notice.as_deref());
    render(&SigninPage { ctx: &ctx, email: String::new(), next: q.next.unwrap_or_default(), errors: vec![], notice })
}

fn refuse(ctx: &Ctx, status: StatusCode, email: &str, next: &str, error: String) -> AppResult {
    with_status(
        status,
        render(&SigninPage { ctx, email: email.to_owned(), next: next.to_owned(), errors: vec![error], notice: None }),
    )
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    FormData(f): FormData<SigninForm>,
) -> AppResult {
    let generic = || ctx.t("error-signin-failed");
    let typed = f.email.trim().to_lowercase();
    let key = email_key(&state, &typed);

    let (attempt, failures_before) = match begin_attempt(&state, &ctx, &key).await? {
        Ok(granted) => granted,
        Err(msg) => return refuse(&ctx, StatusCode::TOO_MANY_REQUESTS, &f.email, &f.next, msg),
    };

    let user = match Email::parse(&f.email) {
        Ok(email) => state.store.user_by_email(&email).await?,
        Err(_) => None,
    };
    let password_ok = verify_password(user.as_ref().map(|u| u.password_hash.clone()), &f.password).await?;
    let user = match user {
        Some(u) if password_ok && u.active => u,
        other => {
            record_failure(&state, &ctx, &key, failures_before, other.as_ref(), "signin.failed").await?;
            return refuse(&ctx, StatusCode::UNAUTHORIZED, &f.email, &f.next, generic());
        }
    };

    // Whatever session the browser had ends here; the new one gets a new token.
    if let Some(old) = ctx.any_session() {
        state.store.delete_session(&old.token_hash).await?;
        state.sessions_changed();
    }
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let next = safe_next(Some(&f.next));
    let response = if user.two_factor_enrolled() {
        // Failures are forgotten only after the second factor, so that knowing the password does
        // not reset the count of wrong codes; this attempt, which was right, does not count.
        state.store.forget_signin_attempt(attempt).await?;
        let cookie = start_session(&state, &ctx, &user.id, SessionState::PendingTwoFactor, agent).await?;
        audit(&state, &ctx, Some(&user), "signin.password", user_target(&user.id), "ok").await?;
        let mut r = see_other(&format!("/signin/two-factor?next={}", crate::url::encode(&next)));
        r.headers_mut().append(header::SET_COOKIE, cookie);
        r
    } else {
        state.store.clear_signin_failures(&key).await?;
        let cookie = start_session(&state, &ctx, &user.id, SessionState::Active, agent).await?;
        Metrics::inc(&state.metrics.signins_ok);
        audit(&state, &ctx, Some(&user), "signin.ok", user_target(&user.id), "ok").await?;
        let mut r = see_other(&next);
        r.headers_mut().append(header::SET_COOKIE, cookie);
        r
    };
    Ok(response)
}

#[derive(Template)]
#[template(path = "signin_two_factor.html")]
struct TwoFactorPage<'a> {
    ctx: &'a Ctx,
    next: String,
    errors: Vec<String>,
}

pub async fn two_factor_form(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult {
    if ctx.pending_two_factor().is_some() {
        render(&TwoFactorPage { ctx: &ctx, next: q.next.unwrap_or_default(), errors: vec![] })
    } else if ctx.person().is_some() {
        Ok(see_other(&safe_next(q.next.as_deref())))
    } else {
        Ok(see_other("/signin"))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TwoFactorForm {
    code: String,
    next: String,
}

pub async fn two_factor_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    FormData(f): FormData<TwoFactorForm>,
) -> AppResult {
    let Some(viewer) = ctx.pending_two_factor() else {
        return Ok(see_other("/signin"));
    };
    let user = &viewer.user;
    let key = email_key(&state, user.email.as_str());
    let refuse = |status, error| {
        with_status(status, render(&TwoFactorPage { ctx: &ctx, next: f.next.clone(), errors: vec![error] }))
    };
    let failures_before = match begin_attempt(&state, &ctx, &key).await? {
        Ok((_, failures_before)) => failures_before,
        Err(msg) => return refuse(StatusCode::TOO_MANY_REQUESTS, msg),
    };
    let Some(method) = check_second_factor(&state, &ctx, user, &f.code).await? else {
        record_failure(&state, &ctx, &key, failures_before, Some(user), "signin.two_factor.failed").await?;
        return refuse(StatusCode::UNAUTHORIZED, ctx.t("error-code-wrong"));
    };
    let token = SecretToken::from_random(random());
    if !state.store.promote_session(&viewer.token_hash, &token.hash().to_hex(), ctx.now).await? {
        return Ok(see_other("/signin"));
    }
    state.store.clear_signin_failures(&key).await?;
    Metrics::inc(&state.metrics.signins_ok);
    audit(&state, &ctx, Some(user), &format!("signin.ok.{method}"), user_target(&user.id), "ok").await?;
    let mut r = see_other(&safe_next(Some(&f.next)));
    r.headers_mut().append(header::SET_COOKIE, cookie(SESSION_COOKIE, token.expose(), None, state.config.is_https()));
    Ok(r)
}

pub async fn signout(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    if let Some(v) = ctx.any_session() {
        let actor = crate::auth::actor_of(&ctx, Some(&v.user));
        sangdam_app::account::sign_out(&state.store, &state.keys, &actor, &v.token_hash).await?;
        state.sessions_changed();
    }
    let mut r = see_other("/signin?notice=signed-out");
    r.headers_mut().append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE, state.config.is_https()));
    Ok(r)
}
