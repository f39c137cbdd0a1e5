//! The writes that take a counselor's time, and what they need to know first: a counselor's
//! availability assembled from the store, their free slots as a client sees them, booking (one
//! session or a series, all or none) and moving an appointment. The booking page, the mail link
//! and the API call them, so each writes its appointments, audit entry, jobs and crisis event the
//! same way whoever asks. The arithmetic lives in `sangdam_domain::booking`; the invariant that
//! no two sessions of a counselor overlap lives in the database.

use jiff::Timestamp;
use sangdam_domain::UserId;
use sangdam_domain::booking::{Availability, Busy, SessionKind, Slot, SlotQuery, free_slots, is_free_slot};
use sangdam_store::{AppointmentRecord, CounselorProfile, CrisisWrite, NewJob, Store, StoreError, UserRecord};

use crate::access::Source;
use crate::appointments::{Change, FollowOn, change_job};
use crate::audit::Actor;
use crate::crypto::{Keys, random};

/// A counselor with everything booking needs.
#[derive(Debug, Clone)]
pub struct Counselor {
    pub user: UserRecord,
    pub profile: CounselorProfile,
    pub availability: Availability,
}

impl Counselor {
    pub fn id(&self) -> &UserId {
        &self.user.id
    }
}

/// Loads an active counselor's profile and availability; `None` when there is no such counselor.
pub async fn counselor(store: &Store, id: &UserId) -> anyhow::Result<Option<Counselor>> {
    let Some(user) = store.user_by_id(id).await? else { return Ok(None) };
    if !user.active || user.role != sangdam_domain::Role::Counselor {
        return Ok(None);
    }
    let Some(profile) = store.counselor_profile(id).await? else { return Ok(None) };
    let exceptions = store.list_exceptions(id).await?.into_iter().map(|(_, e)| e).collect();
    let availability = Availability {
        timezone: user.timezone.to_jiff(),
        weekly: profile.weekly.clone(),
        exceptions,
        rules: profile.rules,
    };
    Ok(Some(Counselor { user, profile, availability }))
}

fn ts(unix: i64) -> Timestamp {
    Timestamp::from_second(unix).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The time a counselor is not free over their whole booking horizon, seen by `client` (slots held
/// for that client count as free), leaving out the appointment `moving` (when one is moved).
async fn busy(
    store: &Store,
    c: &Counselor,
    client: Option<&UserId>,
    moving: Option<&AppointmentRecord>,
    now: i64,
) -> anyhow::Result<Vec<Busy>> {
    // Appointments that started up to a day ago still count towards today's cap.
    let from = now - 2 * 86_400;
    let to = now + (i64::from(c.profile.rules.horizon_days) + 2) * 86_400;
    let mut list = store.busy_times(c.id(), from, to, client, now).await?;
    if let Some(m) = moving {
        let own = m.busy();
        if let Some(i) = list.iter().position(|b| *b == own) {
            list.remove(i);
        }
    }
    Ok(list)
}

/// Which free slots to look for.
#[derive(Debug, Clone, Copy)]
pub struct SlotSearch {
    pub kind: SessionKind,
    pub from: i64,
    pub until: Option<i64>,
    pub limit: usize,
}

/// The next free slots for a session of `search.kind`, as `client` sees them.
pub async fn next_slots(
    store: &Store,
    c: &Counselor,
    search: &SlotSearch,
    client: Option<&UserId>,
    now: i64,
) -> anyhow::Result<Vec<Slot>> {
    let Some(offering) = c.profile.offering(search.kind) else { return Ok(vec![]) };
    let busy = busy(store, c, client, None, now).await?;
    let q = SlotQuery {
        now: ts(now),
        duration_minutes: offering.duration_minutes,
        from: ts(search.from.max(now)),
        until: search.until.map(ts),
        limit: search.limit,
    };
    Ok(free_slots(&c.availability, &busy, &q))
}

/// The session kinds of `c` that fit between `starts_at` and `ends_at` and begin a free slot now
/// (grid, hours, notice), as anyone sees it: what a freed time may be offered for.
pub async fn kinds_free_at(
    store: &Store,
    c: &Counselor,
    starts_at: i64,
    ends_at: i64,
    now: i64,
) -> anyhow::Result<Vec<SessionKind>> {
    let busy = busy(store, c, None, None, now).await?;
    Ok(c.profile
        .offerings
        .iter()
        .filter(|o| starts_at + i64::from(o.duration_minutes) * 60 <= ends_at)
        .filter(|o| is_free_slot(&c.availability, &busy, ts(starts_at), o.duration_minutes, ts(now)))
        .map(|o| o.kind)
        .collect())
}

/// Whether a session of `minutes` may start at `start` for this client now (or `moving` may move
/// there).
pub async fn slot_is_free(
    store: &Store,
    c: &Counselor,
    minutes: u32,
    start: i64,
    client: &UserId,
    moving: Option<&AppointmentRecord>,
    now: i64,
) -> anyhow::Result<bool> {
    let Ok(start) = Timestamp::from_second(start) else { return Ok(false) };
    if minutes == 0 {
        return Ok(false);
    }
    let busy = busy(store, c, Some(client), moving, now).await?;
    Ok(is_free_slot(&c.availability, &busy, start, minutes, ts(now)))
}

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
    /// A time is not free.
    #[error("time taken")]
    Taken,
    /// A time was free when checked, and the database refused it: another booking took it
    /// meanwhile.
    #[error("time taken meanwhile")]
    TakenMeanwhile,
    /// The client has another session at that time.
    #[error("client busy")]
    ClientBusy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What a booking made: the appointments' ids (in order of start), the jobs it committed (for
/// the caller to run at once) and, when the reason spoke of suicide or self-harm, the crisis event
/// it raised.
pub struct Booked {
    pub ids: Vec<String>,
    pub jobs: Vec<NewJob>,
    pub crisis: Option<CrisisWrite>,
}

/// Books every start of `b` for `actor`, all or none: each must be free now, and the database
/// refuses any overlap a concurrent booking slipped in since. The audit entry, the jobs that
/// send the mails, schedule the reminders, ask the intake forms and tell the centers' webhooks,
/// and a crisis event raised by the reason commit with the booking; the caller runs the jobs and
/// the event's alert at once.
pub async fn book(store: &Store, keys: &Keys, actor: &Actor, b: Booking<'_>) -> Result<Booked, BookError> {
    let now = actor.at;
    for s in b.starts {
        if !slot_is_free(store, b.counselor, b.offering.duration_minutes, *s, b.client, None, now).await? {
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
                .then(|| keys.seal_at(&sangdam_store::sealed::APPOINTMENT_REASON, &[&id], b.reason.as_bytes())),
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
    let mut effects =
        crate::audit::audited(keys, actor, "appointment.book", Some(format!("appointment:{}", first.id)), "ok");
    for (i, a) in list.iter().enumerate() {
        let follow = FollowOn { change: Some(change), booked: i == 0, ..FollowOn::default() };
        effects = effects.with_job(change_job(&a.id, follow, now));
    }
    // A reason that speaks of suicide or self-harm raises the booking's crisis event with it.
    let crisis = sangdam_domain::crisis::check(b.reason).map(|level| {
        let (client, counselor) = (Some(b.client), Some(&b.counselor.user.id));
        crate::crisis::write_for(keys, now, Source::Booking, &first.id, client, counselor, level)
    });
    if let Some(w) = &crisis {
        effects = effects.with_crisis(w.clone());
    }
    match store.book(&list, now, Some(&b.counselor.availability), &effects).await {
        Ok(()) => {}
        Err(StoreError::TimeTaken) => return Err(BookError::TakenMeanwhile),
        Err(StoreError::ClientBusy) => return Err(BookError::ClientBusy),
        Err(e) => return Err(BookError::Internal(e.into())),
    }
    Ok(Booked { ids: list.into_iter().map(|a| a.id).collect(), jobs: effects.jobs, crisis })
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
/// together; the job is handed back for the caller to run at once. Whether the move is still
/// allowed (the client's window) is the caller's to decide first.
#[allow(clippy::too_many_arguments)]
pub async fn move_appointment(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    a: &AppointmentRecord,
    c: &Counselor,
    start: i64,
    action: &str,
    guard: Option<sangdam_store::SequenceGuard>,
) -> Result<Vec<NewJob>, MoveError> {
    let now = actor.at;
    // The appointment keeps its own length, even if the counselor has changed the offering since.
    let minutes = u32::try_from((a.ends_at - a.starts_at) / 60).unwrap_or(0);
    if c.profile.offering(a.kind).is_none()
        || !slot_is_free(store, c, minutes, start, &a.client_id, Some(a), now).await?
    {
        return Err(MoveError::Taken);
    }
    let duration = a.ends_at - a.starts_at;
    let follow = FollowOn { change: Some(Change::Moved), freed: Some((a.starts_at, a.ends_at)), ..FollowOn::default() };
    let target = Some(format!("appointment:{}", a.id));
    let mut effects = crate::audit::audited(keys, actor, action, target, "ok").with_job(change_job(&a.id, follow, now));
    effects.guard = guard;
    let moved = store.reschedule(&a.id, start, start + duration, &a.client_id, now, Some(&c.availability), &effects);
    match moved.await {
        Ok(true) => {}
        Ok(false) => return Err(MoveError::Closed),
        Err(StoreError::Conflict) => return Err(MoveError::LinkUsed),
        Err(StoreError::TimeTaken) => return Err(MoveError::Taken),
        Err(StoreError::ClientBusy) => return Err(MoveError::ClientBusy),
        Err(e) => return Err(MoveError::Internal(e.into())),
    }
    Ok(effects.jobs)
}
