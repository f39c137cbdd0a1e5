//! What an admin sets for the whole center: how long signed notes and recordings are kept (both
//! together, or neither), and the specialties counselors choose from. Each change commits with
//! its audit entry; the center lists at most [`MAX_SPECIALTIES`] specialties, however many are
//! added at once.

use sangdam_domain::limits::{MAX_SPECIALTIES, MAX_SPECIALTY_ID_CHARS, MAX_SPECIALTY_NAME_CHARS};
use sangdam_domain::retention;
use sangdam_domain::{Role, UserId};
use sangdam_store::{Specialty, Store, StoreError};

use crate::audit::{Actor, audited};
use crate::crypto::Keys;

/// The setting key for the years signed notes are kept after a client deleted their account.
pub const SIGNED_NOTE_YEARS: &str = "retention_signed_note_years";
/// The setting key for the days recordings are kept.
pub const RECORDING_DAYS: &str = "recording_retention_days";

/// Why a setting was not changed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Only admins change the center's settings.
    #[error("forbidden")]
    Forbidden,
    /// No such specialty.
    #[error("not found")]
    NotFound,
    /// What was typed breaks a rule; each names its message.
    #[error("invalid")]
    Invalid(Vec<&'static str>),
    /// The center lists [`MAX_SPECIALTIES`] already.
    #[error("too many")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn admin(actor: &Actor) -> Result<&UserId, SettingsError> {
    match &actor.user {
        Some((me, Role::Admin)) => Ok(me),
        _ => Err(SettingsError::Forbidden),
    }
}

/// Keeps signed notes `years` and recordings `days` (each within its range), both in one write.
pub async fn set_retention(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    years: i64,
    days: i64,
) -> Result<(), SettingsError> {
    let me = admin(actor)?;
    let mut errors = Vec::new();
    if !retention::NOTE_YEARS.contains(&years) {
        errors.push("error-retention-years");
    }
    if !retention::RECORDING_DAYS.contains(&days) {
        errors.push("error-retention-days");
    }
    if !errors.is_empty() {
        return Err(SettingsError::Invalid(errors));
    }
    let effects = audited(keys, actor, "admin.retention", Some(format!("notes:{years}y,recordings:{days}d")), "ok");
    let settings = [(SIGNED_NOTE_YEARS, years), (RECORDING_DAYS, days)];
    Ok(store.set_center_settings(&settings, me, actor.at, &effects).await?)
}

/// Adds a specialty or renames one: its identifier (lowercase letters, digits, hyphens), its
/// Korean and English names and its place in lists.
pub async fn save_specialty(store: &Store, keys: &Keys, actor: &Actor, s: &Specialty) -> Result<(), SettingsError> {
    admin(actor)?;
    let mut errors = Vec::new();
    if s.id.is_empty()
        || s.id.chars().count() > MAX_SPECIALTY_ID_CHARS
        || !s.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errors.push("error-specialty-id");
    }
    let name_ok = |n: &str| !n.trim().is_empty() && n.chars().count() <= MAX_SPECIALTY_NAME_CHARS;
    if !name_ok(&s.name_ko) || !name_ok(&s.name_en) {
        errors.push("error-specialty-name");
    }
    if !(0..=1000).contains(&s.position) {
        errors.push("error-specialty-position");
    }
    if !errors.is_empty() {
        return Err(SettingsError::Invalid(errors));
    }
    let effects = audited(keys, actor, "admin.specialty.save", Some(format!("specialty:{}", s.id)), "ok");
    match store.save_specialty(s, MAX_SPECIALTIES, actor.at, &effects).await {
        Ok(()) => Ok(()),
        Err(StoreError::LimitReached) => Err(SettingsError::TooMany),
        Err(e) => Err(e.into()),
    }
}

/// Deletes a specialty; counselors who offered it no longer list it.
pub async fn delete_specialty(store: &Store, keys: &Keys, actor: &Actor, id: &str) -> Result<(), SettingsError> {
    admin(actor)?;
    let effects = audited(keys, actor, "admin.specialty.delete", Some(format!("specialty:{id}")), "ok");
    if store.delete_specialty(id, actor.at, &effects).await? { Ok(()) } else { Err(SettingsError::NotFound) }
}
