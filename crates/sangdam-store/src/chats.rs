//! The live chat center: chats from the queue to their close, their numbered messages
//! and files, read marks and the evidence lock. Counselors' status and canned responses are in
//! `chat_agents`; bans and incidents in `chat_safety`.

use sangdam_domain::chat::{ChatStatus, MessageKind};
use sangdam_domain::{Language, UserId};
use sqlx::Row;

use crate::{Effects, Result, Store, StoreError, on_backend};

#[derive(Debug, Clone)]
pub struct ChatRecord {
    pub id: String,
    /// The signed-in client, or `None` for a guest.
    pub client_id: Option<UserId>,
    pub nickname: String,
    /// Hash of a guest's chat cookie.
    pub guest_token: Option<Vec<u8>>,
    pub device: String,
    pub topic: String,
    pub language: Language,
    pub status: ChatStatus,
    pub counselor_id: Option<UserId>,
    pub queued_at: i64,
    pub offered_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub close_category: Option<String>,
    /// Client messages the abuse check flagged so far.
    pub flagged: i64,
    /// Where the client asked the transcript to go (sealed address).
    pub transcript_to: Option<Vec<u8>>,
    pub last_seq: i64,
    pub client_read: i64,
    pub staff_read: i64,
    pub evidence_hash: Option<String>,
    /// The crisis level while the chat is open: 0 none, 1 concern, 2 high (cleared at the close).
    pub risk: i64,
}

#[derive(Debug, Clone)]
pub struct NewChat<'a> {
    pub id: &'a str,
    pub client_id: Option<&'a UserId>,
    pub nickname: &'a str,
    pub guest_token: Option<&'a [u8]>,
    pub device: &'a str,
    pub topic: &'a str,
    pub language: Language,
}

#[derive(Debug, Clone)]
pub struct ChatMessage {
    pub seq: i64,
    pub kind: MessageKind,
    pub sender_id: Option<UserId>,
    pub client_msg_id: String,
    pub body: Vec<u8>,
    pub flag: Option<String>,
    pub at: i64,
    /// A file this message shares.
    pub file_id: Option<String>,
}

/// A message as `post_chat_message` stored it, and who held the chat at that moment (the
/// counselor whose console must receive it).
#[derive(Debug, Clone)]
pub struct Posted {
    pub message: ChatMessage,
    /// `false`: the same message id was sent before; this is the stored one.
    pub new: bool,
    /// Who held the chat when it was stored, and its status then (a counselor receives a chat's
    /// messages only once it is `active` with them).
    pub counselor: Option<UserId>,
    /// `None` for a message sent before (`new` is `false`).
    pub status: Option<ChatStatus>,
    /// The chat's count of flagged client messages, this one included.
    pub flagged: i64,
    /// The crisis event the message raised in its transaction, when it was a crisis message.
    pub crisis: Option<crate::CrisisRaised>,
}

/// A chat as `close_chat` found it.
#[derive(Debug, Clone)]
pub struct Closed {
    pub counselor: Option<UserId>,
    pub transcript_to: Option<Vec<u8>>,
}

pub(crate) fn uid(r: &impl UidRow, column: &str) -> Result<UserId> {
    let s = r.text(column)?;
    UserId::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("{column} is not a user id")))
}

pub(crate) fn opt_uid(r: &impl UidRow, column: &str) -> Result<Option<UserId>> {
    match r.opt_text(column)? {
        None => Ok(None),
        Some(s) => UserId::parse(&s).map(Some).ok_or_else(|| StoreError::Corrupt(format!("{column} is not a user id"))),
    }
}

/// Reading text columns the same way from either backend's rows.
pub(crate) trait UidRow {
    fn text(&self, column: &str) -> Result<String>;
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
}

macro_rules! uid_row {
    ($row:ty) => {
        impl UidRow for $row {
            fn text(&self, column: &str) -> Result<String> {
                Ok(self.try_get(column)?)
            }
            fn opt_text(&self, column: &str) -> Result<Option<String>> {
                Ok(self.try_get(column)?)
            }
        }
    };
}
uid_row!(sqlx::sqlite::SqliteRow);
uid_row!(sqlx::postgres::PgRow);

const CHAT_COLUMNS: &str = "id, client_id, nickname, guest_token, device, topic, language, status, counselor_id, \
     queued_at, offered_at, accepted_at, closed_at, close_category, flagged, transcript_to, last_seq, client_read, \
     staff_read, evidence_hash, risk";

macro_rules! chat_from_row {
    ($r:expr) => {{
        let r = $r;
        let language: String = r.try_get("language")?;
        ChatRecord {
            id: r.try_get("id")?,
            client_id: opt_uid(&r, "client_id")?,
            nickname: r.try_get("nickname")?,
            guest_token: r.try_get("guest_token")?,
            device: r.try_get("device")?,
            topic: r.try_get("topic")?,
            language: Language::parse(&language).ok_or_else(|| StoreError::Corrupt("chats.language".into()))?,
            status: chat_status(&r.try_get::<String, _>("status")?)?,
            counselor_id: opt_uid(&r, "counselor_id")?,
            queued_at: r.try_get("queued_at")?,
            offered_at: r.try_get("offered_at")?,
            accepted_at: r.try_get("accepted_at")?,
            closed_at: r.try_get("closed_at")?,
            close_category: r.try_get("close_category")?,
            flagged: r.try_get("flagged")?,
            transcript_to: r.try_get("transcript_to")?,
            last_seq: r.try_get("last_seq")?,
            client_read: r.try_get("client_read")?,
            staff_read: r.try_get("staff_read")?,
            evidence_hash: r.try_get("evidence_hash")?,
            risk: r.try_get("risk")?,
        }
    }};
}

/// Runs `SELECT {CHAT_COLUMNS} FROM chats <rest>` with the binds on either backend and reads
/// every row as a `ChatRecord`.
macro_rules! select_chats {
    ($store:expr, $rest:expr $(, $bind:expr)*) => {
        on_backend!($store, |pool| {
            let rows = sqlx::query(&format!("SELECT {CHAT_COLUMNS} FROM chats {}", $rest))
                $(.bind($bind))*
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(chat_from_row!(r));
            }
            Ok(out)
        })
    };
}

macro_rules! message_from_row {
    ($r:expr) => {{
        let r = $r;
        ChatMessage {
            seq: r.try_get("seq")?,
            kind: MessageKind::parse(&r.try_get::<String, _>("kind")?)
                .ok_or_else(|| StoreError::Corrupt("chat_messages.kind".into()))?,
            sender_id: opt_uid(&r, "sender_id")?,
            client_msg_id: r.try_get("client_msg_id")?,
            body: r.try_get("body")?,
            flag: r.try_get("flag")?,
            at: r.try_get("at")?,
            file_id: r.try_get("file_id")?,
        }
    }};
}

impl Store {
    /// Opens a chat in the queue; `effects` (the webhook event) commit with it.
    pub async fn create_chat(&self, c: &NewChat<'_>, now: i64, effects: &Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO chats (id, client_id, nickname, guest_token, device, topic, language, status, queued_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8)",
            )
            .bind(c.id)
            .bind(c.client_id.map(UserId::as_str))
            .bind(c.nickname)
            .bind(c.guest_token)
            .bind(c.device)
            .bind(c.topic)
            .bind(c.language.code())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn chat(&self, id: &str) -> Result<Option<ChatRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {CHAT_COLUMNS} FROM chats WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(chat_from_row!(r)),
                None => None,
            })
        })
    }

    /// Chats in one of `statuses`, oldest first.
    pub async fn chats_in(&self, statuses: &[ChatStatus], limit: i64) -> Result<Vec<ChatRecord>> {
        let list = status_list(statuses);
        select_chats!(self, format!("WHERE status IN ({list}) ORDER BY queued_at, id LIMIT $1"), limit)
    }

    /// A counselor's chats offered to them or open with them.
    pub async fn chats_of_counselor(&self, counselor: &UserId) -> Result<Vec<ChatRecord>> {
        select_chats!(
            self,
            "WHERE counselor_id = $1 AND status IN ('offered', 'active') ORDER BY queued_at, id",
            counselor.as_str()
        )
    }

    /// The chat this browser has open (queued, offered or active), if any.
    pub async fn open_chat_of_device(&self, device: &str) -> Result<Option<String>> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT id FROM chats WHERE device = $1 AND status <> 'closed' ORDER BY queued_at DESC LIMIT 1",
            )
            .bind(device)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Closed chats, newest first: a counselor's own, or everyone's (`None`).
    pub async fn recent_chats(&self, counselor: Option<&UserId>, limit: i64) -> Result<Vec<ChatRecord>> {
        select_chats!(
            self,
            "WHERE status = 'closed' AND ($1 IS NULL OR counselor_id = $1) ORDER BY closed_at DESC LIMIT $2",
            counselor.map(UserId::as_str),
            limit
        )
    }

    /// One page of chats, newest first, before the cursor `(queued_at, id)`: everyone's, or those
    /// a counselor took (accepted; an offer alone is not theirs).
    pub async fn chats_page(
        &self,
        held_by: Option<&UserId>,
        before: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<ChatRecord>> {
        let (at, id) = before.unwrap_or((i64::MAX, ""));
        select_chats!(
            self,
            "WHERE ($1 = '' OR (counselor_id = $1 AND accepted_at IS NOT NULL)) \
             AND (queued_at < $2 OR (queued_at = $2 AND ($3 = '' OR id < $3))) ORDER BY queued_at DESC, id DESC LIMIT $4",
            held_by.map_or("", UserId::as_str),
            at,
            id,
            limit
        )
    }

    /// Chats whose client wrote while waiting and left before anyone answered, newest first.
    pub async fn left_messages(&self, limit: i64) -> Result<Vec<ChatRecord>> {
        select_chats!(
            self,
            "WHERE status = 'closed' AND accepted_at IS NULL AND counselor_id IS NULL AND last_seq > 0 \
             ORDER BY closed_at DESC LIMIT $1",
            limit
        )
    }

    /// A signed-in client's chats, newest first (their record's timeline).
    pub async fn chats_of_client(&self, client: &UserId) -> Result<Vec<ChatRecord>> {
        select_chats!(self, "WHERE client_id = $1 ORDER BY queued_at DESC LIMIT 200", client.as_str())
    }

    /// Moves a chat from one status to another when it is still in `from` (and, when given, still
    /// with `holder`): `false` when someone else moved it first.
    pub async fn move_chat(
        &self,
        id: &str,
        from: &[ChatStatus],
        holder: Option<&UserId>,
        to: ChatStatus,
        counselor: Option<&UserId>,
        now: i64,
    ) -> Result<bool> {
        let list = status_list(from);
        on_backend!(self, |pool| {
            let done = sqlx::query(&format!(
                // The first acceptance starts the graded response afresh: what a waiting client wrote
                // before anyone joined was only blurred, never warned.
                "UPDATE chats SET status = $1, counselor_id = $2, \
                 flagged = CASE WHEN $1 = 'active' AND accepted_at IS NULL THEN 0 ELSE flagged END, \
                 offered_at = CASE WHEN $1 = 'offered' THEN $3 WHEN $1 = 'queued' THEN NULL ELSE offered_at END, \
                 accepted_at = CASE WHEN $1 = 'active' THEN COALESCE(accepted_at, $3) ELSE accepted_at END \
                 WHERE id = $4 AND status IN ({list}) AND ($5 IS NULL OR counselor_id = $5)"
            ))
            .bind(to.as_str())
            .bind(counselor.map(UserId::as_str))
            .bind(now)
            .bind(id)
            .bind(holder.map(UserId::as_str))
            .execute(pool)
            .await?
            .rows_affected();
            Ok(done == 1)
        })
    }

    /// A counselor takes a waiting high-risk chat at once (queued, or offered to anyone): it
    /// becomes active with them. `false` when it is no longer waiting or not high risk.
    pub async fn take_crisis_chat(&self, id: &str, counselor: &UserId, now: i64) -> Result<bool> {
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "UPDATE chats SET status = 'active', counselor_id = $1, accepted_at = COALESCE(accepted_at, $2), \
                 flagged = CASE WHEN accepted_at IS NULL THEN 0 ELSE flagged END \
                 WHERE id = $3 AND status IN ('queued', 'offered') AND risk = 2",
            )
            .bind(counselor.as_str())
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected();
            Ok(done == 1)
        })
    }

    /// Closes a chat that is not closed yet, with its category. Returns who held it and where the
    /// client asked the transcript to go, as they were at the close; `None` when it was closed
    /// already.
    pub async fn close_chat(&self, id: &str, category: &str, now: i64, effects: &Effects) -> Result<Option<Closed>> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(
                // A counselor it was only offered to never held it: it closes unassigned.
                "UPDATE chats SET status = 'closed', closed_at = $1, close_category = $2, risk = 0, \
                 counselor_id = CASE WHEN status = 'offered' THEN NULL ELSE counselor_id END \
                 WHERE id = $3 AND status <> 'closed' RETURNING counselor_id, transcript_to",
            )
            .bind(now)
            .bind(category)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            // The effects (the webhook event) commit only with a close that happened.
            let Some(r) = row else { return Ok(None) };
            let closed = Closed { counselor: opt_uid(&r, "counselor_id")?, transcript_to: r.try_get("transcript_to")? };
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(Some(closed))
        })
    }

    /// Offers that were not taken up before `before`: back to the queue. Returns (chat, counselor).
    pub async fn expire_offers(&self, before: i64) -> Result<Vec<(String, UserId)>> {
        let stale = on_backend!(self, |pool| {
            let rows = sqlx::query("SELECT id, counselor_id FROM chats WHERE status = 'offered' AND offered_at < $1")
                .bind(before)
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push((r.try_get::<String, _>("id")?, uid(&r, "counselor_id")?));
            }
            Ok::<_, StoreError>(out)
        })?;
        let mut expired = Vec::new();
        for (chat, counselor) in stale {
            if self.move_chat(&chat, &[ChatStatus::Offered], Some(&counselor), ChatStatus::Queued, None, before).await?
            {
                expired.push((chat, counselor));
            }
        }
        Ok(expired)
    }

    /// Stores a message under the chat's next number; sending the same `client_msg_id` again
    /// returns the stored one (`false`). A flagged message counts towards the chat's flags. With
    /// `holder`, the message is stored only while that counselor holds the chat and it is
    /// `active` (`StoreError::NotFound` otherwise), so a chat transferred away takes no more.
    #[allow(clippy::too_many_arguments)]
    pub async fn post_chat_message(
        &self,
        chat: &str,
        kind: MessageKind,
        sender: Option<&UserId>,
        client_msg_id: &str,
        body: &[u8],
        flag: Option<&str>,
        holder: Option<&UserId>,
        now: i64,
        crisis: Option<&crate::CrisisWrite>,
    ) -> Result<Posted> {
        crate::crisis::check_write(crisis)?;
        // The same message sent at once from several places (tabs, a retrying client): one
        // insert wins; the others meet a conflict (the unique id, or SQLite's busy snapshot) and
        // find the stored message, or try again if the winner has not committed yet.
        let mut attempts = 0;
        loop {
            if let Some(m) = self.chat_message_by_client_id(chat, kind, client_msg_id).await? {
                return Ok(Posted { message: m, new: false, counselor: None, status: None, flagged: 0, crisis: None });
            }
            // In a block of its own, so that a conflict inside comes out here and not out of
            // the function.
            let result: Result<Posted> = on_backend!(self, |pool| async {
                let mut tx = pool.begin().await?;
                let row = sqlx::query(
                    "UPDATE chats SET last_seq = last_seq + 1, flagged = flagged + $1 WHERE id = $2 \
                     AND ($3 IS NULL OR (counselor_id = $3 AND status = 'active')) \
                     RETURNING last_seq, counselor_id, status, flagged",
                )
                .bind(i64::from(flag.is_some()))
                .bind(chat)
                .bind(holder.map(UserId::as_str))
                .fetch_one(&mut *tx)
                .await?;
                let seq: i64 = row.try_get("last_seq")?;
                let counselor = opt_uid(&row, "counselor_id")?;
                let status = Some(chat_status(&row.try_get::<String, _>("status")?)?);
                let flagged: i64 = row.try_get("flagged")?;
                sqlx::query(
                    "INSERT INTO chat_messages (chat_id, seq, kind, sender_id, client_msg_id, body, flag, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(chat)
                .bind(seq)
                .bind(kind.as_str())
                .bind(sender.map(UserId::as_str))
                .bind(client_msg_id)
                .bind(body)
                .bind(flag)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                // A crisis message and its event commit together.
                let raised = match crisis {
                    Some(w) => Some(crate::crisis::raise_crisis_in!(&mut tx, w)),
                    None => None,
                };
                tx.commit().await?;
                let message = ChatMessage {
                    seq,
                    kind,
                    sender_id: sender.cloned(),
                    client_msg_id: client_msg_id.to_owned(),
                    body: body.to_vec(),
                    flag: flag.map(str::to_owned),
                    at: now,
                    file_id: None,
                };
                Ok(Posted { message, new: true, counselor, status, flagged, crisis: raised })
            }
            .await);
            match result {
                Err(StoreError::Conflict) if attempts < 20 => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempts)).await;
                }
                other => return other,
            }
        }
    }

    async fn chat_message_by_client_id(&self, chat: &str, kind: MessageKind, id: &str) -> Result<Option<ChatMessage>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(
                "SELECT seq, kind, sender_id, client_msg_id, body, flag, at, file_id FROM chat_messages \
                 WHERE chat_id = $1 AND kind = $2 AND client_msg_id = $3",
            )
            .bind(chat)
            .bind(kind.as_str())
            .bind(id)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(r) => Some(message_from_row!(r)),
                None => None,
            })
        })
    }

    /// Messages after `after`, in order, at most `limit`.
    pub async fn chat_messages_after(&self, chat: &str, after: i64, limit: i64) -> Result<Vec<ChatMessage>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT seq, kind, sender_id, client_msg_id, body, flag, at, file_id FROM chat_messages \
                 WHERE chat_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )
            .bind(chat)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(message_from_row!(r));
            }
            Ok(out)
        })
    }

    /// The client (`client_read`) or the staff (`staff_read`) have read up to `seq`.
    pub async fn mark_chat_read(&self, chat: &str, staff: bool, seq: i64) -> Result<()> {
        let column = if staff { "staff_read" } else { "client_read" };
        on_backend!(self, |pool| {
            sqlx::query(&format!("UPDATE chats SET {column} = $1 WHERE id = $2 AND {column} < $1 AND $1 <= last_seq"))
                .bind(seq)
                .bind(chat)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Locks a closed chat's transcript with its hash; `false` when it was locked already.
    pub async fn lock_chat_evidence(&self, chat: &str, hash: &str) -> Result<bool> {
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "UPDATE chats SET evidence_hash = $1 WHERE id = $2 AND status = 'closed' AND evidence_hash IS NULL",
            )
            .bind(hash)
            .bind(chat)
            .execute(pool)
            .await?
            .rows_affected();
            Ok(done == 1)
        })
    }

    pub async fn set_chat_transcript_to(&self, chat: &str, sealed: &[u8]) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE chats SET transcript_to = $1 WHERE id = $2")
                .bind(sealed)
                .bind(chat)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}

pub(crate) fn chat_status(s: &str) -> Result<ChatStatus> {
    ChatStatus::parse(s).ok_or_else(|| StoreError::Corrupt("chats.status".into()))
}

/// `'queued', 'offered'` for an `IN (...)`: the names are the enum's own, never input.
fn status_list(statuses: &[ChatStatus]) -> String {
    statuses.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}
