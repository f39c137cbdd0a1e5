//! Session notes: written by the client's counselor in a template (SOAP, DAP or free text), saved
//! as a draft while typing (`static/notes.js`), signed to lock, and extended afterwards only by
//! addenda. Every version is kept and can be read. Bodies are sealed at rest. The client's
//! counselors and the supervisors may read a note; only its author edits or signs it. Every read
//! and every refusal goes to the audit log.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use sangdam_domain::UserId;
use sangdam_domain::note::{NoteBody, NoteError, Template as NoteTemplate};
use sangdam_store::NoteRecord;

use super::views::{render, see_other, with_status};
use crate::access::client_record;
use crate::auth::{actor_of, audit};
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;

use sangdam_app::notes::{self as ops, WriteError};

/// A refused change as the page answers it: 403 for a stranger, 409 for a signed note, 422 for
/// what the person can put right (shown on the note).
async fn refused(state: &AppState, ctx: &Ctx, note: &NoteRecord, e: WriteError) -> AppResult {
    match e {
        WriteError::Forbidden => Err(AppError::Forbidden),
        WriteError::Store(e) => Err(e.into()),
        WriteError::Locked | WriteError::NotSigned => {
            Err(AppError::Conflict(e.message_id().unwrap_or("error-note-locked")))
        }
        // The page shows the text as it now is, to read before signing.
        WriteError::Changed => {
            let note = load(state, &note.id).await?;
            let m = ctx.t("error-note-changed-while-signing");
            with_status(StatusCode::CONFLICT, page(state, ctx, &note, None, None, vec![m]).await)
        }
        WriteError::Invalid(m) => {
            with_status(StatusCode::UNPROCESSABLE_ENTITY, page(state, ctx, note, None, None, vec![ctx.t(m)]).await)
        }
    }
}

async fn load(state: &AppState, id: &str) -> Result<NoteRecord, AppError> {
    state.store.note(id).await?.ok_or(AppError::NotFound)
}

/// Starts a note for a client, optionally for one of the counselor's appointments with them.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(client): Path<String>,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let client = UserId::parse(&client).ok_or(AppError::NotFound)?;
    let v = client_record(&state, &ctx, &client).await?;
    if v.user.role != sangdam_domain::Role::Counselor {
        return Err(AppError::Forbidden);
    }
    let template =
        f.get("template").and_then(|t| NoteTemplate::parse(t)).ok_or(AppError::BadRequest("error-note-template"))?;
    let appointment = f.get("appointment").map(String::as_str).filter(|s| !s.is_empty());
    let id =
        match ops::create(&state.store, &state.keys, &actor_of(&ctx, Some(&v.user)), &client, template, appointment)
            .await
        {
            Ok(id) => id,
            Err(WriteError::Invalid(m)) => return Err(AppError::BadRequest(m)),
            Err(WriteError::Forbidden) => return Err(AppError::Forbidden),
            Err(e) => return Err(AppError::Internal(e.into())),
        };
    Ok(see_other(&format!("/notes/{id}")))
}

#[derive(Template)]
#[template(path = "records/note.html")]
struct NotePage<'a> {
    ctx: &'a Ctx,
    id: String,
    client_id: String,
    client_name: String,
    author: String,
    template_id: &'static str,
    /// Section name, label id, text.
    sections: Vec<(String, String, String)>,
    editable: bool,
    signed_at: Option<String>,
    /// Number, when, by whom; the one shown is marked.
    versions: Vec<(i64, String, String, bool)>,
    shown_version: i64,
    latest: bool,
    addenda: Vec<(String, String, String)>,
    may_add: bool,
    /// The stored content does not match what was saved or signed.
    tampered: bool,
    errors: Vec<String>,
}

/// Renders a note at `version` (the latest when `None`), with what the viewer may do.
async fn page(
    state: &AppState,
    ctx: &Ctx,
    note: &NoteRecord,
    version: Option<i64>,
    typed: Option<NoteBody>,
    errors: Vec<String>,
) -> AppResult {
    let v = client_record(state, ctx, &note.client_id).await?;
    let versions = state.store.note_versions(&note.id).await?;
    let shown = version.unwrap_or(note.version);
    let stored = versions.iter().find(|x| x.version == shown).ok_or(AppError::NotFound)?;
    // A body that no longer opens in its place, or a signed note whose content no longer matches
    // what was signed, is shown with a warning rather than as if nothing happened.
    let intact = ops::signature_holds(&state.keys, note, versions.iter().find(|x| x.version == note.version));
    let (body, unreadable) = match typed {
        Some(b) => (b, false),
        None => match ops::open_body(&state.keys, &note.id, note.template, &stored.body) {
            Some(b) => (b, false),
            None => (NoteBody::empty(note.template), true),
        },
    };
    if !intact || unreadable {
        tracing::warn!(note = %note.id, "a note's stored content does not match what was saved or signed");
    }
    audit(state, ctx, Some(&v.user), "note.read", Some(format!("note:{}#{shown}", note.id)), "ok").await?;
    let addenda_rows = state.store.note_addenda(&note.id).await?;
    let mut people: Vec<UserId> = versions.iter().map(|x| x.author_id.clone()).collect();
    people.extend(addenda_rows.iter().map(|a| a.author_id.clone()));
    people.extend([note.counselor_id.clone(), note.client_id.clone()]);
    let names = super::views::display_names(state, people).await?;
    let name = |id: &UserId| names.get(id).cloned().unwrap_or_default();
    let mut addenda = Vec::with_capacity(addenda_rows.len());
    for a in &addenda_rows {
        let text = match ops::open_addendum(&state.keys, &a.id, &a.body) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(_) => ctx.t("integrity-unreadable"),
        };
        addenda.push((ctx.time(a.created_at), name(&a.author_id), text));
    }
    let latest = shown == note.version;
    render(&NotePage {
        ctx,
        id: note.id.clone(),
        client_id: note.client_id.to_string(),
        client_name: name(&note.client_id),
        author: name(&note.counselor_id),
        template_id: note.template.message_id(),
        sections: body.sections.iter().map(|(n, t)| (n.clone(), format!("note-section-{n}"), t.clone())).collect(),
        editable: latest && note.signed_at.is_none() && note.counselor_id == v.user.id,
        signed_at: note.signed_at.map(|t| ctx.time(t)),
        versions: versions
            .iter()
            .map(|x| (x.version, ctx.time(x.saved_at), name(&x.author_id), x.version == shown))
            .collect(),
        shown_version: shown,
        latest,
        addenda,
        may_add: note.signed_at.is_some(),
        tampered: !intact || unreadable,
        errors,
    })
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let note = load(&state, &id).await?;
    page(&state, &ctx, &note, None, None, vec![]).await
}

pub async fn version(State(state): State<AppState>, ctx: Ctx, Path((id, n)): Path<(String, i64)>) -> AppResult {
    let note = load(&state, &id).await?;
    page(&state, &ctx, &note, Some(n), None, vec![]).await
}

/// Saves the draft. The page's script sends `x-autosave: 1` and gets 200 with the time saved
/// (or 409/422 with the message as text); a plain form post comes back to the note.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let autosave = headers.get("x-autosave").is_some();
    let note = load(&state, &id).await?;
    let v = client_record(&state, &ctx, &note.client_id).await?;
    let body = match NoteBody::from_sections(note.template, |s| f.get(&format!("s_{s}")).cloned()) {
        Ok(b) => b,
        Err(e) if autosave => return Ok((StatusCode::UNPROCESSABLE_ENTITY, ctx.t(e.message_id())).into_response()),
        Err(e) => {
            let typed = NoteBody {
                sections: note
                    .template
                    .sections()
                    .iter()
                    .map(|s| ((*s).to_owned(), f.get(&format!("s_{s}")).cloned().unwrap_or_default()))
                    .collect(),
            };
            return with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&state, &ctx, &note, None, Some(typed), vec![ctx.t(e.message_id())]).await,
            );
        }
    };
    match ops::save_draft(&state.store, &state.keys, &actor_of(&ctx, Some(&v.user)), &note, &body).await {
        Ok(_) if autosave => Ok((StatusCode::OK, ctx.ta("note-saved-at", "time", ctx.time(ctx.now))).into_response()),
        Ok(_) => Ok(see_other(&format!("/notes/{id}"))),
        Err(WriteError::Locked) if autosave => {
            Ok((StatusCode::CONFLICT, ctx.t(NoteError::Locked.message_id())).into_response())
        }
        Err(e) => refused(&state, &ctx, &note, e).await,
    }
}

/// Signs the note: from now on it is locked. An empty note cannot be signed.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SignForm {
    /// The box that says the author read the note and knows it is locked for good.
    confirm: String,
}

pub async fn sign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    crate::forms::FormData(f): crate::forms::FormData<SignForm>,
) -> AppResult {
    let note = load(&state, &id).await?;
    let v = client_record(&state, &ctx, &note.client_id).await?;
    let actor = actor_of(&ctx, Some(&v.user));
    match ops::sign(&state.store, &state.keys, &actor, &note, f.confirm == "on").await {
        Ok(()) => Ok(see_other(&format!("/notes/{id}"))),
        Err(e) => refused(&state, &ctx, &note, e).await,
    }
}

/// Adds an addendum to a signed note (any of the client's counselors, or a supervisor).
pub async fn add_addendum(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let note = load(&state, &id).await?;
    let v = client_record(&state, &ctx, &note.client_id).await?;
    let text = f.get("text").map_or("", String::as_str);
    match ops::add_addendum(&state.store, &state.keys, &actor_of(&ctx, Some(&v.user)), &note, text).await {
        Ok(_) => Ok(see_other(&format!("/notes/{id}"))),
        Err(e) => refused(&state, &ctx, &note, e).await,
    }
}
