//! Files shared in a live chat: stored with the message that announces them, in one
//! transaction; their bodies are sealed by the web layer (`chat.file`).

use sangdam_domain::UserId;
use sqlx::Row;

use crate::chats::{ChatMessage, Posted, opt_uid};
use crate::{Result, Store, on_backend};

/// A file shared in a chat (its body is sealed and read separately).
#[derive(Debug, Clone)]
pub struct ChatFile {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub at: i64,
}

impl Store {
    /// Stores a shared file and the message that announces it (its sealed name as the body), in
    /// one transaction, under the chat's next number (with `holder`, only while that counselor
    /// holds the chat and it is `active`). `LimitReached` when the chat holds
    /// `MAX_FILES_PER_CHAT` files already: counted after the chat's row is updated, so uploads
    /// racing each other are counted one after another.
    #[allow(clippy::too_many_arguments)]
    pub async fn post_chat_file(
        &self,
        chat: &str,
        kind: sangdam_domain::chat::MessageKind,
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
            let status = Some(crate::chats::chat_status(&row.try_get::<String, _>("status")?)?);
            let flagged: i64 = row.try_get("flagged")?;
            let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM chat_files WHERE chat_id = $1")
                .bind(chat)
                .fetch_one(&mut *tx)
                .await?;
            if files >= sangdam_domain::files::MAX_FILES_PER_CHAT {
                return Err(crate::StoreError::LimitReached);
            }
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
            .bind(kind.as_str())
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
                kind,
                sender_id: sender.cloned(),
                client_msg_id,
                body: sealed_name.to_vec(),
                flag: None,
                at: file.at,
                file_id: Some(file.id.clone()),
            };
            Ok(Posted { message, new: true, counselor, status, flagged, crisis: None })
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

    /// Files shared in a chat so far.
    pub async fn chat_file_count(&self, chat: &str) -> Result<i64> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM chat_files WHERE chat_id = $1")
                .bind(chat)
                .fetch_one(pool)
                .await?)
        })
    }
}
