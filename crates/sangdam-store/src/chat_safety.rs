//! Protection in the chat center: bans after a chat ended because of abuse, and the
//! incidents supervisors see per counselor.

use sangdam_domain::UserId;
use sqlx::Row;

use crate::chats::uid;
use crate::{Result, Store, on_backend};

impl Store {
    pub async fn add_chat_ban(
        &self,
        chat: &str,
        client: Option<&UserId>,
        device: &str,
        until: i64,
        now: i64,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO chat_bans (chat_id, client_id, device, until, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (chat_id) DO NOTHING",
            )
            .bind(chat)
            .bind(client.map(UserId::as_str))
            .bind(device)
            .bind(until)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// When the latest ban on this client or device ends, if one holds at `now`.
    pub async fn chat_banned_until(&self, client: Option<&UserId>, device: &str, now: i64) -> Result<Option<i64>> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT MAX(until) FROM chat_bans WHERE until > $1 AND (device = $2 OR ($3 IS NOT NULL AND client_id = $3))",
            )
            .bind(now)
            .bind(device)
            .bind(client.map(UserId::as_str))
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn add_incident(
        &self,
        id: &str,
        counselor: &UserId,
        chat: Option<&str>,
        room: Option<&str>,
        category: &str,
        now: i64,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO incidents (id, counselor_id, chat_id, room_id, category, at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(counselor.as_str())
            .bind(chat)
            .bind(room)
            .bind(category)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Incidents since `since`, newest first: (id, counselor, chat, room, category, at).
    #[allow(clippy::type_complexity)]
    pub async fn incidents_since(
        &self,
        since: i64,
    ) -> Result<Vec<(String, UserId, Option<String>, Option<String>, String, i64)>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, counselor_id, chat_id, room_id, category, at FROM incidents WHERE at >= $1 ORDER BY at DESC",
            )
            .bind(since)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push((
                    r.try_get("id")?,
                    uid(&r, "counselor_id")?,
                    r.try_get("chat_id")?,
                    r.try_get("room_id")?,
                    r.try_get("category")?,
                    r.try_get("at")?,
                ));
            }
            Ok(out)
        })
    }
}
