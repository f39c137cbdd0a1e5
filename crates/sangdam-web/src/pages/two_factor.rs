//! Two-factor enrollment in account settings: a QR code (SVG) and the key as text, confirmation
//! with a first code, ten single-use recovery codes shown once, renewal and removal.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use qrcode::QrCode;
use qrcode::render::svg;
use sangdam_app::account::{self, TwoFactor};
use sangdam_domain::totp::TotpSecret;
use serde::Deserialize;

use super::views::{render, see_other, with_status};
use crate::auth::{audit, user_target};
use crate::crypto::{random, sha256_hex};
use crate::ctx::{Ctx, Viewer};
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;
use crate::throttle::{check_current_code, check_current_password};

pub const RECOVERY_CODES: usize = 10;

/// What the enrollment step shows.
struct Enrollment {
    qr_svg: String,
    key_text: String,
}

#[derive(Template)]
#[template(path = "account/two_factor.html")]
struct TwoFactorPage<'a> {
    ctx: &'a Ctx,
    enrolled: bool,
    required: bool,
    enrollment: Option<Enrollment>,
    recovery_codes: Vec<String>,
    unused_codes: i64,
    errors: Vec<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    required: Option<String>,
}

fn enrollment(state: &AppState, v: &Viewer) -> Result<Option<Enrollment>, AppError> {
    let Some(sealed) = &v.user.totp_pending else {
        return Ok(None);
    };
    let pending = state.keys.open_at(&sangdam_store::sealed::TOTP_PENDING, &[v.user.id.as_str()], sealed);
    let Some(secret) = pending.ok().and_then(|b| TotpSecret::from_slice(&b)) else {
        return Ok(None);
    };
    let uri = secret.otpauth_uri(&state.config.site_name, v.user.email.as_str());
    let qr = QrCode::new(uri.as_bytes()).map_err(|e| anyhow::anyhow!("QR code: {e}"))?;
    let qr_svg = qr.render::<svg::Color<'_>>().min_dimensions(220, 220).quiet_zone(true).build();
    Ok(Some(Enrollment { qr_svg, key_text: secret.to_base32_grouped() }))
}

async fn show(
    state: &AppState,
    ctx: &Ctx,
    v: &Viewer,
    required: bool,
    recovery_codes: Vec<String>,
    errors: Vec<String>,
    notice: Option<String>,
) -> AppResult {
    let unused_codes =
        if v.user.two_factor_enrolled() { state.store.unused_recovery_codes(&v.user.id).await? } else { 0 };
    let page = TwoFactorPage {
        ctx,
        enrolled: v.user.two_factor_enrolled(),
        required,
        enrollment: if v.user.two_factor_enrolled() { None } else { enrollment(state, v)? },
        recovery_codes,
        unused_codes,
        errors,
        notice,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    with_status(status, render(&page))
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<PageQuery>) -> AppResult {
    let v = ctx.signed_in()?;
    show(&state, &ctx, v, q.required.is_some(), vec![], vec![], None).await
}

pub async fn start(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.signed_in()?;
    if !v.user.two_factor_enrolled() {
        let sealed = state.keys.seal_at(&sangdam_store::sealed::TOTP_PENDING, &[v.user.id.as_str()], &random::<20>());
        state.store.set_totp_pending(&v.user.id, Some(&sealed), ctx.now).await?;
    }
    Ok(see_other("/account/two-factor"))
}

/// Fresh recovery codes: shown once as `xxxxx-xxxxx`, stored as hashes.
fn generate_recovery_codes() -> (Vec<String>, Vec<String>) {
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw: String = sangdam_domain::ids::encode_random(&random::<8>()).chars().take(10).collect();
            (format!("{}-{}", &raw[..5], &raw[5..]), sha256_hex(raw.as_bytes()))
        })
        .unzip()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
    password: String,
}

pub async fn confirm(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<CodeForm>) -> AppResult {
    let v = ctx.signed_in()?;
    if v.user.two_factor_enrolled() {
        return Ok(see_other("/account/two-factor"));
    }
    let secret = v
        .user
        .totp_pending
        .as_ref()
        .and_then(|sealed| state.keys.open_at(&sangdam_store::sealed::TOTP_PENDING, &[v.user.id.as_str()], sealed).ok())
        .and_then(|b| TotpSecret::from_slice(&b));
    let Some(secret) = secret else {
        return Ok(see_other("/account/two-factor"));
    };
    let Some(step) = secret.verify(&f.code, ctx.now, None) else {
        audit(&state, &ctx, Some(&v.user), "two_factor.enable", user_target(&v.user.id), "denied").await?;
        return show(&state, &ctx, v, false, vec![], vec![ctx.t("error-code-wrong")], None).await;
    };
    let (codes, hashes) = generate_recovery_codes();
    let sealed = state.keys.seal_at(&sangdam_store::sealed::TOTP_SECRET, &[v.user.id.as_str()], secret.as_bytes());
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    account::set_two_factor(&state.store, &state.keys, &actor, &sealed, step, &hashes, TwoFactor::Enable).await?;
    let mut updated = v.clone();
    updated.user = state.store.user_by_id(&v.user.id).await?.ok_or(AppError::NotFound)?;
    // The page says two-factor is on: its banner must not still ask for it.
    let ctx = ctx.with_viewer(updated.clone());
    show(&state, &ctx, &updated, false, codes, vec![], Some(ctx.t("two-factor-enabled"))).await
}

/// New recovery codes replace the old ones after a current code (or a last recovery code).
pub async fn new_recovery_codes(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<CodeForm>) -> AppResult {
    let (state, ctx) = (&state, &ctx);
    let v = ctx.signed_in()?;
    if !v.user.two_factor_enrolled() {
        return Ok(see_other("/account/two-factor"));
    }
    if let Err(refused) = check_current_code(state, ctx, &v.user, &f.code, "two_factor.recovery_codes").await? {
        audit(state, ctx, Some(&v.user), "two_factor.recovery_codes", user_target(&v.user.id), "denied").await?;
        let status = refused.status();
        let message = match refused {
            crate::throttle::Refused::Wrong(_) => ctx.t("error-code-wrong"),
            crate::throttle::Refused::Throttled(m) => m,
        };
        return with_status(status, show(state, ctx, v, false, vec![], vec![message], None).await);
    }
    let (codes, hashes) = generate_recovery_codes();
    let sealed = v.user.totp_secret.clone().unwrap_or_default();
    let step = state.store.user_by_id(&v.user.id).await?.and_then(|u| u.totp_last_step).unwrap_or(0);
    let actor = crate::auth::actor_of(ctx, Some(&v.user));
    let why = TwoFactor::NewRecoveryCodes;
    account::set_two_factor(&state.store, &state.keys, &actor, &sealed, step, &hashes, why).await?;
    show(state, ctx, v, false, codes, vec![], Some(ctx.t("two-factor-codes-renewed"))).await
}

/// Turning two-factor off asks for the password and a current code, so a borrowed unlocked
/// browser cannot do it.
pub async fn disable(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<CodeForm>) -> AppResult {
    let v = ctx.signed_in()?;
    if !v.user.two_factor_enrolled() {
        return Ok(see_other("/account/two-factor"));
    }
    let mut refused = check_current_password(&state, &ctx, &v.user, &f.password, "two_factor.disable").await?.err();
    if refused.is_none() {
        refused = check_current_code(&state, &ctx, &v.user, &f.code, "two_factor.disable").await?.err();
    }
    if let Some(refused) = refused {
        audit(&state, &ctx, Some(&v.user), "two_factor.disable", user_target(&v.user.id), "denied").await?;
        let status = refused.status();
        let message = match refused {
            crate::throttle::Refused::Wrong(_) => ctx.t("error-disable-two-factor"),
            crate::throttle::Refused::Throttled(m) => m,
        };
        return super::views::with_status(status, show(&state, &ctx, v, false, vec![], vec![message], None).await);
    }
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    account::disable_two_factor(&state.store, &state.keys, &actor).await?;
    // Their open consoles and rooms showed client data: they close (see `session_watch`).
    state.sessions_changed();
    Ok(see_other("/account/two-factor"))
}
