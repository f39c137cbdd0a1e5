//! After a session: the counselor's summary and homework for the client (the client is told by
//! mail and reads it in the portal), the client's portal, and the feedback survey (1-5 stars, three
//! questions, a comment, and whether the counselor may see the client's name with it).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sangdam_domain::Role;
use sangdam_domain::aftercare::{self, FEEDBACK_QUESTIONS, Feedback};
use sangdam_domain::booking::AppointmentStatus;
use sangdam_store::{AppointmentRecord, FeedbackRecord, StoreError, SummaryRecord, sealed};

use super::views::display_names;
use super::views::{open_text_at, render, see_other, with_status};
use crate::auth::audit;
use crate::crypto::random;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::mail::{self, Mail};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "aftercare/summary_form.html")]
struct SummaryForm<'a> {
    ctx: &'a Ctx,
    appointment: String,
    client: String,
    when: String,
    summary: String,
    homework: String,
    shared: Option<String>,
    errors: Vec<String>,
}

/// The counselor's summary form for a session that has taken place.
async fn summary_target(state: &AppState, ctx: &Ctx, id: &str) -> Result<(AppointmentRecord, String), AppError> {
    let (a, me) = super::views::appointments::own(state, ctx, id).await?;
    // The summary is the client's record: only while the client is in this counselor's care.
    if !crate::access::may_see_client(state, &me, &a.client_id).await? {
        audit(state, ctx, Some(&me), "summary.read", Some(format!("appointment:{}", a.id)), "denied").await?;
        return Err(AppError::NotFound);
    }
    if a.starts_at > ctx.now || !matches!(a.status, AppointmentStatus::Completed | AppointmentStatus::Confirmed) {
        return Err(AppError::Conflict("error-summary-too-early"));
    }
    let client = state.store.user_by_id(&a.client_id).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
    Ok((a, client))
}

pub async fn summary_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let (a, client) = summary_target(&state, &ctx, &id).await?;
    let existing = state.store.summary_for_appointment(&a.id).await?;
    if existing.is_some() {
        let v = ctx.signed_in()?;
        audit(&state, &ctx, Some(&v.user), "summary.read", Some(format!("appointment:{}", a.id)), "ok").await?;
    }
    let (summary, homework, shared) = match &existing {
        Some(s) => (
            open_text_at(&state, &sealed::SUMMARY, &[&s.appointment_id], &s.summary)?,
            open_text_at(&state, &sealed::HOMEWORK, &[&s.appointment_id], &s.homework)?,
            Some(ctx.time(s.created_at)),
        ),
        None => (String::new(), String::new(), None),
    };
    render(&SummaryForm {
        ctx: &ctx,
        appointment: a.id,
        client,
        when: ctx.time(a.starts_at),
        summary,
        homework,
        shared,
        errors: vec![],
    })
}

/// Saves the summary and homework; the first save tells the client by mail (no content in it).
pub async fn summary_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let (a, client_name) = summary_target(&state, &ctx, &id).await?;
    let field = |k: &str| f.get(k).map_or("", String::as_str);
    let (summary, homework) = (aftercare::summary(field("summary")), aftercare::homework(field("homework")));
    let (Ok(summary), Ok(homework)) = (&summary, &homework) else {
        let errors = [summary.err(), homework.err()].into_iter().flatten().map(|e| ctx.t(e.message_id())).collect();
        let page = SummaryForm {
            ctx: &ctx,
            appointment: a.id,
            client: client_name,
            when: ctx.time(a.starts_at),
            summary: field("summary").to_owned(),
            homework: field("homework").to_owned(),
            shared: None,
            errors,
        };
        return with_status(StatusCode::UNPROCESSABLE_ENTITY, render(&page));
    };
    let record = SummaryRecord {
        id: sangdam_domain::ids::encode_random(&random::<16>()),
        appointment_id: a.id.clone(),
        client_id: a.client_id.clone(),
        counselor_id: a.counselor_id.clone(),
        summary: state.keys.seal_at(&sealed::SUMMARY, &[&a.id], summary.as_bytes()),
        homework: state.keys.seal_at(&sealed::HOMEWORK, &[&a.id], homework.as_bytes()),
        created_at: ctx.now,
        updated_at: ctx.now,
        read_at: None,
    };
    let v = ctx.signed_in()?;
    let notice = state.store.user_by_id(&a.client_id).await?.filter(|u| u.active).map(|client| {
        let link = format!("{}/portal", state.config.public_url);
        let mail = Mail::SummaryShared { link, counselor: v.user.display_name.to_string() };
        mail::prepare(&state, &client.email, client.language, mail)
    });
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    if sangdam_app::aftercare::save_summary(&state.store, &state.keys, &actor, &record, notice).await? {
        state.mail_queued.notify_one();
    }
    Ok(see_other(&format!("/counselor/appointments/{}/summary", a.id)))
}

struct PortalSession {
    id: String,
    when: String,
    counselor: String,
    status: String,
    summary: Option<String>,
    feedback_open: bool,
}

#[derive(Template)]
#[template(path = "aftercare/portal.html")]
struct PortalPage<'a> {
    ctx: &'a Ctx,
    upcoming: Vec<PortalSession>,
    past: Vec<PortalSession>,
    /// Summary id, when, counselor, summary text, homework, unread.
    summaries: Vec<(String, String, String, String, String, bool)>,
    /// Room, file id, name, size in KB, when.
    files: Vec<(String, String, String, i64, String)>,
    unread_messages: i64,
    /// Forms asked for: link, title, counselor.
    requests: Vec<(String, String, String)>,
    /// Recordings the counselor shared.
    recordings: Vec<super::views::recordings::Row>,
    /// After a form answer that spoke of suicide or self-harm: the crisis lines.
    care: Option<crate::crisis::CareNotice>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PortalQuery {
    care: Option<String>,
}

/// The client's portal: sessions, the summaries shared with them, their files, messages, and their
/// rights over their data.
pub async fn portal(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<PortalQuery>,
) -> AppResult {
    let v = ctx.with_role(&[Role::Client])?;
    let me = &v.user.id;
    let upcoming = state.store.client_appointments(me, ctx.now, true).await?;
    let past = state.store.client_appointments(me, ctx.now, false).await?;
    let summaries = state.store.client_summaries(me).await?;
    let feedback: Vec<String> =
        state.store.feedback_list(None, Some(me)).await?.into_iter().map(|f| f.appointment_id).collect();
    let people = upcoming.iter().chain(&past).map(|a| a.counselor_id.clone());
    let names = display_names(&state, people.collect()).await?;
    let by_appointment: HashMap<&str, &SummaryRecord> =
        summaries.iter().map(|s| (s.appointment_id.as_str(), s)).collect();
    let session = |a: &AppointmentRecord| PortalSession {
        id: a.id.clone(),
        when: ctx.time(a.starts_at),
        counselor: names.get(&a.counselor_id).cloned().unwrap_or_default(),
        status: ctx.t(a.status.message_id()),
        summary: by_appointment.get(a.id.as_str()).map(|s| s.id.clone()),
        feedback_open: a.status == AppointmentStatus::Completed && !feedback.contains(&a.id),
    };
    let mut shown = Vec::with_capacity(summaries.len());
    for s in &summaries {
        shown.push((
            s.id.clone(),
            ctx.time(s.created_at),
            names.get(&s.counselor_id).cloned().unwrap_or_default(),
            open_text_at(&state, &sealed::SUMMARY, &[&s.appointment_id], &s.summary)?,
            open_text_at(&state, &sealed::HOMEWORK, &[&s.appointment_id], &s.homework)?,
            s.read_at.is_none(),
        ));
        state.store.mark_summary_read(&s.id, ctx.now).await?;
    }
    let files = state
        .store
        .user_room_files(me)
        .await?
        .into_iter()
        .map(|(room, f)| (room, f.id, f.name, (f.size + 1023) / 1024, ctx.time(f.at)))
        .collect();
    let unread_messages = state.store.threads_of(me).await?.iter().map(|(_, unread, _)| unread).sum();
    let mut requests = Vec::new();
    for r in state.store.open_form_requests(me).await? {
        let title = match r.form_ref.strip_prefix("form:") {
            Some(id) => state
                .store
                .form(id)
                .await?
                .and_then(|f| sangdam_domain::form::FormSpec::from_json(&f.spec))
                .map(|s| s.title().to_owned())
                .unwrap_or_default(),
            None => ctx.t(&format!("q-{}-title", r.form_ref)),
        };
        let counselor =
            state.store.user_by_id(&r.counselor_id).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
        requests.push((crate::form_requests::link(&r), title, counselor));
    }
    audit(&state, &ctx, Some(&v.user), "portal.read", None, "ok").await?;
    render(&PortalPage {
        ctx: &ctx,
        upcoming: upcoming.iter().map(session).collect(),
        past: past.iter().map(session).collect(),
        summaries: shown,
        files,
        unread_messages,
        requests,
        recordings: super::views::recordings::rows_for(&state, &ctx, &v.user).await?,
        care: q.care.is_some().then(|| crate::crisis::care_notice_later(&state, ctx.lang())),
    })
}

#[derive(Template)]
#[template(path = "aftercare/feedback.html")]
struct FeedbackPage<'a> {
    ctx: &'a Ctx,
    appointment: String,
    counselor: String,
    when: String,
    /// Field name, label id, chosen value.
    questions: Vec<(String, String, u8)>,
    comment: String,
    show_name: bool,
    done: bool,
    errors: Vec<String>,
}

/// The client's own completed session, and its counselor's name.
async fn feedback_target(state: &AppState, ctx: &Ctx, id: &str) -> Result<(AppointmentRecord, String), AppError> {
    let v = ctx.with_role(&[Role::Client])?;
    let a = state.store.appointment(id).await?.filter(|a| a.client_id == v.user.id).ok_or(AppError::NotFound)?;
    if a.status != AppointmentStatus::Completed {
        return Err(AppError::Conflict("error-feedback-not-completed"));
    }
    let name = state.store.user_by_id(&a.counselor_id).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
    Ok((a, name))
}

fn questions(values: [u8; 4]) -> Vec<(String, String, u8)> {
    let mut out = vec![("stars".to_owned(), "feedback-stars".to_owned(), values[0])];
    for (k, q) in FEEDBACK_QUESTIONS.iter().enumerate() {
        out.push(((*q).to_owned(), format!("feedback-q-{q}"), values[k + 1]));
    }
    out
}

pub async fn feedback_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let (a, counselor) = feedback_target(&state, &ctx, &id).await?;
    let done = state.store.feedback_for_appointment(&a.id).await?.is_some();
    render(&FeedbackPage {
        ctx: &ctx,
        appointment: a.id,
        counselor,
        when: ctx.time(a.starts_at),
        questions: questions([0; 4]),
        comment: String::new(),
        show_name: false,
        done,
        errors: vec![],
    })
}

pub async fn feedback_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let (a, counselor) = feedback_target(&state, &ctx, &id).await?;
    let get = |k: &str| f.get(k).map(String::as_str);
    let parsed = match Feedback::parse(get) {
        Ok(p) => p,
        Err(errors) => {
            let chosen =
                |k: &str| get(k).and_then(|v| v.parse::<u8>().ok()).filter(|v| (1..=5).contains(v)).unwrap_or(0);
            let page = FeedbackPage {
                ctx: &ctx,
                appointment: a.id,
                counselor,
                when: ctx.time(a.starts_at),
                questions: questions([chosen("stars"), chosen("heard"), chosen("goals"), chosen("approach")]),
                comment: get("comment").unwrap_or("").to_owned(),
                show_name: get("show_name") == Some("yes"),
                done: false,
                errors: errors.iter().map(|e| ctx.t(e.message_id())).collect(),
            };
            return with_status(StatusCode::UNPROCESSABLE_ENTITY, render(&page));
        }
    };
    let record = FeedbackRecord {
        appointment_id: a.id.clone(),
        client_id: a.client_id.clone(),
        counselor_id: a.counselor_id.clone(),
        stars: parsed.stars,
        answers: parsed.answers,
        comment: parsed.comment.map(|c| state.keys.seal_at(&sealed::FEEDBACK_COMMENT, &[&a.id], c.as_bytes())),
        show_name: parsed.show_name,
        created_at: ctx.now,
    };
    // The audit entry and the centers' webhook commit with the feedback. The webhook names the
    // session and the counselor, never the client: feedback may be anonymous.
    let v = ctx.signed_in()?;
    let data = serde_json::json!({ "appointment_id": a.id, "counselor_id": a.counselor_id.as_str() });
    let effects = crate::auth::audited(
        &state,
        &ctx,
        Some(&v.user),
        "feedback.submit",
        Some(format!("appointment:{}", a.id)),
        "ok",
    )
    .with_job(crate::webhooks::event_job("feedback.submitted", data, ctx.now));
    match state.store.add_feedback(&record, &effects).await {
        Err(StoreError::Conflict) => return Err(AppError::Conflict("error-feedback-given")),
        other => other?,
    }
    crate::jobs::run_now(&state, &effects.jobs).await;
    Ok(see_other(&format!("/feedback/{}", a.id)))
}

#[derive(Template)]
#[template(path = "aftercare/feedback_list.html")]
struct FeedbackList<'a> {
    ctx: &'a Ctx,
    average: String,
    /// When (month only when anonymous), from whom, stars, the three answers, comment.
    rows: Vec<(String, String, u8, [u8; 3], String)>,
}

/// What clients said about a counselor's sessions (supervisors: about everyone's). A client who
/// did not agree to show their name appears as "anonymous" and with the month only.
pub async fn feedback_list(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?;
    let mine = (v.user.role == Role::Counselor).then_some(&v.user.id);
    let list = state.store.feedback_list(mine, None).await?;
    let names =
        display_names(&state, list.iter().filter(|f| f.show_name).map(|f| f.client_id.clone()).collect()).await?;
    let mut rows = Vec::with_capacity(list.len());
    for f in &list {
        let comment = match &f.comment {
            Some(c) => open_text_at(&state, &sealed::FEEDBACK_COMMENT, &[&f.appointment_id], c)?,
            None => String::new(),
        };
        let (when, who) = if f.show_name {
            (ctx.time(f.created_at), names.get(&f.client_id).cloned().unwrap_or_default())
        } else {
            let month = jiff::Timestamp::from_second(f.created_at)
                .map(|t| t.to_zoned(ctx.timezone().to_jiff()).strftime("%Y-%m").to_string())
                .unwrap_or_default();
            (month, ctx.t("feedback-anonymous"))
        };
        rows.push((when, who, f.stars, f.answers, comment));
    }
    let average = if list.is_empty() {
        String::new()
    } else {
        format!("{:.1}", list.iter().map(|f| f64::from(f.stars)).sum::<f64>() / list.len() as f64)
    };
    audit(&state, &ctx, Some(&v.user), "feedback.read", None, "ok").await?;
    render(&FeedbackList { ctx: &ctx, average, rows })
}
