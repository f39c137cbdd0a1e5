//! Session rooms: who may enter (hosts at once, guests once admitted), who joined and left, and the
//! room's chat. Chat messages are numbered per room by a counter on the room row, updated first
//! in each message's transaction, so numbers are gapless and every reader sees one order; the
//! sender's own message id is unique per room and sender, so a resend returns the stored message.

use sangdam_domain::UserId;
use sqlx::Row;

use crate::{Effects, Result, Store, StoreError, on_backend};

#[derive(Debug, Clone)]
pub struct RoomRecord {
    pub id: String,
    pub appointment_id: Option<String>,
    pub host_id: UserId,
    pub title: String,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberRole {
    /// Enters at once and admits others (the appointment's counselor, more counselors).
    Host,
    /// Knocks and waits to be admitted.
    Guest,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Host => "host",
            MemberRole::Guest => "guest",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RoomMember {
    pub user_id: UserId,
    pub role: MemberRole,
    pub admitted_at: Option<i64>,
    pub declined_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct RoomMessage {
    pub seq: i64,
    pub sender_id: UserId,
    pub client_msg_id: String,
    /// Sealed by the web layer.
    pub body: Vec<u8>,
    pub at: i64,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("rooms.{what}"))
}

const ROOM_COLUMNS: &str = "id, appointment_id, host_id, title, created_at, ended_at";

macro_rules! room_from_row {
    ($r:expr) => {{
        let r = $r;
        let host: String = r.try_get("host_id")?;
        RoomRecord {
            id: r.try_get("id")?,
            appointment_id: r.try_get("appointment_id")?,
            host_id: UserId::parse(&host).ok_or_else(|| corrupt("host_id"))?,
            title: r.try_get("title")?,
            created_at: r.try_get("created_at")?,
            ended_at: r.try_get("ended_at")?,
        }
    }};
}

macro_rules! message_from_row {
    ($r:expr) => {{
        let r = $r;
        let sender: String = r.try_get("sender_id")?;
        RoomMessage {
            seq: r.try_get("seq")?,
            sender_id: UserId::parse(&sender).ok_or_else(|| corrupt("sender_id"))?,
            client_msg_id: r.try_get("client_msg_id")?,
            body: r.try_get("body")?,
            at: r.try_get("at")?,
        }
    }};
}

impl Store {
    /// The room of an appointment, created on first use with the counselor as host and the client
    /// as guest.
    pub async fn room_for_appointment(
        &self,
        new_id: &str,
        appointment_id: &str,
        counselor: &UserId,
        client: &UserId,
        now: i64,
    ) -> Result<RoomRecord> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO rooms (id, appointment_id, host_id, title, last_seq, created_at) VALUES ($1, $2, $3, '', 0, $4) \
                 ON CONFLICT (appointment_id) DO NOTHING",
            )
            .bind(new_id)
            .bind(appointment_id)
            .bind(counselor.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE appointment_id = $1"))
                .bind(appointment_id)
                .fetch_one(&mut *tx)
                .await?;
            let room = room_from_row!(&row);
            for (user, role) in [(counselor, MemberRole::Host), (client, MemberRole::Guest)] {
                sqlx::query(
                    "INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (room_id, user_id) DO NOTHING",
                )
                .bind(&room.id)
                .bind(user.as_str())
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(room)
        })
    }

    /// An ad-hoc room opened by a counselor, who is its host, with what follows it (its audit entry).
    pub async fn create_room(&self, id: &str, host: &UserId, title: &str, now: i64, effects: &Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO rooms (id, host_id, title, last_seq, created_at) VALUES ($1, $2, $3, 0, $4)")
                .bind(id)
                .bind(host.as_str())
                .bind(title)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, 'host')")
                .bind(id)
                .bind(host.as_str())
                .execute(&mut *tx)
                .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Adds a member (an invited client, another counselor), with what follows it (the invitation
    /// mail, the audit entry); an existing member keeps their role.
    pub async fn add_room_member(
        &self,
        room: &str,
        user: &UserId,
        role: MemberRole,
        now: i64,
        effects: &Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (room_id, user_id) DO NOTHING",
            )
            .bind(room)
            .bind(user.as_str())
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn room(&self, id: &str) -> Result<Option<RoomRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(room_from_row!(&r)),
                None => None,
            })
        })
    }

    pub async fn room_member(&self, room: &str, user: &UserId) -> Result<Option<RoomMember>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(
                "SELECT user_id, role, admitted_at, declined_at FROM room_members WHERE room_id = $1 AND user_id = $2",
            )
            .bind(room)
            .bind(user.as_str())
            .fetch_optional(pool)
            .await?;
            let Some(r) = row else { return Ok(None) };
            let role: String = r.try_get("role")?;
            Ok(Some(RoomMember {
                user_id: user.clone(),
                role: if role == "host" { MemberRole::Host } else { MemberRole::Guest },
                admitted_at: r.try_get("admitted_at")?,
                declined_at: r.try_get("declined_at")?,
            }))
        })
    }

    /// Admits or declines a guest who has not been decided on (or re-admits a declined one).
    /// Returns false when the user is no guest of the room.
    pub async fn decide_admission(&self, room: &str, user: &UserId, admit: bool, now: i64) -> Result<bool> {
        let sql = if admit {
            "UPDATE room_members SET admitted_at = $3, declined_at = NULL WHERE room_id = $1 AND user_id = $2 AND role = 'guest'"
        } else {
            "UPDATE room_members SET declined_at = $3 WHERE room_id = $1 AND user_id = $2 AND role = 'guest' AND admitted_at IS NULL"
        };
        on_backend!(self, |pool| {
            let done = sqlx::query(sql).bind(room).bind(user.as_str()).bind(now).execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn record_room_event(&self, room: &str, user: &UserId, event: &str, now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("INSERT INTO room_events (room_id, user_id, event, at) VALUES ($1, $2, $3, $4)")
                .bind(room)
                .bind(user.as_str())
                .bind(event)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Who joined, left, was admitted or declined, and when, oldest first.
    pub async fn room_events(&self, room: &str) -> Result<Vec<(UserId, String, i64)>> {
        let rows: Vec<(String, String, i64)> = on_backend!(self, |pool| {
            sqlx::query_as("SELECT user_id, event, at FROM room_events WHERE room_id = $1 ORDER BY at, event")
                .bind(room)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(u, e, at)| Ok((UserId::parse(&u).ok_or_else(|| corrupt("event user"))?, e, at)))
            .collect()
    }

    /// Stores a chat message and returns it with its number, or returns the message stored
    /// earlier under the same sender and message id (a resend). The boolean says whether it is new.
    pub async fn post_room_message(
        &self,
        room: &str,
        sender: &UserId,
        client_msg_id: &str,
        body: &[u8],
        now: i64,
        crisis: Option<&crate::CrisisWrite>,
    ) -> Result<(RoomMessage, bool, Option<crate::CrisisRaised>)> {
        crate::crisis::check_write(crisis)?;
        if let Some(m) = self.room_message_by_client_id(room, sender, client_msg_id).await? {
            return Ok((m, false, None));
        }
        // In a block of its own, so that a conflict inside comes out here, to the arm below,
        // and not out of the function.
        let result: Result<(RoomMessage, Option<crate::CrisisRaised>)> = on_backend!(self, |pool| {
            async {
            let mut tx = pool.begin().await?;
            let seq: i64 =
                sqlx::query_scalar("UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq")
                    .bind(room)
                    .fetch_one(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO room_messages (room_id, seq, sender_id, client_msg_id, body, at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(room)
            .bind(seq)
            .bind(sender.as_str())
            .bind(client_msg_id)
            .bind(body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let raised = match crisis {
                Some(w) => Some(crate::crisis::raise_crisis_in!(&mut tx, w)),
                None => None,
            };
            tx.commit().await?;
            let m = RoomMessage {
                seq,
                sender_id: sender.clone(),
                client_msg_id: client_msg_id.to_owned(),
                body: body.to_vec(),
                at: now,
            };
            Ok((m, raised))
        }
        .await
        });
        match result {
            Ok((m, raised)) => Ok((m, true, raised)),
            // The same message arrived twice at once: the other copy won; return it.
            Err(StoreError::Conflict) => {
                let m =
                    self.room_message_by_client_id(room, sender, client_msg_id).await?.ok_or(StoreError::Conflict)?;
                Ok((m, false, None))
            }
            Err(e) => Err(e),
        }
    }

    async fn room_message_by_client_id(
        &self,
        room: &str,
        sender: &UserId,
        client_msg_id: &str,
    ) -> Result<Option<RoomMessage>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(
                "SELECT seq, sender_id, client_msg_id, body, at FROM room_messages \
                 WHERE room_id = $1 AND sender_id = $2 AND client_msg_id = $3",
            )
            .bind(room)
            .bind(sender.as_str())
            .bind(client_msg_id)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(r) => Some(message_from_row!(&r)),
                None => None,
            })
        })
    }

    /// A room's messages after `seq`, in order, at most `limit`.
    pub async fn room_messages_after(&self, room: &str, seq: i64, limit: i64) -> Result<Vec<RoomMessage>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT seq, sender_id, client_msg_id, body, at FROM room_messages WHERE room_id = $1 AND seq > $2 \
                 ORDER BY seq LIMIT $3",
            )
            .bind(room)
            .bind(seq)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(message_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Ends a room; returns false when it had ended already.
    pub async fn end_room(&self, room: &str, now: i64) -> Result<bool> {
        on_backend!(self, |pool| {
            let done = sqlx::query("UPDATE rooms SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL")
                .bind(room)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }
}

/// A file shared in a room, without its (sealed) content.
#[derive(Debug, Clone)]
pub struct RoomFile {
    pub id: String,
    pub sender_id: UserId,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub at: i64,
}

macro_rules! file_from_row {
    ($r:expr) => {{
        let r = $r;
        let sender: String = r.try_get("sender_id")?;
        RoomFile {
            id: r.try_get("id")?,
            sender_id: UserId::parse(&sender).ok_or_else(|| corrupt("file sender"))?,
            name: r.try_get("name")?,
            content_type: r.try_get("content_type")?,
            size: r.try_get("size")?,
            at: r.try_get("at")?,
        }
    }};
}

impl Store {
    /// Keeps a shared file; `body` is sealed by the caller.
    /// Stores a shared file. `LimitReached` when the room holds `MAX_FILES_PER_ROOM` files
    /// already: counted after the room's row is updated, so uploads racing each other are counted
    /// one after another.
    pub async fn add_room_file(&self, room: &str, f: &RoomFile, body: &[u8], effects: &Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE rooms SET last_seq = last_seq WHERE id = $1").bind(room).execute(&mut *tx).await?;
            let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM room_files WHERE room_id = $1")
                .bind(room)
                .fetch_one(&mut *tx)
                .await?;
            if files >= sangdam_domain::files::MAX_FILES_PER_ROOM {
                return Err(StoreError::LimitReached);
            }
            sqlx::query(
                "INSERT INTO room_files (id, room_id, sender_id, name, content_type, size, body, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&f.id)
            .bind(room)
            .bind(f.sender_id.as_str())
            .bind(&f.name)
            .bind(&f.content_type)
            .bind(f.size)
            .bind(body)
            .bind(f.at)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, f.at);
            tx.commit().await?;
        });
        Ok(())
    }

    /// A room's files, oldest first.
    pub async fn room_files(&self, room: &str) -> Result<Vec<RoomFile>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, sender_id, name, content_type, size, at FROM room_files WHERE room_id = $1 ORDER BY at, id LIMIT 500",
            )
            .bind(room)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(file_from_row!(r));
            }
            Ok(out)
        })
    }

    /// One file of a room, with its sealed content.
    pub async fn room_file(&self, room: &str, id: &str) -> Result<Option<(RoomFile, Vec<u8>)>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(
                "SELECT id, sender_id, name, content_type, size, at, body FROM room_files WHERE room_id = $1 AND id = $2",
            )
            .bind(room)
            .bind(id)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(r) => {
                    let body: Vec<u8> = r.try_get("body")?;
                    Some((file_from_row!(&r), body))
                }
                None => None,
            })
        })
    }
}

impl Store {
    /// How many people may be in the room now: hosts and admitted guests.
    pub async fn room_participant_count(&self, room: &str) -> Result<i64> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM room_members WHERE room_id = $1 AND (role = 'host' OR admitted_at IS NOT NULL)",
            )
            .bind(room)
            .fetch_one(pool)
            .await?)
        })
    }
}
