//! Counselors in the chat center: their status with a log of every stretch in it,
//! capacity and idle time for routing, the dashboard's sums, and canned responses.

use sangdam_domain::routing::Status;
use sangdam_domain::{Language, UserId};
use sqlx::Row;

use crate::chats::{opt_uid, uid};
use crate::{Result, Store, StoreError, on_backend};

/// A counselor's place in the chat center, with what routing needs from their profile.
#[derive(Debug, Clone)]
pub struct AgentRecord {
    pub user_id: UserId,
    pub status: Status,
    pub status_since: i64,
    pub status_until: Option<i64>,
    pub capacity: i64,
    pub idle_since: i64,
    pub languages: Vec<Language>,
    pub topics: Vec<String>,
    /// Chats offered to or held by them now.
    pub active: i64,
}

#[derive(Debug, Clone)]
pub struct CannedResponse {
    pub id: String,
    /// `None`: shared by the center.
    pub owner_id: Option<UserId>,
    pub shortcut: String,
    pub body: String,
}

impl Store {
    /// A counselor's chat-center row with their profile's languages and topics; `None` when they
    /// never went online.
    pub async fn agent(&self, user: &UserId) -> Result<Option<AgentRecord>> {
        Ok(self.agents().await?.into_iter().find(|a| a.user_id == *user))
    }

    /// Every counselor who ever went online, with what routing needs.
    pub async fn agents(&self) -> Result<Vec<AgentRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT a.user_id, a.status, a.status_since, a.status_until, a.capacity, a.idle_since, \
                 COALESCE(p.languages, 'ko') AS languages, \
                 (SELECT COUNT(*) FROM chats c WHERE c.counselor_id = a.user_id AND c.status IN ('offered', 'active')) \
                 AS active FROM chat_agents a LEFT JOIN counselor_profiles p ON p.user_id = a.user_id ORDER BY a.user_id",
            )
            .fetch_all(pool)
            .await?;
            let specialties =
                sqlx::query("SELECT user_id, specialty_id FROM counselor_specialties").fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let user_id = uid(&r, "user_id")?;
                let languages: String = r.try_get("languages")?;
                let mut topics = Vec::new();
                for s in &specialties {
                    if s.try_get::<String, _>("user_id")? == user_id.as_str() {
                        topics.push(s.try_get("specialty_id")?);
                    }
                }
                out.push(AgentRecord {
                    user_id,
                    status: Status::parse(&r.try_get::<String, _>("status")?)
                        .ok_or_else(|| StoreError::Corrupt("chat_agents.status".into()))?,
                    status_since: r.try_get("status_since")?,
                    status_until: r.try_get("status_until")?,
                    capacity: r.try_get("capacity")?,
                    idle_since: r.try_get("idle_since")?,
                    languages: languages.split(',').filter_map(|l| Language::parse(l.trim())).collect(),
                    topics,
                    active: r.try_get("active")?,
                });
            }
            Ok(out)
        })
    }

    /// Sets a counselor's status (`until` for after-work and breaks that end by themselves),
    /// closing the previous stretch in the log and opening the next. No change when the status
    /// and its end are already those. A recovery break (status `break`, reason
    /// `recovery`) that has not ended is protected: only another recovery break (more time) or,
    /// with `override_break`, a supervisor's decision replaces it. Returns whether the status was
    /// set.
    pub async fn set_agent_status(
        &self,
        user: &UserId,
        status: Status,
        until: Option<i64>,
        reason: &str,
        now: i64,
        override_break: bool,
    ) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            // A write first, so that SQLite takes its one writer's lock before reading (a read
            // transaction that later writes can fail at once when another writer went first).
            sqlx::query(
                "INSERT INTO chat_agents (user_id, status, status_since, idle_since) VALUES ($1, 'offline', $2, $2) \
                 ON CONFLICT (user_id) DO NOTHING",
            )
            .bind(user.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let current: (String, Option<i64>) =
                sqlx::query_as("SELECT status, status_until FROM chat_agents WHERE user_id = $1")
                    .bind(user.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
            if current.0 == status.as_str() && current.1 == until {
                tx.commit().await?;
                return Ok(true);
            }
            let running: Option<String> =
                sqlx::query_scalar("SELECT reason FROM chat_status_log WHERE user_id = $1 AND ended_at IS NULL")
                    .bind(user.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            let protected =
                current.0 == "break" && running.as_deref() == Some("recovery") && current.1.is_some_and(|u| u > now);
            let extension = status == Status::Break && reason == "recovery";
            if protected && !extension && !override_break {
                tx.commit().await?;
                return Ok(false);
            }
            sqlx::query("UPDATE chat_agents SET status = $1, status_since = $2, status_until = $3 WHERE user_id = $4")
                .bind(status.as_str())
                .bind(now)
                .bind(until)
                .bind(user.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE chat_status_log SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL")
                .bind(now)
                .bind(user.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO chat_status_log (user_id, status, reason, started_at) VALUES ($1, $2, $3, $4)")
                .bind(user.as_str())
                .bind(status.as_str())
                .bind(reason)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Sets how many chats `user` takes at once, with `effects`; someone who never opened the
    /// console becomes an offline agent with it.
    pub async fn set_agent_capacity(
        &self,
        user: &UserId,
        capacity: i64,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO chat_agents (user_id, status, status_since, idle_since, capacity) \
                 VALUES ($1, 'offline', $2, $2, $3) ON CONFLICT (user_id) DO UPDATE SET capacity = excluded.capacity",
            )
            .bind(user.as_str())
            .bind(now)
            .bind(capacity)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn set_agent_idle_since(&self, user: &UserId, at: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE chat_agents SET idle_since = $1 WHERE user_id = $2")
                .bind(at)
                .bind(user.as_str())
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Seconds each counselor spent in each status between `since` and `now` (the open stretch
    /// counts up to `now`): (counselor, status, seconds).
    pub async fn status_seconds(&self, since: i64, now: i64) -> Result<Vec<(UserId, Status, i64)>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT user_id, status, \
                 CAST(SUM(CASE WHEN COALESCE(ended_at, $2) < $1 THEN 0 \
                 ELSE COALESCE(ended_at, $2) - CASE WHEN started_at < $1 THEN $1 ELSE started_at END END) AS BIGINT) AS seconds \
                 FROM chat_status_log GROUP BY user_id, status ORDER BY user_id, status",
            )
            .bind(since)
            .bind(now)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push((
                    uid(&r, "user_id")?,
                    Status::parse(&r.try_get::<String, _>("status")?)
                        .ok_or_else(|| StoreError::Corrupt("chat_status_log.status".into()))?,
                    r.try_get::<Option<i64>, _>("seconds")?.unwrap_or(0),
                ));
            }
            Ok(out)
        })
    }

    /// Per counselor since `since`: chats closed and their average handling time in seconds
    /// (accepted to closed).
    pub async fn handling_times(&self, since: i64) -> Result<Vec<(UserId, i64, i64)>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT counselor_id, COUNT(*) AS n, CAST(AVG(closed_at - accepted_at) AS BIGINT) AS average FROM chats \
                 WHERE status = 'closed' AND accepted_at IS NOT NULL AND counselor_id IS NOT NULL AND closed_at >= $1 \
                 GROUP BY counselor_id",
            )
            .bind(since)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push((
                    uid(&r, "counselor_id")?,
                    r.try_get("n")?,
                    r.try_get::<Option<i64>, _>("average")?.unwrap_or(0),
                ));
            }
            Ok(out)
        })
    }

    /// A counselor's own responses and the shared ones, by shortcut.
    pub async fn canned_responses(&self, owner: &UserId) -> Result<Vec<CannedResponse>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, owner_id, shortcut, body FROM canned_responses \
                 WHERE owner_id = $1 OR owner_id IS NULL ORDER BY shortcut, id",
            )
            .bind(owner.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(CannedResponse {
                    id: r.try_get("id")?,
                    owner_id: opt_uid(&r, "owner_id")?,
                    shortcut: r.try_get("shortcut")?,
                    body: r.try_get("body")?,
                });
            }
            Ok(out)
        })
    }

    /// Keeps a canned response of `owner` (a shared one when `None`) unless that owner (or the
    /// center, for shared ones) holds `max` already (`LimitReached`): counted under the owner's row
    /// in `throttle_locks`, so that additions sent at once cannot pass the limit.
    pub async fn add_canned_response(
        &self,
        c: &CannedResponse,
        max: usize,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO throttle_locks (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = excluded.at",
            )
            .bind(format!("canned:{}", c.owner_id.as_ref().map_or("shared", UserId::as_str)))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let held: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM canned_responses WHERE ($1 IS NULL AND owner_id IS NULL) OR owner_id = $1",
            )
            .bind(c.owner_id.as_ref().map(UserId::as_str))
            .fetch_one(&mut *tx)
            .await?;
            if held >= max as i64 {
                return Err(StoreError::LimitReached);
            }
            sqlx::query(
                "INSERT INTO canned_responses (id, owner_id, shortcut, body, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&c.id)
            .bind(c.owner_id.as_ref().map(UserId::as_str))
            .bind(&c.shortcut)
            .bind(&c.body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Deletes a response owned by `owner` (or a shared one when `owner` is `None`), with
    /// `effects`; false when there is none such.
    pub async fn delete_canned_response(
        &self,
        id: &str,
        owner: Option<&UserId>,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "DELETE FROM canned_responses WHERE id = $1 AND \
                 (($2 IS NULL AND owner_id IS NULL) OR owner_id = $2)",
            )
            .bind(id)
            .bind(owner.map(UserId::as_str))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done != 1 {
                return Ok(false);
            }
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }
}
