//! Throttling of everything that checks a secret a person types: the sign-in password, the
//! second factor, and the current password asked again before changing the password, deleting
//! the account or changing two-factor. Each attempt is counted before it is checked
//! (`Store::reserve_signin_attempt`), per typed email and per network address, so simultaneous
//! attempts are throttled exactly like attempts one after another.

use sangdam_domain::throttle::SigninGate;
use sangdam_store::{Reservation, UserRecord};

use crate::auth::{audit, email_key, user_target, verify_password};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::mail::{self, Mail};
use crate::metrics::Metrics;
use crate::state::AppState;

/// The throttling answer for a gate that is not open, in the person's language. The same for
/// known and unknown addresses.
fn gate_message(ctx: &Ctx, gate: SigninGate) -> Option<String> {
    match gate {
        SigninGate::Open => None,
        SigninGate::Wait { seconds } => Some(ctx.tn("error-signin-wait", "seconds", seconds)),
        SigninGate::Locked { until } => Some(ctx.tn("error-signin-locked", "minutes", ((until - ctx.now) + 59) / 60)),
    }
}

/// Counts an attempt at a password or code for `key` before it is checked (see
/// `Store::reserve_signin_attempt`): `Ok((id, failures before))` to go on, or the localized
/// refusal (also audited) when the address or the account must wait.
pub async fn begin_attempt(state: &AppState, ctx: &Ctx, key: &str) -> Result<Result<(i64, usize), String>, AppError> {
    let policy = state.config.throttle;
    let refusal = match state.store.reserve_signin_attempt(&policy, key, &ctx.address, ctx.now).await? {
        Reservation::Granted { id, failures_before } => return Ok(Ok((id, failures_before))),
        Reservation::AddressLimit => ctx.t("error-signin-address-limit"),
        Reservation::Refused(gate) => gate_message(ctx, gate).unwrap_or_else(|| ctx.t("error-signin-failed")),
    };
    Metrics::inc(&state.metrics.signins_throttled);
    audit(state, ctx, None, "signin.throttled", None, "denied").await?;
    Ok(Err(refusal))
}

/// Records that a counted attempt failed (a wrong password or a wrong second factor; the attempt
/// is already counted); locks the account and tells its owner when this failure is the one too
/// many.
pub async fn record_failure(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    failures_before: usize,
    user: Option<&UserRecord>,
    action: &str,
) -> Result<(), AppError> {
    Metrics::inc(&state.metrics.signins_failed);
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

/// Why a secret typed again was not accepted, with the localized message to show.
#[derive(Debug, Clone)]
pub enum Refused {
    /// Wrong (422).
    Wrong(String),
    /// Too many attempts: wait (429).
    Throttled(String),
}

impl Refused {
    pub fn status(&self) -> axum::http::StatusCode {
        match self {
            Refused::Wrong(_) => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            Refused::Throttled(_) => axum::http::StatusCode::TOO_MANY_REQUESTS,
        }
    }

    pub fn message(self) -> String {
        match self {
            Refused::Wrong(m) | Refused::Throttled(m) => m,
        }
    }
}

/// Checks a secret a signed-in person types again (`check` says whether it is right) under the
/// same throttle as signing in, the same count of failures for their email. `action` names the
/// check in the audit log; `wrong_id` is the message for a wrong one.
async fn check_again(
    state: &AppState,
    ctx: &Ctx,
    user: &UserRecord,
    action: &str,
    wrong_id: &str,
    check: impl std::future::Future<Output = Result<bool, AppError>>,
) -> Result<Result<(), Refused>, AppError> {
    let key = email_key(state, user.email.as_str());
    let (id, failures_before) = match begin_attempt(state, ctx, &key).await? {
        Ok(granted) => granted,
        Err(message) => return Ok(Err(Refused::Throttled(message))),
    };
    if check.await? {
        state.store.forget_signin_attempt(id).await?;
        return Ok(Ok(()));
    }
    record_failure(state, ctx, &key, failures_before, Some(user), action).await?;
    Ok(Err(Refused::Wrong(ctx.t(wrong_id))))
}

/// The current password, asked again before changing the password, two-factor or deleting the
/// account.
pub async fn check_current_password(
    state: &AppState,
    ctx: &Ctx,
    user: &UserRecord,
    candidate: &str,
    action: &str,
) -> Result<Result<(), Refused>, AppError> {
    let check = async { Ok(verify_password(Some(user.password_hash.clone()), candidate).await?) };
    check_again(state, ctx, user, action, "error-current-password", check).await
}

/// The second factor (a current code or a recovery code), asked again before turning two-factor
/// off or renewing the recovery codes.
pub async fn check_current_code(
    state: &AppState,
    ctx: &Ctx,
    user: &UserRecord,
    code: &str,
    action: &str,
) -> Result<Result<(), Refused>, AppError> {
    let check = async { Ok(crate::auth::check_second_factor(state, ctx, user, code).await?.is_some()) };
    check_again(state, ctx, user, action, "error-disable-two-factor", check).await
}
