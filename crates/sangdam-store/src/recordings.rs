//! Recordings and the consents they rest on.

use sangdam_domain::UserId;
use sangdam_domain::recording::{PartKind, RecordingState};
use sqlx::Row;

use crate::{Effects, Result, Store, StoreError, on_backend};

#[derive(Debug, Clone)]
pub struct RecordingRecord {
    pub id: String,
    pub room_id: String,
    pub proposed_by: UserId,
    pub state: RecordingState,
    pub file_key: Option<Vec<u8>>,
    pub size: Option<i64>,
    pub duration_ms: Option<i64>,
    pub shared_with_client: bool,
    pub created_at: i64,
    pub started_at: Option<i64>,
}

/// One file of a stopped recording: a participant's camera and microphone, or a shared screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingPart {
    pub part: i64,
    pub user: UserId,
    pub kind: PartKind,
    /// Where the part begins on the recording's clock.
    pub offset_ms: i64,
    pub duration_ms: i64,
    pub has_audio: bool,
    pub has_video: bool,
}

const COLUMNS: &str =
    "id, room_id, proposed_by, state, file_key, size, duration_ms, shared_with_client, created_at, started_at";

macro_rules! recording_from_row {
    ($r:expr) => {{
        let r = $r;
        let by: String = r.try_get("proposed_by")?;
        RecordingRecord {
            id: r.try_get("id")?,
            room_id: r.try_get("room_id")?,
            proposed_by: UserId::parse(&by).ok_or_else(|| StoreError::Corrupt("recordings.proposed_by".into()))?,
            state: {
                let s: String = r.try_get("state")?;
                RecordingState::parse(&s).ok_or_else(|| StoreError::Corrupt("recordings.state".into()))?
            },
            file_key: r.try_get("file_key")?,
            size: r.try_get("size")?,
            duration_ms: r.try_get("duration_ms")?,
            shared_with_client: r.try_get("shared_with_client")?,
            created_at: r.try_get("created_at")?,
            started_at: r.try_get("started_at")?,
        }
    }};
}

impl Store {
    pub async fn propose_recording(&self, id: &str, room: &str, by: &UserId, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("INSERT INTO recordings (id, room_id, proposed_by, state, created_at) VALUES ($1, $2, $3, 'proposed', $4)")
                .bind(id)
                .bind(room)
                .bind(by.as_str())
                .bind(now)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    pub async fn record_consent(&self, recording: &str, user: &UserId, agreed: bool, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("INSERT INTO recording_consents (recording_id, user_id, agreed, at) VALUES ($1, $2, $3, $4)")
                .bind(recording)
                .bind(user.as_str())
                .bind(agreed)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Every consent row of a recording, oldest first: (user, agreed, at).
    pub async fn recording_consents(&self, recording: &str) -> Result<Vec<(UserId, bool, i64)>> {
        on_backend!(self, |pool| {
            let rows =
                sqlx::query("SELECT user_id, agreed, at FROM recording_consents WHERE recording_id = $1 ORDER BY at")
                    .bind(recording)
                    .fetch_all(pool)
                    .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let u: String = r.try_get("user_id")?;
                out.push((
                    UserId::parse(&u).ok_or_else(|| StoreError::Corrupt("recording_consents.user_id".into()))?,
                    r.try_get("agreed")?,
                    r.try_get("at")?,
                ));
            }
            Ok(out)
        })
    }

    pub async fn recording_started(&self, id: &str, file_key: &[u8], now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE recordings SET state = 'recording', file_key = $1, started_at = $2 WHERE id = $3 AND state = 'proposed'")
                .bind(file_key)
                .bind(now)
                .bind(id)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Ends a proposal or a recording: declined, stopped or failed (anything else is refused as
    /// [`StoreError::Conflict`]).
    pub async fn recording_ended(
        &self,
        id: &str,
        state: RecordingState,
        size: Option<i64>,
        duration_ms: Option<i64>,
        delete_after: Option<i64>,
        now: i64,
    ) -> Result<()> {
        if !state.is_end() {
            return Err(StoreError::Conflict);
        }
        on_backend!(self, |pool| {
            sqlx::query(
                "UPDATE recordings SET state = $1, size = $2, duration_ms = $3, \
                 delete_after = COALESCE(delete_after, $4), stopped_at = $5 \
                 WHERE id = $6 AND state IN ('proposed', 'recording')",
            )
            .bind(state.as_str())
            .bind(size)
            .bind(duration_ms)
            .bind(delete_after)
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Ends a recording that was written: its size and length, and every part, in one transaction.
    pub async fn recording_stopped(
        &self,
        id: &str,
        size: Option<i64>,
        duration_ms: Option<i64>,
        parts: &[RecordingPart],
        now: i64,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE recordings SET state = 'stopped', size = $1, duration_ms = $2, stopped_at = $3 \
                 WHERE id = $4 AND state = 'recording'",
            )
            .bind(size)
            .bind(duration_ms)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict);
            }
            for p in parts {
                sqlx::query(
                    "INSERT INTO recording_parts (recording_id, part, user_id, kind, offset_ms, duration_ms, has_audio, has_video) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(p.part)
                .bind(p.user.as_str())
                .bind(p.kind.as_str())
                .bind(p.offset_ms)
                .bind(p.duration_ms)
                .bind(p.has_audio)
                .bind(p.has_video)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// A recording's parts in order; empty for a recording of one file made before parts existed.
    pub async fn recording_parts(&self, id: &str) -> Result<Vec<RecordingPart>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT part, user_id, kind, offset_ms, duration_ms, has_audio, has_video FROM recording_parts \
                 WHERE recording_id = $1 ORDER BY part",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let u: String = r.try_get("user_id")?;
                out.push(RecordingPart {
                    part: r.try_get("part")?,
                    user: UserId::parse(&u).ok_or_else(|| StoreError::Corrupt("recording_parts.user_id".into()))?,
                    kind: {
                        let k: String = r.try_get("kind")?;
                        PartKind::parse(&k).ok_or_else(|| StoreError::Corrupt("recording_parts.kind".into()))?
                    },
                    offset_ms: r.try_get("offset_ms")?,
                    duration_ms: r.try_get("duration_ms")?,
                    has_audio: r.try_get("has_audio")?,
                    has_video: r.try_get("has_video")?,
                });
            }
            Ok(out)
        })
    }

    /// Recordings a stopped server left `proposed` or `recording` (rooms live in memory): marked
    /// failed and due for deletion, so no file outlives its retention. Run at start-up.
    pub async fn fail_stale_recordings(&self, now: i64) -> Result<u64> {
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "UPDATE recordings SET state = 'failed', stopped_at = $1, delete_after = $1 \
                 WHERE state IN ('proposed', 'recording')",
            )
            .bind(now)
            .execute(pool)
            .await?;
            Ok(done.rows_affected())
        })
    }

    pub async fn recording(&self, id: &str) -> Result<Option<RecordingRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM recordings WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(recording_from_row!(r)),
                None => None,
            })
        })
    }

    /// Every stopped recording, newest first.
    pub async fn stopped_recordings(&self) -> Result<Vec<RecordingRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM recordings WHERE state = 'stopped' ORDER BY created_at DESC LIMIT 1000"
            ))
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(recording_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Shares a stopped recording with the client or stops sharing it, with what follows (its
    /// audit entry). `false`, and nothing written, when it was so already or is not stopped: the
    /// same request sent twice is one change.
    pub async fn set_recording_shared(&self, id: &str, shared: bool, now: i64, effects: &Effects) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query(
                "UPDATE recordings SET shared_with_client = $1 WHERE id = $2 AND state = 'stopped' AND shared_with_client <> $1",
            )
            .bind(shared)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if changed {
                crate::effects::write_effects!(&mut tx, effects, now);
            }
            tx.commit().await?;
            Ok(changed)
        })
    }

    /// Recordings to delete: stopped before `stopped_before` (the retention in force), or due by an
    /// explicit `delete_after` (a client deleted their account; a failed recording).
    pub async fn recordings_due_for_deletion(&self, now: i64, stopped_before: i64) -> Result<Vec<String>> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT id FROM recordings WHERE state IN ('stopped', 'failed') \
                 AND (delete_after <= $1 OR stopped_at < $2)",
            )
            .bind(now)
            .bind(stopped_before)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Marks a recording deleted and destroys its key (after its file is gone).
    /// The files are gone: the key is destroyed and the list of parts (who was in it, for how
    /// long) goes with them, in one transaction.
    pub async fn recording_deleted(&self, id: &str) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM recording_parts WHERE recording_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("UPDATE recordings SET state = 'deleted', file_key = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
