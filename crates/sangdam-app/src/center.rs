//! A counselor's own settings in the chat center: how many chats they take at once, and the
//! canned responses they insert with a shortcut (their own, or the center's shared ones, which
//! only supervisors add and delete). Each write commits with its audit entry; a counselor keeps
//! at most [`MAX_CANNED`] responses and the center as many shared ones, however many are added at
//! once.

use sangdam_domain::limits::{MAX_CANNED, MAX_CANNED_BODY_CHARS, MAX_CANNED_SHORTCUT_CHARS, MAX_CHAT_CAPACITY};
use sangdam_domain::{Role, UserId};
use sangdam_store::{CannedResponse, Store, StoreError};

use crate::audit::{Actor, audited};
use crate::crypto::{Keys, random};

/// Why a setting or a canned response was not changed.
#[derive(Debug, thiserror::Error)]
pub enum CenterError {
    /// Only counselors and supervisors work in the chat center.
    #[error("forbidden")]
    Forbidden,
    /// No such response the actor may delete.
    #[error("not found")]
    NotFound,
    /// What was typed breaks a rule; each names its message.
    #[error("invalid")]
    Invalid(Vec<&'static str>),
    /// The limit of responses is reached.
    #[error("too many")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn staff(actor: &Actor) -> Result<(&UserId, Role), CenterError> {
    match &actor.user {
        Some((me, role @ (Role::Counselor | Role::Supervisor))) => Ok((me, *role)),
        _ => Err(CenterError::Forbidden),
    }
}

/// Sets how many chats the actor takes at once (1 to [`MAX_CHAT_CAPACITY`]).
pub async fn set_capacity(store: &Store, keys: &Keys, actor: &Actor, capacity: i64) -> Result<(), CenterError> {
    let (me, _) = staff(actor)?;
    if !(1..=MAX_CHAT_CAPACITY).contains(&capacity) {
        return Err(CenterError::Invalid(vec!["error-chat-capacity"]));
    }
    let effects = audited(keys, actor, "chat.capacity", Some(format!("user:{me}")), "ok");
    Ok(store.set_agent_capacity(me, capacity, actor.at, &effects).await?)
}

/// The rules a canned response's shortcut (without its `/`) and text keep.
pub fn check(shortcut: &str, body: &str) -> Result<(), CenterError> {
    let mut errors = Vec::new();
    if shortcut.is_empty()
        || shortcut.chars().count() > MAX_CANNED_SHORTCUT_CHARS
        || !shortcut.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        errors.push("error-canned-shortcut");
    }
    if body.trim().is_empty() || body.chars().count() > MAX_CANNED_BODY_CHARS {
        errors.push("error-canned-body");
    }
    if errors.is_empty() { Ok(()) } else { Err(CenterError::Invalid(errors)) }
}

/// Adds a canned response: the actor's own, or the center's shared one (`shared`, supervisors
/// only). Returns its id.
pub async fn add(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    shortcut: &str,
    body: &str,
    shared: bool,
) -> Result<String, CenterError> {
    let (me, role) = staff(actor)?;
    if shared && role != Role::Supervisor {
        return Err(CenterError::Forbidden);
    }
    check(shortcut, body)?;
    let row = CannedResponse {
        id: sangdam_domain::ids::encode_random(&random::<16>()),
        owner_id: (!shared).then(|| me.clone()),
        shortcut: shortcut.to_owned(),
        body: body.to_owned(),
    };
    let effects = audited(keys, actor, "canned.add", Some(format!("canned:{}", row.id)), "ok");
    match store.add_canned_response(&row, MAX_CANNED, actor.at, &effects).await {
        Ok(()) => Ok(row.id),
        Err(StoreError::LimitReached) => Err(CenterError::TooMany),
        Err(e) => Err(e.into()),
    }
}

/// Deletes one of the actor's responses, or a shared one when the actor is a supervisor.
/// Returns the response as it was, for an undo.
pub async fn delete(store: &Store, keys: &Keys, actor: &Actor, id: &str) -> Result<CannedResponse, CenterError> {
    let (me, role) = staff(actor)?;
    let row = store.canned_responses(me).await?.into_iter().find(|c| c.id == id).ok_or(CenterError::NotFound)?;
    let owner = match &row.owner_id {
        Some(_) => Some(me),
        None if role == Role::Supervisor => None,
        None => return Err(CenterError::NotFound),
    };
    let effects = audited(keys, actor, "canned.delete", Some(format!("canned:{id}")), "ok");
    if store.delete_canned_response(id, owner, actor.at, &effects).await? {
        Ok(row)
    } else {
        Err(CenterError::NotFound)
    }
}

/// Puts a response deleted moments ago back as it was, for whoever deleted it (the undo is kept
/// under them). [`CenterError::TooMany`] when the limit filled up meanwhile.
pub async fn restore(store: &Store, keys: &Keys, actor: &Actor, row: &CannedResponse) -> Result<(), CenterError> {
    staff(actor)?;
    let effects = audited(keys, actor, "canned.restore", Some(format!("canned:{}", row.id)), "ok");
    match store.add_canned_response(row, MAX_CANNED, actor.at, &effects).await {
        Ok(()) => Ok(()),
        Err(StoreError::LimitReached) => Err(CenterError::TooMany),
        Err(e) => Err(e.into()),
    }
}
