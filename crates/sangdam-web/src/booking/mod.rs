//! Booking as the pages use it: the service layer's booking (`sangdam_app::booking`: a
//! counselor's availability, free slots, booking and moving) run for a request, and the mails
//! (with calendar files) that tell both sides what changed, and the jobs that remind them.
//!
//! What follows a change of an appointment (the mails to both sides, the reminders, the intake
//! forms, the offer of a freed slot, the feedback invitation after a session) is one durable
//! `appointment-changed` job ([`change_job`]) written in the same transaction as the change, with
//! its audit entry. The request that made the change runs the job at once (`jobs::run_now`); if
//! the server dies first, the job worker (`jobs`) runs it after the restart. Every step of the job is
//! idempotent (mail and job keys, request reason keys, a hold id taken from the job), so a job run
//! twice sends nothing twice.

use jiff::Timestamp;
use sangdam_domain::booking::{AppointmentStatus, Slot};
use sangdam_domain::ics::{self, EventStatus, Method};
use sangdam_domain::{Language, UserId};
use sangdam_store::{AppointmentRecord, Attachment, JobRecord, NewMail, UserRecord, WaitlistOffer};
use serde::{Deserialize, Serialize};

use crate::crypto::random;
use crate::i18n::Tr;
use crate::state::AppState;

mod write;
pub use write::{BookError, Booked, Booking, MoveError, book, move_appointment};

pub use sangdam_app::booking::{Counselor, SlotSearch};

fn ts(unix: i64) -> Timestamp {
    Timestamp::from_second(unix).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Loads an active counselor's profile and availability; `None` when there is no such counselor.
pub async fn counselor(state: &AppState, id: &UserId) -> anyhow::Result<Option<Counselor>> {
    sangdam_app::booking::counselor(&state.store, id).await
}

/// The next free slots for a session of `search.kind`, as `client` sees them.
pub async fn next_slots(
    state: &AppState,
    c: &Counselor,
    search: &SlotSearch,
    client: Option<&UserId>,
    now: i64,
) -> anyhow::Result<Vec<Slot>> {
    sangdam_app::booking::next_slots(&state.store, c, search, client, now).await
}

/// Whether a session of `minutes` may start at `start` for this client now (or `moving` may move
/// there).
pub async fn slot_is_free(
    state: &AppState,
    c: &Counselor,
    minutes: u32,
    start: i64,
    client: &UserId,
    moving: Option<&AppointmentRecord>,
    now: i64,
) -> anyhow::Result<bool> {
    sangdam_app::booking::slot_is_free(&state.store, c, minutes, start, client, moving, now).await
}

// What follows a change (the job and its payload) is the service layer's; the mails that tell
// of it are written here.
pub use sangdam_app::appointments::{APPOINTMENT_CHANGED, Change, ChangeJob, FollowOn, change_job};

/// The subject and body message ids of the mail that tells of `change`.
fn subject_id(change: Change) -> &'static str {
    match change {
        Change::ClientDeleted => "mail-client-deleted-subject",
        Change::Booked => "mail-booked-subject",
        Change::Requested => "mail-requested-subject",
        Change::Confirmed => "mail-confirmed-subject",
        Change::Moved => "mail-moved-subject",
        Change::Cancelled => "mail-cancelled-subject",
    }
}

fn body_id(change: Change) -> &'static str {
    match change {
        Change::ClientDeleted => "mail-client-deleted-body",
        Change::Booked => "mail-booked-body",
        Change::Requested => "mail-requested-body",
        Change::Confirmed => "mail-confirmed-body",
        Change::Moved => "mail-moved-body",
        Change::Cancelled => "mail-cancelled-body",
    }
}

/// The webhook event of a change: what happened, or what the appointment became.
fn webhook_event(j: &ChangeJob, a: &AppointmentRecord) -> Option<&'static str> {
    use sangdam_domain::booking::AppointmentStatus as S;
    match (j.change, j.completed) {
        (Some(Change::Booked), _) => Some("appointment.booked"),
        (Some(Change::Requested), _) => Some("appointment.requested"),
        (Some(Change::Confirmed), _) => Some("appointment.confirmed"),
        (Some(Change::Moved), _) => Some("appointment.moved"),
        (Some(Change::Cancelled), _) => Some("appointment.cancelled"),
        // A deleted client's appointments go with their data: nothing is told about them.
        (Some(Change::ClientDeleted), _) => None,
        (None, true) => Some("appointment.completed"),
        (None, false) if a.status == S::NoShow => Some("appointment.no_show"),
        (None, false) => None,
    }
}

pub(crate) async fn run_change(state: &AppState, job: &JobRecord) -> anyhow::Result<()> {
    let j: ChangeJob = serde_json::from_str(&job.payload)?;
    let Some(a) = state.store.appointment(&j.appointment).await? else { return Ok(()) };
    // The centers' systems hear of it first: raised once per job, whatever fails later.
    if let Some(event) = webhook_event(&j, &a) {
        let data = serde_json::json!({
            "id": a.id,
            "counselor_id": a.counselor_id.as_str(),
            "client_id": a.client_id.as_str(),
            "status": a.status.as_str(),
        });
        crate::webhooks::raise(state, event, &job.id, data).await?;
    }
    if let Some(change) = j.change {
        // A job that runs after a later change of the same appointment (a crash left both) would
        // describe a state that no longer is: it says nothing, and the later job tells.
        use sangdam_domain::booking::AppointmentStatus as S;
        let current = match change {
            Change::Booked | Change::Confirmed => a.status == S::Confirmed,
            Change::Requested => a.status == S::Requested,
            Change::Moved => a.status.holds_time(),
            Change::Cancelled | Change::ClientDeleted => !a.status.holds_time(),
        };
        if current {
            let reason =
                (change == Change::Cancelled).then(|| a.cancel_reason.clone().filter(|r| !r.is_empty())).flatten();
            notify(state, &a, change, reason.as_deref(), &job.id).await?;
        }
        if a.status == S::Confirmed {
            schedule_reminders(state, &a).await?;
        }
    }
    if j.booked
        && let (Some(c), Some(client)) =
            (counselor(state, &a.counselor_id).await?, state.store.user_by_id(&a.client_id).await?)
    {
        // A client who was offered this day from the waitlist has it now.
        let day = ts(a.starts_at).to_zoned(c.availability.timezone.clone()).date().to_string();
        state.store.waitlist_booked(&a.counselor_id, &a.client_id, &day).await?;
        // The counselor's intake forms, asked once per client (a request's reason key makes it so).
        crate::form_requests::request_intake(state, &a.counselor_id, &client).await?;
    }
    if let Some((starts_at, ends_at)) = j.freed {
        offer_freed_slot(state, &a.counselor_id, starts_at, ends_at, Some(&job.id)).await?;
    }
    if j.completed {
        crate::aftercare::session_completed(state, &a).await?;
    }
    Ok(())
}

/// A time in `tz`, with the zone named, as mails show it.
/// A moment for a mail's reader: in their zone and language (`12월 7일 (월) 오전 11:00 KST`).
pub fn local_time(unix: i64, tz: &sangdam_domain::Timezone, lang: Language, now: i64) -> String {
    sangdam_domain::when::moment(ts(unix), &tz.to_jiff(), lang, ts(now))
}

/// The address part of `mail_from` (`Sangdam <no-reply@example.org>` → `no-reply@example.org`).
fn center_address(state: &AppState) -> String {
    let from = &state.config.mail_from;
    match (from.find('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => from[a + 1..b].to_owned(),
        _ => from.trim().to_owned(),
    }
}

/// The calendar event of an appointment. Its UID never changes; its SEQUENCE is the
/// appointment's, which the store increases with every change. The organizer carries the
/// counselor's name with the center's address, and the only attendee named is the recipient
/// (`None` in a feed), so that neither side learns the other's sign-in address.
pub fn event(
    state: &AppState,
    a: &AppointmentRecord,
    tr: &Tr,
    counselor: &UserRecord,
    recipient: Option<&UserRecord>,
    now: i64,
) -> ics::Event {
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("counselor", counselor.display_name.to_string());
    args.set("kind", tr.t(a.kind.message_id()));
    let status = match a.status {
        s if s.holds_time() && s == sangdam_domain::booking::AppointmentStatus::Requested => EventStatus::Tentative,
        s if s.holds_time() => EventStatus::Confirmed,
        _ => EventStatus::Cancelled,
    };
    ics::Event {
        uid: format!("{}@sangdam", a.id),
        sequence: u32::try_from(a.sequence).unwrap_or(0),
        start: ts(a.starts_at),
        end: ts(a.ends_at),
        stamp: ts(now),
        summary: tr.i18n().message(tr.lang, "ics-summary", Some(&args)),
        description: tr.t("ics-description"),
        status,
        url: Some(format!("{}/appointments", state.config.public_url)),
        organizer: Some((counselor.display_name.to_string(), center_address(state))),
        attendees: recipient.map(|r| (r.display_name.to_string(), r.email.to_string())).into_iter().collect(),
    }
}

/// Tells the client and the counselor what happened, each in their language and time zone, with
/// a calendar file (REQUEST while the appointment holds its time, CANCEL once it no longer does).
/// `change_id` names the change (its job), so each change mails each side once, whatever runs
/// twice, and no change's mail is taken for another's.
pub async fn notify(
    state: &AppState,
    a: &AppointmentRecord,
    change: Change,
    reason: Option<&str>,
    change_id: &str,
) -> anyhow::Result<()> {
    let (Some(counselor), Some(client)) =
        (state.store.user_by_id(&a.counselor_id).await?, state.store.user_by_id(&a.client_id).await?)
    else {
        return Ok(());
    };
    let now = state.clock.now();
    for (to, other) in [(&client, &counselor), (&counselor, &client)] {
        // A deleted or deactivated account gets no mail (its address may be gone); a deleted
        // client's counselor is told without the client's name.
        if !to.active || (change == Change::ClientDeleted && to.id == client.id) {
            continue;
        }
        let tr = Tr::new(state.i18n.clone(), to.language);
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("name", other.display_name.to_string());
        args.set("time", local_time(a.starts_at, &to.timezone, to.language, state.clock.now()));
        args.set("kind", tr.t(a.kind.message_id()));
        args.set("link", format!("{}/appointments", state.config.public_url));
        // The client may move or cancel from the mail without signing in while the time holds.
        let manage = to.id == client.id && a.status.holds_time() && a.starts_at > now;
        // A cancellation says whether it came late and why, each on its own line when it applies.
        let late = change == Change::Cancelled && a.status == AppointmentStatus::LateCancelled;
        let mut details = String::new();
        if late {
            details.push('\n');
            details.push_str(&tr.t("mail-cancel-late"));
        }
        if let Some(r) = reason.map(str::trim).filter(|r| !r.is_empty()) {
            details.push('\n');
            details.push_str(&tr.ta("mail-cancel-reason", "reason", r));
        }
        args.set("details", details);
        let subject_id = if late { "mail-late-cancelled-subject" } else { subject_id(change) };
        let subject = tr.i18n().message(to.language, subject_id, Some(&args));
        let (body, secret) = with_manage_link(state, &tr, a, manage, &mut args, body_id(change));
        let method = if a.status.holds_time() { Method::Request } else { Method::Cancel };
        let ics = ics::calendar(Some(method), None, &[event(state, a, &tr, &counselor, Some(to), now)]);
        let attachment = Attachment {
            name: "invite.ics".into(),
            content_type: format!("text/calendar; charset=utf-8; method={}", method.as_str()),
            data: ics.into_bytes(),
        };
        let key = format!("appointment:{}:{change_id}:{}", a.id, to.id);
        queue_once(state, to, &subject, &body, secret.as_deref(), &key, Some(&attachment)).await?;
    }
    state.mail_queued.notify_one();
    Ok(())
}

/// The MAC of a mail link to move or cancel appointment `id` of `client` as it stands at
/// `sequence` (128 bits, hex; see `pages::appointments::manage`), keyed by the master key.
pub(crate) fn manage_mac(state: &AppState, id: &str, client: &UserId, sequence: i64) -> String {
    let mut mac = state.keys.mac_hex("mail.manage", format!("{id}:{client}:{sequence}").as_bytes());
    mac.truncate(32);
    mac
}

/// The link in a client's mail to move or cancel appointment `a` without signing in; it works
/// until the appointment changes or starts. Its token is `{id}.{sequence}.{mac}`
/// ([`manage_token_parts`] reads it back).
pub(crate) fn manage_link(state: &AppState, a: &AppointmentRecord) -> String {
    let mac = manage_mac(state, &a.id, &a.client_id, a.sequence);
    format!("{}/m/{}.{}.{mac}", state.config.public_url, a.id, a.sequence)
}

/// The appointment id, sequence and MAC a link's token names, if it has that form (the MAC is
/// checked against the appointment by the caller).
pub(crate) fn manage_token_parts(token: &str) -> Option<(&str, i64, &str)> {
    let mut parts = token.splitn(3, '.');
    let (id, sequence, mac) = (parts.next()?, parts.next()?, parts.next()?);
    Some((id, sequence.parse().ok()?, mac))
}

/// A client's mail body `message_id` with the link to move or cancel without signing in when
/// `manage`: the body the product may show (the link hidden) and the whole body, which only the
/// sender opens (see `mail`), so neither the outbox page nor a copy of the database can use it.
fn with_manage_link(
    state: &AppState,
    tr: &Tr,
    a: &AppointmentRecord,
    manage: bool,
    args: &mut fluent_bundle::FluentArgs<'_>,
    message_id: &str,
) -> (String, Option<String>) {
    if !manage {
        args.set("manage", String::new());
        return (tr.i18n().message(tr.lang, message_id, Some(args)), None);
    }
    args.set("manage", format!("\n{}", tr.ta("mail-manage", "link", manage_link(state, a))));
    let whole = tr.i18n().message(tr.lang, message_id, Some(args));
    args.set("manage", format!("\n{}", tr.ta("mail-manage", "link", tr.t("mail-link-hidden"))));
    (tr.i18n().message(tr.lang, message_id, Some(args)), Some(whole))
}

/// Queues one mail under an idempotency key (a second call with the same key queues nothing);
/// `secret` is the whole body when `body` hides a link.
async fn queue_once(
    state: &AppState,
    to: &UserRecord,
    subject: &str,
    body: &str,
    secret: Option<&str>,
    key: &str,
    attachment: Option<&Attachment>,
) -> anyhow::Result<()> {
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let sealed = secret.map(|whole| state.keys.seal_at(&sangdam_store::sealed::MAIL_BODY, &[&id], whole.as_bytes()));
    let mail = NewMail {
        id: &id,
        recipient: to.email.as_str(),
        subject,
        body,
        idempotency_key: Some(key),
        attachment,
        sealed_body: sealed.as_deref(),
    };
    state.store.enqueue_mail_once(&mail, state.clock.now(), state.config.smtp.is_none()).await?;
    Ok(())
}

/// What a reminder job carries: which appointment, at which start (a moved appointment's old
/// reminders find the start changed and do nothing), and how long before it.
#[derive(Debug, Serialize, Deserialize)]
struct ReminderJob {
    appointment: String,
    starts_at: i64,
    minutes: u32,
}

pub const REMINDER: &str = "reminder";

/// Schedules the reminders of an appointment. Safe to call again: each reminder's key names the
/// appointment, its start and the offset, so nothing is scheduled twice.
pub async fn schedule_reminders(state: &AppState, a: &AppointmentRecord) -> anyhow::Result<()> {
    let now = state.clock.now();
    for &minutes in &state.config.reminder_minutes {
        let run_at = a.starts_at - i64::from(minutes) * 60;
        if run_at <= now {
            continue;
        }
        let payload =
            serde_json::to_string(&ReminderJob { appointment: a.id.clone(), starts_at: a.starts_at, minutes })?;
        let key = format!("reminder:{}:{}:{minutes}", a.id, a.starts_at);
        let id = sangdam_domain::ids::encode_random(&random::<16>());
        state.store.schedule_job(&id, REMINDER, &payload, &key, run_at, now).await?;
    }
    state.jobs_queued.notify_one();
    Ok(())
}

pub(crate) async fn run_reminder(state: &AppState, job: &JobRecord) -> anyhow::Result<()> {
    let r: ReminderJob = serde_json::from_str(&job.payload)?;
    let Some(a) = state.store.appointment(&r.appointment).await? else { return Ok(()) };
    if !a.status.holds_time() || a.starts_at != r.starts_at {
        return Ok(());
    }
    for user_id in [&a.client_id, &a.counselor_id] {
        let Some(to) = state.store.user_by_id(user_id).await? else { continue };
        if !to.active || !state.store.reminders_enabled(&to.id).await? {
            continue;
        }
        let other_id = if *user_id == a.client_id { &a.counselor_id } else { &a.client_id };
        let other = state.store.user_by_id(other_id).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
        let tr = Tr::new(state.i18n.clone(), to.language);
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("name", other);
        args.set("time", local_time(a.starts_at, &to.timezone, to.language, state.clock.now()));
        args.set("kind", tr.t(a.kind.message_id()));
        args.set("link", format!("{}/appointments", state.config.public_url));
        let subject = tr.i18n().message(to.language, "mail-reminder-subject", Some(&args));
        let (body, secret) = with_manage_link(state, &tr, &a, *user_id == a.client_id, &mut args, "mail-reminder-body");
        // The job's key plus the recipient: a job that runs twice (its lease lapsed mid-run)
        // queues one mail.
        let key = format!("{}:{}", job.idempotency_key, to.id);
        queue_once(state, &to, &subject, &body, secret.as_deref(), &key, None).await?;
    }
    state.mail_queued.notify_one();
    Ok(())
}

/// What a waitlist offer's expiry job carries.
#[derive(Debug, Serialize, Deserialize)]
struct OfferExpiry {
    hold: String,
}

pub const OFFER_EXPIRY: &str = "waitlist-offer-expiry";

/// A slot freed up (a cancellation or a move): offers it to the first client waiting for that
/// counselor's day, who holds it for the configured time; the offer's expiry is a job that passes
/// it on to the next.
/// `from_job` names the job that makes the offer: the hold takes its id, so a job run twice offers
/// the slot once.
pub async fn offer_freed_slot(
    state: &AppState,
    counselor_id: &UserId,
    starts_at: i64,
    ends_at: i64,
    from_job: Option<&str>,
) -> anyhow::Result<()> {
    let now = state.clock.now();
    if starts_at <= now {
        return Ok(());
    }
    let Some(c) = counselor(state, counselor_id).await? else { return Ok(()) };
    let counselor = c.user.clone();
    // Offer only what can really be booked: a session type that fits the freed time and is a
    // free slot now (grid, hours, notice), so no one is handed an offer they cannot take.
    let kinds = sangdam_app::booking::kinds_free_at(&state.store, &c, starts_at, ends_at, now).await?;
    let day = ts(starts_at).to_zoned(counselor.timezone.to_jiff()).date().to_string();
    let hold_id = from_job.map_or_else(|| sangdam_domain::ids::encode_random(&random::<16>()), |j| format!("job-{j}"));
    let expires_at = now + i64::from(state.config.waitlist_hold_minutes) * 60;
    // A job run again after its offer was made goes on with that offer (its expiry and mail have
    // keys of the hold, so nothing is doubled).
    let mut offered = match from_job {
        Some(_) => state.store.waitlist_entry_by_hold(&hold_id).await?,
        None => None,
    };
    // Two offers at once may pick the same entry; the loser tries the next one.
    for _ in 0..3 {
        if offered.is_some() {
            break;
        }
        let offer = WaitlistOffer {
            counselor: counselor_id,
            day: &day,
            hold_id: &hold_id,
            kinds: &kinds,
            starts_at,
            ends_at,
            expires_at,
        };
        offered = state.store.offer_to_waitlist(&offer).await?;
    }
    let Some(entry) = offered else { return Ok(()) };
    let payload = serde_json::to_string(&OfferExpiry { hold: hold_id.clone() })?;
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    state.store.schedule_job(&id, OFFER_EXPIRY, &payload, &format!("offer-expiry:{hold_id}"), expires_at, now).await?;
    state.jobs_queued.notify_one();
    let Some(client) = state.store.user_by_id(&entry.client_id).await? else { return Ok(()) };
    let tr = Tr::new(state.i18n.clone(), client.language);
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("name", counselor.display_name.to_string());
    args.set("time", local_time(starts_at, &client.timezone, client.language, state.clock.now()));
    args.set("minutes", i64::from(state.config.waitlist_hold_minutes));
    args.set(
        "link",
        format!(
            "{}/counselors/{}/book?kind={}&start={starts_at}",
            state.config.public_url,
            counselor_id,
            entry.kind.as_str()
        ),
    );
    let subject = tr.i18n().message(client.language, "mail-offer-subject", Some(&args));
    let body = tr.i18n().message(client.language, "mail-offer-body", Some(&args));
    // The held time as a tentative event the client can drop into a calendar; it is an
    // iCalendar object without METHOD (nothing is booked yet, so it is no invitation).
    let mut ics_args = fluent_bundle::FluentArgs::new();
    ics_args.set("counselor", counselor.display_name.to_string());
    ics_args.set("kind", tr.t(entry.kind.message_id()));
    let held = ics::Event {
        uid: format!("offer-{hold_id}@sangdam"),
        sequence: 0,
        start: ts(starts_at),
        end: ts(ends_at),
        stamp: ts(now),
        summary: tr.i18n().message(client.language, "ics-summary", Some(&ics_args)),
        description: tr.t("ics-offer-description"),
        status: EventStatus::Tentative,
        url: Some(format!("{}/counselors/{}", state.config.public_url, counselor_id)),
        organizer: None,
        attendees: vec![],
    };
    let attachment = Attachment {
        name: "offer.ics".into(),
        content_type: "text/calendar; charset=utf-8".into(),
        data: ics::calendar(None, None, &[held]).into_bytes(),
    };
    queue_once(state, &client, &subject, &body, None, &format!("offer:{hold_id}"), Some(&attachment)).await?;
    state.mail_queued.notify_one();
    Ok(())
}

pub(crate) async fn run_offer_expiry(state: &AppState, job: &JobRecord) -> anyhow::Result<()> {
    let e: OfferExpiry = serde_json::from_str(&job.payload)?;
    // When the client booked it, the hold is gone and nothing happens; otherwise the next one
    // waiting is offered the slot.
    if let Some((counselor, starts_at, ends_at)) = state.store.expire_offer(&e.hold).await? {
        offer_freed_slot(state, &counselor, starts_at, ends_at, Some(&job.id)).await?;
    }
    Ok(())
}

/// The language a counselor's bio is shown in first.
pub fn languages_label(tr: &Tr, langs: &[Language]) -> String {
    langs.iter().map(|l| tr.t(if *l == Language::Ko { "lang-ko" } else { "lang-en" })).collect::<Vec<_>>().join(", ")
}
