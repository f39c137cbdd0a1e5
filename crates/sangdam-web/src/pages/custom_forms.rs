//! Counselors' own forms: the builder (no script needed: "add a question" posts the form back with
//! one more row), assignments (any form as intake or every N sessions), and the client filling a
//! requested form in. Answers are sealed; the staff read them on the client record.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sangdam_app::form_authoring::{self, AuthoringError};
use sangdam_domain::Role;
use sangdam_domain::form::{Answer, FormSpec, MAX_QUESTIONS, Question, QuestionKind};
use sangdam_domain::limits::MAX_FORMS;

use super::views::{render, see_other, with_status};
use crate::auth::actor_of;
use crate::crypto::random;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;

const KINDS: [&str; 5] = ["short_text", "long_text", "single", "multiple", "scale"];

/// One builder row as typed.
#[derive(Clone, Default)]
struct Row {
    label: String,
    kind: String,
    options: String,
    required: bool,
}

#[derive(Template)]
#[template(path = "forms/builder.html")]
struct BuilderPage<'a> {
    ctx: &'a Ctx,
    id: String,
    title: String,
    rows: Vec<Row>,
    kinds: Vec<(&'static str, String)>,
    errors: Vec<String>,
}

fn kind_label(k: &str) -> String {
    format!("form-kind-{}", k.replace('_', "-"))
}

fn builder(ctx: &Ctx, id: String, title: String, rows: Vec<Row>, errors: Vec<String>) -> AppResult {
    let kinds = KINDS.iter().map(|k| (*k, kind_label(k))).collect();
    render(&BuilderPage { ctx, id, title, rows, kinds, errors })
}

fn rows_of(spec: &FormSpec) -> Vec<Row> {
    spec.questions()
        .iter()
        .map(|q| {
            let (kind, options) = match &q.kind {
                QuestionKind::ShortText => ("short_text", String::new()),
                QuestionKind::LongText => ("long_text", String::new()),
                QuestionKind::Single { options } => ("single", options.join("\n")),
                QuestionKind::Multiple { options } => ("multiple", options.join("\n")),
                QuestionKind::Scale => ("scale", String::new()),
            };
            Row { label: q.label.clone(), kind: kind.to_owned(), options, required: q.required }
        })
        .collect()
}

pub async fn new_form(ctx: Ctx) -> AppResult {
    ctx.with_role(&[Role::Counselor])?;
    let id = sangdam_domain::ids::encode_random(&random::<12>());
    builder(&ctx, id, String::new(), vec![Row { kind: "short_text".into(), ..Row::default() }], vec![])
}

pub async fn edit_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = ctx.with_role(&[Role::Counselor])?;
    let form = state.store.form(&id).await?.filter(|f| f.owner_id == v.user.id).ok_or(AppError::NotFound)?;
    let spec = FormSpec::from_json(&form.spec)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored form is malformed")))?;
    builder(&ctx, form.id, spec.title().to_owned(), rows_of(&spec), vec![])
}

/// Saves the form, or ("add") brings it back with one more row. Rows without a label are dropped.
pub async fn save_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let v = ctx.with_role(&[Role::Counselor])?;
    if id.is_empty() || id.len() > 40 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AppError::NotFound);
    }
    let field = |k: &str| f.get(k).cloned().unwrap_or_default();
    let count = field("rows").parse::<usize>().unwrap_or(0).min(MAX_QUESTIONS + 1);
    let mut rows: Vec<Row> = (0..count)
        .map(|i| Row {
            label: field(&format!("q{i}_label")),
            kind: field(&format!("q{i}_kind")),
            options: field(&format!("q{i}_options")),
            required: f.contains_key(&format!("q{i}_required")),
        })
        .collect();
    let title = field("title");
    if field("action") == "add" {
        if rows.len() < MAX_QUESTIONS {
            rows.push(Row { kind: "short_text".into(), ..Row::default() });
        }
        return builder(&ctx, id, title, rows, vec![]);
    }
    let mut questions = Vec::new();
    let mut errors = Vec::new();
    for r in rows.iter().filter(|r| !r.label.trim().is_empty()) {
        let options = || r.options.lines().map(str::to_owned).filter(|o| !o.trim().is_empty()).collect::<Vec<_>>();
        let kind = match r.kind.as_str() {
            "short_text" => QuestionKind::ShortText,
            "long_text" => QuestionKind::LongText,
            "single" => QuestionKind::Single { options: options() },
            "multiple" => QuestionKind::Multiple { options: options() },
            "scale" => QuestionKind::Scale,
            _ => {
                errors.push(ctx.t("error-form-kind"));
                continue;
            }
        };
        questions.push(Question { label: r.label.clone(), kind, required: r.required });
    }
    let spec = match FormSpec::new(&title, questions) {
        Ok(s) if errors.is_empty() => s,
        Ok(_) => return with_status(StatusCode::UNPROCESSABLE_ENTITY, builder(&ctx, id, title, rows, errors)),
        Err(e) => {
            errors.push(ctx.t(e.message_id()));
            return with_status(StatusCode::UNPROCESSABLE_ENTITY, builder(&ctx, id, title, rows, errors));
        }
    };
    let actor = actor_of(&ctx, Some(&v.user));
    match form_authoring::save(&state.store, &state.keys, &actor, &id, &spec).await {
        Ok(()) => Ok(see_other("/counselor/forms")),
        Err(AuthoringError::TooMany) => {
            errors.push(ctx.tn("error-forms-limit", "max", MAX_FORMS as i64));
            with_status(StatusCode::UNPROCESSABLE_ENTITY, builder(&ctx, id, title, rows, errors))
        }
        Err(e) => Err(authoring_error(e)),
    }
}

#[derive(Template)]
#[template(path = "forms/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    /// Id, title, questions.
    forms: Vec<(String, String, i64)>,
    /// Assignment id, form title, rule text.
    assignments: Vec<(String, String, String)>,
    /// Form ref and title, for the assignment picker.
    choices: Vec<(String, String)>,
    errors: Vec<String>,
}

async fn list_page(state: &AppState, ctx: &Ctx, errors: Vec<String>) -> AppResult {
    let v = ctx.with_role(&[Role::Counselor])?;
    let own = state.store.counselor_forms(&v.user.id).await?;
    let mut choices = vec![("phq9".to_owned(), ctx.t("q-phq9-title")), ("gad7".to_owned(), ctx.t("q-gad7-title"))];
    let mut forms = Vec::new();
    for f in &own {
        if let Some(spec) = FormSpec::from_json(&f.spec) {
            choices.push((format!("form:{}", f.id), spec.title().to_owned()));
            forms.push((f.id.clone(), spec.title().to_owned(), spec.questions().len() as i64));
        }
    }
    let title = |r: &str| choices.iter().find(|(c, _)| c == r).map(|(_, t)| t.clone()).unwrap_or_default();
    let assignments = state
        .store
        .assignments(&v.user.id)
        .await?
        .into_iter()
        .map(|a| {
            let rule = match a.every_n {
                None => ctx.t("assign-intake"),
                Some(n) => ctx.tn("assign-every", "n", n),
            };
            (a.id, title(&a.form_ref), rule)
        })
        .collect();
    render(&ListPage { ctx, forms, assignments, choices, errors })
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    list_page(&state, &ctx, vec![]).await
}

pub async fn assign(
    State(state): State<AppState>,
    ctx: Ctx,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let v = ctx.with_role(&[Role::Counselor])?;
    let form_ref = f.get("form").cloned().unwrap_or_default();
    let every_n = match f.get("mode").map(String::as_str) {
        Some("intake") => Ok(None),
        Some("every") => f.get("every").and_then(|n| n.trim().parse::<i64>().ok()).map(Some).ok_or(()),
        _ => Err(()),
    };
    let actor = actor_of(&ctx, Some(&v.user));
    let refused = match every_n {
        Err(()) => AuthoringError::Invalid,
        Ok(every_n) => match form_authoring::assign(&state.store, &state.keys, &actor, &form_ref, every_n).await {
            Ok(_) => return Ok(see_other("/counselor/forms")),
            Err(e) => e,
        },
    };
    let status = match refused {
        AuthoringError::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        AuthoringError::Exists => StatusCode::CONFLICT,
        e => return Err(authoring_error(e)),
    };
    let message = refused.message_id().map(|id| ctx.t(id)).into_iter().collect();
    with_status(status, list_page(&state, &ctx, message).await)
}

pub async fn unassign(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let v = ctx.with_role(&[Role::Counselor])?;
    let actor = actor_of(&ctx, Some(&v.user));
    form_authoring::unassign(&state.store, &state.keys, &actor, &id).await.map_err(authoring_error)?;
    Ok(see_other("/counselor/forms"))
}

/// A refusal no form shows in place: a page of its own.
fn authoring_error(e: AuthoringError) -> AppError {
    match e {
        AuthoringError::Forbidden => AppError::Forbidden,
        AuthoringError::Store(e) => e.into(),
        _ => AppError::NotFound,
    }
}

/// One question on the client's page: index, label, kind, options with whether chosen, text.
struct Field {
    i: usize,
    label: String,
    kind: &'static str,
    required: bool,
    options: Vec<(usize, String, bool)>,
    text: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "forms/fill.html")]
struct FillPage<'a> {
    ctx: &'a Ctx,
    request: String,
    title: String,
    fields: Vec<Field>,
    errors: Vec<String>,
}

fn fields(spec: &FormSpec, given: &HashMap<String, Vec<String>>, errors: &[(usize, String)]) -> Vec<Field> {
    spec.questions()
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let values = given.get(&format!("a{i}")).cloned().unwrap_or_default();
            let (kind, opts): (&'static str, &[String]) = match &q.kind {
                QuestionKind::ShortText => ("short_text", &[]),
                QuestionKind::LongText => ("long_text", &[]),
                QuestionKind::Single { options } => ("single", options),
                QuestionKind::Multiple { options } => ("multiple", options),
                QuestionKind::Scale => ("scale", &[]),
            };
            let options = if kind == "scale" {
                (0..=10).map(|v| (v, v.to_string(), values.contains(&v.to_string()))).collect()
            } else {
                opts.iter().enumerate().map(|(k, o)| (k, o.clone(), values.contains(&k.to_string()))).collect()
            };
            Field {
                i,
                label: q.label.clone(),
                kind,
                required: q.required,
                options,
                text: values.first().cloned().unwrap_or_default(),
                error: errors.iter().find(|(k, _)| *k == i).map(|(_, e)| e.clone()),
            }
        })
        .collect()
}

/// The client's own open request for one of a counselor's forms, with the form.
async fn request_of(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<(sangdam_store::FormRequest, String, FormSpec), AppError> {
    let v = ctx.with_role(&[Role::Client])?;
    let r = state.store.form_request(id).await?.filter(|r| r.client_id == v.user.id).ok_or(AppError::NotFound)?;
    if r.completed_at.is_some() {
        return Err(AppError::Conflict("error-form-answered"));
    }
    let form_id = r.form_ref.strip_prefix("form:").ok_or(AppError::NotFound)?.to_owned();
    let form = state.store.form(&form_id).await?.ok_or(AppError::NotFound)?;
    let spec = FormSpec::from_json(&form.spec)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored form is malformed")))?;
    Ok((r, form_id, spec))
}

pub async fn fill(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let (r, _, spec) = request_of(&state, &ctx, &id).await?;
    let fields = fields(&spec, &HashMap::new(), &[]);
    render(&FillPage { ctx: &ctx, request: r.id, title: spec.title().to_owned(), fields, errors: vec![] })
}

/// Checks every answer against the form; wrong answers bring the page back with what was given.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult {
    let (r, form_id, spec) = request_of(&state, &ctx, &id).await?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| AppError::BadRequest("error-form-invalid"))?;
    let mut given: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        given.entry(k).or_default().push(v);
    }
    let checked =
        spec.check(|i| given.get(&format!("a{i}")).map(|v| v.iter().map(String::as_str).collect()).unwrap_or_default());
    let answers: Vec<Answer> = match checked {
        Ok(a) => a,
        Err(errs) => {
            let errs: Vec<(usize, String)> = errs.into_iter().map(|(i, e)| (i, ctx.t(e.message_id()))).collect();
            let page = FillPage {
                ctx: &ctx,
                request: r.id,
                title: spec.title().to_owned(),
                fields: fields(&spec, &given, &errs),
                errors: vec![ctx.t("error-form-answers")],
            };
            return with_status(StatusCode::UNPROCESSABLE_ENTITY, render(&page));
        }
    };
    let v = ctx.signed_in()?;
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    let done = match sangdam_app::forms::answer(&state.store, &state.keys, &actor, &r, &form_id, &spec, &answers).await
    {
        Ok(done) => done,
        Err(sangdam_app::forms::AnswerError::Answered) => {
            return Err(AppError::Conflict(sangdam_app::forms::AnswerError::ANSWERED_MESSAGE));
        }
        Err(sangdam_app::forms::AnswerError::Store(e)) => return Err(e.into()),
    };
    if let Some(w) = &done.crisis {
        // A request is answered once: its event is always new.
        crate::crisis::after_raise(&state, w, &sangdam_store::CrisisRaised::New(w.id.clone())).await;
        return Ok(see_other("/portal?answered=1&care=1"));
    }
    Ok(see_other("/portal?answered=1"))
}
