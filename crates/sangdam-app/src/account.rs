//! A person's own account: their name, language and time zone, a new password (every other
//! session ends, and the mail telling them commits with it, so a password is never changed
//! without the person hearing of it), two-factor turned on or off and new recovery codes, their
//! calendar feed's address replaced, and their sessions ended one, all but this one, or all.
//! Each write commits with its audit entry. Checking a password or a code the person typed
//! (with its throttle) is the caller's, before it asks for the change.

use sangdam_domain::{DisplayName, Language, Timezone, UserId};
use sangdam_store::{QueuedMail, Store, StoreError};

use crate::audit::{Actor, audited};
use crate::crypto::Keys;

fn me(actor: &Actor) -> Result<&UserId, StoreError> {
    actor.user.as_ref().map(|(id, _)| id).ok_or(StoreError::NotFound)
}

fn target(id: &UserId) -> Option<String> {
    Some(format!("user:{id}"))
}

/// Saves the actor's own name, language and time zone (each checked by its type).
pub async fn save_profile(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    name: &DisplayName,
    language: Language,
    timezone: &Timezone,
) -> Result<(), StoreError> {
    let me = me(actor)?;
    let effects = audited(keys, actor, "account.profile", target(me), "ok");
    store.update_profile(me, name, language, timezone, actor.at, &effects).await
}

/// How a new password was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChange<'a> {
    /// By the person, signed in with the session `keep` (whose token hash this is), after giving
    /// their current password: every other session ends.
    Changed { keep: &'a str },
    /// Through a reset link: every session ends.
    Reset,
}

/// Sets `user`'s password to `hash` (already hashed) and ends their sessions as `how` says; the
/// audit entry and `mail` (the notice to the person) commit with it.
pub async fn set_password(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    user: &UserId,
    hash: &str,
    how: PasswordChange<'_>,
    mail: QueuedMail,
) -> Result<(), StoreError> {
    let (action, keep) = match how {
        PasswordChange::Changed { keep } => ("password.change", Some(keep)),
        PasswordChange::Reset => ("password.reset", None),
    };
    let effects = audited(keys, actor, action, target(user), "ok").with_mail(mail);
    store.set_password_hash(user, hash, keep, actor.at, &effects).await
}

/// Ends one of the actor's sessions, named by its public id; false when they have none by it.
pub async fn end_session(store: &Store, keys: &Keys, actor: &Actor, public_id: &str) -> Result<bool, StoreError> {
    let me = me(actor)?;
    let effects = audited(keys, actor, "session.end", target(me), "ok");
    store.delete_user_session(me, public_id, actor.at, &effects).await
}

/// Ends every session of the actor's but `keep` (the token hash of the one asking), or all of
/// them when `keep` is `None` ("sign out everywhere").
pub async fn end_sessions(store: &Store, keys: &Keys, actor: &Actor, keep: Option<&str>) -> Result<u64, StoreError> {
    let me = me(actor)?;
    let action = if keep.is_some() { "session.end_others" } else { "session.end_all" };
    let effects = audited(keys, actor, action, target(me), "ok");
    store.delete_user_sessions(me, keep, actor.at, &effects).await
}

/// Signs the actor out of the session `token_hash`.
pub async fn sign_out(store: &Store, keys: &Keys, actor: &Actor, token_hash: &str) -> Result<(), StoreError> {
    let me = me(actor)?;
    let effects = audited(keys, actor, "signout", target(me), "ok");
    store.end_session(token_hash, actor.at, &effects).await
}

/// Why two-factor is being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoFactor {
    /// Turned on with a confirmed secret.
    Enable,
    /// New recovery codes for the secret in use.
    NewRecoveryCodes,
}

/// Stores the actor's two-factor secret (`sealed`), the step of the code that confirmed it and
/// the hashes of new recovery codes, replacing the old ones.
pub async fn set_two_factor(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    sealed: &[u8],
    step: i64,
    recovery_hashes: &[String],
    why: TwoFactor,
) -> Result<(), StoreError> {
    let me = me(actor)?;
    let action = match why {
        TwoFactor::Enable => "two_factor.enable",
        TwoFactor::NewRecoveryCodes => "two_factor.recovery_codes",
    };
    let effects = audited(keys, actor, action, target(me), "ok");
    store.enable_totp(me, sealed, step, recovery_hashes, actor.at, &effects).await
}

/// Turns the actor's two-factor off (their password and a current code checked by the caller).
pub async fn disable_two_factor(store: &Store, keys: &Keys, actor: &Actor) -> Result<(), StoreError> {
    let me = me(actor)?;
    let effects = audited(keys, actor, "two_factor.disable", target(me), "ok");
    store.disable_totp(me, actor.at, &effects).await
}

/// Replaces the actor's calendar feed token with one whose hash is `token_hash`; the old address
/// stops working.
pub async fn reset_calendar_feed(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    token_hash: &str,
) -> Result<(), StoreError> {
    let me = me(actor)?;
    let effects = audited(keys, actor, "calendar.feed-reset", target(me), "ok");
    store.set_calendar_feed(me, token_hash, actor.at, &effects).await
}
