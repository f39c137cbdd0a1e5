//! The data-encryption keys (wrapped under the master key by the web layer) and the walk over
//! every sealed column that key rotation needs.

use sqlx::Row;

use crate::{Backend, Result, Store, StoreError, on_backend};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// Opens data, seals nothing new.
    Active,
    /// Seals new data.
    Current,
    /// Destroyed: nothing sealed under it is left.
    Retired,
}

impl KeyState {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "active" => Self::Active,
            "current" => Self::Current,
            "retired" => Self::Retired,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct EncryptionKey {
    pub id: u8,
    /// The key sealed under the master key; `None` once retired.
    pub wrapped: Option<Vec<u8>>,
    pub state: KeyState,
    pub created_at: i64,
}

/// How one key column of a sealed table is typed.
#[derive(Debug, Clone, Copy)]
pub enum KeyType {
    Text,
    Int,
}

/// One value of a row's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPart {
    Text(String),
    Int(i64),
}

/// A column holding sealed data, with the purpose it was sealed for and the columns that name
/// its row. Every value is sealed with its place as associated data (`table.column` and the
/// `bind` columns' values, see [`SealedColumn::aad`]), so a value copied into another row, or
/// another column, no longer opens.
#[derive(Debug)]
pub struct SealedColumn {
    pub table: &'static str,
    /// The primary key, for walking the column in order (key rotation).
    pub keys: &'static [(&'static str, KeyType)],
    pub column: &'static str,
    pub purpose: &'static str,
    /// Text columns that identify the row for as long as the value lives, known when it is
    /// sealed (a number the database assigns later cannot be one).
    pub bind: &'static [&'static str],
}

impl SealedColumn {
    /// The associated data of a value of this column in the row named by `row` (the `bind`
    /// columns' values, in order).
    pub fn aad(&self, row: &[&str]) -> Vec<u8> {
        let mut out = format!("{}.{}", self.table, self.column).into_bytes();
        for part in row {
            out.push(0x1f);
            out.extend_from_slice(part.as_bytes());
        }
        out
    }
}

const ID: &[(&str, KeyType)] = &[("id", KeyType::Text)];
const BY_ID: &[&str] = &["id"];

macro_rules! sealed {
    ($name:ident, $table:literal, $keys:expr, $column:literal, $purpose:literal, $bind:expr) => {
        pub const $name: SealedColumn =
            SealedColumn { table: $table, keys: $keys, column: $column, purpose: $purpose, bind: $bind };
    };
}

sealed!(TOTP_SECRET, "users", ID, "totp_secret", "totp", BY_ID);
sealed!(TOTP_PENDING, "users", ID, "totp_pending", "totp", BY_ID);
sealed!(APPOINTMENT_REASON, "appointments", ID, "reason", "appointment-reason", BY_ID);
sealed!(
    ROOM_MESSAGE,
    "room_messages",
    &[("room_id", KeyType::Text), ("seq", KeyType::Int)],
    "body",
    "room.chat",
    &["room_id", "sender_id", "client_msg_id"]
);
sealed!(ROOM_FILE, "room_files", ID, "body", "room.file", BY_ID);
sealed!(QUESTIONNAIRE_ANSWERS, "questionnaire_responses", ID, "answers", "questionnaire.answers", BY_ID);
sealed!(
    NOTE_VERSION,
    "note_versions",
    &[("note_id", KeyType::Text), ("version", KeyType::Int)],
    "body",
    "note",
    &["note_id"]
);
sealed!(NOTE_ADDENDUM, "note_addenda", ID, "body", "note.addendum", BY_ID);
sealed!(SUMMARY, "session_summaries", ID, "summary", "summary", &["appointment_id"]);
sealed!(HOMEWORK, "session_summaries", ID, "homework", "summary.homework", &["appointment_id"]);
sealed!(
    FEEDBACK_COMMENT,
    "session_feedback",
    &[("appointment_id", KeyType::Text)],
    "comment",
    "feedback.comment",
    &["appointment_id"]
);
sealed!(MESSAGE, "messages", ID, "body", "message", BY_ID);
sealed!(FORM_ANSWERS, "form_responses", ID, "answers", "form.answers", BY_ID);
sealed!(RECORDING_KEY, "recordings", ID, "file_key", "recording.key", BY_ID);
sealed!(
    CHAT_MESSAGE,
    "chat_messages",
    &[("chat_id", KeyType::Text), ("seq", KeyType::Int)],
    "body",
    "chat.message",
    &["chat_id", "kind", "client_msg_id"]
);
sealed!(CHAT_TRANSCRIPT_TO, "chats", ID, "transcript_to", "chat.transcript-to", BY_ID);
sealed!(CHAT_FILE, "chat_files", ID, "body", "chat.file", BY_ID);
sealed!(MAIL_BODY, "mail_outbox", ID, "sealed_body", "mail.body", BY_ID);
sealed!(RISK_FLAG, "risk_flags", ID, "sealed", "risk_flag", BY_ID);
sealed!(CRISIS_EVENT, "crisis_events", ID, "sealed", "crisis", BY_ID);
sealed!(CRISIS_ASSESSMENT, "crisis_events", ID, "assessment", "crisis.assessment", BY_ID);
sealed!(WEBHOOK_SECRET, "webhook_secrets", ID, "secret", "webhook.secret", BY_ID);

/// Every sealed column in the schema. A migration that adds one adds it here, and the test
/// `every_blob_column_is_known` fails until it does.
pub const SEALED_COLUMNS: &[SealedColumn] = &[
    TOTP_SECRET,
    TOTP_PENDING,
    APPOINTMENT_REASON,
    ROOM_MESSAGE,
    ROOM_FILE,
    QUESTIONNAIRE_ANSWERS,
    NOTE_VERSION,
    NOTE_ADDENDUM,
    SUMMARY,
    HOMEWORK,
    FEEDBACK_COMMENT,
    MESSAGE,
    FORM_ANSWERS,
    RECORDING_KEY,
    CHAT_MESSAGE,
    CHAT_TRANSCRIPT_TO,
    CHAT_FILE,
    MAIL_BODY,
    RISK_FLAG,
    CRISIS_EVENT,
    CRISIS_ASSESSMENT,
    WEBHOOK_SECRET,
];

/// Blob columns that are not sealed, on purpose: public photos and outgoing mail attachments
/// (calendar invitations), and the wrapped keys themselves.
pub const PLAIN_BLOB_COLUMNS: &[(&str, &str)] = &[
    ("counselor_profiles", "photo"),
    ("mail_outbox", "attachment"),
    ("encryption_keys", "wrapped"),
    // A hash of the guest's chat cookie, not the cookie itself.
    ("chats", "guest_token"),
];

/// A sealed value, the key of its row and its associated data.
#[derive(Debug, Clone)]
pub struct SealedValue {
    pub key: Vec<KeyPart>,
    pub sealed: Vec<u8>,
    /// [`SealedColumn::aad`] of its row.
    pub aad: Vec<u8>,
}

impl SealedColumn {
    fn key_list(&self) -> String {
        self.keys.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
    }

    /// SQL for "the first byte (the key id) is not $1", per backend.
    fn not_key(&self, backend: Backend) -> String {
        match backend {
            Backend::Sqlite => format!("hex(substr({}, 1, 1)) <> $1", self.column),
            Backend::Postgres => format!("get_byte({}, 0) <> CAST($1 AS INTEGER)", self.column),
        }
    }

    fn first_byte_is(&self, backend: Backend) -> String {
        match backend {
            Backend::Sqlite => format!("hex(substr({}, 1, 1)) = $1", self.column),
            Backend::Postgres => format!("get_byte({}, 0) = CAST($1 AS INTEGER)", self.column),
        }
    }
}

/// How a key id is bound for [`SealedColumn::not_key`]: SQLite compares hex text, PostgreSQL
/// an integer (sent as text, cast in SQL, so one bind type serves both).
fn key_param(backend: Backend, id: u8) -> String {
    match backend {
        Backend::Sqlite => format!("{id:02X}"),
        Backend::Postgres => id.to_string(),
    }
}

macro_rules! bind_key {
    ($q:expr, $parts:expr) => {{
        let mut q = $q;
        for p in $parts {
            q = match p {
                KeyPart::Text(s) => q.bind(s.clone()),
                KeyPart::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}

impl Store {
    pub async fn encryption_keys(&self) -> Result<Vec<EncryptionKey>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query("SELECT id, wrapped, state, created_at FROM encryption_keys ORDER BY id")
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let id: i64 = r.try_get("id")?;
                let state: String = r.try_get("state")?;
                out.push(EncryptionKey {
                    id: u8::try_from(id).map_err(|_| StoreError::Corrupt("encryption_keys.id".into()))?,
                    wrapped: r.try_get("wrapped")?,
                    state: KeyState::parse(&state)
                        .ok_or_else(|| StoreError::Corrupt("encryption_keys.state".into()))?,
                    created_at: r.try_get("created_at")?,
                });
            }
            Ok(out)
        })
    }

    /// Stores a new data key, not yet current.
    pub async fn add_encryption_key(&self, id: u8, wrapped: &[u8], now: i64) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("INSERT INTO encryption_keys (id, wrapped, state, created_at) VALUES ($1, $2, 'active', $3)")
                .bind(i64::from(id))
                .bind(wrapped)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Makes a key the one new data is sealed with; the previous current key only opens.
    pub async fn make_key_current(&self, id: u8) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE encryption_keys SET state = 'active' WHERE state = 'current'")
                .execute(&mut *tx)
                .await?;
            let done = sqlx::query("UPDATE encryption_keys SET state = 'current' WHERE id = $1 AND state = 'active'")
                .bind(i64::from(id))
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Up to `limit` values of a sealed column not sealed under `key_id`, in key order after `after`.
    pub async fn sealed_batch(
        &self,
        column: &SealedColumn,
        key_id: u8,
        after: Option<&Vec<KeyPart>>,
        limit: i64,
    ) -> Result<Vec<SealedValue>> {
        let backend = self.backend();
        let keys = column.key_list();
        let after_sql = match after {
            None => String::new(),
            Some(_) => {
                let marks: Vec<String> = (0..column.keys.len()).map(|i| format!("${}", i + 2)).collect();
                format!(" AND ({keys}) > ({})", marks.join(", "))
            }
        };
        let bound: Vec<String> = column.bind.iter().enumerate().map(|(i, c)| format!("{c} AS bind_{i}")).collect();
        let sql = format!(
            "SELECT {keys}, {col}, {bound} FROM {table} WHERE {col} IS NOT NULL AND {not_key}{after_sql} ORDER BY {keys} LIMIT {limit}",
            col = column.column,
            table = column.table,
            bound = bound.join(", "),
            not_key = column.not_key(backend),
        );
        on_backend!(self, |pool| {
            let mut q = sqlx::query(&sql).bind(key_param(backend, key_id));
            if let Some(a) = after {
                q = bind_key!(q, a);
            }
            let rows = q.fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let mut key = Vec::with_capacity(column.keys.len());
                for (name, t) in column.keys {
                    key.push(match t {
                        KeyType::Text => KeyPart::Text(r.try_get(*name)?),
                        KeyType::Int => KeyPart::Int(r.try_get(*name)?),
                    });
                }
                let mut row = Vec::with_capacity(column.bind.len());
                for i in 0..column.bind.len() {
                    row.push(r.try_get::<String, _>(format!("bind_{i}").as_str())?);
                }
                let parts: Vec<&str> = row.iter().map(String::as_str).collect();
                out.push(SealedValue { key, sealed: r.try_get(column.column)?, aad: column.aad(&parts) });
            }
            Ok(out)
        })
    }

    /// Replaces one sealed value, only if it still is `old`; true when it was replaced.
    pub async fn reseal(&self, column: &SealedColumn, key: &[KeyPart], old: &[u8], new: &[u8]) -> Result<bool> {
        let conditions: Vec<String> =
            column.keys.iter().enumerate().map(|(i, (k, _))| format!("{k} = ${}", i + 3)).collect();
        let sql = format!(
            "UPDATE {table} SET {col} = $1 WHERE {col} = $2 AND {cond}",
            table = column.table,
            col = column.column,
            cond = conditions.join(" AND ")
        );
        on_backend!(self, |pool| {
            let q = sqlx::query(&sql).bind(new).bind(old);
            let done = bind_key!(q, key).execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Destroys a data key when no sealed column holds anything under it; true when it did.
    pub async fn retire_key_if_unused(&self, id: u8, now: i64) -> Result<bool> {
        let backend = self.backend();
        for column in SEALED_COLUMNS {
            let sql = format!("SELECT COUNT(*) FROM {} WHERE {}", column.table, column.first_byte_is(backend));
            let n: i64 = on_backend!(self, |pool| {
                sqlx::query_scalar(&sql).bind(key_param(backend, id)).fetch_one(pool).await?
            });
            if n > 0 {
                return Ok(false);
            }
        }
        on_backend!(self, |pool| {
            let done = sqlx::query(
                "UPDATE encryption_keys SET state = 'retired', wrapped = NULL, retired_at = $1 \
                 WHERE id = $2 AND state = 'active'",
            )
            .bind(now)
            .bind(i64::from(id))
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Every BLOB/BYTEA column of the schema as (table, column), to check that each is either sealed
    /// or known to be plain.
    pub async fn blob_columns(&self) -> Result<Vec<(String, String)>> {
        match self {
            Store::Sqlite(pool) => {
                let tables: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'")
                        .fetch_all(pool)
                        .await?;
                let mut out = Vec::new();
                for t in tables {
                    let rows = sqlx::query(&format!("SELECT name, type FROM pragma_table_info('{t}')"))
                        .fetch_all(pool)
                        .await?;
                    for r in rows {
                        let ty: String = r.try_get("type")?;
                        if ty.eq_ignore_ascii_case("BLOB") {
                            out.push((t.clone(), r.try_get("name")?));
                        }
                    }
                }
                Ok(out)
            }
            Store::Postgres(pool) => {
                let rows = sqlx::query(
                    "SELECT table_name::TEXT AS t, column_name::TEXT AS c FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND data_type = 'bytea' AND table_name NOT LIKE '\\_%'",
                )
                .fetch_all(pool)
                .await?;
                rows.iter().map(|r| Ok((r.try_get("t")?, r.try_get("c")?))).collect()
            }
        }
    }
}
