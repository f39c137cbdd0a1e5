//! After a session: summaries with homework, feedback, and secure messages. Texts come sealed
//! from the web layer.

use sangdam_domain::UserId;
use sqlx::Row;

use crate::{Result, Store, StoreError, on_backend};

#[derive(Debug, Clone)]
pub struct SummaryRecord {
    pub id: String,
    pub appointment_id: String,
    pub client_id: UserId,
    pub counselor_id: UserId,
    pub summary: Vec<u8>,
    pub homework: Vec<u8>,
    pub created_at: i64,
    pub updated_at: i64,
    pub read_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRecord {
    pub appointment_id: String,
    pub client_id: UserId,
    pub counselor_id: UserId,
    pub stars: u8,
    /// The three questions' answers, 1 to 5.
    pub answers: [u8; 3],
    pub comment: Option<Vec<u8>>,
    pub show_name: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct MessageRecord {
    pub id: String,
    pub client_id: UserId,
    pub counselor_id: UserId,
    pub sender_id: UserId,
    pub body: Vec<u8>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("aftercare.{what}"))
}

fn user(s: String, what: &str) -> Result<UserId> {
    UserId::parse(&s).ok_or_else(|| corrupt(what))
}

fn score(v: i32, what: &str) -> Result<u8> {
    u8::try_from(v).ok().filter(|s| (1..=5).contains(s)).ok_or_else(|| corrupt(what))
}

const SUMMARY_COLUMNS: &str =
    "id, appointment_id, client_id, counselor_id, summary, homework, created_at, updated_at, read_at";

macro_rules! summary_from_row {
    ($r:expr) => {{
        let r = $r;
        SummaryRecord {
            id: r.try_get("id")?,
            appointment_id: r.try_get("appointment_id")?,
            client_id: user(r.try_get("client_id")?, "client_id")?,
            counselor_id: user(r.try_get("counselor_id")?, "counselor_id")?,
            summary: r.try_get("summary")?,
            homework: r.try_get("homework")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            read_at: r.try_get("read_at")?,
        }
    }};
}

const FEEDBACK_COLUMNS: &str =
    "appointment_id, client_id, counselor_id, stars, heard, goals, approach, comment, show_name, created_at";

macro_rules! feedback_from_row {
    ($r:expr) => {{
        let r = $r;
        FeedbackRecord {
            appointment_id: r.try_get("appointment_id")?,
            client_id: user(r.try_get("client_id")?, "client_id")?,
            counselor_id: user(r.try_get("counselor_id")?, "counselor_id")?,
            stars: score(r.try_get("stars")?, "stars")?,
            answers: [
                score(r.try_get("heard")?, "heard")?,
                score(r.try_get("goals")?, "goals")?,
                score(r.try_get("approach")?, "approach")?,
            ],
            comment: r.try_get("comment")?,
            show_name: r.try_get("show_name")?,
            created_at: r.try_get("created_at")?,
        }
    }};
}

const MESSAGE_COLUMNS: &str = "id, client_id, counselor_id, sender_id, body, created_at, read_at";

macro_rules! message_from_row {
    ($r:expr) => {{
        let r = $r;
        MessageRecord {
            id: r.try_get("id")?,
            client_id: user(r.try_get("client_id")?, "client_id")?,
            counselor_id: user(r.try_get("counselor_id")?, "counselor_id")?,
            sender_id: user(r.try_get("sender_id")?, "sender_id")?,
            body: r.try_get("body")?,
            created_at: r.try_get("created_at")?,
            read_at: r.try_get("read_at")?,
        }
    }};
}

impl Store {
    /// Saves an appointment's summary (new, or over the one there), with `effects`; true when it is
    /// new. Saves of one appointment's summary run one at a time, so two first saves at once make
    /// one summary and neither fails.
    pub async fn save_summary(&self, s: &SummaryRecord, effects: &crate::Effects) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO throttle_locks (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = excluded.at",
            )
            .bind(format!("summary:{}", s.appointment_id))
            .bind(s.updated_at)
            .execute(&mut *tx)
            .await?;
            let done = sqlx::query(
                "UPDATE session_summaries SET summary = $1, homework = $2, updated_at = $3 WHERE appointment_id = $4",
            )
            .bind(&s.summary)
            .bind(&s.homework)
            .bind(s.updated_at)
            .bind(&s.appointment_id)
            .execute(&mut *tx)
            .await?;
            let new = done.rows_affected() == 0;
            if new {
                sqlx::query(&format!(
                    "INSERT INTO session_summaries ({SUMMARY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)"
                ))
                .bind(&s.id)
                .bind(&s.appointment_id)
                .bind(s.client_id.as_str())
                .bind(s.counselor_id.as_str())
                .bind(&s.summary)
                .bind(&s.homework)
                .bind(s.created_at)
                .bind(s.updated_at)
                .execute(&mut *tx)
                .await?;
            }
            crate::effects::write_effects!(&mut tx, effects, s.updated_at);
            tx.commit().await?;
            Ok(new)
        })
    }

    pub async fn summary_for_appointment(&self, appointment: &str) -> Result<Option<SummaryRecord>> {
        on_backend!(self, |pool| {
            let row =
                sqlx::query(&format!("SELECT {SUMMARY_COLUMNS} FROM session_summaries WHERE appointment_id = $1"))
                    .bind(appointment)
                    .fetch_optional(pool)
                    .await?;
            Ok(match row {
                Some(r) => Some(summary_from_row!(r)),
                None => None,
            })
        })
    }

    /// A client's summaries, newest first.
    pub async fn client_summaries(&self, client: &UserId) -> Result<Vec<SummaryRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM session_summaries WHERE client_id = $1 ORDER BY created_at DESC"
            ))
            .bind(client.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(summary_from_row!(r));
            }
            Ok(out)
        })
    }

    pub async fn mark_summary_read(&self, id: &str, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE session_summaries SET read_at = $1 WHERE id = $2 AND read_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Stores a client's feedback; [`StoreError::Conflict`] when the session already has some.
    /// Stores a session's feedback with `effects` (its audit entry, the webhook event); a second
    /// feedback for the session is refused.
    pub async fn add_feedback(&self, f: &FeedbackRecord, effects: &crate::Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(&format!(
                "INSERT INTO session_feedback ({FEEDBACK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ))
            .bind(&f.appointment_id)
            .bind(f.client_id.as_str())
            .bind(f.counselor_id.as_str())
            .bind(i32::from(f.stars))
            .bind(i32::from(f.answers[0]))
            .bind(i32::from(f.answers[1]))
            .bind(i32::from(f.answers[2]))
            .bind(&f.comment)
            .bind(f.show_name)
            .bind(f.created_at)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, f.created_at);
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn feedback_for_appointment(&self, appointment: &str) -> Result<Option<FeedbackRecord>> {
        on_backend!(self, |pool| {
            let row =
                sqlx::query(&format!("SELECT {FEEDBACK_COLUMNS} FROM session_feedback WHERE appointment_id = $1"))
                    .bind(appointment)
                    .fetch_optional(pool)
                    .await?;
            Ok(match row {
                Some(r) => Some(feedback_from_row!(r)),
                None => None,
            })
        })
    }

    /// Feedback given to a counselor (`Some`) or by a client (`None` counselor, `Some` client), newest first.
    pub async fn feedback_list(
        &self,
        counselor: Option<&UserId>,
        client: Option<&UserId>,
    ) -> Result<Vec<FeedbackRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {FEEDBACK_COLUMNS} FROM session_feedback WHERE ($1 IS NULL OR counselor_id = $1) \
                 AND ($2 IS NULL OR client_id = $2) ORDER BY created_at DESC LIMIT 500"
            ))
            .bind(counselor.map(UserId::as_str))
            .bind(client.map(UserId::as_str))
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(feedback_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Stores a message with its effects (the audit entry) and the crisis event it raises, and,
    /// when the recipient had no other unread message in this thread, the email `notice` (so one
    /// notice covers a burst), all in one transaction; true when the notice went.
    pub async fn add_message(
        &self,
        m: &MessageRecord,
        crisis: Option<&crate::CrisisWrite>,
        effects: &crate::Effects,
        notice: Option<&crate::QueuedMail>,
    ) -> Result<(bool, Option<crate::CrisisRaised>)> {
        crate::crisis::check_write(crisis)?;
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            // The sender's side of the thread is locked first (its row in `throttle_locks`), so
            // that messages sent at once count each other's unread state one after another: one
            // notice for a burst however the requests interleave. Writing first also keeps SQLite
            // from refusing a transaction that read before another one wrote.
            sqlx::query(
                "INSERT INTO throttle_locks (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = excluded.at",
            )
            .bind(format!("m:{}:{}:{}", m.client_id, m.counselor_id, m.sender_id))
            .bind(m.created_at)
            .execute(&mut *tx)
            .await?;
            let unread: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM messages WHERE client_id = $1 AND counselor_id = $2 \
                 AND sender_id = $3 AND read_at IS NULL",
            )
            .bind(m.client_id.as_str())
            .bind(m.counselor_id.as_str())
            .bind(m.sender_id.as_str())
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(&format!("INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL)"))
                .bind(&m.id)
                .bind(m.client_id.as_str())
                .bind(m.counselor_id.as_str())
                .bind(m.sender_id.as_str())
                .bind(&m.body)
                .bind(m.created_at)
                .execute(&mut *tx)
                .await?;
            let raised = match crisis {
                Some(w) => Some(crate::crisis::raise_crisis_in!(&mut tx, w)),
                None => None,
            };
            crate::effects::write_effects!(&mut tx, effects, m.created_at);
            // The notice goes with the first unread message of a burst only.
            if let (true, Some(mail)) = (unread == 0, notice) {
                let notice = crate::Effects { mails: vec![mail.clone()], ..crate::Effects::default() };
                crate::effects::write_effects!(&mut tx, &notice, m.created_at);
            }
            tx.commit().await?;
            Ok((unread == 0, raised))
        })
    }

    /// A thread's messages, oldest first (the latest `limit`).
    pub async fn thread(&self, client: &UserId, counselor: &UserId, limit: i64) -> Result<Vec<MessageRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE client_id = $1 AND counselor_id = $2 \
                 ORDER BY created_at DESC, id DESC LIMIT $3"
            ))
            .bind(client.as_str())
            .bind(counselor.as_str())
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows.into_iter().rev() {
                out.push(message_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Marks what `reader` received in a thread as read.
    pub async fn mark_thread_read(&self, client: &UserId, counselor: &UserId, reader: &UserId, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "UPDATE messages SET read_at = $1 WHERE client_id = $2 AND counselor_id = $3 \
                 AND sender_id <> $4 AND read_at IS NULL",
            )
            .bind(now)
            .bind(client.as_str())
            .bind(counselor.as_str())
            .bind(reader.as_str())
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The people `user` has threads with and how many unread messages each holds for `user`.
    pub async fn threads_of(&self, me: &UserId) -> Result<Vec<(UserId, i64, i64)>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT CASE WHEN client_id = $1 THEN counselor_id ELSE client_id END AS other, \
                 SUM(CASE WHEN sender_id <> $1 AND read_at IS NULL THEN 1 ELSE 0 END) AS unread, \
                 MAX(created_at) AS last_at \
                 FROM messages WHERE client_id = $1 OR counselor_id = $1 GROUP BY 1 ORDER BY 3 DESC",
            )
            .bind(me.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push((user(r.try_get("other")?, "other")?, r.try_get("unread")?, r.try_get("last_at")?));
            }
            Ok(out)
        })
    }

    /// Whether the client has an appointment (booked, or held) that starts at or after `after`.
    pub async fn has_appointment_after(&self, client: &UserId, after: i64) -> Result<bool> {
        on_backend!(self, |pool| {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM appointments WHERE client_id = $1 AND starts_at >= $2 \
                 AND status IN ('requested', 'confirmed', 'completed')",
            )
            .bind(client.as_str())
            .bind(after)
            .fetch_one(pool)
            .await?;
            Ok(n > 0)
        })
    }

    /// Files shared in the rooms a user took part in (hosted, or was admitted to), newest first,
    /// each with its room.
    pub async fn user_room_files(&self, me: &UserId) -> Result<Vec<(String, crate::RoomFile)>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT f.room_id, f.id, f.sender_id, f.name, f.content_type, f.size, f.at FROM room_files f \
                 WHERE f.room_id IN (SELECT room_id FROM room_members WHERE user_id = $1 \
                 AND (role = 'host' OR admitted_at IS NOT NULL)) \
                 OR f.room_id IN (SELECT id FROM rooms WHERE host_id = $1) ORDER BY f.at DESC LIMIT 500",
            )
            .bind(me.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push((
                    r.try_get("room_id")?,
                    crate::RoomFile {
                        id: r.try_get("id")?,
                        sender_id: user(r.try_get("sender_id")?, "sender_id")?,
                        name: r.try_get("name")?,
                        content_type: r.try_get("content_type")?,
                        size: r.try_get("size")?,
                        at: r.try_get("at")?,
                    },
                ));
            }
            Ok(out)
        })
    }
}
