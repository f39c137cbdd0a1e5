//! What clients see first of booking: the counselor directory, a counselor's page with the next
//! free slots, and the booking form (one session or a weekly or two-weekly series). Their
//! appointments are in `appointments`, reminders and the calendar feed in `notifications`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use sangdam_domain::booking::SessionKind;
use sangdam_domain::booking::recurrence::{Every, MAX_OCCURRENCES, series};
use sangdam_domain::{Language, Role, UserId};
use sangdam_store::{DirectoryFilter, Specialty};
use serde::Deserialize;

use super::{render, see_other, with_status};
use crate::booking::{self, Counselor, SlotSearch};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;

pub use sangdam_domain::limits::MAX_REASON_CHARS;
use sangdam_domain::limits::MAX_WITHIN_DAYS;

/// A bookable time, labelled in the viewer's time zone.
pub struct SlotView {
    pub start: i64,
    pub label: String,
}

pub(super) fn slot_views(ctx: &Ctx, slots: &[sangdam_domain::booking::Slot]) -> Vec<SlotView> {
    slots.iter().map(|s| SlotView { start: s.start.as_second(), label: ctx.time(s.start.as_second()) }).collect()
}

fn parse_id(raw: &str) -> Result<UserId, AppError> {
    UserId::parse(raw).ok_or(AppError::NotFound)
}

pub(super) async fn load_counselor(state: &AppState, id: &str) -> Result<Counselor, AppError> {
    let id = parse_id(id)?;
    match booking::counselor(state, &id).await? {
        Some(c) if c.profile.published => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

// ---------------------------------------------------------------------------------------------
// Directory

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DirectoryQuery {
    q: String,
    specialty: String,
    language: String,
    kind: String,
    min_price: String,
    max_price: String,
    within: String,
}

pub struct DirectoryRow {
    pub id: String,
    pub name: String,
    pub has_photo: bool,
    pub bio: String,
    pub specialties: String,
    pub languages: String,
    pub offerings: Vec<String>,
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "booking/directory.html")]
struct DirectoryPage<'a> {
    ctx: &'a Ctx,
    q: DirectoryQuery,
    specialties: Vec<(String, String)>,
    rows: Vec<DirectoryRow>,
    errors: Vec<String>,
}

fn specialty_names(all: &[Specialty], ids: &[String], lang: Language) -> String {
    all.iter().filter(|s| ids.contains(&s.id)).map(|s| s.name(lang).to_owned()).collect::<Vec<_>>().join(", ")
}

fn offering_label(ctx: &Ctx, o: &sangdam_store::Offering) -> String {
    format!(
        "{} · {} · {}",
        ctx.t(o.kind.message_id()),
        ctx.tn("minutes", "count", i64::from(o.duration_minutes)),
        o.price
    )
}

pub async fn directory(State(state): State<AppState>, ctx: Ctx, Query(q): Query<DirectoryQuery>) -> AppResult {
    let mut errors = Vec::new();
    let kind = match q.kind.as_str() {
        "" => None,
        k => SessionKind::parse(k).or_else(|| {
            errors.push(ctx.t("error-kind-unknown"));
            None
        }),
    };
    let language = match q.language.as_str() {
        "" => None,
        l => Language::parse(l).or_else(|| {
            errors.push(ctx.t("error-language-unknown"));
            None
        }),
    };
    let within = match q.within.trim() {
        "" => None,
        w => match w.parse::<i64>() {
            Ok(n) if (1..=MAX_WITHIN_DAYS).contains(&n) => Some(n),
            _ => {
                errors.push(ctx.t("error-within-days"));
                None
            }
        },
    };
    let price_bound = |text: &str, errors: &mut Vec<String>| -> Option<f64> {
        let t = text.trim().replace(',', "");
        if t.is_empty() {
            return None;
        }
        match t.parse::<f64>() {
            Ok(v) if v >= 0.0 && v.is_finite() => Some(v),
            _ => {
                errors.push(ctx.t("error-price-filter"));
                None
            }
        }
    };
    let min_price = price_bound(&q.min_price, &mut errors);
    let max_price = price_bound(&q.max_price, &mut errors);
    if q.q.chars().count() > 100 {
        errors.push(ctx.t("error-search-too-long"));
    }
    let all_specialties = state.store.list_specialties().await?;
    let specialty = match q.specialty.as_str() {
        "" => None,
        s if all_specialties.iter().any(|x| x.id == s) => Some(s.to_owned()),
        _ => {
            errors.push(ctx.t("error-specialty-unknown"));
            None
        }
    };
    let mut rows = Vec::new();
    if errors.is_empty() {
        let filter = DirectoryFilter { name: Some(q.q.clone()), specialty, language, kind };
        let found = state.store.directory(&filter).await?;
        let client = ctx.person().map(|v| v.user.id.clone());
        for (user, profile) in found {
            // The price range applies to the offerings asked for (or any), each in its own
            // currency's major units.
            let offerings: Vec<_> =
                profile.offerings.iter().filter(|o| kind.is_none_or(|k| o.kind == k)).copied().collect();
            let in_range = |o: &sangdam_store::Offering| {
                let major = o.price.minor() as f64 / 10f64.powi(o.price.currency().exponent() as i32);
                min_price.is_none_or(|m| major >= m) && max_price.is_none_or(|m| major <= m)
            };
            if (min_price.is_some() || max_price.is_some()) && !offerings.iter().any(in_range) {
                continue;
            }
            let Some(c) = booking::counselor(&state, &user.id).await? else { continue };
            let mut next: Option<i64> = None;
            let until = within.map(|d| ctx.now + d * 86_400);
            for o in &offerings {
                let search = SlotSearch { kind: o.kind, from: ctx.now, until, limit: 1 };
                if let Some(s) = booking::next_slots(&state, &c, &search, client.as_ref(), ctx.now).await?.first() {
                    let t = s.start.as_second();
                    next = Some(next.map_or(t, |n| n.min(t)));
                }
            }
            if within.is_some() && next.is_none() {
                continue;
            }
            rows.push(DirectoryRow {
                id: user.id.to_string(),
                name: user.display_name.to_string(),
                has_photo: profile.has_photo,
                bio: profile.bio(ctx.lang()).chars().take(240).collect(),
                specialties: specialty_names(&all_specialties, &profile.specialties, ctx.lang()),
                languages: booking::languages_label(&ctx.tr, &profile.languages),
                offerings: profile.offerings.iter().map(|o| offering_label(&ctx, o)).collect(),
                next: next.map(|t| ctx.time(t)),
            });
        }
    }
    let specialties = all_specialties.iter().map(|s| (s.id.clone(), s.name(ctx.lang()).to_owned())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    with_status(status, render(&DirectoryPage { ctx: &ctx, q, specialties, rows, errors }))
}

// ---------------------------------------------------------------------------------------------
// A counselor's page

pub struct KindSlots {
    pub kind: &'static str,
    pub label: String,
    pub slots: Vec<SlotView>,
}

#[derive(Template)]
#[template(path = "booking/counselor.html")]
struct CounselorPage<'a> {
    ctx: &'a Ctx,
    id: String,
    name: String,
    has_photo: bool,
    bio: String,
    specialties: String,
    languages: String,
    timezone: String,
    requires_approval: bool,
    kinds: Vec<KindSlots>,
    viewer_zone: String,
    notice: Option<String>,
    /// The waiting list's form: what was refused and why, kept as it was sent, and the days it
    /// takes (from today to the end of the booking horizon, in the counselor's time zone).
    errors: Vec<String>,
    wait_day: String,
    wait_kind: String,
    first_day: String,
    last_day: String,
}

/// What the waiting list's form sent, and why it was refused.
#[derive(Default)]
pub(crate) struct WaitRefused {
    pub errors: Vec<String>,
    pub day: String,
    pub kind: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    waiting: Option<String>,
}

pub async fn counselor_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(nq): Query<NoticeQuery>,
) -> AppResult {
    let notice = nq.waiting.map(|_| ctx.t("notice-waitlist-joined"));
    counselor_page_with(&state, &ctx, &id, notice, WaitRefused::default()).await
}

/// A counselor's page; with `refused`, the waiting list's form shows why it was refused.
pub(crate) async fn counselor_page_with(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    notice: Option<String>,
    refused: WaitRefused,
) -> AppResult {
    let c = load_counselor(state, id).await?;
    let all = state.store.list_specialties().await?;
    let client = ctx.person().map(|v| v.user.id.clone());
    let mut kinds = Vec::new();
    for o in &c.profile.offerings {
        let search = SlotSearch { kind: o.kind, from: ctx.now, until: None, limit: 12 };
        let slots = booking::next_slots(state, &c, &search, client.as_ref(), ctx.now).await?;
        kinds.push(KindSlots { kind: o.kind.as_str(), label: offering_label(ctx, o), slots: slot_views(ctx, &slots) });
    }
    let (first_day, last_day) = waitlist_days(&c, ctx.now);
    render(&CounselorPage {
        ctx,
        id: c.user.id.to_string(),
        name: c.user.display_name.to_string(),
        has_photo: c.profile.has_photo,
        bio: c.profile.bio(ctx.lang()).to_owned(),
        specialties: specialty_names(&all, &c.profile.specialties, ctx.lang()),
        languages: booking::languages_label(&ctx.tr, &c.profile.languages),
        timezone: c.user.timezone.as_str().to_owned(),
        requires_approval: c.profile.requires_approval,
        kinds,
        viewer_zone: ctx.timezone().as_str().to_owned(),
        notice,
        errors: refused.errors,
        wait_day: refused.day,
        wait_kind: refused.kind,
        first_day: first_day.to_string(),
        last_day: last_day.to_string(),
    })
}

/// Today and the last day of the counselor's booking horizon, as dates in `zone`.
fn horizon_in(c: &Counselor, zone: jiff::tz::TimeZone, now: i64) -> (jiff::civil::Date, jiff::civil::Date) {
    let today = jiff::Timestamp::from_second(now).unwrap_or_default().to_zoned(zone).date();
    let last = today.checked_add(jiff::Span::new().days(i64::from(c.profile.rules.horizon_days))).unwrap_or(today);
    (today, last)
}

/// The days a client may wait for: today to the end of the booking horizon, in the counselor's
/// time zone.
pub(crate) fn waitlist_days(c: &Counselor, now: i64) -> (jiff::civil::Date, jiff::civil::Date) {
    horizon_in(c, c.availability.timezone.clone(), now)
}

pub async fn counselor_photo(State(state): State<AppState>, Path(id): Path<String>) -> AppResult {
    let id = parse_id(&id)?;
    let photo = state.store.counselor_photo(&id).await?.ok_or(AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "public, max-age=300")], photo).into_response())
}

// ---------------------------------------------------------------------------------------------
// Booking

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct BookForm {
    kind: String,
    start: String,
    reason: String,
    first_time: String,
    terms: String,
    repeat: String,
    count: String,
}

#[derive(Template)]
#[template(path = "booking/book.html")]
struct BookPage<'a> {
    ctx: &'a Ctx,
    id: String,
    name: String,
    form: BookForm,
    slot_label: String,
    kind_label: String,
    requires_approval: bool,
    errors: Vec<String>,
    /// After "this time was just taken": the next free times to choose from.
    alternatives: Vec<SlotView>,
    max_count: i64,
    /// Until when it can be cancelled or moved free of charge, or plainly that it cannot.
    policy: String,
    inside_window: bool,
}

fn book_page<'a>(
    ctx: &'a Ctx,
    c: &Counselor,
    form: BookForm,
    errors: Vec<String>,
    alternatives: Vec<SlotView>,
) -> BookPage<'a> {
    let kind = SessionKind::parse(&form.kind);
    let slot_label = form.start.parse::<i64>().map(|t| ctx.time(t)).unwrap_or_default();
    let window = c.profile.rules.cancel_window_hours;
    let start = form.start.parse::<i64>().ok().and_then(|t| jiff::Timestamp::from_second(t).ok());
    let now = jiff::Timestamp::from_second(ctx.now).unwrap_or_default();
    let inside_window =
        start.is_some_and(|s| !sangdam_domain::booking::appointment::client_may_reschedule(s, now, window));
    let policy = match start {
        Some(_) if inside_window => ctx.ta("book-inside-window", "hours", window),
        Some(s) => ctx.ta("book-free-until", "deadline", ctx.time(s.as_second() - i64::from(window) * 3600)),
        None => String::new(),
    };
    BookPage {
        ctx,
        id: c.user.id.to_string(),
        name: c.user.display_name.to_string(),
        slot_label,
        kind_label: kind.and_then(|k| c.profile.offering(k)).map(|o| offering_label(ctx, &o)).unwrap_or_default(),
        requires_approval: c.profile.requires_approval,
        policy,
        inside_window,
        form,
        errors,
        alternatives,
        max_count: i64::from(MAX_OCCURRENCES),
    }
}

/// Only clients book; staff see a clear refusal rather than a form that cannot succeed.
pub(super) fn client_viewer(ctx: &Ctx) -> Result<&crate::ctx::Viewer, AppError> {
    ctx.with_role(&[Role::Client])
}

pub async fn book_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(f): Query<BookForm>,
) -> AppResult {
    let v = client_viewer(&ctx)?;
    let c = load_counselor(&state, &id).await?;
    let (kind, start) = match (SessionKind::parse(&f.kind), f.start.parse::<i64>()) {
        (Some(k), Ok(s)) => (k, s),
        _ => return Err(AppError::BadRequest("error-slot-invalid")),
    };
    let minutes = c.profile.offering(kind).map_or(0, |o| o.duration_minutes);
    if !booking::slot_is_free(&state, &c, minutes, start, &v.user.id, None, ctx.now).await? {
        let search = SlotSearch { kind, from: ctx.now, until: None, limit: 6 };
        let next = booking::next_slots(&state, &c, &search, Some(&v.user.id), ctx.now).await?;
        let page = book_page(&ctx, &c, f, vec![ctx.t("error-slot-unavailable")], slot_views(&ctx, &next));
        return with_status(StatusCode::CONFLICT, render(&page));
    }
    let form = BookForm { count: "4".into(), ..f };
    render(&book_page(&ctx, &c, form, vec![], vec![]))
}

pub async fn book_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<BookForm>,
) -> AppResult {
    let v = client_viewer(&ctx)?;
    let c = load_counselor(&state, &id).await?;
    let mut errors = Vec::new();
    let kind = SessionKind::parse(&f.kind);
    let offering = kind.and_then(|k| c.profile.offering(k));
    if offering.is_none() {
        errors.push(ctx.t("error-kind-unknown"));
    }
    let start = f.start.trim().parse::<i64>().ok().filter(|s| jiff::Timestamp::from_second(*s).is_ok());
    if start.is_none() {
        errors.push(ctx.t("error-slot-invalid"));
    }
    let reason = f.reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        errors.push(ctx.tn("error-reason-too-long", "max", MAX_REASON_CHARS as i64));
    }
    if f.terms != "on" {
        errors.push(ctx.t("error-terms-required"));
    }
    let every = match f.repeat.as_str() {
        "" | "none" => None,
        r => match Every::parse(r) {
            Some(e) => Some(e),
            None => {
                errors.push(ctx.t("error-repeat-invalid"));
                None
            }
        },
    };
    let count = if every.is_some() {
        match f.count.trim().parse::<u32>() {
            Ok(n) if (2..=MAX_OCCURRENCES).contains(&n) => n,
            _ => {
                errors.push(ctx.tn("error-count-range", "max", i64::from(MAX_OCCURRENCES)));
                1
            }
        }
    } else {
        1
    };
    let (Some(kind), Some(offering), Some(start), true) = (kind, offering, start, errors.is_empty()) else {
        return with_status(StatusCode::UNPROCESSABLE_ENTITY, render(&book_page(&ctx, &c, f, errors, vec![])));
    };

    // Every occurrence must be a free slot now; the database then refuses any overlap that a
    // concurrent booking slipped in since.
    let starts = match every {
        Some(e) => {
            match series(jiff::Timestamp::from_second(start).unwrap_or_default(), &c.availability.timezone, e, count) {
                Ok(starts) => starts,
                Err(skipped) => {
                    // That wall-clock time does not exist on one date (daylight saving): say
                    // which, rather than booking that session an hour off.
                    let error = ctx.ta("error-series-skipped-time", "date", skipped.date.to_string());
                    return with_status(StatusCode::CONFLICT, render(&book_page(&ctx, &c, f, vec![error], vec![])));
                }
            }
        }
        None => vec![jiff::Timestamp::from_second(start).unwrap_or_default()],
    };
    let taken = |state: AppState, ctx: Ctx, c: Counselor, f: BookForm, message: &'static str| async move {
        let search = SlotSearch { kind, from: ctx.now, until: None, limit: 6 };
        let next = booking::next_slots(&state, &c, &search, Some(&v.user.id), ctx.now).await?;
        let page = book_page(&ctx, &c, f, vec![ctx.t(message)], slot_views(&ctx, &next));
        with_status(StatusCode::CONFLICT, render(&page))
    };
    let unavailable = if every.is_some() { "error-series-unavailable" } else { "error-slot-unavailable" };
    if starts.len() != count as usize {
        return taken(state.clone(), ctx.clone(), c, f, unavailable).await;
    }
    let starts: Vec<i64> = starts.iter().map(|s| s.as_second()).collect();
    let asked = booking::Booking {
        counselor: &c,
        client: &v.user.id,
        kind,
        offering,
        starts: &starts,
        reason,
        first_time: f.first_time == "on",
        series: every.is_some(),
    };
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    match booking::book(&state, &actor, asked).await {
        Ok(done) if done.crisis => Ok(see_other("/appointments?booked=1&care=1")),
        Ok(_) => Ok(see_other("/appointments?booked=1")),
        Err(booking::BookError::Taken | booking::BookError::TakenMeanwhile) => {
            taken(state.clone(), ctx.clone(), c, f, unavailable).await
        }
        Err(booking::BookError::ClientBusy) => taken(state.clone(), ctx.clone(), c, f, "error-client-busy").await,
        Err(booking::BookError::Internal(e)) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Choosing a time from the month calendar

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    kind: String,
    month: String,
    day: String,
}

#[derive(Template)]
#[template(path = "booking/pick.html")]
struct PickPage<'a> {
    ctx: &'a Ctx,
    id: String,
    name: String,
    zone: String,
    kind: &'static str,
    kind_label: String,
    kinds: Vec<(&'static str, String)>,
    m: super::month::MonthView,
    base: String,
    book_base: String,
    post_to: Option<String>,
}

/// Today and the last day of the booking horizon, in the viewer's time zone.
pub(crate) fn horizon(ctx: &Ctx, c: &Counselor) -> (jiff::civil::Date, jiff::civil::Date) {
    horizon_in(c, ctx.timezone().to_jiff(), ctx.now)
}

/// The free slots of `kind` in `month` (its first day, in the viewer's zone).
pub(crate) async fn month_slots(
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

pub async fn pick(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<MonthQuery>,
) -> AppResult {
    let c = load_counselor(&state, &id).await?;
    let kind = SessionKind::parse(&q.kind)
        .filter(|k| c.profile.offering(*k).is_some())
        .or_else(|| c.profile.offerings.first().map(|o| o.kind))
        .ok_or(AppError::NotFound)?;
    let (today, last) = horizon(&ctx, &c);
    let month = super::month::chosen_month(&q.month, today, last);
    let client = ctx.person().map(|v| v.user.id.clone());
    let slots = month_slots(&state, &ctx, &c, kind, month, client.as_ref()).await?;
    let day = q.day.trim().parse::<jiff::civil::Date>().ok();
    let id = c.user.id.to_string();
    render(&PickPage {
        ctx: &ctx,
        name: c.user.display_name.to_string(),
        zone: ctx.timezone().as_str().to_owned(),
        kind: kind.as_str(),
        kind_label: c.profile.offering(kind).map(|o| offering_label(&ctx, &o)).unwrap_or_default(),
        kinds: c.profile.offerings.iter().map(|o| (o.kind.as_str(), offering_label(&ctx, o))).collect(),
        m: super::month::view(&ctx, month, today, last, &slots, day),
        base: format!("/counselors/{id}/calendar?kind={}&", kind.as_str()),
        book_base: format!("/counselors/{id}/book?kind={}&start=", kind.as_str()),
        post_to: None,
        id,
    })
}
