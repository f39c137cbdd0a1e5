//! A person's own account: their name, language and time zone, a new password (every other
//! session ends, and the mail telling them commits with it, so a password is never changed
//! without the person hearing of it), and their sessions ended one, all but this one, or all.
//! Each write commits with its audit entry.

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
