//! A client's answers to counselors' own forms, as the record and the client's own copy show them.

use sangdam_domain::form::{Answer, FormSpec, QuestionKind};

use crate::ctx::Ctx;
use crate::error::AppError;
use crate::state::AppState;

/// One answered form for the staff record: when, title, and each (question, answer).
pub type Answered = (String, String, Vec<(String, String)>);

/// A client's answers to own forms for the staff record, newest first.
pub async fn answered(state: &AppState, ctx: &Ctx, client: &sangdam_domain::UserId) -> Result<Vec<Answered>, AppError> {
    let mut out = Vec::new();
    for r in state.store.client_form_responses(client).await? {
        let json = match &r.spec {
            Some(s) => s.clone(),
            None => match state.store.form(&r.form_id).await? {
                Some(form) => form.spec,
                None => continue,
            },
        };
        let Some(spec) = FormSpec::from_json(&json) else { continue };
        let plain = state.keys.open_at(&sangdam_store::sealed::FORM_ANSWERS, &[&r.id], &r.answers)?;
        let answers: Vec<Answer> = serde_json::from_slice(&plain).map_err(|e| AppError::Internal(e.into()))?;
        let rows = spec
            .questions()
            .iter()
            .zip(answers)
            .map(|(q, a)| {
                let options: &[String] = match &q.kind {
                    QuestionKind::Single { options } | QuestionKind::Multiple { options } => options,
                    _ => &[],
                };
                let pick = |i: usize| options.get(i).cloned().unwrap_or_default();
                let text = match a {
                    Answer::Text(t) => t,
                    Answer::Choice(i) => pick(i),
                    Answer::Choices(v) => v.into_iter().map(pick).collect::<Vec<_>>().join(", "),
                    Answer::Scale(n) => format!("{n} / 10"),
                    Answer::Skipped => ctx.t("form-skipped"),
                };
                (q.label.clone(), text)
            })
            .collect();
        out.push((ctx.time(r.submitted_at), spec.title().to_owned(), rows));
    }
    Ok(out)
}
