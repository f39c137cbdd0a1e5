//! A counselor's exceptions to their weekly hours: a day off or extra hours on a date. The most
//! one counselor keeps holds however many additions arrive at once (the store counts under the
//! counselor's lock), and each addition and deletion commits with its audit entry.

use sangdam_domain::booking::DateException;
use sangdam_domain::limits::MAX_EXCEPTIONS;
use sangdam_domain::{Role, UserId};
use sangdam_store::{CounselorProfile, Store, StoreError};

use crate::audit::{Actor, audited};
use crate::crypto::{Keys, random};

/// Why an exception was not added or deleted. Each refusal names the message a person reads.
#[derive(Debug, thiserror::Error)]
pub enum ExceptionError {
    /// Only counselors keep hours.
    #[error("forbidden")]
    Forbidden,
    /// No such exception of this counselor.
    #[error("not found")]
    NotFound,
    /// A date before today (the counselor's), or the most exceptions one keeps already.
    #[error("invalid: {0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn counselor(actor: &Actor) -> Result<&UserId, ExceptionError> {
    match &actor.user {
        Some((me, Role::Counselor)) => Ok(me),
        _ => Err(ExceptionError::Forbidden),
    }
}

/// Adds `exception` to the actor's hours; `today` is the counselor's own date now. Returns its id.
pub async fn add(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    exception: &DateException,
    today: jiff::civil::Date,
) -> Result<String, ExceptionError> {
    let me = counselor(actor)?;
    if exception.date < today {
        return Err(ExceptionError::Invalid("error-exception-past"));
    }
    if store.counselor_profile(me).await?.is_none() {
        store
            .save_counselor_profile(&CounselorProfile::new(me.clone()), actor.at, &sangdam_store::Effects::default())
            .await?;
    }
    let id = sangdam_domain::ids::encode_random(&random::<12>());
    let effects = audited(keys, actor, "counselor.exception-add", Some(format!("user:{me}")), "ok");
    match store.add_exception(&id, me, exception, MAX_EXCEPTIONS, actor.at, &effects).await {
        Ok(()) => Ok(id),
        Err(StoreError::LimitReached) => Err(ExceptionError::Invalid("error-exceptions-full")),
        Err(e) => Err(e.into()),
    }
}

/// Puts back an exception deleted moments ago, under its old id, within the same limit.
pub async fn restore(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    id: &str,
    exception: &DateException,
) -> Result<(), ExceptionError> {
    let me = counselor(actor)?;
    let effects = audited(keys, actor, "counselor.exception-restore", Some(format!("user:{me}")), "ok");
    match store.add_exception(id, me, exception, MAX_EXCEPTIONS, actor.at, &effects).await {
        Ok(()) => Ok(()),
        Err(StoreError::LimitReached) => Err(ExceptionError::Invalid("error-exceptions-full")),
        Err(e) => Err(e.into()),
    }
}

/// Deletes the actor's exception `id`; returns it as it was, for an undo.
pub async fn delete(store: &Store, keys: &Keys, actor: &Actor, id: &str) -> Result<DateException, ExceptionError> {
    let me = counselor(actor)?;
    let row = store.list_exceptions(me).await?.into_iter().find(|(i, _)| i == id);
    let Some((_, exception)) = row else { return Err(ExceptionError::NotFound) };
    let effects = audited(keys, actor, "counselor.exception-delete", Some(format!("user:{me}")), "ok");
    if !store.delete_exception(me, id, actor.at, &effects).await? {
        return Err(ExceptionError::NotFound);
    }
    Ok(exception)
}
