//! Single-use links: invitations (staff, and clients a center adds), password resets and client
//! sign-ups waiting for their address to be confirmed. All are stored by token hash and
//! consumed by a conditional update, so a link works exactly once even when clicked twice at once.

use sangdam_domain::{DisplayName, Email, Language, Role, Timezone, UserId};
use sqlx::Row;

use crate::users::insert_user_in;
use crate::{Effects, NewUser, Result, Store, StoreError, on_backend};

/// An invitation to write: its link's token only as a hash.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub token_hash: String,
    pub public_id: String,
    pub email: Email,
    pub role: Role,
    pub invited_by: UserId,
    pub now: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub struct InvitationRecord {
    pub public_id: String,
    pub email: Email,
    pub role: Role,
    pub invited_by: UserId,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Open,
    Used,
    Expired,
}

impl InvitationRecord {
    pub fn state(&self, now: i64) -> InvitationState {
        if self.used_at.is_some() {
            InvitationState::Used
        } else if self.expires_at <= now {
            InvitationState::Expired
        } else {
            InvitationState::Open
        }
    }
}

macro_rules! invitation_from_row {
    ($r:expr) => {{
        let r = $r;
        let corrupt = |what: &str| StoreError::Corrupt(format!("invitations.{what}"));
        let email: String = r.try_get("email")?;
        let role: String = r.try_get("role")?;
        let by: String = r.try_get("invited_by")?;
        InvitationRecord {
            public_id: r.try_get("public_id")?,
            email: Email::parse(&email).map_err(|_| corrupt("email"))?,
            role: Role::parse(&role).ok_or_else(|| corrupt("role"))?,
            invited_by: UserId::parse(&by).ok_or_else(|| corrupt("invited_by"))?,
            created_at: r.try_get("created_at")?,
            expires_at: r.try_get("expires_at")?,
            used_at: r.try_get("used_at")?,
        }
    }};
}

const INVITATION_COLUMNS: &str = "public_id, email, role, invited_by, created_at, expires_at, used_at";

impl Store {
    /// Writes an invitation with its effects (the mail with its link, the audit entry). An
    /// expired, unused invitation to the same address is cleared first; `Conflict` when another
    /// invitation to the address is still open (the database allows one, however the requests
    /// interleave).
    pub async fn create_invitation(&self, inv: &NewInvitation, effects: &Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM invitations WHERE email = $1 AND used_at IS NULL AND expires_at <= $2")
                .bind(inv.email.as_str())
                .bind(inv.now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO invitations (token_hash, public_id, email, role, invited_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&inv.token_hash)
            .bind(&inv.public_id)
            .bind(inv.email.as_str())
            .bind(inv.role.as_str())
            .bind(inv.invited_by.as_str())
            .bind(inv.now)
            .bind(inv.expires_at)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, inv.now);
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<InvitationRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(invitation_from_row!(r)),
                None => None,
            })
        })
    }

    /// The newest invitations, for the admin's list.
    pub async fn list_invitations(&self, limit: i64) -> Result<Vec<InvitationRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {INVITATION_COLUMNS} FROM invitations ORDER BY created_at DESC, public_id LIMIT $1"
            ))
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(invitation_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Withdraws an invitation that has not been used.
    /// Revokes an unused invitation, with `effects`; false (and nothing written) when there is
    /// no unused one by that id.
    pub async fn revoke_invitation(&self, public_id: &str, now: i64, effects: &Effects) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("DELETE FROM invitations WHERE public_id = $1 AND used_at IS NULL")
                .bind(public_id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Uses an invitation and creates its user in one transaction. `NotFound` when the invitation
    /// is unknown, used or expired; `Conflict` when the email already has an account (and then the
    /// invitation stays unused).
    pub async fn accept_invitation(&self, token_hash: &str, user: &NewUser, effects: &Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE invitations SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(user.now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
            insert_user_in!(&mut *tx, user);
            crate::effects::write_effects!(&mut tx, effects, user.now);
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn create_password_reset(
        &self,
        token_hash: &str,
        user_id: &UserId,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(user_id.as_str())
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The user of a reset link that can still be used, without using it (for showing and
    /// checking the form before the link is spent).
    pub async fn password_reset_user(&self, token_hash: &str, now: i64) -> Result<Option<UserId>> {
        on_backend!(self, |pool| {
            let user: Option<String> = sqlx::query_scalar(
                "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            match user {
                Some(u) => {
                    Ok(Some(UserId::parse(&u).ok_or_else(|| StoreError::Corrupt("password_resets.user_id".into()))?))
                }
                None => Ok(None),
            }
        })
    }

    /// Uses up a reset link; returns its user, or `None` when the link is unknown, used or expired.
    pub async fn consume_password_reset(&self, token_hash: &str, now: i64) -> Result<Option<UserId>> {
        on_backend!(self, |pool| {
            let user: Option<String> = sqlx::query_scalar(
                "UPDATE password_resets SET used_at = $2 \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            match user {
                Some(u) => {
                    Ok(Some(UserId::parse(&u).ok_or_else(|| StoreError::Corrupt("password_resets.user_id".into()))?))
                }
                None => Ok(None),
            }
        })
    }

    /// Keeps a sign-up until its address is confirmed (`expires_at`).
    pub async fn create_pending_signup(&self, p: &PendingSignup, token_hash: &str) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO pending_signups (token_hash, email, display_name, language, timezone, \
                 consent_version, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(token_hash)
            .bind(p.email.as_str())
            .bind(p.display_name.as_str())
            .bind(p.language.code())
            .bind(p.timezone.as_str())
            .bind(&p.consent_version)
            .bind(p.created_at)
            .bind(p.expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A sign-up waiting for its confirmation that can still be confirmed.
    pub async fn pending_signup(&self, token_hash: &str, now: i64) -> Result<Option<PendingSignup>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(
                "SELECT email, display_name, language, timezone, consent_version, created_at, expires_at \
                 FROM pending_signups WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            let Some(r) = row else { return Ok(None) };
            let corrupt = |what: &str| StoreError::Corrupt(format!("pending_signups.{what}"));
            let email: String = r.try_get("email")?;
            let name: String = r.try_get("display_name")?;
            let language: String = r.try_get("language")?;
            let timezone: String = r.try_get("timezone")?;
            Ok(Some(PendingSignup {
                email: Email::parse(&email).map_err(|_| corrupt("email"))?,
                display_name: DisplayName::parse(&name).map_err(|_| corrupt("display_name"))?,
                language: Language::parse(&language).ok_or_else(|| corrupt("language"))?,
                timezone: Timezone::parse(&timezone).map_err(|_| corrupt("timezone"))?,
                consent_version: r.try_get("consent_version")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
            }))
        })
    }

    /// Confirms a sign-up: the pending row goes and the account is created, in one transaction.
    /// `NotFound` when the link was used or expired meanwhile; `Conflict` when the address got an
    /// account meanwhile.
    pub async fn complete_signup(&self, token_hash: &str, user: &NewUser, now: i64, effects: &Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let gone = sqlx::query("DELETE FROM pending_signups WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            if gone.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
            insert_user_in!(&mut *tx, user);
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Forgets sign-ups nobody confirmed in time.
    pub async fn prune_pending_signups(&self, now: i64) -> Result<u64> {
        on_backend!(self, |pool| {
            Ok(sqlx::query("DELETE FROM pending_signups WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected())
        })
    }
}

/// A sign-up waiting for the link mailed to its address. It holds no password: the person who
/// opens the link chooses it there, so whoever typed the address cannot hold the account's key.
#[derive(Debug, Clone)]
pub struct PendingSignup {
    pub email: Email,
    pub display_name: DisplayName,
    pub language: Language,
    pub timezone: Timezone,
    pub consent_version: String,
    pub created_at: i64,
    pub expires_at: i64,
}
