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
use sangdam_store::{NewResponse, RiskRaised};

use super::views::questionnaires::{History, histories};
use super::views::{render, see_other, with_status};
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
