//! The durable jobs that follow writes: a request runs the jobs it has just committed at once
//! ([`run_now`]), and a worker ([`run_jobs`]) runs whatever is due or was left by a server that
//! died, with a lease, retries and backoff. Each kind's handler lives with its subject (booking,
//! aftercare, questionnaires); this module only claims, dispatches and records.

use std::time::Duration;

use sangdam_store::{JobRecord, NewJob};
use tokio::sync::watch;

use crate::booking;
use crate::state::AppState;

/// Runs jobs a request has just committed, at once, so that what follows a change (its mails)
/// is done when the page answers. A job a worker already holds is left to it; a failure is
/// logged and left to the worker's retries (the change itself is committed either way).
pub async fn run_now(state: &AppState, jobs: &[NewJob]) {
    for new in jobs {
        run_id(state, &new.id).await;
    }
}

/// Runs one committed job at once by its id (see [`run_now`]); a write that created the job
/// inside the store (a crisis event's alert) knows only its id.
pub async fn run_id(state: &AppState, id: &str) {
    let now = state.clock.now();
    let job = match state.store.claim_job(id, now, now + 120).await {
        Ok(Some(job)) => job,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(error = ?e, "claiming a job to run at once failed");
            return;
        }
    };
    execute(state, &job).await;
}

/// Runs one claimed job and records how it went.
async fn execute(state: &AppState, job: &JobRecord) {
    let outcome = match job.kind.as_str() {
        booking::APPOINTMENT_CHANGED => booking::run_change(state, job).await,
        booking::REMINDER => booking::run_reminder(state, job).await,
        booking::OFFER_EXPIRY => booking::run_offer_expiry(state, job).await,
        crate::aftercare::FOLLOW_UP => crate::aftercare::run_follow_up(state, job).await,
        crate::pages::RISK_ALERT_MAILS => crate::pages::run_alert_mails(state, job).await,
        crate::crisis::CRISIS_ALERT_MAILS => crate::crisis::run_alert_mails(state, job).await,
        other => Err(anyhow::anyhow!("unknown job kind {other}")),
    };
    let now = state.clock.now();
    let result = match outcome {
        Ok(()) => state.store.finish_job(&job.id, now).await,
        Err(e) => {
            tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
            let retry = (job.attempts < MAX_JOB_ATTEMPTS).then(|| now + 60 * (1 << job.attempts.clamp(0, 10)));
            state.store.fail_job(&job.id, &format!("{e:#}"), retry, now).await
        }
    };
    if let Err(e) = result {
        tracing::error!(error = ?e, "recording a job's outcome failed");
    }
}

/// Most runs of a job before it is marked failed.
pub const MAX_JOB_ATTEMPTS: i64 = 6;

/// Runs due jobs until `shutdown` turns true. Each claim holds a two-minute lease; a job that
/// fails is retried with exponential backoff (1, 2, 4 … minutes), then marked failed for admins.
pub async fn run_jobs(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        let now = state.clock.now();
        let batch = match state.store.claim_due_jobs(now, now + 120, 20).await {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = ?e, "claiming jobs failed");
                Vec::new()
            }
        };
        for job in &batch {
            execute(&state, job).await;
        }
        if !batch.is_empty() {
            continue;
        }
        tokio::select! {
            _ = state.jobs_queued.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}
