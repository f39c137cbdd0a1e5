//! Sign-in with throttling and lockout, the two-factor step, and sign-out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use sangdam_domain::throttle::SigninGate;
use sangdam_domain::totp::TotpSecret;
use sangdam_domain::{Email, SecretToken};
use sangdam_store::{SessionState, UserRecord};
use serde::Deserialize;

use super::{render, see_other, with_status};
use crate::auth::{audit, email_key, start_session, user_target, verify_password};
use crate::crypto::{random, sha256_hex};
use crate::ctx::{Ctx, SESSION_COOKIE};
use crate::error::AppResult;
use crate::forms::{FormData, clear_cookie, cookie, safe_next};
use crate::mail::{self, Mail};
use crate::metrics::Metrics;
use crate::state::AppState;

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

/// The throttling answer for a gate that is not open, in the person's language. The same for
/// known and unknown addresses.
fn gate_message(ctx: &Ctx, gate: SigninGate) -> Option<String> {
    match gate {
        SigninGate::Open => None,
        SigninGate::Wait { seconds } => Some(ctx.tn("error-signin-wait", "seconds", seconds)),
        SigninGate::Locked { until } => Some(ctx.tn("error-signin-locked", "minutes", ((until - ctx.now) + 59) / 60)),
    }
}

/// Where this email's throttling stands now.
async fn gate(state: &AppState, ctx: &Ctx, key: &str) -> Result<(SigninGate, usize), crate::error::AppError> {
    let policy = state.config.throttle;
    let failures = state.store.signin_failures_since(key, ctx.now - policy.window_seconds).await?;
    let lock = state.store.account_lock(key).await?;
    Ok((policy.gate(&failures, lock, ctx.now), failures.len()))
}

/// Records a failed attempt (a wrong password or a wrong second factor); locks the account and
/// tells its owner when this failure is the one too many.
async fn record_failure(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    failures_before: usize,
    user: Option<&UserRecord>,
    action: &str,
) -> Result<(), crate::error::AppError> {
    Metrics::inc(&state.metrics.signins_failed);
    state.store.record_signin_failure(key, &ctx.address, ctx.now).await?;
    let target = user.and_then(|u| user_target(&u.id));
    audit(state, ctx, user, action, target.clone(), "denied").await?;
    if let Some(until) = state.config.throttle.lock_on_failure(failures_before + 1, ctx.now) {
        state.store.lock_account(key, until).await?;
        Metrics::inc(&state.metrics.accounts_locked);
        audit(state, ctx, user, "signin.locked", target, "locked").await?;
        if let Some(u) = user.filter(|u| u.active) {
            let minutes = state.config.throttle.lock_seconds / 60;
            mail::send(
                state,
                &u.email,
                u.language,
                Mail::AccountLocked { minutes, reset_link: state.config.link("/forgot") },
            )
            .await?;
        }
    }
    Ok(())
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    FormData(f): FormData<SigninForm>,
) -> AppResult {
    let policy = state.config.throttle;
    let generic = || ctx.t("error-signin-failed");
    let typed = f.email.trim().to_lowercase();
    let key = email_key(&state, &typed);

    let address_failures = state.store.address_failures_since(&ctx.address, ctx.now - policy.window_seconds).await?;
    if address_failures >= policy.address_failures as i64 {
        Metrics::inc(&state.metrics.signins_throttled);
        audit(&state, &ctx, None, "signin.throttled", None, "denied").await?;
        return refuse(&ctx, StatusCode::TOO_MANY_REQUESTS, &f.email, &f.next, ctx.t("error-signin-address-limit"));
    }
    let (gate_now, failures_before) = gate(&state, &ctx, &key).await?;
    if let Some(msg) = gate_message(&ctx, gate_now) {
        Metrics::inc(&state.metrics.signins_throttled);
        audit(&state, &ctx, None, "signin.throttled", None, "denied").await?;
        return refuse(&ctx, StatusCode::TOO_MANY_REQUESTS, &f.email, &f.next, msg);
    }

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
        // not reset the count of wrong codes.
        let cookie = start_session(&state, &ctx, &user.id, SessionState::PendingTwoFactor, agent).await?;
        audit(&state, &ctx, Some(&user), "signin.password", user_target(&user.id), "ok").await?;
        let mut r = see_other(&format!("/signin/two-factor?next={}", crate::forms::url_encode(&next)));
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

/// Normalizes a typed recovery code: case, spaces and dashes do not matter.
pub fn normalize_recovery_code(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// Checks a second factor: a TOTP code (each step usable once) or an unused recovery code.
/// Returns which kind was accepted.
pub async fn check_second_factor(
    state: &AppState,
    ctx: &Ctx,
    user: &UserRecord,
    code: &str,
) -> Result<Option<&'static str>, crate::error::AppError> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let Some(sealed) = &user.totp_secret else {
            return Ok(None);
        };
        let secret = state
            .keys
            .open("totp", sealed)
            .ok()
            .and_then(|b| TotpSecret::from_slice(&b))
            .ok_or_else(|| anyhow::anyhow!("stored TOTP secret cannot be opened"))?;
        let Some(step) = secret.verify(&digits, ctx.now, user.totp_last_step) else {
            return Ok(None);
        };
        return Ok(state.store.claim_totp_step(&user.id, step).await?.then_some("totp"));
    }
    let normalized = normalize_recovery_code(code);
    if normalized.len() != 10 {
        return Ok(None);
    }
    let used = state.store.use_recovery_code(&user.id, &sha256_hex(normalized.as_bytes()), ctx.now).await?;
    Ok(used.then_some("recovery"))
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
    let (gate_now, failures_before) = gate(&state, &ctx, &key).await?;
    if let Some(msg) = gate_message(&ctx, gate_now) {
        Metrics::inc(&state.metrics.signins_throttled);
        return refuse(StatusCode::TOO_MANY_REQUESTS, msg);
    }
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
        state.store.delete_session(&v.token_hash).await?;
        state.sessions_changed();
        audit(&state, &ctx, Some(&v.user), "signout", user_target(&v.user.id), "ok").await?;
    }
    let mut r = see_other("/signin?notice=signed-out");
    r.headers_mut().append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE, state.config.is_https()));
    Ok(r)
}
