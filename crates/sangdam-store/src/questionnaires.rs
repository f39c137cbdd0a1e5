//! Questionnaire responses and the risk alerts they raise. A response and its alert are written in
//! one transaction, so a risk answer is never stored without its alert.
//!
//! Nothing here tells a copy of the database who reported what: the answers are sealed (the
//! total, band and risk flag are computed from them by the web layer; their columns hold neutral
//! values), and a risk alert (`risk_flags`) holds its client and time sealed, with keyed hashes of
//! the client's and the response's ids for the few lookups it needs. At most one alert per client
//! is open at a time: a risk answer while one is open adds no second alert (and no second mail).

use sangdam_domain::UserId;
use sangdam_domain::questionnaire::Instrument;
use sqlx::Row;

use crate::{Result, Store, StoreError, on_backend};

/// A response to store. `answers` is sealed by the web layer.
#[derive(Debug, Clone)]
pub struct NewResponse<'a> {
    pub id: &'a str,
    pub client_id: &'a UserId,
    pub instrument: Instrument,
    pub answers: &'a [u8],
    /// The alert to raise with it, when the answers show a risk.
    pub risk: Option<NewRiskFlag<'a>>,
    pub now: i64,
}

/// A risk alert to raise: its id, the keyed hashes of the response's and the client's ids, and
/// the sealed client id and time.
#[derive(Debug, Clone, Copy)]
pub struct NewRiskFlag<'a> {
    pub id: &'a str,
    pub response_key: &'a str,
    pub client_key: &'a str,
    pub sealed: &'a [u8],
}

/// What storing a response did about its risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskRaised {
    /// No risk in the answers.
    None,
    /// A new alert was raised.
    New,
    /// An alert for this client is still open; none was added.
    AlreadyOpen,
}

#[derive(Debug, Clone)]
pub struct ResponseRecord {
    pub id: String,
    pub instrument: Instrument,
    /// Sealed; the total, band and risk follow from them.
    pub answers: Vec<u8>,
    pub submitted_at: i64,
}

/// An open risk alert, as stored: the web layer opens `sealed` for the client and the time.
#[derive(Debug, Clone)]
pub struct RiskFlag {
    pub id: String,
    pub sealed: Vec<u8>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("questionnaires.{what}"))
}

macro_rules! response_from_row {
    ($r:expr) => {{
        let r = $r;
        let instrument: String = r.try_get("instrument")?;
        ResponseRecord {
            id: r.try_get("id")?,
            instrument: Instrument::parse(&instrument).ok_or_else(|| corrupt("instrument"))?,
            answers: r.try_get("answers")?,
            submitted_at: r.try_get("submitted_at")?,
        }
    }};
}

impl Store {
    /// Stores a response, and its risk alert when it has one and no alert of the client is open,
    /// in one transaction (which updates the client's row first, so two risk answers at once
    /// cannot both raise one). A new alert's `alert_job` (the mails to staff) commits with it.
    /// Stores a response with `effects` (its audit entry, the webhook event); a risk answer
    /// raises a flag unless one is open, and then `alert_job` commits with it too.
    pub async fn record_response(
        &self,
        n: &NewResponse<'_>,
        alert_job: Option<&crate::NewJob>,
        effects: &crate::Effects,
    ) -> Result<RiskRaised> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
                .bind(n.client_id.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO questionnaire_responses \
                 (id, client_id, instrument, answers, total, band, risk, submitted_at) \
                 VALUES ($1, $2, $3, $4, 0, 'minimal', FALSE, $5)",
            )
            .bind(n.id)
            .bind(n.client_id.as_str())
            .bind(n.instrument.as_str())
            .bind(n.answers)
            .bind(n.now)
            .execute(&mut *tx)
            .await?;
            let mut raised = RiskRaised::None;
            if let Some(flag) = &n.risk {
                let open: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM risk_flags WHERE client_key = $1 AND acknowledged_at IS NULL",
                )
                .bind(flag.client_key)
                .fetch_one(&mut *tx)
                .await?;
                raised = if open > 0 {
                    RiskRaised::AlreadyOpen
                } else {
                    sqlx::query(
                        "INSERT INTO risk_flags (id, response_key, client_key, sealed) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(flag.id)
                    .bind(flag.response_key)
                    .bind(flag.client_key)
                    .bind(flag.sealed)
                    .execute(&mut *tx)
                    .await?;
                    if let Some(job) = alert_job {
                        let effects = crate::Effects { jobs: vec![job.clone()], ..crate::Effects::default() };
                        crate::effects::write_effects!(&mut tx, &effects, n.now);
                    }
                    RiskRaised::New
                };
            }
            crate::effects::write_effects!(&mut tx, effects, n.now);
            tx.commit().await?;
            Ok(raised)
        })
    }

    /// A client's responses, oldest first.
    pub async fn client_responses(&self, client: &UserId) -> Result<Vec<ResponseRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, instrument, answers, submitted_at FROM questionnaire_responses \
                 WHERE client_id = $1 ORDER BY submitted_at, id",
            )
            .bind(client.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(response_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Risk alerts no one has acknowledged yet (at most 500; their times are sealed, so the web
    /// layer orders them).
    pub async fn open_risk_flags(&self) -> Result<Vec<RiskFlag>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query("SELECT id, sealed FROM risk_flags WHERE acknowledged_at IS NULL LIMIT 500")
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(RiskFlag { id: r.try_get("id")?, sealed: r.try_get("sealed")? });
            }
            Ok(out)
        })
    }

    /// Marks an alert as seen to; false when it was already acknowledged or does not exist.
    pub async fn acknowledge_risk_flag(&self, id: &str, by: &UserId, now: i64) -> Result<bool> {
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "UPDATE risk_flags SET acknowledged_by = $1, acknowledged_at = $2 \
                 WHERE id = $3 AND acknowledged_at IS NULL",
            )
            .bind(by.as_str())
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Deletes a client's alerts (by the keyed hash of their id), for account deletion.
    pub async fn delete_risk_flags(&self, client_key: &str) -> Result<u64> {
        on_backend!(self, |pool| {
            Ok(sqlx::query("DELETE FROM risk_flags WHERE client_key = $1")
                .bind(client_key)
                .execute(pool)
                .await?
                .rows_affected())
        })
    }

    /// Alerts written before they were sealed (the old `risk_alerts` table): id, response id,
    /// client id, time, and who acknowledged them when.
    #[allow(clippy::type_complexity)]
    pub async fn legacy_risk_alerts(&self) -> Result<Vec<(String, String, UserId, i64, Option<(UserId, i64)>)>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, response_id, client_id, created_at, acknowledged_by, acknowledged_at FROM risk_alerts",
            )
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let client: String = r.try_get("client_id")?;
                let by: Option<String> = r.try_get("acknowledged_by")?;
                let at: Option<i64> = r.try_get("acknowledged_at")?;
                let ack = match (by, at) {
                    (Some(b), Some(a)) => Some((UserId::parse(&b).ok_or_else(|| corrupt("acknowledged_by"))?, a)),
                    _ => None,
                };
                out.push((
                    r.try_get("id")?,
                    r.try_get("response_id")?,
                    UserId::parse(&client).ok_or_else(|| corrupt("client_id"))?,
                    r.try_get("created_at")?,
                    ack,
                ));
            }
            Ok(out)
        })
    }

    /// Moves one old alert into `risk_flags`, sealed, in one transaction.
    pub async fn move_legacy_risk_alert(
        &self,
        old_id: &str,
        flag: &NewRiskFlag<'_>,
        acknowledged: Option<(&UserId, i64)>,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO risk_flags (id, response_key, client_key, sealed, acknowledged_by, acknowledged_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
            )
            .bind(flag.id)
            .bind(flag.response_key)
            .bind(flag.client_key)
            .bind(flag.sealed)
            .bind(acknowledged.map(|(u, _)| u.as_str()))
            .bind(acknowledged.map(|(_, a)| a))
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM risk_alerts WHERE id = $1").bind(old_id).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
