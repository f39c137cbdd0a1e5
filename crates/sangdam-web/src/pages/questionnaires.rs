//! Questionnaires in the client portal (PHQ-9 and GAD-7): filling one in, the score and band, the
//! scores over time as a chart, and the risk alert. An answer above 0 on PHQ-9 item 9 shows the
//! client the crisis lines at once and alerts the client's care team and the supervisors, in the
//! product (their dashboard) and by email; the mail names no client and holds no answer. When
//! neither exists, the admins and the configured on-call addresses are mailed, and the client is
//! told who was reached, or that nobody could be and which lines to call now. One alert per client
//! stays open until someone attends to it: more risk answers meanwhile raise no second one.
//!
//! Scores are computed from the sealed answers whenever they are shown (`scored`); the alert's
//! client and time are sealed too (`risk_flag`), so a copy of the database tells nobody who
//! reported what.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sangdam_domain::Role;
use sangdam_domain::questionnaire::{Instrument, Score};
use sangdam_store::{NewResponse, ResponseRecord, RiskRaised};

use super::{render, see_other, with_status};
use crate::auth::audit;
use crate::crypto::random;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::risk_alerts::{SealedFlag, alert_job, open_alerts, reachable};
use crate::state::AppState;

/// The Fluent ids of an instrument's items and title.
fn item_ids(i: Instrument) -> Vec<String> {
    (1..=i.items()).map(|n| format!("q-{}-{n}", i.as_str())).collect()
}

fn instrument(s: &str) -> Result<Instrument, AppError> {
    Instrument::parse(s).ok_or(AppError::NotFound)
}

/// A response's answers, opened, and what they score.
pub fn scored(state: &AppState, r: &ResponseRecord) -> Result<(Vec<u8>, Score), AppError> {
    let answers = state.keys.open_at(&sangdam_store::sealed::QUESTIONNAIRE_ANSWERS, &[&r.id], &r.answers)?;
    let score =
        r.instrument.score(&answers).map_err(|_| AppError::Internal(anyhow::anyhow!("stored answers do not score")))?;
    Ok((answers, score))
}

/// One instrument's history: the points of its chart and the rows of its table.
pub struct History {
    pub instrument: &'static str,
    pub title_id: String,
    pub chart: String,
    pub rows: Vec<(String, u8, &'static str)>,
}

/// Scores over time as an SVG line over the instrument's bands (a lighter shade per band), with
/// a score axis (0, each band's start, the maximum) and the first and last dates under it. Only
/// numbers and the caller's date labels (digits and separators) go into it, so it is safe to
/// embed; `label` names the chart for screen readers.
pub fn chart(i: Instrument, scores: &[(i64, u8)], first_last: (&str, &str), label: &str) -> String {
    let (w, h) = (340.0_f64, 150.0_f64);
    let (left, right, top, bottom) = (26.0_f64, 6.0_f64, 6.0_f64, 22.0_f64);
    let max = f64::from(i.max_total());
    let y = |v: f64| h - bottom - (v / max) * (h - top - bottom);
    let clean = |s: &str| s.chars().filter(|c| c.is_alphanumeric() || " /.:-,()".contains(*c)).collect::<String>();
    let mut svg = format!(
        "<svg class=\"score-chart\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        clean(label)
    );
    let bands = i.bands();
    for (k, (from, _)) in bands.iter().enumerate() {
        let to = bands.get(k + 1).map_or(max, |(next, _)| f64::from(*next));
        let (band_top, band_bottom) = (y(to), y(f64::from(*from)));
        let shade = 245 - 12 * k as i32;
        svg.push_str(&format!(
            "<rect x=\"{left}\" y=\"{band_top:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"rgb(255,{shade},{shade})\"/>",
            w - left - right,
            band_bottom - band_top
        ));
        // The score axis: where each band starts.
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\" fill=\"#4a5563\">{from}</text>",
            left - 4.0,
            band_bottom + 3.0
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\" fill=\"#4a5563\">{max}</text>",
        left - 4.0,
        y(max) + 6.0
    ));
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#8a96a3\"/><line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#8a96a3\"/>",
        h - bottom,
        h - bottom,
        w - right,
        h - bottom
    ));
    let n = scores.len();
    let inner = w - left - right - 12.0;
    let x = |k: usize| if n <= 1 { left + inner / 2.0 + 6.0 } else { left + 6.0 + k as f64 * inner / (n - 1) as f64 };
    // The time axis: the first and the last date.
    let (first, last) = (clean(first_last.0), clean(first_last.1));
    svg.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"#4a5563\">{first}</text>",
        left + 2.0,
        h - 6.0
    ));
    if n > 1 {
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\" fill=\"#4a5563\">{last}</text>",
            w - right,
            h - 6.0
        ));
    }
    let points: Vec<String> =
        scores.iter().enumerate().map(|(k, (_, v))| format!("{:.1},{:.1}", x(k), y(f64::from(*v)))).collect();
    if n > 1 {
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        ));
    }
    for p in &points {
        let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
        svg.push_str(&format!("<circle cx=\"{px}\" cy=\"{py}\" r=\"3\" fill=\"#1f6feb\"/>"));
    }
    svg.push_str("</svg>");
    svg
}

/// A date as the chart's time axis shows it: `12/7`, in the viewer's zone.
fn short_date(ctx: &Ctx, unix: i64) -> String {
    let d = jiff::Timestamp::from_second(unix).unwrap_or_default().to_zoned(ctx.timezone().to_jiff()).date();
    format!("{}/{}", d.month(), d.day())
}

pub(crate) fn histories(state: &AppState, ctx: &Ctx, responses: &[ResponseRecord]) -> Result<Vec<History>, AppError> {
    let mut out = Vec::new();
    for i in Instrument::ALL {
        let mut mine = Vec::new();
        for r in responses.iter().filter(|r| r.instrument == i) {
            mine.push((r.submitted_at, scored(state, r)?.1));
        }
        let scores: Vec<(i64, u8)> = mine.iter().map(|(at, s)| (*at, s.total)).collect();
        out.push(History {
            instrument: i.as_str(),
            title_id: format!("q-{}-title", i.as_str()),
            chart: match (scores.first(), scores.last()) {
                (Some(first), Some(last)) => chart(
                    i,
                    &scores,
                    (&short_date(ctx, first.0), &short_date(ctx, last.0)),
                    &ctx.ta("q-chart-label", "name", ctx.t(&format!("q-{}-title", i.as_str()))),
                ),
                _ => String::new(),
            },
            rows: mine.iter().rev().map(|(at, s)| (ctx.time(*at), s.total, s.band.message_id())).collect(),
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "questionnaires/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    histories: Vec<History>,
}

/// The client's questionnaires and their scores over time.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.with_role(&[Role::Client])?;
    let responses = state.store.client_responses(&v.user.id).await?;
    render(&ListPage { ctx: &ctx, histories: histories(&state, &ctx, &responses)? })
}

#[derive(Template)]
#[template(path = "questionnaires/form.html")]
struct FormPage<'a> {
    ctx: &'a Ctx,
    instrument: &'static str,
    title_id: String,
    items: Vec<Item>,
    errors: Vec<String>,
}

struct Item {
    n: usize,
    id: String,
    /// Each answer: value, label id, whether it is the one chosen (when the form comes back).
    options: Vec<(u8, &'static str, bool)>,
}

const ANSWER_IDS: [&str; 4] =
    ["questionnaires-answer-0", "questionnaires-answer-1", "questionnaires-answer-2", "questionnaires-answer-3"];

fn form_page(ctx: &Ctx, i: Instrument, given: &[Option<u8>], errors: Vec<String>) -> AppResult {
    let items = item_ids(i)
        .into_iter()
        .enumerate()
        .map(|(k, id)| {
            let chosen = given.get(k).copied().flatten();
            let options = (0..4u8).map(|v| (v, ANSWER_IDS[usize::from(v)], chosen == Some(v))).collect();
            Item { n: k + 1, id, options }
        })
        .collect();
    render(&FormPage { ctx, instrument: i.as_str(), title_id: format!("q-{}-title", i.as_str()), items, errors })
}

pub async fn form(ctx: Ctx, Path(name): Path<String>) -> AppResult {
    ctx.with_role(&[Role::Client])?;
    let i = instrument(&name)?;
    form_page(&ctx, i, &[], vec![])
}

#[derive(Template)]
#[template(path = "questionnaires/result.html")]
struct ResultPage<'a> {
    ctx: &'a Ctx,
    title_id: String,
    total: u8,
    max: u8,
    band_id: &'static str,
    risk: bool,
    crisis_lines: Vec<String>,
    /// Who was told, in words the client reads: `crisis-counselor-told`, `crisis-center-told`
    /// or `crisis-nobody`.
    told_id: &'static str,
}

/// The crisis lines to show: the configured ones, or Korea's defaults in the viewer's language.
fn crisis_lines(state: &AppState, ctx: &Ctx) -> Vec<String> {
    crate::crisis::lines(state, &crate::i18n::Tr::new(state.i18n.clone(), ctx.lang()))
}

/// Scores and stores a response. Every item must be answered 0 to 3; otherwise the form comes back
/// with what the client chose and nothing is stored.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(name): Path<String>,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let v = ctx.with_role(&[Role::Client])?;
    let i = instrument(&name)?;
    let given: Vec<Option<u8>> = (1..=i.items())
        .map(|n| f.get(&format!("i{n}")).and_then(|s| s.trim().parse::<u8>().ok()).filter(|a| *a <= 3))
        .collect();
    let answers: Option<Vec<u8>> = given.iter().copied().collect();
    let Some(Ok(Score { total, band, risk })) = answers.as_deref().map(|a| i.score(a)) else {
        return with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&ctx, i, &given, vec![ctx.t("error-questionnaire-incomplete")]),
        );
    };
    let answers = answers.unwrap_or_default();
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let sealed = state.keys.seal_at(&sangdam_store::sealed::QUESTIONNAIRE_ANSWERS, &[&id], &answers);
    let flag = risk.then(|| {
        let flag_id = sangdam_domain::ids::encode_random(&random::<16>());
        SealedFlag::new(&state, flag_id, &v.user.id, &id, ctx.now)
    });
    // The mails to staff are a job that commits with the alert (and only with a new one).
    let alert_job = flag.as_ref().map(|f| alert_job(&f.id, ctx.now));
    // The audit entry and the centers' webhook (ids and the questionnaire's name: no answers, no
    // score) commit with the response.
    let data = serde_json::json!({ "id": id, "client_id": v.user.id.as_str(), "questionnaire": i.as_str() });
    let effects =
        crate::auth::audited(&state, &ctx, Some(&v.user), "questionnaire.submit", Some(format!("response:{id}")), "ok")
            .with_job(crate::webhooks::event_job("questionnaire.completed", data, ctx.now));
    let raised = state
        .store
        .record_response(
            &NewResponse {
                id: &id,
                client_id: &v.user.id,
                instrument: i,
                answers: &sealed,
                risk: flag.as_ref().map(SealedFlag::stored),
                now: ctx.now,
            },
            alert_job.as_ref(),
            &effects,
        )
        .await?;
    crate::jobs::run_now(&state, &effects.jobs).await;
    state.store.complete_form_requests(&v.user.id, i.as_str(), ctx.now).await?;
    let mut told_id = "crisis-counselor-told";
    if risk {
        told_id = reachable(&state, &v.user.id).await?.message_id();
        // One open alert per client: while it waits, another risk answer mails nobody again. The
        // raise is not in the audit log: next to the client's own entry it would say, in clear,
        // who reported a risk.
        if let (RiskRaised::New, Some(job)) = (raised, &alert_job) {
            crate::jobs::run_now(&state, std::slice::from_ref(job)).await;
        }
    }
    render(&ResultPage {
        ctx: &ctx,
        title_id: format!("q-{}-title", i.as_str()),
        total,
        max: i.max_total(),
        band_id: band.message_id(),
        risk,
        crisis_lines: crisis_lines(&state, &ctx),
        told_id,
    })
}

/// Marks a risk alert as attended to (the client's counselors and supervisors).
pub async fn acknowledge(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?;
    let Some((_, client, _)) = open_alerts(&state).await?.into_iter().find(|(a, ..)| *a == id) else {
        return Err(AppError::NotFound);
    };
    if !crate::access::may_see_client(&state, &v.user, &client).await? {
        audit(&state, &ctx, Some(&v.user), "risk_alert.acknowledge", Some(format!("risk_alert:{id}")), "denied")
            .await?;
        return Err(AppError::NotFound);
    }
    state.store.acknowledge_risk_flag(&id, &v.user.id, ctx.now).await?;
    audit(&state, &ctx, Some(&v.user), "risk_alert.acknowledge", Some(format!("risk_alert:{id}")), "ok").await?;
    Ok(see_other("/dashboard"))
}

/// Open alerts a staff member should see: a counselor's own clients', or all for supervisors.
/// Each is `(alert id, client name, when)`.
pub async fn alerts_for(
    state: &AppState,
    ctx: &Ctx,
    viewer: &sangdam_store::UserRecord,
) -> Result<Vec<(String, String, String)>, AppError> {
    let mut out = Vec::new();
    for (id, client, at) in open_alerts(state).await? {
        if !crate::access::may_see_client(state, viewer, &client).await? {
            continue;
        }
        let name = state.store.user_by_id(&client).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
        out.push((id, name, ctx.time(at)));
    }
    if !out.is_empty() {
        audit(state, ctx, Some(viewer), "risk_alerts.read", None, "ok").await?;
    }
    Ok(out)
}
