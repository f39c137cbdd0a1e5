//! Passwords, sessions and the audit helper: what every sign-in path shares.

use axum::http::HeaderValue;
use sangdam_app::Actor;
use sangdam_domain::totp::TotpSecret;
use sangdam_domain::{SecretToken, UserId};
use sangdam_store::{AuditEvent, SessionState, UserRecord};

use crate::crypto::{random, sha256_hex};
use crate::ctx::{Ctx, SESSION_COOKIE};
use crate::error::AppError;
use crate::forms::cookie;
use crate::state::AppState;

pub use crate::hashing::{hash_password, verify_password};

/// The key under which sign-in failures for a typed address are counted: a keyed hash, so the
/// table does not reveal which addresses were tried.
pub fn email_key(state: &AppState, normalized_email: &str) -> String {
    state.keys.mac_hex("signin.email", normalized_email.as_bytes())
}

/// A short, non-identifying description of the browser for the sessions page.
pub fn describe_agent(ua: Option<&str>) -> Option<String> {
    let ua = ua?;
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/"]
        .iter()
        .find(|m| ua.contains(**m))
        .map(|m| match *m {
            "Edg/" => "Edge",
            "Firefox/" => "Firefox",
            "Chrome/" => "Chrome",
            _ => "Safari",
        })
        .unwrap_or("Browser");
    let os = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(m, _)| ua.contains(m))
    .map_or("", |(_, name)| name);
    Some(if os.is_empty() { browser.to_owned() } else { format!("{browser} · {os}") })
}

/// Opens a new session for `user` and returns the cookie that carries it. A new token every time:
/// a session id planted before sign-in is never promoted.
pub async fn start_session(
    state: &AppState,
    ctx: &Ctx,
    user_id: &UserId,
    session_state: SessionState,
    agent: Option<&str>,
) -> Result<HeaderValue, AppError> {
    let token = SecretToken::from_random(random());
    let public_id = sangdam_domain::ids::encode_random(&random::<10>());
    state
        .store
        .create_session(
            &token.hash().to_hex(),
            &public_id,
            user_id,
            session_state,
            ctx.now,
            Some(&ctx.address),
            describe_agent(agent).as_deref(),
        )
        .await?;
    Ok(cookie(SESSION_COOKIE, token.expose(), None, state.config.is_https()))
}

/// Who acts in this request, for the service layer: `actor`, from the request's address, now.
pub fn actor_of(ctx: &Ctx, actor: Option<&UserRecord>) -> Actor {
    match actor {
        Some(u) => Actor::person(&u.id, u.role, Some(&ctx.address), ctx.now),
        None => Actor::anonymous(Some(&ctx.address), ctx.now),
    }
}

/// The audit entry of something `actor` did in this request.
pub fn audit_event(
    ctx: &Ctx,
    actor: Option<&UserRecord>,
    action: &str,
    target: Option<String>,
    outcome: &str,
) -> AuditEvent {
    actor_of(ctx, actor).event(action, target, outcome)
}

/// A write's effects that start with its audit entry (the jobs are added by the caller); the
/// store commits them with the write.
pub fn audited(
    state: &AppState,
    ctx: &Ctx,
    actor: Option<&UserRecord>,
    action: &str,
    target: Option<String>,
    outcome: &str,
) -> sangdam_store::Effects {
    sangdam_app::audit::audited(&state.keys, &actor_of(ctx, actor), action, target, outcome)
}

/// Writes an audit entry. A failure fails the request: what cannot be logged is not done.
pub async fn audit(
    state: &AppState,
    ctx: &Ctx,
    actor: Option<&UserRecord>,
    action: &str,
    target: Option<String>,
    outcome: &str,
) -> Result<(), AppError> {
    sangdam_app::audit::audit(&state.store, &state.keys, &actor_of(ctx, actor), action, target, outcome).await?;
    Ok(())
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
            .open_at(&sangdam_store::sealed::TOTP_SECRET, &[user.id.as_str()], sealed)
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

pub fn user_target(id: &UserId) -> Option<String> {
    Some(format!("user:{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_are_summarized() {
        let chrome =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(describe_agent(Some(chrome)).as_deref(), Some("Chrome · Linux"));
        assert_eq!(describe_agent(None), None);
    }
}
