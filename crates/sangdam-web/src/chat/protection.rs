//! Protecting counselors (산업안전보건법 제41조) in the chat center: the graded response to a
//! client's flagged messages, and ending a chat because of abuse (evidence lock, ban, incident,
//! and the alert and recovery break of `counselor_status`, which the session room uses too).

use sangdam_domain::abuse::Category;
use sangdam_domain::courtesy::{self, Step};
use sangdam_domain::routing::ChatStatus;
use sangdam_store::{ChatRecord, Posted};

use super::{StaffOut, close, system};
use crate::counselor_status::{alert, recovery_break};
use crate::crypto::random;
use crate::state::AppState;

pub(crate) fn category_str(c: Category) -> &'static str {
    match c {
        Category::Insult => "insult",
        Category::Sexual => "sexual",
        Category::Threat => "threat",
    }
}

/// After a client's message was flagged: the graded response. `previous` is how many of their
/// messages were flagged before this one. The product warns and blurs; ending the chat (and the
/// ban that comes with it) is the counselor's or a supervisor's decision, offered with one click.
/// A client still waiting, whom nobody has joined yet, is not warned: the message is only
/// blurred for whoever joins.
pub(crate) async fn respond_to_abuse(
    state: &AppState,
    chat: &ChatRecord,
    posted: &Posted,
    category: Category,
) -> anyhow::Result<()> {
    // The count the store returned includes this message: the ones before it decide the step.
    let previous = posted.flagged.saturating_sub(1);
    let step = courtesy::step(u32::try_from(previous).unwrap_or(u32::MAX), category);
    let seq = posted.message.seq;
    let step_name = match step {
        Step::Warning => "warning",
        Step::FinalWarning => "final_warning",
        Step::OfferEnd => "end",
    };
    if posted.status != Some(ChatStatus::Active) {
        return Ok(());
    }
    state.chat.to_staff(
        &chat.id,
        posted.counselor.as_ref().filter(|_| posted.status == Some(ChatStatus::Active)),
        &StaffOut::Flagged {
            chat: chat.id.clone(),
            seq,
            category: category_str(category).to_owned(),
            step: step_name,
            end_now: courtesy::ends_at_once(category) || step == Step::OfferEnd,
        },
    );
    match step {
        Step::Warning => system(state, chat, "chat-warning").await,
        Step::FinalWarning => system(state, chat, "chat-final-warning").await,
        Step::OfferEnd => Ok(()),
    }
}

/// Ends a chat because of abuse, by the product or with the counselor's one click: the chat closes
/// with the category `abuse`, its transcript is locked with its hash, the client cannot start a
/// chat for the configured days, the counselor gets a protected recovery break, and supervisors
/// are alerted. Returns the hash, or `None` when the chat was already closed.
pub(crate) async fn end_for_abuse(state: &AppState, chat_id: &str, category: &str) -> anyhow::Result<Option<String>> {
    let Some(chat) = state.store.chat(chat_id).await? else { return Ok(None) };
    if chat.status == ChatStatus::Closed {
        return Ok(None);
    }
    system(state, &chat, "chat-ended-abuse").await?;
    let Some(closed) = close(state, &chat, "abuse").await? else { return Ok(None) };
    let hash = state.store.chat(chat_id).await?.and_then(|c| c.evidence_hash);
    let now = state.clock.now();
    let days = i64::from(state.config.chat.ban_days.max(1));
    state.store.add_chat_ban(chat_id, chat.client_id.as_ref(), &chat.device, now + days * 86_400, now).await?;
    // Whoever held the chat when it closed met the abuse.
    if let Some(counselor) = &closed.counselor {
        let incident = sangdam_domain::ids::encode_random(&random::<16>());
        let category = if matches!(category, "insult" | "sexual" | "threat") { category } else { "other" };
        state.store.add_incident(&incident, counselor, Some(chat_id), None, category, now).await?;
        alert(state, Some(chat_id), counselor, category).await?;
        recovery_break(state, counselor).await?;
    }
    Ok(hash)
}
