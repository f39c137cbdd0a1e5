//! The retention rules in force: what an admin set in the product (`/admin/retention`), or the
//! settings file's default.

pub use sangdam_app::settings::{RECORDING_DAYS, SIGNED_NOTE_YEARS};

use crate::state::AppState;

async fn rule(state: &AppState, key: &str, default: u32) -> anyhow::Result<u32> {
    Ok(state.store.center_setting(key).await?.and_then(|v| u32::try_from(v).ok()).unwrap_or(default))
}

/// Years signed notes are kept after a client deleted their account.
pub async fn signed_note_years(state: &AppState) -> anyhow::Result<u32> {
    rule(state, SIGNED_NOTE_YEARS, state.config.retention_signed_note_years).await
}

/// Days a recording is kept.
pub async fn recording_days(state: &AppState) -> anyhow::Result<u32> {
    rule(state, RECORDING_DAYS, state.config.recording_retention_days).await
}
