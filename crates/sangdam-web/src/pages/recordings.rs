//! Recordings after the session: the staff's list (the room's counselor; supervisors see all),
//! sharing with the client, and playback in the browser. A recording is a set of parts (each
//! participant's camera and voice, each shared screen); the player shows every picture side by
//! side and plays every voice together on one timeline (`static/player.js`). Each part is
//! decrypted chunk by chunk as it streams, never written out in the clear; every playback is in
//! the audit log.

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use sangdam_domain::Role;
use sangdam_domain::recording::{PartKind, RecordingState};
use sangdam_store::{RecordingRecord, RoomRecord, UserRecord};

use super::views::recordings::{Row, rows_for};
use super::views::{render, see_other};
use crate::auth::audit;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::recording_file::SealedReader;
use crate::state::AppState;

/// The recording and its room, when `ctx`'s viewer may play it (staff need two-factor).
async fn playable(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<(RecordingRecord, RoomRecord, UserRecord), AppError> {
    let v = ctx.signed_in()?;
    if v.user.role.is_staff() {
        ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?;
    }
    let rec =
        state.store.recording(id).await?.filter(|r| r.state == RecordingState::Stopped).ok_or(AppError::NotFound)?;
    let room = state.store.room(&rec.room_id).await?.ok_or(AppError::NotFound)?;
    if !crate::access::may_play_recording(state, &v.user, &rec, &room).await? {
        audit(state, ctx, Some(&v.user), "recording.play", Some(format!("recording:{id}")), "denied").await?;
        return Err(AppError::NotFound);
    }
    Ok((rec, room, v.user.clone()))
}

#[derive(Template)]
#[template(path = "recordings/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<Row>,
    days: u32,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Counselor, Role::Supervisor])?;
    let rows = rows_for(&state, &ctx, &v.user).await?;
    render(&ListPage { ctx: &ctx, rows, days: crate::retention::recording_days(&state).await? })
}

#[derive(Template)]
#[template(path = "recordings/play.html")]
struct PlayPage<'a> {
    ctx: &'a Ctx,
    id: String,
    when: String,
    /// The session room's title (may be empty).
    title: String,
    /// The whole recording's length, in seconds.
    seconds: f64,
    parts: Vec<PlayPart>,
}

/// One picture (and voice) of the player.
struct PlayPart {
    index: i64,
    /// Whose it is: "Kim Seoyeon" or "Kim Seoyeon's screen".
    name: String,
    screen: bool,
    offset: f64,
    seconds: f64,
}

pub async fn play(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> AppResult {
    let (rec, room, _) = playable(&state, &ctx, &id).await?;
    let seconds = rec.duration_ms.unwrap_or(0) as f64 / 1000.0;
    let mut parts = Vec::new();
    for p in state.store.recording_parts(&rec.id).await? {
        let who = state.store.user_by_id(&p.user).await?;
        let who = who.map(|u| u.display_name.as_str().to_owned()).unwrap_or_else(|| ctx.t("recordings-someone"));
        let screen = p.kind == PartKind::Screen;
        let name = if screen { ctx.ta("recordings-screen-of", "name", who) } else { who };
        parts.push(PlayPart {
            index: p.part,
            name,
            screen,
            offset: p.offset_ms as f64 / 1000.0,
            seconds: p.duration_ms as f64 / 1000.0,
        });
    }
    if parts.is_empty() {
        // Recorded before parts existed: one file, every track in it.
        parts.push(PlayPart { index: 0, name: ctx.t("recordings-play"), screen: false, offset: 0.0, seconds });
    }
    render(&PlayPage {
        ctx: &ctx,
        when: ctx.time(rec.started_at.unwrap_or(rec.created_at)),
        id: rec.id,
        title: room.title,
        seconds,
        parts,
    })
}

/// `?part=N`; anything but a part's number is not found.
#[derive(serde::Deserialize)]
pub struct PartQuery {
    part: Option<String>,
}

/// A single byte range from a `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`) within `len`;
/// `Err` when it cannot be served.
fn byte_range(header: &str, len: u64) -> Result<(u64, u64), ()> {
    let spec = header.trim().strip_prefix("bytes=").ok_or(())?;
    if spec.contains(',') || len == 0 {
        return Err(());
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().map_err(|_| ())?;
            (len.saturating_sub(n), len - 1)
        }
        (a, "") => (a.parse().map_err(|_| ())?, len - 1),
        (a, b) => (a.parse().map_err(|_| ())?, b.parse::<u64>().map_err(|_| ())?.min(len - 1)),
    };
    if start > end || start >= len { Err(()) } else { Ok((start, end)) }
}

/// The WebM, decrypted as it streams; a `Range` request (the player seeking) gets just those
/// bytes. Audited once per request.
pub async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PartQuery>,
) -> AppResult {
    let (rec, _, user) = playable(&state, &ctx, &id).await?;
    let part = match q.part.as_deref() {
        None => 0,
        Some(n) => n.parse::<usize>().map_err(|_| AppError::NotFound)?,
    };
    let count = state.store.recording_parts(&rec.id).await?.len().max(1);
    if part >= count {
        return Err(AppError::NotFound);
    }
    let sealed = rec.file_key.as_deref().ok_or(AppError::NotFound)?;
    let key: [u8; 32] = state
        .keys
        .open_at(&sangdam_store::sealed::RECORDING_KEY, &[&rec.id], sealed)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a recording key does not open")))?;
    let name = crate::recording_file::part_name(&rec.id, part);
    let mut reader =
        SealedReader::open(&state.config.recordings_dir, &name, &key).map_err(|e| AppError::Internal(e.into()))?;
    let len = reader.plain_len();
    if len == 0 {
        return Ok(([(header::CONTENT_TYPE, "video/webm")], Body::empty()).into_response());
    }
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(|h| byte_range(h, len));
    let (start, end) = match range {
        None => (0, len.saturating_sub(1)),
        Some(Ok(r)) => r,
        Some(Err(())) => {
            return Ok((
                axum::http::StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{len}"))],
            )
                .into_response());
        }
    };
    audit(&state, &ctx, Some(&user), "recording.play", Some(format!("recording:{}", rec.id)), "ok").await?;
    let mut skip = reader.seek_to(start).map_err(|e| AppError::Internal(e.into()))?;
    let mut left = end + 1 - start;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        while left > 0 {
            let item = match reader.next_chunk() {
                Ok(Some(chunk)) if chunk.is_empty() => break,
                Ok(Some(chunk)) => {
                    let part = &chunk[skip.min(chunk.len())..];
                    let take = part.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    skip = 0;
                    left -= take as u64;
                    Ok(Bytes::copy_from_slice(&part[..take]))
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, "reading a recording failed");
                    left = 0;
                    Err(e)
                }
            };
            if tx.blocking_send(item).is_err() {
                break;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let mut response = (
        [
            (header::CONTENT_TYPE, "video/webm".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::ACCEPT_RANGES, "bytes".to_owned()),
            (header::CONTENT_LENGTH, (end + 1 - start).to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response();
    if range.is_some() {
        *response.status_mut() = axum::http::StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = axum::http::HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
            response.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(response)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShareForm {
    /// `1` to share, `0` to stop sharing: what the button said when it was pressed, so that
    /// pressing it twice is one change.
    shared: String,
}

/// The room's counselor shares the recording with the client, or stops sharing it.
pub async fn share(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    crate::forms::FormData(f): crate::forms::FormData<ShareForm>,
) -> AppResult {
    let v = ctx.client_data_viewer(&[Role::Counselor])?;
    let shared = match f.shared.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::BadRequest("error-form-invalid")),
    };
    let actor = crate::auth::actor_of(&ctx, Some(&v.user));
    match sangdam_app::recordings::set_shared(&state.store, &state.keys, &actor, &id, shared).await {
        Ok(_) => Ok(see_other("/recordings")),
        Err(sangdam_app::recordings::ShareError::NotFound) => Err(AppError::NotFound),
        Err(sangdam_app::recordings::ShareError::Store(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn ranges_are_read_as_players_send_them() {
        assert_eq!(byte_range("bytes=0-", 100), Ok((0, 99)));
        assert_eq!(byte_range("bytes=10-19", 100), Ok((10, 19)));
        assert_eq!(byte_range("bytes=90-500", 100), Ok((90, 99)));
        assert_eq!(byte_range("bytes=-10", 100), Ok((90, 99)));
        assert!(byte_range("bytes=100-", 100).is_err());
        assert!(byte_range("bytes=5-2", 100).is_err());
        assert!(byte_range("bytes=0-1,4-5", 100).is_err());
        assert!(byte_range("items=0-1", 100).is_err());
    }
}
