//! Session notes, their versions and addenda, and the staff's record of a client. The bodies come
//! sealed from the web layer. Signing locks a note; the database refuses any change to a signed
//! note (see migration 0005), so [`StoreError::Locked`] reaches the caller even if a check above
//! was missed.

use sangdam_domain::UserId;
use sangdam_domain::note::Template;
use sqlx::Row;

use crate::effects::write_effects;
use crate::{Effects, Result, Store, StoreError, on_backend};

#[derive(Debug, Clone)]
pub struct NoteRecord {
    pub id: String,
    pub client_id: UserId,
    pub counselor_id: UserId,
    pub appointment_id: Option<String>,
    pub template: Template,
    pub version: i64,
    pub signed_at: Option<i64>,
    /// The keyed hash of what was signed (none for notes signed before hashes were kept).
    pub signed_hash: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVersion {
    pub version: i64,
    pub body: Vec<u8>,
    pub author_id: UserId,
    pub saved_at: i64,
}

#[derive(Debug, Clone)]
pub struct Addendum {
    pub id: String,
    pub author_id: UserId,
    pub body: Vec<u8>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewNote<'a> {
    pub id: &'a str,
    pub client_id: &'a UserId,
    pub counselor_id: &'a UserId,
    pub appointment_id: Option<&'a str>,
    pub template: Template,
    pub body: &'a [u8],
    pub now: i64,
}

/// What a draft save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftSaved {
    /// The latest version (same author, same sitting) was replaced.
    Replaced(i64),
    /// A new version was added.
    Added(i64),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientProfile {
    pub phone: String,
    pub emergency_name: String,
    pub emergency_phone: String,
    pub preferred_channel: String,
    pub tags: Vec<String>,
    pub follow_up: bool,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("notes.{what}"))
}

fn user(s: String, what: &str) -> Result<UserId> {
    UserId::parse(&s).ok_or_else(|| corrupt(what))
}

macro_rules! note_from_row {
    ($r:expr) => {{
        let r = $r;
        let template: String = r.try_get("template")?;
        NoteRecord {
            id: r.try_get("id")?,
            client_id: user(r.try_get("client_id")?, "client_id")?,
            counselor_id: user(r.try_get("counselor_id")?, "counselor_id")?,
            appointment_id: r.try_get("appointment_id")?,
            template: Template::parse(&template).ok_or_else(|| corrupt("template"))?,
            version: r.try_get("version")?,
            signed_at: r.try_get("signed_at")?,
            signed_hash: r.try_get("signed_hash")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        }
    }};
}

const NOTE_COLUMNS: &str =
    "id, client_id, counselor_id, appointment_id, template, version, signed_at, signed_hash, created_at, updated_at";

/// Takes a note's row (every writer of a note does so first: a draft save, a signature, an
/// account deletion, so none of them crosses another) and reads the note with its latest version
/// (`signed_at`, `version`, `author_id`, `saved_at`, `body`); `NotFound` without such a note. A
/// signed note's row cannot be updated at all (a trigger), hence the condition: it is read as
/// signed.
macro_rules! lock_latest_version {
    ($tx:expr, $note:expr) => {{
        sqlx::query("UPDATE session_notes SET updated_at = updated_at WHERE id = $1 AND signed_at IS NULL")
            .bind($note)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(
            "SELECT n.signed_at, n.version, v.author_id, v.saved_at, v.body FROM session_notes n \
             JOIN note_versions v ON v.note_id = n.id AND v.version = n.version WHERE n.id = $1",
        )
        .bind($note)
        .fetch_optional(&mut *$tx)
        .await?
        .ok_or(StoreError::NotFound)?
    }};
}

impl Store {
    /// A new note with its first version, and `effects` (its audit entry) in the same transaction.
    pub async fn create_note(&self, n: &NewNote<'_>, effects: &Effects) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO session_notes \
                 (id, client_id, counselor_id, appointment_id, template, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
            )
            .bind(n.id)
            .bind(n.client_id.as_str())
            .bind(n.counselor_id.as_str())
            .bind(n.appointment_id)
            .bind(n.template.as_str())
            .bind(n.now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO note_versions (note_id, version, body, author_id, saved_at) VALUES ($1, 1, $2, $3, $4)",
            )
            .bind(n.id)
            .bind(n.body)
            .bind(n.counselor_id.as_str())
            .bind(n.now)
            .execute(&mut *tx)
            .await?;
            write_effects!(&mut tx, effects, n.now);
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn note(&self, id: &str) -> Result<Option<NoteRecord>> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&format!("SELECT {NOTE_COLUMNS} FROM session_notes WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(note_from_row!(r)),
                None => None,
            })
        })
    }

    /// A client's notes, newest first.
    pub async fn client_notes(&self, client: &UserId) -> Result<Vec<NoteRecord>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {NOTE_COLUMNS} FROM session_notes WHERE client_id = $1 ORDER BY created_at DESC, id"
            ))
            .bind(client.as_str())
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(note_from_row!(r));
            }
            Ok(out)
        })
    }

    /// Every version of a note, oldest first.
    pub async fn note_versions(&self, note: &str) -> Result<Vec<NoteVersion>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT version, body, author_id, saved_at FROM note_versions WHERE note_id = $1 ORDER BY version",
            )
            .bind(note)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(NoteVersion {
                    version: r.try_get("version")?,
                    body: r.try_get("body")?,
                    author_id: user(r.try_get("author_id")?, "author_id")?,
                    saved_at: r.try_get("saved_at")?,
                });
            }
            Ok(out)
        })
    }

    /// Saves a draft: replaces the latest version when it is `author`'s and younger than `sitting`
    /// seconds, otherwise adds a version. [`StoreError::Locked`] when the note is signed. The
    /// audit entry of `effects` is committed with it, its target naming the version saved
    /// (`note:{id}#{version}`), which only this transaction knows.
    pub async fn save_note_draft(
        &self,
        note: &str,
        body: &[u8],
        author: &UserId,
        now: i64,
        sitting: i64,
        effects: &Effects,
    ) -> Result<DraftSaved> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let row = lock_latest_version!(&mut *tx, note);
            let signed: Option<i64> = row.try_get("signed_at")?;
            if signed.is_some() {
                return Err(StoreError::Locked);
            }
            let version: i64 = row.try_get("version")?;
            let last_author: String = row.try_get("author_id")?;
            let last_saved: i64 = row.try_get("saved_at")?;
            let outcome = if last_author == author.as_str() && now - last_saved < sitting {
                sqlx::query("UPDATE note_versions SET body = $1, saved_at = $2 WHERE note_id = $3 AND version = $4")
                    .bind(body)
                    .bind(now)
                    .bind(note)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                DraftSaved::Replaced(version)
            } else {
                sqlx::query(
                    "INSERT INTO note_versions (note_id, version, body, author_id, saved_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(note)
                .bind(version + 1)
                .bind(body)
                .bind(author.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                DraftSaved::Added(version + 1)
            };
            let v = match outcome {
                DraftSaved::Replaced(v) | DraftSaved::Added(v) => v,
            };
            let done = sqlx::query(
                "UPDATE session_notes SET version = $1, updated_at = $2 WHERE id = $3 AND signed_at IS NULL",
            )
            .bind(v)
            .bind(now)
            .bind(note)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Locked);
            }
            let mut effects = effects.clone();
            if let Some((event, _)) = &mut effects.audit {
                event.target = Some(format!("note:{note}#{v}"));
            }
            write_effects!(&mut tx, &effects, now);
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Signs a note with the keyed hash of what is signed (see `sangdam_web`'s notes), once: true
    /// when signed, false when it was signed already. The hash was computed from `version` with
    /// the sealed `body` read before; when a draft was saved in between, nothing is signed and
    /// [`StoreError::Conflict`] says so, so a signature always covers the text stored with it.
    /// `effects` (the audit entry) are committed only with a signature.
    pub async fn sign_note(
        &self,
        note: &str,
        now: i64,
        signed_hash: &str,
        version: i64,
        body: &[u8],
        effects: &Effects,
    ) -> Result<bool> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let row = lock_latest_version!(&mut *tx, note);
            let signed: Option<i64> = row.try_get("signed_at")?;
            if signed.is_some() {
                return Ok(false);
            }
            let current: i64 = row.try_get("version")?;
            let stored: Vec<u8> = row.try_get("body")?;
            if current != version || stored != body {
                return Err(StoreError::Conflict);
            }
            sqlx::query("UPDATE session_notes SET signed_at = $1, updated_at = $1, signed_hash = $3 WHERE id = $2")
                .bind(now)
                .bind(note)
                .bind(signed_hash)
                .execute(&mut *tx)
                .await?;
            write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Adds an addendum to a signed note, with `effects` (its audit entry) in the same
    /// transaction: [`StoreError::Locked`] when the note is not signed, [`StoreError::NotFound`]
    /// when there is no such note.
    pub async fn add_addendum(
        &self,
        id: &str,
        note: &str,
        author: &UserId,
        body: &[u8],
        now: i64,
        effects: &Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            // Written first and conditionally, never read first: a transaction that reads before
            // it writes loses to a concurrent writer on SQLite.
            let added = sqlx::query(
                "INSERT INTO note_addenda (id, note_id, author_id, body, created_at) \
                 SELECT $1, id, $3, $4, $5 FROM session_notes WHERE id = $2 AND signed_at IS NOT NULL",
            )
            .bind(id)
            .bind(note)
            .bind(author.as_str())
            .bind(body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if added.rows_affected() != 1 {
                let exists: Option<String> = sqlx::query_scalar("SELECT id FROM session_notes WHERE id = $1")
                    .bind(note)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Err(if exists.is_some() { StoreError::Locked } else { StoreError::NotFound });
            }
            write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn note_addenda(&self, note: &str) -> Result<Vec<Addendum>> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, author_id, body, created_at FROM note_addenda WHERE note_id = $1 ORDER BY created_at, id",
            )
            .bind(note)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(Addendum {
                    id: r.try_get("id")?,
                    author_id: user(r.try_get("author_id")?, "author_id")?,
                    body: r.try_get("body")?,
                    created_at: r.try_get("created_at")?,
                });
            }
            Ok(out)
        })
    }

    /// The staff's record of a client; defaults when none was saved.
    pub async fn client_profile(&self, client: &UserId) -> Result<ClientProfile> {
        on_backend!(self, |pool| {
            let row = sqlx::query(
                "SELECT phone, emergency_name, emergency_phone, preferred_channel, tags, follow_up \
                 FROM client_profiles WHERE user_id = $1",
            )
            .bind(client.as_str())
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                None => {
                    ClientProfile { preferred_channel: "video".into(), follow_up: true, ..ClientProfile::default() }
                }
                Some(r) => {
                    let tags: String = r.try_get("tags")?;
                    ClientProfile {
                        phone: r.try_get("phone")?,
                        emergency_name: r.try_get("emergency_name")?,
                        emergency_phone: r.try_get("emergency_phone")?,
                        preferred_channel: r.try_get("preferred_channel")?,
                        tags: tags.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect(),
                        follow_up: r.try_get("follow_up")?,
                    }
                }
            })
        })
    }

    /// Saves a client's contact details with `effects` (the audit entry, the webhook event).
    pub async fn save_client_profile(
        &self,
        client: &UserId,
        p: &ClientProfile,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO client_profiles \
                 (user_id, phone, emergency_name, emergency_phone, preferred_channel, tags, follow_up, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, emergency_name = excluded.emergency_name, \
                 emergency_phone = excluded.emergency_phone, preferred_channel = excluded.preferred_channel, \
                 tags = excluded.tags, follow_up = excluded.follow_up, updated_at = excluded.updated_at",
            )
            .bind(client.as_str())
            .bind(&p.phone)
            .bind(&p.emergency_name)
            .bind(&p.emergency_phone)
            .bind(&p.preferred_channel)
            .bind(p.tags.join(","))
            .bind(p.follow_up)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(())
        })
    }
}
