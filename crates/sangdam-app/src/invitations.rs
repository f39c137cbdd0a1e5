//! Invitations, written once for the admin's page and the API: staff an admin invites, and
//! clients a center adds as contacts (from its CRM), who then finish the account with their own
//! password and their own consent to the privacy notice. The invitation, the mail with its link
//! and the audit entry commit together: a crash leaves all three or none.

use sangdam_domain::{Email, Role, SecretToken};
use sangdam_store::{Effects, NewInvitation, QueuedMail, Store, StoreError};

use crate::audit::{Actor, audited};
use crate::crypto::{Keys, random};

/// How long an invitation's link works.
pub const INVITATION_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    /// The address has an account already.
    #[error("the address has an account")]
    EmailTaken,
    /// An invitation to the address is still open.
    #[error("an invitation is open")]
    Open,
    /// The actor may not invite this role: staff are invited by an admin only.
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An invitation as written.
#[derive(Debug, Clone)]
pub struct Invited {
    pub public_id: String,
    pub expires_at: i64,
}

/// The audit action of an invitation to `role`.
pub fn action(role: Role) -> &'static str {
    if role == Role::Client { "client.invite" } else { "admin.invitation.create" }
}

/// Invites `email` as `role` for `actor`; `mail` writes the invitation's mail from the link's
/// token (the token itself is kept only as its hash).
pub async fn invite(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    email: &Email,
    role: Role,
    mail: impl FnOnce(&str) -> QueuedMail,
) -> Result<Invited, InviteError> {
    let Some((by, by_role)) = &actor.user else { return Err(InviteError::Forbidden) };
    let allowed = match role {
        Role::Client => by_role.is_staff(),
        staff => staff.is_invitable() && *by_role == Role::Admin,
    };
    if !allowed {
        return Err(InviteError::Forbidden);
    }
    if store.user_by_email(email).await?.is_some() {
        return Err(InviteError::EmailTaken);
    }
    let token = SecretToken::from_random(random());
    let public_id = sangdam_domain::ids::encode_random(&random::<10>());
    let new = NewInvitation {
        token_hash: token.hash().to_hex(),
        public_id: public_id.clone(),
        email: email.clone(),
        role,
        invited_by: by.clone(),
        now: actor.at,
        expires_at: actor.at + INVITATION_SECONDS,
    };
    let effects: Effects = audited(keys, actor, action(role), Some(format!("invitation:{public_id}")), "ok")
        .with_mail(mail(token.expose()));
    match store.create_invitation(&new, &effects).await {
        Ok(()) => Ok(Invited { public_id, expires_at: new.expires_at }),
        Err(StoreError::Conflict) => Err(InviteError::Open),
        Err(e) => Err(e.into()),
    }
}

/// Revokes an unused invitation (admins only). Returns false when there is no unused one by that
/// id; the attempt is logged as denied then.
pub async fn revoke(store: &Store, keys: &Keys, actor: &Actor, public_id: &str) -> Result<bool, InviteError> {
    if !matches!(&actor.user, Some((_, Role::Admin))) {
        return Err(InviteError::Forbidden);
    }
    let target = Some(format!("invitation:{public_id}"));
    let effects = audited(keys, actor, "admin.invitation.revoke", target.clone(), "ok");
    if store.revoke_invitation(public_id, actor.at, &effects).await? {
        return Ok(true);
    }
    crate::audit::audit(store, keys, actor, "admin.invitation.revoke", target, "denied").await?;
    Ok(false)
}
