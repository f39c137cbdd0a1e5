//! A recording after the session: its room's host shares it with the client or stops sharing
//! it. The change commits with its audit entry; asking for what is so already changes nothing and
//! logs nothing, so a double click or a retry is one change.

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
    let rec = store.recording(id).await?.filter(|r| r.state == "stopped").ok_or(ShareError::NotFound)?;
    let room = store.room(&rec.room_id).await?.ok_or(ShareError::NotFound)?;
    if room.host_id != *me {
        return Err(ShareError::NotFound);
    }
    let action = if shared { "recording.share" } else { "recording.unshare" };
    let effects = audited(keys, actor, action, Some(format!("recording:{id}")), "ok");
    Ok(store.set_recording_shared(id, shared, actor.at, &effects).await?)
}
