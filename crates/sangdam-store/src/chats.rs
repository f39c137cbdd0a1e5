//! The live chat center (issue 6): counselors' chat status with the time spent in each, chats
//! from the queue to their close, their messages, bans, incidents and canned responses.

use sangdam_domain::{Language, UserId};
use sqlx::Row;

use crate::{Result, Store, StoreError, on_backend};

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
    /// `queued`, `offered`, `active` or `closed`.
    pub status: String,
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
    /// `client`, `counselor`, `system`, `note` (staff only) or `whisper` (to the counselor only).
    pub kind: String,
    pub sender_id: Option<UserId>,
    pub client_msg_id: String,
    pub body: Vec<u8>,
    pub flag: Option<String>,
    pub at: i64,
    /// A file this message shares.
    pub file_id: Option<String>,
}

/// A file shared in a chat (its body is sealed and read separately).
#[derive(Debug, Clone)]
pub struct ChatFile {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub at: i64,
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
    pub status: String,
    /// The chat's count of flagged client messages, this one included.
    pub flagged: i64,
}

/// A chat as `close_chat` found it.
#[derive(Debug, Clone)]
pub struct Closed {
    pub counselor: Option<UserId>,
    pub transcript_to: Option<Vec<u8>>,
}

/// A counselor's place in the chat center, with what routing needs from their profile.
#[derive(Debug, Clone)]
pub struct AgentRecord {
    pub user_id: UserId,
    pub status: String,
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

fn uid(r: &impl UidRow, column: &str) -> Result<UserId> {
    let s = r.text(column)?;
    UserId::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("{column} is not a user id")))
}

fn opt_uid(r: &impl UidRow, column: &str) -> Result<Option<UserId>> {
    match r.opt_text(column)? {
        None => Ok(None),
        Some(s) => UserId::parse(&s).map(Some).ok_or_else(|| StoreError::Corrupt(format!("{column} is not a user id"))),
    }
}

/// Reading text columns the same way from either backend's rows.
trait UidRow {
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
     staff_read, evidence_hash";

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
            status: r.try_get("status")?,
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
        }
    }};
}

macro_rules! message_from_row {
    ($r:expr) => {{
        let r = $r;
        ChatMessage {
            seq: r.try_get("seq")?,
            kind: r.try_get("kind")?,
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
    pub async fn create_chat(&self, c: &NewChat<'_>, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
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
            .execute(pool)
            .await?;
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
    pub async fn chats_in(&self, statuses: &[&str], limit: i64) -> Result<Vec<ChatRecord>> {
        let list = statuses.iter().map(|s| format!("'{}'", s.replace('\'', ""))).collect::<Vec<_>>().join(", ");
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {CHAT_COLUMNS} FROM chats WHERE status IN ({list}) ORDER BY queued_at, id LIMIT $1"
            ))
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(chat_from_row!(r));
            }
            Ok(out)
        })
    }

    /// A counselor's chats offered to them or open with them.
    pub async fn chats_of_counselor(&self, counselor: &UserId) -> Result<Vec<ChatRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {CHAT_COLUMNS} FROM chats WHERE counselor_id = $1 AND status IN ('offered', 'active') \
                 ORDER BY queued_at, id"
            ))
            .bind(counselor.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(chat_from_row!(r));
            }
            Ok(out)
        })
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
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {CHAT_COLUMNS} FROM chats WHERE status = 'closed' AND ($1 IS NULL OR counselor_id = $1) \
                 ORDER BY closed_at DESC LIMIT $2"
            ))
            .bind(counselor.map(UserId::as_str))
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(chat_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Chats whose client wrote while waiting and left before anyone answered, newest first.
    pub async fn left_messages(&self, limit: i64) -> Result<Vec<ChatRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {CHAT_COLUMNS} FROM chats WHERE status = 'closed' AND accepted_at IS NULL \
                 AND counselor_id IS NULL AND last_seq > 0 ORDER BY closed_at DESC LIMIT $1"
            ))
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(chat_from_row!(r));
            }
            Ok(out)
        })
    }

    /// A signed-in client's chats, newest first (their record's timeline).
    pub async fn chats_of_client(&self, client: &UserId) -> Result<Vec<ChatRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {CHAT_COLUMNS} FROM chats WHERE client_id = $1 ORDER BY queued_at DESC LIMIT 200"
            ))
            .bind(client.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(chat_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Moves a chat from one status to another when it is still in `from` (and, when given, still
    /// with `holder`): `false` when someone else moved it first.
    pub async fn move_chat(
        &self,
        id: &str,
        from: &[&str],
        holder: Option<&UserId>,
        to: &str,
        counselor: Option<&UserId>,
        now: i64,
    ) -> Result<bool> {
        let list = from.iter().map(|s| format!("'{}'", s.replace('\'', ""))).collect::<Vec<_>>().join(", ");
        on_backend!(self, |pool| {
            let done = sqlx::query(&format!(
                "UPDATE chats SET status = $1, counselor_id = $2, \
                 offered_at = CASE WHEN $1 = 'offered' THEN $3 WHEN $1 = 'queued' THEN NULL ELSE offered_at END, \
                 accepted_at = CASE WHEN $1 = 'active' THEN COALESCE(accepted_at, $3) ELSE accepted_at END \
                 WHERE id = $4 AND status IN ({list}) AND ($5 IS NULL OR counselor_id = $5)"
            ))
            .bind(to)
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

    /// Closes a chat that is not closed yet, with its category. Returns who held it and where the
    /// client asked the transcript to go, as they were at the close; `None` when it was closed
    /// already.
    pub async fn close_chat(&self, id: &str, category: &str, now: i64) -> Result<Option<Closed>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(
                "UPDATE chats SET status = 'closed', closed_at = $1, close_category = $2 \
                 WHERE id = $3 AND status <> 'closed' RETURNING counselor_id, transcript_to",
            )
            .bind(now)
            .bind(category)
            .bind(id)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(r) => {
                    Some(Closed { counselor: opt_uid(&r, "counselor_id")?, transcript_to: r.try_get("transcript_to")? })
                }
                None => None,
            })
        })
    }

    /// Files shared in a chat so far.
    pub async fn chat_file_count(&self, chat: &str) -> Result<i64> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM chat_files WHERE chat_id = $1")
                .bind(chat)
                .fetch_one(pool)
                .await?)
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
            if self.move_chat(&chat, &["offered"], Some(&counselor), "queued", None, before).await? {
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
        kind: &str,
        sender: Option<&UserId>,
        client_msg_id: &str,
        body: &[u8],
        flag: Option<&str>,
        holder: Option<&UserId>,
        now: i64,
    ) -> Result<Posted> {
        if let Some(m) = self.chat_message_by_client_id(chat, kind, client_msg_id).await? {
            return Ok(Posted { message: m, new: false, counselor: None, status: String::new(), flagged: 0 });
        }
        let result: Result<Posted> = on_backend!(self, |pool| {
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
            let status: String = row.try_get("status")?;
            let flagged: i64 = row.try_get("flagged")?;
            sqlx::query(
                "INSERT INTO chat_messages (chat_id, seq, kind, sender_id, client_msg_id, body, flag, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(chat)
            .bind(seq)
            .bind(kind)
            .bind(sender.map(UserId::as_str))
            .bind(client_msg_id)
            .bind(body)
            .bind(flag)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            let message = ChatMessage {
                seq,
                kind: kind.to_owned(),
                sender_id: sender.cloned(),
                client_msg_id: client_msg_id.to_owned(),
                body: body.to_vec(),
                flag: flag.map(str::to_owned),
                at: now,
                file_id: None,
            };
            Ok(Posted { message, new: true, counselor, status, flagged })
        });
        match result {
            Err(StoreError::Conflict) => {
                let m = self.chat_message_by_client_id(chat, kind, client_msg_id).await?.ok_or(StoreError::Conflict)?;
                Ok(Posted { message: m, new: false, counselor: None, status: String::new(), flagged: 0 })
            }
            other => other,
        }
    }

    /// Stores a shared file and the message that announces it (its sealed name as the body), in
    /// one transaction, under the chat's next number (with `holder`, only while that counselor
    /// holds the chat and it is `active`).
    #[allow(clippy::too_many_arguments)]
    pub async fn post_chat_file(
        &self,
        chat: &str,
        kind: &str,
        sender: Option<&UserId>,
        holder: Option<&UserId>,
        file: &ChatFile,
        sealed_body: &[u8],
        sealed_name: &[u8],
    ) -> Result<Posted> {
        let client_msg_id = format!("file-{}", file.id);
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(
                "UPDATE chats SET last_seq = last_seq + 1 WHERE id = $1 \
                 AND ($2 IS NULL OR (counselor_id = $2 AND status = 'active')) \
                 RETURNING last_seq, counselor_id, status, flagged",
            )
            .bind(chat)
            .bind(holder.map(UserId::as_str))
            .fetch_one(&mut *tx)
            .await?;
            let seq: i64 = row.try_get("last_seq")?;
            let counselor = opt_uid(&row, "counselor_id")?;
            let status: String = row.try_get("status")?;
            let flagged: i64 = row.try_get("flagged")?;
            sqlx::query(
                "INSERT INTO chat_files (id, chat_id, name, content_type, size, body, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&file.id)
            .bind(chat)
            .bind(&file.name)
            .bind(&file.content_type)
            .bind(file.size)
            .bind(sealed_body)
            .bind(file.at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO chat_messages (chat_id, seq, kind, sender_id, client_msg_id, body, at, file_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(chat)
            .bind(seq)
            .bind(kind)
            .bind(sender.map(UserId::as_str))
            .bind(&client_msg_id)
            .bind(sealed_name)
            .bind(file.at)
            .bind(&file.id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            let message = ChatMessage {
                seq,
                kind: kind.to_owned(),
                sender_id: sender.cloned(),
                client_msg_id,
                body: sealed_name.to_vec(),
                flag: None,
                at: file.at,
                file_id: Some(file.id.clone()),
            };
            Ok(Posted { message, new: true, counselor, status, flagged })
        })
    }

    /// A chat's file and its sealed body.
    pub async fn chat_file(&self, chat: &str, id: &str) -> Result<Option<(ChatFile, Vec<u8>)>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(
                "SELECT id, name, content_type, size, body, at FROM chat_files WHERE chat_id = $1 AND id = $2",
            )
            .bind(chat)
            .bind(id)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(r) => Some((
                    ChatFile {
                        id: r.try_get("id")?,
                        name: r.try_get("name")?,
                        content_type: r.try_get("content_type")?,
                        size: r.try_get("size")?,
                        at: r.try_get("at")?,
                    },
                    r.try_get("body")?,
                )),
                None => None,
            })
        })
    }

    async fn chat_message_by_client_id(&self, chat: &str, kind: &str, id: &str) -> Result<Option<ChatMessage>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(
                "SELECT seq, kind, sender_id, client_msg_id, body, flag, at, file_id FROM chat_messages \
                 WHERE chat_id = $1 AND kind = $2 AND client_msg_id = $3",
            )
            .bind(chat)
            .bind(kind)
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

    // --- counselors' status ---

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
                    status: r.try_get("status")?,
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
    /// and its end are already those.
    pub async fn set_agent_status(
        &self,
        user: &UserId,
        status: &str,
        until: Option<i64>,
        reason: &str,
        now: i64,
    ) -> Result<()> {
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
            if current.0 == status && current.1 == until {
                tx.commit().await?;
                return Ok(());
            }
            sqlx::query("UPDATE chat_agents SET status = $1, status_since = $2, status_until = $3 WHERE user_id = $4")
                .bind(status)
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
                .bind(status)
                .bind(reason)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn set_agent_capacity(&self, user: &UserId, capacity: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE chat_agents SET capacity = $1 WHERE user_id = $2")
                .bind(capacity)
                .bind(user.as_str())
                .execute(pool)
                .await?;
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
    pub async fn status_seconds(&self, since: i64, now: i64) -> Result<Vec<(UserId, String, i64)>> {
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
                    r.try_get("status")?,
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

    // --- protection ---

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

    // --- canned responses ---

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

    pub async fn add_canned_response(
        &self,
        id: &str,
        owner: Option<&UserId>,
        shortcut: &str,
        body: &str,
        now: i64,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO canned_responses (id, owner_id, shortcut, body, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(owner.map(UserId::as_str))
            .bind(shortcut)
            .bind(body)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Deletes a response owned by `owner` (or a shared one when `owner` is `None`).
    pub async fn delete_canned_response(&self, id: &str, owner: Option<&UserId>) -> Result<bool> {
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "DELETE FROM canned_responses WHERE id = $1 AND \
                 (($2 IS NULL AND owner_id IS NULL) OR owner_id = $2)",
            )
            .bind(id)
            .bind(owner.map(UserId::as_str))
            .execute(pool)
            .await?
            .rows_affected();
            Ok(done == 1)
        })
    }
}
