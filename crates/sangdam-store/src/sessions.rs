//! Signed-in sessions. The cookie holds a random token; the table holds only its SHA-256.

use sangdam_domain::UserId;
use sqlx::Row;

use crate::users::{UserRecord, user_columns, user_from_row};
use crate::{Result, Store, StoreError, on_backend};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Active,
    /// The password was right; the second factor is still owed. Such a session opens nothing but
    /// the two-factor page.
    PendingTwoFactor,
}

impl SessionState {
    fn as_str(self) -> &'static str {
        match self {
            SessionState::Active => "active",
            SessionState::PendingTwoFactor => "pending_2fa",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "active" => Ok(SessionState::Active),
            "pending_2fa" => Ok(SessionState::PendingTwoFactor),
            _ => Err(StoreError::Corrupt("sessions.state".into())),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// Names the session on the "your sessions" page without revealing its token.
    pub public_id: String,
    pub user_id: UserId,
    pub state: SessionState,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub address: Option<String>,
    pub agent: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SessionWithUser {
    pub token_hash: String,
    pub session: SessionRecord,
    pub user: UserRecord,
}

macro_rules! session_from_row {
    ($r:expr) => {
        session_from_row!($r, "created_at")
    };
    // `created_at` is named apart where users are joined: both tables have one, and SQLite
    // returns the last of two same-named columns where PostgreSQL returns the first.
    ($r:expr, $created:literal) => {{
        let r = $r;
        let user_id: String = r.try_get("user_id")?;
        let state: String = r.try_get("state")?;
        SessionRecord {
            public_id: r.try_get("public_id")?,
            user_id: UserId::parse(&user_id).ok_or_else(|| StoreError::Corrupt("sessions.user_id".into()))?,
            state: SessionState::parse(&state)?,
            created_at: r.try_get($created)?,
            last_seen_at: r.try_get("last_seen_at")?,
            address: r.try_get("address")?,
            agent: r.try_get("agent")?,
        }
    }};
}

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub async fn create_session(
        &self,
        token_hash: &str,
        public_id: &str,
        user_id: &UserId,
        state: SessionState,
        now: i64,
        address: Option<&str>,
        agent: Option<&str>,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, public_id, user_id, state, created_at, last_seen_at, address, agent) \
                 VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
            )
            .bind(token_hash)
            .bind(public_id)
            .bind(user_id.as_str())
            .bind(state.as_str())
            .bind(now)
            .bind(address)
            .bind(agent)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The session behind a cookie, with its user.
    pub async fn session_with_user(&self, token_hash: &str) -> Result<Option<SessionWithUser>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(concat!(
                "SELECT s.public_id, s.user_id, s.state, s.created_at AS session_created_at, s.last_seen_at, s.address, s.agent, ",
                user_columns!(),
                " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
            ))
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(r) => Some(SessionWithUser {
                    token_hash: token_hash.to_owned(),
                    session: session_from_row!(&r, "session_created_at"),
                    user: user_from_row!(&r),
                }),
                None => None,
            })
        })
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
                .bind(token_hash)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Completes a two-factor sign-in: the pending session is replaced by an active one under a
    /// new token, in one statement. Returns false when the pending session is gone.
    pub async fn promote_session(&self, old_hash: &str, new_hash: &str, now: i64) -> Result<bool> {
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "UPDATE sessions SET token_hash = $2, state = 'active', created_at = $3, last_seen_at = $3 \
                 WHERE token_hash = $1 AND state = 'pending_2fa'",
            )
            .bind(old_hash)
            .bind(new_hash)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// Ends the session `token_hash` with `effects` (a sign-out and its audit entry).
    pub async fn end_session(&self, token_hash: &str, now: i64, effects: &crate::Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Ends every session of a user except `keep`, with `effects`; returns how many ended.
    pub async fn delete_user_sessions(
        &self,
        user_id: &UserId,
        keep: Option<&str>,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<u64> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)")
                .bind(user_id.as_str())
                .bind(keep)
                .execute(&mut *tx)
                .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(done.rows_affected())
        })
    }

    /// Ends one of the user's own sessions, named by its public id, with `effects`; false (and
    /// nothing written) when they have none by that id.
    pub async fn delete_user_session(
        &self,
        user_id: &UserId,
        public_id: &str,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND public_id = $2")
                .bind(user_id.as_str())
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

    /// The user's active sessions, most recently used first.
    pub async fn list_user_sessions(&self, user_id: &UserId) -> Result<Vec<(String, SessionRecord)>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT token_hash, public_id, user_id, state, created_at, last_seen_at, address, agent \
                 FROM sessions WHERE user_id = $1 AND state = 'active' ORDER BY last_seen_at DESC",
            )
            .bind(user_id.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push((r.try_get("token_hash")?, session_from_row!(r)));
            }
            Ok(out)
        })
    }

    /// Removes sessions idle since `idle_before` or created before `absolute_before`.
    pub async fn delete_expired_sessions(&self, idle_before: i64, absolute_before: i64) -> Result<u64> {
        on_backend!(self, |pool| {
            let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
                .bind(idle_before)
                .bind(absolute_before)
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        })
    }
}
