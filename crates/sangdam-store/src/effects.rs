//! What must follow a write, committed in the same transaction as the write: the audit entry that
//! records it, the durable jobs that carry its side effects (the mails to both sides, the
//! reminders, the offer of a freed slot to the waitlist) and mails already written (an
//! invitation's link). A crash can then never keep a booking
//! and lose its mails, or keep a cancellation without its audit entry; the job worker runs
//! whatever a crash left pending, and every job is idempotent.

use sangdam_domain::audit::ChainKey;

use crate::AuditEvent;

/// A durable job to schedule with a write (see the `jobs` table). Its key makes it unique.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: String,
    pub kind: String,
    /// JSON the job's handler understands; ids only, never personal data.
    pub payload: String,
    pub key: String,
    pub run_at: i64,
}

/// A mail already rendered, queued in the outbox with the write that sends it.
#[derive(Clone)]
pub struct QueuedMail {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    /// The body as the outbox lists it: a secret link replaced (see `sealed_body`).
    pub body: String,
    /// The whole body sealed (purpose `mail.body`) when `body` had a secret link replaced.
    pub sealed_body: Option<Vec<u8>>,
    /// Kept unsent (no SMTP server configured): the admin's outbox shows it.
    pub held: bool,
    /// Makes the mail unique (a second with the same key is not queued), and names what it is
    /// about, so that deleting an account can find the mails that tell of it.
    pub key: Option<String>,
}

impl std::fmt::Debug for QueuedMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueuedMail").field("id", &self.id).finish_non_exhaustive()
    }
}

/// The audit entry, jobs and mails of one write.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    pub audit: Option<(AuditEvent, ChainKey)>,
    pub jobs: Vec<NewJob>,
    /// A crisis event the write raises (a booking's reason), with its own audit entry and job.
    pub crisis: Option<Box<crate::CrisisWrite>>,
    /// A condition the write must meet or roll back whole (see [`SequenceGuard`]).
    pub guard: Option<SequenceGuard>,
    pub mails: Vec<QueuedMail>,
}

/// The appointment must stand at `sequence` once the write has changed it: exactly one change
/// since the caller read it at `sequence - 1`. A mail link names the sequence it was made for, so
/// it works once, and a link whose appointment was changed meanwhile (moved, approved, cancelled)
/// changes nothing, however the requests interleave.
#[derive(Debug, Clone)]
pub struct SequenceGuard {
    pub appointment: String,
    pub sequence: i64,
}

impl Effects {
    pub fn audited(event: AuditEvent, key: ChainKey) -> Self {
        Self { audit: Some((event, key)), ..Self::default() }
    }

    pub fn with_guard(mut self, guard: SequenceGuard) -> Self {
        self.guard = Some(guard);
        self
    }

    pub fn with_crisis(mut self, crisis: crate::CrisisWrite) -> Self {
        self.crisis = Some(Box::new(crisis));
        self
    }

    pub fn with_job(mut self, job: NewJob) -> Self {
        self.jobs.push(job);
        self
    }

    pub fn with_mail(mut self, mail: QueuedMail) -> Self {
        self.mails.push(mail);
        self
    }
}

/// Writes a write's effects inside its open transaction (`$tx`, a `&mut Transaction`).
macro_rules! write_effects {
    ($tx:expr, $effects:expr, $now:expr) => {{
        let effects: &$crate::Effects = $effects;
        let tx = $tx;
        if let Some(g) = &effects.guard {
            let sequence: Option<i64> = sqlx::query_scalar("SELECT sequence FROM appointments WHERE id = $1")
                .bind(&g.appointment)
                .fetch_optional(&mut **tx)
                .await?;
            if sequence != Some(g.sequence) {
                return Err($crate::StoreError::Conflict);
            }
        }
        for j in &effects.jobs {
            sqlx::query(
                "INSERT INTO jobs (id, kind, payload, idempotency_key, run_at, status, attempts, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(&j.id)
            .bind(&j.kind)
            .bind(&j.payload)
            .bind(&j.key)
            .bind(j.run_at)
            .bind($now)
            .execute(&mut **tx)
            .await?;
        }
        for m in &effects.mails {
            let status = if m.held { "held" } else { "pending" };
            sqlx::query(
                "INSERT INTO mail_outbox (id, recipient, subject, body, created_at, status, attempts, next_attempt_at, sealed_body, idempotency_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, 0, $5, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(&m.id)
            .bind(&m.recipient)
            .bind(&m.subject)
            .bind(&m.body)
            .bind($now)
            .bind(status)
            .bind(m.sealed_body.as_deref())
            .bind(m.key.as_deref())
            .execute(&mut **tx)
            .await?;
        }
        if let Some((event, key)) = &effects.audit {
            $crate::audit::append_audit_in!(&mut *tx, event, key);
        }
    }};
}
pub(crate) use write_effects;
