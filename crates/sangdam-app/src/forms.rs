//! A client answers a form their counselor asked them to fill in: the answers are sealed under
//! the response's id with the form as it was answered (a later edit cannot change what they
//! mean), the request is closed, and the crisis event its free-text answers raise and the audit
//! entry commit with them. A request is answered once, however many submissions race.

use sangdam_domain::form::{Answer, FormSpec};
use sangdam_store::{CrisisWrite, FormRequest, FormResponse, Store, StoreError};

use crate::access::Source;
use crate::audit::{Actor, audited};
use crate::crypto::{Keys, random};

/// Why answers were not stored.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// The request was answered already (another tab, a second click).
    #[error("the form was answered already")]
    Answered,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AnswerError {
    pub const ANSWERED_MESSAGE: &'static str = "error-form-answered";
}

/// What an answer stored: the response's id and the crisis event it raised, always a new one
/// (a request is answered once), whose alert job the caller runs at once.
pub struct Answered {
    pub response: String,
    pub crisis: Option<CrisisWrite>,
}

/// Stores `answers` (checked already against `spec`: `FormSpec::check`) to `request`, for the
/// client `actor`, who owns the request (checked by the caller).
pub async fn answer(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    request: &FormRequest,
    form_id: &str,
    spec: &FormSpec,
    answers: &[Answer],
) -> Result<Answered, AnswerError> {
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let plain = serde_json::to_vec(answers).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let response = FormResponse {
        answers: keys.seal_at(&sangdam_store::sealed::FORM_ANSWERS, &[&id], &plain),
        id,
        form_id: form_id.to_owned(),
        submitted_at: actor.at,
        spec: Some(spec.to_json()),
    };
    // Free-text answers go through the crisis check; the most urgent one decides.
    let level = answers
        .iter()
        .filter_map(|a| match a {
            Answer::Text(t) => sangdam_domain::crisis::check(t),
            _ => None,
        })
        .max();
    let crisis = level.map(|level| {
        let (client, counselor) = (Some(&request.client_id), Some(&request.counselor_id));
        crate::crisis::write_for(keys, actor.at, Source::Form, &request.id, client, counselor, level)
    });
    let effects = audited(keys, actor, "form.answer", Some(format!("form_response:{}", response.id)), "ok");
    if !store.answer_form_request(request, &response, crisis.as_ref(), &effects).await? {
        return Err(AnswerError::Answered);
    }
    Ok(Answered { response: response.id, crisis })
}
