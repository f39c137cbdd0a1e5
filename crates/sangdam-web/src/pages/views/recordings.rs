//! The recordings a viewer may play, as the recordings page and the aftercare page list them.

use sangdam_store::UserRecord;

use crate::ctx::Ctx;
use crate::error::AppError;
use crate::state::AppState;

/// What a list shows of a recording: id, when, room title, minutes, MB, shared.
pub type Row = (String, String, String, String, String, bool);

/// The stopped recordings `user` may play, as rows.
pub async fn rows_for(state: &AppState, ctx: &Ctx, user: &UserRecord) -> Result<Vec<Row>, AppError> {
    let mut out = Vec::new();
    for rec in state.store.stopped_recordings().await? {
        let Some(room) = state.store.room(&rec.room_id).await? else { continue };
        if !crate::access::may_play_recording(state, user, &rec, &room).await? {
            continue;
        }
        let minutes = rec.duration_ms.map(|d| format!("{:.1}", d as f64 / 60_000.0)).unwrap_or_default();
        let mb = rec.size.map(|s| format!("{:.1}", s as f64 / 1_048_576.0)).unwrap_or_default();
        out.push((
            rec.id,
            ctx.time(rec.started_at.unwrap_or(rec.created_at)),
            room.title,
            minutes,
            mb,
            rec.shared_with_client,
        ));
    }
    Ok(out)
}
