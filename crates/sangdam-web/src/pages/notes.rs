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
use sangdam_domain::note::{self, NoteBody, NoteError, Template as NoteTemplate};
use sangdam_store::{DraftSaved, NewNote, NoteRecord, StoreError};

use super::{render, see_other, with_status};
use crate::access::client_record;
use crate::auth::audit;
use crate::crypto::random;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::FormData;
use crate::state::AppState;

use sangdam_store::sealed::{NOTE_ADDENDUM, NOTE_VERSION};

/// A version's body, opened in its place (a body moved here from another note does not open).
fn open_plain(state: &AppState, note: &str, sealed: &[u8]) -> Result<Vec<u8>, crate::crypto::OpenError> {
    state.keys.open_at(&NOTE_VERSION, &[note], sealed)
}

fn open_body(state: &AppState, note: &str, t: NoteTemplate, sealed: &[u8]) -> Result<NoteBody, AppError> {
    let plain = open_plain(state, note, sealed)?;
    NoteBody::from_json(t, &plain).ok_or_else(|| AppError::Internal(anyhow::anyhow!("a stored note body is malformed")))
}

/// The keyed hash of what a signature covers: the note, its template, the version signed, the
/// signing time and that version's body. Only this server can compute it.
fn signed_hash(state: &AppState, note: &NoteRecord, version: i64, signed_at: i64, plain: &[u8]) -> String {
    let mut data =
        format!("{}\u{1f}{}\u{1f}{version}\u{1f}{signed_at}\u{1f}", note.id, note.template.as_str()).into_bytes();
    data.extend_from_slice(plain);
    state.keys.mac_hex("note.signed", &data)
}

/// Whether a signed note still is what was signed: `true` when its stored hash matches its
/// latest version's body (or when it was signed before hashes were kept).
fn signature_holds(state: &AppState, note: &NoteRecord, latest: Option<&sangdam_store::NoteVersion>) -> bool {
    let (Some(signed_at), Some(kept)) = (note.signed_at, &note.signed_hash) else { return true };
    let Some(latest) = latest else { return false };
    match open_plain(state, &note.id, &latest.body) {
        Ok(plain) => {
            crate::crypto::constant_time_eq(&signed_hash(state, note, latest.version, signed_at, &plain), kept)
        }
        Err(_) => false,
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
    let appointment = match f.get("appointment").map(String::as_str).filter(|s| !s.is_empty()) {
        None => None,
        Some(a) => {
            let ok =
                state.store.appointment(a).await?.is_some_and(|a| a.client_id == client && a.counselor_id == v.user.id);
            if !ok {
                return Err(AppError::BadRequest("error-note-appointment"));
            }
            Some(a.to_owned())
        }
    };
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let body = state.keys.seal_at(&NOTE_VERSION, &[&id], &NoteBody::empty(template).to_json());
    state
        .store
        .create_note(&NewNote {
            id: &id,
            client_id: &client,
            counselor_id: &v.user.id,
            appointment_id: appointment.as_deref(),
            template,
            body: &body,
            now: ctx.now,
        })
        .await?;
    audit(&state, &ctx, Some(&v.user), "note.create", Some(format!("note:{id}")), "ok").await?;
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
    let intact = signature_holds(state, note, versions.iter().find(|x| x.version == note.version));
    let (body, unreadable) = match typed {
        Some(b) => (b, false),
        None => match open_body(state, &note.id, note.template, &stored.body) {
            Ok(b) => (b, false),
            Err(_) => (NoteBody::empty(note.template), true),
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
    let names = super::shared::display_names(state, people).await?;
    let name = |id: &UserId| names.get(id).cloned().unwrap_or_default();
    let mut addenda = Vec::with_capacity(addenda_rows.len());
    for a in &addenda_rows {
        let text = match state.keys.open_at(&NOTE_ADDENDUM, &[&a.id], &a.body) {
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

/// The note's author, when the note is still a draft. A signed note answers 409 with a clear
/// message; anyone else is refused.
async fn author_of_draft<'c>(
    state: &AppState,
    ctx: &'c Ctx,
    note: &NoteRecord,
) -> Result<&'c crate::ctx::Viewer, AppError> {
    let v = client_record(state, ctx, &note.client_id).await?;
    if note.counselor_id != v.user.id {
        audit(state, ctx, Some(&v.user), "note.write", Some(format!("note:{}", note.id)), "denied").await?;
        return Err(AppError::Forbidden);
    }
    if note.signed_at.is_some() {
        return Err(AppError::Conflict(NoteError::Locked.message_id()));
    }
    Ok(v)
}

/// Saves the draft. The page's script sends `x-autosave: 1` and gets 204 (or 409/422 with the
/// message as text); a plain form post comes back to the note.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    FormData(f): FormData<HashMap<String, String>>,
) -> AppResult {
    let autosave = headers.get("x-autosave").is_some();
    let note = load(&state, &id).await?;
    let v = match author_of_draft(&state, &ctx, &note).await {
        Err(AppError::Conflict(m)) if autosave => return Ok((StatusCode::CONFLICT, ctx.t(m)).into_response()),
        other => other?,
    };
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
    let sealed = state.keys.seal_at(&NOTE_VERSION, &[&id], &body.to_json());
    let saved = match state.store.save_note_draft(&id, &sealed, &v.user.id, ctx.now, note::SITTING_SECONDS).await {
        Err(StoreError::Locked) => return Err(AppError::Conflict(NoteError::Locked.message_id())),
        other => other?,
    };
    let version = match saved {
        DraftSaved::Added(n) | DraftSaved::Replaced(n) => n,
    };
    audit(&state, &ctx, Some(&v.user), "note.save", Some(format!("note:{id}#{version}")), "ok").await?;
    if autosave {
        return Ok((StatusCode::OK, ctx.ta("note-saved-at", "time", ctx.time(ctx.now))).into_response());
    }
    Ok(see_other(&format!("/notes/{id}")))
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
    let v = author_of_draft(&state, &ctx, &note).await?;
    let versions = state.store.note_versions(&id).await?;
    let latest = versions.last().ok_or(AppError::NotFound)?;
    if open_body(&state, &id, note.template, &latest.body)?.is_blank() {
        return with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&state, &ctx, &note, None, None, vec![ctx.t(NoteError::Empty.message_id())]).await,
        );
    }
    // Signing is permanent: never on one click.
    if f.confirm != "on" {
        return with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&state, &ctx, &note, None, None, vec![ctx.t("error-note-sign-confirm")]).await,
        );
    }
    let plain = open_plain(&state, &id, &latest.body)?;
    let hash = signed_hash(&state, &note, latest.version, ctx.now, &plain);
    match state.store.sign_note(&id, ctx.now, &hash, latest.version, &latest.body).await {
        Ok(true) => {}
        Ok(false) => return Err(AppError::Conflict(NoteError::Locked.message_id())),
        // A draft was saved (another tab, the autosave) while this was signed: nothing is signed,
        // and the page shows the text as it now is, to read before signing.
        Err(sangdam_store::StoreError::Conflict) => {
            let note = load(&state, &id).await?;
            return with_status(
                StatusCode::CONFLICT,
                page(&state, &ctx, &note, None, None, vec![ctx.t("error-note-changed-while-signing")]).await,
            );
        }
        Err(e) => return Err(e.into()),
    }
    audit(&state, &ctx, Some(&v.user), "note.sign", Some(format!("note:{id}#{}", note.version)), "ok").await?;
    Ok(see_other(&format!("/notes/{id}")))
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
    if note.signed_at.is_none() {
        return Err(AppError::Conflict("error-note-not-signed"));
    }
    let text = match note::addendum(f.get("text").map_or("", String::as_str)) {
        Ok(t) => t,
        Err(e) => {
            return with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&state, &ctx, &note, None, None, vec![ctx.t(e.message_id())]).await,
            );
        }
    };
    let addendum_id = sangdam_domain::ids::encode_random(&random::<16>());
    let sealed = state.keys.seal_at(&NOTE_ADDENDUM, &[&addendum_id], text.as_bytes());
    state.store.add_addendum(&addendum_id, &id, &v.user.id, &sealed, ctx.now).await?;
    audit(&state, &ctx, Some(&v.user), "note.addendum", Some(format!("note:{id}")), "ok").await?;
    Ok(see_other(&format!("/notes/{id}")))
}
