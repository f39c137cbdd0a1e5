//! Session notes: a counselor starts one for a client in a template, saves drafts while typing,
//! signs it to lock it, and after that only addenda are added. Bodies are sealed under the note
//! (a version) or the addendum's own id. Each write commits with its audit entry; a signature
//! carries a keyed hash of the text it covers, so a stored body changed behind the product's back
//! shows as tampered.
//!
//! Who may read the client's record is `access`'s to say and the caller's to check first; here
//! it is decided who may change a note: only its author, and only while it is a draft.

use sangdam_domain::note::{self, NoteBody, Template};
use sangdam_domain::{Role, UserId};
use sangdam_store::sealed::{NOTE_ADDENDUM, NOTE_VERSION};
use sangdam_store::{DraftSaved, NewNote, NoteRecord, NoteVersion, Store, StoreError};

use crate::audit::{Actor, audit, audited};
use crate::crypto::{Keys, OpenError, constant_time_eq, random};

/// Why a change to a note was not made. Each refusal names the message a person reads.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Not the note's author, or not a counselor (written to the audit log as denied).
    #[error("forbidden")]
    Forbidden,
    /// The request itself is wrong: an unknown template, an appointment that is not the
    /// counselor's with this client, an empty note to sign, a signature not confirmed, an
    /// addendum empty or too long.
    #[error("invalid: {0}")]
    Invalid(&'static str),
    /// The note is signed: it no longer changes.
    #[error("the note is signed")]
    Locked,
    /// An addendum waits for the signature.
    #[error("the note is not signed yet")]
    NotSigned,
    /// A draft was saved (another tab, the autosave) while it was being signed: nothing was
    /// signed, so that a signature always covers the text its author last saw.
    #[error("the note changed while it was signed")]
    Changed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl WriteError {
    /// The message a person reads, for the refusals.
    pub fn message_id(&self) -> Option<&'static str> {
        match self {
            WriteError::Invalid(id) => Some(id),
            WriteError::Locked => Some(note::NoteError::Locked.message_id()),
            WriteError::NotSigned => Some("error-note-not-signed"),
            WriteError::Changed => Some("error-note-changed-while-signing"),
            WriteError::Forbidden | WriteError::Store(_) => None,
        }
    }
}

/// A version's body, opened in its place (a body moved here from another note does not open).
pub fn open_plain(keys: &Keys, note: &str, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
    keys.open_at(&NOTE_VERSION, &[note], sealed)
}

/// An addendum's text, opened under its own id.
pub fn open_addendum(keys: &Keys, addendum: &str, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
    keys.open_at(&NOTE_ADDENDUM, &[addendum], sealed)
}

/// A version's body read into its template's sections; `None` when it does not open or is
/// malformed.
pub fn open_body(keys: &Keys, note: &str, template: Template, sealed: &[u8]) -> Option<NoteBody> {
    let plain = open_plain(keys, note, sealed).ok()?;
    NoteBody::from_json(template, &plain)
}

/// The keyed hash of what a signature covers: the note, its template, the version signed, the
/// signing time and that version's body. Only this server can compute it.
fn signed_hash(keys: &Keys, note: &NoteRecord, version: i64, signed_at: i64, plain: &[u8]) -> String {
    let mut data =
        format!("{}\u{1f}{}\u{1f}{version}\u{1f}{signed_at}\u{1f}", note.id, note.template.as_str()).into_bytes();
    data.extend_from_slice(plain);
    keys.mac_hex("note.signed", &data)
}

/// Whether a signed note still is what was signed: `true` when its stored hash matches its
/// latest version's body (or when it was signed before hashes were kept).
pub fn signature_holds(keys: &Keys, note: &NoteRecord, latest: Option<&NoteVersion>) -> bool {
    let (Some(signed_at), Some(kept)) = (note.signed_at, &note.signed_hash) else { return true };
    let Some(latest) = latest else { return false };
    match open_plain(keys, &note.id, &latest.body) {
        Ok(plain) => constant_time_eq(&signed_hash(keys, note, latest.version, signed_at, &plain), kept),
        Err(_) => false,
    }
}

fn target(note: &str) -> Option<String> {
    Some(format!("note:{note}"))
}

/// The actor when they wrote `note` and it is still a draft; a stranger's attempt is audited.
async fn author(store: &Store, keys: &Keys, actor: &Actor, note: &NoteRecord) -> Result<UserId, WriteError> {
    let me = actor.user.as_ref().map(|(id, _)| id);
    if me != Some(&note.counselor_id) {
        audit(store, keys, actor, "note.write", target(&note.id), "denied").await?;
        return Err(WriteError::Forbidden);
    }
    if note.signed_at.is_some() {
        return Err(WriteError::Locked);
    }
    Ok(note.counselor_id.clone())
}

/// Starts a note for `client` in `template`, optionally for one of the actor's appointments
/// with them; the actor must be a counselor who may see the client (checked by the caller).
/// Returns the new note's id.
pub async fn create(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    client: &UserId,
    template: Template,
    appointment: Option<&str>,
) -> Result<String, WriteError> {
    let Some((counselor, Role::Counselor)) = &actor.user else { return Err(WriteError::Forbidden) };
    if let Some(a) = appointment {
        let theirs =
            store.appointment(a).await?.is_some_and(|a| &a.client_id == client && &a.counselor_id == counselor);
        if !theirs {
            return Err(WriteError::Invalid("error-note-appointment"));
        }
    }
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let body = keys.seal_at(&NOTE_VERSION, &[&id], &NoteBody::empty(template).to_json());
    let new = NewNote {
        id: &id,
        client_id: client,
        counselor_id: counselor,
        appointment_id: appointment,
        template,
        body: &body,
        now: actor.at,
    };
    store.create_note(&new, &audited(keys, actor, "note.create", target(&id), "ok")).await?;
    Ok(id)
}

/// Saves a draft of `note` (checked already: `NoteBody::from_sections`). Returns the version
/// saved: the author's latest one when it is younger than a sitting, otherwise a new one.
pub async fn save_draft(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    note: &NoteRecord,
    body: &NoteBody,
) -> Result<i64, WriteError> {
    let author = author(store, keys, actor, note).await?;
    let sealed = keys.seal_at(&NOTE_VERSION, &[&note.id], &body.to_json());
    let effects = audited(keys, actor, "note.save", target(&note.id), "ok");
    match store.save_note_draft(&note.id, &sealed, &author, actor.at, note::SITTING_SECONDS, &effects).await {
        Ok(DraftSaved::Added(v) | DraftSaved::Replaced(v)) => Ok(v),
        Err(StoreError::Locked) => Err(WriteError::Locked),
        Err(e) => Err(e.into()),
    }
}

/// Signs `note` as its latest version stands: from now on it is locked. `confirmed` is the
/// author's statement that they read it and know it is locked for good; an empty note is not
/// signed.
pub async fn sign(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    note: &NoteRecord,
    confirmed: bool,
) -> Result<(), WriteError> {
    author(store, keys, actor, note).await?;
    let versions = store.note_versions(&note.id).await?;
    let latest = versions.last().ok_or(StoreError::NotFound)?;
    let plain = open_plain(keys, &note.id, &latest.body).map_err(|_| StoreError::Corrupt("a note's body".into()))?;
    let body = NoteBody::from_json(note.template, &plain).ok_or(StoreError::Corrupt("a note's body".into()))?;
    if body.is_blank() {
        return Err(WriteError::Invalid(note::NoteError::Empty.message_id()));
    }
    // Signing is permanent: never on one click.
    if !confirmed {
        return Err(WriteError::Invalid("error-note-sign-confirm"));
    }
    let hash = signed_hash(keys, note, latest.version, actor.at, &plain);
    let effects = audited(keys, actor, "note.sign", Some(format!("note:{}#{}", note.id, latest.version)), "ok");
    match store.sign_note(&note.id, actor.at, &hash, latest.version, &latest.body, &effects).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(WriteError::Locked),
        Err(StoreError::Conflict) => Err(WriteError::Changed),
        Err(e) => Err(e.into()),
    }
}

/// Adds an addendum to a signed note, by any of the client's counselors or a supervisor (who
/// may see the client: checked by the caller). Returns the addendum's id.
pub async fn add_addendum(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    note: &NoteRecord,
    text: &str,
) -> Result<String, WriteError> {
    let Some((me, Role::Counselor | Role::Supervisor)) = &actor.user else { return Err(WriteError::Forbidden) };
    if note.signed_at.is_none() {
        return Err(WriteError::NotSigned);
    }
    let text = note::addendum(text).map_err(|e| WriteError::Invalid(e.message_id()))?;
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let sealed = keys.seal_at(&NOTE_ADDENDUM, &[&id], text.as_bytes());
    let effects = audited(keys, actor, "note.addendum", target(&note.id), "ok");
    match store.add_addendum(&id, &note.id, me, &sealed, actor.at, &effects).await {
        Ok(()) => Ok(id),
        Err(StoreError::Locked) => Err(WriteError::NotSigned),
        Err(e) => Err(e.into()),
    }
}
