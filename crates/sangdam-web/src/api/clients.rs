//! Clients as contacts for a center's CRM: their contact details, tags and consents, read and
//! changed through the same rule and operation as the client record page; questionnaire scores
//! as a summary (total and band, never answers). Every read and every refusal is audited.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sangdam_app::access::{ClientList, client_list, may_read_client};
use sangdam_app::invitations::{self, InviteError};
use sangdam_domain::api::Scope;
use sangdam_domain::{Email, Language, Role, UserId};
use sangdam_store::{ClientProfile, UserRecord};

use super::schema::{
    ClientContact, ClientInvitation, ClientInvitationOne, ClientOne, ClientPage, Consent, NewClientBody, ProblemDoc,
    ScoreSummary, Scores, UpdateClientBody,
};
use super::{ApiResult, Caller, Problem, body, ok, page_size, time};
use crate::mail::Mail;
use crate::state::AppState;

fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "error-api-not-found")
}

async fn contact(state: &AppState, u: &UserRecord) -> ApiResult<ClientContact> {
    let p = state.store.client_profile(&u.id).await?;
    let consents = state.store.consents_of(&u.id).await?;
    Ok(ClientContact {
        id: u.id.to_string(),
        display_name: u.display_name.as_str().to_owned(),
        email: u.email.as_str().to_owned(),
        language: u.language.code().to_owned(),
        timezone: u.timezone.as_str().to_owned(),
        active: u.active,
        phone: p.phone,
        emergency_name: p.emergency_name,
        emergency_phone: p.emergency_phone,
        preferred_channel: p.preferred_channel,
        tags: p.tags,
        follow_up: p.follow_up,
        consents: consents
            .into_iter()
            .map(|(kind, version, at)| Consent { kind, version, accepted_at: time(at) })
            .collect(),
        created_at: time(u.created_at),
    })
}

/// The client `id` when the caller may read their record; a refusal is audited under `action`
/// and answered as "not found", as one who is not a client.
async fn readable(state: &AppState, caller: &Caller, id: &str, action: &str) -> ApiResult<UserRecord> {
    let found = match UserId::parse(id) {
        Some(uid) => state.store.user_by_id(&uid).await?.filter(|u| u.role == Role::Client),
        None => None,
    };
    match found {
        Some(u) if may_read_client(&state.store, caller.reader(), &u.id).await? => Ok(u),
        _ => {
            let target = format!("user:{}", id.chars().take(64).collect::<String>());
            sangdam_app::access::refuse(&state.store, &state.keys, &caller.actor(), action, target).await?;
            Err(not_found())
        }
    }
}

/// Clients in id order: a counselor's clients in care; every client for supervisors and service
/// tokens.
#[utoipa::path(get, path = "/api/v1/clients", operation_id = "list_clients", tag = "clients",
    params(
        ("limit" = Option<u32>, Query, description = "1 to 100, default 25"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")
    ),
    responses(
        (status = 200, description = "Done", body = ClientPage),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["clients:read"])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    caller.require(Scope::ClientsRead)?;
    let limit = page_size(q.get("limit").map(String::as_str))?;
    let after = match q.get("cursor").map(String::as_str) {
        None | Some("") => String::new(),
        Some(c) => data_encoding::BASE64URL_NOPAD
            .decode(c.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|id| UserId::parse(id).is_some())
            .ok_or_else(|| Problem::invalid("cursor", "error-api-cursor"))?,
    };
    let take = limit as usize + 1;
    let mut users = match client_list(caller.reader()) {
        ClientList::All => state.store.clients_after(&after, take as i64).await?,
        ClientList::InCareOf(counselor) => {
            let mut ids: Vec<UserId> = state.store.care_clients(&counselor).await?;
            ids.retain(|id| id.as_str() > after.as_str());
            ids.sort_by(|a, b| a.as_str().cmp(b.as_str()));
            let mut out = Vec::new();
            for id in ids.iter().take(take) {
                out.extend(state.store.user_by_id(id).await?);
            }
            out
        }
        ClientList::Nothing => return Err(caller.require_role()),
    };
    let more = users.len() > limit as usize;
    users.truncate(limit as usize);
    sangdam_app::audit::audit(&state.store, &state.keys, &caller.actor(), "api.clients.list", None, "ok").await?;
    let mut data = Vec::with_capacity(users.len());
    for u in &users {
        data.push(contact(&state, u).await?);
    }
    let next =
        more.then(|| users.last().map(|u| data_encoding::BASE64URL_NOPAD.encode(u.id.as_str().as_bytes()))).flatten();
    Ok(ok(StatusCode::OK, &ClientPage { data, next_cursor: next }))
}

/// One client's contact details, tags and consents.
#[utoipa::path(get, path = "/api/v1/clients/{id}", operation_id = "get_client", tag = "clients",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "Done", body = ClientOne),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to this token", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["clients:read"])))]
pub async fn one(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult {
    caller.require(Scope::ClientsRead)?;
    let u = readable(&state, &caller, &id, "client.read").await?;
    let target = Some(format!("user:{}", u.id));
    sangdam_app::audit::audit(&state.store, &state.keys, &caller.actor(), "client.read", target, "ok").await?;
    Ok(ok(StatusCode::OK, &ClientOne { data: contact(&state, &u).await? }))
}

/// Adds a client: the person is mailed an invitation (valid 7 days) to make their account, with
/// their own password and their own consent to the privacy notice; `client.created` follows
/// when they do. An address with an account, or with an invitation still open, is refused.
#[utoipa::path(post, path = "/api/v1/clients", operation_id = "create_client", tag = "clients",
    request_body = NewClientBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters")),
    responses(
        (status = 201, description = "Invited", body = ClientInvitationOne),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The address has an account, or an invitation still open", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["clients:write"])))]
pub async fn create(State(state): State<AppState>, caller: Caller, raw: Bytes) -> ApiResult {
    caller.require(Scope::ClientsWrite)?;
    let b: NewClientBody = body(&raw)?;
    let email = Email::parse(&b.email);
    let language = Language::parse(b.language.trim());
    let (email, language) = match (email, language) {
        (Ok(e), Some(l)) => (e, l),
        (email, language) => {
            let mut refused = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "error-api-invalid");
            if let Err(e) = email {
                refused = refused.field("email", e.message_id());
            }
            if language.is_none() {
                refused = refused.field("language", "error-api-language");
            }
            return Err(refused);
        }
    };
    let invited = invitations::invite(&state.store, &state.keys, &caller.actor(), &email, Role::Client, |t| {
        let link = state.config.link(&format!("/invite/{t}"));
        crate::mail::prepare(&state, &email, language, Mail::Invitation { link, role_message_id: "role-client" })
    })
    .await;
    let invited = match invited {
        Ok(i) => i,
        Err(InviteError::EmailTaken) => return Err(Problem::new(StatusCode::CONFLICT, "error-api-client-exists")),
        Err(InviteError::Open) => return Err(Problem::new(StatusCode::CONFLICT, "error-api-invitation-open")),
        Err(InviteError::Forbidden) => return Err(caller.require_role()),
        Err(InviteError::Store(e)) => return Err(e.into()),
    };
    state.mail_queued.notify_one();
    let data = ClientInvitation {
        id: invited.public_id,
        email: email.as_str().to_owned(),
        language: language.code().to_owned(),
        status: "invited".to_owned(),
        created_at: time(caller.actor().at),
        expires_at: time(invited.expires_at),
    };
    Ok(ok(StatusCode::CREATED, &ClientInvitationOne { data }))
}

/// Changes a client's contact details: only the fields given; the rest stay.
#[utoipa::path(patch, path = "/api/v1/clients/{id}", operation_id = "update_client", tag = "clients",
    request_body = UpdateClientBody,
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "Done", body = ClientOne),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to this token", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or body: `errors` names the fields", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["clients:write"])))]
pub async fn update(State(state): State<AppState>, caller: Caller, Path(id): Path<String>, raw: Bytes) -> ApiResult {
    caller.require(Scope::ClientsWrite)?;
    let b: UpdateClientBody = body(&raw)?;
    let u = readable(&state, &caller, &id, "client.profile.save").await?;
    let now = state.store.client_profile(&u.id).await?;
    let given = ClientProfile {
        phone: b.phone.unwrap_or(now.phone),
        emergency_name: b.emergency_name.unwrap_or(now.emergency_name),
        emergency_phone: b.emergency_phone.unwrap_or(now.emergency_phone),
        preferred_channel: b.preferred_channel.unwrap_or(now.preferred_channel),
        tags: b.tags.unwrap_or(now.tags),
        follow_up: b.follow_up.unwrap_or(now.follow_up),
    };
    let checked = sangdam_app::clients::check_profile(given);
    if !checked.errors.is_empty() {
        let refused = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "error-api-invalid");
        return Err(checked.errors.into_iter().fold(refused, |p, (f, c)| p.field(f, c)));
    }
    let profile = checked.profile;
    let jobs = sangdam_app::clients::save_profile(&state.store, &state.keys, &caller.actor(), &u.id, &profile).await?;
    crate::jobs::run_now(&state, &jobs).await;
    Ok(ok(StatusCode::OK, &ClientOne { data: contact(&state, &u).await? }))
}

/// A client's questionnaires as a summary: which, when, the total and its band; never the
/// answers.
#[utoipa::path(get, path = "/api/v1/clients/{id}/questionnaires", operation_id = "client_scores", tag = "clients",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "Done", body = Scores),
        (status = 401, description = "No token, or one that is not valid, revoked or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The token's scopes or its owner do not allow it", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not found, or not visible to this token", body = ProblemDoc, content_type = "application/problem+json")
    ),
    security(("token" = ["clients:read"])))]
pub async fn scores(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult {
    caller.require(Scope::ClientsRead)?;
    let u = readable(&state, &caller, &id, "client.scores.read").await?;
    let target = Some(format!("user:{}", u.id));
    sangdam_app::audit::audit(&state.store, &state.keys, &caller.actor(), "client.scores.read", target, "ok").await?;
    let mut data = Vec::new();
    for r in state.store.client_responses(&u.id).await? {
        let answers = state
            .keys
            .open_at(&sangdam_store::sealed::QUESTIONNAIRE_ANSWERS, &[&r.id], &r.answers)
            .map_err(Problem::internal)?;
        let score = r
            .instrument
            .score(&answers)
            .map_err(|e| Problem::internal(anyhow::anyhow!("a stored response does not score: {e}")))?;
        data.push(ScoreSummary {
            id: r.id.clone(),
            questionnaire: r.instrument.as_str().to_owned(),
            total: score.total,
            band: score.band.as_str().to_owned(),
            submitted_at: time(r.submitted_at),
        });
    }
    Ok(ok(StatusCode::OK, &Scores { data }))
}
