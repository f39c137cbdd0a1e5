//! What a counselor does to an appointment (approve a request, decline or cancel it, record what
//! happened), written once for the pages and the API alike.
//!
//! Each operation checks the rule, then changes the appointment with its audit entry and the
//! `appointment-changed` job ([`change_job`]: the mails, reminders, waitlist offer, follow-up) in
//! one transaction, and hands the job back so that the caller may run it at once; if the process
//! dies first, the job worker runs it after the restart.

use sangdam_domain::UserId;
use sangdam_domain::booking::AppointmentStatus;
use sangdam_domain::limits::MAX_CANCEL_REASON_CHARS;
use sangdam_store::{AppointmentRecord, NewJob, Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::audit::{Actor, audited};
use crate::crypto::{Keys, random};

/// What happened to an appointment, for the mails that say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Booked,
    Requested,
    Confirmed,
    Moved,
    Cancelled,
    /// The client deleted their account: only the counselor is told, and not by whom.
    ClientDeleted,
}

pub const APPOINTMENT_CHANGED: &str = "appointment-changed";

/// What an `appointment-changed` job carries: which appointment, what happened to it, and what
/// else the change set off.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeJob {
    pub appointment: String,
    /// `None`: no mail about the appointment itself (a session that took place).
    pub change: Option<Change>,
    /// The time the change freed, to offer to the waitlist.
    #[serde(default)]
    pub freed: Option<(i64, i64)>,
    /// A new booking: the waitlist entry for that day is used up and the intake forms are asked.
    #[serde(default)]
    pub booked: bool,
    /// The session took place: feedback invitation, follow-up, forms due every N sessions.
    #[serde(default)]
    pub completed: bool,
}

/// What a change of an appointment sets off, for [`change_job`].
#[derive(Debug, Clone, Copy, Default)]
pub struct FollowOn {
    pub change: Option<Change>,
    pub freed: Option<(i64, i64)>,
    pub booked: bool,
    pub completed: bool,
}

/// The job that carries what follows a change, to be written with the change (`Effects`).
pub fn change_job(appointment: &str, follow: FollowOn, now: i64) -> NewJob {
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let payload = ChangeJob {
        appointment: appointment.to_owned(),
        change: follow.change,
        freed: follow.freed,
        booked: follow.booked,
        completed: follow.completed,
    };
    NewJob {
        key: format!("change:{id}"),
        id,
        kind: APPOINTMENT_CHANGED.to_owned(),
        // A struct of strings and numbers always serializes.
        payload: serde_json::to_string(&payload).unwrap_or_default(),
        run_at: now,
    }
}

/// Why an operation was not done. The refusals carry the message id a person reads.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// No such appointment, or not one the actor may act on (the same answer, so that a
    /// stranger learns nothing).
    #[error("not found")]
    NotFound,
    /// The request itself is wrong (a reason missing or too long, an unknown outcome).
    #[error("invalid: {0}")]
    Invalid(&'static str),
    /// The appointment's state does not allow it (already cancelled, not started yet).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The appointment `id` when `counselor` holds it; [`OpError::NotFound`] otherwise.
pub async fn counselors_appointment(store: &Store, counselor: &UserId, id: &str) -> Result<AppointmentRecord, OpError> {
    match store.appointment(id).await? {
        Some(a) if &a.counselor_id == counselor => Ok(a),
        _ => Err(OpError::NotFound),
    }
}

/// Changes `a` from one of `from` to `to` with its audit entry and job; the job, when done.
#[allow(clippy::too_many_arguments)]
async fn change(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    a: &AppointmentRecord,
    action: &str,
    outcome: &str,
    (from, to): (&[AppointmentStatus], AppointmentStatus),
    cancel: Option<(&str, &str)>,
    follow: FollowOn,
) -> Result<Vec<NewJob>, OpError> {
    let target = Some(format!("appointment:{}", a.id));
    let effects = audited(keys, actor, action, target, outcome).with_job(change_job(&a.id, follow, actor.at));
    if !store.set_appointment_status(&a.id, from, to, cancel, actor.at, &effects).await? {
        return Err(OpError::Conflict("error-appointment-closed"));
    }
    Ok(effects.jobs)
}

/// The counselor approves a requested appointment.
pub async fn approve(store: &Store, keys: &Keys, actor: &Actor, a: &AppointmentRecord) -> Result<Vec<NewJob>, OpError> {
    let follow = FollowOn { change: Some(Change::Confirmed), ..FollowOn::default() };
    let states = (&[AppointmentStatus::Requested][..], AppointmentStatus::Confirmed);
    change(store, keys, actor, a, "appointment.approve", "ok", states, None, follow).await
}

/// The counselor declines a request or cancels a session, any time, with a reason the client is
/// told (trimmed; 1 to [`MAX_CANCEL_REASON_CHARS`] characters).
pub async fn cancel_by_counselor(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    a: &AppointmentRecord,
    reason: &str,
) -> Result<Vec<NewJob>, OpError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(OpError::Invalid("error-cancel-reason-required"));
    }
    if reason.chars().count() > MAX_CANCEL_REASON_CHARS {
        return Err(OpError::Invalid("error-cancel-reason-too-long"));
    }
    let follow =
        FollowOn { change: Some(Change::Cancelled), freed: Some((a.starts_at, a.ends_at)), ..FollowOn::default() };
    let states = (&[AppointmentStatus::Requested, AppointmentStatus::Confirmed][..], AppointmentStatus::Cancelled);
    let cancel = Some((reason, "counselor"));
    change(store, keys, actor, a, "appointment.cancel", "counselor", states, cancel, follow).await
}

/// After the start, the counselor records that the session took place or that the client did not
/// come (`completed` or `no_show`).
pub async fn record_outcome(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    a: &AppointmentRecord,
    outcome: &str,
) -> Result<Vec<NewJob>, OpError> {
    let to = match outcome {
        "completed" => AppointmentStatus::Completed,
        "no_show" => AppointmentStatus::NoShow,
        _ => return Err(OpError::Invalid("error-form-invalid")),
    };
    if a.starts_at > actor.at {
        return Err(OpError::Conflict("error-outcome-too-early"));
    }
    let follow = FollowOn { completed: to == AppointmentStatus::Completed, ..FollowOn::default() };
    let states = (&[AppointmentStatus::Confirmed][..], to);
    change(store, keys, actor, a, "appointment.outcome", to.as_str(), states, None, follow).await
}
