//! A client's rights over their data (PIPA): an account under the retention rule: signed session notes are kept for the retention
//! period and then purged; everything else goes at once.

use sangdam_domain::UserId;

use crate::{Result, Store, on_backend};

/// What deleting an account removed and kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deletion {
    pub deleted_rows: u64,
    pub retained_notes: u64,
    /// Future appointments cancelled by the deletion.
    pub cancelled: u64,
}

impl Store {
    /// Deletes a client's account in one transaction: their future appointments are cancelled
    /// (the `effects` tell the counselors, and commit with the deletion); their questionnaires and
    /// alerts, record, care assignments, summaries, feedback, messages, room chat and files they
    /// sent, room memberships and presence, unsigned note drafts, waitlist places, sessions,
    /// two-factor and recovery codes, consents, calendar feed, mail to them and the mails to
    /// others that named them (their appointments' notices and reminders, their messages'
    /// notices), the pending reminders of their appointments, the live chats they had signed in
    /// (messages and files), and the reasons on their appointments go. The past appointments stay
    /// (the counselor's calendar), and so do signed notes and their addenda, until the retention
    /// purge, and chats locked as evidence after abuse (the database refuses to delete them). The
    /// account row is anonymized and can never sign in again.
    /// `risk_client_key` is the keyed hash the client's risk alerts and crisis events are filed
    /// under.
    pub async fn delete_client_account(
        &self,
        user: &UserId,
        email: &str,
        risk_client_key: &str,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<Deletion> {
        let id = user.as_str();
        let statements: &[&str] = &[
            "DELETE FROM mail_outbox WHERE EXISTS (SELECT 1 FROM appointments a WHERE a.client_id = $1 \
             AND (mail_outbox.idempotency_key LIKE 'appointment:' || a.id || ':%' \
             OR mail_outbox.idempotency_key LIKE 'reminder:' || a.id || ':%'))",
            "DELETE FROM mail_outbox WHERE idempotency_key IN (SELECT 'message:' || id FROM messages WHERE client_id = $1)",
            "DELETE FROM jobs WHERE status = 'pending' AND EXISTS (SELECT 1 FROM appointments a WHERE a.client_id = $1 \
             AND (jobs.idempotency_key LIKE 'reminder:' || a.id || ':%' OR jobs.idempotency_key = 'follow-up:' || a.id))",
            "DELETE FROM room_members WHERE user_id = $1",
            "DELETE FROM room_events WHERE user_id = $1",
            "DELETE FROM risk_alerts WHERE client_id = $1",
            "DELETE FROM care_assignments WHERE client_id = $1",
            "DELETE FROM chat_messages WHERE chat_id IN \
             (SELECT id FROM chats WHERE client_id = $1 AND evidence_hash IS NULL)",
            "DELETE FROM chat_files WHERE chat_id IN (SELECT id FROM chats WHERE client_id = $1 AND evidence_hash IS NULL)",
            "DELETE FROM chats WHERE client_id = $1 AND evidence_hash IS NULL \
             AND id NOT IN (SELECT chat_id FROM chat_bans) \
             AND id NOT IN (SELECT chat_id FROM incidents WHERE chat_id IS NOT NULL)",
            "DELETE FROM form_responses WHERE client_id = $1",
            "DELETE FROM form_requests WHERE client_id = $1",
            "DELETE FROM questionnaire_responses WHERE client_id = $1",
            "DELETE FROM client_profiles WHERE user_id = $1",
            "DELETE FROM session_summaries WHERE client_id = $1",
            "DELETE FROM session_feedback WHERE client_id = $1",
            "DELETE FROM messages WHERE client_id = $1",
            "DELETE FROM room_messages WHERE sender_id = $1",
            "DELETE FROM recording_consents WHERE user_id = $1",
            "DELETE FROM recording_parts WHERE user_id = $1",
            "DELETE FROM room_files WHERE sender_id = $1",
            "DELETE FROM note_versions WHERE note_id IN (SELECT id FROM session_notes WHERE client_id = $1 AND signed_at IS NULL)",
            "DELETE FROM session_notes WHERE client_id = $1 AND signed_at IS NULL",
            "DELETE FROM waitlist WHERE client_id = $1",
            "DELETE FROM slot_holds WHERE client_id = $1",
            "DELETE FROM sessions WHERE user_id = $1",
            "DELETE FROM recovery_codes WHERE user_id = $1",
            "DELETE FROM consents WHERE user_id = $1",
            "DELETE FROM calendar_feeds WHERE user_id = $1",
            "DELETE FROM notification_settings WHERE user_id = $1",
            "UPDATE appointments SET reason = NULL WHERE client_id = $1",
        ];
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            // The account's row first: a booking for this client waits for it (and then finds the
            // account inactive), so no appointment is made while or after it is deleted.
            sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1").bind(id).execute(&mut *tx).await?;
            // Then the unsigned notes, in the order a draft save and a signature take them (the
            // note before its versions): a signature racing the deletion either lands first and
            // its note is kept whole, or waits and finds the note gone.
            sqlx::query("UPDATE session_notes SET updated_at = updated_at WHERE client_id = $1 AND signed_at IS NULL")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let mut out = Deletion::default();
            // Recordings they are in go at the next housekeeping, files and keys.
            sqlx::query(
                "UPDATE recordings SET delete_after = $1 WHERE id IN \
                 (SELECT recording_id FROM recording_consents WHERE user_id = $2)",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            // Future sessions are cancelled first (their notices are then deleted with the rest
            // of the mail naming the client; the effects' jobs tell the counselors anew, without
            // a name).
            out.cancelled = sqlx::query(
                "UPDATE appointments SET status = 'cancelled', cancelled_by = 'deletion', sequence = sequence + 1, \
                 updated_at = $2 WHERE client_id = $1 AND status IN ('requested', 'confirmed') AND starts_at > $2",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            for sql in statements {
                out.deleted_rows += sqlx::query(sql).bind(id).execute(&mut *tx).await?.rows_affected();
            }
            out.deleted_rows += sqlx::query("DELETE FROM risk_flags WHERE client_key = $1")
                .bind(risk_client_key)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            out.deleted_rows += sqlx::query("DELETE FROM crisis_events WHERE client_key = $1")
                .bind(risk_client_key)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            out.deleted_rows += sqlx::query("DELETE FROM mail_outbox WHERE recipient = $1")
                .bind(email)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let short: String = id.chars().take(6).collect();
            sqlx::query(
                "UPDATE users SET email = $1, display_name = $2, password_hash = '!', active = FALSE, \
                 totp_secret = NULL, totp_pending = NULL, deleted_at = $3, updated_at = $3 WHERE id = $4",
            )
            .bind(format!("deleted-{}@deleted.invalid", id.to_ascii_lowercase()))
            .bind(format!("deleted-{short}"))
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            out.retained_notes =
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM session_notes WHERE client_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_into()
                    .unwrap_or(0);
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Purges the notes (with versions and addenda) kept for accounts deleted before
    /// `deleted_before`: the retention period runs from the deletion.
    pub async fn purge_retained_notes(&self, deleted_before: i64) -> Result<u64> {
        let notes = "SELECT n.id FROM session_notes n JOIN users u ON u.id = n.client_id \
                     WHERE u.deleted_at IS NOT NULL AND u.deleted_at < $1";
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(&format!("DELETE FROM note_addenda WHERE note_id IN ({notes})"))
                .bind(deleted_before)
                .execute(&mut *tx)
                .await?;
            sqlx::query(&format!("DELETE FROM note_versions WHERE note_id IN ({notes})"))
                .bind(deleted_before)
                .execute(&mut *tx)
                .await?;
            let done = sqlx::query(&format!("DELETE FROM session_notes WHERE id IN ({notes})"))
                .bind(deleted_before)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(done.rows_affected())
        })
    }

    /// A rule an admin set, when one was set.
    pub async fn center_setting(&self, key: &str) -> Result<Option<i64>> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar("SELECT value FROM center_settings WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Sets center settings together, with `effects`: all of them or none.
    pub async fn set_center_settings(
        &self,
        settings: &[(&str, i64)],
        by: &UserId,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<()> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            for (key, value) in settings {
                sqlx::query(
                    "INSERT INTO center_settings (key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, \
                     updated_at = excluded.updated_at",
                )
                .bind(*key)
                .bind(*value)
                .bind(by.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            crate::effects::write_effects!(&mut tx, effects, now);
            tx.commit().await?;
            Ok(())
        })
    }
}
