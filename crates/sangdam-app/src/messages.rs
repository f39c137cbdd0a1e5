//! Secure messages between a client and a counselor of their care team: one sent is sealed under
//! its id and stored with its audit entry, the crisis event a client's words raise, and the
//! email notice to the recipient when it is the first unread of a burst, in one transaction.
//! Who may write to whom is `access`'s to say first.

use sangdam_domain::crisis::Level;
use sangdam_domain::{Role, UserId};
use sangdam_store::{CrisisRaised, CrisisWrite, MessageRecord, QueuedMail, Store, StoreError};

use crate::access::Source;
use crate::audit::{Actor, audited};
use crate::crypto::{Keys, random};

/// A message to send in the thread of `client` and `counselor`, from `actor` (one of them) to
/// `to`.
pub struct Outgoing<'a> {
    pub client: &'a UserId,
    pub counselor: &'a UserId,
    pub to: &'a UserId,
    /// Checked already (`sangdam_domain::aftercare::message`).
    pub text: &'a str,
    /// The notice to mail `to`, if the message is the first unread of a burst (`None`: the
    /// recipient's account is off, nothing to tell).
    pub notice: Option<QueuedMail>,
}

/// What a send did: whether the notice went, and the crisis event a client's words raised.
pub struct Sent {
    pub id: String,
    pub notified: bool,
    pub crisis: Option<(CrisisWrite, CrisisRaised)>,
}

/// Sends `m` for `actor`.
pub async fn send(store: &Store, keys: &Keys, actor: &Actor, m: Outgoing<'_>) -> Result<Sent, StoreError> {
    let Some((sender, role)) = &actor.user else { return Err(StoreError::NotFound) };
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let body = keys.seal_at(&sangdam_store::sealed::MESSAGE, &[&id], m.text.as_bytes());
    let record = MessageRecord {
        id: id.clone(),
        client_id: m.client.clone(),
        counselor_id: m.counselor.clone(),
        sender_id: sender.clone(),
        body,
        created_at: actor.at,
        read_at: None,
    };
    // A client's message that speaks of suicide or self-harm raises the thread's crisis event.
    let write = (*role == Role::Client).then(|| sangdam_domain::crisis::check(m.text)).flatten().map(|level: Level| {
        let place = format!("{}:{}", m.client, m.counselor);
        crate::crisis::write_for(keys, actor.at, Source::Message, &place, Some(m.client), Some(m.counselor), level)
    });
    let effects = audited(keys, actor, "message.send", Some(format!("user:{}", m.to)), "ok");
    // Keyed by the message: deleting the client's account finds the notice by it.
    let notice = m.notice.map(|n| QueuedMail { key: Some(format!("message:{id}")), ..n });
    let (notified, raised) = store.add_message(&record, write.as_ref(), &effects, notice.as_ref()).await?;
    let notified = notified && notice.is_some();
    Ok(Sent { id, notified, crisis: write.zip(raised) })
}
