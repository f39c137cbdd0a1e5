//! Protecting counselors (산업안전보건법 제41조): the graded response to a client's
//! flagged messages, ending a chat because of abuse (evidence lock, ban, incident, alert,
//! recovery break), and the alerts and breaks the session room uses too.

use sangdam_domain::UserId;
use sangdam_domain::abuse::Category;
use sangdam_domain::courtesy::{self, Step};
use sangdam_domain::routing::{ChatStatus, Status};
use sangdam_store::{ChatRecord, Posted};

use super::{StaffOut, close, set_status, system};
use crate::crypto::random;
use crate::mail::{self, Mail};
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

/// A protected break of the configured length (counted as break time; nothing is routed).
pub(crate) async fn recovery_break(state: &AppState, counselor: &UserId) -> anyhow::Result<()> {
    let now = state.clock.now();
    let minutes = i64::from(state.config.chat.recovery_break_minutes.max(1));
    // Another recovery break extends a running one; nothing else can replace it.
    set_status(state, counselor, Status::Break, Some(now + minutes * 60), "recovery").await.map(|_| ())
}

/// Tells supervisors (their consoles now, and by mail without any content).
pub(crate) async fn alert(
    state: &AppState,
    chat: Option<&str>,
    counselor: &UserId,
    category: &str,
) -> anyhow::Result<()> {
    let name = state.store.user_by_id(counselor).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
    state.chat.to_supervisors(&StaffOut::Alert {
        chat: chat.map(str::to_owned),
        counselor: name,
        category: category.to_owned(),
    });
    let link = state.config.link("/center/dashboard");
    let key_base =
        chat.map_or_else(|| format!("room-abuse:{counselor}:{}", state.clock.now()), |c| format!("chat-abuse:{c}"));
    let search =
        sangdam_store::UserSearch { text: None, role: Some(sangdam_domain::Role::Supervisor), limit: 500, offset: 0 };
    for s in state.store.search_users(&search).await?.0.into_iter().filter(|u| u.active) {
        let key = format!("{key_base}:{}", s.id);
        mail::send_once(state, &s.email, s.language, Mail::AbuseAlert { link: link.clone() }, &key).await?;
    }
    Ok(())
}
