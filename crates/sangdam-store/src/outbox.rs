//! The mail outbox. Every email is written here first; with SMTP configured a worker claims due
//! mail under a lease and sends it, with retries and backoff; without SMTP mail is held here for
//! admins to read in the product, so a local run works with no mail server.

use sqlx::Row;

use crate::queue::{Backoff, Leased, Queue};
use crate::{Result, Store, StoreError, on_backend};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    /// Kept for admins to read: no SMTP server is configured.
    Held,
    Pending,
    /// Claimed by a sender until `next_attempt_at` (its lease).
    Sending,
    Sent,
    /// Given up after the last retry.
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Held => "held",
            MailStatus::Pending => "pending",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "held" => MailStatus::Held,
            "pending" => MailStatus::Pending,
            "sending" => MailStatus::Sending,
            "sent" => MailStatus::Sent,
            "failed" => MailStatus::Failed,
            _ => return Err(StoreError::Corrupt("mail_outbox.status".into())),
        })
    }
}

#[derive(Clone)]
pub struct MailRecord {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub status: MailStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
    pub attachment: Option<Attachment>,
    /// The whole body, sealed, when it carries a secret link; `body` then has the link replaced.
    pub sealed_body: Option<Vec<u8>>,
}

/// A file sent with a mail (a calendar invitation).
#[derive(Clone)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// A mail to queue once: a second enqueue with the same idempotency key is a no-op.
pub struct NewMail<'a> {
    pub id: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub attachment: Option<&'a Attachment>,
    /// The whole body sealed (purpose `mail.body`) when `body` had a secret link replaced.
    pub sealed_body: Option<&'a [u8]>,
}

impl std::fmt::Debug for MailRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailRecord").field("id", &self.id).field("status", &self.status).finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, recipient, subject, body, created_at, status, attempts, next_attempt_at, sent_at, last_error, \
     attachment_name, attachment_type, attachment, sealed_body";

macro_rules! mail_from_row {
    ($r:expr) => {{
        let r = $r;
        let status: String = r.try_get("status")?;
        MailRecord {
            id: r.try_get("id")?,
            recipient: r.try_get("recipient")?,
            subject: r.try_get("subject")?,
            body: r.try_get("body")?,
            created_at: r.try_get("created_at")?,
            status: MailStatus::parse(&status)?,
            attempts: r.try_get("attempts")?,
            next_attempt_at: r.try_get("next_attempt_at")?,
            sent_at: r.try_get("sent_at")?,
            last_error: r.try_get("last_error")?,
            attachment: {
                let name: Option<String> = r.try_get("attachment_name")?;
                let content_type: Option<String> = r.try_get("attachment_type")?;
                let data: Option<Vec<u8>> = r.try_get("attachment")?;
                match (name, content_type, data) {
                    (Some(name), Some(content_type), Some(data)) => Some(Attachment { name, content_type, data }),
                    _ => None,
                }
            },
            sealed_body: r.try_get("sealed_body")?,
        }
    }};
}

/// The outbox's lane for email. The outbox has a `channel` column so that another way of sending
/// (a text message) is one more lane with its own sender, not another queue.
const EMAIL: &str = "email";

impl Leased for MailRecord {
    const QUEUE: Queue = Queue {
        table: "mail_outbox",
        columns: COLUMNS,
        waiting: "pending",
        working: "sending",
        done: "sent",
        failed: "failed",
        due: "next_attempt_at",
        lease: "next_attempt_at",
        updated: None,
        done_at: Some("sent_at"),
        lane: Some("channel"),
    };
    fn from_sqlite(r: &sqlx::sqlite::SqliteRow) -> Result<Self> {
        Ok(mail_from_row!(r))
    }
    fn from_pg(r: &sqlx::postgres::PgRow) -> Result<Self> {
        Ok(mail_from_row!(r))
    }
}

/// How a failed send is retried: after 1, 2, 4 … minutes, six tries in all.
pub const MAIL_BACKOFF: Backoff = Backoff { first: 30, attempts: 6 };

impl Store {
    /// Queues a mail, unless it has an idempotency key and one with the same key was queued
    /// before. Returns whether it was queued now.
    pub async fn enqueue_mail_once(&self, m: &NewMail<'_>, now: i64, held: bool) -> Result<bool> {
        let status = if held { MailStatus::Held } else { MailStatus::Pending };
        on_backend!(self, |pool| {
            let done = sqlx::query(&format!(
                "INSERT INTO mail_outbox ({COLUMNS}, idempotency_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, 0, $5, NULL, NULL, $7, $8, $9, $11, $10) \
                 ON CONFLICT (idempotency_key) DO NOTHING"
            ))
            .bind(m.id)
            .bind(m.recipient)
            .bind(m.subject)
            .bind(m.body)
            .bind(now)
            .bind(status.as_str())
            .bind(m.attachment.map(|a| a.name.as_str()))
            .bind(m.attachment.map(|a| a.content_type.as_str()))
            .bind(m.attachment.map(|a| a.data.as_slice()))
            .bind(m.idempotency_key)
            .bind(m.sealed_body)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// The newest mail first, and how much there is.
    pub async fn list_mail(&self, limit: i64, offset: i64) -> Result<(Vec<MailRecord>, i64)> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM mail_outbox ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"
            ))
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox").fetch_one(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(mail_from_row!(r));
            }
            Ok((out, total))
        })
    }

    pub async fn mail_by_id(&self, id: &str) -> Result<Option<MailRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM mail_outbox WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(mail_from_row!(r)),
                None => None,
            })
        })
    }

    /// Claims up to `limit` mails that are due (pending, or sending with a lapsed lease) for one
    /// sender until `lease_until`. Each claim is a conditional update, so two senders never
    /// claim the same mail.
    pub async fn claim_due_mail(&self, now: i64, lease_until: i64, limit: i64) -> Result<Vec<MailRecord>> {
        self.claim_due(now, lease_until, limit, Some(EMAIL)).await
    }

    pub async fn mark_mail_sent(&self, id: &str, now: i64) -> Result<()> {
        self.finish::<MailRecord>(id, now).await
    }

    /// Records a failed send: retried at `retry_at`, or given up when `retry_at` is `None`.
    pub async fn mark_mail_failed(&self, id: &str, error: &str, retry_at: Option<i64>, now: i64) -> Result<()> {
        self.fail::<MailRecord>(id, error, retry_at, now).await
    }
}
