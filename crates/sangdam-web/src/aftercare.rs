//! What happens after a session took place: the client is asked for feedback at once, and, when
//! no next session is booked some days later (`follow_up_days`, 7 by default; off per client in
//! their record), gently invited to book. Both go through the durable job queue and idempotent
//! mail, so a restart or a job run twice sends nothing twice.

use sangdam_store::{AppointmentRecord, JobRecord};
use serde::{Deserialize, Serialize};

use crate::crypto::random;
use crate::mail::{self, Mail};
use crate::state::AppState;

pub const FOLLOW_UP: &str = "follow-up";

#[derive(Debug, Serialize, Deserialize)]
struct FollowUpJob {
    appointment: String,
}

async fn counselor_name(state: &AppState, a: &AppointmentRecord) -> anyhow::Result<String> {
    Ok(state.store.user_by_id(&a.counselor_id).await?.map(|u| u.display_name.to_string()).unwrap_or_default())
}

/// Called when an appointment became completed: invites feedback and schedules the follow-up.
pub async fn session_completed(state: &AppState, a: &AppointmentRecord) -> anyhow::Result<()> {
    let Some(client) = state.store.user_by_id(&a.client_id).await?.filter(|u| u.active) else { return Ok(()) };
    crate::form_requests::request_scheduled(state, a, &client).await?;
    let counselor = counselor_name(state, a).await?;
    let link = format!("{}/feedback/{}", state.config.public_url, a.id);
    let mail = Mail::FeedbackInvitation { link, counselor };
    mail::send_once(state, &client.email, client.language, mail, &format!("feedback:{}", a.id)).await?;
    if state.config.follow_up_days > 0 {
        let now = state.clock.now();
        let run_at = a.ends_at.max(now) + i64::from(state.config.follow_up_days) * 86_400;
        let payload = serde_json::to_string(&FollowUpJob { appointment: a.id.clone() })?;
        let id = sangdam_domain::ids::encode_random(&random::<16>());
        state.store.schedule_job(&id, FOLLOW_UP, &payload, &format!("follow-up:{}", a.id), run_at, now).await?;
        state.jobs_queued.notify_one();
    }
    Ok(())
}

/// The follow-up job: invites the client to book again unless something is booked after the
/// session, the client turned invitations off (their record), or the account is gone.
pub async fn run_follow_up(state: &AppState, job: &JobRecord) -> anyhow::Result<()> {
    let j: FollowUpJob = serde_json::from_str(&job.payload)?;
    let Some(a) = state.store.appointment(&j.appointment).await? else { return Ok(()) };
    let Some(client) = state.store.user_by_id(&a.client_id).await?.filter(|u| u.active) else { return Ok(()) };
    if state.store.has_appointment_after(&a.client_id, a.ends_at).await?
        || !state.store.client_profile(&a.client_id).await?.follow_up
    {
        return Ok(());
    }
    let counselor = counselor_name(state, &a).await?;
    let link = format!("{}/counselors/{}", state.config.public_url, a.counselor_id);
    mail::send_once(state, &client.email, client.language, Mail::FollowUp { link, counselor }, &job.idempotency_key)
        .await
}
