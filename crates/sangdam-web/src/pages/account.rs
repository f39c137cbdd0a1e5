//! Account settings: profile (name, language, time zone), password, and the list of one's
//! signed-in sessions with "sign out everywhere".

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use sangdam_app::account::{self, PasswordChange};
use sangdam_domain::{DisplayName, Language, NewPassword, Timezone};
use sangdam_store::SessionRecord;
use serde::Deserialize;

use super::views::{password_error, role_message_id};
use super::views::{render, see_other, with_status};
use crate::auth::{actor_of, hash_password};
use crate::ctx::{Ctx, SESSION_COOKIE};
use crate::error::AppResult;
use crate::forms::{FormData, clear_cookie};
use crate::mail::{self, Mail};
use crate::state::AppState;
use crate::throttle::check_current_password;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    saved: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ProfileForm {
    display_name: String,
    language: String,
    timezone: String,
}

#[derive(Template)]
#[template(path = "account/profile.html")]
struct ProfilePage<'a> {
    ctx: &'a Ctx,
    form: ProfileForm,
    email: String,
    role_message_id: &'static str,
    two_factor: bool,
    errors: Vec<String>,
    invalid: Vec<&'static str>,
    notice: Option<String>,
    timezones: &'a [String],
}

impl ProfilePage<'_> {
    fn bad(&self, field: &str) -> bool {
        self.invalid.contains(&field)
    }
}

pub async fn profile_form(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NoticeQuery>) -> AppResult {
    let v = ctx.signed_in()?;
    let form = ProfileForm {
        display_name: v.user.display_name.to_string(),
        language: v.user.language.code().to_owned(),
        timezone: v.user.timezone.as_str().to_owned(),
    };
    let notice = q.saved.map(|_| ctx.t("notice-saved"));
    render(&ProfilePage {
        ctx: &ctx,
        form,
        email: v.user.email.to_string(),
        role_message_id: role_message_id(v.user.role),
        two_factor: v.user.two_factor_enrolled(),
        errors: vec![],
        invalid: vec![],
        notice,
        timezones: &state.timezones,
    })
}

pub async fn profile_submit(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<ProfileForm>) -> AppResult {
    let v = ctx.signed_in()?;
    let mut errors = Vec::new();
    let mut invalid = Vec::new();
    let name = DisplayName::parse(&f.display_name).map_err(|e| {
        errors.push(ctx.t(e.message_id()));
        invalid.push("display_name");
    });
    let language = Language::parse(&f.language).ok_or_else(|| {
        errors.push(ctx.t("error-language-unknown"));
        invalid.push("language");
    });
    let timezone = Timezone::parse(&f.timezone).map_err(|e| {
        errors.push(ctx.t(e.message_id()));
        invalid.push("timezone");
    });
    let (Ok(name), Ok(language), Ok(timezone)) = (name, language, timezone) else {
        let page = ProfilePage {
            ctx: &ctx,
            form: f.clone(),
            email: v.user.email.to_string(),
            role_message_id: role_message_id(v.user.role),
            two_factor: v.user.two_factor_enrolled(),
            errors,
            invalid,
            notice: None,
            timezones: &state.timezones,
        };
        return with_status(StatusCode::UNPROCESSABLE_ENTITY, render(&page));
    };
    let actor = actor_of(&ctx, Some(&v.user));
    account::save_profile(&state.store, &state.keys, &actor, &name, language, &timezone).await?;
    Ok(see_other("/account?saved=1"))
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage<'a> {
    ctx: &'a Ctx,
    errors: Vec<String>,
    notice: Option<String>,
}

pub async fn password_form(ctx: Ctx, Query(q): Query<NoticeQuery>) -> AppResult {
    ctx.signed_in()?;
    let notice = q.saved.map(|_| ctx.t("notice-password-changed"));
    render(&PasswordPage { ctx: &ctx, errors: vec![], notice })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    new: String,
}

/// Changing the password needs the current one; every other session of the user ends.
pub async fn password_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    FormData(f): FormData<PasswordForm>,
) -> AppResult {
    let v = ctx.signed_in()?;
    let refuse_with = |status: StatusCode, error: String| {
        with_status(status, render(&PasswordPage { ctx: &ctx, errors: vec![error], notice: None }))
    };
    let refuse = |error: String| refuse_with(StatusCode::UNPROCESSABLE_ENTITY, error);
    if let Err(refused) = check_current_password(&state, &ctx, &v.user, &f.current, "password.change").await? {
        return refuse_with(refused.status(), refused.message());
    }
    let password = match NewPassword::parse(&f.new, &[v.user.email.as_str(), v.user.display_name.as_str()]) {
        Ok(p) => p,
        Err(e) => return refuse(password_error(&ctx, e)),
    };
    let hash = hash_password(&password).await?;
    let actor = actor_of(&ctx, Some(&v.user));
    let notice = mail::prepare(&state, &v.user.email, v.user.language, Mail::PasswordChanged);
    let how = PasswordChange::Changed { keep: &v.token_hash };
    account::set_password(&state.store, &state.keys, &actor, &v.user.id, &hash, how, notice).await?;
    state.sessions_changed();
    state.mail_queued.notify_one();
    Ok(see_other("/account/password?saved=1"))
}

#[derive(Template)]
#[template(path = "account/sessions.html")]
struct SessionsPage<'a> {
    ctx: &'a Ctx,
    sessions: Vec<(bool, SessionRecord)>,
}

pub async fn sessions(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.signed_in()?;
    let sessions = state
        .store
        .list_user_sessions(&v.user.id)
        .await?
        .into_iter()
        .map(|(hash, s)| (hash == v.token_hash, s))
        .collect();
    render(&SessionsPage { ctx: &ctx, sessions })
}

pub async fn end_session(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = ctx.signed_in()?;
    if id == v.session.public_id {
        return end_all_or_this(&state, &ctx, false).await;
    }
    let actor = actor_of(&ctx, Some(&v.user));
    account::end_session(&state.store, &state.keys, &actor, &id).await?;
    state.sessions_changed();
    Ok(see_other("/account/sessions"))
}

pub async fn end_other_sessions(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.signed_in()?;
    let actor = actor_of(&ctx, Some(&v.user));
    account::end_sessions(&state.store, &state.keys, &actor, Some(&v.token_hash)).await?;
    state.sessions_changed();
    Ok(see_other("/account/sessions"))
}

/// "Sign out everywhere": every session of the user ends, this one included.
pub async fn end_all_sessions(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    end_all_or_this(&state, &ctx, true).await
}

async fn end_all_or_this(state: &AppState, ctx: &Ctx, everywhere: bool) -> AppResult {
    let v = ctx.signed_in()?;
    let actor = actor_of(ctx, Some(&v.user));
    if everywhere {
        account::end_sessions(&state.store, &state.keys, &actor, None).await?;
    } else {
        account::sign_out(&state.store, &state.keys, &actor, &v.token_hash).await?;
    }
    state.sessions_changed();
    let mut r = see_other(if everywhere { "/signin?notice=everywhere" } else { "/signin?notice=signed-out" });
    r.headers_mut().append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE, state.config.is_https()));
    Ok(r)
}
