//! The public API's tokens and the stored answers of idempotent requests.
//!
//! A token is found by the SHA-256 of its secret. The number of open tokens one owner holds (or
//! the center, for service tokens) is counted and the new one inserted after taking the owner's
//! row in `throttle_locks`, so a burst of simultaneous requests cannot pass the limit that each
//! checks. An idempotency key is held by inserting its row: of simultaneous requests with one key,
//! exactly one inserts and runs; the others see it running, or its stored answer.

use sangdam_domain::UserId;
use sangdam_domain::api::{Scopes, TokenKind};
use sqlx::Row;

use crate::effects::write_effects;
use crate::users::{UserRecord, user_columns, user_from_row};
use crate::{Effects, Result, Store, StoreError, on_backend};

#[derive(Debug, Clone)]
pub struct ApiTokenRecord {
    pub id: String,
    /// The person a personal token acts as; the admin who made a service token.
    pub owner_id: UserId,
    pub kind: TokenKind,
    pub name: String,
    pub scopes: Scopes,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl ApiTokenRecord {
    /// Neither revoked nor expired at `now`.
    pub fn is_open(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub id: String,
    pub token_hash: String,
    pub owner_id: UserId,
    pub kind: TokenKind,
    pub name: String,
    pub scopes: Scopes,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What [`Store::begin_idempotent`] found for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotent {
    /// The key is new (or its earlier request died long ago): this request runs, then stores
    /// its answer with [`Store::finish_idempotent`].
    Run,
    /// The same request ran before: its answer, to send again.
    Replay { status: u16, body: String },
    /// The same key is running in another request now.
    Running,
    /// The key was used with a different request.
    Mismatch,
}

/// A request holding its key for longer than this is taken to have died (the process was killed
/// between running and storing its answer), and the key may run again.
pub const IDEMPOTENCY_LEASE_SECONDS: i64 = 120;

macro_rules! token_from_row {
    ($r:expr) => {{
        let r = $r;
        let corrupt = |what: &str| StoreError::Corrupt(format!("api_tokens.{what}"));
        let owner: String = r.try_get("owner_id")?;
        let kind: String = r.try_get("kind")?;
        let scopes: String = r.try_get("scopes")?;
        ApiTokenRecord {
            // Named apart: the users joined in have an `id` too.
            id: r.try_get("token_id")?,
            owner_id: UserId::parse(&owner).ok_or_else(|| corrupt("owner_id"))?,
            kind: TokenKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
            name: r.try_get("name")?,
            scopes: Scopes::parse(&scopes).ok_or_else(|| corrupt("scopes"))?,
            created_at: r.try_get("token_created_at")?,
            expires_at: r.try_get("expires_at")?,
            revoked_at: r.try_get("revoked_at")?,
            last_used_at: r.try_get("last_used_at")?,
        }
    }};
}

const TOKEN_COLUMNS: &str = "t.id AS token_id, t.owner_id, t.kind, t.name, t.scopes, t.created_at AS token_created_at, \
                             t.expires_at, t.revoked_at, t.last_used_at";

fn lock_key(kind: TokenKind, owner: &UserId) -> String {
    match kind {
        TokenKind::Personal => format!("api-tokens:{owner}"),
        TokenKind::Service => "api-tokens:service".to_owned(),
    }
}

impl Store {
    /// Stores a new token unless its owner (the center, for a service token) already holds
    /// `max_open` open ones; returns whether it was stored. The effects commit with it.
    pub async fn create_api_token(&self, t: &NewApiToken, max_open: usize, effects: &Effects) -> Result<bool> {
        let now = t.created_at;
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO throttle_locks (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = excluded.at",
            )
            .bind(lock_key(t.kind, &t.owner_id))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let open: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM api_tokens WHERE kind = $1 AND ($1 = 'service' OR owner_id = $2) \
                 AND revoked_at IS NULL AND expires_at > $3",
            )
            .bind(t.kind.as_str())
            .bind(t.owner_id.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if open >= max_open as i64 {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO api_tokens (id, token_hash, owner_id, kind, name, scopes, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&t.id)
            .bind(&t.token_hash)
            .bind(t.owner_id.as_str())
            .bind(t.kind.as_str())
            .bind(&t.name)
            .bind(t.scopes.to_text())
            .bind(t.created_at)
            .bind(t.expires_at)
            .execute(&mut *tx)
            .await?;
            write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The token with this hash and its owner, in whatever state (the caller checks it is open).
    pub async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<(ApiTokenRecord, UserRecord)>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS}, {} FROM api_tokens t JOIN users u ON u.id = t.owner_id WHERE t.token_hash = $1",
            user_columns!()
        );
        on_backend!(self, |pool| {
            let row = sqlx::query(&sql).bind(token_hash).fetch_optional(pool).await?;
            Ok(match row {
                Some(r) => Some((token_from_row!(&r), user_from_row!(&r))),
                None => None,
            })
        })
    }

    /// Records a use, at most once a minute per token (the list shows "last used", not a log:
    /// the audit log has every use).
    pub async fn touch_api_token(&self, id: &str, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2 - 60)",
            )
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A person's personal tokens, or (with `None`) the center's service tokens; newest first.
    pub async fn api_tokens(&self, owner: Option<&UserId>) -> Result<Vec<ApiTokenRecord>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE (($1 = '' AND t.kind = 'service') \
             OR (t.kind = 'personal' AND t.owner_id = $1)) ORDER BY t.created_at DESC, t.id"
        );
        let owner = owner.map_or("", |o| o.as_str());
        on_backend!(self, |pool| {
            let rows = sqlx::query(&sql).bind(owner).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(token_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Revokes an open token of `owner` (a personal token) or of the center (`None`: a service
    /// token); returns false when there is no such open token. The effects commit with it.
    pub async fn revoke_api_token(
        &self,
        id: &str,
        owner: Option<&UserId>,
        now: i64,
        effects: &Effects,
    ) -> Result<bool> {
        let owner = owner.map_or("", |o| o.as_str());
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND revoked_at IS NULL AND \
                 (($2 = '' AND kind = 'service') OR (kind = 'personal' AND owner_id = $2))",
            )
            .bind(id)
            .bind(owner)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Holds `key` for this request, or says what holds it. `fingerprint` names the request
    /// (method, path, body); an answer older than `keep_seconds` is forgotten.
    pub async fn begin_idempotent(
        &self,
        token_id: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
        keep_seconds: i64,
    ) -> Result<Idempotent> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            // Forgotten answers and keys whose request died go first, in the same transaction.
            sqlx::query(
                "DELETE FROM api_idempotency WHERE token_id = $1 AND key = $2 AND \
                 (created_at <= $3 OR (status IS NULL AND created_at <= $4))",
            )
            .bind(token_id)
            .bind(key)
            .bind(now - keep_seconds)
            .bind(now - IDEMPOTENCY_LEASE_SECONDS)
            .execute(&mut *tx)
            .await?;
            let inserted = sqlx::query(
                "INSERT INTO api_idempotency (token_id, key, fingerprint, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (token_id, key) DO NOTHING",
            )
            .bind(token_id)
            .bind(key)
            .bind(fingerprint)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let found = if inserted.rows_affected() == 1 {
                Idempotent::Run
            } else {
                let r = sqlx::query(
                    "SELECT fingerprint, status, body FROM api_idempotency WHERE token_id = $1 AND key = $2",
                )
                .bind(token_id)
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
                let stored: String = r.try_get("fingerprint")?;
                let status: Option<i64> = r.try_get("status")?;
                if stored != fingerprint {
                    Idempotent::Mismatch
                } else {
                    match status {
                        None => Idempotent::Running,
                        Some(s) => Idempotent::Replay {
                            status: u16::try_from(s)
                                .map_err(|_| StoreError::Corrupt("api_idempotency.status".into()))?,
                            body: r.try_get::<Option<String>, _>("body")?.unwrap_or_default(),
                        },
                    }
                }
            };
            tx.commit().await?;
            Ok(found)
        })
    }

    /// Stores the answer of the request that holds `key`.
    pub async fn finish_idempotent(&self, token_id: &str, key: &str, status: u16, body: &str) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "UPDATE api_idempotency SET status = $3, body = $4 WHERE token_id = $1 AND key = $2 AND status IS NULL",
            )
            .bind(token_id)
            .bind(key)
            .bind(i64::from(status))
            .bind(body)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Lets go of a key whose request failed on our side, so that a retry runs it again.
    pub async fn release_idempotent(&self, token_id: &str, key: &str) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("DELETE FROM api_idempotency WHERE token_id = $1 AND key = $2 AND status IS NULL")
                .bind(token_id)
                .bind(key)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Forgets stored answers from before `before`.
    pub async fn prune_idempotent(&self, before: i64) -> Result<u64> {
        on_backend!(self, |pool| {
            let done =
                sqlx::query("DELETE FROM api_idempotency WHERE created_at < $1").bind(before).execute(pool).await?;
            Ok(done.rows_affected())
        })
    }
}
