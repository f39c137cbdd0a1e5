//! Passwords, sessions and the audit helper: what every sign-in path shares.

use std::sync::OnceLock;

use anyhow::Context as _;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::HeaderValue;
use rand_core::OsRng;
use sangdam_domain::{NewPassword, SecretToken, UserId};
use sangdam_store::{AuditEvent, SessionState, UserRecord};

use crate::crypto::random;
use crate::ctx::{Ctx, SESSION_COOKIE};
use crate::error::AppError;
use crate::forms::cookie;
use crate::state::AppState;

/// Argon2id with 19 MiB, 2 passes, 1 lane (the OWASP recommendation).
fn argon2() -> Argon2<'static> {
    // The parameters are constants within Argon2's limits, so building them cannot fail.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_else(|_| unreachable!());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a new password off the async executor (it takes tens of milliseconds on purpose).
pub async fn hash_password(password: &NewPassword) -> anyhow::Result<String> {
    let plain = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(plain.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))
    })
    .await
    .context("password hashing task")?
}

/// A hash of a random password, checked when the email is unknown so that the answer takes as
/// long as for a known one.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(&random::<16>(), &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

/// Checks a password against a stored hash (or the dummy hash), off the executor.
pub async fn verify_password(stored: Option<String>, candidate: &str) -> anyhow::Result<bool> {
    let candidate = candidate.to_owned();
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2().verify_password(candidate.as_bytes(), &parsed).is_ok()
    })
    .await
    .context("password check task")
}

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

/// The audit entry of something `actor` did in this request.
pub fn audit_event(
    ctx: &Ctx,
    actor: Option<&UserRecord>,
    action: &str,
    target: Option<String>,
    outcome: &str,
) -> AuditEvent {
    AuditEvent {
        at: ctx.now,
        actor_id: actor.map(|u| u.id.clone()),
        actor_role: actor.map(|u| u.role),
        action: action.to_owned(),
        target,
        address: Some(ctx.address.clone()),
        outcome: outcome.to_owned(),
    }
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
    sangdam_store::Effects::audited(audit_event(ctx, actor, action, target, outcome), state.keys.chain_key())
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
    state.store.append_audit(&audit_event(ctx, actor, action, target, outcome), &state.keys.chain_key()).await?;
    Ok(())
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

    #[tokio::test]
    async fn hashes_verify() {
        let p = NewPassword::parse("quiet river under paper lanterns", &[]).unwrap();
        let h = hash_password(&p).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(Some(h.clone()), "quiet river under paper lanterns").await.unwrap());
        assert!(!verify_password(Some(h), "quiet river under paper lantern").await.unwrap());
        assert!(!verify_password(None, "anything").await.unwrap());
    }
}
