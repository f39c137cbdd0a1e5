//! Questionnaire responses and the risk alerts they raise. A response and its alert are written in
//! one transaction, so a risk answer is never stored without its alert.

use sangdam_domain::UserId;
use sangdam_domain::questionnaire::{Band, Instrument};
use sqlx::Row;

use crate::{Result, Store, StoreError, on_backend};

/// A response to store. `answers` is sealed by the web layer.
#[derive(Debug, Clone)]
pub struct NewResponse<'a> {
    pub id: &'a str,
    pub client_id: &'a UserId,
    pub instrument: Instrument,
    pub answers: &'a [u8],
    pub total: u8,
    pub band: Band,
    pub risk: bool,
    /// The alert's id, used when `risk` is set.
    pub alert_id: &'a str,
    pub now: i64,
}

#[derive(Debug, Clone)]
pub struct ResponseRecord {
    pub id: String,
    pub instrument: Instrument,
    pub answers: Vec<u8>,
    pub total: u8,
    pub band: Band,
    pub risk: bool,
    pub submitted_at: i64,
}

#[derive(Debug, Clone)]
pub struct RiskAlert {
    pub id: String,
    pub client_id: UserId,
    pub created_at: i64,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("questionnaires.{what}"))
}

macro_rules! response_from_row {
    ($r:expr) => {{
        let r = $r;
        let instrument: String = r.try_get("instrument")?;
        let band: String = r.try_get("band")?;
        let total: i32 = r.try_get("total")?;
        ResponseRecord {
            id: r.try_get("id")?,
            instrument: Instrument::parse(&instrument).ok_or_else(|| corrupt("instrument"))?,
            answers: r.try_get("answers")?,
            total: u8::try_from(total).map_err(|_| corrupt("total"))?,
            band: Band::parse(&band).ok_or_else(|| corrupt("band"))?,
            risk: r.try_get("risk")?,
            submitted_at: r.try_get("submitted_at")?,
        }
    }};
}

impl Store {
    /// Stores a scored response, and its risk alert when it has one, in one transaction.
    pub async fn record_response(&self, n: &NewResponse<'_>) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO questionnaire_responses \
                 (id, client_id, instrument, answers, total, band, risk, submitted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(n.id)
            .bind(n.client_id.as_str())
            .bind(n.instrument.as_str())
            .bind(n.answers)
            .bind(i32::from(n.total))
            .bind(n.band.as_str())
            .bind(n.risk)
            .bind(n.now)
            .execute(&mut *tx)
            .await?;
            if n.risk {
                sqlx::query("INSERT INTO risk_alerts (id, response_id, client_id, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(n.alert_id)
                    .bind(n.id)
                    .bind(n.client_id.as_str())
                    .bind(n.now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// A client's responses, oldest first.
    pub async fn client_responses(&self, client: &UserId) -> Result<Vec<ResponseRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, instrument, answers, total, band, risk, submitted_at FROM questionnaire_responses \
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

    /// Risk alerts no one has acknowledged yet, newest first.
    pub async fn open_risk_alerts(&self) -> Result<Vec<RiskAlert>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, client_id, created_at FROM risk_alerts WHERE acknowledged_at IS NULL \
                 ORDER BY created_at DESC, id LIMIT 200",
            )
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let client: String = r.try_get("client_id")?;
                out.push(RiskAlert {
                    id: r.try_get("id")?,
                    client_id: UserId::parse(&client).ok_or_else(|| corrupt("client_id"))?,
                    created_at: r.try_get("created_at")?,
                });
            }
            Ok(out)
        })
    }

    /// Marks an alert as seen to; false when it was already acknowledged or does not exist.
    pub async fn acknowledge_risk_alert(&self, id: &str, by: &UserId, now: i64) -> Result<bool> {
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "UPDATE risk_alerts SET acknowledged_by = $1, acknowledged_at = $2 \
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
}
