//! Accounts: identity, role, profile, password hash, two-factor state and recovery codes.

use std::fmt;

use sangdam_domain::{DisplayName, Email, Language, Role, Timezone, UserId};
use sqlx::Row;

use crate::{Effects, Result, Store, StoreError, on_backend};

/// A user as stored. `Debug` shows only the id and role: the rest is personal data or secret.
#[derive(Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
    pub language: Language,
    pub timezone: Timezone,
    pub password_hash: String,
    pub active: bool,
    /// The TOTP secret, encrypted by the web layer's key; present once two-factor is enrolled.
    pub totp_secret: Option<Vec<u8>>,
    /// A secret shown for enrollment but not yet confirmed with a code.
    pub totp_pending: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub created_at: i64,
}

impl UserRecord {
    pub fn two_factor_enrolled(&self) -> bool {
        self.totp_secret.is_some()
    }
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord").field("id", &self.id).field("role", &self.role).finish_non_exhaustive()
    }
}

/// A user about to be created, with the consent they gave at sign-up, if any.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
    pub language: Language,
    pub timezone: Timezone,
    pub password_hash: String,
    pub now: i64,
    /// `(kind, version)` of an accepted notice, e.g. `("privacy", "2026-11-01")`.
    pub consent: Option<(String, String)>,
}

/// The admin's user search.
#[derive(Debug, Clone, Default)]
pub struct UserSearch {
    /// Part of an email or display name.
    pub text: Option<String>,
    pub role: Option<Role>,
    pub limit: i64,
    pub offset: i64,
}

macro_rules! user_columns {
    () => {
        "u.id, u.email, u.display_name, u.role, u.language, u.timezone, u.password_hash, u.active, \
         u.totp_secret, u.totp_pending, u.totp_last_step, u.created_at"
    };
}
pub(crate) use user_columns;

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("users.{what}"))
}

/// Decodes a row selected with [`user_columns!`]. A macro rather than a function because the row
/// type differs per backend.
macro_rules! user_from_row {
    ($row:expr) => {{
        let r = $row;
        $crate::users::build_user(
            r.try_get("id")?,
            r.try_get("email")?,
            r.try_get("display_name")?,
            r.try_get("role")?,
            r.try_get("language")?,
            r.try_get("timezone")?,
            r.try_get("password_hash")?,
            r.try_get("active")?,
            r.try_get("totp_secret")?,
            r.try_get("totp_pending")?,
            r.try_get("totp_last_step")?,
            r.try_get("created_at")?,
        )?
    }};
}
pub(crate) use user_from_row;

/// Inserts a user and their consent on an open transaction; shared by sign-up and by accepting an
/// invitation, which must do it inside its own transaction.
macro_rules! insert_user_in {
    ($conn:expr, $u:expr) => {{
        let u: &$crate::NewUser = $u;
        sqlx::query(
            "INSERT INTO users (id, email, display_name, role, language, timezone, password_hash, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $8)",
        )
        .bind(u.id.as_str())
        .bind(u.email.as_str())
        .bind(u.display_name.as_str())
        .bind(u.role.as_str())
        .bind(u.language.code())
        .bind(u.timezone.as_str())
        .bind(&u.password_hash)
        .bind(u.now)
        .execute($conn)
        .await?;
        if let Some((kind, version)) = &u.consent {
            sqlx::query("INSERT INTO consents (user_id, kind, version, accepted_at) VALUES ($1, $2, $3, $4)")
                .bind(u.id.as_str())
                .bind(kind)
                .bind(version)
                .bind(u.now)
                .execute($conn)
                .await?;
        }
    }};
}
pub(crate) use insert_user_in;

#[allow(clippy::too_many_arguments)]
pub(crate) fn build_user(
    id: String,
    email: String,
    display_name: String,
    role: String,
    language: String,
    timezone: String,
    password_hash: String,
    active: bool,
    totp_secret: Option<Vec<u8>>,
    totp_pending: Option<Vec<u8>>,
    totp_last_step: Option<i64>,
    created_at: i64,
) -> Result<UserRecord> {
    Ok(UserRecord {
        id: UserId::parse(&id).ok_or_else(|| corrupt("id"))?,
        email: Email::parse(&email).map_err(|_| corrupt("email"))?,
        display_name: DisplayName::parse(&display_name).map_err(|_| corrupt("display_name"))?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role"))?,
        language: Language::parse(&language).ok_or_else(|| corrupt("language"))?,
        timezone: Timezone::parse(&timezone).unwrap_or_else(|_| Timezone::seoul()),
        password_hash,
        active,
        totp_secret,
        totp_pending,
        totp_last_step,
        created_at,
    })
}

/// Escapes a user's search text for `LIKE ... ESCAPE '\'`.
fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// Creates a user (and their consent record) in one transaction. `Conflict` when the email is
    /// taken.
    pub async fn insert_user(&self, u: &NewUser) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            insert_user_in!(&mut *tx, u);
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn user_by_id(&self, id: &UserId) -> Result<Option<UserRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(concat!("SELECT ", user_columns!(), " FROM users u WHERE u.id = $1"))
                .bind(id.as_str())
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(user_from_row!(r)),
                None => None,
            })
        })
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<UserRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(concat!("SELECT ", user_columns!(), " FROM users u WHERE u.email = $1"))
                .bind(email.as_str())
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(user_from_row!(r)),
                None => None,
            })
        })
    }

    /// Users matching the admin's search, newest first, and how many match in all.
    /// Clients in id order after `after` (`""` for the first page), for the API's lists.
    pub async fn clients_after(&self, after: &str, limit: i64) -> Result<Vec<UserRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users u WHERE u.role = 'client' AND u.id > $1 ORDER BY u.id LIMIT $2"
            ))
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(user_from_row!(r));
            }
            Ok(out)
        })
    }

    /// The notices a person accepted: `(kind, version, accepted_at)`, oldest first.
    pub async fn consents_of(&self, user: &UserId) -> Result<Vec<(String, String, i64)>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT kind, version, accepted_at FROM consents WHERE user_id = $1 ORDER BY accepted_at, kind, version",
            )
            .bind(user.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push((r.try_get("kind")?, r.try_get("version")?, r.try_get("accepted_at")?));
            }
            Ok(out)
        })
    }

    pub async fn search_users(&self, s: &UserSearch) -> Result<(Vec<UserRecord>, i64)> {
        let pattern = s.text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(like_pattern);
        let role = s.role.map(Role::as_str);
        on_backend!(self, |pool| {
            let filter = "($1 IS NULL OR LOWER(u.email) LIKE $1 ESCAPE '\\' OR LOWER(u.display_name) LIKE $1 ESCAPE '\\') \
                          AND ($2 IS NULL OR u.role = $2)";
            let rows = sqlx::query(&format!(
                "SELECT {} FROM users u WHERE {filter} ORDER BY u.created_at DESC, u.id LIMIT $3 OFFSET $4",
                user_columns!()
            ))
            .bind(pattern.as_deref())
            .bind(role)
            .bind(s.limit)
            .bind(s.offset)
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users u WHERE {filter}"))
                .bind(pattern.as_deref())
                .bind(role)
                .fetch_one(pool)
                .await?;
            let mut users = Vec::with_capacity(rows.len());
            for r in rows {
                users.push(user_from_row!(r));
            }
            Ok((users, total))
        })
    }

    /// How many active users hold each role.
    pub async fn count_users_by_role(&self) -> Result<Vec<(Role, i64)>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query("SELECT role, COUNT(*) AS n FROM users WHERE active = TRUE GROUP BY role")
                .fetch_all(pool)
                .await?;
            let mut out = Vec::new();
            for r in rows {
                let role: String = r.try_get("role")?;
                out.push((Role::parse(&role).ok_or_else(|| corrupt("role"))?, r.try_get("n")?));
            }
            Ok(out)
        })
    }

    /// Changes a user's role, with what follows it (the audit entry). `false`, and nothing written,
    /// when the user is the last active admin and would stop being one: changes to admins are made
    /// one at a time under the `admins` row of `throttle_locks`, so two admins taking each other's
    /// rights at the same moment still leave one.
    pub async fn set_role(&self, id: &UserId, role: Role, now: i64, effects: &Effects) -> Result<bool> {
        self.change_user(id, Some(role), None, now, effects).await
    }

    /// Deactivates or reactivates a user, with what follows it (the audit entry). Deactivation ends
    /// all of the user's sessions in the same transaction, so no request can slip through with an
    /// old cookie. `false`, and nothing written, when it would leave no active admin (as
    /// [`Store::set_role`]).
    pub async fn set_active(&self, id: &UserId, active: bool, now: i64, effects: &Effects) -> Result<bool> {
        self.change_user(id, None, Some(active), now, effects).await
    }

    async fn change_user(
        &self,
        id: &UserId,
        role: Option<Role>,
        active: Option<bool>,
        now: i64,
        effects: &Effects,
    ) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO throttle_locks (key, at) VALUES ('admins', $1) ON CONFLICT (key) DO UPDATE SET at = excluded.at",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let current: Option<(String, bool)> = sqlx::query_as("SELECT role, active FROM users WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let Some((was_role, was_active)) = current else { return Err(StoreError::NotFound) };
            let admin_now = was_role == Role::Admin.as_str() && was_active;
            let admin_after =
                role.map_or(was_role == Role::Admin.as_str(), |r| r == Role::Admin) && active.unwrap_or(was_active);
            if admin_now && !admin_after {
                let others: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = TRUE AND id <> $1",
                )
                .bind(id.as_str())
                .fetch_one(&mut *tx)
                .await?;
                if others == 0 {
                    return Ok(false);
                }
            }
            sqlx::query("UPDATE users SET role = $2, active = $3, updated_at = $4 WHERE id = $1")
                .bind(id.as_str())
                .bind(role.map_or(was_role, |r| r.as_str().to_owned()))
                .bind(active.unwrap_or(was_active))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            if active == Some(false) {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.as_str()).execute(&mut *tx).await?;
            }
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Saves a person's own name, language and time zone, with `effects`.
    pub async fn update_profile(
        &self,
        id: &UserId,
        name: &DisplayName,
        language: Language,
        timezone: &Timezone,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE users SET display_name = $2, language = $3, timezone = $4, updated_at = $5 WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(name.as_str())
            .bind(language.code())
            .bind(timezone.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn set_language(&self, id: &UserId, language: Language, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE users SET language = $2, updated_at = $3 WHERE id = $1")
                .bind(id.as_str())
                .bind(language.code())
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Sets a new password hash and ends every session of the user but `keep` (the one that made
    /// the change, if any): whoever knew the old password is signed out. `effects` (the audit
    /// entry, the mail telling the person) commit with it.
    pub async fn set_password_hash(
        &self,
        id: &UserId,
        hash: &str,
        keep: Option<&str>,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
                .bind(id.as_str())
                .bind(hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)")
                .bind(id.as_str())
                .bind(keep)
                .execute(&mut *tx)
                .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Stores (or clears) a secret shown for enrollment but not yet confirmed.
    pub async fn set_totp_pending(&self, id: &UserId, secret: Option<&[u8]>, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE users SET totp_pending = $2, updated_at = $3 WHERE id = $1")
                .bind(id.as_str())
                .bind(secret)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Turns two-factor on with a confirmed secret, the step of the confirming code (so it cannot
    /// be used again) and the hashes of fresh recovery codes, replacing any old ones.
    pub async fn enable_totp(
        &self,
        id: &UserId,
        secret: &[u8],
        step: i64,
        recovery_hashes: &[String],
        now: i64,
        effects: &crate::Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE users SET totp_secret = $2, totp_pending = NULL, totp_last_step = $3, updated_at = $4 WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(secret)
            .bind(step)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(id.as_str()).execute(&mut *tx).await?;
            for h in recovery_hashes {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind(id.as_str())
                    .bind(h)
                    .execute(&mut *tx)
                    .await?;
            }
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Turns two-factor off and forgets the recovery codes, with `effects`.
    pub async fn disable_totp(&self, id: &UserId, now: i64, effects: &crate::Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL, updated_at = $2 WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(id.as_str()).execute(&mut *tx).await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records that a TOTP code of `step` was used. Returns false when that step, or a later one,
    /// was already used: the database, not a read-then-write in the application, refuses a replay
    /// racing from two requests.
    pub async fn claim_totp_step(&self, id: &UserId, step: i64) -> Result<bool> {
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            )
            .bind(id.as_str())
            .bind(step)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Uses up a recovery code. Returns false when there is no such unused code.
    pub async fn use_recovery_code(&self, id: &UserId, code_hash: &str, now: i64) -> Result<bool> {
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
            )
            .bind(id.as_str())
            .bind(code_hash)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn unused_recovery_codes(&self, id: &UserId) -> Result<i64> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
                .bind(id.as_str())
                .fetch_one(pool)
                .await?)
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern("Kim_%"), "%kim\\_\\%%");
    }
}
