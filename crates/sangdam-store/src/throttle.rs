//! The facts sign-in throttling decides on: failures per typed email (by hash) and per network
//! address, and account locks. Kept in the database so that every server instance sees them.

use crate::{Result, Store, on_backend};

impl Store {
    pub async fn record_signin_failure(&self, email_key: &str, address: &str, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("INSERT INTO signin_failures (email_key, address, at) VALUES ($1, $2, $3)")
                .bind(email_key)
                .bind(address)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Times of the failures for this email since `since`.
    pub async fn signin_failures_since(&self, email_key: &str, since: i64) -> Result<Vec<i64>> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar("SELECT at FROM signin_failures WHERE email_key = $1 AND at > $2 ORDER BY at")
                .bind(email_key)
                .bind(since)
                .fetch_all(pool)
                .await?)
        })
    }

    pub async fn address_failures_since(&self, address: &str, since: i64) -> Result<i64> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM signin_failures WHERE address = $1 AND at > $2")
                .bind(address)
                .bind(since)
                .fetch_one(pool)
                .await?)
        })
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

    pub async fn account_lock(&self, email_key: &str) -> Result<Option<i64>> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar("SELECT locked_until FROM account_locks WHERE email_key = $1")
                .bind(email_key)
                .fetch_optional(pool)
                .await?)
        })
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
        });
        Ok(())
    }
}
