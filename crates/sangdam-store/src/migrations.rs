//! The migrations of each backend, embedded at compile time.
//!
//! They are listed by hand rather than through `sqlx::migrate!`, which would pull sqlx's
//! proc-macro crates (and a second build of both drivers) into every build. An applied migration
//! is never edited: add a new file and a new line here.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

type Embedded = &'static [(i64, &'static str, &'static str)];

const SQLITE: Embedded = &[
    (1, "foundation", include_str!("../migrations/sqlite/0001_foundation.sql")),
    (2, "booking", include_str!("../migrations/sqlite/0002_booking.sql")),
    (3, "rooms", include_str!("../migrations/sqlite/0003_rooms.sql")),
    (4, "questionnaires", include_str!("../migrations/sqlite/0004_questionnaires.sql")),
    (5, "notes", include_str!("../migrations/sqlite/0005_notes.sql")),
    (6, "aftercare", include_str!("../migrations/sqlite/0006_aftercare.sql")),
    (7, "forms", include_str!("../migrations/sqlite/0007_forms.sql")),
    (8, "recordings", include_str!("../migrations/sqlite/0008_recordings.sql")),
    (9, "center_settings", include_str!("../migrations/sqlite/0009_center_settings.sql")),
    (10, "form_response_specs", include_str!("../migrations/sqlite/0010_form_response_specs.sql")),
    (11, "chat", include_str!("../migrations/sqlite/0011_chat.sql")),
    (12, "chat_files", include_str!("../migrations/sqlite/0012_chat_files.sql")),
    (13, "chat_lock_whole", include_str!("../migrations/sqlite/0013_chat_lock_whole.sql")),
    (14, "care", include_str!("../migrations/sqlite/0014_care.sql")),
    (15, "mail_secrets", include_str!("../migrations/sqlite/0015_mail_secrets.sql")),
    (16, "throttle_locks", include_str!("../migrations/sqlite/0016_throttle_locks.sql")),
    (17, "pending_signups", include_str!("../migrations/sqlite/0017_pending_signups.sql")),
    (18, "sealed_scores", include_str!("../migrations/sqlite/0018_sealed_scores.sql")),
    (19, "note_integrity", include_str!("../migrations/sqlite/0019_note_integrity.sql")),
    (20, "signup_password_at_link", include_str!("../migrations/sqlite/0020_signup_password_at_link.sql")),
    (21, "crisis_events", include_str!("../migrations/sqlite/0021_crisis_events.sql")),
    (22, "recording_parts", include_str!("../migrations/sqlite/0022_recording_parts.sql")),
    (23, "outbox_channel", include_str!("../migrations/sqlite/0023_outbox_channel.sql")),
    (24, "api_tokens", include_str!("../migrations/sqlite/0024_api_tokens.sql")),
    (25, "webhooks", include_str!("../migrations/sqlite/0025_webhooks.sql")),
    (26, "client_invitations", include_str!("../migrations/sqlite/0026_client_invitations.sql")),
];

const POSTGRES: Embedded = &[
    (1, "foundation", include_str!("../migrations/postgres/0001_foundation.sql")),
    (2, "booking", include_str!("../migrations/postgres/0002_booking.sql")),
    (3, "rooms", include_str!("../migrations/postgres/0003_rooms.sql")),
    (4, "questionnaires", include_str!("../migrations/postgres/0004_questionnaires.sql")),
    (5, "notes", include_str!("../migrations/postgres/0005_notes.sql")),
    (6, "aftercare", include_str!("../migrations/postgres/0006_aftercare.sql")),
    (7, "forms", include_str!("../migrations/postgres/0007_forms.sql")),
    (8, "recordings", include_str!("../migrations/postgres/0008_recordings.sql")),
    (9, "center_settings", include_str!("../migrations/postgres/0009_center_settings.sql")),
    (10, "form_response_specs", include_str!("../migrations/postgres/0010_form_response_specs.sql")),
    (11, "chat", include_str!("../migrations/postgres/0011_chat.sql")),
    (12, "chat_files", include_str!("../migrations/postgres/0012_chat_files.sql")),
    (13, "chat_lock_whole", include_str!("../migrations/postgres/0013_chat_lock_whole.sql")),
    (14, "care", include_str!("../migrations/postgres/0014_care.sql")),
    (15, "mail_secrets", include_str!("../migrations/postgres/0015_mail_secrets.sql")),
    (16, "throttle_locks", include_str!("../migrations/postgres/0016_throttle_locks.sql")),
    (17, "pending_signups", include_str!("../migrations/postgres/0017_pending_signups.sql")),
    (18, "sealed_scores", include_str!("../migrations/postgres/0018_sealed_scores.sql")),
    (19, "note_integrity", include_str!("../migrations/postgres/0019_note_integrity.sql")),
    (20, "signup_password_at_link", include_str!("../migrations/postgres/0020_signup_password_at_link.sql")),
    (21, "crisis_events", include_str!("../migrations/postgres/0021_crisis_events.sql")),
    (22, "recording_parts", include_str!("../migrations/postgres/0022_recording_parts.sql")),
    (23, "outbox_channel", include_str!("../migrations/postgres/0023_outbox_channel.sql")),
    (24, "api_tokens", include_str!("../migrations/postgres/0024_api_tokens.sql")),
    (25, "webhooks", include_str!("../migrations/postgres/0025_webhooks.sql")),
    (26, "client_invitations", include_str!("../migrations/postgres/0026_client_invitations.sql")),
];

#[derive(Debug)]
struct EmbeddedSource(Embedded);

impl<'s> MigrationSource<'s> for EmbeddedSource {
    fn resolve(self) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

pub(crate) async fn sqlite() -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(EmbeddedSource(SQLITE)).await
}

pub(crate) async fn postgres() -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(EmbeddedSource(POSTGRES)).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_backends_have_the_same_migrations() {
        let versions = |l: super::Embedded| l.iter().map(|m| (m.0, m.1)).collect::<Vec<_>>();
        assert_eq!(versions(super::SQLITE), versions(super::POSTGRES));
    }
}
