//! A client's chat message that speaks of suicide or self-harm: the place's crisis event is raised
//! (`crate::crisis`), the client sees the crisis lines at once, the chat's counselor and every
//! supervisor see the badge and the highlighted message, and the routing loop puts the chat first
//! (a high-risk chat goes at once to the counselor with the most room, even above capacity). A
//! high-risk chat nobody takes within the offer time alerts every console (see `routing`).

use sangdam_domain::crisis::Level;
use sangdam_domain::routing::ChatStatus;
use sangdam_store::{ChatRecord, CrisisRaised, CrisisWrite, Posted};

use super::{ClientOut, StaffOut, info};
use crate::crisis::{after_raise, care_notice};
use crate::state::AppState;

/// After a crisis message was stored with its event (`raised`, in the message's transaction).
pub(super) async fn on_crisis(
    state: &AppState,
    chat: &ChatRecord,
    posted: &Posted,
    write: &CrisisWrite,
    raised: &CrisisRaised,
) -> anyhow::Result<()> {
    // The client first: the lines at once, before any mail is queued.
    let nobody = !crate::crisis::counselor_available(state).await?;
    state.chat.to_client(&chat.id, &ClientOut::Care(care_notice(state, chat.language, nobody)));
    let hit = after_raise(state, write, raised).await;
    let level = hit.level;
    let Some(now) = state.store.chat(&chat.id).await? else { return Ok(()) };
    let msg = StaffOut::Crisis {
        chat: info(state, &now).await?,
        seq: posted.message.seq,
        level: level.as_str(),
        event: hit.event.clone(),
    };
    let holder = posted.counselor.as_ref().filter(|_| posted.status == Some(ChatStatus::Active));
    state.chat.send_staff(|s| s.is_supervisor() || Some(s.user()) == holder, &msg);
    if now.risk >= Level::rank(Some(Level::High)) {
        state.chat.crisis_started(&chat.id, state.clock.now());
    }
    state.chat.wake.notify_one();
    Ok(())
}
