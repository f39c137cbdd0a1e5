//! Counselors' forms, their assignments, the requests they make of clients, and the sealed
//! responses.

use sangdam_domain::UserId;
use sqlx::Row;

use crate::{Result, Store, StoreError, on_backend};

#[derive(Debug, Clone)]
pub struct FormRecord {
    pub id: String,
    pub owner_id: UserId,
    /// The form as JSON (`sangdam_domain::form::FormSpec`).
    pub spec: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: String,
    pub counselor_id: UserId,
    /// `phq9`, `gad7` or `form:<id>`.
    pub form_ref: String,
    /// `None`: intake; `Some(n)`: every n completed sessions.
    pub every_n: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct FormRequest {
    pub id: String,
    pub client_id: UserId,
    pub counselor_id: UserId,
    pub form_ref: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct FormResponse {
    pub id: String,
    pub form_id: String,
    /// The form as the client answered it (JSON); `None` only for responses from before it was kept.
    pub spec: Option<String>,
    pub answers: Vec<u8>,
    pub submitted_at: i64,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("forms.{what}"))
}

fn user(s: String, what: &str) -> Result<UserId> {
    UserId::parse(&s).ok_or_else(|| corrupt(what))
}

macro_rules! form_from_row {
    ($r:expr) => {{
        let r = $r;
        FormRecord {
            id: r.try_get("id")?,
            owner_id: user(r.try_get("owner_id")?, "owner_id")?,
            spec: r.try_get("spec")?,
            updated_at: r.try_get("updated_at")?,
        }
    }};
}

macro_rules! request_from_row {
    ($r:expr) => {{
        let r = $r;
        FormRequest {
            id: r.try_get("id")?,
            client_id: user(r.try_get("client_id")?, "client_id")?,
            counselor_id: user(r.try_get("counselor_id")?, "counselor_id")?,
            form_ref: r.try_get("form_ref")?,
            created_at: r.try_get("created_at")?,
            completed_at: r.try_get("completed_at")?,
        }
    }};
}

impl Store {
    /// Creates or replaces one of `owner`'s forms, with `effects`; false when the id belongs to
    /// someone else, [`StoreError::LimitReached`] when a new form would pass `max` forms of theirs.
    /// Saves of one counselor's forms run one at a time, so a burst of new forms stops at `max`.
    pub async fn save_form(
        &self,
        id: &str,
        owner: &UserId,
        spec: &str,
        max: usize,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO throttle_locks (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = excluded.at",
            )
            .bind(format!("forms:{}", owner.as_str()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let owner_of: Option<String> = sqlx::query_scalar("SELECT owner_id FROM forms WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            match owner_of {
                Some(o) if o != owner.as_str() => return Ok(false),
                Some(_) => {
                    sqlx::query("UPDATE forms SET spec = $1, updated_at = $2 WHERE id = $3")
                        .bind(spec)
                        .bind(now)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {
                    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM forms WHERE owner_id = $1")
                        .bind(owner.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                    if held >= max as i64 {
                        return Err(StoreError::LimitReached);
                    }
                    sqlx::query(
                        "INSERT INTO forms (id, owner_id, spec, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
                    )
                    .bind(id)
                    .bind(owner.as_str())
                    .bind(spec)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    pub async fn form(&self, id: &str) -> Result<Option<FormRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query("SELECT id, owner_id, spec, updated_at FROM forms WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                None => None,
                Some(r) => Some(form_from_row!(r)),
            })
        })
    }

    pub async fn counselor_forms(&self, owner: &UserId) -> Result<Vec<FormRecord>> {
        on_backend!(self, |pool| {
            let rows =
                sqlx::query("SELECT id, owner_id, spec, updated_at FROM forms WHERE owner_id = $1 ORDER BY created_at")
                    .bind(owner.as_str())
                    .fetch_all(pool)
                    .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(form_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Adds an assignment with `effects`; [`StoreError::Conflict`] when the same one exists (one
    /// per form and mode, so a counselor's forms bound their assignments).
    pub async fn add_assignment(&self, a: &Assignment, now: i64, effects: &crate::Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO form_assignments (id, counselor_id, form_ref, mode, every_n, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&a.id)
            .bind(a.counselor_id.as_str())
            .bind(&a.form_ref)
            .bind(if a.every_n.is_some() { "every" } else { "intake" })
            .bind(a.every_n)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Deletes one of `counselor`'s assignments with `effects`; false when they hold none by that id.
    pub async fn delete_assignment(
        &self,
        id: &str,
        counselor: &UserId,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("DELETE FROM form_assignments WHERE id = $1 AND counselor_id = $2")
                .bind(id)
                .bind(counselor.as_str())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    pub async fn assignments(&self, counselor: &UserId) -> Result<Vec<Assignment>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, counselor_id, form_ref, every_n FROM form_assignments WHERE counselor_id = $1 ORDER BY created_at",
            )
            .bind(counselor.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let every: Option<i32> = r.try_get("every_n")?;
                out.push(Assignment {
                    id: r.try_get("id")?,
                    counselor_id: user(r.try_get("counselor_id")?, "counselor_id")?,
                    form_ref: r.try_get("form_ref")?,
                    every_n: every.map(i64::from),
                });
            }
            Ok(out)
        })
    }

    /// Asks a client to fill in a form for a reason; false when it was already asked for it.
    /// Asks a client for a form once per `reason_key`: the request stored now, or the one stored
    /// for the same reason before. Returns its id and whether it is still unanswered, so whatever
    /// follows it (the mail) can be done again, idempotently, after a crash in between.
    pub async fn request_form(&self, r: &FormRequest, reason_key: &str) -> Result<(String, bool)> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO form_requests (id, client_id, counselor_id, form_ref, reason_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (client_id, counselor_id, form_ref, reason_key) DO NOTHING",
            )
            .bind(&r.id)
            .bind(r.client_id.as_str())
            .bind(r.counselor_id.as_str())
            .bind(&r.form_ref)
            .bind(reason_key)
            .bind(r.created_at)
            .execute(pool)
            .await?;
            let row = sqlx::query(
                "SELECT id, completed_at FROM form_requests \
                 WHERE client_id = $1 AND counselor_id = $2 AND form_ref = $3 AND reason_key = $4",
            )
            .bind(r.client_id.as_str())
            .bind(r.counselor_id.as_str())
            .bind(&r.form_ref)
            .bind(reason_key)
            .fetch_one(pool)
            .await?;
            let completed: Option<i64> = row.try_get("completed_at")?;
            Ok((row.try_get("id")?, completed.is_none()))
        })
    }

    pub async fn form_request(&self, id: &str) -> Result<Option<FormRequest>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(
                "SELECT id, client_id, counselor_id, form_ref, created_at, completed_at FROM form_requests WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(r) => Some(request_from_row!(r)),
                None => None,
            })
        })
    }

    /// A client's requests not yet answered, oldest first.
    pub async fn open_form_requests(&self, client: &UserId) -> Result<Vec<FormRequest>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, client_id, counselor_id, form_ref, created_at, completed_at FROM form_requests \
                 WHERE client_id = $1 AND completed_at IS NULL ORDER BY created_at",
            )
            .bind(client.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(request_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Marks a client's open requests for a built-in questionnaire as answered.
    pub async fn complete_form_requests(&self, client: &UserId, form_ref: &str, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "UPDATE form_requests SET completed_at = $1 WHERE client_id = $2 AND form_ref = $3 AND completed_at IS NULL",
            )
            .bind(now)
            .bind(client.as_str())
            .bind(form_ref)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Stores the answers to a request and closes it, with the crisis event its free text raises
    /// and `effects` (its audit entry), in one transaction; false when the request was answered
    /// meanwhile (and nothing is written).
    pub async fn answer_form_request(
        &self,
        request: &FormRequest,
        response: &FormResponse,
        crisis: Option<&crate::CrisisWrite>,
        effects: &crate::Effects,
    ) -> Result<bool> {
        crate::crisis::check_write(crisis)?;
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("UPDATE form_requests SET completed_at = $1 WHERE id = $2 AND completed_at IS NULL")
                .bind(response.submitted_at)
                .bind(&request.id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO form_responses (id, request_id, client_id, form_id, answers, submitted_at, spec) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&response.id)
            .bind(&request.id)
            .bind(request.client_id.as_str())
            .bind(&response.form_id)
            .bind(&response.answers)
            .bind(response.submitted_at)
            .bind(&response.spec)
            .execute(&mut *tx)
            .await?;
            if let Some(w) = crisis {
                crate::crisis::raise_crisis_in!(&mut tx, w);
            }
            crate::effects::write_effects!(&mut tx, effects, response.submitted_at);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// A client's answers to own forms, newest first.
    pub async fn client_form_responses(&self, client: &UserId) -> Result<Vec<FormResponse>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, form_id, answers, submitted_at, spec FROM form_responses WHERE client_id = $1 \
                 ORDER BY submitted_at DESC",
            )
            .bind(client.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(FormResponse {
                    id: r.try_get("id")?,
                    form_id: r.try_get("form_id")?,
                    answers: r.try_get("answers")?,
                    submitted_at: r.try_get("submitted_at")?,
                    spec: r.try_get("spec")?,
                });
            }
            Ok(out)
        })
    }

    /// How many sessions with `counselor` the client has completed.
    /// How many sessions of this client with this counselor were completed, counting those that
    /// started no later than `until` (the session just completed): the same answer whenever it is
    /// asked, so the "every N sessions" request it names is the same after a retry.
    pub async fn completed_sessions(&self, client: &UserId, counselor: &UserId, until: i64) -> Result<i64> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM appointments WHERE client_id = $1 AND counselor_id = $2 AND status = 'completed' \
                 AND starts_at <= $3",
            )
            .bind(client.as_str())
            .bind(counselor.as_str())
            .bind(until)
            .fetch_one(pool)
            .await?)
        })
    }
}
