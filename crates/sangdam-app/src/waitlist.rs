//! The waitlist from the client's side: joining a counselor's day. The limit of days one client
//! waits for holds however many joins arrive at once (the store counts under the client's lock),
//! and the entry commits with its audit entry.

use sangdam_domain::booking::SessionKind;
use sangdam_domain::limits::MAX_WAITLIST_ENTRIES;
use sangdam_domain::{Role, UserId};
use sangdam_store::{Store, StoreError, WaitlistEntry};

use crate::audit::{Actor, audited};
use crate::crypto::random;

/// Why a join was refused. Each refusal names the message a person reads.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    /// Only clients wait for a day.
    #[error("forbidden")]
    Forbidden,
    /// The client waits for the most days one may already.
    #[error("the waitlist limit is reached")]
    Full,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The actor, a client, joins `counselor`'s waitlist for `day` (the counselor's local date, in
/// their booking horizon: the caller checks it against the counselor's page) for `kind`.
pub async fn join(
    store: &Store,
    keys: &crate::crypto::Keys,
    actor: &Actor,
    counselor: &UserId,
    day: jiff::civil::Date,
    kind: SessionKind,
) -> Result<(), JoinError> {
    let Some((me, Role::Client)) = &actor.user else { return Err(JoinError::Forbidden) };
    // The id starts with the millisecond of joining, so that two clients who join within the same
    // second are still offered slots in the order they joined (the list is ordered by
    // `created_at`, then id).
    let millis = jiff::Timestamp::now().as_millisecond();
    let entry = WaitlistEntry {
        id: format!("{millis:016x}{}", sangdam_domain::ids::encode_random(&random::<10>())),
        counselor_id: counselor.clone(),
        client_id: me.clone(),
        day: day.to_string(),
        kind,
        status: sangdam_domain::booking::WaitlistStatus::Waiting,
        hold_id: None,
        created_at: actor.at,
    };
    let effects = audited(keys, actor, "waitlist.join", Some(format!("counselor:{counselor}")), "ok");
    match store.join_waitlist(&entry, MAX_WAITLIST_ENTRIES, &effects).await {
        // A conflict is an identical join that committed first.
        Ok(()) | Err(StoreError::Conflict) => Ok(()),
        Err(StoreError::LimitReached) => Err(JoinError::Full),
        Err(e) => Err(e.into()),
    }
}
