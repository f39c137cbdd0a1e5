//! A counselor's status as the chat center routes by it (available, busy, a break, after-work,
//! offline), and what protects a counselor wherever a client abuses them, in a chat or in a
//! session room: a protected recovery break and the supervisors' alert. The chat center and the
//! session room both call it; neither imports the other.

use sangdam_domain::UserId;
use sangdam_domain::routing::Status;

use crate::mail::{self, Mail};
use crate::state::AppState;
use sangdam_realtime::chat::protocol::StaffOut;

/// Sets a counselor's status and tells their consoles; wakes the routing loop. A running
/// recovery break is protected: this returns false and changes nothing, unless the new status is
/// more recovery time (see `Store::set_agent_status`).
pub async fn set_status(
    state: &AppState,
    user: &UserId,
    status: Status,
    until: Option<i64>,
    reason: &str,
) -> anyhow::Result<bool> {
    apply_status(state, user, status, until, reason, false).await
}

/// A supervisor ends a counselor's recovery break early (or anything else the product decides
/// over it): the counselor is available again if their console is open, else offline.
pub async fn end_break(state: &AppState, user: &UserId) -> anyhow::Result<bool> {
    let next = if state.chat.online(user) { Status::Available } else { Status::Offline };
    apply_status(state, user, next, None, "", true).await
}

async fn apply_status(
    state: &AppState,
    user: &UserId,
    status: Status,
    until: Option<i64>,
    reason: &str,
    override_break: bool,
) -> anyhow::Result<bool> {
    let now = state.clock.now();
    let done = state.store.set_agent_status(user, status, until, reason, now, override_break).await?;
    if done {
        state.chat.to_user(user, &StaffOut::Status { status: status.as_str().to_owned(), until });
        state.chat.wake.notify_one();
    }
    Ok(done)
}

/// A protected break of the configured length (counted as break time; nothing is routed).
pub async fn recovery_break(state: &AppState, counselor: &UserId) -> anyhow::Result<()> {
    let now = state.clock.now();
    let minutes = i64::from(state.config.chat.recovery_break_minutes.max(1));
    // Another recovery break extends a running one; nothing else can replace it.
    set_status(state, counselor, Status::Break, Some(now + minutes * 60), "recovery").await.map(|_| ())
}

/// Tells supervisors (their consoles now, and by mail without any content).
pub async fn alert(state: &AppState, chat: Option<&str>, counselor: &UserId, category: &str) -> anyhow::Result<()> {
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
