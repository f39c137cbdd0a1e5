//! A counselor's own forms and when clients are asked to fill them in: saving a form (a new one
//! or an edit), assigning a form as intake or every N sessions, and taking an assignment back.
//! Each write commits with its audit entry. A counselor keeps at most
//! [`MAX_FORMS`](sangdam_domain::limits::MAX_FORMS) forms, however many saves arrive at once;
//! assignments are one per form and mode, so the forms bound them.

use sangdam_domain::Role;
use sangdam_domain::form::FormSpec;
use sangdam_domain::limits::MAX_FORMS;
use sangdam_store::{Assignment, Store, StoreError};

use crate::audit::{Actor, audited};
use crate::crypto::{Keys, random};

/// The longest interval of an "every N sessions" assignment.
pub const MAX_EVERY_N: i64 = 52;

/// Why a form or an assignment was not changed. Each refusal a person can act on names its message.
#[derive(Debug, thiserror::Error)]
pub enum AuthoringError {
    /// Only counselors keep forms.
    #[error("forbidden")]
    Forbidden,
    /// No such form or assignment of the actor's (someone else's looks the same).
    #[error("not found")]
    NotFound,
    /// The form is unknown or the interval is out of range.
    #[error("invalid assignment")]
    Invalid,
    /// The same form is assigned in the same way already.
    #[error("assigned already")]
    Exists,
    /// The counselor keeps [`MAX_FORMS`] forms already.
    #[error("too many forms")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthoringError {
    /// The message a person reads, for the refusals they can act on.
    pub fn message_id(&self) -> Option<&'static str> {
        match self {
            AuthoringError::Invalid => Some("error-assign"),
            AuthoringError::Exists => Some("error-assign-exists"),
            AuthoringError::TooMany => Some("error-forms-limit"),
            AuthoringError::Forbidden | AuthoringError::NotFound | AuthoringError::Store(_) => None,
        }
    }
}

fn counselor(actor: &Actor) -> Result<&sangdam_domain::UserId, AuthoringError> {
    match &actor.user {
        Some((me, Role::Counselor)) => Ok(me),
        _ => Err(AuthoringError::Forbidden),
    }
}

/// Saves `spec` (checked by its type) as the actor's form `id`, new or replacing their own.
pub async fn save(store: &Store, keys: &Keys, actor: &Actor, id: &str, spec: &FormSpec) -> Result<(), AuthoringError> {
    let me = counselor(actor)?;
    let effects = audited(keys, actor, "form.save", Some(format!("form:{id}")), "ok");
    match store.save_form(id, me, &spec.to_json(), MAX_FORMS, actor.at, &effects).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(AuthoringError::NotFound),
        Err(StoreError::LimitReached) => Err(AuthoringError::TooMany),
        Err(e) => Err(e.into()),
    }
}

/// Asks the actor's clients to fill `form_ref` in (`phq9`, `gad7` or `form:<id>` of their own):
/// before their first session (`every_n` `None`) or every `every_n` completed sessions.
/// Returns the assignment's id.
pub async fn assign(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    form_ref: &str,
    every_n: Option<i64>,
) -> Result<String, AuthoringError> {
    let me = counselor(actor)?;
    let known = match form_ref.strip_prefix("form:") {
        Some(id) => store.form(id).await?.is_some_and(|f| f.owner_id == *me),
        None => form_ref == "phq9" || form_ref == "gad7",
    };
    if !known || every_n.is_some_and(|n| !(1..=MAX_EVERY_N).contains(&n)) {
        return Err(AuthoringError::Invalid);
    }
    let a = Assignment {
        id: sangdam_domain::ids::encode_random(&random::<12>()),
        counselor_id: me.clone(),
        form_ref: form_ref.to_owned(),
        every_n,
    };
    let effects = audited(keys, actor, "form.assign", Some(format!("assignment:{}", a.id)), "ok");
    match store.add_assignment(&a, actor.at, &effects).await {
        Ok(()) => Ok(a.id),
        Err(StoreError::Conflict) => Err(AuthoringError::Exists),
        Err(e) => Err(e.into()),
    }
}

/// Takes back one of the actor's assignments.
pub async fn unassign(store: &Store, keys: &Keys, actor: &Actor, id: &str) -> Result<(), AuthoringError> {
    let me = counselor(actor)?;
    let effects = audited(keys, actor, "form.unassign", Some(format!("assignment:{id}")), "ok");
    if store.delete_assignment(id, me, actor.at, &effects).await? { Ok(()) } else { Err(AuthoringError::NotFound) }
}
