//! A recording after the session: its room's host shares it with the client or stops sharing
//! it. The change commits with its audit entry; asking for what is so already changes nothing and
//! logs nothing, so a double click or a retry is one change. A recording past the center's
//! retention is deleted, its files first and then its key ([`delete_expired`]); the files are
//! named here ([`part_name`], [`path`], [`is_part_of`]).

use std::path::{Path, PathBuf};

use sangdam_store::{Store, StoreError};

use crate::audit::{Actor, audited};
use crate::crypto::Keys;

/// Why sharing was not changed.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// No such stopped recording, or the actor is not its room's host: the two look alike.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Shares recording `id` with the client (`shared`) or stops sharing it, for its room's host.
/// Returns whether anything changed.
pub async fn set_shared(store: &Store, keys: &Keys, actor: &Actor, id: &str, shared: bool) -> Result<bool, ShareError> {
    let Some((me, _)) = &actor.user else { return Err(ShareError::NotFound) };
    let rec = store
        .recording(id)
        .await?
        .filter(|r| r.state == sangdam_domain::recording::RecordingState::Stopped)
        .ok_or(ShareError::NotFound)?;
    let room = store.room(&rec.room_id).await?.ok_or(ShareError::NotFound)?;
    if room.host_id != *me {
        return Err(ShareError::NotFound);
    }
    let action = if shared { "recording.share" } else { "recording.unshare" };
    let effects = audited(keys, actor, action, Some(format!("recording:{id}")), "ok");
    Ok(store.set_recording_shared(id, shared, actor.at, &effects).await?)
}

/// Where the file named `name` (a part's name, [`part_name`]) lives under `dir`.
pub fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.sdrec"))
}

/// The name part `index` of recording `id` is sealed under and stored as: part 0 is the
/// recording's id, part n is `<id>.<n>`.
pub fn part_name(id: &str, index: usize) -> String {
    if index == 0 { id.to_owned() } else { format!("{id}.{index}") }
}

/// Whether `file` (a name in the recordings folder) belongs to recording `id`.
pub fn is_part_of(file: &str, id: &str) -> bool {
    file.strip_prefix(id).and_then(|rest| rest.strip_suffix(".sdrec")).is_some_and(|n| {
        n.is_empty() || n.strip_prefix('.').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Deletes the recordings older than `keep_days` at `now`: every part's file under `dir`, then
/// the key (the file can no longer be read even if a copy survived). Files are found by name, so
/// the parts of a recording a crash cut short go too; a crash between the two steps leaves the
/// key, and the next run finishes. Returns how many were deleted.
pub async fn delete_expired(store: &Store, dir: &Path, keep_days: u32, now: i64) -> std::io::Result<usize> {
    let cutoff = sangdam_domain::retention::recording_cutoff(now, keep_days);
    let due = store.recordings_due_for_deletion(now, cutoff).await.map_err(std::io::Error::other)?;
    if due.is_empty() {
        return Ok(0);
    }
    let files: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    for id in &due {
        for file in files.iter().filter(|f| is_part_of(f, id)) {
            match std::fs::remove_file(dir.join(file)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        store.recording_deleted(id).await.map_err(std::io::Error::other)?;
    }
    Ok(due.len())
}
