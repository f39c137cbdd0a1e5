//! The facts sign-in throttling decides on: failures per typed email (by hash) and per network
//! address, and account locks. Kept in the database so that every server instance sees them.
//!
//! An attempt is counted before it is checked: [`Store::reserve_signin_attempt`] takes the
//! address's and the email's rows in `throttle_locks` (so attempts for one account, or from one
//! address, are decided one after another on both backends), applies the policy to what is
//! recorded, and records the attempt as a failure in the same transaction. A password or code
//! that turns out right then clears it; a wrong one leaves it counted. So a burst of simultaneous
//! attempts is throttled exactly as the same attempts one after another.

use sangdam_domain::throttle::{SigninGate, ThrottlePolicy};

use crate::{Result, Store, on_backend};

/// What [`Store::reserve_signin_attempt`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Go on and check the password or code; the attempt is counted (row `id`), after
    /// `failures_before` earlier failures in the window.
    Granted { id: i64, failures_before: usize },
    /// This address has failed too often across accounts.
    AddressLimit,
    /// The email's throttle says wait, or the account is locked.
    Refused(SigninGate),
}

impl Store {
    /// Counts an attempt before it is checked, atomically: see the module's documentation.
    pub async fn reserve_signin_attempt(
        &self,
        policy: &ThrottlePolicy,
        email_key: &str,
        address: &str,
        now: i64,
    ) -> Result<Reservation> {
        let since = now - policy.window_seconds;
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            // The address first, then the email: every attempt takes them in this order.
            for key in [format!("a:{address}"), format!("e:{email_key}")] {
                sqlx::query(
                    "INSERT INTO throttle_locks (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = excluded.at",
                )
                .bind(&key)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let by_address: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM signin_failures WHERE address = $1 AND at > $2")
                    .bind(address)
                    .bind(since)
                    .fetch_one(&mut *tx)
                    .await?;
            if by_address >= policy.address_failures as i64 {
                tx.commit().await?;
                return Ok(Reservation::AddressLimit);
            }
            let failures: Vec<i64> =
                sqlx::query_scalar("SELECT at FROM signin_failures WHERE email_key = $1 AND at > $2 ORDER BY at")
                    .bind(email_key)
                    .bind(since)
                    .fetch_all(&mut *tx)
                    .await?;
            let lock: Option<i64> = sqlx::query_scalar("SELECT locked_until FROM account_locks WHERE email_key = $1")
                .bind(email_key)
                .fetch_optional(&mut *tx)
                .await?;
            let gate = policy.gate(&failures, lock, now);
            if gate != SigninGate::Open {
                tx.commit().await?;
                return Ok(Reservation::Refused(gate));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO signin_failures (email_key, address, at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(email_key)
            .bind(address)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Reservation::Granted { id, failures_before: failures.len() })
        })
    }

    /// Forgets one counted attempt that turned out right (a current password confirmed).
    pub async fn forget_signin_attempt(&self, id: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("DELETE FROM signin_failures WHERE id = $1").bind(id).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn lock_account(&self, email_key: &str, until: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO account_locks (email_key, locked_until) VALUES ($1, $2) \
                 ON CONFLICT (email_key) DO UPDATE SET locked_until = excluded.locked_until",
            )
            .bind(email_key)
            .bind(until)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Forgets an email's failures and lock after a successful sign-in or password reset.
    pub async fn clear_signin_failures(&self, email_key: &str) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM signin_failures WHERE email_key = $1").bind(email_key).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM account_locks WHERE email_key = $1").bind(email_key).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Drops failures older than any window that could still count them.
    pub async fn prune_signin_failures(&self, before: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("DELETE FROM signin_failures WHERE at < $1").bind(before).execute(pool).await?;
            sqlx::query("DELETE FROM account_locks WHERE locked_until < $1").bind(before).execute(pool).await?;
            sqlx::query("DELETE FROM throttle_locks WHERE at < $1").bind(before).execute(pool).await?;
        });
        Ok(())
    }
}
