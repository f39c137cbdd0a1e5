//! Asking clients to fill in forms: a counselor's assignments turn into requests when a client
//! first books with them (intake) and when a client completes every Nth session with them. The
//! client is told by mail and finds the form in their portal.

use sangdam_store::{Assignment, FormRequest, UserRecord};

use crate::crypto::random;
use crate::mail::{self, Mail};
use crate::state::AppState;

/// Where a client fills in the form a request names.
pub fn link(request: &FormRequest) -> String {
    match request.form_ref.as_str() {
        "phq9" | "gad7" => format!("/questionnaires/{}", request.form_ref),
        _ => format!("/forms/requests/{}", request.id),
    }
}

async fn ask(state: &AppState, a: &Assignment, client: &UserRecord, reason_key: &str) -> anyhow::Result<()> {
    let request = FormRequest {
        id: sangdam_domain::ids::encode_random(&random::<16>()),
        client_id: client.id.clone(),
        counselor_id: a.counselor_id.clone(),
        form_ref: a.form_ref.clone(),
        created_at: state.clock.now(),
        completed_at: None,
    };
    // The request and its mail are two steps; the mail is keyed by the request, so running this
    // again (a retried job after a crash) sends what is missing and nothing twice.
    let (id, open) = state.store.request_form(&request, reason_key).await?;
    if open && client.active {
        let counselor =
            state.store.user_by_id(&a.counselor_id).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
        let mail = Mail::FormRequested { link: format!("{}/portal", state.config.public_url), counselor };
        mail::send_once(state, &client.email, client.language, mail, &format!("form-request:{id}")).await?;
    }
    Ok(())
}

/// On booking: the counselor's intake forms (once per client and form).
pub async fn request_intake(
    state: &AppState,
    counselor: &sangdam_domain::UserId,
    client: &UserRecord,
) -> anyhow::Result<()> {
    for a in state.store.assignments(counselor).await?.iter().filter(|a| a.every_n.is_none()) {
        ask(state, a, client, "intake").await?;
    }
    Ok(())
}

/// After a completed session: the forms due every N sessions (after session N, 2N, ...). Two
/// counts name the requests due: the sessions completed up to this one (the same whenever this
/// runs, so a run repeated after a crash names the same request and sends its mail) and all those
/// completed by now (so a session marked completed after a later one still brings the request its
/// count reached). Each request is asked once by its key.
pub async fn request_scheduled(
    state: &AppState,
    session: &sangdam_store::AppointmentRecord,
    client: &UserRecord,
) -> anyhow::Result<()> {
    let counselor = &session.counselor_id;
    let up_to_this = state.store.completed_sessions(&client.id, counselor, session.starts_at).await?;
    let by_now = state.store.completed_sessions(&client.id, counselor, i64::MAX).await?;
    let mut counts = vec![up_to_this, by_now];
    counts.dedup();
    for a in state.store.assignments(counselor).await? {
        let Some(n) = a.every_n.filter(|n| *n > 0) else { continue };
        for done in counts.iter().filter(|done| **done > 0 && **done % n == 0) {
            ask(state, &a, client, &format!("every:{n}:{done}")).await?;
        }
    }
    Ok(())
}
