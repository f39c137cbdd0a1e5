//! The durable job queue: work that must happen later and survive restarts (appointment
//! reminders, the end of a waitlist offer's hold).
//!
//! Scheduling is idempotent: a job's idempotency key is unique, so scheduling the same reminder
//! twice is a no-op. A worker claims due jobs by a conditional update that sets a lease; a worker
//! that dies mid-job leaves the lease to lapse and the job to be claimed again. Jobs that send mail
//! pass their key on to the outbox, whose own unique key turns a second run into no second mail.

use sqlx::Row;

use crate::queue::{Backoff, Leased, Queue};
use crate::{Result, Store, StoreError, on_backend};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Pending,
    /// Claimed by a worker until `lease_until`.
    Running,
    Done,
    /// Given up after the last retry.
    Failed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [JobStatus::Pending, JobStatus::Running, JobStatus::Done, JobStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        JobStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct JobRecord {
    pub id: String,
    pub kind: String,
    /// JSON that the job's handler understands; never personal data beyond ids.
    pub payload: String,
    pub idempotency_key: String,
    pub run_at: i64,
    pub status: JobStatus,
    pub attempts: i64,
    pub lease_until: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, kind, payload, idempotency_key, run_at, status, attempts, lease_until, last_error, created_at";

macro_rules! job_from_row {
    ($r:expr) => {{
        let r = $r;
        let status: String = r.try_get("status")?;
        JobRecord {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            payload: r.try_get("payload")?,
            idempotency_key: r.try_get("idempotency_key")?,
            run_at: r.try_get("run_at")?,
            status: JobStatus::parse(&status).ok_or_else(|| StoreError::Corrupt("jobs.status".into()))?,
            attempts: r.try_get("attempts")?,
            lease_until: r.try_get("lease_until")?,
            last_error: r.try_get("last_error")?,
            created_at: r.try_get("created_at")?,
        }
    }};
}

impl Leased for JobRecord {
    const QUEUE: Queue = Queue {
        table: "jobs",
        columns: COLUMNS,
        waiting: "pending",
        working: "running",
        done: "done",
        failed: "failed",
        due: "run_at",
        lease: "lease_until",
        updated: Some("updated_at"),
        done_at: None,
        lane: None,
    };
    fn from_sqlite(r: &sqlx::sqlite::SqliteRow) -> Result<Self> {
        Ok(job_from_row!(r))
    }
    fn from_pg(r: &sqlx::postgres::PgRow) -> Result<Self> {
        Ok(job_from_row!(r))
    }
}

/// How a failed job is retried: after 2, 4, 8 … minutes, six runs in all.
pub const JOB_BACKOFF: Backoff = Backoff { first: 60, attempts: 6 };

impl Store {
    /// Schedules a job unless one with the same idempotency key exists. Returns whether it was new.
    pub async fn schedule_job(
        &self,
        id: &str,
        kind: &str,
        payload: &str,
        key: &str,
        run_at: i64,
        now: i64,
    ) -> Result<bool> {
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "INSERT INTO jobs (id, kind, payload, idempotency_key, run_at, status, attempts, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(id)
            .bind(kind)
            .bind(payload)
            .bind(key)
            .bind(run_at)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Claims one job by id, if it is pending and due (or its lease lapsed): how the request that
    /// wrote a change runs that change's job at once. `None` when a worker has it already.
    pub async fn claim_job(&self, id: &str, now: i64, lease_until: i64) -> Result<Option<JobRecord>> {
        self.claim_one(id, now, lease_until).await
    }

    /// Claims up to `limit` due jobs (pending and due, or running with a lapsed lease) until
    /// `lease_until`. Each claim is a conditional update, so two workers never hold one job.
    pub async fn claim_due_jobs(&self, now: i64, lease_until: i64, limit: i64) -> Result<Vec<JobRecord>> {
        self.claim_due(now, lease_until, limit, None).await
    }

    pub async fn finish_job(&self, id: &str, now: i64) -> Result<()> {
        self.finish::<JobRecord>(id, now).await
    }

    /// Records a failed run: retried at `retry_at`, or given up when it is `None`.
    pub async fn fail_job(&self, id: &str, error: &str, retry_at: Option<i64>, now: i64) -> Result<()> {
        self.fail::<JobRecord>(id, error, retry_at, now).await
    }

    /// Jobs in one state, soonest first, for the admin page.
    pub async fn list_jobs(&self, status: JobStatus, limit: i64) -> Result<Vec<JobRecord>> {
        on_backend!(self, |pool| {
            let rows =
                sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE status = $1 ORDER BY run_at, id LIMIT $2"))
                    .bind(status.as_str())
                    .bind(limit)
                    .fetch_all(pool)
                    .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(job_from_row!(r));
            }
            Ok(out)
        })
    }

    /// How many jobs are in each state.
    pub async fn job_counts(&self) -> Result<Vec<(JobStatus, i64)>> {
        let mut out = Vec::new();
        for st in JobStatus::ALL {
            let n: i64 = on_backend!(self, |pool| {
                sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status = $1")
                    .bind(st.as_str())
                    .fetch_one(pool)
                    .await?
            });
            out.push((st, n));
        }
        Ok(out)
    }

    /// Puts a failed job back in the queue, due now (an admin's "retry").
    pub async fn retry_job(&self, id: &str, now: i64) -> Result<bool> {
        self.requeue::<JobRecord>(id, now).await
    }
}

impl Store {
    /// Whether a user wants appointment reminders (on unless they opted out).
    pub async fn reminders_enabled(&self, user: &sangdam_domain::UserId) -> Result<bool> {
        let v: Option<bool> = on_backend!(self, |pool| {
            sqlx::query_scalar("SELECT reminders FROM notification_settings WHERE user_id = $1")
                .bind(user.as_str())
                .fetch_optional(pool)
                .await?
        });
        Ok(v.unwrap_or(true))
    }

    pub async fn set_reminders(&self, user: &sangdam_domain::UserId, on: bool) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO notification_settings (user_id, reminders) VALUES ($1, $2) \
                 ON CONFLICT (user_id) DO UPDATE SET reminders = $2",
            )
            .bind(user.as_str())
            .bind(on)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Sets (or replaces) the hash of a user's calendar feed token; the old link stops working.
    /// Creates or replaces `user`'s calendar feed token (its hash), with `effects`.
    pub async fn set_calendar_feed(
        &self,
        user: &sangdam_domain::UserId,
        token_hash: &str,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id) DO UPDATE SET token_hash = $2, created_at = $3",
            )
            .bind(user.as_str())
            .bind(token_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn has_calendar_feed(&self, user: &sangdam_domain::UserId) -> Result<bool> {
        let n: i64 = on_backend!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM calendar_feeds WHERE user_id = $1")
                .bind(user.as_str())
                .fetch_one(pool)
                .await?
        });
        Ok(n > 0)
    }

    /// The user whose feed token hashes to `token_hash`.
    pub async fn calendar_feed_owner(&self, token_hash: &str) -> Result<Option<sangdam_domain::UserId>> {
        let id: Option<String> = on_backend!(self, |pool| {
            sqlx::query_scalar("SELECT user_id FROM calendar_feeds WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(pool)
                .await?
        });
        Ok(id.and_then(|i| sangdam_domain::UserId::parse(&i)))
    }
}
