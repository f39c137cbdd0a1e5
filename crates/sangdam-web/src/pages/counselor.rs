//! What counselors see of booking: their profile and booking settings (bio, languages,
//! specialties, session types with duration and price, weekly hours, rules, date exceptions).
//! Their calendar is in `calendar`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jiff::civil::Date;
use sangdam_domain::booking::availability::format_hhmm;
use sangdam_domain::booking::{BookingRules, DateException, ExceptionKind, Interval, SessionKind};
use sangdam_domain::{Currency, Language, Money, Role};
use sangdam_store::{CounselorProfile, Offering};
use serde::Deserialize;

use sangdam_app::availability::{self, ExceptionError};
use sangdam_app::counselors::{self, ProfileError};

use super::views::WEEKDAYS;
use super::views::{render, see_other, with_status};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;
use crate::undo::{Deleted, UndoQuery};

use sangdam_domain::limits::{MAX_BIO_CHARS, MAX_SPANS_PER_DAY};

/// `09:00-12:00, 13:00-18:00` into intervals; empty text is a day off.
pub fn parse_day_hours(text: &str) -> Result<Vec<Interval>, &'static str> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').ok_or("error-time-malformed")?;
        out.push(Interval::parse(a, b).map_err(|e| e.message_id())?);
    }
    if out.len() > MAX_SPANS_PER_DAY {
        return Err("error-too-many-spans");
    }
    out.sort();
    Ok(out)
}

fn format_day_hours(list: &[Interval]) -> String {
    list.iter().map(|i| format!("{}-{}", format_hhmm(i.start()), format_hhmm(i.end()))).collect::<Vec<_>>().join(", ")
}

fn counselor_viewer(ctx: &Ctx) -> Result<&crate::ctx::Viewer, AppError> {
    ctx.with_role(&[Role::Counselor])
}

// ---------------------------------------------------------------------------------------------
// Settings

pub struct OfferingRow {
    pub kind: &'static str,
    pub label: String,
    pub on: bool,
    pub minutes: String,
    pub price: String,
    pub currency: String,
}

pub struct DayRow {
    pub key: &'static str,
    pub label: String,
    pub hours: String,
}

pub struct ExceptionRow {
    pub id: String,
    pub day: String,
    pub kind: String,
    pub span: String,
}

#[derive(Template)]
#[template(path = "counselor/settings.html")]
struct SettingsPage<'a> {
    ctx: &'a Ctx,
    f: HashMap<String, String>,
    specialties: Vec<(String, String)>,
    offerings: Vec<OfferingRow>,
    days: Vec<DayRow>,
    exceptions: Vec<ExceptionRow>,
    currencies: Vec<&'static str>,
    timezone: String,
    has_photo: bool,
    id: String,
    errors: Vec<String>,
    notice: Option<String>,
    /// A deleted exception that can still be undone, and where the undo leads back to.
    undo: Option<String>,
    back: &'static str,
}

impl SettingsPage<'_> {
    fn v(&self, key: &str) -> &str {
        self.f.get(key).map_or("", String::as_str)
    }
    fn checked(&self, key: &str) -> bool {
        self.f.get(key).is_some_and(|v| v == "on")
    }
}

/// The form's fields as the stored profile fills them.
fn profile_fields(p: &CounselorProfile) -> HashMap<String, String> {
    let mut f = HashMap::new();
    f.insert("bio_ko".into(), p.bio_ko.clone());
    f.insert("bio_en".into(), p.bio_en.clone());
    for l in &p.languages {
        f.insert(format!("lang_{}", l.code()), "on".into());
    }
    for s in &p.specialties {
        f.insert(format!("sp_{s}"), "on".into());
    }
    for kind in SessionKind::ALL {
        let k = kind.as_str();
        match p.offering(kind) {
            Some(o) => {
                f.insert(format!("{k}_on"), "on".into());
                f.insert(format!("{k}_minutes"), o.duration_minutes.to_string());
                f.insert(format!("{k}_price"), o.price.to_plain());
                f.insert(format!("{k}_currency"), o.price.currency().code().into());
            }
            None => {
                f.insert(format!("{k}_minutes"), "50".into());
                f.insert(format!("{k}_currency"), "KRW".into());
            }
        }
    }
    for (wd, key, _) in WEEKDAYS {
        f.insert(format!("hours_{key}"), format_day_hours(p.weekly.day(wd)));
    }
    f.insert("buffer".into(), p.rules.buffer_minutes.to_string());
    f.insert("notice_hours".into(), (p.rules.min_notice_minutes / 60).to_string());
    f.insert("horizon".into(), p.rules.horizon_days.to_string());
    f.insert("cap".into(), p.rules.daily_cap.map(|c| c.to_string()).unwrap_or_default());
    f.insert("cancel_window".into(), p.rules.cancel_window_hours.to_string());
    if p.requires_approval {
        f.insert("approval".into(), "on".into());
    }
    if p.published {
        f.insert("published".into(), "on".into());
    }
    f
}

async fn settings_page(
    state: &AppState,
    ctx: &Ctx,
    f: HashMap<String, String>,
    errors: Vec<String>,
    notice: Option<String>,
    undo: Option<String>,
) -> AppResult {
    let v = counselor_viewer(ctx)?;
    let profile =
        state.store.counselor_profile(&v.user.id).await?.unwrap_or_else(|| CounselorProfile::new(v.user.id.clone()));
    let specialties =
        state.store.list_specialties().await?.iter().map(|s| (s.id.clone(), s.name(ctx.lang()).to_owned())).collect();
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let offerings = SessionKind::ALL
        .iter()
        .map(|k| {
            let key = k.as_str();
            OfferingRow {
                kind: key,
                label: ctx.t(k.message_id()),
                on: get(&format!("{key}_on")) == "on",
                minutes: get(&format!("{key}_minutes")),
                price: get(&format!("{key}_price")),
                currency: get(&format!("{key}_currency")),
            }
        })
        .collect();
    let days = WEEKDAYS
        .iter()
        .map(|(_, key, label)| DayRow { key, label: ctx.t(label), hours: get(&format!("hours_{key}")) })
        .collect();
    let exceptions = state
        .store
        .list_exceptions(&v.user.id)
        .await?
        .into_iter()
        .map(|(id, e)| ExceptionRow {
            id,
            day: e.date.to_string(),
            kind: ctx.t(if e.kind == ExceptionKind::Off { "exception-off" } else { "exception-extra" }),
            span: format!("{}-{}", format_hhmm(e.interval.start()), format_hhmm(e.interval.end())),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    with_status(
        status,
        render(&SettingsPage {
            ctx,
            f,
            specialties,
            offerings,
            days,
            exceptions,
            currencies: Currency::ALL.iter().map(|c| c.code()).collect(),
            timezone: v.user.timezone.as_str().to_owned(),
            has_photo: profile.has_photo,
            id: v.user.id.to_string(),
            errors,
            notice,
            undo,
            back: "/counselor/settings",
        }),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: Option<String>,
    #[serde(flatten)]
    undo: UndoQuery,
}

pub async fn settings(State(state): State<AppState>, ctx: Ctx, Query(q): Query<SavedQuery>) -> AppResult {
    let v = counselor_viewer(&ctx)?;
    let profile =
        state.store.counselor_profile(&v.user.id).await?.unwrap_or_else(|| CounselorProfile::new(v.user.id.clone()));
    let notice = q.undo.outcome().or(q.saved.as_ref().map(|_| "notice-saved")).map(|id| ctx.t(id));
    let undo = q.undo.offer(&state.undos, &v.user.id, ctx.now);
    settings_page(&state, &ctx, profile_fields(&profile), vec![], notice, undo).await
}

fn number(f: &HashMap<String, String>, key: &str) -> Option<u32> {
    f.get(key).and_then(|v| v.trim().parse::<u32>().ok())
}

pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let v = counselor_viewer(&ctx)?;
    let get = |k: &str| f.get(k).map_or("", |s| s.as_str());
    let on = |k: &str| get(k) == "on";
    let mut errors: Vec<String> = Vec::new();
    let mut p =
        state.store.counselor_profile(&v.user.id).await?.unwrap_or_else(|| CounselorProfile::new(v.user.id.clone()));

    for (key, value) in [("bio_ko", get("bio_ko")), ("bio_en", get("bio_en"))] {
        if value.chars().count() > MAX_BIO_CHARS {
            errors.push(ctx.tn("error-bio-too-long", "max", MAX_BIO_CHARS as i64));
        }
        let _ = key;
    }
    p.bio_ko = get("bio_ko").trim().to_owned();
    p.bio_en = get("bio_en").trim().to_owned();
    p.languages = [Language::Ko, Language::En].into_iter().filter(|l| on(&format!("lang_{}", l.code()))).collect();
    if p.languages.is_empty() {
        errors.push(ctx.t("error-languages-required"));
    }
    let known = state.store.list_specialties().await?;
    p.specialties = known.iter().filter(|s| on(&format!("sp_{}", s.id))).map(|s| s.id.clone()).collect();

    p.offerings.clear();
    for kind in SessionKind::ALL {
        let k = kind.as_str();
        if !on(&format!("{k}_on")) {
            continue;
        }
        let minutes = number(&f, &format!("{k}_minutes")).filter(|m| (15..=240).contains(m) && m % 5 == 0);
        let currency = Currency::parse(get(&format!("{k}_currency")));
        let price = currency.map(|c| Money::parse(get(&format!("{k}_price")), c));
        match (minutes, currency, price) {
            (Some(m), Some(_), Some(Ok(price))) => p.offerings.push(Offering { kind, duration_minutes: m, price }),
            (None, _, _) => errors.push(ctx.ta("error-duration-range", "kind", ctx.t(kind.message_id()))),
            (_, None, _) => errors.push(ctx.t("error-currency-unknown")),
            (_, _, Some(Err(e))) => errors.push(ctx.t(e.message_id())),
            _ => errors.push(ctx.t("error-form-invalid")),
        }
    }

    for (wd, key, label) in WEEKDAYS {
        match parse_day_hours(get(&format!("hours_{key}"))) {
            Ok(list) => p.weekly.set_day(wd, list),
            Err(id) => errors.push(format!("{}: {}", ctx.t(label), ctx.t(id))),
        }
    }
    let cap = match get("cap").trim() {
        "" => Ok(None),
        t => t.parse::<u32>().map(Some).map_err(|_| ()),
    };
    let rules = match (
        number(&f, "buffer"),
        number(&f, "notice_hours"),
        number(&f, "horizon"),
        cap,
        number(&f, "cancel_window"),
    ) {
        (Some(buffer), Some(notice), Some(horizon), Ok(cap), Some(window)) => {
            let r = BookingRules {
                buffer_minutes: buffer,
                min_notice_minutes: notice.saturating_mul(60),
                horizon_days: horizon,
                daily_cap: cap,
                cancel_window_hours: window,
            };
            r.check().map(|()| r).map_err(|e| e.message_id())
        }
        _ => Err("error-rule-range"),
    };
    match rules {
        Ok(r) => p.rules = r,
        Err(id) => errors.push(ctx.t(id)),
    }
    p.requires_approval = on("approval");
    p.published = on("published");
    if p.published && p.offerings.is_empty() {
        errors.push(ctx.t("error-publish-needs-offering"));
    }
    if !errors.is_empty() {
        return settings_page(&state, &ctx, f, errors, None, None).await;
    }
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    match counselors::save(&state.store, &state.keys, &actor, &p).await {
        Ok(()) => Ok(see_other("/counselor/settings?saved=1")),
        Err(ProfileError::Invalid(id)) => settings_page(&state, &ctx, f, vec![ctx.t(id)], None, None).await,
        Err(e) => Err(profile_error(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExceptionForm {
    day: String,
    kind: String,
    start: String,
    end: String,
}

pub async fn add_exception(State(state): State<AppState>, ctx: Ctx, FormData(e): FormData<ExceptionForm>) -> AppResult {
    let v = counselor_viewer(&ctx)?;
    let profile = state.store.counselor_profile(&v.user.id).await?;
    let mut fields = profile.as_ref().map(profile_fields).unwrap_or_default();
    let date = e.day.trim().parse::<Date>().ok().filter(|d| d.year() >= 2000 && d.year() <= 2100);
    let kind = match e.kind.as_str() {
        "off" => Some(ExceptionKind::Off),
        "extra" => Some(ExceptionKind::Extra),
        _ => None,
    };
    let interval = Interval::parse(&e.start, &e.end);
    let (Some(date), Some(kind), Ok(interval)) = (date, kind, interval) else {
        let mut errors = Vec::new();
        if date.is_none() {
            errors.push(ctx.t("error-date-invalid"));
        }
        if kind.is_none() {
            errors.push(ctx.t("error-form-invalid"));
        }
        if let Err(err) = interval {
            errors.push(ctx.t(err.message_id()));
        }
        fields.insert("ex_day".into(), e.day.clone());
        return settings_page(&state, &ctx, fields, errors, None, None).await;
    };
    let today = jiff::Timestamp::from_second(ctx.now).unwrap_or_default().to_zoned(v.user.timezone.to_jiff()).date();
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    let exception = DateException { date, kind, interval };
    match availability::add(&state.store, &state.keys, &actor, &exception, today).await {
        Ok(_) => Ok(see_other("/counselor/settings?saved=1")),
        Err(ExceptionError::Invalid(id)) => {
            let fields = profile.as_ref().map(profile_fields).unwrap_or_default();
            settings_page(&state, &ctx, fields, vec![ctx.t(id)], None, None).await
        }
        Err(e) => Err(exception_error(e)),
    }
}

/// A refused change to the profile, as the pages answer it.
fn profile_error(e: ProfileError) -> AppError {
    match e {
        ProfileError::Forbidden => AppError::Forbidden,
        ProfileError::Invalid(id) => AppError::BadRequest(id),
        ProfileError::Store(e) => e.into(),
    }
}

/// A refused change to the exceptions, as the pages answer it.
pub(crate) fn exception_error(e: ExceptionError) -> AppError {
    match e {
        ExceptionError::Forbidden => AppError::Forbidden,
        ExceptionError::NotFound => AppError::NotFound,
        ExceptionError::Invalid(id) => AppError::BadRequest(id),
        ExceptionError::Store(e) => e.into(),
    }
}

/// Deletes a day's exception; the next page offers to undo it for a while.
pub async fn delete_exception(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = counselor_viewer(&ctx)?;
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    let exception = availability::delete(&state.store, &state.keys, &actor, &id).await.map_err(exception_error)?;
    let token = state.undos.keep(&v.user.id, ctx.now, Deleted::Exception { id, exception });
    Ok(see_other(&format!("/counselor/settings?undo={token}")))
}

// ---------------------------------------------------------------------------------------------
// Photo

/// Takes the `photo` field of an upload, resizes it and strips its metadata off the executor,
/// and keeps it. Bad files are refused with a message and the old photo stays.
pub async fn upload_photo(
    State(state): State<AppState>,
    ctx: Ctx,
    mut multipart: axum::extract::Multipart,
) -> AppResult {
    let v = counselor_viewer(&ctx)?;
    let mut upload: Option<Result<Vec<u8>, &'static str>> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("photo") => {
                upload = Some(match field.bytes().await {
                    Ok(b) if b.is_empty() => Err("error-photo-missing"),
                    Ok(b) => Ok(b.to_vec()),
                    Err(_) => Err("error-photo-too-large"),
                });
                break;
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                upload = Some(Err("error-photo-too-large"));
                break;
            }
        }
    }
    let cleaned = match upload.unwrap_or(Err("error-photo-missing")) {
        Ok(bytes) => tokio::task::spawn_blocking(move || crate::photo::clean(&bytes))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|e| e.message_id()),
        Err(id) => Err(id),
    };
    let profile = state.store.counselor_profile(&v.user.id).await?;
    let photo = match cleaned {
        Ok(p) => p,
        Err(id) => {
            let fields = profile.as_ref().map(profile_fields).unwrap_or_default();
            return settings_page(&state, &ctx, fields, vec![ctx.t(id)], None, None).await;
        }
    };
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    counselors::set_photo(&state.store, &state.keys, &actor, Some(&photo)).await.map_err(profile_error)?;
    Ok(see_other("/counselor/settings?saved=1"))
}

pub async fn delete_photo(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = counselor_viewer(&ctx)?;
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    counselors::set_photo(&state.store, &state.keys, &actor, None).await.map_err(profile_error)?;
    Ok(see_other("/counselor/settings?saved=1"))
}
