//! Client sign-up, and staff joining by invitation: one account form, two doors.
//!
//! A client's sign-up is finished from a link mailed to the address (valid for
//! [`SIGNUP_LINK_HOURS`]). The form's answer is the same whether or not the address already has
//! an account: a new address gets the link, an address with an account gets a mail saying so
//! (with the ways to sign in or reset the password), and the page says only "check your mail".
//! So the sign-up form tells nobody who has an account, as sign-in and password reset do not.
//! The password is chosen on the page the link opens, never on the first form: whoever typed an
//! address that is not theirs cannot know the password of the account its owner then finishes.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use sangdam_app::Actor;
use sangdam_domain::{
    DisplayName, Email, Language, NewPassword, PRIVACY_NOTICE_VERSION, Role, SecretToken, Timezone, UserId,
};
use sangdam_store::{Effects, InvitationState, NewUser, PendingSignup, SessionState, StoreError};
use serde::Deserialize;

use super::views::{message, render, see_other, with_status};
use super::views::{password_error, role_message_id};
use crate::auth::{audit, hash_password, start_session, user_target};
use crate::crypto::random;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::mail::{self, Mail};
use crate::state::AppState;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AccountForm {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub language: String,
    pub timezone: String,
    pub consent: Option<String>,
}

/// What an invitation fixes in the form.
pub struct InvitationInfo {
    pub email: String,
    pub role_message_id: &'static str,
    pub token: String,
}

#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignupPage<'a> {
    pub ctx: &'a Ctx,
    pub form: AccountForm,
    pub errors: Vec<String>,
    pub invalid: Vec<&'static str>,
    pub timezones: &'a [String],
    pub invitation: Option<InvitationInfo>,
}

impl SignupPage<'_> {
    pub fn bad(&self, field: &str) -> bool {
        self.invalid.contains(&field)
    }

    pub fn chosen_language(&self) -> String {
        if self.form.language.is_empty() { self.ctx.tr.code().to_owned() } else { self.form.language.clone() }
    }

    pub fn chosen_timezone(&self) -> String {
        // The browser's own zone when the page's script has told us, else Seoul.
        if self.form.timezone.is_empty() { self.ctx.timezone().as_str().to_owned() } else { self.form.timezone.clone() }
    }
}

pub struct ValidAccount {
    pub email: Email,
    pub name: DisplayName,
    pub language: Language,
    pub timezone: Timezone,
}

/// Turns the form into domain values, or every problem with it at once, in the person's language.
/// The password is not part of it: an invitation checks it beside, a client's sign-up asks for it
/// on the page its mailed link opens.
pub fn validate(
    ctx: &Ctx,
    f: &AccountForm,
    fixed_email: Option<&str>,
) -> Result<ValidAccount, (Vec<String>, Vec<&'static str>)> {
    let mut errors = Vec::new();
    let mut invalid = Vec::new();
    let email = Email::parse(fixed_email.unwrap_or(&f.email)).map_err(|e| {
        errors.push(ctx.t(e.message_id()));
        invalid.push("email");
    });
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
    if f.consent.is_none() {
        errors.push(ctx.t("error-consent-required"));
        invalid.push("consent");
    }
    match (email, name, language, timezone) {
        (Ok(email), Ok(name), Ok(language), Ok(timezone)) if errors.is_empty() => {
            Ok(ValidAccount { email, name, language, timezone })
        }
        _ => Err((errors, invalid)),
    }
}

pub async fn form(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    if ctx.is_signed_in() {
        return Ok(see_other("/dashboard"));
    }
    render(&SignupPage {
        ctx: &ctx,
        form: AccountForm::default(),
        errors: vec![],
        invalid: vec![],
        timezones: &state.timezones,
        invitation: None,
    })
}

fn show_errors(
    state: &AppState,
    ctx: &Ctx,
    mut form: AccountForm,
    errors: Vec<String>,
    invalid: Vec<&'static str>,
    invitation: Option<InvitationInfo>,
) -> AppResult {
    // What was typed comes back, except the password, which is never sent back to the browser.
    form.password.clear();
    with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&SignupPage { ctx, form, errors, invalid, timezones: &state.timezones, invitation }),
    )
}

fn new_user(v: &ValidAccount, role: Role, hash: String, now: i64) -> NewUser {
    NewUser {
        id: UserId::from_random(random()),
        email: v.email.clone(),
        display_name: v.name.clone(),
        role,
        language: v.language,
        timezone: v.timezone.clone(),
        password_hash: hash,
        now,
        consent: Some(("privacy".to_owned(), PRIVACY_NOTICE_VERSION.to_owned())),
    }
}

/// How long the link that finishes a sign-up works.
pub const SIGNUP_LINK_HOURS: i64 = 24;

pub async fn submit(State(state): State<AppState>, ctx: Ctx, FormData(f): FormData<AccountForm>) -> AppResult {
    if !state.limiter.allow("signup", &ctx.address, ctx.now, 20, 3600) {
        return with_status(
            StatusCode::TOO_MANY_REQUESTS,
            show_errors(&state, &ctx, f, vec![ctx.t("error-too-many-signups")], vec![], None),
        );
    }
    let v = match validate(&ctx, &f, None) {
        Ok(v) => v,
        Err((errors, invalid)) => return show_errors(&state, &ctx, f, errors, invalid, None),
    };
    // The same answer whether or not the address has an account; at most a few mails an hour go
    // to one address, whoever asks.
    let mail_key = state.keys.mac_hex("signup.mail", v.email.as_str().as_bytes());
    if state.limiter.allow("signup-mail", &mail_key, ctx.now, 3, 3600) {
        match state.store.user_by_email(&v.email).await? {
            Some(existing) => {
                if existing.active {
                    let mail = Mail::SignupExisting {
                        signin: state.config.link("/signin"),
                        reset: state.config.link("/forgot"),
                    };
                    mail::send(&state, &existing.email, existing.language, mail).await?;
                }
            }
            None => {
                let token = SecretToken::from_random(random());
                let pending = PendingSignup {
                    email: v.email.clone(),
                    display_name: v.name.clone(),
                    language: v.language,
                    timezone: v.timezone.clone(),
                    consent_version: PRIVACY_NOTICE_VERSION.to_owned(),
                    created_at: ctx.now,
                    expires_at: ctx.now + SIGNUP_LINK_HOURS * 3600,
                };
                state.store.create_pending_signup(&pending, &token.hash().to_hex()).await?;
                let link = state.config.link(&format!("/signup/confirm/{}", token.expose()));
                mail::send(&state, &v.email, v.language, Mail::ConfirmSignup { link, hours: SIGNUP_LINK_HOURS })
                    .await?;
            }
        }
    }
    audit(&state, &ctx, None, "account.signup.request", None, "ok").await?;
    render(&SentPage { ctx: &ctx, email: v.email.to_string(), hours: SIGNUP_LINK_HOURS })
}

#[derive(Template)]
#[template(path = "signup_sent.html")]
struct SentPage<'a> {
    ctx: &'a Ctx,
    email: String,
    hours: i64,
}

#[derive(Template)]
#[template(path = "signup_confirm.html")]
struct ConfirmPage<'a> {
    ctx: &'a Ctx,
    token: String,
    email: String,
    display_name: String,
    consented: bool,
    errors: Vec<String>,
    invalid: Vec<&'static str>,
}

impl ConfirmPage<'_> {
    pub fn bad(&self, field: &str) -> bool {
        self.invalid.contains(&field)
    }
}

/// What the confirmation page sends: the password chosen there, the name, which the person may
/// still change (someone else may have typed it), and their own consent to the privacy notice
/// (the one recorded: the first form's may have been someone else's).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConfirmForm {
    display_name: String,
    password: String,
    consent: Option<String>,
}

fn link_invalid(ctx: &Ctx) -> AppResult {
    with_status(
        StatusCode::NOT_FOUND,
        message(ctx, "signup-link-invalid-title", "signup-link-invalid-body", Some(("/signup", "signup-title"))),
    )
}

/// The page the mailed link opens: the password is chosen here, and the button finishes the
/// sign-up (a link preview or a mail scanner that fetches the link finishes nothing).
pub async fn confirm_form(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> AppResult {
    let Some(t) = SecretToken::parse(&token) else { return link_invalid(&ctx) };
    match state.store.pending_signup(&t.hash().to_hex(), ctx.now).await? {
        Some(p) => render(&ConfirmPage {
            ctx: &ctx,
            token: t.expose().to_owned(),
            email: p.email.to_string(),
            display_name: p.display_name.to_string(),
            consented: false,
            errors: vec![],
            invalid: vec![],
        }),
        None => link_invalid(&ctx),
    }
}

/// Finishes a sign-up: the account is created (once, whoever clicks twice) and signed in.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
    FormData(f): FormData<ConfirmForm>,
) -> AppResult {
    let Some(t) = SecretToken::parse(&token) else { return link_invalid(&ctx) };
    let hash = t.hash().to_hex();
    let Some(p) = state.store.pending_signup(&hash, ctx.now).await? else { return link_invalid(&ctx) };
    let mut errors = Vec::new();
    let mut invalid = Vec::new();
    let name = DisplayName::parse(&f.display_name).map_err(|e| {
        errors.push(ctx.t(e.message_id()));
        invalid.push("display_name");
    });
    let password = NewPassword::parse(&f.password, &[p.email.as_str(), f.display_name.as_str()]).map_err(|e| {
        errors.push(password_error(&ctx, e));
        invalid.push("password");
    });
    if f.consent.is_none() {
        errors.push(ctx.t("error-consent-required"));
        invalid.push("consent");
    }
    let (Ok(name), Ok(password), true) = (name, password, errors.is_empty()) else {
        // The name comes back as typed; the password never goes back to the browser.
        return with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&ConfirmPage {
                ctx: &ctx,
                token: t.expose().to_owned(),
                email: p.email.to_string(),
                display_name: f.display_name,
                consented: f.consent.is_some(),
                errors,
                invalid,
            }),
        );
    };
    let password_hash = hash_password(&password).await?;
    let user = NewUser {
        id: UserId::from_random(random()),
        email: p.email.clone(),
        display_name: name,
        role: Role::Client,
        language: p.language,
        timezone: p.timezone.clone(),
        password_hash,
        now: ctx.now,
        consent: Some(("privacy".to_owned(), PRIVACY_NOTICE_VERSION.to_owned())),
    };
    let effects = account_effects(&state, &ctx, &user, "account.signup", None);
    match state.store.complete_signup(&hash, &user, ctx.now, &effects).await {
        Ok(()) => crate::jobs::run_now(&state, &effects.jobs).await,
        Err(StoreError::NotFound) => return link_invalid(&ctx),
        // The address got an account since (another sign-up finished first): sign in instead.
        Err(StoreError::Conflict) => return Ok(see_other("/signin")),
        Err(e) => return Err(e.into()),
    }
    sign_in_new_account(&state, &ctx, &headers, &user.id, "/dashboard?welcome=1").await
}

/// What commits with a new account: its audit entry (by the new person), and for a client the
/// `client.created` webhook, naming the invitation it came from when a center added it.
fn account_effects(state: &AppState, ctx: &Ctx, user: &NewUser, action: &str, invitation: Option<&str>) -> Effects {
    let actor = Actor::person(&user.id, user.role, Some(&ctx.address), ctx.now);
    let target = match invitation {
        Some(id) => Some(format!("invitation:{id}")),
        None => user_target(&user.id),
    };
    let effects = sangdam_app::audit::audited(&state.keys, &actor, action, target, "ok");
    if user.role != Role::Client {
        return effects;
    }
    let data = serde_json::json!({ "id": user.id.as_str(), "invitation_id": invitation });
    effects.with_job(sangdam_app::webhooks::event_job("client.created", data, ctx.now))
}

/// Signs a just-created account in and sends it on to `to`.
async fn sign_in_new_account(
    state: &AppState,
    ctx: &Ctx,
    headers: &axum::http::HeaderMap,
    user: &UserId,
    to: &str,
) -> AppResult {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let cookie = start_session(state, ctx, user, SessionState::Active, agent).await?;
    let mut r = see_other(to);
    r.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(r)
}

async fn open_invitation(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
) -> Result<Option<(String, InvitationInfo)>, AppError> {
    let Some(token) = SecretToken::parse(token) else {
        return Ok(None);
    };
    let hash = token.hash().to_hex();
    let Some(inv) = state.store.invitation_by_token(&hash).await? else {
        return Ok(None);
    };
    if inv.state(ctx.now) != InvitationState::Open {
        return Ok(None);
    }
    Ok(Some((
        hash,
        InvitationInfo {
            email: inv.email.to_string(),
            role_message_id: role_message_id(inv.role),
            token: token.expose().to_owned(),
        },
    )))
}

pub async fn invitation_form(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> AppResult {
    match open_invitation(&state, &ctx, &token).await? {
        Some((_, info)) => render(&SignupPage {
            ctx: &ctx,
            form: AccountForm::default(),
            errors: vec![],
            invalid: vec![],
            timezones: &state.timezones,
            invitation: Some(info),
        }),
        None => with_status(
            StatusCode::NOT_FOUND,
            message(&ctx, "invite-invalid-title", "invite-invalid-body", Some(("/", "error-home"))),
        ),
    }
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
    FormData(f): FormData<AccountForm>,
) -> AppResult {
    let Some((hash, info)) = open_invitation(&state, &ctx, &token).await? else {
        return with_status(
            StatusCode::NOT_FOUND,
            message(&ctx, "invite-invalid-title", "invite-invalid-body", Some(("/", "error-home"))),
        );
    };
    let account = validate(&ctx, &f, Some(&info.email));
    let password = NewPassword::parse(&f.password, &[info.email.as_str(), f.display_name.as_str()]);
    let (v, password) = match (account, password) {
        (Ok(v), Ok(p)) => (v, p),
        (account, password) => {
            let (mut errors, mut invalid) = account.err().unwrap_or_default();
            if let Err(e) = password {
                errors.push(password_error(&ctx, e));
                invalid.push("password");
            }
            return show_errors(&state, &ctx, f, errors, invalid, Some(info));
        }
    };
    let inv = state.store.invitation_by_token(&hash).await?.ok_or(AppError::NotFound)?;
    let hash_pw = hash_password(&password).await?;
    let user = new_user(&v, inv.role, hash_pw, ctx.now);
    let effects = account_effects(&state, &ctx, &user, "account.invitation.accept", Some(&inv.public_id));
    match state.store.accept_invitation(&hash, &user, &effects).await {
        Ok(()) => crate::jobs::run_now(&state, &effects.jobs).await,
        Err(StoreError::NotFound) => {
            return with_status(
                StatusCode::NOT_FOUND,
                message(&ctx, "invite-invalid-title", "invite-invalid-body", None),
            );
        }
        Err(StoreError::Conflict) => {
            return show_errors(&state, &ctx, f, vec![ctx.t("error-email-taken")], vec!["email"], Some(info));
        }
        Err(e) => return Err(e.into()),
    }
    // Staff land on two-factor enrollment: they cannot see client data before it.
    let to = if user.role == Role::Client { "/dashboard?welcome=1" } else { "/account/two-factor" };
    sign_in_new_account(&state, &ctx, &headers, &user.id, to).await
}
