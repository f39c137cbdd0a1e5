//! Recording with consent, in the room. A host proposes; every participant in the room is asked
//! and answers; the recording starts only when everyone present has agreed (each answer is stored).
//! Everyone sees the indicator while it runs. Anyone can withdraw, which stops it at once; a
//! person who joins while it runs has not agreed, so it stops too. The SFU writes the audio and
//! video into encrypted files (`recording_file`), one per participant and one per shared screen;
//! their key is sealed in the database, and the parts are listed when the recording stops.

use std::collections::HashSet;

use sangdam_domain::UserId;
use sangdam_domain::recording::{PartKind as RecordPartKind, RecordingState};
use sangdam_media::PartKind;
use sangdam_store::{RecordingPart, RoomRecord};

use super::hub::RecState;
use super::{Entrant, RoomState, ServerMsg, error};
use crate::crypto::random;
use crate::recording_file::PartFiles;
use crate::state::AppState;

fn present(s: &RoomState) -> HashSet<UserId> {
    s.conns.values().filter(|c| c.admitted).map(|c| c.user.clone()).collect()
}

/// What a (re)connecting participant is told about recording: that it runs, or, when they have
/// not answered a proposal yet, the question.
pub(super) fn status_for(s: &RoomState, user: &UserId) -> Option<ServerMsg> {
    let r = s.recording.as_ref()?;
    if r.on {
        Some(ServerMsg::Recording { on: true, reason: None })
    } else if !r.agreed.contains(user) {
        Some(ServerMsg::RecordingAsked { id: r.id.clone() })
    } else {
        None
    }
}

pub(super) async fn propose(
    state: &AppState,
    room: &RoomRecord,
    s: &mut RoomState,
    conn: u64,
    who: &Entrant,
) -> anyhow::Result<()> {
    if s.recording.is_some() {
        s.send(conn, error(&who.tr, "error-recording-busy"));
        return Ok(());
    }
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let now = state.clock.now();
    state.store.propose_recording(&id, &room.id, &who.user, now).await?;
    state.store.record_consent(&id, &who.user, true, now).await?;
    s.recording = Some(RecState { id: id.clone(), on: false, agreed: HashSet::from([who.user.clone()]) });
    // Everyone but the proposer, who agreed by proposing, is asked.
    let others: Vec<u64> =
        s.conns.iter().filter(|(_, c)| c.admitted && c.user != who.user).map(|(id, _)| *id).collect();
    for other in others {
        s.send(other, ServerMsg::RecordingAsked { id: id.clone() });
    }
    maybe_start(state, room, s).await
}

/// An answer to the proposal: agreeing may start the recording; refusing ends the proposal.
pub(super) async fn consent(
    state: &AppState,
    room: &RoomRecord,
    s: &mut RoomState,
    conn: u64,
    who: &Entrant,
    agree: bool,
    proposal: Option<&str>,
) -> anyhow::Result<()> {
    // An answer names the proposal it answers, so a late answer cannot count for a newer one.
    let current = |r: &&mut RecState| !r.on && proposal.is_none_or(|p| p == r.id);
    let Some(r) = s.recording.as_mut().filter(current) else {
        s.send(conn, error(&who.tr, "error-recording-none"));
        return Ok(());
    };
    state.store.record_consent(&r.id, &who.user, agree, state.clock.now()).await?;
    if agree {
        r.agreed.insert(who.user.clone());
        maybe_start(state, room, s).await
    } else {
        end(state, room, s, "declined").await
    }
}

/// Anyone withdraws consent: the recording (or the proposal) ends at once.
pub(super) async fn withdraw(
    state: &AppState,
    room: &RoomRecord,
    s: &mut RoomState,
    who: &Entrant,
) -> anyhow::Result<()> {
    let Some(r) = &s.recording else { return Ok(()) };
    state.store.record_consent(&r.id, &who.user, false, state.clock.now()).await?;
    end(state, room, s, "withdrawn").await
}

/// Someone new is in the room: they have not agreed to a recording that runs.
pub(super) async fn joined(
    state: &AppState,
    room: &RoomRecord,
    s: &mut RoomState,
    user: &UserId,
) -> anyhow::Result<()> {
    match &s.recording {
        Some(r) if r.on && !r.agreed.contains(user) => end(state, room, s, "joined").await,
        _ => Ok(()),
    }
}

async fn maybe_start(state: &AppState, room: &RoomRecord, s: &mut RoomState) -> anyhow::Result<()> {
    let Some(r) = s.recording.as_ref() else { return Ok(()) };
    if r.on || !present(s).is_subset(&r.agreed) {
        return Ok(());
    }
    let id = r.id.clone();
    let key = random::<32>();
    let sinks = match PartFiles::create(&state.config.recordings_dir, &id, &key) {
        Ok(w) => w,
        Err(e) => {
            tracing::error!(error = %e, "creating a recording file failed");
            return end(state, room, s, "failed").await;
        }
    };
    // The sealed key is stored before anything is written, so no file exists without its key.
    state
        .store
        .recording_started(
            &id,
            &state.keys.seal_at(&sangdam_store::sealed::RECORDING_KEY, &[&id], &key),
            state.clock.now(),
        )
        .await?;
    if !state.media.start_recording(&room.id, Box::new(sinks)).await {
        let now = state.clock.now();
        state.store.recording_ended(&id, RecordingState::Failed, None, None, Some(now), now).await?;
        s.recording = None;
        s.broadcast(&ServerMsg::Recording { on: false, reason: Some("failed") }, true, None);
        return Ok(());
    }
    if let Some(r) = s.recording.as_mut() {
        r.on = true;
    }
    s.broadcast(&ServerMsg::Recording { on: true, reason: None }, true, None);
    Ok(())
}

/// Ends the proposal or the recording, for `reason` (shown to everyone).
pub(super) async fn end(
    state: &AppState,
    room: &RoomRecord,
    s: &mut RoomState,
    reason: &'static str,
) -> anyhow::Result<()> {
    let Some(r) = s.recording.take() else { return Ok(()) };
    let now = state.clock.now();
    if r.on {
        match state.media.stop_recording(&room.id).await {
            Some(Ok(report)) if !report.parts.is_empty() => {
                let dir = &state.config.recordings_dir;
                let mut size = 0;
                let mut parts = Vec::with_capacity(report.parts.len());
                for (i, p) in report.parts.iter().enumerate() {
                    let name = crate::recording_file::part_name(&r.id, i);
                    size += std::fs::metadata(crate::recording_file::path(dir, &name)).map_or(0, |m| m.len() as i64);
                    let Some(user) = UserId::parse(&p.part.label) else { continue };
                    parts.push(RecordingPart {
                        part: i as i64,
                        user,
                        kind: if p.part.kind == PartKind::Screen {
                            RecordPartKind::Screen
                        } else {
                            RecordPartKind::Person
                        },
                        offset_ms: i64::try_from(p.offset_ms).unwrap_or(i64::MAX),
                        duration_ms: i64::try_from(p.duration_ms).unwrap_or(i64::MAX),
                        has_audio: p.audio,
                        has_video: p.video,
                    });
                }
                let duration = i64::try_from(report.duration_ms).ok();
                // Deleted once older than the retention in force (`sangdam_app::recordings::delete_expired`).
                state.store.recording_stopped(&r.id, Some(size), duration, &parts, now).await?;
            }
            Some(Ok(_)) => {
                // Nobody's camera or microphone reached the server while it ran: nothing to keep.
                tracing::info!("a recording ended with nothing recorded");
                state.store.recording_ended(&r.id, RecordingState::Failed, None, None, Some(now), now).await?;
            }
            other => {
                tracing::error!(error = ?other.map(|r| r.err()), "finishing a recording failed");
                state.store.recording_ended(&r.id, RecordingState::Failed, None, None, Some(now), now).await?;
            }
        }
    } else {
        state.store.recording_ended(&r.id, RecordingState::Declined, None, None, None, now).await?;
    }
    s.broadcast(&ServerMsg::Recording { on: false, reason: Some(reason) }, true, None);
    Ok(())
}
