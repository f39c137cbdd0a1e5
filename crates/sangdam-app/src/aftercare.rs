//! After a session: the counselor's summary and homework for the client, sealed under the
//! appointment. The first save queues the mail telling the client (no content in it) in the
//! same transaction, under a key that lets only the first one through; every save commits with
//! its audit entry.

use sangdam_store::{QueuedMail, Store, StoreError, SummaryRecord};

use crate::audit::{Actor, audited};
use crate::crypto::Keys;

/// Saves `record` (sealed by the caller, who checked the actor may write it) and, when
/// `notice` is given, the mail to the client, sent once per appointment however often the
/// summary is saved. Returns whether the summary is new.
pub async fn save_summary(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    record: &SummaryRecord,
    notice: Option<QueuedMail>,
) -> Result<bool, StoreError> {
    let mut effects =
        audited(keys, actor, "summary.save", Some(format!("appointment:{}", record.appointment_id)), "ok");
    if let Some(mut mail) = notice {
        mail.key = Some(format!("summary:{}", record.appointment_id));
        effects = effects.with_mail(mail);
    }
    store.save_summary(record, &effects).await
}
