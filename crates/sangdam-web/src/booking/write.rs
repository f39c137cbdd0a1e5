//! The two writes that take a counselor's time: booking (one session or a series, all or none)
//! and moving an appointment. The booking page, the mail link and the API call them, so each
//! writes its appointments, audit entry, jobs and crisis event the same way whoever asks.

use sangdam_domain::UserId;
use sangdam_store::AppointmentRecord;

use super::{Change, Counselor, FollowOn, change_job, slot_is_free};
use crate::crypto::random;
use crate::state::AppState;

/// A booking as asked for, by a client on the booking page or by the center's systems through
/// the API: one session, or each session of a series (all or none).
pub struct Booking<'a> {
    pub counselor: &'a Counselor,
    pub client: &'a UserId,
    pub kind: sangdam_domain::booking::SessionKind,
    pub offering: sangdam_store::Offering,
    pub starts: &'a [i64],
    /// The client's reason for the visit (sealed per session); may be empty.
    pub reason: &'a str,
    pub first_time: bool,
    pub series: bool,
}

/// Why a booking was not made.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    /// A time is no longer free (or another booking took it meanwhile).
    #[error("time taken")]
    Taken,
    /// The client has another session at that time.
    #[error("client busy")]
    ClientBusy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What a booking made: the appointments' ids (in order of start) and, when the reason spoke of
/// suicide or self-harm, the crisis event it raised.
pub struct Booked {
    pub ids: Vec<String>,
    pub crisis: bool,
}

/// Books every start of `b` for `actor`, all or none: each must be free now, and the database
/// refuses any overlap a concurrent booking slipped in since. The audit entry, the jobs that
/// send the mails, schedule the reminders, ask the intake forms and tell the centers' webhooks,
/// and a crisis event raised by the reason commit with the booking; the jobs then run at once.
pub async fn book(state: &AppState, actor: &sangdam_app::Actor, b: Booking<'_>) -> Result<Booked, BookError> {
    let now = actor.at;
    for s in b.starts {
        if !slot_is_free(state, b.counselor, b.offering.duration_minutes, *s, b.client, None, now).await? {
            return Err(BookError::Taken);
        }
    }
    use sangdam_domain::booking::AppointmentStatus;
    let status =
        if b.counselor.profile.requires_approval { AppointmentStatus::Requested } else { AppointmentStatus::Confirmed };
    let series_id = b.series.then(|| sangdam_domain::ids::encode_random(&random::<16>()));
    let list: Vec<sangdam_store::NewAppointment> = b
        .starts
        .iter()
        .map(|s| (*s, sangdam_domain::ids::encode_random(&random::<16>())))
        .map(|(s, id)| sangdam_store::NewAppointment {
            // Each session's reason is sealed in its own row.
            reason: (!b.reason.is_empty())
                .then(|| state.keys.seal_at(&sangdam_store::sealed::APPOINTMENT_REASON, &[&id], b.reason.as_bytes())),
            id,
            counselor_id: b.counselor.user.id.clone(),
            client_id: b.client.clone(),
            kind: b.kind,
            price: b.offering.price,
            starts_at: s,
            ends_at: s + i64::from(b.offering.duration_minutes) * 60,
            status,
            first_time: b.first_time,
            series_id: series_id.clone(),
        })
        .collect();
    let Some(first) = list.first() else { return Err(BookError::Taken) };
    let change = if status == AppointmentStatus::Requested { Change::Requested } else { Change::Booked };
    let mut effects = sangdam_app::audit::audited(
        &state.keys,
        actor,
        "appointment.book",
        Some(format!("appointment:{}", first.id)),
        "ok",
    );
    for (i, a) in list.iter().enumerate() {
        let follow = FollowOn { change: Some(change), booked: i == 0, ..FollowOn::default() };
        effects = effects.with_job(change_job(&a.id, follow, now));
    }
    // A reason that speaks of suicide or self-harm raises the booking's crisis event with it.
    let crisis = sangdam_domain::crisis::check(b.reason).map(|level| {
        let (client, counselor) = (Some(b.client), Some(&b.counselor.user.id));
        crate::crisis::write_for(state, crate::crisis::Source::Booking, &first.id, client, counselor, level)
    });
    if let Some(w) = &crisis {
        effects = effects.with_crisis(w.clone());
    }
    match state.store.book(&list, now, Some(&b.counselor.availability), &effects).await {
        Ok(()) => {}
        Err(sangdam_store::StoreError::TimeTaken) => {
            crate::metrics::Metrics::inc(&state.metrics.bookings_refused);
            return Err(BookError::Taken);
        }
        Err(sangdam_store::StoreError::ClientBusy) => {
            crate::metrics::Metrics::inc(&state.metrics.bookings_refused);
            return Err(BookError::ClientBusy);
        }
        Err(e) => return Err(BookError::Internal(e.into())),
    }
    crate::metrics::Metrics::inc(&state.metrics.bookings);
    crate::jobs::run_now(state, &effects.jobs).await;
    // The lines at once, and the event's alert (a new booking's event is always new).
    if let Some(w) = &crisis {
        crate::crisis::after_raise(state, w, &sangdam_store::CrisisRaised::New(w.id.clone())).await;
    }
    Ok(Booked { ids: list.into_iter().map(|a| a.id).collect(), crisis: crisis.is_some() })
}

/// Why an appointment was not moved.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// The new time is not one of the counselor's free times (or was taken meanwhile).
    #[error("time taken")]
    Taken,
    /// The client has another session at the new time.
    #[error("client busy")]
    ClientBusy,
    /// The appointment no longer holds its time (cancelled, done).
    #[error("closed")]
    Closed,
    /// A mail link's appointment changed since the link was made (its `SequenceGuard`).
    #[error("link used")]
    LinkUsed,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Moves appointment `a` of counselor `c` to `start` (keeping its length) for `actor`, audited as
/// `action`: the new time must be free for its client, the database refuses any overlap, and the
/// move, its audit entry and the job that tells both sides and offers the freed time commit
/// together; the job then runs at once. Whether the move is still allowed (the client's window)
/// is the caller's to decide first.
pub async fn move_appointment(
    state: &AppState,
    actor: &sangdam_app::Actor,
    a: &AppointmentRecord,
    c: &Counselor,
    start: i64,
    action: &str,
    guard: Option<sangdam_store::SequenceGuard>,
) -> Result<(), MoveError> {
    let now = actor.at;
    // The appointment keeps its own length, even if the counselor has changed the offering since.
    let minutes = u32::try_from((a.ends_at - a.starts_at) / 60).unwrap_or(0);
    if c.profile.offering(a.kind).is_none()
        || !slot_is_free(state, c, minutes, start, &a.client_id, Some(a), now).await?
    {
        return Err(MoveError::Taken);
    }
    let duration = a.ends_at - a.starts_at;
    let follow = FollowOn { change: Some(Change::Moved), freed: Some((a.starts_at, a.ends_at)), ..FollowOn::default() };
    let target = Some(format!("appointment:{}", a.id));
    let mut effects =
        sangdam_app::audit::audited(&state.keys, actor, action, target, "ok").with_job(change_job(&a.id, follow, now));
    effects.guard = guard;
    let moved =
        state.store.reschedule(&a.id, start, start + duration, &a.client_id, now, Some(&c.availability), &effects);
    match moved.await {
        Ok(true) => {}
        Ok(false) => return Err(MoveError::Closed),
        Err(sangdam_store::StoreError::Conflict) => return Err(MoveError::LinkUsed),
        Err(sangdam_store::StoreError::TimeTaken) => return Err(MoveError::Taken),
        Err(sangdam_store::StoreError::ClientBusy) => return Err(MoveError::ClientBusy),
        Err(e) => return Err(MoveError::Internal(e.into())),
    }
    crate::jobs::run_now(state, &effects.jobs).await;
    Ok(())
}
