//! A counselor's own profile: the settings that make them bookable (bios, languages,
//! specialties, offerings and prices, weekly hours, booking rules, approval, published) and their
//! photo. Each write commits with its audit entry. The profile's own rules are checked here as
//! well as on the form, so that no way in stores a profile the directory cannot show: a published
//! profile offers something, speaks a language and keeps rules in range.

use sangdam_domain::Role;
use sangdam_domain::limits::MAX_BIO_CHARS;
use sangdam_store::{CounselorProfile, Effects, Store, StoreError};

use crate::audit::{Actor, audited};
use crate::crypto::Keys;

/// Why a profile was not saved. Each refusal names the message a person reads.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Only a counselor changes their own profile.
    #[error("forbidden")]
    Forbidden,
    #[error("invalid: {0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The first of the profile's own rules it breaks, as the Fluent id a person reads.
pub fn check(p: &CounselorProfile) -> Result<(), &'static str> {
    if p.bio_ko.chars().count() > MAX_BIO_CHARS || p.bio_en.chars().count() > MAX_BIO_CHARS {
        return Err("error-bio-too-long");
    }
    if p.languages.is_empty() {
        return Err("error-languages-required");
    }
    p.rules.check().map_err(|e| e.message_id())?;
    if p.published && p.offerings.is_empty() {
        return Err("error-publish-needs-offering");
    }
    Ok(())
}

fn own(actor: &Actor, p: &CounselorProfile) -> Result<(), ProfileError> {
    match &actor.user {
        Some((me, Role::Counselor)) if *me == p.user_id => Ok(()),
        _ => Err(ProfileError::Forbidden),
    }
}

/// Saves the actor's own profile.
pub async fn save(store: &Store, keys: &Keys, actor: &Actor, p: &CounselorProfile) -> Result<(), ProfileError> {
    own(actor, p)?;
    check(p).map_err(ProfileError::Invalid)?;
    let effects = audited(keys, actor, "counselor.settings", Some(format!("user:{}", p.user_id)), "ok");
    store.save_counselor_profile(p, actor.at, &effects).await?;
    Ok(())
}

/// Sets the actor's photo (already resized and stripped of its metadata), or removes it with
/// `None`. A counselor without a profile yet gets an empty one to hold it.
pub async fn set_photo(store: &Store, keys: &Keys, actor: &Actor, photo: Option<&[u8]>) -> Result<(), ProfileError> {
    let Some((me, Role::Counselor)) = &actor.user else { return Err(ProfileError::Forbidden) };
    let action = if photo.is_some() { "counselor.photo" } else { "counselor.photo-delete" };
    let effects = audited(keys, actor, action, Some(format!("user:{me}")), "ok");
    if store.counselor_profile(me).await?.is_none() {
        if photo.is_none() {
            // Nothing to remove; the request is still logged.
            return Ok(crate::audit::audit(store, keys, actor, action, Some(format!("user:{me}")), "ok").await?);
        }
        store.save_counselor_profile(&CounselorProfile::new(me.clone()), actor.at, &Effects::default()).await?;
    }
    store.set_counselor_photo(me, photo, actor.at, &effects).await?;
    Ok(())
}
