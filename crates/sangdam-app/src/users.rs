//! An admin changing another person's role or deactivating them. The center always keeps an
//! active admin: the store makes changes to admins one at a time and refuses the one that would
//! leave none, however many arrive at once. Each change commits with its audit entry; a refusal
//! is logged as denied.

use sangdam_domain::{Role, UserId};
use sangdam_store::{Store, StoreError};

use crate::audit::{Actor, audit, audited};
use crate::crypto::Keys;

/// Why a change was refused. Each refusal names the message a person reads.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Only admins change roles and status.
    #[error("forbidden")]
    Forbidden,
    /// No such user.
    #[error("not found")]
    NotFound,
    /// An admin's own role or status: another admin must change it.
    #[error("one's own role or status")]
    OwnAccount,
    /// The change would leave the center without an active admin.
    #[error("the last active admin")]
    LastAdmin,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ChangeError {
    /// The message a person reads, for the refusals.
    pub fn message_id(&self) -> Option<&'static str> {
        match self {
            ChangeError::OwnAccount => Some("error-self-change"),
            ChangeError::LastAdmin => Some("error-last-admin"),
            ChangeError::Forbidden | ChangeError::NotFound | ChangeError::Store(_) => None,
        }
    }
}

/// The acting admin, refusing (and logging) a change to their own account.
async fn admin<'a>(
    store: &Store,
    keys: &Keys,
    actor: &'a Actor,
    user: &UserId,
    denied_as: &str,
) -> Result<&'a UserId, ChangeError> {
    let Some((me, Role::Admin)) = &actor.user else { return Err(ChangeError::Forbidden) };
    if me == user {
        audit(store, keys, actor, denied_as, Some(format!("user:{user}")), "denied").await?;
        return Err(ChangeError::OwnAccount);
    }
    Ok(me)
}

/// Gives `user` the role `role`.
pub async fn set_role(store: &Store, keys: &Keys, actor: &Actor, user: &UserId, role: Role) -> Result<(), ChangeError> {
    admin(store, keys, actor, user, "admin.user.role").await?;
    let effects =
        audited(keys, actor, &format!("admin.user.role.{}", role.as_str()), Some(format!("user:{user}")), "ok");
    match store.set_role(user, role, actor.at, &effects).await {
        Ok(true) => Ok(()),
        Ok(false) => {
            audit(store, keys, actor, "admin.user.role", Some(format!("user:{user}")), "denied").await?;
            Err(ChangeError::LastAdmin)
        }
        Err(StoreError::NotFound) => Err(ChangeError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Reactivates `user` or deactivates them (their sessions end with it).
pub async fn set_active(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    user: &UserId,
    active: bool,
) -> Result<(), ChangeError> {
    admin(store, keys, actor, user, "admin.user.deactivate").await?;
    let action = if active { "admin.user.reactivate" } else { "admin.user.deactivate" };
    let effects = audited(keys, actor, action, Some(format!("user:{user}")), "ok");
    match store.set_active(user, active, actor.at, &effects).await {
        Ok(true) => Ok(()),
        Ok(false) => {
            audit(store, keys, actor, action, Some(format!("user:{user}")), "denied").await?;
            Err(ChangeError::LastAdmin)
        }
        Err(StoreError::NotFound) => Err(ChangeError::NotFound),
        Err(e) => Err(e.into()),
    }
}
