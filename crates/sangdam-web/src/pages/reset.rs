//! "Forgot password": a single-use emailed link, valid for 30 minutes. The request form answers
//! the same whether or not the address has an account.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sangdam_domain::{Email, NewPassword, SecretToken};
use serde::Deserialize;

use super::views::password_error;
use super::views::{message, render, see_other, with_status};
use crate::auth::{audit, email_key, hash_password, user_target};
use crate::crypto::random;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::mail::{self, Mail};
use crate::state::AppState;

/// How long a reset link works.
pub const RESET_LINK_SECONDS: i64 = 30 * 60;

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage<'a> {
    ctx: &'a Ctx,
    email: String,
    errors: Vec<String>,
}

pub async fn forgot_form(ctx: Ctx) -> AppResult {
    render(&ForgotPage { ctx: &ctx, email: String::new(), errors: vec![] })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
}

pub async fn forgot_submit(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<ForgotForm>) -> AppResult {
    let email = match Email::parse(&f.email) {
        Ok(e) => e,
        Err(e) => {
            let page = ForgotPage { ctx: &ctx, email: f.email.clone(), errors: vec![ctx.t(e.message_id())] };
            return with_status(StatusCode::UNPROCESSABLE_ENTITY, render(&page));
        }
    };
    if !state.limiter.allow("forgot", &ctx.address, ctx.now, 10, 15 * 60) {
        let page = ForgotPage { ctx: &ctx, email: f.email.clone(), errors: vec![ctx.t("error-too-many-requests")] };
        return with_status(StatusCode::TOO_MANY_REQUESTS, render(&page));
    }
    if let Some(user) = state.store.user_by_email(&email).await?.filter(|u| u.active) {
        let token = SecretToken::from_random(random());
        state
            .store
            .create_password_reset(&token.hash().to_hex(), &user.id, ctx.now, ctx.now + RESET_LINK_SECONDS)
            .await?;
        let link = state.config.link(&format!("/reset/{}", token.expose()));
        mail::send(&state, &user.email, user.language, Mail::PasswordReset { link }).await?;
        audit(&state, &ctx, None, "password.reset.request", user_target(&user.id), "ok").await?;
    }
    message(&ctx, "forgot-sent-title", "forgot-sent-body", Some(("/signin", "nav-signin")))
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage<'a> {
    ctx: &'a Ctx,
    token: String,
    errors: Vec<String>,
}

fn invalid_link(ctx: &Ctx) -> AppResult {
    with_status(
        StatusCode::NOT_FOUND,
        message(ctx, "reset-invalid-title", "reset-invalid-body", Some(("/forgot", "reset-invalid-again"))),
    )
}

pub async fn reset_form(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> AppResult {
    let Some(token) = SecretToken::parse(&token) else {
        return invalid_link(&ctx);
    };
    match state.store.password_reset_user(&token.hash().to_hex(), ctx.now).await? {
        Some(_) => render(&ResetPage { ctx: &ctx, token: token.expose().to_owned(), errors: vec![] }),
        None => invalid_link(&ctx),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    password: String,
}

pub async fn reset_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    FormData(f): FormData<ResetForm>,
) -> AppResult {
    let Some(token) = SecretToken::parse(&token) else {
        return invalid_link(&ctx);
    };
    let hash = token.hash().to_hex();
    let Some(user_id) = state.store.password_reset_user(&hash, ctx.now).await? else {
        return invalid_link(&ctx);
    };
    let user = state.store.user_by_id(&user_id).await?.ok_or(AppError::NotFound)?;
    // The password is checked before the link is spent, so a refused password costs nothing.
    let password = match NewPassword::parse(&f.password, &[user.email.as_str(), user.display_name.as_str()]) {
        Ok(p) => p,
        Err(e) => {
            let page = ResetPage { ctx: &ctx, token: token.expose().to_owned(), errors: vec![password_error(&ctx, e)] };
            return with_status(StatusCode::UNPROCESSABLE_ENTITY, render(&page));
        }
    };
    if state.store.consume_password_reset(&hash, ctx.now).await?.as_ref() != Some(&user.id) {
        return invalid_link(&ctx);
    }
    let new_hash = hash_password(&password).await?;
    let actor = crate::auth::actor_of(&ctx, Some(&user));
    let notice = mail::prepare(&state, &user.email, user.language, Mail::PasswordChanged);
    let how = sangdam_app::account::PasswordChange::Reset;
    sangdam_app::account::set_password(&state.store, &state.keys, &actor, &user.id, &new_hash, how, notice).await?;
    state.sessions_changed();
    state.mail_queued.notify_one();
    state.store.clear_signin_failures(&email_key(&state, user.email.as_str())).await?;
    Ok(see_other("/signin?notice=reset"))
}
