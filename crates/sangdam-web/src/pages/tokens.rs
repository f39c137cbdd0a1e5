//! API tokens: staff make personal tokens on their account page, admins make the center's
//! service tokens. A token is shown once, on the page that answers its creation; afterwards only
//! its name, scopes, dates and last use are shown, and it can be revoked. Making and revoking are
//! audited with the change.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sangdam_app::crypto::random;
use sangdam_domain::Role;
use sangdam_domain::api::{
    DEFAULT_TOKEN_DAYS, MAX_OPEN_TOKENS, MAX_TOKEN_DAYS, MAX_TOKEN_NAME_CHARS, Scope, TokenKind, check_request,
    new_token,
};
use sangdam_store::{ApiTokenRecord, NewApiToken, UserRecord};

use super::views::{render, see_other, with_status};
use crate::auth::audited;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;

/// How many of the newest tokens the page lists (revoked and expired ones included).
const LISTED: usize = 100;

pub struct TokenView {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub state: String,
    pub open: bool,
}

pub struct ScopeChoice {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "account/tokens.html")]
struct TokensPage<'a> {
    ctx: &'a Ctx,
    service: bool,
    base: &'static str,
    tokens: Vec<TokenView>,
    choices: Vec<ScopeChoice>,
    name: String,
    days: String,
    errors: Vec<String>,
    /// The new token, shown this once.
    created: Option<String>,
    max_name: usize,
    max_days: i64,
}

fn scope_label(ctx: &Ctx, s: Scope) -> String {
    ctx.t(&format!("scope-{}", s.as_str().replace(':', "-")))
}

fn view(ctx: &Ctx, t: &ApiTokenRecord) -> TokenView {
    let state = if t.revoked_at.is_some() {
        "tokens-state-revoked"
    } else if t.expires_at <= ctx.now {
        "tokens-state-expired"
    } else {
        "tokens-state-open"
    };
    TokenView {
        id: t.id.clone(),
        name: t.name.clone(),
        scopes: t.scopes.iter().map(|s| scope_label(ctx, s)).collect(),
        created: ctx.time(t.created_at),
        expires: ctx.time(t.expires_at),
        last_used: t.last_used_at.map_or_else(|| ctx.t("tokens-never-used"), |at| ctx.time(at)),
        state: ctx.t(state),
        open: t.is_open(ctx.now),
    }
}

/// Who may manage tokens of `kind`: staff their personal ones (after enrolling in two-factor
/// sign-in where the center requires it), admins the service tokens.
fn manager(ctx: &Ctx, kind: TokenKind) -> Result<&UserRecord, AppError> {
    let roles: &[Role] = match kind {
        TokenKind::Personal => &[Role::Counselor, Role::Supervisor, Role::Admin],
        TokenKind::Service => &[Role::Admin],
    };
    Ok(&ctx.client_data_viewer(roles)?.user)
}

fn owner_filter(kind: TokenKind, me: &UserRecord) -> Option<&sangdam_domain::UserId> {
    match kind {
        TokenKind::Personal => Some(&me.id),
        TokenKind::Service => None,
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    kind: TokenKind,
    me: &UserRecord,
    form: (String, Vec<String>, String),
    errors: Vec<String>,
    created: Option<String>,
) -> AppResult {
    let mut tokens = state.store.api_tokens(owner_filter(kind, me)).await?;
    tokens.truncate(LISTED);
    let (name, checked, days) = form;
    let choices = Scope::ALL
        .into_iter()
        .filter(|s| kind.allows(me.role, *s))
        .map(|s| ScopeChoice {
            value: s.as_str(),
            label: scope_label(ctx, s),
            checked: checked.iter().any(|c| c == s.as_str()),
        })
        .collect();
    render(&TokensPage {
        ctx,
        service: kind == TokenKind::Service,
        base: if kind == TokenKind::Service { "/admin/tokens" } else { "/account/tokens" },
        tokens: tokens.iter().map(|t| view(ctx, t)).collect(),
        choices,
        name,
        days,
        errors,
        created,
        max_name: MAX_TOKEN_NAME_CHARS,
        max_days: MAX_TOKEN_DAYS,
    })
}

async fn list(state: &AppState, ctx: &Ctx, kind: TokenKind) -> AppResult {
    let me = manager(ctx, kind)?;
    page(state, ctx, kind, me, (String::new(), vec![], DEFAULT_TOKEN_DAYS.to_string()), vec![], None).await
}

async fn create(state: &AppState, ctx: &Ctx, kind: TokenKind, fields: Vec<(String, String)>) -> AppResult {
    let me = manager(ctx, kind)?;
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let (name, days) = (field("name"), field("days"));
    let scopes: Vec<String> = fields.iter().filter(|(k, _)| k == "scope").map(|(_, v)| v.clone()).take(16).collect();
    let asked: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let (clean_name, granted, days_n) = match check_request(kind, me.role, &name, &asked, &days) {
        Ok(ok) => ok,
        Err(refused) => {
            let errors = refused
                .iter()
                .map(|r| match r {
                    sangdam_domain::api::TokenRefused::NameTooLong => {
                        ctx.tn(r.message_id(), "max", MAX_TOKEN_NAME_CHARS as i64)
                    }
                    sangdam_domain::api::TokenRefused::DaysOutOfRange => ctx.tn(r.message_id(), "max", MAX_TOKEN_DAYS),
                    _ => ctx.t(r.message_id()),
                })
                .collect();
            let shown = name.chars().take(MAX_TOKEN_NAME_CHARS).collect();
            let r = page(state, ctx, kind, me, (shown, scopes, days), errors, None).await;
            return with_status(StatusCode::UNPROCESSABLE_ENTITY, r);
        }
    };
    let (text, secret) = new_token(random::<20>());
    let id = sangdam_domain::ids::encode_random(&random::<10>());
    let t = NewApiToken {
        id: id.clone(),
        token_hash: secret.hash().to_hex(),
        owner_id: me.id.clone(),
        kind,
        name: clean_name,
        scopes: granted,
        created_at: ctx.now,
        expires_at: ctx.now + days_n * 86_400,
    };
    let effects = audited(state, ctx, Some(me), "api.token.create", Some(format!("token:{id}")), kind.as_str());
    if !state.store.create_api_token(&t, MAX_OPEN_TOKENS, &effects).await? {
        let errors = vec![ctx.tn("error-token-too-many", "max", MAX_OPEN_TOKENS as i64)];
        let r = page(state, ctx, kind, me, (name, scopes, days), errors, None).await;
        return with_status(StatusCode::CONFLICT, r);
    }
    let blank = (String::new(), vec![], DEFAULT_TOKEN_DAYS.to_string());
    with_status(StatusCode::CREATED, page(state, ctx, kind, me, blank, vec![], Some(text)).await)
}

async fn revoke(state: &AppState, ctx: &Ctx, kind: TokenKind, id: &str) -> AppResult {
    let me = manager(ctx, kind)?;
    let effects = audited(state, ctx, Some(me), "api.token.revoke", Some(format!("token:{id}")), kind.as_str());
    if !state.store.revoke_api_token(id, owner_filter(kind, me), ctx.now, &effects).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other(if kind == TokenKind::Service { "/admin/tokens?revoked=1" } else { "/account/tokens?revoked=1" }))
}

pub async fn personal(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    list(&state, &ctx, TokenKind::Personal).await
}

pub async fn personal_create(
    State(state): State<AppState>,
    ctx: Ctx,
    FormData(f): FormData<Vec<(String, String)>>,
) -> AppResult {
    create(&state, &ctx, TokenKind::Personal, f).await
}

pub async fn personal_revoke(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    revoke(&state, &ctx, TokenKind::Personal, &id).await
}

pub async fn service(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    list(&state, &ctx, TokenKind::Service).await
}

pub async fn service_create(
    State(state): State<AppState>,
    ctx: Ctx,
    FormData(f): FormData<Vec<(String, String)>>,
) -> AppResult {
    create(&state, &ctx, TokenKind::Service, f).await
}

pub async fn service_revoke(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    revoke(&state, &ctx, TokenKind::Service, &id).await
}
