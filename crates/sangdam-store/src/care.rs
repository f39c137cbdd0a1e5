//! The queries behind "who may see what" (`sangdam_domain::access`): who is part of a client's
//! care (granting appointments and supervisors' assignments), and who took part in a room.

use sangdam_domain::UserId;
pub use sangdam_domain::access::CareDecision;
use sangdam_domain::access::{RoomPart, care_statuses_sql};
use sqlx::Row;

use crate::{Result, Store, StoreError, on_backend};

fn uid(s: &str, what: &str) -> Result<UserId> {
    UserId::parse(s).ok_or_else(|| StoreError::Corrupt(format!("care.{what}")))
}

/// A supervisor's decision about one counselor and one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareAssignment {
    pub counselor_id: UserId,
    /// Open (`Assign`) or ended.
    pub state: CareDecision,
    pub changed_by: UserId,
    pub changed_at: i64,
}

/// Who is in care with whom, as SQL over `$1`: with `fixed` = `client_id` it lists a client's
/// counselors (`wanted` = `counselor_id`), and the other way round a counselor's clients. Granting
/// appointments count unless a supervisor ended the care after they were made; open assignments
/// count.
fn care_sql(fixed: &str, wanted: &str) -> String {
    format!(
        "SELECT a.{wanted} FROM appointments a \
         LEFT JOIN care_assignments c ON c.client_id = a.client_id AND c.counselor_id = a.counselor_id \
         WHERE a.{fixed} = $1 AND a.status IN ({}) AND (c.ended_at IS NULL OR a.created_at >= c.ended_at) \
         UNION SELECT {wanted} FROM care_assignments WHERE {fixed} = $1 AND state = 'assigned'",
        care_statuses_sql()
    )
}

impl Store {
    /// The counselors who care for a client now (granting appointments, open assignments).
    pub async fn care_team(&self, client: &UserId) -> Result<Vec<UserId>> {
        self.user_ids(&care_sql("client_id", "counselor_id"), client, "counselor_id").await
    }

    /// The clients a counselor cares for now.
    pub async fn care_clients(&self, counselor: &UserId) -> Result<Vec<UserId>> {
        let sql = format!("{} LIMIT 2000", care_sql("counselor_id", "client_id"));
        self.user_ids(&sql, counselor, "client_id").await
    }

    /// The distinct user ids a one-parameter query returns, sorted.
    async fn user_ids(&self, sql: &str, param: &UserId, what: &str) -> Result<Vec<UserId>> {
        let ids: Vec<String> =
            on_backend!(self, |pool| { sqlx::query_scalar(sql).bind(param.as_str()).fetch_all(pool).await? });
        let mut out = ids.iter().map(|i| uid(i, what)).collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        out.dedup();
        Ok(out)
    }

    /// Whether a counselor cares for a client now.
    pub async fn in_care(&self, counselor: &UserId, client: &UserId) -> Result<bool> {
        Ok(self.care_team(client).await?.contains(counselor))
    }

    /// Records a supervisor's decision about a counselor's care of a client with its effects (the
    /// audit entry), in one transaction. Ending care also ends what the counselor's appointments
    /// so far granted (`ended_at`); assigning again keeps that line.
    pub async fn decide_care(
        &self,
        client: &UserId,
        counselor: &UserId,
        by: &UserId,
        decision: CareDecision,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<()> {
        let state = decision.state();
        let ended = (decision == CareDecision::End).then_some(now);
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO care_assignments (client_id, counselor_id, state, changed_by, changed_at, ended_at) \
                 VALUES ($1, $2, $5, $3, $4, $6) ON CONFLICT (client_id, counselor_id) \
                 DO UPDATE SET state = $5, changed_by = $3, changed_at = $4, \
                 ended_at = COALESCE($6, care_assignments.ended_at)",
            )
            .bind(client.as_str())
            .bind(counselor.as_str())
            .bind(by.as_str())
            .bind(now)
            .bind(state)
            .bind(ended)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The supervisors' decisions about a client's care.
    pub async fn care_assignments(&self, client: &UserId) -> Result<Vec<CareAssignment>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT counselor_id, state, changed_by, changed_at FROM care_assignments WHERE client_id = $1 \
                 ORDER BY changed_at DESC",
            )
            .bind(client.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let counselor: String = r.try_get("counselor_id")?;
                let by: String = r.try_get("changed_by")?;
                out.push(CareAssignment {
                    counselor_id: uid(&counselor, "counselor_id")?,
                    state: {
                        let state: String = r.try_get("state")?;
                        CareDecision::parse_state(&state).ok_or_else(|| StoreError::Corrupt("care.state".into()))?
                    },
                    changed_by: uid(&by, "changed_by")?,
                    changed_at: r.try_get("changed_at")?,
                });
            }
            Ok(out)
        })
    }

    /// Where a user stands in a room: `None` when they are not a member at all.
    pub async fn room_part(&self, room: &str, user: &UserId) -> Result<Option<RoomPart>> {
        let Some(r) = self.room(room).await? else { return Ok(None) };
        if r.host_id == *user {
            return Ok(Some(RoomPart::Host));
        }
        Ok(self
            .room_member(room, user)
            .await?
            .map(|m| RoomPart::of(m.role == crate::MemberRole::Host, m.admitted_at, m.declined_at)))
    }

    /// The rooms a user took part in (hosted, or was admitted to), oldest first.
    pub async fn rooms_taken_part(&self, user: &UserId) -> Result<Vec<String>> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT id FROM rooms WHERE host_id = $1 OR id IN (SELECT room_id FROM room_members \
                 WHERE user_id = $1 AND (role = 'host' OR admitted_at IS NOT NULL)) ORDER BY created_at, id",
            )
            .bind(user.as_str())
            .fetch_all(pool)
            .await?)
        })
    }

    /// A room's hosts: who opened it and every member who joined as a host.
    pub async fn room_hosts(&self, room: &str) -> Result<Vec<UserId>> {
        on_backend!(self, |pool| {
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT host_id FROM rooms WHERE id = $1 \
                 UNION SELECT user_id FROM room_members WHERE room_id = $1 AND role = 'host'",
            )
            .bind(room)
            .fetch_all(pool)
            .await?;
            ids.iter().map(|i| uid(i, "host_id")).collect()
        })
    }
}
