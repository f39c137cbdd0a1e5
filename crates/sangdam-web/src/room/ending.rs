//! Ending a session: for everyone and once; the recording stops and the appointment is settled
//! (completed when the client came, no-show when they never did).

use sangdam_domain::booking::AppointmentStatus;
use sangdam_store::RoomRecord;

use super::{Entrant, RoomState, ServerMsg, recording};
use crate::state::AppState;

/// Ends the session for everyone (once): the recording stops, the appointment is settled.
pub(super) async fn end_session(
    state: &AppState,
    room: &RoomRecord,
    s: &mut RoomState,
    who: &Entrant,
) -> anyhow::Result<bool> {
    {
        {
            recording::end(state, room, s, "ended").await?;
            let now = state.clock.now();
            let ended = state.store.end_room(&room.id, now).await?;
            if ended {
                state.store.record_room_event(&room.id, &who.user, "end", now).await?;
                if let Some(appointment) = &room.appointment_id {
                    settle_appointment(state, room, appointment, now).await?;
                }
            }
            s.broadcast(&ServerMsg::Ended, false, None);
            Ok(ended)
        }
    }
}

/// After the session: completed when the client came, no-show when they never did.
async fn settle_appointment(state: &AppState, room: &RoomRecord, appointment: &str, now: i64) -> anyhow::Result<()> {
    let Some(a) = state.store.appointment(appointment).await? else { return Ok(()) };
    let came = state.store.room_events(&room.id).await?.iter().any(|(u, e, _)| *u == a.client_id && e == "join");
    let to = if came { AppointmentStatus::Completed } else { AppointmentStatus::NoShow };
    let follow = crate::booking::FollowOn { completed: came, ..Default::default() };
    let effects = sangdam_store::Effects::default().with_job(crate::booking::change_job(&a.id, follow, now));
    if state.store.set_appointment_status(&a.id, &[AppointmentStatus::Confirmed], to, None, now, &effects).await? {
        crate::jobs::run_now(state, &effects.jobs).await;
    }
    Ok(())
}
