//! Persistence for Sangdam.
//!
//! One [`Store`] API in domain types over two backends: SQLite (the default, embedded, a file under
//! `./data`) and PostgreSQL (for larger centers). Each backend has its own migrations folder,
//! embedded in the binary and run at start-up. Every query is written once, in SQL that both
//! backends accept (`$1` placeholders, `RETURNING`, integer Unix seconds for times), and the
//! [`on_backend!`] macro runs it against whichever pool is open, so the two cannot drift apart.
//! The invariants money and safety depend on live in the schema (unique emails, single-use tokens
//! by conditional updates, the append-only audit chain).

mod aftercare;
mod api;
mod appointments;
mod audit;
mod care;
mod chat_agents;
mod chat_files;
mod chat_safety;
mod chats;
mod counselors;
mod crisis;
mod effects;
mod forms;
mod jobs;
mod keys;
mod migrations;
mod notes;
mod outbox;
mod questionnaires;
mod queue;
mod recordings;
mod rights;
mod rooms;
mod sessions;
pub mod testing;
mod throttle;
mod tokens;
mod users;
mod waitlist;
mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use aftercare::{FeedbackRecord, MessageRecord, SummaryRecord};
pub use api::{ApiTokenRecord, IDEMPOTENCY_LEASE_SECONDS, Idempotent, NewApiToken};
pub use appointments::{AppointmentRecord, NewAppointment};
pub use audit::{AuditEvent, AuditFilter, AuditPage};
pub use care::{CareAssignment, CareDecision};
pub use chat_agents::{AgentRecord, CannedResponse};
pub use chat_files::ChatFile;
pub use chats::{ChatMessage, ChatRecord, Closed, NewChat, Posted};
pub use counselors::{CounselorProfile, DirectoryFilter, Offering, Specialty};
pub use crisis::{CRISIS_OUTCOMES, CRISIS_SOURCES, CrisisRaised, CrisisRecord, CrisisWrite};
pub use effects::{Effects, NewJob, QueuedMail, SequenceGuard};
pub use forms::{Assignment, FormRecord, FormRequest, FormResponse};
pub use jobs::{JOB_BACKOFF, JobRecord, JobStatus};
pub use keys::{
    EncryptionKey, KeyPart, KeyState, KeyType, PLAIN_BLOB_COLUMNS, SEALED_COLUMNS, SealedColumn, SealedValue,
};
/// Each sealed column, by name, for sealing a value in its place.
pub mod sealed {
    pub use crate::keys::{
        APPOINTMENT_REASON, CHAT_FILE, CHAT_MESSAGE, CHAT_TRANSCRIPT_TO, CRISIS_ASSESSMENT, CRISIS_EVENT,
        FEEDBACK_COMMENT, FORM_ANSWERS, HOMEWORK, MAIL_BODY, MESSAGE, NOTE_ADDENDUM, NOTE_VERSION,
        QUESTIONNAIRE_ANSWERS, RECORDING_KEY, RISK_FLAG, ROOM_FILE, ROOM_MESSAGE, SUMMARY, TOTP_PENDING, TOTP_SECRET,
        WEBHOOK_SECRET,
    };
}
pub use notes::{Addendum, ClientProfile, DraftSaved, NewNote, NoteRecord, NoteVersion};
pub use outbox::{Attachment, MAIL_BACKOFF, MailRecord, MailStatus, NewMail};
pub use questionnaires::{NewResponse, NewRiskFlag, ResponseRecord, RiskFlag, RiskRaised};
pub use queue::Backoff;
pub use recordings::{RecordingPart, RecordingRecord};
pub use rights::Deletion;
pub use rooms::{MemberRole, RoomFile, RoomMember, RoomMessage, RoomRecord};
pub use sessions::{SessionRecord, SessionState, SessionWithUser};
pub use throttle::Reservation;
pub use tokens::{InvitationRecord, InvitationState, NewInvitation, PendingSignup};
pub use users::{NewUser, UserRecord, UserSearch};
pub use waitlist::{WaitlistEntry, WaitlistOffer};
pub use webhooks::{DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret};

/// Everything that can go wrong in the store, as the layers above need to tell it apart.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write (an email already in use, a token already used).
    #[error("conflict with existing data")]
    Conflict,
    /// The time overlaps an appointment (or a held slot) of the same counselor.
    #[error("this time was just taken")]
    TimeTaken,
    /// The client already has an appointment (with any counselor) that overlaps this time.
    #[error("the client already has an appointment at this time")]
    ClientBusy,
    /// A count the database holds (files in a room or a chat) is reached.
    #[error("limit reached")]
    LimitReached,
    /// The database refused to change a signed (locked) record.
    #[error("the record is signed and locked")]
    Locked,
    #[error("stored data is not in the expected form: {0}")]
    Corrupt(String),
    /// A value the schema would refuse (a caller's mistake, checked before the database).
    #[error("invalid {0}")]
    Invalid(String),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        // Unique violations are recognized by sqlx's error kind, which is the same on both
        // backends, rather than by constraint names, which differ.
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            sqlx::Error::Database(db)
                if ["sangdam: signed note is locked", "sangdam: chat is closed", "sangdam: evidence is locked"]
                    .iter()
                    .any(|m| db.message().contains(m)) =>
            {
                StoreError::Locked
            }
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle to the database; cheap to clone (the pools are reference-counted).
#[derive(Clone)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.backend())
    }
}

/// Runs the same code against whichever pool the store holds. The body is compiled once per
/// backend, so a query that one backend's driver cannot bind or decode fails to build.
#[macro_export]
macro_rules! on_backend {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::Store::Sqlite($pool) => $body,
            $crate::Store::Postgres($pool) => $body,
        }
    };
}

impl Store {
    /// Opens the database at `url` (`sqlite://path`, `sqlite::memory:` or `postgres://...`). A
    /// SQLite file and its folder are created when missing.
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Store::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            if let Some(parent) = options.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Store::Sqlite(pool))
        } else {
            Err(StoreError::Corrupt("the database URL must start with sqlite: or postgres://".into()))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        let run = async {
            match self {
                Store::Sqlite(pool) => migrations::sqlite().await?.run(pool).await,
                Store::Postgres(pool) => migrations::postgres().await?.run(pool).await,
            }
        };
        run.await.map_err(StoreError::Migrate)
    }

    /// Whether the database answers: the readiness probe.
    pub async fn ping(&self) -> Result<()> {
        on_backend!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        on_backend!(self, |pool| pool.close().await)
    }
}
