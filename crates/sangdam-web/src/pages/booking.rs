//! What clients see first of booking: the counselor directory, a counselor's page with the next
//! free slots, and the booking form (one session or a weekly or two-weekly series). Their
//! appointments are in `appointments`, reminders and the calendar feed in `notifications`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use sangdam_domain::Language;
use sangdam_domain::booking::SessionKind;
use sangdam_domain::booking::recurrence::{Every, MAX_OCCURRENCES, series};
use sangdam_store::{DirectoryFilter, Specialty};
use serde::Deserialize;

use super::views::booking::{
    SlotView, client_viewer, horizon, load_counselor, month_slots, parse_id, slot_views, waitlist_days,
};
use super::views::{render, see_other, with_status};
use crate::booking::{self, Counselor, SlotSearch};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;

pub use sangdam_domain::limits::MAX_REASON_CHARS;
use sangdam_domain::limits::MAX_WITHIN_DAYS;

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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WaitForm {
    day: String,
    kind: String,
}

pub async fn join_waitlist(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<WaitForm>,
) -> AppResult {
    let v = client_viewer(&ctx)?;
    let c = load_counselor(&state, &id).await?;
    // A refusal shows the counselor's page again with the form as it was sent and the reason.
    let refuse = |message_id: &str| WaitRefused {
        errors: vec![ctx.t(message_id)],
        day: f.day.trim().chars().take(10).collect(),
        kind: f.kind.trim().chars().take(20).collect(),
    };
    let Some(kind) = SessionKind::parse(&f.kind).filter(|k| c.profile.offering(*k).is_some()) else {
        let page = counselor_page_with(&state, &ctx, &id, None, refuse("error-kind-unknown")).await;
        return with_status(StatusCode::UNPROCESSABLE_ENTITY, page);
    };
    let (today, last) = waitlist_days(&c, ctx.now);
    let refused = match f.day.trim().parse::<jiff::civil::Date>() {
        Err(_) => Some("error-date-invalid"),
        Ok(day) if day < today || day > last => Some("error-date-out-of-range"),
        Ok(_) => None,
    };
    if let Some(message_id) = refused {
        let page = counselor_page_with(&state, &ctx, &id, None, refuse(message_id)).await;
        return with_status(StatusCode::UNPROCESSABLE_ENTITY, page);
    }
    let day: jiff::civil::Date = f.day.trim().parse().map_err(|_| AppError::BadRequest("error-date-invalid"))?;
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    use sangdam_app::waitlist::JoinError;
    match sangdam_app::waitlist::join(&state.store, &state.keys, &actor, &c.user.id, day, kind).await {
        Ok(()) => {}
        Err(JoinError::Full) => {
            let page = counselor_page_with(&state, &ctx, &id, None, refuse("error-waitlist-full")).await;
            return with_status(StatusCode::UNPROCESSABLE_ENTITY, page);
        }
        Err(JoinError::Forbidden) => return Err(AppError::Forbidden),
        Err(JoinError::Store(e)) => return Err(e.into()),
    }
    Ok(see_other(&format!("/counselors/{}?waiting=1", c.user.id)))
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
    m: super::views::month::MonthView,
    base: String,
    book_base: String,
    post_to: Option<String>,
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
    let month = super::views::month::chosen_month(&q.month, today, last);
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
        m: super::views::month::view(&ctx, month, today, last, &slots, day),
        base: format!("/counselors/{id}/calendar?kind={}&", kind.as_str()),
        book_base: format!("/counselors/{id}/book?kind={}&start=", kind.as_str()),
        post_to: None,
        id,
    })
}
