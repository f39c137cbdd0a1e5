//! The durable jobs that follow writes: a request runs the jobs it has just committed at once
//! ([`run_now`]), and a worker ([`run_jobs`]) runs whatever is due or was left by a server that
//! died, with a lease, retries and backoff. Each kind's handler lives with its subject (booking,
//! aftercare, questionnaires); this module only claims, dispatches (through the state's
//! `job_handlers`, put together in `lib.rs`) and records.

use std::time::Duration;

use sangdam_store::{JobRecord, NewJob};
use tokio::sync::watch;

use crate::state::AppState;
use crate::worker::Worker;

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
    let outcome = match state.job_handlers.get(job.kind.as_str()) {
        Some(handler) => handler(state, job).await,
        None => Err(anyhow::anyhow!("unknown job kind {}", job.kind)),
    };
    let now = state.clock.now();
    let result = match outcome {
        Ok(()) => state.store.finish_job(&job.id, now).await,
        Err(e) => {
            tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
            let retry = sangdam_store::JOB_BACKOFF.retry_at(job.attempts, now);
            state.store.fail_job(&job.id, &format!("{e:#}"), retry, now).await
        }
    };
    if let Err(e) = result {
        tracing::error!(error = ?e, "recording a job's outcome failed");
    }
}

/// Runs due jobs until `shutdown` turns true, one at a time. Each claim holds a two-minute lease;
/// a job that fails is retried on [`sangdam_store::JOB_BACKOFF`], then marked failed for admins.
pub async fn run_jobs(state: AppState, shutdown: watch::Receiver<bool>) {
    let worker = Worker { wake: &state.jobs_queued, poll: Duration::from_secs(1), parallel: 1 };
    let claim = || async {
        let now = state.clock.now();
        match state.store.claim_due_jobs(now, now + 120, 1).await {
            Ok(mut batch) => batch.pop(),
            Err(e) => {
                tracing::error!(error = ?e, "claiming jobs failed");
                None
            }
        }
    };
    let work = |job: JobRecord| {
        let state = state.clone();
        async move { execute(&state, &job).await }
    };
    worker.run(shutdown, claim, work).await;
}
