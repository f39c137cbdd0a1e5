//! Crisis events: a client's message that speaks of suicide or self-harm, from any place they
//! write (a chat, a session room, a message thread, a form, a booking's reason). One event is open
//! per place at a time (a unique partial index), raised to `high` by a later, more urgent message;
//! the counselor's risk check and the closing outcome are written on it. Who and where are sealed
//! (`sealed`); places and clients are found by keyed hashes the web layer computes.

use sangdam_domain::UserId;
use sqlx::Row;

use crate::{Effects, Result, Store, StoreError, on_backend};

pub(crate) fn check_write(w: Option<&CrisisWrite>) -> Result<()> {
    w.map_or(Ok(()), CrisisWrite::check)
}

/// Where a crisis message was written.
pub const CRISIS_SOURCES: &[&str] = &["chat", "room", "message", "form", "booking"];
/// How an event may be closed.
pub const CRISIS_OUTCOMES: &[&str] =
    &["safety_plan", "emergency_services", "referred", "no_risk", "lost_contact", "other"];

/// An event to raise, with what its write carries: the ids of its alert job and the key of the
/// audit chain. Written by [`Store::raise_crisis`], or inside another write's transaction (a chat
/// message, a secure message, a form answer, a booking) so the message and its event commit
/// together.
#[derive(Debug, Clone)]
pub struct CrisisWrite {
    pub id: String,
    pub source: String,
    /// Keyed hash of the place (source and its id): one open event per place.
    pub source_key: String,
    /// Keyed hash of the client's id, for a signed-in client.
    pub client_key: Option<String>,
    /// 1 concern, 2 high.
    pub level: i64,
    pub sealed: Vec<u8>,
    pub now: i64,
    /// The chat whose queue order the level sets, when the place is a chat.
    pub chat: Option<String>,
    /// The alert job written with a new or raised event (its payload names the event).
    pub job_id: String,
    pub job_kind: String,
    pub chain_key: sangdam_domain::audit::ChainKey,
}

impl CrisisWrite {
    pub(crate) fn check(&self) -> Result<()> {
        if !CRISIS_SOURCES.contains(&self.source.as_str()) || !(1..=2).contains(&self.level) {
            return Err(StoreError::Invalid("crisis event".into()));
        }
        Ok(())
    }

    /// What follows a new (`crisis.detect`) or raised (`crisis.raise`) event `id`: its audit
    /// entry, naming the event only, and its alert job.
    pub(crate) fn effects(&self, id: &str, new: bool) -> Effects {
        let level = if self.level >= 2 { "high" } else { "concern" };
        let action = if new { "crisis.detect" } else { "crisis.raise" };
        let audit = crate::AuditEvent::by_the_product(self.now, action, Some(format!("crisis:{id}")), level);
        let job = crate::NewJob {
            id: self.job_id.clone(),
            kind: self.job_kind.clone(),
            payload: serde_json::json!({ "event": id }).to_string(),
            key: format!("crisis-alert:{id}:{level}"),
            run_at: self.now,
        };
        Effects::audited(audit, self.chain_key.clone()).with_job(job)
    }
}

/// Raises a crisis event inside an open transaction (`$tx`, a `&mut Transaction`); evaluates to
/// the [`CrisisRaised`]. The chat's queue level rises first (a write, so SQLite's lock is taken
/// before the event is looked at); then a new event, or the open one raised, with its effects; an
/// open event at the same or a higher level writes nothing more.
macro_rules! raise_crisis_in {
    ($tx:expr, $w:expr) => {{
        let w: &$crate::CrisisWrite = $w;
        let tx = $tx;
        if let Some(chat) = &w.chat {
            sqlx::query(
                "UPDATE chats SET risk = CASE WHEN risk < $1 THEN $1 ELSE risk END WHERE id = $2 AND status <> 'closed'",
            )
            .bind(w.level)
            .bind(chat)
            .execute(&mut **tx)
            .await?;
        }
        // On PostgreSQL each statement sees what committed before it: an open event may be closed
        // between them, so a miss goes round again (the insert then succeeds).
        let mut attempt = 0;
        loop {
            attempt += 1;
            let inserted = sqlx::query(
                "INSERT INTO crisis_events (id, source, source_key, client_key, level, sealed, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source_key) WHERE closed_at IS NULL DO NOTHING",
            )
            .bind(&w.id)
            .bind(&w.source)
            .bind(&w.source_key)
            .bind(&w.client_key)
            .bind(w.level)
            .bind(&w.sealed)
            .bind(w.now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                let e = w.effects(&w.id, true);
                $crate::effects::write_effects!(&mut *tx, &e, w.now);
                break $crate::CrisisRaised::New(w.id.clone());
            }
            let up = sqlx::query(
                "UPDATE crisis_events SET level = $1 WHERE source_key = $2 AND closed_at IS NULL AND level < $1 RETURNING id",
            )
            .bind(w.level)
            .bind(&w.source_key)
            .fetch_optional(&mut **tx)
            .await?;
            if let Some(r) = up {
                let id: String = sqlx::Row::try_get(&r, "id")?;
                let e = w.effects(&id, false);
                $crate::effects::write_effects!(&mut *tx, &e, w.now);
                break $crate::CrisisRaised::Raised(id);
            }
            let open: Option<String> =
                sqlx::query_scalar("SELECT id FROM crisis_events WHERE source_key = $1 AND closed_at IS NULL")
                    .bind(&w.source_key)
                    .fetch_optional(&mut **tx)
                    .await?;
            if let Some(id) = open {
                break $crate::CrisisRaised::Same(id);
            }
            if attempt >= 3 {
                return Err($crate::StoreError::Conflict);
            }
        }
    }};
}
pub(crate) use raise_crisis_in;

/// What raising did: a new event, an open one raised to a higher level, or an open one left as
/// it was (nothing more to tell anyone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrisisRaised {
    New(String),
    Raised(String),
    Same(String),
}

impl CrisisRaised {
    pub fn id(&self) -> &str {
        match self {
            CrisisRaised::New(id) | CrisisRaised::Raised(id) | CrisisRaised::Same(id) => id,
        }
    }

    /// A new event, or one raised to high: its alert job was written and should run.
    pub fn alerts(&self) -> bool {
        !matches!(self, CrisisRaised::Same(_))
    }
}

#[derive(Debug, Clone)]
pub struct CrisisRecord {
    pub id: String,
    pub source: String,
    pub level: i64,
    pub sealed: Vec<u8>,
    pub created_at: i64,
    pub assessment: Option<Vec<u8>>,
    pub assessed_by: Option<UserId>,
    pub assessed_at: Option<i64>,
    pub closed_by: Option<UserId>,
    pub closed_at: Option<i64>,
    pub outcome: Option<String>,
}

const COLUMNS: &str =
    "id, source, level, sealed, created_at, assessment, assessed_by, assessed_at, closed_by, closed_at, outcome";

fn uid(v: Option<String>) -> Result<Option<UserId>> {
    v.map(|s| UserId::parse(&s).ok_or_else(|| StoreError::Corrupt("crisis_events user".into()))).transpose()
}

macro_rules! crisis_from_row {
    ($r:expr) => {{
        let r = $r;
        CrisisRecord {
            id: r.try_get("id")?,
            source: r.try_get("source")?,
            level: r.try_get("level")?,
            sealed: r.try_get("sealed")?,
            created_at: r.try_get("created_at")?,
            assessment: r.try_get("assessment")?,
            assessed_by: uid(r.try_get("assessed_by")?)?,
            assessed_at: r.try_get("assessed_at")?,
            closed_by: uid(r.try_get("closed_by")?)?,
            closed_at: r.try_get("closed_at")?,
            outcome: r.try_get("outcome")?,
        }
    }};
}

impl Store {
    /// Raises a crisis event on its own (see [`CrisisWrite`]): a new event or the open one
    /// raised, with its audit entry and alert job, in one transaction.
    pub async fn raise_crisis(&self, w: &CrisisWrite) -> Result<CrisisRaised> {
        w.check()?;
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let raised = raise_crisis_in!(&mut tx, w);
            tx.commit().await?;
            Ok(raised)
        })
    }

    /// Open events, the most urgent and oldest first.
    pub async fn open_crisis_events(&self) -> Result<Vec<CrisisRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM crisis_events WHERE closed_at IS NULL ORDER BY level DESC, created_at, id LIMIT 500"
            ))
            .fetch_all(pool)
            .await?;
            rows.into_iter().map(|r| Ok(crisis_from_row!(r))).collect()
        })
    }

    pub async fn crisis_event(&self, id: &str) -> Result<Option<CrisisRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM crisis_events WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            row.map(|r| Ok(crisis_from_row!(r))).transpose()
        })
    }

    /// A client's events (by the keyed hash of their id), newest first.
    pub async fn crisis_events_of(&self, client_key: &str) -> Result<Vec<CrisisRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM crisis_events WHERE client_key = $1 ORDER BY created_at DESC, id LIMIT 200"
            ))
            .bind(client_key)
            .fetch_all(pool)
            .await?;
            rows.into_iter().map(|r| Ok(crisis_from_row!(r))).collect()
        })
    }

    /// The open event of a place, if any.
    pub async fn open_crisis_at(&self, source_key: &str) -> Result<Option<CrisisRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM crisis_events WHERE source_key = $1 AND closed_at IS NULL"
            ))
            .bind(source_key)
            .fetch_optional(pool)
            .await?;
            row.map(|r| Ok(crisis_from_row!(r))).transpose()
        })
    }

    /// Writes (or rewrites) the risk check on an open event, with its audit entry. `false` when
    /// the event is closed or gone.
    pub async fn assess_crisis(
        &self,
        id: &str,
        sealed: &[u8],
        by: &UserId,
        now: i64,
        effects: &Effects,
    ) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE crisis_events SET assessment = $1, assessed_by = $2, assessed_at = $3 \
                 WHERE id = $4 AND closed_at IS NULL",
            )
            .bind(sealed)
            .bind(by.as_str())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                crate::effects::write_effects!(&mut tx, effects, now);
            }
            tx.commit().await?;
            Ok(done == 1)
        })
    }

    /// Closes an open event with its outcome and audit entry, and (`chat`: the place was a chat)
    /// the chat's queue level with it. `false` when it was closed already.
    pub async fn close_crisis(
        &self,
        id: &str,
        outcome: &str,
        by: &UserId,
        now: i64,
        chat: Option<&str>,
        effects: &Effects,
    ) -> Result<bool> {
        if !CRISIS_OUTCOMES.contains(&outcome) {
            return Err(StoreError::Invalid("crisis outcome".into()));
        }
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE crisis_events SET outcome = $1, closed_by = $2, closed_at = $3 WHERE id = $4 AND closed_at IS NULL",
            )
            .bind(outcome)
            .bind(by.as_str())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                if let Some(chat) = chat {
                    sqlx::query("UPDATE chats SET risk = 0 WHERE id = $1").bind(chat).execute(&mut *tx).await?;
                }
                crate::effects::write_effects!(&mut tx, effects, now);
            }
            tx.commit().await?;
            Ok(done == 1)
        })
    }
}
