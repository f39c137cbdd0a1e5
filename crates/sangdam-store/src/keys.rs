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

/// A column holding sealed data, with the purpose it was sealed for.
#[derive(Debug)]
pub struct SealedColumn {
    pub table: &'static str,
    pub keys: &'static [(&'static str, KeyType)],
    pub column: &'static str,
    pub purpose: &'static str,
}

const ID: &[(&str, KeyType)] = &[("id", KeyType::Text)];

/// Every sealed column in the schema. A migration that adds one adds it here, and the test
/// `every_blob_column_is_known` fails until it does.
pub const SEALED_COLUMNS: &[SealedColumn] = &[
    SealedColumn { table: "users", keys: ID, column: "totp_secret", purpose: "totp" },
    SealedColumn { table: "users", keys: ID, column: "totp_pending", purpose: "totp" },
    SealedColumn { table: "appointments", keys: ID, column: "reason", purpose: "appointment-reason" },
    SealedColumn {
        table: "room_messages",
        keys: &[("room_id", KeyType::Text), ("seq", KeyType::Int)],
        column: "body",
        purpose: "room.chat",
    },
    SealedColumn { table: "room_files", keys: ID, column: "body", purpose: "room.file" },
    SealedColumn { table: "questionnaire_responses", keys: ID, column: "answers", purpose: "questionnaire.answers" },
    SealedColumn {
        table: "note_versions",
        keys: &[("note_id", KeyType::Text), ("version", KeyType::Int)],
        column: "body",
        purpose: "note",
    },
    SealedColumn { table: "note_addenda", keys: ID, column: "body", purpose: "note.addendum" },
    SealedColumn { table: "session_summaries", keys: ID, column: "summary", purpose: "summary" },
    SealedColumn { table: "session_summaries", keys: ID, column: "homework", purpose: "summary.homework" },
    SealedColumn {
        table: "session_feedback",
        keys: &[("appointment_id", KeyType::Text)],
        column: "comment",
        purpose: "feedback.comment",
    },
    SealedColumn { table: "messages", keys: ID, column: "body", purpose: "message" },
    SealedColumn { table: "form_responses", keys: ID, column: "answers", purpose: "form.answers" },
    SealedColumn { table: "recordings", keys: ID, column: "file_key", purpose: "recording.key" },
    SealedColumn {
        table: "chat_messages",
        keys: &[("chat_id", KeyType::Text), ("seq", KeyType::Int)],
        column: "body",
        purpose: "chat.message",
    },
    SealedColumn { table: "chats", keys: ID, column: "transcript_to", purpose: "chat.transcript-to" },
    SealedColumn { table: "chat_files", keys: ID, column: "body", purpose: "chat.file" },
    SealedColumn { table: "mail_outbox", keys: ID, column: "sealed_body", purpose: "mail.body" },
    SealedColumn { table: "risk_flags", keys: ID, column: "sealed", purpose: "risk_flag" },
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

/// A sealed value and the key of its row.
#[derive(Debug, Clone)]
pub struct SealedValue {
    pub key: Vec<KeyPart>,
    pub sealed: Vec<u8>,
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
        let sql = format!(
            "SELECT {keys}, {col} FROM {table} WHERE {col} IS NOT NULL AND {not_key}{after_sql} ORDER BY {keys} LIMIT {limit}",
            col = column.column,
            table = column.table,
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
                out.push(SealedValue { key, sealed: r.try_get(column.column)? });
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
