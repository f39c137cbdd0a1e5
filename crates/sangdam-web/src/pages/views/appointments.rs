//! An appointment as its client and its counselor see it, and the counselor's own appointment.

use sangdam_domain::Role;
use sangdam_domain::booking::appointment::{CancelOutcome, client_cancellation, client_may_reschedule};
use sangdam_store::AppointmentRecord;

use crate::ctx::Ctx;
use crate::error::AppError;
use crate::state::AppState;

pub struct AppointmentView {
    pub id: String,
    pub when: String,
    pub with: String,
    pub with_id: String,
    pub kind: String,
    pub price: String,
    pub status: &'static str,
    pub status_label: String,
    pub in_series: bool,
    pub can_cancel: bool,
    pub late: bool,
    pub can_reschedule: bool,
    pub cancel_reason: Option<String>,
    /// The room is open now.
    pub can_join: bool,
}

pub async fn view(state: &AppState, ctx: &Ctx, a: &AppointmentRecord) -> Result<AppointmentView, AppError> {
    let counselor = state.store.user_by_id(&a.counselor_id).await?;
    let window = state.store.counselor_profile(&a.counselor_id).await?.map_or(24, |p| p.rules.cancel_window_hours);
    let start = jiff::Timestamp::from_second(a.starts_at).unwrap_or_default();
    let now = jiff::Timestamp::from_second(ctx.now).unwrap_or_default();
    let open = a.status.holds_time() && a.starts_at > ctx.now;
    Ok(AppointmentView {
        id: a.id.clone(),
        when: ctx.time(a.starts_at),
        with: counselor.as_ref().map(|u| u.display_name.to_string()).unwrap_or_default(),
        with_id: a.counselor_id.to_string(),
        kind: ctx.t(a.kind.message_id()),
        price: a.price.to_string(),
        status: a.status.as_str(),
        status_label: ctx.t(a.status.message_id()),
        in_series: a.series_id.is_some(),
        can_cancel: open,
        late: open && client_cancellation(start, now, window) == CancelOutcome::LateCancelled,
        can_reschedule: open && client_may_reschedule(start, now, window),
        cancel_reason: a.cancel_reason.clone(),
        can_join: super::room_open(state, a, ctx.now),
    })
}

/// The counselor's own appointment, or 404.
pub async fn own(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<(sangdam_store::AppointmentRecord, sangdam_store::UserRecord), AppError> {
    let v = ctx.client_data_viewer(&[Role::Counselor])?;
    let a = sangdam_app::appointments::counselors_appointment(&state.store, &v.user.id, id).await.map_err(op_error)?;
    Ok((a, v.user.clone()))
}

/// A refused operation, as the pages answer it.
pub fn op_error(e: sangdam_app::appointments::OpError) -> AppError {
    use sangdam_app::appointments::OpError;
    match e {
        OpError::NotFound => AppError::NotFound,
        OpError::Invalid(id) | OpError::Conflict(id) => AppError::BadRequest(id),
        OpError::Store(e) => e.into(),
    }
}
