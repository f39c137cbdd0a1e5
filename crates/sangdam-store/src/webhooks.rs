//! Outgoing webhooks: endpoints with their (sealed) secrets, and the deliveries, worked as one
//! more lane of the lease-based queue (`queue`), each attempt written to the delivery log.
//!
//! A delivery is raised once per event and endpoint (`UNIQUE (endpoint_id, event_key)`), so the
//! job that raises it may run twice and send once. The number of endpoints is counted and the
//! new one inserted after taking the center's `throttle_locks` row, so simultaneous requests
//! cannot pass the limit.

use sangdam_domain::UserId;
use sqlx::Row;

use crate::effects::write_effects;
use crate::queue::{Leased, Queue};
use crate::{Effects, Result, Store, StoreError, on_backend};

#[derive(Debug, Clone)]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub description: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// An admin allowed it to reach a private or loopback address.
    pub allow_private: bool,
    pub created_by: UserId,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    /// `admin` (turned off in the admin pages) or `gone` (the receiver answered 410).
    pub disabled_reason: Option<String>,
}

impl WebhookEndpoint {
    pub fn wants(&self, event_type: &str) -> bool {
        self.disabled_at.is_none() && self.events.iter().any(|e| e == event_type)
    }
}

#[derive(Debug, Clone)]
pub struct WebhookSecret {
    pub id: String,
    /// Sealed (`sealed::WEBHOOK_SECRET`, bound to `id`).
    pub secret: Vec<u8>,
    pub created_at: i64,
    /// A replaced secret signs until then.
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Sending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "pending" => DeliveryStatus::Pending,
            "sending" => DeliveryStatus::Sending,
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            _ => return Err(StoreError::Corrupt("webhook_deliveries.status".into())),
        })
    }
}

#[derive(Debug, Clone)]
pub struct WebhookDelivery {
    /// The `webhook-id`: the same on every attempt, so a receiver can drop duplicates.
    pub id: String,
    pub endpoint_id: String,
    pub event_key: String,
    pub event_type: String,
    /// The JSON body sent.
    pub payload: String,
    pub created_at: i64,
    pub status: DeliveryStatus,
    pub next_attempt_at: i64,
    pub attempts: i64,
    /// Attempts made before the last manual replay.
    pub replayed_after: i64,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
}

impl WebhookDelivery {
    /// Attempts since the delivery was raised or last replayed (the retry schedule's position).
    pub fn attempts_this_round(&self) -> i64 {
        self.attempts - self.replayed_after
    }
}

#[derive(Debug, Clone)]
pub struct WebhookAttempt {
    pub attempt: i64,
    pub at: i64,
    /// The receiver's HTTP status; `None` when it gave none (timeout, refused address).
    pub status: Option<i64>,
    /// A short code for what went wrong (`timeout`, `connect`, `private-address`, `status`).
    pub error: Option<String>,
    pub millis: i64,
}

const ENDPOINT_COLUMNS: &str =
    "id, url, description, events, allow_private, created_by, created_at, disabled_at, disabled_reason";
const DELIVERY_COLUMNS: &str = "id, endpoint_id, event_key, event_type, payload, created_at, status, \
                                next_attempt_at, attempts, replayed_after, last_error, delivered_at";

macro_rules! endpoint_from_row {
    ($r:expr) => {{
        let r = $r;
        let by: String = r.try_get("created_by")?;
        let events: String = r.try_get("events")?;
        WebhookEndpoint {
            id: r.try_get("id")?,
            url: r.try_get("url")?,
            description: r.try_get("description")?,
            events: events.split_whitespace().map(str::to_owned).collect(),
            allow_private: r.try_get("allow_private")?,
            created_by: UserId::parse(&by).ok_or_else(|| StoreError::Corrupt("webhook_endpoints.created_by".into()))?,
            created_at: r.try_get("created_at")?,
            disabled_at: r.try_get("disabled_at")?,
            disabled_reason: r.try_get("disabled_reason")?,
        }
    }};
}

macro_rules! delivery_from_row {
    ($r:expr) => {{
        let r = $r;
        let status: String = r.try_get("status")?;
        WebhookDelivery {
            id: r.try_get("id")?,
            endpoint_id: r.try_get("endpoint_id")?,
            event_key: r.try_get("event_key")?,
            event_type: r.try_get("event_type")?,
            payload: r.try_get("payload")?,
            created_at: r.try_get("created_at")?,
            status: DeliveryStatus::parse(&status)?,
            next_attempt_at: r.try_get("next_attempt_at")?,
            attempts: r.try_get::<i64, _>("attempts")?,
            replayed_after: r.try_get::<i64, _>("replayed_after")?,
            last_error: r.try_get("last_error")?,
            delivered_at: r.try_get("delivered_at")?,
        }
    }};
}

impl Leased for WebhookDelivery {
    const QUEUE: Queue = Queue {
        table: "webhook_deliveries",
        columns: DELIVERY_COLUMNS,
        waiting: "pending",
        working: "sending",
        done: "delivered",
        failed: "failed",
        due: "next_attempt_at",
        lease: "lease_until",
        updated: Some("updated_at"),
        done_at: Some("delivered_at"),
        lane: None,
    };
    fn from_sqlite(r: &sqlx::sqlite::SqliteRow) -> Result<Self> {
        Ok(delivery_from_row!(r))
    }
    fn from_pg(r: &sqlx::postgres::PgRow) -> Result<Self> {
        Ok(delivery_from_row!(r))
    }
}

impl Store {
    /// Stores a new endpoint with its first secret unless the center has `max` already; returns
    /// whether it was stored. The effects commit with it.
    pub async fn create_webhook_endpoint(
        &self,
        e: &WebhookEndpoint,
        secret: &WebhookSecret,
        max: usize,
        effects: &Effects,
    ) -> Result<bool> {
        let now = e.created_at;
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO throttle_locks (key, at) VALUES ('webhook-endpoints', $1) \
                 ON CONFLICT (key) DO UPDATE SET at = excluded.at",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints").fetch_one(&mut *tx).await?;
            if count >= max as i64 {
                return Ok(false);
            }
            sqlx::query(&format!(
                "INSERT INTO webhook_endpoints ({ENDPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL)"
            ))
            .bind(&e.id)
            .bind(&e.url)
            .bind(&e.description)
            .bind(e.events.join(" "))
            .bind(e.allow_private)
            .bind(e.created_by.as_str())
            .bind(e.created_at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO webhook_secrets (id, endpoint_id, secret, created_at, expires_at) VALUES ($1, $2, $3, $4, NULL)",
            )
            .bind(&secret.id)
            .bind(&e.id)
            .bind(&secret.secret)
            .bind(secret.created_at)
            .execute(&mut *tx)
            .await?;
            write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Every endpoint, newest first.
    pub async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>> {
        on_backend!(self, |pool| {
            let rows =
                sqlx::query(&format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at DESC, id"))
                    .fetch_all(pool)
                    .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(endpoint_from_row!(r));
            }
            Ok(out)
        })
    }

    pub async fn webhook_endpoint(&self, id: &str) -> Result<Option<WebhookEndpoint>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(endpoint_from_row!(&r)),
                None => None,
            })
        })
    }

    /// The secrets an endpoint signs with at `now`, newest first.
    pub async fn webhook_secrets(&self, endpoint: &str, now: i64) -> Result<Vec<WebhookSecret>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, secret, created_at, expires_at FROM webhook_secrets \
                 WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at DESC, id",
            )
            .bind(endpoint)
            .bind(now)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(WebhookSecret {
                    id: r.try_get("id")?,
                    secret: r.try_get("secret")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                });
            }
            Ok(out)
        })
    }

    /// Adds a new secret; the ones in use keep signing until `old_until`. The effects commit
    /// with it. False when there is no such endpoint.
    pub async fn rotate_webhook_secret(
        &self,
        endpoint: &str,
        secret: &WebhookSecret,
        old_until: i64,
        effects: &Effects,
    ) -> Result<bool> {
        let now = secret.created_at;
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            // The endpoint's row is locked first (a write, so SQLite takes its write lock before
            // reading): rotations at once replace the secret one after another, and exactly one
            // secret is left without an end.
            let found = sqlx::query("UPDATE webhook_endpoints SET id = id WHERE id = $1")
                .bind(endpoint)
                .execute(&mut *tx)
                .await?;
            if found.rows_affected() == 0 {
                return Ok(false);
            }
            sqlx::query(
                "UPDATE webhook_secrets SET expires_at = $2 WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2)",
            )
            .bind(endpoint)
            .bind(old_until)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO webhook_secrets (id, endpoint_id, secret, created_at, expires_at) VALUES ($1, $2, $3, $4, NULL)",
            )
            .bind(&secret.id)
            .bind(endpoint)
            .bind(&secret.secret)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Turns an endpoint off (`reason`: `admin` or `gone`) or, with `None`, on again. False when
    /// nothing changed. The effects commit with it.
    pub async fn set_webhook_disabled(
        &self,
        id: &str,
        reason: Option<&str>,
        now: i64,
        effects: &Effects,
    ) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = match reason {
                Some(r) => sqlx::query(
                    "UPDATE webhook_endpoints SET disabled_at = $2, disabled_reason = $3 WHERE id = $1 AND disabled_at IS NULL",
                )
                .bind(id)
                .bind(now)
                .bind(r)
                .execute(&mut *tx)
                .await?,
                None => sqlx::query(
                    "UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL WHERE id = $1 AND disabled_at IS NOT NULL",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?,
            };
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Deletes an endpoint with its secrets and deliveries. The effects commit with it.
    pub async fn delete_webhook_endpoint(&self, id: &str, now: i64, effects: &Effects) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(&mut *tx).await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Raises `event_type` (known by `event_key`, which names what raised it) for every enabled
    /// endpoint that wants it, each delivery under its own new id from `new_id`; an endpoint that
    /// has it already gets nothing new. How many were raised.
    pub async fn raise_webhook(
        &self,
        event_key: &str,
        event_type: &str,
        payload: &str,
        now: i64,
        new_id: impl Fn() -> String,
    ) -> Result<u64> {
        let endpoints = self.webhook_endpoints().await?;
        let mut raised = 0;
        for e in endpoints.iter().filter(|e| e.wants(event_type)) {
            on_backend!(self, |pool| {
                let done = sqlx::query(
                    "INSERT INTO webhook_deliveries (id, endpoint_id, event_key, event_type, payload, created_at, status, \
                     next_attempt_at, attempts, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $6, 0, $6) \
                     ON CONFLICT (endpoint_id, event_key) DO NOTHING",
                )
                .bind(new_id())
                .bind(&e.id)
                .bind(event_key)
                .bind(event_type)
                .bind(payload)
                .bind(now)
                .execute(pool)
                .await?;
                raised += done.rows_affected();
            });
        }
        Ok(raised)
    }

    /// Claims one due delivery until `lease_until`.
    pub async fn claim_due_webhook(&self, now: i64, lease_until: i64) -> Result<Option<WebhookDelivery>> {
        Ok(self.claim_due::<WebhookDelivery>(now, lease_until, 1, None).await?.pop())
    }

    pub async fn finish_webhook(&self, id: &str, now: i64) -> Result<()> {
        self.finish::<WebhookDelivery>(id, now).await
    }

    /// A failed attempt: tried again at `retry_at`, or given up with `None`.
    pub async fn fail_webhook(&self, id: &str, error: &str, retry_at: Option<i64>, now: i64) -> Result<()> {
        self.fail::<WebhookDelivery>(id, error, retry_at, now).await
    }

    /// Writes one attempt to the delivery log.
    pub async fn record_webhook_attempt(&self, delivery: &str, a: &WebhookAttempt) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, millis) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (delivery_id, attempt) DO NOTHING",
            )
            .bind(delivery)
            .bind(a.attempt)
            .bind(a.at)
            .bind(a.status)
            .bind(&a.error)
            .bind(a.millis)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// An endpoint's newest deliveries.
    pub async fn webhook_deliveries(&self, endpoint: &str, limit: i64) -> Result<Vec<WebhookDelivery>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1 \
                 ORDER BY created_at DESC, id LIMIT $2"
            ))
            .bind(endpoint)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(delivery_from_row!(r));
            }
            Ok(out)
        })
    }

    /// A delivery's attempts, first first.
    pub async fn webhook_attempts(&self, delivery: &str) -> Result<Vec<WebhookAttempt>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT attempt, at, status, error, millis FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt",
            )
            .bind(delivery)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(WebhookAttempt {
                    attempt: r.try_get::<i64, _>("attempt")?,
                    at: r.try_get("at")?,
                    status: r.try_get::<Option<i64>, _>("status")?,
                    error: r.try_get("error")?,
                    millis: r.try_get::<i64, _>("millis")?,
                });
            }
            Ok(out)
        })
    }

    /// Forgets finished deliveries (and their attempts) raised before `before`; how many.
    pub async fn prune_webhook_deliveries(&self, before: i64) -> Result<u64> {
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "DELETE FROM webhook_deliveries WHERE created_at < $1 AND status IN ('delivered', 'failed')",
            )
            .bind(before)
            .execute(pool)
            .await?;
            Ok(done.rows_affected())
        })
    }

    /// Sends a delivered or given-up delivery again, with the same id, the schedule starting
    /// over. The effects commit with it. False when it is still on its way.
    pub async fn replay_webhook(&self, endpoint: &str, id: &str, now: i64, effects: &Effects) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, replayed_after = attempts, \
                 lease_until = NULL, last_error = NULL, updated_at = $3 \
                 WHERE id = $1 AND endpoint_id = $2 AND status IN ('delivered', 'failed')",
            )
            .bind(id)
            .bind(endpoint)
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
}
