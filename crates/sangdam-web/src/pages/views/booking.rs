//! What the booking pages, the client's appointments and the waitlist share: a counselor open to
//! booking, the booking horizon and a month's free times.

use sangdam_domain::booking::SessionKind;
use sangdam_domain::{Role, UserId};

use crate::booking::{self, Counselor, SlotSearch};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::state::AppState;

/// A bookable time, labelled in the viewer's time zone.
pub struct SlotView {
    pub start: i64,
    pub label: String,
}

pub fn slot_views(ctx: &Ctx, slots: &[sangdam_domain::booking::Slot]) -> Vec<SlotView> {
    slots.iter().map(|s| SlotView { start: s.start.as_second(), label: ctx.time(s.start.as_second()) }).collect()
}

pub fn parse_id(raw: &str) -> Result<UserId, AppError> {
    UserId::parse(raw).ok_or(AppError::NotFound)
}

pub async fn load_counselor(state: &AppState, id: &str) -> Result<Counselor, AppError> {
    let id = parse_id(id)?;
    match booking::counselor(state, &id).await? {
        Some(c) if c.profile.published => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

/// Only clients book; staff see a clear refusal rather than a form that cannot succeed.
pub fn client_viewer(ctx: &Ctx) -> Result<&crate::ctx::Viewer, AppError> {
    ctx.with_role(&[Role::Client])
}

/// Today and the last day of the booking horizon, in the viewer's time zone.
pub fn horizon(ctx: &Ctx, c: &Counselor) -> (jiff::civil::Date, jiff::civil::Date) {
    horizon_in(c, ctx.timezone().to_jiff(), ctx.now)
}

/// The free slots of `kind` in `month` (its first day, in the viewer's zone).
pub async fn month_slots(
    state: &AppState,
    ctx: &Ctx,
    c: &Counselor,
    kind: SessionKind,
    month: jiff::civil::Date,
    client: Option<&UserId>,
) -> anyhow::Result<Vec<sangdam_domain::booking::Slot>> {
    let zone = ctx.timezone().to_jiff();
    let start = |d: jiff::civil::Date| d.to_zoned(zone.clone()).map_or(ctx.now, |z| z.timestamp().as_second());
    let next = month.checked_add(jiff::Span::new().months(1)).unwrap_or(month);
    let search = SlotSearch { kind, from: start(month), until: Some(start(next)), limit: 5000 };
    booking::next_slots(state, c, &search, client, ctx.now).await
}

/// The days a client may wait for: today to the end of the booking horizon, in the counselor's
/// time zone.
pub fn waitlist_days(c: &Counselor, now: i64) -> (jiff::civil::Date, jiff::civil::Date) {
    horizon_in(c, c.availability.timezone.clone(), now)
}

/// Today and the last day of the counselor's booking horizon, as dates in `zone`.
fn horizon_in(c: &Counselor, zone: jiff::tz::TimeZone, now: i64) -> (jiff::civil::Date, jiff::civil::Date) {
    let today = jiff::Timestamp::from_second(now).unwrap_or_default().to_zoned(zone).date();
    let last = today.checked_add(jiff::Span::new().days(i64::from(c.profile.rules.horizon_days))).unwrap_or(today);
    (today, last)
}
