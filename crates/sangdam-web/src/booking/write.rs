//! The two writes that take a counselor's time, booking and moving, as a request runs them: the
//! service layer's operation (`sangdam_app::booking`), then its jobs and its crisis event's alert
//! at once, and the booking counters for `/metrics`. The booking page, the mail link and the API
//! call these.

use sangdam_store::AppointmentRecord;

use super::Counselor;
use crate::state::AppState;

pub use sangdam_app::booking::{BookError, Booking, MoveError};

/// What a booking made: the appointments' ids (in order of start) and whether the reason raised
/// a crisis event.
pub struct Booked {
    pub ids: Vec<String>,
    pub crisis: bool,
}

/// Books every start of `b` for `actor` (see `sangdam_app::booking::book`), then runs its jobs
/// and, when the reason spoke of suicide or self-harm, its crisis event's alert.
pub async fn book(state: &AppState, actor: &sangdam_app::Actor, b: Booking<'_>) -> Result<Booked, BookError> {
    let made = sangdam_app::booking::book(&state.store, &state.keys, actor, b).await.inspect_err(|e| {
        // What the database refused counts (the time went to another booking meanwhile).
        if matches!(e, BookError::TakenMeanwhile | BookError::ClientBusy) {
            crate::metrics::Metrics::inc(&state.metrics.bookings_refused);
        }
    })?;
    crate::metrics::Metrics::inc(&state.metrics.bookings);
    crate::jobs::run_now(state, &made.jobs).await;
    // The lines at once, and the event's alert (a new booking's event is always new).
    if let Some(w) = &made.crisis {
        crate::crisis::after_raise(state, w, &sangdam_store::CrisisRaised::New(w.id.clone())).await;
    }
    Ok(Booked { ids: made.ids, crisis: made.crisis.is_some() })
}

/// Moves appointment `a` of counselor `c` to `start` for `actor`, audited as `action` (see
/// `sangdam_app::booking::move_appointment`), then runs its job.
pub async fn move_appointment(
    state: &AppState,
    actor: &sangdam_app::Actor,
    a: &AppointmentRecord,
    c: &Counselor,
    start: i64,
    action: &str,
    guard: Option<sangdam_store::SequenceGuard>,
) -> Result<(), MoveError> {
    let jobs =
        sangdam_app::booking::move_appointment(&state.store, &state.keys, actor, a, c, start, action, guard).await?;
    crate::jobs::run_now(state, &jobs).await;
    Ok(())
}
